//! MQTT relays and locks (doors.md §2): Tasmota, Zigbee2MQTT switches and Shelly Gen2+ over MQTT,
//! through one long-lived connection per broker.
//!
//! # Pieces
//!
//! - [`Broker`]: **one** MQTT connection (rumqttc, MQTT 3.1.1) shared by every door on that broker.
//!   A task keeps polling it and reconnects with backoff; it routes incoming messages to waiting
//!   pulses and remembers each device's availability (Last Will / availability topics).
//! - [`MqttRelay`]: one door on a [`Broker`], described by a [`Profile`]; it implements
//!   [`DoorDriver`].
//!
//! Make one [`Broker`] per broker address and login, and hand clones of it to every door there.
//!
//! # Profiles: the exact topics and payloads
//!
//! `<d>` is the pulse duration. Every command is published **QoS 1, retain = false**.
//!
//! | profile | command | echo that confirms | availability |
//! |---|---|---|---|
//! | [`Profile::Tasmota`] `{topic, relay: n}` | `cmnd/<topic>/Backlog0` `PulseTime<n> <v>;Power<n> ON` | `stat/<topic>/RESULT` `{"POWER<n>":"ON"}` (for n = 1 also `{"POWER":"ON"}`), or `stat/<topic>/POWER<n>` `ON` (n = 1: also `stat/<topic>/POWER`) | `tele/<topic>/LWT` `Online` / `Offline` (retained; `Offline` is the Last Will) |
//! | [`Profile::Zigbee2Mqtt`] `{base_topic, device}` | `<base>/<device>/set` `{"state":"ON","on_time":<seconds>}` | `<base>/<device>` `{"state":"ON",…}` | `<base>/<device>/availability` `{"state":"online"}` / `{"state":"offline"}` (or the legacy plain `online`/`offline`); `<base>/bridge/state` `offline` makes every device offline |
//! | [`Profile::Shelly`] `{prefix, switch_id: n}` | `<prefix>/rpc` `{"id":<id>,"src":"<client id>","method":"Switch.Set","params":{"id":n,"on":true,"toggle_after":<seconds>}}` | `<client id>/rpc` `{"id":<id>,"src":…,"dst":"<client id>","result":{"was_on":…}}`; an `"error":{"code","message"}` answer fails the pulse | `<prefix>/online` `true` / `false` (retained; `false` is the Last Will) |
//!
//! Tasmota's `PulseTime` is 1..=111 in tenths of a second (0.1–11.1 s) and 112..=64900 in whole
//! seconds + 100 (see [`tasmota_pulse_time`]); `0` would switch the pulse *off*, so it is never
//! sent. `Backlog0` runs both commands without Tasmota's 200 ms backlog delay (`SetOption34`);
//! Tasmota parses a trailing number as an index, so firmware that predates `Backlog0` runs it as a
//! plain `Backlog` — still correct, 200 ms slower. `PulseTime` is a setting Tasmota keeps: sending
//! the same value each time changes nothing, and sending it with the command means the door can
//! never stay open because the device's setting was lost or never made.
//!
//! A Zigbee2MQTT switch only turns itself off if its converter supports `on_time` (Zigbee
//! `onWithTimedOff`); for one that does not, Zigbee2MQTT ignores `on_time` and the relay stays on.
//! Check the device page before using this profile for a door.
//!
//! # Confirmation (doors.md §2.2)
//!
//! A broker's PUBACK only proves the *broker* got the command, so a pulse waits for the
//! **device's own echo**:
//!
//! - the echo comes in time → [`Confirmation::Confirmed`];
//! - no echo in time, and the device is known to be online (its retained availability says so) →
//!   [`Confirmation::SentUnconfirmed`], for the audit log's "sent, not confirmed";
//! - no echo in time and the availability is unknown (or went offline meanwhile) →
//!   [`Error::Timeout`]: the door may have opened;
//! - the device is known to be **offline** → refused *before* publishing
//!   ([`Error::Unreachable`], `may_have_pulsed: false`).
//!
//! ## Stale echoes never confirm
//!
//! A message only counts as an echo if it arrived **after our command was handed to the
//! connection**: every incoming message gets a sequence number from the connection task, and the
//! pulse records the sequence number at the moment it publishes (both under one lock). Retained
//! messages (the broker replaying old state at subscription time) never count either. Beyond that:
//!
//! - Shelly answers the JSON-RPC `id` we sent, on a topic only this connection listens to, so its
//!   echo is exact;
//! - Tasmota and Zigbee2MQTT echo *state*, not requests: any "relay on" report that arrives after
//!   our publish confirms it, including one caused by someone else's command at the same moment.
//!   That is the most these protocols allow.
//!
//! # A pulse is sent at most once (the module-wide invariant, see [`super`])
//!
//! - One publish per pulse; nothing is retried. QoS 1 lets the broker deliver a duplicate; with a
//!   device-side pulse that only re-arms the device's timer (doors.md §2.3).
//! - `clean_session = true`, and the client never keeps a command across a disconnection:
//!   rumqttc would re-send unacknowledged publishes and deliver requests queued while the
//!   connection was down as soon as it comes back — an unlock delivered minutes late. Instead, a
//!   pulse only publishes while the connection is up (checked under the same lock the connection
//!   task takes when it goes down), and the connection task drops everything still queued before
//!   it reconnects.
//! - A pulse whose connection breaks after it published fails with `may_have_pulsed: true`: the
//!   command may or may not have reached the broker.
//!
//! # Latency
//!
//! `TCP_NODELAY` is on (doors.md §2.4 measured 44–88 ms per hop without it; the broker needs
//! `set_tcp_nodelay true` too). [`PulseOutcome::latency`] runs from the publish to the echo.
//!
//! # Not covered
//!
//! No TLS yet (a LAN broker). A broker ACL that silently drops our publish looks like a silent
//! device (MQTT 3.1.1 has no way to say "denied" for a publish); an ACL that denies a subscription
//! is reported.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, NetworkOptions, Outgoing, Packet,
    QoS, StateError, SubscribeFilter, SubscribeReasonCode,
};
use serde_json::{json, Value};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use super::{shelly, Confirmation, DevicePassword, DoorDriver, Error, PulseFuture, PulseOutcome, DEFAULT_TIMEOUT};

