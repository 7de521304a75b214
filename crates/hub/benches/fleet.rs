//! The fleet (issue 21, item 6): how many events a second 50 hubs can send into the fleet's
//! record, how long a tap at a door takes to show in the fleet console, and how long a
//! revocation made in the fleet console takes to stop a door.
//!
//! Real parts on loopback, as in the fleet tests (`tests/hub/fleet/parts.rs`): Debian's
//! PostgreSQL (run as the `postgres` user when we are root) and nats-server with JetStream,
//! secured as `frontdoor-fleet nats-config` writes it (each hub its own user, allowed only its
//! own subjects; bcrypt at the lowest cost, and every connection made before a clock starts),
//! `frontdoor-fleet` on them, cobot-sim with the demo space, and one real hub of it
//! (`lighthouse-1`, its doors on the relay double) joined to the fleet.
//!
//! - **Events/s.** 50 simulated hubs (10 spaces × 5, each its own NATS connection) send `rows`
//!   audit rows each up the stream as a hub's up loop does (`app/fleet.rs`, `send_up`), as
//!   their own NATS user: `Up` messages with their `Nats-Msg-Id`, JetStream publishes in rounds
//!   of 500, every acknowledgement awaited. The clock runs from the first publish until the fleet's
//!   PostgreSQL record (`Store::counts`, asked every 100 ms) holds every row; the stream's own
//!   rate (every acknowledgement in) is printed beside it, and a MISMATCH line if the record
//!   holds other than what was sent.
//! - **Door → fleet console.** A staff member (a different one each round, so nothing merges or
//!   hits the per-person limit) taps the front door of `lighthouse-1`; the clock runs from the
//!   tap until the row is in the console's `GET /api/v1/fleet/activity` (polled every 5 ms).
//!   The hub's up loop looks for new rows every 100 ms, so about 50 ms of the median is that
//!   wait; the rounds are staggered over it. The row's own times (`received_at − at`) say how
//!   much is the way into the record; the rest is the console's answer and its poll.
//! - **Revocation → door stops.** Sam signs in on a new device, opens the front door, then a
//!   fleet staff member revokes that device at the console (`POST …/revocations`); the clock runs
//!   from that request until Sam's unlock there is refused (tapped every 10 ms). Goal: ≤ 2 s p99
//!   with the link up (ARCHITECTURE.md, the fleet).
//!
//! Everything shares this machine's cores (the two servers, the fleet, the hub, the simulated
//! hubs on a runtime of their own), so the figures are conservative.
//!
//! `cargo bench -p frontdoor-hub --bench fleet` (50 hubs × 2,000 rows, 50 taps, 20 revocations,
//! release build); the README's test command runs it in its short mode (`-- --short`: 50 × 200
//! rows, 10 taps, 5 revocations, debug build) so the path is exercised on every run. The figures
//! are printed, never asserted: these machines are noisy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontdoor_core::fleet::{self, AuditLine, FleetActivity, Up, UpEvent};
use frontdoor_fleet::RunningFleet;
use frontdoor_hub::base::config::FleetConfig;
use frontdoor_hub::base::throttle;
use frontdoor_hub::{Clock, Config, RunningHub};
use relay_sim::ShellyDouble;
use serde_json::json;

mod common;
#[path = "../tests/hub/fleet/parts.rs"]
#[allow(dead_code)]
mod parts;
#[path = "../tests/util/mod.rs"]
mod util;

/// The real hub's space and id.
const SPACE: &str = "lighthouse";
const HUB: &str = "lighthouse-1";
/// The fleet staff member who runs the lighthouse and every simulated space.
const STAFF: &str = "bench-operator-token";
/// The fleet's NATS password.
const FLEET_PASSWORD: &str = "the-fleets-nats-password";
/// Simulated hubs: spaces × hubs per space.
const SPACES: usize = 10;
const HUBS_PER_SPACE: usize = 5;
/// Rows per publish round, as the hub's up loop sends them.
const UP_BATCH: usize = 500;
/// A round that has not finished by then is counted as missed.
const ROUND_LIMIT: Duration = Duration::from_secs(10);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(what: &str, taken: &mut [Duration], missed: usize) -> String {
    taken.sort_unstable();
    if taken.is_empty() {
        return format!("none within {} s ({missed})", ROUND_LIMIT.as_secs());
    }
    format!(
        "{} {what}, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms{}",
        taken.len(),
        ms(percentile(taken, 50.0)),
        ms(percentile(taken, 99.0)),
        ms(*taken.last().unwrap()),
        if missed > 0 {
            format!(", {missed} not within {} s", ROUND_LIMIT.as_secs())
        } else {
            String::new()
        }
    )
}

