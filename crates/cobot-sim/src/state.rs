//! The simulator's state: seed data, clients, keys, authorization codes, tokens, rate limits,
//! webhook subscriptions, injected faults, the request log and simulated time. Handlers lock it
//! briefly and never across an `.await`; webhook deliveries run outside the lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use rand::RngCore as _;
use serde::Serialize;
use url::Url;

use jiff::civil::Date;
use tokio::sync::broadcast;

use crate::faults::{Fault, RequestRecord};
use crate::keys::KeyPair;
use crate::limit::{self, RateLimiter};
use crate::seed::{Seed, SeedClient, SeedCustomField, SeedMembership, SeedPlan, SeedSpace, SeedUser};
use crate::webhooks::{Delivery, Subscription};
use crate::{dates, SimConfig};

/// Why a simulator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The seed contradicts itself (duplicate ids, dangling references, bad redirect URIs).
    #[error("invalid seed: {0}")]
    InvalidSeed(#[source] crate::seed::InvalidSeed),
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
    /// Webhook retry *n* waits `webhook_retry_base * 2^(n-1)`.
    #[serde(rename = "webhook_retry_base_ms", serialize_with = "millis")]
    pub(crate) webhook_retry_base: Duration,
    /// What a check-in while already checked in does (Cobot: [U]).
    pub(crate) repeat_check_in: crate::check_ins::RepeatCheckIn,
    /// Webhook encoding, plan copies and the like, where Cobot's behaviour is [U].
    #[serde(flatten)]
    pub(crate) variants: crate::variants::Variants,
    /// The scope API 1 check-ins require (Cobot: [U]).
    pub(crate) check_in_scope: crate::check_ins::CheckInScope,
    /// How an API 1 check-in refusal carries Cobot's words.
    pub(crate) check_in_refusal: crate::check_ins::RefusalBody,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Which host a request reached: `www.cobot.me` or `<subdomain>.cobot.me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Site {
    Www,
    Space(String),
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
    /// For a space-owned token (`POST /api/access_tokens/:token/space`), the space's subdomain:
    /// the token acts as an admin of that space. `user_id` stays the admin who created it.
    pub(crate) space: Option<String>,
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
    /// The space that owns the token (`POST /api/access_tokens/:token/space`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
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
    /// Added to the wall clock: `SimConfig::start_at` minus the wall clock at start, then only
    /// ever moved forward (`POST /_sim/clock/advance`).
    pub(crate) skew: SignedDuration,
    /// Webhook subscriptions of every space, oldest first.
    pub(crate) subscriptions: Vec<Subscription>,
    /// Last subscription id handed out.
    pub(crate) last_subscription_id: u64,
    /// Pending faults, applied first-come to matching requests.
    pub(crate) faults: Vec<Fault>,
    /// API requests seen, oldest first (`GET /_sim/requests`).
    pub(crate) requests: Vec<RequestRecord>,
    /// Webhook delivery attempts, oldest first (`GET /_sim/webhooks/deliveries`).
    pub(crate) deliveries: Vec<Delivery>,
    /// Every check-in of every space, oldest first; check-outs shorten `valid_until`.
    pub(crate) check_ins: Vec<crate::check_ins::CheckIn>,
    /// Each membership's time passes, by membership id ([`crate::time_passes`]).
    pub(crate) time_passes: HashMap<String, Vec<crate::time_passes::TimePass>>,
    /// Spaces served on a domain of their own: subdomain → base URL without a trailing slash.
    pub(crate) custom_domains: crate::variants::CustomDomains,
    /// Raw API 1 fields replacing a membership's own, by membership id (a malformed record).
    pub(crate) garbled: crate::variants::Garbled,
    /// Plan-copy names kept from before a rename, by (membership, plan, first day on it).
    pub(crate) frozen_plan_names: crate::variants::FrozenPlanNames,
    /// `seed.users` position by user id.
    users_by_id: HashMap<String, usize>,
    /// `seed.memberships` position by membership id.
    memberships_by_id: HashMap<String, usize>,
}

/// A simulator: a cheap-to-clone handle on shared state. Serve it with [`crate::app`] or
/// [`crate::spawn`].
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Every webhook delivery attempt, as it happens ([`Sim::watch_deliveries`]).
    deliveries: broadcast::Sender<Delivery>,
    /// The webhook client, built on first use (redirects are never followed).
    http: OnceLock<reqwest::Client>,
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
        let time_passes = seed.time_passes.clone().into_iter().collect();
        let mut state = State {
            issuer: base_url.as_str().trim_end_matches('/').to_string(),
            settings: Settings {
                code_ttl: config.code_ttl,
                require_pkce: config.require_pkce,
                auto_login_hint: config.auto_login_hint,
                webhook_retry_base: config.webhook_retry_base,
                repeat_check_in: crate::check_ins::RepeatCheckIn::default(),
                variants: config.variants,
                check_in_scope: config.check_in_scope,
                check_in_refusal: crate::check_ins::RefusalBody::default(),
            },
            seed,
            clients,
            keys: vec![key],
            grants: HashMap::new(),
            tokens: HashMap::new(),
            limiter: RateLimiter::new(limit::DEFAULT_PER_MINUTE, limit::cobot_overrides())
                .with_window(config.rate_limit_window),
            skew: config
                .start_at
                .map_or(SignedDuration::ZERO, |start| start.duration_since(Timestamp::now())),
            subscriptions: Vec::new(),
            last_subscription_id: 12344,
            faults: Vec::new(),
            requests: Vec::new(),
            deliveries: Vec::new(),
            check_ins: Vec::new(),
            time_passes,
            custom_domains: Default::default(),
            garbled: Default::default(),
            frozen_plan_names: Default::default(),
            users_by_id: HashMap::new(),
            memberships_by_id: HashMap::new(),
        };
        state.reindex();
        Ok(Sim {
            inner: Arc::new(Shared {
                state: Mutex::new(state),
                deliveries: broadcast::channel(1024).0,
                http: OnceLock::new(),
            }),
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked mid-update leaves nothing half-written that matters to a test.
        self.inner.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn delivery_sender(&self) -> &broadcast::Sender<Delivery> {
        &self.inner.deliveries
    }

    /// The HTTP client for webhook deliveries: no redirects (Cobot follows none), 10 s timeout.
    pub(crate) fn http(&self) -> &reqwest::Client {
        self.inner.http.get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .user_agent("Cobot Webhooks (cobot-sim)")
                .build()
                .expect("a plain HTTP client builds")
        })
    }

    /// The global issuer, i.e. the base URL without a trailing slash.
    pub fn issuer(&self) -> String {
        self.lock().issuer.clone()
    }

    /// The simulated time: wall clock (or `SimConfig::start_at` at start) plus every
    /// [`Sim::advance_clock`] so far.
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
                space: t.space.clone(),
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
        match site {
            Site::Www => self.issuer.clone(),
            Site::Space(subdomain) => self.space_base(subdomain),
        }
    }

    pub(crate) fn space(&self, subdomain: &str) -> Option<&SeedSpace> {
        self.seed.spaces.iter().find(|s| s.subdomain == subdomain)
    }

    /// A space by its opaque id (API 2 addresses spaces by id).
    pub(crate) fn space_by_id(&self, id: &str) -> Option<&SeedSpace> {
        self.seed.spaces.iter().find(|s| s.id == id)
    }

    /// The space's "today" by the simulated clock.
    pub(crate) fn today(&self, space: &SeedSpace) -> Date {
        dates::today_in(&space.time_zone, self.now())
    }

    pub(crate) fn user(&self, id: &str) -> Option<&SeedUser> {
        self.users_by_id.get(id).map(|&i| &self.seed.users[i])
    }

    /// Rebuilds the id indexes after users or memberships were removed or reordered.
    pub(crate) fn reindex(&mut self) {
        self.users_by_id = self
            .seed
            .users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        self.memberships_by_id = self
            .seed
            .memberships
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
    }

    /// Adds or replaces a user account.
    pub(crate) fn put_user(&mut self, user: SeedUser) {
        match self.users_by_id.get(&user.id) {
            Some(&i) => self.seed.users[i] = user,
            None => {
                self.users_by_id.insert(user.id.clone(), self.seed.users.len());
                self.seed.users.push(user);
            }
        }
    }

    /// A membership of `subdomain` by id.
    pub(crate) fn membership_in(&self, subdomain: &str, id: &str) -> Option<&SeedMembership> {
        self.memberships_by_id
            .get(id)
            .map(|&i| &self.seed.memberships[i])
            .filter(|m| m.space_subdomain == subdomain)
    }

    /// A membership of `subdomain` by id, for changing it.
    pub(crate) fn membership_in_mut(&mut self, subdomain: &str, id: &str) -> Option<&mut SeedMembership> {
        let i = *self.memberships_by_id.get(id)?;
        Some(&mut self.seed.memberships[i]).filter(|m| m.space_subdomain == subdomain)
    }

    /// A membership by id, in whichever space.
    pub(crate) fn membership_by_id(&self, id: &str) -> Option<&SeedMembership> {
        self.memberships_by_id.get(id).map(|&i| &self.seed.memberships[i])
    }

    /// Appends a membership; the caller checked that its id is new.
    pub(crate) fn add_membership(&mut self, membership: SeedMembership) {
        self.memberships_by_id
            .insert(membership.id.clone(), self.seed.memberships.len());
        self.seed.memberships.push(membership);
    }

    /// Removes a membership and returns it.
    pub(crate) fn remove_membership(&mut self, subdomain: &str, id: &str) -> Option<SeedMembership> {
        self.membership_in(subdomain, id)?;
        let i = self.memberships_by_id.remove(id)?;
        let removed = self.seed.memberships.remove(i);
        for m in &self.seed.memberships[i..] {
            if let Some(pos) = self.memberships_by_id.get_mut(&m.id) {
                *pos -= 1;
            }
        }
        Some(removed)
    }

    /// The memberships of a space, in seed order.
    pub(crate) fn memberships_of<'a>(&'a self, subdomain: &'a str) -> impl Iterator<Item = &'a SeedMembership> + 'a {
        self.seed
            .memberships
            .iter()
            .filter(move |m| m.space_subdomain == subdomain)
    }

    /// A plan of the space's catalogue.
    pub(crate) fn plan(&self, subdomain: &str, id: &str) -> Option<&SeedPlan> {
        self.seed
            .plans
            .iter()
            .find(|p| p.space_subdomain == subdomain && p.id == id)
    }

    /// The space's custom field definitions, in order.
    pub(crate) fn custom_fields_of<'a>(&'a self, subdomain: &'a str) -> impl Iterator<Item = &'a SeedCustomField> + 'a {
        self.seed
            .custom_fields
            .iter()
            .filter(move |f| f.space_subdomain == subdomain)
    }

    /// Whether `user_id` is an admin of the space.
    pub(crate) fn is_admin_user(&self, user_id: &str, subdomain: &str) -> bool {
        self.seed
            .admins
            .iter()
            .any(|a| a.user_id == user_id && a.space_subdomain == subdomain)
    }

    /// Whether a token acts as an admin of the space: its user is one, or it is owned by the space.
    pub(crate) fn is_admin(&self, token: &TokenRecord, subdomain: &str) -> bool {
        token.space.as_deref() == Some(subdomain) || self.is_admin_user(&token.user_id, subdomain)
    }

    /// Whether a token may act on membership `m` as its member or an admin: its user owns `m`, or
    /// it acts as an admin of `m`'s space.
    pub(crate) fn owns_or_administers(&self, token: &TokenRecord, m: &SeedMembership) -> bool {
        m.user_id.as_deref() == Some(token.user_id.as_str()) || self.is_admin(token, &m.space_subdomain)
    }

    /// A user by id or (case-insensitive) email, as typed on the sign-in page or sent as login_hint.
    pub(crate) fn user_by_login(&self, login: &str) -> Option<&SeedUser> {
        let login = login.trim();
        self.seed
            .users
            .iter()
            .find(|u| u.id == login || u.email.eq_ignore_ascii_case(login))
    }

    /// The user's membership in the space (a user has at most one per space).
    pub(crate) fn membership(&self, user_id: &str, subdomain: &str) -> Option<&SeedMembership> {
        self.seed
            .memberships
            .iter()
            .find(|m| m.user_id.as_deref() == Some(user_id) && m.space_subdomain == subdomain)
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

    /// Every scope the simulator knows: Cobot's OIDC scopes, the demo clients' scopes, and any
    /// scope a registered client holds, in that order without repeats. A client registered without
    /// a scope list (control API or RFC 7591) may request all of them.
    pub(crate) fn known_scopes(&self) -> Vec<String> {
        let seeded = crate::seed::OIDC_SCOPES
            .iter()
            .chain(&crate::seed::DEMO_SCOPES)
            .chain(&crate::seed::HUB_SCOPES)
            .map(|s| s.to_string());
        let registered = self.clients.values().flat_map(|c| c.scopes.iter().cloned());
        let mut scopes: Vec<String> = Vec::new();
        for scope in seeded.chain(registered) {
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        scopes
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
