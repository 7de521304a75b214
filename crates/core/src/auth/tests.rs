//! Tests of the parent module.

use super::*;

#[test]
fn pkce_challenge_matches_rfc_7636_appendix_b() {
    let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
    assert_eq!(pkce_challenge(&verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

#[test]
fn only_cobot_hosts_are_trusted_for_sign_in_by_default() {
    let policy = IssuerPolicy::cobot_only();
    let check = |u: &str| policy.allows(&Url::parse(u).unwrap());
    assert!(check("https://www.cobot.me"));
    assert!(check("https://lighthouse.cobot.me"));
    assert!(
        !check("http://lighthouse.cobot.me"),
        "plain http would expose the sign-in"
    );
    assert!(!check("https://cobot.me.evil.example"));
    assert!(!check("https://evilcobot.me"));
    assert!(!check("https://a.b.cobot.me"), "only one label in front of cobot.me");
    let demo = IssuerPolicy::with_extra([Url::parse("http://127.0.0.1:8480").unwrap()]);
    assert!(demo.allows(&Url::parse("http://127.0.0.1:8480/sub/lighthouse").unwrap()));
    assert!(!demo.allows(&Url::parse("http://127.0.0.1:9999").unwrap()));
}

fn pending(state: &str) -> PendingLogin {
    PendingLogin {
        state: state.into(),
        nonce: "n".into(),
        verifier: PkceVerifier::new("v".into()),
        redirect_uri: Url::parse("frontdoor://auth/callback").unwrap(),
        issuer: "https://lighthouse.cobot.me".into(),
    }
}

fn code_for(state: &str) -> Callback {
    Callback::Code {
        code: crate::secret::AuthCode::new("c"),
        state: state.into(),
        iss: None,
    }
}

#[test]
fn a_callback_with_a_foreign_state_leaves_the_real_sign_in_waiting() {
    let mut slot = LoginSlot::default();
    slot.put(pending("ours"));
    assert!(matches!(slot.take_for(&code_for("theirs")), Err(Error::StateMismatch)));
    let no_state = Callback::Error {
        error: "access_denied".into(),
        description: None,
        state: None,
    };
    assert!(matches!(slot.take_for(&no_state), Err(Error::StateMismatch)));
    assert!(slot.is_waiting());
    assert_eq!(slot.take_for(&code_for("ours")).unwrap().state(), "ours");
}

#[test]
fn a_replayed_callback_finds_no_sign_in() {
    let mut slot = LoginSlot::default();
    slot.put(pending("ours"));
    slot.take_for(&code_for("ours")).unwrap();
    assert!(matches!(
        slot.take_for(&code_for("ours")),
        Err(Error::NoSignInInProgress)
    ));
}

#[test]
fn starting_again_replaces_the_earlier_sign_in() {
    let mut slot = LoginSlot::default();
    slot.put(pending("first"));
    slot.put(pending("second"));
    assert!(matches!(slot.take_for(&code_for("first")), Err(Error::StateMismatch)));
    assert!(slot.take_for(&code_for("second")).is_ok());
}

#[test]
fn begin_makes_fresh_single_use_values_and_an_s256_challenge() {
    let doc = serde_json::json!({
        "issuer": "https://lighthouse.cobot.me",
        "authorization_endpoint": "https://lighthouse.cobot.me/oauth/authorize",
        "token_endpoint": "https://lighthouse.cobot.me/oauth/access_token",
        "jwks_uri": "https://www.cobot.me/jwks.json",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    });
    let client = OidcClient::new(
        reqwest::Client::new(),
        serde_json::from_value(doc.clone()).unwrap(),
        serde_json::from_value(doc).unwrap(),
        ClientCredentials {
            id: "frontdoor-hub".into(),
            secret: ClientSecret::new("s3cret"),
        },
    );
    let redirect = Url::parse("https://hub.example/auth/callback").unwrap();
    let (url1, p1) = client.begin(&redirect, MEMBER_SCOPES, None);
    let (_, p2) = client.begin(&redirect, MEMBER_SCOPES, None);
    assert_ne!(p1.state, p2.state);
    assert_ne!(p1.nonce, p2.nonce);
    assert!(p1.state.len() >= 43, "256 bits of state");
    let query: std::collections::HashMap<_, _> = url1.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge"], pkce_challenge(&p1.verifier));
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["scope"], "openid email profile read_user");
    assert_eq!(query["nonce"], p1.nonce);
    assert_eq!(query["state"], p1.state);
    assert_eq!(query["client_id"], "frontdoor-hub");
    assert_eq!(query["redirect_uri"], "https://hub.example/auth/callback");
    assert!(
        !url1.as_str().contains("s3cret"),
        "the secret never goes through the browser"
    );
}

#[test]
fn the_app_hands_out_its_proof_only_for_its_own_callback() {
    let sign_in = AppSignIn::new();
    let state = sign_in.state().to_string();
    let challenge = sign_in.challenge();
    assert!(matches!(
        AppSignIn::new().finish(code_for(&state)),
        Err(Error::StateMismatch)
    ));
    let (ticket, proof) = sign_in.finish(code_for(&state)).unwrap();
    assert_eq!(ticket.secret(), "c");
    assert_eq!(
        pkce_challenge(&proof),
        challenge,
        "the proof answers the challenge sent at the start"
    );
}

#[test]
fn space_issuer_follows_the_template() {
    let hosts = CobotHosts::cobot();
    let space = Subdomain::parse("lighthouse").unwrap();
    assert_eq!(
        hosts.issuer(Some(&space)).unwrap().as_str(),
        "https://lighthouse.cobot.me/"
    );
    assert_eq!(hosts.issuer(None).unwrap().as_str(), "https://www.cobot.me/");
}