/// The simulated hubs: (space, hub id), 5 to each of 10 spaces.
fn simulated_hubs() -> Vec<(String, String)> {
    (0..SPACES)
        .flat_map(|s| {
            (0..HUBS_PER_SPACE).map(move |h| (format!("bench-space-{s:02}"), format!("bench-hub-{s:02}-{h}")))
        })
        .collect()
}

/// A hub's NATS password.
fn hub_password(id: &str) -> String {
    format!("{id}-nats-password")
}

/// The fleet's configuration: one staff member running the lighthouse and the simulated spaces,
/// and a NATS user for every hub.
fn fleet_config(nats: &str, pg: &str) -> frontdoor_fleet::Config {
    let mut hubs = simulated_hubs();
    hubs.push((SPACE.into(), HUB.into()));
    let mut config = frontdoor_fleet::Config::new("127.0.0.1:0".parse().unwrap(), pg, nats);
    let mut spaces: Vec<String> = hubs.iter().map(|(space, _)| space.clone()).collect();
    spaces.dedup();
    config.staff = vec![frontdoor_fleet::config::Staff {
        name: "Bench".into(),
        token_sha256: frontdoor_fleet::staff::ApiToken::new(STAFF).hash(),
        spaces,
    }];
    config.nats.password_bcrypt = Some(frontdoor_fleet::accounts::hash_password(FLEET_PASSWORD, 4).unwrap());
    for (space, id) in hubs {
        config.hubs.push(frontdoor_fleet::config::HubAccount {
            password_bcrypt: frontdoor_fleet::accounts::hash_password(&hub_password(&id), 4).unwrap(),
            id,
            space,
        });
    }
    config
}

/// nats-server with the fleet's users and permissions, and the fleet on it and the database
/// `pg`.
async fn start_fleet(pg: &str) -> (parts::Nats, RunningFleet) {
    let authorization = frontdoor_fleet::accounts::nats_authorization(&fleet_config("", "")).unwrap();
    let nats = parts::Nats::start_with(Some(&authorization));
    let secrets = frontdoor_fleet::Secrets {
        postgres_password: None,
        nats_password: Some(FLEET_PASSWORD.into()),
    };
    let fleet = frontdoor_fleet::start(fleet_config(&nats.url(), pg), secrets)
        .await
        .unwrap();
    (nats, fleet)
}

/// `lighthouse-1` on the demo configuration, its doors on `relay`, joined to the fleet through
/// `nats`, synced once, with `staff` staff sessions `tap-0`, `tap-1`, … in its store. Its
/// per-person and sign-in limits are raised: the bench taps and signs in more than a person does.
async fn start_hub(
    cobot: &url::Url,
    relay: &ShellyDouble,
    nats: &parts::Nats,
    staff: usize,
) -> (RunningHub, tempfile::TempDir) {
    let http = reqwest::Client::new();
    let mut config = Config::demo_with_relay(cobot, Some(&relay.url()));
    config.fleet = Some(FleetConfig {
        nats: nats.url().parse().unwrap(),
        hub_id: HUB.into(),
        password_credential: Some("fleet-nats".into()),
    });
    config.unlock.per_minute = 100_000;
    let token = common::hub_token(&http, cobot, frontdoor_hub::COBOT_SCOPES).await;
    let dir = tempfile::tempdir().unwrap();
    let mut setup = util::hub_setup(dir.path(), Some(token), Clock::system());
    let (door_secrets, password) = (setup.secrets.clone(), hub_password(HUB));
    setup.secrets = Arc::new(move |name: &str| match name {
        "fleet-nats" => Some(password.clone()),
        other => door_secrets(other),
    });
    setup.throttle_limits = throttle::Limits {
        per_address: 10_000,
        sign_in_begins: 10_000,
        whole_hub: 100_000,
    };
    common::staff_sessions(&setup.store, "tap", staff);
    let hub = util::spawn_hub(config, setup).await;
    hub.hub.syncer.full().await.expect("the first sync succeeds");
    (hub, dir)
}

/// One audit row of a simulated hub, as a busy front door makes them.
fn row(seq: usize) -> AuditLine {
    AuditLine {
        seq: seq as i64,
        at: jiff::Timestamp::now().to_string(),
        user_id: Some(format!("user-{}", seq % 400)),
        membership_id: Some(format!("mem-{}", seq % 400)),
        staff: false,
        door_id: "front".into(),
        decision: "opened".into(),
        code: None,
        reasons: vec!["Flex Desk opens the front door on weekdays 07:00–22:00".into()],
        count: 1,
        latency_us: 900,
        check_in: None,
    }
}

