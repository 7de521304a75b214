//! The fleet (issue 21) with real parts: two spaces (cobot-sim each) × two hubs (a relay double
//! each), Debian's nats-server and PostgreSQL, `frontdoor-fleet`, and a TCP proxy in front of
//! NATS that cuts or stalls a hub's link.

mod accounts;
mod claims;
mod console;
mod down;
mod parts;
mod up;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use frontdoor_core::links::Subdomain;
use frontdoor_fleet::config::{HubAccount, Staff};
use frontdoor_fleet::RunningFleet;
use frontdoor_hub::base::config::FleetConfig;
use frontdoor_hub::{Clock, Config, RunningHub};
use parts::{postgres, Link, Nats, Proxy};
use relay_sim::ShellyDouble;
use serde_json::{json, Value};

use crate::util;

const LIGHTHOUSE: &str = "lighthouse";
const HARBOUR: &str = "harbour";
/// Runs the lighthouse only.
const ANA: &str = "ana-token-for-the-lighthouse";
/// Runs the harbour only.
const BEN: &str = "ben-token-for-the-harbour";
/// Runs both.
const OLGA: &str = "olga-token-for-both-spaces";

fn staff(name: &str, token: &str, spaces: &[&str]) -> Staff {
    Staff {
        name: name.into(),
        token_sha256: frontdoor_fleet::staff::ApiToken::new(token).hash(),
        spaces: spaces.iter().map(|s| s.to_string()).collect(),
    }
}

/// One site: its hub, its relay, its database, and the proxy its link to NATS runs through.
struct Site {
    id: String,
    relay: ShellyDouble,
    hub: RunningHub,
    proxy: Proxy,
    _dir: tempfile::TempDir,
}

/// A space: its Cobot (cobot-sim) and its sites.
struct Space {
    _sim: cobot_sim::RunningSim,
    sites: Vec<Site>,
}

/// Everything: NATS, the fleet on its own database, and the spaces.
struct World {
    nats: Nats,
    pg: String,
    fleet: RunningFleet,
    spaces: BTreeMap<&'static str, Space>,
    http: reqwest::Client,
}

async fn start_fleet(nats: &Nats, pg: &str) -> RunningFleet {
    start_fleet_with_lease(nats, pg, None).await
}

/// The fleet's NATS password in the tests.
const FLEET_PASSWORD: &str = "the-fleets-nats-password";

/// A hub's NATS password in the tests.
fn hub_password(id: &str) -> String {
    format!("{id}-nats-password")
}

/// The fleet's configuration: its staff, and a NATS user for each of the four hubs of the two
/// spaces (bcrypt at the lowest cost, to keep the tests quick).
fn fleet_config(nats: &str, pg: &str, lease: Option<f64>) -> frontdoor_fleet::Config {
    let mut config = frontdoor_fleet::Config::new("127.0.0.1:0".parse().unwrap(), pg, nats);
    config.claim_lease_seconds = lease;
    config.staff = vec![
        staff("Ana", ANA, &[LIGHTHOUSE]),
        staff("Ben", BEN, &[HARBOUR]),
        staff("Olga", OLGA, &[LIGHTHOUSE, HARBOUR]),
    ];
    config.nats.password_bcrypt = Some(frontdoor_fleet::accounts::hash_password(FLEET_PASSWORD, 4).unwrap());
    for space in [LIGHTHOUSE, HARBOUR] {
        for n in 1..=2 {
            let id = format!("{space}-{n}");
            config.hubs.push(HubAccount {
                password_bcrypt: frontdoor_fleet::accounts::hash_password(&hub_password(&id), 4).unwrap(),
                id,
                space: space.into(),
            });
        }
    }
    config
}

/// NATS with the fleet's users and permissions, as `frontdoor-fleet nats-config` writes them.
fn secured_nats() -> Nats {
    let authorization = frontdoor_fleet::accounts::nats_authorization(&fleet_config("", "", None)).unwrap();
    Nats::start_with(Some(&authorization))
}

/// The fleet with a check-in claims' lease of `lease` seconds (`None`: the default); as the
/// fleet's NATS user when NATS has users.
async fn start_fleet_with_lease(nats: &Nats, pg: &str, lease: Option<f64>) -> RunningFleet {
    let secrets = frontdoor_fleet::Secrets {
        postgres_password: None,
        nats_password: nats.secured().then(|| FLEET_PASSWORD.to_string()),
    };
    frontdoor_fleet::start(fleet_config(&nats.url(), pg, lease), secrets)
        .await
        .unwrap()
}

