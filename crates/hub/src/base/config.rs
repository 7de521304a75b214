//! The hub's configuration file (TOML): the space, where Cobot is, the doors, the user groups and
//! which plans give which groups. Errors name the line and say what is wrong.

mod phone;
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

impl Default for Cobot {
    fn default() -> Self {
        Cobot {
            www: default_www(),
            space_template: default_space_template(),
            client_id: String::new(),
            issuer: None,
            space_url: None,
            scopes: default_member_scopes(),
            sync_scopes: default_sync_scopes(),
            check_in_scope: CheckInScope::default(),
            id_token_nonce: IdTokenNonce::default(),
        }
    }
}

/// `[cobot]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cobot {
    /// User-level host; default `https://www.cobot.me`.
    #[serde(default = "default_www")]
    pub www: Url,
    /// Space host template; default `https://{subdomain}.cobot.me`.
    #[serde(default = "default_space_template")]
    pub space_template: String,
    /// The space's own address when it is on a custom domain (`https://members.lighthouse.example`):
    /// the hub reads API 1 there, members sign in there (`issuer = "space"`), and webhooks
    /// naming it (or the `space_template` host) are followed. Default: the `space_template` host.
    #[serde(default)]
    pub space_url: Option<Url>,
    /// The OAuth client id registered at Cobot for Frontdoor. The hub is this client (its secret
    /// comes from `FRONTDOOR_HUB_COBOT_CLIENT_SECRET` or the credential `cobot-client-secret`);
    /// its redirect URI at Cobot is `<hub.public_url>/auth/callback`.
    #[serde(default)]
    pub client_id: String,
    /// Where members sign in: `"space"` (default; the space's own host, which Cobot documents
    /// with extra membership claims), `"www"`, or the issuer URL of a custom domain.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Scopes asked of members at sign-in.
    #[serde(default = "default_member_scopes")]
    pub scopes: Vec<String>,
    /// Scopes asked of the admin who connects the space's Cobot account in the console (the
    /// plug); no `openid`: who connected is asked of Cobot with the token. The default is the
    /// SmartSpace sync app's set plus webhooks and check-ins ([`DEFAULT_SYNC_SCOPES`]).
    #[serde(default = "default_sync_scopes")]
    pub sync_scopes: Vec<String>,
    /// The scope the plug asks for so the hub may check members in
    /// (`POST /api/memberships/:id/work_sessions`): `"write"` (default) or `"checkin"`. Added to
    /// `sync_scopes` when they lack it. Cobot does not document which one that endpoint needs
    /// (cobot-api.md §6). The default is `write` because the one door integration Cobot itself
    /// documents as checking members in on every unlock, SmartSpace (Sensorberg), is registered
    /// with `write` and without `checkin` (§8), so a space's connection with `write` is known to
    /// be enough there; `checkin` is the other candidate the API 1 scope list names. A space whose
    /// check-ins come back "Frontdoor lacks the permission" switches this and reconnects Cobot.
    #[serde(default)]
    pub check_in_scope: CheckInScope,
    /// Whether members' ID tokens must carry the sign-in's nonce: `"required"` (default) or
    /// `"when_present"` for a Cobot whose tokens carry none (`frontdoor-hub doctor` tells). `exp`
    /// and `iat` are always checked; connecting Cobot (the plug) needs no ID token at all.
    #[serde(default)]
    pub id_token_nonce: IdTokenNonce,
}

/// See [`Cobot::id_token_nonce`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenNonce {
    /// The token must carry exactly the nonce the sign-in sent.
    #[default]
    Required,
    /// A token without a nonce passes; a wrong one never does.
    WhenPresent,
}

impl IdTokenNonce {
    /// The rule the ID-token verifier holds tokens to.
    pub fn rule(self) -> frontdoor_core::auth::NonceRule {
        match self {
            IdTokenNonce::Required => frontdoor_core::auth::NonceRule::Required,
            IdTokenNonce::WhenPresent => frontdoor_core::auth::NonceRule::WhenPresent,
        }
    }

    /// As the configuration file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenNonce::Required => "required",
            IdTokenNonce::WhenPresent => "when_present",
        }
    }
}

/// See [`Cobot::check_in_scope`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckInScope {
    /// API 1's general write scope, as SmartSpace has it.
    #[default]
    Write,
    /// API 1's `checkin` scope.
    Checkin,
}

