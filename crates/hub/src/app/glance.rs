//! Health at a glance: `GET /api/v1/admin/glance` (staff) answers four lights for the console's
//! status strip — the Cobot connection (with the last day's failed connection attempt or
//! sign-in Cobot's ID token failed), the last full sync and its age, doors offline or
//! unusable, and today's check-ins failing. The app asks every half minute while staff are
//! signed in and tells them with a desktop notification when a light turns bad.

use std::sync::Arc;

use frontdoor_core::console::{ConnectionState, DoorReach, Glance, Light, LightFact};
use jiff::Timestamp;

use crate::app::Error;
use crate::app::Hub;

/// Sync runs looked through for the last full one (webhook runs come in between).
const RUNS_LOOKED_AT: u32 = 200;

/// How long ago, in words: `just now`, `4 min`, `3 h`, `2 days`.
pub fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 2 * 86_400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

/// A full sync is late when none finished within twice the interval and five minutes.
pub fn sync_is_late(age_seconds: i64, interval_minutes: u64) -> bool {
    age_seconds > i64::try_from(interval_minutes.saturating_mul(120).saturating_add(300)).unwrap_or(i64::MAX)
}

fn light(ok: bool, fact: LightFact) -> Light {
    Light {
        ok,
        words: words(&fact),
        fact: Some(fact),
    }
}

/// A light in the hub's English (for apps that predate [`LightFact`]).
fn words(fact: &LightFact) -> String {
    match fact {
        LightFact::CobotRefused => "Cobot refused the hub's connection: reconnect it on the Cobot tab".into(),
        LightFact::CobotNotConnected { why: Some(why) } => {
            format!("Cobot not connected: the last attempt failed ({why}); try again on the Cobot tab")
        }
        LightFact::CobotNotConnected { why: None } => "Cobot not connected: connect it on the Cobot tab".into(),
        LightFact::SignInFailed { why } => {
            format!("The last member sign-in failed ({why}); see the Cobot tab and Check Cobot")
        }
        LightFact::ReconnectFailed { why } => {
            format!("Cobot connected, but the last attempt to reconnect failed ({why}); see Check Cobot")
        }
        LightFact::CobotConnected => "Cobot connected".into(),
        LightFact::NeverSynced => "Never synced with Cobot".into(),
        LightFact::CopyTooOld { age_seconds } => format!(
            "Cobot last reached {}: members' doors stay shut until the hub reaches it again",
            age(*age_seconds)
        ),
        LightFact::SyncFailed { age_seconds } => {
            format!("The last sync failed ({}); see the Cobot tab", age(*age_seconds))
        }
        LightFact::SyncLate { age_seconds } => format!("Last sync {}: late", age(*age_seconds)),
        LightFact::Synced { age_seconds } => format!("Last sync {}", age(*age_seconds)),
        LightFact::DoorsReady { doors } => format!("{doors} doors ready"),
        LightFact::DoorsOffline { names } if names.len() == 1 => format!("1 door offline: {}", names[0]),
        LightFact::DoorsOffline { names } => format!("{} doors offline: {}", names.len(), names.join(", ")),
        LightFact::CheckInsFine => "Check-ins fine today".into(),
        LightFact::CheckInsFailing { failing: 1 } => "1 check-in failing today: see Check-ins".into(),
        LightFact::CheckInsFailing { failing } => format!("{failing} check-ins failing today: see Check-ins"),
    }
}

