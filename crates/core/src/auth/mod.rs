//! Cobot sign-in: OpenID Connect authorization code flow with PKCE (S256).
//!
//! The flow, as the app drives it:
//! 1. [`OidcClient::discover`] reads the provider's discovery document (global or per space) and
//!    checks that it names the issuer it was fetched for.
//! 2. [`OidcClient::begin`] makes a fresh `state`, `nonce` and PKCE verifier and returns the
//!    authorization URL plus a [`PendingLogin`] that can be finished exactly once.
//! 3. The redirect comes back (deep link or loopback) as a [`Callback`]; [`LoginSlot`] hands out
//!    the pending login only for a callback carrying its `state`.
//! 4. [`OidcClient::finish`] exchanges the code (with the verifier) and verifies the ID token
//!    ([`id_token`]): RS256 only, key from JWKS (re-fetched once on an unknown `kid`), issuer,
//!    audience, expiry and issue time with bounded skew, nonce.
//! 5. [`revoke`] ends the session at Cobot.

pub mod id_token;
pub mod loopback;

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::Url;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreProviderMetadata};
use openidconnect::{
    AuthType, AuthorizationCode, ClientId, CsrfToken, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, TokenResponse as _,
};

use crate::links::{Callback, Subdomain};
use crate::secret::{AccessToken, AuthCode, ClientSecret, PkceVerifier, RawIdToken};
pub use id_token::{IdClaims, IdTokenError, IdTokenVerifier, NonceRule};

/// Scopes Frontdoor asks members for: who they are (OIDC) and their Cobot user with memberships.
pub const MEMBER_SCOPES: &[&str] = &["openid", "email", "profile", "read_user"];

/// Where Cobot lives. Production is [`CobotHosts::cobot`]; tests and the demo point at cobot-sim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CobotHosts {
    /// User-level host (`https://www.cobot.me`): OAuth, `/api/user`, token utilities.
    pub www: Url,
    /// Space host, with `{subdomain}` standing for the space: `https://{subdomain}.cobot.me`.
    pub space_template: String,
}

impl CobotHosts {
    /// The real Cobot.
    pub fn cobot() -> CobotHosts {
        CobotHosts {
            www: Url::parse("https://www.cobot.me").expect("constant URL"),
            space_template: "https://{subdomain}.cobot.me".into(),
        }
    }

    /// The base URL of a space's own host.
    pub fn space(&self, subdomain: &Subdomain) -> Result<Url, Error> {
        let text = self.space_template.replace("{subdomain}", subdomain.as_str());
        Url::parse(&text).map_err(|_| {
            Error::Config(format!(
                "the space URL template {:?} does not make a URL",
                self.space_template
            ))
        })
    }

    /// The OIDC issuer for signing in to a space (Cobot's per-space variant, which adds the
    /// membership's name, picture and phone claims), or the global one.
    pub fn issuer(&self, subdomain: Option<&Subdomain>) -> Result<Url, Error> {
        match subdomain {
            Some(s) => self.space(s),
            None => Ok(self.www.clone()),
        }
    }
}

/// An HTTP client set up the way every Cobot call wants it: no redirects followed (an OAuth
/// client must never follow a redirect carrying credentials), bounded timeouts, our user agent.
pub fn http_client() -> reqwest::Client {
    http_client_with_timeout(Duration::from_secs(15))
}

/// [`http_client`] with another overall timeout per request.
pub fn http_client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5).min(timeout))
        .timeout(timeout)
        .user_agent(concat!("Frontdoor/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with these settings always builds")
}

/// The parts of a discovery document Frontdoor uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The issuer identifier; ID tokens must carry exactly this `iss`.
    pub issuer: String,
    /// Where the browser goes to sign in.
    pub authorization_endpoint: Url,
    /// Where the code is exchanged.
    pub token_endpoint: Url,
    /// The signing keys.
    pub jwks_uri: Url,
    /// Standard OIDC user info.
    #[serde(default)]
    pub userinfo_endpoint: Option<Url>,
    /// PKCE methods; Cobot lists `S256`.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// Claims the provider may send.
    #[serde(default)]
    pub claims_supported: Vec<String>,
}

