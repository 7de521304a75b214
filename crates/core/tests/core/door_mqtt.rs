//! The MQTT door driver against a real Mosquitto and faithful device doubles (`relay_sim::mqtt`):
//! each profile confirms through the device's own echo, the device turns itself off, and nothing
//! is ever published twice, retained, or delivered late. Every test starts its own broker on its
//! own port, so tests run in parallel.

use std::future::Future;
use std::time::Duration;

use crate::door_util::unreachable::assert_unreachable;

use frontdoor_core::door::mqtt::{Availability, Broker, BrokerOptions, Link, MqttRelay, Profile};
use frontdoor_core::door::{Confirmation, DevicePassword, DoorDriver, Error};
use relay_sim::mosquitto::Mosquitto;
use relay_sim::mqtt::{Device, Fault, Observer, QoS};

const PULSE: Duration = Duration::from_millis(300);
/// Generous bounds for waiting on events; they are never what a test asserts.
const PATIENCE: Duration = Duration::from_secs(10);
/// How long a pulse waits for an echo where a test expects none: short, so the test is quick.
const NO_ECHO: Duration = Duration::from_millis(500);

fn broker_for(mosquitto: &Mosquitto) -> Broker {
    Broker::connect(BrokerOptions::new(mosquitto.host(), mosquitto.port()))
}

