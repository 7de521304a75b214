use super::*;

use crate::store::AuditEntry;

fn entry(at: &str, door: &str) -> AuditEntry {
    AuditEntry {
        at: at.parse().unwrap(),
        user_id: Some("user-sam".into()),
        membership_id: Some("mem-sam".into()),
        staff: false,
        door_id: door.into(),
        decision: "opened".into(),
        code: None,
        reasons: vec!["x".repeat(300)],
        driver: Some("shelly".into()),
        driver_result: Some("confirmed".into()),
        may_have_opened: true,
        latency_us: 1,
        check_in: None,
    }
}

fn audit_write(entry: AuditEntry) -> impl FnMut(&Connection) -> Result<i64, store::Error> + Send + 'static {
    move |conn| store::record_unlock(conn, &entry)
}

/// A store holding 2,000 audit rows from 2020 and full after them, and how many rows it holds.
fn full_of_old_rows() -> (Arc<Store>, u64) {
    let store = Arc::new(Store::in_memory().unwrap());
    let old: Vec<AuditEntry> = (0..2_000).map(|_| entry("2020-01-01T00:00:00Z", "front")).collect();
    store.insert_audit_for_tests(&old).unwrap();
    fill(&store, "2020-01-01T00:00:00Z");
    let before = store.storage().unwrap().audit_rows;
    (store, before)
}

