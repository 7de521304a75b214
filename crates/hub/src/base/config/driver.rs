//! A door's `driver`: how the hub reaches its relay or lock.

use serde::Deserialize;
use url::Url;

/// How the hub reaches a door's relay or lock. Secrets (passwords, tokens, signing keys) are
/// never in this file: `*_credential` names a credential that the hub reads from the
/// environment variable `FRONTDOOR_HUB_SECRET_<NAME>` (upper case, `-` and `.` as `_`) or the
/// systemd credential `$CREDENTIALS_DIRECTORY/<name>`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum DriverConfig {
    /// A Shelly Gen2+/Gen3 switch over HTTP JSON-RPC (`Switch.Set` + `toggle_after`).
    ShellyGen2 {
        /// The device, e.g. `http://192.168.1.20/`.
        url: Url,
        /// Switch id (default 0).
        #[serde(default)]
        channel: u32,
        /// The device's admin password, if it has one.
        #[serde(default)]
        password_credential: Option<String>,
    },
    /// A Shelly Gen1 relay (`/relay/<n>?turn=on&timer=…`).
    ShellyGen1 {
        /// The device.
        url: Url,
        /// Relay index (default 0).
        #[serde(default)]
        relay: u32,
        /// The login, if "restrict login" is on.
        #[serde(default)]
        user: Option<String>,
        /// Its password.
        #[serde(default)]
        password_credential: Option<String>,
    },
    /// A Home Assistant service call (`lock.unlock`, `lock.open` or `button.press`).
    HomeAssistant {
        /// Home Assistant, e.g. `http://homeassistant.local:8123/`.
        url: Url,
        /// `lock.unlock`, `lock.open`, `button.press`, or `switch.turn_on` for a switch whose device
        /// turns itself off (then `switch_turns_itself_off = true` must say so).
        service: String,
        /// The entity, e.g. `lock.front_door`.
        entity_id: String,
        /// Staff attest that the switch's device turns it off by itself (Shelly auto-off, Tasmota
        /// `PulseTime`); required for `switch.turn_on`.
        #[serde(default)]
        switch_turns_itself_off: bool,
        /// A long-lived access token of a dedicated Home Assistant user.
        token_credential: String,
    },
    /// A relay on the `[mqtt]` broker, confirmed by the device's own state echo.
    /// `profile = "tasmota"` with `topic` and `relay` (default 1); `"zigbee2mqtt"` with `device`
    /// (and `base_topic`, default `zigbee2mqtt`); `"shelly"` with `prefix` and `switch_id`
    /// (default 0).
    Mqtt {
        /// `tasmota`, `zigbee2mqtt` or `shelly`.
        profile: String,
        /// Tasmota's topic (`cmnd/<topic>/…`).
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
    /// A signed webhook (Standard Webhooks, HMAC-SHA256).
    Webhook {
        /// The receiver (`https://` outside a lab).
        url: Url,
        /// The shared secret, `whsec_…`.
        secret_credential: String,
    },
}
