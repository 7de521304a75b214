//! The check-in worker: empties the outbox that the unlock path fills.
//!
//! Cobot has no idempotency key and a check-in may spend a time pass (cobot-api.md §6), so each
//! attempt **reads first** (`GET /api/work_sessions?from&to`, the admin's view of the space's
//! day): if Cobot already has a check-in for the member made during the space's day — by an
//! earlier attempt whose answer was lost, by the front desk, or by the member — the outbox row is
//! closed with it and nothing is posted. Only then is `work_sessions` posted, once. A timeout, a
//! dropped connection or a 5xx leaves the row pending with a backoff; the next attempt reads
//! again. A 422 ("No time passes left."), a 403 or a 404 is final and shown.
//!
//! Cobot checks in "now", so a row whose day has ended (Cobot was down all evening) is never
//! posted: the worker reads once more and, finding nothing, marks it `missed` for staff.
//!
//! The outbox is in SQLite, so pending check-ins survive a restart: the worker starts with
//! whatever is due.

use std::sync::Arc;
use std::time::Duration;

use frontdoor_core::cobot;
use jiff::{Timestamp, ToSpan};
use rand::Rng;
use tokio::sync::Notify;

use crate::store::CheckInRow;
use crate::Hub;

/// Wakes the worker.
#[derive(Default)]
pub struct CheckIns {
    wake: Notify,
}

impl CheckIns {
    /// Something was queued, or Cobot may be back: look at the outbox now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// How attempts back off.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// The first retry's delay; each later one doubles, with jitter.
    pub base: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(600),
        }
    }
}

impl Backoff {
    fn delay(&self, attempts: u32) -> Duration {
        let exp = self.base.saturating_mul(2u32.saturating_pow(attempts.min(16)));
        let capped = exp.min(self.max);
        let jitter = rand::thread_rng().gen_range(0.0..=0.25);
        capped.mul_f64(1.0 + jitter)
    }
}

