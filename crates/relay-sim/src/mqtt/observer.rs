//! [`Observer`], a plain MQTT client for spying on topics and timing a bare round trip, and the
//! [`Message`]s it receives.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{lock, nodelay, CONNECT};

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
