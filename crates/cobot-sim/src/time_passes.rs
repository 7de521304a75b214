//! Time passes: what a membership may check in with, and when each check-in ends (cobot-api.md
//! §10; Cobot's guide "Time Passes", help center 4917977 and 642085, blog "Hourly time passes" and
//! "Day Passes are now Time Passes").
//!
//! # Rules
//!
//! * A membership with no [`TimePass`] and `time_passes_left: None` is on an unlimited plan: a
//!   check-in runs to the end of the space's Cobot day, the next 03:59:59 local.
//! * `time_passes_left: Some(n)` (the older, simpler seed field) is `n` day passes: Cobot turned
//!   every day pass into a time pass valid 04:00–03:59:59 [C, blog 2011], so a check-in with one
//!   also runs to the next 03:59:59.
//! * Otherwise the membership's time passes decide, in the order they were given:
//!   - a kind with no pass `left`, or past its `expires_at`, cannot be used — Cobot removes passes
//!     when they expire [C, help center 642085];
//!   - `weekdays` limits a kind to some days of the week (empty: every day) [U: Cobot's guides name
//!     no weekday rule; the simulator has it so a space's plan rules can be tried];
//!   - [`Validity::DurationMinutes`] runs for that long from the check-in [C: "valid for one hour
//!     from the time of the check-in"];
//!   - [`Validity::Spans`] can be used only inside one of its daily spans (the space's local time)
//!     and ends with that span [C: "the coworker can not check in outside of that time frame"]; a
//!     span may cross midnight, as the day pass 04:00–03:59:59 does;
//!   - a check-in never outlives its pass's `expires_at` [U].
//!
//!   The first usable kind spends one pass [U: which pass Cobot picks when several fit].
//! * Refusals, in Cobot's words where known: "No time passes left." [C, API 2 spec] when nothing
//!   usable is left (none, all used, all expired); "None of your time passes is valid at this time
//!   of day." [U] when passes are left but none of their spans is open now; "None of your time
//!   passes is valid on this day of the week." [U] when passes are left only for other days.
//!
//! Set a membership's passes with `PUT /_sim/spaces/{sub}/memberships/{id}/time_passes` (a list of
//! [`TimePass`]) or [`Sim::set_time_passes`]; read them back with `GET` on the same path or
//! [`Sim::time_passes`].

use axum::extract::{Path, State};
use axum::Json;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::Sim;

/// One kind of time pass a membership holds, and how many of it are unused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimePass {
    /// The kind's id, e.g. `tp-hour` (check-ins name a fresh pass id of their own).
    pub id: String,
    /// Its name, e.g. "1 Hour Pass".
    pub name: String,
    /// How long a check-in with it runs.
    pub validity: Validity,
    /// The days it may be used on, by the space's calendar (empty: every day) [U].
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
    /// Unused passes of this kind.
    pub left: u32,
    /// When the unused passes expire (Cobot: "expire after a certain number of days").
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// How long a check-in with a pass runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// This many minutes from the check-in (`{"duration_minutes": 60}`).
    DurationMinutes(u32),
    /// Only inside one of these daily spans, until its end (`{"spans": [{"from": "08:00",
    /// "to": "12:00"}]}`).
    Spans(Vec<DailySpan>),
}

/// A span of the day in the space's local time; `to <= from` crosses midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailySpan {
    /// Start (inclusive).
    pub from: Time,
    /// End (exclusive; a check-in made in the span runs until it).
    pub to: Time,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    fn of(date: Date) -> Weekday {
        match date.weekday() {
            jiff::civil::Weekday::Monday => Weekday::Mon,
            jiff::civil::Weekday::Tuesday => Weekday::Tue,
            jiff::civil::Weekday::Wednesday => Weekday::Wed,
            jiff::civil::Weekday::Thursday => Weekday::Thu,
            jiff::civil::Weekday::Friday => Weekday::Fri,
            jiff::civil::Weekday::Saturday => Weekday::Sat,
            jiff::civil::Weekday::Sunday => Weekday::Sun,
        }
    }
}

impl TimePass {
    /// A day pass as Cobot has them since 2011: 04:00–03:59:59.
    pub fn day_pass(id: &str, left: u32) -> TimePass {
        TimePass {
            id: id.into(),
            name: "Day Pass".into(),
            validity: Validity::Spans(vec![DailySpan {
                from: Time::constant(4, 0, 0, 0),
                to: Time::constant(3, 59, 59, 0),
            }]),
            weekdays: Vec::new(),
            left,
            expires_at: None,
        }
    }

