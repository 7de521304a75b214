//! The running hub's shared state: what every use case reads and changes.

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use frontdoor_core::access::Rules;
use frontdoor_core::clock::Clock;
use frontdoor_core::cobot::Cobot;
use frontdoor_core::secret::ClientSecret;
use url::Url;

use super::sync::Syncer;
use super::{check_in, check_ins_view, doors, plug, setup, sign_in, sync_panel, unlock, webhook};
use crate::base::{seal, Config, Throttles};
use crate::store::snapshot::Snapshot;
use crate::store::{journal, Store};

/// The running hub's shared state.
pub struct Hub {
    /// Its configuration.
    pub config: Config,
    /// The access setup in force and the rules built from it, swapped when staff change it
    /// ([`setup`]); read through [`Hub::rules`].
    pub access: Arc<setup::Live>,
    /// The store.
    pub store: Arc<Store>,
    /// The current snapshot (`None` inside until a first sync or a stored one).
    pub snapshot: Arc<RwLock<Arc<Snapshot>>>,
    /// The sync engine.
    pub syncer: Syncer,
    /// Cobot, for the sync and the check-in worker (retries, honours `Retry-After`).
    pub cobot: Cobot,
    /// Cobot for calls made while a person's request is open (who signed in, re-validation):
    /// one attempt, never waits out a `Retry-After`.
    pub cobot_now: Cobot,
    /// The HTTP client for Cobot's sign-in (no redirects followed).
    pub http: reqwest::Client,
    /// Sign-ins under way and tickets waiting.
    pub sign_ins: sign_in::SignIns,
    /// The secret of the space's OAuth client at Cobot.
    pub client_secret: Option<ClientSecret>,
    /// Seals members' Cobot tokens at rest.
    pub seal: seal::SealKey,
    /// The hub's own address (`[hub] public_url`, else the address it listens on).
    pub(crate) public_base: OnceLock<Url>,
    /// The secret part of the webhook callback path (read once at start).
    pub webhook_secret: String,
    /// Bounds the database work running off the async workers at once.
    pub(crate) db_jobs: Arc<tokio::sync::Semaphore>,
    /// Per-address limits of the endpoints callable without a session.
    pub throttles: Throttles,
    /// The one clock every decision of the hub reads.
    pub clock: Clock,
    /// Group commit for audit entries and check-ins.
    pub journal: journal::Journal,
    /// The unlock path's rate limits and double-tap memory.
    pub unlocks: unlock::Unlocks,
    /// Wakes the check-in worker.
    pub check_ins: check_in::CheckIns,
    /// How failed check-ins back off.
    pub check_in_backoff: check_in::Backoff,
    /// How long an opening waits for a check-in at the door (`[check_in] no_pass = "refuse"`).
    pub door_check_in_timeout: Duration,
    /// The space's Cobot connection made in the console, and the environment's token.
    pub plug: plug::Plug,
    /// How often the scheduler syncs, and when next.
    pub schedule: sync_panel::Schedule,
    /// The check-in policy in force (staff's, else `[check_in] policy`) and what happens to a
    /// member without a pass (staff's, else `[check_in] no_pass`).
    pub check_in_policy: check_ins_view::PolicySlot,
    /// The re-reads Cobot's webhooks asked for, done in the background ([`webhook`]).
    pub followups: webhook::Followups,
    /// The link to the fleet, once `[fleet]`'s NATS client exists ([`super::fleet`]).
    pub(crate) fleet: super::fleet::Slot,
}

impl Hub {
    /// The hub's own base URL, as browsers and Cobot reach it.
    pub fn public_base(&self) -> Url {
        if let Some(url) = &self.config.hub.public_url {
            let mut url = url.clone();
            if !url.path().ends_with('/') {
                let path = format!("{}/", url.path());
                url.set_path(&path);
            }
            return url;
        }
        self.public_base
            .get()
            .cloned()
            .unwrap_or_else(|| Url::parse("http://127.0.0.1/").expect("constant URL"))
    }

    /// Runs `work` on the store on a blocking thread, never on the async workers: a database
    /// that waits on a lock or a slow disk stalls only the requests that need it. At most
    /// [`DB_JOBS`] run at once; more wait without holding a worker.
    pub async fn db<R: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> R + Send + 'static,
    ) -> Result<R, crate::app::Error> {
        let _permit = self
            .db_jobs
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| crate::app::Error::internal("the database pool is closed"))?;
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .map_err(|e| crate::app::Error::internal(format!("a database task failed: {e}")))
    }

    /// The access rules in force now; a change in the console swaps them, so take them once per
    /// decision.
    pub fn rules(&self) -> Arc<Rules> {
        self.access.rules()
    }

    /// The doors with their drivers now; a change in the console swaps them, so take them once
    /// per request.
    pub fn doors(&self) -> Arc<doors::Doors> {
        self.access.doors()
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}
