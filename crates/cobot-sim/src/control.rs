//! The control API under `/_sim/`: never part of Cobot, used by tests to observe and steer the
//! simulator.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::page::escape;
use crate::seed::SeedClient;
use crate::state::TokenInfo;
use crate::{redirect_uri, Sim};

/// `GET /_sim/users/{user_id}/tokens`: every token of the user, without the secrets.
pub(crate) async fn user_tokens(
    State(sim): State<Sim>,
    Path(user_id): Path<String>,
) -> Result<Json<Vec<TokenInfo>>, ApiError> {
    sim.tokens_of(&user_id).map(Json).ok_or_else(ApiError::not_found)
}

/// `DELETE /_sim/users/{user_id}/tokens` → `{"revoked": n}`: revokes every live token of the user,
/// as signing out of Cobot elsewhere would.
pub(crate) async fn revoke_user_tokens(
    State(sim): State<Sim>,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut state = sim.lock();
    state.user(&user_id).ok_or_else(ApiError::not_found)?;
    let live: Vec<String> = state
        .tokens
        .iter()
        .filter(|(_, t)| t.user_id == user_id && t.revoked_at.is_none())
        .map(|(token, _)| token.clone())
        .collect();
    for token in &live {
        state.revoke(token);
    }
    tracing::info!(user = %user_id, revoked = live.len(), "revoked every token of the user");
    Ok(Json(json!({"revoked": live.len()})))
}

#[derive(Deserialize)]
pub(crate) struct RotateQuery {
    #[serde(default)]
    retire: bool,
}

/// `POST /_sim/keys/rotate[?retire=true]` → `{"kid": new}`.
pub(crate) async fn rotate_keys(State(sim): State<Sim>, Query(q): Query<RotateQuery>) -> Result<Json<Value>, ApiError> {
    let kid = tokio::task::spawn_blocking(move || sim.rotate_keys(q.retire))
        .await
        .map_err(|e| {
            ApiError::message(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("key generation panicked: {e}"),
            )
        })?
        .map_err(|e| ApiError::message(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    tracing::info!(%kid, retire = q.retire, "rotated signing key");
    Ok(Json(json!({"kid": kid})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewClient {
    client_id: String,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
}

/// `POST /_sim/clients` `{client_id, redirect_uris, scopes, name?, client_secret?}` → 201; 409 if
/// the id is taken; 400 for an unusable redirect URI.
pub(crate) async fn register_client(
    State(sim): State<Sim>,
    Json(new): Json<NewClient>,
) -> Result<impl IntoResponse, ApiError> {
    if new.client_id.trim().is_empty() {
        return Err(ApiError::message(
            StatusCode::BAD_REQUEST,
            "client_id must not be empty",
        ));
    }
    redirect_uri::validate_registered(&new.redirect_uris).map_err(|e| ApiError::message(StatusCode::BAD_REQUEST, e))?;
    let mut state = sim.lock();
    if state.clients.contains_key(&new.client_id) {
        return Err(ApiError::message(
            StatusCode::CONFLICT,
            format!("client `{}` already exists", new.client_id),
        ));
    }
    let client = SeedClient {
        name: new.name.unwrap_or_else(|| new.client_id.clone()),
        client_id: new.client_id,
        secret: new.client_secret,
        redirect_uris: new.redirect_uris,
        scopes: new.scopes,
    };
    let body = json!({
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "scopes": client.scopes,
        "public": client.secret.is_none(),
    });
    tracing::info!(client = %client.client_id, "registered client");
    state.clients.insert(client.client_id.clone(), client);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigPatch {
    code_ttl_secs: Option<u64>,
    require_pkce: Option<bool>,
    auto_login_hint: Option<bool>,
}

/// `GET /_sim/config`: the current switches.
pub(crate) async fn config(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(sim.lock().settings))
}

/// `POST /_sim/config` `{code_ttl_secs?, require_pkce?, auto_login_hint?}` → the new switches.
pub(crate) async fn update_config(State(sim): State<Sim>, Json(patch): Json<ConfigPatch>) -> Json<Value> {
    let mut state = sim.lock();
    if let Some(secs) = patch.code_ttl_secs {
        state.settings.code_ttl = Duration::from_secs(secs);
    }
    if let Some(on) = patch.require_pkce {
        state.settings.require_pkce = on;
    }
    if let Some(on) = patch.auto_login_hint {
        state.settings.auto_login_hint = on;
    }
    tracing::info!(settings = ?state.settings, "config changed");
    Json(json!(state.settings))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Advance {
    secs: u64,
}

/// `POST /_sim/clock/advance` `{"secs": n}` → `{"now": unix seconds}`: moves simulated time.
pub(crate) async fn advance_clock(State(sim): State<Sim>, Json(by): Json<Advance>) -> Json<Value> {
    sim.advance_clock(Duration::from_secs(by.secs));
    Json(json!({"now": sim.now().as_second()}))
}

/// `GET /_sim/pictures/{membership_id}`: a placeholder avatar (SVG initials) for memberships
/// seeded without a picture, so the `picture` claim points at something real.
pub(crate) async fn picture(State(sim): State<Sim>, Path(id): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let state = sim.lock();
    let membership = state
        .seed
        .memberships
        .iter()
        .find(|m| m.id == id)
        .ok_or_else(ApiError::not_found)?;
    let initials: String = membership
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128"><rect width="128" height="128" fill="#2a6f97"/><text x="64" y="78" font-family="sans-serif" font-size="48" fill="#fff" text-anchor="middle">{}</text></svg>"##,
        escape(&initials)
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg))
}
