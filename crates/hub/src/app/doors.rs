//! The doors as the hub drives them: each door with its driver.
//!
//! The hub's database holds the doors ([`StoredDoor`]); on the first start the configuration
//! file's `[[doors]]` are imported once ([`import`]), and from then on staff add, edit and remove
//! doors in the console ([`crate::app::door_admin`]). A door's driver is built from its setup
//! ([`plan`] checks every field and names the wrong ones; [`Workshop::build`] makes the driver).
//!
//! Secrets are never in the configuration file nor answered by the console: a door imported from
//! the file names a credential that the hub looks up with [`Secrets`] (environment or systemd
//! credentials, see [`environment_secrets`]); a secret entered in the console is stored sealed
//! ([`crate::base::seal`], the door id as associated data).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdoor_core::access::DoorId;
use frontdoor_core::console::{DoorDriverSetup, DoorSetup};
use frontdoor_core::door::home_assistant::{HomeAssistant, HomeAssistantToken, Service};
use frontdoor_core::door::mqtt::{Broker, BrokerOptions, MqttRelay, Profile};
use frontdoor_core::door::shelly::{ShellyGen1, ShellyGen2};
use frontdoor_core::door::webhook::{Webhook, WebhookSecret};
use frontdoor_core::door::{http_client, DevicePassword, DoorDriver};
use url::Url;

use crate::base::config::{Config, DriverConfig, MqttConfig};
use crate::base::seal::SealKey;

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

pub use crate::store::doors::StoredDoor;

/// The associated data a door's secret is sealed with: it opens for that door only.
pub fn seal_owner(door_id: &str) -> String {
    format!("door:{door_id}")
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
    /// How to open it; `None` when it has no driver or its driver could not be built.
    pub driver: Option<Arc<dyn DoorDriver>>,
    /// Why the driver could not be built (a missing credential, a secret sealed with another
    /// key), in words for staff.
    pub problem: Option<String>,
}

/// Every door by id.
pub type Doors = HashMap<String, Arc<DoorRuntime>>;

/// The configuration file's doors, as the first stored ones: the driver's settings, and the name
/// of the credential that holds its secret.
pub fn import(config: &Config) -> Vec<StoredDoor> {
    config
        .doors
        .iter()
        .map(|d| {
            let (driver, credential) = match &d.driver {
                None => (None, None),
                Some(DriverConfig::ShellyGen2 {
                    url,
                    channel,
                    password_credential,
                }) => (
                    Some(DoorDriverSetup::ShellyGen2 {
                        url: url.to_string(),
                        channel: *channel,
                    }),
                    password_credential.clone(),
                ),
                Some(DriverConfig::ShellyGen1 {
                    url,
                    relay,
                    user,
                    password_credential,
                }) => (
                    Some(DoorDriverSetup::ShellyGen1 {
                        url: url.to_string(),
                        relay: *relay,
                        user: user.clone(),
                    }),
                    password_credential.clone(),
                ),
                Some(DriverConfig::HomeAssistant {
                    url,
                    service,
                    entity_id,
                    switch_turns_itself_off,
                    token_credential,
                }) => (
                    Some(DoorDriverSetup::HomeAssistant {
                        url: url.to_string(),
                        service: service.clone(),
                        entity_id: entity_id.clone(),
                        switch_turns_itself_off: *switch_turns_itself_off,
                    }),
                    Some(token_credential.clone()),
                ),
                Some(DriverConfig::Mqtt {
                    profile,
                    topic,
                    relay,
                    device,
                    base_topic,
                    prefix,
                    switch_id,
                }) => (
                    Some(DoorDriverSetup::Mqtt {
                        profile: profile.clone(),
                        topic: topic.clone(),
                        relay: *relay,
                        device: device.clone(),
                        base_topic: base_topic.clone(),
                        prefix: prefix.clone(),
                        switch_id: *switch_id,
                    }),
                    None,
                ),
                Some(DriverConfig::Webhook { url, secret_credential }) => (
                    Some(DoorDriverSetup::Webhook { url: url.to_string() }),
                    Some(secret_credential.clone()),
                ),
            };
            StoredDoor {
                setup: DoorSetup {
                    id: d.id.get_ref().clone(),
                    name: d.name.clone(),
                    entrance: d.entrance,
                    pulse_ms: (d.pulse_seconds * 1000.0).round() as u32,
                    driver,
                },
                credential,
                sealed: None,
            }
        })
        .collect()
}

