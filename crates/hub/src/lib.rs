//! `frontdoor-hub`: the space's own trusted service.
//!
//! It describes itself (`GET /api/v1/hub`) so the app can check a join link; syncs the space's
//! memberships from Cobot ([`sync`]) into a SQLite snapshot ([`store`]); exchanges a member's
//! Cobot credentials for a short-lived hub session; and answers "my plans and door verdicts"
//! from the snapshot with the access rules of its configuration ([`config`]); opens doors
//! ([`unlock`], [`doors`]) with a durable audit log ([`journal`]); and checks members in to Cobot
//! through an outbox that survives restarts ([`check_in`]).
#![warn(missing_docs)]

pub mod app;
pub mod base;
pub mod http;
pub mod store;

#[cfg(test)]
mod layers;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

pub use frontdoor_core::clock::{Clock, ClockHand};
use frontdoor_core::cobot::{Cobot, RetryPolicy};
use frontdoor_core::secret::{AccessToken, ClientSecret};
use url::Url;

use app::sync::Syncer;
pub use app::Hub;
use app::{check_in, check_ins_view, doors, plug, setup, sign_in, sync_panel, unlock, webhook};
pub use base::Config;
use base::{seal, throttle};
use http::{serve, tls};
use store::{journal, Store};

/// The scopes the space's Cobot token needs: who the token is, the memberships with their
/// plans and custom fields, webhook subscriptions, reading check-ins, and checking members in
/// with the default `[cobot] check_in_scope` (`write`). Staff grant these when they connect Cobot.
pub const COBOT_SCOPES: &[&str] = &[
    "read_user",
    "read_memberships",
    "read_plans",
    "read_custom_fields",
    // Turning extra groups on adds the custom field; staff edit members' extra groups.
    "write_custom_fields",
    "read_subscriptions",
    "write_subscriptions",
    "read_check_ins",
    "write",
];

pub use base::Throttles;

/// Database jobs that may run at once off the async workers.
pub const DB_JOBS: usize = 16;

/// What a hub runs with besides its configuration.
pub struct Setup {
    /// Where it keeps its snapshot and sessions.
    pub store: Store,
    /// The space's Cobot token (admin scopes); without it the hub cannot sync.
    pub cobot_token: Option<AccessToken>,
    /// The secret of the space's OAuth client at Cobot; without it members cannot sign in.
    pub client_secret: Option<ClientSecret>,
    /// The key that seals members' Cobot tokens at rest.
    pub seal_key: seal::SealKey,
    /// Run a full sync at start and then every `sync.interval_minutes`.
    pub scheduled_sync: bool,
    /// The one clock of the hub ([`Clock`]): the system's in production.
    pub clock: Clock,
    /// How reads from Cobot are retried.
    pub retry: RetryPolicy,
    /// How long one request to Cobot may take.
    pub cobot_timeout: Duration,
    /// Where door credentials come from.
    pub secrets: doors::Secrets,
    /// Run the check-in worker (tests turn it off to hold check-ins in the outbox).
    pub check_in_worker: bool,
    /// How failed check-ins back off.
    pub check_in_backoff: check_in::Backoff,
    /// How long an opening waits for Cobot to check the member in before the door, when members
    /// without a pass are refused (`[check_in] no_pass = "refuse"`); then the door opens anyway.
    pub door_check_in_timeout: Duration,
    /// Connection and request bounds.
    pub limits: serve::Limits,
    /// The budgets every request to Cobot keeps to (Cobot's; tests shrink the window).
    pub cobot_limits: frontdoor_core::cobot::limit::Limits,
    /// The budgets of the sign-in endpoints (per address and for the whole hub).
    pub throttle_limits: throttle::Limits,
}