/// The test's own Mosquitto, the device double `device` starts on it, and the driver's connection
/// to that broker, made in that order.
async fn start<F: Future<Output = Device>>(device: impl FnOnce(&'static str, u16) -> F) -> (Mosquitto, Device, Broker) {
    let mosquitto = Mosquitto::start().await;
    let device = device(mosquitto.host(), mosquitto.port()).await;
    let broker = broker_for(&mosquitto);
    (mosquitto, device, broker)
}

/// A relay whose subscriptions the broker has acknowledged.
async fn relay(broker: &Broker, profile: Profile) -> MqttRelay {
    let relay = MqttRelay::new(broker, profile).expect("a valid profile");
    relay.ready(PATIENCE).await.expect("the relay subscribes");
    relay
}

/// A relay that has also heard the device announce itself online.
async fn online_relay(broker: &Broker, profile: Profile) -> MqttRelay {
    let relay = relay(broker, profile).await;
    assert_eq!(
        relay.wait_for_availability(Availability::Online, PATIENCE).await,
        Availability::Online,
        "the device's retained availability reaches the driver"
    );
    relay
}

/// The whole contract of a good pulse: confirmed, exactly one command (QoS 1, not retained), one
/// pulse of the requested length, and the device turns the relay off by itself.
async fn assert_one_confirmed_pulse(device: &Device, relay_number: u32, outcome: frontdoor_core::door::PulseOutcome) {
    assert_eq!(
        outcome.confirmation,
        Confirmation::Confirmed,
        "the device echoed the command"
    );
    let commands = device.commands();
    assert_eq!(commands.len(), 1, "one pulse, one command: {commands:?}");
    assert_eq!(commands[0].qos, QoS::AtLeastOnce, "commands are published with QoS 1");
    let pulses = device.pulses();
    assert_eq!(pulses.len(), 1, "{pulses:?}");
    assert_eq!(pulses[0].relay, relay_number);
    assert_eq!(
        pulses[0].duration,
        Some(PULSE),
        "the device got the requested pulse to time itself"
    );
    let off_at = device
        .relay_becomes(relay_number, false, PATIENCE)
        .await
        .expect("the device turns the relay off by itself");
    assert!(
        off_at - pulses[0].at >= PULSE,
        "the door stays open for the whole pulse: {:?}",
        off_at - pulses[0].at
    );
    assert_eq!(device.commands_received(), 1, "the driver sent no \"off\"");
}

#[tokio::test]
async fn a_tasmota_pulse_is_confirmed_by_the_power_echo_and_the_relay_turns_itself_off() {
    let (_mosquitto, device, broker) = start(|host, port| Device::tasmota(host, port, "door1")).await;
    let relay = relay(&broker, Profile::tasmota("door1", 1)).await;

    let outcome = relay.pulse(PULSE).await.expect("pulse");

    assert_one_confirmed_pulse(&device, 1, outcome).await;
    let command = &device.commands()[0];
    assert_eq!(
        (command.topic.as_str(), command.payload.as_str()),
        ("cmnd/door1/Backlog0", "PulseTime1 3;Power1 ON"),
        "PulseTime 3 = 0.3 s, set with the command so the device always times the pulse"
    );
}

#[tokio::test]
async fn a_tasmota_with_several_relays_is_confirmed_by_its_indexed_power_echo() {
    let (_mosquitto, device, broker) = start(|host, port| Device::tasmota_with_relays(host, port, "doors", 2)).await;
    let relay = relay(&broker, Profile::tasmota("doors", 2)).await;

    let outcome = relay.pulse(PULSE).await.expect("pulse");

    assert_one_confirmed_pulse(&device, 2, outcome).await;
    assert!(!device.relay_is_on(1), "the other relay was not touched");
}

#[tokio::test]
async fn a_zigbee2mqtt_pulse_is_confirmed_by_the_state_echo_and_the_switch_turns_itself_off() {
    let (_mosquitto, device, broker) = start(|host, port| Device::zigbee2mqtt(host, port, "front-door")).await;
    let relay = relay(&broker, Profile::zigbee2mqtt("front-door")).await;

    let outcome = relay.pulse(PULSE).await.expect("pulse");

    assert_one_confirmed_pulse(&device, 0, outcome).await;
    let command = &device.commands()[0];
    assert_eq!(command.topic, "zigbee2mqtt/front-door/set");
    let payload: serde_json::Value = serde_json::from_str(&command.payload).expect("JSON");
    assert_eq!(payload, serde_json::json!({"state": "ON", "on_time": 0.3}));
}

#[tokio::test]
async fn a_shelly_pulse_over_mqtt_is_confirmed_by_its_rpc_answer_with_was_on() {
    let (_mosquitto, device, broker) = start(|host, port| Device::shelly(host, port, "shellypro1-a8032ab12345")).await;
    let relay = relay(&broker, Profile::shelly("shellypro1-a8032ab12345", 0)).await;

    let outcome = relay.pulse(PULSE).await.expect("pulse");

    assert_eq!(
        outcome.was_on,
        Some(false),
        "Shelly says whether the relay was already on"
    );
    assert_one_confirmed_pulse(&device, 0, outcome).await;
    let frame: serde_json::Value = serde_json::from_str(&device.commands()[0].payload).expect("JSON");
    assert_eq!(frame["method"], "Switch.Set");
    assert_eq!(frame["src"], broker.client_id(), "answers come back on <client id>/rpc");
    assert_eq!(
        frame["params"],
        serde_json::json!({"id": 0, "on": true, "toggle_after": 0.3})
    );
}

#[tokio::test]
async fn a_shelly_error_answer_fails_the_pulse_with_the_devices_words() {
    let (_mosquitto, device, broker) = start(|host, port| Device::shelly(host, port, "shellyplus1-0001")).await;
    let relay = relay(&broker, Profile::shelly("shellyplus1-0001", 7)).await;

    let error = relay.pulse(PULSE).await.expect_err("there is no switch 7");

    assert!(
        matches!(&error, Error::DeviceError { code: Some(-105), .. }),
        "{error:?}"
    );
    assert!(!error.may_have_pulsed(), "the device refused it");
    assert!(device.pulses().is_empty());
}

#[tokio::test]
async fn a_silent_device_that_is_online_gives_sent_unconfirmed_and_gets_one_command() {
    let (_mosquitto, device, broker) = start(|host, port| Device::tasmota(host, port, "door1")).await;
    device.set_fault(Fault::Silent).await;
    let relay = online_relay(&broker, Profile::tasmota("door1", 1))
        .await
        .with_timeout(NO_ECHO);

    let outcome = relay.pulse(PULSE).await.expect("sent, not confirmed");

    assert_eq!(outcome.confirmation, Confirmation::SentUnconfirmed);
    assert_eq!(device.commands_received(), 1, "no echo is no reason to send again");
    assert_eq!(device.pulses().len(), 1, "the device did act; only its echo was lost");
}

#[tokio::test]
async fn a_silent_device_of_unknown_availability_times_out_and_may_have_opened() {
    let mosquitto = Mosquitto::start().await;
    let device = Device::zigbee2mqtt(mosquitto.host(), mosquitto.port(), "side-door").await;
    device.set_fault(Fault::Silent).await;
    // Zigbee2MQTT only publishes availability when it is enabled: clear the retained one.
    let observer = Observer::connect(mosquitto.host(), mosquitto.port()).await;
    observer.publish("zigbee2mqtt/side-door/availability", "", true).await;
    let broker = broker_for(&mosquitto);
    let relay = relay(&broker, Profile::zigbee2mqtt("side-door"))
        .await
        .with_timeout(NO_ECHO);
    assert_eq!(relay.availability(), Availability::Unknown);

    let error = relay.pulse(PULSE).await.expect_err("no echo, no availability");

    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(
        error.may_have_pulsed(),
        "the command went out: the door may have opened"
    );
    assert_eq!(device.commands_received(), 1, "sent once, never again");
}

#[tokio::test]
async fn an_offline_device_is_refused_before_anything_is_published() {
    let (_mosquitto, device, broker) = start(|host, port| Device::shelly(host, port, "shellypro1-offline")).await;
    device.set_fault(Fault::Offline).await;
    let relay = relay(&broker, Profile::shelly("shellypro1-offline", 0)).await;
    assert_eq!(
        relay.wait_for_availability(Availability::Offline, PATIENCE).await,
        Availability::Offline
    );

    let error = relay.pulse(PULSE).await.expect_err("the device is offline");

    assert_unreachable(&error, false);
    assert!(
        error.to_string().contains("reports itself offline"),
        "the message says why: {error}"
    );
    assert_eq!(device.commands_received(), 0, "nothing was published");
}

#[tokio::test]
async fn a_device_whose_connection_dies_is_refused_through_its_last_will() {
    let (_mosquitto, device, broker) = start(|host, port| Device::tasmota(host, port, "door9")).await;
    let relay = online_relay(&broker, Profile::tasmota("door9", 1)).await;

    drop(device); // the TCP connection closes without DISCONNECT: the broker publishes the will

    assert_eq!(
        relay.wait_for_availability(Availability::Offline, PATIENCE).await,
        Availability::Offline,
        "tele/door9/LWT Offline"
    );
    let error = relay.pulse(PULSE).await.expect_err("offline");
    assert!(!error.may_have_pulsed(), "{error:?}");
}

#[tokio::test]
async fn a_broker_that_is_down_gives_a_clear_error_and_the_command_is_never_delivered_later() {
    let (mut mosquitto, device, broker) = start(|host, port| Device::tasmota(host, port, "door1")).await;
    let relay = online_relay(&broker, Profile::tasmota("door1", 1)).await;
    let mut link = broker.watch_link();

    mosquitto.stop();
    link.wait_for(|l| matches!(l, Link::Down(_)))
        .await
        .expect("the driver notices");
    let error = relay.pulse(PULSE).await.expect_err("no broker");

    assert_unreachable(&error, false);
    let message = error.to_string();
    assert!(
        message.contains(&format!("MQTT broker at {} cannot be reached", mosquitto.address())),
        "the message names the broker: {message}"
    );

    mosquitto.restart().await;
    tokio::time::timeout(PATIENCE, link.wait_for(|l| *l == Link::Up))
        .await
        .expect("the driver reconnects")
        .expect("link");
    // The restarted broker kept nothing (persistence false): "online" again means the device has
    // reconnected, resubscribed and announced itself.
    assert_eq!(
        relay.wait_for_availability(Availability::Online, PATIENCE).await,
        Availability::Online
    );
    let outcome = relay.pulse(PULSE).await.expect("pulse after the outage");

    assert_eq!(outcome.confirmation, Confirmation::Confirmed);
    assert_eq!(
        device.commands_received(),
        1,
        "only the pulse after the outage arrived; the refused one was never queued: {:?}",
        device.commands()
    );
}

#[tokio::test]
async fn no_broker_at_all_fails_at_once_with_the_broker_address() {
    let mosquitto = Mosquitto::start().await;
    let address = mosquitto.address();
    let port = mosquitto.port();
    drop(mosquitto); // nothing listens on this port now
    let broker = Broker::connect(BrokerOptions::new("127.0.0.1", port));
    let relay = MqttRelay::new(&broker, Profile::tasmota("door1", 1)).expect("profile");

    let error = relay.pulse(PULSE).await.expect_err("no broker");

    assert!(!error.may_have_pulsed(), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&format!("MQTT broker at {address} cannot be reached")),
        "{error}"
    );
}

