//! The console's status strip (`GET /api/v1/admin/glance`): defined once, used as it is by the
//! hub, the app and the UI.

use serde::{Deserialize, Serialize};

/// The event the shell sends with a fresh [`Glance`] (every half minute while staff are
/// signed in).
pub const GLANCE_EVENT: &str = "frontdoor://glance";

/// One light of the status strip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Light {
    /// All well.
    pub ok: bool,
    /// In words (the hub's English).
    pub words: String,
    /// The same as facts the app puts in the person's language; `None` from a hub before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<LightFact>,
}

/// What a light of the status strip says, as facts. Reasons (`why`) are the hub's or Cobot's
/// words, shown as they came; ages are seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LightFact {
    /// Cobot refused the hub's connection.
    CobotRefused,
    /// Cobot is not connected; `why` the last attempt failed, if one did lately.
    CobotNotConnected {
        /// Why the last attempt failed.
        why: Option<String>,
    },
    /// Connected, but the last member sign-in failed.
    SignInFailed {
        /// Why.
        why: String,
    },
    /// Connected, but the last attempt to reconnect failed.
    ReconnectFailed {
        /// Why.
        why: String,
    },
    /// All well with Cobot.
    CobotConnected,
    /// No full sync ever finished.
    NeverSynced,
    /// The copy is too old to let members in.
    CopyTooOld {
        /// Since Cobot was last reached.
        age_seconds: i64,
    },
    /// The last full sync failed.
    SyncFailed {
        /// Since it ended.
        age_seconds: i64,
    },
    /// The last full sync is late.
    SyncLate {
        /// Since it ended.
        age_seconds: i64,
    },
    /// The last full sync is recent.
    Synced {
        /// Since it ended.
        age_seconds: i64,
    },
    /// Every door is ready.
    DoorsReady {
        /// How many.
        doors: usize,
    },
    /// Some doors are offline.
    DoorsOffline {
        /// Their names.
        names: Vec<String>,
    },
    /// No check-in is failing today.
    CheckInsFine,
    /// Some check-ins are failing today.
    CheckInsFailing {
        /// How many.
        failing: usize,
    },
}

/// The status strip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glance {
    /// Cobot connection.
    pub cobot: Light,
    /// Last sync.
    pub sync: Light,
    /// Doors.
    pub doors: Light,
    /// Check-ins.
    pub check_ins: Light,
}

impl Glance {
    /// The lights with their names, in the strip's order.
    pub fn lights(&self) -> [(&'static str, &Light); 4] {
        [
            ("cobot", &self.cobot),
            ("sync", &self.sync),
            ("doors", &self.doors),
            ("check_ins", &self.check_ins),
        ]
    }

    /// The lights that were fine in `before` and are bad now: what a desktop notification tells
    /// staff. The first look (no `before`) turned nothing: the strip shows it.
    pub fn newly_bad(&self, before: Option<&Glance>) -> Vec<String> {
        let Some(before) = before.map(Glance::lights) else {
            return Vec::new();
        };
        self.lights()
            .into_iter()
            .zip(before)
            .filter(|((_, now), (_, was))| !now.ok && was.ok)
            .map(|((_, now), _)| now.words.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glance(cobot: bool, doors: bool) -> Glance {
        let light = |ok: bool, words: &str| Light {
            ok,
            words: words.into(),
            fact: None,
        };
        Glance {
            cobot: light(cobot, if cobot { "Cobot connected" } else { "Cobot refused" }),
            sync: light(true, "Last sync just now"),
            doors: light(doors, if doors { "3 doors ready" } else { "1 door offline: Side" }),
            check_ins: light(true, "Check-ins fine today"),
        }
    }

    #[test]
    fn only_a_light_that_turns_bad_is_told() {
        assert!(
            glance(false, false).newly_bad(None).is_empty(),
            "the first look turns nothing"
        );
        assert_eq!(
            glance(true, false).newly_bad(Some(&glance(true, true))),
            ["1 door offline: Side"]
        );
        assert!(
            glance(true, false).newly_bad(Some(&glance(true, false))).is_empty(),
            "still bad: told once"
        );
        assert_eq!(
            glance(false, false).newly_bad(Some(&glance(true, true))),
            ["Cobot refused", "1 door offline: Side"]
        );
        assert!(
            glance(true, true).newly_bad(Some(&glance(false, false))).is_empty(),
            "turning good tells nothing"
        );
    }
}
