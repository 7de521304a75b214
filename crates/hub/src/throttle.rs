//! Per-address limits for the endpoints anyone can call without a session (beginning a sign-in,
//! redeeming a ticket, refreshing), so one client cannot crowd out the space's members or make
//! the hub work for it. GCRA through the `governor` crate, keyed by the peer's address (IPv6 by
//! its /64, the block one device usually holds). The key store is bounded: past
//! [`MAX_KEYS`] it forgets quiet addresses, and while it stays full new addresses are refused
//! rather than letting memory grow.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Addresses remembered at once.
pub const MAX_KEYS: usize = 10_000;

/// One endpoint's limit.
pub struct Throttle {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl Throttle {
    /// `per_minute` requests per address, with bursts of up to that many.
    pub fn per_minute(per_minute: u32) -> Throttle {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        Throttle {
            limiter: RateLimiter::keyed(Quota::per_minute(n)),
        }
    }

    /// Whether `peer` may make one more request now.
    pub fn admit(&self, peer: IpAddr) -> bool {
        let key = block_of(peer.to_canonical());
        if self.limiter.len() >= MAX_KEYS {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
            if self.limiter.len() >= MAX_KEYS {
                // Full of active addresses: a flood from many of them. Known ones keep their
                // allowance; new ones wait until the store has room.
                return false;
            }
        }
        self.limiter.check_key(&key).is_ok()
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
