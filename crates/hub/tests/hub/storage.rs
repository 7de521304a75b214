//! The hub under floods, full disks and full logs: the audit log and the log stay bounded, the
//! journal recovers without a restart, and the door opens again as soon as there is room.
//! cobot-sim as Cobot and relay-sim's Shelly double as the relay, all on loopback; Sam (member
//! and staff of the demo space) opens the front door at any hour.

use crate::util;

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontdoor_hub::store::{AuditEntry, AuditRow};
use frontdoor_hub::Setup;
use jiff::Timestamp;
use relay_sim::ShellyDouble;
use serde_json::Value;
use util::{any_port, cobot_sim_at, hub_token, quick_retries, sign_in, Demo, Start};

const HUB: &str = env!("CARGO_BIN_EXE_frontdoor-hub");

/// Requests in each flood.
const FLOOD: usize = 2_000;

/// Requests in flight at once during a flood.
const IN_FLIGHT: usize = 8;

/// The demo world ([`util::Demo`]) on real time, Cobot's failures tried twice and quickly.
struct World(Demo);
util::deref_to_demo!(World.0);

impl World {
    async fn start() -> World {
        // The check-in worker is off: the outbox stays as the unlock left it, nothing but the
        // unlocks writes.
        let quick = |setup: &mut Setup| {
            setup.retry = quick_retries();
            setup.cobot_timeout = Duration::from_secs(2);
        };
        World(Start::real_time().setup(quick).start().await)
    }

    /// `POST /api/v1/doors/{door}/unlock` → (status, body).
    async fn unlock(&self, session: Option<&str>, door: &str) -> (u16, Value) {
        unlock(&self.http, &self.hub.base_url, session, door).await
    }

