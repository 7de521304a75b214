//! The console's check-ins: the outbox of a day with each row's state and why, staff's retry of
//! a refused or pending check-in, and the check-in policy staff set.
//!
//! - `GET /api/v1/admin/check_ins?day=YYYY-MM-DD&state=` — a day's rows (default: today in the
//!   space's time zone), newest first, with members' names from the snapshot.
//! - `POST /api/v1/admin/check_ins/{membership_id}/{day}/retry` — the member's newest check-in
//!   of that day, refused or pending, made due now and the worker woken. One whose entry's Cobot
//!   day has ended (04:00 the next morning) is never retried: Cobot checks in "now", so it would
//!   check the member in on the wrong day.
//! - `PUT /api/v1/admin/check_ins/policy` `{policy?: "once-per-day" | "off", no_pass?:
//!   "open-anyway" | "refuse"}` — kept in the database (`meta`, like the sync interval);
//!   `[check_in] policy` and `no_pass` are only the defaults. The unlock path reads both at every
//!   opening ([`PolicySlot`]), so a change applies without a restart.
//!
//! Staff's retries and policy changes go into the change trail
//! (`GET /api/v1/admin/access/changes`), in the same transaction as the change itself.
//! Every endpoint is for staff only ([`crate::http::staff_only`]).

use std::sync::atomic::{AtomicBool, Ordering};

use frontdoor_core::console::{StaffCheckIn, StaffCheckInState};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use crate::app::Hub;
use crate::base::config::{CheckInPolicy, NoPass};
use crate::store::{check_in_row, ctx, select_all, CheckInRow, SessionRow, Store, CHECK_IN_COLUMNS};

/// Rows one day answers at most: more than any space has members.
pub const MAX_ROWS: u32 = 10_000;
/// The states staff can filter by (`held`, an opening under way, shows as `pending`).
pub const STATES: &[&str] = &["pending", "checked_in", "refused", "missed"];
const POLICY_KEY: &str = "check_in_policy";
const NO_PASS_KEY: &str = "check_in_no_pass";

/// The check-in policy and the no-pass rule in force, read by every opening and swapped when
/// staff change them.
#[derive(Debug)]
pub struct PolicySlot {
    check_in: AtomicBool,
    refuse_without_pass: AtomicBool,
}

impl PolicySlot {
    /// Starts with `policy` and `no_pass`.
    pub fn new(policy: CheckInPolicy, no_pass: NoPass) -> PolicySlot {
        PolicySlot {
            check_in: AtomicBool::new(policy == CheckInPolicy::OncePerDay),
            refuse_without_pass: AtomicBool::new(no_pass == NoPass::Refuse),
        }
    }

    /// The policy now.
    pub fn get(&self) -> CheckInPolicy {
        if self.check_in.load(Ordering::Acquire) {
            CheckInPolicy::OncePerDay
        } else {
            CheckInPolicy::Off
        }
    }

    /// What happens to a member without a pass now.
    pub fn no_pass(&self) -> NoPass {
        if self.refuse_without_pass.load(Ordering::Acquire) {
            NoPass::Refuse
        } else {
            NoPass::OpenAnyway
        }
    }

    pub(crate) fn set(&self, policy: CheckInPolicy) {
        self.check_in
            .store(policy == CheckInPolicy::OncePerDay, Ordering::Release);
    }

    pub(crate) fn set_no_pass(&self, no_pass: NoPass) {
        self.refuse_without_pass
            .store(no_pass == NoPass::Refuse, Ordering::Release);
    }
}

/// The no-pass rule's name on the wire and in the database.
pub fn no_pass_name(no_pass: NoPass) -> &'static str {
    match no_pass {
        NoPass::OpenAnyway => "open-anyway",
        NoPass::Refuse => "refuse",
    }
}

pub(crate) fn parse_no_pass(text: &str) -> Option<NoPass> {
    match text.trim() {
        "open-anyway" | "open_anyway" => Some(NoPass::OpenAnyway),
        "refuse" => Some(NoPass::Refuse),
        _ => None,
    }
}