#[tokio::test]
async fn wrong_broker_credentials_are_reported_as_a_refused_login() {
    let mosquitto = Mosquitto::start_with_login("frontdoor", "correct-horse").await;
    let wrong = Broker::connect(
        BrokerOptions::new(mosquitto.host(), mosquitto.port()).with_login("frontdoor", DevicePassword::new("nope")),
    );
    let relay = MqttRelay::new(&wrong, Profile::tasmota("door1", 1)).expect("profile");

    let error = relay.pulse(PULSE).await.expect_err("login refused");

    assert!(!error.may_have_pulsed(), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("refused Frontdoor's login"), "{message}");
    assert!(!message.contains("nope"), "never the password: {message}");
    assert!(!format!("{wrong:?}").contains("nope"), "nor in Debug output");

    let right = Broker::connect(
        BrokerOptions::new(mosquitto.host(), mosquitto.port())
            .with_login("frontdoor", DevicePassword::new("correct-horse")),
    );
    let relay = MqttRelay::new(&right, Profile::tasmota("door1", 1)).expect("profile");
    relay
        .ready(PATIENCE)
        .await
        .expect("the right password connects and subscribes");
}

#[tokio::test]
async fn the_command_is_never_retained_by_the_broker() {
    let mosquitto = Mosquitto::start().await;
    let _device = Device::tasmota(mosquitto.host(), mosquitto.port(), "door1").await;
    let broker = broker_for(&mosquitto);
    let relay = relay(&broker, Profile::tasmota("door1", 1)).await;
    relay.pulse(PULSE).await.expect("pulse");

    // A client that subscribes afterwards gets whatever the broker retained for the filter before
    // `subscribe` returns (it is a barrier). A retained unlock would open the door on every
    // device reconnect (doors.md §2.2, "ghost switching").
    let latecomer = Observer::connect(mosquitto.host(), mosquitto.port()).await;
    latecomer.subscribe("cmnd/#").await;

    assert!(
        latecomer.messages().is_empty(),
        "no retained command: {:?}",
        latecomer.messages()
    );
}