/// Caps the store at the pages it uses now and writes rows at `at` until it is full, as a full
/// disk would be.
fn fill(store: &Store, at: &str) {
    let pages = store.page_count_for_tests().unwrap();
    store.set_max_page_count_for_tests(pages as u32).unwrap();
    for _ in 0..10_000 {
        match store.insert_audit_for_tests(&[entry(at, "front")]) {
            Ok(()) => {}
            Err(e) if e.is_full() => return,
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the capped database never filled");
}

#[tokio::test]
async fn a_write_is_answered_after_its_commit_and_a_failing_one_rolls_back_alone() {
    let store = Arc::new(Store::in_memory().unwrap());
    let journal = Journal::start(store.clone());
    let good = journal.write(|conn| {
        conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')", [])
            .map_err(store::ctx("testing"))
    });
    let bad = journal.write(|conn| {
        conn.execute("INSERT INTO meta (key, value) VALUES ('b', '1')", [])
            .map_err(store::ctx("testing"))?;
        conn.execute("INSERT INTO nowhere VALUES (1)", [])
            .map_err(store::ctx("testing"))
    });
    let (good, bad) = tokio::join!(good, bad);
    assert_eq!(good.unwrap(), 1);
    assert!(bad.is_err());
    let keys: Vec<String> = {
        let conn = store.conn();
        let mut stmt = conn.prepare("SELECT key FROM meta ORDER BY key").unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    assert_eq!(
        keys,
        vec!["a".to_string()],
        "the failing job's first insert was rolled back"
    );
}

#[tokio::test]
async fn a_panicking_write_is_answered_with_an_error_and_the_journal_goes_on() {
    let store = Arc::new(Store::in_memory().unwrap());
    let journal = Journal::start(store.clone());
    let panicked = journal
        .write(|_conn| -> Result<(), store::Error> { panic!("a bug in one write") })
        .await;
    assert!(matches!(panicked, Err(Error::Panicked)), "{panicked:?}");
    let next = journal.write(audit_write(entry("2026-01-01T00:00:00Z", "front"))).await;
    assert!(next.is_ok(), "{next:?}");
    assert_eq!(store.audit(10).unwrap().len(), 1);
}

#[tokio::test]
async fn a_writer_thread_that_ended_is_started_again_by_the_next_write() {
    let store = Arc::new(Store::in_memory().unwrap());
    let journal = Journal::ended_for_tests(store.clone());
    let written = journal.write(audit_write(entry("2026-01-01T00:00:00Z", "front"))).await;
    assert!(written.is_ok(), "{written:?}");
    let again = journal.write(audit_write(entry("2026-01-01T00:00:01Z", "front"))).await;
    assert!(again.is_ok(), "{again:?}");
    assert_eq!(store.audit(10).unwrap().len(), 2);
}

#[tokio::test]
async fn a_full_database_gives_up_its_oldest_audit_rows_so_the_newest_is_written() {
    let (store, before) = full_of_old_rows();
    let journal = Journal::start(store.clone());

    let now = Timestamp::now().to_string();
    let written = journal.write(audit_write(entry(&now, "front"))).await;

    assert!(written.is_ok(), "{written:?}");
    let rows = store.storage().unwrap().audit_rows;
    assert_eq!(
        rows,
        before - before.div_ceil(10) + 1,
        "the oldest tenth went, the newest row is in"
    );
    assert_eq!(store.audit(1).unwrap()[0].entry.at.to_string(), now);
}

#[tokio::test]
async fn a_full_database_without_old_rows_refuses_then_recovers_when_room_returns() {
    let store = Arc::new(Store::in_memory().unwrap());
    let now = Timestamp::now().to_string();
    let young: Vec<AuditEntry> = (0..500).map(|_| entry(&now, "front")).collect();
    store.insert_audit_for_tests(&young).unwrap();
    let check_in = |conn: &Connection| {
        conn.execute(
            "INSERT INTO check_ins (membership_id, day, state, queued_at, next_attempt_ms) \
             VALUES ('mem-sam', '2020-01-01', 'pending', '2020-01-01T00:00:00Z', 0)",
            [],
        )
        .map_err(store::ctx("testing"))
    };
    Journal::start(store.clone()).write(check_in).await.unwrap();
    fill(&store, &now);
    let before = store.storage().unwrap().audit_rows;
    let journal = Journal::start(store.clone());

    let refused = journal.write(audit_write(entry(&now, "front"))).await;
    assert!(
        refused.as_ref().is_err_and(|e| e.to_string().contains("full")),
        "nothing younger than a day is deleted: {refused:?}"
    );
    assert_eq!(store.storage().unwrap().audit_rows, before);
    assert_eq!(store.check_ins().unwrap().len(), 1, "the outbox is never pruned");

    store.set_max_page_count_for_tests(u32::MAX).unwrap();
    let written = journal.write(audit_write(entry(&now, "front"))).await;
    assert!(written.is_ok(), "the same journal writes again: {written:?}");
}

#[tokio::test]
async fn retention_prunes_at_start_and_stops_when_told() {
    let config = crate::base::Config::demo(&url::Url::parse("http://127.0.0.1:9/").unwrap());
    let store = Arc::new(Store::in_memory().unwrap());
    let now = Timestamp::now().to_string();
    let mut entries: Vec<AuditEntry> = (0..30).map(|_| entry("2020-01-01T00:00:00Z", "front")).collect();
    entries.extend((0..5).map(|_| entry(&now, "front")));
    store.insert_audit_for_tests(&entries).unwrap();
    let (stop, stopped) = watch::channel(false);

    let task = tokio::spawn(run_retention(
        store.clone(),
        Clock::system(),
        config.audit.clone(),
        stopped,
    ));

    let mut rows = 0;
    for _ in 0..500 {
        rows = store.storage().unwrap().audit_rows;
        if rows == 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(rows, 5, "rows past [audit] keep_days (400) went at start");
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("retention stopped when told")
        .unwrap();
}

#[tokio::test]
async fn a_disk_that_stays_full_costs_at_most_a_tenth_of_the_record_before_a_pause() {
    let (store, before) = full_of_old_rows();
    let journal = Journal::start(store.clone());
    let now = Timestamp::now().to_string();
    // Far larger than a tenth of the log: making room cannot help it.
    let mut huge = entry(&now, "front");
    huge.reasons = vec!["x".repeat(4 * 1024 * 1024)];

    assert!(journal.write(audit_write(huge.clone())).await.is_err());
    let after_first = store.storage().unwrap().audit_rows;
    assert_eq!(after_first, before - before.div_ceil(10));
    assert!(journal.write(audit_write(huge)).await.is_err());
    assert_eq!(
        store.storage().unwrap().audit_rows,
        after_first,
        "no more rows deleted while making room does not help"
    );
    // An ordinary write fits in the room made, and ends the pause.
    assert!(journal.write(audit_write(entry(&now, "front"))).await.is_ok());
}
