//! The console's activity view: the audit log with filters and keyset paging, its CSV export,
//! staff's remote opens, and every door's opening times.
//!
//! - `GET /api/v1/admin/activity?person=&door=&outcome=&from=&to=&before_id=&limit=` — newest
//!   first; `before_id` pages by row id (stable while new rows arrive), `limit` ≤ [`MAX_LIMIT`].
//! - `GET /api/v1/admin/activity.csv?…` — the same filters as CSV (RFC 4180), at most
//!   [`MAX_CSV_ROWS`] rows, read page by page so a slow download never holds the database.
//! - `POST /api/v1/admin/doors/{door}/open` `{reason}` — the same unlock path as a member's tap
//!   ([`Hub::open_remotely`]): recorded before the pulse, merged with a tap under way, audited with
//!   `staff_remote` and the reason; it never checks anyone in.
//! - `GET /api/v1/admin/doors/latency` — per door, p50 and p95 of `latency_us` over its last
//!   [`LATENCY_WINDOW`] `opened` rows of the audit log.
//!
//! Every endpoint is for staff only ([`crate::http::staff_only`]).

use std::collections::{BTreeMap, HashMap};

use frontdoor_core::console::ActivityRow;
use jiff::Timestamp;
use serde::Deserialize;

use crate::app::Error;
use crate::app::Hub;
pub use crate::store::activity::{Filters, Found};
use crate::store::snapshot::Snapshot;

/// The most rows one page answers.
pub const MAX_LIMIT: u32 = 500;
/// Rows a page answers when no `limit` is given.
pub const DEFAULT_LIMIT: u32 = 100;
/// The most rows one CSV export holds.
pub const MAX_CSV_ROWS: u32 = 100_000;
/// Rows read per database call while writing the CSV.
pub(crate) const CSV_PAGE: u32 = 1_000;
/// The longest person filter and remote-open reason.
pub const MAX_PERSON_CHARS: usize = 200;
/// The longest reason for a remote open.
pub const MAX_REASON_CHARS: usize = 200;
/// The outcomes an audit row can have.
pub const OUTCOMES: &[&str] = &["opened", "refused", "failed", "merged", "opening", "interrupted"];

/// The filters as they arrive: every one as text, so a bad one is a field error in words rather
/// than a parse failure.
#[derive(Debug, Default, Deserialize)]
pub struct RawFilters {
    person: Option<String>,
    door: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before_id: Option<String>,
    pub(crate) limit: Option<String>,
}

pub(crate) fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl RawFilters {
    /// Checks every filter; the person filter becomes the Cobot user ids it names: the id itself,
    /// and everyone in the snapshot whose name contains it (without regard to case).
    pub fn check(&self, snapshot: &Snapshot, max_limit: u32) -> Result<Filters, Error> {
        let mut fields = BTreeMap::new();
        let mut filters = Filters {
            limit: DEFAULT_LIMIT.min(max_limit),
            ..Filters::default()
        };
        if let Some(person) = present(&self.person) {
            if person.chars().count() > MAX_PERSON_CHARS {
                fields.insert(
                    "person".into(),
                    format!("Use at most {MAX_PERSON_CHARS} characters of a name or a Cobot user id."),
                );
            } else {
                let needle = person.to_lowercase();
                let mut users = vec![person.to_string()];
                for m in snapshot.members() {
                    if let (Some(user), Some(name)) = (&m.user_id, &m.name) {
                        if name.to_lowercase().contains(&needle) && !users.contains(user) {
                            users.push(user.clone());
                        }
                    }
                }
                filters.users = Some(users);
            }
        }
        if let Some(door) = present(&self.door) {
            if door.chars().count() > 64 {
                fields.insert("door".into(), "A door id has at most 64 characters.".into());
            } else {
                filters.door = Some(door.to_string());
            }
        }
        if let Some(outcome) = present(&self.outcome) {
            if OUTCOMES.contains(&outcome) {
                filters.outcome = Some(outcome.to_string());
            } else {
                fields.insert("outcome".into(), format!("Choose one of {}.", OUTCOMES.join(", ")));
            }
        }
        let instant = |name: &str, value: &Option<String>, fields: &mut BTreeMap<String, String>| {
            let text = present(value)?;
            match text.parse::<Timestamp>() {
                Ok(t) => Some(t),
                Err(_) => {
                    fields.insert(
                        name.to_string(),
                        "Give a date and time with its offset, like 2026-11-23T09:00:00Z or \
                         2026-11-23T10:00:00+01:00."
                            .into(),
                    );
                    None
                }
            }
        };
        filters.from = instant("from", &self.from, &mut fields);
        filters.to = instant("to", &self.to, &mut fields);
        if let (Some(from), Some(to)) = (filters.from, filters.to) {
            if from >= to {
                fields.insert("to".into(), "“to” must be after “from”.".into());
            }
        }
        if let Some(before) = present(&self.before_id) {
            match before.parse::<i64>() {
                Ok(id) if id > 0 => filters.before_id = Some(id),
                _ => {
                    fields.insert(
                        "before_id".into(),
                        "Give the positive row id from the previous page's next_before_id.".into(),
                    );
                }
            }
        }
        if let Some(limit) = present(&self.limit) {
            match limit.parse::<u32>() {
                Ok(n) if (1..=max_limit).contains(&n) => filters.limit = n,
                _ => {
                    fields.insert("limit".into(), format!("Give a number from 1 to {max_limit}."));
                }
            }
        }
        if fields.is_empty() {
            Ok(filters)
        } else {
            Err(Error::invalid(
                "Some filters of the activity view are not valid.",
                fields,
            ))
        }
    }
}

