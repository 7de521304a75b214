//! The console's doors tab (`GET /api/v1/admin/doors`, a door's setup and its reach): defined once, used as it is by the hub, the app and the UI.

use serde::{Deserialize, Serialize};

use crate::DoorLatency;

/// How the hub reaches a door's relay or lock, as staff set it in the console. Secrets are never
/// part of it: they go in [`DoorChange::secret`], write-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DoorDriverSetup {
    /// A Shelly Gen2+/Gen3 switch over HTTP JSON-RPC; the secret is its admin password (optional).
    ShellyGen2 {
        /// The device, e.g. `http://192.168.1.20/`.
        url: String,
        /// Switch id.
        #[serde(default)]
        channel: u32,
    },
    /// A Shelly Gen1 relay; the secret is its password when "restrict login" is on.
    ShellyGen1 {
        /// The device.
        url: String,
        /// Relay index.
        #[serde(default)]
        relay: u32,
        /// The login (default `admin` when a password is set).
        #[serde(default)]
        user: Option<String>,
    },
    /// A Home Assistant service call; the secret is a long-lived access token (required).
    HomeAssistant {
        /// Home Assistant, e.g. `http://homeassistant.local:8123/`.
        url: String,
        /// `lock.unlock`, `lock.open`, `button.press`, or `switch.turn_on` with
        /// `switch_turns_itself_off`.
        service: String,
        /// The entity, e.g. `lock.front_door`.
        entity_id: String,
        /// Staff attest that the switch's device turns it off by itself.
        #[serde(default)]
        switch_turns_itself_off: bool,
    },
    /// A relay on the hub's MQTT broker: `tasmota` (`topic`, `relay`), `zigbee2mqtt` (`device`,
    /// `base_topic`) or `shelly` (`prefix`, `switch_id`). No secret (the broker's login is the
    /// hub's).
    Mqtt {
        /// `tasmota`, `zigbee2mqtt` or `shelly`.
        profile: String,
        /// Tasmota's topic.
        #[serde(default)]
        topic: Option<String>,
        /// Tasmota's relay number, from 1.
        #[serde(default)]
        relay: Option<u32>,
        /// Zigbee2MQTT's friendly name.
        #[serde(default)]
        device: Option<String>,
        /// Zigbee2MQTT's base topic.
        #[serde(default)]
        base_topic: Option<String>,
        /// Shelly's MQTT topic prefix.
        #[serde(default)]
        prefix: Option<String>,
        /// Shelly's switch id, from 0.
        #[serde(default)]
        switch_id: Option<u32>,
    },
    /// A signed webhook (Standard Webhooks); the secret is the shared `whsec_…` key (required).
    Webhook {
        /// The receiver.
        url: String,
    },
}

/// A door as staff edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorSetup {
    /// Door id: letters, digits, `_` and `-` (it is part of the door's QR link).
    pub id: String,
    /// What people call it.
    pub name: String,
    /// Entering here checks the member in.
    pub entrance: bool,
    /// How long the strike stays released, in milliseconds (500–30,000).
    pub pulse_ms: u32,
    /// How the hub opens it; `None`: shown to members, but it cannot be opened yet.
    pub driver: Option<DoorDriverSetup>,
}

/// Where a door's secret comes from. The secret itself is never shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum DoorSecretState {
    /// None stored.
    None,
    /// Entered in the console, stored sealed in the hub's database.
    Stored,
    /// A credential of the hub's environment named in its configuration file.
    Credential {
        /// The credential's name.
        name: String,
    },
}

/// Whether the door's device can be reached, as far as its driver knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DoorReach {
    /// The device announced itself online (MQTT availability).
    Online,
    /// The device, or its Last Will, says it is offline; the hub refuses before publishing.
    Offline,
    /// The broker connection is down.
    BrokerDown {
        /// Why, in words.
        why: String,
    },
    /// Nothing heard yet, or the driver has no way of knowing until it is used (HTTP devices).
    Unknown,
    /// The door has no driver.
    NoDriver,
}

/// A failed opening of a door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorFailure {
    /// When (RFC 3339).
    pub at: String,
    /// What went wrong, in words.
    pub what: String,
}

/// One door as the console lists it: its setup, its secret's origin, reachability, its last
/// failure and its opening times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorRow {
    /// The setup.
    pub door: DoorSetup,
    /// Where its secret comes from.
    pub secret: DoorSecretState,
    /// Reachability now.
    pub reach: DoorReach,
    /// The last failed opening: when (RFC 3339) and what the driver said.
    pub last_error: Option<DoorFailure>,
    /// The last opening (RFC 3339).
    pub last_opened_at: Option<String>,
    /// Opening times over its recent openings.
    pub latency: DoorLatency,
    /// The groups that open it.
    pub groups: Vec<String>,
}

/// `GET /api/v1/admin/doors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorsView {
    /// Every door, in the order staff added them.
    pub doors: Vec<DoorRow>,
    /// Whether the hub has an MQTT broker (`[mqtt]` in its configuration file); MQTT doors need one.
    pub mqtt_broker: Option<String>,
}
impl DoorDriverSetup {
    /// The kind as the console names it (`shelly-gen2`, `mqtt`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            DoorDriverSetup::ShellyGen2 { .. } => "shelly-gen2",
            DoorDriverSetup::ShellyGen1 { .. } => "shelly-gen1",
            DoorDriverSetup::HomeAssistant { .. } => "home-assistant",
            DoorDriverSetup::Mqtt { .. } => "mqtt",
            DoorDriverSetup::Webhook { .. } => "webhook",
        }
    }

    /// Where this driver sends a door's secret: its kind and the origin (scheme, host, port) of
    /// its address, e.g. `home-assistant https://ha.example:8123`. `None` for a driver that takes
    /// no secret (MQTT) or an address that does not read.
    ///
    /// A stored secret belongs to this destination: when a change would send it to another
    /// one, the secret must be entered again (see the hub's door console).
    pub fn secret_destination(&self) -> Option<String> {
        let url = match self {
            DoorDriverSetup::ShellyGen2 { url, .. }
            | DoorDriverSetup::ShellyGen1 { url, .. }
            | DoorDriverSetup::HomeAssistant { url, .. }
            | DoorDriverSetup::Webhook { url } => url,
            DoorDriverSetup::Mqtt { .. } => return None,
        };
        let origin = url::Url::parse(url.trim()).ok()?.origin();
        origin
            .is_tuple()
            .then(|| format!("{} {}", self.kind(), origin.ascii_serialization()))
    }
}
