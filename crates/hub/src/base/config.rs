//! The hub's configuration file (TOML): the space, where Cobot is, the doors, the user groups and
//! which plans give which groups. Errors name the line and say what is wrong.

mod cobot;
mod driver;
mod phone;
pub use cobot::{CheckInScope, Cobot, IdTokenNonce, DEFAULT_SYNC_SCOPES, DEMO_CLIENT_SECRET};
pub use driver::DriverConfig;
pub use phone::PhoneConfig;

use std::path::Path;

use frontdoor_core::access::{self, Assignment, Door, DoorId, Group, GroupId, PlanMatch, Rules, Schedule};
use frontdoor_core::links::Subdomain;
use jiff::tz::TimeZone;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The space this hub serves.
    pub space: Space,
    /// Where Cobot is and how the app signs in. Optional: the defaults are the real Cobot, and
    /// the client id may come from `FRONTDOOR_HUB_COBOT_CLIENT_ID` (or the credential
    /// `cobot-client-id`) like its secret.
    #[serde(default)]
    pub cobot: Cobot,
    /// Sync settings.
    #[serde(default)]
    pub sync: Sync,
    /// The hub itself.
    #[serde(default)]
    pub hub: HubSection,
    /// The doors.
    #[serde(default)]
    pub doors: Vec<DoorConfig>,
    /// User groups.
    #[serde(default)]
    pub groups: Vec<GroupConfig>,
    /// Plan → groups assignments.
    #[serde(default)]
    pub plans: Vec<PlanConfig>,
    /// When entering checks members in to Cobot.
    #[serde(default)]
    pub check_in: CheckInConfig,
    /// Unlock requests: rate limit and double taps.
    #[serde(default)]
    pub unlock: UnlockConfig,
    /// How much of the audit log is kept.
    #[serde(default)]
    pub audit: AuditConfig,
    /// The MQTT broker that doors with `kind = "mqtt"` drivers are reached through.
    #[serde(default)]
    pub mqtt: Option<MqttConfig>,
    /// `[phone]`: the store links the join and door pages offer, and a space's own app build
    /// whose App Links / Universal Links open them (see [`crate::http::phone_pages`]).
    #[serde(default)]
    pub phone: PhoneConfig,
    /// `[fleet]`: join an operator's fleet over NATS (optional; without it the hub is alone).
    #[serde(default)]
    pub fleet: Option<FleetConfig>,
}

/// `[fleet]`: the NATS server the hub dials out to, and its name there. The hub opens no port
/// for the fleet; without the link it works exactly as alone and catches up when it returns.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetConfig {
    /// `nats://host:port` (or `tls://…`).
    pub nats: Url,
    /// This hub's name in the fleet: 1–40 of `a-z`, `0-9`, `-`, unique across it.
    pub hub_id: String,
    /// The name of the credential holding this hub's NATS password (never the password itself;
    /// its NATS user is `hub_id`), looked up like a door's: `FRONTDOOR_HUB_SECRET_<NAME>` or the
    /// systemd credential.
    #[serde(default)]
    pub password_credential: Option<String>,
}

/// `[mqtt]`: one broker connection shared by every MQTT door.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttConfig {
    /// Host name or address.
    pub host: String,
    /// Port (default 1883).
    #[serde(default = "default_mqtt_port")]
    pub port: u16,
    /// The broker login, if it wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// The name of the credential holding the broker password (never the password itself).
    #[serde(default)]
    pub password_credential: Option<String>,
}

fn default_mqtt_port() -> u16 {
    1883
}

/// `[check_in]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckInConfig {
    /// `once-per-day` (default): an entry through an entrance door checks the member in unless
    /// Cobot already has them checked in (a check-in whose `valid_until` is still ahead: until
    /// 03:59 the next morning for a day pass or an unlimited plan, until a duration or fixed-span
    /// pass ends); `off`: the hub never checks anyone in.
    #[serde(default)]
    pub policy: CheckInPolicy,
    /// A member without a usable time pass: `open-anyway` (default, as Cobot's own door
    /// integrations: the door opens and Cobot's refusal is reported) or `refuse` (the hub checks
    /// the member in with Cobot *before* the door, and a refusal keeps it shut with Cobot's
    /// words). Staff can change it in the console; this is the default.
    #[serde(default)]
    pub no_pass: NoPass,
}

