//! `frontdoor-fleet`: one console for an operator's spaces (issue 21).
//!
//! Hubs keep deciding at their doors; the fleet is the central record and the operator's
//! window. It owns the NATS JetStream stream the hubs send up into and the two buckets (hub
//! state, what flows down), stores every event in PostgreSQL exactly once ([`up`], [`store`]),
//! keeps each hub's last state in memory ([`state`]), and serves the console's API
//! ([`console`]) to the operator's staff, each limited to the spaces they run ([`staff`]).
#![warn(missing_docs)]

pub mod accounts;
pub mod claims;
pub mod config;
pub mod console;
pub mod error;
pub mod staff;
pub mod state;
pub mod store;
pub mod up;

use std::net::SocketAddr;
use std::sync::Arc;

pub use config::Config;
pub use error::FleetError;
pub use store::Store;

/// What the console's handlers share.
pub struct Shared {
    /// The configuration.
    pub config: Config,
    /// The central record.
    pub store: Store,
    /// The hubs' last states.
    pub states: state::States,
    /// NATS, for remote opens.
    pub nats: async_nats::Client,
    /// JetStream, for the down bucket.
    pub jetstream: async_nats::jetstream::Context,
}

/// The secrets the fleet runs with (from the environment in the binary).
#[derive(Default)]
pub struct Secrets {
    /// PostgreSQL's password.
    pub postgres_password: Option<String>,
    /// The fleet's NATS password (its user is `nats.user`).
    pub nats_password: Option<String>,
}

/// A running fleet, stopped when dropped.
pub struct RunningFleet {
    /// Where its API listens.
    pub addr: SocketAddr,
    /// Its state, for tests.
    pub shared: Arc<Shared>,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl RunningFleet {
    /// Stops: the API, the consumer (a batch in flight is not acknowledged, so it comes again),
    /// the state watch.
    pub async fn stop(&mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningFleet {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Why the fleet could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// PostgreSQL refused or failed (its schema could not be brought up to date).
    #[error("the fleet's PostgreSQL cannot be used: {0}")]
    Postgres(FleetError),
    /// NATS could not be dialled.
    #[error("the fleet cannot reach NATS at {url}: {why}")]
    Nats {
        /// Where.
        url: String,
        /// Why.
        why: String,
    },
    /// The API's address cannot be listened on.
    #[error("the fleet cannot listen on {addr}: {source}")]
    Listen {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Starts the fleet: the schema, the stream and buckets, the consumer, the state watch, the API.
pub async fn start(config: Config, secrets: Secrets) -> Result<RunningFleet, StartError> {
    let store = Store::new(&config.postgres.url, secrets.postgres_password.as_deref()).map_err(StartError::Postgres)?;
    store.migrate().await.map_err(StartError::Postgres)?;
    let mut options = async_nats::ConnectOptions::new()
        .name("frontdoor-fleet")
        .retry_on_initial_connect();
    if let Some(password) = secrets.nats_password {
        options = options.user_and_password(config.nats.user.clone(), password);
    }
    let nats = options
        .connect(config.nats.url.as_str())
        .await
        .map_err(|e| StartError::Nats {
            url: config.nats.url.clone(),
            why: e.to_string(),
        })?;
    let jetstream = async_nats::jetstream::new(nats.clone());
    if let Err(e) = up::prepare(&jetstream, &config.spaces()).await {
        // The consumer makes them when NATS is back.
        tracing::warn!("the fleet could not prepare its stream yet: {e}");
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    let states = state::States::default();
    let shared = Arc::new(Shared {
        config,
        store: store.clone(),
        states: states.clone(),
        nats,
        jetstream: jetstream.clone(),
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = vec![
        tokio::spawn(up::run(
            jetstream.clone(),
            store.clone(),
            shared.config.spaces(),
            stopped.clone(),
        )),
        tokio::spawn(claims::run(
            shared.nats.clone(),
            store,
            shared.config.claim_lease(),
            stopped.clone(),
        )),
        tokio::spawn(state::run(jetstream, states, stopped.clone())),
    ];
    let app = console::router(shared.clone());
    let mut serve_stop = stopped;
    tasks.push(tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = serve_stop.wait_for(|s| *s).await;
            })
            .await;
    }));
    Ok(RunningFleet {
        addr,
        shared,
        stop,
        tasks,
    })
}