    /// A pass valid `minutes` from the check-in.
    pub fn duration(id: &str, name: &str, minutes: u32, left: u32) -> TimePass {
        TimePass {
            id: id.into(),
            name: name.into(),
            validity: Validity::DurationMinutes(minutes),
            weekdays: Vec::new(),
            left,
            expires_at: None,
        }
    }

    /// A pass valid inside one fixed daily span (`from`–`to`, hours and minutes).
    pub fn span(id: &str, name: &str, from: (i8, i8), to: (i8, i8), left: u32) -> TimePass {
        TimePass {
            id: id.into(),
            name: name.into(),
            validity: Validity::Spans(vec![DailySpan {
                from: Time::constant(from.0, from.1, 0, 0),
                to: Time::constant(to.0, to.1, 0, 0),
            }]),
            weekdays: Vec::new(),
            left,
            expires_at: None,
        }
    }

    /// When a check-in with this pass at `now` ends, and the local date it counts for (the day a
    /// span began, for one that crossed midnight); `None` outside every span.
    fn window(&self, zone: &TimeZone, now: Timestamp) -> Option<(Timestamp, Date)> {
        let local = now.to_zoned(zone.clone());
        let (today, time) = (local.date(), local.time());
        let at = |date: Date, time: Time| {
            date.to_datetime(time)
                .to_zoned(zone.clone())
                .ok()
                .map(|z| z.timestamp())
        };
        match &self.validity {
            Validity::DurationMinutes(minutes) => {
                let until = now.checked_add(SignedDuration::from_mins(i64::from(*minutes))).ok()?;
                Some((until, today))
            }
            Validity::Spans(spans) => spans.iter().find_map(|s| {
                if s.from < s.to {
                    (s.from <= time && time < s.to).then(|| Some((at(today, s.to)?, today)))?
                } else if time >= s.from {
                    let tomorrow = today.checked_add(1.day()).ok()?;
                    Some((at(tomorrow, s.to)?, today))
                } else if time < s.to {
                    let yesterday = today.checked_sub(1.day()).ok()?;
                    Some((at(today, s.to)?, yesterday))
                } else {
                    None
                }
            }),
        }
    }
}

/// Why no pass could be used; the words are Cobot's where known (module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoPass {
    /// Nothing usable left.
    NoneLeft,
    /// Passes left, but none of their spans is open now.
    NotNow,
    /// Passes left, only for other days of the week.
    NotToday,
}

impl NoPass {
    pub(crate) fn message(self) -> &'static str {
        match self {
            NoPass::NoneLeft => "No time passes left.",
            NoPass::NotNow => "None of your time passes is valid at this time of day.",
            NoPass::NotToday => "None of your time passes is valid on this day of the week.",
        }
    }
}

/// Which of `passes` a check-in at `now` uses (its index) and when the check-in ends.
pub(crate) fn choose(passes: &[TimePass], zone: &TimeZone, now: Timestamp) -> Result<(usize, Timestamp), NoPass> {
    let mut refusal = NoPass::NoneLeft;
    for (index, pass) in passes.iter().enumerate() {
        if pass.left == 0 || pass.expires_at.is_some_and(|at| at <= now) {
            continue;
        }
        let Some((until, day)) = pass.window(zone, now) else {
            refusal = NoPass::NotNow;
            continue;
        };
        if !pass.weekdays.is_empty() && !pass.weekdays.contains(&Weekday::of(day)) {
            if refusal == NoPass::NoneLeft {
                refusal = NoPass::NotToday;
            }
            continue;
        }
        let until = pass.expires_at.map_or(until, |expiry| until.min(expiry));
        return Ok((index, until));
    }
    Err(refusal)
}

impl Sim {
    /// Replaces the time passes of membership `id` (any space); `false` for an unknown
    /// membership. An empty list leaves the membership on `time_passes_left` (module docs).
    pub fn set_time_passes(&self, id: &str, passes: Vec<TimePass>) -> bool {
        let mut state = self.lock();
        if state.membership_by_id(id).is_none() {
            return false;
        }
        tracing::info!(membership = %id, kinds = passes.len(), "time passes set");
        state.time_passes.insert(id.to_string(), passes);
        true
    }

    /// The time passes of membership `id` as they stand (unused counts go down with check-ins).
    pub fn time_passes(&self, id: &str) -> Vec<TimePass> {
        self.lock().time_passes.get(id).cloned().unwrap_or_default()
    }
}

