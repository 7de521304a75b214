//! The signed webhook driver against a Standard Webhooks receiver double (`door_util::webhook`), and
//! the receiver half (`verify`, `Receiver`) against tampering, wrong secrets, clock skew and replay.

use crate::door_util;

use std::time::{Duration, Instant};

use base64::Engine;
use door_util::unreachable::{assert_unreachable, closed_url};
use door_util::webhook::{Fault, WebhookDouble};
use frontdoor_core::access::DoorId;
use frontdoor_core::door::webhook::{
    sign, verify, Receiver, SignatureHeaders, VerifyError, Webhook, WebhookSecret, DEFAULT_WINDOW,
};
use frontdoor_core::door::{http_client, Confirmation, DoorDriver, Error};

/// The Standard Webhooks specification's published test vector.
const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const SPEC_TIMESTAMP: i64 = 1_614_265_330;
const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const PULSE: Duration = Duration::from_millis(3000);

fn secret() -> WebhookSecret {
    WebhookSecret::parse(SPEC_SECRET).unwrap()
}

fn driver(double: &WebhookDouble, secret: WebhookSecret) -> Webhook {
    Webhook::new(http_client(), double.url(), DoorId("front".into()), secret)
}

fn at(unix_seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(unix_seconds).unwrap()
}

fn spec_headers(signature: &str) -> SignatureHeaders<'_> {
    SignatureHeaders {
        id: SPEC_ID,
        timestamp: "1614265330",
        signature,
    }
}

#[tokio::test]
async fn a_pulse_is_delivered_signed_and_verified() {
    let double = WebhookDouble::start(secret()).await;

    let outcome = driver(&double, secret()).pulse(PULSE).await.expect("pulse");

    assert_eq!(
        outcome.confirmation,
        Confirmation::Confirmed,
        "a 200 means the receiver actuated"
    );
    let deliveries = double.deliveries();
    assert_eq!(deliveries.len(), 1, "verified by the receiver and acted on once");
    let body = &deliveries[0].body;
    assert_eq!(body["door"], "front");
    assert_eq!(body["action"], "pulse");
    assert_eq!(body["duration_ms"], 3000);
    assert_eq!(
        body["request_id"], deliveries[0].id,
        "the body's request_id is the signed webhook-id"
    );
    assert!(double.refusals().is_empty());
    assert_eq!(double.requests(), 1);
}

#[tokio::test]
async fn each_pulse_has_its_own_request_id_so_the_receiver_does_not_take_it_for_a_replay() {
    let double = WebhookDouble::start(secret()).await;
    let driver = driver(&double, secret());

    driver.pulse(PULSE).await.expect("first");
    driver.pulse(PULSE).await.expect("second");

    let deliveries = double.deliveries();
    assert_eq!(deliveries.len(), 2);
    assert_ne!(deliveries[0].id, deliveries[1].id);
}

#[tokio::test]
async fn a_driver_with_the_wrong_secret_is_refused_with_words_and_nothing_is_acted_on() {
    let double = WebhookDouble::start(secret()).await;

    let error = driver(&double, WebhookSecret::generate())
        .pulse(PULSE)
        .await
        .expect_err("refused");

    assert!(matches!(error, Error::Refused { status: 401, .. }), "{error:?}");
    assert!(error.to_string().contains("rejected the signature"), "{error}");
    assert!(!error.may_have_pulsed(), "a refusal is not a maybe-opened");
    assert_eq!(double.refusals(), vec![VerifyError::BadSignature]);
    assert!(double.deliveries().is_empty());
}

#[tokio::test]
async fn a_driver_whose_clock_is_a_minute_off_is_refused_by_the_receiver() {
    fn a_minute_slow() -> jiff::Timestamp {
        jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60)
    }
    let double = WebhookDouble::start(secret()).await;

    let error = driver(&double, secret())
        .with_clock(frontdoor_core::clock::Clock::from_fn(a_minute_slow))
        .pulse(PULSE)
        .await
        .expect_err("refused");

    assert!(matches!(error, Error::Refused { status: 401, .. }), "{error:?}");
    assert!(
        matches!(double.refusals()[..], [VerifyError::OutsideWindow { .. }]),
        "{:?}",
        double.refusals()
    );
    assert!(double.deliveries().is_empty());
}

