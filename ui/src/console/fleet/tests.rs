//! Tests of the Fleet tab's plain parts: the sign-in form's checks, the activity's order and
//! words, which spaces are shown, a hub's link light, and the revocation form.

use frontdoor_ipc::{AuditLine, FleetActivity, FleetHub, FleetSpace, Glance, HubState, Light};

use super::activity::{sorted_in, who_in, Column};
use super::revocations::{check_revocation, ended_in, BadRevocation, Whom};
use super::spaces::{hub_light, shown, space_name};
use super::*;
use crate::console::activity::BadReason;

#[test]
fn the_form_takes_an_https_address_or_one_on_this_computer() {
    for ok in [
        "https://fleet.example.com",
        "  https://ops.example.com/fleet/ ",
        "http://127.0.0.1:8470",
        "http://localhost:8470/",
        "http://[::1]:8470",
    ] {
        assert!(check_address(ok).is_ok(), "{ok}");
    }
    assert_eq!(check_address("  "), Err(BadAddress::Empty));
    for not_web in [
        "fleet.example.com",
        "http://fleet.example.com",
        "http://127.0.0.1.example.com",
        "ftp://fleet.example.com",
        "https://",
        "https://fleet example.com",
    ] {
        assert_eq!(check_address(not_web), Err(BadAddress::NotWeb), "{not_web}");
    }
    let long = format!("https://{}.example.com", "a".repeat(MAX_FIELD_CHARS));
    assert_eq!(check_address(&long), Err(BadAddress::TooLong));
}

#[test]
fn the_form_takes_a_token_of_one_word_and_says_why_not_in_both_languages() {
    assert_eq!(check_token(" ana-token \n").as_deref(), Ok("ana-token"));
    assert_eq!(check_token(""), Err(BadToken::Empty));
    assert_eq!(check_token("two words"), Err(BadToken::NotOneWord));
    assert_eq!(check_token("line\nbreak"), Err(BadToken::NotOneWord));
    assert_eq!(check_token(&"x".repeat(MAX_FIELD_CHARS + 1)), Err(BadToken::TooLong));
    assert_eq!(
        BadToken::NotOneWord.words(Lang::En),
        "A staff token is one word, without spaces or line breaks."
    );
    assert!(BadToken::NotOneWord.words(Lang::De).contains("ein Wort"));
    assert!(BadAddress::TooLong.words(Lang::En).contains("512"));
}

fn row(space: &str, hub: &str, seq: i64, at: &str, user: Option<&str>, decision: &str) -> FleetActivity {
    FleetActivity {
        space: space.into(),
        hub: hub.into(),
        line: AuditLine {
            seq,
            at: at.into(),
            user_id: user.map(str::to_string),
            membership_id: None,
            staff: false,
            door_id: "front".into(),
            decision: decision.into(),
            code: None,
            reasons: vec![],
            count: 1,
            latency_us: 900,
            check_in: None,
        },
        received_at: at.into(),
    }
}

fn keys(rows: &[FleetActivity]) -> Vec<(String, i64)> {
    rows.iter().map(|r| (r.hub.clone(), r.line.seq)).collect()
}

#[test]
fn the_activity_sorts_by_any_column_and_turns_round() {
    let rows = vec![
        row(
            "lighthouse",
            "lighthouse-2",
            7,
            "2026-12-07T10:00:02Z",
            Some("user-alex"),
            "opened",
        ),
        row(
            "harbour",
            "harbour-1",
            3,
            "2026-12-07T10:00:03Z",
            Some("fleet:Olga"),
            "refused",
        ),
        row("lighthouse", "lighthouse-1", 9, "2026-12-07T10:00:01Z", None, "opened"),
    ];
    let by = |column, descending| keys(&sorted_in(&rows, column, descending, Lang::En));
    let hubs = |list: Vec<(String, i64)>| list.into_iter().map(|(h, _)| h).collect::<Vec<_>>();
    assert_eq!(
        hubs(by(Column::When, true)),
        ["harbour-1", "lighthouse-2", "lighthouse-1"],
        "newest first"
    );
    assert_eq!(
        hubs(by(Column::When, false)),
        ["lighthouse-1", "lighthouse-2", "harbour-1"]
    );
    assert_eq!(hubs(by(Column::Space, false))[0], "harbour-1");
    assert_eq!(
        hubs(by(Column::Hub, false)),
        ["harbour-1", "lighthouse-1", "lighthouse-2"]
    );
    assert_eq!(
        hubs(by(Column::Decision, false)),
        ["lighthouse-2", "lighthouse-1", "harbour-1"],
        "equal rows keep the fleet's order"
    );
    // "no session" < "Olga (fleet)" < "user-alex", compared without case.
    assert_eq!(
        hubs(by(Column::Who, false)),
        ["lighthouse-1", "harbour-1", "lighthouse-2"]
    );
}

#[test]
fn a_remote_open_by_the_fleet_s_staff_says_so() {
    let by_fleet = row(
        "harbour",
        "harbour-1",
        1,
        "2026-12-07T10:00:00Z",
        Some("fleet:Olga"),
        "opened",
    );
    assert_eq!(who_in(&by_fleet, Lang::En), "Olga (fleet)");
    assert_eq!(who_in(&by_fleet, Lang::De), "Olga (Flotte)");
    let member = row(
        "harbour",
        "harbour-1",
        2,
        "2026-12-07T10:00:00Z",
        Some("user-alex"),
        "opened",
    );
    assert_eq!(who_in(&member, Lang::En), "user-alex");
}

