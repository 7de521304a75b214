//! The one source of "now" for core and the hub: the system clock in production, a clock a test
//! sets and moves otherwise. Everything that decides by the time — access schedules, session and
//! ticket expiry, check-in days, the copy's age, audit times, backoffs — reads the same `Clock`,
//! passed in; nothing reads the wall clock behind its back. (Durations measured on the monotonic
//! clock — timeouts, latency, rate-limit windows — are not "now" and stay on `Instant`.)

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

/// Where the time comes from. Cloning shares it: a test's [`ClockHand`] moves every clone.
#[derive(Clone, Default)]
pub struct Clock(Source);

#[derive(Clone, Default)]
enum Source {
    /// The system's wall clock.
    #[default]
    System,
    /// A time a test set, in microseconds since the epoch, moved only by its [`ClockHand`].
    Manual(Arc<AtomicI64>),
    /// A function (tests that keep their time in a static).
    Function(fn() -> Timestamp),
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::System => f.write_str("Clock::system()"),
            Source::Manual(_) => write!(f, "Clock::manual({})", self.now()),
            Source::Function(_) => write!(f, "Clock::from_fn({})", self.now()),
        }
    }
}

/// Moves a manual [`Clock`] (and every clone of it). Only tests hold one.
#[derive(Clone)]
pub struct ClockHand(Arc<AtomicI64>);

impl Clock {
    /// The system's wall clock.
    pub fn system() -> Clock {
        Clock(Source::System)
    }

    /// A clock standing at `start` until its hand moves it.
    pub fn manual(start: Timestamp) -> (Clock, ClockHand) {
        let micros = Arc::new(AtomicI64::new(start.as_microsecond()));
        (Clock(Source::Manual(micros.clone())), ClockHand(micros))
    }

    /// A clock that asks `now`.
    pub fn from_fn(now: fn() -> Timestamp) -> Clock {
        Clock(Source::Function(now))
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        match &self.0 {
            Source::System => Timestamp::now(),
            Source::Manual(micros) => {
                Timestamp::from_microsecond(micros.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH)
            }
            Source::Function(now) => now(),
        }
    }
}

impl ClockHand {
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.0.fetch_add(micros, Ordering::SeqCst);
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: Timestamp) {
        self.0.store(at.as_microsecond(), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_its_hand_moves_every_clone() {
        let start: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        let (clock, hand) = Clock::manual(start);
        let clone = clock.clone();
        assert_eq!(clock.now(), start);
        hand.advance(Duration::from_secs(90));
        assert_eq!(clone.now(), "2026-11-23T09:01:30Z".parse::<Timestamp>().unwrap());
        hand.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn the_system_clock_runs() {
        let before = Timestamp::now();
        assert!(Clock::system().now() >= before);
    }
}
