//! The hub's facts about the member — why a door opens or stays shut, how a membership stands,
//! where today's check-in is — in the person's language. The hub sends each as a typed value
//! beside its own English sentence; a hub from before those values sends only the sentence,
//! which is then shown as it came. Names (plans, groups, the space) and Cobot's words are shown
//! as they were written.

use frontdoor_ipc::{CheckInLine, CheckInView, DoorReason, DoorView, OpenHours, PlanView, Standing};

use crate::words::{Arg, Lang};

/// Why `door` opens or stays shut, every reason, in `lang`.
pub(crate) fn door_reasons(door: &DoorView, lang: Lang) -> String {
    if door.why.is_empty() {
        return door.reasons.join("; ");
    }
    door.why.iter().map(|r| reason(r, lang)).collect::<Vec<_>>().join("; ")
}

/// A plan's standing ("active", "ended on …").
pub(crate) fn plan_standing(plan: &PlanView, lang: Lang) -> String {
    let Some(standing) = &plan.standing else {
        return plan.status.clone();
    };
    match standing {
        Standing::Active { ends_after: None } => lang.t("standing-active"),
        Standing::Active { ends_after: Some(day) } => {
            lang.t_args("standing-active-ends", &[("date", (&date(day, lang)).into())])
        }
        Standing::NotConfirmed => lang.t("standing-not-confirmed"),
        Standing::NotStarted { starts_on } => {
            lang.t_args("standing-starts", &[("date", (&date(starts_on, lang)).into())])
        }
        Standing::Ended { ended_on } => lang.t_args("standing-ended", &[("date", (&date(ended_on, lang)).into())]),
    }
}

/// A check-in's line ("Checked in since 09:12").
pub(crate) fn check_in_line(check_in: &CheckInView, lang: Lang) -> String {
    let Some(line) = &check_in.line else {
        return check_in.message.clone();
    };
    match line {
        CheckInLine::CheckedIn {
            since: Some(since),
            until: Some(until),
        } => lang.t_args(
            "check-in-from-until",
            &[("since", since.into()), ("until", until.into())],
        ),
        CheckInLine::CheckedIn {
            since: Some(since),
            until: None,
        } => lang.t_args("check-in-since", &[("since", since.into())]),
        CheckInLine::CheckedIn { since: None, .. } => lang.t("check-in-done"),
        CheckInLine::Refused {
            cobot_says: Some(words),
        } => lang.t_args("check-in-refused", &[("cobot", words.into())]),
        CheckInLine::Refused { cobot_says: None } => lang.t("check-in-refused-silently"),
        CheckInLine::Missed => lang.t("check-in-missed"),
        CheckInLine::Pending { retrying: false } => lang.t("check-in-checking"),
        CheckInLine::Pending { retrying: true } => lang.t("check-in-retrying"),
    }
}

/// An ISO day (`2026-12-31`) as the language writes it: unchanged in English, `31.12.2026` in
/// German. Anything else is shown as it came.
pub(crate) fn date(iso: &str, lang: Lang) -> String {
    match lang {
        Lang::En => iso.to_string(),
        Lang::De => match iso.split('-').collect::<Vec<_>>()[..] {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}.{m}.{y}"),
            _ => iso.to_string(),
        },
    }
}

fn reason(r: &DoorReason, lang: Lang) -> String {
    let source = |group: &str, plan: &Option<String>| match plan {
        Some(plan) => lang.t_args("reason-from-plan", &[("plan", plan.into()), ("group", group.into())]),
        None => lang.t_args("reason-from-extra-group", &[("group", group.into())]),
    };
    match r {
        DoorReason::Granted { group, plan, hours } if hours.is_empty() => source(group, plan),
        DoorReason::Granted { group, plan, hours } => lang.t_args(
            "reason-granted-hours",
            &[
                ("source", (&source(group, plan)).into()),
                ("hours", (&opening_hours(hours, lang)).into()),
            ],
        ),
        DoorReason::OutsideHours { group, plan, hours } => lang.t_args(
            "reason-outside-hours",
            &[
                ("source", (&source(group, plan)).into()),
                ("hours", (&opening_hours(hours, lang)).into()),
            ],
        ),
        DoorReason::NotConfirmed => lang.t("reason-not-confirmed"),
        DoorReason::NotStarted { starts_on } => {
            lang.t_args("reason-not-started", &[("date", (&date(starts_on, lang)).into())])
        }
        DoorReason::Ended { ended_on } => lang.t_args("reason-ended", &[("date", (&date(ended_on, lang)).into())]),
        DoorReason::NoGroupOpensDoor => lang.t("reason-no-group-opens-door"),
        DoorReason::NoGroups => lang.t("reason-no-groups"),
        DoorReason::UnknownDoor => lang.t("reason-unknown-door"),
        DoorReason::CopyTooOld {
            age_seconds,
            space,
            bound_hours,
        } => lang.t_args(
            "reason-copy-too-old",
            &[
                ("age", (&age(*age_seconds, lang)).into()),
                ("space", space.into()),
                ("hours", Arg::from(*bound_hours)),
            ],
        ),
        DoorReason::Staff { space } => lang.t_args("reason-staff", &[("space", space.into())]),
    }
}

/// How long ago, as the reasons and the status strip say it ("3 h ago").
pub(crate) fn age(seconds: i64, lang: Lang) -> String {
    match seconds.max(0) {
        s if s < 60 => lang.t("age-just-now"),
        s if s < 3600 => lang.t_args("age-minutes", &[("n", Arg::Number(s / 60))]),
        s if s < 2 * 86_400 => lang.t_args("age-hours", &[("n", Arg::Number(s / 3600))]),
        s => lang.t_args("age-days", &[("n", Arg::Number(s / 86_400))]),
    }
}

/// The weekdays' short names, Monday first.
fn day_name(day: usize, lang: Lang) -> String {
    lang.t(match day {
        0 => "day-mon",
        1 => "day-tue",
        2 => "day-wed",
        3 => "day-thu",
        4 => "day-fri",
        5 => "day-sat",
        _ => "day-sun",
    })
}

/// Days as a schedule writes them: `daily`, `Mon–Fri`, `Sat,Sun`, `Mon,Wed–Fri`.
fn days(mask: u8, lang: Lang) -> String {
    if mask & 0x7f == 0x7f {
        return lang.t("day-daily");
    }
    let parts: Vec<String> = frontdoor_ipc::day_runs(mask)
        .into_iter()
        .map(|(start, end)| match end - start {
            0 => day_name(start, lang),
            1 => format!("{},{}", day_name(start, lang), day_name(end, lang)),
            _ => format!("{}–{}", day_name(start, lang), day_name(end, lang)),
        })
        .collect();
    parts.join(",")
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Opening hours as a schedule writes them: `Mon–Fri 07:00–22:00; Sat 10:00–16:00`.
pub(crate) fn opening_hours(hours: &[OpenHours], lang: Lang) -> String {
    hours
        .iter()
        .map(|h| format!("{} {}–{}", days(h.days, lang), clock(h.start), clock(h.end)))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests;