impl Setup {
    /// In memory, not connected to Cobot: enough to describe the hub (the app's tests).
    pub fn detached() -> Setup {
        Setup {
            store: Store::in_memory().expect("an in-memory database always opens"),
            cobot_token: None,
            client_secret: None,
            seal_key: seal::SealKey::random(),
            scheduled_sync: false,
            clock: Clock::system(),
            retry: RetryPolicy::default(),
            cobot_timeout: Duration::from_secs(15),
            secrets: doors::no_secrets(),
            check_in_worker: true,
            check_in_backoff: check_in::Backoff::default(),
            door_check_in_timeout: check_in::DOOR_CHECK_IN_TIMEOUT,
            limits: serve::Limits::default(),
            cobot_limits: frontdoor_core::cobot::limit::Limits::cobot(),
            throttle_limits: throttle::Limits::default(),
        }
    }
}

/// Why a hub could not be built from its configuration and database.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The access setup (the configuration's or the database's) cannot be used.
    #[error(transparent)]
    Setup(#[from] setup::LoadError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] store::Error),
}

impl Hub {
    /// Builds the hub: the access setup from the store (imported from the configuration on the
    /// first start), the last snapshot from the store.
    pub fn new(config: Config, setup: Setup) -> Result<Arc<Hub>, StartError> {
        let store = Arc::new(setup.store);
        let workshop = doors::Workshop::new(
            setup.secrets.clone(),
            setup.seal_key.clone(),
            config.mqtt.clone(),
            setup.clock.clone(),
        );
        let access = Arc::new(setup::Live::start(&config, &store, setup.clock.now(), workshop)?);
        let interrupted = store.recover_interrupted(crate::app::check_in::outbox_ms())?;
        if interrupted > 0 {
            tracing::warn!("{interrupted} door opening(s) were interrupted when the hub last stopped; audited as such");
        }
        let journal = journal::Journal::start(store.clone());
        let webhook_secret = store.webhook_secret()?;
        let snapshot = store.load()?.unwrap_or_default();
        let snapshot = Arc::new(RwLock::new(Arc::new(snapshot)));
        let http = frontdoor_core::auth::http_client_with_timeout(setup.cobot_timeout);
        let cobot = Cobot::new(http.clone(), config.hosts())
            .with_retry(setup.retry)
            .with_limits(setup.cobot_limits);
        // A clone: one limiter, so every request to Cobot counts against the same budgets.
        let cobot_now = cobot.clone().with_retry(RetryPolicy::immediate());
        // A connection made in the console wins over the environment's token.
        let plug = plug::Plug::load(&store, &setup.seal_key, setup.cobot_token)?;
        let interval = store.sync_interval()?;
        let schedule = sync_panel::Schedule::new(interval.unwrap_or(config.sync.interval_minutes));
        let policy = store.check_in_policy()?;
        let no_pass = store.check_in_no_pass()?;
        let check_in_policy = check_ins_view::PolicySlot::new(
            policy.unwrap_or(config.check_in.policy),
            no_pass.unwrap_or(config.check_in.no_pass),
        );
        let syncer = Syncer::new(
            cobot.clone(),
            plug.token(),
            config.space.subdomain.clone(),
            access.clone(),
            store.clone(),
            snapshot.clone(),
            setup.clock.clone(),
        )
        .also_following(config.other_space_hosts());
        Ok(Arc::new(Hub {
            config,
            access,
            store,
            snapshot,
            syncer,
            cobot,
            cobot_now,
            http,
            sign_ins: sign_in::SignIns::default(),
            client_secret: setup.client_secret,
            seal: setup.seal_key,
            public_base: OnceLock::new(),
            webhook_secret,
            db_jobs: Arc::new(tokio::sync::Semaphore::new(DB_JOBS)),
            throttles: Throttles::new(setup.throttle_limits),
            clock: setup.clock,
            journal,
            unlocks: unlock::Unlocks::default(),
            check_ins: check_in::CheckIns::default(),
            check_in_backoff: setup.check_in_backoff,
            door_check_in_timeout: setup.door_check_in_timeout,
            plug,
            schedule,
            check_in_policy,
            followups: webhook::Followups::default(),
            fleet: app::fleet::Slot::default(),
        }))
    }
}

