//! The simulator's state: seed data, clients, keys, authorization codes, tokens, rate limits and
//! simulated time. Handlers lock it briefly and never across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rand::RngCore as _;
use serde::Serialize;
use url::Url;

use crate::keys::KeyPair;
use crate::limit::{self, RateLimiter};
use crate::seed::{Seed, SeedClient, SeedMembership, SeedSpace, SeedUser};
use crate::SimConfig;

/// Why a simulator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The seed contradicts itself (duplicate ids, dangling references, bad redirect URIs).
    #[error("invalid seed: {0}")]
    InvalidSeed(String),
    /// RSA key generation failed.
    #[error("could not generate an RSA signing key")]
    KeyGeneration(#[source] rsa::Error),
}

/// Behaviour switches that tests may flip at run time (`POST /_sim/config`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Settings {
    #[serde(rename = "code_ttl_secs", serialize_with = "secs")]
    pub(crate) code_ttl: Duration,
    pub(crate) require_pkce: bool,
    pub(crate) auto_login_hint: bool,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

/// Which host a request reached: `www.cobot.me` or `<subdomain>.cobot.me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Site {
    Www,
    Space(String),
}

impl Site {
    /// Path prefix under the base URL: `` or `/sub/{subdomain}`.
    pub(crate) fn prefix(&self) -> String {
        match self {
            Site::Www => String::new(),
            Site::Space(sub) => format!("/sub/{sub}"),
        }
    }
}

/// An issued authorization code and everything it is bound to.
#[derive(Debug)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) challenge: Option<String>,
    pub(crate) site: Site,
    pub(crate) user_id: String,
    pub(crate) expires_at: Timestamp,
    /// Set on first redemption; a second attempt is a replay.
    pub(crate) redeemed: bool,
    /// Tokens issued from this code, revoked if the code is replayed (RFC 6749 §4.1.2).
    pub(crate) tokens: Vec<String>,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub(crate) struct TokenRecord {
    pub(crate) user_id: String,
    pub(crate) client_id: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) issued_at: Timestamp,
    pub(crate) revoked_at: Option<Timestamp>,
}

impl TokenRecord {
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// What the control API reports about one access token. Never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TokenInfo {
    /// The first four characters of the token.
    pub token_prefix: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Unix seconds (simulated clock).
    pub issued_at: i64,
    /// Whether the token was revoked (DELETE /api/access_tokens/:token or a replayed code).
    pub revoked: bool,
}

pub(crate) struct State {
    /// Base URL as clients see it, without a trailing slash: the global issuer.
    pub(crate) issuer: String,
    pub(crate) settings: Settings,
    pub(crate) seed: Seed,
    pub(crate) clients: BTreeMap<String, SeedClient>,
    /// Published keys; the last one signs.
    pub(crate) keys: Vec<KeyPair>,
    pub(crate) grants: HashMap<String, Grant>,
    pub(crate) tokens: HashMap<String, TokenRecord>,
    pub(crate) limiter: RateLimiter,
    /// Added to the wall clock; only ever moved forward (`POST /_sim/clock/advance`).
    pub(crate) skew: SignedDuration,
}

/// A simulator: a cheap-to-clone handle on shared state. Serve it with [`crate::app`] or
/// [`crate::spawn`].
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Mutex<State>>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never locks: Debug may run while a handler holds the state.
        f.debug_struct("Sim").finish_non_exhaustive()
    }
}

