//! Unlock latency and throughput through the hub, with the durable audit write (SQLite on disk,
//! `synchronous = FULL`) and the check-in outbox insert included:
//! `cargo bench -p frontdoor-hub --bench unlock`.
//!
//! - **Latency.** 1,000+ unlocks `POST /api/v1/doors/front/unlock` through the hub's HTTP API to
//!   relay-sim's loopback Shelly double, interleaved one for one with a *bare* `POST /rpc`
//!   `Switch.Set` round trip to the same double, so both see the same machine noise. The hub's
//!   share is the difference of the percentiles. Then the same against a real Mosquitto
//!   (`set_tcp_nodelay true`) with relay-sim's Tasmota double: the hub's MQTT driver against a bare
//!   publish → `stat/…/RESULT` echo round trip on the same device.
//! - **Throughput.** Authorised unlocks per second with many people tapping at once (each request
//!   a distinct person, so nothing merges or hits the per-person limit): decision, relay pulse,
//!   audit entry and outbox row, committed before each answer.
//!
//! Everything — the client, the hub and the relay double — shares this machine's cores, so the
//! figures are conservative. Set `UNLOCK_BENCH_N` to change the number of unlocks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use frontdoor_hub::store::Store;
use frontdoor_hub::{Config, Setup};
use relay_sim::ShellyDouble;
use serde_json::json;

mod common;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Stats {
    p50: Duration,
    p95: Duration,
    p99: Duration,
}

fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats {
        p50: percentile(&samples, 0.50),
        p95: percentile(&samples, 0.95),
        p99: percentile(&samples, 0.99),
    }
}

