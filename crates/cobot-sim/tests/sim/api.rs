use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::util::start;

const UNAUTHORIZED: &str = "A valid access token must be passed using the 'Authorization: Bearer token' header.";

async fn assert_unauthorized(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"error": UNAUTHORIZED}));
}

#[tokio::test]
async fn api_user_shows_alex_as_a_member_of_lighthouse_and_admin_of_nothing() {
    let cobot = start().await;
    let token = cobot.access_token("alex@example.com", "read_user").await;
    let response = cobot.get_with_token("/api/user", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let base = cobot.running.issuer();
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({
            "id": "user-alex",
            "email": "alex@example.com",
            "name": "Alex Morgan",
            "memberships": [{
                "id": "mem-alex",
                "space_subdomain": "lighthouse",
                "space_name": "Lighthouse Coworking",
                "space_link": format!("{base}/api/spaces/lighthouse"),
                "link": format!("{base}/sub/lighthouse/api/memberships/mem-alex"),
            }],
            "admin_of": [],
        })
    );
}

#[tokio::test]
async fn api_user_shows_sam_as_a_member_and_an_admin_of_lighthouse() {
    let cobot = start().await;
    let token = cobot.access_token("user-sam", "read_user").await;
    let user: Value = cobot.get_with_token("/api/user", &token).await.json().await.unwrap();
    let base = cobot.running.issuer();
    assert_eq!(user["memberships"][0]["id"], "mem-sam");
    assert_eq!(
        user["admin_of"],
        json!([{
            "space_subdomain": "lighthouse",
            "space_name": "Lighthouse Coworking",
            "space_link": format!("{base}/api/spaces/lighthouse"),
            "name": "Sam Rivera",
        }])
    );
}

#[tokio::test]
async fn api_user_for_someone_without_memberships_has_empty_lists() {
    let cobot = start().await;
    let token = cobot.access_token("jo@example.com", "read_user").await;
    let user: Value = cobot.get_with_token("/api/user", &token).await.json().await.unwrap();
    assert_eq!(
        (
            user["id"].clone(),
            user["memberships"].clone(),
            user["admin_of"].clone()
        ),
        (json!("user-jo"), json!([]), json!([]))
    );
}

#[tokio::test]
async fn api_user_without_the_read_user_scope_is_403() {
    let cobot = start().await;
    let token = cobot.access_token("alex@example.com", "openid email").await;
    let response = cobot.get_with_token("/api/user", &token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "insufficient scope", "required": "read_user"})
    );
}

#[tokio::test]
async fn api_user_accepts_the_token_as_a_query_parameter_and_refuses_none_or_a_bad_one() {
    let cobot = start().await;
    let token = cobot.access_token("alex@example.com", "read_user").await;
    assert_eq!(
        cobot.get(&format!("/api/user?access_token={token}")).await.status(),
        StatusCode::OK
    );
    assert_unauthorized(cobot.get("/api/user").await).await;
    assert_unauthorized(cobot.get_with_token("/api/user", "not-a-token").await).await;
}

