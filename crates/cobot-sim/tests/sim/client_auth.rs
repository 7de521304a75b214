//! The token endpoint's client authentication (RFC 6749 §2.3.1), its optional `redirect_uri`, and
//! which token endpoint redeems which issuer's codes.

use cobot_sim::seed::{SeedSpace, DEMO_SPACE};
use cobot_sim::SimConfig;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::util::{
    assert_invalid_grant, assert_oauth_error, basic, hub_authorize, pkce, start, start_with_seed, verify_jwt,
    Authorize, Cobot, CLIENT_ID, HUB_CLIENT, HUB_REDIRECT_URI, HUB_SECRET, REDIRECT_URI,
};

/// A code for Alex and the seeded hub client, issued for its registered redirect URI.
async fn hub_code(cobot: &Cobot) -> String {
    cobot.code(&hub_authorize()).await
}

/// The redeeming form without client credentials, plus `extra`.
fn form<'a>(code: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", HUB_REDIRECT_URI),
    ];
    form.extend_from_slice(extra);
    form
}

/// Asserts `invalid_client` with a Basic challenge (RFC 6749 §5.2: the client tried Basic).
async fn assert_basic_challenge(response: Response) {
    assert_eq!(
        response.headers()["www-authenticate"].to_str().unwrap(),
        "Basic realm=\"Cobot\""
    );
    assert_oauth_error(response, StatusCode::UNAUTHORIZED, "invalid_client").await;
}

#[tokio::test]
async fn a_confidential_client_may_send_its_secret_in_the_body() {
    let cobot = start().await;
    let code = hub_code(&cobot).await;
    let response = cobot
        .token(
            "",
            &form(&code, &[("client_id", HUB_CLIENT), ("client_secret", HUB_SECRET)]),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let (_, claims) = verify_jwt(&cobot.get_json("/jwks.json").await, body["id_token"].as_str().unwrap());
    assert_eq!(claims["aud"], HUB_CLIENT);
    assert_eq!(claims["sub"], "user-alex");
}

#[tokio::test]
async fn a_confidential_client_may_authenticate_with_http_basic_with_or_without_client_id_in_the_body() {
    let cobot = start().await;
    let code = hub_code(&cobot).await;
    let response = cobot
        .token_with_auth("", &basic(HUB_CLIENT, HUB_SECRET), &form(&code, &[]))
        .await;
    assert_eq!(response.status(), StatusCode::OK, "client_id comes from the header");

    let code = hub_code(&cobot).await;
    let response = cobot
        .token_with_auth(
            "",
            &basic(HUB_CLIENT, HUB_SECRET),
            &form(&code, &[("client_id", HUB_CLIENT)]),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a matching client_id in the body is fine"
    );
}

#[tokio::test]
async fn basic_credentials_are_form_urlencoded_before_base64() {
    let cobot = start().await;
    let (id, secret) = ("svc:1", "s p&c%+é");
    let registered = cobot
        .control(
            "/clients",
            json!({"client_id": id, "secret": secret, "redirect_uris": ["https://svc.example/cb"]}),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let request = Authorize::new()
        .set("client_id", id)
        .set("redirect_uri", "https://svc.example/cb")
        .set("scope", "read_user");
    let code = cobot.code(&request).await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str())];
    let raw = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{id}:{secret}"))
    );
    assert_basic_challenge(cobot.token_with_auth("", &raw, &form).await).await;
    let response = cobot.token_with_auth("", &basic(id, secret), &form).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the `:` in the id and the `+`/`%` in the secret arrive encoded (RFC 6749 §2.3.1)"
    );
}

#[tokio::test]
async fn a_wrong_secret_is_invalid_client_with_401() {
    let cobot = start().await;
    let code = hub_code(&cobot).await;
    let in_body = cobot
        .token(
            "",
            &form(&code, &[("client_id", HUB_CLIENT), ("client_secret", "not-the-secret")]),
        )
        .await;
    assert!(
        !in_body.headers().contains_key("www-authenticate"),
        "no Basic challenge for a client that did not try Basic"
    );
    assert_oauth_error(in_body, StatusCode::UNAUTHORIZED, "invalid_client").await;
    let by_basic = cobot
        .token_with_auth("", &basic(HUB_CLIENT, "not-the-secret"), &form(&code, &[]))
        .await;
    assert_basic_challenge(by_basic).await;
    let by_basic = cobot
        .token_with_auth("", &basic("no-such-client", HUB_SECRET), &form(&code, &[]))
        .await;
    assert_basic_challenge(by_basic).await;

    let response = cobot
        .token(
            "",
            &form(&code, &[("client_id", HUB_CLIENT), ("client_secret", HUB_SECRET)]),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "failed authentication did not use up the code"
    );
}

