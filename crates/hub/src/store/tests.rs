use super::schema::SCHEMA;
use super::*;

fn entry(at: &str) -> AuditEntry {
    AuditEntry {
        at: at.parse().unwrap(),
        user_id: Some("user-sam".into()),
        membership_id: None,
        staff: false,
        door_id: "front".into(),
        decision: "refused".into(),
        code: Some("slow_down".into()),
        reasons: vec![],
        driver: None,
        driver_result: None,
        may_have_opened: false,
        latency_us: 0,
        check_in: None,
    }
}

#[test]
fn a_database_from_before_migrations_opens_with_its_data_and_gains_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.sqlite");
    {
        // What a hub before migrations made: the schema, user_version 0, some rows.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute(
            "INSERT INTO audit (at, user_id, staff, door_id, decision, reasons, may_have_opened, latency_us) \
             VALUES ('2025-05-01T08:00:00Z', 'user-sam', 0, 'front', 'opened', '[]', 1, 5)",
            [],
        )
        .unwrap();
        conn.execute("INSERT INTO meta (key, value) VALUES ('webhook_secret', 'kept')", [])
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let rows = store.audit(10).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].entry.decision.as_str(), rows[0].count), ("opened", 1));
    assert_eq!(store.webhook_secret().unwrap(), "kept");
    let version: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    drop(store);
    // Opening again changes nothing.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.audit(10).unwrap().len(), 1);
}

#[test]
fn check_ins_from_before_one_per_entry_keep_their_rows_and_a_second_entry_the_same_day_fits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.sqlite");
    {
        // A hub at migration 6: one check-in per member and day.
        let mut conn = Connection::open(&path).unwrap();
        Migrations::from_slice(&MIGRATIONS[..6]).to_latest(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO check_ins (membership_id, day, user_id, state, queued_at, attempts, next_attempt_ms, \
             cobot_id, valid_from, valid_until) VALUES ('mem-alex', '2026-11-23', 'user-alex', 'checked_in', \
             '2026-11-23T09:00:00Z', 1, 0, 'c1', '2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let rows = store.check_ins().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].state.as_str(), rows[0].cobot_id.as_deref()),
        ("checked_in", Some("c1"))
    );

    // The hourly pass ended at 10:00: an entry at 12:00 the same day queues its own.
    let intent = CheckInIntent {
        membership_id: "mem-alex".into(),
        user_id: "user-alex".into(),
        day: "2026-11-23".into(),
        at: "2026-11-23T11:00:00Z".parse().unwrap(),
        stale_before: "2026-11-23T03:00:00Z".parse().unwrap(),
        known: None,
    };
    let conn = store.conn();
    let (_, queued) = record_opening(&conn, &entry("2026-11-23T11:00:00Z"), Some(&intent), 0).unwrap();
    assert_eq!(queued, Some(Intent::Queued));
    let (_, again) = record_opening(&conn, &entry("2026-11-23T11:00:05Z"), Some(&intent), 0).unwrap();
    assert_eq!(again, Some(Intent::StillPending), "one on its way is enough");
    drop(conn);
    assert_eq!(store.check_ins().unwrap().len(), 2);
}

#[test]
fn the_migrations_are_valid() {
    Migrations::from_slice(MIGRATIONS).validate().unwrap();
}

#[test]
fn a_burst_counts_into_its_row_and_a_gone_row_is_reported() {
    let store = Store::in_memory().unwrap();
    let conn = store.conn();
    let id = record_unlock(&conn, &entry("2026-01-01T00:00:00Z")).unwrap();
    for _ in 0..4 {
        assert!(add_to_burst(&conn, id, &entry("2026-01-01T00:00:05Z")).unwrap());
    }
    let mut other = entry("2026-01-01T00:00:06Z");
    other.code = Some("no_access".into());
    assert!(!add_to_burst(&conn, id, &other).unwrap(), "another code is another row");
    assert!(!add_to_burst(&conn, id + 1, &entry("2026-01-01T00:00:06Z")).unwrap());
    drop(conn);
    let row = &store.audit(1).unwrap()[0];
    assert_eq!(row.count, 5);
    assert_eq!(row.last_at, Some("2026-01-01T00:00:05Z".parse().unwrap()));
}

#[test]
fn pruning_removes_rows_past_their_days_then_the_oldest_beyond_the_limit() {
    let store = Store::in_memory().unwrap();
    let mut entries = vec![entry("2024-01-01T00:00:00Z"); 30];
    entries.extend(vec![entry("2026-01-01T00:00:00Z"); 50]);
    let mut under_way = entry("2024-01-01T00:00:00Z");
    under_way.decision = "opening".into();
    entries.push(under_way);
    store.insert_audit_for_tests(&entries).unwrap();

    let now: Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
    let pruned = store.prune_audit(now, 400, 40).unwrap();

    assert_eq!(
        pruned,
        Pruned {
            by_age: 30,
            by_count: 11
        }
    );
    let rows = store.audit(100).unwrap();
    assert_eq!(rows.len(), 40);
    assert!(
        rows.iter().any(|r| r.entry.decision == "opening"),
        "an opening under way is never pruned"
    );
}

#[test]
fn storage_counts_rows_and_reads_the_disk_of_a_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hub.sqlite")).unwrap();
    store
        .insert_audit_for_tests(&[entry("2025-01-01T00:00:00Z"), entry("2026-01-01T00:00:00Z")])
        .unwrap();
    let storage = store.storage().unwrap();
    assert_eq!(storage.audit_rows, 2);
    assert_eq!(storage.oldest_audit_at, Some("2025-01-01T00:00:00Z".parse().unwrap()));
    assert!(storage.db_bytes > 0);
    assert!(storage.disk_free_bytes.is_some() && storage.disk_total_bytes.is_some());

    let memory = Store::in_memory().unwrap().storage().unwrap();
    assert_eq!((memory.disk_free_bytes, memory.low_disk()), (None, false));
}

