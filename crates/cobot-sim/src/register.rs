//! Dynamic client registration (RFC 7591), `POST /oauth/register` on `www`.
//!
//! Cobot advertises `registration_endpoint` and the endpoint exists, but its request and response
//! formats are undocumented (cobot-api.md §1, [U]); the simulator implements the RFC's minimum:
//! JSON metadata `{redirect_uris, client_name?, token_endpoint_auth_method?, scope?}` in, 201 with
//! the client's id (and secret, unless the method is `none`) out. Registered clients behave like
//! any other: exact redirect URI matching plus the loopback port rule, PKCE checked when used.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::error::{no_store, OAuthError};
use crate::seed::SeedClient;
use crate::state::random_hex;
use crate::{redirect_uri, Sim};

/// Client authentication methods a registration may ask for. RFC 7591 §2: omitted means
/// `client_secret_basic`; the token endpoint takes a confidential client's secret either way.
const AUTH_METHODS: [&str; 3] = ["none", "client_secret_basic", "client_secret_post"];

/// Why a registration request is refused (RFC 7591 §3.2.2).
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error("{0}")]
    RedirectUri(String),
    #[error("{0}")]
    Metadata(String),
}

impl From<Refused> for OAuthError {
    fn from(refused: Refused) -> Self {
        let error = match refused {
            Refused::RedirectUri(_) => "invalid_redirect_uri",
            Refused::Metadata(_) => "invalid_client_metadata",
        };
        OAuthError::new(error, refused.to_string())
    }
}

/// The metadata a registration asked for, validated.
struct Metadata {
    redirect_uris: Vec<String>,
    client_name: Option<String>,
    auth_method: String,
    scopes: Vec<String>,
}

/// An optional string member of the request.
fn string_field<'a>(body: &'a Value, name: &str) -> Result<Option<&'a str>, Refused> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Refused::Metadata(format!("{name} must be a string."))),
    }
}

fn metadata(body: &Value, known_scopes: &[String]) -> Result<Metadata, Refused> {
    if !body.is_object() {
        return Err(Refused::Metadata("The body must be a JSON object.".into()));
    }
    let redirect_uris: Vec<String> = match body.get("redirect_uris") {
        Some(Value::Array(uris)) => uris
            .iter()
            .map(|u| u.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| Refused::RedirectUri("redirect_uris must be an array of strings.".into()))?,
        // RFC 7591 §2 lets a server demand redirect URIs for redirect-based flows; the code flow is
        // the only one.
        _ => return Err(Refused::RedirectUri("redirect_uris is required.".into())),
    };
    redirect_uri::validate_registered(&redirect_uris).map_err(|e| Refused::RedirectUri(e.to_string()))?;
    let auth_method = string_field(body, "token_endpoint_auth_method")?.unwrap_or("client_secret_basic");
    if !AUTH_METHODS.contains(&auth_method) {
        return Err(Refused::Metadata(format!(
            "token_endpoint_auth_method must be one of {}.",
            AUTH_METHODS.join(", ")
        )));
    }
    let scopes = match string_field(body, "scope")? {
        None => known_scopes.to_vec(),
        Some(scope) => {
            let mut scopes: Vec<String> = Vec::new();
            for s in scope.split(' ').filter(|s| !s.is_empty()) {
                if !known_scopes.iter().any(|k| k == s) {
                    return Err(Refused::Metadata(format!("The scope {s} is unknown.")));
                }
                if !scopes.iter().any(|k| k == s) {
                    scopes.push(s.to_string());
                }
            }
            scopes
        }
    };
    Ok(Metadata {
        redirect_uris,
        client_name: string_field(body, "client_name")?.map(str::to_string),
        auth_method: auth_method.to_string(),
        scopes,
    })
}

/// `POST /oauth/register`: 201 with the registered metadata, `client_id`, `client_id_issued_at`,
/// and, unless `token_endpoint_auth_method` is `none`, `client_secret` (never expiring:
/// `client_secret_expires_at: 0`). 400 `invalid_redirect_uri` / `invalid_client_metadata`.
pub(crate) async fn register(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    match register_client(&sim, &headers, &body) {
        Ok(body) => (StatusCode::CREATED, no_store(), Json(body)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn register_client(sim: &Sim, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return Err(Refused::Metadata("The body must be application/json.".into()).into());
    }
    let body: Value =
        serde_json::from_slice(body).map_err(|e| Refused::Metadata(format!("The body is not valid JSON: {e}.")))?;
    let mut state = sim.lock();
    let meta = metadata(&body, &state.known_scopes())?;
    // Cobot's client ids are 32 hex characters (cobot-api.md §1, the space token example).
    let client_id = random_hex(16);
    let secret = (meta.auth_method != "none").then(|| random_hex(32));
    let client = SeedClient {
        client_id: client_id.clone(),
        name: meta.client_name.clone().unwrap_or_else(|| client_id.clone()),
        secret: secret.clone(),
        redirect_uris: meta.redirect_uris.clone(),
        scopes: meta.scopes.clone(),
    };
    let issued_at = state.now().as_second();
    state.clients.insert(client_id.clone(), client);
    tracing::info!(client = %client_id, method = %meta.auth_method, "dynamically registered client");

    let mut response = json!({
        "client_id": client_id,
        "client_id_issued_at": issued_at,
        "redirect_uris": meta.redirect_uris,
        "token_endpoint_auth_method": meta.auth_method,
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "scope": meta.scopes.join(" "),
    });
    if let Some(name) = meta.client_name {
        response["client_name"] = json!(name);
    }
    if let Some(secret) = secret {
        response["client_secret"] = json!(secret);
        response["client_secret_expires_at"] = json!(0);
    }
    Ok(response)
}