/// Zigbee2MQTT's default base topic.
pub const ZIGBEE2MQTT_BASE_TOPIC: &str = "zigbee2mqtt";

/// The default MQTT keep-alive: a dead connection is noticed within about twice this.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Requests (publishes, subscriptions) the client may queue for the connection task.
const REQUEST_CAPACITY: usize = 256;
/// Incoming messages a pulse may fall behind before it misses some (it then cannot confirm).
const MESSAGE_CAPACITY: usize = 256;
/// Topics per SUBSCRIBE packet, well under rumqttc's 10 KiB packet limit.
const TOPICS_PER_SUBSCRIBE: usize = 32;
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

mod broker;
mod profile;
pub use broker::*;
pub use profile::*;

// ---------------------------------------------------------------------------------------------
// The driver

/// One door on an MQTT broker.
pub struct MqttRelay {
    broker: Broker,
    profile: Profile,
    timeout: Duration,
    command_topic: String,
    echo_topics: Vec<String>,
    /// The device's own availability topic first, then anything that can only veto it.
    availability_topics: Vec<String>,
}

impl fmt::Debug for MqttRelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MqttRelay")
            .field("profile", &self.profile)
            .field("broker", &self.broker.address())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// What a message means to a waiting pulse.
enum Verdict {
    Confirmed { was_on: Option<bool> },
    Failed(Error),
    NotAnEcho,
}

