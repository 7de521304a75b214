use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::util::{
    assert_invalid_grant, assert_oauth_error, pkce, start, verify_jwt, Authorize, CLIENT_ID, REDIRECT_URI,
};

#[tokio::test]
async fn a_pkce_code_exchange_yields_a_bearer_token_and_an_id_token_signed_by_a_published_key() {
    let cobot = start().await;
    let p = pkce();
    let request = Authorize::new().set("nonce", "n-0S6_WzA2Mj").with_pkce(&p);
    let code = cobot.code(&request).await;
    let response = cobot.exchange(&request, &code, Some(&p.verifier)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store", "RFC 6749 §5.1");
    let body: Value = response.json().await.unwrap();

    let token = body["access_token"].as_str().unwrap();
    assert!(
        token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "64 hex chars: {token}"
    );
    assert_eq!(body["token_type"], "bearer");
    assert!(
        body.get("refresh_token").is_none() && body.get("expires_in").is_none(),
        "Cobot sends neither"
    );

    let jwks = cobot.get_json("/jwks.json").await;
    let (header, claims) = verify_jwt(&jwks, body["id_token"].as_str().unwrap());
    assert_eq!(header["kid"], jwks["keys"][0]["kid"]);
    assert_eq!(claims["iss"], cobot.running.issuer());
    assert_eq!(claims["sub"], "user-alex");
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    assert_eq!(claims["email"], "alex@example.com", "scope email adds the email claim");
    let iat = claims["iat"].as_i64().unwrap();
    assert_eq!(claims["exp"].as_i64().unwrap(), iat + 3600);
    assert!(
        claims.get("phone_number").is_none(),
        "profile claims come only from a space issuer"
    );
}

#[tokio::test]
async fn a_space_id_token_carries_the_space_issuer_and_the_membership_profile() {
    let cobot = start().await;
    let body = cobot
        .login_on("/sub/lighthouse", "alex@example.com", "openid email profile")
        .await;
    let jwks = cobot.get_json("/sub/lighthouse/jwks.json").await;
    let (_, claims) = verify_jwt(&jwks, body["id_token"].as_str().unwrap());
    assert_eq!(claims["iss"], cobot.running.space_url("lighthouse"));
    assert_eq!(claims["name"], "Alex Morgan");
    assert_eq!(claims["phone_number"], "+49 30 1234567");
    let picture = claims["picture"].as_str().unwrap();
    let image = cobot.http.get(picture).send().await.unwrap();
    assert_eq!(
        image.status(),
        StatusCode::OK,
        "the picture URL points at something real"
    );
}

#[tokio::test]
async fn without_the_openid_scope_there_is_no_id_token() {
    let cobot = start().await;
    let body = cobot.login("alex@example.com", "read_user").await;
    assert!(body["access_token"].is_string());
    assert!(body.get("id_token").is_none());
}

#[tokio::test]
async fn a_wrong_or_missing_code_verifier_is_invalid_grant() {
    let cobot = start().await;
    let p = pkce();
    let request = Authorize::new().with_pkce(&p);
    let code = cobot.code(&request).await;
    let wrong = pkce().verifier;
    assert_invalid_grant(cobot.exchange(&request, &code, Some(&wrong)).await).await;
    assert_invalid_grant(cobot.exchange(&request, &code, None).await).await;
    let response = cobot.exchange(&request, &code, Some(&p.verifier)).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "failed verifier checks do not use up the code"
    );
}

#[tokio::test]
async fn a_verifier_for_a_code_issued_without_a_challenge_is_invalid_grant() {
    let cobot = start().await;
    let request = Authorize::new();
    let code = cobot.code(&request).await;
    let response = cobot.exchange(&request, &code, Some(&pkce().verifier)).await;
    assert_invalid_grant(response).await;
}

