//! The world most hub tests stand in — cobot-sim as Cobot, relay-sim's Shelly double as the
//! doors' relay, a hub on the demo configuration — and the pieces other worlds are built of.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use cobot_sim::seed::HUB_CLIENT_SECRET;
use frontdoor_core::cobot::RetryPolicy;
use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::app::check_in::Backoff;
use frontdoor_hub::store::Store;
use frontdoor_hub::{Clock, Config, RunningHub, Setup};
use jiff::Timestamp;
use relay_sim::ShellyDouble;
use reqwest::Method;
use serde_json::Value;

use super::mint;

/// Any free port on loopback.
pub fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// cobot-sim on a free port with the demo space, its calendar pinned to `at` (`None`: real
/// time).
pub async fn cobot_sim_at(at: Option<Timestamp>) -> cobot_sim::RunningSim {
    let config = cobot_sim::SimConfig {
        start_at: at,
        ..cobot_sim::SimConfig::default()
    };
    cobot_sim::spawn(config, any_port()).await.unwrap()
}

/// Sam's Cobot token for the hub's client with every scope the hub needs: the token a hub is
/// given in its environment.
pub async fn hub_token(http: &reqwest::Client, sim: &cobot_sim::RunningSim) -> String {
    mint(http, sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await
}

/// Sam's Cobot token with exactly the scopes `config` asks Cobot for: what the plug would get.
pub async fn token_as_asked(http: &reqwest::Client, sim: &cobot_sim::RunningSim, config: &Config) -> String {
    let scopes = config.cobot.requested_scopes();
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    mint(http, sim, "user-sam", "frontdoor-hub", &scopes).await
}

/// A hub's setup on the database in `dir`, with `token` for Cobot, the hub's client secret and
/// `clock`. The check-in worker is off: check-ins stay in the outbox unless a test turns it on.
pub fn hub_setup(dir: &Path, token: Option<String>, clock: Clock) -> Setup {
    Setup {
        store: Store::open(&dir.join("hub.sqlite")).unwrap(),
        cobot_token: token.map(AccessToken::new),
        client_secret: Some(ClientSecret::new(HUB_CLIENT_SECRET)),
        clock,
        check_in_worker: false,
        ..Setup::detached()
    }
}

/// Two tries at Cobot 5 ms apart, and never more than a second's wait for its `Retry-After`: a
/// failing Cobot costs a test milliseconds.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 2,
        base: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(1),
    }
}

/// A failed check-in is tried again after 20 ms, and never more than 100 ms later.
pub fn quick_backoff() -> Backoff {
    Backoff {
        base: Duration::from_millis(20),
        max: Duration::from_millis(100),
    }
}

/// A hub with `config` and `setup` on a free port.
pub async fn spawn_hub(config: Config, setup: Setup) -> RunningHub {
    frontdoor_hub::spawn_with(config, setup, any_port()).await.unwrap()
}

/// cobot-sim with the demo space, the relay double with three switches and a hub on the demo
/// configuration with its doors on that relay, its database in a folder of its own, synced once.
pub struct Demo {
    pub sim: cobot_sim::RunningSim,
    pub relay: ShellyDouble,
    pub hub: RunningHub,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    clock: Clock,
}

/// How a [`Demo`] starts: [`Start::at`] is the usual one, the rest change it.
pub struct Start<'a> {
    sim_at: Option<Timestamp>,
    clock: Clock,
    token_as_asked: bool,
    config: Box<dyn FnOnce(&mut Config) + 'a>,
    setup: Box<dyn FnOnce(&mut Setup) + 'a>,
}

