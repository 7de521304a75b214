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

use super::{Confirmation, DevicePassword, DoorDriver, Error, PulseFuture, PulseOutcome, DEFAULT_TIMEOUT};

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

// ---------------------------------------------------------------------------------------------
// Broker

/// Where and how to connect to a broker.
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    host: String,
    port: u16,
    client_id: Option<String>,
    login: Option<(String, DevicePassword)>,
    keep_alive: Duration,
    connect_timeout: Duration,
}

impl BrokerOptions {
    /// A broker at `host:port` (1883 is MQTT's plain port), anonymous, with a random client id
    /// (`frontdoor-<8 hex digits>`) and [`DEFAULT_KEEP_ALIVE`].
    pub fn new(host: impl Into<String>, port: u16) -> BrokerOptions {
        BrokerOptions {
            host: host.into(),
            port,
            client_id: None,
            login: None,
            keep_alive: DEFAULT_KEEP_ALIVE,
            connect_timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Logs in with a user name and password (Mosquitto's `password_file`).
    pub fn with_login(mut self, username: impl Into<String>, password: DevicePassword) -> BrokerOptions {
        self.login = Some((username.into(), password));
        self
    }

    /// Uses this MQTT client id instead of a random one. It must be unique on the broker (a second
    /// client with the same id disconnects the first) and is also the `src` of Shelly requests,
    /// whose answers come back on `<client id>/rpc`.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> BrokerOptions {
        self.client_id = Some(client_id.into());
        self
    }

    /// Another keep-alive interval (whole seconds, at least one).
    pub fn with_keep_alive(mut self, keep_alive: Duration) -> BrokerOptions {
        self.keep_alive = keep_alive;
        self
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The state of a [`Broker`]'s connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// The first connection attempt is under way.
    Connecting,
    /// Connected (the broker accepted our CONNECT).
    Up,
    /// Not connected, with the last reason in words; the connection task keeps retrying.
    Down(String),
}

/// What a device's availability topics say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Nothing heard (yet), or the broker connection is down.
    Unknown,
    /// The device announced itself online.
    Online,
    /// The device (or its Last Will, or its Zigbee2MQTT bridge) says it is offline.
    Offline,
}

/// One connection to an MQTT broker, shared by every [`MqttRelay`] on it. Cloning shares the
/// connection; it closes when the last clone (and the last relay using it) is dropped.
#[derive(Clone)]
pub struct Broker {
    inner: Arc<BrokerInner>,
}

struct BrokerInner {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for BrokerInner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Broker")
            .field("address", &self.inner.shared.address)
            .field("client_id", &self.inner.shared.client_id)
            .field("link", &*self.inner.shared.link.borrow())
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// Starts connecting to the broker and returns at once; the connection task keeps the
    /// connection up from then on (reconnecting with backoff from 100 ms to 5 s). Must be called
    /// inside a Tokio runtime.
    ///
    /// Nothing blocks on a broker that is down: a pulse meanwhile fails with
    /// [`Error::Unreachable`] (`may_have_pulsed: false`), saying why in words.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime (it spawns the connection task).
    pub fn connect(options: BrokerOptions) -> Broker {
        let address = options.address();
        let client_id = options
            .client_id
            .clone()
            .unwrap_or_else(|| format!("frontdoor-{:08x}", rand::random::<u32>()));
        let mut mqtt = MqttOptions::new(client_id.clone(), options.host.clone(), options.port);
        mqtt.set_clean_session(true);
        mqtt.set_keep_alive(whole_seconds(options.keep_alive));
        if let Some((username, password)) = &options.login {
            mqtt.set_credentials(username.clone(), password.secret());
        }
        let (client, mut eventloop) = AsyncClient::new(mqtt, REQUEST_CAPACITY);
        let mut network = NetworkOptions::new();
        network.set_tcp_nodelay(true);
        network.set_connection_timeout(whole_seconds(options.connect_timeout).as_secs());
        eventloop.set_network_options(network);

        let shared = Arc::new(Shared {
            address,
            client_id,
            client,
            routes: Mutex::new(Routes::default()),
            link: watch::channel(Link::Connecting).0,
            changes: watch::channel(0).0,
            messages: broadcast::channel(MESSAGE_CAPACITY).0,
            next_rpc_id: AtomicU64::new(1),
        });
        let task = tokio::spawn(run(eventloop, shared.clone()));
        Broker {
            inner: Arc::new(BrokerInner { shared, task }),
        }
    }

    /// `host:port` of the broker.
    pub fn address(&self) -> &str {
        &self.inner.shared.address
    }

    /// The MQTT client id this connection uses.
    pub fn client_id(&self) -> &str {
        &self.inner.shared.client_id
    }

    /// The connection's state now.
    pub fn link(&self) -> Link {
        self.inner.shared.link.borrow().clone()
    }

    /// Follows the connection's state (for health pages and tests).
    pub fn watch_link(&self) -> watch::Receiver<Link> {
        self.inner.shared.link.subscribe()
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }
}

/// rumqttc counts keep-alive and connect timeouts in whole seconds, at least one.
fn whole_seconds(duration: Duration) -> Duration {
    Duration::from_secs(duration.as_secs().max(1))
}

/// What the connection task and the relays share.
struct Shared {
    address: String,
    client_id: String,
    client: AsyncClient,
    routes: Mutex<Routes>,
    /// The connection's state, for everyone.
    link: watch::Sender<Link>,
    /// Bumped whenever the link, a subscription or an availability changes: what pulses wait on.
    changes: watch::Sender<u64>,
    /// Every incoming message, numbered; pulses pick their echoes out of it.
    messages: broadcast::Sender<Message>,
    /// Shelly JSON-RPC ids, unique on this connection.
    next_rpc_id: AtomicU64,
}

/// One incoming message.
#[derive(Clone)]
struct Message {
    /// Order of arrival on this connection, starting at 1.
    seq: u64,
    topic: Arc<str>,
    payload: Arc<[u8]>,
    /// The broker replayed it from its retained store: state from the past, never an echo.
    retained: bool,
}

#[derive(Default)]
struct Routes {
    /// Mirrors `Link::Up`, under the lock a publish takes (see `publish`).
    up: bool,
    /// The sequence number of the last message handed out.
    seq: u64,
    topics: HashMap<String, Route>,
    /// Topic lists queued as SUBSCRIBE requests, in order, until rumqttc names their packet id.
    queued_subscriptions: VecDeque<Vec<String>>,
    /// SUBSCRIBE packets sent and not yet acknowledged.
    sent_subscriptions: HashMap<u16, Vec<String>>,
}

struct Route {
    subscription: Subscription,
    /// Set for availability topics: how to read them and what they said last.
    availability: Option<(AvailabilityFormat, Availability)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subscription {
    /// Not (yet) acknowledged by the broker on this connection.
    Pending,
    /// SUBACK granted it.
    Active,
    /// SUBACK refused it (typically the broker's ACL).
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AvailabilityFormat {
    /// `Online` / `Offline`.
    TasmotaLwt,
    /// `{"state":"online"}` / `{"state":"offline"}`, or plain `online` / `offline`.
    Zigbee2Mqtt,
    /// `true` / `false`.
    Shelly,
}

impl AvailabilityFormat {
    fn read(self, payload: &[u8]) -> Availability {
        let text = String::from_utf8_lossy(payload);
        let text = text.trim();
        let word = match self {
            AvailabilityFormat::Zigbee2Mqtt if text.starts_with('{') => serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v.get("state").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default(),
            _ => text.to_owned(),
        };
        let word = word.to_ascii_lowercase();
        match (self, word.as_str()) {
            (AvailabilityFormat::TasmotaLwt | AvailabilityFormat::Zigbee2Mqtt, "online") => Availability::Online,
            (AvailabilityFormat::TasmotaLwt | AvailabilityFormat::Zigbee2Mqtt, "offline") => Availability::Offline,
            (AvailabilityFormat::Shelly, "true") => Availability::Online,
            (AvailabilityFormat::Shelly, "false") => Availability::Offline,
            _ => Availability::Unknown,
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Routes> {
        // A panic while holding this lock leaves plain data behind (maps and flags), never a
        // half-made promise, so carrying on is safe.
        self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Adds topics to the routing table; subscribes to the new ones if connected (otherwise the
    /// next CONNACK does).
    fn register(&self, topics: &[(String, Option<AvailabilityFormat>)]) {
        let mut routes = self.lock();
        let mut new = Vec::new();
        for (topic, availability) in topics {
            if !routes.topics.contains_key(topic) {
                routes.topics.insert(
                    topic.clone(),
                    Route {
                        subscription: Subscription::Pending,
                        availability: availability.map(|format| (format, Availability::Unknown)),
                    },
                );
                new.push(topic.clone());
            }
        }
        if routes.up && !new.is_empty() {
            self.subscribe(&mut routes, new);
        }
    }

    /// Queues SUBSCRIBE requests for `topics` (under the routes lock, so the order of requests in
    /// rumqttc's queue and in `queued_subscriptions` is the same).
    fn subscribe(&self, routes: &mut Routes, topics: Vec<String>) {
        for chunk in topics.chunks(TOPICS_PER_SUBSCRIBE) {
            let filters = chunk.iter().map(|t| SubscribeFilter::new(t.clone(), QoS::AtLeastOnce));
            match self.client.try_subscribe_many(filters) {
                Ok(()) => routes.queued_subscriptions.push_back(chunk.to_vec()),
                // Only a full queue gets here; the pulses on these topics will say the
                // subscription never completed.
                Err(e) => tracing::warn!(broker = %self.address, error = %e, "could not queue an MQTT subscription"),
            }
        }
    }

    fn connected(&self) {
        {
            let mut routes = self.lock();
            routes.up = true;
            let topics: Vec<String> = routes.topics.keys().cloned().collect();
            for route in routes.topics.values_mut() {
                route.subscription = Subscription::Pending;
            }
            self.subscribe(&mut routes, topics);
        }
        tracing::info!(broker = %self.address, client_id = %self.client_id, "connected to the MQTT broker");
        self.link.send_replace(Link::Up);
        self.bump();
    }

    fn disconnected(&self, reason: String) {
        {
            let mut routes = self.lock();
            routes.up = false;
            routes.queued_subscriptions.clear();
            routes.sent_subscriptions.clear();
            for route in routes.topics.values_mut() {
                route.subscription = Subscription::Pending;
                if let Some((_, availability)) = &mut route.availability {
                    *availability = Availability::Unknown;
                }
            }
        }
        let changed = self.link.send_if_modified(|link| match link {
            Link::Down(old) if *old == reason => false,
            _ => {
                *link = Link::Down(reason.clone());
                true
            }
        });
        if changed {
            tracing::warn!(broker = %self.address, "the MQTT broker cannot be reached: {reason}");
        }
        self.bump();
    }

    fn subscription_sent(&self, pkid: u16) {
        let mut routes = self.lock();
        if let Some(topics) = routes.queued_subscriptions.pop_front() {
            routes.sent_subscriptions.insert(pkid, topics);
        }
    }

    fn subscription_acknowledged(&self, pkid: u16, codes: &[SubscribeReasonCode]) {
        {
            let mut routes = self.lock();
            let Some(topics) = routes.sent_subscriptions.remove(&pkid) else {
                return;
            };
            for (topic, code) in topics.iter().zip(codes) {
                if let Some(route) = routes.topics.get_mut(topic) {
                    route.subscription = match code {
                        SubscribeReasonCode::Success(_) => Subscription::Active,
                        SubscribeReasonCode::Failure => {
                            tracing::warn!(broker = %self.address, %topic, "the MQTT broker refused a subscription");
                            Subscription::Refused
                        }
                    };
                }
            }
        }
        self.bump();
    }

    fn dispatch(&self, publish: rumqttc::Publish) {
        let mut availability_changed = false;
        let message = {
            let mut routes = self.lock();
            routes.seq += 1;
            let seq = routes.seq;
            if let Some(Route {
                availability: Some((format, availability)),
                ..
            }) = routes.topics.get_mut(publish.topic.as_str())
            {
                let now = format.read(&publish.payload);
                availability_changed = now != *availability;
                *availability = now;
            }
            Message {
                seq,
                topic: Arc::from(publish.topic.as_str()),
                payload: Arc::from(&publish.payload[..]),
                retained: publish.retain,
            }
        };
        // No receiver just means no pulse is waiting.
        let _ = self.messages.send(message);
        if availability_changed {
            self.bump();
        }
    }

    /// Publishes a command once, QoS 1, never retained — only while connected, checked under the
    /// lock the connection task takes before it drops the queue (see the module documentation).
    /// Returns the sequence number of the last message received before it.
    fn publish(&self, topic: &str, payload: Vec<u8>) -> Result<u64, Error> {
        let routes = self.lock();
        if !routes.up {
            return Err(self.unreachable(false));
        }
        self.client
            .try_publish(topic, QoS::AtLeastOnce, false, payload)
            .map_err(|e| Error::Unreachable {
                detail: format!(
                    "the command could not be queued for the door's MQTT broker at {} ({e}); nothing was sent",
                    self.address
                ),
                may_have_pulsed: false,
                source: None,
            })?;
        Ok(routes.seq)
    }

    /// The connection is not up (or broke after a publish when `may_have_pulsed`): why, in words.
    fn unreachable(&self, may_have_pulsed: bool) -> Error {
        let why = match &*self.link.borrow() {
            Link::Down(reason) => reason.clone(),
            Link::Connecting => "still connecting".into(),
            Link::Up => "the connection was interrupted".into(),
        };
        let detail = if may_have_pulsed {
            format!(
                "the connection to the door's MQTT broker at {} broke after the command was handed to it: {why}",
                self.address
            )
        } else {
            format!("the door's MQTT broker at {} cannot be reached: {why}", self.address)
        };
        Error::Unreachable {
            detail,
            may_have_pulsed,
            source: None,
        }
    }

    fn availability(&self, topics: &[String]) -> Availability {
        let routes = self.lock();
        combined_availability(&routes, topics)
    }
}

/// The first topic is the device's own; any further ones (a Zigbee2MQTT bridge) can only make it
/// offline.
fn combined_availability(routes: &Routes, topics: &[String]) -> Availability {
    let said = |topic: &String| {
        routes
            .topics
            .get(topic)
            .and_then(|r| r.availability)
            .map(|(_, a)| a)
            .unwrap_or(Availability::Unknown)
    };
    if topics.iter().any(|t| said(t) == Availability::Offline) {
        return Availability::Offline;
    }
    topics.first().map(said).unwrap_or(Availability::Unknown)
}

/// The connection task: polls rumqttc forever, reconnecting with backoff.
async fn run(mut eventloop: EventLoop, shared: Arc<Shared>) {
    let mut backoff = BACKOFF_MIN;
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = BACKOFF_MIN;
                shared.connected();
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => shared.dispatch(publish),
            Ok(Event::Incoming(Packet::SubAck(ack))) => shared.subscription_acknowledged(ack.pkid, &ack.return_codes),
            Ok(Event::Outgoing(Outgoing::Subscribe(pkid))) => shared.subscription_sent(pkid),
            Ok(_) => {}
            Err(e) => {
                // First mark the link down (under the lock every publish takes), then drop
                // whatever is still queued or unacknowledged: a command must never go out late.
                shared.disconnected(connection_error_in_words(&e));
                eventloop.clean();
                eventloop.pending.clear();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// Why the connection failed, in words, without the broker's address (the caller adds it).
fn connection_error_in_words(e: &ConnectionError) -> String {
    match e {
        ConnectionError::ConnectionRefused(
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized,
        ) => "it refused Frontdoor's login (wrong user name or password, or this user may not connect); check the \
             broker credentials in the hub's configuration"
            .into(),
        ConnectionError::ConnectionRefused(code) => format!("it refused the connection ({code:?})"),
        ConnectionError::Io(io) => io.to_string(),
        ConnectionError::NetworkTimeout => "it did not answer in time".into(),
        ConnectionError::MqttState(StateError::AwaitPingResp) => {
            "the connection went silent (no answer to keep-alive)".into()
        }
        ConnectionError::MqttState(StateError::Io(io)) => format!("the connection broke: {io}"),
        ConnectionError::MqttState(StateError::ConnectionAborted) => "it closed the connection".into(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Profiles

/// Which device convention a door follows; see the module documentation for the exact topics
/// and payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// A Tasmota relay: `Backlog0 PulseTime<n> …;Power<n> ON`, echo on `stat/<topic>/…`.
    Tasmota {
        /// The device's `%topic%` (Tasmota's `Topic` setting), e.g. `door1`.
        topic: String,
        /// The relay, from 1 (`Power1`).
        relay: u32,
    },
    /// A Zigbee switch behind Zigbee2MQTT: `{"state":"ON","on_time":…}` on `<base>/<device>/set`.
    Zigbee2Mqtt {
        /// Zigbee2MQTT's base topic, usually [`ZIGBEE2MQTT_BASE_TOPIC`].
        base_topic: String,
        /// The device's friendly name.
        device: String,
    },
    /// A Shelly Gen2+/Gen3 switch over MQTT: `Switch.Set` JSON-RPC on `<prefix>/rpc`.
    Shelly {
        /// The device's MQTT topic prefix (by default its device id, e.g. `shellypro1-a8032ab12345`).
        prefix: String,
        /// The switch component, from 0.
        switch_id: u32,
    },
}

impl Profile {
    /// Relay `relay` (from 1) of the Tasmota device with topic `topic`.
    pub fn tasmota(topic: impl Into<String>, relay: u32) -> Profile {
        Profile::Tasmota {
            topic: topic.into(),
            relay,
        }
    }

    /// The Zigbee2MQTT device `device` under the default base topic `zigbee2mqtt`.
    pub fn zigbee2mqtt(device: impl Into<String>) -> Profile {
        Profile::zigbee2mqtt_under(ZIGBEE2MQTT_BASE_TOPIC, device)
    }

    /// The Zigbee2MQTT device `device` under another base topic.
    pub fn zigbee2mqtt_under(base_topic: impl Into<String>, device: impl Into<String>) -> Profile {
        Profile::Zigbee2Mqtt {
            base_topic: base_topic.into(),
            device: device.into(),
        }
    }

    /// Switch `switch_id` (from 0) of the Shelly whose MQTT prefix is `prefix`.
    pub fn shelly(prefix: impl Into<String>, switch_id: u32) -> Profile {
        Profile::Shelly {
            prefix: prefix.into(),
            switch_id,
        }
    }

    /// Checks the names: every topic part must be a plain MQTT topic (not empty, no `+`, `#` or
    /// NUL, not starting with `$` or ending in `/`), relays in range.
    pub fn check(&self) -> Result<(), InvalidProfile> {
        match self {
            Profile::Tasmota { topic, relay } => {
                check_topic_part("the Tasmota topic", topic)?;
                if !(1..=32).contains(relay) {
                    return Err(InvalidProfile(format!(
                        "Tasmota relays are numbered from 1 to 32 (Power1…Power32), not {relay}"
                    )));
                }
            }
            Profile::Zigbee2Mqtt { base_topic, device } => {
                check_topic_part("the Zigbee2MQTT base topic", base_topic)?;
                check_topic_part("the Zigbee2MQTT device name", device)?;
            }
            Profile::Shelly { prefix, .. } => check_topic_part("the Shelly MQTT prefix", prefix)?,
        }
        Ok(())
    }
}

/// A [`Profile`] that cannot work, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("This MQTT door is misconfigured: {0}.")]
pub struct InvalidProfile(String);

fn check_topic_part(what: &str, value: &str) -> Result<(), InvalidProfile> {
    let problem = if value.is_empty() {
        Some("is empty")
    } else if value.contains(['+', '#']) {
        Some("contains the MQTT wildcard + or #")
    } else if value.contains('\0') {
        Some("contains a NUL character")
    } else if value.starts_with('$') {
        Some("starts with $, which brokers reserve for themselves")
    } else if value.starts_with('/') || value.ends_with('/') {
        Some("starts or ends with /")
    } else if value.len() > 1024 {
        Some("is longer than 1024 bytes")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(InvalidProfile(format!("{what} “{value}” {problem}"))),
        None => Ok(()),
    }
}

/// Tasmota's `PulseTime` value for a pulse: 1..=111 are tenths of a second, 112..=64900 are
/// seconds + 100. Never 0 (that would switch the device-side pulse off and leave the door open).
pub fn tasmota_pulse_time(duration: Duration) -> u32 {
    let tenths = (duration.as_millis() + 50) / 100;
    if tenths <= 111 {
        tenths.max(1) as u32
    } else {
        let seconds = (duration.as_millis() + 500) / 1000;
        (seconds.max(12) + 100).min(64_900) as u32
    }
}

/// A pulse in seconds rounded to tenths, at least 0.1 (Zigbee's `on_time` counts tenths).
fn tenths_of_seconds(duration: Duration) -> f64 {
    let tenths = ((duration.as_millis() + 50) / 100).max(1);
    tenths as f64 / 10.0
}

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
                let frame = json!({
                    "id": id,
                    "src": shared.client_id,
                    "method": "Switch.Set",
                    "params": {"id": switch_id, "on": true, "toggle_after": duration.as_secs_f64()},
                });
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
                if let Some(error) = frame.get("error") {
                    return Verdict::Failed(Error::DeviceError {
                        code: error.get("code").and_then(Value::as_i64),
                        message: error
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or("no message")
                            .to_string(),
                    });
                }
                match frame
                    .get("result")
                    .and_then(|r| r.get("was_on"))
                    .and_then(Value::as_bool)
                {
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