/// The policy's name on the wire and in the database.
pub fn policy_name(policy: CheckInPolicy) -> &'static str {
    match policy {
        CheckInPolicy::OncePerDay => "once-per-day",
        CheckInPolicy::Off => "off",
    }
}

pub(crate) fn parse_policy(text: &str) -> Option<CheckInPolicy> {
    match text.trim() {
        "once-per-day" => Some(CheckInPolicy::OncePerDay),
        "off" => Some(CheckInPolicy::Off),
        _ => None,
    }
}

/// What a retry found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retry {
    /// Made pending and due now.
    Due(Box<CheckInRow>),
    /// No such row.
    Unknown,
    /// Its entry's Cobot day has ended.
    DayEnded,
    /// Cobot already has it.
    CheckedIn,
    /// Its door is opening right now.
    Opening,
}

/// A staff change for the trail, written with the change.
pub(crate) struct TrailRow<'a> {
    pub(crate) at: Timestamp,
    pub(crate) by: &'a str,
    pub(crate) device_id: &'a str,
    pub(crate) what: String,
    pub(crate) before: Value,
    pub(crate) after: Value,
}

impl<'a> TrailRow<'a> {
    /// The change `session`'s staff member made at `at`.
    pub(crate) fn of(session: &'a SessionRow, at: Timestamp, what: String, before: Value, after: Value) -> Self {
        TrailRow {
            at,
            by: &session.user_id,
            device_id: &session.device_id,
            what,
            before,
            after,
        }
    }
}

fn insert_trail(tx: &rusqlite::Transaction<'_>, t: &TrailRow<'_>) -> Result<(), crate::store::Error> {
    let by_name: String = tx
        .query_row("SELECT name FROM devices WHERE id = ?1", [t.device_id], |r| r.get(0))
        .optional()
        .map_err(ctx("reading who made a change"))?
        .unwrap_or_default();
    // One trail for every staff change, with its bound.
    crate::app::setup::insert_change(tx, t.at, t.by, &by_name, &t.what, &t.before, &t.after)
}

impl Store {
    /// The check-in policy staff set, if they did.
    pub fn check_in_policy(&self) -> Result<Option<CheckInPolicy>, crate::store::Error> {
        let text: Option<String> = self
            .read()
            .query_row("SELECT value FROM meta WHERE key = ?1", [POLICY_KEY], |r| r.get(0))
            .optional()
            .map_err(ctx("reading the check-in policy"))?;
        Ok(text.as_deref().and_then(parse_policy))
    }

    /// What staff said happens to a member without a pass, if they did.
    pub fn check_in_no_pass(&self) -> Result<Option<NoPass>, crate::store::Error> {
        let text: Option<String> = self
            .read()
            .query_row("SELECT value FROM meta WHERE key = ?1", [NO_PASS_KEY], |r| r.get(0))
            .optional()
            .map_err(ctx("reading the no-pass rule"))?;
        Ok(text.as_deref().and_then(parse_no_pass))
    }

    /// Stores the policy with its row in the change trail, in one transaction.
    pub(crate) fn put_check_in_policy(
        &self,
        policy: CheckInPolicy,
        trail: &TrailRow<'_>,
    ) -> Result<(), crate::store::Error> {
        self.put_meta_with_trail(POLICY_KEY, policy_name(policy), trail)
    }

    /// Stores the no-pass rule with its row in the change trail, in one transaction.
    pub(crate) fn put_check_in_no_pass(
        &self,
        no_pass: NoPass,
        trail: &TrailRow<'_>,
    ) -> Result<(), crate::store::Error> {
        self.put_meta_with_trail(NO_PASS_KEY, no_pass_name(no_pass), trail)
    }

    fn put_meta_with_trail(&self, key: &str, value: &str, trail: &TrailRow<'_>) -> Result<(), crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("changing the check-in policy"))?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )
        .map_err(ctx("changing the check-in policy"))?;
        insert_trail(&tx, trail)?;
        tx.commit().map_err(ctx("changing the check-in policy"))
    }