impl<'a> Start<'a> {
    /// cobot-sim pinned to `at`, the hub's clock standing there, [`hub_token`]'s token and
    /// [`hub_setup`]'s setup.
    pub fn at(at: Timestamp) -> Start<'a> {
        Start {
            sim_at: Some(at),
            clock: Clock::manual(at).0,
            ..Start::real_time()
        }
    }

    /// cobot-sim and the hub on the system's clock.
    pub fn real_time() -> Start<'a> {
        Start {
            sim_at: None,
            clock: Clock::system(),
            token_as_asked: false,
            config: Box::new(|_| {}),
            setup: Box::new(|_| {}),
        }
    }

    /// The hub reads the time from `clock` instead.
    pub fn clock(self, clock: Clock) -> Start<'a> {
        Start { clock, ..self }
    }

    /// The hub's token has exactly the scopes its configuration asks for ([`token_as_asked`]).
    pub fn token_as_asked(self) -> Start<'a> {
        Start {
            token_as_asked: true,
            ..self
        }
    }

    /// `change` edits the demo configuration before the hub starts.
    pub fn config(self, change: impl FnOnce(&mut Config) + 'a) -> Start<'a> {
        Start {
            config: Box::new(change),
            ..self
        }
    }

    /// `change` edits the hub's setup before it starts.
    pub fn setup(self, change: impl FnOnce(&mut Setup) + 'a) -> Start<'a> {
        Start {
            setup: Box::new(change),
            ..self
        }
    }

    pub async fn start(self) -> Demo {
        let sim = cobot_sim_at(self.sim_at).await;
        let relay = ShellyDouble::start_with_channels(any_port(), 3).await;
        let http = reqwest::Client::new();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
        (self.config)(&mut config);
        let token = match self.token_as_asked {
            true => token_as_asked(&http, &sim, &config).await,
            false => hub_token(&http, &sim).await,
        };
        let mut setup = hub_setup(dir.path(), Some(token), self.clock.clone());
        (self.setup)(&mut setup);
        let hub = spawn_hub(config, setup).await;
        hub.hub.syncer.full().await.unwrap();
        Demo {
            sim,
            relay,
            hub,
            http,
            dir,
            clock: self.clock,
        }
    }
}

impl Demo {
    /// Stops the hub and starts another on the same database with `config` and the usual setup
    /// (a fresh token of Sam's), as after a restart; it does not sync.
    pub async fn restart(&mut self, config: Config) {
        self.hub.stop().await;
        let token = hub_token(&self.http, &self.sim).await;
        self.hub = spawn_hub(config, hub_setup(self.dir.path(), Some(token), self.clock.clone())).await;
    }

    /// The hub's URL for `path`.
    pub fn url(&self, path: &str) -> url::Url {
        self.hub.base_url.join(path).unwrap()
    }

    /// `user`'s hub session token ([`super::session`]).
    pub async fn session(&self, user: &str) -> String {
        super::session(&self.http, &self.hub.base_url, user).await
    }

    /// One request to the hub ([`super::send`]) → (status, body: JSON, or the text as a JSON
    /// string).
    pub async fn call(&self, method: Method, path: &str, session: Option<&str>, body: Option<Value>) -> (u16, Value) {
        super::answer(super::send(&self.http, &self.hub.base_url, method, path, session, body).await).await
    }

    /// `session`'s `GET path` → (status, body); an answer that is not JSON fails the test.
    pub async fn get(&self, path: &str, session: &str) -> (u16, Value) {
        let r = super::send(&self.http, &self.hub.base_url, Method::GET, path, Some(session), None).await;
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// `session` taps Unlock on `door` → (status, body).
    pub async fn unlock(&self, session: &str, door: &str) -> (u16, Value) {
        super::unlock(&self.http, &self.hub.base_url, Some(session), door).await
    }

    /// cobot-sim's request log, as `METHOD /path` lines ([`super::sim_request_lines`]).
    pub async fn sim_requests(&self) -> Vec<String> {
        super::sim_request_lines(&self.http, &self.sim).await
    }

    /// Empties cobot-sim's request log.
    pub async fn clear_sim_requests(&self) {
        super::clear_sim_requests(&self.http, &self.sim).await
    }
}