#[tokio::test]
async fn pkce_is_optional_like_on_cobot() {
    let cobot = start().await;
    let request = Authorize::new();
    let code = cobot.code(&request).await;
    assert_eq!(cobot.exchange(&request, &code, None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn reusing_a_code_is_invalid_grant_and_revokes_the_token_it_produced() {
    let cobot = start().await;
    let p = pkce();
    let request = Authorize::new().with_pkce(&p);
    let code = cobot.code(&request).await;
    let first: Value = cobot
        .exchange(&request, &code, Some(&p.verifier))
        .await
        .json()
        .await
        .unwrap();
    let token = first["access_token"].as_str().unwrap();
    assert_eq!(cobot.get_with_token("/api/user", token).await.status(), StatusCode::OK);

    let replay = cobot.exchange(&request, &code, Some(&p.verifier)).await;
    assert_invalid_grant(replay).await;
    assert_eq!(
        cobot.get_with_token("/api/user", token).await.status(),
        StatusCode::UNAUTHORIZED,
        "RFC 6749 §4.1.2: tokens issued from a replayed code are revoked"
    );
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let cobot = start().await;
    let request = Authorize::new();
    let code = cobot.code(&request).await;
    let now = cobot.control("/clock/advance", json!({"secs": 61})).await;
    assert_eq!(now.status(), StatusCode::OK);
    assert_invalid_grant(cobot.exchange(&request, &code, None).await).await;
}

#[tokio::test]
async fn a_shorter_code_ttl_set_through_the_control_api_applies_to_new_codes() {
    let cobot = start().await;
    cobot.control("/config", json!({"code_ttl_secs": 5})).await;
    let request = Authorize::new();
    let code = cobot.code(&request).await;
    cobot.control("/clock/advance", json!({"secs": 5})).await;
    assert_invalid_grant(cobot.exchange(&request, &code, None).await).await;
}

/// RFC 6749 §5.2, one row per rule.
#[tokio::test]
async fn token_endpoint_errors_follow_rfc_6749() {
    let cobot = start().await;
    let request = Authorize::new();
    let code = cobot.code(&request).await;
    let good = |overrides: &[(&'static str, Option<&'static str>)]| {
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.clone()),
            ("redirect_uri", REDIRECT_URI.into()),
            ("client_id", CLIENT_ID.into()),
        ];
        for &(name, value) in overrides {
            form.retain(|(k, _)| *k != name);
            if let Some(v) = value {
                form.push((name, v.to_string()));
            }
        }
        form
    };
    let cases = [
        (
            good(&[("grant_type", Some("password"))]),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            good(&[("grant_type", Some("refresh_token"))]),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            good(&[("grant_type", None)]),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (good(&[("code", None)]), StatusCode::BAD_REQUEST, "invalid_request"),
        // frontdoor-app registers two redirect URIs, so it may not leave redirect_uri out.
        (
            good(&[("redirect_uri", None)]),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (good(&[("client_id", None)]), StatusCode::BAD_REQUEST, "invalid_request"),
        (
            good(&[("client_id", Some("someone-else"))]),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            good(&[("code", Some("0000"))]),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (
            good(&[("redirect_uri", Some("http://127.0.0.1:9999/auth/callback"))]),
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
    ];
    for (form, status, error) in cases {
        let response = cobot
            .http
            .post(cobot.url("/oauth/access_token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{form:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], error, "{form:?}");
    }

    let at_space = cobot
        .http
        .post(cobot.url("/sub/lighthouse/oauth/access_token"))
        .form(&good(&[]))
        .send()
        .await
        .unwrap();
    assert_invalid_grant(at_space).await;
    let as_json = cobot
        .request(
            Method::POST,
            "/oauth/access_token",
            None,
            Some(&json!({"grant_type": "authorization_code"})),
        )
        .await;
    assert_oauth_error(as_json, StatusCode::BAD_REQUEST, "invalid_request").await;
    let finally = cobot
        .http
        .post(cobot.url("/oauth/access_token"))
        .form(&good(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        finally.status(),
        StatusCode::OK,
        "none of the refused attempts used up the code"
    );
}

#[tokio::test]
async fn a_code_is_bound_to_its_client() {
    let cobot = start().await;
    let registered = cobot
        .control(
            "/clients",
            json!({"client_id": "other-app", "redirect_uris": [REDIRECT_URI], "scopes": ["openid"]}),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let request = Authorize::new();
    let code = cobot.code(&request).await;
    let response = cobot
        .token(
            "",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT_URI),
                ("client_id", "other-app"),
            ],
        )
        .await;
    assert_invalid_grant(response).await;
}
