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
//! Every endpoint is for staff only ([`crate::api::staff_only`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::Router;
use frontdoor_core::console::{CheckInView, CheckInsView};
use frontdoor_core::hub::Code;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde::Deserialize;
use serde_json::Value;

use crate::api::{staff_only, Error, Json, Path, Query};
use crate::config::{CheckInPolicy, NoPass};
use crate::store::{ctx, CheckInRow, Store};
use crate::Hub;

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

    fn set(&self, policy: CheckInPolicy) {
        self.check_in
            .store(policy == CheckInPolicy::OncePerDay, Ordering::Release);
    }

    fn set_no_pass(&self, no_pass: NoPass) {
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

fn parse_no_pass(text: &str) -> Option<NoPass> {
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

fn parse_policy(text: &str) -> Option<CheckInPolicy> {
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
struct TrailRow<'a> {
    at: Timestamp,
    by: &'a str,
    device_id: &'a str,
    what: String,
    before: Value,
    after: Value,
}

fn insert_trail(tx: &rusqlite::Transaction<'_>, t: &TrailRow<'_>) -> Result<(), crate::store::Error> {
    let by_name: String = tx
        .query_row("SELECT name FROM devices WHERE id = ?1", [t.device_id], |r| r.get(0))
        .optional()
        .map_err(ctx("reading who made a change"))?
        .unwrap_or_default();
    // One trail for every staff change, with its bound.
    crate::setup::insert_change(tx, t.at, t.by, &by_name, &t.what, &t.before, &t.after)
}

const COLUMNS: &str = "membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, last_error, cobot_id, valid_from, valid_until";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckInRow> {
    Ok(CheckInRow {
        membership_id: r.get(0)?,
        day: r.get(1)?,
        user_id: r.get(2)?,
        state: r.get(3)?,
        queued_at: r.get(4)?,
        attempts: r.get(5)?,
        next_attempt_ms: r.get(6)?,
        last_error: r.get(7)?,
        cobot_id: r.get(8)?,
        valid_from: r.get(9)?,
        valid_until: r.get(10)?,
    })
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
    fn put_check_in_policy(&self, policy: CheckInPolicy, trail: &TrailRow<'_>) -> Result<(), crate::store::Error> {
        self.put_meta_with_trail(POLICY_KEY, policy_name(policy), trail)
    }

    /// Stores the no-pass rule with its row in the change trail, in one transaction.
    fn put_check_in_no_pass(&self, no_pass: NoPass, trail: &TrailRow<'_>) -> Result<(), crate::store::Error> {
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
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM check_ins WHERE day = ?1 AND state IN (SELECT value FROM json_each(?2)) \
                 ORDER BY rowid DESC LIMIT ?3"
            ))
            .map_err(ctx("reading the check-in outbox"))?;
        let list = serde_json::to_string(&states).unwrap_or_else(|_| "[]".into());
        let rows = stmt
            .query_map(params![day, list, MAX_ROWS], read_row)
            .map_err(ctx("reading the check-in outbox"))?;
        rows.collect::<Result<_, _>>()
            .map_err(ctx("reading the check-in outbox"))
    }

    /// Makes the member's newest check-in of `day`, if refused or pending and its entry's Cobot day
    /// has not ended by `now` (in `zone`), due at `now_ms`, with its trail row, in one transaction
    /// (so two staff retrying at once both see a consistent row).
    fn retry_check_in(
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
                    "SELECT {COLUMNS} FROM check_ins WHERE membership_id = ?1 AND day = ?2 ORDER BY rowid DESC LIMIT 1"
                ),
                params![membership_id, day],
                read_row,
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
                &format!("INSERT OR REPLACE INTO check_ins ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
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

/// The console's check-in routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/admin/check_ins", get(list))
        .route("/api/v1/admin/check_ins/{membership_id}/{day}/retry", post(retry))
        .route("/api/v1/admin/check_ins/policy", put(policy))
}

/// Whether the Cobot day of the row's entry (until 04:00 the next morning) is still on at `now`:
/// only then may it still be posted.
fn day_still_open(row: &CheckInRow, now: Timestamp, zone: &TimeZone) -> bool {
    row.queued_at
        .parse::<Timestamp>()
        .is_ok_and(|entry| now < crate::check_in::cobot_day_end(zone, entry))
}

/// A staff view of an outbox row at `now`.
pub fn view(hub: &Hub, row: &CheckInRow, now: Timestamp) -> CheckInView {
    let snapshot = hub.snapshot();
    let state = if row.state == "held" {
        "pending"
    } else {
        row.state.as_str()
    };
    let why = match state {
        "checked_in" => None,
        "pending" if row.state == "held" => Some("The door is opening; the check-in follows.".to_string()),
        "pending" => Some(match &row.last_error {
            Some(e) => format!("Cobot has not confirmed it yet; the hub keeps trying. Last time: {e}"),
            None => "Waiting for Cobot.".to_string(),
        }),
        "refused" => Some(row.last_error.clone().unwrap_or_else(|| "Cobot gave no reason.".into())),
        _ => row.last_error.clone(),
    };
    CheckInView {
        membership_id: row.membership_id.clone(),
        name: snapshot.member(&row.membership_id).and_then(|m| m.name.clone()),
        day: row.day.clone(),
        state: state.to_string(),
        why,
        attempts: row.attempts,
        next_attempt_at: (state == "pending")
            .then(|| Timestamp::from_millisecond(row.next_attempt_ms).ok())
            .flatten()
            .map(|t| t.to_string()),
        since: row.valid_from.clone(),
        retryable: matches!(row.state.as_str(), "pending" | "refused")
            && day_still_open(row, now, hub.rules().time_zone()),
    }
}

/// `day` as `YYYY-MM-DD`, exactly.
fn check_day(day: &str) -> Result<String, String> {
    match day.trim().parse::<jiff::civil::Date>() {
        Ok(date) if date.to_string() == day.trim() => Ok(date.to_string()),
        _ => Err("Give a day as YYYY-MM-DD, like 2026-11-23.".to_string()),
    }
}

#[derive(Deserialize)]
struct ListQuery {
    day: Option<String>,
    state: Option<String>,
}

/// `GET /api/v1/admin/check_ins`.
async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Json<CheckInsView>, Error> {
    staff_only(&hub, &headers, "see check-ins").await?;
    let today = hub.space_day(hub.clock.now());
    let mut fields = BTreeMap::new();
    let day = match q.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => today.clone(),
        Some(day) => check_day(day).unwrap_or_else(|words| {
            fields.insert("day".to_string(), words);
            String::new()
        }),
    };
    let state = q
        .state
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(s) = &state {
        if !STATES.contains(&s.as_str()) {
            fields.insert("state".to_string(), format!("Choose one of {}.", STATES.join(", ")));
        }
    }
    if !fields.is_empty() {
        return Err(Error::invalid(
            "Some filters of the check-ins view are not valid.",
            fields,
        ));
    }
    let shown = day.clone();
    let rows = hub
        .db(move |store| store.check_ins_of_day(&shown, state.as_deref()))
        .await?
        .map_err(Error::internal)?;
    let now = hub.clock.now();
    Ok(Json(CheckInsView {
        rows: rows.iter().map(|r| view(&hub, r, now)).collect(),
        day,
        today,
        policy: policy_name(hub.check_in_policy.get()).to_string(),
        no_pass: no_pass_name(hub.check_in_policy.no_pass()).to_string(),
    }))
}

