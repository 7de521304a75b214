//! Test controls that act on the wire, never part of Cobot: injected faults (`/_sim/faults`) and
//! the request log (`/_sim/requests`). Both are middleware around every route; `/_sim/` itself is
//! never faulted nor logged.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::presented_token;
use crate::conn::Peer;
use crate::Sim;

/// What a fault does to a matching request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultKind {
    /// Answer `status` at once (default 503) without running the endpoint; API 2 paths get a
    /// JSON:API error document, others `{"error":"simulated fault"}`.
    Status,
    /// Wait `delay_ms`, then answer normally.
    Slow,
    /// Run the endpoint, then answer 200 with the first half of its body: invalid JSON.
    Malformed,
    /// Close the connection without a response (the client sees EOF), without running the endpoint.
    Drop,
}

/// A fault for the next `times` requests whose path starts with `path` (`POST /_sim/faults`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Path prefix, e.g. `/sub/lighthouse/api/memberships` or `/api2/`.
    pub path: String,
    /// What happens.
    pub kind: FaultKind,
    /// For [`FaultKind::Status`]: the status to answer (default 503).
    #[serde(default)]
    pub status: Option<u16>,
    /// For [`FaultKind::Slow`]: how long to wait.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// For [`FaultKind::Status`]: a `Retry-After` header to send.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
    /// How many matching requests it applies to (default 1).
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// Checks that the fault can do what it says.
    pub fn validate(&self) -> Result<(), BadFault> {
        if !self.path.starts_with('/') || self.path.starts_with("/_sim") {
            return Err(BadFault::Path);
        }
        if self.times == 0 {
            return Err(BadFault::Times);
        }
        match self.kind {
            FaultKind::Status if self.status.is_some_and(|s| StatusCode::from_u16(s).is_err() || s < 200) => {
                Err(BadFault::Status)
            }
            FaultKind::Slow if self.delay_ms.is_none() => Err(BadFault::NoDelay),
            _ => Ok(()),
        }
    }
}

/// Why a fault cannot apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadFault {
    /// Not a path of the API.
    #[error("path must start with `/` and must not be under /_sim")]
    Path,
    /// `times = 0`.
    #[error("times must be at least 1")]
    Times,
    /// Not a final HTTP status.
    #[error("status must be a valid final HTTP status")]
    Status,
    /// A slow fault without its delay.
    #[error("a slow fault needs delay_ms")]
    NoDelay,
}

/// One API request as the request log shows it. Tokens in the path or query are redacted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// The raw query, if any.
    pub query: Option<String>,
    /// The status sent; `None` when a drop fault closed the connection instead.
    pub status: Option<u16>,
    /// The user of the presented token, if it was live.
    pub user_id: Option<String>,
    /// The `Host` the request was sent to: tells a space's own domain
    /// ([`Sim::serve_custom_domain`]) from the simulator's base.
    #[serde(default)]
    pub host: Option<String>,
}

impl Sim {
    /// Queues a fault (see [`Fault`]); faults are matched in the order they were added.
    pub fn add_fault(&self, fault: Fault) -> Result<(), BadFault> {
        fault.validate()?;
        self.lock().faults.push(fault);
        Ok(())
    }

    /// Faults not yet used up.
    pub fn faults(&self) -> Vec<Fault> {
        self.lock().faults.clone()
    }

    /// Removes every pending fault.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.lock().requests.clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }
}

/// Marks a response whose connection was dropped.
#[derive(Debug, Clone, Copy)]
struct Dropped;

/// Whether a path is an API request for the log: not the control API, discovery or keys.
fn logged(path: &str) -> bool {
    !(path.starts_with("/_sim/") || path.contains("/.well-known/") || path.ends_with("/jwks.json"))
}

/// `/api/access_tokens/<token>…` with the token replaced by `[redacted]`.
fn redact_path(path: &str) -> String {
    const MARK: &str = "/api/access_tokens/";
    match path.find(MARK) {
        Some(i) => {
            let start = i + MARK.len();
            let end = path[start..].find('/').map_or(path.len(), |j| start + j);
            format!("{}[redacted]{}", &path[..start], &path[end..])
        }
        None => path.to_string(),
    }
}