impl Default for CheckInConfig {
    fn default() -> Self {
        CheckInConfig {
            policy: CheckInPolicy::OncePerDay,
            no_pass: NoPass::OpenAnyway,
        }
    }
}

/// See [`CheckInConfig::policy`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckInPolicy {
    /// An entry checks the member in unless a check-in of theirs is still running at Cobot (the
    /// name is older than the rule: Cobot's day, not the calendar's, and passes shorter than it).
    #[default]
    OncePerDay,
    /// Never check in.
    Off,
}

/// See [`CheckInConfig::no_pass`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoPass {
    /// Open, check in afterwards, and show Cobot's refusal to staff and the member.
    #[default]
    #[serde(alias = "open_anyway")]
    OpenAnyway,
    /// Check in before the door; Cobot's refusal keeps the door shut. If Cobot does not answer
    /// in time, the door opens as with `open-anyway`.
    Refuse,
}

/// `[unlock]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockConfig {
    /// Unlock requests one person may make per minute, across all doors; more are refused with
    /// "wait a moment" (default 12).
    #[serde(default = "default_per_minute")]
    pub per_minute: u32,
}

impl Default for UnlockConfig {
    fn default() -> Self {
        UnlockConfig {
            per_minute: default_per_minute(),
        }
    }
}

fn default_per_minute() -> u32 {
    12
}

/// `[audit]`: the audit log's bounds. Rows older than `keep_days`, then the oldest beyond
/// `max_rows`, are deleted at start and every hour; when the disk fills, the oldest rows go
/// first (see [`crate::store::journal`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// Days an audit row is kept (default 400: a year and a margin for yearly reviews).
    #[serde(default = "default_keep_days")]
    pub keep_days: u32,
    /// Rows kept at most (default 2,000,000: a few hundred MB).
    #[serde(default = "default_max_rows")]
    pub max_rows: u64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            keep_days: default_keep_days(),
            max_rows: default_max_rows(),
        }
    }
}

fn default_keep_days() -> u32 {
    400
}

fn default_max_rows() -> u64 {
    2_000_000
}

/// The fewest rows `[audit] max_rows` may keep: below it, one busy afternoon would erase the
/// morning's record.
pub const MIN_AUDIT_ROWS: u64 = 1_000;

/// `[space]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Space {
    /// Cobot subdomain.
    pub subdomain: Subdomain,
    /// Display name.
    pub name: String,
    /// IANA time zone for schedules and membership dates.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
}

/// `[sync]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sync {
    /// Minutes between full syncs (Cobot's own guide syncs every 30).
    #[serde(default = "default_interval")]
    pub interval_minutes: u64,
    /// Read extra groups from the membership custom field `smart_spaces_access_additional_units`.
    #[serde(default)]
    pub extra_groups: bool,
    /// How old the hub's copy of Cobot may grow (hours without reaching Cobot) before it stops
    /// opening doors for members; staff still open every door. 1 to 720; default
    /// [`DEFAULT_MAX_AGE_HOURS`].
    #[serde(default = "default_max_age_hours")]
    pub max_age_hours: u32,
}

/// The default bound on the copy's age: 72 hours. Long enough that a Cobot or internet outage
/// over a whole weekend (Friday evening to Monday morning, ~60 h) never locks members out on
/// Monday; short enough that a member canceled in Cobot during an outage keeps access for at most
/// three days. Kisi lets a reader work 36 h offline (too short for a weekend); Avigilon Alta keeps
/// opening for 30 days, which admits revoked members for a month.
pub const DEFAULT_MAX_AGE_HOURS: u32 = 72;

fn default_max_age_hours() -> u32 {
    DEFAULT_MAX_AGE_HOURS
}

