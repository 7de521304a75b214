//! The hub's SQLite store (WAL): the last good snapshot of the space's memberships and plans,
//! sync runs with their reports, and hub sessions.
//!
//! Architecture Invariant: a full sync replaces the snapshot in one transaction, so readers and a
//! crash see either the old snapshot or the new one, never a mix.

use std::path::Path;
use std::sync::Mutex;

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use crate::snapshot::{MemberRecord, Snapshot};

/// A store error, with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("the hub's database failed while {doing}: {source}")]
pub struct Error {
    doing: &'static str,
    #[source]
    source: rusqlite::Error,
}

fn ctx(doing: &'static str) -> impl FnOnce(rusqlite::Error) -> Error {
    move |source| Error { doing, source }
}

/// The store.
pub struct Store {
    conn: Mutex<Connection>,
}

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
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    membership_id TEXT,
    staff INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
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
}

impl Store {
    /// Opens (and creates) the database at `path`; `:memory:` for a throwaway store.
    pub fn open(path: &Path) -> Result<Store, Error> {
        let conn = Connection::open(path).map_err(ctx("opening the database"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(ctx("switching to WAL"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(ctx("setting synchronous"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(ctx("enabling foreign keys"))?;
        conn.execute_batch(SCHEMA).map_err(ctx("creating the schema"))?;
        Ok(Store { conn: Mutex::new(conn) })
    }

    /// A store in memory (tests, and a hub run without `--db`).
    pub fn in_memory() -> Result<Store, Error> {
        Store::open(Path::new(":memory:"))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
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
        self.conn()
            .query_row("SELECT ok, report FROM sync_runs ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(ctx("reading the last sync"))
    }

    /// Stores a session under the hash of its token.
    pub fn put_session(&self, token_hash: &str, row: &SessionRow) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO sessions (token_hash, user_id, membership_id, staff, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, row.user_id, row.membership_id, row.staff, row.expires_at],
            )
            .map(|_| ())
            .map_err(ctx("storing a session"))
    }

    /// The session for a token hash, if it exists and has not expired at `now`; expired ones are
    /// deleted on the way.
    pub fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>, Error> {
        let conn = self.conn();
        conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])
            .map_err(ctx("expiring sessions"))?;
        conn.query_row(
            "SELECT user_id, membership_id, staff, expires_at FROM sessions WHERE token_hash = ?1",
            [token_hash],
            |r| {
                Ok(SessionRow {
                    user_id: r.get(0)?,
                    membership_id: r.get(1)?,
                    staff: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            },
        )
        .optional()
        .map_err(ctx("reading a session"))
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
