//! Error responses, in the shapes Cobot (or, where Cobot is silent, the RFCs) use.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// The one 401 body Cobot is known to send (cobot-api.md §7).
pub(crate) const UNAUTHORIZED_MESSAGE: &str =
    "A valid access token must be passed using the 'Authorization: Bearer token' header.";

/// An API error: a status and a JSON body, plus the headers some statuses require.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Value,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl ApiError {
    fn new(status: StatusCode, body: Value) -> Self {
        ApiError {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// 404 `{"error":"not found"}`.
    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, json!({"error": "not found"}))
    }

    /// 401 with Cobot's body and `WWW-Authenticate: Bearer` (RFC 6750 §3).
    pub(crate) fn unauthorized() -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, json!({"error": UNAUTHORIZED_MESSAGE}));
        e.headers
            .push((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        e
    }

    /// 403 `{"error":"insufficient scope","required":scope}`.
    pub(crate) fn insufficient_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            json!({"error": "insufficient scope", "required": scope}),
        )
    }

    /// 403 `{"error":"forbidden"}`.
    pub(crate) fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, json!({"error": "forbidden"}))
    }

    /// 403 for a caller who is not an admin of the space (API 1; the body shape is [U]).
    pub(crate) fn not_admin() -> Self {
        Self::message(StatusCode::FORBIDDEN, "You must be an admin of this space.")
    }

    /// 422 in API 1's validation shape: `{"errors":{"<field>":"<message>"}}` (cobot-api.md §7).
    pub(crate) fn invalid(field: &str, message: &str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, json!({"errors": {field: message}}))
    }

    /// 422 `{"base": message}`: a check-in refused for a reason about the whole record, bare. A
    /// door integration reads `response.data.base` on `work_sessions` (cobot-api.md §6 [O]);
    /// Cobot's own captive portal reads `errors.base` ([`ApiError::errors_base`]).
    pub(crate) fn base(message: &str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, json!({"base": message}))
    }

    /// 422 `{"errors":{"base": message}}`: a check-in refused, as Cobot's own captive portal reads
    /// it (`errors.base`, cobot-api.md §10).
    pub(crate) fn errors_base(message: &str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, json!({"errors": {"base": message}}))
    }

    /// 429 with `Retry-After` (cobot-api.md §7; the body shape is the simulator's choice).
    pub(crate) fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            json!({"error": "Rate limit exceeded. Retry later."}),
        );
        e.headers
            .push((header::RETRY_AFTER, HeaderValue::from(retry_after_secs)));
        e
    }

    /// Any status with `{"error": message}` (control API validation and the like).
    pub(crate) fn message(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, json!({"error": message.into()}))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        response.headers_mut().extend(self.headers);
        response
    }
}

/// A token endpoint error (RFC 6749 §5.2), also used by dynamic client registration (RFC 7591
/// §3.2.2, same body shape).
#[derive(Debug)]
pub(crate) struct OAuthError {
    pub(crate) error: &'static str,
    pub(crate) description: String,
    /// The client tried `Authorization: Basic`: an `invalid_client` answer must then challenge
    /// with the same scheme (RFC 6749 §5.2).
    pub(crate) basic_challenge: bool,
}

impl OAuthError {
    pub(crate) fn new(error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            error,
            description: description.into(),
            basic_challenge: false,
        }
    }

    /// `invalid_client` (401), with `WWW-Authenticate: Basic` if `basic` (the client tried it).
    pub(crate) fn invalid_client(description: impl Into<String>, basic: bool) -> Self {
        OAuthError {
            basic_challenge: basic,
            ..Self::new("invalid_client", description)
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        // invalid_client is 401; everything else is 400 (RFC 6749 §5.2, RFC 7591 §3.2.2).
        let status = if self.error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        let body = Json(json!({"error": self.error, "error_description": self.description}));
        let mut response = (status, no_store(), body).into_response();
        if self.basic_challenge && status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Cobot\""),
            );
        }
        response
    }
}

/// `Cache-Control: no-store` and `Pragma: no-cache`, required on token responses (RFC 6749 §5.1).
pub(crate) fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}
