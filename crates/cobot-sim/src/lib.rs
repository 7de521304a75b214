//! `cobot-sim`: a faithful local stand-in for Cobot's OAuth 2 / OpenID Connect provider and the
//! parts of its user API Frontdoor uses. Paths, shapes and status codes follow
//! `shared/cobot-api.md`; where Cobot is silent (marked [U] there) the simulator follows the RFCs
//! strictly and says so in the doc comment of the code concerned.
//!
//! # Hosts on one server
//!
//! Cobot has `www.cobot.me` (user level, OAuth), `<subdomain>.cobot.me` (space level: API 1 and
//! per-space OIDC) and `api.cobot.me` (API 2). The simulator serves all of them from one base URL:
//!
//! | Cobot | simulator |
//! |---|---|
//! | `https://www.cobot.me/…` | `{base}/…` |
//! | `https://<subdomain>.cobot.me/…` | `{base}/sub/{subdomain}/…` |
//! | `https://api.cobot.me/…` | `{base}/api2/…` |
//! | — | `{base}/_sim/…`: the control API, never part of Cobot |
//!
//! # URL layout
//!
//! On `www` and, prefixed with `/sub/{subdomain}`, on every space (unknown subdomain: 404
//! `{"error":"not found"}`):
//!
//! * `GET /.well-known/openid-configuration` (www also `/.well-known/oauth-authorization-server`)
//! * `GET /jwks.json`
//! * `GET|POST /oauth/authorize` (GET shows the sign-in page, POST is its form)
//! * `POST /oauth/access_token` (client_secret_post, client_secret_basic, or none for a public
//!   client; www also redeems codes from a space's authorize endpoint)
//! * `GET /api/userinfo`
//!
//! On `www` only: `POST /oauth/register` (RFC 7591 dynamic registration); API 1 `GET /api/user`,
//! `GET|DELETE /api/access_tokens/{token}` (bearer: that very token),
//! `POST /api/access_tokens/{token}/space`, `GET /api/spaces/{subdomain}`.
//!
//! On a space (API 1, `{base}/sub/{subdomain}`; the `members` module and [`webhooks`] document
//! the rules):
//!
//! * `GET /api/plans`
//! * `GET /api/memberships` (6 requests/min), `GET /api/memberships/{id}`
//! * `GET /api/custom_fields`, `GET|PUT /api/memberships/{id}/custom_fields`,
//!   `GET|PUT /api/space/custom_fields`
//! * `GET|POST /api/subscriptions`, `GET|DELETE /api/subscriptions/{id}`
//! * `POST /api/memberships/{id}/work_sessions`, `DELETE /api/memberships/{id}/check_ins/current`,
//!   `GET /api/work_sessions`, `GET /api/check_ins`, `GET /api/memberships/{id}/check_ins`
//!   (the `check_ins` module documents the rules)
//!
//! API 2 (`{base}/api2`, JSON:API): `GET /user`, `GET /spaces/{id}`,
//! `GET /spaces/{id}/memberships`, `GET /spaces/{id}/membership_plans`, `GET /memberships/{id}`,
//! `POST /check_ins`, `PUT /check_ins/{id}/check_out`, `GET /spaces/{id}/check_ins/current`,
//! `GET /memberships/{id}/check_ins`, `GET /health`.
//!
//! Every API 1 and API 2 route is rate limited (60/min per user, overrides in `limit`).
//!
//! Control (never Cobot): `GET|DELETE /_sim/users/{user_id}/tokens`, `PUT /_sim/users/{id}`,
//! `POST /_sim/keys/rotate[?retire=true]`, `POST /_sim/clients`, `GET|POST /_sim/config`,
//! `POST /_sim/clock/advance`, `GET /_sim/pictures/{membership_id}`, `POST /_sim/tokens`,
//! `GET|POST|DELETE /_sim/faults`, `GET|DELETE /_sim/requests`, `GET /_sim/webhooks/deliveries`,
//! and data changes that fire webhooks: `PUT|DELETE /_sim/spaces/{sub}/memberships/{id}`,
//! `POST …/memberships/{id}/plan`, `POST …/memberships/{id}/cancel`,
//! `POST …/memberships/{id}/confirm`, `PUT …/memberships/{id}/custom_fields/{label}`,
//! `PUT /_sim/spaces/{sub}/plans/{id}`. The same operations exist as methods on [`Sim`].
//! `PUT|DELETE /_sim/spaces/{sub}/memberships/{id}/raw` makes a membership's API 1 record
//! malformed ([`Sim::garble_membership`]); [`Sim::serve_custom_domain`] puts a space on a domain of
//! its own; [`Variants`] choose Cobot's behaviour where it is unknown.
//! `GET /_sim/spaces/{sub}/check_ins` lists every check-in held ([`Sim::check_ins`]);
//! `GET|PUT /_sim/spaces/{sub}/memberships/{id}/time_passes` reads and sets a membership's time
//! passes ([`time_passes`]).
//!
//! # Use from tests
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let cobot = cobot_sim::spawn(cobot_sim::SimConfig::default(), "127.0.0.1:0".parse()?).await?;
//! let discovery = cobot.base_url.join(".well-known/openid-configuration")?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

