//! The check-in outbox: one check-in per entry, queued with its audit entry, and its way to Cobot.

use super::audit::insert_audit;
use super::*;

/// A check-in to queue with an audit entry: the member, the entry, and what stands for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInIntent {
    /// The membership to check in.
    pub membership_id: String,
    /// The Cobot user.
    pub user_id: String,
    /// The space's calendar day of the entry (ISO date), by which staff look check-ins up.
    pub day: String,
    /// The entry: the opening's instant (its audit entry's `at`); the row's `queued_at`.
    pub at: Timestamp,
    /// The start of the entry's Cobot day (04:00 local): a check-in still pending from before it
    /// is on its way to `missed` and does not stand in for this entry.
    pub stale_before: Timestamp,
    /// A check-in Cobot made for this entry before the door opened (`no_pass = "refuse"`).
    pub known: Option<KnownCheckIn>,
}

/// A check-in as Cobot answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownCheckIn {
    /// Cobot's id.
    pub cobot_id: String,
    /// When it began.
    pub valid_from: Timestamp,
    /// When it ends.
    pub valid_until: Timestamp,
}

/// Which outbox row: the member, the day, and the entry that queued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckInKey<'a> {
    /// The membership.
    pub membership_id: &'a str,
    /// The space's calendar day (ISO date).
    pub day: &'a str,
    /// The entry (RFC 3339), as stored.
    pub queued_at: &'a str,
}

/// One row of the check-in outbox: one entry's check-in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckInRow {
    /// The membership.
    pub membership_id: String,
    /// The space's calendar day (ISO date).
    pub day: String,
    /// The Cobot user.
    pub user_id: Option<String>,
    /// `held` (its door is opening), `pending`, `checked_in`, `refused` or `missed`.
    pub state: String,
    /// The entry that queued it (RFC 3339); with the member and day, its key.
    pub queued_at: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due (Unix milliseconds).
    pub next_attempt_ms: i64,
    /// The last failure, in words.
    pub last_error: Option<String>,
    /// Cobot's check-in id, once done.
    pub cobot_id: Option<String>,
    /// Cobot's `valid_from` (RFC 3339), once done.
    pub valid_from: Option<String>,
    /// Cobot's `valid_until` (RFC 3339), once done.
    pub valid_until: Option<String>,
}

pub(crate) const CHECK_IN_COLUMNS: &str = "membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, last_error, cobot_id, valid_from, valid_until";

pub(crate) fn check_in_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckInRow> {
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

/// How long a check-in stays `held` while its pulse runs before the worker treats it as
/// pending anyway (the hub could not record the pulse's end).
pub const HELD_FOR_MS: i64 = 60_000;

/// What an opening found or did about checking the member in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    /// This opening queued a check-in (held until the pulse ends).
    Queued,
    /// An earlier entry's check-in is on its way; Cobot has not confirmed it yet.
    StillPending,
    /// A check-in of the member is still running (its `valid_until` is ahead).
    Running,
    /// Cobot checked the member in for this entry before the door opened.
    CheckedInAtDoor,
    /// This very entry's check-in (the same instant) was refused or missed.
    Refused,
}

