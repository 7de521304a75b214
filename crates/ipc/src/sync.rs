//! The sync panel (`GET /api/v1/admin/sync/runs`, `POST /api/v1/admin/sync`, the progress
//! events): defined once, used as it is by the hub, the app's commands and the UI.

use serde::{Deserialize, Serialize};

/// Where a full sync is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Asked for, not yet begun (the console shows it at once).
    Starting,
    /// Reading the space's plans.
    Plans,
    /// Reading the memberships.
    Memberships,
    /// Reading the memberships' custom fields.
    CustomFields,
    /// Writing the new copy.
    Applying,
    /// Finished.
    Done,
    /// Ended without a new copy.
    Failed,
}

impl SyncPhase {
    /// The word on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::Starting => "starting",
            SyncPhase::Plans => "plans",
            SyncPhase::Memberships => "memberships",
            SyncPhase::CustomFields => "custom_fields",
            SyncPhase::Applying => "applying",
            SyncPhase::Done => "done",
            SyncPhase::Failed => "failed",
        }
    }

    /// The sync is over (done or failed).
    pub fn is_finished(self) -> bool {
        match self {
            SyncPhase::Done | SyncPhase::Failed => true,
            SyncPhase::Starting
            | SyncPhase::Plans
            | SyncPhase::Memberships
            | SyncPhase::CustomFields
            | SyncPhase::Applying => false,
        }
    }
}

/// One sync run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    /// `full` or the webhook event.
    pub kind: String,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// Whether it applied.
    pub ok: bool,
    /// The report (counts, added/removed/changed, unknown identifiers, members without a Cobot
    /// user, plans without assignment, assignments naming plans Cobot lacks, error).
    pub report: serde_json::Value,
}

/// The panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncPanel {
    /// Newest first.
    pub runs: Vec<SyncRun>,
    /// When the next scheduled full sync runs (RFC 3339), if scheduled.
    pub next_at: Option<String>,
    /// Minutes between full syncs.
    pub interval_minutes: u64,
    /// The sync under way, if one is.
    pub running: Option<SyncProgress>,
}

/// A sync's progress, pushed as server-sent events (`GET /api/v1/admin/sync/events`, one JSON
/// object per `data:` line) while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncProgress {
    /// Where it is.
    pub phase: SyncPhase,
    /// Items read so far in this phase.
    pub done: u64,
    /// Items expected, when known.
    pub total: Option<u64>,
    /// In words.
    pub message: String,
}
