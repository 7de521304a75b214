//! What the hub has sent up to its fleet ([`crate::app::fleet`]): the audit log's cursor, and
//! the rows after it.

use super::audit::{audit_row, AUDIT_COLUMNS};
use super::*;

const CURSOR_KEY: &str = "fleet_audit_cursor";

/// Audit rows to send up.
#[derive(Debug, Default)]
pub struct ToSend {
    /// The final rows after the cursor in order, stopping before the first opening still under
    /// way (its row changes when it ends); then the burst rows at or before the cursor counted
    /// on since the time asked for.
    pub rows: Vec<AuditRow>,
    /// Where the cursor goes once all of `rows` are in the fleet's stream.
    pub through: i64,
}

impl Store {
    /// The id of the last audit row the fleet's stream acknowledged (0 before any).
    pub fn fleet_cursor(&self) -> Result<i64, Error> {
        let value: Option<String> = self
            .read()
            .query_row("SELECT value FROM meta WHERE key = ?1", [CURSOR_KEY], |r| r.get(0))
            .optional()
            .map_err(ctx("reading the fleet cursor"))?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Moves the cursor forward to `through` (never back).
    pub fn set_fleet_cursor(&self, through: i64) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = \
                 CASE WHEN CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER) THEN excluded.value ELSE value END",
                params![CURSOR_KEY, through.to_string()],
            )
            .map_err(ctx("writing the fleet cursor"))?;
        Ok(())
    }

    /// Up to `limit` rows after `after`, and the burst rows of the last minutes (`at` from
    /// `bursts_since`) at or before it: a burst row is counted on for a minute after it was
    /// written, and each count must reach the fleet.
    pub fn audit_to_send(&self, after: i64, limit: u32, bursts_since: Timestamp) -> Result<ToSend, Error> {
        let conn = self.read();
        let new = select_all(
            &conn,
            "reading the audit log for the fleet",
            &format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2"),
            params![after, limit],
            audit_row,
        )?;
        let mut through = after;
        let mut rows = Vec::with_capacity(new.len());
        for row in new {
            if row.entry.decision == "opening" {
                break;
            }
            through = row.id;
            rows.push(row);
        }
        let bursts = select_all(
            &conn,
            "reading the audit log for the fleet",
            &format!(
                "SELECT {AUDIT_COLUMNS} FROM audit WHERE at >= ?1 AND last_at IS NOT NULL AND id <= ?2 ORDER BY id"
            ),
            params![bursts_since.to_string(), after],
            audit_row,
        )?;
        rows.extend(bursts);
        Ok(ToSend { rows, through })
    }
}
