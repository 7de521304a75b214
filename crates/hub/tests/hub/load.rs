//! The load and fault suite: the real `frontdoor-hub` binary on loopback, with the open-file
//! limit of a default service (1,024), and a member unlocking the front door while each of these
//! runs, then all at once:
//! - an anonymous flood (unlock requests without a session, as fast as they go);
//! - a slow-client flood (1,100 connections from 1,100 addresses that never finish their request
//!   head: more than the hub's 1,024 open files could hold);
//! - another member's own 429 burst (far past their per-minute limit).
//!
//! Every loop is bounded in count and time and targets loopback only. Short mode runs in the
//! README's test command; the full mode, with figures worth quoting, is
//! `FRONTDOOR_LOAD=full cargo test --release -p frontdoor-hub --test hub load:: -- --nocapture`.
//! The test asserts that every one of the member's unlocks opens the door within the request
//! bound; the latencies are printed, not asserted (speed is for benchmarks).

use crate::util;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use relay_sim::ShellyDouble;
use tokio::io::AsyncWriteExt;
use util::*;

const HUB: &str = env!("CARGO_BIN_EXE_frontdoor-hub");

struct Mode {
    unlocks: usize,
    slow_clients: u32,
    burst: usize,
}

fn mode() -> Mode {
    if std::env::var("FRONTDOOR_LOAD").as_deref() == Ok("full") {
        Mode {
            unlocks: 300,
            slow_clients: 1100,
            burst: 20_000,
        }
    } else {
        Mode {
            unlocks: 30,
            slow_clients: 1100,
            burst: 2_000,
        }
    }
}

struct HubProcess(Child);

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Doors on the relay double's channels. The member (staff) opens them in turn, so no tap lands
/// on a door whose pulse still runs (that would merge instead of pulsing).
const DOORS: u32 = 10;

fn config(cobot: &url::Url, relay: &url::Url) -> String {
    let base = cobot.as_str().trim_end_matches('/');
    let doors: String = (0..DOORS)
        .map(|i| {
            format!(
                "[[doors]]\nid = \"d{i}\"\nname = \"Door {i}\"\npulse_seconds = 0.5\ndriver = {{ kind = \"shelly-gen2\", url = \"{relay}\", channel = {i} }}\n\n"
            )
        })
        .collect();
    format!(
        r#"
[space]
subdomain = "lighthouse"
name = "Lighthouse Coworking"
time_zone = "Europe/Berlin"

[cobot]
www = "{base}"
space_template = "{base}/sub/{{subdomain}}"
client_id = "frontdoor-hub"

[unlock]
per_minute = 1200

[check_in]
policy = "off"

{doors}
[[groups]]
id = "Members"
doors = ["d0"]

[[plans]]
name = "Flex Desk"
groups = ["Members"]

[[plans]]
name = "Fixed Desk"
groups = ["Members"]
"#
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The member's unlocks, one every 60 ms on the doors in turn (a door comes round again after
/// 600 ms, past its 500 ms pulse, so none merges): latencies in ms.
async fn member_unlocks(http: &reqwest::Client, hub: &url::Url, session: &str, n: usize) -> Vec<f64> {
    let mut latencies = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        let door = format!("d{}", i as u32 % DOORS);
        let r = tokio::time::timeout(
            Duration::from_secs(10),
            http.post(hub.join(&format!("api/v1/doors/{door}/unlock")).unwrap())
                .bearer_auth(session)
                .send(),
        )
        .await
        .expect("the member is answered within the request bound")
        .expect("the member reaches the hub");
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "the member's unlock opens the door: {body}");
        assert!(!body.contains("\"merged\":true"), "each unlock pulses: {body}");
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(60)).await;
    }
    latencies.sort_by(f64::total_cmp);
    latencies
}

