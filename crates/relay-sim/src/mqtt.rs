//! MQTT device doubles (doors.md §2.1, §8(c)): each is an rumqttc client on a real broker that
//! follows one vendor's contract, with a relay that turns itself off on the double's own timer,
//! counters tests can read and a [`Fault`] knob. Plus [`Observer`], a plain client for spying on
//! topics and for measuring a bare MQTT round trip.
//!
//! # The contracts
//!
//! **Tasmota** ([`Device::tasmota`]), topic `<t>`, relays numbered from 1:
//!
//! - listens on `cmnd/<t>/#`: `Power<n>` (`ON`/`1`/`true`, `OFF`/`0`/`false`, `TOGGLE`/`2`, empty =
//!   report), `PulseTime<n>` (0..=64900; 1..=111 tenths of a second, 112.. seconds + 100; empty =
//!   report) and `Backlog` / `Backlog0` (`;`-separated commands; plain `Backlog` waits 200 ms
//!   between them, Tasmota's `SetOption34` default, `Backlog0` does not);
//! - answers every command on `stat/<t>/RESULT`: `{"POWER":"ON"}` on a one-relay device,
//!   `{"POWER<n>":"ON"}` on a multi-relay one (Tasmota drops the index when there is one relay),
//!   `{"PulseTime<n>":{"Set":v,"Remaining":v}}`, `{"Command":"Unknown"}`, `{"Command":"Error"}`;
//!   and every power change also on `stat/<t>/POWER` (or `POWER<n>`) as `ON` / `OFF`;
//! - a relay switched on with a `PulseTime` turns itself off after it and reports `OFF`;
//! - availability: retained `tele/<t>/LWT` `Online`, the Last Will `Offline` (retained).
//!
//! **Zigbee2MQTT switch** ([`Device::zigbee2mqtt`]), friendly name `<d>`, base `zigbee2mqtt`:
//!
//! - listens on `zigbee2mqtt/<d>/set`: `{"state":"ON"|"OFF"|"TOGGLE","on_time":<seconds>}`
//!   (`on_time` = Zigbee `onWithTimedOff`, the device turns itself off) and `zigbee2mqtt/<d>/get`;
//! - publishes its state on `zigbee2mqtt/<d>`: `{"state":"ON","linkquality":…}`;
//! - availability: retained `zigbee2mqtt/<d>/availability` `{"state":"online"}`; as the
//!   bridge, retained `zigbee2mqtt/bridge/state` `{"state":"online"}` with the Last Will
//!   `{"state":"offline"}`.
//!
//! **Shelly Gen2+ over MQTT** ([`Device::shelly`]), prefix `<p>`, switches from 0:
//!
//! - listens on `<p>/rpc` for JSON-RPC frames `{"id","src","method","params"}`: `Switch.Set
//!   {id, on, toggle_after}`, `Switch.GetStatus {id}`, `Shelly.GetDeviceInfo`;
//! - answers on `<src>/rpc`: `{"id","src":"<p>","dst":"<src>","result":{"was_on":…}}`, or
//!   `{"error":{"code":-105,"message":"Argument 'id', value 7 not found!"}}` for a bad switch and
//!   `{"error":{"code":404,…}}` for an unknown method; a frame without `src` gets no answer (there
//!   is nowhere to send it);
//! - publishes `<p>/status/switch:<n>` (`{"id","source":"MQTT","output",…}`) on every change;
//! - availability: retained `<p>/online` `true`, the Last Will `false` (retained).
//!
//! # Faults
//!
//! [`Fault::Silent`] executes commands but never publishes anything (a lost echo);
//! [`Fault::Offline`] publishes its "offline" availability (what the broker does with the Last
//! Will when a device drops off) and ignores commands. Commands are counted whatever the fault.
//!
//! # Measuring a bare MQTT round trip (for the hub's benchmark)
//!
//! ```no_run
//! # async fn bench() {
//! use relay_sim::mosquitto::Mosquitto;
//! use relay_sim::mqtt::{Device, Observer};
//! let broker = Mosquitto::start().await;
//! let _door = Device::tasmota(broker.host(), broker.port(), "door1").await;
//! let client = Observer::connect(broker.host(), broker.port()).await;
//! client.subscribe("stat/door1/RESULT").await;
//! let took = client
//!     .round_trip("cmnd/door1/Backlog0", "PulseTime1 30;Power1 ON", |m| {
//!         m.topic == "stat/door1/RESULT" && m.text().contains("POWER")
//!     })
//!     .await;
//! # let _ = took; }
//! ```
//!
//! That is the same publish (QoS 1, `TCP_NODELAY`) and the same echo the driver waits for, with
//! nothing around it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, LastWill, MqttOptions, NetworkOptions, Packet};
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The QoS type of [`Command::qos`] and [`Message::qos`].
pub use rumqttc::QoS;