#[tokio::test]
async fn a_server_error_is_a_device_error_and_is_not_retried() {
    let double = WebhookDouble::start(secret()).await;
    double.set_fault(Fault::Status(503));

    let error = driver(&double, secret()).pulse(PULSE).await.expect_err("503");

    assert!(matches!(error, Error::DeviceError { .. }), "{error:?}");
    assert!(error.to_string().contains("HTTP 503"), "{error}");
    assert_eq!(
        double.requests(),
        1,
        "a request that reached the receiver is never sent again"
    );
}

#[tokio::test]
async fn a_timeout_says_the_door_did_not_answer_and_the_pulse_is_not_retried() {
    let double = WebhookDouble::start(secret()).await;
    double.set_fault(Fault::Delay(Duration::from_secs(2)));
    let driver = driver(&double, secret()).with_timeout(Duration::from_millis(200));

    let started = Instant::now();
    let error = driver.pulse(PULSE).await.expect_err("times out");

    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("The door did not answer"), "{error}");
    assert!(error.may_have_pulsed(), "the receiver had the command and acted on it");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(double.requests(), 1, "never sent again");
    assert_eq!(double.deliveries().len(), 1);
}

#[tokio::test]
async fn a_202_means_queued_so_the_pulse_is_sent_but_unconfirmed() {
    let double = WebhookDouble::start(secret()).await;
    double.set_fault(Fault::Accepted);

    let outcome = driver(&double, secret()).pulse(PULSE).await.expect("accepted");

    assert_eq!(outcome.confirmation, Confirmation::SentUnconfirmed);
}

#[tokio::test]
async fn an_unreachable_receiver_is_reported_as_unreachable_and_not_as_maybe_opened() {
    let url = closed_url("door").await;

    let error = Webhook::new(http_client(), url, DoorId("front".into()), secret())
        .pulse(PULSE)
        .await
        .expect_err("nobody listens");

    assert_unreachable(&error, false);
}

#[tokio::test]
async fn describe_and_debug_never_show_the_secret() {
    let double = WebhookDouble::start(secret()).await;
    let driver = driver(&double, secret());
    let refused = Webhook::new(http_client(), double.url(), DoorId("front".into()), secret())
        .with_clock(frontdoor_core::clock::Clock::manual(jiff::Timestamp::UNIX_EPOCH).0)
        .pulse(PULSE)
        .await
        .expect_err("refused");
    let receiver = Receiver::new(secret(), DEFAULT_WINDOW);

    let port = double.url().port().unwrap();
    assert_eq!(
        driver.describe(),
        format!("Signed webhook at 127.0.0.1:{port}, door front")
    );
    let encoded = SPEC_SECRET.trim_start_matches("whsec_");
    for shown in [
        driver.describe(),
        format!("{driver:?}"),
        format!("{receiver:?}"),
        format!("{refused} {refused:?}"),
    ] {
        assert!(!shown.contains(encoded), "leaks the secret: {shown}");
    }
    assert!(format!("{driver:?}").contains("[redacted]"));
}

#[test]
fn signing_reproduces_the_standard_webhooks_test_vector() {
    assert_eq!(sign(&secret(), SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY), SPEC_SIGNATURE);
}

