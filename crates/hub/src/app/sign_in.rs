//! Signing members in: the hub is the space's OAuth client at Cobot.
//!
//! 1. The app asks the hub to begin (`POST /api/v1/sign_in`) with where it wants the result
//!    (`return_to`: the deep link, a loopback port, or a configured App Link), its own `state`,
//!    and `SHA256(proof)` of a proof only it holds.
//! 2. The hub makes a fresh `state`, `nonce` and PKCE verifier and answers with Cobot's
//!    authorization URL, whose redirect URI is the hub's own `<public_url>/auth/callback`.
//! 3. Cobot sends the browser to `GET /auth/callback`. The hub takes the pending sign-in for that
//!    `state` out (once), redeems the code with its client secret and the PKCE verifier, verifies
//!    the ID token (`openidconnect`), reads `GET /api/user`, and keeps the result under a one-time
//!    ticket. The browser is sent on to `return_to?code=<ticket>&state=<app state>`.
//! 4. The app redeems the ticket with its proof (`POST /api/v1/sign_in/redeem`) and gets a hub
//!    session and a refresh token ([`crate::app::device`]).
//!
//! The same callback finishes the staff console's Cobot connection ([`crate::app::plug`]): a pending
//! sign-in has a kind, and a plug's comes back to the console with `?connected=1` instead of a
//! ticket.
//!
//! Architecture Invariant: nothing that crosses the browser or the OS opens anything by itself.
//! A ticket is good once, for [`TICKET_SECS`], and only with the proof of the app that began the
//! sign-in; a pending sign-in is good once, for [`PENDING_SECS`]; a replayed or forged callback
//! finds nothing and changes nothing. The Cobot code never leaves the hub.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::StatusCode;
use frontdoor_core::auth::{self, ClientCredentials, OidcClient, PendingLogin};
use frontdoor_core::cobot::User;
use frontdoor_core::hub::Code;
use frontdoor_core::links::Callback;
use frontdoor_core::secret::{AccessToken, AuthCode};
use subtle::ConstantTimeEq;
use url::Url;

use crate::app::session::token_hash;
use crate::app::Error;
use crate::app::Hub;
use crate::base::throttle::Wait;
use crate::store::attempts::Record;

/// How long a begun sign-in waits for Cobot's callback.
pub const PENDING_SECS: i64 = 10 * 60;
/// How long a ticket waits to be redeemed by the app.
pub const TICKET_SECS: i64 = 2 * 60;
/// At most this many sign-ins wait at once; more are refused until some finish or expire.
pub const MAX_PENDING: usize = 1024;
/// The path of the hub's redirect URI at Cobot.
pub const CALLBACK_PATH: &str = "auth/callback";

/// A sign-in waiting for Cobot's callback.
pub(crate) struct Begun {
    pub(crate) login: PendingLogin,
    pub(crate) kind: Kind,
    pub(crate) return_to: Url,
    pub(crate) expires_at: i64,
    /// Who asked (for the per-address share of pending sign-ins).
    pub(crate) from: Option<std::net::IpAddr>,
}

/// Pending sign-ins one address may hold at once: enough for a family behind one router, far
/// from the [`MAX_PENDING`] that everyone shares.
pub const MAX_PENDING_PER_ADDRESS: usize = 16;

/// What a pending sign-in is for. Both come back to the hub's one redirect URI.
pub(crate) enum Kind {
    /// A person signing in to the app: the result goes to the app holding the proof.
    Member { app_state: String, challenge: String },
    /// Staff connecting the space's Cobot account ([`crate::app::plug`]), begun in the console by this
    /// person (user id, name).
    Plug { user_id: String, name: String },
}

/// A verified sign-in waiting for the app to redeem its ticket.
pub(crate) struct Verified {
    /// The Cobot user, as `GET /api/user` said.
    pub user: User,
    /// The name from the ID token or the user.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// The person's Cobot token, kept (sealed) to re-validate and to revoke at sign-out.
    pub cobot_token: AccessToken,
}

pub(crate) struct Ticket {
    pub(crate) verified: Verified,
    pub(crate) challenge: String,
    pub(crate) expires_at: i64,
}

