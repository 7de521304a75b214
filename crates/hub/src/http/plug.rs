//! The routes of connecting and disconnecting the space's Cobot account (the use case: [`crate::app::plug`]).
use crate::app::plug::*;

use crate::app::Error;
use crate::app::Hub;
use crate::http::{staff_only, Json};
use axum::extract::State;
use axum::http::HeaderMap;
use frontdoor_core::auth::{self};
use frontdoor_core::console::{CobotConnection, ConnectStarted};
use std::sync::Arc;
use url::Url;

/// `GET /api/v1/admin/cobot` (staff).
pub(crate) async fn state(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<CobotConnection>, Error> {
    staff_only(&hub, &headers, "see the Cobot connection").await?;
    Ok(Json(describe_with_attempts(&hub).await))
}

/// `POST /api/v1/admin/cobot/connect` (staff) `{return_to}` → `{authorize_url}`.
pub(crate) async fn connect(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Result<Json<ConnectStarted>, Error> {
    let staff = staff_only(&hub, &headers, "connect Cobot").await?;
    let field = |words: &str| {
        Error::invalid(
            "The hub cannot send the browser back there after connecting Cobot.",
            [("return_to".to_string(), words.to_string())].into(),
        )
    };
    let return_to = match body.get("return_to") {
        Some(serde_json::Value::String(text)) => Url::parse(text).map_err(|_| {
            field(
                "Not an address. Use the app's own return address (frontdoor://auth/callback or its loopback address).",
            )
        })?,
        _ => {
            return Err(field(
                "Missing: where the browser comes back to (the app's own return address).",
            ))
        }
    };
    if !crate::app::sign_in::return_allowed(&return_to, &hub.config.hub.return_urls) {
        return Err(field(
            "The hub hands results only to frontdoor://auth/callback, a loopback address http://127.0.0.1:<port>/auth/callback, or an app link configured in [hub] return_urls.",
        ));
    }
    let device = staff.device_id.clone();
    let name = hub
        .db(move |store| store.device_person(&device))
        .await?
        .map_err(Error::internal)?
        .unwrap_or_else(|| staff.user_id.clone());
    let authorize_url = crate::app::sign_in::begin_plug(&hub, return_to, staff.user_id, name).await?;
    Ok(Json(ConnectStarted { authorize_url }))
}

/// `DELETE /api/v1/admin/cobot` (staff): forgets the console's connection and revokes its token
/// at Cobot. The environment's token, if any, takes over.
pub(crate) async fn disconnect(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Json<CobotConnection>, Error> {
    let staff = staff_only(&hub, &headers, "disconnect Cobot").await?;
    let (had_row, console) = {
        let _one_at_a_time = hub.plug.changing.lock().await;
        let had_row = hub
            .db(|store| store.delete_cobot_connection())
            .await?
            .map_err(Error::internal)?;
        let console = hub.plug.console().take();
        hub.plug.unreadable.store(false, std::sync::atomic::Ordering::Relaxed);
        hub.syncer.token_slot().set(hub.plug.environment.clone());
        (had_row, console)
    };
    let said = match &console {
        Some(console) => {
            tracing::info!(by = %staff.user_id, "staff disconnected Cobot");
            match auth::revoke(&hub.http, &hub.config.hosts(), &console.token).await {
                Ok(()) => "Disconnected: the hub forgot its Cobot connection and Cobot revoked it.".to_string(),
                Err(e) => {
                    tracing::warn!("Cobot did not confirm revoking the hub's connection: {e}");
                    "Disconnected: the hub forgot its Cobot connection, but Cobot could not be reached to revoke it. Remove the Frontdoor app's access in Cobot's settings to be sure.".to_string()
                }
            }
        }
        None if had_row => "Disconnected: the hub forgot a stored connection it could not open (so it could not revoke it at Cobot; remove the Frontdoor app's access in Cobot's settings to be sure).".to_string(),
        None => "There was no connection made in the console to disconnect.".to_string(),
    };
    let mut now = describe(&hub);
    now.message = format!("{said} {}", now.message);
    Ok(Json(now))
}