#[tokio::test]
async fn a_confidential_client_without_its_secret_is_invalid_client_with_401_even_with_pkce() {
    let cobot = start().await;
    let p = pkce();
    let code = cobot.code(&hub_authorize().with_pkce(&p)).await;
    let no_secret = form(&code, &[("client_id", HUB_CLIENT), ("code_verifier", &p.verifier)]);
    assert_oauth_error(
        cobot.token("", &no_secret).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    let empty_password = cobot
        .token_with_auth(
            "",
            &basic(HUB_CLIENT, ""),
            &form(&code, &[("code_verifier", &p.verifier)]),
        )
        .await;
    assert_basic_challenge(empty_password).await;

    let mut with_secret = no_secret.clone();
    with_secret.push(("client_secret", HUB_SECRET));
    assert_eq!(cobot.token("", &with_secret).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn sending_the_secret_both_as_basic_and_in_the_body_is_invalid_request() {
    let cobot = start().await;
    let code = hub_code(&cobot).await;
    let both = cobot
        .token_with_auth(
            "",
            &basic(HUB_CLIENT, HUB_SECRET),
            &form(&code, &[("client_id", HUB_CLIENT), ("client_secret", HUB_SECRET)]),
        )
        .await;
    assert_oauth_error(both, StatusCode::BAD_REQUEST, "invalid_request").await;
    let other_id = cobot
        .token_with_auth(
            "",
            &basic(HUB_CLIENT, HUB_SECRET),
            &form(&code, &[("client_id", CLIENT_ID)]),
        )
        .await;
    assert_oauth_error(other_id, StatusCode::BAD_REQUEST, "invalid_request").await;
    let bearer = cobot.token_with_auth("", "Bearer abc", &form(&code, &[])).await;
    assert_basic_challenge(bearer).await;
    let garbage = cobot.token_with_auth("", "Basic !!!", &form(&code, &[])).await;
    assert_basic_challenge(garbage).await;
    let response = cobot
        .token_with_auth("", &basic(HUB_CLIENT, HUB_SECRET), &form(&code, &[]))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "none of the refusals used up the code"
    );
}

#[tokio::test]
async fn a_public_client_is_accepted_without_a_secret_and_refused_with_one() {
    let cobot = start().await;
    let p = pkce();
    let request = Authorize::new().with_pkce(&p);
    let code = cobot.code(&request).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", &p.verifier),
    ];
    let mut with_secret = base.to_vec();
    with_secret.extend([("client_id", CLIENT_ID), ("client_secret", "made-up")]);
    assert_oauth_error(
        cobot.token("", &with_secret).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    assert_basic_challenge(cobot.token_with_auth("", &basic(CLIENT_ID, "made-up"), &base).await).await;
    let response = cobot.token_with_auth("", &basic(CLIENT_ID, ""), &base).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "Basic with an empty password names a public client without a secret"
    );
}

#[tokio::test]
async fn redirect_uri_may_be_left_out_when_the_client_has_one_registered_uri_and_the_code_used_it() {
    let cobot = start().await;
    let code = hub_code(&cobot).await;
    let response = cobot
        .token(
            "",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("client_id", HUB_CLIENT),
                ("client_secret", HUB_SECRET),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn leaving_out_redirect_uri_is_invalid_grant_when_the_code_was_issued_for_another_uri() {
    let cobot = start().await;
    // The loopback port rule admits this at the authorize endpoint, but it is not the URI the
    // client registered, so only sending it again proves the code was meant for it.
    let with_port = "http://127.0.0.1:8481/auth/callback";
    let code = cobot.code(&hub_authorize().set("redirect_uri", with_port)).await;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("client_id", HUB_CLIENT),
        ("client_secret", HUB_SECRET),
    ];
    assert_invalid_grant(cobot.token("", &form).await).await;
    form.push(("redirect_uri", HUB_REDIRECT_URI));
    assert_invalid_grant(cobot.token("", &form).await).await;
    form.retain(|(k, _)| *k != "redirect_uri");
    form.push(("redirect_uri", with_port));
    assert_eq!(cobot.token("", &form).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_code_from_a_spaces_authorize_endpoint_is_redeemed_at_www_with_the_space_as_issuer() {
    let cobot = start().await;
    let p = pkce();
    let request = Authorize::new()
        .on_space(DEMO_SPACE)
        .set("scope", "openid email profile")
        .set("nonce", "n-space")
        .with_pkce(&p);
    let code = cobot.code(&request).await;
    let mut at_www = request.clone();
    at_www.site = String::new();
    let response = cobot.exchange(&at_www, &code, Some(&p.verifier)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let (_, claims) = verify_jwt(&cobot.get_json("/jwks.json").await, body["id_token"].as_str().unwrap());
    assert_eq!(
        claims["iss"],
        cobot.running.space_url(DEMO_SPACE),
        "the issuer whose authorize endpoint issued the code"
    );
    assert_eq!(claims["nonce"], "n-space");
    assert_eq!(claims["phone_number"], "+49 30 1234567", "the space's profile claims");
}

#[tokio::test]
async fn a_www_code_is_refused_at_a_space_and_a_space_code_at_another_space() {
    let mut seed = cobot_sim::demo();
    let mut harbour: SeedSpace = seed.spaces[0].clone();
    harbour.id = "space-harbour".into();
    harbour.subdomain = "harbour".into();
    harbour.name = "Harbour".into();
    seed.spaces.push(harbour);
    let cobot = start_with_seed(SimConfig::default(), seed).await;

    let www = Authorize::new();
    let code = cobot.code(&www).await;
    let mut at_space = www.clone();
    at_space.site = format!("/sub/{DEMO_SPACE}");
    assert_invalid_grant(cobot.exchange(&at_space, &code, None).await).await;

    let space = Authorize::new().on_space(DEMO_SPACE);
    let space_code = cobot.code(&space).await;
    let at_other = space.clone().on_space("harbour");
    assert_invalid_grant(cobot.exchange(&at_other, &space_code, None).await).await;

    assert_eq!(
        cobot.exchange(&www, &code, None).await.status(),
        StatusCode::OK,
        "refused at the wrong endpoint, the code still works where it belongs"
    );
    assert_eq!(cobot.exchange(&space, &space_code, None).await.status(), StatusCode::OK);
}
