//! One MQTT device double: its session on the broker (client id, Last Will, reconnects), its
//! relays with their device-side auto-off, its availability announcements, the counters tests
//! read ([`Pulse`], [`Command`]) and its [`Fault`] knob. What a command does is the vendor's
//! contract, beside this file (`tasmota.rs`, `zigbee2mqtt.rs`, `shelly.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, LastWill, MqttOptions, Packet, QoS};
use serde_json::json;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{lock, nodelay, CONNECT};

/// A misbehaviour the device can be told to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Behave.
    None,
    /// Execute commands but never publish an answer or a state (the echo is lost).
    Silent,
    /// Announce "offline" on the availability topic (retained) and ignore commands.
    Offline,
}

/// One executed "on" command.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulse {
    /// When the device executed it.
    pub at: Instant,
    /// The relay: Tasmota from 1, Shelly switch from 0, Zigbee2MQTT 0.
    pub relay: u32,
    /// The device-side pulse it was given (`PulseTime`, `on_time`, `toggle_after`); `None` means
    /// the relay stays on until told otherwise.
    pub duration: Option<Duration>,
}

/// One message a device received on its command topics.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// When it arrived.
    pub at: Instant,
    /// The topic.
    pub topic: String,
    /// The payload, as text.
    pub payload: String,
    /// The QoS it was delivered with (the publisher's, capped at the device's subscription: 1).
    pub qos: QoS,
    /// Whether the broker delivered it from its retained store.
    pub retain: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
    Tasmota { topic: String },
    Zigbee2Mqtt { base: String, device: String },
    Shelly { prefix: String },
}

/// A device double on a broker; it disconnects when dropped.
pub struct Device {
    inner: Arc<Inner>,
    task: JoinHandle<()>,
}

pub(super) struct Inner {
    pub(super) kind: Kind,
    client: AsyncClient,
    /// The protocol's number of the first relay (Tasmota 1, others 0).
    first: u32,
    pub(super) relays: Vec<Relay>,
    fault: Mutex<Fault>,
    pulses: Mutex<Vec<Pulse>>,
    commands: Mutex<Vec<Command>>,
    /// The device's own last availability message as it came back from the broker (live, not
    /// retained): `Some(true)` online, `Some(false)` offline, `None` since the last (re)connect.
    announced: watch::Sender<Option<bool>>,
}

pub(super) struct Relay {
    pub(super) on: watch::Sender<bool>,
    /// Bumped on every change, so an older auto-off timer knows it was superseded.
    generation: AtomicU64,
    /// Tasmota `PulseTime<n>` as set.
    pub(super) pulse_time: AtomicU64,
}

impl Device {
    /// A one-relay Tasmota with topic `topic` (`cmnd/<topic>/…`), like a Sonoff Basic.
    pub async fn tasmota(host: &str, port: u16, topic: &str) -> Device {
        Device::tasmota_with_relays(host, port, topic, 1).await
    }

    /// A Tasmota with `relays` relays (`Power1`…), which then answers `POWER<n>` with the index.
    pub async fn tasmota_with_relays(host: &str, port: u16, topic: &str, relays: u32) -> Device {
        Device::start(host, port, Kind::Tasmota { topic: topic.into() }, 1, relays).await
    }

    /// A Zigbee switch called `device` behind Zigbee2MQTT (base topic `zigbee2mqtt`).
    pub async fn zigbee2mqtt(host: &str, port: u16, device: &str) -> Device {
        let kind = Kind::Zigbee2Mqtt {
            base: "zigbee2mqtt".into(),
            device: device.into(),
        };
        Device::start(host, port, kind, 0, 1).await
    }

    /// A one-switch Shelly Gen2+ (a Plus 1 / Pro 1) with MQTT prefix `prefix`.
    pub async fn shelly(host: &str, port: u16, prefix: &str) -> Device {
        Device::start(host, port, Kind::Shelly { prefix: prefix.into() }, 0, 1).await
    }

