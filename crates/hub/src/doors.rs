//! The doors as the hub drives them: each configured door with its driver, built once at start.
//!
//! Secrets are never in the configuration file: a driver names a credential and the hub looks it
//! up with [`Secrets`] (environment or systemd credentials, see [`environment_secrets`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use frontdoor_core::access::DoorId;
use frontdoor_core::door::home_assistant::{HomeAssistant, HomeAssistantToken, Service};
use frontdoor_core::door::mqtt::{Broker, BrokerOptions, MqttRelay, Profile};
use frontdoor_core::door::shelly::{ShellyGen1, ShellyGen2};
use frontdoor_core::door::webhook::{Webhook, WebhookSecret};
use frontdoor_core::door::{http_client, DevicePassword, DoorDriver};

use crate::config::{Config, DriverConfig};

/// Looks a credential up by name.
pub type Secrets = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The environment variable a credential is read from: `FRONTDOOR_HUB_SECRET_<NAME>`, the name
/// in upper case with anything but letters and digits as `_`.
pub fn secret_variable(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("FRONTDOOR_HUB_SECRET_{name}")
}

/// Credentials from the environment ([`secret_variable`]) or, failing that, from systemd's
/// `$CREDENTIALS_DIRECTORY/<name>`.
pub fn environment_secrets() -> Secrets {
    Arc::new(|name: &str| {
        if let Ok(value) = std::env::var(secret_variable(name)) {
            if !value.trim().is_empty() {
                return Some(value.trim().to_string());
            }
        }
        let dir = std::env::var_os("CREDENTIALS_DIRECTORY")?;
        let text = std::fs::read_to_string(std::path::Path::new(&dir).join(name)).ok()?;
        Some(text.trim().to_string()).filter(|t| !t.is_empty())
    })
}

/// No credentials at all.
pub fn no_secrets() -> Secrets {
    Arc::new(|_: &str| None)
}

/// One door, ready to open.
pub struct DoorRuntime {
    /// Its id.
    pub id: DoorId,
    /// What people call it.
    pub name: String,
    /// Entering here checks in.
    pub entrance: bool,
    /// How long the device releases the strike.
    pub pulse: Duration,
    /// How to open it; `None` when the configuration names no driver.
    pub driver: Option<Arc<dyn DoorDriver>>,
}

/// Every configured door by id.
pub type Doors = HashMap<String, Arc<DoorRuntime>>;

