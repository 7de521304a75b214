//! The console's Fleet tab over IPC against a real fleet (issue 21): Debian's nats-server and
//! PostgreSQL, `frontdoor-fleet`, and two spaces (cobot-sim each) with one hub each on a relay
//! double. The app signs in to the fleet as an operator and asks it what the tab shows. The
//! fleet's parts are the hub tests' own (`crates/hub/tests/hub/fleet/parts.rs`).

#[allow(dead_code)]
#[path = "../../crates/hub/tests/hub/fleet/parts.rs"]
mod parts;

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontdoor_app::console::fleet::FleetToken;
use frontdoor_app::device_error::DeviceError;
use frontdoor_app::frontdoor::{Prefs, Saved, Settings};
use frontdoor_app::vault::{Memory, Vault};
use frontdoor_app::Frontdoor;
use frontdoor_core::secret::RefreshToken;
use frontdoor_ipc::{AppView, RedirectKind, TokenStorage};

use frontdoor_core::auth::IssuerPolicy;
use frontdoor_core::links::Subdomain;
use frontdoor_fleet::RunningFleet;
use frontdoor_hub::base::config::FleetConfig;
use frontdoor_hub::{Clock, Config, RunningHub};
use parts::{postgres, Nats};
use relay_sim::ShellyDouble;
use serde_json::{json, Value};

use super::{app, invoke_on, mounted, now, util, MemPrefs, Parts, RecordingBrowser};

const LIGHTHOUSE: &str = "lighthouse";
const HARBOUR: &str = "harbour";
/// Runs the lighthouse only.
const ANA: &str = "ana-token-for-the-lighthouse";
/// Runs both.
const OLGA: &str = "olga-token-for-both-spaces";

/// A `[[staff]]` entry of the fleet's file.
fn staff(name: &str, token: &str, spaces: &[&str]) -> Value {
    json!({
        "name": name,
        "token_sha256": frontdoor_fleet::staff::ApiToken::new(token).hash(),
        "spaces": spaces,
    })
}

/// One space's Cobot, relay and hub.
struct Site {
    _sim: cobot_sim::RunningSim,
    relay: ShellyDouble,
    hub: RunningHub,
    _dir: tempfile::TempDir,
}

/// NATS, the fleet on its own database, a hub per space, and the app.
struct World {
    _nats: Nats,
    fleet: RunningFleet,
    lighthouse: Site,
    harbour: Site,
    app: Parts,
}

async fn start_site(space: &str, name: &str, nats: &Nats) -> Site {
    let seed = cobot_sim::demo().as_space(space, name);
    let sim = cobot_sim::spawn_with_seed(cobot_sim::SimConfig::default(), seed, util::hub::any_port())
        .await
        .unwrap();
    let relay = ShellyDouble::start_with_channels(util::hub::any_port(), 3).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
    config.space.subdomain = Subdomain::parse(space).unwrap();
    config.space.name = name.into();
    // As a hub's `[fleet]` table reads, so settings with defaults need no change here.
    let fleet: FleetConfig = serde_json::from_value(json!({"nats": nats.url(), "hub_id": format!("{space}-1")}))
        .expect("a hub's [fleet] table");
    config.fleet = Some(fleet);
    let token = util::hub::hub_token(&reqwest::Client::new(), &sim).await;
    let mut setup = util::hub::hub_setup(dir.path(), Some(token), Clock::system());
    setup.check_in_worker = true;
    setup.check_in_backoff = util::hub::quick_backoff();
    let hub = util::hub::spawn_hub(config, setup).await;
    hub.hub.syncer.full().await.unwrap();
    Site {
        _sim: sim,
        relay,
        hub,
        _dir: dir,
    }
}

impl World {
    fn start() -> World {
        let (nats, fleet, lighthouse, harbour) = tauri::async_runtime::block_on(async {
            let nats = Nats::start();
            let pg = postgres().database().await;
            // As the fleet's file reads, so settings with defaults need no change here.
            let config: frontdoor_fleet::Config = serde_json::from_value(json!({
                "listen": "127.0.0.1:0",
                "postgres": {"url": pg},
                "nats": {"url": nats.url()},
                "staff": [staff("Ana", ANA, &[LIGHTHOUSE]), staff("Olga", OLGA, &[LIGHTHOUSE, HARBOUR])],
            }))
            .expect("the fleet's configuration");
            let fleet = frontdoor_fleet::start(config, frontdoor_fleet::Secrets::default())
                .await
                .unwrap();
            let lighthouse = start_site(LIGHTHOUSE, "Lighthouse Coworking", &nats).await;
            let harbour = start_site(HARBOUR, "Harbour Works", &nats).await;
            (nats, fleet, lighthouse, harbour)
        });
        World {
            _nats: nats,
            fleet,
            lighthouse,
            harbour,
            app: app(IssuerPolicy::with_extra(Vec::<url::Url>::new()), now),
        }
    }

