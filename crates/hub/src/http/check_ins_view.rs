//! The routes of the check-ins view, a retry and the check-in policy (the use case: [`crate::app::check_ins_view`]).
use crate::app::check_ins_view::*;

use crate::app::Error;
use crate::app::Hub;
use crate::http::{staff_only, Json, Path, Query};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::Router;
use frontdoor_core::console::{CheckInsView, StaffCheckIn};
use frontdoor_core::hub::Code;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The console's check-in routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/admin/check_ins", get(list))
        .route("/api/v1/admin/check_ins/{membership_id}/{day}/retry", post(retry))
        .route("/api/v1/admin/check_ins/policy", put(policy))
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    day: Option<String>,
    state: Option<String>,
}

/// `GET /api/v1/admin/check_ins`.
pub(crate) async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Json<CheckInsView>, Error> {
    staff_only(&hub, &headers, "see check-ins").await?;
    let today = hub.space_day(hub.clock.now());
    let mut fields = BTreeMap::new();
    let day = match q.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => today.clone(),
        Some(day) => check_day(day).unwrap_or_else(|words| {
            fields.insert("day".to_string(), words.to_string());
            String::new()
        }),
    };
    let state = q
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(s) = &state {
        if !STATES.contains(&s.as_str()) {
            fields.insert("state".to_string(), format!("Choose one of {}.", STATES.join(", ")));
        }
    }
    if !fields.is_empty() {
        return Err(Error::invalid(
            "Some filters of the check-ins view are not valid.",
            fields,
        ));
    }
    let shown = day.clone();
    let rows = hub
        .db(move |store| store.check_ins_of_day(&shown, state.as_deref()))
        .await?
        .map_err(Error::internal)?;
    let now = hub.clock.now();
    Ok(Json(CheckInsView {
        rows: rows.iter().map(|r| view(&hub, r, now)).collect(),
        day,
        today,
        policy: policy_name(hub.check_in_policy.get()).to_string(),
        no_pass: no_pass_name(hub.check_in_policy.no_pass()).to_string(),
    }))
}

/// `POST /api/v1/admin/check_ins/{membership_id}/{day}/retry`.
pub(crate) async fn retry(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((membership_id, day)): Path<(String, String)>,
) -> Result<Json<StaffCheckIn>, Error> {
    let session = staff_only(&hub, &headers, "retry check-ins").await?;
    let day = check_day(&day).map_err(|words| {
        Error::invalid(
            format!("The check-in was not retried: {words}"),
            BTreeMap::from([("day".to_string(), words.to_string())]),
        )
    })?;
    let name = hub
        .snapshot()
        .member(&membership_id)
        .and_then(|m| m.name.clone())
        .unwrap_or_else(|| membership_id.clone());
    let (id, d) = (membership_id.clone(), day.clone());
    let at = hub.clock.now();
    let zone = hub.rules().time_zone().clone();
    let what = format!("check-in of {name} ({membership_id}) on {day}: retried");
    let done = hub
        .db(move |store| {
            let trail = TrailRow::of(&session, at, what, Value::Null, serde_json::json!({"state": "pending"}));
            // The worker's clock: it compares due times with the wall clock.
            store.retry_check_in(&id, &d, at, &zone, crate::app::check_in::outbox_ms(), &trail)
        })
        .await?
        .map_err(Error::internal)?;
    let conflict = |words: String| Error::new(StatusCode::CONFLICT, Code::Conflict, words);
    match done {
        Retry::Due(row) => {
            hub.check_ins.wake();
            Ok(Json(view(&hub, &row, at)))
        }
        Retry::Unknown => Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::UnknownItem,
            format!("There is no check-in of {name} on {day} to retry."),
        )),
        Retry::DayEnded => Err(conflict(format!(
            "{day} has ended (Cobot's day ends at 04:00 the next morning), so {name} cannot be checked in for it \
             any more: Cobot checks in for the moment it is asked, which would be the wrong day."
        ))),
        Retry::CheckedIn => Err(conflict(format!(
            "{name} is already checked in on {day}; nothing to retry."
        ))),
        Retry::Opening => Err(conflict(format!(
            "{name}'s door is opening right now and the check-in follows by itself. Look again in a minute."
        ))),
    }
}

#[derive(Deserialize)]
pub(crate) struct PolicyBody {
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    no_pass: Option<String>,
}

/// `PUT /api/v1/admin/check_ins/policy` `{policy?, no_pass?}`: each change stored with its trail
/// row, then in force for the next opening. Nothing changes unless everything given is valid.
pub(crate) async fn policy(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(body): Json<PolicyBody>,
) -> Result<Json<PolicyNow>, Error> {
    let session = staff_only(&hub, &headers, "change the check-in policy").await?;
    let mut fields = BTreeMap::new();
    let policy = match body.policy.as_deref() {
        Some(text) => parse_policy(text).or_else(|| {
            fields.insert("policy".to_string(), POLICY_WORDS.to_string());
            None
        }),
        None => None,
    };
    let no_pass = match body.no_pass.as_deref() {
        Some(text) => parse_no_pass(text).or_else(|| {
            fields.insert("no_pass".to_string(), NO_PASS_WORDS.to_string());
            None
        }),
        None => None,
    };
    if body.policy.is_none() && body.no_pass.is_none() {
        fields.insert("policy".to_string(), POLICY_WORDS.to_string());
    }
    if !fields.is_empty() {
        let words: Vec<&str> = fields.values().map(String::as_str).collect();
        return Err(Error::invalid(
            format!("The check-in policy was not changed. {}", words.join(" ")),
            fields,
        ));
    }
    let at = hub.clock.now();
    let trail = |what: &str, before: &str, after: &str| {
        (
            what.to_string(),
            Value::String(before.to_string()),
            Value::String(after.to_string()),
        )
    };
    if let Some(policy) = policy.filter(|p| *p != hub.check_in_policy.get()) {
        let (what, before, after) = trail(
            "check-in policy",
            policy_name(hub.check_in_policy.get()),
            policy_name(policy),
        );
        let session = session.clone();
        hub.db(move |store| store.put_check_in_policy(policy, &TrailRow::of(&session, at, what, before, after)))
            .await?
            .map_err(Error::internal)?;
        // Only after the commit: an opening never follows a policy the database does not hold.
        hub.check_in_policy.set(policy);
    }
    if let Some(no_pass) = no_pass.filter(|n| *n != hub.check_in_policy.no_pass()) {
        let (what, before, after) = trail(
            "members without a time pass",
            no_pass_name(hub.check_in_policy.no_pass()),
            no_pass_name(no_pass),
        );
        hub.db(move |store| store.put_check_in_no_pass(no_pass, &TrailRow::of(&session, at, what, before, after)))
            .await?
            .map_err(Error::internal)?;
        hub.check_in_policy.set_no_pass(no_pass);
    }
    Ok(Json(PolicyNow {
        policy: policy_name(hub.check_in_policy.get()).to_string(),
        no_pass: no_pass_name(hub.check_in_policy.no_pass()).to_string(),
    }))
}
