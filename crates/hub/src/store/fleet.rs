//! What the hub sends up to its fleet ([`crate::app::fleet`]): the audit log's cursor and the
//! rows after it, and the fleet outbox of ended check-ins and sync runs.

use frontdoor_core::console::SyncRun;

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

/// One entry of the fleet outbox, as it stands now.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// A check-in that ended (its row as it is now: one retried since is pending again, and
    /// left for its next outcome).
    CheckIn {
        /// The outbox number.
        seq: i64,
        /// Its row.
        row: CheckInRow,
    },
    /// A sync run.
    Sync {
        /// The outbox number.
        seq: i64,
        /// The hub's run id.
        run_id: i64,
        /// The run.
        run: SyncRun,
    },
}

impl Store {
    /// How many audit rows the retention deleted before the fleet's stream had them.
    pub fn fleet_unsent_pruned(&self) -> Result<u64, Error> {
        let value: Option<String> = self
            .read()
            .query_row("SELECT value FROM meta WHERE key = 'fleet_unsent_pruned'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(ctx("reading the rows pruned before the fleet had them"))?;
        Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Marks the hub as out of any fleet (it starts without `[fleet]`): nothing more is numbered
    /// in the fleet outbox, and what waits there is dropped.
    pub fn leave_fleet(&self) -> Result<(), Error> {
        // A hub that never joined (nearly every start) only reads.
        let joined: Option<String> = self
            .read()
            .query_row("SELECT value FROM meta WHERE key = 'fleet_joined'", [], |r| r.get(0))
            .optional()
            .map_err(ctx("leaving the fleet"))?;
        if joined.is_none() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("leaving the fleet"))?;
        tx.execute("DELETE FROM meta WHERE key = 'fleet_joined'", [])
            .map_err(ctx("leaving the fleet"))?;
        tx.execute("DELETE FROM fleet_outbox", [])
            .map_err(ctx("leaving the fleet"))?;
        tx.commit().map_err(ctx("leaving the fleet"))
    }

    /// Marks the hub as joined to a fleet: from now on, ended check-ins and sync runs are
    /// numbered in the fleet outbox (by the triggers of migration 8). Answers this database's
    /// incarnation: a random id made the first time, kept for good.
    pub fn join_fleet(&self) -> Result<String, Error> {
        let mut fresh = [0u8; 8];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut fresh);
        let fresh: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
        let conn = self.conn();
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('fleet_joined', '1'), ('fleet_incarnation', ?1)",
            [fresh],
        )
        .map_err(ctx("joining the fleet"))?;
        conn.query_row("SELECT value FROM meta WHERE key = 'fleet_incarnation'", [], |r| {
            r.get(0)
        })
        .map_err(ctx("joining the fleet"))
    }

    /// The first `limit` outbox entries, oldest first, with their rows as they are now; an
    /// entry whose row is gone is returned as nothing and deleted with the rest.
    pub fn outbox_to_send(&self, limit: u32) -> Result<(Vec<Outgoing>, Option<i64>), Error> {
        let conn = self.read();
        let rows = select_all(
            &conn,
            "reading the fleet outbox",
            "SELECT o.seq, o.kind, c.membership_id, c.day, c.user_id, c.state, c.queued_at, c.attempts, \
             c.next_attempt_ms, c.last_error, c.cobot_id, c.valid_from, c.valid_until, \
             s.id, s.kind, s.started_at, s.finished_at, s.ok, s.report \
             FROM fleet_outbox o \
             LEFT JOIN check_ins c ON o.kind = 'check_in' AND c.membership_id = o.membership_id \
                 AND c.day = o.day AND c.queued_at = o.queued_at \
             LEFT JOIN sync_runs s ON o.kind = 'sync' AND s.id = o.sync_id \
             ORDER BY o.seq LIMIT ?1",
            [limit],
            |r| {
                let seq: i64 = r.get(0)?;
                let kind: String = r.get(1)?;
                let check_in = match r.get::<_, Option<String>>(2)? {
                    Some(membership_id) => Some(CheckInRow {
                        membership_id,
                        day: r.get(3)?,
                        user_id: r.get(4)?,
                        state: r.get(5)?,
                        queued_at: r.get(6)?,
                        attempts: r.get(7)?,
                        next_attempt_ms: r.get(8)?,
                        last_error: r.get(9)?,
                        cobot_id: r.get(10)?,
                        valid_from: r.get(11)?,
                        valid_until: r.get(12)?,
                    }),
                    None => None,
                };
                let sync = match r.get::<_, Option<i64>>(13)? {
                    Some(run_id) => {
                        let report: String = r.get(18)?;
                        Some((
                            run_id,
                            SyncRun {
                                kind: r.get(14)?,
                                started_at: r.get(15)?,
                                finished_at: r.get(16)?,
                                ok: r.get(17)?,
                                report: serde_json::from_str(&report).unwrap_or(serde_json::Value::String(report)),
                            },
                        ))
                    }
                    None => None,
                };
                Ok((seq, kind, check_in, sync))
            },
        )?;
        let last = rows.last().map(|(seq, ..)| *seq);
        let out = rows
            .into_iter()
            .filter_map(|(seq, kind, check_in, sync)| match (kind.as_str(), check_in, sync) {
                ("check_in", Some(row), _) => Some(Outgoing::CheckIn { seq, row }),
                ("sync", _, Some((run_id, run))) => Some(Outgoing::Sync { seq, run_id, run }),
                _ => None,
            })
            .collect();
        Ok((out, last))
    }

    /// Deletes the outbox entries up to `through`: the fleet's stream has them.
    pub fn outbox_sent(&self, through: i64) -> Result<(), Error> {
        self.conn()
            .execute("DELETE FROM fleet_outbox WHERE seq <= ?1", [through])
            .map_err(ctx("clearing the fleet outbox"))?;
        Ok(())
    }
}

