use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::util::{start, verify_jwt, Authorize};

#[tokio::test]
async fn key_rotation_keeps_the_old_kid_published_and_signs_new_id_tokens_with_the_new_kid() {
    let cobot = start().await;
    let before = cobot.login("alex@example.com", "openid").await;
    let old_kid = cobot.get_json("/jwks.json").await["keys"][0]["kid"].clone();

    let rotated = cobot.post_json("/_sim/keys/rotate").await;
    let new_kid = rotated["kid"].clone();
    assert_ne!(new_kid, old_kid);

    let jwks = cobot.get_json("/jwks.json").await;
    let kids: Vec<Value> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect();
    assert_eq!(
        kids,
        vec![old_kid.clone(), new_kid.clone()],
        "old keys stay published for tokens already out there"
    );
    verify_jwt(&jwks, before["id_token"].as_str().unwrap());

    let after = cobot.login("alex@example.com", "openid").await;
    let (header, _) = verify_jwt(&jwks, after["id_token"].as_str().unwrap());
    assert_eq!(header["kid"], new_kid);
}

#[tokio::test]
async fn rotating_with_retire_unpublishes_every_older_key() {
    let cobot = start().await;
    let rotated = cobot.post_json("/_sim/keys/rotate?retire=true").await;
    let jwks = cobot.get_json("/jwks.json").await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], rotated["kid"]);
}

#[tokio::test]
async fn a_client_registered_through_the_control_api_can_sign_in_with_its_own_redirect_uri() {
    let cobot = start().await;
    let client =
        json!({"client_id": "hub", "redirect_uris": ["https://hub.example/cb"], "scopes": ["openid", "read_user"]});
    assert_eq!(
        cobot.control("/clients", client.clone()).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        cobot.control("/clients", client).await.status(),
        StatusCode::CONFLICT,
        "client ids are unique"
    );

    let request = Authorize::new()
        .set("client_id", "hub")
        .set("redirect_uri", "https://hub.example/cb")
        .set("scope", "openid read_user");
    let cb = cobot.authorize_redirect(&request).await;
    assert_eq!(cb.redirect, "https://hub.example/cb");
    assert!(cb.query.contains_key("code"));
    let too_much = cobot
        .authorize_redirect(&request.clone().set("scope", "openid checkin"))
        .await;
    assert_eq!(too_much.query["error"], "invalid_scope", "scopes are per client");
}

#[tokio::test]
async fn a_confidential_client_must_send_its_secret() {
    let cobot = start().await;
    let client = json!({"client_id": "backend", "client_secret": "s3cret", "redirect_uris": ["https://b.example/cb"], "scopes": ["read_user"]});
    cobot.control("/clients", client).await;
    let request = Authorize::new()
        .set("client_id", "backend")
        .set("redirect_uri", "https://b.example/cb")
        .set("scope", "read_user");
    let code = cobot.code(&request).await;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://b.example/cb"),
        ("client_id", "backend"),
    ];
    let response = cobot.token("", &form).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    form.push(("client_secret", "s3cret"));
    assert_eq!(cobot.token("", &form).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_control_api_registers_confidential_clients_by_secret_and_public_ones_by_flag() {
    let cobot = start().await;
    let registered = cobot
        .control(
            "/clients",
            json!({"client_id": "svc", "secret": "svc-secret", "redirect_uris": ["https://svc.example/cb"]}),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let body: Value = registered.json().await.unwrap();
    assert_eq!(body["public"], false);
    assert_eq!(body["client_secret"], "svc-secret");
    let scopes = body["scopes"].as_array().unwrap();
    for scope in ["openid", "read_user", "read_memberships", "write_check_ins"] {
        assert!(
            scopes.contains(&json!(scope)),
            "without `scopes` every known scope: {scope}"
        );
    }

    let public = cobot
        .control(
            "/clients",
            json!({"client_id": "pub", "public": true, "redirect_uris": ["https://pub.example/cb"]}),
        )
        .await;
    let body: Value = public.json().await.unwrap();
    assert_eq!(body["public"], true);
    assert!(body.get("client_secret").is_none());

    let generated: Value = cobot
        .control(
            "/clients",
            json!({"client_id": "gen", "public": false, "redirect_uris": ["https://gen.example/cb"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let secret = generated["client_secret"].as_str().expect("a generated secret");
    let request = Authorize::new()
        .set("client_id", "gen")
        .set("redirect_uri", "https://gen.example/cb")
        .set("scope", "read_user");
    let code = cobot.code(&request).await;
    let response = cobot
        .token(
            "",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", "gen"),
                ("client_secret", secret),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "the generated secret authenticates");

    for contradiction in [
        json!({"client_id": "x1", "public": true, "secret": "s", "redirect_uris": ["https://x.example/cb"]}),
        json!({"client_id": "x2", "secret": "", "redirect_uris": ["https://x.example/cb"]}),
    ] {
        assert_eq!(
            cobot.control("/clients", contradiction.clone()).await.status(),
            StatusCode::BAD_REQUEST,
            "{contradiction}"
        );
    }
}

#[tokio::test]
async fn the_control_api_refuses_bad_input() {
    let cobot = start().await;
    let bad_uri = json!({"client_id": "x", "redirect_uris": ["not a uri"], "scopes": []});
    assert_eq!(
        cobot.control("/clients", bad_uri).await.status(),
        StatusCode::BAD_REQUEST
    );
    let typo = cobot.control("/config", json!({"code_ttl": 5})).await;
    assert!(
        typo.status().is_client_error(),
        "unknown settings are refused, not ignored"
    );
    assert_eq!(
        cobot.get("/_sim/users/user-nobody/tokens").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_a_users_tokens_through_the_control_api_signs_them_out_everywhere() {
    let cobot = start().await;
    let first = cobot.access_token("alex@example.com", "read_user").await;
    let second = cobot.access_token("alex@example.com", "read_user").await;
    let sam = cobot.access_token("sam@example.com", "read_user").await;
    let response = cobot
        .request(Method::DELETE, "/_sim/users/user-alex/tokens", None, None)
        .await;
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"revoked": 2}));
    for token in [&first, &second] {
        assert_eq!(
            cobot.get_with_token("/api/user", token).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        cobot.get_with_token("/api/user", &sam).await.status(),
        StatusCode::OK,
        "other users keep theirs"
    );
    let tokens = cobot.get_json("/_sim/users/user-alex/tokens").await;
    assert!(tokens.as_array().unwrap().iter().all(|t| t["revoked"] == true));
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let cobot = start().await;
    let url = cobot.url("/jwks.json");
    cobot.running.shutdown().await.unwrap();
    let fresh = reqwest::Client::new();
    assert!(fresh.get(url).send().await.is_err(), "nothing listens after shutdown");
}