    /// Sends `FLOOD` unlocks for `door` with `session`, `IN_FLIGHT` at a time; the statuses.
    async fn flood(&self, session: Option<&str>, door: &str) -> Vec<u16> {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..IN_FLIGHT {
            let (http, base) = (self.http.clone(), self.hub.base_url.clone());
            let (session, door) = (session.map(str::to_string), door.to_string());
            workers.spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..FLOOD / IN_FLIGHT {
                    statuses.push(unlock(&http, &base, session.as_deref(), &door).await.0);
                }
                statuses
            });
        }
        let mut statuses = Vec::new();
        while let Some(done) = workers.join_next().await {
            statuses.extend(done.unwrap());
        }
        statuses
    }

    fn audit(&self) -> Vec<AuditRow> {
        self.hub.hub.store.audit(100_000).unwrap()
    }

    /// Caps the database at the pages it uses and fills it with audit rows written at `at` —
    /// large ones, then the smallest there are, until not even those fit — as a full disk
    /// leaves it.
    fn fill_database(&self, at: Timestamp) {
        let store = &self.hub.hub.store;
        let pages = store.page_count_for_tests().unwrap();
        store.set_max_page_count_for_tests(pages as u32).unwrap();
        let mut tiny = entry(at);
        tiny.reasons.clear();
        (tiny.user_id, tiny.membership_id, tiny.driver, tiny.driver_result) = (None, None, None, None);
        tiny.door_id.clear();
        for row in [entry(at), tiny] {
            let mut full = false;
            for _ in 0..10_000 {
                match store.insert_audit_for_tests(std::slice::from_ref(&row)) {
                    Ok(()) => {}
                    Err(e) if e.is_full() => {
                        full = true;
                        break;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            assert!(full, "the capped database never filled");
        }
    }
}

async fn unlock(http: &reqwest::Client, base: &url::Url, session: Option<&str>, door: &str) -> (u16, Value) {
    let mut request = http.post(base.join(&format!("api/v1/doors/{door}/unlock")).unwrap());
    if let Some(session) = session {
        request = request.bearer_auth(session);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// An audit row as an earlier day left it.
fn entry(at: Timestamp) -> AuditEntry {
    AuditEntry {
        at,
        user_id: Some("user-alex".into()),
        membership_id: Some("mem-alex".into()),
        staff: false,
        door_id: "front".into(),
        decision: "opened".into(),
        code: None,
        reasons: vec!["Flex Desk gives Members: front door, Mon–Fri 07:00–22:00".into(); 3],
        driver: Some("Shelly Gen2".into()),
        driver_result: Some("confirmed".into()),
        may_have_opened: true,
        latency_us: 1200,
        check_in: None,
    }
}

/// Every log line the hub writes on this thread (the test's runtime runs the hub's tasks here).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[tokio::test]
async fn a_members_burst_of_two_thousand_taps_is_one_audit_row_that_counts_every_refusal() {
    let w = World::start().await;
    let sam = w.session("user-sam").await;
    let started = Instant::now();

    let statuses = w.flood(Some(&sam), "front").await;

    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        refused >= FLOOD - 12,
        "the per-minute limit refused the rest: {refused}"
    );
    assert!(statuses.iter().all(|s| [200, 429].contains(s)), "{statuses:?}");
    let rows = w.audit();
    assert!(rows.len() <= 20, "{} audit rows for one person's burst", rows.len());
    let bursts: Vec<&AuditRow> = rows
        .iter()
        .filter(|r| r.entry.code.as_deref() == Some("slow_down"))
        .collect();
    assert_eq!(
        bursts.iter().map(|r| r.count as usize).sum::<usize>(),
        refused,
        "every refusal is counted"
    );
    if started.elapsed() < Duration::from_secs(55) {
        assert_eq!(bursts.len(), 1, "one minute's burst is one row");
        assert!(bursts[0].last_at.is_some());
    }
    assert_eq!(w.relay.pulses().len(), 1, "the door opened once");

    // Staff see the count in the audit listing.
    let listed: Value = util::json_of(w.http.get(w.url("api/v1/admin/audit")).bearer_auth(&sam)).await;
    let listed_burst = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "slow_down")
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(listed_burst["count"], bursts[0].count);

    // Inventing door names makes no new rows either.
    let rows_before = w.audit().len();
    for i in 0..200 {
        let (status, _) = w.unlock(Some(&sam), &format!("no-such-door-{i}")).await;
        assert_eq!(status, 429);
    }
    assert!(w.audit().len() <= rows_before + 1, "{} rows", w.audit().len());
}

#[tokio::test]
async fn anonymous_floods_leave_at_most_120_audit_rows_and_no_log_line_each() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let captured = captured.clone();
            move || captured.clone()
        })
        .with_ansi(false)
        .finish();
    // This test's runtime is single-threaded: the hub's request handling logs on this thread.
    let _default = tracing::subscriber::set_default(subscriber);
    let w = World::start().await;
    let before = captured.lines().len();

    let without = w.flood(None, "front").await;
    let forged = w.flood(Some("forged-session-token"), "front").await;

    assert!(
        without.iter().chain(&forged).all(|s| [401, 429].contains(s)),
        "every request was refused"
    );
    let rows = w.audit();
    assert!(rows.len() <= 120, "{} audit rows from anonymous requests", rows.len());
    let lines = &captured.lines()[before..];
    assert!(
        lines.len() <= 5,
        "{} log lines from {} anonymous requests: {:#?}",
        lines.len(),
        2 * FLOOD,
        &lines[..lines.len().min(5)]
    );
    assert!(w.relay.pulses().is_empty());
}

#[tokio::test]
async fn a_full_database_keeps_the_door_shut_opens_it_once_room_returns_and_makes_room_from_old_rows() {
    let w = World::start().await;
    let sam = w.session("user-sam").await;
    // Only today's rows: nothing may be deleted to make room.
    w.fill_database(Timestamp::now());

    let (status, body) = w.unlock(Some(&sam), "front").await;

    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "audit_unavailable");
    assert!(w.relay.pulses().is_empty(), "no pulse without a record");

    // Space returns; the same hub, no restart.
    w.hub.hub.store.set_max_page_count_for_tests(u32::MAX).unwrap();
    let (status, body) = w.unlock(Some(&sam), "front").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(w.relay.pulses().len(), 1);
    assert_eq!(w.audit()[0].entry.decision, "opened");

    // Full again, but with rows from years ago: they make room for today's.
    let long_ago: Timestamp = "2020-03-02T09:00:00Z".parse().unwrap();
    let old: Vec<AuditEntry> = (0..3_000).map(|_| entry(long_ago)).collect();
    w.hub.hub.store.insert_audit_for_tests(&old).unwrap();
    w.fill_database(long_ago);
    let before = w.hub.hub.store.storage().unwrap().audit_rows;
    let recent = |w: &World| w.audit().iter().filter(|r| r.entry.at > long_ago).count();
    let recent_before = recent(&w);

    // Another door: the front door's pulse still runs, and a tap there would merge.
    let (status, body) = w.unlock(Some(&sam), "workshop").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(w.relay.pulses().len(), 2);
    let newest = &w.audit()[0];
    assert_eq!(
        (newest.entry.door_id.as_str(), newest.entry.decision.as_str()),
        ("workshop", "opened")
    );
    let after = w.hub.hub.store.storage().unwrap();
    assert!(
        after.audit_rows < before,
        "old rows made room: {before} → {}",
        after.audit_rows
    );
    assert_eq!(recent(&w), recent_before + 1, "only rows from years ago went");
}

