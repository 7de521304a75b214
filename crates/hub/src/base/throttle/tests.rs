use super::*;

#[test]
fn an_address_is_held_to_its_share_and_others_are_not_affected() {
    let throttle = Throttle::per_minute(3);
    let a: IpAddr = "192.0.2.1".parse().unwrap();
    let b: IpAddr = "192.0.2.2".parse().unwrap();
    assert!((0..3).all(|_| throttle.admit(a).is_ok()));
    let wait = throttle.admit(a).unwrap_err();
    assert!(
        (1..=20).contains(&wait.secs()),
        "the fourth within the minute waits for the next slot (a third of a minute): {wait:?}"
    );
    assert!(throttle.admit(b).is_ok());
}

#[test]
fn an_ipv6_device_cannot_dodge_the_limit_by_changing_its_interface_id() {
    let throttle = Throttle::per_minute(2);
    let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
    let two: IpAddr = "2001:db8:1:2::ffff".parse().unwrap();
    assert!(throttle.admit(one).is_ok());
    assert!(throttle.admit(two).is_ok());
    assert!(throttle.admit("2001:db8:1:2::abcd".parse().unwrap()).is_err());
}

#[test]
fn the_key_store_stays_bounded_under_a_flood_of_addresses() {
    let throttle = Throttle::per_minute(1);
    for i in 0..(MAX_KEYS as u32 + 500) {
        let _ = throttle.admit(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
    }
    assert!(throttle.limiter.len() <= MAX_KEYS);
}

#[test]
fn every_sign_in_endpoint_spends_one_budget_per_address_and_the_hub_has_one_of_its_own() {
    let throttles = Throttles::new(Limits {
        per_address: 4,
        sign_in_begins: 2,
        whole_hub: 6,
    });
    let a: IpAddr = "192.0.2.1".parse().unwrap();
    let b: IpAddr = "192.0.2.2".parse().unwrap();
    let c: IpAddr = "192.0.2.3".parse().unwrap();
    assert!(throttles.admit(Endpoint::Begin, a).is_ok());
    assert!(throttles.admit(Endpoint::Begin, a).is_ok());
    assert!(
        throttles.admit(Endpoint::Begin, a).is_err(),
        "a third begin within the minute waits"
    );
    assert!(throttles.admit(Endpoint::Token, a).is_ok());
    assert!(
        throttles.admit(Endpoint::Token, a).is_err(),
        "begins, refreshes and redeems share the address's four"
    );
    assert!(
        throttles.admit(Endpoint::Token, b).is_ok(),
        "another address is unaffected"
    );
    assert!(throttles.admit(Endpoint::Token, b).is_ok());
    assert!(throttles.admit(Endpoint::Token, c).is_ok());
    let wait = throttles
        .admit(Endpoint::Token, c)
        .expect_err("six requests in all: the hub's own budget is spent");
    assert!(wait.secs() >= 1);
}

#[test]
fn a_wait_is_whole_seconds_rounded_up() {
    assert_eq!(Wait(Duration::from_millis(10)).secs(), 1);
    assert_eq!(Wait(Duration::from_millis(1500)).secs(), 2);
    assert_eq!(Wait(Duration::ZERO).secs(), 1);
}
