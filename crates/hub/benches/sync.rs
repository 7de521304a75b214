//! Full sync of a space from cobot-sim, 1,000 and 10,000 memberships side by side in one run.
//! Prints Cobot requests used, 429s received, wall time and the hub's peak heap during the sync:
//! `cargo bench -p frontdoor-hub --bench sync`.
//!
//! The simulator runs on its own thread and runtime; the hub's sync runs on this thread, and only
//! this thread's allocations are counted, so the peak is the hub's, not the simulator's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use frontdoor_core::secret::AccessToken;
use frontdoor_hub::store::Store;
use frontdoor_hub::{Config, Setup};
use serde_json::{json, Value};

mod common;

struct Counting;
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
thread_local!(static COUNTING: Cell<bool> = const { Cell::new(false) });

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            let now = CURRENT.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if COUNTING.with(Cell::get) {
            CURRENT.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

struct Figures {
    members: usize,
    requests: u32,
    throttled: usize,
    wall: Duration,
    peak_heap: isize,
}

async fn measure(members: usize) -> Figures {
    let config = cobot_sim::SimConfig {
        start_at: Some("2026-11-23T09:00:00Z".parse().unwrap()),
        ..cobot_sim::SimConfig::default()
    };
    let (base, stop) = common::start_sim(config, members);
    let http = reqwest::Client::new();
    let token = common::hub_token(&http, &base, frontdoor_hub::COBOT_SCOPES).await;
    let dir = tempfile::tempdir().unwrap();
    let setup = Setup {
        store: Store::open(&dir.path().join("hub.sqlite")).unwrap(),
        cobot_token: Some(AccessToken::new(token)),
        ..Setup::detached()
    };
    let hub = frontdoor_hub::Hub::new(Config::demo(&base), setup).unwrap();
    http.delete(format!("{base}_sim/requests")).send().await.unwrap();

    CURRENT.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let start = Instant::now();
    let report = hub.syncer.full().await.expect("the sync succeeds");
    let wall = start.elapsed();
    COUNTING.with(|c| c.set(false));

    let log: Vec<Value> = common::json_of(http.get(format!("{base}_sim/requests"))).await;
    let throttled = log.iter().filter(|r| r["status"] == json!(429)).count();
    // What went over the wire, retries included, as the simulator saw it.
    let requests = log.len() as u32;
    assert!(requests >= report.cobot_requests);
    let _ = stop.send(());
    Figures {
        members: report.members,
        requests,
        throttled,
        wall,
        peak_heap: PEAK.load(Ordering::Relaxed),
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let small = rt.block_on(measure(1_000));
    let large = rt.block_on(measure(10_000));
    println!("full sync from cobot-sim (3 whole-space lists; hub on one thread)");
    println!(
        "  {:>9}  {:>8}  {:>5}  {:>9}  {:>14}",
        "synced", "requests", "429s", "wall", "hub peak heap"
    );
    for f in [&small, &large] {
        println!(
            "  {:>9}  {:>8}  {:>5}  {:>7.0}ms  {:>11.1} MiB",
            f.members,
            f.requests,
            f.throttled,
            f.wall.as_secs_f64() * 1e3,
            f.peak_heap as f64 / (1024.0 * 1024.0)
        );
    }
    println!(
        "  10k / 1k: wall {:.1}×, heap {:.1}×, requests {:.1}×",
        large.wall.as_secs_f64() / small.wall.as_secs_f64(),
        large.peak_heap as f64 / small.peak_heap as f64,
        large.requests as f64 / small.requests as f64
    );
}
