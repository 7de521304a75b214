//! The control API under `/_sim/`: never part of Cobot, used by tests to observe and steer the
//! simulator. Data changes go through [`crate::changes`] and fire the webhooks Cobot would;
//! refusals are 404 (unknown thing), 422 (invalid change) or 409 (collision) with
//! `{"error": …}`.

use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::changes::{ChangeError, MembershipPatch, Upserted};
use crate::error::ApiError;
use crate::faults::Fault;
use crate::membership::{api1_json, catalogue_json};
use crate::page::escape;
use crate::seed::{SeedClient, SeedPlan, SeedUser};
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
    /// Default: every scope the simulator knows.
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, alias = "secret")]
    client_secret: Option<String>,
    /// `true`: a public client (no secret). `false` without a secret: one is generated.
    #[serde(default)]
    public: Option<bool>,
}

/// `POST /_sim/clients` `{client_id, redirect_uris, scopes?, name?, client_secret? (or secret),
/// public?}` → 201 `{client_id, name, redirect_uris, scopes, public, client_secret?}`. Without
/// `scopes` the client may request every scope the simulator knows. A client with a secret is
/// confidential; `"public": false` without one gets a generated secret (returned). 409 if the id
/// is taken; 400 for an unusable redirect URI, an empty secret, or `"public": true` with a secret.
pub(crate) async fn register_client(
    State(sim): State<Sim>,
    Json(new): Json<NewClient>,
) -> Result<impl IntoResponse, ApiError> {
    let bad = |message: &str| ApiError::message(StatusCode::BAD_REQUEST, message);
    if new.client_id.trim().is_empty() {
        return Err(bad("client_id must not be empty"));
    }
    redirect_uri::validate_registered(&new.redirect_uris).map_err(|e| bad(&e.to_string()))?;
    let secret = match (new.public, new.client_secret) {
        (_, Some(secret)) if secret.is_empty() => return Err(bad("the secret must not be empty")),
        (Some(true), Some(_)) => return Err(bad("a public client has no secret")),
        (Some(false), None) => Some(crate::state::random_hex(32)),
        (_, secret) => secret,
    };
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
        secret,
        redirect_uris: new.redirect_uris,
        scopes: new.scopes.unwrap_or_else(|| state.known_scopes()),
    };
    let mut body = json!({
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": client.redirect_uris,
        "scopes": client.scopes,
        "public": client.secret.is_none(),
    });
    if let Some(secret) = &client.secret {
        body["client_secret"] = json!(secret);
    }
    tracing::info!(client = %client.client_id, public = client.secret.is_none(), "registered client");
    state.clients.insert(client.client_id.clone(), client);
    Ok((StatusCode::CREATED, Json(body)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConfigPatch {
    code_ttl_secs: Option<u64>,
    require_pkce: Option<bool>,
    auto_login_hint: Option<bool>,
    webhook_retry_base_ms: Option<u64>,
    repeat_check_in: Option<crate::check_ins::RepeatCheckIn>,
    webhook_encoding: Option<crate::WebhookEncoding>,
    custom_field_webhook_url: Option<crate::CustomFieldUrl>,
    plan_copy_names: Option<crate::PlanCopyNames>,
    parent_plan_ids: Option<crate::ParentPlanIds>,
    check_in_window: Option<crate::CheckInWindow>,
    subjects: Option<crate::Subjects>,
    id_token_nonce: Option<crate::IdTokenNonce>,
    space_url: Option<crate::SpaceUrl>,
    check_in_scope: Option<crate::check_ins::CheckInScope>,
    check_in_refusal: Option<crate::check_ins::RefusalBody>,
}

/// `GET /_sim/config`: the current switches.
pub(crate) async fn config(State(sim): State<Sim>) -> Json<Value> {
    Json(json!(sim.lock().settings))
}

/// `POST /_sim/config` `{code_ttl_secs?, require_pkce?, auto_login_hint?, webhook_retry_base_ms?,
/// repeat_check_in?, check_in_scope?, check_in_refusal?}` → the new switches. `repeat_check_in` is
/// `"new"` (default) or `"reject"`; `check_in_scope` `"either"` (default), `"checkin"` or
/// `"write"`; `check_in_refusal` `"errors_base"` (default) or `"base"`.
/// Also `webhook_encoding` (`"json"`, `"form"`), `custom_field_webhook_url` (`"membership"`,
/// `"custom_fields"`), `plan_copy_names` (`"frozen"`, `"follow"`) and `parent_plan_ids`
/// (`"catalogue"`, `"unrelated"`): see [`crate::Variants`].
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
    if let Some(ms) = patch.webhook_retry_base_ms {
        state.settings.webhook_retry_base = Duration::from_millis(ms);
    }
    if let Some(mode) = patch.repeat_check_in {
        state.settings.repeat_check_in = mode;
    }
    let variants = &mut state.settings.variants;
    variants.webhook_encoding = patch.webhook_encoding.unwrap_or(variants.webhook_encoding);
    variants.custom_field_webhook_url = patch
        .custom_field_webhook_url
        .unwrap_or(variants.custom_field_webhook_url);
    variants.plan_copy_names = patch.plan_copy_names.unwrap_or(variants.plan_copy_names);
    variants.parent_plan_ids = patch.parent_plan_ids.unwrap_or(variants.parent_plan_ids);
    variants.check_in_window = patch.check_in_window.unwrap_or(variants.check_in_window);
    variants.subjects = patch.subjects.unwrap_or(variants.subjects);
    variants.id_token_nonce = patch.id_token_nonce.unwrap_or(variants.id_token_nonce);
    variants.space_url = patch.space_url.unwrap_or(variants.space_url);
    if let Some(scope) = patch.check_in_scope {
        state.settings.check_in_scope = scope;
    }
    if let Some(body) = patch.check_in_refusal {
        state.settings.check_in_refusal = body;
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

fn refused(e: ChangeError) -> ApiError {
    let status = match e {
        ChangeError::NotFound(_) => StatusCode::NOT_FOUND,
        ChangeError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ChangeError::Conflict(_) => StatusCode::CONFLICT,
    };
    ApiError::message(status, e.to_string())
}

fn created_or_ok(upserted: Upserted) -> StatusCode {
    match upserted {
        Upserted::Created => StatusCode::CREATED,
        Upserted::Updated => StatusCode::OK,
    }
}

/// The membership as API 1 shows it now.
fn membership_json(sim: &Sim, subdomain: &str, id: &str) -> Result<Json<Value>, ApiError> {
    let state = sim.lock();
    let space = state.space(subdomain).ok_or_else(ApiError::not_found)?;
    let m = state.membership_in(subdomain, id).ok_or_else(ApiError::not_found)?;
    Ok(Json(api1_json(&state, space, m, state.today(space))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserBody {
    email: String,
    name: String,
    #[serde(default)]
    phone: Option<String>,
}

/// `PUT /_sim/users/{id}` `{email, name, phone?}` → 201 (new) or 200: a user account, e.g. to
/// connect to a new membership.
pub(crate) async fn put_user(
    State(sim): State<Sim>,
    Path(id): Path<String>,
    Json(body): Json<UserBody>,
) -> Result<impl IntoResponse, ApiError> {
    let user = SeedUser {
        id,
        email: body.email,
        name: body.name,
        phone: body.phone,
    };
    let response = json!({"id": user.id, "email": user.email, "name": user.name, "phone": user.phone});
    let upserted = sim.upsert_user(user).map_err(refused)?;
    Ok((created_or_ok(upserted), Json(response)))
}

/// `PUT /_sim/spaces/{sub}/memberships/{id}` with a [`MembershipPatch`] → 201 (created) or 200
/// with the membership as API 1 shows it.
pub(crate) async fn put_membership(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
    Json(patch): Json<MembershipPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let upserted = sim.upsert_membership(&subdomain, &id, patch).map_err(refused)?;
    Ok((created_or_ok(upserted), membership_json(&sim, &subdomain, &id)?))
}

/// `DELETE /_sim/spaces/{sub}/memberships/{id}` → 204 (fires `deleted_membership`).
pub(crate) async fn delete_membership(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    sim.delete_membership(&subdomain, &id).map_err(refused)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlanChange {
    plan_id: String,
    #[serde(default)]
    from: Option<jiff::civil::Date>,
}

/// `POST /_sim/spaces/{sub}/memberships/{id}/plan` `{"plan_id":…,"from":"YYYY-MM-DD"?}` → the
/// membership (fires `changed_membership_plan`).
pub(crate) async fn change_plan(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
    Json(change): Json<PlanChange>,
) -> Result<Json<Value>, ApiError> {
    sim.change_plan(&subdomain, &id, &change.plan_id, change.from)
        .map_err(refused)?;
    membership_json(&sim, &subdomain, &id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Cancellation {
    canceled_to: Option<jiff::civil::Date>,
}

/// `POST /_sim/spaces/{sub}/memberships/{id}/cancel` `{"canceled_to":"YYYY-MM-DD"}` → the
/// membership (fires `canceled_membership`); `null` (or no field) withdraws the cancellation
/// (`uncanceled_membership`).
pub(crate) async fn cancel(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
    Json(cancellation): Json<Cancellation>,
) -> Result<Json<Value>, ApiError> {
    sim.cancel_membership(&subdomain, &id, cancellation.canceled_to)
        .map_err(refused)?;
    membership_json(&sim, &subdomain, &id)
}

/// `POST /_sim/spaces/{sub}/memberships/{id}/confirm` → the membership (fires
/// `confirmed_membership`); 409 if already confirmed.
pub(crate) async fn confirm(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    sim.confirm_membership(&subdomain, &id).map_err(refused)?;
    membership_json(&sim, &subdomain, &id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldValue {
    value: Option<String>,
}

/// `PUT /_sim/spaces/{sub}/memberships/{id}/custom_fields/{label}` `{"value":…|null}` → the
/// membership's custom fields (fires `updated_custom_field` if the value changed).
pub(crate) async fn put_custom_field(
    State(sim): State<Sim>,
    Path((subdomain, id, label)): Path<(String, String, String)>,
    Json(body): Json<FieldValue>,
) -> Result<Json<Value>, ApiError> {
    sim.set_custom_field(&subdomain, &id, &label, body.value)
        .map_err(refused)?;
    let state = sim.lock();
    let m = state.membership_in(&subdomain, &id).ok_or_else(ApiError::not_found)?;
    Ok(Json(crate::membership::custom_fields_json(&state, m)))
}

/// `PUT /_sim/spaces/{sub}/plans/{id}` with the fields of a plan (`name`, `price_per_cycle`,
/// optional `currency`, `cycle_duration`, `hidden`, `description`, `welcome_message`, …) → 201
/// or 200 with the plan as `GET /api/plans` shows it to `read_plans`.
pub(crate) async fn put_plan(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
    Json(mut body): Json<Value>,
) -> Result<impl IntoResponse, ApiError> {
    let Some(fields) = body.as_object_mut() else {
        return Err(ApiError::message(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the body must be a JSON object",
        ));
    };
    fields.insert("id".into(), json!(id));
    fields.insert("space_subdomain".into(), json!(subdomain));
    let plan: SeedPlan =
        serde_json::from_value(body).map_err(|e| ApiError::message(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let response = catalogue_json(&plan, true);
    let upserted = sim.upsert_plan(plan).map_err(refused)?;
    Ok((created_or_ok(upserted), Json(response)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewToken {
    user_id: String,
    client_id: String,
    scopes: Vec<String>,
}

/// `POST /_sim/tokens` `{"user_id","client_id","scopes":[…]}` → 201 `{"access_token":…}`: a token
/// as if the user had authorized the client for those scopes (each must be one the client may
/// request).
pub(crate) async fn issue_token(
    State(sim): State<Sim>,
    Json(new): Json<NewToken>,
) -> Result<impl IntoResponse, ApiError> {
    let token = sim
        .issue_token(&new.user_id, &new.client_id, &new.scopes)
        .map_err(refused)?;
    tracing::info!(user = %new.user_id, client = %new.client_id, token = crate::prefix(&token), "issued test token");
    Ok((StatusCode::CREATED, Json(json!({"access_token": token}))))
}

/// `POST /_sim/faults` with a [`Fault`] → 201 `{"pending": n}`; 422 if it cannot apply.
pub(crate) async fn add_fault(State(sim): State<Sim>, Json(fault): Json<Fault>) -> Result<impl IntoResponse, ApiError> {
    sim.add_fault(fault)
        .map_err(|e| ApiError::message(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    Ok((StatusCode::CREATED, Json(json!({"pending": sim.faults().len()}))))
}

/// `GET /_sim/faults`: faults not yet used up.
pub(crate) async fn faults(State(sim): State<Sim>) -> Json<Vec<Fault>> {
    Json(sim.faults())
}

/// `DELETE /_sim/faults` → 204.
pub(crate) async fn clear_faults(State(sim): State<Sim>) -> StatusCode {
    sim.clear_faults();
    StatusCode::NO_CONTENT
}

/// `GET /_sim/requests`: `[{"method","path","query","status","user_id"}]`, oldest first.
pub(crate) async fn requests(State(sim): State<Sim>) -> Json<Vec<crate::RequestRecord>> {
    Json(sim.requests())
}

/// `DELETE /_sim/requests` → 204.
pub(crate) async fn clear_requests(State(sim): State<Sim>) -> StatusCode {
    sim.clear_requests();
    StatusCode::NO_CONTENT
}

/// `GET /_sim/webhooks/deliveries`: every delivery attempt, oldest first.
pub(crate) async fn deliveries(State(sim): State<Sim>) -> Json<Vec<crate::Delivery>> {
    Json(sim.deliveries())
}

/// `GET /_sim/spaces/{sub}/check_ins`: every check-in the simulator holds for the space, oldest
/// first, checked out or not ([`crate::CheckIn`]); 404 for an unknown space.
pub(crate) async fn check_ins(
    State(sim): State<Sim>,
    Path(subdomain): Path<String>,
) -> Result<Json<Vec<crate::CheckIn>>, ApiError> {
    sim.lock().space(&subdomain).ok_or_else(ApiError::not_found)?;
    Ok(Json(sim.check_ins(&subdomain)))
}
