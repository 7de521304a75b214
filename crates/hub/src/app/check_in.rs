//! The check-in worker: empties the outbox that the unlock path fills, and the check-in an
//! opening makes at the door when members without a pass are refused.
//!
//! **Cobot's day, not the calendar's.** Whether an entry checks the member in is decided from
//! the member's *running* check-in — one whose `valid_until` is still ahead — not from the date:
//! a day pass or an unlimited plan runs until 03:59 the next morning in the space's time zone, an
//! hourly pass for its hour, a fixed-span pass until its span ends (cobot-api.md §10). The unlock
//! path queues a check-in for an entry only when the hub knows of no running check-in of the
//! member and none on its way ([`crate::store::standing_check_in`]).
//!
//! Cobot has no idempotency key and a check-in may spend a time pass (cobot-api.md §6), so each
//! attempt **reads first** (`GET /api/work_sessions?from&to`, the admin's view of the space): a
//! check-in of the member that runs at any moment since the entry — made by an earlier attempt
//! whose answer was lost, by the front desk, or by the member — stands for the entry, and the row
//! is closed with it; nothing is posted. Only then is `work_sessions` posted, once. A timeout, a
//! dropped connection or a 5xx leaves the row pending with a backoff; the next attempt reads
//! again. A 422 (Cobot's words: "No time passes left.", a pass not valid at this time) or a 404 is
//! final for that entry and shown; the member's next entry asks again.
//!
//! **A 403 is not a refusal of the member** but of the hub: its Cobot connection lacks the
//! permission to check members in (which scope Cobot wants is unknown, see `[cobot]
//! check_in_scope`). The row stays pending, retried at the longest backoff, with words that tell
//! staff to reconnect Cobot; the console's Cobot connection says so too ([`CheckIns::permission`]).
//!
//! Cobot checks in "now", so a row whose entry's Cobot day has ended (Cobot was down all night)
//! is never posted: the worker reads once more and, finding nothing, marks it `missed` for staff.
//!
//! The outbox is in SQLite, so pending check-ins survive a restart: the worker starts with
//! whatever is due.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdoor_core::cobot::{self, check_ins::CheckIn};
use frontdoor_core::secret::AccessToken;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rand::Rng;
use tokio::sync::Notify;

use crate::app::Hub;
use crate::store::{CheckInRow, KnownCheckIn};

/// How long an opening waits for Cobot to check the member in before the door
/// (`[check_in] no_pass = "refuse"`): then it opens as if passes were not checked.
pub const DOOR_CHECK_IN_TIMEOUT: Duration = Duration::from_millis(2500);

/// How far Cobot's clock may run ahead of the hub's: a check-in Cobot made "now" may begin this
/// much after the hub's now and still count as running.
const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// The hour a Cobot day begins, in the space's time zone (day passes run 04:00–03:59:59).
const COBOT_DAY_STARTS_AT: i8 = 4;

/// Wakes the worker, and remembers Cobot refusing the hub the right to check members in.
#[derive(Default)]
pub struct CheckIns {
    wake: Notify,
    forbidden: Mutex<Option<Forbidden>>,
}

/// Cobot answered 403 to a check-in with the hub's token.
#[derive(Debug, Clone)]
struct Forbidden {
    token: AccessToken,
    at: Timestamp,
    words: String,
}

impl CheckIns {
    /// Something was queued, or Cobot may be back: look at the outbox now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    fn forbidden(&self) -> std::sync::MutexGuard<'_, Option<Forbidden>> {
        self.forbidden.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cobot refused `token` the right to check members in (403), saying `words`.
    fn refused_permission(&self, token: &AccessToken, at: Timestamp, words: &str) {
        let mut forbidden = self.forbidden();
        if forbidden.as_ref().is_none_or(|f| &f.token != token) {
            tracing::warn!("Cobot refused the hub the right to check members in ({words}); staff must reconnect Cobot");
        }
        *forbidden = Some(Forbidden {
            token: token.clone(),
            at,
            words: words.to_string(),
        });
    }

    /// Cobot checked a member in with `token`: it has the permission.
    fn permitted(&self, token: &AccessToken) {
        let mut forbidden = self.forbidden();
        if forbidden.as_ref().is_some_and(|f| &f.token == token) {
            *forbidden = None;
        }
    }

