//! Cobot's side of the hub's tests: the faults cobot-sim injects and what it logs.

use cobot_sim::{Fault, FaultKind};
use serde_json::Value;

/// A fault of `kind` on cobot-sim's next `times` requests under `path`, with cobot-sim's defaults
/// for the rest (503 for a status, no `Retry-After`).
pub fn fault(path: &str, kind: FaultKind, times: u32) -> Fault {
    Fault {
        path: path.into(),
        kind,
        status: None,
        delay_ms: None,
        retry_after_secs: None,
        times,
    }
}

/// Cobot answers its next `times` requests under `path` with HTTP `status`.
pub fn failing(path: &str, status: u16, times: u32) -> Fault {
    Fault {
        status: Some(status),
        ..fault(path, FaultKind::Status, times)
    }
}

/// Cobot takes `delay_ms` to answer each of its next `times` requests under `path`.
pub fn slow(path: &str, delay_ms: u64, times: u32) -> Fault {
    Fault {
        delay_ms: Some(delay_ms),
        ..fault(path, FaultKind::Slow, times)
    }
}

/// Cobot answers normally again: cobot-sim drops every fault still pending.
pub async fn clear_faults(http: &reqwest::Client, sim: &cobot_sim::RunningSim) {
    sim_delete(http, sim, "_sim/faults").await;
}

/// The check-ins Cobot holds for `membership` in the demo space.
pub fn cobot_check_ins(sim: &cobot_sim::RunningSim, membership: &str) -> Vec<cobot_sim::CheckIn> {
    let all = sim.sim.check_ins("lighthouse");
    all.into_iter().filter(|c| c.membership_id == membership).collect()
}

/// The hub's outbox rows for `membership`'s check-ins, newest first.
pub fn outbox(hub: &frontdoor_hub::RunningHub, membership: &str) -> Vec<frontdoor_hub::store::CheckInRow> {
    let all = hub.hub.store.check_ins().unwrap();
    all.into_iter().filter(|r| r.membership_id == membership).collect()
}

/// Every request cobot-sim has had since its log was last cleared, oldest first: method, path,
/// status, host.
pub async fn sim_requests(http: &reqwest::Client, sim: &cobot_sim::RunningSim) -> Vec<Value> {
    super::json_of(http.get(format!("{}_sim/requests", sim.base_url))).await
}

/// The same, as `METHOD /path` lines.
pub async fn sim_request_lines(http: &reqwest::Client, sim: &cobot_sim::RunningSim) -> Vec<String> {
    sim_requests(http, sim)
        .await
        .iter()
        .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
        .collect()
}

/// Empties cobot-sim's request log.
pub async fn clear_sim_requests(http: &reqwest::Client, sim: &cobot_sim::RunningSim) {
    sim_delete(http, sim, "_sim/requests").await;
}

/// `DELETE` of one of cobot-sim's test lists (`_sim/faults`, `_sim/requests`), which must work.
async fn sim_delete(http: &reqwest::Client, sim: &cobot_sim::RunningSim, list: &str) {
    let r = http.delete(format!("{}{list}", sim.base_url)).send().await.unwrap();
    assert!(r.status().is_success(), "DELETE {list}: HTTP {}", r.status());
}

/// The Cobot access tokens cobot-sim has given `user` (`GET /_sim/users/:user/tokens`).
pub async fn sim_tokens(http: &reqwest::Client, sim: &cobot_sim::RunningSim, user: &str) -> Vec<Value> {
    let r: Value = super::json_of(http.get(format!("{}_sim/users/{user}/tokens", sim.base_url))).await;
    r.as_array().unwrap_or_else(|| panic!("{r}")).clone()
}
