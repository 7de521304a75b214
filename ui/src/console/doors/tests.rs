//! Tests of the parent module.

use super::*;

/// The form's check, its words in English.
fn setup(d: &Draft) -> Result<DoorSetup, BTreeMap<String, String>> {
    d.check().map_err(|fields| {
        fields
            .into_iter()
            .map(|(field, wrong)| (field, wrong.words(Lang::En)))
            .collect()
    })
}

#[test]
fn a_form_names_each_wrong_field_as_the_hub_does() {
    let mut d = Draft::new_door();
    d.id = "side door".into();
    d.pulse_ms = "100".into();
    let fields = setup(&d).unwrap_err();
    assert_eq!(
        fields.keys().map(String::as_str).collect::<Vec<_>>(),
        ["driver.url", "id", "name", "pulse_ms"]
    );
    d.id = "side".into();
    d.name = "Side".into();
    d.pulse_ms = "2000".into();
    d.url = "http://10.0.0.9/".into();
    let door = setup(&d).unwrap();
    assert_eq!(
        door.driver,
        Some(DoorDriverSetup::ShellyGen2 {
            url: "http://10.0.0.9/".into(),
            channel: 0
        })
    );
    assert_eq!(d.secret(), None, "an empty secret keeps the stored one");
    d.kind = "webhook".into();
    assert!(setup(&d).unwrap_err().contains_key("secret"));
    d.secret = "hunter2".into();
    assert!(setup(&d).unwrap_err()["secret"].contains("whsec_"));
}

#[test]
fn a_stored_secret_must_be_typed_again_when_the_door_points_at_another_device() {
    let mut d = Draft::new_door();
    d.editing = true;
    d.has_secret = true;
    d.id = "side".into();
    d.name = "Side".into();
    d.url = "http://10.0.0.9/".into();
    d.secret_for = secret_destination(&d.kind, &d.url);
    assert!(setup(&d).is_ok(), "same device: the stored secret is kept");
    d.url = "http://10.0.0.9:80/rpc".into();
    assert!(setup(&d).is_ok(), "the same origin, another path");
    d.url = "http://attacker.example/".into();
    let fields = setup(&d).unwrap_err();
    assert!(fields["secret"].contains("another device"), "{fields:?}");
    d.url = "http://10.0.0.9:8080/".into();
    assert!(
        setup(&d).unwrap_err().contains_key("secret"),
        "another port is another device"
    );
    d.url = "http://10.0.0.9/".into();
    d.kind = "shelly-gen1".into();
    assert!(setup(&d).unwrap_err().contains_key("secret"), "another driver kind too");
    d.secret = "new-password".into();
    assert!(setup(&d).is_ok(), "typed again: fine");
    d.secret.clear();
    d.clear_secret = true;
    assert!(setup(&d).is_ok(), "or removed");
    d.clear_secret = false;
    d.kind = "mqtt".into();
    d.topic = "front".into();
    assert!(setup(&d).is_ok(), "an MQTT door takes no secret, so none goes anywhere");
}

#[test]
fn an_existing_door_round_trips_through_the_form() {
    let row = DoorRow {
        door: DoorSetup {
            id: "cellar".into(),
            name: "Cellar".into(),
            entrance: true,
            pulse_ms: 1500,
            driver: Some(DoorDriverSetup::Mqtt {
                profile: "shelly".into(),
                topic: None,
                relay: None,
                device: None,
                base_topic: None,
                prefix: Some("shellies/cellar".into()),
                switch_id: Some(1),
            }),
        },
        secret: DoorSecretState::None,
        reach: DoorReach::Online,
        last_error: None,
        last_opened_at: None,
        latency: frontdoor_ipc::DoorLatency {
            door: "cellar".into(),
            name: "Cellar".into(),
            count: 0,
            p50_us: None,
            p95_us: None,
        },
        groups: vec![],
    };
    let d = Draft::of(&row);
    assert!(d.editing);
    assert_eq!(setup(&d).unwrap(), row.door);
}
