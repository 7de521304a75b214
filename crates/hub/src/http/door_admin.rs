//! The routes of the doors: list, save, remove and test (the use case: [`crate::app::door_admin`]).
use crate::app::door_admin::*;

use crate::app::doors::StoredDoor;
use crate::app::setup::Trail;
use crate::app::Error;
use crate::app::Hub;
use crate::http::{bearer, staff_only, Json, Path};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::Router;
use frontdoor_core::console::{DoorChange, DoorsView};
use frontdoor_core::hub::{Code, UnlockResponse};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The console's door routes.
pub fn routes() -> Router<Arc<Hub>> {
    Router::new()
        .route("/api/v1/admin/doors", get(list))
        .route("/api/v1/admin/doors/{door}", put(save).delete(remove))
        .route("/api/v1/admin/doors/{door}/test", post(test))
}

pub(crate) async fn list(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<DoorsView>, Error> {
    staff_only(&hub, &headers, WHAT).await?;
    Ok(Json(view(&hub).await?))
}

pub(crate) async fn save(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(change): Json<DoorChange>,
) -> Result<Json<DoorsView>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    let DoorChange { mut door, secret } = change;
    door.name = door.name.trim().to_string();
    let mut fields = BTreeMap::new();
    if door.id != id {
        fields.insert(
            "id".to_string(),
            "A door's id is part of its printed QR sticker and cannot change. Add a door with the new id and \
             remove this one."
                .to_string(),
        );
    }
    if RESERVED_IDS.contains(&id.as_str()) {
        fields.insert(
            "id".to_string(),
            format!("“{id}” is a word the console's own addresses use; pick another id."),
        );
    }
    let active = hub.access.current();
    let before = active.stored_doors.iter().find(|d| d.setup.id == id).cloned();
    if before.is_none() && active.stored_doors.len() >= crate::app::setup::MAX_GROUPS {
        fields.insert(
            "id".to_string(),
            format!("The hub opens at most {} doors.", crate::app::setup::MAX_GROUPS),
        );
    }
    // The secret the door will have: the one entered now, else the one it has.
    let (sealed, credential, effective) = match secret.as_deref() {
        Some("") => (None, None, None),
        Some(entered) => (
            Some(hub.access.workshop.seal(&id, entered)),
            None,
            Some(entered.to_string()),
        ),
        None => match &before {
            Some(b) => {
                let effective = hub.access.workshop.secret_of(b).ok().flatten();
                (b.sealed.clone(), b.credential.clone(), effective)
            }
            None => (None, None, None),
        },
    };
    // A stored secret is only ever sent where it was entered for: another driver kind or
    // another host (scheme, host, port) needs it typed again.
    let was_for = before.as_ref().and_then(|b| destination(&b.setup));
    let goes_to = destination(&door);
    let moved = before.is_some() && was_for != goes_to;
    let had_secret = before
        .as_ref()
        .is_some_and(|b| b.sealed.is_some() || b.credential.is_some());
    if moved && had_secret && secret.is_none() && goes_to.is_some() {
        fields.insert(
            "secret".to_string(),
            "This door now points at another device (its driver or address changed). Enter its password or \
             token again: the stored one is only sent to the device it was entered for. Or tick “Remove the \
             stored secret”."
                .to_string(),
        );
    }
    if let Err(more) = crate::app::doors::plan(&door, effective.as_deref(), hub.access.workshop.mqtt_broker().is_some())
    {
        for (field, why) in more {
            fields.entry(field).or_insert(why);
        }
    }
    if !fields.is_empty() {
        return Err(invalid(fields));
    }
    // A driver that needs no secret keeps none.
    let keeps_secret = !matches!(
        door.driver,
        None | Some(frontdoor_core::console::DoorDriverSetup::Mqtt { .. })
    );
    let next = StoredDoor {
        setup: door,
        credential: credential.filter(|_| keeps_secret),
        sealed: sealed.filter(|_| keeps_secret),
    };
    if before.as_ref() == Some(&next) {
        return Ok(Json(view(&hub).await?));
    }
    let what = match (&before, moved) {
        (Some(_), true) => format!(
            "door {id}: now opened through {}{}",
            goes_to.as_deref().unwrap_or("no device"),
            match (had_secret, secret.as_deref()) {
                (_, Some("")) => ", its secret removed",
                (_, Some(_)) => ", its secret entered again",
                (true, None) => ", its secret dropped",
                (false, None) => "",
            }
        ),
        (Some(_), false) => format!("door {id}"),
        (None, _) => format!("added door {id}"),
    };
    let trail = Trail {
        at: hub.clock.now(),
        by: session.user_id.clone(),
        device_id: session.device_id.clone(),
        what,
        before: before.as_ref().map_or(Value::Null, StoredDoor::trail_value),
        after: next.trail_value(),
    };
    let live = hub.access.clone();
    hub.db(move |store| live.commit_door(store, &id, Some(next), trail))
        .await??;
    Ok(Json(view(&hub).await?))
}

pub(crate) async fn remove(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<DoorsView>, Error> {
    let session = staff_only(&hub, &headers, WHAT).await?;
    let Some(before) = hub
        .access
        .current()
        .stored_doors
        .iter()
        .find(|d| d.setup.id == id)
        .cloned()
    else {
        let shown: String = id.chars().take(64).collect();
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::UnknownDoor,
            format!("There is no door “{shown}”; it may have been removed meanwhile. Reload the doors."),
        ));
    };
    let trail = Trail {
        at: hub.clock.now(),
        by: session.user_id.clone(),
        device_id: session.device_id.clone(),
        what: format!("removed door {id}"),
        before: before.trail_value(),
        after: Value::Null,
    };
    let live = hub.access.clone();
    hub.db(move |store| live.commit_door(store, &id, None, trail)).await??;
    Ok(Json(view(&hub).await?))
}

pub(crate) async fn test(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Path(door): Path<String>,
) -> Result<Json<UnlockResponse>, Error> {
    staff_only(&hub, &headers, "test doors").await?;
    // An unknown door is refused (and audited) by the unlock path like any other.
    hub.test_door(bearer(&headers), &door).await.map(Json)
}
