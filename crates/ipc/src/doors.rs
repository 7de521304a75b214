//! The console's Doors tab and status strip as they cross IPC (mirrors of the hub's console
//! types `DoorsView`, `DoorChange`, `Glance`: the same JSON shapes).

use serde::{Deserialize, Serialize};

use crate::DoorLatency;

/// How the hub reaches a door's device (the secret is never part of it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DoorDriverDto {
    /// Shelly Gen2+/Gen3 over HTTP.
    ShellyGen2 {
        /// The device.
        url: String,
        /// Switch id.
        #[serde(default)]
        channel: u32,
    },
    /// Shelly Gen1 over HTTP.
    ShellyGen1 {
        /// The device.
        url: String,
        /// Relay index.
        #[serde(default)]
        relay: u32,
        /// Login.
        #[serde(default)]
        user: Option<String>,
    },
    /// A Home Assistant service call.
    HomeAssistant {
        /// Home Assistant.
        url: String,
        /// The service.
        service: String,
        /// The entity.
        entity_id: String,
        /// Staff attest the switch turns itself off.
        #[serde(default)]
        switch_turns_itself_off: bool,
    },
    /// A relay on the hub's MQTT broker.
    Mqtt {
        /// `tasmota`, `zigbee2mqtt` or `shelly`.
        profile: String,
        /// Tasmota's topic.
        #[serde(default)]
        topic: Option<String>,
        /// Tasmota's relay, from 1.
        #[serde(default)]
        relay: Option<u32>,
        /// Zigbee2MQTT's friendly name.
        #[serde(default)]
        device: Option<String>,
        /// Zigbee2MQTT's base topic.
        #[serde(default)]
        base_topic: Option<String>,
        /// Shelly's prefix.
        #[serde(default)]
        prefix: Option<String>,
        /// Shelly's switch id.
        #[serde(default)]
        switch_id: Option<u32>,
    },
    /// A signed webhook.
    Webhook {
        /// The receiver.
        url: String,
    },
}

/// A door as staff edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorSetupDto {
    /// Door id (part of its QR link).
    pub id: String,
    /// Name.
    pub name: String,
    /// Entering checks in.
    pub entrance: bool,
    /// Strike release in milliseconds.
    pub pulse_ms: u32,
    /// Driver; `None`: cannot be opened yet.
    pub driver: Option<DoorDriverDto>,
}

/// Where a door's secret comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum DoorSecretDto {
    /// None.
    None,
    /// Entered in the console, sealed at the hub.
    Stored,
    /// A credential of the hub's environment.
    Credential {
        /// Its name.
        name: String,
    },
}

/// Whether a door's device can be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DoorReachDto {
    /// Announced online.
    Online,
    /// Offline (its Last Will).
    Offline,
    /// The broker connection is down.
    BrokerDown {
        /// Why.
        why: String,
    },
    /// Not known until used.
    Unknown,
    /// No driver.
    NoDriver,
}

/// A failed opening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorFailureDto {
    /// When (RFC 3339).
    pub at: String,
    /// What went wrong.
    pub what: String,
}

/// One door in the Doors tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorRowDto {
    /// Its setup.
    pub door: DoorSetupDto,
    /// Its secret's origin.
    pub secret: DoorSecretDto,
    /// Reachability.
    pub reach: DoorReachDto,
    /// Last failure.
    pub last_error: Option<DoorFailureDto>,
    /// Last opening (RFC 3339).
    pub last_opened_at: Option<String>,
    /// Opening times.
    pub latency: DoorLatency,
    /// Groups that open it.
    pub groups: Vec<String>,
}

/// The Doors tab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoorsDto {
    /// Every door.
    pub doors: Vec<DoorRowDto>,
    /// The hub's MQTT broker, if it has one.
    pub mqtt_broker: Option<String>,
}

/// The event the shell sends with a fresh [`Glance`] (every half minute while staff are
/// signed in).
pub const GLANCE_EVENT: &str = "frontdoor://glance";

/// One light of the status strip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Light {
    /// All well.
    pub ok: bool,
    /// In words.
    pub words: String,
}

/// The status strip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Glance {
    /// Cobot connection.
    pub cobot: Light,
    /// Last sync.
    pub sync: Light,
    /// Doors.
    pub doors: Light,
    /// Check-ins.
    pub check_ins: Light,
}

impl Glance {
    /// The lights with their names, in the strip's order.
    pub fn lights(&self) -> [(&'static str, &Light); 4] {
        [
            ("cobot", &self.cobot),
            ("sync", &self.sync),
            ("doors", &self.doors),
            ("check_ins", &self.check_ins),
        ]
    }

    /// The lights that were fine in `before` and are bad now: what a desktop notification tells
    /// staff. The first look (no `before`) turned nothing: the strip shows it.
    pub fn newly_bad(&self, before: Option<&Glance>) -> Vec<String> {
        let Some(before) = before.map(Glance::lights) else {
            return Vec::new();
        };
        self.lights()
            .into_iter()
            .zip(before)
            .filter(|((_, now), (_, was))| !now.ok && was.ok)
            .map(|((_, now), _)| now.words.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glance(cobot: bool, doors: bool) -> Glance {
        let light = |ok: bool, words: &str| Light {
            ok,
            words: words.into(),
        };
        Glance {
            cobot: light(cobot, if cobot { "Cobot connected" } else { "Cobot refused" }),
            sync: light(true, "Last sync just now"),
            doors: light(doors, if doors { "3 doors ready" } else { "1 door offline: Side" }),
            check_ins: light(true, "Check-ins fine today"),
        }
    }

    #[test]
    fn only_a_light_that_turns_bad_is_told() {
        assert!(
            glance(false, false).newly_bad(None).is_empty(),
            "the first look turns nothing"
        );
        assert_eq!(
            glance(true, false).newly_bad(Some(&glance(true, true))),
            ["1 door offline: Side"]
        );
        assert!(
            glance(true, false).newly_bad(Some(&glance(true, false))).is_empty(),
            "still bad: told once"
        );
        assert_eq!(
            glance(false, false).newly_bad(Some(&glance(true, true))),
            ["Cobot refused", "1 door offline: Side"]
        );
        assert!(
            glance(true, true).newly_bad(Some(&glance(false, false))).is_empty(),
            "turning good tells nothing"
        );
    }
}