/// Whether a check-in of the member stands for an entry at `at`: one still running (its
/// `valid_until` after `at`), or one on its way (held or pending, queued since `stale_before`).
/// Reads the newest rows only: a member's rows are made one at a time, newest last.
pub(crate) fn standing_check_in(
    conn: &Connection,
    membership_id: &str,
    at: Timestamp,
    stale_before: Timestamp,
) -> Result<Option<Intent>, Error> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT state, queued_at, valid_until FROM check_ins WHERE membership_id = ?1 ORDER BY rowid DESC LIMIT 20",
        )
        .map_err(ctx("reading the check-in outbox"))?;
    let rows = stmt
        .query_map([membership_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(ctx("reading the check-in outbox"))?;
    for row in rows {
        let (state, queued_at, valid_until) = row.map_err(ctx("reading the check-in outbox"))?;
        let queued = queued_at.parse::<Timestamp>().ok();
        let until = valid_until.and_then(|t| t.parse::<Timestamp>().ok());
        match state.as_str() {
            "held" | "pending" if queued.is_some_and(|q| q >= stale_before) => return Ok(Some(Intent::StillPending)),
            "checked_in" if until.is_some_and(|u| u > at) => return Ok(Some(Intent::Running)),
            _ => {}
        }
    }
    Ok(None)
}

/// Phase one of an opening, **before** the pulse: the audit entry (decision `opening`, "may have
/// opened") and, on an entrance, the entry's check-in — held until the pulse ends, unless a
/// check-in of the member still runs or is on its way ([`standing_check_in`]); one Cobot made
/// before the door is recorded as done. In one transaction with the other writes of the
/// journal's batch, which runs one at a time, so two openings never both queue one. If this
/// cannot be committed, the door is not opened.
pub(crate) fn record_opening(
    conn: &Connection,
    entry: &AuditEntry,
    check_in: Option<&CheckInIntent>,
    wall_ms: i64,
) -> Result<(i64, Option<Intent>), Error> {
    let intent = match check_in {
        Some(c) => Some(queue_check_in(conn, c, wall_ms)?),
        None => None,
    };
    let mut entry = entry.clone();
    entry.check_in = match intent {
        Some(Intent::Queued) => Some("queued".into()),
        Some(Intent::StillPending) => Some("pending".into()),
        Some(Intent::Running) => Some("already_checked_in".into()),
        Some(Intent::CheckedInAtDoor) => Some("checked_in_at_door".into()),
        Some(Intent::Refused) => Some("refused".into()),
        None => entry.check_in,
    };
    Ok((insert_audit(conn, &entry)?, intent))
}

pub(crate) fn queue_check_in(conn: &Connection, c: &CheckInIntent, wall_ms: i64) -> Result<Intent, Error> {
    if let Some(known) = &c.known {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO check_ins (membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, \
             cobot_id, valid_from, valid_until) VALUES (?1, ?2, ?3, 'checked_in', ?4, 1, ?5, ?6, ?7, ?8)",
        )
        .map_err(ctx("recording a check-in"))?
        .execute(params![
            c.membership_id,
            c.day,
            c.user_id,
            c.queued_at(),
            wall_ms,
            known.cobot_id,
            known.valid_from.to_string(),
            known.valid_until.to_string()
        ])
        .map_err(ctx("recording a check-in"))?;
        return Ok(Intent::CheckedInAtDoor);
    }
    if let Some(standing) = standing_check_in(conn, &c.membership_id, c.at, c.stale_before)? {
        return Ok(standing);
    }
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO check_ins (membership_id, day, user_id, state, queued_at, next_attempt_ms) \
             VALUES (?1, ?2, ?3, 'held', ?4, ?5)",
        )
        .map_err(ctx("queueing a check-in"))?
        .execute(params![
            c.membership_id,
            c.day,
            c.user_id,
            c.queued_at(),
            wall_ms + HELD_FOR_MS
        ])
        .map_err(ctx("queueing a check-in"))?;
    if added == 1 {
        return Ok(Intent::Queued);
    }
    // The same member, day and instant (a clock that stands still): that row is this entry's.
    let state: String = conn
        .query_row(
            "SELECT state FROM check_ins WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3",
            params![c.membership_id, c.day, c.queued_at()],
            |r| r.get(0),
        )
        .map_err(ctx("reading the check-in outbox"))?;
    Ok(match state.as_str() {
        "checked_in" => Intent::Running,
        "pending" | "held" => Intent::StillPending,
        _ => Intent::Refused,
    })
}

/// Records a check-in Cobot refused before the door (`no_pass = "refuse"`): the entry's row,
/// refused with Cobot's words, so staff and the member see why the door stayed shut.
pub(crate) fn record_refused_check_in(
    conn: &Connection,
    c: &CheckInIntent,
    reason: &str,
    wall_ms: i64,
) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO check_ins (membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, \
         last_error) VALUES (?1, ?2, ?3, 'refused', ?4, 1, ?5, ?6)",
    )
    .map_err(ctx("recording a refused check-in"))?
    .execute(params![
        c.membership_id,
        c.day,
        c.user_id,
        c.queued_at(),
        wall_ms,
        reason
    ])
    .map_err(ctx("recording a refused check-in"))?;
    Ok(())
}

