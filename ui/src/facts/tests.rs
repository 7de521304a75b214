use frontdoor_ipc::{CheckInLine, CheckInState, CheckInView, DoorReason, DoorView, OpenHours, PlanView, Standing};

use super::{check_in_line, door_reasons, plan_standing};
use crate::words::Lang;

fn door(why: Vec<DoorReason>) -> DoorView {
    DoorView {
        id: "workshop".into(),
        name: "Workshop".into(),
        allowed: true,
        reasons: vec!["the hub's own words".into()],
        why,
    }
}

/// Mon–Fri 07:00–22:00 and Sat,Sun 10:00–24:00.
fn week() -> Vec<OpenHours> {
    vec![
        OpenHours {
            days: 0b001_1111,
            start: 7 * 60,
            end: 22 * 60,
        },
        OpenHours {
            days: 0b110_0000,
            start: 10 * 60,
            end: 1440,
        },
    ]
}

#[test]
fn a_door_s_reasons_read_as_the_hub_writes_them_in_english_and_in_german_with_german_weekdays() {
    let why = vec![
        DoorReason::Granted {
            group: "Members".into(),
            plan: Some("Flex Desk".into()),
            hours: week(),
        },
        DoorReason::OutsideHours {
            group: "Evenings".into(),
            plan: None,
            hours: vec![OpenHours {
                days: 0b001_0101,
                start: 18 * 60,
                end: 2 * 60,
            }],
        },
    ];
    assert_eq!(
        door_reasons(&door(why.clone()), Lang::En),
        "Plan Flex Desk → group Members, Mon–Fri 07:00–22:00; Sat,Sun 10:00–24:00; \
         extra group Evenings from your membership: only Mon,Wed,Fri 18:00–02:00"
    );
    assert_eq!(
        door_reasons(&door(why), Lang::De),
        "Tarif Flex Desk → Gruppe Members, Mo–Fr 07:00–22:00; Sa,So 10:00–24:00; \
         zusätzliche Gruppe Evenings aus deiner Mitgliedschaft: nur Mo,Mi,Fr 18:00–02:00"
    );
    let daily = vec![DoorReason::Granted {
        group: "Residents".into(),
        plan: Some("Fixed Desk".into()),
        hours: vec![OpenHours {
            days: 0x7f,
            start: 0,
            end: 1440,
        }],
    }];
    assert_eq!(
        door_reasons(&door(daily), Lang::De),
        "Tarif Fixed Desk → Gruppe Residents, täglich 00:00–24:00"
    );
}

#[test]
fn refusals_dates_and_the_staff_reason_are_said_in_the_person_s_language() {
    let why = vec![
        DoorReason::Ended {
            ended_on: "2026-11-30".into(),
        },
        DoorReason::Staff {
            space: "Lighthouse Coworking".into(),
        },
    ];
    assert_eq!(
        door_reasons(&door(why.clone()), Lang::En),
        "your membership ended on 2026-11-30; Staff of Lighthouse Coworking may open every door"
    );
    assert_eq!(
        door_reasons(&door(why), Lang::De),
        "deine Mitgliedschaft endete am 30.11.2026; Das Team von Lighthouse Coworking darf jede Tür öffnen"
    );
    let old = vec![DoorReason::CopyTooOld {
        age_seconds: 3 * 86_400,
        space: "Lighthouse".into(),
        bound_hours: 48,
    }];
    assert!(door_reasons(&door(old.clone()), Lang::En).starts_with(
        "The hub last reached Cobot 3 days ago, longer than Lighthouse lets members in without it (48 hours)"
    ));
    assert!(door_reasons(&door(old), Lang::De).starts_with("Der Hub hat Cobot zuletzt vor 3 Tagen erreicht"));
}

#[test]
fn a_hub_that_sends_only_sentences_is_shown_as_it_wrote_them() {
    assert_eq!(door_reasons(&door(Vec::new()), Lang::De), "the hub's own words");
    let plan = PlanView {
        name: "Flex Desk".into(),
        since: None,
        until: None,
        active: true,
        status: "active".into(),
        standing: None,
    };
    assert_eq!(plan_standing(&plan, Lang::De), "active");
    let check_in = CheckInView {
        day: "2026-12-07".into(),
        state: CheckInState::CheckedIn,
        since: Some("09:12".into()),
        message: "Checked in since 09:12".into(),
        line: None,
    };
    assert_eq!(check_in_line(&check_in, Lang::De), "Checked in since 09:12");
}

#[test]
fn a_plan_s_standing_and_the_check_in_line_follow_the_language() {
    let plan = PlanView {
        name: "Flex Desk".into(),
        since: Some("2026-01-01".into()),
        until: Some("2026-12-31".into()),
        active: true,
        status: "active, ends after 2026-12-31".into(),
        standing: Some(Standing::Active {
            ends_after: Some("2026-12-31".into()),
        }),
    };
    assert_eq!(plan_standing(&plan, Lang::En), "active, ends after 2026-12-31");
    assert_eq!(plan_standing(&plan, Lang::De), "aktiv, endet nach dem 31.12.2026");
    let mut check_in = CheckInView {
        day: "2026-12-07".into(),
        state: CheckInState::CheckedIn,
        since: Some("09:12".into()),
        message: "Checked in since 09:12".into(),
        line: Some(CheckInLine::CheckedIn {
            since: Some("09:12".into()),
            until: None,
        }),
    };
    assert_eq!(check_in_line(&check_in, Lang::En), "Checked in since 09:12");
    assert_eq!(check_in_line(&check_in, Lang::De), "Eingecheckt seit 09:12 Uhr");
    check_in.line = Some(CheckInLine::Refused {
        cobot_says: Some("No time passes left.".into()),
    });
    // Cobot's words are shown as Cobot said them, in either language.
    assert_eq!(
        check_in_line(&check_in, Lang::De),
        "Cobot hat dich nicht eingecheckt: No time passes left."
    );
}