#[tokio::test]
async fn revoking_a_token_makes_it_401_everywhere_and_the_control_api_reports_it_revoked() {
    let cobot = start().await;
    let token = cobot.access_token("alex@example.com", "openid email read_user").await;
    let tokens: Value = cobot.get_json("/_sim/users/user-alex/tokens").await;
    assert_eq!(tokens[0]["token_prefix"], token[..4]);
    assert_eq!(tokens[0]["client_id"], "frontdoor-app");
    assert_eq!(tokens[0]["scopes"], json!(["openid", "email", "read_user"]));
    assert_eq!(tokens[0]["revoked"], false);
    assert!(tokens[0]["issued_at"].as_i64().unwrap() > 1_700_000_000);

    let response = cobot
        .request(
            Method::DELETE,
            &format!("/api/access_tokens/{token}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.bytes().await.unwrap().is_empty(), "204 with an empty body");

    assert_unauthorized(cobot.get_with_token("/api/user", &token).await).await;
    assert_unauthorized(cobot.get_with_token("/api/userinfo", &token).await).await;
    assert_eq!(
        cobot
            .get_with_token(&format!("/api/access_tokens/{token}"), &token)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "a revoked token no longer authenticates its own lookup"
    );
    let tokens: Value = cobot.get_json("/_sim/users/user-alex/tokens").await;
    assert_eq!(tokens[0]["revoked"], true);
}

#[tokio::test]
async fn revoking_needs_that_very_token_as_bearer() {
    let cobot = start().await;
    let alex = cobot.access_token("alex@example.com", "read_user").await;
    let sam = cobot.access_token("sam@example.com", "read_user").await;
    let path = cobot.url(&format!("/api/access_tokens/{alex}"));
    assert_eq!(
        cobot.http.delete(&path).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        cobot
            .http
            .delete(&path)
            .bearer_auth(&sam)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        cobot.get_with_token("/api/user", &alex).await.status(),
        StatusCode::OK,
        "alex's token survives"
    );
}

#[tokio::test]
async fn access_token_lookup_with_that_very_token_as_bearer_returns_its_scopes() {
    let cobot = start().await;
    let token = cobot
        .access_token("alex@example.com", "read_user read_memberships")
        .await;
    assert_eq!(
        cobot
            .get_json_with(&format!("/api/access_tokens/{token}"), &token)
            .await,
        json!({"scope": ["read_user", "read_memberships"]})
    );
    let by_query = cobot
        .get(&format!("/api/access_tokens/{token}?access_token={token}"))
        .await;
    assert_eq!(by_query.status(), StatusCode::OK, "API 1 also takes ?access_token=");
}

#[tokio::test]
async fn access_token_lookup_without_a_live_bearer_is_401() {
    let cobot = start().await;
    let token = cobot.access_token("alex@example.com", "read_user").await;
    let path = format!("/api/access_tokens/{token}");
    assert_unauthorized(cobot.get(&path).await).await;
    assert_unauthorized(cobot.get_with_token(&path, "0123456789abcdef").await).await;
    let unknown = "0123456789abcdef";
    assert_unauthorized(
        cobot
            .get_with_token(&format!("/api/access_tokens/{unknown}"), unknown)
            .await,
    )
    .await;
}

#[tokio::test]
async fn access_token_lookup_with_another_token_is_refused() {
    let cobot = start().await;
    let alex = cobot.access_token("alex@example.com", "read_user").await;
    let sam = cobot.access_token("sam@example.com", "read_user").await;
    let alex_again = cobot.access_token("alex@example.com", "read_user").await;
    let path = format!("/api/access_tokens/{alex}");
    assert_eq!(
        cobot.get_with_token(&path, &sam).await.status(),
        StatusCode::FORBIDDEN,
        "another user's token learns nothing about alex's"
    );
    assert_eq!(
        cobot.get_with_token(&path, &alex_again).await.status(),
        StatusCode::FORBIDDEN,
        "only that very token, as for DELETE"
    );
    assert_eq!(
        cobot
            .get_with_token("/api/access_tokens/0123456789abcdef", &sam)
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "an unknown token is answered like any other one"
    );
}

#[tokio::test]
async fn userinfo_returns_standard_claims_and_the_space_variant_adds_the_membership_profile() {
    let cobot = start().await;
    let token = cobot.access_token("alex@example.com", "openid email profile").await;
    let www: Value = cobot
        .get_with_token("/api/userinfo", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        www,
        json!({"sub": "user-alex", "email": "alex@example.com", "name": "Alex Morgan"})
    );
    let space: Value = cobot
        .get_with_token("/sub/lighthouse/api/userinfo", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(space["sub"], "user-alex");
    assert_eq!(space["phone_number"], "+49 30 1234567");
    assert!(space["picture"].as_str().unwrap().starts_with("http"));
    assert_unauthorized(cobot.get("/api/userinfo").await).await;
}

#[tokio::test]
async fn api_spaces_describes_the_space_without_authentication() {
    let cobot = start().await;
    let space = cobot.get_json("/api/spaces/lighthouse").await;
    assert_eq!(space["id"], "space-lighthouse");
    assert_eq!(space["name"], "Lighthouse Coworking");
    assert_eq!(space["subdomain"], "lighthouse");
    assert_eq!(space["url"], cobot.running.space_url("lighthouse"));
    assert_eq!(space["time_zone_name"], "Europe/Berlin");
    assert!(
        matches!(space["time_zone_offset"].as_i64(), Some(1 | 2)),
        "Berlin is UTC+1 or +2: {}",
        space["time_zone_offset"]
    );
    assert_eq!(cobot.get("/api/spaces/nowhere").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_61st_api_request_in_a_minute_is_429_with_retry_after() {
    let cobot = start().await;
    let token = cobot.access_token("alex@example.com", "read_user").await;
    for i in 1..=60 {
        assert_eq!(
            cobot.get_with_token("/api/user", &token).await.status(),
            StatusCode::OK,
            "request {i} is within the limit"
        );
    }
    let response = cobot.get_with_token("/api/user", &token).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After counts seconds until a slot frees: {retry_after}"
    );
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "Rate limit exceeded. Retry later."})
    );

    let other = cobot.access_token("sam@example.com", "read_user").await;
    assert_eq!(
        cobot.get_with_token("/api/user", &other).await.status(),
        StatusCode::OK,
        "limits are per user"
    );

    cobot.control("/clock/advance", json!({"secs": retry_after})).await;
    assert_eq!(
        cobot.get_with_token("/api/user", &token).await.status(),
        StatusCode::OK,
        "after Retry-After a slot is free"
    );
}
