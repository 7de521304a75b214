use super::*;

#[test]
fn the_limit_counts_requests_in_a_sliding_minute() {
    let unlocks = Unlocks::default();
    let t0 = Instant::now();
    for i in 0..3 {
        assert_eq!(unlocks.admit("u", 3, t0 + Duration::from_secs(i)), Ok(()));
    }
    assert_eq!(unlocks.admit("u", 3, t0 + Duration::from_secs(10)), Err(50));
    assert_eq!(unlocks.admit("someone else", 3, t0 + Duration::from_secs(10)), Ok(()));
    assert_eq!(unlocks.admit("u", 3, t0 + Duration::from_secs(60)), Ok(()));
}
