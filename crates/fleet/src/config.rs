//! The fleet's configuration file (TOML): where it listens, its PostgreSQL and NATS, and the
//! operator's staff with the spaces each runs. Secrets come from the environment, never the file.

use std::net::SocketAddr;
use std::path::Path;

use serde::Deserialize;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the console's API listens (`127.0.0.1:8480`; put a TLS proxy in front).
    pub listen: SocketAddr,
    /// The central record.
    pub postgres: Postgres,
    /// The link to the hubs.
    pub nats: Nats,
    /// The operator's staff.
    #[serde(default)]
    pub staff: Vec<Staff>,
    /// The hubs, each with its own NATS user (`frontdoor-fleet nats-config` writes their
    /// permissions for nats-server).
    #[serde(default)]
    pub hubs: Vec<HubAccount>,
    /// How long a hub's check-in claim holds before another hub of the space may take it over
    /// (default 30 s; see [`crate::claims`]).
    #[serde(default)]
    pub claim_lease_seconds: Option<f64>,
}

impl Config {
    /// A fleet listening on `listen`, with its record at `postgres_url` and NATS at `nats_url`
    /// (user `fleet`), no staff and no hub accounts yet.
    pub fn new(listen: SocketAddr, postgres_url: &str, nats_url: &str) -> Config {
        Config {
            listen,
            postgres: Postgres {
                url: postgres_url.into(),
            },
            nats: Nats {
                url: nats_url.into(),
                user: fleet_user(),
                password_bcrypt: None,
            },
            staff: Vec::new(),
            hubs: Vec::new(),
            claim_lease_seconds: None,
        }
    }

    /// The claims' lease.
    pub fn claim_lease(&self) -> std::time::Duration {
        self.claim_lease_seconds
            .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
            .unwrap_or(crate::claims::DEFAULT_LEASE)
    }
}

/// `[postgres]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Postgres {
    /// A libpq connection string or URL without the password (`host=127.0.0.1 user=fleet
    /// dbname=fleet`); the password comes from `FRONTDOOR_FLEET_PG_PASSWORD`.
    pub url: String,
}

/// `[nats]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nats {
    /// `nats://host:port`.
    pub url: String,
    /// The fleet's NATS user (default `fleet`); its password comes from
    /// `FRONTDOOR_FLEET_NATS_PASSWORD`.
    #[serde(default = "fleet_user")]
    pub user: String,
    /// The bcrypt hash of that password, for `frontdoor-fleet nats-config`
    /// (`frontdoor-fleet hash-password` prints it).
    #[serde(default)]
    pub password_bcrypt: Option<String>,
}

fn fleet_user() -> String {
    "fleet".into()
}

/// `[[hubs]]`: one hub's NATS user: its id (the user name, the hub's `fleet.hub_id`), its space,
/// and the bcrypt hash of its password (the hub keeps the password as a credential).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubAccount {
    /// The hub's id.
    pub id: String,
    /// Its space's subdomain.
    pub space: String,
    /// `frontdoor-fleet hash-password` of its password.
    pub password_bcrypt: String,
}

/// Whether `hash` is a bcrypt hash nats-server takes (`$2a$`, `$2b$`, … and a cost).
pub fn is_bcrypt(hash: &str) -> bool {
    hash.len() == 60 && hash.starts_with("$2") && hash.parse::<bcrypt::HashParts>().is_ok()
}

/// `[[staff]]`: one of the operator's staff and the spaces they run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Staff {
    /// Their name, as the hubs' audit logs show it (`fleet:<name>`).
    pub name: String,
    /// The SHA-256 of their API token, in hex (`frontdoor-fleet hash-token` prints it); the
    /// token itself is never stored.
    pub token_sha256: String,
    /// The spaces (Cobot subdomains) they see and act on; no other.
    pub spaces: Vec<String>,
}

/// Why a configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not TOML, or a setting of the wrong kind.
    #[error("{0}")]
    Syntax(#[from] Box<toml::de::Error>),
    /// A setting that cannot be used, in words.
    #[error("{0}")]
    Setting(String),
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, Invalid> {
        let text = std::fs::read_to_string(path).map_err(|source| Invalid::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text)
    }

    /// Parses and checks configuration text.
    pub fn parse(text: &str) -> Result<Config, Invalid> {
        let config: Config = toml::from_str(text).map_err(Box::new)?;
        if config.claim_lease_seconds.is_some_and(|s| !(0.1..=3600.0).contains(&s)) {
            return Err(Invalid::Setting(
                "claim_lease_seconds must be 0.1 to 3600: longer than a check-in at Cobot takes".into(),
            ));
        }
        for staff in &config.staff {
            if staff.token_sha256.len() != 64 || hex::decode(&staff.token_sha256).is_err() {
                return Err(Invalid::Setting(format!(
                    "staff {:?}: token_sha256 must be the 64 hex digits `frontdoor-fleet hash-token` prints",
                    staff.name
                )));
            }
            if let Some(bad) = staff.spaces.iter().find(|s| !frontdoor_core::fleet::is_name(s)) {
                return Err(Invalid::Setting(format!(
                    "staff {:?}: {bad:?} is not a space's subdomain (a-z, 0-9 and '-')",
                    staff.name
                )));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for hub in &config.hubs {
            if !frontdoor_core::fleet::is_name(&hub.id) || !frontdoor_core::fleet::is_name(&hub.space) {
                return Err(Invalid::Setting(format!(
                    "hub {:?} of {:?}: id and space must be 1 to 40 of a-z, 0-9 and '-'",
                    hub.id, hub.space
                )));
            }
            if hub.id == config.nats.user || !ids.insert(hub.id.clone()) {
                return Err(Invalid::Setting(format!(
                    "hub {:?} is listed twice, or is named as the fleet's own NATS user",
                    hub.id
                )));
            }
            if !is_bcrypt(&hub.password_bcrypt) {
                return Err(Invalid::Setting(format!(
                    "hub {:?}: password_bcrypt must be what `frontdoor-fleet hash-password` prints",
                    hub.id
                )));
            }
        }
        if config.nats.password_bcrypt.as_deref().is_some_and(|h| !is_bcrypt(h)) {
            return Err(Invalid::Setting(
                "nats.password_bcrypt must be what `frontdoor-fleet hash-password` prints".into(),
            ));
        }
        Ok(config)
    }

    /// Every space the fleet knows: its staff's and its hubs'.
    pub fn spaces(&self) -> std::collections::BTreeSet<String> {
        self.staff
            .iter()
            .flat_map(|s| s.spaces.iter().cloned())
            .chain(self.hubs.iter().map(|h| h.space.clone()))
            .collect()
    }
}
