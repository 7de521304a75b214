//! The routes of redeeming a sign-in, refreshing and ending sessions, the staff's device list (the use case: [`crate::app::device`]).
use crate::app::device::*;

use crate::app::session::token_hash;
use crate::app::sign_in::{auth_random, Verified};
use crate::app::Error;
use crate::app::Hub;
use crate::base::throttle::Endpoint;
use crate::http::{bearer, staff_only, Json, Path};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use frontdoor_core::cobot;
use frontdoor_core::hub::{Code, DeviceInfo, RedeemRequest, RefreshRequest, SessionResponse, SignOutRequest};
use frontdoor_core::secret::AccessToken;
use std::net::SocketAddr;
use std::sync::Arc;

/// `POST /api/v1/sign_in/redeem`: the ticket and the proof → a device, a session, a refresh token.
pub(crate) async fn redeem(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Json(request): Json<RedeemRequest>,
) -> Result<axum::Json<SessionResponse>, Error> {
    if let Err(wait) = hub.throttles.admit(Endpoint::Token, peer.ip()) {
        return Err(crate::app::sign_in::throttled(wait));
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
        return Err(crate::app::sign_in::throttled(wait));
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
        return Err(crate::app::sign_in::throttled(wait));
    }
    let now = hub.clock.now();
    let by_session = match bearer(&headers) {
        Some(token) => crate::app::session::of(&hub, Some(token), now)
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
