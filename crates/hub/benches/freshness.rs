//! Freshness: how long after a change in Cobot the hub's next unlock decision follows it.
//!
//! A space of 1,000 memberships in cobot-sim, a hub subscribed to its webhooks on loopback. Each
//! round staff add (or remove) the extra group `Residents` in Alex's membership custom field at
//! Cobot; the clock runs from Cobot's answer to that change until the hub's decision for Alex at
//! the workshop (which only `Residents` opens) says the new thing. p50/p99/max over the rounds.
//!
//! Without webhooks (Cobot deactivated them, or the hub has no public address) a change waits for
//! the next scheduled full sync: the worst case is the sync interval plus one full sync, whose
//! time is measured here for the same space.
//!
//! Cobot allows 60 requests a minute per user and the hub keeps to 58; a re-read costs a request
//! or two, so a space's changes are followed one by one up to about 30 a minute. The full run
//! paces its changes at one every 2.4 s (25 a minute, a busy front desk) and then sends a burst
//! of 60 at once, which queues behind Cobot's budget: both are printed.
//!
//! `cargo bench -p frontdoor-hub --bench freshness` (60 paced rounds and the burst, release
//! build); the README's test command runs it in its short mode (`-- --short`, 20 rounds, no
//! pacing, no burst, debug build) so the path is exercised on every run. The figures are printed,
//! never asserted: these machines are noisy.

use std::time::{Duration, Instant};

use frontdoor_core::access::DoorId;
use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::store::Store;
use frontdoor_hub::{Config, Setup};
use serde_json::json;

mod common;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One change in Cobot (Alex's extra group on or off) and how long until the hub decides by it;
/// `None` when it did not within 10 s.
async fn change(http: &reqwest::Client, field: &str, opens: bool, decides: &impl Fn(bool) -> bool) -> Option<Duration> {
    let value = if opens { "Residents" } else { "" };
    let r = http.put(field).json(&json!({ "value": value })).send().await.unwrap();
    assert!(r.status().is_success(), "cobot-sim took the change");
    let changed = Instant::now();
    let deadline = changed + Duration::from_secs(10);
    loop {
        if decides(opens) {
            return Some(changed.elapsed());
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}

fn summary(taken: &mut [Duration], missed: usize) -> String {
    taken.sort_unstable();
    if taken.is_empty() {
        return format!("none arrived within 10 s ({missed})");
    }
    format!(
        "{} changes, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms{}",
        taken.len(),
        ms(percentile(taken, 50.0)),
        ms(percentile(taken, 99.0)),
        ms(*taken.last().unwrap()),
        if missed > 0 {
            format!(", {missed} not within 10 s")
        } else {
            String::new()
        }
    )
}

async fn run(rounds: usize, pace: Option<Duration>, burst: usize) {
    let config = cobot_sim::SimConfig {
        webhook_retry_base: Duration::from_millis(50),
        ..cobot_sim::SimConfig::default()
    };
    let (base, stop) = common::start_sim(config, 1_000);
    let http = reqwest::Client::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = Config::demo(&base);
    config.sync.extra_groups = true;
    let public = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    config.hub.public_url = Some(public.clone());
    let scopes = config.cobot.requested_scopes();
    let token = common::hub_token(&http, &base, &scopes).await;
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup {
        store: Store::open(&dir.path().join("hub.sqlite")).unwrap(),
        cobot_token: Some(AccessToken::new(token)),
        client_secret: Some(ClientSecret::new(cobot_sim::seed::HUB_CLIENT_SECRET)),
        check_in_worker: false,
        ..Setup::detached()
    };
    let hub = frontdoor_hub::spawn_with(config, setup, format!("127.0.0.1:{port}").parse().unwrap())
        .await
        .unwrap();
    let started = Instant::now();
    hub.hub.syncer.full().await.expect("the first sync succeeds");
    let full_sync = started.elapsed();
    hub.hub.syncer.subscribe(&public).await.expect("the hub subscribes");

    let workshop = DoorId("workshop".into());
    let decides = |opens: bool| {
        let snapshot = hub.hub.snapshot();
        snapshot.member("mem-alex").map(|m| {
            hub.hub
                .rules()
                .evaluate(&m.access(), &workshop, jiff::Timestamp::now())
                .allowed
        }) == Some(opens)
    };
    let field =
        format!("{base}_sim/spaces/lighthouse/memberships/mem-alex/custom_fields/smart_spaces_access_additional_units");
    let mut taken = Vec::with_capacity(rounds);
    let mut missed = 0;
    let start = Instant::now();
    for round in 0..rounds {
        if let Some(pace) = pace {
            let due = start + pace * round as u32;
            tokio::time::sleep_until(due.into()).await;
        }
        match change(&http, &field, round.is_multiple_of(2), &decides).await {
            Some(t) => taken.push(t),
            None => missed += 1,
        }
    }
    let interval = hub.hub.schedule.interval_minutes();
    println!("freshness: a change in Cobot → the hub's next decision (1,000 memberships, loopback)");
    let paced = match pace {
        Some(p) => format!("one every {:.1} s", p.as_secs_f64()),
        None => "back to back".to_string(),
    };
    let p99 = {
        taken.sort_unstable();
        taken.last().map(|_| percentile(&taken, 99.0))
    };
    println!("  via webhooks, {paced}: {}", summary(&mut taken, missed));
    println!(
        "  target p99 ≤ 2 s: {}",
        if p99.is_some_and(|p| p <= Duration::from_secs(2)) && missed == 0 {
            "met"
        } else {
            "NOT met"
        }
    );
    if burst > 0 {
        // Past Cobot's budget: every change at once, each followed until the hub decides by it.
        let mut last = rounds.is_multiple_of(2);
        let sent = Instant::now();
        for _ in 0..burst {
            last = !last;
            let value = if last { "Residents" } else { "" };
            http.put(&field).json(&json!({ "value": value })).send().await.unwrap();
        }
        let deadline = sent + Duration::from_secs(300);
        while !decides(last) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        hub.hub.followups.settled().await;
        println!(
            "  a burst of {burst} changes to one membership at once: the last one decided after {:.1} s (waiting \
             hints for one membership merge into one re-read)",
            sent.elapsed().as_secs_f64()
        );
    }
    println!(
        "  without webhooks: worst case = the sync interval ({interval} min) + one full sync ({:.0} ms) ≈ {:.1} min",
        ms(full_sync),
        interval as f64 + full_sync.as_secs_f64() / 60.0
    );
    let _ = stop.send(());
}

fn main() {
    let short = std::env::args().any(|a| a == "--short");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    if short {
        rt.block_on(run(20, None, 0));
    } else {
        rt.block_on(run(60, Some(Duration::from_millis(2_400)), 60));
    }
}
