//! The space's Cobot connection made in the console: when, by whom, the scopes Cobot granted and
//! the space-owned token, sealed (one row).

use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};

use crate::store::{ctx, Store};

/// The console's connection as stored: the token sealed for the plug's owner
/// (`crate::app::plug::OWNER`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRow {
    /// When it was made.
    pub since: Timestamp,
    /// The Cobot user who allowed it.
    pub by_user: String,
    /// Their name as shown to staff.
    pub by_name: String,
    /// The scopes Cobot granted.
    pub scopes: Vec<String>,
    /// The space-owned token, sealed.
    pub sealed_token: Vec<u8>,
}

impl Store {
    /// The console's Cobot connection, if one was made.
    pub fn cobot_connection(&self) -> Result<Option<ConnectionRow>, crate::store::Error> {
        self.conn()
            .query_row(
                "SELECT since, by_user, by_name, scopes, token FROM cobot_connection WHERE id = 1",
                [],
                |r| {
                    let scopes: String = r.get(3)?;
                    Ok(ConnectionRow {
                        since: r.get::<_, String>(0)?.parse().unwrap_or_default(),
                        by_user: r.get(1)?,
                        by_name: r.get(2)?,
                        scopes: serde_json::from_str(&scopes).unwrap_or_default(),
                        sealed_token: r.get(4)?,
                    })
                },
            )
            .optional()
            .map_err(ctx("reading the Cobot connection"))
    }

    /// Stores the console's Cobot connection, replacing any earlier one.
    pub fn put_cobot_connection(&self, row: &ConnectionRow) -> Result<(), crate::store::Error> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO cobot_connection (id, since, by_user, by_name, scopes, token) \
                 VALUES (1, ?1, ?2, ?3, ?4, ?5)",
                params![
                    row.since.to_string(),
                    row.by_user,
                    row.by_name,
                    serde_json::to_string(&row.scopes).expect("strings serialise"),
                    row.sealed_token
                ],
            )
            .map(|_| ())
            .map_err(ctx("storing the Cobot connection"))
    }

    /// Forgets the console's Cobot connection; whether there was one.
    pub fn delete_cobot_connection(&self) -> Result<bool, crate::store::Error> {
        self.conn()
            .execute("DELETE FROM cobot_connection WHERE id = 1", [])
            .map(|n| n > 0)
            .map_err(ctx("forgetting the Cobot connection"))
    }
}
