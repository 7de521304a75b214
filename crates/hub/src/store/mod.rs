//! The hub's SQLite store (WAL, `synchronous = FULL`): the last good snapshot of the space's
//! memberships and plans, sync runs with their reports, hub sessions, the audit log of every
//! unlock request, and the check-in outbox.
//!
//! Architecture Invariants:
//! - a full sync replaces the snapshot in one transaction, so readers and a crash see either the
//!   old snapshot or the new one, never a mix;
//! - an unlock's audit entry and its check-in intent are committed together, in one transaction,
//!   before the member gets an answer and before Cobot is called; `synchronous = FULL` makes that
//!   commit survive a power cut, not only a crash;
//! - the outbox holds one check-in per entry (membership, day, entry), and an entry queues one
//!   only when none of the member's is running or on its way — decided inside the journal's
//!   transaction, one at a time — so no number of taps, retries or restarts checks a member in
//!   twice for one stay.
//!
//! The schema is versioned (`PRAGMA user_version`, through `rusqlite_migration`): [`MIGRATIONS`]
//! brings any earlier database forward when it opens, in one transaction, keeping its data.
//!
//! Storage is bounded: the audit log is pruned by age and by row count ([`Store::prune_audit`],
//! run at start and hourly by [`crate::store::journal::run_retention`]), a burst of one person's
//! refusals is one row with a `count`, and when the disk or database is full the journal makes
//! room by dropping the oldest audit rows — never the check-in outbox (see [`crate::store::journal`]).

pub mod access_setup;
pub mod activity;
pub mod attempts;
mod audit;
mod check_ins;
pub mod cobot_connection;
pub mod devices;
pub mod doors;
pub mod fleet;
pub mod journal;
mod members;
pub mod plans;
mod schema;
mod sessions;
pub mod snapshot;

pub(crate) use audit::{add_to_burst, prune_oldest_audit, record_unlock};
pub use audit::{AuditEntry, AuditRow, Pruned, Storage, LOW_DISK_BYTES, LOW_DISK_SHARE, LOW_DISK_SHARE_CAP};
pub(crate) use check_ins::{check_in_row, finish_opening, record_opening, record_refused_check_in, CHECK_IN_COLUMNS};
pub use check_ins::{CheckInIntent, CheckInKey, CheckInRow, Intent, KnownCheckIn, HELD_FOR_MS};
pub use schema::MIGRATIONS;
pub use sessions::SessionRow;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use crate::store::snapshot::{MemberRecord, Snapshot};

/// A store error, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite refused or failed.
    #[error("the hub's database failed while {doing}: {source}")]
    Sqlite {
        /// What the hub was doing.
        doing: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The database's schema could not be brought to this version's (for instance, it was made
    /// by a newer hub).
    #[error("the hub's database could not be brought to this version's schema: {0}")]
    Migration(#[source] rusqlite_migration::Error),
    /// A stored value does not have the shape this version writes.
    #[error("the hub's database holds a value this hub cannot read: {0}")]
    Corrupt(String),
    /// The file is not a whole SQLite database: cut short, overwritten, or not a database at all.
    /// The hub does not start on it and does not touch it.
    #[error(
        "the hub's database is damaged ({found}), so the hub will not start on it and has left it as it is. \
         Restore it from a backup, or move it aside to start with an empty one: the hub then syncs Cobot again \
         and members sign in again, and the old file keeps the audit log and any check-ins not yet sent"
    )]
    Damaged {
        /// What SQLite found.
        found: String,
    },
}

impl Error {
    /// The database or the disk under it is full (SQLite's `SQLITE_FULL`), or writing failed with
    /// an I/O error (`SQLITE_IOERR`, which is what a write refused for lack of space or for the
    /// file-size limit becomes): making room may help.
    pub fn is_full(&self) -> bool {
        match self {
            Error::Sqlite { source, .. } => is_full(source),
            Error::Migration(_) | Error::Corrupt(_) | Error::Damaged { .. } => false,
        }
    }
}

/// See [`Error::is_full`].
pub(crate) fn is_full(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::SystemIoFailure)
    )
}

pub(crate) fn ctx(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |source| Error::Sqlite { doing, source }
}