fn main() {
    let n: usize = std::env::var("UNLOCK_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(n));
}

async fn run(n: usize) {
    let relay = ShellyDouble::start_with_channels("127.0.0.1:0".parse().unwrap(), 3).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hub.sqlite")).unwrap();
    // Every tap is a different staff member with a membership: no merging, no rate limit, and each
    // unlock of the entrance writes an audit entry *and* queues a check-in (the worker is off, so
    // the outbox only grows — Cobot is not part of this measurement).
    let sessions = 2 * n + 4096;
    common::staff_sessions(&store, "bench", sessions);
    let cobot = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let config = Config::demo_with_relay(&cobot, Some(&relay.url()));
    let setup = Setup {
        store,
        check_in_worker: false,
        ..Setup::detached()
    };
    let hub = frontdoor_hub::spawn_with(config, setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::builder().tcp_nodelay(true).build().unwrap();
    let unlock_url = hub.base_url.join("api/v1/doors/front/unlock").unwrap();
    let rpc_url = relay.url().join("rpc").unwrap();
    let mut next_session = 0usize;
    let mut session = || {
        next_session += 1;
        format!("bench-{}", next_session - 1)
    };

    // Warm up both paths.
    for _ in 0..50 {
        bare(&http, &rpc_url).await;
        through_hub(&http, &unlock_url, &session()).await;
    }

    let mut bare_samples = Vec::with_capacity(n);
    let mut hub_samples = Vec::with_capacity(n);
    let mut hub_reported = Vec::with_capacity(n);
    for _ in 0..n {
        bare_samples.push(bare(&http, &rpc_url).await);
        let (elapsed, reported) = through_hub(&http, &unlock_url, &session()).await;
        hub_samples.push(elapsed);
        hub_reported.push(reported);
    }
    println!("database: {} (SQLite WAL, synchronous = FULL)", dir.path().display());
    report(
        &format!("unlock latency over HTTP to a Shelly double, {n} unlocks each, interleaved (ms):"),
        "bare POST /rpc to the double",
        bare_samples,
        hub_samples,
        hub_reported,
    );

    // Throughput: `concurrency` people tapping at once.
    for concurrency in [1usize, 16, 64] {
        let total = n;
        let tokens: Vec<String> = (0..total).map(|_| session()).collect();
        let tokens = Arc::new(tokens);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..concurrency {
            let http = http.clone();
            let url = unlock_url.clone();
            let tokens = tokens.clone();
            tasks.push(tokio::spawn(async move {
                let mut i = worker;
                while i < tokens.len() {
                    through_hub(&http, &url, &tokens[i]).await;
                    i += concurrency;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let wall = started.elapsed();
        println!(
            "throughput, {concurrency:>2} at once: {total} authorised unlocks in {:.0} ms = {:.0} unlocks/s (target ≥ 1,000/s)",
            ms(wall),
            total as f64 / wall.as_secs_f64()
        );
    }

    let audited = hub.hub.store.audit(u32::MAX).unwrap();
    let opened = audited.iter().filter(|r| r.entry.decision == "opened").count();
    // The hub opens the front door (switch 0); the bare round trips use switch 1.
    let pulses = relay.pulses().iter().filter(|p| p.channel == 0).count();
    println!(
        "check: {opened} audit entries 'opened', {} queued check-ins, {pulses} relay pulses through the hub",
        hub.hub.store.check_ins().unwrap().len(),
    );
    assert_eq!(pulses, opened, "every audited opening pulsed the relay once");
    drop(hub);

    mqtt(n, &dir, &mut session).await;
}

fn report(title: &str, bare_name: &str, bare: Vec<Duration>, hub: Vec<Duration>, inside: Vec<Duration>) {
    let bare_stats = stats(bare);
    let hub_stats = stats(hub);
    let inside = stats(inside);
    println!("{title}");
    println!("                                     p50      p95      p99");
    let row = |name: &str, s: &Stats| {
        println!(
            "  {name:<32} {:>7.3}  {:>7.3}  {:>7.3}",
            ms(s.p50),
            ms(s.p95),
            ms(s.p99)
        )
    };
    row(bare_name, &bare_stats);
    row("through the hub (client view)", &hub_stats);
    row("  inside the hub (its own clock)", &inside);
    println!(
        "  hub adds                         {:>7.3}  {:>7.3}  {:>7.3}   (targets: p50 ≤ 2, p99 ≤ 10)",
        ms(hub_stats.p50.saturating_sub(bare_stats.p50)),
        ms(hub_stats.p95.saturating_sub(bare_stats.p95)),
        ms(hub_stats.p99.saturating_sub(bare_stats.p99)),
    );
    println!(
        "  ratio hub/bare at p50            {:>7.2}×",
        hub_stats.p50.as_secs_f64() / bare_stats.p50.as_secs_f64()
    );
}

/// The same latency comparison through a real Mosquitto to relay-sim's Tasmota double.
async fn mqtt(n: usize, dir: &tempfile::TempDir, session: &mut impl FnMut() -> String) {
    use frontdoor_hub::base::config::{DriverConfig, MqttConfig};
    use relay_sim::mosquitto::Mosquitto;
    use relay_sim::mqtt::{Device, Observer};

    let broker = Mosquitto::start().await;
    let device = Device::tasmota(broker.host(), broker.port(), "door1").await;
    device.until_ready().await;
    let observer = Observer::connect(broker.host(), broker.port()).await;
    observer.subscribe("stat/door1/RESULT").await;

    let store = Store::open(&dir.path().join("hub-mqtt.sqlite")).unwrap();
    common::staff_sessions(&store, "mqtt", 2 * n + 100);
    let _ = session;
    let mut next = 0usize;
    let mut token = || {
        next += 1;
        format!("mqtt-{}", next - 1)
    };
    let cobot = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let mut config = Config::demo(&cobot);
    config.mqtt = Some(MqttConfig {
        host: broker.host().to_string(),
        port: broker.port(),
        username: None,
        password_credential: None,
    });
    config.doors[0].driver = Some(DriverConfig::Mqtt {
        profile: "tasmota".into(),
        topic: Some("door1".into()),
        relay: Some(1),
        device: None,
        base_topic: None,
        prefix: None,
        switch_id: None,
    });
    // A short pulse, so each measured unlock finds the relay off again.
    config.doors[0].pulse_seconds = 0.5;
    let setup = Setup {
        store,
        check_in_worker: false,
        ..Setup::detached()
    };
    let hub = frontdoor_hub::spawn_with(config, setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = reqwest::Client::builder().tcp_nodelay(true).build().unwrap();
    let unlock_url = hub.base_url.join("api/v1/doors/front/unlock").unwrap();
    let is_echo = |m: &relay_sim::mqtt::Message| m.text().contains("\"POWER") && m.text().contains("ON");

    for _ in 0..50 {
        observer
            .round_trip("cmnd/door1/Backlog0", "PulseTime1 5;Power1 ON", is_echo)
            .await;
        through_hub(&http, &unlock_url, &token()).await;
    }
    let mut bare = Vec::with_capacity(n);
    let mut through = Vec::with_capacity(n);
    let mut inside = Vec::with_capacity(n);
    for _ in 0..n {
        bare.push(
            observer
                .round_trip("cmnd/door1/Backlog0", "PulseTime1 5;Power1 ON", is_echo)
                .await,
        );
        let (elapsed, reported) = through_hub(&http, &unlock_url, &token()).await;
        through.push(elapsed);
        inside.push(reported);
    }
    report(
        &format!("unlock latency over MQTT (Mosquitto, Tasmota double), {n} unlocks each, interleaved (ms):"),
        "bare publish → RESULT echo",
        bare,
        through,
        inside,
    );
    let opened = hub
        .hub
        .store
        .audit(u32::MAX)
        .unwrap()
        .iter()
        .filter(|r| r.entry.decision == "opened" && r.entry.driver_result.as_deref() == Some("confirmed"))
        .count();
    println!(
        "check: {opened} confirmed openings through the hub; the device counted {} pulses in all",
        device.pulses().len()
    );
    assert_eq!(opened, n + 50);
}

async fn bare(http: &reqwest::Client, rpc: &url::Url) -> Duration {
    let started = Instant::now();
    let r = http
        .post(rpc.clone())
        .json(&json!({"id": 1, "src": "bench", "method": "Switch.Set", "params": {"id": 1, "on": true, "toggle_after": 0.5}}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    r.bytes().await.unwrap();
    started.elapsed()
}

async fn through_hub(http: &reqwest::Client, url: &url::Url, session: &str) -> (Duration, Duration) {
    let started = Instant::now();
    let r = http.post(url.clone()).bearer_auth(session).send().await.unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    let elapsed = started.elapsed();
    assert!(status.is_success(), "{body}");
    let inside = Duration::from_secs_f64(body["latency_ms"].as_f64().unwrap() / 1000.0);
    (elapsed, inside)
}