/// `POST /api/v1/admin/check_ins/{membership_id}/{day}/retry`.
async fn retry(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path((membership_id, day)): Path<(String, String)>,
) -> Result<Json<CheckInView>, Error> {
    let session = staff_only(&hub, &headers, "retry check-ins").await?;
    let day = check_day(&day).map_err(|words| {
        Error::invalid(
            format!("The check-in was not retried: {words}"),
            BTreeMap::from([("day".to_string(), words)]),
        )
    })?;
    let name = hub
        .snapshot()
        .member(&membership_id)
        .and_then(|m| m.name.clone())
        .unwrap_or_else(|| membership_id.clone());
    let (id, d) = (membership_id.clone(), day.clone());
    let at = hub.clock.now();
    let zone = hub.rules().time_zone().clone();
    let what = format!("check-in of {name} ({membership_id}) on {day}: retried");
    let done = hub
        .db(move |store| {
            let trail = TrailRow {
                at,
                by: &session.user_id,
                device_id: &session.device_id,
                what,
                before: Value::Null,
                after: serde_json::json!({"state": "pending"}),
            };
            // The worker's clock: it compares due times with the wall clock.
            store.retry_check_in(&id, &d, at, &zone, crate::check_in::outbox_ms(), &trail)
        })
        .await?
        .map_err(Error::internal)?;
    let conflict = |words: String| Error::new(StatusCode::CONFLICT, Code::Conflict, words);
    match done {
        Retry::Due(row) => {
            hub.check_ins.wake();
            Ok(Json(view(&hub, &row, at)))
        }
        Retry::Unknown => Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::UnknownItem,
            format!("There is no check-in of {name} on {day} to retry."),
        )),
        Retry::DayEnded => Err(conflict(format!(
            "{day} has ended (Cobot's day ends at 04:00 the next morning), so {name} cannot be checked in for it \
             any more: Cobot checks in for the moment it is asked, which would be the wrong day."
        ))),
        Retry::CheckedIn => Err(conflict(format!(
            "{name} is already checked in on {day}; nothing to retry."
        ))),
        Retry::Opening => Err(conflict(format!(
            "{name}'s door is opening right now and the check-in follows by itself. Look again in a minute."
        ))),
    }
}