    fn fleet_url(&self) -> String {
        format!("http://{}/", self.fleet.addr)
    }

    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.app.webview, cmd, args)
    }

    /// The operator signs in to the fleet from the Fleet tab.
    fn signs_in(&self, token: &str) -> Result<Value, Value> {
        self.invoke(
            "console_fleet_sign_in",
            json!({"url": self.fleet_url(), "token": token}),
        )
    }

    /// Asks `cmd` again until `wanted` accepts its answer (the hubs report every 2 s, their
    /// audit rows reach the fleet's record moments after the door's answer); fails after 20 s.
    fn eventually(&self, cmd: &str, args: Value, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let answer = self.invoke(cmd, args.clone());
            match &answer {
                Ok(value) if wanted(value) => return value.clone(),
                Ok(_) | Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
                Ok(_) | Err(_) => panic!("{cmd} never answered as wanted; its last answer: {answer:?}"),
            }
        }
    }
}

/// A vault and a preference file that outlive one start of the app, as the keychain and the
/// file on disk do.
struct Device {
    vault: Arc<Memory>,
    prefs: Arc<MemPrefs>,
}

struct SharedVault(Arc<Memory>);

impl Vault for SharedVault {
    fn kind(&self) -> TokenStorage {
        self.0.kind()
    }
    fn put(&self, key: &str, token: &RefreshToken) -> Result<(), DeviceError> {
        self.0.put(key, token)
    }
    fn get(&self, key: &str) -> Result<Option<RefreshToken>, DeviceError> {
        self.0.get(key)
    }
    fn put_fleet(&self, key: &str, token: &FleetToken) -> Result<(), DeviceError> {
        self.0.put_fleet(key, token)
    }
    fn get_fleet(&self, key: &str) -> Result<Option<FleetToken>, DeviceError> {
        self.0.get_fleet(key)
    }
    fn delete(&self, key: &str) -> Result<(), DeviceError> {
        self.0.delete(key)
    }
}

struct SharedPrefs(Arc<MemPrefs>);

impl Prefs for SharedPrefs {
    fn load(&self) -> Saved {
        self.0.load()
    }
    fn save(&self, saved: &Saved) -> Result<(), DeviceError> {
        self.0.save(saved)
    }
}

impl Device {
    fn new() -> Device {
        Device {
            vault: Arc::new(Memory::new("test")),
            prefs: Arc::default(),
        }
    }

    /// The app started on this device.
    fn start_app(&self) -> Parts {
        let (_, views) = std::sync::mpsc::channel();
        let browser = RecordingBrowser::default();
        let frontdoor = Frontdoor::new(
            Settings {
                policy: IssuerPolicy::with_extra(Vec::<url::Url>::new()),
                redirect: RedirectKind::DeepLink,
                now,
            },
            Box::new(SharedVault(Arc::clone(&self.vault))),
            Box::new(SharedPrefs(Arc::clone(&self.prefs))),
            Box::new(browser.clone()),
            Box::new(|_: &AppView| {}),
        );
        mounted(frontdoor, browser, views)
    }
}

/// The hubs of a spaces list, as `space/hub` with whether each is online and has put its state.
fn hubs_of(spaces: &Value) -> Vec<(String, bool)> {
    spaces
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|space| {
            let name = space["space"].as_str().unwrap().to_string();
            space["hubs"].as_array().unwrap().iter().map(move |hub| {
                (
                    format!("{name}/{}", hub["hub"].as_str().unwrap()),
                    hub["online"] == json!(true) && hub["state"].is_object(),
                )
            })
        })
        .collect()
}

#[test]
fn signing_in_to_the_fleet_with_a_token_it_does_not_know_says_so_in_words_and_keeps_nothing() {
    let w = World::start();
    let refused = w.signs_in("not-a-staff-token").unwrap_err();
    assert_eq!(refused["code"], json!("not_signed_in"), "{refused}");
    assert_eq!(
        refused["message"],
        json!("The fleet did not accept this staff token. Check it with whoever runs your fleet, then sign in again."),
        "words for the person at the form, not the fleet's words for programs"
    );
    assert_eq!(
        w.invoke("console_fleet", json!({})),
        Ok(json!({"address": null, "me": null})),
        "a refused token is not kept, nor the address it was tried at"
    );
    assert_eq!(
        w.invoke("console_fleet_spaces", json!({})).unwrap_err()["code"],
        json!("not_signed_in")
    );

    let typo = w
        .invoke(
            "console_fleet_sign_in",
            json!({"url": "http://fleet.example.com", "token": OLGA}),
        )
        .unwrap_err();
    assert_eq!(typo["code"], json!("invalid"));
    assert!(
        typo["fields"]["url"].as_str().unwrap().contains("https://"),
        "the words go beside the address: {typo}"
    );
}