#[test]
fn the_disk_is_low_below_100_mib_or_5_percent_but_never_asks_more_than_2_gib() {
    let storage = |free: u64, total: u64| Storage {
        audit_rows: 0,
        oldest_audit_at: None,
        db_bytes: 0,
        disk_free_bytes: Some(free),
        disk_total_bytes: Some(total),
    };
    const GIB: u64 = 1 << 30;
    assert!(storage(50 << 20, 10 * GIB).low_disk());
    assert!(storage(300 << 20, 8 * GIB).low_disk(), "5 % of a small card is 410 MiB");
    assert!(!storage(500 << 20, 8 * GIB).low_disk());
    assert!(!storage(200 << 20, GIB).low_disk());
    // A build server's 252 GB disk with 12 GB free is not low (5 % would be 12.6 GB) …
    assert!(!storage(12 * GIB, 252 * GIB).low_disk());
    // … until less than 2 GiB is left.
    assert!(storage(GIB + GIB / 2, 252 * GIB).low_disk());
}

#[test]
fn a_session_lookup_does_not_wait_for_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(Store::open(&dir.path().join("hub.sqlite")).unwrap());
    let row = SessionRow {
        user_id: "user-alex".into(),
        membership_id: Some("mem-alex".into()),
        staff: false,
        expires_at: 100,
        device_id: "device-1".into(),
    };
    store.put_session("hash", &row, 0).unwrap();
    // A long write (a full sync, a commit waiting for the disk) holds the writer…
    let writer = store.conn();
    let (tx, rx) = std::sync::mpsc::channel();
    let reading = store.clone();
    std::thread::spawn(move || {
        let _ = tx.send(reading.session("hash", 50).map_err(|e| e.to_string()));
    });
    // …and the lookup still answers.
    let found = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the lookup did not wait for the writer");
    drop(writer);
    assert_eq!(found, Ok(Some(row)));
}

#[test]
fn a_hub_that_leaves_its_fleet_numbers_nothing_more_for_it_and_drops_what_waited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("hub.sqlite")).unwrap();
    let t = Timestamp::UNIX_EPOCH;
    store.record_sync("full", t, t, true, "{}").unwrap();
    assert_eq!(
        store.outbox_to_send(10).unwrap().0.len(),
        0,
        "not joined: nothing numbered"
    );
    let incarnation = store.join_fleet().unwrap();
    assert_eq!(store.join_fleet().unwrap(), incarnation, "one incarnation for good");
    store.record_sync("full", t, t, true, "{}").unwrap();
    assert_eq!(store.outbox_to_send(10).unwrap().0.len(), 1);
    store.leave_fleet().unwrap();
    assert_eq!(store.outbox_to_send(10).unwrap().0.len(), 0);
    store.record_sync("full", t, t, true, "{}").unwrap();
    assert_eq!(store.outbox_to_send(10).unwrap().0.len(), 0, "left: nothing numbered");
}
