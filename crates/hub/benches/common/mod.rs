//! What the hub's benches share: cobot-sim on a thread of its own, the hub's token from it, and
//! stores full of staff sessions.
#![allow(dead_code)]

use frontdoor_hub::store::{SessionRow, Store};
use serde_json::{json, Value};

/// cobot-sim on a thread and runtime of its own (so its work is not the measured thread's), on
/// `config` with `members` bulk memberships besides the demo's: its base URL, and a sender that
/// stops it.
pub fn start_sim(config: cobot_sim::SimConfig, members: usize) -> (url::Url, std::sync::mpsc::Sender<()>) {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let sim =
                cobot_sim::spawn_with_seed(config, cobot_sim::seed::large(members), "127.0.0.1:0".parse().unwrap())
                    .await
                    .unwrap();
            ready_tx.send(sim.base_url.clone()).unwrap();
            tokio::task::spawn_blocking(move || stop_rx.recv()).await.unwrap().ok();
            drop(sim);
        });
    });
    (ready_rx.recv().unwrap(), stop_tx)
}

/// `request`, sent, and its answer read as JSON.
pub async fn json_of<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

/// A Cobot token of Sam's (staff) for the hub's client with `scopes`, minted by cobot-sim at `base`.
pub async fn hub_token(http: &reqwest::Client, base: &url::Url, scopes: &[impl AsRef<str>]) -> String {
    let scopes: Vec<&str> = scopes.iter().map(AsRef::as_ref).collect();
    let asked = json!({"user_id": "user-sam", "client_id": "frontdoor-hub", "scopes": scopes});
    let minted: Value = json_of(http.post(format!("{base}_sim/tokens")).json(&asked)).await;
    minted["access_token"].as_str().unwrap().to_string()
}

/// Puts `count` staff sessions with memberships into `store`, their tokens `{prefix}-0`,
/// `{prefix}-1`, …: every tap a different person, so nothing is merged or rate-limited.
pub fn staff_sessions(store: &Store, prefix: &str, count: usize) {
    for i in 0..count {
        store
            .put_session(
                &frontdoor_hub::app::session::token_hash(&format!("{prefix}-{i}")),
                &SessionRow {
                    user_id: format!("user-{prefix}-{i}"),
                    membership_id: Some(format!("mem-{prefix}-{i}")),
                    staff: true,
                    expires_at: i64::MAX,
                    device_id: "test-device".into(),
                },
                0,
            )
            .unwrap();
    }
}
