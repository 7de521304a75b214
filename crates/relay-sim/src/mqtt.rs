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
//!
//! # Where it lives
//!
//! [`Device`] (in `mqtt/device.rs`) is the double's broker session and relays; each vendor's
//! contract is a file of its own (`tasmota.rs`, `zigbee2mqtt.rs`, `shelly.rs`), and
//! [`Observer`] is in `observer.rs`.

mod device;
mod observer;
mod shelly;
mod tasmota;
mod zigbee2mqtt;

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rumqttc::NetworkOptions;

pub use device::{Command, Device, Fault, Pulse};
pub use observer::{Message, Observer};
pub use tasmota::pulse_time_duration;

/// The QoS type of [`Command::qos`] and [`Message::qos`].
pub use rumqttc::QoS;

/// How long a double waits for the broker before a test gives up.
const CONNECT: Duration = Duration::from_secs(10);

fn nodelay() -> NetworkOptions {
    let mut network = NetworkOptions::new();
    network.set_tcp_nodelay(true);
    network
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
