//! Tests of the parent module.

use super::*;

fn door(id: &str) -> DoorId {
    DoorId(id.into())
}

fn rules() -> Rules {
    let doors = vec![
        Door {
            id: door("front"),
            name: "Front door".into(),
        },
        Door {
            id: door("workshop"),
            name: "Workshop".into(),
        },
        Door {
            id: door("office"),
            name: "Staff office".into(),
        },
    ];
    let groups = vec![
        Group {
            id: GroupId("Members".into()),
            doors: vec![door("front")],
            schedule: Some(Schedule::parse("Mon-Fri 07:00-22:00").unwrap()),
        },
        Group {
            id: GroupId("Residents".into()),
            doors: vec![door("front"), door("workshop")],
            schedule: None,
        },
        Group {
            id: GroupId("Staff".into()),
            doors: vec![door("front"), door("workshop"), door("office")],
            schedule: None,
        },
        Group {
            id: GroupId("Night".into()),
            doors: vec![door("front")],
            schedule: Some(Schedule::parse("Fri 22:00-02:00").unwrap()),
        },
    ];
    let assignments = vec![
        Assignment {
            plan: PlanMatch::Name("Flex Desk".into()),
            groups: vec![GroupId("members".into())],
        },
        Assignment {
            plan: PlanMatch::Id("plan-fixed".into()),
            groups: vec![GroupId("Residents".into())],
        },
        Assignment {
            plan: PlanMatch::Name("Night Owl".into()),
            groups: vec![GroupId("Night".into())],
        },
    ];
    Rules::new(
        TimeZone::get("Europe/Berlin").unwrap(),
        doors,
        groups,
        &assignments,
        true,
    )
    .unwrap()
}

fn member(plan: &str, extra: &str) -> Member {
    Member {
        membership_id: "m".into(),
        plan: Some(PlanRef {
            id: (plan == "Fixed Desk").then(|| "plan-fixed".into()),
            name: plan.into(),
            names: None,
        }),
        confirmed: true,
        starts_at: Some(Date::constant(2026, 1, 5)),
        canceled_to: None,
        extra_groups: Some(extra.into()),
    }
}

/// `at` is Berlin local time; 2026-11-23 is a Monday.
fn check(m: &Member, door_id: &str, at: &str, expected: &str) {
    let at = jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M", at)
        .unwrap()
        .to_zoned(TimeZone::get("Europe/Berlin").unwrap())
        .unwrap()
        .timestamp();
    let verdict = rules().evaluate(m, &door(door_id), at);
    let words: Vec<String> = verdict.reasons.iter().map(ToString::to_string).collect();
    let got = format!(
        "{}: {}",
        if verdict.allowed { "open" } else { "closed" },
        words.join(" | ")
    );
    assert_eq!(got, expected, "{door_id} at {at}");
}

#[test]
fn plans_open_their_groups_doors_within_the_schedule() {
    let flex = member("Flex Desk", "");
    check(
        &flex,
        "front",
        "2026-11-23 09:00",
        "open: Plan Flex Desk → group Members, Mon–Fri 07:00–22:00",
    );
    check(
        &flex,
        "front",
        "2026-11-23 22:00",
        "closed: Plan Flex Desk → group Members: only Mon–Fri 07:00–22:00",
    );
    check(
        &flex,
        "front",
        "2026-11-22 12:00",
        "closed: Plan Flex Desk → group Members: only Mon–Fri 07:00–22:00",
    );
    check(
        &flex,
        "workshop",
        "2026-11-23 09:00",
        "closed: none of your plans or groups opens this door",
    );
    check(
        &member("flex desk ", ""),
        "front",
        "2026-11-23 09:00",
        "open: Plan flex desk  → group Members, Mon–Fri 07:00–22:00",
    );
    check(
        &member("Fixed Desk", ""),
        "workshop",
        "2026-11-22 03:00",
        "open: Plan Fixed Desk → group Residents",
    );
    check(
        &member("Day Pass", ""),
        "front",
        "2026-11-23 09:00",
        "closed: your plan gives no door access",
    );
    check(&flex, "garage", "2026-11-23 09:00", "closed: this door is not set up");
}

