//! API 1 on a space's host (`{base}/sub/{subdomain}/api/…`): plans, memberships and custom
//! fields (cobot-api.md §3–§5). Plain JSON, API 1 dates.
//!
//! Every handler checks, in order: the space exists (404 `{"error":"not found"}`), a live token
//! (401), the scope (403 `{"error":"insufficient scope","required":…}`), admin rights where
//! needed (403 `{"error":"You must be an admin of this space."}`), then the addressed record
//! (404).

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use crate::api::{authenticate, authorize};
use crate::call::Call;
use crate::error::ApiError;
use crate::membership::{api1_json, catalogue_json, custom_fields_json, has_ended};
use crate::params::Params;
use crate::seed::{SeedCustomField, SeedMembership};
use crate::state::{self, random_hex, TokenRecord};
use crate::webhooks::Event;

/// Checks a request on space `subdomain` (see the module docs): the space (404), a live token
/// (401) with one of `scopes` (403). Returns the token.
pub(crate) fn space_call(
    state: &state::State,
    subdomain: &str,
    call: &Call,
    scopes: &[&str],
) -> Result<TokenRecord, ApiError> {
    state.space(subdomain).ok_or_else(ApiError::not_found)?;
    authorize(state, call, scopes)
}

/// Checks an admin-only space request (see the module docs) and returns its token.
pub(crate) fn admin_call(
    state: &state::State,
    subdomain: &str,
    call: &Call,
    scopes: &[&str],
) -> Result<TokenRecord, ApiError> {
    let record = space_call(state, subdomain, call, scopes)?;
    if !state.is_admin(&record, subdomain) {
        return Err(ApiError::not_admin());
    }
    Ok(record)
}

/// Checks an API 1 request on one membership: space (404), token (401), scope (403), membership
/// (404), owner or admin (403 with `refusal`). Returns the membership.
pub(crate) fn membership_call<'s>(
    state: &'s state::State,
    subdomain: &str,
    id: &str,
    call: &Call,
    scopes: &[&str],
    refusal: &str,
) -> Result<&'s SeedMembership, ApiError> {
    let record = space_call(state, subdomain, call, scopes)?;
    let m = state.membership_in(subdomain, id).ok_or_else(ApiError::not_found)?;
    if !state.owns_or_administers(&record, m) {
        return Err(ApiError::message(StatusCode::FORBIDDEN, refusal));
    }
    Ok(m)
}

/// `GET /api/plans`: no authentication needed; hidden plans and `welcome_message` only for a token
/// with scope `read_plans` (cobot-api.md §4). A presented token that is not live is refused (401)
/// rather than silently treated as anonymous.
pub(crate) async fn plans(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    state.space(&subdomain).ok_or_else(ApiError::not_found)?;
    let private = match call.presented() {
        Some(_) => authenticate(&state, &call)?.has_scope("read_plans"),
        None => false,
    };
    let plans: Vec<Value> = state
        .seed
        .plans
        .iter()
        .filter(|p| p.space_subdomain == subdomain && (private || !p.hidden))
        .map(|p| catalogue_json(p, private))
        .collect();
    Ok(Json(Value::Array(plans)))
}

/// Comma-separated values of a query parameter (API 1 array convention), empty ones dropped.
fn list_param<'a>(params: &'a Params, name: &str) -> Option<Vec<&'a str>> {
    params
        .get(name)
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
}

/// `GET /api/memberships` (admin, `read_memberships`, 6 requests/min): the space's current
/// memberships as a plain JSON array (cobot-api.md §3).
///
/// "Current" means not ended: `canceled_to` is not before today in the space's time zone.
/// Pending (unconfirmed) and not-yet-started memberships are listed ([U] in Cobot's docs; listed
/// because an admin's member list shows them). `all=true` adds ended ones; `ids=a,b` restricts to
/// those ids; `attributes=id,name` keeps only those top-level fields (both seen in client code).
/// Unpaginated ([U]): the whole list in one response, however large.
pub(crate) async fn memberships(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    admin_call(&state, &subdomain, &call, &["read_memberships"])?;
    let params = &call.params;
    let all = params.get("all") == Some("true");
    let ids: Option<HashSet<&str>> = list_param(params, "ids").map(|ids| ids.into_iter().collect());
    let attributes = list_param(params, "attributes");
    let space = state.space(&subdomain).ok_or_else(ApiError::not_found)?;
    let today = state.today(space);
    let list: Vec<Value> = state
        .memberships_of(&subdomain)
        .filter(|m| all || !has_ended(m, today))
        .filter(|m| ids.as_ref().is_none_or(|ids| ids.contains(m.id.as_str())))
        .map(|m| {
            let full = api1_json(&state, space, m, today);
            match &attributes {
                None => full,
                Some(keep) => {
                    let Value::Object(map) = full else { return full };
                    Value::Object(
                        map.into_iter()
                            .filter(|(k, _)| keep.contains(&k.as_str()))
                            .collect::<Map<_, _>>(),
                    )
                }
            }
        })
        .collect();
    Ok(Json(Value::Array(list)))
}

/// `GET /api/memberships/{id}`: one membership, same object as a list element. An admin of the
/// space, or the member whose user owns it, with scope `read_memberships` or `read` (cobot-api.md
/// §3: [U] which scope; both are accepted). Ended memberships stay readable; another member's is
/// 403.
pub(crate) async fn membership(
    Path((subdomain, id)): Path<(String, String)>,
    call: Call,
) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let refusal = "You may only read your own membership.";
    let m = membership_call(&state, &subdomain, &id, &call, &["read_memberships", "read"], refusal)?;
    let space = state.space(&subdomain).ok_or_else(ApiError::not_found)?;
    Ok(Json(api1_json(&state, space, m, state.today(space))))
}

