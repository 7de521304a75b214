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

use crate::app::activity::percentile;
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