#[test]
fn a_plan_known_by_id_matches_name_assignments_only_by_the_names_given_to_that_plan() {
    // The copy still says "Flex Desk", but the catalogue plan it points at is called
    // "Flex Space" now and another plan took the old name: the copy's name must not count.
    let mut drifted = member("Flex Desk", "");
    drifted.plan.as_mut().unwrap().id = Some("plan-flex".into());
    drifted.plan.as_mut().unwrap().names = Some(vec![]);
    check(
        &drifted,
        "front",
        "2026-11-23 09:00",
        "closed: your plan gives no door access",
    );
    // Renamed in Cobot, the plan keeps the name its assignment gave it.
    let mut renamed = member("Flex Space", "");
    renamed.plan.as_mut().unwrap().id = Some("plan-flex".into());
    renamed.plan.as_mut().unwrap().names = Some(vec!["Flex Desk".into()]);
    check(
        &renamed,
        "front",
        "2026-11-23 09:00",
        "open: Plan Flex Space → group Members, Mon–Fri 07:00–22:00",
    );
}

#[test]
fn an_overnight_window_stays_open_past_midnight_into_the_next_day() {
    let owl = member("Night Owl", "");
    check(
        &owl,
        "front",
        "2026-11-27 23:30",
        "open: Plan Night Owl → group Night, Fri 22:00–02:00",
    );
    check(
        &owl,
        "front",
        "2026-11-28 01:59",
        "open: Plan Night Owl → group Night, Fri 22:00–02:00",
    );
    check(
        &owl,
        "front",
        "2026-11-28 02:00",
        "closed: Plan Night Owl → group Night: only Fri 22:00–02:00",
    );
    check(
        &owl,
        "front",
        "2026-11-27 01:00",
        "closed: Plan Night Owl → group Night: only Fri 22:00–02:00",
    );
}

#[test]
fn extra_groups_from_the_custom_field_add_access_and_unknown_ones_grant_nothing() {
    let staff = member("Flex Desk", " staff , Mystery,,STAFF");
    check(
        &staff,
        "office",
        "2026-11-22 03:00",
        "open: extra group Staff from your membership",
    );
    check(
        &staff,
        "front",
        "2026-11-23 09:00",
        "open: Plan Flex Desk → group Members, Mon–Fri 07:00–22:00 | extra group Staff from your membership",
    );
    let groups = rules().member_groups(&staff);
    assert_eq!(
        groups.unknown,
        vec!["Mystery".to_string()],
        "unknown identifiers are reported"
    );
    assert_eq!(groups.groups.len(), 2);
    check(
        &member("Flex Desk", "Mystery"),
        "office",
        "2026-11-23 09:00",
        "closed: none of your plans or groups opens this door",
    );
}

#[test]
fn extra_groups_are_ignored_while_the_feature_is_off() {
    let mut r = rules();
    r.extra_groups_enabled = false;
    let groups = r.member_groups(&member("Flex Desk", "Staff, Mystery"));
    assert_eq!(
        groups.groups.iter().map(|g| g.0 .0.as_str()).collect::<Vec<_>>(),
        vec!["Members"]
    );
    assert!(groups.unknown.is_empty());
}

#[test]
fn only_active_memberships_open_anything() {
    let mut m = member("Fixed Desk", "Staff");
    m.confirmed = false;
    check(
        &m,
        "front",
        "2026-11-23 09:00",
        "closed: your membership is not confirmed yet",
    );
    let mut m = member("Fixed Desk", "");
    m.starts_at = Some(Date::constant(2026, 12, 1));
    check(
        &m,
        "front",
        "2026-11-30 23:59",
        "closed: your membership starts on 2026-12-01",
    );
    check(
        &m,
        "front",
        "2026-12-01 00:00",
        "open: Plan Fixed Desk → group Residents",
    );
    let mut m = member("Fixed Desk", "");
    m.canceled_to = Some(Date::constant(2026, 11, 30));
    check(
        &m,
        "front",
        "2026-11-30 23:59",
        "open: Plan Fixed Desk → group Residents",
    );
    check(
        &m,
        "front",
        "2026-12-01 00:00",
        "closed: your membership ended on 2026-11-30",
    );
}