/// Sign-in failures, each in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Network failure or a 5xx from Cobot.
    #[error("Cobot could not be reached. Check your internet connection and try again.")]
    Unreachable(#[source] reqwest::Error),
    /// Cobot answered with a server error.
    #[error("Cobot is having trouble right now (HTTP {0}). Try again in a few minutes.")]
    CobotDown(u16),
    /// The discovery document is missing or wrong.
    #[error("Cobot's sign-in settings could not be read: {0}")]
    Discovery(String),
    /// Our own settings are wrong.
    #[error("Frontdoor is set up wrongly: {0}")]
    Config(String),
    /// A callback arrived but no sign-in is running.
    #[error("No sign-in is running, so this sign-in answer was ignored. Start signing in again.")]
    NoSignInInProgress,
    /// The callback's `state` is not ours.
    #[error("This sign-in answer does not belong to the sign-in Frontdoor started, so it was refused. Start signing in again.")]
    StateMismatch,
    /// RFC 9207: the callback names another issuer (mix-up attack).
    #[error("The sign-in answer came from {got}, not from {expected}, so it was refused.")]
    IssuerMismatch {
        /// The issuer we signed in with.
        expected: String,
        /// The issuer the callback named.
        got: String,
    },
    /// The person said no at Cobot.
    #[error("You declined to share your Cobot account with Frontdoor, so you are not signed in.")]
    ConsentDenied,
    /// Cobot refused the sign-in for another reason.
    #[error("Cobot refused the sign-in ({error}{}). Try again, or ask your space's staff.", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The OAuth error code.
        error: String,
        /// Cobot's explanation.
        description: Option<String>,
    },
    /// `invalid_grant`: the code expired, was used, or does not match this sign-in.
    #[error("The sign-in took too long or was already used. Please sign in again.")]
    ExpiredCode,
    /// The token endpoint answered something that is not a token response.
    #[error("Cobot's answer to the sign-in could not be understood ({0}).")]
    Malformed(String),
    /// The ID token failed verification.
    #[error("Cobot's identity answer could not be verified ({0}), so you are not signed in.")]
    IdToken(#[from] IdTokenError),
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::Unreachable(e)
    }
}

/// The space's OAuth client at Cobot: its id and secret (a confidential client, as every Cobot
/// integration registers one).
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// The client id.
    pub id: String,
    /// The client secret; sent only to the token endpoint.
    pub secret: ClientSecret,
}

/// A confidential OIDC client bound to one provider: the hub signs members in with it.
#[derive(Debug, Clone)]
pub struct OidcClient {
    http: reqwest::Client,
    metadata: ProviderMetadata,
    core: CoreProviderMetadata,
    client: ClientCredentials,
    verifier: IdTokenVerifier,
}

/// What went wrong on the way to the token endpoint, for the `openidconnect` crate's client.
#[derive(Debug, thiserror::Error)]
enum Transport {
    #[error("Cobot could not be reached")]
    Unreachable(#[source] reqwest::Error),
    #[error("Cobot answered HTTP {0}")]
    Down(u16),
    #[error("the request could not be built: {0}")]
    Build(String),
}

impl OidcClient {
    /// Reads `<issuer>/.well-known/openid-configuration` and checks it names `issuer`.
    pub async fn discover(http: reqwest::Client, issuer: &Url, client: ClientCredentials) -> Result<OidcClient, Error> {
        let issuer_text = issuer.as_str().trim_end_matches('/');
        let url = format!("{issuer_text}/.well-known/openid-configuration");
        let response = http.get(&url).send().await?;
        let status = response.status();
        if status.is_server_error() {
            return Err(Error::CobotDown(status.as_u16()));
        }
        if !status.is_success() {
            return Err(Error::Discovery(format!("{url} answered HTTP {}", status.as_u16())));
        }
        let body = response.bytes().await?;
        let metadata: ProviderMetadata = serde_json::from_slice(&body)
            .map_err(|e| Error::Discovery(format!("{url} is not a discovery document ({e})")))?;
        // The crate's own reading of the document (required fields per OIDC Discovery §3).
        let core: CoreProviderMetadata = serde_json::from_slice(&body)
            .map_err(|e| Error::Discovery(format!("{url} lacks what OpenID Connect requires ({e})")))?;
        if metadata.issuer.trim_end_matches('/') != issuer_text {
            return Err(Error::Discovery(format!(
                "{url} names the issuer {:?}, expected {issuer_text:?}",
                metadata.issuer
            )));
        }
        if !metadata.code_challenge_methods_supported.is_empty()
            && !metadata.code_challenge_methods_supported.iter().any(|m| m == "S256")
        {
            return Err(Error::Discovery("the provider does not support PKCE with S256".into()));
        }
        Ok(OidcClient::new(http, metadata, core, client))
    }