/// `GET /api/custom_fields` (admin, `read_custom_fields`): every current membership's values,
/// unpaginated ([U]).
pub(crate) async fn all_custom_fields(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    admin_call(&state, &subdomain, &call, &["read_custom_fields"])?;
    let space = state.space(&subdomain).ok_or_else(ApiError::not_found)?;
    let today = state.today(space);
    let list: Vec<Value> = state
        .memberships_of(&subdomain)
        .filter(|m| !has_ended(m, today))
        .map(|m| custom_fields_json(&state, m))
        .collect();
    Ok(Json(Value::Array(list)))
}

/// `GET /api/memberships/{id}/custom_fields` (admin, `read_custom_fields`).
pub(crate) async fn membership_custom_fields(
    Path((subdomain, id)): Path<(String, String)>,
    call: Call,
) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    admin_call(&state, &subdomain, &call, &["read_custom_fields"])?;
    let m = state.membership_in(&subdomain, &id).ok_or_else(ApiError::not_found)?;
    Ok(Json(custom_fields_json(&state, m)))
}

/// `PUT /api/memberships/{id}/custom_fields` (admin, `write_custom_fields`) with
/// `{"fields":[{"label":…,"value":…}]}`: sets the listed fields and leaves the others alone;
/// answers like GET. Path, body and matching are [U] in Cobot's docs (cobot-api.md §5): the
/// simulator matches an entry by `id` when it has one, else by `label`; a `null` value unsets
/// the field; an unknown field is 422 `{"errors":{"fields":…}}`. Fires `updated_custom_field`
/// when a value actually changed.
pub(crate) async fn put_membership_custom_fields(
    Path((subdomain, id)): Path<(String, String)>,
    call: Call,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let (response, notes) = {
        let mut state = call.sim.lock();
        admin_call(&state, &subdomain, &call, &["write_custom_fields"])?;
        state.membership_in(&subdomain, &id).ok_or_else(ApiError::not_found)?;
        let invalid = || ApiError::invalid("fields", "must be a list of {\"label\", \"value\"}");
        let body: Value = serde_json::from_slice(&body).map_err(|_| invalid())?;
        let entries = body["fields"].as_array().ok_or_else(invalid)?;
        let definitions: Vec<SeedCustomField> = state.custom_fields_of(&subdomain).cloned().collect();
        let mut changes = Vec::new();
        for entry in entries {
            let field = match (entry["id"].as_str(), entry["label"].as_str()) {
                (Some(fid), _) => definitions.iter().find(|f| f.id == fid),
                (None, Some(label)) => definitions.iter().find(|f| f.label == label),
                (None, None) => return Err(invalid()),
            };
            let Some(field) = field else {
                let name = entry["label"].as_str().or(entry["id"].as_str()).unwrap_or_default();
                return Err(ApiError::invalid("fields", &format!("unknown custom field `{name}`")));
            };
            let value = match &entry["value"] {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                _ => return Err(ApiError::invalid("fields", "values must be strings or null")),
            };
            changes.push((field.id.clone(), value));
        }
        let changed = state.set_custom_values(&subdomain, &id, changes);
        let notes = if changed {
            state.membership_notifications(&subdomain, &id, &[Event::UpdatedCustomField])
        } else {
            Vec::new()
        };
        let m = state.membership_in(&subdomain, &id).ok_or_else(ApiError::not_found)?;
        (custom_fields_json(&state, m), notes)
    };
    call.sim.deliver(notes);
    Ok(Json(response))
}

/// `GET /api/space/custom_fields` (admin, `read_custom_fields`): the definitions,
/// `[{"id","label"}]`.
pub(crate) async fn space_custom_fields(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    admin_call(&state, &subdomain, &call, &["read_custom_fields"])?;
    Ok(Json(definitions_json(&state, &subdomain)))
}

fn definitions_json(state: &state::State, subdomain: &str) -> Value {
    Value::Array(
        state
            .custom_fields_of(subdomain)
            .map(|f| json!({"id": f.id, "label": f.label}))
            .collect(),
    )
}

/// `PUT /api/space/custom_fields` (admin, `write_custom_fields`) with the **complete** list
/// `[{"id":…,"label":…},{"label":…}]`: existing fields keep their id (and may be relabelled), new
/// ones get one, and omitted ones are deleted from the space and every member (cobot-api.md §5).
/// Returns the new list. An unknown id or an empty label is 422.
pub(crate) async fn put_space_custom_fields(
    Path(subdomain): Path<String>,
    call: Call,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut state = call.sim.lock();
    admin_call(&state, &subdomain, &call, &["write_custom_fields"])?;
    let invalid = || ApiError::invalid("custom_fields", "must be a list of {\"id\", \"label\"}");
    let body: Value = serde_json::from_slice(&body).map_err(|_| invalid())?;
    let entries = body.as_array().ok_or_else(invalid)?;
    let existing: HashSet<String> = state.custom_fields_of(&subdomain).map(|f| f.id.clone()).collect();
    let mut definitions = Vec::new();
    for entry in entries {
        let label = entry["label"]
            .as_str()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .ok_or_else(|| ApiError::invalid("label", "can't be blank"))?;
        let id = match entry["id"].as_str() {
            Some(id) if existing.contains(id) => id.to_string(),
            Some(_) => return Err(ApiError::invalid("id", "is unknown")),
            None => format!("cf-{}", random_hex(8)),
        };
        definitions.push(SeedCustomField {
            id,
            space_subdomain: subdomain.clone(),
            label: label.to_string(),
        });
    }
    state.replace_custom_field_definitions(&subdomain, definitions);
    Ok(Json(definitions_json(&state, &subdomain)))
}