mod api;
mod api2;
mod authorize;
mod call;
pub mod changes;
mod check_ins;
mod conn;
mod control;
mod dates;
mod discovery;
mod error;
pub mod faults;
mod keys;
mod limit;
mod members;
mod membership;
mod page;
mod params;
mod redirect_uri;
mod register;
pub mod seed;
mod state;
pub mod time_passes;
mod token;
pub mod variants;
pub mod webhooks;

pub use changes::{ChangeError, MembershipPatch, Upserted};
pub use check_ins::{CheckIn, CheckInScope, RefusalBody, RepeatCheckIn};
pub use faults::{Fault, FaultKind, RequestRecord};
pub use seed::{demo, large, Seed};
pub use state::{Error, Sim, TokenInfo};
pub use variants::{
    CheckInWindow, CustomDomain, CustomFieldUrl, IdTokenNonce, ParentPlanIds, PlanCopyNames, SpaceUrl, Subjects,
    Variants, WebhookEncoding,
};
pub use webhooks::{Delivery, DeliveryOutcome, Event};

/// How a simulator behaves. `Default` is Cobot's behaviour as documented.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Base URL as clients see it (issuer and every advertised URL derive from it); default
    /// `http://<bound address>`.
    pub public_url: Option<Url>,
    /// Lifetime of authorization codes; default 60 s.
    pub code_ttl: Duration,
    /// Refuse authorization requests without a PKCE challenge. Default `false`, like Cobot
    /// ("supported, not enforced"); a challenge that *was* sent is always checked.
    pub require_pkce: bool,
    /// A `login_hint` naming a seeded user (email or id) signs in without showing the page: the
    /// non-interactive path for tests. Default `true`.
    pub auto_login_hint: bool,
    /// Pins the simulated clock: it reads this instant at start and runs on from there (`None`:
    /// the wall clock). The demo data is dated around 2026-11-23; pin it there for tests that
    /// must not depend on the day they run.
    pub start_at: Option<jiff::Timestamp>,
    /// Wait before the first webhook retry; retry *n* waits `base * 2^(n-1)`. Default 70 s, which
    /// spreads Cobot's 10 retries over ~20 hours; tests use milliseconds.
    pub webhook_retry_base: Duration,
    /// Answers where Cobot's behaviour is unknown (webhook encoding, plan copies, …); the default
    /// is the simulator's best reading of Cobot ([`Variants`]).
    pub variants: Variants,
    /// The window of the rate limits (60 requests per user and 6 memberships lists per window).
    /// Cobot's is a minute; tests shrink it to spend a minute's budget in seconds.
    pub rate_limit_window: Duration,
    /// The scope API 1 check-ins require: `checkin`, `write`, or either (the default, as Cobot's
    /// rule is unknown; see [`CheckInScope`]).
    pub check_in_scope: CheckInScope,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            public_url: None,
            code_ttl: Duration::from_secs(60),
            require_pkce: false,
            auto_login_hint: true,
            webhook_retry_base: Duration::from_secs(70),
            variants: Variants::default(),
            rate_limit_window: Duration::from_secs(60),
            start_at: None,
            check_in_scope: CheckInScope::default(),
        }
    }
}