/// `PUT /_sim/spaces/{sub}/memberships/{id}/time_passes` with a list of [`TimePass`]: the
/// membership's passes from now on.
pub(crate) async fn put(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
    Json(passes): Json<Vec<TimePass>>,
) -> Result<Json<Vec<TimePass>>, ApiError> {
    if sim.lock().membership_in(&subdomain, &id).is_none() {
        return Err(ApiError::not_found());
    }
    sim.set_time_passes(&id, passes);
    Ok(Json(sim.time_passes(&id)))
}

/// `GET /_sim/spaces/{sub}/memberships/{id}/time_passes`.
pub(crate) async fn get(
    State(sim): State<Sim>,
    Path((subdomain, id)): Path<(String, String)>,
) -> Result<Json<Vec<TimePass>>, ApiError> {
    if sim.lock().membership_in(&subdomain, &id).is_none() {
        return Err(ApiError::not_found());
    }
    Ok(Json(sim.time_passes(&id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn berlin() -> TimeZone {
        TimeZone::get("Europe/Berlin").unwrap()
    }

    #[test]
    fn a_duration_pass_runs_from_the_check_in() {
        let passes = [TimePass::duration("h", "1 Hour Pass", 60, 1)];
        assert_eq!(
            choose(&passes, &berlin(), at("2026-11-23T10:35:00Z")),
            Ok((0, at("2026-11-23T11:35:00Z")))
        );
    }

    #[test]
    fn a_span_pass_ends_with_its_span_and_refuses_outside_it() {
        let passes = [TimePass::span("m", "Morning", (8, 0), (12, 0), 3)];
        // 09:30 in Berlin (winter, +01:00): until 12:00 local.
        assert_eq!(
            choose(&passes, &berlin(), at("2026-11-23T08:30:00Z")),
            Ok((0, at("2026-11-23T11:00:00Z")))
        );
        assert_eq!(
            choose(&passes, &berlin(), at("2026-11-23T12:00:00Z")),
            Err(NoPass::NotNow),
            "13:00 local is outside 08:00–12:00"
        );
    }

    #[test]
    fn a_day_pass_crosses_midnight_to_four_in_the_morning() {
        let passes = [TimePass::day_pass("d", 1)];
        assert_eq!(
            choose(&passes, &berlin(), at("2026-11-23T19:00:00Z")),
            Ok((0, at("2026-11-24T02:59:59Z")))
        );
        assert_eq!(
            choose(&passes, &berlin(), at("2026-11-24T00:30:00Z")),
            Ok((0, at("2026-11-24T02:59:59Z"))),
            "01:30 local still belongs to the day that began at 04:00"
        );
    }

    #[test]
    fn used_up_expired_and_wrong_day_passes_are_refused_with_their_reason() {
        let monday = at("2026-11-23T09:00:00Z");
        let used = TimePass::day_pass("d", 0);
        let mut expired = TimePass::day_pass("e", 5);
        expired.expires_at = Some(at("2026-11-22T00:00:00Z"));
        assert_eq!(choose(&[used, expired], &berlin(), monday), Err(NoPass::NoneLeft));

        let mut weekend = TimePass::day_pass("w", 2);
        weekend.weekdays = vec![Weekday::Sat, Weekday::Sun];
        assert_eq!(choose(&[weekend.clone()], &berlin(), monday), Err(NoPass::NotToday));
        let sunday = at("2026-11-22T09:00:00Z");
        assert!(choose(&[weekend], &berlin(), sunday).is_ok());
        assert_eq!(choose(&[], &berlin(), monday), Err(NoPass::NoneLeft));
    }

    #[test]
    fn a_check_in_never_outlives_its_pass() {
        let mut pass = TimePass::duration("h", "1 Hour Pass", 60, 1);
        pass.expires_at = Some(at("2026-11-23T09:20:00Z"));
        assert_eq!(
            choose(&[pass], &berlin(), at("2026-11-23T09:00:00Z")),
            Ok((0, at("2026-11-23T09:20:00Z")))
        );
    }

    #[test]
    fn passes_read_from_json_as_the_control_api_takes_them() {
        let passes: Vec<TimePass> = serde_json::from_str(
            r#"[{"id": "m", "name": "Morning", "validity": {"spans": [{"from": "08:00", "to": "12:00"}]},
                 "weekdays": ["mon", "tue"], "left": 2},
                {"id": "h", "name": "Hour", "validity": {"duration_minutes": 60}, "left": 1,
                 "expires_at": "2026-12-01T00:00:00Z"}]"#,
        )
        .unwrap();
        assert_eq!(
            passes[0].validity,
            TimePass::span("m", "Morning", (8, 0), (12, 0), 2).validity
        );
        assert_eq!(passes[1].validity, Validity::DurationMinutes(60));
    }
}
