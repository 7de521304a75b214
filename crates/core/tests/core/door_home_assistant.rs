//! The Home Assistant driver against a REST double (`door_util::home_assistant`): service calls,
//! the bearer token, unknown entities, and failures that must not be retried.

use crate::door_util;

use std::time::{Duration, Instant};

use door_util::home_assistant::{Fault, HomeAssistantDouble, ServiceCall};
use door_util::unreachable::assert_unreachable;
use frontdoor_core::door::home_assistant::{HomeAssistant, HomeAssistantToken, Service};
use frontdoor_core::door::{http_client, Confirmation, DoorDriver, Error};

const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.long-lived-door-token";
const LOCK: &str = "lock.front_door";
const PULSE: Duration = Duration::from_secs(3);

async fn home_assistant() -> HomeAssistantDouble {
    HomeAssistantDouble::start(TOKEN, &[LOCK, "button.workshop_strike", "switch.office_strike"]).await
}

fn unlock(double: &HomeAssistantDouble, token: &str, entity: &str) -> HomeAssistant {
    HomeAssistant::new(
        http_client(),
        double.url(),
        HomeAssistantToken::new(token),
        Service::LockUnlock,
        entity,
    )
    .expect("a lock entity")
}

#[tokio::test]
async fn unlock_works_and_is_recorded_once() {
    let double = home_assistant().await;

    let outcome = unlock(&double, TOKEN, LOCK).pulse(PULSE).await.expect("unlock");

    assert_eq!(
        outcome.confirmation,
        Confirmation::Confirmed,
        "the lock is among the changed states"
    );
    assert_eq!(
        double.calls(),
        vec![ServiceCall {
            domain: "lock".into(),
            service: "unlock".into(),
            entity_id: LOCK.into()
        }]
    );
    assert_eq!(double.requests(), 1);
}

#[tokio::test]
async fn a_button_press_calls_button_press() {
    let double = home_assistant().await;
    let driver = HomeAssistant::new(
        http_client(),
        double.url(),
        HomeAssistantToken::new(TOKEN),
        Service::ButtonPress,
        "button.workshop_strike",
    )
    .unwrap();

    driver.pulse(PULSE).await.expect("press");

    let calls = double.calls();
    assert_eq!(
        (calls[0].domain.as_str(), calls[0].service.as_str()),
        ("button", "press")
    );
}

#[tokio::test]
async fn a_self_closing_switch_is_turned_on_and_confirmed() {
    let double = home_assistant().await;
    let driver = HomeAssistant::new(
        http_client(),
        double.url(),
        HomeAssistantToken::new(TOKEN),
        Service::SwitchTurnOnSelfClosing,
        "switch.office_strike",
    )
    .unwrap();

    let outcome = driver.pulse(PULSE).await.expect("turn on");

    assert_eq!(outcome.confirmation, Confirmation::Confirmed);
    let calls = double.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (
            calls[0].domain.as_str(),
            calls[0].service.as_str(),
            calls[0].entity_id.as_str()
        ),
        ("switch", "turn_on", "switch.office_strike")
    );
}

#[tokio::test]
async fn an_answer_without_the_entity_is_sent_but_unconfirmed() {
    let double = home_assistant().await;
    double.set_fault(Fault::EmptyStates);

    let outcome = unlock(&double, TOKEN, LOCK).pulse(PULSE).await.expect("sent");

    assert_eq!(
        outcome.confirmation,
        Confirmation::SentUnconfirmed,
        "HA's 10 s cap answers [] while the lock may still move"
    );
}

#[tokio::test]
async fn a_wrong_token_is_refused_with_words_and_nothing_is_recorded() {
    let double = home_assistant().await;

    let error = unlock(&double, "stolen-or-revoked", LOCK)
        .pulse(PULSE)
        .await
        .expect_err("refused");

    assert!(matches!(error, Error::Refused { status: 401, .. }), "{error:?}");
    assert!(
        error.to_string().contains("Home Assistant refused the token"),
        "{error}"
    );
    assert!(!error.may_have_pulsed());
    assert!(double.calls().is_empty());
    assert_eq!(double.requests(), 1, "a 401 from HA is final: no retry");
}

#[tokio::test]
async fn an_unknown_entity_is_refused() {
    let double = home_assistant().await;

    let error = unlock(&double, TOKEN, "lock.back_door")
        .pulse(PULSE)
        .await
        .expect_err("unknown");

    assert!(matches!(error, Error::Refused { status: 404, .. }), "{error:?}");
    assert!(error.to_string().contains("lock.back_door"), "{error}");
    assert!(double.calls().is_empty());
}

#[tokio::test]
async fn a_timeout_says_the_door_did_not_answer_and_is_not_retried() {
    let double = home_assistant().await;
    double.set_fault(Fault::Delay(Duration::from_secs(2)));
    let driver = unlock(&double, TOKEN, LOCK).with_timeout(Duration::from_millis(200));

    let started = Instant::now();
    let error = driver.pulse(PULSE).await.expect_err("times out");

    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("The door did not answer"), "{error}");
    assert!(error.may_have_pulsed(), "HA had the call; the lock may have opened");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    assert_eq!(double.requests(), 1, "never sent again");
    assert!(double.calls().len() <= 1);
}

#[tokio::test]
async fn a_dropped_connection_after_the_call_is_not_retried() {
    let double = home_assistant().await;
    double.set_fault(Fault::DropAfterRead);

    let error = unlock(&double, TOKEN, LOCK).pulse(PULSE).await.expect_err("no answer");

    assert_unreachable(&error, true);
    assert_eq!(double.requests(), 1);
    assert_eq!(double.calls().len(), 1, "executed once, reported as maybe opened");
}

#[tokio::test]
async fn describe_and_debug_never_show_the_token() {
    let double = home_assistant().await;
    let driver = unlock(&double, TOKEN, LOCK);
    let refused = unlock(&double, &format!("{TOKEN}-wrong"), LOCK)
        .pulse(PULSE)
        .await
        .expect_err("refused");

    let port = double.url().port().unwrap();
    assert_eq!(
        driver.describe(),
        format!("Home Assistant at 127.0.0.1:{port}, lock.unlock lock.front_door")
    );
    for shown in [
        driver.describe(),
        format!("{driver:?}"),
        format!("{refused} {refused:?}"),
    ] {
        assert!(!shown.contains(TOKEN), "leaks the token: {shown}");
    }
    assert!(format!("{driver:?}").contains("[redacted]"));
}