#[tokio::test]
async fn a_stale_retained_echo_does_not_confirm_a_pulse() {
    let mosquitto = Mosquitto::start().await;
    let device = Device::tasmota(mosquitto.host(), mosquitto.port(), "door1").await;
    device.set_fault(Fault::Silent).await;
    // Someone left a retained "relay on" (Tasmota's PowerRetain): the broker replays it to the
    // driver when it subscribes, and to every later subscriber.
    let observer = Observer::connect(mosquitto.host(), mosquitto.port()).await;
    observer.publish("stat/door1/RESULT", r#"{"POWER":"ON"}"#, true).await;
    observer.publish("stat/door1/POWER", "ON", true).await;
    let broker = broker_for(&mosquitto);
    let relay = online_relay(&broker, Profile::tasmota("door1", 1))
        .await
        .with_timeout(NO_ECHO);

    let outcome = relay.pulse(PULSE).await.expect("sent");

    assert_eq!(
        outcome.confirmation,
        Confirmation::SentUnconfirmed,
        "old state is not an answer to this command"
    );
    assert_eq!(device.commands_received(), 1);
}

#[tokio::test]
async fn an_echo_for_another_shelly_request_does_not_confirm_ours() {
    let (mosquitto, device, broker) = start(|host, port| Device::shelly(host, port, "shellypro1-quiet")).await;
    device.set_fault(Fault::Silent).await;
    let relay = online_relay(&broker, Profile::shelly("shellypro1-quiet", 0))
        .await
        .with_timeout(NO_ECHO);
    let spy = Observer::connect(mosquitto.host(), mosquitto.port()).await;
    spy.subscribe("shellypro1-quiet/rpc").await;

    // While our pulse waits, an answer to some other id arrives on our response topic.
    let pulse = relay.pulse(PULSE);
    let forge = async {
        spy.until(|m| m.text().contains("Switch.Set")).await;
        let response_topic = format!("{}/rpc", broker.client_id());
        spy.publish(
            &response_topic,
            r#"{"id":999999,"src":"shellypro1-quiet","dst":"x","result":{"was_on":false}}"#,
            false,
        )
        .await;
    };
    let (outcome, ()) = tokio::join!(pulse, forge);

    assert_eq!(
        outcome.expect("sent").confirmation,
        Confirmation::SentUnconfirmed,
        "only our JSON-RPC id confirms"
    );
}

#[tokio::test]
async fn concurrent_pulses_on_two_doors_over_one_connection_are_routed_to_the_right_door() {
    let mosquitto = Mosquitto::start().await;
    let front = Device::tasmota(mosquitto.host(), mosquitto.port(), "front").await;
    let back = Device::tasmota(mosquitto.host(), mosquitto.port(), "back").await;
    let garage = Device::shelly(mosquitto.host(), mosquitto.port(), "shellypro1-garage").await;
    back.set_fault(Fault::Silent).await;
    let broker = broker_for(&mosquitto);
    let front_relay = online_relay(&broker, Profile::tasmota("front", 1)).await;
    let back_relay = online_relay(&broker, Profile::tasmota("back", 1))
        .await
        .with_timeout(NO_ECHO);
    let garage_relay = online_relay(&broker, Profile::shelly("shellypro1-garage", 0)).await;
    let long = Duration::from_millis(700);

    let (front_outcome, back_outcome, garage_outcome) = tokio::join!(
        front_relay.pulse(PULSE),
        back_relay.pulse(PULSE),
        garage_relay.pulse(long)
    );

    assert_eq!(front_outcome.expect("front").confirmation, Confirmation::Confirmed);
    assert_eq!(
        back_outcome.expect("back").confirmation,
        Confirmation::SentUnconfirmed,
        "the front door's echo does not confirm the silent back door"
    );
    assert_eq!(garage_outcome.expect("garage").confirmation, Confirmation::Confirmed);
    for (device, expected) in [(&front, PULSE), (&back, PULSE), (&garage, long)] {
        let pulses = device.pulses();
        assert_eq!(pulses.len(), 1, "{device:?}: {pulses:?}");
        assert_eq!(pulses[0].duration, Some(expected), "{device:?}");
        assert_eq!(device.commands_received(), 1, "{device:?}");
    }
}

#[tokio::test]
async fn describe_names_the_profile_and_broker_but_never_credentials() {
    let mosquitto = Mosquitto::start().await;
    let broker = Broker::connect(
        BrokerOptions::new("127.0.0.1", mosquitto.port()).with_login("frontdoor", DevicePassword::new("s3cret")),
    );
    let port = mosquitto.port();
    let check = |profile: Profile, expected: String| {
        let relay = MqttRelay::new(&broker, profile).expect("profile");
        assert_eq!(relay.describe(), expected);
        assert!(!format!("{relay:?}").contains("s3cret"));
    };
    check(
        Profile::tasmota("door1", 1),
        format!("mqtt tasmota cmnd/door1 relay 1 via 127.0.0.1:{port}"),
    );
    check(
        Profile::zigbee2mqtt("front-door"),
        format!("mqtt zigbee2mqtt zigbee2mqtt/front-door via 127.0.0.1:{port}"),
    );
    check(
        Profile::shelly("shellypro1-a8032ab12345", 0),
        format!("mqtt shelly shellypro1-a8032ab12345 switch 0 via 127.0.0.1:{port}"),
    );
}

#[tokio::test]
async fn an_observer_measures_a_bare_round_trip_to_the_same_double() {
    let mosquitto = Mosquitto::start().await;
    let device = Device::tasmota(mosquitto.host(), mosquitto.port(), "door1").await;
    let client = Observer::connect(mosquitto.host(), mosquitto.port()).await;
    client.subscribe("stat/door1/RESULT").await;

    let took = client
        .round_trip("cmnd/door1/Backlog0", "PulseTime1 3;Power1 ON", |m| {
            m.topic == "stat/door1/RESULT" && m.text().contains("POWER")
        })
        .await;

    assert!(took > Duration::ZERO);
    assert_eq!(device.pulses().len(), 1);
}