/// How long a double waits for the broker before a test gives up.
const CONNECT: Duration = Duration::from_secs(10);
/// Tasmota's default delay between `Backlog` commands (`SetOption34` = 200 ms).
const BACKLOG_DELAY: Duration = Duration::from_millis(200);

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
enum Kind {
    Tasmota { topic: String },
    Zigbee2Mqtt { base: String, device: String },
    Shelly { prefix: String },
}

/// A device double on a broker; it disconnects when dropped.
pub struct Device {
    inner: Arc<Inner>,
    task: JoinHandle<()>,
}

struct Inner {
    kind: Kind,
    client: AsyncClient,
    /// The protocol's number of the first relay (Tasmota 1, others 0).
    first: u32,
    relays: Vec<Relay>,
    fault: Mutex<Fault>,
    pulses: Mutex<Vec<Pulse>>,
    commands: Mutex<Vec<Command>>,
    /// The device's own last availability message as it came back from the broker (live, not
    /// retained): `Some(true)` online, `Some(false)` offline, `None` since the last (re)connect.
    announced: watch::Sender<Option<bool>>,
}

struct Relay {
    on: watch::Sender<bool>,
    /// Bumped on every change, so an older auto-off timer knows it was superseded.
    generation: AtomicU64,
    /// Tasmota `PulseTime<n>` as set.
    pulse_time: AtomicU64,
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

fn nodelay() -> NetworkOptions {
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    network
}

fn sanitise(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
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

    fn relay(&self, relay: u32) -> &Relay {
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
    fn answer(&self, topic: String, payload: String) {
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
    fn switch(self: &Arc<Self>, relay: u32, on: bool, pulse: Option<Duration>) -> bool {
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

    // --- Tasmota -------------------------------------------------------------------------------

    fn tasmota(self: &Arc<Self>, topic: &str, payload: &str) {
        let command = topic.rsplit('/').next().unwrap_or_default();
        let (name, index) = split_index(command);
        if name.eq_ignore_ascii_case("backlog") {
            let commands: Vec<String> = payload
                .split(';')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if index == Some(0) {
                for command in commands {
                    self.tasmota_command(&command);
                }
            } else {
                let device = self.clone();
                tokio::spawn(async move {
                    for (i, command) in commands.iter().enumerate() {
                        if i > 0 {
                            tokio::time::sleep(BACKLOG_DELAY).await;
                        }
                        device.tasmota_command(command);
                    }
                });
            }
        } else {
            self.tasmota_execute(name, index, payload.trim());
        }
    }

    /// One backlog entry: `PulseTime1 3`, `Power1 ON`.
    fn tasmota_command(self: &Arc<Self>, line: &str) {
        let (command, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let (name, index) = split_index(command);
        self.tasmota_execute(name, index, value.trim());
    }

    fn tasmota_execute(self: &Arc<Self>, name: &str, index: Option<u32>, value: &str) {
        let Kind::Tasmota { topic } = &self.kind else { return };
        let result = format!("stat/{topic}/RESULT");
        let relay = index.unwrap_or(1);
        let valid = relay >= 1 && relay < 1 + self.relays.len() as u32;
        match name.to_ascii_uppercase().as_str() {
            "POWER" if valid => {
                let on = *self.relay(relay).on.borrow();
                let wanted = match value.to_ascii_lowercase().as_str() {
                    "" => None,
                    "on" | "1" | "true" => Some(true),
                    "off" | "0" | "false" => Some(false),
                    "toggle" | "2" => Some(!on),
                    _ => None,
                };
                if let Some(wanted) = wanted {
                    let pulse = match (wanted, self.relay(relay).pulse_time.load(Ordering::SeqCst)) {
                        (true, 0) | (false, _) => None,
                        (true, v) => Some(pulse_time_duration(v)),
                    };
                    self.switch(relay, wanted, pulse);
                }
                self.tasmota_power_report(relay, *self.relay(relay).on.borrow());
            }
            "PULSETIME" if valid => {
                let pulse_time = self.relay(relay).pulse_time.load(Ordering::SeqCst);
                let set = match value.parse::<u64>() {
                    Ok(v) if v <= 64_900 => {
                        self.relay(relay).pulse_time.store(v, Ordering::SeqCst);
                        v
                    }
                    _ => pulse_time,
                };
                let key = format!("PulseTime{relay}");
                self.answer(result, json!({ key: {"Set": set, "Remaining": set} }).to_string());
            }
            "POWER" | "PULSETIME" => self.answer(result, json!({"Command": "Error"}).to_string()),
            _ => self.answer(result, json!({"Command": "Unknown"}).to_string()),
        }
    }

    fn tasmota_power_report(&self, relay: u32, on: bool) {
        let Kind::Tasmota { topic } = &self.kind else { return };
        let key = if self.relays.len() == 1 {
            "POWER".to_string()
        } else {
            format!("POWER{relay}")
        };
        let state = if on { "ON" } else { "OFF" };
        self.answer(
            format!("stat/{topic}/RESULT"),
            json!({ key.clone(): state }).to_string(),
        );
        self.answer(format!("stat/{topic}/{key}"), state.to_string());
    }

    // --- Zigbee2MQTT ---------------------------------------------------------------------------

    fn zigbee2mqtt(self: &Arc<Self>, topic: &str, payload: &str) {
        if topic.ends_with("/get") {
            self.zigbee2mqtt_state(*self.relay(0).on.borrow());
            return;
        }
        let Ok(message) = serde_json::from_str::<Value>(payload) else {
            return; // Zigbee2MQTT logs "Invalid JSON" and does nothing.
        };
        let on = *self.relay(0).on.borrow();
        let wanted = match message
            .get("state")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("ON") => true,
            Some("OFF") => false,
            Some("TOGGLE") => !on,
            _ => return,
        };
        let on_time = message
            .get("on_time")
            .and_then(Value::as_f64)
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64);
        self.switch(0, wanted, if wanted { on_time } else { None });
        self.zigbee2mqtt_state(wanted);
    }

    fn zigbee2mqtt_state(&self, on: bool) {
        let Kind::Zigbee2Mqtt { base, device } = &self.kind else {
            return;
        };
        let state = if on { "ON" } else { "OFF" };
        self.answer(
            format!("{base}/{device}"),
            json!({"state": state, "linkquality": 120}).to_string(),
        );
    }

    // --- Shelly --------------------------------------------------------------------------------

    fn shelly(self: &Arc<Self>, payload: &str) {
        let Kind::Shelly { prefix } = &self.kind else { return };
        let Ok(frame) = serde_json::from_str::<Value>(payload) else {
            return;
        };
        let Some(src) = frame.get("src").and_then(Value::as_str) else {
            return; // no `src`: nowhere to answer
        };
        let id = frame.get("id").cloned().unwrap_or(Value::Null);
        let params = frame.get("params").cloned().unwrap_or(Value::Null);
        let method = frame.get("method").and_then(Value::as_str).unwrap_or_default();
        let switch = params.get("id").and_then(Value::as_u64).unwrap_or(0);
        let valid = switch < self.relays.len() as u64;
        let outcome: Result<Value, (i64, String)> = match method {
            "Switch.Set" | "Switch.GetStatus" if !valid => {
                Err((-105, format!("Argument 'id', value {switch} not found!")))
            }
            "Switch.Set" => match params.get("on").and_then(Value::as_bool) {
                Some(on) => {
                    let pulse = params
                        .get("toggle_after")
                        .and_then(Value::as_f64)
                        .filter(|s| *s > 0.0)
                        .map(Duration::from_secs_f64);
                    let was_on = self.switch(switch as u32, on, if on { pulse } else { None });
                    self.shelly_status(switch as u32, on, pulse);
                    Ok(json!({"was_on": was_on}))
                }
                None => Err((-103, "Missing required argument 'on'!".to_string())),
            },
            "Switch.GetStatus" => Ok(json!({"id": switch, "output": *self.relay(switch as u32).on.borrow()})),
            "Shelly.GetDeviceInfo" => Ok(json!({"id": prefix, "model": "SPSW-201XE16EU", "gen": 2, "auth_en": false})),
            other => Err((404, format!("No handler for {other}"))),
        };
        let mut answer = json!({"id": id, "src": prefix, "dst": src});
        match outcome {
            Ok(result) => answer["result"] = result,
            Err((code, message)) => answer["error"] = json!({"code": code, "message": message}),
        }
        self.answer(format!("{src}/rpc"), answer.to_string());
    }

    fn shelly_status(&self, switch: u32, on: bool, pulse: Option<Duration>) {
        let Kind::Shelly { prefix } = &self.kind else { return };
        let mut status = json!({"id": switch, "source": "MQTT", "output": on});
        if let Some(pulse) = pulse {
            status["timer_duration"] = json!(pulse.as_secs_f64());
        }
        self.answer(format!("{prefix}/status/switch:{switch}"), status.to_string());
    }
}

/// `POWER1` → (`POWER`, Some(1)); `Backlog0` → (`Backlog`, Some(0)); `Power` → (`Power`, None).
fn split_index(command: &str) -> (&str, Option<u32>) {
    let name = command.trim_end_matches(|c: char| c.is_ascii_digit());
    (name, command[name.len()..].parse().ok())
}

/// Tasmota's `PulseTime` value as a duration: 1..=111 tenths of a second, 112.. seconds + 100.
pub fn pulse_time_duration(value: u64) -> Duration {
    if value <= 111 {
        Duration::from_millis(value * 100)
    } else {
        Duration::from_secs(value - 100)
    }
}

// ---------------------------------------------------------------------------------------------
// Observer

/// A message an [`Observer`] received.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// When it arrived (stamped by the client's task).
    pub at: Instant,
    /// The topic.
    pub topic: String,
    /// The payload.
    pub payload: Vec<u8>,
    /// The QoS it was delivered with.
    pub qos: QoS,
    /// Whether the broker delivered it from its retained store (set only for messages sent
    /// because of a new subscription, MQTT 3.1.1 §3.3.1.3).
    pub retain: bool,
}

impl Message {
    /// The payload as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

/// A plain MQTT client (QoS 1, `TCP_NODELAY`, clean session) for tests and benchmarks: subscribe,
/// publish, read what arrived, and [`Observer::sync`] — a barrier that proves the broker has
/// processed everything this client sent before it. It does not resubscribe after a broker
/// restart; connect a new one.
pub struct Observer {
    client: AsyncClient,
    state: Arc<ObserverState>,
    marker_topic: String,
    next_marker: AtomicU64,
    task: JoinHandle<()>,
}

struct ObserverState {
    received: Mutex<Vec<Message>>,
    /// Bumped for each message received (markers excepted).
    arrivals: watch::Sender<usize>,
    /// The last marker that came back.
    markers: watch::Sender<u64>,
    connected: watch::Sender<bool>,
    marker_topic: String,
}

impl Observer {
    /// Connects and waits until the broker accepted it.
    pub async fn connect(host: &str, port: u16) -> Observer {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let id = format!("relay-sim-observer-{}-{n}", std::process::id());
        let mut options = MqttOptions::new(id.clone(), host, port);
        options.set_clean_session(true);
        options.set_keep_alive(Duration::from_secs(5));
        let (client, mut eventloop) = AsyncClient::new(options, 64);
        eventloop.set_network_options(nodelay());
        let marker_topic = format!("relay-sim/sync/{id}");
        let state = Arc::new(ObserverState {
            received: Mutex::new(Vec::new()),
            arrivals: watch::channel(0).0,
            markers: watch::channel(0).0,
            connected: watch::channel(false).0,
            marker_topic: marker_topic.clone(),
        });
        let task = tokio::spawn(observer_loop(eventloop, state.clone()));
        let mut connected = state.connected.subscribe();
        let waited = tokio::time::timeout(CONNECT, connected.wait_for(|c| *c)).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "the observer could not connect to {host}:{port} within {CONNECT:?}"
        );
        let observer = Observer {
            client,
            state,
            marker_topic,
            next_marker: AtomicU64::new(1),
            task,
        };
        observer.subscribe(&observer.marker_topic.clone()).await;
        observer
    }

    /// Subscribes to `filter` (QoS 1) and returns once the broker has processed the subscription,
    /// including sending whatever it had retained for it.
    pub async fn subscribe(&self, filter: &str) {
        self.client
            .subscribe(filter, QoS::AtLeastOnce)
            .await
            .expect("queue a subscription");
        self.sync().await;
    }

    /// Publishes QoS 1 and returns once the broker has processed it.
    pub async fn publish(&self, topic: &str, payload: impl Into<Vec<u8>>, retain: bool) {
        self.client
            .publish(topic, QoS::AtLeastOnce, retain, payload)
            .await
            .expect("queue a publish");
        self.sync().await;
    }

    /// A barrier: publishes a marker to a topic only this client listens to and waits for it to
    /// come back. A broker handles one client's packets in order, so everything sent before —
    /// subscriptions (with their retained messages), publishes — has been processed.
    pub async fn sync(&self) {
        let marker = self.next_marker.fetch_add(1, Ordering::Relaxed);
        let mut markers = self.state.markers.subscribe();
        self.client
            .publish(&self.marker_topic, QoS::AtLeastOnce, false, marker.to_string())
            .await
            .expect("queue a marker");
        let waited = tokio::time::timeout(CONNECT, markers.wait_for(|m| *m >= marker)).await;
        assert!(
            matches!(waited, Ok(Ok(_))),
            "the broker did not echo the observer's marker"
        );
    }

    /// Everything received so far (markers excepted), in order.
    pub fn messages(&self) -> Vec<Message> {
        lock(&self.state.received).clone()
    }

    /// Messages received on `topic`.
    pub fn messages_on(&self, topic: &str) -> Vec<Message> {
        self.messages().into_iter().filter(|m| m.topic == topic).collect()
    }

    /// Waits (at most 10 s, then panics) until a received message satisfies `wanted`; returns it.
    pub async fn until(&self, wanted: impl Fn(&Message) -> bool) -> Message {
        let mut arrivals = self.state.arrivals.subscribe();
        let found = tokio::time::timeout(CONNECT, async {
            loop {
                if let Some(message) = lock(&self.state.received).iter().find(|m| wanted(m)) {
                    return message.clone();
                }
                if arrivals.changed().await.is_err() {
                    panic!("the observer's connection task ended");
                }
            }
        })
        .await;
        found.expect("the awaited message within 10 s")
    }

    /// Publishes `payload` on `topic` (QoS 1, not retained) and waits for the first message after
    /// it for which `is_echo` holds; returns the time from the publish to that message's arrival.
    /// Subscribe to the echo topic first. Panics after 10 s without an echo.
    pub async fn round_trip(
        &self,
        topic: &str,
        payload: impl Into<Vec<u8>>,
        is_echo: impl Fn(&Message) -> bool,
    ) -> Duration {
        let mut arrivals = self.state.arrivals.subscribe();
        let seen = lock(&self.state.received).len();
        let started = Instant::now();
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .await
            .expect("queue a publish");
        let found = tokio::time::timeout(CONNECT, async {
            loop {
                if let Some(echo) = lock(&self.state.received)[seen..].iter().find(|m| is_echo(m)) {
                    return echo.at;
                }
                if arrivals.changed().await.is_err() {
                    panic!("the observer's connection task ended");
                }
            }
        })
        .await
        .expect("an echo within 10 s");
        found.saturating_duration_since(started)
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn observer_loop(mut eventloop: EventLoop, state: Arc<ObserverState>) {
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                state.connected.send_replace(true);
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                let at = Instant::now();
                if publish.topic == state.marker_topic {
                    let marker = String::from_utf8_lossy(&publish.payload).parse().unwrap_or(0);
                    state.markers.send_modify(|m| *m = (*m).max(marker));
                    continue;
                }
                lock(&state.received).push(Message {
                    at,
                    topic: publish.topic,
                    payload: publish.payload.to_vec(),
                    qos: publish.qos,
                    retain: publish.retain,
                });
                state.arrivals.send_modify(|n| *n += 1);
            }
            Ok(_) => {}
            Err(_) => {
                state.connected.send_replace(false);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
