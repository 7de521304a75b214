//! The staff's reads of the audit log: the activity view's filtered rows (keyset paged by id),
//! one door's history (its last failure, last opening) and the handling times of its latest
//! openings. Reads only, on the read connection.

use frontdoor_core::console::LATENCY_WINDOW;
use jiff::Timestamp;
use rusqlite::types::Value as SqlValue;
use rusqlite::OptionalExtension;

use crate::store::{ctx, select_all, Store};

/// Checked filters.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Cobot user ids the person filter stands for (`None`: anyone).
    pub users: Option<Vec<String>>,
    /// Door id.
    pub door: Option<String>,
    /// One of the audit log's outcomes (`opened`, `refused`, …).
    pub outcome: Option<String>,
    /// From this instant on (inclusive).
    pub from: Option<Timestamp>,
    /// Before this instant (exclusive).
    pub to: Option<Timestamp>,
    /// Rows older than this id only.
    pub before_id: Option<i64>,
    /// Rows at most.
    pub limit: u32,
}

/// One audit row as read for the view, before names are added.
#[derive(Debug, Clone)]
pub struct Found {
    pub(crate) id: i64,
    pub(crate) at: String,
    pub(crate) user_id: Option<String>,
    pub(crate) staff: bool,
    pub(crate) door_id: String,
    pub(crate) decision: String,
    pub(crate) code: Option<String>,
    pub(crate) reasons: Vec<String>,
    pub(crate) driver_result: Option<String>,
    pub(crate) latency_us: i64,
    pub(crate) count: i64,
    pub(crate) last_at: Option<String>,
    pub(crate) check_in: Option<String>,
}

/// What the audit log says about one door.
#[derive(Debug, Default)]
pub struct DoorHistory {
    /// Its last failed opening: when, and what the driver (or the hub) said.
    pub last_failure: Option<(String, String)>,
    /// When it last opened.
    pub last_opened_at: Option<String>,
    /// Handling times of its latest openings, in microseconds.
    pub latencies_us: Vec<u64>,
}

/// The smallest text of a 19-character `YYYY-MM-DDTHH:MM:SS` prefix: every stored time of that
/// second or later sorts at or after it, whatever its fraction (stored times are UTC, `Z`).
fn second_of(t: Timestamp) -> String {
    let mut text = t.to_string();
    text.truncate(19);
    text
}

impl Store {
    /// Audit rows matching `filters`, newest first. Times are compared exactly (SQLite's
    /// `julianday`), after a text bound on the indexed `at` that only narrows the scan.
    pub fn activity(&self, filters: &Filters) -> Result<Vec<Found>, crate::store::Error> {
        let mut sql = String::from(
            "SELECT id, at, user_id, staff, door_id, decision, code, reasons, driver_result, latency_us, count, \
             last_at, check_in FROM audit WHERE 1 = 1",
        );
        let mut args: Vec<SqlValue> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, value: SqlValue| {
            args.push(value);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(users) = &filters.users {
            let list = serde_json::to_string(users).unwrap_or_else(|_| "[]".into());
            arg(
                &mut sql,
                " AND user_id IN (SELECT value FROM json_each(?))",
                SqlValue::Text(list),
            );
        }
        if let Some(door) = &filters.door {
            arg(&mut sql, " AND door_id = ?", SqlValue::Text(door.clone()));
        }
        if let Some(outcome) = &filters.outcome {
            arg(&mut sql, " AND decision = ?", SqlValue::Text(outcome.clone()));
        }
        if let Some(from) = filters.from {
            arg(&mut sql, " AND at >= ?", SqlValue::Text(second_of(from)));
            arg(
                &mut sql,
                " AND julianday(at) >= julianday(?)",
                SqlValue::Text(from.to_string()),
            );
        }
        if let Some(to) = filters.to {
            // Every text starting with that second sorts before it followed by '~'.
            arg(&mut sql, " AND at < ?", SqlValue::Text(format!("{}~", second_of(to))));
            arg(
                &mut sql,
                " AND julianday(at) < julianday(?)",
                SqlValue::Text(to.to_string()),
            );
        }
        if let Some(before) = filters.before_id {
            arg(&mut sql, " AND id < ?", SqlValue::Integer(before));
        }
        arg(
            &mut sql,
            " ORDER BY id DESC LIMIT ?",
            SqlValue::Integer(i64::from(filters.limit)),
        );
        let conn = self.read();
        select_all(
            &conn,
            "reading the activity",
            &sql,
            rusqlite::params_from_iter(args),
            |r| {
                let reasons: String = r.get(7)?;
                Ok(Found {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    user_id: r.get(2)?,
                    staff: r.get(3)?,
                    door_id: r.get(4)?,
                    decision: r.get(5)?,
                    code: r.get(6)?,
                    reasons: serde_json::from_str(&reasons).unwrap_or_default(),
                    driver_result: r.get(8)?,
                    latency_us: r.get(9)?,
                    count: r.get(10)?,
                    last_at: r.get(11)?,
                    check_in: r.get(12)?,
                })
            },
        )
    }

    /// `latency_us` of `door`'s newest `limit` `opened` rows, newest first.
    pub fn opened_latencies(&self, door: &str, limit: u32) -> Result<Vec<u64>, crate::store::Error> {
        let latencies = select_all(
            &self.read(),
            "reading door latencies",
            "SELECT latency_us FROM audit WHERE door_id = ?1 AND decision = 'opened' ORDER BY id DESC LIMIT ?2",
            rusqlite::params![door, limit],
            |r| r.get::<_, i64>(0),
        )?;
        Ok(latencies.into_iter().map(|us| u64::try_from(us).unwrap_or(0)).collect())
    }

    /// One door's history from the audit log (read through its door index).
    pub fn door_history(&self, door: &str) -> Result<DoorHistory, crate::store::Error> {
        let last_failure = {
            let conn = self.read();
            conn.query_row(
                "SELECT at, driver_result, reasons FROM audit WHERE door_id = ?1 AND decision = 'failed' \
                 ORDER BY id DESC LIMIT 1",
                [door],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(ctx("reading a door's last failure"))?
        };
        let last_failure = last_failure.map(|(at, driver_result, reasons)| {
            let reasons: Vec<String> = serde_json::from_str(&reasons).unwrap_or_default();
            let what = driver_result
                .or_else(|| reasons.last().cloned())
                .unwrap_or_else(|| "the opening failed".into());
            (at, what)
        });
        let last_opened_at = {
            let conn = self.read();
            conn.query_row(
                "SELECT at FROM audit WHERE door_id = ?1 AND decision = 'opened' ORDER BY id DESC LIMIT 1",
                [door],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(ctx("reading a door's last opening"))?
        };
        Ok(DoorHistory {
            last_failure,
            last_opened_at,
            latencies_us: self.opened_latencies(door, LATENCY_WINDOW)?,
        })
    }
}

#[cfg(test)]
mod tests;
