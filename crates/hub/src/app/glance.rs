//! Health at a glance: `GET /api/v1/admin/glance` (staff) answers four lights for the console's
//! status strip — the Cobot connection (with the last day's failed connection attempt or
//! sign-in Cobot's ID token failed), the last full sync and its age, doors offline or
//! unusable, and today's check-ins failing. The app asks every half minute while staff are
//! signed in and tells them with a desktop notification when a light turns bad.

use std::sync::Arc;

use frontdoor_core::console::{ConnectionState, DoorReach, Glance, Light};
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

fn light(ok: bool, words: impl Into<String>) -> Light {
    Light {
        ok,
        words: words.into(),
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
        (ConnectionState::Refused, _, _) => light(
            false,
            "Cobot refused the hub's connection: reconnect it on the Cobot tab",
        ),
        (ConnectionState::NotConnected, Some(plug), _) => light(
            false,
            format!(
                "Cobot not connected: the last attempt failed ({}); try again on the Cobot tab",
                why(&plug)
            ),
        ),
        (ConnectionState::NotConnected, None, _) => light(false, "Cobot not connected: connect it on the Cobot tab"),
        (ConnectionState::Connected, _, Some(sign_in)) => light(
            false,
            format!(
                "The last member sign-in failed ({}); see the Cobot tab and Check Cobot",
                why(&sign_in)
            ),
        ),
        (ConnectionState::Connected, Some(plug), None) => light(
            false,
            format!(
                "Cobot connected, but the last attempt to reconnect failed ({}); see Check Cobot",
                why(&plug)
            ),
        ),
        (ConnectionState::Connected, None, None) => light(true, "Cobot connected"),
    };

    let full = runs.iter().find(|r| r.kind == "full");
    let sync = match full {
        None => light(false, "Never synced with Cobot"),
        Some(run) => {
            let seconds = run
                .finished_at
                .parse::<Timestamp>()
                .map(|t| (at - t).get_seconds())
                .unwrap_or(i64::MAX);
            let when = age(seconds);
            if crate::app::freshness::too_old(hub, hub.snapshot().as_of, at).is_some() {
                light(
                    false,
                    format!(
                        "Cobot last reached {}: members' doors stay shut until the hub reaches it again",
                        crate::app::freshness::copy_age(hub, at).map(age).unwrap_or(when)
                    ),
                )
            } else if !run.ok {
                light(false, format!("The last sync failed ({when}); see the Cobot tab"))
            } else if sync_is_late(seconds, hub.schedule.interval_minutes()) {
                light(false, format!("Last sync {when}: late"))
            } else {
                light(true, format!("Last sync {when}"))
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
    let doors = match down.len() {
        0 => light(true, format!("{} doors ready", active.stored_doors.len())),
        1 => light(false, format!("1 door offline: {}", down[0])),
        n => light(false, format!("{n} doors offline: {}", down.join(", "))),
    };

    let failing = rows
        .iter()
        .filter(|r| r.state == "refused" || (r.state == "pending" && r.attempts > 0))
        .count();
    let check_ins = match failing {
        0 => light(true, "Check-ins fine today"),
        1 => light(false, "1 check-in failing today: see Check-ins"),
        n => light(false, format!("{n} check-ins failing today: see Check-ins")),
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
