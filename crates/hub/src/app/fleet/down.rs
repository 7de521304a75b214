//! What flows down from the fleet, as the hub takes it: revocations (a device or a staff
//! member's devices end), the space's access setup and this hub's doors. Each is applied by the
//! use case the console uses, with the console's checks; applying a key twice changes nothing.
//! The access setup and the doors are taken once per revision (the revision taken and how it
//! went are kept in the hub's database, and put in the hub's state for the fleet's console), so
//! a restart does not undo what staff changed at the hub since.

use std::collections::BTreeMap;
use std::sync::Arc;

use frontdoor_core::console::DoorChange;
use frontdoor_core::fleet::{self, AccessDown, DoorsDown, Down, DownOutcome, DownResult, Sent};
use frontdoor_core::hub::Code;
use futures_util::StreamExt;

use super::{js, Link, LinkError, Pace, RETRY};
use crate::app::setup::Actor;
use crate::app::{door_admin, setup, Error, Hub};

/// Watches the space's down keys (their last values first) and takes each; returns when the
/// watch ends, to be started again.
pub(super) async fn watch(link: &Link) -> Result<Pace, LinkError> {
    let bucket = link
        .jetstream
        .get_key_value(fleet::down_bucket(&link.space))
        .await
        .map_err(js)?;
    let mut entries = bucket
        .watch_with_history(format!("{}.>", link.space))
        .await
        .map_err(js)?;
    while let Some(entry) = entries.next().await {
        let entry = entry.map_err(js)?;
        if entry.operation != async_nats::jetstream::kv::Operation::Put {
            continue;
        }
        let Some(down) = Down::parse(&entry.key).filter(|d| d.space() == link.space) else {
            tracing::warn!(
                "the fleet sent a key this hub does not know ({:?}); left as it is",
                entry.key
            );
            continue;
        };
        match &down {
            Down::RevokeDevice { .. } | Down::RevokeStaff { .. } => {
                let Ok(revocation) = serde_json::from_slice::<fleet::Revocation>(&entry.value) else {
                    tracing::warn!(
                        "the fleet sent {:?} with a value this hub cannot read; left as it is",
                        entry.key
                    );
                    continue;
                };
                revoke(&link.hub, &down, &revocation).await?;
            }
            Down::Doors { hub, .. } if *hub != link.hub_id => {}
            Down::Access { .. } | Down::Doors { .. } => {
                let key = entry.key.to_string();
                let asked = key.clone();
                let taken = link.hub.db(move |store| store.down_taken(&asked)).await??;
                // Taken already: the watch gives each key's newest value only, so another
                // revision is a newer one (or the bucket was made anew and counts from 1 again).
                if taken == Some(entry.revision) {
                    continue;
                }
                let result = take(&link.hub, &down, &entry.value).await;
                match &result {
                    DownResult::Applied => tracing::info!("took {key} (revision {}) from the fleet", entry.revision),
                    DownResult::Refused { message, .. } => {
                        tracing::warn!("refused {key} (revision {}) from the fleet: {message}", entry.revision)
                    }
                }
                let outcome = DownOutcome {
                    key,
                    revision: entry.revision,
                    at: link.hub.clock.now().to_string(),
                    result,
                };
                link.hub.db(move |store| store.down_took(&outcome)).await??;
            }
        }
    }
    Ok(Pace::Idle(RETRY))
}

/// Takes the access setup or the doors: applied, or refused in the hub's words.
async fn take(hub: &Arc<Hub>, down: &Down, value: &[u8]) -> DownResult {
    let taken = match down {
        Down::Access { .. } => match serde_json::from_slice::<Sent<AccessDown>>(value) {
            Ok(sent) => setup::whole::replace(hub, &Actor::fleet(&printable(&sent.by, 80)), &sent.what).await,
            Err(e) => return unreadable(e),
        },
        Down::Doors { .. } => match serde_json::from_slice::<Sent<DoorsDown>>(value) {
            Ok(sent) => return doors(hub, &Actor::fleet(&printable(&sent.by, 80)), sent.what).await,
            Err(e) => return unreadable(e),
        },
        Down::RevokeDevice { .. } | Down::RevokeStaff { .. } => Ok(()),
    };
    settled(taken)
}

