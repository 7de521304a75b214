//! Tests of the parent module.

#[test]
fn the_change_trail_keeps_the_newest_changes_and_forgets_older_ones() {
    let store = crate::store::Store::in_memory().unwrap();
    let mut conn = store.conn();
    let tx = conn.transaction().unwrap();
    let at: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    for i in 0..(super::MAX_CHANGES + 5) {
        super::insert_change(
            &tx,
            at,
            "user-sam",
            "Sam",
            &format!("change {i}"),
            &serde_json::Value::Null,
            &serde_json::Value::Null,
        )
        .unwrap();
    }
    let count: i64 = tx
        .query_row("SELECT COUNT(*) FROM access_changes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, super::MAX_CHANGES);
    let first_kept: String = tx
        .query_row("SELECT what FROM access_changes ORDER BY id LIMIT 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(first_kept, "change 5", "the five oldest went");
}
use super::*;

fn doors() -> Vec<Door> {
    ["front", "workshop"]
        .iter()
        .map(|d| Door {
            id: DoorId(d.to_string()),
            name: d.to_string(),
        })
        .collect()
}

fn setup() -> StoredSetup {
    StoredSetup {
        groups: vec![GroupSetup {
            id: "Staff".into(),
            name: "Staff".into(),
            doors: vec!["front".into()],
            schedule: None,
        }],
        plans: vec![PlanAssignment {
            plan: PlanMatch::Name("Flex Desk".into()),
            groups: vec!["staff".into()],
        }],
        extra_groups: true,
        version: 4,
    }
}

fn group(id: &str, doors: &[&str], schedule: Option<&str>) -> GroupSetup {
    GroupSetup {
        id: id.into(),
        name: "A group".into(),
        doors: doors.iter().map(|d| d.to_string()).collect(),
        schedule: schedule.map(Into::into),
    }
}

#[test]
fn a_new_group_is_checked_field_by_field_in_words() {
    let fields = with_group(
        &setup(),
        "Night",
        group("Night", &["front", "garage", "attic"], Some("Mon-Fri 25:00-26:00")),
        &doors(),
    )
    .unwrap_err();
    assert_eq!(
        fields["group.doors"],
        "“garage” and “attic” are not a door of this hub; its doors are “front” and “workshop”."
    );
    assert_eq!(
        fields["group.schedule"],
        "“Mon-Fri 25:00-26:00”: “25:00” is not a time; use HH:MM"
    );
    let fields = with_group(&setup(), "staff", group("staff", &[], None), &doors()).unwrap_err();
    assert!(
        fields["group.id"].starts_with("There is already a group “Staff”"),
        "{fields:?}"
    );
    let fields = with_group(&setup(), "A,B", group("A,B", &[], None), &doors()).unwrap_err();
    assert!(fields["group.id"].contains("comma"), "{fields:?}");
    let fields = with_group(&setup(), "Staff", group("Team", &[], None), &doors()).unwrap_err();
    assert!(fields["group.id"].contains("cannot become “Team”"), "{fields:?}");
}

#[test]
fn a_change_of_case_respells_the_group_in_its_plans() {
    let (next, before) = with_group(
        &setup(),
        "Staff",
        group("STAFF", &["front", "front"], Some(" ")),
        &doors(),
    )
    .unwrap();
    assert_eq!(before.unwrap().id, "Staff");
    assert_eq!(next.groups[0].id, "STAFF");
    assert_eq!(next.groups[0].doors, vec!["front".to_string()], "doors listed once");
    assert_eq!(next.groups[0].schedule, None, "an empty schedule means always");
    assert_eq!(next.plans[0].groups, vec!["STAFF".to_string()]);
}

#[test]
fn doors_the_configuration_dropped_open_nothing_but_the_rules_still_build() {
    let mut s = setup();
    s.groups[0].doors.push("gone".into());
    let rules = build_rules(&s, &TimeZone::UTC, &doors()).unwrap();
    assert_eq!(rules.doors().len(), 2);
}

#[test]
fn the_export_is_toml_that_reads_back_the_same_setup() {
    let mut s = setup();
    s.groups[0].schedule = Some("Mon-Fri 07:00-22:00".into());
    s.plans.push(PlanAssignment {
        plan: PlanMatch::Id("plan-fixed".into()),
        groups: vec!["Staff".into()],
    });
    let catalogue = vec![CataloguePlan {
        plan_id: "plan-fixed".into(),
        name: "Fixed \"Desk\"".into(),
    }];
    let text = to_toml(&s, &catalogue, "Lighthouse", Timestamp::UNIX_EPOCH);
    let value: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(value["extra_groups"].as_bool(), Some(true));
    assert_eq!(value["version"].as_integer(), Some(4));
    assert_eq!(value["groups"][0]["schedule"].as_str(), Some("Mon-Fri 07:00-22:00"));
    assert_eq!(value["plans"][0]["name"].as_str(), Some("Flex Desk"));
    assert_eq!(value["plans"][1]["id"].as_str(), Some("plan-fixed"));
    assert!(text.contains("# Fixed \"Desk\"\nid = \"plan-fixed\""), "{text}");
}