/// One simulated hub: connects as its own NATS user, waits at `go`, then sends `rows` rows up as
/// `send_up` does.
async fn simulated_hub(nats: String, space: String, hub: String, rows: usize, go: Arc<tokio::sync::Barrier>) {
    let client = async_nats::ConnectOptions::new()
        .name(format!("bench {hub}"))
        .custom_inbox_prefix(fleet::inbox_prefix(&space, &hub))
        .user_and_password(hub.clone(), hub_password(&hub))
        .connect(nats.as_str())
        .await
        .unwrap();
    let jetstream = async_nats::jetstream::new(client);
    let subject = fleet::up_subject(&space, &hub);
    go.wait().await;
    let mut seq = 1;
    while seq <= rows {
        let mut acks = Vec::with_capacity(UP_BATCH);
        for seq in seq..(seq + UP_BATCH).min(rows + 1) {
            let up = Up {
                hub: hub.clone(),
                space: space.clone(),
                incarnation: "bench".into(),
                event: UpEvent::Audit(row(seq)),
            };
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", up.msg_id().as_str());
            let body = serde_json::to_vec(&up).unwrap();
            acks.push(
                jetstream
                    .publish_with_headers(subject.clone(), headers, body.into())
                    .await
                    .unwrap(),
            );
        }
        for ack in acks {
            ack.await.expect("JetStream acknowledges every row");
        }
        seq += UP_BATCH;
    }
}