/// Phase two, after the pulse: the audit entry's outcome, and the held check-in released to the
/// worker (the door may have opened) or dropped (it surely did not).
pub(crate) fn finish_opening(
    conn: &Connection,
    audit_id: i64,
    entry: &AuditEntry,
    queued: Option<&CheckInIntent>,
    check_in_now: bool,
    wall_ms: i64,
) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE audit SET decision = ?2, code = ?3, driver_result = ?4, may_have_opened = ?5, latency_us = ?6 \
         WHERE id = ?1",
    )
    .map_err(ctx("writing the audit log"))?
    .execute(params![
        audit_id,
        entry.decision,
        entry.code,
        entry.driver_result,
        entry.may_have_opened,
        i64::try_from(entry.latency_us).unwrap_or(i64::MAX),
    ])
    .map_err(ctx("writing the audit log"))?;
    if let Some(c) = queued {
        if check_in_now {
            conn.prepare_cached(
                "UPDATE check_ins SET state = 'pending', next_attempt_ms = ?4 \
                 WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3 AND state = 'held'",
            )
            .map_err(ctx("queueing a check-in"))?
            .execute(params![c.membership_id, c.day, c.queued_at(), wall_ms])
            .map_err(ctx("queueing a check-in"))?;
        } else {
            conn.prepare_cached(
                "DELETE FROM check_ins WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3 AND state = 'held'",
            )
            .map_err(ctx("dropping a check-in"))?
            .execute(params![c.membership_id, c.day, c.queued_at()])
            .map_err(ctx("dropping a check-in"))?;
        }
    }
    Ok(())
}

impl Store {
    /// Pending check-ins due at `now_ms`, oldest first.
    pub fn due_check_ins(&self, now_ms: i64) -> Result<Vec<CheckInRow>, Error> {
        let conn = self.read();
        select_all(
            &conn,
            "reading the check-in outbox",
            &format!(
                "SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE state IN ('pending', 'held') AND next_attempt_ms <= ?1 \
                 ORDER BY next_attempt_ms"
            ),
            [now_ms],
            check_in_row,
        )
    }

    /// When the next pending check-in is due (Unix milliseconds), if any is pending.
    pub fn next_check_in_due(&self) -> Result<Option<i64>, Error> {
        self.read()
            .query_row(
                "SELECT MIN(next_attempt_ms) FROM check_ins WHERE state IN ('pending', 'held')",
                [],
                |r| r.get(0),
            )
            .map_err(ctx("reading the check-in outbox"))
    }

    /// Every outbox row, for tests and staff views: newest day first.
    pub fn check_ins(&self) -> Result<Vec<CheckInRow>, Error> {
        let conn = self.read();
        select_all(
            &conn,
            "reading the check-in outbox",
            &format!("SELECT {CHECK_IN_COLUMNS} FROM check_ins ORDER BY day DESC, rowid DESC"),
            [],
            check_in_row,
        )
    }

    /// A membership's check-ins, newest first, at most `limit`.
    pub fn check_ins_of(&self, membership_id: &str, limit: u32) -> Result<Vec<CheckInRow>, Error> {
        let conn = self.read();
        select_all(&conn, "reading check-ins", &format!(
                "SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE membership_id = ?1 ORDER BY day DESC, rowid DESC LIMIT ?2"
            ), params![membership_id, limit], check_in_row)
    }