impl CheckInScope {
    /// The scope's name at Cobot.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInScope::Write => "write",
            CheckInScope::Checkin => "checkin",
        }
    }
}

impl Cobot {
    /// Every scope the plug asks Cobot for (no `openid`): `sync_scopes`, plus
    /// `check_in_scope` when they lack it.
    pub fn requested_scopes(&self) -> Vec<String> {
        let mut scopes = self.sync_scopes.clone();
        let check_in = self.check_in_scope.as_str();
        if !scopes.iter().any(|s| s == check_in) {
            scopes.push(check_in.to_string());
        }
        scopes
    }
}

/// The scopes the plug asks for by default: Cobot's SmartSpace (Sensorberg) sync app's
/// `navigation read read_custom_fields read_memberships read_plans read_user write
/// write_custom_fields` without `write`, plus what webhooks and reading check-ins need. The
/// scope that lets the hub check members in is added by [`Cobot::check_in_scope`] (`write` by
/// default, which makes the SmartSpace set whole); a space that sets it to `checkin` grants no
/// `write`, which Frontdoor uses for nothing else.
pub const DEFAULT_SYNC_SCOPES: &[&str] = &[
    "navigation",
    "read",
    "read_custom_fields",
    "read_memberships",
    "read_plans",
    "read_user",
    "write_custom_fields",
    "read_subscriptions",
    "write_subscriptions",
    "read_check_ins",
];

fn default_sync_scopes() -> Vec<String> {
    DEFAULT_SYNC_SCOPES.iter().map(|s| s.to_string()).collect()
}

/// The secret of cobot-sim's seeded `frontdoor-hub` client, used by `--demo` only (cobot-sim's
/// `HUB_CLIENT_SECRET`; a real space's secret comes from a credential).
pub const DEMO_CLIENT_SECRET: &str = "demo-hub-secret";

