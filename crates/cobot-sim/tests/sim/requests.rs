//! The request log (`/_sim/requests`).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{start_as, SPACE};

#[tokio::test]
async fn the_log_records_api_requests_with_status_user_and_redacted_query() {
    let (cobot, sam) = start_as("user-sam").await;
    cobot.get("/.well-known/openid-configuration").await;
    cobot.get("/jwks.json").await;
    cobot.get_with_token(&format!("{SPACE}/api/memberships"), &sam).await;
    let response = cobot
        .get(&format!("{SPACE}/api/memberships/mem-alex?access_token={sam}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "API 1 takes ?access_token=");
    cobot.get("/api2/user").await;

    let log = cobot.request_log().await;
    let host = cobot.running.local_addr().to_string();
    assert_eq!(
        log,
        vec![
            json!({"method": "GET", "path": "/sub/lighthouse/api/memberships", "query": null, "status": 200, "user_id": "user-sam", "host": host}),
            json!({"method": "GET", "path": "/sub/lighthouse/api/memberships/mem-alex", "query": "access_token=[redacted]", "status": 200, "user_id": "user-sam", "host": host}),
            json!({"method": "GET", "path": "/api2/user", "query": null, "status": 401, "user_id": null, "host": host}),
        ],
        "discovery, keys and the control API are not logged; tokens never are"
    );

    let response = cobot.http.delete(cobot.url("/_sim/requests")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(cobot.request_log().await, Vec::<Value>::new());
}

#[tokio::test]
async fn the_log_shows_a_change_costs_one_targeted_request() {
    let (cobot, sam) = start_as("user-sam").await;
    cobot.running.sim.clear_requests();
    cobot
        .get_with_token(&format!("{SPACE}/api/memberships/mem-kim"), &sam)
        .await;
    let requests = cobot.running.sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/sub/lighthouse/api/memberships/mem-kim");
    assert_eq!(requests[0].user_id.as_deref(), Some("user-sam"));
}
