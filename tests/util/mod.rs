//! Builders shared by the app's integration tests.
#![allow(dead_code)]

use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::{Config, RunningHub, Setup};

/// The hub's own test helpers: a member's sign-in at the hub, as the member's phone does it, and
/// cobot-sim's test endpoints.
#[path = "../../crates/hub/tests/util/mod.rs"]
pub mod hub;

/// Asks cobot-sim for a token, as if `user` had signed in to `client` with `scopes`.
pub async fn mint(sim: &cobot_sim::RunningSim, user: &str, client: &str, scopes: &[&str]) -> String {
    hub::mint(&reqwest::Client::new(), sim, user, client, scopes).await
}

/// The demo hub, connected to cobot-sim with Sam's (staff) token and synced once.
pub async fn connected_hub(sim: &cobot_sim::RunningSim) -> RunningHub {
    connected_hub_with(sim, |_| {}).await
}

/// [`connected_hub`] with its configuration changed first.
pub async fn connected_hub_with(sim: &cobot_sim::RunningSim, change: impl FnOnce(&mut Config)) -> RunningHub {
    let token = mint(sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
    let setup = Setup {
        cobot_token: Some(AccessToken::new(token)),
        client_secret: Some(ClientSecret::new(cobot_sim::seed::HUB_CLIENT_SECRET)),
        ..Setup::detached()
    };
    let mut config = Config::demo(&sim.base_url);
    change(&mut config);
    let hub = frontdoor_hub::spawn_with(config, setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    hub.hub.syncer.full().await.expect("the demo space syncs");
    hub
}

/// The demo hub with its three doors on the three switches of `relay` (relay-sim's Shelly Pro 3
/// double; the front door, an entrance, on switch 0), on `clock`, connected to cobot-sim with
/// Sam's (staff) token and synced once. Its check-in worker runs.
pub async fn hub_with_doors(
    sim: &cobot_sim::RunningSim,
    relay: &relay_sim::ShellyDouble,
    clock: fn() -> jiff::Timestamp,
) -> RunningHub {
    let token = mint(sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
    let setup = Setup {
        cobot_token: Some(AccessToken::new(token)),
        client_secret: Some(ClientSecret::new(cobot_sim::seed::HUB_CLIENT_SECRET)),
        clock: frontdoor_hub::Clock::from_fn(clock),
        ..Setup::detached()
    };
    let config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
    let hub = frontdoor_hub::spawn_with(config, setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    hub.hub.syncer.full().await.expect("the demo space syncs");
    hub
}

/// The demo hub with its doors on `relay`, **not** connected to Cobot (no token, never synced):
/// staff connect it from the console. It can sign people in (it has its OAuth client secret), and
/// its public address is its own, so Cobot's webhooks reach it once connected.
pub async fn hub_waiting_for_cobot(sim: &cobot_sim::RunningSim, relay: &relay_sim::ShellyDouble) -> RunningHub {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let setup = Setup {
        client_secret: Some(ClientSecret::new(cobot_sim::seed::HUB_CLIENT_SECRET)),
        ..Setup::detached()
    };
    let mut config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
    config.hub.public_url = Some(url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap());
    frontdoor_hub::spawn_with(config, setup, format!("127.0.0.1:{port}").parse().unwrap())
        .await
        .unwrap()
}

/// A TCP link to `target` that a test can cut and mend, as a hub's network going away and
/// coming back: while cut, open connections are closed and new ones are closed at once.
pub struct Link {
    /// The address to use instead of the target's.
    pub url: url::Url,
    up: tokio::sync::watch::Sender<bool>,
}

impl Link {
    /// Starts forwarding 127.0.0.1:<free port> to `target`.
    pub async fn to(target: std::net::SocketAddr) -> Link {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let (up, watch) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut watch = watch.clone();
                if !*watch.borrow() {
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = watch.wait_for(|up| !*up) => {}
                    }
                });
            }
        });
        Link { url, up }
    }

    /// Cuts the link (`false`) or mends it (`true`).
    pub fn set_up(&self, up: bool) {
        let _ = self.up.send(up);
    }
}
