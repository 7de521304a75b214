//! Tests of the parent module.

use super::*;
use frontdoor_core::console::DoorSecretState;

#[test]
fn credential_variables_are_upper_case_with_underscores() {
    assert_eq!(
        secret_variable("front-shelly.pw"),
        "FRONTDOOR_HUB_SECRET_FRONT_SHELLY_PW"
    );
}

#[test]
fn a_missing_credential_names_the_door_and_where_to_put_it() {
    let config = Config::parse(
        "[space]\nsubdomain = \"l\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n[[doors]]\nid = \"front\"\nname = \"F\"\n\
         driver = { kind = \"shelly-gen2\", url = \"http://10.0.0.5/\", password_credential = \"front-shelly\" }\n",
    )
    .unwrap();
    let err = build(&config, &no_secrets()).err().expect("refused");
    assert!(matches!(&err.problem, Problem::CredentialMissing { name } if name == "front-shelly"));
    assert_eq!(
        err.to_string(),
        "the door “front”: it needs the credential “front-shelly”: set FRONTDOOR_HUB_SECRET_FRONT_SHELLY or \
         provide the systemd credential front-shelly, or enter the secret in the console"
    );
    let secrets: Secrets = Arc::new(|name: &str| (name == "front-shelly").then(|| "pw".to_string()));
    let doors = build(&config, &secrets).expect("built");
    assert!(doors["front"].driver.is_some());
    assert!(!doors["front"].driver.as_ref().unwrap().describe().contains("pw"));
}

fn setup(driver: Option<DoorDriverSetup>) -> DoorSetup {
    DoorSetup {
        id: "side".into(),
        name: "Side door".into(),
        entrance: false,
        pulse_ms: 3000,
        driver,
    }
}

#[test]
fn every_wrong_field_is_named_per_driver() {
    let mut bad = setup(Some(DoorDriverSetup::Webhook { url: "ftp://x".into() }));
    bad.id = "side door".into();
    bad.name = " ".into();
    bad.pulse_ms = 60_000;
    let fields = plan(&bad, None, false).err().expect("refused");
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        ["driver.url", "id", "name", "pulse_ms", "secret"]
    );
    let fields = plan(
        &setup(Some(DoorDriverSetup::Webhook {
            url: "https://relay.example/".into(),
        })),
        Some("hunter2"),
        false,
    )
    .err()
    .expect("refused");
    assert!(fields["secret"].contains("whsec_"), "{fields:?}");
    let mqtt = DoorDriverSetup::Mqtt {
        profile: "tasmota".into(),
        topic: None,
        relay: None,
        device: None,
        base_topic: None,
        prefix: None,
        switch_id: None,
    };
    let fields = plan(&setup(Some(mqtt.clone())), None, false).err().expect("refused");
    assert!(fields["driver.kind"].contains("[mqtt]"), "{fields:?}");
    assert!(fields["driver.topic"].contains("Tasmota topic"), "{fields:?}");
    let ha = DoorDriverSetup::HomeAssistant {
        url: "http://ha.local:8123/".into(),
        service: "lock.unlock".into(),
        entity_id: "switch.front".into(),
        switch_turns_itself_off: false,
    };
    let fields = plan(&setup(Some(ha.clone())), None, false).err().expect("refused");
    assert!(fields["secret"].contains("long-lived access token"), "{fields:?}");
    let fields = plan(&setup(Some(ha)), Some("token"), false).err().expect("refused");
    assert!(fields["driver.entity_id"].contains("lock."), "{fields:?}");
    assert!(plan(&setup(None), None, false).is_ok());
    assert!(plan(
        &setup(Some(DoorDriverSetup::ShellyGen2 {
            url: "http://10.0.0.5/".into(),
            channel: 0
        })),
        None,
        false
    )
    .is_ok());
}

#[test]
fn a_secret_opens_only_for_its_door_and_a_missing_one_is_named() {
    let workshop = Workshop::new(
        no_secrets(),
        SealKey::random(),
        None,
        frontdoor_core::clock::Clock::system(),
    );
    let sealed = workshop.seal("side", "pw");
    let mut door = StoredDoor {
        setup: setup(Some(DoorDriverSetup::ShellyGen2 {
            url: "http://10.0.0.5/".into(),
            channel: 0,
        })),
        credential: None,
        sealed: Some(sealed.clone()),
    };
    assert_eq!(workshop.secret_of(&door).unwrap().as_deref(), Some("pw"));
    assert_eq!(door.secret_state(), DoorSecretState::Stored);
    assert!(!door.trail_value().to_string().contains("pw"));
    door.setup.id = "front".into();
    assert!(workshop
        .secret_of(&door)
        .unwrap_err()
        .to_string()
        .contains("enter it again"));
    let runtime = workshop.build(&door);
    assert!(runtime.driver.is_none());
    assert!(runtime.problem.unwrap().contains("enter it again"));
}

#[test]
fn a_home_assistant_switch_needs_staff_to_say_it_turns_itself_off() {
    let door = |extra: &str| {
        Config::parse(&format!(
            "[space]\nsubdomain = \"l\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n[[doors]]\nid = \"front\"\n\
             name = \"F\"\ndriver = {{ kind = \"home-assistant\", url = \"http://ha.local:8123/\", service = \"switch.turn_on\", \
             entity_id = \"switch.front_strike\", token_credential = \"ha\"{extra} }}\n"
        ))
        .unwrap()
    };
    let secrets: Secrets = Arc::new(|name: &str| (name == "ha").then(|| "token".to_string()));
    let err = build(&door(""), &secrets).err().expect("refused").to_string();
    assert!(err.contains("driver.switch_turns_itself_off"), "{err}");
    assert!(err.contains("turns itself off"), "{err}");
    let doors = build(&door(", switch_turns_itself_off = true"), &secrets).expect("built");
    assert!(doors["front"]
        .driver
        .as_ref()
        .unwrap()
        .describe()
        .contains("switch.turn_on switch.front_strike"));
}
