//! The fleet's console, as the app and its UI see it (issue 21): the operator's spaces with
//! their hubs' lights and doors, the activity across them, revocations. Served by
//! `frontdoor-fleet` and read as they are by the app's commands and the UI. Times are RFC 3339.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::{DoorReach, DoorSetup, Glance, GroupSetup, StaffCheckInState, SyncRun};

/// A hub's state: its lights and doors, put by the hub every beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubState {
    /// The hub.
    pub hub: String,
    /// Its space (the Cobot subdomain).
    pub space: String,
    /// The space's name as staff named it.
    pub space_name: String,
    /// When the hub put this (RFC 3339).
    pub at: String,
    /// The status strip's four lights.
    pub glance: Glance,
    /// Its doors and how each is reached.
    pub doors: Vec<DoorState>,
    /// How the hub took what the fleet sent down (access setup, doors), newest revision of
    /// each key.
    #[serde(default)]
    pub down: Vec<DownOutcome>,
    /// Audit rows the hub's retention deleted before the fleet had them (a hub cut off longer
    /// than it keeps its log): the record will never hold them.
    #[serde(default)]
    pub unsent_pruned: u64,
}

/// How a hub took one key the fleet sent down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownOutcome {
    /// The key (`<space>.access`, `<space>.doors.<hub>`).
    pub key: String,
    /// The down bucket's revision the hub applied or refused.
    pub revision: u64,
    /// When (RFC 3339).
    pub at: String,
    /// What came of it.
    pub result: DownResult,
}

/// What came of a key sent down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum DownResult {
    /// The hub applied it (or already had it).
    Applied,
    /// The hub's console checks refused it; it kept what it had (for doors: the doors named).
    Refused {
        /// The whole problem in words.
        message: String,
        /// Per field (`groups[0].doors`, `plans[1].plan_id`, `doors[2].driver.host`, …).
        fields: BTreeMap<String, String>,
    },
}

/// The access setup the fleet sends a space's hubs (`PUT /api/v1/fleet/spaces/{space}/access`):
/// it replaces each hub's groups, plan assignments and extra-groups switch, checked there as the
/// hub's console checks them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDown {
    /// The groups.
    pub groups: Vec<GroupSetup>,
    /// Which groups each Cobot plan gives.
    pub plans: Vec<PlanDown>,
    /// Whether the membership custom field adds groups.
    pub extra_groups: bool,
}

/// One plan's groups in an [`AccessDown`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDown {
    /// Cobot's plan id.
    pub plan_id: String,
    /// Group ids.
    pub groups: Vec<String>,
}

/// The doors the fleet sends one hub (`PUT /api/v1/fleet/spaces/{space}/hubs/{hub}/doors`): the
/// hub adds or changes each and removes the ones not listed. Secrets never travel: a door keeps
/// the secret it has at the hub, and one that needs a new secret is refused until staff enter it
/// at the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorsDown {
    /// The doors.
    pub doors: Vec<DoorSetup>,
}

/// Where a key sent down went (`PUT …/access`, `PUT …/doors`): the hubs report how they took it
/// in their state ([`HubState::down`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownSent {
    /// The key.
    pub key: String,
    /// Its revision.
    pub revision: u64,
}

/// One door of a hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorState {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether its driver is reachable.
    pub reach: DoorReach,
}

/// Who is signed in to the fleet (`GET /api/v1/fleet/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetMe {
    /// Their name.
    pub name: String,
    /// The spaces they run.
    pub spaces: Vec<String>,
}

/// The app's console and its fleet: the address it keeps (for the form), and who is signed in
/// there, if anyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSession {
    /// The fleet's address, once one was signed in to.
    pub address: Option<String>,
    /// Who is signed in there (asked of the fleet), `None` when signed out.
    pub me: Option<FleetMe>,
}

/// One space in the overview (`GET /api/v1/fleet/spaces`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetSpace {
    /// Its Cobot subdomain.
    pub space: String,
    /// Its hubs.
    pub hubs: Vec<FleetHub>,
}

