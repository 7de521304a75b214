//! Test tokens (`/_sim/tokens`) and space-owned tokens (`POST /api/access_tokens/:token/space`).

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{start, start_as, HUB_CLIENT, SPACE, SPACE_ID};

#[tokio::test]
async fn a_test_token_has_exactly_the_requested_scopes() {
    let cobot = start().await;
    let token = cobot
        .token_for("user-sam", HUB_CLIENT, &["read_memberships", "read_plans"])
        .await;
    assert_eq!(
        cobot
            .get_json_with(&format!("/api/access_tokens/{token}"), &token)
            .await,
        json!({"scope": ["read_memberships", "read_plans"]})
    );
    for (body, status) in [
        (
            json!({"user_id": "user-nobody", "client_id": HUB_CLIENT, "scopes": []}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"user_id": "user-sam", "client_id": "frontdoor-app", "scopes": ["write"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        assert_eq!(cobot.control("/tokens", body.clone()).await.status(), status, "{body}");
    }
}

#[tokio::test]
async fn a_space_owned_token_keeps_the_scope_and_acts_as_an_admin_of_its_space() {
    let (cobot, sam) = start_as("user-sam").await;
    let post = |token: &str, bearer: &str, body: Value| {
        cobot
            .http
            .post(cobot.url(&format!("/api/access_tokens/{token}/space")))
            .bearer_auth(bearer)
            .json(&body)
            .send()
    };
    let response = post(&sam, &sam, json!({"space_id": SPACE_ID})).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let owned: Value = response.json().await.unwrap();
    assert_eq!(owned["client_id"], HUB_CLIENT);
    assert_eq!(owned["scope"], json!(crate::util::HUB_SCOPES));
    let token = owned["token"].as_str().unwrap();
    assert_ne!(token, sam, "a new token");
    let list = cobot.get_json_with(&format!("{SPACE}/api/memberships"), token).await;
    assert_eq!(list.as_array().unwrap().len(), 4);

    let alex = cobot.hub_token("user-alex").await;
    let response = post(&alex, &alex, json!({"space_id": SPACE_ID})).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "only an admin of the space");
    let response = post(&sam, &alex, json!({"space_id": SPACE_ID})).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "only with the token itself");
    let response = post(&sam, &sam, json!({})).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = post(&sam, &sam, json!({"space_id": "space-nowhere"})).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
