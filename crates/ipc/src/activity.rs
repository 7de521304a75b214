//! The console's activity tab (`GET /api/v1/admin/activity`, door latency): defined once, used as it is by the hub, the app and the UI.

use serde::{Deserialize, Serialize};

/// One row of the audit log as staff see it (`GET /api/v1/admin/activity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRow {
    /// The row's id; newer rows have larger ids (the key for paging).
    pub id: i64,
    /// When the request came (RFC 3339).
    pub at: String,
    /// When the last request of a burst came (RFC 3339), for `count` > 1.
    pub last_at: Option<String>,
    /// The Cobot user id, when the request had a valid session.
    pub user_id: Option<String>,
    /// Their name from the members snapshot, when known.
    pub who: Option<String>,
    /// Whether they were staff.
    pub staff: bool,
    /// The door id as asked for.
    pub door: String,
    /// The door's name (`None` for a door the hub does not have).
    pub door_name: Option<String>,
    /// `opened`, `refused`, `failed`, `merged`, `opening` (under way) or `interrupted`.
    pub outcome: String,
    /// The hub's code for a refusal or failure (`no_access`, `slow_down`, …).
    pub code: Option<String>,
    /// Why, in words; a staff remote open has `staff_remote` and staff's reason here.
    pub reasons: Vec<String>,
    /// What the door's driver reported.
    pub driver_result: Option<String>,
    /// The hub's handling time in milliseconds (relay round trip included).
    pub latency_ms: f64,
    /// Requests the row stands for (a burst of one person's same refusal within a minute).
    pub count: u32,
    /// What happened about checking in (`queued`, `already_today`, …).
    pub check_in: Option<String>,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ActivityPage {
    /// The rows.
    pub rows: Vec<ActivityRow>,
    /// Pass as `before_id` for the next (older) page; `None` when this was the last.
    pub next_before_id: Option<i64>,
}

/// One door's opening times (`GET /api/v1/admin/doors/latency`), over its last
/// [`LATENCY_WINDOW`] `opened` audit rows; nearest-rank percentiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorLatency {
    /// Door id.
    pub door: String,
    /// Door name.
    pub name: String,
    /// The `opened` rows the figures come from (at most [`LATENCY_WINDOW`]).
    pub count: u32,
    /// Median handling time in microseconds; `None` without rows.
    pub p50_us: Option<u64>,
    /// 95th percentile in microseconds; `None` without rows.
    pub p95_us: Option<u64>,
}
