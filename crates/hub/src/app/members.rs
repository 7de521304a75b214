//! The staff console's members view: every synced member with their plans, their groups and
//! where each came from, custom-field identifiers that name no group, and every door's verdict
//! now — all from the pure access model with the rules in force — and the editing of a member's
//! extra groups, which live in Cobot's custom field `smart_spaces_access_additional_units`.
//!
//! Every endpoint is for staff only ([`crate::http::staff_only`]).

use frontdoor_core::access::{Inactive, Reason, Rules, Source};
use frontdoor_core::console::{DoorVerdict, GroupGrant, MemberRow};
use frontdoor_core::hub::Standing;
use jiff::Timestamp;

use crate::store::snapshot::MemberRecord;

/// The longest search text.
pub const MAX_QUERY_CHARS: usize = 200;

/// A membership's standing in words: "active", "active, ends after …", "not confirmed yet",
/// "starts on …", "ended on …" — the same words for the member and for staff.
pub fn standing(inactive: Option<&Inactive>, canceled_to: Option<jiff::civil::Date>) -> String {
    match frontdoor_core::access::standing(inactive, canceled_to) {
        Standing::Active { ends_after: Some(d) } => format!("active, ends after {d}"),
        Standing::Active { ends_after: None } => "active".into(),
        Standing::NotConfirmed => "not confirmed yet".into(),
        Standing::NotStarted { starts_on } => format!("starts on {starts_on}"),
        Standing::Ended { ended_on } => format!("ended on {ended_on}"),
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
pub(crate) fn matches(row: &MemberRow, q: &str) -> bool {
    let has = |text: &str| text.to_lowercase().contains(q);
    q.is_empty()
        || has(&row.name)
        || row.email.as_deref().is_some_and(has)
        || row.plans.iter().any(|p| has(p))
        || row.groups.iter().any(|g| has(&g.group))
        || has(&row.membership_id)
}