/// A hub serving on a socket, stopped when dropped.
pub struct RunningHub {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its base URL.
    pub base_url: Url,
    /// Its state, for tests.
    pub hub: Arc<Hub>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningHub {
    /// Stops gracefully: no new connections, requests under way (unlocks included) finish, the
    /// check-in worker finishes the attempt it is in, the scheduled sync stops. Waits for all of
    /// it, up to the drain time.
    pub async fn stop(&mut self) {
        let _ = self.stop.send(true);
        // Event streams would otherwise hold the drain open until their own end.
        self.hub.schedule.stop_followers();
        for task in self.tasks.drain(..) {
            let _ = tokio::time::timeout(serve::Limits::default().drain_timeout + Duration::from_secs(10), task).await;
        }
    }
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.hub.schedule.stop_followers();
    }
}

/// Starts a detached hub (in memory, no Cobot token) on `addr`.
pub async fn spawn(config: Config, addr: SocketAddr) -> std::io::Result<RunningHub> {
    spawn_with(config, Setup::detached(), addr).await
}

/// Starts the hub on `addr` (port 0 picks a free port) in the current tokio runtime.
///
/// With `[hub] tls` set it serves https itself ([`tls`]) and its base URL is `https://…`;
/// otherwise plain http. A certificate or key that cannot be used is an error naming the file.
pub async fn spawn_with(config: Config, setup: Setup, addr: SocketAddr) -> std::io::Result<RunningHub> {
    let scheduled = setup.scheduled_sync;
    let check_in_worker = setup.check_in_worker;
    let mut limits = setup.limits.clone().fitted();
    limits
        .trusted_proxies
        .extend(config.hub.trusted_proxies.iter().map(|a| a.to_canonical()));
    let tls = match &config.hub.tls {
        Some(tls) => Some(tls::server_config(tls).map_err(std::io::Error::other)?),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let fleet = config.fleet.clone().and_then(|fleet| match &fleet.password_credential {
        None => Some((fleet, None)),
        Some(name) => match (setup.secrets)(name) {
            Some(password) => Some((fleet, Some(password))),
            None => {
                tracing::error!(
                    "fleet.password_credential names {name:?}, but neither {} nor the credential {name:?} is set: \
                     the hub runs alone, without its fleet",
                    doors::secret_variable(name)
                );
                None
            }
        },
    });
    let hub = Hub::new(config, setup).map_err(std::io::Error::other)?;
    if hub.config.fleet.is_none() {
        if let Err(e) = hub.store.leave_fleet() {
            tracing::warn!("the hub could not forget a fleet it no longer joins: {e}");
        }
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let base_url = Url::parse(&format!("{scheme}://{addr}/")).expect("valid URL");
    let _ = hub.public_base.set(base_url.clone());
    let app = http::router(hub.clone());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    if check_in_worker {
        tasks.push(tokio::spawn(check_in::run(hub.clone(), stopped.clone())));
    }
    if scheduled {
        let hub = hub.clone();
        let mut sync_stop = stopped.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                // Each run first renews the webhook subscriptions Cobot turned off.
                tokio::select! {
                    _ = hub.syncer.scheduled(hub.config.hub.public_url.as_ref()) => {}
                    _ = sync_stop.wait_for(|s| *s) => return,
                }
                // Re-planned at once when staff change the interval.
                if !sync_panel::wait_for_next(&hub, &mut sync_stop).await {
                    return;
                }
            }
        }));
    }
    if let Some((fleet, password)) = fleet {
        tasks.push(tokio::spawn(app::fleet::run(
            hub.clone(),
            fleet,
            password,
            stopped.clone(),
        )));
    }
    tasks.push(tokio::spawn(journal::run_retention(
        hub.store.clone(),
        hub.clock.clone(),
        hub.config.audit.clone(),
        stopped.clone(),
    )));
    let limits = limits.clone();
    let served = match tls {
        Some(tls) => {
            let listener = tls::TlsListener::new(listener, tls)?;
            tokio::spawn(serve::serve(listener, app, limits, stopped))
        }
        None => tokio::spawn(serve::serve(listener, app, limits, stopped)),
    };
    // The server first: requests drain while the workers finish what they are in.
    tasks.insert(0, served);
    Ok(RunningHub {
        addr,
        base_url,
        hub,
        stop,
        tasks,
    })
}
