//! The broker: one long-lived connection per broker, shared by every door on it, with its
//! subscriptions, routes and availability.

use super::*;

/// Where and how to connect to a broker.
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) client_id: Option<String>,
    pub(super) login: Option<(String, DevicePassword)>,
    pub(super) keep_alive: Duration,
    pub(super) connect_timeout: Duration,
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
    pub(super) inner: Arc<BrokerInner>,
}

pub(super) struct BrokerInner {
    pub(super) shared: Arc<Shared>,
    pub(super) task: tokio::task::JoinHandle<()>,
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

    pub(super) fn shared(&self) -> &Shared {
        &self.inner.shared
    }
}

/// rumqttc counts keep-alive and connect timeouts in whole seconds, at least one.
pub(super) fn whole_seconds(duration: Duration) -> Duration {
    Duration::from_secs(duration.as_secs().max(1))
}

/// What the connection task and the relays share.
pub(super) struct Shared {
    pub(super) address: String,
    pub(super) client_id: String,
    pub(super) client: AsyncClient,
    pub(super) routes: Mutex<Routes>,
    /// The connection's state, for everyone.
    pub(super) link: watch::Sender<Link>,
    /// Bumped whenever the link, a subscription or an availability changes: what pulses wait on.
    pub(super) changes: watch::Sender<u64>,
    /// Every incoming message, numbered; pulses pick their echoes out of it.
    pub(super) messages: broadcast::Sender<Message>,
    /// Shelly JSON-RPC ids, unique on this connection.
    pub(super) next_rpc_id: AtomicU64,
}

/// One incoming message.
#[derive(Clone)]
pub(super) struct Message {
    /// Order of arrival on this connection, starting at 1.
    pub(super) seq: u64,
    pub(super) topic: Arc<str>,
    pub(super) payload: Arc<[u8]>,
    /// The broker replayed it from its retained store: state from the past, never an echo.
    pub(super) retained: bool,
}

#[derive(Default)]
pub(super) struct Routes {
    /// Mirrors `Link::Up`, under the lock a publish takes (see `publish`).
    pub(super) up: bool,
    /// The sequence number of the last message handed out.
    pub(super) seq: u64,
    pub(super) topics: HashMap<String, Route>,
    /// Topic lists queued as SUBSCRIBE requests, in order, until rumqttc names their packet id.
    pub(super) queued_subscriptions: VecDeque<Vec<String>>,
    /// SUBSCRIBE packets sent and not yet acknowledged.
    pub(super) sent_subscriptions: HashMap<u16, Vec<String>>,
}

pub(super) struct Route {
    pub(super) subscription: Subscription,
    /// Set for availability topics: how to read them and what they said last.
    pub(super) availability: Option<(AvailabilityFormat, Availability)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subscription {
    /// Not (yet) acknowledged by the broker on this connection.
    Pending,
    /// SUBACK granted it.
    Active,
    /// SUBACK refused it (typically the broker's ACL).
    Refused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AvailabilityFormat {
    /// `Online` / `Offline`.
    TasmotaLwt,
    /// `{"state":"online"}` / `{"state":"offline"}`, or plain `online` / `offline`.
    Zigbee2Mqtt,
    /// `true` / `false`.
    Shelly,
}

impl AvailabilityFormat {
    pub(super) fn read(self, payload: &[u8]) -> Availability {
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
    pub(super) fn lock(&self) -> MutexGuard<'_, Routes> {
        // A panic while holding this lock leaves plain data behind (maps and flags), never a
        // half-made promise, so carrying on is safe.
        self.routes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Adds topics to the routing table; subscribes to the new ones if connected (otherwise the
    /// next CONNACK does).
    pub(super) fn register(&self, topics: &[(String, Option<AvailabilityFormat>)]) {
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
    pub(super) fn publish(&self, topic: &str, payload: Vec<u8>) -> Result<u64, Error> {
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
    pub(super) fn unreachable(&self, may_have_pulsed: bool) -> Error {
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

    pub(super) fn availability(&self, topics: &[String]) -> Availability {
        let routes = self.lock();
        combined_availability(&routes, topics)
    }
}

/// The first topic is the device's own; any further ones (a Zigbee2MQTT bridge) can only make it
/// offline.
pub(super) fn combined_availability(routes: &Routes, topics: &[String]) -> Availability {
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
pub(super) fn connection_error_in_words(e: &ConnectionError) -> String {
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