/// The four lights now.
pub async fn now(hub: &Arc<Hub>) -> Result<Glance, Error> {
    let at = hub.clock.now();
    let connection = crate::app::plug::describe(hub);
    // One trip to the store for everything the lights read.
    let today = hub.space_day(at);
    let (runs, rows, last_plug, last_sign_in) = hub
        .db(move |store| {
            Ok::<_, crate::store::Error>((
                store.sync_runs(RUNS_LOOKED_AT)?,
                store.check_ins_of_day(&today, None)?,
                store.outcome(crate::store::attempts::Record::Plug)?,
                store.outcome(crate::store::attempts::Record::SignIn)?,
            ))
        })
        .await?
        .map_err(Error::internal)?;
    let failed_lately = |outcome: Option<crate::app::doctor::SignInOutcome>| outcome.and_then(|o| o.failed_lately(at));
    let why = |o: &crate::app::doctor::SignInOutcome| o.problem.clone().unwrap_or_else(|| "no reason recorded".into());
    let cobot = match (connection.state, failed_lately(last_plug), failed_lately(last_sign_in)) {
        (ConnectionState::Refused, _, _) => light(false, LightFact::CobotRefused),
        (ConnectionState::NotConnected, plug, _) => light(
            false,
            LightFact::CobotNotConnected {
                why: plug.as_ref().map(why),
            },
        ),
        (ConnectionState::Connected, _, Some(sign_in)) => light(false, LightFact::SignInFailed { why: why(&sign_in) }),
        (ConnectionState::Connected, Some(plug), None) => light(false, LightFact::ReconnectFailed { why: why(&plug) }),
        (ConnectionState::Connected, None, None) => light(true, LightFact::CobotConnected),
    };

    let full = runs.iter().find(|r| r.kind == "full");
    let sync = match full {
        None => light(false, LightFact::NeverSynced),
        Some(run) => {
            let seconds = run
                .finished_at
                .parse::<Timestamp>()
                .map(|t| (at - t).get_seconds())
                .unwrap_or(i64::MAX);
            if crate::app::freshness::too_old(hub, hub.snapshot().as_of, at).is_some() {
                light(
                    false,
                    LightFact::CopyTooOld {
                        age_seconds: crate::app::freshness::copy_age(hub, at).unwrap_or(seconds),
                    },
                )
            } else if !run.ok {
                light(false, LightFact::SyncFailed { age_seconds: seconds })
            } else if sync_is_late(seconds, hub.schedule.interval_minutes()) {
                light(false, LightFact::SyncLate { age_seconds: seconds })
            } else {
                light(true, LightFact::Synced { age_seconds: seconds })
            }
        }
    };

    let active = hub.access.current();
    let mut down = Vec::new();
    for stored in active.stored_doors.iter() {
        let Some(runtime) = active.doors.get(&stored.setup.id) else {
            continue;
        };
        let bad = runtime.problem.is_some()
            || runtime.driver.as_ref().is_some_and(|d| {
                matches!(
                    crate::app::door_admin::reach_of(d.as_ref()),
                    DoorReach::Offline | DoorReach::BrokerDown { .. }
                )
            });
        if bad {
            down.push(stored.setup.name.clone());
        }
    }
    let doors = if down.is_empty() {
        light(
            true,
            LightFact::DoorsReady {
                doors: active.stored_doors.len(),
            },
        )
    } else {
        light(false, LightFact::DoorsOffline { names: down })
    };

    let failing = rows
        .iter()
        .filter(|r| r.state == "refused" || (r.state == "pending" && r.attempts > 0))
        .count();
    let check_ins = match failing {
        0 => light(true, LightFact::CheckInsFine),
        n => light(false, LightFact::CheckInsFailing { failing: n }),
    };
    Ok(Glance {
        cobot,
        sync,
        doors,
        check_ins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_people_say_them() {
        assert_eq!(age(-5), "just now");
        assert_eq!(age(59), "just now");
        assert_eq!(age(240), "4 min ago");
        assert_eq!(age(3 * 3600 + 10), "3 h ago");
        assert_eq!(age(3 * 86_400), "3 days ago");
    }

    #[test]
    fn a_sync_is_late_after_twice_its_interval_and_five_minutes() {
        assert!(!sync_is_late(35 * 60, 15));
        assert!(sync_is_late(35 * 60 + 1, 15));
    }
}
