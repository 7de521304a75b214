//! Hub sessions, kept by their token's hash.

use super::*;

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