impl Default for Sync {
    fn default() -> Self {
        Sync {
            interval_minutes: default_interval(),
            extra_groups: false,
            max_age_hours: DEFAULT_MAX_AGE_HOURS,
        }
    }
}

/// `[hub]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    /// The hub's address as Cobot reaches it; with it the hub subscribes to Cobot's webhooks
    /// (`<public_url>/api/v1/cobot/webhooks/<event>`) and re-reads a membership as soon as it
    /// changes. Without it only the scheduled and manual syncs run.
    /// It is also where members' sign-ins come back: the OAuth client registered at Cobot for
    /// Frontdoor has `<public_url>/auth/callback` as its one redirect URI.
    #[serde(default)]
    pub public_url: Option<Url>,
    /// https App Links (`https://…/auth/callback`) a space's own app build may ask sign-ins to be
    /// handed to, besides `frontdoor://auth/callback` and loopback ports.
    #[serde(default)]
    pub return_urls: Vec<Url>,
    /// Serve https directly: PEM certificate chain and private key files. Without them the hub
    /// speaks plain http and belongs behind a TLS-terminating reverse proxy.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// Addresses of reverse proxies in front of the hub: requests from them are attributed to
    /// the client they name in `X-Forwarded-For` (for per-address limits).
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// `[hub.tls]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain.
    pub cert: std::path::PathBuf,
    /// PEM private key.
    pub key: std::path::PathBuf,
}

/// `[[doors]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoorConfig {
    /// Door id (used in `frontdoor://open` links).
    pub id: Spanned<String>,
    /// What people call it.
    pub name: String,
    /// Entering through this door checks the member in to Cobot (see `[check_in]`).
    #[serde(default)]
    pub entrance: bool,
    /// How long the strike stays released, in seconds (0.5–30; default 3). The device turns it
    /// off by itself.
    #[serde(default = "default_pulse_seconds")]
    pub pulse_seconds: f64,
    /// How the hub opens it; a door without one shows its verdict but cannot be unlocked.
    #[serde(default)]
    pub driver: Option<DriverConfig>,
}

fn default_pulse_seconds() -> f64 {
    3.0
}

/// `[[groups]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    /// External identifier (as staff type it in the custom field).
    pub id: Spanned<String>,
    /// Display name in the staff console (default: the identifier). Read only when the hub's
    /// database has no access setup yet, like the rest of `[[groups]]`.
    #[serde(default)]
    pub name: Option<String>,
    /// Doors the group opens.
    #[serde(default)]
    pub doors: Vec<Spanned<String>>,
    /// Weekly schedule, e.g. `Mon-Fri 07:00-22:00; Sat 10:00-16:00`; absent means always.
    #[serde(default)]
    pub schedule: Option<Spanned<String>>,
}

/// `[[plans]]`: a Cobot plan, by `id` or by `name`, and the groups it gives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanConfig {
    /// The plan's id in Cobot.
    #[serde(default)]
    pub id: Option<String>,
    /// The plan's name in Cobot.
    #[serde(default)]
    pub name: Option<String>,
    /// Groups.
    pub groups: Vec<Spanned<String>>,
}

impl PlanConfig {
    /// How the entry recognises its plan; `None` unless exactly one of `id` and `name` is given.
    pub fn plan_match(&self) -> Option<PlanMatch> {
        match (&self.id, &self.name) {
            (Some(id), None) => Some(PlanMatch::Id(id.clone())),
            (None, Some(name)) => Some(PlanMatch::Name(name.clone())),
            _ => None,
        }
    }
}

fn default_time_zone() -> String {
    "Europe/Berlin".into()
}

fn default_interval() -> u64 {
    60
}

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid; the message names the line.
    #[error("{path}: {source}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, with the line and column.
        #[source]
        source: Invalid,
    },
}

/// What is wrong with a configuration, with its line and column where the text is known.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    /// Not TOML, or a value of the wrong type or an unknown key.
    #[error("{at}{}", source.message())]
    Syntax {
        /// "line L, column C: ", or empty.
        at: String,
        /// The TOML reader's error (boxed: it is large, and rare).
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A setting the hub refuses, in words that name it (and its line, where known).
    #[error("{0}")]
    Setting(String),
}

