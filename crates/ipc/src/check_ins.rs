//! The console's check-ins tab (`GET /api/v1/admin/check_ins`): defined once, used as it is by the hub, the app and the UI.

use serde::{Deserialize, Serialize};

/// Where a check-in of the outbox stands, as staff see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffCheckInState {
    /// Waiting for Cobot (also while its door is opening).
    Pending,
    /// Cobot has it.
    CheckedIn,
    /// Cobot refused it (its words are in `why`).
    Refused,
    /// Its Cobot day ended before Cobot confirmed it; never posted late.
    Missed,
}

impl StaffCheckInState {
    /// The word on the wire and in the page (`pending`, `checked_in`, `refused`, `missed`).
    pub fn as_str(self) -> &'static str {
        match self {
            StaffCheckInState::Pending => "pending",
            StaffCheckInState::CheckedIn => "checked_in",
            StaffCheckInState::Refused => "refused",
            StaffCheckInState::Missed => "missed",
        }
    }
}

/// One check-in of the outbox as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCheckIn {
    /// Cobot membership id.
    pub membership_id: String,
    /// The member's name from the snapshot, when known.
    pub name: Option<String>,
    /// The space's calendar day (ISO date).
    pub day: String,
    /// Where it stands.
    pub state: StaffCheckInState,
    /// Why, in words: Cobot's own words for a refusal, the last failure for a pending one.
    pub why: Option<String>,
    /// Attempts so far.
    pub attempts: u32,
    /// When a pending one is tried next (RFC 3339).
    pub next_attempt_at: Option<String>,
    /// Checked in since (RFC 3339), once done.
    pub since: Option<String>,
    /// Whether staff may make it due now (refused or pending, and its entry's Cobot day — until
    /// 04:00 the next morning — has not ended).
    pub retryable: bool,
}

/// `GET /api/v1/admin/check_ins`: a day's check-ins and the policy in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CheckInsView {
    /// The day shown (ISO date, the space's time zone).
    pub day: String,
    /// The space's today (ISO date).
    pub today: String,
    /// `once-per-day` or `off`.
    pub policy: String,
    /// A member without a usable time pass: `open-anyway` (the door opens, Cobot's refusal is
    /// shown) or `refuse` (the door stays shut with Cobot's words).
    #[serde(default)]
    pub no_pass: String,
    /// The day's rows.
    pub rows: Vec<StaffCheckIn>,
}