fn unreadable(e: serde_json::Error) -> DownResult {
    DownResult::Refused {
        message: format!("The hub could not read what the fleet sent ({e}); it kept what it had."),
        fields: BTreeMap::new(),
    }
}

/// Every refusal is the outcome, in the hub's words — also when Cobot could not be reached
/// (turning the extra groups on asks it) or the hub's database failed: the fleet's staff see it
/// and send the key again. The hub never retries a key on its own, so it neither asks Cobot again
/// and again nor holds back the keys behind it (a revocation made later is applied at once).
fn settled(taken: Result<(), Error>) -> DownResult {
    match taken {
        Ok(()) => DownResult::Applied,
        Err(e) => DownResult::Refused {
            message: e.message().to_string(),
            fields: e.fields().clone(),
        },
    }
}

/// Puts each door as the console puts one (a door keeps the secret it has at the hub), then
/// removes the doors not listed. Each door is its own change: the ones refused are named, with
/// their fields as `doors[i].…`, and the others are applied.
async fn doors(hub: &Arc<Hub>, actor: &Actor, wanted: DoorsDown) -> DownResult {
    let mut fields = BTreeMap::new();
    let mut refused = Vec::new();
    let listed: Vec<String> = wanted.doors.iter().map(|d| d.id.clone()).collect();
    for (i, door) in wanted.doors.into_iter().enumerate() {
        let id = door.id.clone();
        let change = DoorChange { door, secret: None };
        if let DownResult::Refused { message, fields: wrong } =
            settled(door_admin::save_door(hub, actor, id.clone(), change).await.map(|_| ()))
        {
            refused.push(id);
            if wrong.is_empty() {
                fields.insert(format!("doors[{i}]"), message);
            }
            for (field, why) in wrong {
                fields.insert(format!("doors[{i}].{field}"), why);
            }
        }
    }
    let gone: Vec<String> = hub
        .access
        .current()
        .stored_doors
        .iter()
        .map(|d| d.setup.id.clone())
        .filter(|id| !listed.contains(id))
        .collect();
    for id in gone {
        if let DownResult::Refused { message, .. } =
            settled(door_admin::remove_door(hub, actor, id.clone()).await.map(|_| ()))
        {
            fields.insert(format!("removed.{id}"), message);
            refused.push(id);
        }
    }
    if refused.is_empty() {
        return DownResult::Applied;
    }
    DownResult::Refused {
        message: format!(
            "The hub kept {} as {} had {}; the other doors were applied.",
            refused.iter().map(|d| format!("“{d}”")).collect::<Vec<_>>().join(", "),
            if refused.len() == 1 { "it" } else { "they" },
            if refused.len() == 1 { "it" } else { "them" },
        ),
        fields,
    }
}

/// Applies one revocation: the device (or every device of the person) ends as when staff end it
/// in the console. One already ended is left.
async fn revoke(hub: &Arc<Hub>, down: &Down, revocation: &fleet::Revocation) -> Result<(), LinkError> {
    let why = format!(
        "ended from the fleet by {}: {}",
        printable(&revocation.by, 80),
        printable(&revocation.why, 200)
    );
    let devices = match down {
        Down::RevokeDevice { device_id, .. } => vec![device_id.clone()],
        // The devices the person had when their right was removed: one they signed in on
        // since (their right given back) is not theirs to lose when the key is replayed.
        Down::RevokeStaff { user_id, .. } => {
            let Ok(at) = revocation.at.parse::<jiff::Timestamp>() else {
                tracing::warn!("a staff revocation of {user_id} has no readable time; left as it is");
                return Ok(());
            };
            let (user_id, at_s) = (user_id.clone(), at.as_second());
            hub.db(move |store| store.devices())
                .await??
                .into_iter()
                .filter(|d| d.user_id == user_id && d.signed_in_at <= at_s)
                .map(|d| d.id)
                .collect()
        }
        Down::Access { .. } | Down::Doors { .. } => Vec::new(),
    };
    for device in devices {
        match hub.sign_out_device(&device, &why).await {
            Ok(_) => tracing::info!("device {device} {why}"),
            Err(e) if e.code() == Code::UnknownDevice => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn printable(words: &str, at_most: usize) -> String {
    words.chars().filter(|c| !c.is_control()).take(at_most).collect()
}
