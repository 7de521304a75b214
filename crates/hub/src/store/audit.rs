//! The audit log: every unlock request, bursts counted into one row, pruning by age and count, and what the database and its disk hold.

use super::*;

/// One unlock request as the audit log keeps it. Never holds a token or a device secret.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditEntry {
    /// When the request arrived.
    pub at: Timestamp,
    /// The Cobot user, when the session was valid.
    pub user_id: Option<String>,
    /// Their membership here, if any.
    pub membership_id: Option<String>,
    /// Whether they are staff.
    pub staff: bool,
    /// The door asked for (as sent, even if unknown).
    pub door_id: String,
    /// `opened`, `refused`, `failed` or `merged`.
    pub decision: String,
    /// The API code of a refusal or failure (`no_access`, `door_did_not_answer`, …).
    pub code: Option<String>,
    /// Why, in words: the verdict's reasons or the refusal.
    pub reasons: Vec<String>,
    /// The driver, as it describes itself.
    pub driver: Option<String>,
    /// What the driver reported: `confirmed`, `sent_unconfirmed`, or its error in words.
    pub driver_result: Option<String>,
    /// The door may have opened (a pulse succeeded, or failed after the command may have arrived).
    pub may_have_opened: bool,
    /// The hub's handling time, relay round trip included.
    pub latency_us: u64,
    /// What happened about checking in (`queued`, `already_today`).
    pub check_in: Option<String>,
}

/// A stored audit entry with its id.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AuditRow {
    /// Its id, increasing.
    pub id: i64,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// How many requests this row stands for: 1, or a burst of one person's refusals with the
    /// same code on the same door within a minute (in practice `slow_down`).
    pub count: u32,
    /// When the last request of a burst came (`None` for a single request).
    pub last_at: Option<Timestamp>,
}

/// Writes one finished audit entry (a refusal, a merged tap) in the caller's transaction (the
/// journal's group commit) and returns its id.
pub(crate) fn record_unlock(conn: &Connection, entry: &AuditEntry) -> Result<i64, Error> {
    insert_audit(conn, entry)
}

/// Counts one more refusal into the burst row `id` (the same person and code as `entry`; the
/// caller matched the door, where doors the hub does not have count as one). `false` when that
/// row is not (or no longer) such a row — pruned, or its write rolled back — so the caller writes
/// a new one.
pub(crate) fn add_to_burst(conn: &Connection, id: i64, entry: &AuditEntry) -> Result<bool, Error> {
    let changed = conn
        .prepare_cached(
            "UPDATE audit SET count = count + 1, last_at = ?2, latency_us = ?3 \
             WHERE id = ?1 AND user_id IS ?4 AND code IS ?5 AND decision = ?6",
        )
        .map_err(ctx("writing the audit log"))?
        .execute(params![
            id,
            entry.at.to_string(),
            i64::try_from(entry.latency_us).unwrap_or(i64::MAX),
            entry.user_id,
            entry.code,
            entry.decision,
        ])
        .map_err(ctx("writing the audit log"))?;
    Ok(changed == 1)
}

/// Rows deleted per transaction when pruning, so the journal's commits (and so the doors) never
/// wait long behind a prune.
pub(crate) const PRUNE_CHUNK: i64 = 10_000;

/// Makes room when the database or disk is full: deletes the oldest `share` (0–1) of the audit
/// rows, but only rows older than `min_age` before `now`, never an opening still under way, and
/// never anything of the check-in outbox. Runs in the caller's connection (the journal's);
/// returns how many rows went.
pub(crate) fn prune_oldest_audit(
    conn: &Connection,
    now: Timestamp,
    share: f64,
    min_age: SignedDuration,
) -> Result<usize, Error> {
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
        .map_err(ctx("counting audit rows"))?;
    // Rounded up, so a small log still loses at least one row.
    let n = ((rows as f64) * share.clamp(0.0, 1.0)).ceil() as i64;
    if n == 0 {
        return Ok(0);
    }
    let cutoff = now.checked_sub(min_age).unwrap_or(Timestamp::MIN);
    conn.execute(
        "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ?1 AND decision != 'opening' \
         ORDER BY id LIMIT ?2)",
        params![cutoff.to_string(), n],
    )
    .map_err(ctx("making room in the audit log"))
}

/// What [`Store::prune_audit`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Rows older than the retention.
    pub by_age: u64,
    /// The oldest rows beyond the row limit.
    pub by_count: u64,
}