fn report(name: &str, latencies: &[f64], background: &str) {
    println!(
        "{name:<22} n={:<4} p50={:>7.2} ms  p99={:>7.2} ms  max={:>7.2} ms   {background}",
        latencies.len(),
        percentile(latencies, 0.5),
        percentile(latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
}

/// Anonymous unlock requests as fast as 4 tasks go, until `stop`; counts them.
fn anonymous_flood(hub: url::Url, stop: Arc<AtomicBool>, sent: Arc<AtomicU64>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..4)
        .map(|_| {
            let (hub, stop, sent) = (hub.clone(), stop.clone(), sent.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let deadline = Instant::now() + Duration::from_secs(120);
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let _ = http
                        .post(hub.join("api/v1/doors/d0/unlock").unwrap())
                        .bearer_auth("forged-session")
                        .send()
                        .await;
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect()
}

/// Another member's burst far past their limit, on a door they may not open anyway (the last).
fn member_burst(hub: url::Url, session: String, n: usize, sent: Arc<AtomicU64>) -> Vec<tokio::task::JoinHandle<()>> {
    (0..2)
        .map(|_| {
            let (hub, session, sent) = (hub.clone(), session.clone(), sent.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let deadline = Instant::now() + Duration::from_secs(120);
                for _ in 0..n / 2 {
                    if Instant::now() > deadline {
                        break;
                    }
                    let _ = http
                        .post(hub.join(&format!("api/v1/doors/d{}/unlock", DOORS - 1)).unwrap())
                        .bearer_auth(&session)
                        .send()
                        .await;
                    sent.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect()
}

/// Connections from `n` loopback addresses that send half a request head and then nothing.
async fn slow_clients(addr: std::net::SocketAddr, n: u32) -> Vec<tokio::net::TcpStream> {
    let mut held = Vec::new();
    for i in 0..n {
        let from = std::net::Ipv4Addr::new(127, 1, (i / 250) as u8, (1 + i % 250) as u8);
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        if socket.bind((from, 0).into()).is_err() {
            continue;
        }
        let Ok(Ok(mut stream)) = tokio::time::timeout(Duration::from_secs(2), socket.connect(addr)).await else {
            continue;
        };
        let _ = stream
            .write_all(b"POST /api/v1/sign_in HTTP/1.1\r\nHost: hub\r\nContent-Le")
            .await;
        held.push(stream);
    }
    held
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_gets_in_while_floods_slow_clients_and_a_burst_run() {
    more_files();
    let mode = mode();
    let sim = cobot_sim::spawn(cobot_sim::SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let relay = ShellyDouble::start_with_channels("127.0.0.1:0".parse().unwrap(), DOORS).await;
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("hub.toml");
    std::fs::write(&config_path, config(&sim.base_url, &relay.url())).unwrap();
    let token = mint(&http, &sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(HUB);
    command
        .args(["--config", config_path.to_str().unwrap()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .arg("--db")
        .arg(dir.path().join("hub.sqlite"))
        .env("FRONTDOOR_HUB_COBOT_TOKEN", &token)
        .env("FRONTDOOR_HUB_COBOT_CLIENT_SECRET", cobot_sim::seed::HUB_CLIENT_SECRET)
        .env(
            "FRONTDOOR_HUB_STORE_KEY",
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: only setrlimit, async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1024,
                rlim_max: 1024,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let _hub = HubProcess(command.spawn().unwrap());
    let hub = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_until_healthy(&http, &hub).await;
    let sam = sign_in(&http, &hub, "user-sam").await.unwrap()["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    let alex = sign_in(&http, &hub, "user-alex").await.unwrap()["session_token"]
        .as_str()
        .unwrap()
        .to_string();
    // The member's app opens a fresh connection for every unlock: each one has to find room in a
    // hub whose open-file limit the slow clients alone would exhaust.
    let member = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();

    println!("\nunlock latency of a legitimate member (client round trip, debug or release as built):");
    let quiet = member_unlocks(&member, &hub, &sam, mode.unlocks).await;
    report("quiet", &quiet, "");

    let (stop, anon) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let flood = anonymous_flood(hub.clone(), stop.clone(), anon.clone());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let flooded = member_unlocks(&member, &hub, &sam, mode.unlocks).await;
    stop.store(true, Ordering::Relaxed);
    for task in flood {
        let _ = task.await;
    }
    report(
        "anonymous flood",
        &flooded,
        &format!("{} forged requests", anon.load(Ordering::Relaxed)),
    );

    let held = slow_clients(addr, mode.slow_clients).await;
    let slowed = member_unlocks(&member, &hub, &sam, mode.unlocks).await;
    report(
        "slow-client flood",
        &slowed,
        &format!("{} half-sent requests held", held.len()),
    );
    drop(held);

    let burst_sent = Arc::new(AtomicU64::new(0));
    let burst = member_burst(hub.clone(), alex.clone(), mode.burst, burst_sent.clone());
    let bursting = member_unlocks(&member, &hub, &sam, mode.unlocks).await;
    for task in burst {
        let _ = task.await;
    }
    report(
        "another member's burst",
        &bursting,
        &format!("{} requests", burst_sent.load(Ordering::Relaxed)),
    );

    let (stop, anon) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
    let flood = anonymous_flood(hub.clone(), stop.clone(), anon.clone());
    let burst_sent = Arc::new(AtomicU64::new(0));
    let burst = member_burst(hub.clone(), alex, mode.burst, burst_sent.clone());
    let held = slow_clients(addr, mode.slow_clients).await;
    let all = member_unlocks(&member, &hub, &sam, mode.unlocks).await;
    stop.store(true, Ordering::Relaxed);
    for task in flood.into_iter().chain(burst) {
        let _ = task.await;
    }
    report(
        "all at once",
        &all,
        &format!(
            "{} forged, {} burst, {} slow",
            anon.load(Ordering::Relaxed),
            burst_sent.load(Ordering::Relaxed),
            held.len()
        ),
    );
    drop(held);
    assert_eq!(
        relay.pulses().len(),
        5 * mode.unlocks,
        "every one of the member's unlocks pulsed its door, and nothing else pulsed anything"
    );
}
