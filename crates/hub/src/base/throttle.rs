//! Limits for the endpoints anyone can call without a session (beginning a sign-in, Cobot's
//! callback, redeeming a ticket, refreshing, signing out), so one client cannot crowd out the
//! space's members or make the hub work for it. GCRA through the `governor` crate.
//!
//! [`Throttles`] holds them: one budget **per address** that every one of those endpoints
//! spends from (IPv6 by its /64, the block one device usually holds), a tighter one for
//! beginning a sign-in (each holds a pending sign-in for minutes), and one **for the whole hub**,
//! so that many addresses together cannot make it work without bound either. A refusal says
//! how long to wait ([`Wait`], sent as `Retry-After`). None of it costs a Cobot request: an
//! unknown token is refused from the hub's own memory or database.
//!
//! A keyed store is bounded: past [`MAX_KEYS`] it forgets quiet addresses, and while it stays
//! full new addresses are refused rather than letting memory grow.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Addresses remembered at once.
pub const MAX_KEYS: usize = 10_000;

/// How long a refused caller should wait before the next request can be admitted (at least a
/// second: `Retry-After` counts whole seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(pub Duration);

impl Wait {
    /// Whole seconds, rounded up, at least one.
    pub fn secs(self) -> u64 {
        let secs = self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0);
        secs.max(1)
    }
}

/// The budgets of [`Throttles`], per minute. Tests shrink them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Every sign-in endpoint together, per address.
    pub per_address: u32,
    /// Beginning a sign-in, per address (also spends from `per_address`).
    pub sign_in_begins: u32,
    /// Every sign-in endpoint together, for the whole hub.
    pub whole_hub: u32,
}

impl Default for Limits {
    /// 60 a minute per address (a phone refreshes once in ten minutes), 20 sign-in begins, and
    /// 3,000 a minute for the hub (500 members refreshing every ten minutes spend 50; all of them
    /// coming back in the same minute after an outage, 500).
    fn default() -> Self {
        Limits {
            per_address: 60,
            sign_in_begins: 20,
            whole_hub: 3000,
        }
    }
}

/// Which sign-in endpoint a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /api/v1/sign_in`: holds a pending sign-in for minutes.
    Begin,
    /// Cobot's callback, redeeming a ticket, refreshing, signing out.
    Token,
}

/// The limits of the endpoints callable without a session.
pub struct Throttles {
    per_address: Throttle,
    begins: Throttle,
    whole_hub: DefaultDirectRateLimiter,
}

impl Default for Throttles {
    fn default() -> Self {
        Throttles::new(Limits::default())
    }
}

impl Throttles {
    /// With these budgets.
    pub fn new(limits: Limits) -> Throttles {
        Throttles {
            per_address: Throttle::per_minute(limits.per_address),
            begins: Throttle::per_minute(limits.sign_in_begins),
            whole_hub: RateLimiter::direct(Quota::per_minute(at_least_one(limits.whole_hub))),
        }
    }

    /// Whether `peer` may make one more request to `endpoint` now; if not, how long to wait.
    /// The address's own budgets are asked first, so a flooding address is refused without
    /// spending the hub's.
    pub fn admit(&self, endpoint: Endpoint, peer: IpAddr) -> Result<(), Wait> {
        self.per_address.admit(peer)?;
        if endpoint == Endpoint::Begin {
            self.begins.admit(peer)?;
        }
        self.whole_hub
            .check()
            .map_err(|not_until| Wait(not_until.wait_time_from(DefaultClock::default().now())))
    }
}

fn at_least_one(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).expect("at least one")
}

/// One budget, per address.
pub struct Throttle {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl Throttle {
    /// `per_minute` requests per address, with bursts of up to that many.
    pub fn per_minute(per_minute: u32) -> Throttle {
        Throttle {
            limiter: RateLimiter::keyed(Quota::per_minute(at_least_one(per_minute))),
        }
    }

    /// Whether `peer` may make one more request now; if not, how long to wait.
    pub fn admit(&self, peer: IpAddr) -> Result<(), Wait> {
        let key = block_of(peer.to_canonical());
        if self.limiter.len() >= MAX_KEYS {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
            if self.limiter.len() >= MAX_KEYS {
                // Full of active addresses: a flood from many of them. Known ones keep their
                // allowance; new ones wait until the store has room.
                return Err(Wait(Duration::from_secs(60)));
            }
        }
        self.limiter
            .check_key(&key)
            .map_err(|not_until| Wait(not_until.wait_time_from(DefaultClock::default().now())))
    }
}

/// The key of an address: itself for IPv4, its /64 for IPv6.
fn block_of(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::V6(octets.into())
        }
    }
}

#[cfg(test)]
mod tests;