#[test]
fn the_operator_sees_both_hubs_opens_a_door_from_the_app_and_finds_it_in_the_activity() {
    let w = World::start();
    let signed_in = w.signs_in(OLGA).unwrap();
    assert_eq!(
        signed_in,
        json!({"address": w.fleet_url(), "me": {"name": "Olga", "spaces": [LIGHTHOUSE, HARBOUR]}})
    );
    assert_eq!(
        w.invoke("console_fleet", json!({})).unwrap(),
        signed_in,
        "the tab finds the operator signed in when it opens again"
    );

    let spaces = w.eventually("console_fleet_spaces", json!({}), |spaces| {
        hubs_of(spaces).iter().filter(|(_, up)| *up).count() == 2
    });
    assert_eq!(
        hubs_of(&spaces),
        [
            ("lighthouse/lighthouse-1".to_string(), true),
            ("harbour/harbour-1".to_string(), true)
        ],
        "both hubs, each with its lights and doors: {spaces}"
    );
    let doors: Vec<&str> = spaces[0]["hubs"][0]["state"]["doors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert!(doors.contains(&"front"), "{doors:?}");

    let before = w.lighthouse.relay.pulses().len();
    let opened = w
        .invoke(
            "console_fleet_open",
            json!({"space": LIGHTHOUSE, "hub": "lighthouse-1", "door": "front", "reason": "Courier for Alex"}),
        )
        .unwrap();
    assert_eq!(opened["door_id"], json!("front"), "{opened}");
    assert_eq!(opened["outcome"], json!("opened"), "{opened}");
    let pulses = w.lighthouse.relay.pulses();
    assert_eq!(pulses.len(), before + 1, "the relay pulsed once");
    assert_eq!(pulses.last().unwrap().channel, 0, "the front door's switch");

    let activity = w.eventually(
        "console_fleet_activity",
        json!({"space": LIGHTHOUSE, "checkIns": false}),
        |rows| {
            rows.as_array()
                .unwrap()
                .iter()
                .any(|r| r["user_id"] == json!("fleet:Olga") && r["decision"] == json!("opened"))
        },
    );
    let row = activity
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == json!("fleet:Olga"))
        .unwrap();
    assert_eq!(
        (&row["space"], &row["hub"], &row["door_id"]),
        (&json!(LIGHTHOUSE), &json!("lighthouse-1"), &json!("front"))
    );
    assert!(
        row["reasons"].to_string().contains("Courier for Alex"),
        "the reason is kept with the open: {row}"
    );
    assert_eq!(row["check_in"], Value::Null, "a remote open checks nobody in: {row}");
    let check_ins = w
        .invoke("console_fleet_activity", json!({"space": LIGHTHOUSE, "checkIns": true}))
        .unwrap();
    assert!(
        check_ins
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["user_id"] != json!("fleet:Olga")),
        "only the entries that checked someone in: {check_ins}"
    );

    let no_reason = w
        .invoke(
            "console_fleet_open",
            json!({"space": LIGHTHOUSE, "hub": "lighthouse-1", "door": "front", "reason": " "}),
        )
        .unwrap_err();
    assert_eq!(no_reason["code"], json!("invalid"), "{no_reason}");
    assert_eq!(
        w.lighthouse.relay.pulses().len(),
        before + 1,
        "nothing opened without a reason"
    );

    let revoked = w
        .invoke(
            "console_fleet_revoke",
            json!({"space": LIGHTHOUSE, "deviceId": "dev-lost-phone", "userId": null, "why": "Phone lost"}),
        )
        .unwrap();
    let revoked = revoked.as_array().unwrap();
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert_eq!(revoked[0]["key"], json!("lighthouse.revoke.device.dev-lost-phone"));
    assert_eq!(
        (&revoked[0]["by"], &revoked[0]["why"]),
        (&json!("Olga"), &json!("Phone lost"))
    );
    assert_eq!(
        w.invoke("console_fleet_revocations", json!({"space": HARBOUR})),
        Ok(json!([])),
        "a revocation stays in its space"
    );

    assert_eq!(
        w.invoke("console_fleet_sign_out", json!({})),
        Ok(json!({"address": w.fleet_url(), "me": null})),
        "signed out, the address kept for the form"
    );
    assert_eq!(
        w.invoke("console_fleet_spaces", json!({})).unwrap_err()["code"],
        json!("not_signed_in")
    );
}

