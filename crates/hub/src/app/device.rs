//! A signed-in device: its rotating refresh token, its short hub sessions, the person's Cobot
//! token (sealed), and how it ends.
//!
//! - A **hub session** lives [`SESSION_SECS`]; the app gets a new one with its refresh token.
//! - A **refresh token** is good once. Each refresh re-checks the person: the membership in the
//!   snapshot (an ended or vanished membership ends the device, unless the person is staff),
//!   and with Cobot (`GET /api/user` with the person's own token, so each person spends their
//!   own Cobot budget: one request per session, about six an hour) at every refresh, members and
//!   staff alike. A token Cobot no longer accepts ends the device; a lost `admin_of` ends staff
//!   rights there. A session never outlives Cobot's last word by more than [`SESSION_SECS`]:
//!   **a member whose Cobot tokens were all revoked opens nothing once the session in hand ends,
//!   at most ten minutes later.** While Cobot cannot be reached, members
//!   keep what the snapshot gives them (the doors work through an outage) and are asked again
//!   at the first refresh after Cobot answers; staff rights lapse after [`STAFF_GRACE_SECS`].
//! - **Reuse** of a refresh token that was already used ends the device's whole chain: one of
//!   the two holders is not the app it was issued to.
//! - **Sign-out** (by the person, or by staff) ends the device, deletes its sessions and revokes
//!   the Cobot token at Cobot.
//!
//! Architecture Invariant: the hub stores refresh and session tokens only as SHA-256 hashes, and
//! the Cobot token only sealed ([`crate::base::seal`]) for its device row. None of them is logged.

use axum::http::StatusCode;
use frontdoor_core::hub::{Code, SessionResponse, SignedInUser};
use frontdoor_core::secret::{AccessToken, HubSessionToken, RefreshToken};
use rusqlite::{params, OptionalExtension};

use crate::app::session::token_hash;
use crate::app::sign_in::auth_random;
use crate::app::Error;
use crate::app::Hub;
use crate::store::{ctx, SessionRow, Store};

/// How long a hub session lasts: minutes, so an ended membership or a lost admin right stops
/// working soon, through the refresh that follows.
pub const SESSION_SECS: i64 = 10 * 60;
/// A device not refreshed for this long is signed out at its next refresh (its token expired).
pub const UNUSED_DEVICE_SECS: i64 = 90 * 24 * 3600;
/// Staff rights are kept without Cobot's word for at most this long (Cobot unreachable).
pub const STAFF_GRACE_SECS: i64 = 3600;

/// A device row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    /// Its id.
    pub id: String,
    /// Cobot user id.
    pub user_id: String,
    /// The person's name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// The device's own name.
    pub device_name: String,
    /// Staff rights as last confirmed.
    pub staff: bool,
    /// Unix seconds.
    pub signed_in_at: i64,
    /// Unix seconds.
    pub last_seen_at: i64,
    /// When Cobot last confirmed the person (Unix seconds).
    pub validated_at: i64,
    /// The sealed Cobot token.
    pub cobot_token: Option<Vec<u8>>,
}

/// What a refresh token turned out to be.
#[derive(Debug)]
pub enum Rotation {
    /// Good: used up now; here is its device.
    Fresh(DeviceRow),
    /// No such token (never issued, or its device was deleted).
    Unknown,
    /// Already used: the device's chain was ended just now.
    Reused,
    /// Its device was signed out earlier.
    Ended,
}

const DEVICE_COLUMNS: &str =
    "id, user_id, name, email, device_name, staff, signed_in_at, last_seen_at, validated_at, cobot_token";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        email: r.get(3)?,
        device_name: r.get(4)?,
        staff: r.get(5)?,
        signed_in_at: r.get(6)?,
        last_seen_at: r.get(7)?,
        validated_at: r.get(8)?,
        cobot_token: r.get(9)?,
    })
}

