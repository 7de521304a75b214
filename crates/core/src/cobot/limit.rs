//! Client-side rate limiting: stay under Cobot's limits instead of collecting 429s.
//!
//! Cobot allows 60 requests per minute per user, with lower limits on some endpoints (API 1
//! `GET /api/memberships`: 6 per minute). The limiter keeps, per (token, endpoint class), the
//! instants of the requests in the last window and makes a caller wait until a slot frees. It
//! uses tokio's clock, so tests run it with `tokio::time::pause()` instead of sleeping.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
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

/// Cobot's per-user limit, with a little headroom for clock differences.
pub const COBOT_PER_USER: Limit = Limit::per_minute(58);
/// API 1 `GET /api/memberships`: 6 per minute at Cobot.
pub const COBOT_MEMBERSHIPS: Limit = Limit::per_minute(5);

/// Shared sliding-window limiter.
#[derive(Debug, Clone, Default)]
pub struct Limiter {
    sent: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

impl Limiter {
    /// Waits until one more request under `key` keeps within `limit`, and records it.
    pub async fn acquire(&self, key: &str, limit: Limit) {
        loop {
            let wait = {
                let mut sent = self.sent.lock().await;
                let queue = sent.entry(key.to_string()).or_default();
                let now = Instant::now();
                while queue.front().is_some_and(|t| now.duration_since(*t) >= limit.window) {
                    queue.pop_front();
                }
                if queue.len() < limit.requests {
                    queue.push_back(now);
                    return;
                }
                limit.window - now.duration_since(*queue.front().expect("full queue"))
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Blocks `key` for `delay` (Cobot answered 429 with `Retry-After`): fills the window so the
    /// next request waits at least that long.
    pub async fn back_off(&self, key: &str, limit: Limit, delay: Duration) {
        let mut sent = self.sent.lock().await;
        let queue = sent.entry(key.to_string()).or_default();
        queue.clear();
        // `limit.requests` requests sent so that the oldest expires after `delay`.
        let stamp = Instant::now() + delay.min(limit.window) - limit.window;
        queue.extend(std::iter::repeat_n(stamp, limit.requests));
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
            limiter.acquire("t:memberships", Limit::per_minute(6)).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire("t:memberships", Limit::per_minute(6)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        // Another key is not affected.
        let before = Instant::now();
        limiter.acquire("t:other", Limit::per_minute(6)).await;
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_holds_every_request_for_that_long() {
        let limiter = Limiter::default();
        limiter.back_off("k", COBOT_PER_USER, Duration::from_secs(17)).await;
        let start = Instant::now();
        limiter.acquire("k", COBOT_PER_USER).await;
        assert_eq!(start.elapsed(), Duration::from_secs(17));
    }
}
