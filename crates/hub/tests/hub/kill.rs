//! The real `frontdoor-hub` binary, killed with SIGKILL at each dangerous moment of an opening and
//! started again on the same database: no check-in is lost, none is made twice, and the audit log
//! says what happened.

use crate::util;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use relay_sim::{Fault, ShellyDouble};

const HUB: &str = env!("CARGO_BIN_EXE_frontdoor-hub");

/// Where the hub posts Sam's check-ins at Cobot.
const SAM_CHECK_INS: &str = "/sub/lighthouse/api/memberships/mem-sam/work_sessions";

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
        let sim = util::cobot_sim_at(None).await;
        let relay = ShellyDouble::start_with_channels(util::any_port(), 3).await;
        let dir = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let token = util::hub_token(&http, &sim).await;
        World {
            db: dir.path().join("hub.sqlite"),
            _dir: dir,
            sim,
            relay,
            token,
            http,
        }
    }

    /// The world, a hub process on it, and a session of Sam's at that hub.
    async fn with_sam_signed_in() -> (World, HubProcess, String) {
        let w = World::start().await;
        let hub = w.start_hub().await;
        let session = w.session(&hub).await;
        (w, hub, session)
    }

    /// A world whose store holds one opening of Sam's, checked in at Cobot, and no hub running.
    async fn after_one_checked_in_opening() -> World {
        let (w, hub, session) = World::with_sam_signed_in().await;
        assert_eq!(w.unlock(&hub, &session).await.unwrap().unwrap(), 200);
        w.until_checked_in().await;
        hub.kill();
        w
    }

    async fn start_hub(&self) -> HubProcess {
        self.start_hub_logging("error", Stdio::inherit()).await
    }

    /// The demo hub on this world's cobot-sim, relay and database, listening on `listen`, with
    /// `RUST_LOG=<level>`; its stderr is the caller's to direct.
    fn hub_command(&self, listen: &str, level: &str) -> Command {
        let mut command = Command::new(HUB);
        command
            .args(["--demo", "--cobot-url", self.sim.base_url.as_str()])
            .args(["--relay-url", self.relay.url().as_str()])
            .args(["--listen", listen])
            .arg("--db")
            .arg(&self.db)
            .env("FRONTDOOR_HUB_COBOT_TOKEN", &self.token)
            .env("RUST_LOG", level)
            .stdout(Stdio::null());
        command
    }

    /// The hub with `RUST_LOG=<level>` and its log (stderr) sent to `log`.
    async fn start_hub_logging(&self, level: &str, log: Stdio) -> HubProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let hub = HubProcess {
            child: self
                .hub_command(&format!("127.0.0.1:{port}"), level)
                .stderr(log)
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

    /// A hub that must refuse to start: it exits within 30 s (killed and failed otherwise) and
    /// its exit code and log (stderr) are returned.
    async fn start_hub_expecting_exit(&self) -> (Option<i32>, String) {
        let mut child = self
            .hub_command("127.0.0.1:0", "error")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        for _ in 0..1200 {
            if let Some(status) = child.try_wait().unwrap() {
                let mut log = String::new();
                std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
                return (status.code(), log);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let _ = child.kill();
        panic!("the hub started on a damaged database instead of refusing");
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
        self.sim.sim.add_fault(util::fault(path, kind, times)).unwrap();
    }

    async fn clear_faults(&self) {
        util::clear_faults(&self.http, &self.sim).await;
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

    /// Waits until the outbox's check-in has reached Cobot.
    async fn until_checked_in(&self) {
        self.until("the check-in", |w| w.outbox_state().as_deref() == Some("checked_in"))
            .await;
    }
}

#[tokio::test]
async fn killed_after_the_pulse_before_cobot_heard_the_check_in_is_made_once_after_restart() {
    let (w, hub, session) = World::with_sam_signed_in().await;
    // Cobot is down while this hub lives: the check-in waits in the outbox.
    w.fault("/sub/lighthouse/api/", cobot_sim::FaultKind::Status, 1_000_000);

    assert_eq!(w.unlock(&hub, &session).await.unwrap().unwrap(), 200);
    assert_eq!(w.relay.pulses().len(), 1, "the door opened");
    assert_eq!(w.outbox_state().as_deref(), Some("pending"));

    hub.kill();
    assert_eq!(w.sam_check_ins(), 0, "the hub died before Cobot had the check-in");
    w.clear_faults().await;
    let hub = w.start_hub().await;

    w.until_checked_in().await;
    assert_eq!(w.sam_check_ins(), 1);
    hub.kill();
    let _hub = w.start_hub().await;
    assert_eq!(w.outbox_state().as_deref(), Some("checked_in"));
    assert_eq!(w.sam_check_ins(), 1, "exactly one check-in at Cobot");
    assert_eq!(w.relay.pulses().len(), 1, "and one pulse");
}

#[tokio::test]
async fn killed_while_the_relay_was_answering_the_opening_is_audited_and_checked_in_once() {
    let (w, hub, session) = World::with_sam_signed_in().await;
    // The relay executes at once but answers late: the hub is killed in between.
    w.relay.set_fault(Fault::Delay(Duration::from_millis(1500)));

    let request = w.unlock(&hub, &session);
    w.until("the pulse", |w| w.relay.pulses().len() == 1).await;
    hub.kill();
    assert!(request.await.unwrap().is_err(), "the app got no answer");
    assert_eq!(w.outbox_state().as_deref(), Some("held"), "recorded before the pulse");
    w.relay.set_fault(Fault::None);

    let _hub = w.start_hub().await;

    w.until_checked_in().await;
    assert_eq!(w.sam_check_ins(), 1);
    assert_eq!(
        w.audit_decisions(),
        vec!["interrupted"],
        "the log says the hub stopped while opening"
    );
}

#[tokio::test]
async fn killed_after_cobot_made_the_check_in_but_before_the_hub_recorded_it_nothing_is_doubled() {
    let (w, hub, session) = World::with_sam_signed_in().await;
    // Cobot makes the check-in, but its answer is cut in half: the hub cannot know it worked
    // and schedules a retry (5 s) — and is killed before it.
    w.fault(SAM_CHECK_INS, cobot_sim::FaultKind::Malformed, 1);

    assert_eq!(w.unlock(&hub, &session).await.unwrap().unwrap(), 200);
    w.until("Cobot's check-in", |w| w.sam_check_ins() == 1).await;
    hub.kill();
    assert_eq!(w.outbox_state().as_deref(), Some("pending"));

    let _hub = w.start_hub().await;

    w.until_checked_in().await;
    assert_eq!(
        w.sam_check_ins(),
        1,
        "the restarted hub read Cobot's state and posted nothing"
    );
}

#[tokio::test]
async fn sigterm_finishes_the_check_in_under_way_then_stops() {
    let (w, hub, session) = World::with_sam_signed_in().await;
    // Cobot takes its time to answer the check-in: SIGTERM arrives while it is under way.
    w.sim.sim.add_fault(util::slow(SAM_CHECK_INS, 1500, 1)).unwrap();
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

/// A line a caller would like the hub's log to show: it starts a line of its own with a made-up
/// time, then tries to colour the terminal, erase the line and reverse the text after it.
const FORGED: &str = "x\n1999-01-01T00:00:00.000000Z  INFO frontdoor_hub: FORGED staff opened every door\r\x1b[2K\x1b[31mRED\u{202e}desrever";

#[tokio::test]
async fn nothing_a_caller_sends_forges_or_garbles_a_line_of_the_real_hubs_log() {
    let w = World::start().await;
    let log_path = w.db.with_file_name("hub.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let hub = w.start_hub_logging("debug", Stdio::from(log)).await;
    let base = url::Url::parse(&hub.url).unwrap();
    util::wait_until_healthy(&w.http, &base).await;
    let sam = util::sign_in(&w.http, &base, "user-sam").await.unwrap();
    let session = sam["session_token"].as_str().unwrap();
    let browser = util::browser();

    // 1. Anyone: a sign-in begun, then its callback with Cobot's error parameters made up.
    let side = util::begin(&w.http, &base).await;
    let state = side
        .authorize_url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let mut callback = base.join("auth/callback").unwrap();
    callback
        .query_pairs_mut()
        .append_pair("state", &state)
        .append_pair("error", FORGED)
        .append_pair("error_description", FORGED);
    let r = browser.get(callback).send().await.unwrap();
    assert!(r.status().is_redirection(), "handed back to the app: {}", r.status());

    // 2. Staff: connecting Cobot, answered with the same made-up error.
    let connect = w.http.post(base.join("api/v1/admin/cobot/connect").unwrap());
    let r: serde_json::Value = util::json_of(
        connect
            .bearer_auth(session)
            .json(&serde_json::json!({"return_to": util::RETURN_TO})),
    )
    .await;
    let authorize = url::Url::parse(r["authorize_url"].as_str().unwrap_or_else(|| panic!("{r}"))).unwrap();
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let mut callback = base.join("auth/callback").unwrap();
    callback
        .query_pairs_mut()
        .append_pair("state", &state)
        .append_pair("error", "server_error")
        .append_pair("error_description", FORGED);
    browser.get(callback).send().await.unwrap();

    // 3. Staff: a device id in an address.
    let mut devices = base.join("api/v1/admin/devices/").unwrap();
    devices.path_segments_mut().unwrap().pop_if_empty().push(FORGED);
    let r = w.http.delete(devices).bearer_auth(session).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // 4. Anyone: a door id, a refresh token, a webhook body, a sign-in's state and device name.
    let mut door = base.join("api/v1/doors/").unwrap();
    door.path_segments_mut()
        .unwrap()
        .pop_if_empty()
        .push(FORGED)
        .push("unlock");
    w.http.post(door).bearer_auth(session).send().await.unwrap();
    util::refresh(&w.http, &base, FORGED).await;
    let secret = frontdoor_hub::store::Store::open(&w.db)
        .unwrap()
        .webhook_secret()
        .unwrap();
    w.http
        .post(
            base.join(&format!("api/v1/cobot/webhooks/{secret}/updated_membership_details"))
                .unwrap(),
        )
        .json(&serde_json::json!({"url": format!("{}sub/lighthouse/api/memberships/{FORGED}", w.sim.base_url)}))
        .send()
        .await
        .unwrap();
    w.http
        .post(base.join("api/v1/sign_in").unwrap())
        .json(&serde_json::json!({"return_to": util::RETURN_TO, "state": FORGED, "challenge": FORGED}))
        .send()
        .await
        .unwrap();

    // The webhook's re-read runs in the background; a SIGTERM lets the hub finish and flush.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // SAFETY: a plain signal to our own child.
    unsafe {
        libc::kill(hub.child.id() as i32, libc::SIGTERM);
    }
    let mut hub = hub;
    let _ = hub.child.wait();
    let written = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert!(lines.len() > 5, "the hub logged: {written}");
    for line in &lines {
        let timed = line.get(..2) == Some("20") && line.as_bytes().get(4) == Some(&b'-');
        assert!(
            (timed || line.starts_with("frontdoor-hub: ")) && !line.starts_with("1999"),
            "every line is one of the hub's own, starting with its time (or its name, at start): {line:?}"
        );
        assert!(
            !line.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "no control character reaches the log: {line:?}"
        );
    }
    let shown = lines
        .iter()
        .filter(|l| l.contains("FORGED staff opened every door"))
        .count();
    assert!(
        shown >= 3,
        "the callback's, the plug's and the device id's text are in the log, escaped, on the hub's own lines: {written}"
    );
}

/// Alex's record in the snapshot stored in the database file.
fn stored_alex(db: &std::path::Path) -> frontdoor_hub::store::snapshot::MemberRecord {
    let store = frontdoor_hub::store::Store::open(db).unwrap();
    let snapshot = store.load().unwrap().expect("a stored snapshot");
    let found = snapshot
        .members()
        .iter()
        .find(|m| m.membership_id == "mem-alex")
        .cloned();
    found.unwrap_or_else(|| {
        let ids: Vec<&str> = snapshot.members().iter().map(|m| m.membership_id.as_str()).collect();
        panic!("Alex is not in the stored snapshot: {ids:?}")
    })
}

#[tokio::test]
async fn killed_in_the_middle_of_a_sync_the_last_snapshot_and_the_log_stand_and_the_next_start_syncs() {
    let w = World::after_one_checked_in_opening().await;
    let before = stored_alex(&w.db);
    assert_eq!(before.canceled_to, None);

    // Cobot changes while no hub runs (Alex's membership now ends tomorrow), and its memberships list answers slowly: the next hub's
    // start-up sync is waiting on it when the hub is killed.
    let last_day = jiff::Zoned::now().date().tomorrow().unwrap();
    w.sim
        .sim
        .cancel_membership("lighthouse", "mem-alex", Some(last_day))
        .unwrap();
    w.sim
        .sim
        .add_fault(util::slow("/sub/lighthouse/api/memberships", 20_000, 1))
        .unwrap();
    let hub = w.start_hub().await;
    w.until("the sync reaching the slow memberships list", |w| {
        w.sim.sim.faults().is_empty()
    })
    .await;
    hub.kill();

    assert_eq!(
        stored_alex(&w.db),
        before,
        "the snapshot is the last whole sync's, not half of the next"
    );
    assert_eq!(w.audit_decisions(), vec!["opened"], "the audit log kept its row");
    assert_eq!(
        w.outbox_state().as_deref(),
        Some("checked_in"),
        "and the outbox its check-in"
    );

    let hub = w.start_hub().await;
    w.until("the next start's sync", |w| {
        stored_alex(&w.db).canceled_to == Some(last_day)
    })
    .await;
    assert_eq!(w.sam_check_ins(), 1, "nothing was checked in twice");
    hub.kill();
}

#[tokio::test]
async fn a_damaged_database_is_refused_by_name_and_left_as_it_was_and_its_backup_restores_everything() {
    let w = World::after_one_checked_in_opening().await;
    // Everything into the main file (as a clean stop or SQLite's own checkpoint leaves it), and a
    // backup kept the way an operator would.
    {
        let conn = rusqlite::Connection::open(&w.db).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let whole = std::fs::read(&w.db).unwrap();
    assert!(
        whole.len() >= 8 * 4096,
        "a database of some pages: {} bytes",
        whole.len()
    );
    let _ = std::fs::remove_file(w.db.with_extension("sqlite-wal"));
    let _ = std::fs::remove_file(w.db.with_extension("sqlite-shm"));

    let page = 4096;
    let mut overwritten = whole.clone();
    overwritten[3 * page..4 * page].fill(0xa5);
    let mut garbage = whole.clone();
    garbage[..page].copy_from_slice(&[0x5a; 4096]);
    let damages: [(&str, Vec<u8>); 3] = [
        ("cut in half", whole[..whole.len() / 2 / page * page].to_vec()),
        ("a page in the middle overwritten", overwritten),
        ("not a database at all", garbage),
    ];
    for (damage, bytes) in damages {
        std::fs::write(&w.db, &bytes).unwrap();
        let (code, log) = w.start_hub_expecting_exit().await;
        assert_eq!(code, Some(1), "{damage}: the hub exits 1; its log: {log}");
        assert!(
            log.contains(&w.db.display().to_string()) && log.contains("damaged") && log.contains("backup"),
            "{damage}: the log names the file, says it is damaged and what to do: {log}"
        );
        assert_eq!(
            std::fs::read(&w.db).unwrap(),
            bytes,
            "{damage}: the file is left as it was"
        );
    }
    assert_eq!(w.relay.pulses().len(), 1, "no damaged start opened a door");

    // The operator restores the backup: the audit row and the check-in are there, once.
    std::fs::write(&w.db, &whole).unwrap();
    let hub = w.start_hub().await;
    util::wait_until_healthy(&w.http, &url::Url::parse(&hub.url).unwrap()).await;
    assert_eq!(w.audit_decisions(), vec!["opened"]);
    assert_eq!(w.outbox_state().as_deref(), Some("checked_in"));
    assert_eq!(w.sam_check_ins(), 1, "nothing checked in twice");
    hub.kill();
}