impl Store {
    /// Stores a new device with its first refresh token and session, in one transaction.
    pub fn add_device(
        &self,
        device: &DeviceRow,
        refresh_hash: &str,
        session_hash: &str,
        session: &SessionRow,
    ) -> Result<(), crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("adding a device"))?;
        tx.execute(
            &format!("INSERT INTO devices ({DEVICE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
            params![
                device.id,
                device.user_id,
                device.name,
                device.email,
                device.device_name,
                device.staff,
                device.signed_in_at,
                device.last_seen_at,
                device.validated_at,
                device.cobot_token
            ],
        )
        .map_err(ctx("adding a device"))?;
        issue(
            &tx,
            &device.id,
            refresh_hash,
            session_hash,
            session,
            device.signed_in_at,
        )?;
        tx.commit().map_err(ctx("adding a device"))
    }

    /// What a presented refresh token is, without using it up: a reused one ends its device's
    /// chain at once (in the same transaction); a fresh one is only used up by [`Store::renew`],
    /// after the refresh's checks, so a refresh that fails half-way (Cobot slow, the request
    /// dropped) leaves the device its token.
    pub fn rotate(&self, refresh_hash: &str, now: i64) -> Result<Rotation, crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("rotating a refresh token"))?;
        let found: Option<(String, Option<i64>)> = tx
            .query_row(
                "SELECT device_id, used_at FROM refresh_tokens WHERE token_hash = ?1",
                [refresh_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(ctx("reading a refresh token"))?;
        let Some((device_id, used_at)) = found else {
            return Ok(Rotation::Unknown);
        };
        let device: Option<(DeviceRow, Option<i64>)> = tx
            .query_row(
                &format!("SELECT {DEVICE_COLUMNS}, ended_at FROM devices WHERE id = ?1"),
                [&device_id],
                |r| Ok((device_row(r)?, r.get(10)?)),
            )
            .optional()
            .map_err(ctx("reading a device"))?;
        let Some((device, ended_at)) = device else {
            return Ok(Rotation::Unknown);
        };
        if ended_at.is_some() {
            return Ok(Rotation::Ended);
        }
        if now - device.last_seen_at > UNUSED_DEVICE_SECS {
            // A device nobody used for months: its refresh token has expired.
            end(&tx, &device_id, "not used for 90 days", now)?;
            tx.commit().map_err(ctx("ending a device"))?;
            return Ok(Rotation::Ended);
        }
        if used_at.is_some() {
            end(&tx, &device_id, "a refresh token was used twice", now)?;
            tx.commit().map_err(ctx("ending a device"))?;
            return Ok(Rotation::Reused);
        }
        Ok(Rotation::Fresh(device))
    }

    /// In one transaction: uses up the presented refresh token (`used`), records what the
    /// refresh found, and issues the next refresh token and session. Nothing is issued when the
    /// token was used meanwhile (a second refresh raced this one: the chain ends, as for any
    /// reuse) or the device was signed out meanwhile.
    pub fn renew(
        &self,
        device: &DeviceRow,
        used: &str,
        refresh_hash: &str,
        session_hash: &str,
        session: &SessionRow,
        now: i64,
    ) -> Result<Rotation, crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("renewing a device"))?;
        let spent = tx
            .execute(
                "UPDATE refresh_tokens SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL",
                params![used, now],
            )
            .map_err(ctx("using a refresh token"))?;
        if spent == 0 {
            end(&tx, &device.id, "a refresh token was used twice", now)?;
            tx.commit().map_err(ctx("ending a device"))?;
            return Ok(Rotation::Reused);
        }
        let live = tx
            .execute(
                "UPDATE devices SET staff = ?2, last_seen_at = ?3, validated_at = ?4 WHERE id = ?1 AND ended_at IS NULL",
                params![device.id, device.staff, now, device.validated_at],
            )
            .map_err(ctx("renewing a device"))?;
        if live == 0 {
            // Signed out while this refresh was checking: nothing for it (rolled back).
            return Ok(Rotation::Ended);
        }
        // Used tokens are kept a day (long enough to recognise a replay of a recent one), not
        // forever.
        tx.execute(
            "DELETE FROM refresh_tokens WHERE device_id = ?1 AND used_at IS NOT NULL AND used_at < ?2",
            params![device.id, now - 24 * 3600],
        )
        .map_err(ctx("forgetting old refresh tokens"))?;
        issue(&tx, &device.id, refresh_hash, session_hash, session, now)?;
        tx.commit().map_err(ctx("renewing a device"))?;
        Ok(Rotation::Fresh(device.clone()))
    }

    /// Ends a device: no session or refresh token of it works any more. Returns its sealed Cobot
    /// token (to revoke at Cobot), or `None` when there was no such live device.
    pub fn end_device(
        &self,
        device_id: &str,
        why: &str,
        now: i64,
    ) -> Result<Option<Option<Vec<u8>>>, crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("ending a device"))?;
        let token: Option<Option<Vec<u8>>> = tx
            .query_row(
                "SELECT cobot_token FROM devices WHERE id = ?1 AND ended_at IS NULL",
                [device_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(ctx("reading a device"))?;
        if token.is_some() {
            end(&tx, device_id, why, now)?;
        }
        tx.commit().map_err(ctx("ending a device"))?;
        Ok(token)
    }

    /// The device a refresh token (used or not) belongs to, if it is still signed in.
    pub fn device_of_refresh(&self, refresh_hash: &str) -> Result<Option<String>, crate::store::Error> {
        self.conn()
            .query_row(
                "SELECT d.id FROM refresh_tokens r JOIN devices d ON d.id = r.device_id WHERE r.token_hash = ?1 AND d.ended_at IS NULL",
                [refresh_hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(ctx("reading a refresh token"))
    }

    /// The signed-in devices, newest first.
    pub fn devices(&self) -> Result<Vec<DeviceRow>, crate::store::Error> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices WHERE ended_at IS NULL ORDER BY signed_in_at DESC"
            ))
            .map_err(ctx("listing devices"))?;
        let rows = stmt
            .query_map([], device_row)
            .map_err(ctx("listing devices"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(ctx("listing devices"))?;
        Ok(rows)
    }
}

fn issue(
    tx: &rusqlite::Transaction<'_>,
    device_id: &str,
    refresh_hash: &str,
    session_hash: &str,
    session: &SessionRow,
    now: i64,
) -> Result<(), crate::store::Error> {
    tx.execute("DELETE FROM hub_sessions WHERE expires_at <= ?1", [now])
        .map_err(ctx("expiring sessions"))?;
    tx.execute(
        "INSERT INTO refresh_tokens (token_hash, device_id, issued_at) VALUES (?1, ?2, ?3)",
        params![refresh_hash, device_id, now],
    )
    .map_err(ctx("storing a refresh token"))?;
    tx.execute(
        "INSERT INTO hub_sessions (token_hash, device_id, user_id, membership_id, staff, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![session_hash, device_id, session.user_id, session.membership_id, session.staff, session.expires_at],
    )
    .map(|_| ())
    .map_err(ctx("storing a session"))
}

fn end(tx: &rusqlite::Transaction<'_>, device_id: &str, why: &str, now: i64) -> Result<(), crate::store::Error> {
    tx.execute(
        "UPDATE devices SET ended_at = ?2, ended_why = ?3, cobot_token = NULL WHERE id = ?1",
        params![device_id, now, why],
    )
    .map_err(ctx("ending a device"))?;
    tx.execute("DELETE FROM hub_sessions WHERE device_id = ?1", [device_id])
        .map_err(ctx("ending a device's sessions"))?;
    tx.execute(
        "DELETE FROM refresh_tokens WHERE device_id = ?1 AND used_at IS NULL",
        [device_id],
    )
    .map(|_| ())
    .map_err(ctx("ending a device's refresh token"))
}

pub(crate) fn signed_out() -> Error {
    Error::new(
        StatusCode::UNAUTHORIZED,
        Code::DeviceSignedOut,
        "This device is no longer signed in to the hub. Please sign in again.",
    )
}

pub(crate) fn membership_ended(hub: &Hub) -> Error {
    Error::new(
        StatusCode::FORBIDDEN,
        Code::MembershipEnded,
        format!(
            "Your membership at {} has ended, so this device was signed out. If that is wrong, ask the space's staff.",
            hub.config.space.name
        ),
    )
}

impl Hub {
    /// The person's membership here and whether it still lets them in at all (not ended, not
    /// gone from the snapshot). Not-yet-started and unconfirmed memberships keep their sessions:
    /// the person sees what is missing.
    pub(crate) fn membership_standing(&self, user_id: &str, now: jiff::Timestamp) -> (Option<String>, bool) {
        let snapshot = self.snapshot();
        match snapshot.member_of_user(user_id) {
            Some(m) => {
                let access = self.rules().member_access(&m.access(), now);
                let ended = matches!(access.inactive, Some(frontdoor_core::access::Inactive::Ended { .. }));
                (Some(m.membership_id.clone()), !ended)
            }
            None => (None, false),
        }
    }

    /// A new session and refresh token for `device`, with its standing re-checked.
    pub(crate) async fn open_session(
        &self,
        device: &DeviceRow,
        membership_id: Option<String>,
        used: Option<String>,
    ) -> Result<SessionResponse, Error> {
        let now = self.clock.now().as_second();
        let refresh = auth_random();
        let session = auth_random();
        let row = SessionRow {
            user_id: device.user_id.clone(),
            membership_id: membership_id.clone(),
            staff: device.staff,
            expires_at: now + SESSION_SECS,
            device_id: device.id.clone(),
        };
        let (stored, refresh_hash, session_hash, stored_row) =
            (device.clone(), token_hash(&refresh), token_hash(&session), row.clone());
        let outcome = self
            .db(move |store| match used {
                None => store
                    .add_device(&stored, &refresh_hash, &session_hash, &stored_row)
                    .map(|()| Rotation::Fresh(stored)),
                Some(used) => store.renew(&stored, &used, &refresh_hash, &session_hash, &stored_row, now),
            })
            .await?
            .map_err(Error::internal)?;
        match outcome {
            Rotation::Fresh(_) => {}
            Rotation::Reused => {
                tracing::warn!("a refresh token was used twice; its device was signed out");
                return Err(signed_out());
            }
            Rotation::Unknown | Rotation::Ended => return Err(signed_out()),
        }
        Ok(SessionResponse {
            session_token: HubSessionToken::new(session),
            expires_at: row.expires_at,
            refresh_token: RefreshToken::new(refresh),
            staff: device.staff,
            membership_id,
            user: SignedInUser {
                id: device.user_id.clone(),
                name: device.name.clone(),
                email: device.email.clone(),
            },
            device_id: device.id.clone(),
        })
    }

    /// Ends `device_id` and revokes its Cobot token at Cobot. Whether Cobot confirmed.
    pub async fn sign_out_device(&self, device_id: &str, why: &str) -> Result<bool, Error> {
        let now = self.clock.now().as_second();
        let (id, why) = (device_id.to_string(), why.to_string());
        let ended = self.db(move |store| store.end_device(&id, &why, now)).await?;
        let Some(sealed) = ended.map_err(Error::internal)? else {
            return Err(Error::new(
                StatusCode::NOT_FOUND,
                Code::UnknownDevice,
                "No signed-in device has that id (it may have signed out already).",
            ));
        };
        let Some(token) = sealed.and_then(|s| self.seal.open(device_id, &s).ok()) else {
            return Ok(false);
        };
        let token = AccessToken::new(String::from_utf8_lossy(&token).into_owned());
        match frontdoor_core::auth::revoke(&self.http, &self.config.hosts(), &token).await {
            Ok(()) => Ok(true),
            Err(e) => {
                tracing::warn!("signed out {device_id}, but Cobot did not confirm the revocation: {e}");
                Ok(false)
            }
        }
    }
}

#[cfg(test)]
mod tests;