/// The longest door name.
pub const MAX_NAME_CHARS: usize = 100;
/// The shortest and longest pulse.
pub const PULSE_MS: std::ops::RangeInclusive<u32> = 500..=30_000;
/// The longest secret staff may enter.
pub const MAX_SECRET_CHARS: usize = 4096;

/// A door's driver with every setting checked, ready to be built.
pub enum Plan {
    /// No driver.
    None,
    /// Shelly Gen2+.
    ShellyGen2(Url, u32, Option<DevicePassword>),
    /// Shelly Gen1.
    ShellyGen1(Url, u32, Option<(String, DevicePassword)>),
    /// Home Assistant.
    HomeAssistant(Url, Service, String, HomeAssistantToken),
    /// MQTT.
    Mqtt(Profile),
    /// Signed webhook.
    Webhook(Url, WebhookSecret),
}

fn device_url(text: &str, fields: &mut BTreeMap<String, String>) -> Option<Url> {
    match Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Some(url),
        Ok(_) | Err(_) => {
            fields.insert(
                "driver.url".into(),
                "Enter the device's address as http://… or https://…, e.g. http://192.168.1.20/".into(),
            );
            None
        }
    }
}

/// Checks a door's setup with its secret (the one entered now, else the stored one) and whether
/// the hub has an MQTT broker. Every wrong field is named, in words, keyed by its name in the
/// console's form (`name`, `pulse_ms`, `driver.url`, `secret`, …).
pub fn plan(setup: &DoorSetup, secret: Option<&str>, mqtt_broker: bool) -> Result<Plan, BTreeMap<String, String>> {
    let mut fields = BTreeMap::new();
    if let Err(e) = frontdoor_core::links::DoorId::parse(&setup.id) {
        fields.insert("id".into(), format!("{e}; the id is part of the door's QR link."));
    }
    let name = setup.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        fields.insert(
            "name".into(),
            format!("Give the door a name people know it by, up to {MAX_NAME_CHARS} characters."),
        );
    }
    if !PULSE_MS.contains(&setup.pulse_ms) {
        fields.insert(
            "pulse_ms".into(),
            "Release the strike for 500 to 30,000 milliseconds (3,000 is usual).".into(),
        );
    }
    if secret.is_some_and(|s| s.chars().count() > MAX_SECRET_CHARS) {
        fields.insert(
            "secret".into(),
            format!("A secret has at most {MAX_SECRET_CHARS} characters."),
        );
    }
    let secret = secret.filter(|s| !s.is_empty());
    let needs_secret = |fields: &mut BTreeMap<String, String>, what: &str| {
        if secret.is_none() {
            fields.insert(
                "secret".into(),
                format!("Enter the {what}; the hub stores it sealed and never shows it again."),
            );
        }
    };
    let plan = match &setup.driver {
        None => Some(Plan::None),
        Some(DoorDriverSetup::ShellyGen2 { url, channel }) => {
            device_url(url, &mut fields).map(|url| Plan::ShellyGen2(url, *channel, secret.map(DevicePassword::new)))
        }
        Some(DoorDriverSetup::ShellyGen1 { url, relay, user }) => device_url(url, &mut fields).map(|url| {
            let user = user
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .unwrap_or("admin");
            Plan::ShellyGen1(url, *relay, secret.map(|s| (user.to_string(), DevicePassword::new(s))))
        }),
        Some(DoorDriverSetup::HomeAssistant {
            url,
            service,
            entity_id,
            switch_turns_itself_off,
        }) => {
            let url = device_url(url, &mut fields);
            let service = match service.as_str() {
                "lock.unlock" => Some(Service::LockUnlock),
                "lock.open" => Some(Service::LockOpen),
                "button.press" => Some(Service::ButtonPress),
                "switch.turn_on" if *switch_turns_itself_off => Some(Service::SwitchTurnOnSelfClosing),
                "switch.turn_on" => {
                    fields.insert(
                        "driver.switch_turns_itself_off".into(),
                        "switch.turn_on leaves the door open unless the switch's device turns itself off (Shelly \
                         auto-off, Tasmota PulseTime). Set that up on the device, then tick this box."
                            .into(),
                    );
                    None
                }
                _ => {
                    fields.insert(
                        "driver.service".into(),
                        "Use lock.unlock, lock.open, button.press or switch.turn_on: services that close the door \
                         by themselves."
                            .into(),
                    );
                    None
                }
            };
            needs_secret(&mut fields, "Home Assistant long-lived access token");
            match (url, service, secret) {
                (Some(url), Some(service), Some(token)) => {
                    let token = HomeAssistantToken::new(token);
                    match HomeAssistant::new(http_client(), url.clone(), token.clone(), service, entity_id.trim()) {
                        Ok(_) => Some(Plan::HomeAssistant(url, service, entity_id.trim().to_string(), token)),
                        Err(e) => {
                            fields.insert("driver.entity_id".into(), format!("{e}."));
                            None
                        }
                    }
                }
                _ => None,
            }
        }
        Some(DoorDriverSetup::Mqtt {
            profile,
            topic,
            relay,
            device,
            base_topic,
            prefix,
            switch_id,
        }) => {
            if !mqtt_broker {
                fields.insert(
                    "driver.kind".into(),
                    "The hub has no MQTT broker. Add an [mqtt] section naming it to the hub's configuration file \
                     and restart the hub, or pick another kind."
                        .into(),
                );
            }
            let text = |v: &Option<String>| {
                v.as_deref()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            };
            let mut missing = |field: &str, what: &str| {
                fields.insert(format!("driver.{field}"), format!("Enter {what}."));
                None
            };
            let profile = match profile.as_str() {
                "tasmota" => match text(topic) {
                    Some(topic) => Some(Profile::tasmota(topic, relay.unwrap_or(1))),
                    None => missing("topic", "the device's Tasmota topic (cmnd/<topic>/…)"),
                },
                "zigbee2mqtt" => match (text(device), text(base_topic)) {
                    (Some(device), Some(base)) => Some(Profile::zigbee2mqtt_under(base, device)),
                    (Some(device), None) => Some(Profile::zigbee2mqtt(device)),
                    (None, _) => missing("device", "the device's Zigbee2MQTT friendly name"),
                },
                "shelly" => match text(prefix) {
                    Some(prefix) => Some(Profile::shelly(prefix, switch_id.unwrap_or(0))),
                    None => missing("prefix", "the Shelly's MQTT topic prefix"),
                },
                _ => {
                    fields.insert("driver.profile".into(), "Pick tasmota, zigbee2mqtt or shelly.".into());
                    None
                }
            };
            match profile.map(|p| p.check().map(|()| p)) {
                Some(Ok(p)) => Some(Plan::Mqtt(p)),
                Some(Err(e)) => {
                    fields.insert("driver.profile".into(), format!("{e}."));
                    None
                }
                None => None,
            }
        }
        Some(DoorDriverSetup::Webhook { url }) => {
            let url = device_url(url, &mut fields);
            needs_secret(&mut fields, "webhook's signing secret (whsec_…)");
            let key = secret.and_then(|s| match WebhookSecret::parse(s) {
                Ok(key) => Some(key),
                Err(e) => {
                    fields.insert("secret".into(), format!("{e}."));
                    None
                }
            });
            url.zip(key).map(|(url, key)| Plan::Webhook(url, key))
        }
    };
    match plan {
        Some(plan) if fields.is_empty() => Ok(plan),
        _ => Err(fields),
    }
}