impl From<String> for Invalid {
    fn from(words: String) -> Invalid {
        Invalid::Setting(words)
    }
}

impl From<&str> for Invalid {
    fn from(words: &str) -> Invalid {
        Invalid::Setting(words.to_string())
    }
}

/// Turns a byte offset into "line L, column C: ".
fn at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line = text[..offset].matches('\n').count() + 1;
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("line {line}, column {column}: ")
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text).map_err(|source| Error::Invalid {
            path: path.display().to_string(),
            source,
        })
    }

    /// Parses configuration text and checks it; the error names line and column.
    pub fn parse(text: &str) -> Result<Config, Invalid> {
        let config: Config = toml::from_str(text).map_err(|source| Invalid::Syntax {
            at: source.span().map(|s| at(text, s.start)).unwrap_or_default(),
            source: Box::new(source),
        })?;
        if !config.cobot.space_template.contains("{subdomain}") {
            return Err("cobot.space_template must contain {subdomain}".into());
        }
        if let Some(url) = &config.cobot.space_url {
            if !matches!(url.scheme(), "https" | "http")
                || url.host_str().is_none()
                || url.query().is_some()
                || url.fragment().is_some()
            {
                return Err(Invalid::from(format!(
                    "cobot.space_url must be the space's own address, like https://members.lighthouse.example, not {:?}",
                    url.as_str()
                )));
            }
        }

        if let Some(issuer) = config.cobot.issuer.as_deref().map(str::trim) {
            if !matches!(issuer, "space" | "www") && Url::parse(issuer).is_err() {
                return Err(Invalid::from(format!(
                    "cobot.issuer must be \"space\", \"www\" or a URL like https://members.lighthouse.example, not {issuer:?}"
                )));
            }
        }
        if !config.cobot.scopes.iter().any(|s| s == "openid") {
            return Err("cobot.scopes must include \"openid\": the hub verifies who signed in by the ID token".into());
        }
        if !config.cobot.sync_scopes.iter().any(|s| s == "read_user") {
            return Err("cobot.sync_scopes must include \"read_user\": the hub checks that whoever connects Cobot is an admin of the space".into());
        }
        if config.unlock.per_minute == 0 {
            return Err("unlock.per_minute must be at least 1 (0 would lock everyone out)".into());
        }
        if !(1..=720).contains(&config.sync.max_age_hours) {
            return Err(Invalid::from(format!(
                "sync.max_age_hours must be 1 to 720 (30 days); {} is outside. It is how long members still get in \
                 while the hub cannot reach Cobot",
                config.sync.max_age_hours
            )));
        }
        if config.audit.keep_days == 0 {
            return Err("audit.keep_days must be at least 1 (0 would delete every record at once)".into());
        }
        if config.audit.max_rows < MIN_AUDIT_ROWS {
            return Err(Invalid::from(format!(
                "audit.max_rows must be at least {MIN_AUDIT_ROWS} (fewer would erase today's record by tonight)"
            )));
        }
        if let Some(mqtt) = &config.mqtt {
            if mqtt.password_credential.is_some() && mqtt.username.is_none() {
                return Err("mqtt.password_credential needs mqtt.username: a broker login has both".into());
            }
        }
        if let Some(fleet) = &config.fleet {
            if !frontdoor_core::fleet::is_name(&fleet.hub_id) {
                return Err(Invalid::from(format!(
                    "fleet.hub_id must be 1 to 40 of a-z, 0-9 and '-' (it names the hub's subjects), not {:?}",
                    fleet.hub_id
                )));
            }
            if !frontdoor_core::fleet::is_name(config.space.subdomain.as_str()) {
                return Err(Invalid::from(format!(
                    "a hub in a fleet needs a space subdomain of a-z, 0-9 and '-' only, not {:?}",
                    config.space.subdomain.as_str()
                )));
            }
            if !matches!(fleet.nats.scheme(), "nats" | "tls") || fleet.nats.host_str().is_none() {
                return Err(Invalid::from(format!(
                    "fleet.nats must be a NATS address like nats://fleet.example:4222, not {:?}",
                    fleet.nats.as_str()
                )));
            }
        }
        config.rules_with(text)?;
        Ok(config)
    }

    /// The access rules this configuration describes.
    pub fn rules(&self) -> Result<Rules, Invalid> {
        self.rules_with("")
    }

    /// Builds the rules; with the configuration's text, errors name the line.
    fn rules_with(&self, text: &str) -> Result<Rules, Invalid> {
        let located = |span: std::ops::Range<usize>, message: String| {
            if text.is_empty() {
                message
            } else {
                format!("{}{message}", at(text, span.start))
            }
        };
        let time_zone = TimeZone::get(&self.space.time_zone).map_err(|_| {
            format!(
                "space.time_zone: “{}” is not an IANA time zone such as Europe/Berlin",
                self.space.time_zone
            )
        })?;
        let mut doors = Vec::new();
        for d in &self.doors {
            if frontdoor_core::links::DoorId::parse(d.id.get_ref()).is_err() {
                return Err(Invalid::from(located(
                    d.id.span(),
                    format!(
                        "the door id “{}” may only have letters, digits, '_' and '-'",
                        d.id.get_ref()
                    ),
                )));
            }
            if doors.iter().any(|o: &Door| o.id.0 == *d.id.get_ref()) {
                return Err(Invalid::from(located(
                    d.id.span(),
                    format!("the door “{}” is defined twice", d.id.get_ref()),
                )));
            }
            if !(0.5..=30.0).contains(&d.pulse_seconds) {
                return Err(Invalid::from(located(
                    d.id.span(),
                    format!(
                        "the door “{}” has pulse_seconds = {}; use 0.5 to 30 seconds",
                        d.id.get_ref(),
                        d.pulse_seconds
                    ),
                )));
            }
            doors.push(Door {
                id: DoorId(d.id.get_ref().clone()),
                name: d.name.clone(),
            });
        }
        let mut groups = Vec::new();
        for g in &self.groups {
            let schedule = match &g.schedule {
                Some(s) => Some(Schedule::parse(s.get_ref()).map_err(|e| located(s.span(), e.to_string()))?),
                None => None,
            };
            for door in &g.doors {
                if !doors.iter().any(|d| d.id.0 == *door.get_ref()) {
                    return Err(Invalid::from(located(
                        door.span(),
                        format!(
                            "the group “{}” names the door “{}”, which is not in [[doors]]",
                            g.id.get_ref(),
                            door.get_ref()
                        ),
                    )));
                }
            }
            if groups
                .iter()
                .any(|o: &Group| o.id.key() == GroupId(g.id.get_ref().clone()).key())
            {
                return Err(Invalid::from(located(
                    g.id.span(),
                    format!(
                        "the group “{}” is defined twice (identifiers are compared without case)",
                        g.id.get_ref()
                    ),
                )));
            }
            groups.push(Group {
                id: GroupId(g.id.get_ref().clone()),
                doors: g.doors.iter().map(|d| DoorId(d.get_ref().clone())).collect(),
                schedule,
            });
        }
        let mut assignments = Vec::new();
        for p in &self.plans {
            let plan = match p.plan_match() {
                Some(plan) => plan,
                None => {
                    return Err(Invalid::from(located(
                        p.groups.first().map(|g| g.span()).unwrap_or(0..0),
                        "a [[plans]] entry needs exactly one of id or name".into(),
                    )))
                }
            };
            for g in &p.groups {
                if !groups.iter().any(|o| o.id.key() == GroupId(g.get_ref().clone()).key()) {
                    return Err(Invalid::from(located(
                        g.span(),
                        format!("a plan gives the group “{}”, which is not in [[groups]]", g.get_ref()),
                    )));
                }
            }
            assignments.push(Assignment {
                plan,
                groups: p.groups.iter().map(|g| GroupId(g.get_ref().clone())).collect(),
            });
        }
        access::Rules::new(time_zone, doors, groups, &assignments, self.sync.extra_groups)
            .map_err(|e| Invalid::Setting(e.to_string()))
    }

    /// The demo configuration: the `lighthouse` space on cobot-sim at `cobot`, its doors without
    /// relays.
    pub fn demo(cobot: &Url) -> Config {
        Config::demo_with_relay(cobot, None)
    }

    /// The demo configuration with its three doors on the three switches of one simulated Shelly
    /// Pro 3 at `relay` (`relay-sim`); the front door is the entrance.
    pub fn demo_with_relay(cobot: &Url, relay: Option<&Url>) -> Config {
        let base = cobot.as_str().trim_end_matches('/');
        let driver = |channel: u32| match relay {
            Some(url) => format!("driver = {{ kind = \"shelly-gen2\", url = \"{url}\", channel = {channel} }}\n"),
            None => String::new(),
        };
        let (front, workshop, office) = (driver(0), driver(1), driver(2));
        let text = format!(
            r#"
[space]
subdomain = "lighthouse"
name = "Lighthouse Coworking"
time_zone = "Europe/Berlin"

[cobot]
www = "{base}"
space_template = "{base}/sub/{{subdomain}}"
client_id = "frontdoor-hub"

[sync]
interval_minutes = 60
extra_groups = true

[[doors]]
id = "front"
name = "Front door"
entrance = true
{front}
[[doors]]
id = "workshop"
name = "Workshop"
{workshop}
[[doors]]
id = "office"
name = "Staff office"
{office}
[[groups]]
id = "Members"
doors = ["front"]
schedule = "Mon-Fri 07:00-22:00; Sat 10:00-16:00"

[[groups]]
id = "Residents"
doors = ["front", "workshop"]

[[groups]]
id = "Staff"
doors = ["front", "workshop", "office"]

[[groups]]
id = "Workshop"
doors = ["workshop"]
schedule = "Mon-Fri 09:00-18:00"

[[plans]]
name = "Flex Desk"
groups = ["Members"]

[[plans]]
name = "Fixed Desk"
groups = ["Residents"]
"#
        );
        Config::parse(&text).expect("the demo configuration is valid")
    }

    /// The space's OIDC issuer.
    /// The issuer members sign in with (`[cobot] issuer`).
    pub fn sign_in_issuer(&self) -> Url {
        match self.cobot.issuer.as_deref().map(str::trim) {
            None | Some("") | Some("space") => self.issuer(),
            Some("www") => self.cobot.www.clone(),
            Some(url) => Url::parse(url).unwrap_or_else(|_| self.issuer()),
        }
    }

    /// The space's own issuer (its host): `[cobot] space_url`, else the template's host.
    pub fn issuer(&self) -> Url {
        match &self.cobot.space_url {
            Some(url) => url.clone(),
            None => self.template_host(),
        }
    }

    /// The space's host as `space_template` makes it (`https://lighthouse.cobot.me`).
    fn template_host(&self) -> Url {
        let text = self
            .cobot
            .space_template
            .replace("{subdomain}", self.space.subdomain.as_str());
        Url::parse(&text).unwrap_or_else(|_| self.cobot.www.clone())
    }

    /// Where Cobot lives, for the core client. A space on a custom domain has its address in
    /// place of the template (it has no `{subdomain}` to fill in).
    pub fn hosts(&self) -> frontdoor_core::CobotHosts {
        frontdoor_core::CobotHosts {
            www: self.cobot.www.clone(),
            space_template: match &self.cobot.space_url {
                Some(url) => url.as_str().trim_end_matches('/').to_string(),
                None => self.cobot.space_template.clone(),
            },
        }
    }

    /// The other address a webhook may name for this space: with a custom domain, Cobot may still
    /// name the space's `<subdomain>.cobot.me` host ([U]); the hub re-reads from its own host
    /// either way.
    pub fn other_space_hosts(&self) -> Vec<Url> {
        match &self.cobot.space_url {
            Some(_) => vec![self.template_host()],
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