    async fn start(host: &str, port: u16, kind: Kind, first: u32, relays: u32) -> Device {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let (client_id, will) = match &kind {
            Kind::Tasmota { topic } => (
                format!("DVES_{}_{n}", sanitise(topic)),
                LastWill::new(format!("tele/{topic}/LWT"), "Offline", QoS::AtLeastOnce, true),
            ),
            Kind::Zigbee2Mqtt { base, device } => (
                format!("zigbee2mqtt_{}_{n}", sanitise(device)),
                LastWill::new(
                    format!("{base}/bridge/state"),
                    r#"{"state":"offline"}"#,
                    QoS::AtLeastOnce,
                    true,
                ),
            ),
            Kind::Shelly { prefix } => (
                format!("{}_{n}", sanitise(prefix)),
                LastWill::new(format!("{prefix}/online"), "false", QoS::AtLeastOnce, true),
            ),
        };
        let mut options = MqttOptions::new(client_id, host, port);
        options.set_clean_session(true);
        options.set_keep_alive(Duration::from_secs(5));
        options.set_last_will(will);
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        eventloop.set_network_options(nodelay());
        let inner = Arc::new(Inner {
            kind,
            client,
            first,
            relays: (0..relays)
                .map(|_| Relay {
                    on: watch::channel(false).0,
                    generation: AtomicU64::new(0),
                    pulse_time: AtomicU64::new(0),
                })
                .collect(),
            fault: Mutex::new(Fault::None),
            pulses: Mutex::new(Vec::new()),
            commands: Mutex::new(Vec::new()),
            announced: watch::channel(None).0,
        });
        let task = tokio::spawn(device_loop(eventloop, inner.clone()));
        let device = Device { inner, task };
        device.until_ready().await;
        device
    }

    /// Waits until the device is connected and its "online" announcement has reached the broker
    /// (after a start, or after a broker restart).
    pub async fn until_ready(&self) {
        let mut announced = self.inner.announced.subscribe();
        let waited = tokio::time::timeout(CONNECT, announced.wait_for(|a| *a == Some(true))).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "the {} double did not come online within {CONNECT:?}",
            self.inner.name()
        );
    }

    /// Every executed "on" command, in order.
    pub fn pulses(&self) -> Vec<Pulse> {
        lock(&self.inner.pulses).clone()
    }

    /// Every message received on the command topics, executed or not.
    pub fn commands(&self) -> Vec<Command> {
        lock(&self.inner.commands).clone()
    }

    /// How many messages arrived on the command topics.
    pub fn commands_received(&self) -> usize {
        lock(&self.inner.commands).len()
    }

    /// Changes the device's behaviour. Going [`Fault::Offline`] (or back) publishes the
    /// availability message and returns once the broker has passed it on.
    pub async fn set_fault(&self, fault: Fault) {
        let before = std::mem::replace(&mut *lock(&self.inner.fault), fault);
        let online = match (before == Fault::Offline, fault == Fault::Offline) {
            (false, true) => false,
            (true, false) => true,
            _ => return,
        };
        let mut announced = self.inner.announced.subscribe();
        announced.mark_unchanged();
        self.inner.announce(online);
        let waited = tokio::time::timeout(CONNECT, announced.wait_for(|a| *a == Some(online))).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "the broker did not pass on the availability"
        );
    }

    /// Whether relay `relay` (the protocol's number) is on now.
    pub fn relay_is_on(&self, relay: u32) -> bool {
        *self.inner.relay(relay).on.borrow()
    }

    /// Follows relay `relay`: `true` while it is on.
    pub fn watch(&self, relay: u32) -> watch::Receiver<bool> {
        self.inner.relay(relay).on.subscribe()
    }

    /// Waits until relay `relay` is `on`, for at most `within`; when it happened (as observed).
    pub async fn relay_becomes(&self, relay: u32, on: bool, within: Duration) -> Option<Instant> {
        let mut watching = self.watch(relay);
        let reached = matches!(
            tokio::time::timeout(within, watching.wait_for(|v| *v == on)).await,
            Ok(Ok(_))
        );
        reached.then(Instant::now)
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("kind", &self.inner.kind)
            .finish_non_exhaustive()
    }
}

fn sanitise(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

async fn device_loop(mut eventloop: EventLoop, inner: Arc<Inner>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = Duration::from_millis(50);
                inner.connected();
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => inner.received(publish),
            Ok(_) => {}
            Err(_) => {
                inner.announced.send_replace(None);
                eventloop.clean();
                eventloop.pending.clear();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
        }
    }
}

impl Inner {
    fn name(&self) -> String {
        match &self.kind {
            Kind::Tasmota { topic } => format!("Tasmota “{topic}”"),
            Kind::Zigbee2Mqtt { device, .. } => format!("Zigbee2MQTT “{device}”"),
            Kind::Shelly { prefix } => format!("Shelly “{prefix}”"),
        }
    }

    pub(super) fn relay(&self, relay: u32) -> &Relay {
        relay
            .checked_sub(self.first)
            .and_then(|i| self.relays.get(i as usize))
            .unwrap_or_else(|| panic!("the {} double has no relay {relay}", self.name()))
    }

    fn fault(&self) -> Fault {
        *lock(&self.fault)
    }

