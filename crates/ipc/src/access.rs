//! The console's access tab (`GET /api/v1/admin/access` and its change trail): defined once, used as it is by the hub, the app and the UI.

use serde::{Deserialize, Serialize};

/// A user group: an external identifier staff also type into the custom field, the doors it
/// opens, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GroupSetup {
    /// External identifier (`Members`, `Staff`); unique without regard to case.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Door ids it opens.
    pub doors: Vec<String>,
    /// Weekly schedule in the space's time zone (`Mon-Fri 07:00-22:00; Sat 10:00-16:00`);
    /// `None`: always.
    pub schedule: Option<String>,
}

/// A Cobot plan as the hub last synced it, with the groups it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSetup {
    /// Cobot's plan id (the key of the assignment).
    pub plan_id: String,
    /// Cobot's name for it.
    pub name: String,
    /// Synced memberships on it.
    pub members: u32,
    /// Groups it gives.
    pub groups: Vec<String>,
}

/// A door as the console lists it for picking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorRef {
    /// Door id.
    pub id: String,
    /// Door name.
    pub name: String,
}

/// The whole access setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessSetup {
    /// User groups.
    pub groups: Vec<GroupSetup>,
    /// Cobot's plans with their groups (assignments naming plans Cobot lacks are in
    /// `unknown_plans`).
    pub plans: Vec<PlanSetup>,
    /// Assignments (by plan id or name) that match no synced plan.
    pub unknown_plans: Vec<String>,
    /// Extra groups from the membership custom field `smart_spaces_access_additional_units`.
    pub extra_groups: bool,
    /// The doors.
    pub doors: Vec<DoorRef>,
    /// The space's time zone (schedules are in it).
    pub time_zone: String,
    /// Grows with every change; a change names the version it was made on (`If-Match`-like),
    /// so two staff editing at once cannot overwrite each other unknowingly.
    pub version: u64,
}

/// One change to the setup, for the audit trail (`GET /api/v1/admin/access/changes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupChange {
    /// RFC 3339.
    pub at: String,
    /// Cobot user id of the staff member.
    pub by: String,
    /// Their name.
    pub by_name: String,
    /// What changed, in words ("group Members", "plan Flex Desk", "extra groups").
    pub what: String,
    /// Before, as JSON (`null` when created).
    pub before: serde_json::Value,
    /// After, as JSON (`null` when removed).
    pub after: serde_json::Value,
}
