//! Signed-in devices: each with its refresh-token chain (a used token ends the whole chain) and
//! its hub sessions, and the sealed Cobot token it signed in with.

use rusqlite::{params, OptionalExtension};

use crate::store::{ctx, select_all, SessionRow, Store};

/// A device not refreshed for this long is signed out at its next refresh (its token expired).
pub const UNUSED_DEVICE_SECS: i64 = 90 * 24 * 3600;

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
        let rows = select_all(
            &conn,
            "listing devices",
            &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE ended_at IS NULL ORDER BY signed_in_at DESC"),
            [],
            device_row,
        )?;
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

impl Store {
    /// The person's name on a device (for "connected by").
    pub fn device_person(&self, device_id: &str) -> Result<Option<String>, crate::store::Error> {
        self.conn()
            .query_row("SELECT name FROM devices WHERE id = ?1", [device_id], |r| r.get(0))
            .optional()
            .map_err(ctx("reading a device"))
    }
}
