//! The staff console's members view: every synced member with their plans, their groups and
//! where each came from, custom-field identifiers that name no group, and every door's verdict
//! now — all from the pure access model with the rules in force — and the editing of a member's
//! extra groups, which live in Cobot's custom field `smart_spaces_access_additional_units`.
//!
//! Every endpoint is for staff only ([`crate::api::staff_only`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::Router;
use frontdoor_core::access::{Inactive, Reason, Rules, Source, EXTRA_GROUPS_FIELD};
use frontdoor_core::cobot::api1::FieldValue;
use frontdoor_core::console::{DoorVerdict, ExtraGroupsOfMember, GroupGrant, MemberRow};
use frontdoor_core::hub::Code;
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::api::{staff_only, Error, Json, Path, Query};
use crate::setup::{cobot_refused, Trail};
use crate::snapshot::MemberRecord;
use crate::Hub;

/// The longest search text.
pub const MAX_QUERY_CHARS: usize = 200;

/// The members view's routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/api/v1/admin/members", get(list)).route(
        "/api/v1/admin/members/{membership_id}/extra_groups",
        put(put_extra_groups),
    )
}

/// A membership's standing in words: "active", "active, ends after …", "not confirmed yet",
/// "starts on …", "ended on …" — the same words for the member and for staff.
pub fn standing(inactive: Option<&Inactive>, canceled_to: Option<jiff::civil::Date>) -> String {
    match inactive {
        None => match canceled_to {
            Some(d) => format!("active, ends after {d}"),
            None => "active".into(),
        },
        Some(Inactive::NotConfirmed) => "not confirmed yet".into(),
        Some(Inactive::NotStarted { starts_at }) => format!("starts on {starts_at}"),
        Some(Inactive::Ended { canceled_to }) => format!("ended on {canceled_to}"),
    }
}

/// How a member stands with `rules` at `now`, as staff see it.
pub fn row(rules: &Rules, m: &MemberRecord, now: Timestamp) -> MemberRow {
    let access = rules.member_access(&m.access(), now);
    let names = rules.door_names();
    let status = standing(access.inactive.as_ref(), m.canceled_to);
    MemberRow {
        membership_id: m.membership_id.clone(),
        name: m.name.clone().unwrap_or_default(),
        email: m.email.clone(),
        plans: m.plan_name.iter().cloned().collect(),
        active: access.inactive.is_none(),
        status,
        groups: access
            .groups
            .groups
            .iter()
            .map(|(group, source)| GroupGrant {
                group: group.0.clone(),
                from: match source {
                    Source::Plan { plan } => format!("Plan {plan}"),
                    Source::ExtraGroup => "extra group from the membership".into(),
                },
            })
            .collect(),
        unknown_extra_groups: access.groups.unknown.clone(),
        extra_groups: m.extra_groups.clone(),
        doors: access
            .doors
            .iter()
            .map(|(id, verdict)| DoorVerdict {
                door: id.0.clone(),
                name: names.get(id).cloned().unwrap_or_default(),
                allowed: verdict.allowed,
                reasons: verdict.reasons.iter().map(Reason::to_string).collect(),
            })
            .collect(),
    }
}

/// Whether `row` matches the lower-cased search `q`: name, email, plan, group, membership id.
fn matches(row: &MemberRow, q: &str) -> bool {
    let has = |text: &str| text.to_lowercase().contains(q);
    q.is_empty()
        || has(&row.name)
        || row.email.as_deref().is_some_and(has)
        || row.plans.iter().any(|p| has(p))
        || row.groups.iter().any(|g| has(&g.group))
        || has(&row.membership_id)
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(search): Query<Search>,
) -> Result<Json<Vec<MemberRow>>, Error> {
    staff_only(&hub, &headers, "see the members").await?;
    let q = search.q.trim().to_lowercase();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::invalid(
            format!("Search with at most {MAX_QUERY_CHARS} characters."),
            BTreeMap::from([("q".to_string(), format!("At most {MAX_QUERY_CHARS} characters."))]),
        ));
    }
    let (rules, snapshot, now) = (hub.rules(), hub.snapshot(), hub.clock.now());
    let mut rows: Vec<MemberRow> = snapshot
        .members()
        .iter()
        .map(|m| row(&rules, m, now))
        .filter(|r| matches(r, &q))
        .collect();
    rows.sort_by(|a, b| (a.name.to_lowercase(), &a.membership_id).cmp(&(b.name.to_lowercase(), &b.membership_id)));
    Ok(Json(rows))
}