    /// Marks an entry's check-in done: Cobot has it (made now, or found already there).
    pub fn check_in_done(&self, key: &CheckInKey<'_>, check_in: &KnownCheckIn) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE check_ins SET state = 'checked_in', attempts = attempts + 1, last_error = NULL, cobot_id = ?4, \
                 valid_from = ?5, valid_until = ?6 WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3",
                params![
                    key.membership_id,
                    key.day,
                    key.queued_at,
                    check_in.cobot_id,
                    check_in.valid_from.to_string(),
                    check_in.valid_until.to_string()
                ],
            )
            .map(|_| ())
            .map_err(ctx("recording a check-in"))
    }

    /// Marks an entry's check-in refused by Cobot (final for that entry: a later entry asks
    /// again).
    pub fn check_in_refused_entry(&self, key: &CheckInKey<'_>, reason: &str) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE check_ins SET state = 'refused', attempts = attempts + 1, last_error = ?4 \
                 WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3",
                params![key.membership_id, key.day, key.queued_at, reason],
            )
            .map(|_| ())
            .map_err(ctx("recording a refused check-in"))
    }

    /// Marks the member's newest check-in of `day` refused by Cobot (staff tools and tests).
    pub fn check_in_refused(&self, membership_id: &str, day: &str, reason: &str) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE check_ins SET state = 'refused', attempts = attempts + 1, last_error = ?3 \
                 WHERE rowid = (SELECT MAX(rowid) FROM check_ins WHERE membership_id = ?1 AND day = ?2)",
                params![membership_id, day, reason],
            )
            .map(|_| ())
            .map_err(ctx("recording a refused check-in"))
    }

    /// After a restart: an opening the previous process left unfinished (it stopped between the
    /// first write and the pulse's end) may have opened the door. Its audit entry says so and its
    /// check-in goes to the worker. Returns how many openings were interrupted.
    pub fn recover_interrupted(&self, wall_ms: i64) -> Result<usize, Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("recovering interrupted openings"))?;
        let interrupted = tx
            .execute(
                "UPDATE audit SET decision = 'interrupted', driver_result = \
                 'the hub stopped while opening this door; it may have opened' WHERE decision = 'opening'",
                [],
            )
            .map_err(ctx("recovering interrupted openings"))?;
        tx.execute(
            "UPDATE check_ins SET state = 'pending', next_attempt_ms = ?1 WHERE state = 'held'",
            [wall_ms],
        )
        .map_err(ctx("recovering interrupted openings"))?;
        tx.commit().map_err(ctx("recovering interrupted openings"))?;
        Ok(interrupted)
    }

    /// Marks an entry's check-in whose Cobot day ended before Cobot could be told (final: Cobot
    /// checks in "now", so posting it later would check the member in on the wrong day).
    pub fn check_in_missed(&self, key: &CheckInKey<'_>, reason: &str) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE check_ins SET state = 'missed', last_error = ?4 \
                 WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3",
                params![key.membership_id, key.day, key.queued_at, reason],
            )
            .map(|_| ())
            .map_err(ctx("recording a missed check-in"))
    }

    /// Records a failed attempt and when to try again.
    pub fn check_in_retry(&self, key: &CheckInKey<'_>, next_attempt_ms: i64, error: &str) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE check_ins SET state = 'pending', attempts = attempts + 1, next_attempt_ms = ?4, \
                 last_error = ?5 WHERE membership_id = ?1 AND day = ?2 AND queued_at = ?3 \
                 AND state IN ('pending', 'held')",
                params![key.membership_id, key.day, key.queued_at, next_attempt_ms, error],
            )
            .map(|_| ())
            .map_err(ctx("recording a check-in attempt"))
    }

    /// Whether a check-in of the member stands for an entry at `at` ([`standing_check_in`]), from
    /// the read-only connection: what an opening checks before asking Cobot at the door.
    pub fn standing_check_in(
        &self,
        membership_id: &str,
        at: Timestamp,
        stale_before: Timestamp,
    ) -> Result<Option<Intent>, Error> {
        standing_check_in(&self.read(), membership_id, at, stale_before)
    }

    /// Makes every pending check-in due now (staff asked, or Cobot is back).
    pub fn check_ins_due_now(&self, now_ms: i64) -> Result<(), Error> {
        self.conn()
            .execute(
                "UPDATE check_ins SET next_attempt_ms = ?1 WHERE state = 'pending' AND next_attempt_ms > ?1",
                [now_ms],
            )
            .map(|_| ())
            .map_err(ctx("rescheduling check-ins"))
    }
}
