use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::start;

#[tokio::test]
async fn global_discovery_is_cobots_document_with_every_url_built_from_the_base_url() {
    let cobot = start().await;
    let base = cobot.running.issuer();
    assert!(
        !base.ends_with('/'),
        "the issuer has no trailing slash, as https://www.cobot.me"
    );
    let expected = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/access_token"),
        "userinfo_endpoint": format!("{base}/api/userinfo"),
        "jwks_uri": format!("{base}/jwks.json"),
        "registration_endpoint": format!("{base}/oauth/register"),
        "scopes_supported": ["openid", "email", "profile"],
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "email", "iss", "profile"],
        "claims_parameter_supported": false,
    });
    assert_eq!(cobot.get_json("/.well-known/openid-configuration").await, expected);
    assert_eq!(
        cobot.get_json("/.well-known/oauth-authorization-server").await,
        expected,
        "Cobot serves the same body at both well-known paths"
    );
}

#[tokio::test]
async fn space_discovery_has_the_space_issuer_its_endpoints_and_the_extra_claims() {
    let cobot = start().await;
    let doc = cobot.get_json("/sub/lighthouse/.well-known/openid-configuration").await;
    let space = cobot.running.space_url("lighthouse");
    assert_eq!(doc["issuer"], space);
    assert_eq!(doc["authorization_endpoint"], format!("{space}/oauth/authorize"));
    assert_eq!(doc["token_endpoint"], format!("{space}/oauth/access_token"));
    assert_eq!(doc["userinfo_endpoint"], format!("{space}/api/userinfo"));
    assert_eq!(doc["jwks_uri"], format!("{space}/jwks.json"));
    assert_eq!(
        doc["claims_supported"],
        json!(["sub", "email", "iss", "profile", "name", "picture", "phone_number"])
    );
    let jwks: Value = cobot.get_json("/sub/lighthouse/jwks.json").await;
    assert_eq!(
        jwks,
        cobot.get_json("/jwks.json").await,
        "spaces publish the same keys as www"
    );
}

#[tokio::test]
async fn an_unknown_subdomain_is_a_json_404_on_every_space_route() {
    let cobot = start().await;
    for path in [
        "/sub/nowhere/.well-known/openid-configuration",
        "/sub/nowhere/jwks.json",
        "/sub/nowhere/oauth/authorize",
    ] {
        let response = cobot.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"error": "not found"}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn jwks_publishes_rsa_signing_keys_in_base64url_without_padding() {
    let cobot = start().await;
    let jwks = cobot.get_json("/jwks.json").await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    for (field, value) in [("kty", "RSA"), ("use", "sig"), ("alg", "RS256")] {
        assert_eq!(key[field], value);
    }
    for field in ["kid", "n", "e"] {
        let v = key[field].as_str().unwrap();
        assert!(
            !v.is_empty() && !v.contains(['=', '+', '/']),
            "{field} is base64url without padding: {v}"
        );
    }
    assert_eq!(key["e"], "AQAB");
}
