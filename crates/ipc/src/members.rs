//! The console's members tab (`GET /api/v1/admin/members`): defined once, used as it is by the hub, the app and the UI.

use serde::{Deserialize, Serialize};

/// Where a member's group comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupGrant {
    /// Group id.
    pub group: String,
    /// "Plan Flex Desk", "extra group from the membership".
    pub from: String,
}

/// One door for one member now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorVerdict {
    /// Door id.
    pub door: String,
    /// Door name.
    pub name: String,
    /// Opens now.
    pub allowed: bool,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// A synced member as staff see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    /// Cobot membership id.
    pub membership_id: String,
    /// Name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Plan names.
    pub plans: Vec<String>,
    /// Active now.
    pub active: bool,
    /// "active", "ended on …", "starts on …".
    pub status: String,
    /// Groups with where each came from.
    pub groups: Vec<GroupGrant>,
    /// Identifiers in the custom field that name no group (reported, never granted).
    pub unknown_extra_groups: Vec<String>,
    /// The raw custom-field value.
    pub extra_groups: Option<String>,
    /// Every door now.
    pub doors: Vec<DoorVerdict>,
}
