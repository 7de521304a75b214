//! Core's sign-in against an independent, OpenID Certified provider: the `oidc-provider` npm
//! package (tests/peers/oidc-provider.mjs), not only against our own simulator. The peer
//! requires PKCE S256, returns RFC 9207 `iss` on the redirect, and accepts loopback redirects on
//! any port (RFC 8252 §7.3).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

use frontdoor_core::auth::{self, loopback::LoopbackRedirect, ClientCredentials, LoginSlot, OidcClient};
use frontdoor_core::links::{Callback, DeepLink};
use frontdoor_core::secret::ClientSecret;
use url::Url;

/// The hub's credentials at the peer (tests/peers/oidc-provider.mjs registers them).
fn hub_client(secret: &str) -> ClientCredentials {
    ClientCredentials {
        id: "frontdoor-app".into(),
        secret: ClientSecret::new(secret),
    }
}

/// The running peer; stops when its stdin closes (on drop).
struct Peer {
    issuer: Url,
    child: Child,
    _stdin: ChildStdin,
}

impl Peer {
    fn start() -> Peer {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/peers");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "the oidc-provider peer is not installed: run scripts/setup.sh (npm ci in tests/peers)"
        );
        let mut child = Command::new("node")
            .arg(dir.join("oidc-provider.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node is installed by scripts/setup.sh");
        let stdin = child.stdin.take().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let issuer = line
            .trim()
            .strip_prefix("READY ")
            .unwrap_or_else(|| panic!("peer said {line:?}"));
        Peer {
            issuer: Url::parse(issuer).unwrap(),
            child,
            _stdin: stdin,
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser with cookies that stops at the app's redirect (a custom scheme, or the callback path
/// when `stop_at_loopback`), so the test can read where the provider sends the person back.
fn browser(stop_at_loopback: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            let url = attempt.url();
            if url.scheme() != "http"
                || (stop_at_loopback && url.path() == "/auth/callback")
                || attempt.previous().len() > 10
            {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }))
        .build()
        .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn redirect_back(authorize: &Url) -> Callback {
    let response = browser(true).get(authorize.clone()).send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .expect("the provider redirects back")
        .to_str()
        .unwrap();
    if location.starts_with("https://") {
        // The hub's own redirect URI.
        return Callback::from_url(&Url::parse(location).unwrap()).unwrap();
    }
    match DeepLink::parse(location).unwrap() {
        DeepLink::AuthCallback(cb) => cb,
        other => panic!("not a callback: {other:?}"),
    }
}

#[tokio::test]
async fn signing_in_through_the_deep_link_redirect_works_with_a_certified_provider() {
    let peer = Peer::start();
    let client = OidcClient::discover(auth::http_client(), &peer.issuer, hub_client("peer-hub-secret"))
        .await
        .unwrap();
    let redirect = Url::parse("frontdoor://auth/callback").unwrap();
    let (url, pending) = client.begin(&redirect, &["openid", "email", "profile"], Some("alice"));
    let mut slot = LoginSlot::default();
    slot.put(pending);

    let callback = redirect_back(&url).await;
    let Callback::Code { iss, .. } = &callback else {
        panic!("{callback:?}")
    };
    assert_eq!(
        iss.as_deref(),
        Some(peer.issuer.as_str().trim_end_matches('/')),
        "the peer sends RFC 9207 iss"
    );

    let pending = slot.take_for(&callback).unwrap();
    let signed_in = client.finish(pending, callback.clone(), now()).await.unwrap();
    assert_eq!(signed_in.claims.sub, "alice");
    assert_eq!(signed_in.claims.email.as_deref(), Some("alice@example.com"));
    assert_eq!(signed_in.claims.name.as_deref(), Some("Peer alice"));
    assert!(
        matches!(slot.take_for(&callback), Err(auth::Error::NoSignInInProgress)),
        "a callback is used once"
    );
}

#[tokio::test]
async fn signing_in_through_our_loopback_listener_works_with_a_certified_provider() {
    let peer = Peer::start();
    let client = OidcClient::discover(auth::http_client(), &peer.issuer, hub_client("peer-hub-secret"))
        .await
        .unwrap();
    let listener = LoopbackRedirect::bind().await.unwrap();
    let (url, pending) = client.begin(listener.redirect_uri(), &["openid", "email"], Some("bob"));
    let waiting = tokio::spawn(listener.callback());
    // The browser follows every redirect, ending at our listener, which answers it.
    let page = browser(false).get(url).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("You can close this tab"));
    let callback = waiting.await.unwrap().unwrap().unwrap();
    let signed_in = client.finish(pending, callback, now()).await.unwrap();
    assert_eq!(signed_in.claims.sub, "bob");
}

#[tokio::test]
async fn a_person_who_declines_at_a_certified_provider_is_told_so() {
    let peer = Peer::start();
    let client = OidcClient::discover(auth::http_client(), &peer.issuer, hub_client("peer-hub-secret"))
        .await
        .unwrap();
    let (url, pending) = client.begin(
        &Url::parse("frontdoor://auth/callback").unwrap(),
        &["openid"],
        Some("deny"),
    );
    let callback = redirect_back(&url).await;
    assert!(matches!(
        client.finish(pending, callback, now()).await,
        Err(auth::Error::ConsentDenied)
    ));
}

#[tokio::test]
async fn a_code_cannot_be_exchanged_with_another_sign_ins_verifier() {
    let peer = Peer::start();
    let client = OidcClient::discover(auth::http_client(), &peer.issuer, hub_client("peer-hub-secret"))
        .await
        .unwrap();
    let redirect = Url::parse("frontdoor://auth/callback").unwrap();
    let (url, first) = client.begin(&redirect, &["openid"], Some("carol"));
    let (_, second) = client.begin(&redirect, &["openid"], Some("carol"));
    let callback = redirect_back(&url).await;
    // Re-label the callback with the second login's state: the provider checks the PKCE
    // verifier against the first login's challenge and refuses.
    let Callback::Code { code, iss, .. } = callback else {
        panic!()
    };
    let forged = Callback::Code {
        code,
        state: second.state().to_string(),
        iss,
    };
    drop(first);
    assert!(matches!(
        client.finish(second, forged, now()).await,
        Err(auth::Error::ExpiredCode)
    ));
}

#[tokio::test]
async fn the_hub_redeems_codes_as_a_confidential_client_and_a_wrong_secret_is_refused() {
    let peer = Peer::start();
    let redirect = Url::parse("https://hub.example/auth/callback").unwrap();
    let client = OidcClient::discover(auth::http_client(), &peer.issuer, hub_client("peer-hub-secret"))
        .await
        .unwrap();
    let (url, pending) = client.begin(&redirect, &["openid", "email"], Some("dave"));
    let callback = redirect_back(&url).await;
    let signed_in = client.finish(pending, callback, now()).await.unwrap();
    assert_eq!(
        signed_in.claims.sub, "dave",
        "secret + PKCE + nonce accepted by a certified provider"
    );

    let wrong = OidcClient::discover(auth::http_client(), &peer.issuer, hub_client("not-the-secret"))
        .await
        .unwrap();
    let (url, pending) = wrong.begin(&redirect, &["openid"], Some("dave"));
    let callback = redirect_back(&url).await;
    let refused = wrong.finish(pending, callback, now()).await;
    assert!(
        matches!(&refused, Err(auth::Error::Refused { error, .. }) if error == "invalid_client"),
        "{refused:?}"
    );
}
