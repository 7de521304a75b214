//! Verdicts and standings as facts for the member's screen ([`frontdoor_ipc::DoorReason`],
//! [`frontdoor_ipc::Standing`]): the app puts them in the person's language, where
//! [`Reason`]'s `Display` is the hub's English for logs, the audit trail and older apps.

use frontdoor_ipc::{DoorReason, OpenHours, Standing};
use jiff::civil::{Date, Time};

use super::{GroupId, Inactive, Reason, Rules, Schedule, Source};

/// Minutes after midnight; the end of the day (`24:00`) is 1440.
fn minutes(t: Time) -> u16 {
    if t == Time::MAX {
        1440
    } else {
        // Both fit: hours < 24, minutes < 60.
        u16::from(t.hour().unsigned_abs()) * 60 + u16::from(t.minute().unsigned_abs())
    }
}

/// A schedule's windows as opening hours.
pub fn hours(schedule: &Schedule) -> Vec<OpenHours> {
    schedule
        .windows
        .iter()
        .map(|w| OpenHours {
            days: w.days,
            start: minutes(w.start),
            end: minutes(w.end),
        })
        .collect()
}

fn plan_of(source: &Source) -> Option<String> {
    match source {
        Source::Plan { plan } => Some(plan.clone()),
        Source::ExtraGroup => None,
    }
}

impl Rules {
    /// The opening hours of `group` (empty: at any time, or no such group).
    fn group_hours(&self, group: &GroupId) -> Vec<OpenHours> {
        self.group_index
            .get(&group.key())
            .and_then(|&gi| self.groups[gi].schedule.as_ref())
            .map(hours)
            .unwrap_or_default()
    }

    /// `reason` as facts, its group's hours read from these rules.
    pub fn fact(&self, reason: &Reason) -> DoorReason {
        match reason {
            Reason::Granted { group, source, .. } => DoorReason::Granted {
                group: group.0.clone(),
                plan: plan_of(source),
                hours: self.group_hours(group),
            },
            Reason::OutsideSchedule { group, source, .. } => DoorReason::OutsideHours {
                group: group.0.clone(),
                plan: plan_of(source),
                hours: self.group_hours(group),
            },
            Reason::Inactive(Inactive::NotConfirmed) => DoorReason::NotConfirmed,
            Reason::Inactive(Inactive::NotStarted { starts_at }) => DoorReason::NotStarted {
                starts_on: starts_at.to_string(),
            },
            Reason::Inactive(Inactive::Ended { canceled_to }) => DoorReason::Ended {
                ended_on: canceled_to.to_string(),
            },
            Reason::NoGroupOpensDoor => DoorReason::NoGroupOpensDoor,
            Reason::NoGroups => DoorReason::NoGroups,
            Reason::UnknownDoor => DoorReason::UnknownDoor,
        }
    }
}

/// How a membership stands: active unless `inactive` says otherwise, canceled to `canceled_to`.
pub fn standing(inactive: Option<&Inactive>, canceled_to: Option<Date>) -> Standing {
    match inactive {
        None => Standing::Active {
            ends_after: canceled_to.map(|d| d.to_string()),
        },
        Some(Inactive::NotConfirmed) => Standing::NotConfirmed,
        Some(Inactive::NotStarted { starts_at }) => Standing::NotStarted {
            starts_on: starts_at.to_string(),
        },
        Some(Inactive::Ended { canceled_to }) => Standing::Ended {
            ended_on: canceled_to.to_string(),
        },
    }
}
