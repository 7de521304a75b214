//! The console's Fleet tab in the real window, against a real fleet: Debian's PostgreSQL and
//! nats-server (the hub tests' parts, `crates/hub/tests/hub/fleet/parts.rs`), `frontdoor-fleet`,
//! and the harness's own hub given a `[fleet]` table, so the fleet's one hub is the one whose
//! console Sam is signed in to, on the relay double the test counts pulses on.

#[allow(dead_code)]
#[path = "../../crates/hub/tests/hub/fleet/parts.rs"]
mod parts;

use std::time::{Duration, Instant};

use fantoccini::Locator;
use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::base::config::FleetConfig;
use frontdoor_hub::{Config, RunningHub, Setup};
use parts::{postgres, Nats};
use serde_json::{json, Value};

use super::{choose_language, pulses_on, util, wait_for_text, wait_for_words, Harness, DEEP_LINK};

/// Sam's staff token at the fleet, for the lighthouse.
const SAM: &str = "sam-token-for-the-lighthouse";
/// The harness's hub, as the fleet knows it.
const HUB: &str = "lighthouse-1";

/// The fleet on its own database and NATS, with Sam as the lighthouse's staff.
async fn fleet(nats: &Nats) -> frontdoor_fleet::RunningFleet {
    let pg = postgres().database().await;
    // As the fleet's file reads, so settings with defaults need no change here.
    let config: frontdoor_fleet::Config = serde_json::from_value(json!({
        "listen": "127.0.0.1:0",
        "postgres": {"url": pg},
        "nats": {"url": nats.url()},
        "staff": [{
            "name": "Sam",
            "token_sha256": frontdoor_fleet::staff::ApiToken::new(SAM).hash(),
            "spaces": ["lighthouse"],
        }],
    }))
    .expect("the fleet's configuration");
    frontdoor_fleet::start(config, frontdoor_fleet::Secrets::default())
        .await
        .unwrap()
}