/// Builds doors' drivers: holds the credential lookup, the key of sealed secrets, and the one
/// MQTT broker connection every MQTT door shares (made when the first MQTT door is built).
pub struct Workshop {
    secrets: Secrets,
    seal: SealKey,
    mqtt: Option<MqttConfig>,
    broker: Mutex<Option<Broker>>,
    clock: frontdoor_core::clock::Clock,
}

impl Workshop {
    /// A workshop with these credentials, this seal key and this broker.
    pub fn new(
        secrets: Secrets,
        seal: SealKey,
        mqtt: Option<MqttConfig>,
        clock: frontdoor_core::clock::Clock,
    ) -> Workshop {
        Workshop {
            secrets,
            seal,
            mqtt,
            broker: Mutex::new(None),
            clock,
        }
    }

    /// The broker's address, when the hub has one.
    pub fn mqtt_broker(&self) -> Option<String> {
        self.mqtt.as_ref().map(|m| format!("{}:{}", m.host, m.port))
    }

    /// Seals a secret for a door.
    pub fn seal(&self, door_id: &str, secret: &str) -> Vec<u8> {
        self.seal.seal(&seal_owner(door_id), secret.as_bytes())
    }

    /// A stored door's secret: the sealed one, else its credential. `Err` says why it is missing.
    pub fn secret_of(&self, door: &StoredDoor) -> Result<Option<String>, Problem> {
        if let Some(sealed) = &door.sealed {
            let raw = self
                .seal
                .open(&seal_owner(&door.setup.id), sealed)
                .map_err(Problem::SecretUnreadable)?;
            return String::from_utf8(raw).map(Some).map_err(|_| Problem::SecretNotText);
        }
        match &door.credential {
            Some(name) => (self.secrets)(name)
                .map(Some)
                .ok_or_else(|| Problem::CredentialMissing { name: name.clone() }),
            None => Ok(None),
        }
    }

