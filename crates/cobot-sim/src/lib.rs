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
//! | `https://api.cobot.me/…` | `{base}/api2/…` (only `/api2/health` so far) |
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
//! * `POST /oauth/access_token`
//! * `GET /api/userinfo`
//!
//! On `www` only (API 1): `GET /api/user`, `GET|DELETE /api/access_tokens/{token}`,
//! `GET /api/spaces/{subdomain}`. Every `/api/*` route is rate limited (60/min per user).
//!
//! Control: `GET|DELETE /_sim/users/{user_id}/tokens`, `POST /_sim/keys/rotate[?retire=true]`,
//! `POST /_sim/clients`, `GET|POST /_sim/config`, `POST /_sim/clock/advance`,
//! `GET /_sim/pictures/{membership_id}`.
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
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use url::Url;

mod api;
mod authorize;
mod control;
mod discovery;
mod error;
mod keys;
mod limit;
mod page;
mod params;
mod redirect_uri;
pub mod seed;
mod state;
mod token;

pub use seed::{demo, Seed};
pub use state::{Error, Sim, TokenInfo};

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
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            public_url: None,
            code_ttl: Duration::from_secs(60),
            require_pkce: false,
            auto_login_hint: true,
        }
    }
}

/// The HTTP interface of `sim`, for serving or for driving in-process with `tower::ServiceExt`.
/// Anonymous rate limiting keys on the peer address when the router is served with
/// `into_make_service_with_connect_info::<SocketAddr>()` (as [`spawn`] does).
pub fn app(sim: Sim) -> Router {
    let api = Router::new()
        .route("/api/userinfo", get(api::www_userinfo))
        .route("/api/user", get(api::user))
        .route(
            "/api/access_tokens/{token}",
            get(api::token_scope).delete(api::revoke_token),
        )
        .route("/api/spaces/{subdomain}", get(api::space))
        .route("/sub/{subdomain}/api/userinfo", get(api::space_userinfo))
        .route_layer(middleware::from_fn_with_state(sim.clone(), api::rate_limit));
    let control = Router::new()
        .route(
            "/users/{user_id}/tokens",
            get(control::user_tokens).delete(control::revoke_user_tokens),
        )
        .route("/keys/rotate", post(control::rotate_keys))
        .route("/clients", post(control::register_client))
        .route("/config", get(control::config).post(control::update_config))
        .route("/clock/advance", post(control::advance_clock))
        .route("/pictures/{membership_id}", get(control::picture));
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery::www))
        .route("/.well-known/oauth-authorization-server", get(discovery::www))
        .route("/jwks.json", get(discovery::jwks))
        .route("/oauth/authorize", get(authorize::www_get).post(authorize::www_post))
        .route("/oauth/access_token", post(token::www))
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
        // API 2 (api.cobot.me) lives under /api2; only its health check exists so far (§7).
        .route("/api2/health", get(|| async { StatusCode::NO_CONTENT }))
        .merge(api)
        .nest("/_sim", control)
        .fallback(fallback)
        .layer(middleware::from_fn(trace))
        .with_state(sim)
}

/// Unknown paths. `www.cobot.me` answers any unknown `*.json` path with 200 and an unrelated JSON
/// payload (cobot-api.md §1, probe note), so a client must not take "200 + JSON" as proof that a
/// document exists; the simulator reproduces that trap on `www`. Everything else is 404.
async fn fallback(uri: Uri) -> Response {
    let path = uri.path();
    let elsewhere = ["/api/", "/api2/", "/sub/", "/_sim/"]
        .iter()
        .any(|p| path.starts_with(p));
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

    /// The URL of a space, as Cobot's `https://<subdomain>.cobot.me`: `{base}/sub/{subdomain}`.
    pub fn space_url(&self, subdomain: &str) -> String {
        format!("{}/sub/{subdomain}", self.issuer())
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
    let service = app(sim.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, service)
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