/// How much the hub stores and how much room is left, for the health view.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Storage {
    /// Rows in the audit log.
    pub audit_rows: u64,
    /// When the oldest audit row was written.
    pub oldest_audit_at: Option<Timestamp>,
    /// The database's size in bytes (its write-ahead log included).
    pub db_bytes: u64,
    /// Bytes free for the hub on the database's file system; `None` in memory or when it cannot
    /// be read.
    pub disk_free_bytes: Option<u64>,
    /// The size of that file system in bytes.
    pub disk_total_bytes: Option<u64>,
}

/// Below this many free bytes the disk is low (the audit log, the outbox and the log need room).
pub const LOW_DISK_BYTES: u64 = 100 * 1024 * 1024;

/// Below this share of the file system free, the disk is low — up to [`LOW_DISK_SHARE_CAP`].
pub const LOW_DISK_SHARE: f64 = 0.05;

/// The share never asks for more than this: 2 GiB holds the whole audit log at its default bound
/// (two million rows, about 300 MB) several times over, and 5 % of a large server disk (12 GiB of
/// 250) would call a healthy hub degraded.
pub const LOW_DISK_SHARE_CAP: u64 = 2 << 30;

/// (free, total) bytes of the file system holding `dir`, for an unprivileged process.
pub(crate) fn disk_space(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only writes into the zeroed struct we own; the path is NUL-terminated.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    let unit = stat.f_frsize as u64;
    // `f_bavail`, not `f_bfree`: the blocks reserved for root are not the hub's to use.
    Some((
        (stat.f_bavail as u64).saturating_mul(unit),
        (stat.f_blocks as u64).saturating_mul(unit),
    ))
}