    /// A day's outbox rows, newest first, optionally of one state (`pending` includes `held`).
    pub fn check_ins_of_day(&self, day: &str, state: Option<&str>) -> Result<Vec<CheckInRow>, crate::store::Error> {
        let states: Vec<&str> = match state {
            Some("pending") => vec!["pending", "held"],
            Some(s) => vec![s],
            None => vec!["pending", "held", "checked_in", "refused", "missed"],
        };
        let conn = self.read();
        let list = serde_json::to_string(&states).unwrap_or_else(|_| "[]".into());
        select_all(
            &conn,
            "reading the check-in outbox",
            &format!(
                "SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE day = ?1 AND state IN (SELECT value FROM json_each(?2)) \
                 ORDER BY rowid DESC LIMIT ?3"
            ),
            params![day, list, MAX_ROWS],
            check_in_row,
        )
    }

    /// Makes the member's newest check-in of `day`, if refused or pending and its entry's Cobot day
    /// has not ended by `now` (in `zone`), due at `now_ms`, with its trail row, in one transaction
    /// (so two staff retrying at once both see a consistent row).
    pub(crate) fn retry_check_in(
        &self,
        membership_id: &str,
        day: &str,
        now: Timestamp,
        zone: &TimeZone,
        now_ms: i64,
        trail: &TrailRow<'_>,
    ) -> Result<Retry, crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("retrying a check-in"))?;
        let row = tx
            .query_row(
                &format!(
                    "SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE membership_id = ?1 AND day = ?2 ORDER BY rowid DESC LIMIT 1"
                ),
                params![membership_id, day],
                check_in_row,
            )
            .optional()
            .map_err(ctx("retrying a check-in"))?;
        let Some(row) = row else {
            return Ok(Retry::Unknown);
        };
        match row.state.as_str() {
            "checked_in" => return Ok(Retry::CheckedIn),
            "held" => return Ok(Retry::Opening),
            _ if !day_still_open(&row, now, zone) || row.state == "missed" => return Ok(Retry::DayEnded),
            _ => {}
        }
        tx.execute(
            "UPDATE check_ins SET state = 'pending', next_attempt_ms = ?4, last_error = NULL \
             WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3",
            params![membership_id, day, row.queued_at, now_ms],
        )
        .map_err(ctx("retrying a check-in"))?;
        // The row's state before the retry is only known here, inside the transaction.
        let trail = TrailRow {
            at: trail.at,
            by: trail.by,
            device_id: trail.device_id,
            what: trail.what.clone(),
            before: serde_json::json!({"state": row.state, "why": row.last_error}),
            after: trail.after.clone(),
        };
        insert_trail(&tx, &trail)?;
        tx.commit().map_err(ctx("retrying a check-in"))?;
        Ok(Retry::Due(Box::new(CheckInRow {
            state: "pending".into(),
            next_attempt_ms: now_ms,
            last_error: None,
            ..row
        })))
    }

    /// Test hook: puts an outbox row as it is (any day, any state), as an older run would have
    /// left it.
    #[doc(hidden)]
    pub fn insert_check_in_for_tests(&self, row: &CheckInRow) -> Result<(), crate::store::Error> {
        self.conn()
            .execute(
                &format!("INSERT OR REPLACE INTO check_ins ({CHECK_IN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
                params![
                    row.membership_id,
                    row.day,
                    row.user_id,
                    row.state,
                    row.queued_at,
                    row.attempts,
                    row.next_attempt_ms,
                    row.last_error,
                    row.cobot_id,
                    row.valid_from,
                    row.valid_until
                ],
            )
            .map(|_| ())
            .map_err(ctx("writing the check-in outbox"))
    }
}

/// Whether the Cobot day of the row's entry (until 04:00 the next morning) is still on at `now`:
/// only then may it still be posted.
fn day_still_open(row: &CheckInRow, now: Timestamp, zone: &TimeZone) -> bool {
    row.queued_at
        .parse::<Timestamp>()
        .is_ok_and(|entry| now < crate::app::check_in::cobot_day_end(zone, entry))
}