impl Sim {
    /// Builds a simulator for clients that reach it at `base_url` (`config.public_url` is not
    /// consulted here; [`crate::spawn`] resolves it). Generates an RSA key: blocking, well under
    /// a second with the workspace's optimised `rsa`.
    pub fn new(config: &SimConfig, seed: Seed, base_url: &Url) -> Result<Sim, Error> {
        seed.validate().map_err(Error::InvalidSeed)?;
        let key = KeyPair::generate().map_err(Error::KeyGeneration)?;
        let clients = seed.clients.iter().map(|c| (c.client_id.clone(), c.clone())).collect();
        let state = State {
            issuer: base_url.as_str().trim_end_matches('/').to_string(),
            settings: Settings {
                code_ttl: config.code_ttl,
                require_pkce: config.require_pkce,
                auto_login_hint: config.auto_login_hint,
            },
            seed,
            clients,
            keys: vec![key],
            grants: HashMap::new(),
            tokens: HashMap::new(),
            limiter: RateLimiter::new(limit::DEFAULT_PER_MINUTE, limit::cobot_overrides()),
            skew: SignedDuration::ZERO,
        };
        Ok(Sim {
            inner: Arc::new(Mutex::new(state)),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-update leaves nothing half-written that matters to a test.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The global issuer, i.e. the base URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.lock().issuer.clone()
    }

    /// The simulated time: wall clock plus every [`Sim::advance_clock`] so far.
    pub fn now(&self) -> Timestamp {
        self.lock().now()
    }

    /// Moves simulated time forward: code expiry, rate-limit windows, token `issued_at`, and the
    /// `iat`/`exp` of ID tokens issued afterwards (a client checking those against its own clock
    /// sees them in the future).
    pub fn advance_clock(&self, by: Duration) {
        let by = SignedDuration::try_from(by).unwrap_or(SignedDuration::MAX);
        let mut state = self.lock();
        state.skew = state.skew.saturating_add(by);
    }

    /// Every access token issued to `user_id`, oldest first; `None` for an unknown user.
    pub fn tokens_of(&self, user_id: &str) -> Option<Vec<TokenInfo>> {
        let state = self.lock();
        state.user(user_id)?;
        let mut tokens: Vec<_> = state
            .tokens
            .iter()
            .filter(|(_, t)| t.user_id == user_id)
            .map(|(token, t)| TokenInfo {
                token_prefix: crate::prefix(token).to_string(),
                client_id: t.client_id.clone(),
                scopes: t.scopes.clone(),
                issued_at: t.issued_at.as_second(),
                revoked: t.revoked_at.is_some(),
            })
            .collect();
        tokens.sort_by(|a, b| {
            a.issued_at
                .cmp(&b.issued_at)
                .then_with(|| a.token_prefix.cmp(&b.token_prefix))
        });
        Some(tokens)
    }

    /// Generates a new signing key that signs from now on and returns its `kid`. Older keys stay
    /// in `jwks.json` unless `retire` removes them. Blocks while generating.
    pub fn rotate_keys(&self, retire: bool) -> Result<String, Error> {
        let key = KeyPair::generate().map_err(Error::KeyGeneration)?;
        let kid = key.kid().to_string();
        let mut state = self.lock();
        if retire {
            state.keys.clear();
        }
        state.keys.push(key);
        Ok(kid)
    }
}

impl State {
    pub(crate) fn now(&self) -> Timestamp {
        Timestamp::now().saturating_add(self.skew).unwrap_or(Timestamp::MAX)
    }

    pub(crate) fn issuer_of(&self, site: &Site) -> String {
        format!("{}{}", self.issuer, site.prefix())
    }

    pub(crate) fn space(&self, subdomain: &str) -> Option<&SeedSpace> {
        self.seed.spaces.iter().find(|s| s.subdomain == subdomain)
    }

    pub(crate) fn user(&self, id: &str) -> Option<&SeedUser> {
        self.seed.users.iter().find(|u| u.id == id)
    }

    /// A user by id or (case-insensitive) email, as typed on the sign-in page or sent as login_hint.
    pub(crate) fn user_by_login(&self, login: &str) -> Option<&SeedUser> {
        let login = login.trim();
        self.seed
            .users
            .iter()
            .find(|u| u.id == login || u.email.eq_ignore_ascii_case(login))
    }

    pub(crate) fn membership(&self, user_id: &str, subdomain: &str) -> Option<&SeedMembership> {
        self.seed
            .memberships
            .iter()
            .find(|m| m.user_id == user_id && m.space_subdomain == subdomain)
    }

    /// A membership's picture URL: the seeded one, or the simulator's generated placeholder.
    pub(crate) fn picture_url(&self, membership: &SeedMembership) -> String {
        match &membership.picture {
            Some(url) => url.clone(),
            None => format!("{}/_sim/pictures/{}", self.issuer, membership.id),
        }
    }

    pub(crate) fn signing_key(&self) -> &KeyPair {
        self.keys.last().expect("a simulator always has a signing key")
    }

    /// A live (known, unrevoked) token.
    pub(crate) fn live_token(&self, token: &str) -> Option<&TokenRecord> {
        self.tokens.get(token).filter(|t| t.revoked_at.is_none())
    }

    /// Stores a new authorization code and returns it.
    pub(crate) fn issue_code(&mut self, grant: Grant) -> String {
        let code = random_hex(32);
        self.grants.insert(code.clone(), grant);
        code
    }

    /// Stores a new access token and returns it.
    pub(crate) fn issue_token(&mut self, record: TokenRecord) -> String {
        let token = random_hex(32);
        self.tokens.insert(token.clone(), record);
        token
    }

    /// Revokes `token` if it is live; returns whether it was.
    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        let now = self.now();
        match self.tokens.get_mut(token) {
            Some(t) if t.revoked_at.is_none() => {
                t.revoked_at = Some(now);
                true
            }
            _ => false,
        }
    }
}

/// `bytes` random bytes as lowercase hex.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