/// Where the binary may write at most (RLIMIT_FSIZE): far above what its database needs, so only
/// the pre-filled log reaches it.
const FILE_LIMIT: u64 = 256 * 1024 * 1024;

struct HubProcess {
    child: Child,
    url: url::Url,
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_binary(sim: &cobot_sim::RunningSim, relay: &ShellyDouble, token: &str, dir: &Path, log: &Path) -> HubProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stderr = std::fs::OpenOptions::new().append(true).open(log).unwrap();
    let mut command = Command::new(HUB);
    command
        .args(["--demo", "--cobot-url", sim.base_url.as_str()])
        .args(["--relay-url", relay.url().as_str()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(dir.join("hub.sqlite"))
        .env("FRONTDOOR_HUB_COBOT_TOKEN", token)
        .env("FRONTDOOR_HUB_STORE_KEY", "11".repeat(32))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: FILE_LIMIT,
                rlim_max: FILE_LIMIT,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The default action (death), whatever the test runner inherited: the hub must
            // ignore SIGXFSZ itself.
            libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
            Ok(())
        });
    }
    HubProcess {
        child: command.spawn().unwrap(),
        url: url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
    }
}

#[tokio::test]
async fn the_hub_binary_outlives_a_full_log_file_and_says_how_many_lines_it_dropped() {
    let sim = cobot_sim_at(None).await;
    let relay = ShellyDouble::start_with_channels(any_port(), 3).await;
    let http = reqwest::Client::new();
    let token = hub_token(&http, &sim).await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("hub.log");
    // The log file is all but full (sparse: no disk is spent): the hub's first lines reach the
    // limit, and every write after that fails with EFBIG.
    std::fs::File::create(&log).unwrap().set_len(FILE_LIMIT - 16).unwrap();
    let mut hub = start_binary(&sim, &relay, &token, dir.path(), &log);

    let mut started = false;
    for _ in 0..400 {
        if http.get(hub.url.join("api/v1/hub").unwrap()).send().await.is_ok() {
            started = true;
            break;
        }
        assert!(hub.child.try_wait().unwrap().is_none(), "the hub died at start");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(started, "the hub did not start");
    // Anonymous requests, and a sign-in: each may log; nothing can be written.
    for _ in 0..300 {
        let (status, _) = unlock(&http, &hub.url, None, "front").await;
        assert!([401, 429].contains(&status), "{status}");
    }
    let mut session = None;
    for _ in 0..400 {
        if let Ok(r) = sign_in(&http, &hub.url, "user-sam").await {
            session = r["session_token"].as_str().map(str::to_string);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let session = session.expect("Sam signs in");
    assert_eq!(std::fs::metadata(&log).unwrap().len(), FILE_LIMIT, "the log is full");
    assert!(hub.child.try_wait().unwrap().is_none(), "the hub is alive");

    let (status, body) = unlock(&http, &hub.url, Some(&session), "front").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(relay.pulses().len(), 1, "the door opened");

    // Space returns.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&log)
        .unwrap()
        .set_len(0)
        .unwrap();
    sign_in(&http, &hub.url, "user-sam").await.unwrap();
    let mut text = String::new();
    for _ in 0..400 {
        text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("signed in a device") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let dropped = text
        .find("log lines were dropped while the log could not be written")
        .unwrap_or_else(|| panic!("no word of the dropped lines in: {text}"));
    let signed_in = text
        .find("signed in a device")
        .unwrap_or_else(|| panic!("no new line: {text}"));
    assert!(dropped < signed_in, "the count comes first: {text}");
    assert!(hub.child.try_wait().unwrap().is_none(), "the hub is still alive");
}