#[test]
fn the_signature_agrees_with_an_independent_hmac_implementation() {
    let key = secret();
    let expected = hmac_sha256::HMAC::mac(b"fd_1.1700000000.{\"door\":\"front\"}", key.secret());
    let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(expected));
    assert_eq!(sign(&key, "fd_1", 1_700_000_000, br#"{"door":"front"}"#), expected);
}

#[test]
fn verify_accepts_the_test_vector_within_the_window() {
    let result = verify(
        &secret(),
        &spec_headers(SPEC_SIGNATURE),
        SPEC_BODY,
        at(SPEC_TIMESTAMP + 29),
        DEFAULT_WINDOW,
    );
    assert_eq!(result, Ok(()));
}

#[test]
fn verify_refuses_a_tampered_body() {
    let result = verify(
        &secret(),
        &spec_headers(SPEC_SIGNATURE),
        br#"{"test": 2432232315}"#,
        at(SPEC_TIMESTAMP),
        DEFAULT_WINDOW,
    );
    assert_eq!(result, Err(VerifyError::BadSignature));
}

#[test]
fn verify_refuses_a_tampered_id_because_the_id_is_signed_too() {
    let headers = SignatureHeaders {
        id: "msg_other",
        ..spec_headers(SPEC_SIGNATURE)
    };
    let result = verify(&secret(), &headers, SPEC_BODY, at(SPEC_TIMESTAMP), DEFAULT_WINDOW);
    assert_eq!(result, Err(VerifyError::BadSignature));
}

#[test]
fn verify_refuses_a_wrong_secret() {
    let result = verify(
        &WebhookSecret::generate(),
        &spec_headers(SPEC_SIGNATURE),
        SPEC_BODY,
        at(SPEC_TIMESTAMP),
        DEFAULT_WINDOW,
    );
    assert_eq!(result, Err(VerifyError::BadSignature));
}

#[test]
fn verify_refuses_a_timestamp_outside_the_window_either_way() {
    for (now, skew_secs) in [(SPEC_TIMESTAMP + 31, 31), (SPEC_TIMESTAMP - 31, -31)] {
        let result = verify(
            &secret(),
            &spec_headers(SPEC_SIGNATURE),
            SPEC_BODY,
            at(now),
            DEFAULT_WINDOW,
        );
        assert_eq!(
            result,
            Err(VerifyError::OutsideWindow {
                skew_secs,
                window: DEFAULT_WINDOW
            }),
            "a valid signature does not make an old or future request acceptable"
        );
    }
}

#[test]
fn verify_refuses_missing_headers_and_a_malformed_timestamp() {
    let none = SignatureHeaders::default();
    assert_eq!(
        verify(&secret(), &none, SPEC_BODY, at(SPEC_TIMESTAMP), DEFAULT_WINDOW),
        Err(VerifyError::MissingHeader("webhook-id"))
    );
    let bad_time = SignatureHeaders {
        timestamp: "yesterday",
        ..spec_headers(SPEC_SIGNATURE)
    };
    assert_eq!(
        verify(&secret(), &bad_time, SPEC_BODY, at(SPEC_TIMESTAMP), DEFAULT_WINDOW),
        Err(VerifyError::MalformedTimestamp)
    );
}

#[test]
fn verify_accepts_any_matching_signature_during_key_rotation() {
    let rotated = format!("v1,c29tZSBvbGQga2V5IHNpZ25hdHVyZSEhISEhISEhISE= {SPEC_SIGNATURE}");
    let result = verify(
        &secret(),
        &spec_headers(&rotated),
        SPEC_BODY,
        at(SPEC_TIMESTAMP),
        DEFAULT_WINDOW,
    );
    assert_eq!(result, Ok(()));
}

#[test]
fn a_replayed_request_is_refused_by_the_receiver_although_verify_alone_passes_it() {
    let receiver = Receiver::new(secret(), DEFAULT_WINDOW);
    let headers = spec_headers(SPEC_SIGNATURE);

    assert_eq!(receiver.accept(&headers, SPEC_BODY, at(SPEC_TIMESTAMP)), Ok(()));
    assert_eq!(
        verify(&secret(), &headers, SPEC_BODY, at(SPEC_TIMESTAMP + 5), DEFAULT_WINDOW),
        Ok(()),
        "verify is stateless: deduplication is the receiver's job"
    );
    assert_eq!(
        receiver.accept(&headers, SPEC_BODY, at(SPEC_TIMESTAMP + 5)),
        Err(VerifyError::Replayed { id: SPEC_ID.into() })
    );
    assert!(
        matches!(
            receiver.accept(&headers, SPEC_BODY, at(SPEC_TIMESTAMP + 31)),
            Err(VerifyError::OutsideWindow { .. })
        ),
        "after the window the timestamp check refuses it, so the id may be forgotten"
    );
}

#[test]
fn a_request_that_fails_verification_does_not_burn_its_id() {
    let receiver = Receiver::new(secret(), DEFAULT_WINDOW);
    let forged = spec_headers("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assert_eq!(
        receiver.accept(&forged, SPEC_BODY, at(SPEC_TIMESTAMP)),
        Err(VerifyError::BadSignature)
    );

    assert_eq!(
        receiver.accept(&spec_headers(SPEC_SIGNATURE), SPEC_BODY, at(SPEC_TIMESTAMP)),
        Ok(()),
        "a forger who guesses an id cannot block the real request"
    );
}
