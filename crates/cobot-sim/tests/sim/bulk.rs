//! The large seed for sync benchmarks.

use std::time::{Duration, Instant};

use cobot_sim::SimConfig;
use serde_json::Value;

use crate::util::{start_with_seed, SPACE};

#[tokio::test]
async fn the_large_seed_builds_fast_and_the_list_returns_every_current_member() {
    let started = Instant::now();
    let seed = cobot_sim::large(10_000);
    let built = started.elapsed();
    assert!(
        built < Duration::from_millis(500),
        "large(10_000) must stay plain data (took {built:?})"
    );
    assert_eq!(seed.memberships.len(), 10_005);

    let cobot = start_with_seed(SimConfig::default(), seed).await;
    let sam = cobot.hub_token("user-sam").await;
    let current = cobot.get_json_with(&format!("{SPACE}/api/memberships"), &sam).await;
    // 4 current demo members + 10,000 bulk minus every 50th (ended): 4 + 9,800.
    assert_eq!(current.as_array().unwrap().len(), 9_804);
    let all = cobot
        .get_json_with(&format!("{SPACE}/api/memberships?all=true"), &sam)
        .await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 10_005, "the 5 demo memberships and all 10,000 bulk ones");
    let bulk: Vec<&Value> = all
        .iter()
        .filter(|m| m["id"].as_str().unwrap().starts_with("mem-bulk-"))
        .collect();
    assert_eq!(bulk.len(), 10_000);
    assert_eq!(bulk[6]["id"], "mem-bulk-00007");
    assert_eq!(bulk[96]["user"], Value::Null, "every 97th has no user");
    assert_eq!(bulk[49]["canceled_to"], "2026/06/30", "every 50th ended");
    assert_eq!(bulk[1]["plan"]["parent_plan"]["id"], "plan-fixed");
}
