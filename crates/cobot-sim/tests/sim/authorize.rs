use reqwest::StatusCode;
use serde_json::json;

use crate::util::{callback, pkce, start, Authorize, REDIRECT_URI};

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_and_never_a_redirect() {
    let cobot = start().await;
    for redirect_uri in [
        "frontdoor://evil/callback",
        "frontdoor://auth/callback/",
        "http://localhost:4000/auth/callback",
    ] {
        let response = cobot
            .authorize(&Authorize::new().set("redirect_uri", redirect_uri))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{redirect_uri}");
        assert!(
            response.headers().get("location").is_none(),
            "RFC 6749 §4.1.2.1: never redirect to an unverified URI"
        );
        assert!(response.text().await.unwrap().contains("not registered"));
    }
}

#[tokio::test]
async fn an_unknown_client_gets_an_error_page_and_never_a_redirect() {
    let cobot = start().await;
    for request in [
        Authorize::new().set("client_id", "someone-else"),
        Authorize::new().without("client_id"),
    ] {
        let response = cobot.authorize(&request).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn a_registered_loopback_redirect_uri_matches_any_port_but_only_the_same_path() {
    let cobot = start().await;
    let on_port = Authorize::new().set("redirect_uri", "http://127.0.0.1:53124/auth/callback");
    let cb = cobot.authorize_redirect(&on_port).await;
    assert_eq!(
        cb.redirect, "http://127.0.0.1:53124/auth/callback",
        "the code goes to the port the app asked for"
    );
    assert!(cb.query.contains_key("code"));

    let other_path = Authorize::new().set("redirect_uri", "http://127.0.0.1:53124/elsewhere");
    assert_eq!(cobot.authorize(&other_path).await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_login_hint_naming_a_demo_user_returns_a_code_and_the_state_at_once() {
    let cobot = start().await;
    for hint in ["alex@example.com", "user-alex"] {
        let cb = cobot
            .authorize_redirect(&Authorize::new().set("login_hint", hint))
            .await;
        assert_eq!(cb.redirect, REDIRECT_URI);
        assert_eq!(cb.query["state"], "st-123");
        let code = &cb.query["code"];
        assert!(
            code.len() >= 64 && code.bytes().all(|b| b.is_ascii_hexdigit()),
            "32+ random bytes in hex: {code}"
        );
    }
}

#[tokio::test]
async fn without_a_login_hint_the_sign_in_page_lists_the_users_and_the_requested_scopes() {
    let cobot = start().await;
    let response = cobot.authorize(&Authorize::new().without("login_hint")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = response.text().await.unwrap();
    for needle in [
        "Sign in to Cobot",
        "Frontdoor",
        "wants to",
        "read_user",
        "Alex Morgan",
        "sam@example.com",
        "Jo Lee",
        r#"id="deny""#,
    ] {
        assert!(html.contains(needle), "page shows {needle}");
    }
    assert!(
        html.contains(r#"name="state" value="st-123""#),
        "the page carries the original parameters"
    );
}

#[tokio::test]
async fn allowing_on_the_sign_in_page_by_id_or_email_redirects_with_a_code() {
    let cobot = start().await;
    let request = Authorize::new().without("login_hint");
    for (field, login) in [("user", "user-sam"), ("email", "SAM@example.com")] {
        let cb = callback(cobot.decide(&request, &[("decision", "allow"), (field, login)]).await);
        assert_eq!(cb.query["state"], "st-123");
        assert!(cb.query.contains_key("code"), "{field}={login}");
    }
}

#[tokio::test]
async fn denying_on_the_sign_in_page_redirects_with_access_denied_and_the_state() {
    let cobot = start().await;
    let response = cobot
        .decide(&Authorize::new().without("login_hint"), &[("decision", "deny")])
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        "frontdoor://auth/callback?error=access_denied&error_description=The+user+denied+access&state=st-123"
    );
    assert_eq!(response.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn an_unknown_email_shows_the_page_again_with_an_error() {
    let cobot = start().await;
    let response = cobot
        .decide(
            &Authorize::new().without("login_hint"),
            &[("decision", "allow"), ("email", "nobody@example.com")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("There is no Cobot account for “nobody@example.com”"));
}

#[tokio::test]
async fn a_login_hint_is_ignored_when_auto_login_is_switched_off() {
    let cobot = start().await;
    cobot.control("/config", json!({"auto_login_hint": false})).await;
    let response = cobot.authorize(&Authorize::new()).await;
    assert_eq!(response.status(), StatusCode::OK, "the page is shown");
    assert!(
        response.text().await.unwrap().contains(r#"value="alex@example.com""#),
        "the hint prefills the email field"
    );
}

/// Bad requests with a trustworthy redirect URI go back to the client (RFC 6749 §4.1.2.1).
#[tokio::test]
async fn malformed_requests_redirect_to_the_client_with_the_matching_error() {
    let cobot = start().await;
    let p = pkce();
    let cases = [
        (
            Authorize::new().set("response_type", "token"),
            "unsupported_response_type",
        ),
        (Authorize::new().without("response_type"), "invalid_request"),
        (Authorize::new().set("scope", "openid write"), "invalid_scope"),
        (Authorize::new().without("scope"), "invalid_scope"),
        (
            Authorize::new().with_pkce(&p).set("code_challenge_method", "plain"),
            "invalid_request",
        ),
        (
            Authorize::new().with_pkce(&p).without("code_challenge_method"),
            "invalid_request",
        ),
        (
            Authorize::new()
                .set("code_challenge", "too-short")
                .set("code_challenge_method", "S256"),
            "invalid_request",
        ),
        (Authorize::new().add("state", "again"), "invalid_request"),
    ];
    for (request, error) in cases {
        let cb = cobot.authorize_redirect(&request).await;
        assert_eq!(cb.redirect, REDIRECT_URI);
        assert_eq!(
            cb.query.get("error").map(String::as_str),
            Some(error),
            "{:?}",
            request.params
        );
        assert!(cb.query.contains_key("error_description"));
        assert!(!cb.query.contains_key("code"));
        if request.params.iter().filter(|(k, _)| k == "state").count() == 1 {
            assert_eq!(cb.query["state"], "st-123", "the state comes back with errors too");
        }
    }
}

#[tokio::test]
async fn require_pkce_refuses_requests_without_a_challenge() {
    let cobot = start().await;
    let settings = cobot
        .control("/config", json!({"require_pkce": true}))
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(settings["require_pkce"], true);
    let cb = cobot.authorize_redirect(&Authorize::new()).await;
    assert_eq!(cb.query["error"], "invalid_request");
    let cb = cobot.authorize_redirect(&Authorize::new().with_pkce(&pkce())).await;
    assert!(cb.query.contains_key("code"), "with a challenge it goes through");
}

#[tokio::test]
async fn the_space_authorize_endpoint_names_the_space_on_its_page() {
    let cobot = start().await;
    let response = cobot
        .authorize(&Authorize::new().on_space("lighthouse").without("login_hint"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("Sign in to Lighthouse Coworking on Cobot"));
    assert!(html.contains(&format!(
        r#"action="{}/oauth/authorize""#,
        cobot.running.space_url("lighthouse")
    )));
}
