//! The console's doors: staff list, add, edit, remove and test the doors the hub opens.
//!
//! - `GET /api/v1/admin/doors` — every door: its setup, where its secret comes from (never the
//!   secret), whether its device can be reached (an MQTT device's availability and Last Will), its
//!   last failed opening, and p50/p95 of its recent openings from the audit log.
//! - `PUT /api/v1/admin/doors/{door}` ([`DoorChange`]) — adds or replaces a door. Every field is
//!   checked per driver ([`crate::app::doors::plan`]) and wrong ones are named; a secret is entered once,
//!   stored sealed, and never answered. The door opens with its new driver from the next request:
//!   no restart.
//! - `DELETE /api/v1/admin/doors/{door}` — refused while a group opens it.
//! - `POST /api/v1/admin/doors/{door}/test` — pulses the door for real through the unlock path,
//!   audited as a staff test (`staff_test`).
//!
//! Every change is written with a row in the staff change trail. A door's id is part of its QR
//! sticker's link, so it cannot be changed: staff add a door under the new id instead.

use std::collections::BTreeMap;
use std::sync::Arc;

use frontdoor_core::console::{DoorFailure, DoorLatency, DoorReach, DoorRow, DoorsView};
use frontdoor_core::door::{DoorDriver, Reach};

use axum::http::StatusCode;
use frontdoor_core::console::DoorChange;
use frontdoor_core::hub::Code;
use serde_json::Value;

use crate::app::activity::percentile;
use crate::app::doors::StoredDoor;
use crate::app::setup::{Actor, Trail};
use crate::app::Error;
use crate::app::Hub;
pub use crate::store::activity::DoorHistory;

/// Door ids the console's own addresses use.
pub const RESERVED_IDS: &[&str] = &["latency"];

/// What a driver knows about its device, as the console says it.
pub fn reach_of(driver: &dyn DoorDriver) -> DoorReach {
    match driver.reach() {
        Reach::Online => DoorReach::Online,
        Reach::Offline => DoorReach::Offline,
        Reach::LinkDown(why) => DoorReach::BrokerDown { why },
        Reach::Unknown => DoorReach::Unknown,
    }
}

/// Every door as the console shows it.
pub async fn view(hub: &Arc<Hub>) -> Result<DoorsView, Error> {
    let active = hub.access.current();
    let ids: Vec<String> = active.stored_doors.iter().map(|d| d.setup.id.clone()).collect();
    let histories = hub
        .db(move |store| {
            ids.iter()
                .map(|id| store.door_history(id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?
        .map_err(Error::internal)?;
    let doors = active
        .stored_doors
        .iter()
        .zip(histories)
        .map(|(stored, history)| {
            let runtime = active.doors.get(&stored.setup.id);
            let reach = match runtime.and_then(|r| r.driver.as_ref()) {
                None => DoorReach::NoDriver,
                Some(driver) => reach_of(driver.as_ref()),
            };
            // A driver that cannot be built is the door's current failure, newer than any opening.
            let last_error = match runtime.and_then(|r| r.problem.clone()) {
                Some(problem) => Some(DoorFailure {
                    at: hub.clock.now().to_string(),
                    what: format!("The hub cannot use this door's driver: {problem}"),
                }),
                None => history.last_failure.map(|(at, what)| DoorFailure { at, what }),
            };
            let mut us = history.latencies_us;
            us.sort_unstable();
            DoorRow {
                door: stored.setup.clone(),
                secret: stored.secret_state(),
                reach,
                last_error,
                last_opened_at: history.last_opened_at,
                latency: DoorLatency {
                    door: stored.setup.id.clone(),
                    name: stored.setup.name.clone(),
                    count: us.len() as u32,
                    p50_us: percentile(&us, 50),
                    p95_us: percentile(&us, 95),
                },
                groups: active
                    .setup
                    .groups
                    .iter()
                    .filter(|g| g.doors.contains(&stored.setup.id))
                    .map(|g| g.name.clone())
                    .collect(),
            }
        })
        .collect();
    Ok(DoorsView {
        doors,
        mqtt_broker: hub.access.workshop.mqtt_broker(),
    })
}

pub(crate) const WHAT: &str = "manage the doors";

pub(crate) fn invalid(fields: BTreeMap<String, String>) -> Error {
    let message = format!(
        "The door was not saved: {}",
        fields.values().cloned().collect::<Vec<_>>().join(" ")
    );
    Error::invalid(message, fields)
}

/// Where a door's secret goes ([`frontdoor_core::console::DoorDriverSetup::secret_destination`]).
pub(crate) fn destination(door: &frontdoor_core::console::DoorSetup) -> Option<String> {
    door.driver
        .as_ref()
        .and_then(frontdoor_core::console::DoorDriverSetup::secret_destination)
}

/// Adds or replaces the door `id` as staff (or the fleet) asked, every field checked per driver
/// and wrong ones named; a secret is entered once, stored sealed, never answered, and only sent
/// to the device it was entered for. Answers the doors as they are now.
pub async fn save_door(hub: &Arc<Hub>, actor: &Actor, id: String, change: DoorChange) -> Result<DoorsView, Error> {
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
        return view(hub).await;
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
        by: actor.user_id.clone(),
        device_id: actor.device_id.clone(),
        what,
        before: before.as_ref().map_or(Value::Null, StoredDoor::trail_value),
        after: next.trail_value(),
    };
    let live = hub.access.clone();
    hub.db(move |store| live.commit_door(store, &id, Some(next), trail))
        .await??;
    view(hub).await
}

/// Removes the door `id` (refused while a group opens it).
pub async fn remove_door(hub: &Arc<Hub>, actor: &Actor, id: String) -> Result<DoorsView, Error> {
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
        by: actor.user_id.clone(),
        device_id: actor.device_id.clone(),
        what: format!("removed door {id}"),
        before: before.trail_value(),
        after: Value::Null,
    };
    let live = hub.access.clone();
    hub.db(move |store| live.commit_door(store, &id, None, trail)).await??;
    view(hub).await
}