/// 50 simulated hubs × `rows` into the record; prints events/s.
async fn events_per_second(fleet: &RunningFleet, nats: &parts::Nats, hubs: &tokio::runtime::Handle, rows: usize) {
    let names = simulated_hubs();
    let go = Arc::new(tokio::sync::Barrier::new(names.len() + 1));
    let senders: Vec<_> = names
        .iter()
        .map(|(space, hub)| hubs.spawn(simulated_hub(nats.url(), space.clone(), hub.clone(), rows, go.clone())))
        .collect();
    go.wait().await;
    let started = Instant::now();
    let sent = names.len() * rows;
    let acked = async {
        for sender in senders {
            sender.await.expect("a simulated hub sent all its rows");
        }
        started.elapsed()
    };
    let record = async {
        let deadline = started + Duration::from_secs(120);
        loop {
            let counts = fleet.shared.store.counts().await.unwrap();
            let stored: i64 = counts
                .iter()
                .filter(|(hub, ..)| hub.starts_with("bench-hub-"))
                .map(|(_, rows, _)| rows)
                .sum();
            if stored as usize >= sent || Instant::now() > deadline {
                return (started.elapsed(), stored, counts);
            }
            // Not more often: counting a growing table is work for the same PostgreSQL.
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let (acked, (stored_after, stored, counts)) = tokio::join!(acked, record);
    let rate = |d: Duration| sent as f64 / d.as_secs_f64();
    println!(
        "  events/s from {} hubs ({SPACES} spaces) × {rows} rows = {sent} audit rows: {:.0}/s into PostgreSQL \
         (all stored after {:.2} s); JetStream acknowledged them all after {:.2} s ({:.0}/s)",
        names.len(),
        rate(stored_after),
        stored_after.as_secs_f64(),
        acked.as_secs_f64(),
        rate(acked),
    );
    let short: Vec<String> = names
        .iter()
        .filter_map(|(_, hub)| {
            let got = counts.iter().find(|(h, ..)| h == hub).map_or(0, |(_, n, _)| *n);
            (got != rows as i64).then(|| format!("{hub}: {got}"))
        })
        .collect();
    if stored as usize == sent && short.is_empty() {
        println!("  stored {stored} of {sent} sent: every row once");
    } else {
        println!(
            "  MISMATCH: stored {stored} of {sent} sent; hubs off {rows}: {}",
            short.join(", ")
        );
    }
}

/// The console's newest rows of the lighthouse.
async fn activity(http: &reqwest::Client, fleet: &RunningFleet) -> Vec<FleetActivity> {
    let r = http
        .get(format!(
            "http://{}/api/v1/fleet/activity?space={SPACE}&limit=20",
            fleet.addr
        ))
        .bearer_auth(STAFF)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "the console answers: {}", r.status());
    r.json().await.unwrap()
}

/// `rounds` taps at the front door, each until the console shows its row; prints p50/p99.
async fn door_to_console(hub: &RunningHub, fleet: &RunningFleet, rounds: usize) {
    let http = reqwest::Client::new();
    let mut taken = Vec::with_capacity(rounds);
    let mut in_record = Vec::with_capacity(rounds);
    let mut missed = 0;
    for round in 0..rounds {
        // Staggered over the hub's 100 ms look for new rows, so the rounds do not lock onto it.
        tokio::time::sleep(Duration::from_millis((round as u64 * 37) % 100)).await;
        let user = format!("user-tap-{round}");
        let tapped = Instant::now();
        let (status, body) = util::unlock(&http, &hub.base_url, Some(&format!("tap-{round}")), "front").await;
        assert_eq!(status, 200, "staff open the front door: {body}");
        let row = loop {
            let rows = activity(&http, fleet).await;
            if let Some(row) = rows
                .into_iter()
                .find(|r| r.hub == HUB && r.line.user_id.as_deref() == Some(&user))
            {
                break Some(row);
            }
            if tapped.elapsed() > ROUND_LIMIT {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        match row {
            Some(row) => {
                taken.push(tapped.elapsed());
                let at: jiff::Timestamp = row.line.at.parse().unwrap();
                let received: jiff::Timestamp = row.received_at.parse().unwrap();
                in_record.push(Duration::try_from(received.duration_since(at)).unwrap_or_default());
            }
            None => missed += 1,
        }
    }
    println!(
        "  door → fleet console (a tap until GET /api/v1/fleet/activity shows it): {}",
        summary("taps", &mut taken, missed)
    );
    println!(
        "    of which the way into the record (each row's received_at − at): {}",
        summary("rows", &mut in_record, 0)
    );
}

/// `rounds` revocations of a signed-in device at the console, each until that device's unlock
/// is refused; prints p50/p99 against the goal.
async fn revocation_to_door(hub: &RunningHub, fleet: &RunningFleet, rounds: usize) {
    let http = reqwest::Client::new();
    let mut taken = Vec::with_capacity(rounds);
    let mut missed = 0;
    for _ in 0..rounds {
        let signed = util::sign_in(&http, &hub.base_url, "user-sam")
            .await
            .expect("Sam signs in");
        let session = signed["session_token"].as_str().unwrap().to_string();
        let device = signed["device_id"].as_str().unwrap().to_string();
        let (status, body) = util::unlock(&http, &hub.base_url, Some(&session), "front").await;
        assert_eq!(status, 200, "Sam's new device opens the front door: {body}");
        let revoked = Instant::now();
        let r = http
            .post(format!("http://{}/api/v1/fleet/spaces/{SPACE}/revocations", fleet.addr))
            .bearer_auth(STAFF)
            .json(&json!({"device_id": device, "why": "phone lost (bench)"}))
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "the console takes the revocation: {}",
            r.status()
        );
        let stopped = loop {
            let (status, _) = util::unlock(&http, &hub.base_url, Some(&session), "front").await;
            if status == 401 {
                break Some(revoked.elapsed());
            }
            if revoked.elapsed() > ROUND_LIMIT {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        match stopped {
            Some(t) => taken.push(t),
            None => missed += 1,
        }
    }
    println!(
        "  revocation → door stops (POST …/revocations until the device's unlock is refused): {}",
        summary("revocations", &mut taken, missed)
    );
    let p99 = taken.last().map(|_| percentile(&taken, 99.0));
    println!(
        "  goal p99 ≤ 2 s with the link up: {}",
        if p99.is_some_and(|p| p <= Duration::from_secs(2)) && missed == 0 {
            "met"
        } else {
            "NOT met"
        }
    );
}

/// Waits until the fleet shows `lighthouse-1` online (its link is up and watching).
async fn online(fleet: &RunningFleet) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let spaces: serde_json::Value = common::json_of(
            http.get(format!("http://{}/api/v1/fleet/spaces", fleet.addr))
                .bearer_auth(STAFF),
        )
        .await;
        let up = spaces.as_array().into_iter().flatten().any(|s| {
            s["space"] == SPACE
                && s["hubs"]
                    .as_array()
                    .is_some_and(|h| h.iter().any(|h| h["hub"] == HUB && h["online"] == true))
        });
        if up {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{HUB} never came online at the fleet: {spaces}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn run(hubs: tokio::runtime::Handle, rows: usize, taps: usize, revocations: usize) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("FLEET_BENCH_LOG"))
        .try_init();
    let pg = parts::postgres().database().await;
    let (nats, fleet) = start_fleet(&pg).await;
    let (cobot, stop_sim) = common::start_sim(cobot_sim::SimConfig::default(), 0);
    let relay = ShellyDouble::start_with_channels(util::any_port(), 3).await;
    let (hub, _dir) = start_hub(&cobot, &relay, &nats, taps).await;
    online(&fleet).await;

    println!("fleet: PostgreSQL + NATS JetStream (a user per hub) + frontdoor-fleet + a hub, on loopback, one run");
    events_per_second(&fleet, &nats, &hubs, rows).await;
    door_to_console(&hub, &fleet, taps).await;
    revocation_to_door(&hub, &fleet, revocations).await;
    let _ = stop_sim.send(());
}

fn main() {
    let short = std::env::args().any(|a| a == "--short");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // The simulated hubs run apart from the fleet's and the real hub's runtime.
    let hubs = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    if short {
        rt.block_on(run(hubs.handle().clone(), 200, 10, 5));
    } else {
        rt.block_on(run(hubs.handle().clone(), 2_000, 50, 20));
    }
}
