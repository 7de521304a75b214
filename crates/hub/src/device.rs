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
//! the Cobot token only sealed ([`crate::seal`]) for its device row. None of them is logged.

use std::sync::Arc;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use frontdoor_core::cobot;
use frontdoor_core::hub::{
    Code, DeviceInfo, RedeemRequest, RefreshRequest, SessionResponse, SignOutRequest, SignedInUser,
};
use frontdoor_core::secret::{AccessToken, HubSessionToken, RefreshToken};
use rusqlite::{params, OptionalExtension};

use crate::api::{bearer, staff_only, token_hash, Error, Json, Path};
use crate::sign_in::{auth_random, Verified};
use crate::store::{ctx, SessionRow, Store};
use crate::throttle::Endpoint;
use crate::Hub;

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

fn signed_out() -> Error {
    Error::new(
        StatusCode::UNAUTHORIZED,
        Code::DeviceSignedOut,
        "This device is no longer signed in to the hub. Please sign in again.",
    )
}

fn membership_ended(hub: &Hub) -> Error {
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
    fn membership_standing(&self, user_id: &str, now: jiff::Timestamp) -> (Option<String>, bool) {
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
    async fn open_session(
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

/// `POST /api/v1/sign_in/redeem`: the ticket and the proof → a device, a session, a refresh token.
pub(crate) async fn redeem(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<RedeemRequest>,
) -> Result<axum::Json<SessionResponse>, Error> {
    if let Err(wait) = hub.throttles.admit(Endpoint::Token, peer.ip()) {
        return Err(crate::sign_in::throttled(wait));
    }
    let now = hub.clock.now();
    let verified: Verified = hub
        .sign_ins
        .redeem(&request.ticket, request.proof.secret(), now.as_second())?;
    let staff = verified.user.is_admin_of(hub.config.space.subdomain.as_str());
    let (membership_id, standing) = hub.membership_standing(&verified.user.id, now);
    if !standing && !staff {
        // Nothing is kept: the Cobot token goes back to Cobot.
        let _ = frontdoor_core::auth::revoke(&hub.http, &hub.config.hosts(), &verified.cobot_token).await;
        return Err(match membership_id {
            Some(_) => membership_ended(&hub),
            None => Error::new(
                StatusCode::FORBIDDEN,
                Code::NotAMember,
                format!("Your Cobot account has no membership at {} that the hub knows of. If you just joined, ask staff to resync.", hub.config.space.name),
            ),
        });
    }
    let id = auth_random();
    let device_name: String = request
        .device_name
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
    let device = DeviceRow {
        cobot_token: Some(hub.seal.seal(&id, verified.cobot_token.secret().as_bytes())),
        id,
        user_id: verified.user.id.clone(),
        name: verified.name,
        email: verified.email,
        device_name: if device_name.trim().is_empty() {
            "Frontdoor".into()
        } else {
            device_name
        },
        staff,
        signed_in_at: now.as_second(),
        last_seen_at: now.as_second(),
        validated_at: now.as_second(),
    };
    tracing::info!(user = %device.user_id, staff, "signed in a device");
    hub.open_session(&device, membership_id, None).await.map(axum::Json)
}

/// `POST /api/v1/session/refresh`.
pub(crate) async fn refresh(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<RefreshRequest>,
) -> Result<axum::Json<SessionResponse>, Error> {
    if let Err(wait) = hub.throttles.admit(Endpoint::Token, peer.ip()) {
        return Err(crate::sign_in::throttled(wait));
    }
    let now = hub.clock.now();
    let hash = token_hash(request.refresh_token.secret());
    let at = now.as_second();
    let used = hash.clone();
    let rotation = hub.db(move |store| store.rotate(&hash, at)).await?;
    let mut device = match rotation.map_err(Error::internal)? {
        Rotation::Fresh(device) => device,
        Rotation::Reused => {
            tracing::warn!("a refresh token was used twice; its device was signed out");
            return Err(signed_out());
        }
        Rotation::Unknown | Rotation::Ended => return Err(signed_out()),
    };
    // Everyone, at every refresh. Without Cobot's answer `validated_at` stays old.
    let token = device
        .cobot_token
        .as_deref()
        .and_then(|s| hub.seal.open(&device.id, s).ok())
        .map(|t| AccessToken::new(String::from_utf8_lossy(&t).into_owned()));
    let answer = match &token {
        Some(token) => Some(hub.cobot_now.user(token).await),
        None => None,
    };
    match answer {
        Some(Ok(user)) => {
            device.staff = user.is_admin_of(hub.config.space.subdomain.as_str());
            device.validated_at = at;
        }
        Some(Err(cobot::Error::SignInAgain)) | None => {
            // Cobot no longer accepts the person's token (revoked: signed out of Cobot
            // everywhere, or the app removed), or the hub cannot read it any more: the
            // device ends here.
            let id = device.id.clone();
            let _ = hub
                .db(move |store| store.end_device(&id, "Cobot no longer accepts the sign-in", at))
                .await;
            tracing::info!(user = %device.user_id, "Cobot no longer accepts a device's sign-in; it was signed out");
            return Err(Error::new(
                StatusCode::UNAUTHORIZED,
                Code::SignInAgain,
                "Cobot no longer accepts your sign-in. Please sign in again.",
            ));
        }
        Some(Err(e)) => {
            tracing::info!("could not re-validate a device with Cobot: {e}");
            // Cobot cannot say: members keep what the snapshot gives them (the doors work
            // through an outage) and are asked again at the next refresh.
            if device.staff && at - device.validated_at > STAFF_GRACE_SECS {
                // Fail closed for staff rights: without Cobot's word they lapse.
                device.staff = false;
            }
        }
    }
    let (membership_id, standing) = hub.membership_standing(&device.user_id, now);
    if !standing && !device.staff {
        let why = "the membership ended";
        let _ = hub.sign_out_device(&device.id, why).await;
        return Err(membership_ended(&hub));
    }
    hub.open_session(&device, membership_id, Some(used))
        .await
        .map(axum::Json)
}

/// `POST /api/v1/sign_out`: by the bearer session, or by the refresh token in the body.
pub(crate) async fn sign_out(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(request): Json<SignOutRequest>,
) -> Result<axum::Json<serde_json::Value>, Error> {
    if let Err(wait) = hub.throttles.admit(Endpoint::Token, peer.ip()) {
        return Err(crate::sign_in::throttled(wait));
    }
    let now = hub.clock.now();
    let by_session = match bearer(&headers) {
        Some(token) => crate::api::session_of(&hub, Some(token), now)
            .await
            .ok()
            .map(|s| s.device_id),
        None => None,
    };
    let by_refresh = match &request.refresh_token {
        Some(token) => {
            let hash = token_hash(token.secret());
            hub.db(move |store| store.device_of_refresh(&hash))
                .await?
                .map_err(Error::internal)?
        }
        None => None,
    };
    let Some(device_id) = by_session.or(by_refresh) else {
        return Err(signed_out());
    };
    let revoked = hub.sign_out_device(&device_id, "signed out").await?;
    Ok(axum::Json(
        serde_json::json!({"signed_out": true, "cobot_revoked": revoked}),
    ))
}

/// `GET /api/v1/admin/devices` (staff): who is signed in on which device.
pub(crate) async fn list(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<axum::Json<Vec<DeviceInfo>>, Error> {
    staff_only(&hub, &headers, "see signed-in devices").await?;
    let devices = hub.db(|store| store.devices()).await?.map_err(Error::internal)?;
    Ok(axum::Json(
        devices
            .into_iter()
            .map(|d| DeviceInfo {
                id: d.id,
                user_id: d.user_id,
                name: d.name,
                device_name: d.device_name,
                staff: d.staff,
                signed_in_at: d.signed_in_at,
                last_seen_at: d.last_seen_at,
            })
            .collect(),
    ))
}

/// `DELETE /api/v1/admin/devices/{id}` (staff): signs a device out and revokes its Cobot token.
pub(crate) async fn remove(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<serde_json::Value>, Error> {
    let staff = staff_only(&hub, &headers, "sign devices out").await?;
    tracing::info!(by = %staff.user_id, device = %id, "staff signed a device out");
    let revoked = hub.sign_out_device(&id, "signed out by staff").await?;
    Ok(axum::Json(
        serde_json::json!({"signed_out": true, "cobot_revoked": revoked}),
    ))
}

#[cfg(test)]
mod tests;