/// Names for the rows: people from the snapshot, doors from the rules in force.
pub(crate) struct Names {
    people: HashMap<String, String>,
    doors: HashMap<String, String>,
}

impl Names {
    pub(crate) fn of(hub: &Hub) -> Names {
        let snapshot = hub.snapshot();
        let people = snapshot
            .members()
            .iter()
            .filter_map(|m| Some((m.user_id.clone()?, m.name.clone()?)))
            .collect();
        let doors = hub
            .rules()
            .doors()
            .iter()
            .map(|d| (d.id.0.clone(), d.name.clone()))
            .collect();
        Names { people, doors }
    }

    pub(crate) fn row(&self, f: Found) -> ActivityRow {
        ActivityRow {
            id: f.id,
            who: f.user_id.as_ref().and_then(|u| self.people.get(u).cloned()),
            door_name: self.doors.get(&f.door_id).cloned(),
            at: f.at,
            last_at: f.last_at,
            user_id: f.user_id,
            staff: f.staff,
            door: f.door_id,
            outcome: f.decision,
            code: f.code,
            reasons: f.reasons,
            driver_result: f.driver_result,
            latency_ms: f.latency_us.max(0) as f64 / 1000.0,
            count: u32::try_from(f.count).unwrap_or(u32::MAX),
            check_in: f.check_in,
        }
    }
}

/// One CSV cell: a cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
/// a tab or a carriage return) gets a leading `'`; then RFC 4180 quoting where needed.
pub fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// The CSV's header row.
pub const CSV_HEADER: &str =
    "id,at,last_at,user_id,who,staff,door,door_name,outcome,code,reasons,driver_result,latency_ms,count,check_in\r\n";

pub(crate) fn csv_line(row: &ActivityRow) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let cells = [
        row.id.to_string(),
        row.at.clone(),
        opt(&row.last_at),
        opt(&row.user_id),
        opt(&row.who),
        row.staff.to_string(),
        row.door.clone(),
        opt(&row.door_name),
        row.outcome.clone(),
        opt(&row.code),
        row.reasons.join("; "),
        opt(&row.driver_result),
        format!("{:.3}", row.latency_ms),
        row.count.to_string(),
        opt(&row.check_in),
    ];
    let mut line = cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The value at nearest rank `ceil(p / 100 × n)` of `sorted` (ascending); `None` when empty.
pub fn percentile(sorted: &[u64], p: u32) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (u64::from(p) * n as u64).div_ceil(100).max(1) as usize;
    sorted.get(rank.min(n) - 1).copied()
}

/// Checks a remote open's reason: one line, 1 to [`MAX_REASON_CHARS`] characters.
pub fn check_reason(reason: Option<&str>) -> Result<String, Error> {
    let reason = reason.map(str::trim).unwrap_or_default();
    let problem = if reason.is_empty() {
        Some("Say why the door is opened remotely (for example “courier for Alex”).".to_string())
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Some(format!("Use at most {MAX_REASON_CHARS} characters."))
    } else if reason.chars().any(char::is_control) {
        Some("Use one line of text.".to_string())
    } else {
        None
    };
    match problem {
        None => Ok(reason.to_string()),
        Some(words) => Err(Error::invalid(
            format!("The door was not opened: {words}"),
            BTreeMap::from([("reason".to_string(), words)]),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_quoted_where_needed() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a, b"), "\"a, b\"");
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 95), Some(7));
        let v: Vec<u64> = (1..=200).collect();
        assert_eq!(percentile(&v, 50), Some(100));
        assert_eq!(percentile(&v, 95), Some(190));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
    }
}
