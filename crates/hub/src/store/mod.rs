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

pub mod journal;
pub mod plans;
pub mod snapshot;

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
}

impl Error {
    /// The database or the disk under it is full (SQLite's `SQLITE_FULL`), or writing failed with
    /// an I/O error (`SQLITE_IOERR`, which is what a write refused for lack of space or for the
    /// file-size limit becomes): making room may help.
    pub fn is_full(&self) -> bool {
        match self {
            Error::Sqlite { source, .. } => is_full(source),
            Error::Migration(_) | Error::Corrupt(_) => false,
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

/// The store: one connection for writes and, for a database file, a second one for reads, so
/// an unlock's session lookup never waits behind a full sync's or the journal's commit (WAL lets
/// readers run beside the writer).
pub struct Store {
    conn: Mutex<Connection>,
    reader: Option<Mutex<Connection>>,
    /// The database file; `None` in memory.
    path: Option<PathBuf>,
}

/// The schema as it was before migrations existed. Every statement is `IF NOT EXISTS` (or a
/// `DROP … IF EXISTS`), so a database made before then — at `user_version` 0 with these tables —
/// passes through it unchanged and keeps its data.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS members (
    membership_id TEXT PRIMARY KEY,
    user_id TEXT,
    name TEXT,
    email TEXT,
    plan_id TEXT,
    plan_name TEXT,
    confirmed INTEGER NOT NULL,
    starts_at TEXT,
    canceled_to TEXT,
    extra_groups TEXT
);
CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sync_runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    ok INTEGER NOT NULL,
    report TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id TEXT,
    membership_id TEXT,
    staff INTEGER NOT NULL,
    door_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    code TEXT,
    reasons TEXT NOT NULL,
    driver TEXT,
    driver_result TEXT,
    may_have_opened INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
    check_in TEXT
);
CREATE TABLE IF NOT EXISTS check_ins (
    membership_id TEXT NOT NULL,
    day TEXT NOT NULL,
    user_id TEXT,
    state TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    cobot_id TEXT,
    valid_from TEXT,
    valid_until TEXT,
    PRIMARY KEY (membership_id, day)
);
CREATE INDEX IF NOT EXISTS check_ins_due ON check_ins(state, next_attempt_ms);
-- Sessions made from bare Cobot tokens (before sign-in went through the hub): never valid again.
DROP TABLE IF EXISTS sessions;
CREATE TABLE IF NOT EXISTS devices (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    device_name TEXT NOT NULL,
    staff INTEGER NOT NULL,
    signed_in_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    validated_at INTEGER NOT NULL,
    cobot_token BLOB,
    ended_at INTEGER,
    ended_why TEXT
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_device ON refresh_tokens(device_id);
CREATE TABLE IF NOT EXISTS hub_sessions (
    token_hash TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    membership_id TEXT,
    staff INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS hub_sessions_device ON hub_sessions(device_id);
";

/// Refusal bursts (one person, one code, one door, within a minute) are one audit row with a
/// count and the time of the last one; pruning by age reads `at` through an index.
const AUDIT_COUNT: &str = "
ALTER TABLE audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit ADD COLUMN last_at TEXT;
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
";

/// The access setup staff edit in the console (see [`crate::app::setup`]): groups, plan → groups
/// assignments, the extra-groups switch and its version in one row, the plan catalogue of the
/// last full sync, and the trail of changes. Empty until the first start imports the TOML file.
const ACCESS_SETUP: &str = "
CREATE TABLE access_setup (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    extra_groups INTEGER NOT NULL
);
CREATE TABLE access_groups (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    doors TEXT NOT NULL,
    schedule TEXT
);
CREATE UNIQUE INDEX access_groups_key ON access_groups(lower(trim(id)));
CREATE TABLE access_plans (
    position INTEGER PRIMARY KEY,
    plan_id TEXT,
    plan_name TEXT,
    groups TEXT NOT NULL,
    CHECK ((plan_id IS NULL) <> (plan_name IS NULL))
);
CREATE TABLE plan_catalogue (
    position INTEGER PRIMARY KEY,
    plan_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE access_changes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    by_user TEXT NOT NULL,
    by_name TEXT NOT NULL,
    what TEXT NOT NULL,
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
";

/// The schema's history, oldest first; a database at `user_version` N gets migrations N+1….
/// Append only: a released migration is never edited, and numbers are never reused.
pub const MIGRATIONS: &[M<'static>] = &[
    M::up(SCHEMA),
    M::up(AUDIT_COUNT),
    // 3: the access setup (staff console).
    M::up(ACCESS_SETUP),
    // 4: the Cobot connection made in the console (the plug).
    M::up(COBOT_CONNECTION),
    // 5: the console's activity view and door latencies (staff console, part 2).
    M::up(AUDIT_BY_DOOR),
    // 6: the doors staff edit in the console (staff console, part 2).
    M::up(DOORS),
    // 7: a check-in per entry, not per day (Cobot's day and its time passes).
    M::up(CHECK_INS_PER_ENTRY),
];

/// The check-in outbox keyed by the entry that queued a check-in — (membership, day, entry) —
/// instead of (membership, day): an hourly pass ends, and the member's next entry that day is
/// checked in again. Rows keep their order (`rowid`, newest last).
const CHECK_INS_PER_ENTRY: &str = "
CREATE TABLE check_ins_per_entry (
    membership_id TEXT NOT NULL,
    day TEXT NOT NULL,
    user_id TEXT,
    state TEXT NOT NULL,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    last_error TEXT,
    cobot_id TEXT,
    valid_from TEXT,
    valid_until TEXT,
    PRIMARY KEY (membership_id, day, queued_at)
);
INSERT INTO check_ins_per_entry (membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms,
    last_error, cobot_id, valid_from, valid_until)
    SELECT membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, last_error, cobot_id,
        valid_from, valid_until FROM check_ins ORDER BY day, queued_at;
DROP TABLE check_ins;
ALTER TABLE check_ins_per_entry RENAME TO check_ins;
CREATE INDEX check_ins_due ON check_ins(state, next_attempt_ms);
CREATE INDEX check_ins_of_member ON check_ins(membership_id);
";

/// The doors ([`crate::app::doors::StoredDoor`]): the setup as JSON, the configuration file's
/// credential name for imported doors, the secret entered in the console sealed (its key is never
/// in the database). `meta.doors_imported` marks that the first start imported the file's doors,
/// so a space that removed every door does not get them back.
const DOORS: &str = "
CREATE TABLE doors (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    setup TEXT NOT NULL,
    credential TEXT,
    secret BLOB
);
";

/// The console reads one door's rows of one outcome, newest first (its activity filter and its
/// latency figures over the last 200 openings): an index instead of a scan of the whole log. The
/// check-in policy staff set lives in `meta` (`check_in_policy`), like the sync interval.
const AUDIT_BY_DOOR: &str = "
CREATE INDEX IF NOT EXISTS audit_by_door ON audit(door_id, decision, id);
";

/// The space's Cobot connection made in the staff console ([`crate::app::plug`]): one row, the
/// space-owned token sealed (its key is never in the database). The sync interval staff set
/// lives in `meta` (`sync_interval_minutes`).
const COBOT_CONNECTION: &str = "
CREATE TABLE cobot_connection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    since TEXT NOT NULL,
    by_user TEXT NOT NULL,
    by_name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token BLOB NOT NULL
);
";

/// A hub session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Cobot user id.
    pub user_id: String,
    /// The membership in this space, if any.
    pub membership_id: Option<String>,
    /// Whether the user administers the space.
    pub staff: bool,
    /// Unix seconds.
    pub expires_at: i64,
    /// The device it was issued to.
    pub device_id: String,
}

impl Store {
    /// Opens (and creates) the database at `path`; `:memory:` for a throwaway store.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let mut conn = Connection::open(path).map_err(ctx("opening the database"))?;
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

    /// The last good snapshot, if a sync ever succeeded.
    pub fn load(&self) -> Result<Option<Snapshot>, Error> {
        let conn = self.conn();
        let as_of: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'snapshot_at'", [], |r| r.get(0))
            .optional()
            .map_err(ctx("reading the snapshot time"))?;
        let Some(as_of) = as_of.and_then(|t| t.parse::<Timestamp>().ok()) else {
            return Ok(None);
        };
        let mut stmt = conn
            .prepare("SELECT membership_id, user_id, name, email, plan_id, plan_name, confirmed, starts_at, canceled_to, extra_groups FROM members")
            .map_err(ctx("reading members"))?;
        let members = stmt
            .query_map([], |r| {
                Ok(MemberRecord {
                    membership_id: r.get(0)?,
                    user_id: r.get(1)?,
                    name: r.get(2)?,
                    email: r.get(3)?,
                    plan_id: r.get(4)?,
                    plan_name: r.get(5)?,
                    plan_names: None,
                    confirmed: r.get(6)?,
                    starts_at: r.get::<_, Option<String>>(7)?.and_then(|d| d.parse().ok()),
                    canceled_to: r.get::<_, Option<String>>(8)?.and_then(|d| d.parse().ok()),
                    extra_groups: r.get(9)?,
                })
            })
            .map_err(ctx("reading members"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(ctx("reading members"))?;
        Ok(Some(Snapshot::new(as_of, members)))
    }

    /// Replaces the whole snapshot in one transaction.
    pub fn replace(&self, snapshot: &Snapshot) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting the snapshot transaction"))?;
        tx.execute("DELETE FROM members", [])
            .map_err(ctx("clearing the old snapshot"))?;
        {
            let mut insert = tx.prepare(INSERT_MEMBER).map_err(ctx("writing members"))?;
            for m in snapshot.members() {
                insert_member(&mut insert, m)?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_at', ?1)",
            [snapshot.as_of.to_string()],
        )
        .map_err(ctx("writing the snapshot time"))?;
        tx.commit().map_err(ctx("committing the snapshot"))
    }

    /// Writes one member (a targeted update after a webhook); `None` removes it.
    pub fn put_member(
        &self,
        membership_id: &str,
        member: Option<&MemberRecord>,
        as_of: Timestamp,
    ) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting a member update"))?;
        tx.execute("DELETE FROM members WHERE membership_id = ?1", [membership_id])
            .map_err(ctx("removing a member"))?;
        if let Some(m) = member {
            let mut insert = tx.prepare(INSERT_MEMBER).map_err(ctx("writing a member"))?;
            insert_member(&mut insert, m)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_at', ?1)",
            [as_of.to_string()],
        )
        .map_err(ctx("writing the snapshot time"))?;
        tx.commit().map_err(ctx("committing a member update"))
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

    /// Records a sync run and its report (JSON).
    pub fn record_sync(
        &self,
        kind: &str,
        started: Timestamp,
        finished: Timestamp,
        ok: bool,
        report: &str,
    ) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO sync_runs (kind, started_at, finished_at, ok, report) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind, started.to_string(), finished.to_string(), ok, report],
            )
            .map(|_| ())
            .map_err(ctx("recording a sync run"))
    }

    /// The most recent sync run's report (JSON) and whether it succeeded.
    pub fn last_sync(&self) -> Result<Option<(bool, String)>, Error> {
        self.read()
            .query_row("SELECT ok, report FROM sync_runs ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(ctx("reading the last sync"))
    }

    /// Stores a session under the hash of its token (and forgets expired ones). Sessions are
    /// normally made by [`crate::app::device`]; benchmarks use this directly.
    pub fn put_session(&self, token_hash: &str, row: &SessionRow, now: i64) -> Result<(), Error> {
        let conn = self.conn();
        conn.execute("DELETE FROM hub_sessions WHERE expires_at <= ?1", [now])
            .map_err(ctx("expiring sessions"))?;
        conn.execute(
            "INSERT INTO hub_sessions (token_hash, device_id, user_id, membership_id, staff, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![token_hash, row.device_id, row.user_id, row.membership_id, row.staff, row.expires_at],
        )
        .map(|_| ())
        .map_err(ctx("storing a session"))
    }

    /// The session for a token hash, if it exists and has not expired at `now`. A read only: an
    /// unlock never waits for a write here.
    pub fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>, Error> {
        let conn = self.read();
        let mut stmt = conn
            .prepare_cached(
                // A session of a device that was signed out is no session, even if a refresh
                // raced the sign-out (sessions made by `put_session` have no device row).
                "SELECT s.user_id, s.membership_id, s.staff, s.expires_at, s.device_id FROM hub_sessions s \
                 LEFT JOIN devices d ON d.id = s.device_id \
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND d.ended_at IS NULL",
            )
            .map_err(ctx("reading a session"))?;
        stmt.query_row(params![token_hash, now], |r| {
            Ok(SessionRow {
                user_id: r.get(0)?,
                membership_id: r.get(1)?,
                staff: r.get(2)?,
                expires_at: r.get(3)?,
                device_id: r.get(4)?,
            })
        })
        .optional()
        .map_err(ctx("reading a session"))
    }
}

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

impl CheckInIntent {
    /// The row's `queued_at`: the entry, as text.
    pub fn queued_at(&self) -> String {
        self.at.to_string()
    }
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

const CHECK_IN_COLUMNS: &str = "membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, last_error, cobot_id, valid_from, valid_until";

fn check_in_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckInRow> {
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
const PRUNE_CHUNK: i64 = 10_000;

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

/// Below this share of the file system free, the disk is low.
pub const LOW_DISK_SHARE: f64 = 0.05;

impl Storage {
    /// The database's disk has less than [`LOW_DISK_BYTES`] or [`LOW_DISK_SHARE`] free: staff
    /// should make room before doors refuse for want of an audit record.
    pub fn low_disk(&self) -> bool {
        let Some(free) = self.disk_free_bytes else {
            return false;
        };
        if free < LOW_DISK_BYTES {
            return true;
        }
        match self.disk_total_bytes {
            Some(total) if total > 0 => (free as f64) < (total as f64) * LOW_DISK_SHARE,
            _ => false,
        }
    }
}

/// (free, total) bytes of the file system holding `dir`, for an unprivileged process.
fn disk_space(dir: &Path) -> Option<(u64, u64)> {
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

fn insert_audit(conn: &Connection, entry: &AuditEntry) -> Result<i64, Error> {
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

fn queue_check_in(conn: &Connection, c: &CheckInIntent, wall_ms: i64) -> Result<Intent, Error> {
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
    /// Deletes audit rows older than `keep_days` before `now`, then the oldest beyond `max_rows`,
    /// in small transactions so doors never wait long behind it. Openings still under way and
    /// the check-in outbox are never touched.
    pub fn prune_audit(&self, now: Timestamp, keep_days: u32, max_rows: u64) -> Result<Pruned, Error> {
        let mut pruned = Pruned::default();
        let cutoff = now
            .checked_sub(SignedDuration::from_hours(24 * i64::from(keep_days)))
            .unwrap_or(Timestamp::MIN)
            .to_string();
        loop {
            let deleted = self
                .conn()
                .execute(
                    "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ?1 AND decision != 'opening' \
                     ORDER BY id LIMIT ?2)",
                    params![cutoff, PRUNE_CHUNK],
                )
                .map_err(ctx("pruning old audit rows"))?;
            pruned.by_age += deleted as u64;
            if (deleted as i64) < PRUNE_CHUNK {
                break;
            }
        }
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
        loop {
            let deleted = self
                .conn()
                .execute(
                    "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE id <= ?1 AND decision != 'opening' \
                     ORDER BY id LIMIT ?2)",
                    params![last_too_many, PRUNE_CHUNK],
                )
                .map_err(ctx("pruning the oldest audit rows"))?;
            pruned.by_count += deleted as u64;
            if (deleted as i64) < PRUNE_CHUNK {
                break;
            }
        }
        Ok(pruned)
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
        let mut stmt = conn
            .prepare(
                "SELECT id, at, user_id, membership_id, staff, door_id, decision, code, reasons, driver, driver_result, \
                 may_have_opened, latency_us, check_in, count, last_at FROM audit ORDER BY id DESC LIMIT ?1",
            )
            .map_err(ctx("reading the audit log"))?;
        let rows = stmt
            .query_map([limit], |r| {
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
            })
            .map_err(ctx("reading the audit log"))?;
        rows.collect::<Result<_, _>>().map_err(ctx("reading the audit log"))
    }

    /// Pending check-ins due at `now_ms`, oldest first.
    pub fn due_check_ins(&self, now_ms: i64) -> Result<Vec<CheckInRow>, Error> {
        let conn = self.read();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE state IN ('pending', 'held') AND next_attempt_ms <= ?1 \
                 ORDER BY next_attempt_ms"
            ))
            .map_err(ctx("reading the check-in outbox"))?;
        let rows = stmt
            .query_map([now_ms], check_in_row)
            .map_err(ctx("reading the check-in outbox"))?;
        rows.collect::<Result<_, _>>()
            .map_err(ctx("reading the check-in outbox"))
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
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {CHECK_IN_COLUMNS} FROM check_ins ORDER BY day DESC, rowid DESC"
            ))
            .map_err(ctx("reading the check-in outbox"))?;
        let rows = stmt
            .query_map([], check_in_row)
            .map_err(ctx("reading the check-in outbox"))?;
        rows.collect::<Result<_, _>>()
            .map_err(ctx("reading the check-in outbox"))
    }

    /// A membership's check-ins, newest first, at most `limit`.
    pub fn check_ins_of(&self, membership_id: &str, limit: u32) -> Result<Vec<CheckInRow>, Error> {
        let conn = self.read();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {CHECK_IN_COLUMNS} FROM check_ins WHERE membership_id = ?1 ORDER BY day DESC, rowid DESC LIMIT ?2"
            ))
            .map_err(ctx("reading check-ins"))?;
        let rows = stmt
            .query_map(params![membership_id, limit], check_in_row)
            .map_err(ctx("reading check-ins"))?;
        rows.collect::<Result<_, _>>().map_err(ctx("reading check-ins"))
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

const INSERT_MEMBER: &str = "INSERT INTO members (membership_id, user_id, name, email, plan_id, plan_name, confirmed, starts_at, canceled_to, extra_groups) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

fn insert_member(stmt: &mut rusqlite::Statement<'_>, m: &MemberRecord) -> Result<(), Error> {
    stmt.execute(params![
        m.membership_id,
        m.user_id,
        m.name,
        m.email,
        m.plan_id,
        m.plan_name,
        m.confirmed,
        m.starts_at.map(|d| d.to_string()),
        m.canceled_to.map(|d| d.to_string()),
        m.extra_groups,
    ])
    .map(|_| ())
    .map_err(ctx("writing a member"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: &str) -> AuditEntry {
        AuditEntry {
            at: at.parse().unwrap(),
            user_id: Some("user-sam".into()),
            membership_id: None,
            staff: false,
            door_id: "front".into(),
            decision: "refused".into(),
            code: Some("slow_down".into()),
            reasons: vec![],
            driver: None,
            driver_result: None,
            may_have_opened: false,
            latency_us: 0,
            check_in: None,
        }
    }

    #[test]
    fn a_database_from_before_migrations_opens_with_its_data_and_gains_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.sqlite");
        {
            // What a hub before migrations made: the schema, user_version 0, some rows.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            conn.execute(
                "INSERT INTO audit (at, user_id, staff, door_id, decision, reasons, may_have_opened, latency_us) \
                 VALUES ('2025-05-01T08:00:00Z', 'user-sam', 0, 'front', 'opened', '[]', 1, 5)",
                [],
            )
            .unwrap();
            conn.execute("INSERT INTO meta (key, value) VALUES ('webhook_secret', 'kept')", [])
                .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let rows = store.audit(10).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].entry.decision.as_str(), rows[0].count), ("opened", 1));
        assert_eq!(store.webhook_secret().unwrap(), "kept");
        let version: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        drop(store);
        // Opening again changes nothing.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.audit(10).unwrap().len(), 1);
    }

    #[test]
    fn check_ins_from_before_one_per_entry_keep_their_rows_and_a_second_entry_the_same_day_fits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.sqlite");
        {
            // A hub at migration 6: one check-in per member and day.
            let mut conn = Connection::open(&path).unwrap();
            Migrations::from_slice(&MIGRATIONS[..6]).to_latest(&mut conn).unwrap();
            conn.execute(
                "INSERT INTO check_ins (membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, \
                 cobot_id, valid_from, valid_until) VALUES ('mem-alex', '2026-11-23', 'user-alex', 'checked_in', \
                 '2026-11-23T09:00:00Z', 1, 0, 'c1', '2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z')",
                [],
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let rows = store.check_ins().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].state.as_str(), rows[0].cobot_id.as_deref()),
            ("checked_in", Some("c1"))
        );

        // The hourly pass ended at 10:00: an entry at 12:00 the same day queues its own.
        let intent = CheckInIntent {
            membership_id: "mem-alex".into(),
            user_id: "user-alex".into(),
            day: "2026-11-23".into(),
            at: "2026-11-23T11:00:00Z".parse().unwrap(),
            stale_before: "2026-11-23T03:00:00Z".parse().unwrap(),
            known: None,
        };
        let conn = store.conn();
        let (_, queued) = record_opening(&conn, &entry("2026-11-23T11:00:00Z"), Some(&intent), 0).unwrap();
        assert_eq!(queued, Some(Intent::Queued));
        let (_, again) = record_opening(&conn, &entry("2026-11-23T11:00:05Z"), Some(&intent), 0).unwrap();
        assert_eq!(again, Some(Intent::StillPending), "one on its way is enough");
        drop(conn);
        assert_eq!(store.check_ins().unwrap().len(), 2);
    }

    #[test]
    fn the_migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
    }

    #[test]
    fn a_burst_counts_into_its_row_and_a_gone_row_is_reported() {
        let store = Store::in_memory().unwrap();
        let conn = store.conn();
        let id = record_unlock(&conn, &entry("2026-01-01T00:00:00Z")).unwrap();
        for _ in 0..4 {
            assert!(add_to_burst(&conn, id, &entry("2026-01-01T00:00:05Z")).unwrap());
        }
        let mut other = entry("2026-01-01T00:00:06Z");
        other.code = Some("no_access".into());
        assert!(!add_to_burst(&conn, id, &other).unwrap(), "another code is another row");
        assert!(!add_to_burst(&conn, id + 1, &entry("2026-01-01T00:00:06Z")).unwrap());
        drop(conn);
        let row = &store.audit(1).unwrap()[0];
        assert_eq!(row.count, 5);
        assert_eq!(row.last_at, Some("2026-01-01T00:00:05Z".parse().unwrap()));
    }

    #[test]
    fn pruning_removes_rows_past_their_days_then_the_oldest_beyond_the_limit() {
        let store = Store::in_memory().unwrap();
        let mut entries = vec![entry("2024-01-01T00:00:00Z"); 30];
        entries.extend(vec![entry("2026-01-01T00:00:00Z"); 50]);
        let mut under_way = entry("2024-01-01T00:00:00Z");
        under_way.decision = "opening".into();
        entries.push(under_way);
        store.insert_audit_for_tests(&entries).unwrap();

        let now: Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        let pruned = store.prune_audit(now, 400, 40).unwrap();

        assert_eq!(
            pruned,
            Pruned {
                by_age: 30,
                by_count: 11
            }
        );
        let rows = store.audit(100).unwrap();
        assert_eq!(rows.len(), 40);
        assert!(
            rows.iter().any(|r| r.entry.decision == "opening"),
            "an opening under way is never pruned"
        );
    }

    #[test]
    fn storage_counts_rows_and_reads_the_disk_of_a_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("hub.sqlite")).unwrap();
        store
            .insert_audit_for_tests(&[entry("2025-01-01T00:00:00Z"), entry("2026-01-01T00:00:00Z")])
            .unwrap();
        let storage = store.storage().unwrap();
        assert_eq!(storage.audit_rows, 2);
        assert_eq!(storage.oldest_audit_at, Some("2025-01-01T00:00:00Z".parse().unwrap()));
        assert!(storage.db_bytes > 0);
        assert!(storage.disk_free_bytes.is_some() && storage.disk_total_bytes.is_some());

        let memory = Store::in_memory().unwrap().storage().unwrap();
        assert_eq!((memory.disk_free_bytes, memory.low_disk()), (None, false));
    }

    #[test]
    fn the_disk_is_low_below_100_mib_or_5_percent() {
        let storage = |free: u64, total: u64| Storage {
            audit_rows: 0,
            oldest_audit_at: None,
            db_bytes: 0,
            disk_free_bytes: Some(free),
            disk_total_bytes: Some(total),
        };
        const GIB: u64 = 1 << 30;
        assert!(storage(50 << 20, 10 * GIB).low_disk());
        assert!(storage(4 * GIB, 100 * GIB).low_disk());
        assert!(!storage(6 * GIB, 100 * GIB).low_disk());
        assert!(!storage(200 << 20, GIB).low_disk());
    }

    #[test]
    fn a_session_lookup_does_not_wait_for_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(&dir.path().join("hub.sqlite")).unwrap());
        let row = SessionRow {
            user_id: "user-alex".into(),
            membership_id: Some("mem-alex".into()),
            staff: false,
            expires_at: 100,
            device_id: "device-1".into(),
        };
        store.put_session("hash", &row, 0).unwrap();
        // A long write (a full sync, a commit waiting for the disk) holds the writer…
        let writer = store.conn();
        let (tx, rx) = std::sync::mpsc::channel();
        let reading = store.clone();
        std::thread::spawn(move || {
            let _ = tx.send(reading.session("hash", 50).map_err(|e| e.to_string()));
        });
        // …and the lookup still answers.
        let found = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the lookup did not wait for the writer");
        drop(writer);
        assert_eq!(found, Ok(Some(row)));
    }
}