#[derive(Deserialize)]
struct PolicyBody {
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    no_pass: Option<String>,
}

/// The answer to a policy change: both rules now in force (a superset of
/// [`frontdoor_core::console::CheckInPolicyChange`], which the app reads).
#[derive(Debug, serde::Serialize)]
struct PolicyNow {
    policy: String,
    no_pass: String,
}

const POLICY_WORDS: &str =
    "Choose “once-per-day” (an entry checks the member in unless Cobot has them checked in already) or “off”.";
const NO_PASS_WORDS: &str = "Choose “open-anyway” (the door opens and Cobot's refusal is shown, as Cobot's own door \
     integrations do) or “refuse” (the door stays shut with Cobot's words).";

/// `PUT /api/v1/admin/check_ins/policy` `{policy?, no_pass?}`: each change stored with its trail
/// row, then in force for the next opening. Nothing changes unless everything given is valid.
async fn policy(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(body): Json<PolicyBody>,
) -> Result<Json<PolicyNow>, Error> {
    let session = staff_only(&hub, &headers, "change the check-in policy").await?;
    let mut fields = BTreeMap::new();
    let policy = match body.policy.as_deref() {
        Some(text) => parse_policy(text).or_else(|| {
            fields.insert("policy".to_string(), POLICY_WORDS.to_string());
            None
        }),
        None => None,
    };
    let no_pass = match body.no_pass.as_deref() {
        Some(text) => parse_no_pass(text).or_else(|| {
            fields.insert("no_pass".to_string(), NO_PASS_WORDS.to_string());
            None
        }),
        None => None,
    };
    if body.policy.is_none() && body.no_pass.is_none() {
        fields.insert("policy".to_string(), POLICY_WORDS.to_string());
    }
    if !fields.is_empty() {
        let words: Vec<&str> = fields.values().map(String::as_str).collect();
        return Err(Error::invalid(
            format!("The check-in policy was not changed. {}", words.join(" ")),
            fields,
        ));
    }
    let at = hub.clock.now();
    let trail = |what: &str, before: &str, after: &str| {
        (
            what.to_string(),
            Value::String(before.to_string()),
            Value::String(after.to_string()),
        )
    };
    if let Some(policy) = policy.filter(|p| *p != hub.check_in_policy.get()) {
        let (what, before, after) = trail(
            "check-in policy",
            policy_name(hub.check_in_policy.get()),
            policy_name(policy),
        );
        let session = session.clone();
        hub.db(move |store| {
            store.put_check_in_policy(
                policy,
                &TrailRow {
                    at,
                    by: &session.user_id,
                    device_id: &session.device_id,
                    what,
                    before,
                    after,
                },
            )
        })
        .await?
        .map_err(Error::internal)?;
        // Only after the commit: an opening never follows a policy the database does not hold.
        hub.check_in_policy.set(policy);
    }
    if let Some(no_pass) = no_pass.filter(|n| *n != hub.check_in_policy.no_pass()) {
        let (what, before, after) = trail(
            "members without a time pass",
            no_pass_name(hub.check_in_policy.no_pass()),
            no_pass_name(no_pass),
        );
        hub.db(move |store| {
            store.put_check_in_no_pass(
                no_pass,
                &TrailRow {
                    at,
                    by: &session.user_id,
                    device_id: &session.device_id,
                    what,
                    before,
                    after,
                },
            )
        })
        .await?
        .map_err(Error::internal)?;
        hub.check_in_policy.set_no_pass(no_pass);
    }
    Ok(Json(PolicyNow {
        policy: policy_name(hub.check_in_policy.get()).to_string(),
        no_pass: no_pass_name(hub.check_in_policy.no_pass()).to_string(),
    }))
}

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