impl MqttRelay {
    /// A door on `broker` following `profile`, with [`DEFAULT_TIMEOUT`]. Subscribes to the echo
    /// and availability topics (again after every reconnect); a pulse waits for the broker's
    /// SUBACK before it publishes, so an echo cannot slip past. Doors on the same device share
    /// the subscriptions, which last as long as the connection.
    pub fn new(broker: &Broker, profile: Profile) -> Result<MqttRelay, InvalidProfile> {
        profile.check()?;
        let shared = broker.shared();
        let (command_topic, echo_topics, availability) = match &profile {
            Profile::Tasmota { topic, relay } => {
                let mut echo = vec![format!("stat/{topic}/RESULT"), format!("stat/{topic}/POWER{relay}")];
                if *relay == 1 {
                    echo.push(format!("stat/{topic}/POWER"));
                }
                (
                    format!("cmnd/{topic}/Backlog0"),
                    echo,
                    vec![(format!("tele/{topic}/LWT"), AvailabilityFormat::TasmotaLwt)],
                )
            }
            Profile::Zigbee2Mqtt { base_topic, device } => (
                format!("{base_topic}/{device}/set"),
                vec![format!("{base_topic}/{device}")],
                vec![
                    (
                        format!("{base_topic}/{device}/availability"),
                        AvailabilityFormat::Zigbee2Mqtt,
                    ),
                    (format!("{base_topic}/bridge/state"), AvailabilityFormat::Zigbee2Mqtt),
                ],
            ),
            Profile::Shelly { prefix, .. } => (
                format!("{prefix}/rpc"),
                vec![format!("{}/rpc", shared.client_id)],
                vec![(format!("{prefix}/online"), AvailabilityFormat::Shelly)],
            ),
        };
        let mut topics: Vec<(String, Option<AvailabilityFormat>)> =
            echo_topics.iter().map(|t| (t.clone(), None)).collect();
        topics.extend(availability.iter().map(|(t, f)| (t.clone(), Some(*f))));
        shared.register(&topics);
        Ok(MqttRelay {
            broker: broker.clone(),
            profile,
            timeout: DEFAULT_TIMEOUT,
            command_topic,
            echo_topics,
            availability_topics: availability.into_iter().map(|(t, _)| t).collect(),
        })
    }

    /// The same relay with another timeout (default [`DEFAULT_TIMEOUT`]): the whole pulse, from
    /// waiting for the connection to the device's echo.
    pub fn with_timeout(mut self, timeout: Duration) -> MqttRelay {
        self.timeout = timeout;
        self
    }

    /// The profile this relay follows.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The topic commands are published on.
    pub fn command_topic(&self) -> &str {
        &self.command_topic
    }

    /// What the device's availability topics say now.
    pub fn availability(&self) -> Availability {
        self.broker.shared().availability(&self.availability_topics)
    }

    /// Waits until the availability is `wanted`, for at most `within`; returns what it is then.
    pub async fn wait_for_availability(&self, wanted: Availability, within: Duration) -> Availability {
        let shared = self.broker.shared();
        let deadline = Instant::now() + within;
        let mut changes = shared.changes.subscribe();
        loop {
            let now = self.availability();
            if now == wanted {
                return now;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                _ => return self.availability(),
            }
        }
    }

    /// Waits (at most `within`) until the connection is up and the broker acknowledged this
    /// relay's subscriptions, i.e. until a pulse could be published now.
    pub async fn ready(&self, within: Duration) -> Result<(), Error> {
        self.ready_by(Instant::now() + within).await
    }