    fn new(
        http: reqwest::Client,
        metadata: ProviderMetadata,
        core: CoreProviderMetadata,
        client: ClientCredentials,
    ) -> OidcClient {
        let verifier = IdTokenVerifier::new(
            http.clone(),
            metadata.issuer.clone(),
            metadata.jwks_uri.clone(),
            client.id.clone(),
        );
        OidcClient {
            http,
            metadata,
            core,
            client,
            verifier,
        }
    }

    /// The same client, holding ID tokens to `rule` for their nonce ([`NonceRule`]).
    pub fn with_nonce_rule(mut self, rule: NonceRule) -> OidcClient {
        self.verifier = self.verifier.with_nonce_rule(rule);
        self
    }

    /// The provider's metadata.
    pub fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client.id
    }

    /// Starts a sign-in: the URL to open in the browser, and the login to finish later. `state`,
    /// `nonce` and the PKCE verifier are fresh random values, each good for this sign-in only.
    pub fn begin(&self, redirect_uri: &Url, scopes: &[&str], login_hint: Option<&str>) -> (Url, PendingLogin) {
        let state = random_token(32);
        let nonce = random_token(32);
        let verifier = PkceVerifier::new(random_token(48));
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.secret().to_string()));
        let client = CoreClient::from_provider_metadata(self.core.clone(), ClientId::new(self.client.id.clone()), None)
            .set_redirect_uri(RedirectUrl::from_url(redirect_uri.clone()));
        let (state_for_url, nonce_for_url) = (state.clone(), nonce.clone());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state_for_url),
                move || Nonce::new(nonce_for_url),
            )
            .set_pkce_challenge(challenge);
        for scope in scopes.iter().filter(|s| **s != "openid") {
            request = request.add_scope(Scope::new((*scope).to_string()));
        }
        if let Some(hint) = login_hint {
            request = request.add_extra_param("login_hint", hint.to_string());
        }
        let (url, _, _) = request.url();
        let pending = PendingLogin {
            state,
            nonce,
            verifier,
            redirect_uri: redirect_uri.clone(),
            issuer: self.metadata.issuer.clone(),
        };
        (url, pending)
    }

    /// Starts an authorization for an access token alone (plain OAuth 2, no `openid`, so Cobot
    /// issues no ID token): the URL to open and the login to finish with
    /// [`OidcClient::finish_for_token`]. `state` and the PKCE verifier are fresh, as for
    /// [`OidcClient::begin`].
    pub fn begin_for_token(&self, redirect_uri: &Url, scopes: &[&str]) -> (Url, PendingLogin) {
        let state = random_token(32);
        let verifier = PkceVerifier::new(random_token(48));
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.secret().to_string()));
        let client = oauth2::basic::BasicClient::new(ClientId::new(self.client.id.clone()))
            .set_auth_uri(oauth2::AuthUrl::from_url(self.metadata.authorization_endpoint.clone()))
            .set_redirect_uri(RedirectUrl::from_url(redirect_uri.clone()));
        let state_for_url = state.clone();
        let mut request = client
            .authorize_url(move || CsrfToken::new(state_for_url))
            .set_pkce_challenge(challenge);
        for scope in scopes {
            request = request.add_scope(Scope::new((*scope).to_string()));
        }
        let (url, _) = request.url();
        let pending = PendingLogin {
            state,
            // Never sent and never compared: no ID token comes back.
            nonce: String::new(),
            verifier,
            redirect_uri: redirect_uri.clone(),
            issuer: self.metadata.issuer.clone(),
        };
        (url, pending)
    }

    /// Finishes a sign-in: checks the callback, redeems the code with the client secret and the
    /// PKCE verifier, verifies the ID token. `now` is the current Unix time in seconds (passed in
    /// so tests control the clock).
    pub async fn finish(&self, pending: PendingLogin, callback: Callback, now: i64) -> Result<SignedIn, Error> {
        let nonce = pending.nonce.clone();
        let tokens = self.redeem(pending, callback).await?;
        let raw = tokens
            .id_token()
            .map(|t| RawIdToken::new(t.to_string()))
            .ok_or_else(|| Error::Malformed("no ID token although openid was asked for".into()))?;
        let claims = self.verifier.verify(&raw, Some(&nonce), now).await?;
        Ok(SignedIn {
            access_token: AccessToken::new(tokens.access_token().secret().clone()),
            id_token: raw,
            claims,
        })
    }

    /// Finishes an authorization begun with [`OidcClient::begin_for_token`]: the callback's
    /// `state` and `iss`, the code redeemed with the client secret and the PKCE verifier. The token
    /// answer is read as plain OAuth 2, so an ID token in it, whatever its shape, is never parsed.
    /// For a flow that learns who authorized from Cobot's API with the token itself (the hub's
    /// Cobot connection asks `GET /api/user` whether the person administers the space), where an
    /// ID token adds nothing and its checks could only block it.
    pub async fn finish_for_token(&self, pending: PendingLogin, callback: Callback) -> Result<AccessToken, Error> {
        let code = checked_code(&pending, callback)?;
        let client = oauth2::basic::BasicClient::new(ClientId::new(self.client.id.clone()))
            .set_client_secret(openidconnect::ClientSecret::new(
                self.client.secret.secret().to_string(),
            ))
            .set_token_uri(oauth2::TokenUrl::from_url(self.metadata.token_endpoint.clone()))
            .set_redirect_uri(RedirectUrl::from_url(pending.redirect_uri.clone()))
            .set_auth_type(AuthType::RequestBody);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.secret().to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.secret().to_string()))
            .request_async(&self.sender())
            .await
            .map_err(token_error)?;
        Ok(AccessToken::new(tokens.access_token().secret().clone()))
    }

    /// The callback checked and the code redeemed, the answer read as OpenID Connect's.
    async fn redeem(
        &self,
        pending: PendingLogin,
        callback: Callback,
    ) -> Result<openidconnect::core::CoreTokenResponse, Error> {
        let code = checked_code(&pending, callback)?;
        let client = CoreClient::from_provider_metadata(
            self.core.clone(),
            ClientId::new(self.client.id.clone()),
            Some(openidconnect::ClientSecret::new(
                self.client.secret.secret().to_string(),
            )),
        )
        .set_redirect_uri(RedirectUrl::from_url(pending.redirect_uri.clone()))
        // client_secret_post, as Cobot's own integrations send it.
        .set_auth_type(AuthType::RequestBody);
        client
            .exchange_code(AuthorizationCode::new(code.secret().to_string()))
            .map_err(|e| Error::Discovery(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.secret().to_string()))
            .request_async(&self.sender())
            .await
            .map_err(token_error)
    }

    /// The token request's HTTP client: this client's `reqwest`, with a 5xx told apart.
    fn sender(
        &self,
    ) -> impl Fn(
        openidconnect::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<openidconnect::HttpResponse, Transport>> + Send>,
    > {
        let http = self.http.clone();
        move |request: openidconnect::HttpRequest| {
            let http = http.clone();
            Box::pin(async move {
                let (parts, body) = request.into_parts();
                let response = http
                    .request(parts.method, parts.uri.to_string())
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await
                    .map_err(Transport::Unreachable)?;
                let status = response.status();
                if status.is_server_error() {
                    return Err(Transport::Down(status.as_u16()));
                }
                let headers = response.headers().clone();
                let body = response.bytes().await.map_err(Transport::Unreachable)?;
                let mut out = openidconnect::http::Response::builder()
                    .status(status)
                    .body(body.to_vec())
                    .map_err(|e| Transport::Build(e.to_string()))?;
                *out.headers_mut() = headers;
                Ok(out)
            })
        }
    }

    /// The ID-token verifier of this provider.
    pub fn id_token_verifier(&self) -> &IdTokenVerifier {
        &self.verifier
    }
}