/// The harness's hub ([`util::hub_with_doors`]: the demo's three doors on `relay`, connected to
/// cobot-sim with Sam's token and synced once), with a `[fleet]` table naming `nats`.
async fn hub_in_fleet(sim: &cobot_sim::RunningSim, relay: &relay_sim::ShellyDouble, nats: &Nats) -> RunningHub {
    let token = util::mint(sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
    let setup = Setup {
        cobot_token: Some(AccessToken::new(token)),
        client_secret: Some(ClientSecret::new(cobot_sim::seed::HUB_CLIENT_SECRET)),
        clock: frontdoor_hub::Clock::from_fn(jiff::Timestamp::now),
        ..Setup::detached()
    };
    let mut config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
    // As a hub's `[fleet]` table reads, so settings with defaults need no change here.
    let fleet: FleetConfig =
        serde_json::from_value(json!({"nats": nats.url(), "hub_id": HUB})).expect("a hub's [fleet] table");
    config.fleet = Some(fleet);
    let hub = frontdoor_hub::spawn_with(config, setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    hub.hub.syncer.full().await.expect("the demo space syncs");
    hub
}

/// Waits until the fleet's record (its own API, as Sam's token reads it) holds Sam's remote open
/// of the front door; the hub sends its audit rows moments after the door's answer.
async fn until_the_fleet_has_the_opening(fleet: &str) {
    let url = format!("{fleet}api/v1/fleet/activity?space=lighthouse");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows: Value = http
            .get(&url)
            .bearer_auth(SAM)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let theirs = rows.as_array().into_iter().flatten().any(|row| {
            let row = row.to_string();
            row.contains("fleet:Sam") && row.contains("\"opened\"")
        });
        if theirs {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the hub's audit row of the remote open never reached the fleet: {rows}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs Xvfb, a session bus and tauri-driver: run scripts/test.sh"]
async fn staff_sign_in_to_the_fleet_see_their_hub_open_a_door_remotely_and_find_it_in_the_activity() {
    let nats = Nats::start();
    let fleet = fleet(&nats).await;
    let address = format!("http://{}/", fleet.addr);
    let sim = cobot_sim::spawn(cobot_sim::SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let relay = relay_sim::ShellyDouble::start_with_channels("127.0.0.1:0".parse().unwrap(), 3).await;
    let hub = hub_in_fleet(&sim, &relay, &nats).await;
    let h = Harness::around(DEEP_LINK, "sam@example.com", sim, relay, hub).await;
    h.find("#welcome").await;
    h.client.set_window_size(1280, 860).await.unwrap();
    h.join_and_sign_in().await;
    assert_eq!(h.text("#session-name").await, "Sam Rivera");

    // Signed out of the fleet: the form. A token the fleet does not know is refused in words,
    // and the form stays with what Sam typed, to correct the token.
    h.find("#tab-fleet").await.click().await.unwrap();
    h.find("#fleet-sign-in").await;
    h.find("#fleet-address").await.send_keys(&address).await.unwrap();
    h.find("#fleet-token").await.send_keys("not-sams-token").await.unwrap();
    h.find("#fleet-sign-in-button").await.click().await.unwrap();
    let refusal = h.find("#fleet-sign-in-error[data-code=not_signed_in]").await;
    assert_eq!(
        refusal.text().await.unwrap(),
        "The fleet did not accept this staff token. Check it with whoever runs your fleet, then sign in again."
    );
    assert_eq!(
        h.find("#fleet-address").await.prop("value").await.unwrap().as_deref(),
        Some(address.as_str()),
        "the address Sam typed is kept"
    );
    assert!(
        h.client.find(Locator::Css("#fleet-signed-in")).await.is_err(),
        "nobody is signed in to the fleet"
    );
    h.shot("fleet-sign-in-refused").await;

    // The right token: signed in, with the lighthouse's hub, its lights and its doors.
    let token = h.find("#fleet-token").await;
    token.clear().await.unwrap();
    token.send_keys(SAM).await.unwrap();
    h.find("#fleet-sign-in-button").await.click().await.unwrap();
    wait_for_words(&h, "#fleet-signed-in", "as Sam").await;
    assert!(
        h.client.find(Locator::Css("#fleet-sign-in-error")).await.is_err(),
        "the refusal went with the form"
    );
    // The hub puts its state every 2 s; the tab asks the fleet again every 5 s.
    let hub = format!("#fleet-spaces .fleet-space[data-space=lighthouse] .fleet-hub[data-hub={HUB}]");
    h.find(&format!("{hub}[data-online=true]")).await;
    assert!(h
        .text("#fleet-spaces .fleet-space[data-space=lighthouse] h3")
        .await
        .contains("Lighthouse Coworking"));
    for light in ["link", "cobot", "sync", "doors", "check_ins"] {
        let li = h.find(&format!("{hub} li[data-light={light}]")).await;
        assert_eq!(
            li.attr("data-ok").await.unwrap().as_deref(),
            Some("true"),
            "{light}: {}",
            li.text().await.unwrap()
        );
    }
    for (door, name) in [
        ("front", "Front door"),
        ("workshop", "Workshop"),
        ("office", "Staff office"),
    ] {
        let row = h.text(&format!("{hub} tr[data-door={door}]")).await;
        assert!(row.contains(name), "{door}: {row}");
    }
    h.shot("fleet-signed-in").await;

    // A remote open of the front door, with a reason for the hub's log: one pulse.
    let before = pulses_on(&h, 0);
    h.find(&format!("{hub} tr[data-door=front] .fleet-open"))
        .await
        .click()
        .await
        .unwrap();
    wait_for_words(&h, "#fleet-remote-open h3", "Front door").await;
    let focused = h.client.active_element().await.unwrap().attr("id").await.unwrap();
    assert_eq!(
        focused.as_deref(),
        Some("fleet-reason"),
        "the reason is where the typing goes"
    );
    h.find("#fleet-reason")
        .await
        .send_keys("Courier for Alex")
        .await
        .unwrap();
    h.find("#fleet-open-button").await.click().await.unwrap();
    let result = h.find("#fleet-open-result").await;
    let said = result.text().await.unwrap();
    assert_eq!(
        result.attr("class").await.unwrap().as_deref(),
        Some("door-result opened"),
        "the hub opened the door: {said}"
    );
    assert!(said.contains("Front door"), "{said}");
    assert_eq!(
        pulses_on(&h, 0),
        before + 1,
        "one remote open, one pulse on the front door"
    );
    assert_eq!(relay_pulses(&h), before + 1, "and no other door moved");
    h.shot("fleet-opened").await;

    // The activity is read when a door was opened or a space chosen; the hub's row reaches the
    // fleet moments after the door's answer, so Sam looks at the lighthouse once the fleet has it.
    until_the_fleet_has_the_opening(&address).await;
    h.find("#fleet-space")
        .await
        .select_by_value("lighthouse")
        .await
        .unwrap();
    let row = h
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//table[@id='fleet-activity-table']//tr[@data-outcome='opened'][td[contains(@class,'who')][contains(.,'Sam (fleet)')]]",
        ))
        .await
        .expect("Sam's remote open is in the fleet's activity");
    let words = row.text().await.unwrap();
    for part in ["lighthouse", HUB, "front", "Courier for Alex"] {
        assert!(words.contains(part), "the row names {part}: {words}");
    }
    assert_eq!(pulses_on(&h, 0), before + 1, "looking opens nothing");
    h.client
        .execute("document.getElementById('fleet-activity').scrollIntoView();", vec![])
        .await
        .unwrap();
    h.shot("fleet-activity").await;

    // In German every word of the tab is the app's own, the fleet's refusal of a token too;
    // names, and the reasons the hub wrote for its log, stay as they were made.
    choose_language(&h, "de").await;
    wait_for_text(&h, "#fleet-tab h2", "Deine Flotte").await;
    wait_for_words(&h, &format!("{hub} li[data-light=link]"), "Mit der Flotte verbunden").await;
    wait_for_words(&h, "#fleet-activity-table", "Sam (Flotte)").await;
    wait_for_text(&h, "#fleet-open-result", "Front door ist offen.").await;
    h.client.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    h.shot("fleet-signed-in-de").await;
    h.client
        .execute("document.getElementById('fleet-remote-open').scrollIntoView();", vec![])
        .await
        .unwrap();
    h.shot("fleet-activity-de").await;
    h.find("#fleet-sign-out").await.click().await.unwrap();
    h.find("#fleet-token").await.send_keys("not-sams-token").await.unwrap();
    h.find("#fleet-sign-in-button").await.click().await.unwrap();
    wait_for_text(
        &h,
        "#fleet-sign-in-error[data-code=not_signed_in] .message",
        "Die Flotte hat dieses Team-Token nicht angenommen. Prüfe es mit dem Betreiber deiner Flotte und melde dich dann noch einmal an.",
    )
    .await;
    assert_eq!(
        h.find("#fleet-address").await.prop("value").await.unwrap().as_deref(),
        Some(address.as_str()),
        "signed out, the address stays in the form"
    );
    h.shot("fleet-sign-in-refused-de").await;
    h.stop().await;
}

/// Every pulse the relay double executed, on any switch.
fn relay_pulses(h: &Harness) -> usize {
    h.relay.pulses().len()
}