/// The sign-ins under way and the tickets waiting to be redeemed (memory only: a hub restart
/// ends them, and the person signs in again).
#[derive(Default)]
pub struct SignIns {
    begun: Mutex<HashMap<String, Begun>>,
    tickets: Mutex<HashMap<String, Ticket>>,
    /// Discovered clients by issuer: members sign in at the configured issuer, the plug at www's.
    clients: tokio::sync::Mutex<HashMap<String, OidcClient>>,
    /// When discovery last failed: anonymous sign-in attempts do not make the hub ask Cobot again
    /// within [`DISCOVERY_RETRY`].
    discovery_failed: Mutex<HashMap<String, std::time::Instant>>,
}

/// How long a failed discovery is remembered.
pub const DISCOVERY_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

impl SignIns {
    pub(crate) fn begun(&self) -> std::sync::MutexGuard<'_, HashMap<String, Begun>> {
        self.begun.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn tickets(&self) -> std::sync::MutexGuard<'_, HashMap<String, Ticket>> {
        self.tickets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps a begun sign-in until its callback, unless [`MAX_PENDING`] are waiting already.
    pub(crate) fn hold(
        &self,
        login: PendingLogin,
        kind: Kind,
        return_to: Url,
        now: i64,
        from: Option<std::net::IpAddr>,
    ) -> Result<(), Error> {
        let mut begun = self.begun();
        begun.retain(|_, b| b.expires_at > now);
        let from_there: Vec<i64> = begun
            .values()
            .filter(|b| from.is_some() && b.from == from)
            .map(|b| b.expires_at)
            .collect();
        if from_there.len() >= MAX_PENDING_PER_ADDRESS {
            // Room comes when the address's oldest pending sign-in expires.
            let free_at = from_there.iter().copied().min().unwrap_or(now + 60);
            let wait = std::time::Duration::from_secs(u64::try_from(free_at - now).unwrap_or(1));
            return Err(throttled(Wait(wait)));
        }
        if begun.len() >= MAX_PENDING {
            return Err(Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::SlowDown,
                "Too many sign-ins are under way at this hub. Try again in a minute.",
            ));
        }
        begun.insert(
            login.state().to_string(),
            Begun {
                login,
                kind,
                return_to,
                expires_at: now + PENDING_SECS,
                from,
            },
        );
        Ok(())
    }

    /// Takes out the ticket with this hash if `proof` answers its challenge. A wrong proof leaves
    /// the ticket for the app that holds the right one; an expired ticket is gone.
    pub(crate) fn redeem(&self, ticket: &AuthCode, proof: &str, now: i64) -> Result<Verified, Error> {
        let hash = token_hash(ticket.secret());
        let mut tickets = self.tickets();
        tickets.retain(|_, t| t.expires_at > now);
        let Some(waiting) = tickets.get(&hash) else {
            return Err(expired());
        };
        let answer = auth::pkce_challenge(&frontdoor_core::secret::PkceVerifier::new(proof.to_string()));
        if !bool::from(answer.as_bytes().ct_eq(waiting.challenge.as_bytes())) {
            static LOG: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
            if crate::base::log::budgeted(&LOG, "a sign-in ticket was presented without its proof", 10).admit() {
                tracing::warn!("a sign-in ticket was presented without its proof; refused");
            }
            return Err(Error::new(
                StatusCode::FORBIDDEN,
                Code::SignInProofMismatch,
                "This sign-in was started by another app, so it cannot be finished here. Start signing in again from Frontdoor.",
            ));
        }
        Ok(tickets.remove(&hash).expect("looked up above").verified)
    }
}

fn expired() -> Error {
    Error::new(
        StatusCode::BAD_REQUEST,
        Code::SignInExpired,
        "This sign-in has expired or was already finished. Start signing in again.",
    )
}

/// Whether the app may be handed a sign-in at `return_to`: the deep link, an RFC 8252 loopback
/// address on any port (`http://127.0.0.1:<port>/auth/callback`, `[::1]`), or an App Link the
/// hub is configured for. Anything else could hand the ticket to a stranger's page.
pub fn return_allowed(return_to: &Url, configured: &[Url]) -> bool {
    if return_to.as_str() == frontdoor_core::hub::DEEP_LINK_RETURN {
        return true;
    }
    if return_to.query().is_some() || return_to.fragment().is_some() || !return_to.username().is_empty() {
        return false;
    }
    let loopback = match return_to.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if return_to.scheme() == "http" && loopback && return_to.path() == "/auth/callback" {
        return true;
    }
    configured.iter().any(|c| c == return_to)
}