    /// The door ready to open. A driver that cannot be built leaves the door without one and says
    /// why in [`DoorRuntime::problem`]: the door stays shut, staff see the reason.
    /// Must run inside a Tokio runtime when the door uses MQTT (the broker connection is a task).
    pub fn build(&self, door: &StoredDoor) -> DoorRuntime {
        self.assemble(door, self.driver(door))
    }

    /// The runtime of `door` with its driver, or with why it has none.
    fn assemble(&self, door: &StoredDoor, driver: Result<Option<Arc<dyn DoorDriver>>, Problem>) -> DoorRuntime {
        let setup = &door.setup;
        let (driver, problem) = match driver {
            Ok(driver) => (driver, None),
            Err(problem) => {
                tracing::warn!("the door “{}” cannot be opened: {problem}", setup.id);
                (None, Some(problem.to_string()))
            }
        };
        DoorRuntime {
            id: DoorId(setup.id.clone()),
            name: setup.name.clone(),
            entrance: setup.entrance,
            pulse: Duration::from_millis(u64::from(setup.pulse_ms)),
            driver,
            problem,
        }
    }

    fn driver(&self, door: &StoredDoor) -> Result<Option<Arc<dyn DoorDriver>>, Problem> {
        let secret = self.secret_of(door)?;
        let plan = plan(&door.setup, secret.as_deref(), self.mqtt.is_some()).map_err(Problem::Setup)?;
        let id = &door.setup.id;
        Ok(match plan {
            Plan::None => None,
            Plan::ShellyGen2(url, channel, password) => {
                let mut driver = ShellyGen2::new(http_client(), url, channel);
                if let Some(password) = password {
                    driver = driver.with_password(password);
                }
                Some(Arc::new(driver))
            }
            Plan::ShellyGen1(url, relay, login) => {
                let mut driver = ShellyGen1::new(http_client(), url, relay);
                if let Some((user, password)) = login {
                    driver = driver.with_login(user, password);
                }
                Some(Arc::new(driver))
            }
            Plan::HomeAssistant(url, service, entity, token) => Some(Arc::new(
                HomeAssistant::new(http_client(), url, token, service, entity).map_err(Problem::Entity)?,
            )),
            Plan::Mqtt(profile) => {
                let broker = self.broker()?;
                Some(Arc::new(MqttRelay::new(&broker, profile).map_err(Problem::Mqtt)?))
            }
            Plan::Webhook(url, secret) => Some(Arc::new(
                Webhook::new(http_client(), url, DoorId(id.clone()), secret).with_clock(self.clock.clone()),
            )),
        })
    }