/// The HTTP interface of `sim`, for serving or for driving in-process with `tower::ServiceExt`.
/// Anonymous rate limiting keys on the peer address when the router is served with connect info
/// (as [`spawn`] does, or `into_make_service_with_connect_info::<SocketAddr>()`). The "drop"
/// fault closes the connection only as [`spawn`] serves; elsewhere it sends a body that fails.
pub fn app(sim: Sim) -> Router {
    let limited = || middleware::from_fn_with_state(sim.clone(), api::rate_limit);
    let www_api = Router::new()
        .route("/api/userinfo", get(api::www_userinfo))
        .route("/api/user", get(api::user))
        .route(
            "/api/access_tokens/{token}",
            get(api::token_scope).delete(api::revoke_token),
        )
        .route("/api/access_tokens/{token}/space", post(api::space_token))
        .route("/api/spaces/{subdomain}", get(api::space))
        .route_layer(limited());
    let space_api = Router::new()
        .route("/userinfo", get(api::space_userinfo))
        .route("/plans", get(members::plans))
        .route("/memberships", get(members::memberships))
        .route("/memberships/{id}", get(members::membership))
        .route(
            "/memberships/{id}/custom_fields",
            get(members::membership_custom_fields).put(members::put_membership_custom_fields),
        )
        .route("/custom_fields", get(members::all_custom_fields))
        .route(
            "/space/custom_fields",
            get(members::space_custom_fields).put(members::put_space_custom_fields),
        )
        .route("/subscriptions", get(webhooks::list).post(webhooks::create))
        .route("/subscriptions/{id}", get(webhooks::show).delete(webhooks::delete))
        .route("/memberships/{id}/work_sessions", post(check_ins::create))
        .route("/memberships/{id}/check_ins/current", delete(check_ins::check_out))
        .route("/memberships/{id}/check_ins", get(check_ins::membership_check_ins))
        .route("/work_sessions", get(check_ins::work_sessions))
        .route("/check_ins", get(check_ins::today))
        .route_layer(limited());
    let api2 = Router::new()
        .route("/user", get(api2::user))
        .route("/spaces/{id}", get(api2::space))
        .route("/spaces/{id}/memberships", get(api2::memberships))
        .route("/spaces/{id}/membership_plans", get(api2::membership_plans))
        .route("/memberships/{id}", get(api2::membership))
        .route("/check_ins", post(check_ins::api2_create))
        .route("/check_ins/{id}/check_out", put(check_ins::api2_check_out))
        .route("/spaces/{id}/check_ins/current", get(check_ins::api2_current))
        .route("/memberships/{id}/check_ins", get(check_ins::api2_membership_check_ins))
        .route_layer(limited())
        // Cobot's health check is not rate limited (it is for load balancers).
        .route("/health", get(|| async { StatusCode::NO_CONTENT }))
        .layer(middleware::map_response(api2::request_id));
    let control = Router::new()
        .route(
            "/users/{user_id}/tokens",
            get(control::user_tokens).delete(control::revoke_user_tokens),
        )
        .route("/users/{user_id}", put(control::put_user))
        .route("/keys/rotate", post(control::rotate_keys))
        .route("/clients", post(control::register_client))
        .route("/config", get(control::config).post(control::update_config))
        .route("/clock/advance", post(control::advance_clock))
        .route("/pictures/{membership_id}", get(control::picture))
        .route("/tokens", post(control::issue_token))
        .route(
            "/faults",
            get(control::faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .route("/requests", get(control::requests).delete(control::clear_requests))
        .route("/webhooks/deliveries", get(control::deliveries))
        .route(
            "/spaces/{subdomain}/memberships/{id}",
            put(control::put_membership).delete(control::delete_membership),
        )
        .route("/spaces/{subdomain}/memberships/{id}/plan", post(control::change_plan))
        .route("/spaces/{subdomain}/memberships/{id}/cancel", post(control::cancel))
        .route("/spaces/{subdomain}/memberships/{id}/confirm", post(control::confirm))
        .route(
            "/spaces/{subdomain}/memberships/{id}/custom_fields/{label}",
            put(control::put_custom_field),
        )
        .route("/spaces/{subdomain}/plans/{id}", put(control::put_plan))
        .route(
            "/spaces/{subdomain}/memberships/{id}/raw",
            put(variants::put_raw).delete(variants::delete_raw),
        )
        .route("/spaces/{subdomain}/check_ins", get(control::check_ins))
        .route(
            "/spaces/{subdomain}/memberships/{id}/time_passes",
            get(time_passes::get).put(time_passes::put),
        );
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery::www))
        .route("/.well-known/oauth-authorization-server", get(discovery::www))
        .route("/jwks.json", get(discovery::jwks))
        .route("/oauth/authorize", get(authorize::www_get).post(authorize::www_post))
        .route("/oauth/access_token", post(token::www))
        .route("/oauth/register", post(register::register))
        .route(
            "/sub/{subdomain}/.well-known/openid-configuration",
            get(discovery::space),
        )
        .route("/sub/{subdomain}/jwks.json", get(discovery::space_jwks))
        .route(
            "/sub/{subdomain}/oauth/authorize",
            get(authorize::space_get).post(authorize::space_post),
        )
        .route("/sub/{subdomain}/oauth/access_token", post(token::space))
        .merge(www_api)
        .nest("/sub/{subdomain}/api", space_api)
        .nest("/api2", api2)
        .nest("/_sim", control)
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(sim.clone(), faults::inject))
        .layer(middleware::from_fn_with_state(sim.clone(), faults::record))
        .layer(middleware::from_fn(trace))
        .with_state(sim)
}