impl Hub {
    /// The hub's redirect URI at Cobot.
    pub fn redirect_uri(&self) -> Url {
        self.public_base().join(CALLBACK_PATH).expect("a base URL takes a path")
    }

    /// The OIDC client members sign in with.
    pub(crate) async fn oidc(&self) -> Result<OidcClient, Error> {
        self.oidc_at(self.config.sign_in_issuer()).await
    }

    /// The OIDC client at `issuer`, discovered once (and again after a failure).
    pub(crate) async fn oidc_at(&self, issuer: Url) -> Result<OidcClient, Error> {
        let secret = self
            .client_secret
            .clone()
            .filter(|_| !self.config.cobot.client_id.trim().is_empty());
        let Some(secret) = secret else {
            return Err(Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::SignInNotConfigured,
                "This hub has no Cobot sign-in set up yet. Staff: give the hub the client id and secret of the space's Frontdoor app at Cobot.",
            ));
        };
        let unavailable = || {
            Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::CobotUnavailable,
                "Cobot's sign-in cannot be reached right now. Try again in a few minutes.",
            )
        };
        let key = issuer.as_str().trim_end_matches('/').to_string();
        let mut clients = self.sign_ins.clients.lock().await;
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let failed = self
            .sign_ins
            .discovery_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .copied();
        if failed.is_some_and(|at| at.elapsed() < DISCOVERY_RETRY) {
            return Err(unavailable());
        }
        let client = OidcClient::discover(
            self.http.clone(),
            &issuer,
            ClientCredentials {
                id: self.config.cobot.client_id.clone(),
                secret,
            },
        )
        .await
        .map(|client| client.with_nonce_rule(self.config.cobot.id_token_nonce.rule()))
        .map_err(|e| {
            static LOG: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
            if crate::base::log::budgeted(&LOG, "Cobot's sign-in settings could not be read", 5).admit() {
                tracing::warn!("Cobot's sign-in settings could not be read: {e}");
            }
            self.sign_ins
                .discovery_failed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key.clone(), std::time::Instant::now());
            unavailable()
        })?;
        clients.insert(key, client.clone());
        Ok(client)
    }
}

/// "Too many" for the endpoints anyone may call: `429 slow_down` with `Retry-After`.
pub(crate) fn throttled(wait: Wait) -> Error {
    let secs = wait.secs();
    Error::new(
        StatusCode::TOO_MANY_REQUESTS,
        Code::SlowDown,
        format!(
            "Too many sign-in requests reached the hub. Wait {} second{}, then try again.",
            secs,
            if secs == 1 { "" } else { "s" }
        ),
    )
    .retry_after(secs)
}

/// Begins the plug for staff member `user_id` (`name`): Cobot's authorization URL at the plug's
/// issuer with the requested scopes (`[cobot] sync_scopes` and
/// `check_in_scope`), no `openid`, coming back to the same callback as sign-ins.
/// `return_to` was checked by the caller.
pub(crate) async fn begin_plug(hub: &Hub, return_to: Url, user_id: String, name: String) -> Result<Url, Error> {
    let client = hub.oidc_at(crate::app::plug::issuer(&hub.config)).await?;
    let now = hub.clock.now().as_second();
    // The sync scopes and the one that lets the hub check members in (`[cobot] check_in_scope`),
    // and no `openid`: who connected is asked of Cobot with the token (`GET /api/user`), so an ID
    // token could only block the connection, never make it safer.
    let requested = hub.config.cobot.requested_scopes();
    let scopes: Vec<&str> = requested.iter().map(String::as_str).collect();
    let (authorize_url, login) = client.begin_for_token(&hub.redirect_uri(), &scopes);
    // Staff, signed in: held to the hub-wide bound only.
    hub.sign_ins
        .hold(login, Kind::Plug { user_id, name }, return_to, now, None)?;
    Ok(authorize_url)
}

/// What Cobot's redirect carries.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct CallbackQuery {
    pub(crate) code: Option<String>,
    pub(crate) state: Option<String>,
    pub(crate) error: Option<String>,
    pub(crate) error_description: Option<String>,
    pub(crate) iss: Option<String>,
}

