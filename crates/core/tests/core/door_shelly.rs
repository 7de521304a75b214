//! The Shelly drivers against a faithful local double (`door_util`): pulses, digest and Basic auth,
//! and every failure a door can show — above all, that nothing is ever pulsed twice.

use crate::door_util;

use std::time::{Duration, Instant};

use door_util::unreachable::{assert_unreachable, closed_url};
use door_util::{Api, Fault, ShellyDouble};
use frontdoor_core::door::shelly::{ShellyGen1, ShellyGen2};
use frontdoor_core::door::{http_client, Confirmation, DevicePassword, DoorDriver, Error};

const PASSWORD: &str = "correct-horse-door-7";
const PULSE: Duration = Duration::from_millis(300);

fn gen2(double: &ShellyDouble) -> ShellyGen2 {
    ShellyGen2::new(http_client(), double.url(), 0)
}

#[tokio::test]
async fn a_pulse_turns_the_relay_on_and_it_turns_itself_off_after_the_duration() {
    let double = ShellyDouble::start().await;
    let driver = gen2(&double);

    let outcome = driver.pulse(PULSE).await.expect("pulse");

    assert_eq!(
        outcome.confirmation,
        Confirmation::Confirmed,
        "the device answered with a result"
    );
    assert_eq!(outcome.was_on, Some(false));
    assert!(
        outcome.latency < Duration::from_secs(1),
        "loopback: {:?}",
        outcome.latency
    );
    assert!(double.relay_is_on(0), "the relay is on right after the answer");
    let pulses = double.pulses();
    assert_eq!(pulses.len(), 1);
    assert_eq!(
        (pulses[0].api, pulses[0].channel, pulses[0].seconds),
        (Api::Gen2, 0, Some(0.3))
    );

    let off_at = double
        .relay_becomes(0, false, Duration::from_secs(3))
        .await
        .expect("turns off");
    assert!(
        off_at - pulses[0].at >= PULSE,
        "the device keeps the door open for the whole pulse: {:?}",
        off_at - pulses[0].at
    );
    assert_eq!(
        double.requests(),
        1,
        "the device turned itself off; the driver sent no \"off\""
    );
}

#[tokio::test]
async fn digest_auth_works_and_the_second_pulse_needs_one_round_trip() {
    let double = ShellyDouble::start().await.with_password(PASSWORD);
    let driver = gen2(&double).with_password(DevicePassword::new(PASSWORD));

    driver.pulse(PULSE).await.expect("first pulse");
    assert_eq!(
        double.requests(),
        2,
        "the first pulse pays for the challenge: 401, then the command"
    );

    let outcome = driver.pulse(PULSE).await.expect("second pulse");
    assert_eq!(
        double.requests(),
        3,
        "the cached nonce is reused with the next nc: one round trip"
    );
    assert_eq!(outcome.was_on, Some(true), "the first pulse's timer was still running");
    assert_eq!(double.pulses().len(), 2);
}

