//! Tests of the parent module.

use super::*;

#[test]
fn error_json_is_code_and_message() {
    let json = serde_json::to_value(ErrorDto::new(ErrorCode::ExpiredCode, "m")).unwrap();
    assert_eq!(json, serde_json::json!({"code": "expired_code", "message": "m"}));
}

#[test]
fn a_cached_access_view_from_before_check_ins_still_reads() {
    let old = serde_json::json!({"as_of": "a", "fetched_at": "f", "stale": false, "plans": [], "doors": []});
    let view: AccessView = serde_json::from_value(old).unwrap();
    assert_eq!(view.check_in, None);
    assert!(view.recent_check_ins.is_empty());
}

#[test]
fn a_file_that_could_not_be_saved_has_its_own_code() {
    let json = serde_json::to_value(ErrorDto::new(ErrorCode::NotSaved, "m")).unwrap();
    assert_eq!(json, serde_json::json!({"code": "not_saved", "message": "m"}));
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
