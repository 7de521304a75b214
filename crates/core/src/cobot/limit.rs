//! Client-side rate limiting: stay under Cobot's limits instead of collecting 429s.
//!
//! Cobot allows 60 requests per minute per user, with lower limits on some endpoints (API 1
//! `GET /api/memberships`: 6 per minute) that count *in addition to* the per-user budget: a
//! memberships list spends one of the 60 and one of the 6. The limiter keeps, per budget (a
//! token and an endpoint class), the requests of the last window and makes a caller wait until a
//! slot frees.
//!
//! A slot is held from the moment the request is sent until one window after its answer arrived
//! ([`Permit`]): Cobot counts a request when it reaches Cobot, which is some time after we sent it
//! and before we hear back, so counting from the answer can never under-count, however long the
//! network takes. It uses tokio's clock, so tests run it with `tokio::time::pause()`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// A limit: at most `requests` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per window.
    pub requests: usize,
    /// The window.
    pub window: Duration,
}

impl Limit {
    /// `requests` per minute.
    pub const fn per_minute(requests: usize) -> Limit {
        Limit {
            requests,
            window: Duration::from_secs(60),
        }
    }
}

/// Cobot's per-user limit (60/min), with a little headroom for the same user's other tokens (a
/// staff member's own sign-in shares Cobot's budget with the space token they connected).
pub const COBOT_PER_USER: Limit = Limit::per_minute(58);
/// API 1 `GET /api/memberships`: 6 per minute at Cobot, on top of the per-user budget.
pub const COBOT_MEMBERSHIPS: Limit = Limit::per_minute(5);

/// The budgets a client keeps to. [`Limits::cobot`] is Cobot's; tests shrink the window to
/// exercise a minute's budget in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Every request of a token.
    pub per_user: Limit,
    /// `GET /api/memberships` of a token, counted in `per_user` as well.
    pub memberships: Limit,
}

impl Limits {
    /// Cobot's limits, with headroom ([`COBOT_PER_USER`], [`COBOT_MEMBERSHIPS`]).
    pub const fn cobot() -> Limits {
        Limits {
            per_user: COBOT_PER_USER,
            memberships: COBOT_MEMBERSHIPS,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::cobot()
    }
}

/// One budget's slots: `None` while the request is under way, else when its answer arrived.
#[derive(Debug, Default)]
struct Slots {
    next_id: u64,
    held: Vec<(u64, Option<Instant>)>,
}

#[derive(Debug, Default)]
struct Shared {
    budgets: Mutex<HashMap<String, Slots>>,
    /// Woken whenever a request's answer arrives (a slot starts to age).
    answered: Notify,
}

/// Shared sliding-window limiter. Clones share their budgets.
#[derive(Debug, Clone, Default)]
pub struct Limiter {
    shared: Arc<Shared>,
}

/// A request's place in its budgets: held until dropped (the answer arrived, or the request was
/// given up), then counted for one more window.
#[derive(Debug)]
#[must_use = "the slot is released when the permit is dropped"]
pub struct Permit {
    shared: Arc<Shared>,
    slots: Vec<(String, u64)>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let now = Instant::now();
        {
            let mut budgets = self.shared.budgets.lock().unwrap_or_else(|p| p.into_inner());
            for (key, id) in &self.slots {
                if let Some(slot) = budgets
                    .get_mut(key)
                    .and_then(|b| b.held.iter_mut().find(|(i, _)| i == id))
                {
                    slot.1 = Some(now);
                }
            }
        }
        self.shared.answered.notify_waiters();
    }
}

