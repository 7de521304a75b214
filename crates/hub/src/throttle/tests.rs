use super::*;

#[test]
fn an_address_is_held_to_its_share_and_others_are_not_affected() {
    let throttle = Throttle::per_minute(3);
    let a: IpAddr = "192.0.2.1".parse().unwrap();
    let b: IpAddr = "192.0.2.2".parse().unwrap();
    assert!((0..3).all(|_| throttle.admit(a)));
    assert!(!throttle.admit(a), "the fourth within the minute waits");
    assert!(throttle.admit(b));
}

#[test]
fn an_ipv6_device_cannot_dodge_the_limit_by_changing_its_interface_id() {
    let throttle = Throttle::per_minute(2);
    let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
    let two: IpAddr = "2001:db8:1:2::ffff".parse().unwrap();
    assert!(throttle.admit(one));
    assert!(throttle.admit(two));
    assert!(!throttle.admit("2001:db8:1:2::abcd".parse().unwrap()));
}

#[test]
fn the_key_store_stays_bounded_under_a_flood_of_addresses() {
    let throttle = Throttle::per_minute(1);
    for i in 0..(MAX_KEYS as u32 + 500) {
        let _ = throttle.admit(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
    }
    assert!(throttle.limiter.len() <= MAX_KEYS);
}