/// A staff view of an outbox row at `now`.
pub fn view(hub: &Hub, row: &CheckInRow, now: Timestamp) -> StaffCheckIn {
    let snapshot = hub.snapshot();
    // The outbox's own states: `held` is a pending one whose door is still opening. A state
    // this version does not write is shown as missed, with the record's words: never as done.
    let state = match row.state.as_str() {
        "pending" | "held" => StaffCheckInState::Pending,
        "checked_in" => StaffCheckInState::CheckedIn,
        "refused" => StaffCheckInState::Refused,
        _ => StaffCheckInState::Missed,
    };
    let why = match state {
        StaffCheckInState::CheckedIn => None,
        StaffCheckInState::Pending if row.state == "held" => {
            Some("The door is opening; the check-in follows.".to_string())
        }
        StaffCheckInState::Pending => Some(match &row.last_error {
            Some(e) => format!("Cobot has not confirmed it yet; the hub keeps trying. Last time: {e}"),
            None => "Waiting for Cobot.".to_string(),
        }),
        StaffCheckInState::Refused => Some(row.last_error.clone().unwrap_or_else(|| "Cobot gave no reason.".into())),
        StaffCheckInState::Missed => row.last_error.clone(),
    };
    StaffCheckIn {
        membership_id: row.membership_id.clone(),
        name: snapshot.member(&row.membership_id).and_then(|m| m.name.clone()),
        day: row.day.clone(),
        state,
        why,
        attempts: row.attempts,
        next_attempt_at: (state == StaffCheckInState::Pending)
            .then(|| Timestamp::from_millisecond(row.next_attempt_ms).ok())
            .flatten()
            .map(|t| t.to_string()),
        since: row.valid_from.clone(),
        retryable: matches!(row.state.as_str(), "pending" | "refused")
            && day_still_open(row, now, hub.rules().time_zone()),
    }
}

/// `day` as `YYYY-MM-DD`, exactly.
pub(crate) fn check_day(day: &str) -> Result<String, &'static str> {
    match day.trim().parse::<jiff::civil::Date>() {
        Ok(date) if date.to_string() == day.trim() => Ok(date.to_string()),
        _ => Err("Give a day as YYYY-MM-DD, like 2026-11-23."),
    }
}

/// The answer to a policy change: both rules now in force (a superset of
/// [`frontdoor_core::console::CheckInPolicyChange`], which the app reads).
#[derive(Debug, serde::Serialize)]
pub(crate) struct PolicyNow {
    pub(crate) policy: String,
    pub(crate) no_pass: String,
}

pub(crate) const POLICY_WORDS: &str =
    "Choose “once-per-day” (an entry checks the member in unless Cobot has them checked in already) or “off”.";
pub(crate) const NO_PASS_WORDS: &str =
    "Choose “open-anyway” (the door opens and Cobot's refusal is shown, as Cobot's own door \
     integrations do) or “refuse” (the door stays shut with Cobot's words).";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_exactly_year_month_day() {
        assert_eq!(check_day("2026-11-23"), Ok("2026-11-23".to_string()));
        assert!(check_day("2026-11-31").is_err());
        assert!(check_day("23.11.2026").is_err());
        assert!(check_day("2026-11-23T00:00").is_err());
    }

    #[test]
    fn a_stored_policy_reads_back_and_the_slot_swaps() {
        let store = Store::in_memory().unwrap();
        assert_eq!(store.check_in_policy().unwrap(), None);
        let trail = TrailRow {
            at: Timestamp::UNIX_EPOCH,
            by: "user-sam",
            device_id: "d",
            what: "check-in policy".into(),
            before: Value::Null,
            after: Value::Null,
        };
        store.put_check_in_policy(CheckInPolicy::Off, &trail).unwrap();
        assert_eq!(store.check_in_policy().unwrap(), Some(CheckInPolicy::Off));
        assert_eq!(store.check_in_no_pass().unwrap(), None);
        store.put_check_in_no_pass(NoPass::Refuse, &trail).unwrap();
        assert_eq!(store.check_in_no_pass().unwrap(), Some(NoPass::Refuse));
        let slot = PolicySlot::new(CheckInPolicy::OncePerDay, NoPass::OpenAnyway);
        slot.set(CheckInPolicy::Off);
        slot.set_no_pass(NoPass::Refuse);
        assert_eq!((slot.get(), slot.no_pass()), (CheckInPolicy::Off, NoPass::Refuse));
    }
}