impl Limiter {
    /// Waits until one more request fits every one of `budgets` (key and limit), takes a slot in
    /// each at once, and returns them as one permit. Holding the permit keeps the slots taken.
    pub async fn acquire_all(&self, budgets: &[(String, Limit)]) -> Permit {
        loop {
            // Registered before looking, so an answer arriving in between still wakes us.
            let answered = self.shared.answered.notified();
            let wait = match self.try_acquire_all(budgets) {
                Ok(permit) => return permit,
                Err(wait) => wait,
            };
            match wait {
                Some(wait) => {
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = answered => {}
                    }
                }
                None => answered.await,
            }
        }
    }

    /// A slot in every one of `budgets` now, or how long until one frees (`None`: when a request
    /// under way is answered).
    pub fn try_acquire_all(&self, budgets: &[(String, Limit)]) -> Result<Permit, Option<Duration>> {
        let mut all = self.shared.budgets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let mut wait: Option<Option<Duration>> = None;
        for (key, limit) in budgets {
            let slots = all.entry(key.clone()).or_default();
            slots
                .held
                .retain(|(_, answered)| answered.is_none_or(|t| now.duration_since(t) < limit.window));
            if slots.held.len() >= limit.requests {
                // The soonest slot to free: an answered one aging out; `None` if every slot is
                // still under way (then only an answer frees one).
                let soonest = slots
                    .held
                    .iter()
                    .filter_map(|(_, t)| t.map(|t| limit.window.saturating_sub(now.duration_since(t))))
                    .min();
                wait = Some(match (wait.flatten(), soonest) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                });
            }
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
        let mut taken = Vec::with_capacity(budgets.len());
        for (key, _) in budgets {
            let slots = all.entry(key.clone()).or_default();
            let id = slots.next_id;
            slots.next_id += 1;
            slots.held.push((id, None));
            taken.push((key.clone(), id));
        }
        Ok(Permit {
            shared: self.shared.clone(),
            slots: taken,
        })
    }

    /// [`Limiter::acquire_all`] for one budget.
    pub async fn acquire(&self, key: &str, limit: Limit) -> Permit {
        self.acquire_all(&[(key.to_string(), limit)]).await
    }

    /// Slots of `key` that count now against `limit`: requests under way and answers younger than
    /// its window.
    pub fn in_use(&self, key: &str, limit: Limit) -> usize {
        let all = self.shared.budgets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        all.get(key).map_or(0, |slots| {
            slots
                .held
                .iter()
                .filter(|(_, answered)| answered.is_none_or(|at| now.saturating_duration_since(at) < limit.window))
                .count()
        })
    }

    /// Blocks `key` for `delay` (Cobot answered 429 with `Retry-After`): fills the window so the
    /// next request waits at least that long.
    pub fn back_off(&self, key: &str, limit: Limit, delay: Duration) {
        let mut all = self.shared.budgets.lock().unwrap_or_else(|p| p.into_inner());
        let slots = all.entry(key.to_string()).or_default();
        slots.held.retain(|(_, answered)| answered.is_none());
        // `limit.requests` answers received so that the oldest ages out after `delay`.
        let now = Instant::now();
        let stamp = (now + delay.min(limit.window)).checked_sub(limit.window).unwrap_or(now);
        for _ in 0..limit.requests {
            let id = slots.next_id;
            slots.next_id += 1;
            slots.held.push((id, Some(stamp)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_seventh_request_in_a_minute_waits_for_the_first_to_age_out() {
        let limiter = Limiter::default();
        let start = Instant::now();
        for _ in 0..6 {
            drop(limiter.acquire("t:memberships", Limit::per_minute(6)).await);
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        drop(limiter.acquire("t:memberships", Limit::per_minute(6)).await);
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        // Another key is not affected.
        let before = Instant::now();
        drop(limiter.acquire("t:other", Limit::per_minute(6)).await);
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_every_request_for_that_long() {
        let limiter = Limiter::default();
        limiter.back_off("k", COBOT_PER_USER, Duration::from_secs(17));
        let start = Instant::now();
        drop(limiter.acquire("k", COBOT_PER_USER).await);
        assert_eq!(start.elapsed(), Duration::from_secs(17));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_is_held_until_a_window_after_the_answer() {
        let limiter = Limiter::default();
        let limit = Limit::per_minute(1);
        let start = Instant::now();
        let slow = limiter.acquire("k", limit).await;
        // The answer takes 10 s: Cobot may have counted the request at any moment until then.
        tokio::time::sleep(Duration::from_secs(10)).await;
        drop(slow);
        drop(limiter.acquire("k", limit).await);
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(70),
            "a minute after the answer, not after the send"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_waiting_only_on_requests_under_way_goes_when_one_is_answered_and_aged() {
        let limiter = Limiter::default();
        let limit = Limit {
            requests: 1,
            window: Duration::from_secs(5),
        };
        let start = Instant::now();
        let first = limiter.acquire("k", limit).await;
        let waiter = {
            let limiter = limiter.clone();
            tokio::spawn(async move { drop(limiter.acquire("k", limit).await) })
        };
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(first);
        waiter.await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_in_two_budgets_waits_for_the_fuller_one_and_counts_in_both() {
        let limiter = Limiter::default();
        let api = ("t:api".to_string(), Limit::per_minute(3));
        let lists = ("t:memberships".to_string(), Limit::per_minute(1));
        let start = Instant::now();
        // Two other requests fill two of the three per-user slots.
        drop(limiter.acquire_all(std::slice::from_ref(&api)).await);
        drop(limiter.acquire_all(std::slice::from_ref(&api)).await);
        // A memberships list takes the last per-user slot and the only list slot.
        drop(limiter.acquire_all(&[lists.clone(), api.clone()]).await);
        assert_eq!(start.elapsed(), Duration::ZERO);
        // So any other request now waits: the list counted against the per-user budget.
        drop(limiter.acquire_all(std::slice::from_ref(&api)).await);
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }
}