async fn start_site(sim: &cobot_sim::RunningSim, space: (&str, &str), id: &str, nats: SocketAddr) -> Site {
    let http = reqwest::Client::new();
    let relay = ShellyDouble::start_with_channels(util::any_port(), 3).await;
    let proxy = Proxy::to(nats).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
    config.space.subdomain = Subdomain::parse(space.0).unwrap();
    config.space.name = space.1.into();
    config.fleet = Some(FleetConfig {
        nats: proxy.nats_url().parse().unwrap(),
        hub_id: id.into(),
        password_credential: Some("fleet-nats".into()),
    });
    let token = util::hub_token(&http, sim).await;
    let mut setup = util::hub_setup(dir.path(), Some(token), Clock::system());
    let (door_secrets, password) = (setup.secrets.clone(), hub_password(id));
    setup.secrets = std::sync::Arc::new(move |name: &str| match name {
        "fleet-nats" => Some(password.clone()),
        other => door_secrets(other),
    });
    setup.check_in_worker = true;
    setup.check_in_backoff = util::quick_backoff();
    let hub = util::spawn_hub(config, setup).await;
    hub.hub.syncer.full().await.unwrap();
    Site {
        id: id.into(),
        relay,
        hub,
        proxy,
        _dir: dir,
    }
}

impl World {
    /// Two spaces with `sites` hubs each (`lighthouse-1`, `lighthouse-2`, `harbour-1`, …).
    async fn start(sites: usize) -> World {
        World::start_with_lease(sites, None).await
    }

