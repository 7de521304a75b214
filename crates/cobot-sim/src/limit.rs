//! Rate limiting as Cobot documents it (cobot-api.md §7): 60 requests per minute per user on the
//! API, with per-endpoint overrides.
//!
//! A sliding-window log: every admitted request records its time; a request is admitted while
//! fewer than `limit` requests fall in the last 60 s. Rejected requests are not recorded, so a
//! client retrying after `Retry-After` gets through. The limiter never reads a clock: callers pass
//! `now`, so tests drive time by hand.

use std::collections::{HashMap, VecDeque};

use axum::http::Method;
use jiff::{SignedDuration, Timestamp};

/// Length of the window: Cobot's limits are per minute.
const WINDOW: SignedDuration = SignedDuration::from_secs(60);

/// Cobot's default: 60 requests per minute per user.
pub(crate) const DEFAULT_PER_MINUTE: u32 = 60;

/// A tighter limit for one endpoint, counted separately per subject *in addition to* the default.
#[derive(Debug, Clone)]
pub(crate) struct Override {
    pub(crate) method: Method,
    /// The axum route pattern, e.g. `/sub/{subdomain}/api/memberships`.
    pub(crate) route: &'static str,
    pub(crate) per_minute: u32,
}

/// Cobot's documented per-endpoint limits. Add entries here as endpoints are simulated.
pub(crate) fn cobot_overrides() -> Vec<Override> {
    vec![
        // API 1 list memberships: "Rate limit 6 req/min" (cobot-api.md §3).
        Override {
            method: Method::GET,
            route: "/sub/{subdomain}/api/memberships",
            per_minute: 6,
        },
    ]
}

/// The outcome of [`RateLimiter::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Go ahead; the request has been counted.
    Allowed,
    /// Refuse with 429; a slot frees in `retry_after_secs` (at least 1).
    Limited { retry_after_secs: u64 },
}

/// Per-subject request logs.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_minute: u32,
    overrides: Vec<Override>,
    /// A minute, unless a test shrinks it (`SimConfig::rate_limit_window`).
    window: SignedDuration,
    log: HashMap<String, VecDeque<Timestamp>>,
}

impl RateLimiter {
    pub(crate) fn new(per_minute: u32, overrides: Vec<Override>) -> Self {
        RateLimiter {
            per_minute,
            overrides,
            window: WINDOW,
            log: HashMap::new(),
        }
    }

    /// The same limits per `window` instead of per minute (at least a millisecond).
    pub(crate) fn with_window(mut self, window: std::time::Duration) -> Self {
        self.window = SignedDuration::try_from(window)
            .unwrap_or(WINDOW)
            .max(SignedDuration::from_millis(1));
        self
    }

    /// Counts one request by `subject` (`user:<id>` or `ip:<addr>`) to `route` at `now`.
    pub(crate) fn check(&mut self, subject: &str, method: &Method, route: &str, now: Timestamp) -> Decision {
        let mut buckets = vec![(subject.to_string(), self.per_minute)];
        for o in &self.overrides {
            if o.method == *method && o.route == route {
                buckets.push((format!("{subject} {method} {route}"), o.per_minute));
            }
        }
        let mut wait = None;
        let window = self.window;
        for (key, limit) in &buckets {
            let log = self.log.entry(key.clone()).or_default();
            while log.front().is_some_and(|t| *t + window <= now) {
                log.pop_front();
            }
            if log.len() >= *limit as usize {
                // The slot frees when the oldest request that keeps us at the limit leaves the window.
                let oldest = log[log.len() - *limit as usize];
                let secs = (oldest + window).duration_since(now).as_secs_f64().ceil().max(1.0) as u64;
                wait = Some(wait.map_or(secs, |w: u64| w.max(secs)));
            }
        }
        if let Some(retry_after_secs) = wait {
            return Decision::Limited { retry_after_secs };
        }
        for (key, _) in buckets {
            self.log.entry(key).or_default().push_back(now);
        }
        Decision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + secs).unwrap()
    }

    #[test]
    fn the_61st_request_within_a_minute_waits_until_the_first_leaves_the_window() {
        let mut limiter = RateLimiter::new(60, vec![]);
        for i in 0..60 {
            assert_eq!(
                limiter.check("user:a", &Method::GET, "/api/user", at(i / 2)),
                Decision::Allowed
            );
        }
        // First request at t=0, now t=30: the oldest leaves the window at t=60.
        assert_eq!(
            limiter.check("user:a", &Method::GET, "/api/user", at(30)),
            Decision::Limited { retry_after_secs: 30 }
        );
        assert_eq!(
            limiter.check("user:b", &Method::GET, "/api/user", at(30)),
            Decision::Allowed,
            "limits are per subject"
        );
        for _ in 0..2 {
            assert_eq!(
                limiter.check("user:a", &Method::GET, "/api/user", at(60)),
                Decision::Allowed,
                "both t=0 requests left the window"
            );
        }
        assert_eq!(
            limiter.check("user:a", &Method::GET, "/api/user", at(60)),
            Decision::Limited { retry_after_secs: 1 },
            "the next slot frees when the t=1 request leaves, at t=61"
        );
    }

    #[test]
    fn an_override_is_counted_on_top_of_the_default_limit() {
        let mut limiter = RateLimiter::new(60, cobot_overrides());
        let route = "/sub/{subdomain}/api/memberships";
        for _ in 0..6 {
            assert_eq!(limiter.check("user:a", &Method::GET, route, at(0)), Decision::Allowed);
        }
        assert_eq!(
            limiter.check("user:a", &Method::GET, route, at(10)),
            Decision::Limited { retry_after_secs: 50 }
        );
        assert_eq!(
            limiter.check("user:a", &Method::GET, "/api/user", at(10)),
            Decision::Allowed,
            "other endpoints still have room in the default bucket"
        );
    }

    #[test]
    fn refused_requests_do_not_extend_the_wait() {
        let mut limiter = RateLimiter::new(1, vec![]);
        assert_eq!(
            limiter.check("ip:x", &Method::GET, "/api/user", at(0)),
            Decision::Allowed
        );
        for t in 1..59 {
            assert!(matches!(
                limiter.check("ip:x", &Method::GET, "/api/user", at(t)),
                Decision::Limited { .. }
            ));
        }
        assert_eq!(
            limiter.check("ip:x", &Method::GET, "/api/user", at(60)),
            Decision::Allowed
        );
    }
}
