//! The routes of the access setup: groups, plans, extra groups, export and the change trail (the use case: [`crate::app::setup`]).
use crate::app::setup::*;

use crate::app::Error;
use crate::app::Hub;
use crate::http::{staff_only, Json, Path, Query};
pub use crate::store::plans::CataloguePlan;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use frontdoor_core::access::PlanMatch;
use frontdoor_core::console::{AccessSetup, ExtraGroupsChange, GroupChange, PlanChange, SetupChange};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The console's access-setup routes (bodies capped like every admin route by the caller).
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/admin/access", get(get_setup))
        .route("/api/v1/admin/access/export", get(export))
        .route("/api/v1/admin/access/changes", get(changes))
        .route("/api/v1/admin/access/groups/{id}", put(put_group).delete(delete_group))
        .route("/api/v1/admin/access/plans/{plan_id}", put(put_plan))
        .route("/api/v1/admin/access/extra_groups", put(put_extra_groups))
}

pub(crate) async fn get_setup(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<AccessSetup>, Error> {
    staff_only(&hub, &headers, "see the access setup").await?;
    Ok(Json(answer(&hub).await?))
}

/// `GET /api/v1/admin/access/export`: the setup as TOML, for backup.
pub(crate) async fn export(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Response, Error> {
    staff_only(&hub, &headers, "export the access setup").await?;
    let catalogue = hub.db(|store| store.plan_catalogue()).await?.map_err(Error::internal)?;
    let text = to_toml(
        &hub.access.current().setup,
        &catalogue,
        &hub.config.space.name,
        hub.clock.now(),
    );
    Ok(([("content-type", "application/toml; charset=utf-8")], text).into_response())
}

pub(crate) async fn changes(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<Vec<SetupChange>>, Error> {
    staff_only(&hub, &headers, "see the access setup's changes").await?;
    Ok(Json(
        hub.db(|store| store.access_changes(MAX_CHANGES_LISTED))
            .await?
            .map_err(Error::internal)?,
    ))
}

pub(crate) async fn put_group(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(change): Json<GroupChange>,
) -> Result<Json<AccessSetup>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    let active = hub.access.current();
    stale(&active.setup, change.version)?;
    let (next, before) = with_group(&active.setup, &id, change.group, active.rules.doors()).map_err(invalid)?;
    let after = next.groups.iter().find(|g| key(&g.id) == key(&id)).cloned();
    let what = format!("group {}", after.as_ref().map_or(id.as_str(), |g| g.id.as_str()));
    apply(
        &hub,
        &Actor::staff(&session),
        change.version,
        next,
        what,
        json(&before),
        json(&after),
    )
    .await
    .map(Json)
}

#[derive(Deserialize)]
pub(crate) struct VersionQuery {
    version: u64,
}

pub(crate) async fn delete_group(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<AccessSetup>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    let active = hub.access.current();
    stale(&active.setup, q.version)?;
    let setup = &active.setup;
    let Some(i) = setup.groups.iter().position(|g| key(&g.id) == key(&id)) else {
        return Err(unknown_item(format!(
            "There is no group “{id}”; it may have been deleted meanwhile. Reload the access setup."
        )));
    };
    let gone = setup.groups[i].clone();
    let users: Vec<&PlanAssignment> = setup
        .plans
        .iter()
        .filter(|a| a.groups.iter().any(|g| key(g) == key(&gone.id)))
        .collect();
    if !users.is_empty() {
        let catalogue = hub.db(|store| store.plan_catalogue()).await?.map_err(Error::internal)?;
        let names: Vec<String> = users
            .iter()
            .map(|a| match &a.plan {
                PlanMatch::Id(id) => catalogue
                    .iter()
                    .find(|p| &p.plan_id == id)
                    .map_or_else(|| format!("plan id {id}"), |p| p.name.clone()),
                PlanMatch::Name(name) => name.clone(),
            })
            .collect();
        return Err(invalid(BTreeMap::from([(
            "group.id".to_string(),
            format!(
                "The group “{}” is still given by the plan{} {}; take it off {} first.",
                gone.id,
                if names.len() == 1 { "" } else { "s" },
                words(&names),
                if names.len() == 1 { "that plan" } else { "those plans" }
            ),
        )])));
    }
    let mut next = setup.clone();
    next.groups.remove(i);
    apply(
        &hub,
        &Actor::staff(&session),
        q.version,
        next,
        format!("group {}", gone.id),
        json(&gone),
        Value::Null,
    )
    .await
    .map(Json)
}

pub(crate) async fn put_plan(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(plan_id): Path<String>,
    Json(change): Json<PlanChange>,
) -> Result<Json<AccessSetup>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    let active = hub.access.current();
    stale(&active.setup, change.version)?;
    let catalogue = hub.db(|store| store.plan_catalogue()).await?.map_err(Error::internal)?;
    let Some(plan) = catalogue.iter().find(|p| p.plan_id == plan_id).cloned() else {
        return Err(unknown_item(format!(
            "Cobot had no plan with the id “{plan_id}” at the last sync. If it is new, resync and try again."
        )));
    };
    let setup = &active.setup;
    let groups = plan_groups(setup, &change.groups)
        .map_err(|why| invalid(BTreeMap::from([("groups".to_string(), why.to_string())])))?;
    let before = groups_of_plan(setup, &plan);
    let mut next = setup.clone();
    // Entries imported by name become entries by id: for this plan with the new groups, for
    // other plans of the same name with the groups they had.
    let by_name: Vec<PlanAssignment> = next
        .plans
        .iter()
        .filter(|a| matches!(&a.plan, PlanMatch::Name(n) if fold(n) == fold(&plan.name)))
        .cloned()
        .collect();
    next.plans.retain(|a| {
        !matches!(&a.plan, PlanMatch::Name(n) if fold(n) == fold(&plan.name))
            && a.plan != PlanMatch::Id(plan.plan_id.clone())
    });
    for other in catalogue
        .iter()
        .filter(|p| p.plan_id != plan.plan_id && fold(&p.name) == fold(&plan.name))
    {
        let mut kept = groups_of_plan(
            &StoredSetup {
                plans: by_name.clone(),
                ..setup.clone()
            },
            other,
        );
        let at = next
            .plans
            .iter()
            .position(|a| a.plan == PlanMatch::Id(other.plan_id.clone()));
        match at {
            Some(at) => {
                for g in kept.drain(..) {
                    if !next.plans[at].groups.iter().any(|o| key(o) == key(&g)) {
                        next.plans[at].groups.push(g);
                    }
                }
            }
            None if !kept.is_empty() => next.plans.push(PlanAssignment {
                plan: PlanMatch::Id(other.plan_id.clone()),
                groups: kept,
            }),
            None => {}
        }
    }
    if !groups.is_empty() {
        next.plans.push(PlanAssignment {
            plan: PlanMatch::Id(plan.plan_id.clone()),
            groups: groups.clone(),
        });
    }
    apply(
        &hub,
        &Actor::staff(&session),
        change.version,
        next,
        format!("plan {}", plan.name),
        json(&before),
        json(&groups),
    )
    .await
    .map(Json)
}

pub(crate) async fn put_extra_groups(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(change): Json<ExtraGroupsChange>,
) -> Result<Json<AccessSetup>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    let active = hub.access.current();
    stale(&active.setup, change.version)?;
    if change.enabled == active.setup.extra_groups {
        return Ok(Json(answer(&hub).await?));
    }
    if change.enabled {
        ensure_field(&hub).await?;
    }
    let mut next = active.setup.clone();
    next.extra_groups = change.enabled;
    apply(
        &hub,
        &Actor::staff(&session),
        change.version,
        next,
        "extra groups".into(),
        Value::Bool(!change.enabled),
        Value::Bool(change.enabled),
    )
    .await
    .map(Json)
}