/// Builds every door's driver. Fails, naming the door, when a credential is missing or a driver
/// setting does not fit.
/// Must run inside a Tokio runtime when a door uses MQTT (the broker connection is a task).
pub fn build(config: &Config, secrets: &Secrets) -> Result<Doors, String> {
    let mut doors = HashMap::new();
    let mut broker: Option<Broker> = None;
    for d in &config.doors {
        let id = d.id.get_ref().clone();
        let credential = |name: &str| {
            secrets(name).ok_or_else(|| {
                format!(
                    "the door “{id}” needs the credential “{name}”: set {} or provide the systemd credential {name}",
                    secret_variable(name)
                )
            })
        };
        let driver: Option<Arc<dyn DoorDriver>> = match &d.driver {
            None => None,
            Some(DriverConfig::ShellyGen2 {
                url,
                channel,
                password_credential,
            }) => {
                let mut driver = ShellyGen2::new(http_client(), url.clone(), *channel);
                if let Some(name) = password_credential {
                    driver = driver.with_password(DevicePassword::new(credential(name)?));
                }
                Some(Arc::new(driver))
            }
            Some(DriverConfig::ShellyGen1 {
                url,
                relay,
                user,
                password_credential,
            }) => {
                let mut driver = ShellyGen1::new(http_client(), url.clone(), *relay);
                if let Some(name) = password_credential {
                    let user = user.clone().unwrap_or_else(|| "admin".into());
                    driver = driver.with_login(user, DevicePassword::new(credential(name)?));
                }
                Some(Arc::new(driver))
            }
            Some(DriverConfig::HomeAssistant {
                url,
                service,
                entity_id,
                token_credential,
                switch_turns_itself_off,
            }) => {
                let service = match service.as_str() {
                    "lock.unlock" => Service::LockUnlock,
                    "lock.open" => Service::LockOpen,
                    "button.press" => Service::ButtonPress,
                    "switch.turn_on" if *switch_turns_itself_off => Service::SwitchTurnOnSelfClosing,
                    "switch.turn_on" => {
                        return Err(format!(
                            "the door “{id}” uses switch.turn_on, which leaves the door open unless the switch's \
                             device turns itself off (Shelly auto-off, Tasmota PulseTime). Configure that on the \
                             device, then add switch_turns_itself_off = true to the driver"
                        ))
                    }
                    other => {
                        return Err(format!(
                            "the door “{id}” uses the Home Assistant service “{other}”; use lock.unlock, lock.open, \
                             button.press or switch.turn_on (services that close the door by themselves)"
                        ))
                    }
                };
                let token = HomeAssistantToken::new(credential(token_credential)?);
                let driver = HomeAssistant::new(http_client(), url.clone(), token, service, entity_id.clone())
                    .map_err(|e| format!("the door “{id}”: {e}"))?;
                Some(Arc::new(driver))
            }
            Some(DriverConfig::Mqtt {
                profile,
                topic,
                relay,
                device,
                base_topic,
                prefix,
                switch_id,
            }) => {
                let missing =
                    |field: &str| format!("the door “{id}” uses the MQTT profile “{profile}”, which needs `{field}`");
                let profile = match profile.as_str() {
                    "tasmota" => Profile::tasmota(topic.clone().ok_or_else(|| missing("topic"))?, relay.unwrap_or(1)),
                    "zigbee2mqtt" => {
                        let device = device.clone().ok_or_else(|| missing("device"))?;
                        match base_topic {
                            Some(base) => Profile::zigbee2mqtt_under(base.clone(), device),
                            None => Profile::zigbee2mqtt(device),
                        }
                    }
                    "shelly" => {
                        Profile::shelly(prefix.clone().ok_or_else(|| missing("prefix"))?, switch_id.unwrap_or(0))
                    }
                    other => {
                        return Err(format!(
                            "the door “{id}” uses the MQTT profile “{other}”; use tasmota, zigbee2mqtt or shelly"
                        ))
                    }
                };
                let broker = match &broker {
                    Some(b) => b.clone(),
                    None => {
                        let mqtt = config.mqtt.as_ref().ok_or_else(|| {
                            format!("the door “{id}” uses MQTT, but there is no [mqtt] section naming the broker")
                        })?;
                        let mut options = BrokerOptions::new(mqtt.host.clone(), mqtt.port);
                        if let Some(user) = &mqtt.username {
                            let password = match &mqtt.password_credential {
                                Some(name) => DevicePassword::new(secrets(name).ok_or_else(|| {
                                    format!(
                                        "the MQTT broker needs the credential “{name}”: set {} or provide the systemd credential {name}",
                                        secret_variable(name)
                                    )
                                })?),
                                None => DevicePassword::new(""),
                            };
                            options = options.with_login(user.clone(), password);
                        }
                        let b = Broker::connect(options);
                        broker = Some(b.clone());
                        b
                    }
                };
                let relay = MqttRelay::new(&broker, profile).map_err(|e| format!("the door “{id}”: {e}"))?;
                Some(Arc::new(relay))
            }
            Some(DriverConfig::Webhook { url, secret_credential }) => {
                let secret = WebhookSecret::parse(&credential(secret_credential)?)
                    .map_err(|e| format!("the door “{id}”: the credential “{secret_credential}”: {e}"))?;
                Some(Arc::new(Webhook::new(
                    http_client(),
                    url.clone(),
                    DoorId(id.clone()),
                    secret,
                )))
            }
        };
        doors.insert(
            id.clone(),
            Arc::new(DoorRuntime {
                id: DoorId(id),
                name: d.name.clone(),
                entrance: d.entrance,
                pulse: Duration::from_secs_f64(d.pulse_seconds),
                driver,
            }),
        );
    }
    Ok(doors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_variables_are_upper_case_with_underscores() {
        assert_eq!(
            secret_variable("front-shelly.pw"),
            "FRONTDOOR_HUB_SECRET_FRONT_SHELLY_PW"
        );
    }

    #[test]
    fn a_missing_credential_names_the_door_and_where_to_put_it() {
        let config = Config::parse(
            "[space]\nsubdomain = \"l\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n[[doors]]\nid = \"front\"\nname = \"F\"\n\
             driver = { kind = \"shelly-gen2\", url = \"http://10.0.0.5/\", password_credential = \"front-shelly\" }\n",
        )
        .unwrap();
        let err = build(&config, &no_secrets()).err().expect("refused");
        assert_eq!(
            err,
            "the door “front” needs the credential “front-shelly”: set FRONTDOOR_HUB_SECRET_FRONT_SHELLY or provide \
             the systemd credential front-shelly"
        );
        let secrets: Secrets = Arc::new(|name: &str| (name == "front-shelly").then(|| "pw".to_string()));
        let doors = build(&config, &secrets).expect("built");
        assert!(doors["front"].driver.is_some());
        assert!(!doors["front"].driver.as_ref().unwrap().describe().contains("pw"));
    }

    #[test]
    fn a_home_assistant_switch_needs_staff_to_say_it_turns_itself_off() {
        let door = |extra: &str| {
            Config::parse(&format!(
                "[space]\nsubdomain = \"l\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n[[doors]]\nid = \"front\"\n\
                 name = \"F\"\ndriver = {{ kind = \"home-assistant\", url = \"http://ha.local:8123/\", service = \"switch.turn_on\", \
                 entity_id = \"switch.front_strike\", token_credential = \"ha\"{extra} }}\n"
            ))
            .unwrap()
        };
        let secrets: Secrets = Arc::new(|name: &str| (name == "ha").then(|| "token".to_string()));
        let err = build(&door(""), &secrets).err().expect("refused");
        assert!(err.contains("switch_turns_itself_off = true"), "{err}");
        let doors = build(&door(", switch_turns_itself_off = true"), &secrets).expect("built");
        assert!(doors["front"]
            .driver
            .as_ref()
            .unwrap()
            .describe()
            .contains("switch.turn_on switch.front_strike"));
    }
}
