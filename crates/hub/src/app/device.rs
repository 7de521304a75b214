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

use crate::app::session::token_hash;
use crate::app::sign_in::auth_random;
use crate::app::Error;
use crate::app::Hub;
use crate::store::SessionRow;

/// Staff rights are kept without Cobot's word for at most this long (Cobot unreachable).
pub const STAFF_GRACE_SECS: i64 = 3600;

/// How long a hub session lasts: minutes, so an ended membership or a lost admin right stops
/// working soon, through the refresh that follows.
pub const SESSION_SECS: i64 = 10 * 60;

pub use crate::store::devices::{DeviceRow, Rotation, UNUSED_DEVICE_SECS};

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
