//! The real `frontdoor-hub` binary, killed with SIGKILL between the pulse and the check-in and
//! started again on the same database: the check-in is neither lost nor made twice.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use relay_sim::ShellyDouble;
use serde_json::{json, Value};

const HUB: &str = env!("CARGO_BIN_EXE_frontdoor-hub");

struct HubProcess {
    child: Child,
    url: String,
}

impl HubProcess {
    async fn start(sim: &cobot_sim::RunningSim, relay: &ShellyDouble, db: &std::path::Path, token: &str) -> HubProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(HUB)
            .args([
                "--demo",
                "--cobot-url",
                sim.base_url.as_str(),
                "--relay-url",
                relay.url().as_str(),
            ])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--db")
            .arg(db)
            .env("FRONTDOOR_HUB_COBOT_TOKEN", token)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/");
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("{url}api/v1/hub")).send().await.is_ok() {
                return HubProcess { child, url };
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the hub did not start");
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn mint(
    http: &reqwest::Client,
    sim: &cobot_sim::RunningSim,
    user: &str,
    client: &str,
    scopes: &[&str],
) -> String {
    let r: Value = http
        .post(format!("{}_sim/tokens", sim.base_url))
        .json(&json!({"user_id": user, "client_id": client, "scopes": scopes}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"].as_str().unwrap().to_string()
}

fn sam_check_ins(sim: &cobot_sim::RunningSim) -> usize {
    sim.sim
        .check_ins("lighthouse")
        .iter()
        .filter(|c| c.membership_id == "mem-sam")
        .count()
}

/// The hub's outbox row for Sam, read from its database file (WAL allows a reader beside it).
fn outbox_state(db: &std::path::Path) -> Option<String> {
    let store = frontdoor_hub::store::Store::open(db).unwrap();
    store
        .check_ins()
        .unwrap()
        .into_iter()
        .find(|r| r.membership_id == "mem-sam")
        .map(|r| r.state)
}

#[tokio::test]
async fn a_hub_killed_between_the_pulse_and_the_check_in_checks_in_exactly_once_after_restart() {
    // Real time throughout: Sam's Fixed Desk opens the front door (an entrance) at any hour.
    let sim = cobot_sim::spawn(cobot_sim::SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let relay = ShellyDouble::start_with_channels("127.0.0.1:0".parse().unwrap(), 3).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.sqlite");
    let http = reqwest::Client::new();
    let token = mint(&http, &sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;

    let hub = HubProcess::start(&sim, &relay, &db, &token).await;
    // Wait for the start-up sync, then take Cobot's membership endpoints down: the check-in
    // cannot be made while this hub lives.
    let app_token = mint(&http, &sim, "user-sam", "frontdoor-app", &["openid", "read_user"]).await;
    let mut session = Value::Null;
    for _ in 0..200 {
        session = http
            .post(format!("{}api/v1/session", hub.url))
            .json(&json!({"cobot_token": app_token}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if session["session_token"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let session = session["session_token"].as_str().expect("a hub session").to_string();
    sim.sim
        .add_fault(cobot_sim::Fault {
            path: "/sub/lighthouse/api/memberships/mem-sam".into(),
            kind: cobot_sim::FaultKind::Status,
            status: Some(503),
            delay_ms: None,
            retry_after_secs: None,
            times: 1_000_000,
        })
        .unwrap();

    let r = http
        .post(format!("{}api/v1/doors/front/unlock", hub.url))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    assert_eq!(relay.pulses().len(), 1, "the door opened");
    assert_eq!(outbox_state(&db).as_deref(), Some("pending"));

    hub.kill();
    assert_eq!(sam_check_ins(&sim), 0, "the hub died before Cobot had the check-in");
    let r = http
        .delete(format!("{}_sim/faults", sim.base_url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "faults cleared");

    let hub = HubProcess::start(&sim, &relay, &db, &token).await;
    let mut state = None;
    for _ in 0..400 {
        state = outbox_state(&db);
        if state.as_deref() == Some("checked_in") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        state.as_deref(),
        Some("checked_in"),
        "the restarted hub finished the check-in"
    );
    assert_eq!(sam_check_ins(&sim), 1);

    // Killed and restarted once more: nothing is repeated.
    hub.kill();
    let _hub = HubProcess::start(&sim, &relay, &db, &token).await;
    assert_eq!(outbox_state(&db).as_deref(), Some("checked_in"));
    assert_eq!(sam_check_ins(&sim), 1, "exactly one check-in at Cobot");
    assert_eq!(relay.pulses().len(), 1, "and the door was pulsed once");
}
