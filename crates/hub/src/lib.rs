//! `frontdoor-hub`: the space's own trusted service.
//!
//! In this first cut the hub describes itself (`GET /api/v1/hub`): which space it serves and where
//! members sign in. The app asks before it joins a space, so a link pointing at the wrong server
//! is caught before anyone signs in. Sync, access decisions, doors and check-ins build on this.
#![warn(missing_docs)]

pub mod config;

use std::net::SocketAddr;

use axum::routing::get;
use axum::{Json, Router};
use frontdoor_core::hub::{HubInfo, SignInInfo, SpaceInfo, PRODUCT};
use tokio::sync::oneshot;
use url::Url;

pub use config::Config;

/// The hub's HTTP API.
pub fn app(config: &Config) -> Router {
    let info = HubInfo {
        product: PRODUCT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        space: SpaceInfo {
            subdomain: config.space.subdomain.clone(),
            name: config.space.name.clone(),
        },
        sign_in: SignInInfo {
            issuer: config.issuer(),
            cobot_www: config.cobot.www.clone(),
            client_id: config.cobot.client_id.clone(),
        },
    };
    Router::new().route(
        &format!("/{}", frontdoor_core::hub::INFO_PATH),
        get(move || async move { Json(info) }),
    )
}

/// A hub serving on a socket, stopped when dropped.
pub struct RunningHub {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its base URL.
    pub base_url: Url,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for RunningHub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the hub on `addr` (port 0 picks a free port) in the current tokio runtime.
pub async fn spawn(config: Config, addr: SocketAddr) -> std::io::Result<RunningHub> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = app(&config);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(RunningHub {
        addr,
        base_url: Url::parse(&format!("http://{addr}/")).expect("valid URL"),
        stop: Some(stop),
    })
}
