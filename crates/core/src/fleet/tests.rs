use super::*;

#[test]
fn a_name_with_a_dot_a_wildcard_or_capitals_cannot_reach_another_hubs_subjects() {
    assert!(is_name("lisbon-2"));
    for bad in ["", "a.b", "*", ">", "A", "a b", &"x".repeat(41)] {
        assert!(!is_name(bad), "{bad:?} was taken as a name");
    }
}

#[test]
fn every_down_key_reads_back_as_what_it_says_and_unknown_keys_are_left() {
    let all = [
        Down::RevokeDevice {
            space: "lisbon".into(),
            device_id: "d-1.x".into(),
        },
        Down::RevokeStaff {
            space: "lisbon".into(),
            user_id: "u-7".into(),
        },
        Down::Access { space: "lisbon".into() },
        Down::Doors {
            space: "lisbon".into(),
            hub: "lisbon-2".into(),
        },
    ];
    for down in all {
        assert_eq!(Down::parse(&down.key()), Some(down.clone()));
    }
    for unknown in [
        "lisbon.setup",
        "lisbon.access.more",
        "lisbon.doors",
        "lisbon.doors.Hub.x",
        "lisbon.revoke.car.1",
        "lisbon.revoke.device.",
        "Lis.revoke.device.1",
    ] {
        assert_eq!(Down::parse(unknown), None, "{unknown}");
    }
}

#[test]
fn a_burst_row_counted_on_gets_a_new_dedup_id_and_a_repeat_the_same_one() {
    let line = AuditLine {
        seq: 41,
        at: "1970-01-01T00:00:00Z".into(),
        user_id: None,
        membership_id: None,
        staff: false,
        door_id: "front".into(),
        decision: "refused".into(),
        code: Some("slow_down".into()),
        reasons: vec![],
        count: 1,
        latency_us: 3,
        check_in: None,
    };
    let up = |count| Up {
        hub: "h1".into(),
        space: "lisbon".into(),
        incarnation: "a1".into(),
        event: UpEvent::Audit(AuditLine { count, ..line.clone() }),
    };
    assert_eq!(up(1).msg_id(), up(1).msg_id());
    assert_ne!(up(1).msg_id(), up(2).msg_id());
    let wire = serde_json::to_string(&up(2)).unwrap();
    assert_eq!(serde_json::from_str::<Up>(&wire).unwrap(), up(2));
}
