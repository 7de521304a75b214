//! Bearer-protected endpoints on `www`: OIDC userinfo and API 1 (`/api/user`,
//! `/api/access_tokens`, `/api/spaces`); the authentication helpers every API handler uses; and
//! the rate limiter that guards every API route (API 1 and API 2).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::conn::Peer;
use crate::discovery::space_site;
use crate::error::ApiError;
use crate::limit::Decision;
use crate::membership::current_of_user;
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
pub(crate) fn authenticate(state: &state::State, call: &Call) -> Result<TokenRecord, ApiError> {
    call.live(state).cloned().ok_or_else(ApiError::unauthorized)
}

/// The live token of the request with one of `scopes` (the first is named as the one required),
/// or 401/403.
pub(crate) fn authorize(state: &state::State, call: &Call, scopes: &[&str]) -> Result<TokenRecord, ApiError> {
    let record = authenticate(state, call)?;
    if scopes.iter().any(|s| record.has_scope(s)) {
        Ok(record)
    } else {
        Err(ApiError::insufficient_scope(scopes[0]))
    }
}

/// The live token of the request, which must be `token` itself: 401 without a live one, 403 with
/// another (the `/api/access_tokens/{token}` calls).
fn that_very_token(state: &state::State, call: &Call, token: &str) -> Result<TokenRecord, ApiError> {
    let record = authenticate(state, call)?;
    if call.presented() != Some(token) {
        return Err(ApiError::forbidden());
    }
    Ok(record)
}

/// The client address of a request: from [`Peer`] (as [`crate::spawn`] serves) or a plain
/// `SocketAddr` connect info (as a caller of [`crate::app`] may serve).
pub(crate) fn peer_ip(request: &Request) -> Option<std::net::IpAddr> {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<Peer>>() {
        return Some(peer.addr.ip());
    }
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

/// Rate limiting for API 1 and API 2 (cobot-api.md §7): per user of a live token, else per client
/// IP. API 2 answers 429 with a JSON:API error document, API 1 with `{"error":…}`.
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
            None => match peer_ip(&request) {
                Some(ip) => format!("ip:{ip}"),
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
        // `route` is the full pattern; the URI inside a nested router has lost its prefix.
        Decision::Limited { retry_after_secs } if route.starts_with("/api2/") => {
            crate::api2::Api2Error::rate_limited(retry_after_secs).into_response()
        }
        Decision::Limited { retry_after_secs } => ApiError::rate_limited(retry_after_secs).into_response(),
    }
}