#[test]
fn the_cancellation_day_is_counted_in_the_spaces_time_zone() {
    let mut m = member("Fixed Desk", "");
    m.canceled_to = Some(Date::constant(2026, 11, 30));
    // 23:30 UTC on the 30th is already 00:30 on 1 December in Berlin.
    let at: Timestamp = "2026-11-30T23:30:00Z".parse().unwrap();
    assert!(!rules().evaluate(&m, &door("front"), at).allowed);
}

#[test]
fn a_member_sees_every_door_at_once() {
    let at: Timestamp = "2026-11-23T08:00:00Z".parse().unwrap();
    let access = rules().member_access(&member("Flex Desk", "Staff"), at);
    let open: Vec<(&str, bool)> = access.doors.iter().map(|(d, v)| (d.0.as_str(), v.allowed)).collect();
    assert_eq!(open, vec![("front", true), ("workshop", true), ("office", true)]);
    assert_eq!(access.inactive, None);
}

#[test]
fn configuration_mistakes_are_named() {
    let tz = TimeZone::UTC;
    let g = |id: &str, doors: &[&str]| Group {
        id: GroupId(id.into()),
        doors: doors.iter().map(|d| door(d)).collect(),
        schedule: None,
    };
    let doors = vec![Door {
        id: door("front"),
        name: "Front".into(),
    }];
    assert_eq!(
        Rules::new(
            tz.clone(),
            doors.clone(),
            vec![g("Staff", &[]), g("STAFF", &[])],
            &[],
            true
        )
        .unwrap_err()
        .to_string(),
        "the group “STAFF” is defined twice (identifiers are compared without case)"
    );
    assert_eq!(
        Rules::new(tz.clone(), doors.clone(), vec![g("Staff", &["back"])], &[], true)
            .unwrap_err()
            .to_string(),
        "the group “Staff” names the door “back”, which is not configured"
    );
    let a = Assignment {
        plan: PlanMatch::Name("Flex".into()),
        groups: vec![GroupId("Nobody".into())],
    };
    assert_eq!(
        Rules::new(tz, doors, vec![], &[a], true).unwrap_err().to_string(),
        "a plan assignment names the group “Nobody”, which is not configured"
    );
}

#[test]
fn schedules_read_and_print_in_the_same_words() {
    for (input, printed) in [
        ("Mon-Fri 07:00-22:00", "Mon–Fri 07:00–22:00"),
        (
            "sat,sun 10:00-16:00; Wed 18:00-24:00",
            "Sat,Sun 10:00–16:00; Wed 18:00–24:00",
        ),
        ("Mon,Wed,Fri 09:00-17:00", "Mon,Wed,Fri 09:00–17:00"),
        ("Fri-Mon 20:00-06:00", "Mon,Fri–Sun 20:00–06:00"),
        ("Mon-Sun 00:00-24:00", "daily 00:00–24:00"),
    ] {
        let parsed = Schedule::parse(input).unwrap();
        assert_eq!(parsed.to_string(), printed, "{input}");
        assert_eq!(
            Schedule::parse(&parsed.to_string()).unwrap(),
            parsed,
            "printing then reading gives the same schedule"
        );
    }
    for (input, error) in [
        (
            "Mon-Fri",
            "schedule: “Mon-Fri” needs days and times, like “Mon-Fri 07:00-22:00”",
        ),
        (
            "Moon 07:00-08:00",
            "schedule: “Moon” is not a day; use Mon, Tue, Wed, Thu, Fri, Sat, Sun",
        ),
        ("Mon 7am-8pm", "schedule: “7am” is not a time; use HH:MM"),
        (
            "Mon 08:00-08:00",
            "schedule: “Mon 08:00-08:00” opens and closes at the same time",
        ),
        (
            "",
            "schedule: a schedule needs at least one window, like “Mon-Fri 07:00-22:00”",
        ),
    ] {
        assert_eq!(Schedule::parse(input).unwrap_err().to_string(), error);
    }
}
