//! The real `frontdoor-hub` binary, killed with SIGKILL at each dangerous moment of an opening and
//! started again on the same database: no check-in is lost, none is made twice, and the audit log
//! says what happened.

mod util;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use relay_sim::{Fault, ShellyDouble};
use util::mint;

const HUB: &str = env!("CARGO_BIN_EXE_frontdoor-hub");

/// cobot-sim and the relay double in this process (real time: Sam's Fixed Desk opens the front
/// door, an entrance, at any hour), and a database the hub processes share.
struct World {
    sim: cobot_sim::RunningSim,
    relay: ShellyDouble,
    _dir: tempfile::TempDir,
    db: PathBuf,
    token: String,
    http: reqwest::Client,
}

struct HubProcess {
    child: Child,
    url: String,
}

impl HubProcess {
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

impl World {
    async fn start() -> World {
        let sim = cobot_sim::spawn(cobot_sim::SimConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let relay = ShellyDouble::start_with_channels("127.0.0.1:0".parse().unwrap(), 3).await;
        let dir = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let token = mint(&http, &sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
        World {
            db: dir.path().join("hub.sqlite"),
            _dir: dir,
            sim,
            relay,
            token,
            http,
        }
    }

    async fn start_hub(&self) -> HubProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let hub = HubProcess {
            child: Command::new(HUB)
                .args(["--demo", "--cobot-url", self.sim.base_url.as_str()])
                .args(["--relay-url", self.relay.url().as_str()])
                .args(["--listen", &format!("127.0.0.1:{port}")])
                .arg("--db")
                .arg(&self.db)
                .env("FRONTDOOR_HUB_COBOT_TOKEN", &self.token)
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap(),
            url: format!("http://127.0.0.1:{port}/"),
        };
        for _ in 0..400 {
            if self.http.get(format!("{}api/v1/hub", hub.url)).send().await.is_ok() {
                return hub;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the hub did not start");
    }

    /// Sam's hub session, once the hub's start-up sync has run.
    async fn session(&self, hub: &HubProcess) -> String {
        let url = url::Url::parse(&hub.url).unwrap();
        util::wait_until_healthy(&self.http, &url).await;
        for _ in 0..400 {
            if let Ok(r) = util::sign_in(&self.http, &url, "user-sam").await {
                return r["session_token"].as_str().unwrap().to_string();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no hub session for Sam");
    }

    fn unlock(&self, hub: &HubProcess, session: &str) -> tokio::task::JoinHandle<Result<u16, reqwest::Error>> {
        let request = self
            .http
            .post(format!("{}api/v1/doors/front/unlock", hub.url))
            .bearer_auth(session);
        tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
    }

    fn fault(&self, path: &str, kind: cobot_sim::FaultKind, times: u32) {
        self.sim
            .sim
            .add_fault(cobot_sim::Fault {
                path: path.into(),
                kind,
                status: None,
                delay_ms: None,
                retry_after_secs: None,
                times,
            })
            .unwrap();
    }

    async fn clear_faults(&self) {
        let r = self
            .http
            .delete(format!("{}_sim/faults", self.sim.base_url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    fn sam_check_ins(&self) -> usize {
        self.sim
            .sim
            .check_ins("lighthouse")
            .iter()
            .filter(|c| c.membership_id == "mem-sam")
            .count()
    }

    /// The outbox row and the audit log, read from the database file (WAL allows a reader beside
    /// a running hub).
    fn outbox_state(&self) -> Option<String> {
        let store = frontdoor_hub::store::Store::open(&self.db).unwrap();
        store
            .check_ins()
            .unwrap()
            .into_iter()
            .find(|r| r.membership_id == "mem-sam")
            .map(|r| r.state)
    }

    fn audit_decisions(&self) -> Vec<String> {
        let store = frontdoor_hub::store::Store::open(&self.db).unwrap();
        let mut rows = store.audit(100).unwrap();
        rows.reverse();
        rows.into_iter().map(|r| r.entry.decision).collect()
    }

    async fn until(&self, what: &str, done: impl Fn(&World) -> bool) {
        for _ in 0..800 {
            if done(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{what} did not happen; outbox: {:?}", self.outbox_state());
    }
}

#[tokio::test]
async fn killed_after_the_pulse_before_cobot_heard_the_check_in_is_made_once_after_restart() {
    let w = World::start().await;
    let hub = w.start_hub().await;
    let session = w.session(&hub).await;
    // Cobot is down while this hub lives: the check-in waits in the outbox.
    w.fault("/sub/lighthouse/api/", cobot_sim::FaultKind::Status, 1_000_000);

    assert_eq!(w.unlock(&hub, &session).await.unwrap().unwrap(), 200);
    assert_eq!(w.relay.pulses().len(), 1, "the door opened");
    assert_eq!(w.outbox_state().as_deref(), Some("pending"));

    hub.kill();
    assert_eq!(w.sam_check_ins(), 0, "the hub died before Cobot had the check-in");
    w.clear_faults().await;
    let hub = w.start_hub().await;

    w.until("the check-in", |w| w.outbox_state().as_deref() == Some("checked_in"))
        .await;
    assert_eq!(w.sam_check_ins(), 1);
    hub.kill();
    let _hub = w.start_hub().await;
    assert_eq!(w.outbox_state().as_deref(), Some("checked_in"));
    assert_eq!(w.sam_check_ins(), 1, "exactly one check-in at Cobot");
    assert_eq!(w.relay.pulses().len(), 1, "and one pulse");
}

#[tokio::test]
async fn killed_while_the_relay_was_answering_the_opening_is_audited_and_checked_in_once() {
    let w = World::start().await;
    let hub = w.start_hub().await;
    let session = w.session(&hub).await;
    // The relay executes at once but answers late: the hub is killed in between.
    w.relay.set_fault(Fault::Delay(Duration::from_millis(1500)));

    let request = w.unlock(&hub, &session);
    w.until("the pulse", |w| w.relay.pulses().len() == 1).await;
    hub.kill();
    assert!(request.await.unwrap().is_err(), "the app got no answer");
    assert_eq!(w.outbox_state().as_deref(), Some("held"), "recorded before the pulse");
    w.relay.set_fault(Fault::None);

    let _hub = w.start_hub().await;

    w.until("the check-in", |w| w.outbox_state().as_deref() == Some("checked_in"))
        .await;
    assert_eq!(w.sam_check_ins(), 1);
    assert_eq!(
        w.audit_decisions(),
        vec!["interrupted"],
        "the log says the hub stopped while opening"
    );
}

#[tokio::test]
async fn killed_after_cobot_made_the_check_in_but_before_the_hub_recorded_it_nothing_is_doubled() {
    let w = World::start().await;
    let hub = w.start_hub().await;
    let session = w.session(&hub).await;
    // Cobot makes the check-in, but its answer is cut in half: the hub cannot know it worked
    // and schedules a retry (5 s) — and is killed before it.
    w.fault(
        "/sub/lighthouse/api/memberships/mem-sam/work_sessions",
        cobot_sim::FaultKind::Malformed,
        1,
    );

    assert_eq!(w.unlock(&hub, &session).await.unwrap().unwrap(), 200);
    w.until("Cobot's check-in", |w| w.sam_check_ins() == 1).await;
    hub.kill();
    assert_eq!(w.outbox_state().as_deref(), Some("pending"));

    let _hub = w.start_hub().await;

    w.until("the check-in", |w| w.outbox_state().as_deref() == Some("checked_in"))
        .await;
    assert_eq!(
        w.sam_check_ins(),
        1,
        "the restarted hub read Cobot's state and posted nothing"
    );
}

#[tokio::test]
async fn sigterm_finishes_the_check_in_under_way_then_stops() {
    let w = World::start().await;
    let hub = w.start_hub().await;
    let session = w.session(&hub).await;
    // Cobot takes its time to answer the check-in: SIGTERM arrives while it is under way.
    w.sim
        .sim
        .add_fault(cobot_sim::Fault {
            path: "/sub/lighthouse/api/memberships/mem-sam/work_sessions".into(),
            kind: cobot_sim::FaultKind::Slow,
            status: None,
            delay_ms: Some(1500),
            retry_after_secs: None,
            times: 1,
        })
        .unwrap();
    assert_eq!(w.unlock(&hub, &session).await.unwrap().unwrap(), 200);
    // The slow fault is used up when the check-in's POST reaches cobot-sim: it is under way.
    for _ in 0..400 {
        if w.sim.sim.faults().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(w.sam_check_ins(), 0, "Cobot is still answering");

    let mut hub = hub;
    // SAFETY: plain kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(hub.child.id() as i32, libc::SIGTERM) }, 0);
    let mut status = None;
    for _ in 0..400 {
        if let Some(s) = hub.child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let status = status.expect("the hub stopped within ten seconds of SIGTERM");
    assert!(status.success(), "a graceful stop, not death by signal: {status:?}");
    assert_eq!(w.sam_check_ins(), 1, "the check-in under way was finished");
    assert_eq!(
        w.outbox_state().as_deref(),
        Some("checked_in"),
        "and recorded before the hub exited"
    );
}