/// The callback's `state` and `iss` checked against the sign-in it finishes: its code, or why not.
fn checked_code(pending: &PendingLogin, callback: Callback) -> Result<AuthCode, Error> {
    if !pending.matches(&callback) {
        return Err(Error::StateMismatch);
    }
    let (code, iss) = match callback {
        Callback::Error { error, .. } if error == "access_denied" => return Err(Error::ConsentDenied),
        Callback::Error { error, description, .. } => return Err(Error::Refused { error, description }),
        Callback::Code { code, iss, .. } => (code, iss),
    };
    if let Some(iss) = iss {
        if iss.trim_end_matches('/') != pending.issuer.trim_end_matches('/') {
            return Err(Error::IssuerMismatch {
                expected: pending.issuer.clone(),
                got: iss,
            });
        }
    }
    Ok(code)
}

/// The token endpoint's refusal or failure, in [`Error`]'s terms.
fn token_error(e: RequestTokenError<Transport, openidconnect::StandardErrorResponse<CoreErrorResponseType>>) -> Error {
    match e {
        RequestTokenError::ServerResponse(e) => match e.error() {
            CoreErrorResponseType::InvalidGrant => Error::ExpiredCode,
            other => Error::Refused {
                error: other.as_ref().to_string(),
                description: e.error_description().cloned(),
            },
        },
        RequestTokenError::Request(Transport::Unreachable(e)) => Error::Unreachable(e),
        RequestTokenError::Request(Transport::Down(status)) => Error::CobotDown(status),
        RequestTokenError::Request(Transport::Build(e)) => Error::Config(e),
        RequestTokenError::Parse(e, _) => Error::Malformed(format!("Cobot's token answer could not be read: {e}")),
        RequestTokenError::Other(e) => Error::Malformed(e),
    }
}