/// Runs until `stop` fires.
pub async fn run(hub: Arc<Hub>, mut stop: tokio::sync::watch::Receiver<bool>) {
    loop {
        let next = process_due(&hub).await;
        // Never spin: even a row whose failure could not be recorded waits a moment.
        let wait = next
            .unwrap_or(Duration::from_secs(300))
            .max(hub.check_in_backoff.base.min(Duration::from_secs(1)));
        tokio::select! {
            _ = hub.check_ins.wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Attempts every due check-in once; returns how long until the next is due.
pub async fn process_due(hub: &Hub) -> Option<Duration> {
    let wall_ms = Timestamp::now().as_millisecond();
    let due = match hub.store.due_check_ins(wall_ms) {
        Ok(due) => due,
        Err(e) => {
            tracing::error!("cannot read the check-in outbox: {e}");
            return Some(Duration::from_secs(30));
        }
    };
    for row in due {
        attempt(hub, &row).await;
    }
    match hub.store.next_check_in_due() {
        Ok(Some(at)) => {
            let now = Timestamp::now().as_millisecond();
            Some(Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
        }
        Ok(None) => None,
        Err(e) => {
            tracing::error!("cannot read the check-in outbox: {e}");
            Some(Duration::from_secs(30))
        }
    }
}

/// The space's day `day` as `[00:00, next 00:00)` in its time zone.
fn day_window(hub: &Hub, day: &str) -> Option<(Timestamp, Timestamp)> {
    let date: jiff::civil::Date = day.parse().ok()?;
    let tz = hub.rules().time_zone().clone();
    let start = date.to_zoned(tz.clone()).ok()?.timestamp();
    let end = date.checked_add(1.day()).ok()?.to_zoned(tz).ok()?.timestamp();
    Some((start, end))
}

async fn attempt(hub: &Hub, row: &CheckInRow) {
    let id = &row.membership_id;
    let store_failed = |e: crate::store::Error| tracing::error!("cannot record a check-in attempt: {e}");
    let retry = |error: String, at_most: Option<Duration>| {
        let mut delay = hub.check_in_backoff.delay(row.attempts);
        if let Some(cap) = at_most {
            delay = delay.max(cap);
        }
        let next = Timestamp::now().as_millisecond() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        tracing::warn!(membership = %id, day = %row.day, attempts = row.attempts + 1, "check-in not done yet: {error}");
        if let Err(e) = hub.store.check_in_retry(id, &row.day, next, &error) {
            store_failed(e);
        }
    };
    let Some(token) = hub.syncer.token() else {
        retry("the hub is not connected to Cobot".into(), None);
        return;
    };
    let Some((from, to)) = day_window(hub, &row.day) else {
        if let Err(e) = hub
            .store
            .check_in_refused(id, &row.day, "the outbox row has an invalid day")
        {
            store_failed(e);
        }
        return;
    };
    let space = &hub.config.space.subdomain;
    let day_is_over = hub.space_day((hub.now)()) != row.day;

    // Read first: Cobot may already have the day's check-in.
    match hub.cobot.work_sessions(&token, space, from, to).await {
        Ok(existing) => {
            let found = existing
                .iter()
                .find(|c| c.membership.as_ref().is_some_and(|m| &m.id == id) && c.began_within(from, to));
            if let Some(c) = found {
                tracing::info!(membership = %id, day = %row.day, "Cobot already has the day's check-in");
                if let Err(e) = hub
                    .store
                    .check_in_done(id, &row.day, &c.id, c.valid_from, c.valid_until)
                {
                    store_failed(e);
                }
                return;
            }
        }
        Err(e) => {
            if matches!(e, cobot::Error::SignInAgain) {
                crate::plug::note_refused(hub, &token);
            }
            retry(format!("could not read the day's check-ins: {e}"), None);
            return;
        }
    }
    if day_is_over {
        tracing::warn!(membership = %id, day = %row.day, "the day ended before Cobot could be told; not checking in late");
        let reason = "Cobot could not be reached that day, and a check-in cannot be made afterwards";
        if let Err(e) = hub.store.check_in_missed(id, &row.day, reason) {
            store_failed(e);
        }
        return;
    }

    // Then post, once.
    match hub.cobot.check_in(&token, space, id).await {
        Ok(c) => {
            tracing::info!(membership = %id, day = %row.day, "checked in with Cobot");
            if let Err(e) = hub
                .store
                .check_in_done(id, &row.day, &c.id, c.valid_from, c.valid_until)
            {
                store_failed(e);
            }
        }
        Err(e @ (cobot::Error::Refused(_) | cobot::Error::Forbidden(_) | cobot::Error::NotFound(_))) => {
            let reason = match e {
                cobot::Error::Refused(reason) => reason,
                other => other.to_string(),
            };
            tracing::info!(membership = %id, day = %row.day, "Cobot refused the check-in: {reason}");
            if let Err(e) = hub.store.check_in_refused(id, &row.day, &reason) {
                store_failed(e);
            }
        }
        // The hub's token no longer works: only staff can fix that; try again rarely.
        Err(cobot::Error::SignInAgain) => {
            crate::plug::note_refused(hub, &token);
            retry(
                "Cobot no longer accepts the hub's token; staff must connect Cobot again".into(),
                Some(hub.check_in_backoff.max),
            )
        }
        // Anything else may or may not have reached Cobot: the next attempt reads first.
        Err(e) => retry(e.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let b = Backoff {
            base: Duration::from_secs(5),
            max: Duration::from_secs(600),
        };
        for attempts in 0..3 {
            let d = b.delay(attempts);
            let floor = Duration::from_secs(5 * 2u64.pow(attempts));
            assert!(d >= floor && d <= floor.mul_f64(1.25), "{attempts}: {d:?}");
        }
        assert!(b.delay(30) <= Duration::from_secs(750));
    }
}