    /// The command filter and the device's own availability topic.
    fn subscriptions(&self) -> Vec<String> {
        match &self.kind {
            Kind::Tasmota { topic } => vec![format!("cmnd/{topic}/#"), format!("tele/{topic}/LWT")],
            Kind::Zigbee2Mqtt { base, device } => vec![
                format!("{base}/{device}/set"),
                format!("{base}/{device}/get"),
                format!("{base}/{device}/availability"),
            ],
            Kind::Shelly { prefix } => vec![format!("{prefix}/rpc"), format!("{prefix}/online")],
        }
    }

    /// The device's own availability topic and its payload for `online`.
    fn availability(&self, online: bool) -> (String, String) {
        match &self.kind {
            Kind::Tasmota { topic } => (
                format!("tele/{topic}/LWT"),
                if online { "Online" } else { "Offline" }.into(),
            ),
            Kind::Zigbee2Mqtt { base, device } => (
                format!("{base}/{device}/availability"),
                json!({"state": if online { "online" } else { "offline" }}).to_string(),
            ),
            Kind::Shelly { prefix } => (format!("{prefix}/online"), online.to_string()),
        }
    }

    fn connected(&self) {
        for filter in self.subscriptions() {
            let _ = self.client.try_subscribe(filter, QoS::AtLeastOnce);
        }
        if let Kind::Zigbee2Mqtt { base, .. } = &self.kind {
            self.publish(
                format!("{base}/bridge/state"),
                json!({"state": "online"}).to_string(),
                true,
            );
        }
        // Subscribed first, so the announcement comes back to us: then the broker has it.
        self.announce(self.fault() != Fault::Offline);
    }

    fn announce(&self, online: bool) {
        let (topic, payload) = self.availability(online);
        self.publish(topic, payload, true);
    }

    fn publish(&self, topic: String, payload: String, retain: bool) {
        // `try_publish`: this runs on the task that polls the connection, which must not wait
        // for its own queue.
        if let Err(e) = self.client.try_publish(topic, QoS::AtLeastOnce, retain, payload) {
            eprintln!("relay-sim: the {} double could not publish: {e}", self.name());
        }
    }

    /// Publishes a device answer unless the device is silent.
    pub(super) fn answer(&self, topic: String, payload: String) {
        if self.fault() == Fault::None {
            self.publish(topic, payload, false);
        }
    }

    fn received(self: &Arc<Self>, publish: rumqttc::Publish) {
        let text = String::from_utf8_lossy(&publish.payload).into_owned();
        let (own_availability, _) = self.availability(true);
        if publish.topic == own_availability {
            if !publish.retain {
                let online = match &self.kind {
                    Kind::Tasmota { .. } => text == "Online",
                    Kind::Zigbee2Mqtt { .. } => text.contains("\"online\""),
                    Kind::Shelly { .. } => text == "true",
                };
                self.announced.send_replace(Some(online));
            }
            return;
        }
        lock(&self.commands).push(Command {
            at: Instant::now(),
            topic: publish.topic.clone(),
            payload: text.clone(),
            qos: publish.qos,
            retain: publish.retain,
        });
        if self.fault() == Fault::Offline {
            return;
        }
        match &self.kind {
            Kind::Tasmota { .. } => self.tasmota(&publish.topic, &text),
            Kind::Zigbee2Mqtt { .. } => self.zigbee2mqtt(&publish.topic, &text),
            Kind::Shelly { .. } => self.shelly(&text),
        }
    }

    /// Switches relay `relay` and, with a pulse, arms the device-side auto-off. Returns whether it
    /// was on before.
    pub(super) fn switch(self: &Arc<Self>, relay: u32, on: bool, pulse: Option<Duration>) -> bool {
        let state = self.relay(relay);
        let generation = state.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let was_on = state.on.send_replace(on);
        if on {
            lock(&self.pulses).push(Pulse {
                at: Instant::now(),
                relay,
                duration: pulse,
            });
        }
        if let (true, Some(pulse)) = (on, pulse) {
            let device = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(pulse).await;
                let state = device.relay(relay);
                if state.generation.load(Ordering::SeqCst) == generation {
                    state.generation.fetch_add(1, Ordering::SeqCst);
                    state.on.send_replace(false);
                    device.report(relay, false);
                }
            });
        }
        was_on
    }

    /// Publishes a relay change the way the device does on its own (after an auto-off).
    fn report(&self, relay: u32, on: bool) {
        match &self.kind {
            Kind::Tasmota { .. } => self.tasmota_power_report(relay, on),
            Kind::Zigbee2Mqtt { .. } => self.zigbee2mqtt_state(on),
            Kind::Shelly { .. } => self.shelly_status(relay, on, None),
        }
    }
}
