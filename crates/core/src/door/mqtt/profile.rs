//! A door's device convention (Tasmota, Zigbee2MQTT, Shelly over MQTT): its topics and payloads.

use super::*;

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

pub(super) fn check_topic_part(what: &str, value: &str) -> Result<(), InvalidProfile> {
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
pub(super) fn tenths_of_seconds(duration: Duration) -> f64 {
    let tenths = ((duration.as_millis() + 50) / 100).max(1);
    tenths as f64 / 10.0
}