fn lights() -> Glance {
    let light = Light {
        ok: true,
        words: "fine".into(),
        fact: None,
    };
    Glance {
        cobot: light.clone(),
        sync: light.clone(),
        doors: light.clone(),
        check_ins: light,
    }
}

fn hub(id: &str, online: bool, state: bool) -> FleetHub {
    FleetHub {
        hub: id.into(),
        online,
        // Read as the fleet sends it, so fields the fleet adds later with a default need no
        // change here.
        state: state.then(|| {
            serde_json::from_value::<HubState>(serde_json::json!({
                "hub": id,
                "space": "lighthouse",
                "space_name": "Lighthouse Coworking",
                "at": "2026-12-07T10:00:00Z",
                "glance": lights(),
                "doors": [],
            }))
            .expect("a hub's state as the fleet sends it")
        }),
    }
}

#[test]
fn a_hub_s_light_says_whether_its_link_is_up() {
    assert_eq!(
        hub_light(&hub("a", true, true), Lang::En),
        (true, "Linked to the fleet".into())
    );
    let (ok, words) = hub_light(&hub("a", false, true), Lang::En);
    assert!(!ok);
    assert!(words.starts_with("Not linked since"), "{words}");
    assert!(!hub_light(&hub("a", false, false), Lang::En).0, "never reported");
}

#[test]
fn one_space_or_all_are_shown_by_their_names() {
    let spaces = vec![
        FleetSpace {
            space: "lighthouse".into(),
            hubs: vec![hub("lighthouse-1", true, true)],
        },
        FleetSpace {
            space: "harbour".into(),
            hubs: vec![hub("harbour-1", false, false)],
        },
    ];
    assert_eq!(shown(&spaces, None).len(), 2);
    let one = shown(&spaces, Some("harbour"));
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].space, "harbour");
    assert_eq!(space_name(&spaces[0]), "Lighthouse Coworking");
    assert_eq!(space_name(&spaces[1]), "harbour", "no hub put its name yet");
}

#[test]
fn a_revocation_names_one_id_and_says_why() {
    let ok = check_revocation("lighthouse", Whom::Device, " dev_42 ", " lost phone ").unwrap();
    assert_eq!(ok.device_id.as_deref(), Some("dev_42"));
    assert_eq!(ok.user_id, None);
    assert_eq!(ok.why, "lost phone");
    let person = check_revocation("lighthouse", Whom::Person, "user-jo", "left the team").unwrap();
    assert_eq!((person.device_id, person.user_id.as_deref()), (None, Some("user-jo")));
    assert_eq!(
        check_revocation("lighthouse", Whom::Device, "", "x"),
        Err(BadRevocation::NoId)
    );
    assert_eq!(
        check_revocation("lighthouse", Whom::Device, "a.b", "x"),
        Err(BadRevocation::BadId),
        "a dot would reach another key"
    );
    let empty = check_revocation("lighthouse", Whom::Device, "dev", " ").unwrap_err();
    assert_eq!(empty, BadRevocation::Why(BadReason::Empty));
    assert_eq!(empty.field(), "why");
    assert!(empty.words(Lang::En).contains("Say why"));
}

#[test]
fn a_revocation_s_key_says_what_it_ended() {
    assert_eq!(ended_in("lighthouse.revoke.device.dev-1", Lang::En), "Device dev-1");
    assert!(ended_in("lighthouse.revoke.staff.user-jo", Lang::De).contains("user-jo"));
    assert_eq!(ended_in("lighthouse.other", Lang::En), "lighthouse.other");
}

fn outcome(
    space: &str,
    hub: &str,
    entered: &str,
    state: frontdoor_ipc::StaffCheckInState,
) -> frontdoor_ipc::FleetCheckIn {
    frontdoor_ipc::FleetCheckIn {
        space: space.into(),
        hub: hub.into(),
        outcome: frontdoor_ipc::CheckInOutcome {
            membership_id: format!("mem-{entered}"),
            user_id: None,
            day: "2026-12-07".into(),
            entered_at: format!("2026-12-07T{entered}:00Z"),
            state,
            why: None,
            attempts: 1,
            cobot_id: None,
            valid_from: None,
            valid_until: None,
        },
    }
}

#[test]
fn check_ins_are_shown_newest_first_one_outcome_or_all_and_sort_by_column() {
    use super::check_ins::{shown, state_of, Column};
    use frontdoor_ipc::StaffCheckInState::{CheckedIn, Missed, Refused};
    let rows = [
        outcome("lighthouse", "lighthouse-1", "08:00", CheckedIn),
        outcome("harbour", "harbour-1", "09:30", Refused),
        outcome("lighthouse", "lighthouse-2", "07:15", Missed),
    ];
    let when = |rows: Vec<frontdoor_ipc::FleetCheckIn>| -> Vec<String> {
        rows.into_iter()
            .map(|r| r.outcome.entered_at[11..16].to_string())
            .collect()
    };
    assert_eq!(
        when(shown(&rows, None, Column::When, true)),
        ["09:30", "08:00", "07:15"]
    );
    assert_eq!(
        when(shown(&rows, None, Column::When, false)),
        ["07:15", "08:00", "09:30"]
    );
    assert_eq!(when(shown(&rows, Some(Refused), Column::When, true)), ["09:30"]);
    assert_eq!(
        when(shown(&rows, None, Column::Hub, false)),
        ["09:30", "08:00", "07:15"]
    );
    assert_eq!(
        when(shown(&rows, None, Column::State, false)),
        ["08:00", "07:15", "09:30"]
    );
    for state in [CheckedIn, Refused, Missed] {
        assert_eq!(state_of(state.as_str()), Some(state));
    }
    assert_eq!(state_of(""), None, "every outcome");
}
