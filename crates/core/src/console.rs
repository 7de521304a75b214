//! The staff console's wire types: what the hub's `/api/v1/admin/…` endpoints take and answer,
//! shared by the hub (which serves them) and the app (which shows them). Every endpoint is for
//! staff of the space only; errors are the hub's `{code, message}` ([`crate::hub::ApiError`]),
//! and a refused change also names its fields ([`FieldErrors`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `422 {code: "invalid", message, fields}`: which fields of a change are wrong, in words,
/// keyed by the field's name in the request (`"schedule"`, `"doors"`, `"groups[1]"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    /// Stable code: always `invalid`.
    pub code: String,
    /// The whole problem in words.
    pub message: String,
    /// Per field.
    pub fields: BTreeMap<String, String>,
}

// ---- Access setup: `GET /api/v1/admin/access` and its changes ----

pub use frontdoor_ipc::{AccessSetup, DoorRef, GroupSetup, PlanSetup, SetupChange};

/// `PUT /api/v1/admin/access/groups/{id}`: create or replace a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupChange {
    /// The setup version the change was made on.
    pub version: u64,
    /// The group.
    pub group: GroupSetup,
}

/// `PUT /api/v1/admin/access/plans/{plan_id}`: the groups a plan gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChange {
    /// The setup version the change was made on.
    pub version: u64,
    /// Group ids.
    pub groups: Vec<String>,
}

/// `PUT /api/v1/admin/access/extra_groups`: the extra-groups switch (turning it on makes sure
/// the custom field exists in Cobot, keeping every other field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraGroupsChange {
    /// The setup version the change was made on.
    pub version: u64,
    /// On or off.
    pub enabled: bool,
}

// ---- Cobot connection (the plug): `GET /api/v1/admin/cobot` ----

/// Where the space's Cobot connection stands: the app's type, so both ends hold one definition.
pub use frontdoor_ipc::{CobotConnection, ConnectionState};

/// `POST /api/v1/admin/cobot/connect`: begins the plug's OAuth flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectRequest {
    /// Where the hub's callback page sends the browser back to when done (the app's deep link
    /// or loopback address, as for sign-in), with `?connected=1` or `?error=…`.
    pub return_to: url::Url,
}

/// The answer: where the browser goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectStarted {
    /// Cobot's authorization URL, with the sync scopes.
    pub authorize_url: url::Url,
}

// ---- Sync panel: `GET /api/v1/admin/sync/runs`, `POST /api/v1/admin/sync` ----

pub use frontdoor_ipc::{SyncPanel, SyncPhase, SyncProgress, SyncRun};

/// `PUT /api/v1/admin/sync/interval`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntervalChange {
    /// Minutes, 5 to 1,440.
    pub minutes: u64,
}

// ---- Members: `GET /api/v1/admin/members` ----

pub use frontdoor_ipc::{DoorVerdict, GroupGrant, MemberRow};

/// `PUT /api/v1/admin/members/{membership_id}/extra_groups`: written to Cobot's custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraGroupsOfMember {
    /// Group ids (each must be a known group).
    pub groups: Vec<String>,
}

// ---- Activity: `GET /api/v1/admin/activity`, `…/activity.csv`, remote opens, latency ----

pub use frontdoor_ipc::{ActivityPage, ActivityRow, DoorLatency};

/// `POST /api/v1/admin/doors/{door}/open`: staff open a door remotely (for a visitor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteOpen {
    /// Why, for the audit log: 1 to 200 characters.
    pub reason: String,
}

/// How many of a door's latest `opened` rows its latency figures cover.
pub const LATENCY_WINDOW: u32 = 200;

// ---- Doors: `GET /api/v1/admin/doors`, `PUT|DELETE /api/v1/admin/doors/{id}`, test ----

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

/// `PUT /api/v1/admin/doors/{id}`: add or replace a door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorChange {
    /// The door.
    pub door: DoorSetup,
    /// The driver's secret (password, token, `whsec_…` key), entered once: `None` keeps the one
    /// stored, `Some("")` removes it. The hub stores it sealed and never answers it.
    #[serde(default)]
    pub secret: Option<String>,
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

/// One door as the console lists it: its setup, its secret's origin, reachability, its last
/// failure and its opening times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorView {
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

/// A failed opening of a door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorFailure {
    /// When (RFC 3339).
    pub at: String,
    /// What went wrong, in words.
    pub what: String,
}