    async fn ready_by(&self, deadline: Instant) -> Result<(), Error> {
        let shared = self.broker.shared();
        let mut changes = shared.changes.subscribe();
        loop {
            {
                let routes = shared.lock();
                if routes.up {
                    let states: Vec<Subscription> = self
                        .echo_topics
                        .iter()
                        .chain(&self.availability_topics)
                        .map(|t| routes.topics.get(t).map_or(Subscription::Pending, |r| r.subscription))
                        .collect();
                    if states.iter().all(|s| *s == Subscription::Active) {
                        return Ok(());
                    }
                    if let Some((topic, _)) = self
                        .echo_topics
                        .iter()
                        .chain(&self.availability_topics)
                        .zip(&states)
                        .find(|(_, s)| **s == Subscription::Refused)
                    {
                        return Err(Error::Unreachable {
                            detail: format!(
                                "the door's MQTT broker at {} refused Frontdoor's subscription to {topic}; \
                                 check the broker's ACL for Frontdoor's user",
                                shared.address
                            ),
                            may_have_pulsed: false,
                            source: None,
                        });
                    }
                } else if let Link::Down(_) = &*shared.link.borrow() {
                    return Err(shared.unreachable(false));
                }
            }
            if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
                let routes = shared.lock();
                return Err(if routes.up {
                    Error::Unreachable {
                        detail: format!(
                            "the door's MQTT broker at {} did not acknowledge Frontdoor's subscriptions in time",
                            shared.address
                        ),
                        may_have_pulsed: false,
                        source: None,
                    }
                } else {
                    shared.unreachable(false)
                });
            }
        }
    }

    fn describe_device(&self) -> String {
        match &self.profile {
            Profile::Tasmota { topic, .. } => format!("the Tasmota device “{topic}”"),
            Profile::Zigbee2Mqtt { device, .. } => format!("the Zigbee2MQTT device “{device}”"),
            Profile::Shelly { prefix, .. } => format!("the Shelly “{prefix}”"),
        }
    }

    /// The command's payload, and the JSON-RPC id for Shelly.
    fn command(&self, duration: Duration) -> (Vec<u8>, Option<u64>) {
        match &self.profile {
            Profile::Tasmota { relay, .. } => {
                let pulse_time = tasmota_pulse_time(duration);
                (
                    format!("PulseTime{relay} {pulse_time};Power{relay} ON").into_bytes(),
                    None,
                )
            }
            Profile::Zigbee2Mqtt { .. } => (
                json!({"state": "ON", "on_time": tenths_of_seconds(duration)})
                    .to_string()
                    .into_bytes(),
                None,
            ),
            Profile::Shelly { switch_id, .. } => {
                let shared = self.broker.shared();
                let id = shared.next_rpc_id.fetch_add(1, Ordering::Relaxed);
                let frame = shelly::switch_set(id, &shared.client_id, *switch_id, duration);
                (frame.to_string().into_bytes(), Some(id))
            }
        }
    }

    /// Whether `message` (already known to be fresh and not retained) answers our command.
    fn judge(&self, message: &Message, rpc_id: Option<u64>) -> Verdict {
        if !self.echo_topics.iter().any(|t| **t == *message.topic) {
            return Verdict::NotAnEcho;
        }
        let text = String::from_utf8_lossy(&message.payload);
        match &self.profile {
            Profile::Tasmota { relay, .. } => {
                let on = |v: &str| v.trim().eq_ignore_ascii_case("on");
                if message.topic.ends_with("/RESULT") {
                    let Ok(Value::Object(result)) = serde_json::from_str::<Value>(&text) else {
                        return Verdict::NotAnEcho;
                    };
                    let keys = [format!("POWER{relay}"), "POWER".to_string()];
                    let keys = if *relay == 1 { &keys[..] } else { &keys[..1] };
                    if keys
                        .iter()
                        .any(|k| result.get(k).and_then(Value::as_str).is_some_and(on))
                    {
                        return Verdict::Confirmed { was_on: None };
                    }
                    Verdict::NotAnEcho
                } else if on(&text) {
                    Verdict::Confirmed { was_on: None }
                } else {
                    Verdict::NotAnEcho
                }
            }
            Profile::Zigbee2Mqtt { .. } => {
                let state = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("state").and_then(Value::as_str).map(str::to_owned));
                match state {
                    Some(state) if state.eq_ignore_ascii_case("on") => Verdict::Confirmed { was_on: None },
                    _ => Verdict::NotAnEcho,
                }
            }
            Profile::Shelly { .. } => {
                let Ok(frame) = serde_json::from_str::<Value>(&text) else {
                    return Verdict::NotAnEcho;
                };
                if rpc_id.is_none() || frame.get("id").and_then(Value::as_u64) != rpc_id {
                    return Verdict::NotAnEcho;
                }
                if let Some(error) = shelly::rpc_error(&frame) {
                    return Verdict::Failed(error);
                }
                match shelly::was_on(&frame) {
                    Some(was_on) => Verdict::Confirmed { was_on: Some(was_on) },
                    None => Verdict::Failed(Error::Malformed(format!(
                        "a Shelly answer without result.was_on: {}",
                        text.chars().take(200).collect::<String>()
                    ))),
                }
            }
        }
    }

    async fn pulse_now(&self, duration: Duration) -> Result<PulseOutcome, Error> {
        let deadline = Instant::now() + self.timeout;
        let shared = self.broker.shared();
        self.ready_by(deadline).await?;
        if self.availability() == Availability::Offline {
            return Err(Error::Unreachable {
                detail: format!(
                    "{} reports itself offline on {}; nothing was sent",
                    self.describe_device(),
                    self.availability_topics.join(" / ")
                ),
                may_have_pulsed: false,
                source: None,
            });
        }
        let (payload, rpc_id) = self.command(duration);
        // Listen before publishing, so the echo cannot arrive unheard.
        let mut messages = shared.messages.subscribe();
        let mut link = shared.link.subscribe();
        let started = Instant::now();
        let published_after = shared.publish(&self.command_topic, payload)?;
        tracing::debug!(topic = %self.command_topic, "door command published");
        loop {
            tokio::select! {
                received = messages.recv() => match received {
                    Ok(message) if message.seq > published_after && !message.retained => {
                        match self.judge(&message, rpc_id) {
                            Verdict::Confirmed { was_on } => {
                                return Ok(PulseOutcome {
                                    confirmation: Confirmation::Confirmed,
                                    latency: started.elapsed(),
                                    was_on,
                                })
                            }
                            Verdict::Failed(e) => return Err(e),
                            Verdict::NotAnEcho => {}
                        }
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a door pulse fell behind the MQTT messages; it may miss its echo");
                    }
                    Err(broadcast::error::RecvError::Closed) => return Err(shared.unreachable(true)),
                },
                // The link was up when we published; any change since means the connection broke,
                // and the command may or may not have left (a reconnect drops what was queued).
                _ = link.changed() => return Err(shared.unreachable(true)),
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        // No echo in time.
        if self.availability() == Availability::Online {
            tracing::info!(topic = %self.command_topic, "door command sent; the device is online but did not confirm");
            Ok(PulseOutcome {
                confirmation: Confirmation::SentUnconfirmed,
                latency: started.elapsed(),
                was_on: None,
            })
        } else {
            Err(Error::Timeout { after: self.timeout })
        }
    }
}

impl DoorDriver for MqttRelay {
    fn pulse(&self, duration: Duration) -> PulseFuture<'_> {
        Box::pin(self.pulse_now(duration))
    }

    fn describe(&self) -> String {
        let via = self.broker.address();
        match &self.profile {
            Profile::Tasmota { topic, relay } => format!("mqtt tasmota cmnd/{topic} relay {relay} via {via}"),
            Profile::Zigbee2Mqtt { base_topic, device } => format!("mqtt zigbee2mqtt {base_topic}/{device} via {via}"),
            Profile::Shelly { prefix, switch_id } => format!("mqtt shelly {prefix} switch {switch_id} via {via}"),
        }
    }

    fn reach(&self) -> super::Reach {
        if let Link::Down(why) = self.broker.link() {
            return super::Reach::LinkDown(why);
        }
        match self.availability() {
            Availability::Online => super::Reach::Online,
            Availability::Offline => super::Reach::Offline,
            Availability::Unknown => super::Reach::Unknown,
        }
    }
}

#[cfg(test)]
mod tests;