/// One hub in the overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetHub {
    /// Its id.
    pub hub: String,
    /// Whether its state is fresh (its link is up).
    pub online: bool,
    /// Its last state, if it ever put one.
    pub state: Option<HubState>,
}

/// One audit row as a hub sends it up and the fleet keeps it. Never holds a token or a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    /// The hub's row id: increasing, the row's sequence number.
    pub seq: i64,
    /// When the request arrived (RFC 3339).
    pub at: String,
    /// The Cobot user, when the session was valid (`fleet:<name>` for the fleet's staff).
    pub user_id: Option<String>,
    /// Their membership, if any.
    pub membership_id: Option<String>,
    /// Whether they are staff.
    pub staff: bool,
    /// The door.
    pub door_id: String,
    /// `opened`, `refused`, `failed` or `merged`.
    pub decision: String,
    /// The code of a refusal or failure.
    pub code: Option<String>,
    /// Why, in the hub's words.
    pub reasons: Vec<String>,
    /// How many requests the row stands for (a burst of refusals is one row).
    pub count: u32,
    /// The hub's handling time.
    pub latency_us: u64,
    /// What happened about checking in.
    pub check_in: Option<String>,
}

/// One audit row of any space (`GET /api/v1/fleet/activity`): the row as the hub sent it, with
/// where it came from and when the fleet stored it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetActivity {
    /// The space.
    pub space: String,
    /// The hub.
    pub hub: String,
    /// The row.
    #[serde(flatten)]
    pub line: AuditLine,
    /// When the fleet stored it (RFC 3339).
    pub received_at: String,
}

/// How one entry's check-in ended at a hub, as the hub sends it up: sent once it is checked in,
/// refused or missed (a pending one is not an outcome yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInOutcome {
    /// The membership.
    pub membership_id: String,
    /// The Cobot user, when known.
    pub user_id: Option<String>,
    /// The space's calendar day (ISO date).
    pub day: String,
    /// The entry that queued it (RFC 3339); with the hub, the member and the day, its key.
    pub entered_at: String,
    /// How it ended.
    pub state: StaffCheckInState,
    /// Cobot's words for a refusal, or why it was missed.
    pub why: Option<String>,
    /// Attempts it took.
    pub attempts: u32,
    /// Cobot's check-in id, once checked in.
    pub cobot_id: Option<String>,
    /// Checked in from (RFC 3339).
    pub valid_from: Option<String>,
    /// Checked in until (RFC 3339).
    pub valid_until: Option<String>,
}

/// One check-in outcome of any space (`GET /api/v1/fleet/check_ins`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetCheckIn {
    /// The space.
    pub space: String,
    /// The hub that checked the member in.
    pub hub: String,
    /// The outcome.
    #[serde(flatten)]
    pub outcome: CheckInOutcome,
}

/// One sync run of any hub (`GET /api/v1/fleet/syncs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetSync {
    /// The space.
    pub space: String,
    /// The hub.
    pub hub: String,
    /// The run and its report, as the hub's sync panel shows it.
    #[serde(flatten)]
    pub run: SyncRun,
}

/// A revocation made in the fleet, as the down bucket keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// Who made it, as the fleet's staff signed in.
    pub by: String,
    /// Why, in their words.
    pub why: String,
    /// When (RFC 3339).
    pub at: String,
}

/// A revocation as listed (`GET …/revocations`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetRevocation {
    /// Its key in the down bucket (`<space>.revoke.device.<id>`).
    pub key: String,
    /// Who, why, when.
    #[serde(flatten)]
    pub revocation: Revocation,
}

/// The fleet's own refusal codes. Pinned by a test: renaming one breaks clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FleetCode {
    /// No token, or one no staff member has.
    NotSignedIn,
    /// No such space among the caller's.
    UnknownSpace,
    /// No hub of that space has reported to the fleet.
    UnknownHub,
    /// The hub is not connected now; nothing was queued.
    HubUnreachable,
    /// The hub was asked and did not answer in time: the door may or may not have opened.
    HubDidNotAnswer,
    /// The request is malformed; the message says which part.
    Invalid,
    /// The central record or the link failed; try again.
    FleetUnavailable,
}