/// `GET /api/v1/admin/doors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorsView {
    /// Every door, in the order staff added them.
    pub doors: Vec<DoorView>,
    /// Whether the hub has an MQTT broker (`[mqtt]` in its configuration file); MQTT doors need one.
    pub mqtt_broker: Option<String>,
}

// ---- Health at a glance: `GET /api/v1/admin/glance` ----

pub use frontdoor_ipc::{Glance, Light};

// ---- Doctor: `GET /api/v1/admin/doctor` ----

pub use frontdoor_ipc::{DoctorCheck, DoctorReport, Verdict};

// ---- Check-ins: `GET /api/v1/admin/check_ins`, retry, policy ----

pub use frontdoor_ipc::{CheckInsView, StaffCheckIn, StaffCheckInState};

/// `PUT /api/v1/admin/check_ins/policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInPolicyChange {
    /// `once-per-day` or `off`.
    pub policy: String,
    /// `open-anyway` or `refuse`: what the door does for a member Cobot will not check in;
    /// `None` leaves it as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_pass: Option<String>,
}

// ---- The app's client for these endpoints ----

use crate::hub::{call, CallError};
use crate::links::HubUrl;
use crate::secret::HubSessionToken;

/// `GET path` on the hub's admin API with a staff session.
pub async fn get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    path: &str,
) -> Result<T, CallError> {
    call(http.get(hub.join(path)).bearer_auth(session.secret())).await
}

/// `method path` with a JSON body on the hub's admin API with a staff session.
pub async fn send<B: Serialize, T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    method: reqwest::Method,
    path: &str,
    body: &B,
) -> Result<T, CallError> {
    call(
        http.request(method, hub.join(path))
            .bearer_auth(session.secret())
            .json(body),
    )
    .await
}

/// `GET path` on the hub's admin API with a staff session, for an answer that is a file rather
/// than JSON (a QR code's SVG, the sticker sheet, the activity CSV): its body, read up to
/// `max_bytes`. A refusal is the hub's `{code, message}` as for every other call.
pub async fn get_file(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    path: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, CallError> {
    let mut response = http
        .get(hub.join(path))
        .bearer_auth(session.secret())
        .send()
        .await
        .map_err(CallError::Unreachable)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(CallError::Unreachable)? {
        if body.len() + chunk.len() > max_bytes {
            return Err(CallError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    if (200..300).contains(&status) {
        return Ok(body);
    }
    match serde_json::from_slice::<crate::hub::ApiError>(&body) {
        Ok(e) => Err(CallError::Refused(e, status)),
        Err(_) => Err(CallError::Malformed(status)),
    }
}

/// A path segment, percent-encoded.
pub fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Follows `GET /api/v1/admin/sync/events` (server-sent events) and calls `each` with every
/// progress report until the sync ends (`done` or `failed`) or the stream closes. At most
/// `max_events` are read, and lines longer than 64 KiB end the stream.
pub async fn follow_sync(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    max_events: usize,
    mut each: impl FnMut(SyncProgress),
) -> Result<Option<SyncProgress>, CallError> {
    let mut response = http
        .get(hub.join("api/v1/admin/sync/events"))
        .bearer_auth(session.secret())
        .header("Accept", "text/event-stream")
        .send()
        .await
        .map_err(CallError::Unreachable)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let body = response.bytes().await.map_err(CallError::Unreachable)?;
        return Err(match serde_json::from_slice::<crate::hub::ApiError>(&body) {
            Ok(e) => CallError::Refused(e, status),
            Err(_) => CallError::Malformed(status),
        });
    }
    let mut buffer = String::new();
    let mut last = None;
    let mut seen = 0;
    while let Some(chunk) = response.chunk().await.map_err(CallError::Unreachable)? {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find('\n') {
            let line: String = buffer.drain(..=end).collect();
            let Some(data) = line.trim_end().strip_prefix("data:") else {
                continue;
            };
            let Ok(progress) = serde_json::from_str::<SyncProgress>(data.trim()) else {
                continue;
            };
            seen += 1;
            let finished = matches!(progress.phase.as_str(), "done" | "failed");
            each(progress.clone());
            last = Some(progress);
            if finished || seen >= max_events {
                return Ok(last);
            }
        }
        if buffer.len() > 64 * 1024 {
            return Err(CallError::TooLarge);
        }
    }
    Ok(last)
}
