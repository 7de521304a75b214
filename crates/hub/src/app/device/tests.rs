use super::*;
use crate::store::Store;

fn device(id: &str) -> DeviceRow {
    DeviceRow {
        id: id.into(),
        user_id: "user-alex".into(),
        name: "Alex".into(),
        email: None,
        device_name: "test".into(),
        staff: false,
        signed_in_at: 1000,
        last_seen_at: 1000,
        validated_at: 1000,
        cobot_token: None,
    }
}

fn session_row(id: &str) -> SessionRow {
    SessionRow {
        user_id: "user-alex".into(),
        membership_id: Some("mem-alex".into()),
        staff: false,
        expires_at: 5000,
        device_id: id.into(),
    }
}

#[test]
fn a_device_signed_out_during_its_refresh_is_issued_nothing_and_its_sessions_stop() {
    let store = Store::in_memory().unwrap();
    store.add_device(&device("d1"), "r1", "s1", &session_row("d1")).unwrap();
    assert!(matches!(store.rotate("r1", 1100).unwrap(), Rotation::Fresh(_)));
    // Staff end the device while the refresh is checking with Cobot …
    store.end_device("d1", "lost phone", 1150).unwrap();
    // … so the refresh's renewal issues nothing.
    let renewed = store
        .renew(&device("d1"), "r1", "r2", "s2", &session_row("d1"), 1200)
        .unwrap();
    assert!(matches!(renewed, Rotation::Ended | Rotation::Reused), "{renewed:?}");
    assert_eq!(store.session("s2", 1200).unwrap(), None, "no new session");
    assert_eq!(
        store.session("s1", 1200).unwrap(),
        None,
        "the old session ended with the device"
    );
}

#[test]
fn a_refresh_token_is_spent_only_by_the_renewal_and_only_once() {
    let store = Store::in_memory().unwrap();
    store.add_device(&device("d1"), "r1", "s1", &session_row("d1")).unwrap();
    // Looking at the token does not spend it: a refresh that fails half-way can be repeated.
    assert!(matches!(store.rotate("r1", 1100).unwrap(), Rotation::Fresh(_)));
    assert!(matches!(store.rotate("r1", 1101).unwrap(), Rotation::Fresh(_)));
    assert!(matches!(
        store
            .renew(&device("d1"), "r1", "r2", "s2", &session_row("d1"), 1200)
            .unwrap(),
        Rotation::Fresh(_)
    ));
    // Two refreshes raced with the same token: the second renewal finds it spent, and the chain
    // ends (one of the two holders is not the app).
    assert!(matches!(
        store
            .renew(&device("d1"), "r1", "r3", "s3", &session_row("d1"), 1201)
            .unwrap(),
        Rotation::Reused
    ));
    assert_eq!(store.session("s2", 1201).unwrap(), None);
    assert!(
        matches!(store.rotate("r2", 1202).unwrap(), Rotation::Ended | Rotation::Unknown),
        "the newest token of the chain is gone with it"
    );
}

#[test]
fn a_device_unused_for_ninety_days_is_signed_out_at_its_next_refresh() {
    let store = Store::in_memory().unwrap();
    store.add_device(&device("d1"), "r1", "s1", &session_row("d1")).unwrap();
    assert!(matches!(
        store.rotate("r1", 1000 + UNUSED_DEVICE_SECS + 1).unwrap(),
        Rotation::Ended
    ));
}