#[test]
fn a_members_check_in_at_a_hub_shows_in_the_fleet_tab_with_how_it_ended() {
    let w = World::start();
    w.signs_in(OLGA).unwrap();
    assert_eq!(
        w.invoke("console_fleet_check_ins", json!({"space": null})),
        Ok(json!([])),
        "nobody has come in yet"
    );
    let (status, body) = tauri::async_runtime::block_on(async {
        let http = reqwest::Client::new();
        let hub = &w.lighthouse.hub.base_url;
        let sam = util::hub::sign_in(&http, hub, "user-sam").await.unwrap();
        util::hub::unlock(&http, hub, sam["session_token"].as_str(), "front").await
    });
    assert_eq!(status, 200, "{body}");
    let check_ins = w.eventually("console_fleet_check_ins", json!({"space": LIGHTHOUSE}), |rows| {
        rows.as_array().is_some_and(|rows| !rows.is_empty())
    });
    let sam = &check_ins[0];
    assert_eq!(
        (&sam["space"], &sam["hub"], &sam["membership_id"], &sam["state"]),
        (
            &json!(LIGHTHOUSE),
            &json!("lighthouse-1"),
            &json!("mem-sam"),
            &json!("checked_in")
        ),
        "{check_ins}"
    );
    assert!(sam["cobot_id"].is_string(), "Cobot's check-in: {sam}");
    assert_eq!(
        w.invoke("console_fleet_check_ins", json!({"space": HARBOUR})),
        Ok(json!([])),
        "the harbour has its own check-ins"
    );
}

#[test]
fn staff_of_one_space_see_only_that_space() {
    let w = World::start();
    assert_eq!(
        w.signs_in(ANA).unwrap()["me"],
        json!({"name": "Ana", "spaces": [LIGHTHOUSE]})
    );
    let spaces = w.eventually("console_fleet_spaces", json!({}), |spaces| {
        hubs_of(spaces).iter().any(|(_, up)| *up)
    });
    assert_eq!(
        hubs_of(&spaces),
        [("lighthouse/lighthouse-1".to_string(), true)],
        "the harbour's hub is not Ana's to see: {spaces}"
    );
    let all = w
        .invoke("console_fleet_activity", json!({"space": null, "checkIns": false}))
        .unwrap();
    assert!(
        all.as_array().unwrap().iter().all(|r| r["space"] == json!(LIGHTHOUSE)),
        "{all}"
    );
    for (cmd, args) in [
        ("console_fleet_activity", json!({"space": HARBOUR, "checkIns": false})),
        (
            "console_fleet_open",
            json!({"space": HARBOUR, "hub": "harbour-1", "door": "front", "reason": "Courier"}),
        ),
        ("console_fleet_revocations", json!({"space": HARBOUR})),
        ("console_fleet_check_ins", json!({"space": HARBOUR})),
    ] {
        let refused = w.invoke(cmd, args).unwrap_err();
        assert_eq!(refused["code"], json!("unknown_item"), "{cmd}: {refused}");
    }
    assert!(
        w.harbour.relay.pulses().is_empty(),
        "the harbour's door never opened for Ana"
    );
}

#[test]
fn the_fleet_token_is_kept_in_the_vault_never_in_the_preference_file_and_outlives_a_restart() {
    let w = World::start();
    let device = Device::new();
    let first = device.start_app();
    let signed_in = invoke_on(
        &first.webview,
        "console_fleet_sign_in",
        json!({"url": w.fleet_url(), "token": OLGA}),
    )
    .unwrap();
    let kept = device
        .vault
        .get_fleet(&format!("fleet@{}", w.fleet_url()))
        .unwrap()
        .expect("the token is in the vault, under the fleet's address");
    assert_eq!(kept.secret(), OLGA);
    let file = serde_json::to_string(&device.prefs.load()).unwrap();
    assert!(file.contains(&w.fleet_url()), "the address is kept in the file: {file}");
    assert!(
        !file.contains(OLGA),
        "Architecture Invariant: no token in a plain file: {file}"
    );
    drop(first);

    let again = device.start_app();
    assert_eq!(
        invoke_on(&again.webview, "console_fleet", json!({})),
        Ok(signed_in),
        "after a restart the operator is still signed in to the fleet"
    );
    invoke_on(&again.webview, "console_fleet_sign_out", json!({})).unwrap();
    assert!(
        device
            .vault
            .get_fleet(&format!("fleet@{}", w.fleet_url()))
            .unwrap()
            .is_none(),
        "signing out forgets the token"
    );
}
