//! Helpers shared by the hub's integration tests.

use serde_json::{json, Value};

/// A Cobot access token for `user` of `client` with `scopes`, minted by cobot-sim.
pub async fn mint(
    http: &reqwest::Client,
    sim: &cobot_sim::RunningSim,
    user: &str,
    client: &str,
    scopes: &[&str],
) -> String {
    let r: Value = http
        .post(format!("{}_sim/tokens", sim.base_url))
        .json(&json!({"user_id": user, "client_id": client, "scopes": scopes}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["access_token"].as_str().unwrap().to_string()
}