/// The result of a successful sign-in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The bearer token for Cobot's API.
    pub access_token: AccessToken,
    /// The verified ID token as it came.
    pub id_token: RawIdToken,
    /// Its verified claims.
    pub claims: IdClaims,
}

/// A sign-in waiting for its callback. Not `Clone`: it finishes once.
#[derive(Debug)]
pub struct PendingLogin {
    state: String,
    nonce: String,
    verifier: PkceVerifier,
    redirect_uri: Url,
    issuer: String,
}

impl PendingLogin {
    /// The `state` sent with the authorization request.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The redirect URI the code is bound to.
    pub fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }
}

/// A sign-in waiting for the callback that carries its `state`.
pub trait Pending {
    /// The `state` this sign-in sent.
    fn state(&self) -> &str;

    /// Whether `callback` carries this sign-in's `state` (compared in constant time).
    fn matches(&self, callback: &Callback) -> bool {
        callback
            .state()
            .is_some_and(|s| s.as_bytes().ct_eq(self.state().as_bytes()).into())
    }
}

impl Pending for PendingLogin {
    fn state(&self) -> &str {
        &self.state
    }
}

/// The app's side of a sign-in through its hub. The hub is the OAuth client at Cobot; the app
/// proves, when it redeems the one-time ticket the browser brings back, that it is the app that
/// began this sign-in: it sent `SHA256(proof)` when it began and sends `proof` only to that hub,
/// directly. Whoever intercepts the ticket on its way through the browser and the OS lacks the
/// proof. Not `Clone`: a sign-in finishes once.
#[derive(Debug)]
pub struct AppSignIn {
    state: String,
    proof: PkceVerifier,
}

impl AppSignIn {
    /// Fresh random `state` and proof.
    pub fn new() -> AppSignIn {
        AppSignIn {
            state: random_token(32),
            proof: PkceVerifier::new(random_token(48)),
        }
    }

    /// `BASE64URL(SHA256(proof))`, sent when the sign-in begins.
    pub fn challenge(&self) -> String {
        pkce_challenge(&self.proof)
    }

    /// Checks the callback and hands out the ticket with the proof that redeems it. The callback
    /// must carry this sign-in's `state`; an error callback becomes the error it names.
    pub fn finish(self, callback: Callback) -> Result<(AuthCode, PkceVerifier), Error> {
        if !self.matches(&callback) {
            return Err(Error::StateMismatch);
        }
        match callback {
            Callback::Error { error, .. } if error == "access_denied" => Err(Error::ConsentDenied),
            // The hub's redemption of Cobot's code said the code was stale.
            Callback::Error { error, .. } if error == "invalid_grant" => Err(Error::ExpiredCode),
            Callback::Error { error, description, .. } => Err(Error::Refused { error, description }),
            Callback::Code { code, .. } => Ok((code, self.proof)),
        }
    }
}

