//! Tests of the parent module.

use super::*;

#[test]
fn error_json_is_code_and_message() {
    // A file that could not be saved has a code of its own, as every other error.
    for (code, sent) in [
        (ErrorCode::ExpiredCode, "expired_code"),
        (ErrorCode::NotSaved, "not_saved"),
    ] {
        let json = serde_json::to_value(ErrorDto::new(code, "m")).unwrap();
        assert_eq!(json, serde_json::json!({"code": sent, "message": "m"}));
    }
}

#[test]
fn a_cached_access_view_from_before_check_ins_still_reads() {
    let old = serde_json::json!({"as_of": "a", "fetched_at": "f", "stale": false, "plans": [], "doors": []});
    let view: AccessView = serde_json::from_value(old).unwrap();
    assert_eq!(view.check_in, None);
    assert!(view.recent_check_ins.is_empty());
}

#[test]
fn activity_filters_may_leave_any_filter_out() {
    let filter: ActivityFilterDto = serde_json::from_value(serde_json::json!({"door": "front"})).unwrap();
    assert_eq!(
        filter,
        ActivityFilterDto {
            door: Some("front".into()),
            ..ActivityFilterDto::default()
        }
    );
}

#[test]
fn token_storage_json_is_tagged() {
    let json = serde_json::to_value(TokenStorage::MemoryOnly { reason: "r".into() }).unwrap();
    assert_eq!(json, serde_json::json!({"kind": "memory_only", "reason": "r"}));
}