pub(crate) fn insert_audit(conn: &Connection, entry: &AuditEntry) -> Result<i64, Error> {
    let reasons = serde_json::to_string(&entry.reasons).unwrap_or_else(|_| "[]".into());
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO audit (at, user_id, membership_id, staff, door_id, decision, code, reasons, driver, \
             driver_result, may_have_opened, latency_us, check_in) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .map_err(ctx("writing the audit log"))?;
    insert
        .execute(params![
            entry.at.to_string(),
            entry.user_id,
            entry.membership_id,
            entry.staff,
            entry.door_id,
            entry.decision,
            entry.code,
            reasons,
            entry.driver,
            entry.driver_result,
            entry.may_have_opened,
            i64::try_from(entry.latency_us).unwrap_or(i64::MAX),
            entry.check_in,
        ])
        .map_err(ctx("writing the audit log"))?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// Deletes audit rows older than `keep_days` before `now`, then the oldest beyond `max_rows`,
    /// in small transactions so doors never wait long behind it. Openings still under way and
    /// the check-in outbox are never touched.
    pub fn prune_audit(&self, now: Timestamp, keep_days: u32, max_rows: u64) -> Result<Pruned, Error> {
        let mut pruned = Pruned::default();
        let cutoff = now
            .checked_sub(SignedDuration::from_hours(24 * i64::from(keep_days)))
            .unwrap_or(Timestamp::MIN)
            .to_string();
        pruned.by_age = self.delete_in_chunks(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ?1 AND decision != 'opening' \
             ORDER BY id LIMIT ?2)",
            &cutoff,
            "pruning old audit rows",
        )?;
        let keep = i64::try_from(max_rows).unwrap_or(i64::MAX);
        // The id of the newest row that is one too many; everything up to it goes.
        let Some(last_too_many): Option<i64> = self
            .conn()
            .query_row("SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?1", [keep], |r| {
                r.get(0)
            })
            .optional()
            .map_err(ctx("counting audit rows"))?
        else {
            return Ok(pruned);
        };
        pruned.by_count = self.delete_in_chunks(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE id <= ?1 AND decision != 'opening' \
             ORDER BY id LIMIT ?2)",
            &last_too_many,
            "pruning the oldest audit rows",
        )?;
        Ok(pruned)
    }

    /// Runs `delete` (`?1` is `bound`, `?2` the chunk) until a chunk deletes fewer than
    /// [`PRUNE_CHUNK`] rows, so no single statement holds the writer long; how many went.
    fn delete_in_chunks(&self, delete: &str, bound: &dyn rusqlite::ToSql, doing: &'static str) -> Result<u64, Error> {
        let mut total = 0;
        loop {
            let deleted = self
                .conn()
                .execute(delete, params![bound, PRUNE_CHUNK])
                .map_err(ctx(doing))?;
            total += deleted as u64;
            if (deleted as i64) < PRUNE_CHUNK {
                return Ok(total);
            }
        }
    }

    /// How much is stored and how much room is left (see [`Storage::low_disk`]). Reads only.
    pub fn storage(&self) -> Result<Storage, Error> {
        let (audit_rows, oldest_audit_at, pages, page_size) = {
            let conn = self.read();
            let audit_rows: i64 = conn
                .query_row("SELECT COUNT(*) FROM audit", [], |r| r.get(0))
                .map_err(ctx("counting audit rows"))?;
            let oldest: Option<String> = conn
                .query_row("SELECT at FROM audit ORDER BY id LIMIT 1", [], |r| r.get(0))
                .optional()
                .map_err(ctx("reading the oldest audit row"))?;
            let pages: i64 = conn
                .query_row("PRAGMA page_count", [], |r| r.get(0))
                .map_err(ctx("reading the database size"))?;
            let page_size: i64 = conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .map_err(ctx("reading the database size"))?;
            (audit_rows, oldest, pages, page_size)
        };
        let mut db_bytes = u64::try_from(pages.saturating_mul(page_size)).unwrap_or(0);
        let mut space = None;
        if let Some(path) = &self.path {
            let mut wal = path.clone().into_os_string();
            wal.push("-wal");
            db_bytes += std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0);
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir,
                _ => Path::new("."),
            };
            space = disk_space(dir);
        }
        Ok(Storage {
            audit_rows: u64::try_from(audit_rows).unwrap_or(0),
            oldest_audit_at: oldest_audit_at.and_then(|t| t.parse().ok()),
            db_bytes,
            disk_free_bytes: space.map(|(free, _)| free),
            disk_total_bytes: space.map(|(_, total)| total),
        })
    }

    /// Test hook: caps the database at `pages` pages (`PRAGMA max_page_count` on the writer), so
    /// a test can fill it as a full disk would. Returns the cap SQLite applied (never below the
    /// pages in use). `u32::MAX` lifts the cap again.
    #[doc(hidden)]
    pub fn set_max_page_count_for_tests(&self, pages: u32) -> Result<u64, Error> {
        self.conn()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(ctx("capping the database"))
    }

    /// Test hook: the writer's current size in pages.
    #[doc(hidden)]
    pub fn page_count_for_tests(&self) -> Result<u64, Error> {
        self.conn()
            .query_row("PRAGMA page_count", [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(ctx("reading the database size"))
    }

    /// Test hook: writes audit entries as they are (their own `at`), in one transaction, as an
    /// older hub would have left them.
    #[doc(hidden)]
    pub fn insert_audit_for_tests(&self, entries: &[AuditEntry]) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("writing the audit log"))?;
        for entry in entries {
            insert_audit(&tx, entry)?;
        }
        tx.commit().map_err(ctx("writing the audit log"))
    }

    /// The newest audit entries first, at most `limit`.
    pub fn audit(&self, limit: u32) -> Result<Vec<AuditRow>, Error> {
        let conn = self.read();
        select_all(
            &conn,
            "reading the audit log",
            &format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY id DESC LIMIT ?1"),
            [limit],
            audit_row,
        )
    }
}

/// The columns [`audit_row`] reads, in its order.
pub(crate) const AUDIT_COLUMNS: &str = "id, at, user_id, membership_id, staff, door_id, decision, code, reasons, \
     driver, driver_result, may_have_opened, latency_us, check_in, count, last_at";

/// One row of [`AUDIT_COLUMNS`].
pub(crate) fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    let reasons: String = r.get(8)?;
    Ok(AuditRow {
        id: r.get(0)?,
        entry: AuditEntry {
            at: r.get::<_, String>(1)?.parse().unwrap_or_default(),
            user_id: r.get(2)?,
            membership_id: r.get(3)?,
            staff: r.get(4)?,
            door_id: r.get(5)?,
            decision: r.get(6)?,
            code: r.get(7)?,
            reasons: serde_json::from_str(&reasons).unwrap_or_default(),
            driver: r.get(9)?,
            driver_result: r.get(10)?,
            may_have_opened: r.get(11)?,
            latency_us: r.get::<_, i64>(12)?.try_into().unwrap_or(0),
            check_in: r.get(13)?,
        },
        count: r.get::<_, i64>(14)?.try_into().unwrap_or(u32::MAX),
        last_at: r.get::<_, Option<String>>(15)?.and_then(|t| t.parse().ok()),
    })
}
