//! How the last sign-ins and Cobot connections ended, kept in `meta` for the doctor, the Cobot tab
//! and the status strip: the latest attempt of each kind (which clears when one works), the
//! latest failure of each kind (kept after a success, so staff can still read what went wrong),
//! and how the last ID token fared.

use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};

use crate::store::{ctx, Store};

/// One attempt's end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// When (RFC 3339).
    pub at: String,
    /// Whether it worked.
    pub ok: bool,
    /// Why not, in words.
    pub problem: Option<String>,
    /// The ID token's `sub` (sign-ins that got one).
    #[serde(default)]
    pub subject: Option<String>,
    /// `GET /api/user`'s `id` for the same sign-in: the person's identity at the hub.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// A failed plug or sign-in is shown on the Cobot tab and turns the status strip's Cobot light
/// red for a day, unless a later attempt worked (the doctor keeps it longer).
pub const FAILURES_SHOWN_FOR_SECONDS: i64 = 86_400;

impl Outcome {
    /// This outcome, if it is a failure at most [`FAILURES_SHOWN_FOR_SECONDS`] before `now`.
    pub fn failed_lately(self, now: jiff::Timestamp) -> Option<Outcome> {
        let recent = self
            .at
            .parse::<jiff::Timestamp>()
            .is_ok_and(|t| (now - t).get_seconds() <= FAILURES_SHOWN_FOR_SECONDS);
        (!self.ok && recent).then_some(self)
    }
}

/// What is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A member's sign-in whose ID token was checked: passed, or why not.
    IdToken,
    /// The latest member sign-in that reached Cobot's token endpoint, whatever ended it.
    SignIn,
    /// The latest member sign-in that failed.
    SignInFailure,
    /// The latest attempt to connect Cobot in the console.
    Plug,
    /// The latest attempt to connect Cobot that failed.
    PlugFailure,
}

impl Record {
    fn key(self) -> &'static str {
        match self {
            Record::IdToken => "last_sign_in",
            Record::SignIn => "last_sign_in_result",
            Record::SignInFailure => "last_sign_in_failure",
            Record::Plug => "last_plug",
            Record::PlugFailure => "last_plug_failure",
        }
    }
}

impl Store {
    /// Records `outcome` as the latest of each of `records`, in one transaction.
    pub fn record_outcome(&self, records: &[Record], outcome: &Outcome) -> Result<(), crate::store::Error> {
        let text = serde_json::to_string(outcome).unwrap_or_default();
        let mut conn = self.conn();
        let doing = "recording how a sign-in or connection ended";
        let tx = conn.transaction().map_err(ctx(doing))?;
        for record in records {
            tx.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                [record.key(), text.as_str()],
            )
            .map_err(ctx(doing))?;
        }
        tx.commit().map_err(ctx(doing))
    }

    /// The latest `record`, if there is one.
    pub fn outcome(&self, record: Record) -> Result<Option<Outcome>, crate::store::Error> {
        let text: Option<String> = self
            .read()
            .query_row("SELECT value FROM meta WHERE key = ?1", [record.key()], |r| r.get(0))
            .optional()
            .map_err(ctx("reading how a sign-in or connection ended"))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }
}
