//! The routes of the members list and their extra groups (the use case: [`crate::app::members`]).
use crate::app::members::*;

use crate::app::setup::{cobot_refused, Trail};
use crate::app::Error;
use crate::app::Hub;
use crate::http::{staff_only, Json, Path, Query};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, put};
use axum::Router;
use frontdoor_core::access::EXTRA_GROUPS_FIELD;
use frontdoor_core::cobot::api1::FieldValue;
use frontdoor_core::console::{ExtraGroupsOfMember, MemberRow};
use frontdoor_core::hub::Code;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The members view's routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new().route("/api/v1/admin/members", get(list)).route(
        "/api/v1/admin/members/{membership_id}/extra_groups",
        put(put_extra_groups),
    )
}

#[derive(Deserialize)]
pub(crate) struct Search {
    #[serde(default)]
    q: String,
}

pub(crate) async fn list(
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
pub(crate) async fn put_extra_groups(
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
