//! How old the hub's copy of Cobot is, and the bound after which it no longer opens doors for
//! members (`[sync] max_age_hours`, see [`crate::base::config::DEFAULT_MAX_AGE_HOURS`] for why 72).
//!
//! The copy's age is the time since the hub last read Cobot successfully (a full sync, or a
//! membership re-read after a webhook). Past the bound a member is refused with the reason in
//! words, and `/api/v1/me` shows every door shut for them; staff still open every door, so they
//! can let people in during a long outage. The refusal is audited like any other.

use jiff::Timestamp;

use crate::app::Hub;

/// Seconds since the hub last reached Cobot; `None` before its first read.
pub fn copy_age(hub: &Hub, now: Timestamp) -> Option<i64> {
    let as_of = hub.snapshot().as_of;
    (as_of != Timestamp::default()).then(|| now.as_second() - as_of.as_second())
}

/// Why a copy read from Cobot at `as_of` no longer opens doors for members at `now`, in words;
/// `None` while it still does (and before the first read, which the callers refuse on its own).
pub fn too_old(hub: &Hub, as_of: Timestamp, now: Timestamp) -> Option<TooOld> {
    if as_of == Timestamp::default() {
        return None;
    }
    let age = now.as_second() - as_of.as_second();
    let bound = i64::from(hub.config.sync.max_age_hours) * 3600;
    (age > bound).then(|| TooOld {
        age_seconds: age,
        words: format!(
            "The hub last reached Cobot {}, longer than {} lets members in without it ({} hours), so it can no \
             longer tell whether your membership is current. Staff can still let you in.",
            crate::app::glance::age(age),
            hub.config.space.name,
            hub.config.sync.max_age_hours
        ),
    })
}

/// A copy of Cobot too old to let members in on.
#[derive(Debug, Clone)]
pub struct TooOld {
    /// How long ago the hub last reached Cobot, in seconds.
    pub age_seconds: i64,
    /// Why, in the hub's words for the member.
    pub words: String,
}
