//! A whole access setup sent from the fleet ([`AccessDown`]): checked group by group and plan by
//! plan exactly as the console checks one change, then committed as one change (or refused as a
//! whole, naming every field that is wrong).

use frontdoor_core::fleet::AccessDown;

use super::*;

/// Replaces the groups, plan assignments and extra-groups switch with `wanted`. A setup equal
/// to the one in force changes nothing; one with any wrong field changes nothing and names them
/// all (`groups[1].doors`, `plans[0].plan_id`, …).
pub async fn replace(hub: &Arc<Hub>, actor: &Actor, wanted: &AccessDown) -> Result<(), Error> {
    // Cobot first (turning the extra groups on makes sure its custom field exists): the setup
    // is read after it, so a change staff make at the hub meanwhile is not taken for a conflict.
    if wanted.extra_groups && !hub.access.current().setup.extra_groups {
        ensure_field(hub).await?;
    }
    let active = hub.access.current();
    let doors = door_list(&active.stored_doors);
    let catalogue = hub.db(|store| store.plan_catalogue()).await?.map_err(Error::internal)?;
    let mut next = StoredSetup {
        groups: Vec::new(),
        plans: Vec::new(),
        extra_groups: active.setup.extra_groups,
        version: active.setup.version,
    };
    let mut fields = BTreeMap::new();
    for (i, group) in wanted.groups.iter().enumerate() {
        match with_group(&next, &group.id, group.clone(), &doors) {
            Ok((with, _)) => next = with,
            Err(problems) => {
                for (field, why) in problems {
                    let field = field.strip_prefix("group.").unwrap_or(&field).to_string();
                    fields.insert(format!("groups[{i}].{field}"), why);
                }
            }
        }
    }
    for (i, plan) in wanted.plans.iter().enumerate() {
        if !catalogue.iter().any(|p| p.plan_id == plan.plan_id) {
            fields.insert(
                format!("plans[{i}].plan_id"),
                format!(
                    "Cobot had no plan with the id “{}” at this hub's last sync; if it is new, resync the hub.",
                    plan.plan_id
                ),
            );
            continue;
        }
        if next.plans.iter().any(|a| a.plan == PlanMatch::Id(plan.plan_id.clone())) {
            fields.insert(
                format!("plans[{i}].plan_id"),
                format!(
                    "The plan “{}” is listed twice; list it once with all its groups.",
                    plan.plan_id
                ),
            );
            continue;
        }
        match plan_groups(&next, &plan.groups) {
            Ok(groups) if groups.is_empty() => {}
            Ok(groups) => next.plans.push(PlanAssignment {
                plan: PlanMatch::Id(plan.plan_id.clone()),
                groups,
            }),
            Err(why) => {
                fields.insert(format!("plans[{i}].groups"), why.to_string());
            }
        }
    }
    if !fields.is_empty() {
        return Err(invalid(fields));
    }
    next.extra_groups = wanted.extra_groups;
    let before = json(&active.setup);
    let after = json(&next);
    apply(
        hub,
        actor,
        active.setup.version,
        next,
        "the whole setup, from the fleet".into(),
        before,
        after,
    )
    .await
    .map(|_| ())
}