/// Unknown paths. `www.cobot.me` answers any unknown `*.json` path with 200 and an unrelated JSON
/// payload (cobot-api.md §1, probe note), so a client must not take "200 + JSON" as proof that a
/// document exists; the simulator reproduces that trap on `www`. Everything else is 404.
async fn fallback(uri: Uri) -> Response {
    let path = uri.path();
    if path.starts_with("/api2/") {
        return api2::request_id(api2::Api2Error::not_found().into_response()).await;
    }
    let elsewhere = ["/api/", "/sub/", "/_sim/"].iter().any(|p| path.starts_with(p));
    if path.ends_with(".json") && !elsewhere {
        return Json(
            serde_json::json!({"cobot_sim": "unrelated payload, as www.cobot.me serves for unknown *.json paths"}),
        )
        .into_response();
    }
    error::ApiError::not_found().into_response()
}

/// One log line per request: method, route pattern (never the concrete path, which may hold a
/// token) and status.
async fn trace(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let response = next.run(request).await;
    tracing::info!(%method, route = route.as_deref().unwrap_or("(unmatched)"), status = response.status().as_u16(), "request");
    response
}

/// At most the first four characters of a secret, for logs and the control API.
pub(crate) fn prefix(secret: &str) -> &str {
    secret.char_indices().nth(4).map_or(secret, |(i, _)| &secret[..i])
}

/// A simulator serving on a socket. Dropping it stops the server; [`RunningSim::shutdown`] also
/// waits for it.
#[derive(Debug)]
pub struct RunningSim {
    /// Base URL as clients see it, with a trailing slash (`http://127.0.0.1:PORT/`). The issuer is
    /// the same without the slash.
    pub base_url: Url,
    /// The simulator's state, for direct inspection.
    pub sim: Sim,
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningSim {
    /// The address the server is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The issuer of `www`: the base URL without its trailing slash.
    pub fn issuer(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_string()
    }

    /// The URL of a space, as Cobot's `https://<subdomain>.cobot.me`: `{base}/sub/{subdomain}`,
    /// or its own domain ([`Sim::serve_custom_domain`]).
    pub fn space_url(&self, subdomain: &str) -> String {
        self.sim.lock().space_base(subdomain)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other)?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `addr` (port 0 picks a free port) and serves the [`demo()`] world on a tokio task.
/// Each connection can be dropped by a "drop" fault.
pub async fn spawn(config: SimConfig, addr: SocketAddr) -> std::io::Result<RunningSim> {
    spawn_with_seed(config, demo(), addr).await
}

/// Like [`spawn`] with a seed of your own.
pub async fn spawn_with_seed(config: SimConfig, seed: Seed, addr: SocketAddr) -> std::io::Result<RunningSim> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local_addr = listener.local_addr()?;
    let base_url = match &config.public_url {
        Some(url) => url.clone(),
        None => Url::parse(&format!("http://{local_addr}/")).map_err(std::io::Error::other)?,
    };
    let sim = {
        let base_url = base_url.clone();
        tokio::task::spawn_blocking(move || Sim::new(&config, seed, &base_url))
            .await
            .map_err(std::io::Error::other)?
            .map_err(std::io::Error::other)?
    };
    let service = app(sim.clone()).into_make_service_with_connect_info::<conn::Peer>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(conn::Listener::new(listener), service)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tracing::info!(%base_url, "cobot-sim serving");
    Ok(RunningSim {
        base_url,
        sim,
        local_addr,
        stop: Some(stop),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_logged_secret_shows_at_most_four_characters() {
        assert_eq!(super::prefix("abcdef0123"), "abcd");
        assert_eq!(super::prefix("ab"), "ab");
        assert_eq!(super::prefix("äöüßx"), "äöüß");
    }
}