/// The query with any `access_token` value replaced by `[redacted]`.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some(("access_token", _)) => "access_token=[redacted]".to_string(),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Request log middleware.
pub(crate) async fn record(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !logged(&path) {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let query = request.uri().query().map(redact_query);
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let user_id = {
        let state = sim.lock();
        presented_token(request.headers(), request.uri().query())
            .and_then(|token| state.live_token(&token).map(|t| t.user_id.clone()))
    };
    let response = next.run(request).await;
    let status = response
        .extensions()
        .get::<Dropped>()
        .is_none()
        .then(|| response.status().as_u16());
    sim.lock().requests.push(RequestRecord {
        method,
        path: redact_path(&path),
        query,
        status,
        user_id,
        host,
    });
    response
}

/// Fault injection middleware.
pub(crate) async fn inject(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/_sim/") {
        return next.run(request).await;
    }
    let fault = {
        let mut state = sim.lock();
        match state.faults.iter().position(|f| path.starts_with(&f.path)) {
            Some(i) => {
                let fault = state.faults[i].clone();
                state.faults[i].times -= 1;
                if state.faults[i].times == 0 {
                    state.faults.remove(i);
                }
                Some(fault)
            }
            None => None,
        }
    };
    let Some(fault) = fault else {
        return next.run(request).await;
    };
    tracing::info!(path = %request.uri().path(), kind = ?fault.kind, "injecting fault");
    match fault.kind {
        FaultKind::Status => status_response(&fault, request.uri().path().starts_with("/api2/")),
        FaultKind::Slow => {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms.unwrap_or_default())).await;
            next.run(request).await
        }
        FaultKind::Malformed => {
            let response = next.run(request).await;
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
            let truncated = if bytes.len() >= 2 {
                bytes.slice(..bytes.len() / 2)
            } else {
                axum::body::Bytes::from_static(b"{\"")
            };
            parts.status = StatusCode::OK;
            parts.headers.remove(header::CONTENT_LENGTH);
            if !parts.headers.contains_key(header::CONTENT_TYPE) {
                parts
                    .headers
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Response::from_parts(parts, Body::from(truncated))
        }
        FaultKind::Drop => {
            if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<Peer>>() {
                peer.hangup.pull();
            }
            // Served without `Peer` (in-process), a body that fails is the closest thing.
            let mut response = Response::new(Body::new(FailingBody));
            response.extensions_mut().insert(Dropped);
            response
        }
    }
}

fn status_response(fault: &Fault, api2: bool) -> Response {
    let status = fault
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = if api2 {
        (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(crate::api2::MEDIA_TYPE))],
            json!({"errors": [{"detail": "Simulated fault."}]}).to_string(),
        )
            .into_response()
    } else {
        (status, Json(json!({"error": "simulated fault"}))).into_response()
    };
    if let Some(secs) = fault.retry_after_secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}

/// A response body whose first frame is an error: hyper aborts the connection.
struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "cobot-sim: connection dropped by a fault",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_reach_the_request_log() {
        assert_eq!(
            redact_path("/api/access_tokens/abcdef/space"),
            "/api/access_tokens/[redacted]/space"
        );
        assert_eq!(
            redact_path("/api/access_tokens/abcdef"),
            "/api/access_tokens/[redacted]"
        );
        assert_eq!(
            redact_query("all=true&access_token=secret"),
            "all=true&access_token=[redacted]"
        );
    }

    #[test]
    fn discovery_keys_and_controls_are_not_logged() {
        assert!(!logged("/_sim/requests"));
        assert!(!logged("/sub/lighthouse/.well-known/openid-configuration"));
        assert!(!logged("/jwks.json"));
        assert!(logged("/sub/lighthouse/api/memberships"));
        assert!(logged("/api2/user"));
    }
}
