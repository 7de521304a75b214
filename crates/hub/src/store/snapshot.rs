//! What the hub knows about the space's memberships: the last good sync, indexed by membership
//! and by Cobot user.

use std::collections::HashMap;

use frontdoor_core::access::{Member, PlanRef};
use frontdoor_core::cobot::api1;
use jiff::civil::Date;
use jiff::Timestamp;
use serde::Serialize;

/// One membership as synced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRecord {
    /// Cobot membership id.
    pub membership_id: String,
    /// The connected Cobot user.
    pub user_id: Option<String>,
    /// Name on the membership.
    pub name: Option<String>,
    /// Email on the membership.
    pub email: Option<String>,
    /// The catalogue plan's id: `parent_plan.id` when the catalogue has it, else the catalogue
    /// plan of the same name, else whatever `parent_plan.id` Cobot sent.
    pub plan_id: Option<String>,
    /// Plan name (the membership's copy: it may lag behind a rename in the catalogue).
    pub plan_name: Option<String>,
    /// Once the hub found the catalogue plan, the names name-assignments recognise it by (its
    /// name and former names in the catalogue); `None` while it matches by `plan_name` alone.
    /// Derived from the plan catalogue ([`crate::store::plans`]), not stored.
    pub plan_names: Option<Vec<String>>,
    /// Confirmed by the space.
    pub confirmed: bool,
    /// First day.
    pub starts_at: Option<Date>,
    /// Last active day.
    pub canceled_to: Option<Date>,
    /// Raw value of `smart_spaces_access_additional_units`.
    pub extra_groups: Option<String>,
}

impl MemberRecord {
    /// From Cobot's membership and its custom fields.
    pub fn from_cobot(m: &api1::Membership, fields: Option<&api1::MembershipFields>) -> MemberRecord {
        MemberRecord {
            membership_id: m.id.clone(),
            user_id: m.user.as_ref().map(|u| u.id.clone()),
            name: m.name.clone(),
            email: m.email.clone(),
            plan_id: m
                .plan
                .as_ref()
                .and_then(|p| p.parent_plan.as_ref())
                .map(|p| p.id.clone()),
            plan_name: m.plan.as_ref().map(|p| p.name.clone()),
            plan_names: None,
            confirmed: m.confirmed_at.is_some(),
            starts_at: m.starts_at,
            canceled_to: m.canceled_to,
            extra_groups: fields
                .and_then(|f| f.value(frontdoor_core::access::EXTRA_GROUPS_FIELD))
                .map(str::to_string),
        }
    }

    /// What the access model needs.
    pub fn access(&self) -> Member {
        Member {
            membership_id: self.membership_id.clone(),
            plan: self.plan_name.as_ref().map(|name| PlanRef {
                id: self.plan_id.clone(),
                name: name.clone(),
                names: self.plan_names.clone(),
            }),
            confirmed: self.confirmed,
            starts_at: self.starts_at,
            canceled_to: self.canceled_to,
            extra_groups: self.extra_groups.clone(),
        }
    }
}

/// The synced memberships.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// When Cobot's data was read.
    pub as_of: Timestamp,
    members: Vec<MemberRecord>,
    by_id: HashMap<String, usize>,
    by_user: HashMap<String, usize>,
}

impl Snapshot {
    /// Indexes `members`.
    pub fn new(as_of: Timestamp, members: Vec<MemberRecord>) -> Snapshot {
        let by_id = members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.membership_id.clone(), i))
            .collect();
        let by_user = members
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.user_id.clone().map(|u| (u, i)))
            .collect();
        Snapshot {
            as_of,
            members,
            by_id,
            by_user,
        }
    }

    /// Every member.
    pub fn members(&self) -> &[MemberRecord] {
        &self.members
    }

    /// A member by membership id.
    pub fn member(&self, membership_id: &str) -> Option<&MemberRecord> {
        self.by_id.get(membership_id).map(|&i| &self.members[i])
    }

    /// The member a Cobot user holds in this space.
    pub fn member_of_user(&self, user_id: &str) -> Option<&MemberRecord> {
        self.by_user.get(user_id).map(|&i| &self.members[i])
    }

    /// A copy with `change` applied to every member (the plan names after a catalogue change).
    pub fn with_each(&self, mut change: impl FnMut(&mut MemberRecord)) -> Snapshot {
        let mut members = self.members.clone();
        members.iter_mut().for_each(&mut change);
        Snapshot::new(self.as_of, members)
    }

    /// A copy with one member replaced, added or (with `None`) removed.
    pub fn with_member(&self, membership_id: &str, member: Option<MemberRecord>, as_of: Timestamp) -> Snapshot {
        let mut members: Vec<MemberRecord> = self
            .members
            .iter()
            .filter(|m| m.membership_id != membership_id)
            .cloned()
            .collect();
        members.extend(member);
        Snapshot::new(as_of, members)
    }
}