/// Standard OIDC userinfo: `sub`; `email` with scope `email`; `name` with scope `profile` (from a
/// space: the membership's `name`, `picture`, `phone_number`).
fn userinfo(state: &state::State, site: &Site, record: &TokenRecord) -> Value {
    let mut claims = Map::new();
    claims.insert(
        "sub".into(),
        state.settings.variants.subjects.of(&record.user_id).into(),
    );
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
pub(crate) async fn www_userinfo(call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let record = authenticate(&state, &call)?;
    Ok(Json(userinfo(&state, &Site::Www, &record)))
}

/// `GET /sub/{subdomain}/api/userinfo`.
pub(crate) async fn space_userinfo(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let site = space_site(&state, &subdomain)?;
    let record = authenticate(&state, &call)?;
    Ok(Json(userinfo(&state, &site, &record)))
}

/// `GET /api/user` (API 1, scope `read_user`): the account with its memberships and admin roles
/// (cobot-api.md §2). Ended memberships (past `canceled_to`) are left out and pending ones listed
/// ([U] which Cobot lists): the list answers "where is this person a member".
pub(crate) async fn user(call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let record = authorize(&state, &call, &["read_user"])?;
    let user = state.user(&record.user_id).ok_or_else(ApiError::unauthorized)?;
    let base = &state.issuer;
    let space_name = |sub: &str| state.space(sub).map(|s| s.name.clone()).unwrap_or_default();
    let memberships: Vec<Value> = current_of_user(&state, &user.id)
        .map(|m| {
            let sub = &m.space_subdomain;
            json!({
                "id": m.id,
                "space_subdomain": sub,
                "space_name": space_name(sub),
                "space_link": format!("{base}/api/spaces/{sub}"),
                "link": crate::membership::api1_url(&state, m),
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

/// `GET /api/access_tokens/{token}`: `{"scope":[…]}`. Cobot documents "Authentication required:
/// yes"; as with DELETE, the bearer must be that very token (401 without a live one, 403 with
/// another, even another of the same user) — [U] whether Cobot also answers for another token of
/// the same user. The strict reading keeps the call from telling anyone whether a token is live.
pub(crate) async fn token_scope(Path(token): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let record = that_very_token(&state, &call, &token)?;
    Ok(Json(json!({"scope": record.scopes})))
}

/// `DELETE /api/access_tokens/{token}`: revokes the token; the caller must present that very
/// token as bearer (401 without a live one, 403 with another). 204, empty body.
pub(crate) async fn revoke_token(Path(token): Path<String>, call: Call) -> Result<StatusCode, ApiError> {
    let mut state = call.sim.lock();
    that_very_token(&state, &call, &token)?;
    state.revoke(&token);
    tracing::info!(token = prefix(&token), "revoked access token");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/access_tokens/{token}/space` `{"space_id":…}` (cobot-api.md §1): a space-owned copy
/// of `token` (same scopes and client) for a space its user administers; 201
/// `{"scope":[…],"token":…,"client_id":…}`. As with DELETE, the bearer must be that very token
/// (401 without a live one, 403 with another) — [U] whether Cobot allows another token of the
/// same user. 422 without `space_id`, 404 for an unknown space, 403 for a non-admin. The new
/// token's requests count against (and are logged for) the creating admin's user id; [U] what
/// Cobot reports as its user once the admin leaves (it "moves to the space owner").
pub(crate) async fn space_token(
    Path(token): Path<String>,
    call: Call,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut state = call.sim.lock();
    let record = that_very_token(&state, &call, &token)?;
    let space_id =
        body_param(&headers, &body, "space_id").ok_or_else(|| ApiError::invalid("space_id", "can't be blank"))?;
    let space = state
        .space_by_id(&space_id)
        .ok_or_else(ApiError::not_found)?
        .subdomain
        .clone();
    if !state.is_admin(&record, &space) {
        return Err(ApiError::not_admin());
    }
    let issued = TokenRecord {
        issued_at: state.now(),
        revoked_at: None,
        space: Some(space.clone()),
        ..record
    };
    let (scopes, client_id) = (issued.scopes.clone(), issued.client_id.clone());
    let new_token = state.issue_token(issued);
    tracing::info!(space = %space, token = prefix(&new_token), "issued space-owned access token");
    Ok((
        StatusCode::CREATED,
        Json(json!({"scope": scopes, "token": new_token, "client_id": client_id})),
    ))
}

/// One parameter of an API 1 request body: JSON (`application/json`) or form-encoded, as API 1
/// accepts both (cobot-api.md §7).
pub(crate) fn body_param(headers: &HeaderMap, body: &[u8], name: &str) -> Option<String> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        return Params::parse(body).get(name).map(str::to_string);
    }
    let json: Value = serde_json::from_slice(body).ok()?;
    match &json[name] {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// `GET /api/spaces/{subdomain}` (API 1, no auth): cobot-api.md §9.
pub(crate) async fn space(State(sim): State<Sim>, Path(subdomain): Path<String>) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let space = state.space(&subdomain).ok_or_else(ApiError::not_found)?;
    Ok(Json(json!({
        "id": space.id,
        "name": space.name,
        "subdomain": space.subdomain,
        "url": match state.settings.variants.space_url {
            crate::SpaceUrl::OwnDomain => state.space_base(&space.subdomain),
            crate::SpaceUrl::CobotHost => format!("{}/sub/{}", state.issuer, space.subdomain),
        },
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