/// Every row `sql` selects with `params`, each read by `row`: the one shape of every list the
/// store reads. `doing` names the read in an error; the statement is cached on `conn`.
pub(crate) fn select_all<T>(
    conn: &Connection,
    doing: &'static str,
    sql: &str,
    params: impl rusqlite::Params,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, Error> {
    let mut stmt = conn.prepare_cached(sql).map_err(ctx(doing))?;
    let rows = stmt.query_map(params, row).map_err(ctx(doing))?;
    rows.collect::<Result<_, _>>().map_err(ctx(doing))
}

/// The store: one connection for writes and, for a database file, a second one for reads, so
/// an unlock's session lookup never waits behind a full sync's or the journal's commit (WAL lets
/// readers run beside the writer).
pub struct Store {
    conn: Mutex<Connection>,
    reader: Option<Mutex<Connection>>,
    /// The database file; `None` in memory.
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (and creates) the database at `path`; `:memory:` for a throwaway store.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let mut conn = Connection::open(path).map_err(ctx("opening the database"))?;
        check_whole(&conn)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(ctx("switching to WAL"))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(ctx("setting synchronous"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(ctx("enabling foreign keys"))?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(Error::Migration)?;
        let in_memory = path == Path::new(":memory:");
        let reader = if in_memory {
            // A second connection to ":memory:" would be another, empty database.
            None
        } else {
            let reader = Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(ctx("opening the database for reading"))?;
            Some(Mutex::new(reader))
        };
        Ok(Store {
            conn: Mutex::new(conn),
            reader,
            path: (!in_memory).then(|| path.to_path_buf()),
        })
    }

    /// A store in memory (tests, and a hub run without `--db`).
    pub fn in_memory() -> Result<Store, Error> {
        Store::open(Path::new(":memory:"))
    }

    pub(crate) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection for plain reads: the reader when there is one.
    pub(crate) fn read(&self) -> std::sync::MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.lock().unwrap_or_else(|p| p.into_inner()),
            None => self.conn(),
        }
    }

    /// The secret part of the webhook callback path, made once and kept.
    pub fn webhook_secret(&self) -> Result<String, Error> {
        let conn = self.conn();
        let existing: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'webhook_secret'", [], |r| r.get(0))
            .optional()
            .map_err(ctx("reading the webhook secret"))?;
        if let Some(secret) = existing {
            return Ok(secret);
        }
        use base64::Engine;
        use rand::RngCore;
        let mut raw = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut raw);
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        conn.execute("INSERT INTO meta (key, value) VALUES ('webhook_secret', ?1)", [&secret])
            .map_err(ctx("storing the webhook secret"))?;
        Ok(secret)
    }
}

/// SQLite's `quick_check` over the whole file (and what a left-over WAL adds to it): a database
/// cut short, overwritten or not a database at all is refused by name before anything writes to
/// it. One pass over the file: about 0.4 s for 300 MB (two million audit rows, the default
/// bound) on this machine.
fn check_whole(conn: &Connection) -> Result<(), Error> {
    let damaged = |found: String| Error::Damaged { found };
    match conn.query_row("PRAGMA quick_check(1)", [], |r| r.get::<_, String>(0)) {
        Ok(found) if found == "ok" => Ok(()),
        Ok(found) => Err(damaged(found.replace('\n', "; "))),
        Err(e) => match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                Err(damaged(e.to_string()))
            }
            _ => Err(ctx("checking the database")(e)),
        },
    }
}

impl CheckInIntent {
    /// The row's `queued_at`: the entry, as text.
    pub fn queued_at(&self) -> String {
        self.at.to_string()
    }
}

impl CheckInRow {
    /// The row's key.
    pub fn key(&self) -> CheckInKey<'_> {
        CheckInKey {
            membership_id: &self.membership_id,
            day: &self.day,
            queued_at: &self.queued_at,
        }
    }
}

impl Storage {
    /// The database's disk has less than [`LOW_DISK_BYTES`] free, or less than [`LOW_DISK_SHARE`]
    /// of its size (never more than [`LOW_DISK_SHARE_CAP`]): staff should make room before doors
    /// refuse for want of an audit record.
    pub fn low_disk(&self) -> bool {
        let Some(free) = self.disk_free_bytes else {
            return false;
        };
        if free < LOW_DISK_BYTES {
            return true;
        }
        match self.disk_total_bytes {
            Some(total) if total > 0 => {
                let share = ((total as f64) * LOW_DISK_SHARE) as u64;
                free < share.min(LOW_DISK_SHARE_CAP)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
