//! Bearer-protected endpoints: OIDC userinfo and API 1 (`/api/user`, `/api/access_tokens`,
//! `/api/spaces`), plus the rate limiter that guards every `/api/*` route.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::discovery::space_site;
use crate::error::ApiError;
use crate::limit::Decision;
use crate::params::Params;
use crate::state::{self, Site, TokenRecord};
use crate::token::space_profile;
use crate::{prefix, Sim};

/// The access token of a request: `Authorization: Bearer …` or, as API 1 also accepts,
/// `?access_token=…`.
pub(crate) fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string())
        });
    from_header.or_else(|| {
        Params::parse(query.unwrap_or_default().as_bytes())
            .get("access_token")
            .map(str::to_string)
    })
}

/// The live token of the request, or 401.
fn authenticate(
    state: &state::State,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<(String, TokenRecord), ApiError> {
    let token = presented_token(headers, query).ok_or_else(ApiError::unauthorized)?;
    let record = state.live_token(&token).cloned().ok_or_else(ApiError::unauthorized)?;
    Ok((token, record))
}

/// Rate limiting for `/api/*` (cobot-api.md §7): per user of a live token, else per client IP.
pub(crate) async fn rate_limit(State(sim): State<Sim>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let decision = {
        let mut state = sim.lock();
        let user = presented_token(request.headers(), request.uri().query())
            .and_then(|token| state.live_token(&token).map(|t| t.user_id.clone()));
        let subject = match user {
            Some(user_id) => format!("user:{user_id}"),
            None => match request.extensions().get::<ConnectInfo<SocketAddr>>() {
                Some(ConnectInfo(addr)) => format!("ip:{}", addr.ip()),
                None => "ip:unknown".to_string(),
            },
        };
        let now = state.now();
        let decision = state.limiter.check(&subject, request.method(), &route, now);
        if let Decision::Limited { retry_after_secs } = decision {
            tracing::info!(%subject, %route, retry_after_secs, "rate limited");
        }
        decision
    };
    match decision {
        Decision::Allowed => next.run(request).await,
        Decision::Limited { retry_after_secs } => ApiError::rate_limited(retry_after_secs).into_response(),
    }
}

/// Standard OIDC userinfo: `sub`; `email` with scope `email`; `name` with scope `profile` (from a
/// space: the membership's `name`, `picture`, `phone_number`).
fn userinfo(state: &state::State, site: &Site, record: &TokenRecord) -> Value {
    let mut claims = Map::new();
    claims.insert("sub".into(), record.user_id.clone().into());
    if let Some(user) = state.user(&record.user_id) {
        if record.has_scope("email") {
            claims.insert("email".into(), user.email.clone().into());
        }
        if record.has_scope("profile") {
            match site {
                Site::Www => {
                    claims.insert("name".into(), user.name.clone().into());
                }
                Site::Space(sub) => claims.extend(space_profile(state, sub, &user.id)),
            }
        }
    }
    Value::Object(claims)
}

/// `GET /api/userinfo`.
pub(crate) async fn www_userinfo(
    State(sim): State<Sim>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let (_, record) = authenticate(&state, &headers, uri.query())?;
    Ok(Json(userinfo(&state, &Site::Www, &record)))
}

/// `GET /sub/{subdomain}/api/userinfo`.
pub(crate) async fn space_userinfo(
    State(sim): State<Sim>,
    Path(subdomain): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let site = space_site(&state, &subdomain)?;
    let (_, record) = authenticate(&state, &headers, uri.query())?;
    Ok(Json(userinfo(&state, &site, &record)))
}

/// `GET /api/user` (API 1, scope `read_user`): the account with its memberships and admin roles
/// (cobot-api.md §2).
pub(crate) async fn user(
    State(sim): State<Sim>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let (_, record) = authenticate(&state, &headers, uri.query())?;
    if !record.has_scope("read_user") {
        return Err(ApiError::insufficient_scope("read_user"));
    }
    let user = state.user(&record.user_id).ok_or_else(ApiError::unauthorized)?;
    let base = &state.issuer;
    let space_name = |sub: &str| state.space(sub).map(|s| s.name.clone()).unwrap_or_default();
    let memberships: Vec<Value> = state
        .seed
        .memberships
        .iter()
        .filter(|m| m.user_id == user.id)
        .map(|m| {
            let sub = &m.space_subdomain;
            json!({
                "id": m.id,
                "space_subdomain": sub,
                "space_name": space_name(sub),
                "space_link": format!("{base}/api/spaces/{sub}"),
                "link": format!("{base}/sub/{sub}/api/memberships/{}", m.id),
            })
        })
        .collect();
    let admin_of: Vec<Value> = state
        .seed
        .admins
        .iter()
        .filter(|a| a.user_id == user.id)
        .map(|a| {
            let sub = &a.space_subdomain;
            json!({
                "space_subdomain": sub,
                "space_name": space_name(sub),
                "space_link": format!("{base}/api/spaces/{sub}"),
                "name": a.name,
            })
        })
        .collect();
    Ok(Json(json!({
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "memberships": memberships,
        "admin_of": admin_of,
    })))
}

/// `GET /api/access_tokens/{token}`: `{"scope":[…]}` for a live token, else 404.
pub(crate) async fn token_scope(State(sim): State<Sim>, Path(token): Path<String>) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let record = state.live_token(&token).ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({"scope": record.scopes})))
}

/// `DELETE /api/access_tokens/{token}`: revokes the token; the caller must present that very
/// token as bearer (401 without a live one, 403 with another). 204, empty body.
pub(crate) async fn revoke_token(
    State(sim): State<Sim>,
    Path(token): Path<String>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<StatusCode, ApiError> {
    let mut state = sim.lock();
    let (presented, _) = authenticate(&state, &headers, uri.query())?;
    if presented != token {
        return Err(ApiError::forbidden());
    }
    state.revoke(&token);
    tracing::info!(token = prefix(&token), "revoked access token");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/spaces/{subdomain}` (API 1, no auth): cobot-api.md §9.
pub(crate) async fn space(State(sim): State<Sim>, Path(subdomain): Path<String>) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let space = state.space(&subdomain).ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({
        "id": space.id,
        "name": space.name,
        "subdomain": space.subdomain,
        "url": format!("{}/sub/{}", state.issuer, space.subdomain),
        "email": space.email,
        "description": space.description,
        "owner_id": space.owner_id,
        "created_at": space.created_at,
        "country": space.country,
        "locale": space.locale,
        "in_eu": space.in_eu,
        "time_zone_name": space.time_zone,
        "time_zone_offset": time_zone_offset_hours(&space.time_zone, state.now()),
        "hour_format": space.hour_format,
        "tax_rate": space.tax_rate,
        "price_display": space.price_display,
        "price_decimals": space.price_decimals,
    })))
}

/// The zone's UTC offset now, in hours, as Cobot's sample shows it (`"time_zone_offset": 1` for
/// Europe/Berlin). Whether Cobot reports the current or the standard offset is [U]; this is the
/// current one. Whole hours are integers, others fractional.
fn time_zone_offset_hours(zone: &str, now: jiff::Timestamp) -> Value {
    let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
        return json!(0);
    };
    let secs = tz.to_offset(now).seconds();
    if secs % 3600 == 0 {
        json!(secs / 3600)
    } else {
        json!(f64::from(secs) / 3600.0)
    }
}