/// Where the hub keeps how it took each key sent down: `meta` under this prefix and the key.
const DOWN_PREFIX: &str = "fleet_down:";

impl Store {
    /// The revision of `key` the hub last took (applied or refused), if any.
    pub fn down_taken(&self, key: &str) -> Result<Option<u64>, Error> {
        Ok(self
            .down_outcome(key)?
            .map(|outcome: frontdoor_core::fleet::DownOutcome| outcome.revision))
    }

    fn down_outcome(&self, key: &str) -> Result<Option<frontdoor_core::fleet::DownOutcome>, Error> {
        let value: Option<String> = self
            .read()
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("{DOWN_PREFIX}{key}")],
                |r| r.get(0),
            )
            .optional()
            .map_err(ctx("reading what the fleet sent down"))?;
        Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
    }

    /// Keeps how the hub took a key sent down.
    pub fn down_took(&self, outcome: &frontdoor_core::fleet::DownOutcome) -> Result<(), Error> {
        let value = serde_json::to_string(outcome).map_err(|e| Error::Corrupt(e.to_string()))?;
        self.conn()
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![format!("{DOWN_PREFIX}{}", outcome.key), value],
            )
            .map_err(ctx("keeping what the fleet sent down"))?;
        Ok(())
    }

    /// How the hub took each key sent down, by key.
    pub fn down_outcomes(&self) -> Result<Vec<frontdoor_core::fleet::DownOutcome>, Error> {
        let conn = self.read();
        let values = select_all(
            &conn,
            "reading what the fleet sent down",
            "SELECT value FROM meta WHERE key >= ?1 AND key < ?2 ORDER BY key",
            params![DOWN_PREFIX, "fleet_down;"],
            |r| r.get::<_, String>(0),
        )?;
        Ok(values.iter().filter_map(|v| serde_json::from_str(v).ok()).collect())
    }
}
