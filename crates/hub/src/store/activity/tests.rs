use super::*;

#[test]
fn the_start_of_a_second_sorts_before_its_fractions_and_after_the_second_before() {
    let t: Timestamp = "2026-11-23T09:00:00.75Z".parse().unwrap();
    assert_eq!(second_of(t), "2026-11-23T09:00:00");
    assert!("2026-11-23T09:00:00.5Z" >= second_of(t).as_str());
    assert!("2026-11-23T08:59:59.999Z" < second_of(t).as_str());
    assert!("2026-11-23T09:00:00.999Z" < format!("{}~", second_of(t)).as_str());
}