    /// When and in which words Cobot last refused the hub's current `token` the right to check
    /// members in, if it did and has not checked anyone in with it since.
    pub fn permission(&self, token: Option<&AccessToken>) -> Option<(Timestamp, String)> {
        let forbidden = self.forbidden();
        forbidden
            .as_ref()
            .filter(|f| Some(&f.token) == token)
            .map(|f| (f.at, f.words.clone()))
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

/// The start of the Cobot day `at` falls in: the last 04:00 in `zone` at or before `at`.
pub fn cobot_day_start(zone: &TimeZone, at: Timestamp) -> Timestamp {
    let local = at.to_zoned(zone.clone());
    let date = if local.hour() < COBOT_DAY_STARTS_AT {
        local.date().yesterday().unwrap_or(local.date())
    } else {
        local.date()
    };
    date.at(COBOT_DAY_STARTS_AT, 0, 0, 0)
        .to_zoned(zone.clone())
        .map(|z| z.timestamp())
        .unwrap_or(at)
}

/// The end of the Cobot day `at` falls in: the next 04:00 in `zone` after `at`.
pub fn cobot_day_end(zone: &TimeZone, at: Timestamp) -> Timestamp {
    let start = cobot_day_start(zone, at).to_zoned(zone.clone());
    start
        .date()
        .checked_add(1.day())
        .ok()
        .and_then(|d| d.at(COBOT_DAY_STARTS_AT, 0, 0, 0).to_zoned(zone.clone()).ok())
        .map(|z| z.timestamp())
        .unwrap_or(at)
}

/// Words for staff when Cobot refuses the hub's connection the right to `what`.
fn permission_words(what: &str, scope: &str, cobot_said: &str) -> String {
    format!(
        "Cobot did not let the hub {what} (Cobot said: {cobot_said}). The hub's connection to Cobot lacks that \
         permission (the hub asks for “{scope}”): staff, reconnect Cobot in the console and allow everything it \
         asks for. The hub keeps trying meanwhile; doors open as usual."
    )
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

/// The outbox's timer, in milliseconds: when a check-in is due again. Deliberately the wall
/// clock, not the hub's [`crate::Clock`]: it schedules the worker's real sleeps (backoff), it
/// decides nothing about access or days. The other wall-clock reads in the hub: a log line's
/// time, and the age cut of the audit rows deleted to make room on a full disk.
pub(crate) fn outbox_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Attempts every due check-in once; returns how long until the next is due.
pub async fn process_due(hub: &Hub) -> Option<Duration> {
    let wall_ms = crate::app::check_in::outbox_ms();
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
            let now = crate::app::check_in::outbox_ms();
            Some(Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
        }
        Ok(None) => None,
        Err(e) => {
            tracing::error!("cannot read the check-in outbox: {e}");
            Some(Duration::from_secs(30))
        }
    }
}

fn known(c: &CheckIn) -> KnownCheckIn {
    KnownCheckIn {
        cobot_id: c.id.clone(),
        valid_from: c.valid_from,
        valid_until: c.valid_until,
    }
}

/// The member's check-in at Cobot that runs at some moment in `[since, until]`, if any: one
/// running at `until` first, else the latest.
///
/// Cobot is asked from the start of the Cobot day of `since` (04:00 local), not from `since`:
/// whether Cobot lists a check-in that began before the window and still runs is not known
/// (cobot-sim answers both ways), and a member checked in at the front desk at 09:00 who enters
/// at 14:00 must spend nothing.
async fn running_since(
    cobot: &cobot::Cobot,
    hub: &Hub,
    token: &AccessToken,
    membership_id: &str,
    since: Timestamp,
    until: Timestamp,
) -> Result<Option<CheckIn>, cobot::Error> {
    let until = until.max(since);
    let to = until.checked_add(CLOCK_SKEW).unwrap_or(until);
    let from = cobot_day_start(hub.rules().time_zone(), since).min(since);
    let found = cobot
        .work_sessions(token, &hub.config.space.subdomain, from, to)
        .await?;
    let mut mine: Vec<CheckIn> = found
        .into_iter()
        .filter(|c| c.membership.as_ref().is_some_and(|m| m.id == membership_id))
        .filter(|c| c.valid_until > since && c.valid_from < to)
        .collect();
    mine.sort_by_key(|c| (c.is_current(until), c.valid_from));
    Ok(mine.pop())
}

async fn attempt(hub: &Hub, row: &CheckInRow) {
    let key = row.key();
    let id = &row.membership_id;
    let store_failed = |e: crate::store::Error| tracing::error!("cannot record a check-in attempt: {e}");
    let retry = |error: String, at_least: Option<Duration>| {
        let mut delay = hub.check_in_backoff.delay(row.attempts);
        if let Some(floor) = at_least {
            delay = delay.max(floor);
        }
        let next = crate::app::check_in::outbox_ms() + i64::try_from(delay.as_millis()).unwrap_or(i64::MAX / 2);
        tracing::warn!(membership = %id, entry = %row.queued_at, attempts = row.attempts + 1, "check-in not done yet: {error}");
        if let Err(e) = hub.store.check_in_retry(&key, next, &error) {
            store_failed(e);
        }
    };
    let done = |c: &CheckIn| {
        if let Err(e) = hub.store.check_in_done(&key, &known(c)) {
            store_failed(e);
        }
    };
    let zone = hub.rules().time_zone().clone();
    let Ok(entry) = row.queued_at.parse::<Timestamp>() else {
        if let Err(e) = hub
            .store
            .check_in_refused_entry(&key, "the outbox row has an invalid entry time")
        {
            store_failed(e);
        }
        return;
    };
    let Some(token) = hub.syncer.token() else {
        retry("the hub is not connected to Cobot".into(), None);
        return;
    };
    let now = hub.clock.now();
    let scope = hub.config.cobot.check_in_scope.as_str();

    // With a fleet, claim the member's day first, so two hubs of the space do not both post.
    let day = cobot_day_start(&zone, entry).to_zoned(zone.clone()).date().to_string();
    if let crate::app::fleet::Claim::Wait { holder } = crate::app::fleet::claim(hub, id, &day).await {
        retry(
            format!("another hub of the space ({holder}) is checking this member in; waiting for it"),
            None,
        );
        return;
    }
    let finished = || crate::app::fleet::claim_done(hub, id, &day);

    // Read first: Cobot may already have a check-in that stands for this entry.
    match running_since(&hub.cobot, hub, &token, id, entry, now).await {
        Ok(Some(c)) => {
            tracing::info!(membership = %id, entry = %row.queued_at, "Cobot already has a running check-in");
            done(&c);
            finished().await;
            return;
        }
        Ok(None) => {}
        Err(cobot::Error::Forbidden(words)) => {
            retry(
                permission_words("read check-ins", "read_check_ins", &words),
                Some(hub.check_in_backoff.max),
            );
            return;
        }
        Err(e) => {
            if matches!(e, cobot::Error::SignInAgain) {
                crate::app::plug::note_refused(hub, &token);
            }
            retry(format!("could not read the member's check-ins: {e}"), None);
            return;
        }
    }
    if now >= cobot_day_end(&zone, entry) {
        tracing::warn!(membership = %id, entry = %row.queued_at, "the entry's day ended before Cobot could be told; not checking in late");
        let reason = "Cobot could not be reached that day, and a check-in cannot be made afterwards";
        if let Err(e) = hub.store.check_in_missed(&key, reason) {
            store_failed(e);
        }
        return;
    }

    // Then post, once.
    match hub.cobot.check_in(&token, &hub.config.space.subdomain, id).await {
        Ok(c) => {
            tracing::info!(membership = %id, entry = %row.queued_at, "checked in with Cobot");
            hub.check_ins.permitted(&token);
            done(&c);
            finished().await;
        }
        Err(e @ (cobot::Error::Refused(_) | cobot::Error::NotFound(_))) => {
            let reason = match e {
                cobot::Error::Refused(reason) => reason,
                _ => "Cobot does not know this membership (it may have been deleted there).".to_string(),
            };
            tracing::info!(membership = %id, entry = %row.queued_at, "Cobot refused the check-in: {reason}");
            if let Err(e) = hub.store.check_in_refused_entry(&key, &reason) {
                store_failed(e);
            }
            finished().await;
        }
        // Not the member's fault but the hub's connection's: staff reconnect, the row waits.
        Err(cobot::Error::Forbidden(words)) => {
            hub.check_ins.refused_permission(&token, now, &words);
            retry(
                permission_words("check members in", scope, &words),
                Some(hub.check_in_backoff.max),
            )
        }
        // The hub's token no longer works: only staff can fix that; try again rarely.
        Err(cobot::Error::SignInAgain) => {
            crate::app::plug::note_refused(hub, &token);
            retry(
                "Cobot no longer accepts the hub's token; staff must connect Cobot again".into(),
                Some(hub.check_in_backoff.max),
            )
        }
        // Anything else may or may not have reached Cobot: the next attempt reads first.
        Err(e) => retry(e.to_string(), None),
    }
}

/// What Cobot said when asked at the door (`[check_in] no_pass = "refuse"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtTheDoor {
    /// Cobot has the member checked in for this entry: found running, or made now.
    CheckedIn(KnownCheckIn),
    /// Cobot refused to check the member in, in its words: the door stays shut.
    Refused(String),
    /// No answer in time, or none about the member (an outage, the hub's permission): the door
    /// opens as if passes were not checked, and the entry's check-in goes to the outbox.
    NoAnswer(String),
}

/// Asks Cobot to check `membership_id` in before the door opens: reads first (a check-in
/// running now stands for the entry), then posts once — all within the hub's door check-in
/// timeout, through the client that never waits out a `Retry-After`.
pub async fn check_in_at_the_door(hub: &Hub, membership_id: &str, now: Timestamp) -> AtTheDoor {
    let Some(token) = hub.syncer.token() else {
        return AtTheDoor::NoAnswer("the hub is not connected to Cobot".into());
    };
    let asked = async {
        match running_since(&hub.cobot_now, hub, &token, membership_id, now, now).await {
            Ok(Some(c)) => return AtTheDoor::CheckedIn(known(&c)),
            Ok(None) => {}
            Err(e) => return door_error(hub, &token, now, e),
        }
        match hub
            .cobot_now
            .check_in(&token, &hub.config.space.subdomain, membership_id)
            .await
        {
            Ok(c) => {
                hub.check_ins.permitted(&token);
                AtTheDoor::CheckedIn(known(&c))
            }
            Err(cobot::Error::Refused(words)) => AtTheDoor::Refused(words),
            Err(e) => door_error(hub, &token, now, e),
        }
    };
    match tokio::time::timeout(hub.door_check_in_timeout, asked).await {
        Ok(answer) => answer,
        Err(_) => AtTheDoor::NoAnswer(format!(
            "Cobot did not answer within {} ms",
            hub.door_check_in_timeout.as_millis()
        )),
    }
}

fn door_error(hub: &Hub, token: &AccessToken, now: Timestamp, e: cobot::Error) -> AtTheDoor {
    match &e {
        cobot::Error::Forbidden(words) => hub.check_ins.refused_permission(token, now, words),
        cobot::Error::SignInAgain => crate::app::plug::note_refused(hub, token),
        _ => {}
    }
    AtTheDoor::NoAnswer(e.to_string())
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

    #[test]
    fn cobots_day_runs_from_four_in_the_morning_to_four_the_next() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // (instant, start of its Cobot day, end of it); Berlin is UTC+1 in November.
        let cases = [
            ("2026-11-23T19:00:00Z", "2026-11-23T03:00:00Z", "2026-11-24T03:00:00Z"),
            ("2026-11-24T00:30:00Z", "2026-11-23T03:00:00Z", "2026-11-24T03:00:00Z"),
            ("2026-11-24T03:00:00Z", "2026-11-24T03:00:00Z", "2026-11-25T03:00:00Z"),
        ];
        for (instant, start, end) in cases {
            assert_eq!(cobot_day_start(&berlin, at(instant)), at(start), "{instant}");
            assert_eq!(cobot_day_end(&berlin, at(instant)), at(end), "{instant}");
        }
    }
}