#[tokio::test]
async fn an_expired_nonce_is_renewed_once_and_the_pulse_still_happens() {
    let double = ShellyDouble::start().await.with_password(PASSWORD);
    let driver = gen2(&double).with_password(DevicePassword::new(PASSWORD));
    driver.pulse(PULSE).await.expect("first pulse");
    double.expire_nonces();

    driver
        .pulse(PULSE)
        .await
        .expect("pulse after the device forgot the nonce");

    assert_eq!(double.requests(), 4, "stale nonce → 401 → answered challenge");
    assert_eq!(
        double.pulses().len(),
        2,
        "a 401 executes nothing, so the re-auth cannot pulse twice"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_message_that_says_so_and_no_pulse_happens() {
    let double = ShellyDouble::start().await.with_password(PASSWORD);
    let driver = gen2(&double).with_password(DevicePassword::new("wrong-password"));

    let error = driver.pulse(PULSE).await.expect_err("refused");

    assert!(matches!(error, Error::Refused { status: 401, .. }), "{error:?}");
    assert!(error.to_string().contains("rejected the password"), "{error}");
    assert!(!error.may_have_pulsed());
    assert!(double.pulses().is_empty());
    assert_eq!(double.requests(), 2, "one challenge answered, then stop: no 401 loop");
}

#[tokio::test]
async fn a_protected_device_without_a_configured_password_is_refused_and_says_what_to_configure() {
    let double = ShellyDouble::start().await.with_password(PASSWORD);
    let error = gen2(&double).pulse(PULSE).await.expect_err("refused");
    assert!(error.to_string().contains("none is configured"), "{error}");
    assert!(double.pulses().is_empty());
}

#[tokio::test]
async fn a_timeout_says_the_door_did_not_answer_and_the_pulse_is_not_retried() {
    let double = ShellyDouble::start().await;
    double.set_fault(Fault::Delay(Duration::from_secs(2)));
    let driver = gen2(&double).with_timeout(Duration::from_millis(200));

    let started = Instant::now();
    let error = driver.pulse(PULSE).await.expect_err("times out");

    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        error.to_string().to_lowercase().contains("the door did not answer"),
        "{error}"
    );
    assert!(
        error.may_have_pulsed(),
        "the command was sent; the audit must say the door may have opened"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "the timeout holds: {:?}",
        started.elapsed()
    );
    assert_eq!(
        double.requests(),
        1,
        "a request that may have reached the device is never sent again"
    );
    assert!(double.pulses().len() <= 1);
}

#[tokio::test]
async fn a_dropped_connection_after_the_request_is_not_retried() {
    let double = ShellyDouble::start().await;
    let driver = gen2(&double);
    // Warm the pool first, so the failing request runs on a reused keep-alive connection too.
    driver.pulse(PULSE).await.expect("warm-up pulse");
    double.set_fault(Fault::DropAfterRead);

    let error = driver.pulse(PULSE).await.expect_err("no answer");

    assert_unreachable(&error, true);
    assert!(error.to_string().contains("may have opened"), "{error}");
    assert_eq!(double.requests(), 2, "exactly one attempt for the failing pulse");
    assert_eq!(
        double.pulses().len(),
        2,
        "the device acted once per attempt, and there was one attempt"
    );
}

#[tokio::test]
async fn an_unreachable_device_is_reported_as_unreachable() {
    let driver = ShellyGen2::new(http_client(), closed_url("").await, 0);

    let error = driver.pulse(PULSE).await.expect_err("nobody listens");

    assert_unreachable(&error, false);
    assert!(error.to_string().contains("could not be reached"), "{error}");
}

#[tokio::test]
async fn a_server_error_is_a_device_error_and_is_not_retried() {
    let double = ShellyDouble::start().await;
    double.set_fault(Fault::Status500);

    let error = gen2(&double).pulse(PULSE).await.expect_err("500");

    assert!(matches!(error, Error::DeviceError { .. }), "{error:?}");
    assert_eq!(double.requests(), 1);
    assert!(double.pulses().is_empty());
}

#[tokio::test]
async fn a_json_rpc_error_is_a_device_error() {
    let double = ShellyDouble::start().await;
    let driver = ShellyGen2::new(http_client(), double.url(), 3);

    let error = driver.pulse(PULSE).await.expect_err("no switch 3");

    match &error {
        Error::DeviceError { code, message } => {
            assert_eq!(*code, Some(-105), "Shelly's \"not found\"");
            assert!(message.contains("not found"), "{message}");
        }
        other => panic!("expected a device error, got {other:?}"),
    }
    assert!(error.to_string().contains("reported an error (-105)"), "{error}");
    assert!(double.pulses().is_empty());
}

#[tokio::test]
async fn gen1_with_basic_auth_pulses_with_a_timer() {
    let double = ShellyDouble::start().await.with_gen1_login("door", PASSWORD);
    let driver = ShellyGen1::new(http_client(), double.url(), 0).with_login("door", DevicePassword::new(PASSWORD));

    let outcome = driver.pulse(Duration::from_millis(1500)).await.expect("pulse");

    assert_eq!(
        outcome.confirmation,
        Confirmation::Confirmed,
        "the relay status says ison"
    );
    let pulses = double.pulses();
    assert_eq!(pulses.len(), 1);
    assert_eq!(
        (pulses[0].api, pulses[0].seconds),
        (Api::Gen1, Some(2.0)),
        "Gen1 timers are whole seconds, rounded up"
    );
    assert_eq!(double.requests(), 1, "Basic auth is sent up front: one round trip");
    let off_at = double
        .relay_becomes(0, false, Duration::from_secs(4))
        .await
        .expect("turns off");
    assert!(off_at - pulses[0].at >= Duration::from_secs(2));
}

#[tokio::test]
async fn gen1_with_a_wrong_password_is_refused_and_no_pulse_happens() {
    let double = ShellyDouble::start().await.with_gen1_login("door", PASSWORD);
    let driver = ShellyGen1::new(http_client(), double.url(), 0).with_login("door", DevicePassword::new("nope"));

    let error = driver.pulse(PULSE).await.expect_err("refused");

    assert!(matches!(error, Error::Refused { status: 401, .. }), "{error:?}");
    assert!(
        error.to_string().contains("rejected the user name or password"),
        "{error}"
    );
    assert!(double.pulses().is_empty());
}

#[tokio::test]
async fn describe_and_debug_never_show_the_password() {
    let double = ShellyDouble::start().await.with_password(PASSWORD);
    let gen2 = gen2(&double).with_password(DevicePassword::new(PASSWORD));
    let gen1 = ShellyGen1::new(http_client(), double.url(), 0).with_login("door", DevicePassword::new(PASSWORD));
    let refused = ShellyGen2::new(http_client(), double.url(), 0)
        .with_password(DevicePassword::new("wrong"))
        .pulse(PULSE)
        .await
        .expect_err("refused");

    let port = double.url().port().unwrap();
    assert_eq!(gen2.describe(), format!("Shelly Gen2 at 127.0.0.1:{port}, switch 0"));
    assert_eq!(gen1.describe(), format!("Shelly Gen1 at 127.0.0.1:{port}, relay 0"));
    for shown in [
        gen2.describe(),
        gen1.describe(),
        format!("{gen2:?}"),
        format!("{gen1:?}"),
        format!("{refused} {refused:?}"),
    ] {
        assert!(
            !shown.contains(PASSWORD) && !shown.contains("wrong\""),
            "leaks a password: {shown}"
        );
    }
    assert!(format!("{gen2:?}").contains("[redacted]"));
}