impl Default for AppSignIn {
    fn default() -> Self {
        AppSignIn::new()
    }
}

impl Pending for AppSignIn {
    fn state(&self) -> &str {
        &self.state
    }
}

/// Holds the one sign-in that may be running. A callback gets the pending login only if its
/// `state` matches; the login is taken out, so a replayed callback finds nothing.
#[derive(Debug)]
pub struct LoginSlot<P = PendingLogin>(Option<P>);

impl<P> Default for LoginSlot<P> {
    fn default() -> Self {
        LoginSlot(None)
    }
}

impl<P: Pending> LoginSlot<P> {
    /// Starts waiting for a login, replacing (cancelling) any earlier one.
    pub fn put(&mut self, pending: P) {
        self.0 = Some(pending);
    }

    /// Whether a login is waiting.
    pub fn is_waiting(&self) -> bool {
        self.0.is_some()
    }

    /// Cancels the waiting login, if any.
    pub fn cancel(&mut self) -> bool {
        self.0.take().is_some()
    }

    /// Hands out the waiting login for a callback with its `state`. A callback with another
    /// `state` leaves the waiting login in place (a forged callback cannot cancel a real sign-in).
    pub fn take_for(&mut self, callback: &Callback) -> Result<P, Error> {
        match &self.0 {
            None => Err(Error::NoSignInInProgress),
            Some(p) if !p.matches(callback) => Err(Error::StateMismatch),
            Some(_) => Ok(self.0.take().expect("checked above")),
        }
    }
}

/// Revokes an access token at Cobot (`DELETE /api/access_tokens/:token`, 204). A token Cobot no
/// longer knows (401/404) counts as revoked.
pub async fn revoke(http: &reqwest::Client, hosts: &CobotHosts, token: &AccessToken) -> Result<(), Error> {
    let url = hosts
        .www
        .join(&format!("api/access_tokens/{}", token.secret()))
        .map_err(|_| Error::Config("the Cobot URL cannot hold a token path".into()))?;
    let response = http.delete(url).bearer_auth(token.secret()).send().await?;
    let status = response.status();
    if status.is_success() || status.as_u16() == 401 || status.as_u16() == 404 {
        Ok(())
    } else if status.is_server_error() {
        Err(Error::CobotDown(status.as_u16()))
    } else {
        Err(Error::Refused {
            error: format!("HTTP {}", status.as_u16()),
            description: Some("Cobot did not accept the sign-out".into()),
        })
    }
}

/// `BASE64URL(SHA256(verifier))`, RFC 7636 S256.
pub fn pkce_challenge(verifier: &PkceVerifier) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.secret().as_bytes()))
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Which hosts the app accepts as Cobot's sign-in page. A join link names a hub, and the hub
/// names the sign-in host; without this check a forged QR code could send members to a look-alike
/// sign-in page. Production trusts `https://www.cobot.me` and `https://<anything>.cobot.me`;
/// the demo and tests add cobot-sim's origin explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerPolicy {
    extra_origins: Vec<url::Origin>,
}

impl IssuerPolicy {
    /// Trusts Cobot only.
    pub fn cobot_only() -> IssuerPolicy {
        IssuerPolicy { extra_origins: vec![] }
    }

    /// Also trusts the given origins (cobot-sim in the demo and tests).
    pub fn with_extra(origins: impl IntoIterator<Item = Url>) -> IssuerPolicy {
        IssuerPolicy {
            extra_origins: origins.into_iter().map(|u| u.origin()).collect(),
        }
    }

    /// Whether `issuer` may be used for sign-in.
    pub fn allows(&self, issuer: &Url) -> bool {
        let cobot = issuer.scheme() == "https"
            && issuer.port().is_none()
            && issuer
                .host_str()
                .is_some_and(|h| h == "cobot.me" || (h.ends_with(".cobot.me") && !h[..h.len() - 9].contains('.')));
        cobot || self.extra_origins.contains(&issuer.origin())
    }
}

#[cfg(test)]
mod tests;