/// `PUT /api/v1/admin/members/{membership_id}/extra_groups`: writes the groups to the member's
/// custom field at Cobot, records the change, then re-reads the membership (as a webhook would)
/// so the answer — and every decision after it — shows Cobot's value.
async fn put_extra_groups(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(membership_id): Path<String>,
    Json(change): Json<ExtraGroupsOfMember>,
) -> Result<Json<MemberRow>, Error> {
    let session = staff_only(&hub, &headers, "change a member's extra groups").await?;
    let Some(member) = hub.snapshot().member(&membership_id).cloned() else {
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::UnknownItem,
            format!("The hub has no member “{membership_id}”. Resync if they are new in Cobot, then try again."),
        ));
    };
    let setup = hub.access.current().setup.clone();
    if !setup.extra_groups {
        return Err(Error::invalid(
            "Extra groups are off for this space, so the custom field would not count. Turn them on in the access \
             setup first.",
            BTreeMap::from([(
                "groups".to_string(),
                "Extra groups are off; turn them on in the access setup first.".to_string(),
            )]),
        ));
    }
    let mut groups: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for g in &change.groups {
        let wanted = g.trim().to_ascii_lowercase();
        match setup.groups.iter().find(|o| o.id.trim().to_ascii_lowercase() == wanted) {
            Some(o) if !groups.contains(&o.id) => groups.push(o.id.clone()),
            Some(_) => {}
            None => unknown.push(g.trim().to_string()),
        }
    }
    if !unknown.is_empty() {
        let known: Vec<String> = setup.groups.iter().map(|g| format!("“{}”", g.id)).collect();
        let quoted: Vec<String> = unknown.iter().map(|u| format!("“{u}”")).collect();
        let words = format!(
            "{} {} not a group; the groups are {}.",
            quoted.join(", "),
            if unknown.len() == 1 { "is" } else { "are" },
            if known.is_empty() {
                "none yet".to_string()
            } else {
                known.join(", ")
            }
        );
        return Err(Error::invalid(
            format!("The member's extra groups were not changed: {words}"),
            BTreeMap::from([("groups".to_string(), words)]),
        ));
    }
    let value = (!groups.is_empty()).then(|| groups.join(", "));
    if value == member.extra_groups {
        return Ok(Json(row(&hub.rules(), &member, hub.clock.now())));
    }
    let token = hub.syncer.token().ok_or_else(|| {
        Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::NotConnected,
            "The member's extra groups were not changed: the hub is not connected to Cobot. Connect Cobot first.",
        )
    })?;
    let space = &hub.config.space.subdomain;
    hub.cobot_now
        .put_membership_fields(
            &token,
            space,
            &membership_id,
            &[FieldValue {
                label: EXTRA_GROUPS_FIELD.into(),
                value: value.clone(),
            }],
        )
        .await
        // A write whose answer was lost may have reached Cobot: the words do not claim otherwise.
        .map_err(|e| {
            cobot_refused(
                e,
                "Cobot did not confirm the member's new extra groups",
                EXTRA_GROUPS_FIELD,
            )
        })?;
    // Cobot has the new value: the trail says so whether or not the read-back below works.
    let name = member.name.clone().unwrap_or_else(|| membership_id.clone());
    let trail = Trail {
        at: hub.clock.now(),
        by: session.user_id.clone(),
        device_id: session.device_id.clone(),
        what: format!("extra groups of {name} ({membership_id})"),
        before: member.extra_groups.clone().map_or(Value::Null, Value::String),
        after: value.clone().map_or(Value::Null, Value::String),
    };
    hub.db(move |store| store.record_access_change(&trail))
        .await?
        .map_err(Error::internal)?;
    let url = hub
        .cobot
        .space_base(space)
        .ok()
        .and_then(|base| base.join(&format!("api/memberships/{membership_id}")).ok())
        .ok_or_else(|| Error::internal("the space's Cobot address does not join"))?;
    if let Err(e) = hub.syncer.targeted("updated_custom_field", url.as_str()).await {
        tracing::warn!("wrote {membership_id}'s extra groups to Cobot but could not read them back: {e}");
        return Err(Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::CobotUnavailable,
            "Cobot has the member's new extra groups, but the hub could not read them back yet; the next sync \
             shows them. Reload in a minute.",
        ));
    }
    let snapshot = hub.snapshot();
    let member = snapshot.member(&membership_id).unwrap_or(&member);
    Ok(Json(row(&hub.rules(), member, hub.clock.now())))
}
