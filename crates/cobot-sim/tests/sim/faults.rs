//! Fault injection (`/_sim/faults`), each kind observed by a plain reqwest client.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{start, Cobot, SPACE};

async fn add_fault(cobot: &Cobot, fault: Value) {
    let response = cobot.control("/faults", fault).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// A client that never reuses a connection, so each request shows its own transport outcome.
fn fresh_client(timeout: Option<Duration>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder().pool_max_idle_per_host(0);
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn a_status_fault_answers_the_next_n_matching_requests_then_stops() {
    let cobot = start().await;
    add_fault(
        &cobot,
        json!({"path": format!("{SPACE}/api/plans"), "kind": "status", "status": 503, "times": 2, "retry_after_secs": 7}),
    )
    .await;
    let plans = format!("{SPACE}/api/plans");
    assert_eq!(
        cobot.get("/api/spaces/lighthouse").await.status(),
        StatusCode::OK,
        "other paths are untouched"
    );
    for _ in 0..2 {
        let response = cobot.get(&plans).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()["retry-after"], "7");
    }
    assert_eq!(cobot.get(&plans).await.status(), StatusCode::OK, "used up after two");
}

#[tokio::test]
async fn a_status_fault_on_api_2_sends_a_json_api_error() {
    let cobot = start().await;
    add_fault(&cobot, json!({"path": "/api2/", "kind": "status", "status": 500})).await;
    let response = cobot.get("/api2/health").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()["content-type"], "application/vnd.api+json");
    assert!(response.json::<Value>().await.unwrap()["errors"][0]["detail"].is_string());
}

#[tokio::test]
async fn a_malformed_fault_answers_200_with_invalid_json() {
    let cobot = start().await;
    add_fault(
        &cobot,
        json!({"path": format!("{SPACE}/api/plans"), "kind": "malformed"}),
    )
    .await;
    let response = cobot.get(&format!("{SPACE}/api/plans")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    assert!(!text.is_empty());
    assert!(
        serde_json::from_str::<Value>(&text).is_err(),
        "the body must not parse: {text}"
    );
    let response = cobot.get(&format!("{SPACE}/api/plans")).await;
    assert!(response.json::<Value>().await.is_ok(), "the next answer is whole again");
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_a_response() {
    let cobot = start().await;
    add_fault(&cobot, json!({"path": "/api/spaces/", "kind": "drop"})).await;
    let client = fresh_client(Some(Duration::from_secs(5)));
    let error = client
        .get(cobot.url("/api/spaces/lighthouse"))
        .send()
        .await
        .expect_err("no response arrives");
    assert!(
        !error.is_timeout(),
        "the connection is closed, not left hanging: {error:?}"
    );
    assert!(error.status().is_none());
    let response = client.get(cobot.url("/api/spaces/lighthouse")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the next request is served");
    let log = cobot.request_log().await;
    assert_eq!(
        log[0]["status"],
        Value::Null,
        "a dropped request has no status: {log:?}"
    );
    assert_eq!(log[1]["status"], 200);
}

#[tokio::test]
async fn a_slow_fault_delays_the_answer() {
    let cobot = start().await;
    add_fault(
        &cobot,
        json!({"path": "/api/spaces/", "kind": "slow", "delay_ms": 300, "times": 2}),
    )
    .await;
    let impatient = fresh_client(Some(Duration::from_millis(100)));
    let error = impatient
        .get(cobot.url("/api/spaces/lighthouse"))
        .send()
        .await
        .expect_err("the answer comes too late");
    assert!(error.is_timeout(), "{error:?}");
    let started = Instant::now();
    let response = fresh_client(None)
        .get(cobot.url("/api/spaces/lighthouse"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "slow, but a normal answer");
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn faults_can_be_listed_and_cleared_and_never_touch_the_control_api() {
    let cobot = start().await;
    add_fault(
        &cobot,
        json!({"path": "/", "kind": "status", "status": 500, "times": 5}),
    )
    .await;
    let pending = cobot.get_json("/_sim/faults").await;
    assert_eq!(pending[0]["times"], 5, "the control API itself is never faulted");
    let response = cobot.http.delete(cobot.url("/_sim/faults")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(cobot.get("/api/spaces/lighthouse").await.status(), StatusCode::OK);
    let response = cobot.control("/faults", json!({"path": "/api/", "kind": "slow"})).await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "slow needs delay_ms"
    );
}
