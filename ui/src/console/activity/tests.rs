//! Tests of the parent module.

use super::*;

fn who(row: &ActivityRow) -> String {
    who_in(row, Lang::En)
}

fn reasons(row: &ActivityRow) -> String {
    reasons_in(row, Lang::En)
}

fn sorted(rows: &[ActivityRow], column: Column, descending: bool) -> Vec<ActivityRow> {
    sorted_in(rows, column, descending, Lang::En)
}

fn row(id: i64, outcome: &str) -> ActivityRow {
    ActivityRow {
        id,
        at: format!("2026-11-23T09:{:02}:00Z", id % 60),
        last_at: None,
        user_id: Some("user-alex".into()),
        who: Some("Alex Morgan".into()),
        staff: false,
        door: "front".into(),
        door_name: Some("Front door".into()),
        outcome: outcome.into(),
        code: None,
        reasons: vec![],
        driver_result: None,
        latency_ms: id as f64,
        count: 1,
        check_in: None,
    }
}

fn page(ids: &[i64], next: Option<i64>) -> ActivityPage {
    ActivityPage {
        rows: ids.iter().map(|&id| row(id, "opened")).collect(),
        next_before_id: next,
    }
}

fn ids(log: &Log) -> Vec<i64> {
    log.rows.iter().map(|r| r.id).collect()
}

fn reduce(log: Log, action: LogAction) -> Log {
    (*Rc::new(log).reduce(action)).clone()
}

#[test]
fn without_older_pages_a_live_update_replaces_the_rows() {
    let log = reduce(
        Log::default(),
        LogAction::Newest {
            generation: 0,
            page: page(&[5, 4], None),
        },
    );
    let log = reduce(
        log,
        LogAction::Newest {
            generation: 0,
            page: page(&[7, 6, 5], Some(5)),
        },
    );
    assert_eq!(ids(&log), vec![7, 6, 5]);
    assert_eq!(log.next_before_id, Some(5), "Older continues below the newest page");
}

#[test]
fn with_older_pages_a_live_update_adds_to_the_top_and_keeps_the_older_rows() {
    let log = reduce(
        Log::default(),
        LogAction::Newest {
            generation: 0,
            page: page(&[9, 8], Some(8)),
        },
    );
    let log = reduce(
        log,
        LogAction::Older {
            generation: 0,
            page: page(&[7, 6], Some(6)),
        },
    );
    assert_eq!(ids(&log), vec![9, 8, 7, 6]);
    let mut fresh = page(&[10, 9], Some(9));
    fresh.rows[1].count = 3;
    let log = reduce(
        log,
        LogAction::Newest {
            generation: 0,
            page: fresh,
        },
    );
    assert_eq!(ids(&log), vec![10, 9, 8, 7, 6], "nothing lost, nothing twice");
    assert_eq!(log.rows[1].count, 3, "a changed row is shown as it is now");
    assert_eq!(log.next_before_id, Some(6), "Older still continues where it was");
}

#[test]
fn a_live_update_that_does_not_reach_the_loaded_rows_starts_again_from_the_newest() {
    let mut log = Log {
        rows: page(&[5, 4], None).rows,
        next_before_id: Some(4),
        older_loaded: true,
        ..Log::default()
    };
    merge_newest(&mut log, page(&[20, 19], Some(19)));
    assert_eq!(ids(&log), vec![20, 19], "no gap is shown as if it were complete");
    assert!(!log.older_loaded);
}

#[test]
fn answers_for_filters_no_longer_in_force_are_dropped() {
    let log = reduce(Log::default(), LogAction::Filter(ActivityFilterDto::default()));
    assert_eq!(log.generation, 1);
    let after = reduce(
        log.clone(),
        LogAction::Newest {
            generation: 0,
            page: page(&[3], None),
        },
    );
    assert_eq!(after, log);
    let after = reduce(
        log,
        LogAction::Failed {
            generation: 1,
            error: ErrorDto::new(ErrorCode::Invalid, "bad"),
        },
    );
    assert_eq!(after.error.map(|e| e.message), Some("bad".into()));
    assert!(!after.loading);
}

#[test]
fn columns_sort_both_ways() {
    let mut rows = vec![row(1, "refused"), row(3, "opened"), row(2, "merged")];
    rows[0].who = Some("zoe".into());
    rows[1].who = Some("Alex".into());
    rows[2].who = Some("bea".into());
    let order = |column, descending| -> Vec<i64> { sorted(&rows, column, descending).iter().map(|r| r.id).collect() };
    assert_eq!(order(Column::When, true), vec![3, 2, 1]);
    assert_eq!(order(Column::Who, false), vec![3, 2, 1], "names without regard to case");
    assert_eq!(order(Column::Outcome, false), vec![2, 3, 1]);
    assert_eq!(order(Column::Latency, true), vec![3, 2, 1]);
}

#[test]
fn a_remote_open_reads_as_such_and_codes_come_first() {
    let mut r = row(1, "opened");
    r.reasons = vec!["staff_remote".into(), "Courier for Alex".into()];
    assert_eq!(reasons(&r), "Opened remotely by staff: Courier for Alex");
    r.reasons = vec!["Closed on Sundays".into()];
    r.code = Some("no_access".into());
    assert_eq!(reasons(&r), "no_access: Closed on Sundays");
    r.who = None;
    r.user_id = None;
    assert_eq!(who(&r), "no session");
    assert_eq!(ms(Some(12_345)), "12.3 ms");
    assert_eq!(ms(None), "—");
    assert_eq!(moment("2026-11-23T09:00:05.123Z", Lang::En), "2026-11-23 09:00:05 UTC");
}

#[test]
fn a_reason_is_one_line_of_one_to_two_hundred_characters() {
    assert_eq!(check_reason("  Courier  "), Ok("Courier".to_string()));
    assert!(check_reason("   ").is_err());
    assert!(check_reason(&"x".repeat(201)).is_err());
    assert!(check_reason(&"é".repeat(200)).is_ok(), "characters, not bytes");
    assert!(check_reason("a\nb").is_err());
}
