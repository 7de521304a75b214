//! Tests of the parent module.

use super::*;

#[test]
fn pulse_time_uses_tenths_up_to_eleven_seconds_then_seconds_plus_one_hundred() {
    let check = |ms: u64, expected: u32| assert_eq!(tasmota_pulse_time(Duration::from_millis(ms)), expected, "{ms} ms");
    check(0, 1); // never 0: that would disable the device-side pulse
    check(20, 1);
    check(300, 3);
    check(3_000, 30);
    check(11_100, 111);
    check(11_200, 112); // 11.2 s cannot be said in tenths: rounds to 12 s
    check(13_000, 113);
    check(100_000_000, 64_900);
}

#[test]
fn availability_payloads_are_read_per_convention() {
    use AvailabilityFormat::*;
    assert_eq!(TasmotaLwt.read(b"Online"), Availability::Online);
    assert_eq!(TasmotaLwt.read(b"Offline"), Availability::Offline);
    assert_eq!(
        TasmotaLwt.read(b""),
        Availability::Unknown,
        "a cleared retained message"
    );
    assert_eq!(Zigbee2Mqtt.read(br#"{"state":"online"}"#), Availability::Online);
    assert_eq!(Zigbee2Mqtt.read(br#"{"state":"offline"}"#), Availability::Offline);
    assert_eq!(
        Zigbee2Mqtt.read(b"offline"),
        Availability::Offline,
        "legacy plain payload"
    );
    assert_eq!(Shelly.read(b"true"), Availability::Online);
    assert_eq!(Shelly.read(b"false"), Availability::Offline);
}

#[test]
fn profiles_with_wildcards_or_empty_names_are_refused_in_words() {
    let e = Profile::tasmota("door/#", 1).check().unwrap_err();
    assert!(e.to_string().contains("wildcard"), "{e}");
    assert!(
        Profile::tasmota("door1", 0).check().is_err(),
        "Tasmota relays start at 1"
    );
    assert!(Profile::zigbee2mqtt("").check().is_err());
    assert!(Profile::shelly("$SYS", 0).check().is_err());
    assert!(Profile::shelly("shellypro1-a8032ab12345", 0).check().is_ok());
}
