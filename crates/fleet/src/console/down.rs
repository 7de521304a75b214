//! What the fleet's staff send down to the hubs: revocations, a space's access setup, a hub's
//! doors. Each is one key of the down bucket the hubs watch; the hubs check and apply it as
//! their console would, and say how it went in their state (`HubState::down`).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::Json;
use frontdoor_core::fleet::{
    AccessDown, DoorsDown, Down, DownSent, FleetRevocation as RevocationView, Revocation, Sent,
};
use futures_util::StreamExt;
use serde::Deserialize;

use super::Signed;
use crate::error::FleetError;
use crate::Shared;

/// Groups, plans or doors one key may carry: as many as a hub takes, and no more.
pub const MAX_ITEMS: usize = 200;

async fn down_bucket(shared: &Shared, space: &str) -> Result<async_nats::jetstream::kv::Store, FleetError> {
    crate::up::down_bucket(&shared.jetstream, space).await
}

/// Puts `value` under `down`'s key; answers where it went.
async fn send(shared: &Shared, down: &Down, value: &impl serde::Serialize) -> Result<DownSent, FleetError> {
    let bytes = serde_json::to_vec(value).map_err(|e| FleetError::Invalid(e.to_string()))?;
    let revision = down_bucket(shared, down.space())
        .await?
        .put(down.key(), bytes.into())
        .await
        .map_err(|e| FleetError::Link(e.to_string()))?;
    Ok(DownSent {
        key: down.key(),
        revision,
    })
}

fn at_most(what: &str, n: usize) -> Result<(), FleetError> {
    if n > MAX_ITEMS {
        return Err(FleetError::Invalid(format!(
            "{n} {what} are more than a hub takes ({MAX_ITEMS}); send fewer."
        )));
    }
    Ok(())
}

/// `PUT /api/v1/fleet/spaces/{space}/access`: the space's access setup, for each of its hubs
/// to check and apply as its console would.
pub(super) async fn access(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Path(space): Path<String>,
    Json(wanted): Json<AccessDown>,
) -> Result<Json<DownSent>, FleetError> {
    let space = caller.space(&space)?.to_string();
    at_most("groups", wanted.groups.len())?;
    at_most("plans", wanted.plans.len())?;
    let sent = Sent {
        by: caller.name,
        at: jiff::Timestamp::now().to_string(),
        what: wanted,
    };
    Ok(Json(send(&shared, &Down::Access { space }, &sent).await?))
}

/// What was last sent under `down`'s key, who sent it and when; `null` before anything was.
async fn last_sent<T: serde::de::DeserializeOwned>(
    shared: &Shared,
    down: &Down,
) -> Result<Option<Sent<T>>, FleetError> {
    let value = down_bucket(shared, down.space())
        .await?
        .get(down.key())
        .await
        .map_err(|e| FleetError::Link(e.to_string()))?;
    match value {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| FleetError::Link(format!("the last {} sent cannot be read: {e}", down.key()))),
    }
}

/// `GET /api/v1/fleet/spaces/{space}/access`: the access setup last sent to the space (to edit
/// and send again); how each hub took it is in `/spaces`.
pub(super) async fn access_sent(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Path(space): Path<String>,
) -> Result<Json<Option<Sent<AccessDown>>>, FleetError> {
    let space = caller.space(&space)?.to_string();
    Ok(Json(last_sent(&shared, &Down::Access { space }).await?))
}

/// `GET /api/v1/fleet/spaces/{space}/hubs/{hub}/doors`: the doors last sent to one hub.
pub(super) async fn doors_sent(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Path((space, hub)): Path<(String, String)>,
) -> Result<Json<Option<Sent<DoorsDown>>>, FleetError> {
    let space = caller.space(&space)?.to_string();
    if !frontdoor_core::fleet::is_name(&hub) {
        return Err(FleetError::UnknownHub);
    }
    Ok(Json(last_sent(&shared, &Down::Doors { space, hub }).await?))
}

/// `PUT /api/v1/fleet/spaces/{space}/hubs/{hub}/doors`: one hub's doors, for it to check and
/// apply as its console would (secrets stay at the hub).
pub(super) async fn doors(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Path((space, hub)): Path<(String, String)>,
    Json(wanted): Json<DoorsDown>,
) -> Result<Json<DownSent>, FleetError> {
    let space = caller.space(&space)?.to_string();
    if !shared.store.hubs_of(&space).await?.contains(&hub) && !shared.states.of(&space).contains_key(&hub) {
        return Err(FleetError::UnknownHub);
    }
    at_most("doors", wanted.doors.len())?;
    let sent = Sent {
        by: caller.name,
        at: jiff::Timestamp::now().to_string(),
        what: wanted,
    };
    Ok(Json(send(&shared, &Down::Doors { space, hub }, &sent).await?))
}

/// `POST …/revocations` body: one of `device_id` and `user_id`.
#[derive(Debug, Deserialize)]
pub struct RevokeBody {
    /// End this signed-in device.
    pub device_id: Option<String>,
    /// End every device of this person (their staff right was removed).
    pub user_id: Option<String>,
    /// Why, for the hubs' records.
    pub why: String,
}

pub(super) async fn revoke(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Path(space): Path<String>,
    Json(body): Json<RevokeBody>,
) -> Result<Json<RevocationView>, FleetError> {
    let space = caller.space(&space)?.to_string();
    let down = match (body.device_id, body.user_id) {
        (Some(device_id), None) if key_part(&device_id) => Down::RevokeDevice { space, device_id },
        (None, Some(user_id)) if key_part(&user_id) => Down::RevokeStaff { space, user_id },
        _ => {
            return Err(FleetError::Invalid(
                "Name exactly one of device_id and user_id, in letters, digits, '-' and '_'.".into(),
            ))
        }
    };
    if body.why.trim().is_empty() {
        return Err(FleetError::Invalid(
            "Say why (the hubs keep it with the ended device).".into(),
        ));
    }
    let revocation = Revocation {
        by: caller.name,
        why: body.why,
        at: jiff::Timestamp::now().to_string(),
    };
    send(&shared, &down, &revocation).await?;
    Ok(Json(RevocationView {
        key: down.key(),
        revocation,
    }))
}

fn key_part(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) async fn revocations(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Path(space): Path<String>,
) -> Result<Json<Vec<RevocationView>>, FleetError> {
    let space = caller.space(&space)?;
    let bucket = down_bucket(&shared, space).await?;
    let mut keys = bucket.keys().await.map_err(|e| FleetError::Link(e.to_string()))?;
    let mut out = Vec::new();
    while let Some(key) = keys.next().await {
        let key = key.map_err(|e| FleetError::Link(e.to_string()))?;
        match Down::parse(&key) {
            Some(Down::RevokeDevice { space: of, .. } | Down::RevokeStaff { space: of, .. }) if of == space => {}
            Some(Down::RevokeDevice { .. } | Down::RevokeStaff { .. } | Down::Access { .. } | Down::Doors { .. })
            | None => continue,
        }
        if let Some(value) = bucket.get(&key).await.map_err(|e| FleetError::Link(e.to_string()))? {
            if let Ok(revocation) = serde_json::from_slice(&value) {
                out.push(RevocationView { key, revocation });
            }
        }
    }
    out.sort_by_cached_key(|r| std::cmp::Reverse(r.revocation.at.parse::<jiff::Timestamp>().ok()));
    Ok(Json(out))
}