fn default_member_scopes() -> Vec<String> {
    frontdoor_core::auth::MEMBER_SCOPES
        .iter()
        .map(|s| s.to_string())
        .collect()
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

fn default_www() -> Url {
    Url::parse("https://www.cobot.me").expect("constant URL")
}

fn default_space_template() -> String {
    "https://{subdomain}.cobot.me".into()
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
mod tests {
    /// The README's "Scopes to register" table, row by row: (what for, the scopes).
    fn readme_scopes() -> Vec<(String, Vec<String>)> {
        let readme = include_str!("../../../../README.md");
        let table = readme
            .split("**Scopes to register**")
            .nth(1)
            .expect("the README lists the scopes to register");
        table
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter(|l| !l.starts_with("| for ") && !l.starts_with("|---"))
            .map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let scopes = cells[2].split('`').nth(1).unwrap_or("");
                (
                    cells[1].to_string(),
                    scopes.split_whitespace().map(str::to_string).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_exactly_the_scopes_the_hub_asks_for() {
        let rows = readme_scopes();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[0].1, frontdoor_core::auth::MEMBER_SCOPES, "sign-in");
        assert_eq!(rows[1].1, super::DEFAULT_SYNC_SCOPES, "the connection");
        let cobot = super::Config::demo(&url::Url::parse("http://127.0.0.1:1/").unwrap()).cobot;
        assert_eq!(rows[2].1, [cobot.check_in_scope.as_str()], "check-ins");
        assert_eq!(cobot.scopes, frontdoor_core::auth::MEMBER_SCOPES);
        let mut asked = rows[1].1.clone();
        asked.extend(rows[2].1.clone());
        assert_eq!(
            cobot.requested_scopes(),
            asked,
            "the plug asks for the connection's and the check-in's"
        );
    }

    #[test]
    fn a_hub_needs_no_more_than_its_space_and_itself_in_the_file() {
        let config = Config::parse(
            "[space]\nsubdomain = \"lighthouse\"\nname = \"Lighthouse\"\n[hub]\npublic_url = \"https://hub.lighthouse.example\"\n",
        )
        .expect("the rest comes from the console, the environment and defaults");
        assert_eq!(config.cobot.www.as_str(), "https://www.cobot.me/");
        assert_eq!(config.sign_in_issuer().as_str(), "https://lighthouse.cobot.me/");
        assert!(
            config.cobot.client_id.is_empty(),
            "given by FRONTDOOR_HUB_COBOT_CLIENT_ID then"
        );
        assert!(config.rules().is_ok());
    }

    use super::*;

    const HEAD: &str = "[space]\nsubdomain = \"lighthouse\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n";

    fn check(body: &str, expected: &str) {
        let err = Config::parse(&format!("{HEAD}{body}")).unwrap_err().to_string();
        assert_eq!(err, expected);
    }

    #[test]
    fn errors_name_the_line() {
        let text = "[space]\nsubdomain = \"light house\"\nname = \"x\"\n[cobot]\nclient_id = \"c\"\n";
        let err = Config::parse(text).unwrap_err().to_string();
        assert!(err.starts_with("line 2, column 13: "), "{err}");
        assert!(err.contains("space name"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let err = Config::parse(&format!("{HEAD}clientid = \"typo\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 6,"), "{err}");
        assert!(err.contains("clientid"), "{err}");
    }

    #[test]
    fn access_mistakes_name_their_line() {
        check(
            "[[doors]]\nid = \"front\"\nname = \"F\"\n[[groups]]\nid = \"Members\"\ndoors = [\"front\", \"back\"]\n",
            "line 11, column 19: the group “Members” names the door “back”, which is not in [[doors]]",
        );
        check(
            "[[groups]]\nid = \"Members\"\nschedule = \"Mon-Fri 7-22\"\n",
            "line 8, column 12: schedule: “7” is not a time; use HH:MM",
        );
        check(
            "[[groups]]\nid = \"Staff\"\n[[plans]]\nname = \"Flex\"\ngroups = [\"Staf\"]\n",
            "line 10, column 11: a plan gives the group “Staf”, which is not in [[groups]]",
        );
        check(
            "[[groups]]\nid = \"Staff\"\n[[groups]]\nid = \"STAFF\"\n",
            "line 9, column 6: the group “STAFF” is defined twice (identifiers are compared without case)",
        );
        check(
            "[[doors]]\nid = \"front door\"\nname = \"F\"\n",
            "line 7, column 6: the door id “front door” may only have letters, digits, '_' and '-'",
        );
    }

    #[test]
    fn a_space_on_its_own_domain_is_read_and_signed_in_there() {
        let config = Config::parse(&format!("{HEAD}space_url = \"https://members.lighthouse.example\"\n")).unwrap();
        assert_eq!(config.issuer().as_str(), "https://members.lighthouse.example/");
        assert_eq!(config.sign_in_issuer().as_str(), "https://members.lighthouse.example/");
        let space = frontdoor_core::links::Subdomain::parse("lighthouse").unwrap();
        assert_eq!(
            config.hosts().space(&space).unwrap().as_str(),
            "https://members.lighthouse.example/"
        );
        assert_eq!(
            config.other_space_hosts(),
            vec![Url::parse("https://lighthouse.cobot.me").unwrap()]
        );
        let bad = Config::parse(&format!("{HEAD}space_url = \"ftp://members.lighthouse.example\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            bad.starts_with("cobot.space_url must be the space's own address"),
            "{bad}"
        );
    }

    #[test]
    fn a_minimal_config_defaults_to_real_cobot() {
        let config = Config::parse(HEAD).unwrap();
        assert_eq!(config.issuer().as_str(), "https://lighthouse.cobot.me/");
        assert_eq!(config.sync.interval_minutes, 60);
    }

    #[test]
    fn drivers_name_credentials_never_secrets_and_mistakes_name_their_line() {
        let config = Config::parse(&format!(
            "{HEAD}[[doors]]\nid = \"front\"\nname = \"F\"\nentrance = true\n\
             driver = {{ kind = \"shelly-gen2\", url = \"http://10.0.0.5/\", password_credential = \"front-shelly\" }}\n"
        ))
        .unwrap();
        assert!(config.doors[0].entrance);
        assert!(matches!(
            &config.doors[0].driver,
            Some(DriverConfig::ShellyGen2 { channel: 0, password_credential: Some(name), .. }) if name == "front-shelly"
        ));
        let err = Config::parse(&format!(
            "{HEAD}[[doors]]\nid = \"front\"\nname = \"F\"\ndriver = {{ kind = \"shelly-gen2\", url = \"http://10.0.0.5/\", password = \"hunter2\" }}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("line 9,"), "{err}");
        assert!(err.contains("password"), "{err}");
        let err = Config::parse(&format!(
            "{HEAD}[[doors]]\nid = \"front\"\nname = \"F\"\npulse_seconds = 120\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("use 0.5 to 30 seconds"), "{err}");
        let err = Config::parse(&format!("{HEAD}[check_in]\npolicy = \"always\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("once-per-day"), "{err}");
    }

    #[test]
    fn the_audit_section_has_defaults_refuses_unknown_keys_and_zero() {
        let config = Config::parse(HEAD).unwrap();
        assert_eq!((config.audit.keep_days, config.audit.max_rows), (400, 2_000_000));
        let config = Config::parse(&format!("{HEAD}[audit]\nkeep_days = 30\nmax_rows = 5000\n")).unwrap();
        assert_eq!((config.audit.keep_days, config.audit.max_rows), (30, 5000));
        let err = Config::parse(&format!("{HEAD}[audit]\nkeep = 30\n"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 7,") && err.contains("keep"), "{err}");
        let err = Config::parse(&format!("{HEAD}[audit]\nkeep_days = 0\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("audit.keep_days"), "{err}");
        let err = Config::parse(&format!("{HEAD}[audit]\nmax_rows = 10\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("audit.max_rows"), "{err}");
    }

    #[test]
    fn the_demo_configuration_is_valid() {
        let config = Config::demo(&Url::parse("http://127.0.0.1:8480").unwrap());
        assert_eq!(config.rules().unwrap().doors().len(), 3);
    }

    #[test]
    fn the_plug_asks_for_the_smartspace_sync_scopes_unless_told_and_always_for_read_user() {
        let config = Config::parse(HEAD).unwrap();
        assert_eq!(config.cobot.sync_scopes, DEFAULT_SYNC_SCOPES);
        let told = Config::parse(&format!("{HEAD}sync_scopes = [\"read_user\", \"read_memberships\"]\n")).unwrap();
        assert_eq!(told.cobot.sync_scopes, ["read_user", "read_memberships"]);
        check(
            "sync_scopes = [\"read_memberships\"]\n",
            "cobot.sync_scopes must include \"read_user\": the hub checks that whoever connects Cobot is an admin of the space",
        );
    }

    #[test]
    fn the_check_in_scope_is_write_unless_told_and_is_always_asked_for() {
        let config = Config::parse(HEAD).unwrap();
        assert_eq!(config.cobot.check_in_scope, CheckInScope::Write);
        let asked = config.cobot.requested_scopes();
        assert_eq!(asked.iter().filter(|s| *s == "write").count(), 1, "{asked:?}");
        assert!(!asked.iter().any(|s| s == "checkin"), "{asked:?}");

        let told = Config::parse(&format!("{HEAD}check_in_scope = \"checkin\"\n")).unwrap();
        let asked = told.cobot.requested_scopes();
        assert_eq!(asked.last().map(String::as_str), Some("checkin"), "{asked:?}");
        assert!(
            !asked.iter().any(|s| s == "write"),
            "nothing else needs write: {asked:?}"
        );
        let narrow = Config::parse(&format!(
            "{HEAD}sync_scopes = [\"read_user\"]\ncheck_in_scope = \"checkin\"\n"
        ))
        .unwrap();
        assert_eq!(narrow.cobot.requested_scopes(), ["read_user", "checkin"]);
        let err = Config::parse(&format!("{HEAD}check_in_scope = \"write_check_ins\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("check_in_scope") || err.contains("write_check_ins"),
            "{err}"
        );
    }

    #[test]
    fn a_member_without_a_pass_is_let_in_unless_the_space_says_refuse() {
        let config = Config::parse(HEAD).unwrap();
        assert_eq!(config.check_in.no_pass, NoPass::OpenAnyway);
        for (text, expected) in [
            ("open-anyway", NoPass::OpenAnyway),
            ("open_anyway", NoPass::OpenAnyway),
            ("refuse", NoPass::Refuse),
        ] {
            let config = Config::parse(&format!("{HEAD}[check_in]\nno_pass = \"{text}\"\n")).unwrap();
            assert_eq!(config.check_in.no_pass, expected, "{text}");
        }
        assert!(Config::parse(&format!("{HEAD}[check_in]\nno_pass = \"lock\"\n")).is_err());
    }
}