    fn broker(&self) -> Result<Broker, Problem> {
        let mut broker = self.broker.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = &*broker {
            return Ok(b.clone());
        }
        let mqtt = self.mqtt.as_ref().ok_or(Problem::NoBroker)?;
        let mut options = BrokerOptions::new(mqtt.host.clone(), mqtt.port);
        if let Some(user) = &mqtt.username {
            let password = match &mqtt.password_credential {
                Some(name) => DevicePassword::new(
                    (self.secrets)(name).ok_or_else(|| Problem::BrokerCredentialMissing { name: name.clone() })?,
                ),
                None => DevicePassword::new(""),
            };
            options = options.with_login(user.clone(), password);
        }
        let b = Broker::connect(options);
        *broker = Some(b.clone());
        Ok(b)
    }
}

/// Builds every configured door's driver (the configuration file's doors, as the first start
/// imports them). Fails, naming the door, when one cannot be built.
/// Must run inside a Tokio runtime when a door uses MQTT (the broker connection is a task).
pub fn build(config: &Config, secrets: &Secrets) -> Result<Doors, BuildError> {
    let workshop = Workshop::new(
        secrets.clone(),
        SealKey::random(),
        config.mqtt.clone(),
        frontdoor_core::clock::Clock::system(),
    );
    let mut doors = HashMap::new();
    for door in import(config) {
        let driver = workshop.driver(&door).map_err(|problem| BuildError {
            door: door.setup.id.clone(),
            problem,
        })?;
        doors.insert(door.setup.id.clone(), Arc::new(workshop.assemble(&door, Ok(driver))));
    }
    Ok(doors)
}

/// Why a door has no driver: the door stays shut and staff read this.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The sealed secret does not open with this hub's store key.
    #[error("its secret cannot be read ({0}); enter it again in the console")]
    SecretUnreadable(#[source] crate::base::seal::Error),
    /// The sealed secret opened but is not text.
    #[error("its secret cannot be read; enter it again in the console")]
    SecretNotText,
    /// The named credential is in neither the environment nor systemd's credentials.
    #[error(
        "it needs the credential “{name}”: set {} or provide the systemd credential {name}, or enter the secret in the console",
        secret_variable(name)
    )]
    CredentialMissing {
        /// The credential's name.
        name: String,
    },
    /// The stored setup does not make a driver: the fields and why.
    #[error("{}", .0.iter().map(|(field, why)| format!("{field}: {why}")).collect::<Vec<_>>().join(" "))]
    Setup(BTreeMap<String, String>),
    /// A Home Assistant entity that does not fit the service.
    #[error(transparent)]
    Entity(#[from] frontdoor_core::door::home_assistant::WrongEntity),
    /// An MQTT profile that cannot work.
    #[error(transparent)]
    Mqtt(#[from] frontdoor_core::door::mqtt::InvalidProfile),
    /// An MQTT door, and no broker configured.
    #[error("it uses MQTT, but there is no [mqtt] section naming the broker")]
    NoBroker,
    /// The broker's password credential is missing.
    #[error(
        "the MQTT broker needs the credential “{name}”: set {} or provide the systemd credential {name}",
        secret_variable(name)
    )]
    BrokerCredentialMissing {
        /// The credential's name.
        name: String,
    },
}

/// A configured door that cannot be built, at start.
#[derive(Debug, thiserror::Error)]
#[error("the door “{door}”: {problem}")]
pub struct BuildError {
    /// The door's id.
    pub door: String,
    /// Why.
    #[source]
    pub problem: Problem,
}

#[cfg(test)]
mod tests;
