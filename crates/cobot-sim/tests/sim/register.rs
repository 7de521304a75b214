//! Dynamic client registration (RFC 7591) at the advertised `registration_endpoint`.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{assert_oauth_error, basic, pkce, start, Authorize, Cobot};

/// Registers at the endpoint the discovery document advertises.
async fn register(cobot: &Cobot, metadata: Value) -> reqwest::Response {
    let discovery = cobot.get_json("/.well-known/openid-configuration").await;
    let endpoint = discovery["registration_endpoint"].as_str().unwrap();
    cobot.http.post(endpoint).json(&metadata).send().await.unwrap()
}

#[tokio::test]
async fn a_registered_confidential_client_signs_in_and_redeems_its_code_with_its_secret() {
    let cobot = start().await;
    let response = register(
        &cobot,
        json!({
            "redirect_uris": ["https://agent.example/callback"],
            "client_name": "Agent",
            "token_endpoint_auth_method": "client_secret_post",
            "scope": "openid read_user",
        }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "the answer holds a secret"
    );
    let client: Value = response.json().await.unwrap();
    let client_id = client["client_id"].as_str().unwrap();
    let secret = client["client_secret"]
        .as_str()
        .expect("a confidential client gets a secret");
    assert_eq!(client["client_secret_expires_at"], 0);
    assert_eq!(client["client_name"], "Agent");
    assert_eq!(client["redirect_uris"], json!(["https://agent.example/callback"]));
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_post");
    assert_eq!(client["scope"], "openid read_user");
    assert!(client["client_id_issued_at"].is_i64());

    let request = Authorize::new()
        .set("client_id", client_id)
        .set("redirect_uri", "https://agent.example/callback")
        .set("scope", "openid read_user");
    let code = cobot.code(&request).await;
    assert_oauth_error(
        cobot.exchange(&request, &code, None).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    let response = cobot
        .token(
            "",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", client_id),
                ("client_secret", secret),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "its one redirect URI may be left out"
    );
    let token: Value = response.json().await.unwrap();
    assert!(token["id_token"].is_string());
    let user = cobot
        .get_json_with("/api/user", token["access_token"].as_str().unwrap())
        .await;
    assert_eq!(user["id"], "user-alex");
}

#[tokio::test]
async fn a_client_registered_with_the_default_method_uses_http_basic() {
    let cobot = start().await;
    let client: Value = register(&cobot, json!({"redirect_uris": ["https://b.example/cb"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        client["token_endpoint_auth_method"], "client_secret_basic",
        "RFC 7591 §2: the default"
    );
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "like Cobot's: {id}"
    );
    let request = Authorize::new()
        .set("client_id", id)
        .set("redirect_uri", "https://b.example/cb")
        .set("scope", "read_user read_memberships");
    let code = cobot.code(&request).await;
    let response = cobot
        .token_with_auth(
            "",
            &basic(id, secret),
            &[("grant_type", "authorization_code"), ("code", &code)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_client_registered_with_method_none_is_public_and_redeems_with_pkce_alone() {
    let cobot = start().await;
    let client: Value = register(
        &cobot,
        json!({"redirect_uris": ["http://127.0.0.1/callback"], "token_endpoint_auth_method": "none"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(client.get("client_secret").is_none(), "a public client has no secret");
    let id = client["client_id"].as_str().unwrap();
    let p = pkce();
    let request = Authorize::new()
        .set("client_id", id)
        .set("redirect_uri", "http://127.0.0.1:50123/callback")
        .set("scope", "openid")
        .with_pkce(&p);
    let code = cobot.code(&request).await;
    let response = cobot.exchange(&request, &code, Some(&p.verifier)).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn registration_refuses_metadata_it_cannot_honour() {
    let cobot = start().await;
    let cases = [
        (json!({"client_name": "no uris"}), "invalid_redirect_uri"),
        (json!({"redirect_uris": []}), "invalid_redirect_uri"),
        (json!({"redirect_uris": ["not a uri"]}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["https://a.example/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (json!({"redirect_uris": [7]}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": ["https://a.example/cb"], "scope": "openid admin_everything"}),
            "invalid_client_metadata",
        ),
        (json!(["https://a.example/cb"]), "invalid_client_metadata"),
    ];
    for (metadata, error) in cases {
        let response = register(&cobot, metadata.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{metadata}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], error, "{metadata}: {body}");
    }
    let as_form = cobot
        .http
        .post(cobot.url("/oauth/register"))
        .form(&[("redirect_uris", "https://a.example/cb")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(as_form, StatusCode::BAD_REQUEST, "invalid_client_metadata").await;
}