    /// The same, the fleet's claims holding `lease` seconds.
    async fn start_with_lease(sites: usize, lease: Option<f64>) -> World {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_env("FLEET_TEST_LOG"))
            .try_init();
        let nats = secured_nats();
        let pg = postgres().database().await;
        let fleet = start_fleet_with_lease(&nats, &pg, lease).await;
        let nats_addr: SocketAddr = format!("127.0.0.1:{}", nats.port).parse().unwrap();
        let mut spaces = BTreeMap::new();
        for (space, name) in [(LIGHTHOUSE, "Lighthouse Coworking"), (HARBOUR, "Harbour Works")] {
            let seed = cobot_sim::demo().as_space(space, name);
            let sim = cobot_sim::spawn_with_seed(cobot_sim::SimConfig::default(), seed, util::any_port())
                .await
                .unwrap();
            let mut list = Vec::new();
            for n in 1..=sites {
                list.push(start_site(&sim, (space, name), &format!("{space}-{n}"), nats_addr).await);
            }
            spaces.insert(space, Space { _sim: sim, sites: list });
        }
        World {
            nats,
            pg,
            fleet,
            spaces,
            http: reqwest::Client::new(),
        }
    }

    fn site(&self, space: &str, n: usize) -> &Site {
        &self.spaces[space].sites[n]
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.fleet.addr)
    }

    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        util::answer(self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap()).await
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, token, path, body).await
    }

    async fn put(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, token, path, body).await
    }

    async fn send(&self, method: reqwest::Method, token: &str, path: &str, body: Value) -> (u16, Value) {
        let request = self.http.request(method, self.url(path)).bearer_auth(token).json(&body);
        util::answer(request.send().await.unwrap()).await
    }

    /// The record's rows of `hub`: (seq, count), in order.
    async fn record(&self, hub: &str) -> Vec<(i64, i32)> {
        let (client, connection) = tokio_postgres::connect(&self.pg, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        client
            .query("SELECT seq, count FROM audit WHERE hub = $1 ORDER BY seq", &[&hub])
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect()
    }

    /// Waits until the record holds exactly `site`'s audit log, row for row with its counts
    /// (fails after `within`).
    async fn caught_up(&self, site: &Site, within: Duration) {
        let started = Instant::now();
        loop {
            let hub: Vec<(i64, i32)> = site
                .hub
                .hub
                .store
                .audit(1_000_000)
                .unwrap()
                .into_iter()
                .rev()
                .map(|r| (r.id, r.count as i32))
                .collect();
            let record = self.record(&site.id).await;
            if record == hub {
                return;
            }
            if started.elapsed() > within {
                panic!(
                    "{}: the record has {} rows, the hub {} (first difference at {:?})",
                    site.id,
                    record.len(),
                    hub.len(),
                    record.iter().zip(&hub).position(|(a, b)| a != b)
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Asserts the fleet refused with `status` and `code`.
fn refused((status, body): (u16, Value), want_status: u16, code: &str) {
    assert_eq!((status, body["code"].as_str()), (want_status, Some(code)), "{body}");
}

/// A member's session at a site and their device id.
async fn member(site: &Site, user: &str) -> (String, String) {
    let http = reqwest::Client::new();
    let signed = util::sign_in(&http, &site.hub.base_url, user).await.unwrap();
    (
        signed["session_token"].as_str().unwrap().to_string(),
        signed["device_id"].as_str().unwrap().to_string(),
    )
}

async fn tap(site: &Site, session: &str, door: &str) -> (u16, Value) {
    util::unlock(&reqwest::Client::new(), &site.hub.base_url, Some(session), door).await
}

/// `n` taps by Sam (staff: every door at any hour) at each lighthouse site, round the doors (one he may not open, one that
/// does not exist); the doors keep deciding at the site whatever the link does.
async fn taps(world: &World, alex: &str, alex_2: &str, n: usize) {
    let (a, b) = (world.site(LIGHTHOUSE, 0), world.site(LIGHTHOUSE, 1));
    for door in ["front", "workshop", "office", "nowhere"].into_iter().cycle().take(n) {
        let (status, body) = tap(a, alex, door).await;
        assert!(matches!(status, 200 | 403 | 404 | 429), "{status} {body}");
        let (status, body) = tap(b, alex_2, door).await;
        assert!(matches!(status, 200 | 403 | 404 | 429), "{status} {body}");
    }
}

/// Asks `probe` every 100 ms until it answers `Ok`; after 20 s fails with its last `Err`.
async fn until<T>(mut probe: impl AsyncFnMut() -> Result<T, String>) -> T {
    let started = Instant::now();
    loop {
        match probe().await {
            Ok(found) => return found,
            Err(last) => assert!(started.elapsed() < Duration::from_secs(20), "{last}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the overview shows `hub` of `space` online (its link is up).
async fn online(world: &World, space: &str, hub: &str) {
    until(async || {
        let (_, spaces) = world.get(OLGA, "/api/v1/fleet/spaces").await;
        let up = spaces
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["space"] == space)
            .any(|s| {
                s["hubs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|h| h["hub"] == hub && h["online"] == true)
            });
        if up {
            Ok(())
        } else {
            Err(format!("{hub} never came online: {spaces}"))
        }
    })
    .await
}

/// Polls `path` as `token` until `done` holds for its list (fails after 20 s).
async fn listed(world: &World, token: &str, path: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    until(async || {
        let (status, body) = world.get(token, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        let rows = body.as_array().unwrap().clone();
        if done(&rows) {
            Ok(rows)
        } else {
            Err(format!("{path} never got there: {rows:?}"))
        }
    })
    .await
}

/// Waits until Sam's check-ins at `sites` are no longer pending (checked in, found at Cobot, or
/// refused); fails after 30 s.
async fn settled(sites: &[&Site]) {
    let started = Instant::now();
    while sites.iter().any(|site| {
        util::outbox(&site.hub, "mem-sam")
            .iter()
            .any(|r| r.state == "pending" || r.state == "held")
    }) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "a check-in of Sam stayed pending"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// NATS as `user` with `password`, replies under that hub's inbox prefix, as a hub connects.
async fn nats_as(nats: &Nats, space: &str, user: &str, password: &str) -> async_nats::Client {
    async_nats::ConnectOptions::new()
        .user_and_password(user.into(), password.into())
        .custom_inbox_prefix(frontdoor_core::fleet::inbox_prefix(space, user))
        .connect(nats.url())
        .await
        .unwrap()
}

/// An audit row that no door made, as if `hub` of `space` sent it.
fn forged(space: &str, hub: &str, seq: i64, door: &str) -> Vec<u8> {
    let up = frontdoor_core::fleet::Up {
        hub: hub.into(),
        space: space.into(),
        incarnation: "forged".into(),
        event: frontdoor_core::fleet::UpEvent::Audit(frontdoor_core::fleet::AuditLine {
            seq,
            at: jiff::Timestamp::now().to_string(),
            user_id: Some("user-mallory".into()),
            membership_id: None,
            staff: true,
            door_id: door.into(),
            decision: "opened".into(),
            code: None,
            reasons: vec![],
            count: 1,
            latency_us: 1,
            check_in: None,
        }),
    };
    serde_json::to_vec(&up).unwrap()
}