/// Redeems the code, verifies the ID token, reads the user. Errors as an OAuth error name for
/// the app and words for the person.
pub(crate) async fn finish(
    hub: &Hub,
    login: PendingLogin,
    callback: Callback,
    now: i64,
) -> Result<Verified, (&'static str, String)> {
    let client = hub
        .oidc()
        .await
        .map_err(|e| ("temporarily_unavailable", e.message().to_string()))?;
    // A refusal the browser brought (`?error=`) or an answer that fits no sign-in is anyone's to
    // send, so it is answered but never recorded where staff look; what Cobot itself answered
    // once the code was redeemed is.
    let from_browser = matches!(callback, Callback::Error { .. });
    let finished = client.finish(login, callback, now).await;
    let signed_in = match finished {
        Ok(signed_in) => signed_in,
        Err(e) => {
            if !from_browser && tells_staff(&e) {
                record_failure(hub, e.to_string(), matches!(e, auth::Error::IdToken(_))).await;
            }
            let name = match &e {
                auth::Error::ConsentDenied => "access_denied",
                auth::Error::ExpiredCode => "invalid_grant",
                auth::Error::Unreachable(_) | auth::Error::CobotDown(_) => "temporarily_unavailable",
                _ => "server_error",
            };
            return Err((name, e.to_string()));
        }
    };
    let user = match hub.cobot_now.user(&signed_in.access_token).await {
        Ok(user) => user,
        Err(e) => {
            let words = format!("Cobot did not say who signed in ({e}).");
            record_failure(hub, words.clone(), false).await;
            return Err(("temporarily_unavailable", words));
        }
    };
    // The person is `/api/user`'s id: it is the id Cobot's memberships carry (`user.id`) and the
    // one Cobot says to identify users by. The ID token's `sub` comes from the same token answer
    // and is recorded beside it for the doctor; a different `sub` (Cobot's OIDC subject is not
    // documented to equal it) refuses no one.
    let passed = crate::app::doctor::SignInOutcome {
        at: hub.clock.now().to_string(),
        ok: true,
        problem: None,
        subject: Some(signed_in.claims.sub.clone()),
        user_id: Some(user.id.clone()),
    };
    record(hub, &[Record::IdToken, Record::SignIn], passed).await;
    let name = signed_in
        .claims
        .name
        .clone()
        .or(user.name.clone())
        .or(user.email.clone())
        .unwrap_or_else(|| user.id.clone());
    Ok(Verified {
        email: user.email.clone().or(signed_in.claims.email.clone()),
        name,
        user,
        cobot_token: signed_in.access_token,
    })
}

/// Whether a sign-in that failed this way is worth telling staff: what Cobot answered once the
/// callback was this hub's, not what anyone can make up (a forged code is `invalid_grant`, a
/// forged `iss` an issuer mismatch, a stale tab a missing sign-in).
fn tells_staff(e: &auth::Error) -> bool {
    match e {
        auth::Error::Unreachable(_)
        | auth::Error::CobotDown(_)
        | auth::Error::Discovery(_)
        | auth::Error::Config(_)
        | auth::Error::Refused { .. }
        | auth::Error::Malformed(_)
        | auth::Error::IdToken(_) => true,
        auth::Error::NoSignInInProgress
        | auth::Error::StateMismatch
        | auth::Error::IssuerMismatch { .. }
        | auth::Error::ConsentDenied
        | auth::Error::ExpiredCode => false,
    }
}

/// Keeps a failed sign-in with its reason, as the latest sign-in and the latest failure (and, for
/// an ID token that failed the checks, as how the last ID token fared).
async fn record_failure(hub: &Hub, why: String, id_token: bool) {
    let failed = crate::app::doctor::SignInOutcome {
        at: hub.clock.now().to_string(),
        ok: false,
        problem: Some(why),
        subject: None,
        user_id: None,
    };
    let records: &'static [Record] = if id_token {
        &[Record::SignIn, Record::SignInFailure, Record::IdToken]
    } else {
        &[Record::SignIn, Record::SignInFailure]
    };
    record(hub, records, failed).await;
}

/// Keeps how a sign-in ended, for the doctor and the console.
async fn record(hub: &Hub, records: &'static [Record], outcome: crate::app::doctor::SignInOutcome) {
    if let Ok(Err(e)) = hub.db(move |store| store.record_outcome(records, &outcome)).await {
        tracing::warn!("the sign-in's outcome was not recorded: {e}");
    }
}

/// 32 random bytes, base64url.
pub(crate) fn auth_random() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

#[cfg(test)]
mod tests;
