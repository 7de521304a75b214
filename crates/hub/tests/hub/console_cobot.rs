//! The staff console, part 1: the hub's Cobot connection (the plug) and the sync panel. Every
//! call is for staff only; changes with wrong fields are refused with field errors and change
//! nothing.

use crate::util;

use std::time::Duration;

use frontdoor_hub::store::Store;
use frontdoor_hub::{Clock, Config, RunningHub, Setup};
use jiff::Timestamp;
use serde_json::{json, Value};
use util::*;

const MONDAY: i64 = 1_795_424_400; // 2026-11-23T09:00:00Z

fn monday() -> Timestamp {
    Timestamp::from_second(MONDAY).unwrap()
}

/// How long any one step may take before the test fails (not a wait: every step is awaited).
const STEP: Duration = Duration::from_secs(30);

struct World {
    sim: cobot_sim::RunningSim,
    hub: RunningHub,
    http: reqwest::Client,
    dir: tempfile::TempDir,
    /// The token given to the hub at start, if any.
    environment: Option<String>,
}

/// How a test's hub starts.
#[derive(Clone, Copy)]
struct Start {
    /// A Cobot token in the environment.
    environment_token: bool,
    /// The scheduler runs (a full sync at start, then every interval).
    scheduled: bool,
}

const HEADLESS: Start = Start {
    environment_token: true,
    scheduled: false,
};
const UNCONNECTED: Start = Start {
    environment_token: false,
    scheduled: false,
};

impl World {
    /// cobot-sim pinned to Monday 09:00 UTC and a hub on the same clock with the client secret.
    async fn start(start: Start) -> World {
        let sim = cobot_sim_at(Some(monday())).await;
        let http = reqwest::Client::new();
        let environment = match start.environment_token {
            true => Some(hub_token(&http, &sim).await),
            false => None,
        };
        let dir = tempfile::tempdir().unwrap();
        let hub = hub_on(&sim, &dir, environment.clone(), start.scheduled).await;
        World {
            sim,
            hub,
            http,
            dir,
            environment,
        }
    }

    fn url(&self, path: &str) -> url::Url {
        self.hub.base_url.join(path).unwrap()
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        answer(send(&self.http, &self.hub.base_url, method, path, session, body).await).await
    }

    async fn get(&self, path: &str, session: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(session), None).await
    }

    async fn session(&self, user: &str) -> String {
        session(&self.http, &self.hub.base_url, user).await
    }

    /// Sam connects Cobot through the plug: the console begins, Cobot's page says yes (as
    /// `at_cobot_as`), the browser comes back through the hub. Returns where the hub sent the
    /// browser.
    async fn plug(&self, staff: &str, at_cobot_as: &str) -> String {
        let (status, started) = self
            .call(
                reqwest::Method::POST,
                "api/v1/admin/cobot/connect",
                Some(staff),
                Some(json!({"return_to": RETURN_TO})),
            )
            .await;
        assert_eq!(status, 200, "{started}");
        let mut authorize = url::Url::parse(started["authorize_url"].as_str().unwrap()).unwrap();
        authorize.query_pairs_mut().append_pair("login_hint", at_cobot_as);
        let at_cobot = browser().get(authorize).send().await.unwrap();
        let callback = location(&at_cobot);
        assert!(callback.starts_with(self.url("auth/callback").as_str()), "{callback}");
        let back = browser().get(&callback).send().await.unwrap();
        assert_eq!(back.status().as_u16(), 303);
        location(&back)
    }

    /// Follows the sync under way (or the last one) to its end.
    async fn until_synced(&self, staff: &str) -> Vec<Value> {
        let mut events = Events::open(self, staff).await;
        let mut seen = Vec::new();
        while let Some(event) = events.next().await {
            seen.push(event);
        }
        let last = seen.last().unwrap_or_else(|| panic!("no progress event"));
        assert!(matches!(last["phase"].as_str(), Some("done" | "failed")), "{seen:?}");
        seen
    }

    async fn connection(&self, staff: &str) -> Value {
        let (status, body) = self.get("api/v1/admin/cobot", staff).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The token the hub syncs with now.
    fn hub_token(&self) -> Option<String> {
        self.hub.hub.syncer.token().map(|t| t.secret().to_string())
    }

    /// Whether cobot-sim still accepts `token` (`GET /api/access_tokens/:token` with itself).
    async fn live_at_cobot(&self, token: &str) -> bool {
        let r = self
            .http
            .get(format!("{}api/access_tokens/{token}", self.sim.base_url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        r.status().is_success()
    }

    async fn sam_tokens(&self) -> Vec<Value> {
        sim_tokens(&self.http, &self.sim, "user-sam").await
    }
}

async fn hub_on(
    sim: &cobot_sim::RunningSim,
    dir: &tempfile::TempDir,
    environment: Option<String>,
    scheduled: bool,
) -> RunningHub {
    let setup = Setup {
        scheduled_sync: scheduled,
        ..hub_setup(dir.path(), environment, Clock::from_fn(monday))
    };
    spawn_hub(Config::demo(&sim.base_url), setup).await
}

/// `GET /api/v1/admin/sync/events`, read event by event.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(w: &World, session: &str) -> Events {
        let response = w
            .http
            .get(w.url("api/v1/admin/sync/events"))
            .bearer_auth(session)
            .header("Accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let kind = response.headers()["content-type"].to_str().unwrap().to_string();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Events {
            response,
            buffer: String::new(),
        }
    }

    /// The next `data:` object, or `None` when the hub closed the stream.
    async fn next(&mut self) -> Option<Value> {
        tokio::time::timeout(STEP, async {
            loop {
                while let Some(end) = self.buffer.find('\n') {
                    let line: String = self.buffer.drain(..=end).collect();
                    if let Some(data) = line.trim_end().strip_prefix("data:") {
                        return Some(serde_json::from_str(data.trim()).unwrap());
                    }
                }
                match self.response.chunk().await.unwrap() {
                    Some(chunk) => self.buffer.push_str(std::str::from_utf8(&chunk).unwrap()),
                    None => return None,
                }
            }
        })
        .await
        .expect("the event stream went quiet")
    }
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_else(|| panic!("no code in {body}"))
}

#[tokio::test]
async fn every_console_call_refuses_members_and_callers_without_a_session() {
    let w = World::start(HEADLESS).await;
    w.hub.hub.syncer.full().await.unwrap();
    let alex = w.session("user-alex").await;
    use reqwest::Method;
    let calls: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "api/v1/admin/cobot", None),
        (
            Method::POST,
            "api/v1/admin/cobot/connect",
            Some(json!({"return_to": RETURN_TO})),
        ),
        (Method::DELETE, "api/v1/admin/cobot", None),
        (Method::GET, "api/v1/admin/sync/runs", None),
        (Method::PUT, "api/v1/admin/sync/interval", Some(json!({"minutes": 15}))),
        (Method::POST, "api/v1/admin/sync/start", None),
        (Method::GET, "api/v1/admin/sync/events", None),
        (Method::POST, "api/v1/admin/sync", None),
    ];
    let runs_before = w.hub.hub.store.sync_runs(100).unwrap().len();
    for (method, path, body) in calls {
        let (status, answer) = w.call(method.clone(), path, None, body.clone()).await;
        assert_eq!((status, code(&answer)), (401, "not_signed_in"), "{method} {path}");
        let (status, answer) = w.call(method.clone(), path, Some(&alex), body).await;
        assert_eq!((status, code(&answer)), (403, "not_staff"), "{method} {path}");
        assert!(
            answer["message"].as_str().unwrap().contains("Only the space's staff"),
            "{answer}"
        );
    }
    // Nothing changed: the same token, interval and runs, no sync started.
    assert_eq!(w.hub_token(), w.environment);
    assert_eq!(w.hub.hub.schedule.interval_minutes(), 60);
    assert_eq!(w.hub.hub.store.sync_runs(100).unwrap().len(), runs_before);
    assert!(w.hub.hub.syncer.progress().running().is_none());
}

#[tokio::test]
async fn wrong_fields_are_answered_field_by_field_and_change_nothing() {
    let w = World::start(HEADLESS).await;
    let sam = w.session("user-sam").await;
    use reqwest::Method;
    for body in [
        json!({"return_to": "https://evil.example/auth/callback"}),
        json!({"return_to": "not a url"}),
        json!({"return_to": 5}),
        json!({}),
    ] {
        let (status, answer) = w
            .call(
                Method::POST,
                "api/v1/admin/cobot/connect",
                Some(&sam),
                Some(body.clone()),
            )
            .await;
        assert_eq!((status, code(&answer)), (422, "invalid"), "{body}: {answer}");
        assert!(!answer["fields"]["return_to"].as_str().unwrap().is_empty(), "{answer}");
    }
    for body in [
        json!({"minutes": 4}),
        json!({"minutes": 1441}),
        json!({"minutes": 0}),
        json!({"minutes": -30}),
        json!({"minutes": 7.5}),
        json!({"minutes": "ten"}),
        json!({}),
    ] {
        let (status, answer) = w
            .call(
                Method::PUT,
                "api/v1/admin/sync/interval",
                Some(&sam),
                Some(body.clone()),
            )
            .await;
        assert_eq!((status, code(&answer)), (422, "invalid"), "{body}: {answer}");
        assert!(
            answer["fields"]["minutes"]
                .as_str()
                .unwrap()
                .contains("Between 5 and 1440 minutes"),
            "{answer}"
        );
    }
    let (_, panel) = w.get("api/v1/admin/sync/runs", &sam).await;
    assert_eq!(panel["interval_minutes"], json!(60));
    assert_eq!(w.hub.hub.store.sync_interval().unwrap(), None, "nothing stored");
    assert_eq!(w.connection(&sam).await["source"], json!("environment"));
}

#[tokio::test]
async fn staff_connect_cobot_in_the_console_and_the_hub_syncs_with_a_token_the_space_owns() {
    let w = World::start(UNCONNECTED).await;
    let sam = w.session("user-sam").await;
    let before = w.connection(&sam).await;
    assert_eq!(before["state"], json!("not_connected"));
    assert!(
        before["message"].as_str().unwrap().contains("connects Cobot here"),
        "{before}"
    );

    // The authorization URL is www's, with the sync scopes and the check-in scope (`write` unless
    // configured), and without openid: Cobot sends no ID token, so none can block the connection.
    let (status, started) = w
        .call(
            reqwest::Method::POST,
            "api/v1/admin/cobot/connect",
            Some(&sam),
            Some(json!({"return_to": "http://127.0.0.1:45123/auth/callback"})),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let authorize = url::Url::parse(started["authorize_url"].as_str().unwrap()).unwrap();
    assert_eq!(authorize.path(), "/oauth/authorize", "www's issuer, not the space's");
    let query: std::collections::HashMap<_, _> = authorize.query_pairs().into_owned().collect();
    let scopes: Vec<&str> = query["scope"].split(' ').collect();
    assert!(!scopes.contains(&"openid"), "{scopes:?}");
    for wanted in [
        "navigation",
        "read",
        "read_memberships",
        "read_custom_fields",
        "write_subscriptions",
        "write",
    ] {
        assert!(scopes.contains(&wanted), "{wanted} in {scopes:?}");
    }
    assert_eq!(
        query["redirect_uri"],
        w.url("auth/callback").as_str(),
        "the hub's one redirect URI"
    );

    let back = w.plug(&sam, "user-sam").await;
    assert_eq!(back, "frontdoor://auth/callback?connected=1");
    let events = w.until_synced(&sam).await;
    assert_eq!(events.last().unwrap()["phase"], json!("done"), "{events:?}");

    let state = w.connection(&sam).await;
    assert_eq!(state["state"], json!("connected"), "{state}");
    assert_eq!(state["source"], json!("console"));
    assert_eq!(state["since"], json!("2026-11-23T09:00:00Z"));
    assert_eq!(state["by"], json!("Sam Rivera"));
    assert!(
        state["scopes"].as_array().unwrap().contains(&json!("read_memberships")),
        "{state}"
    );
    assert!(
        state["message"].as_str().unwrap().contains("belongs to the space"),
        "{state}"
    );

    // Members can now sign in: the hub synced with the new connection.
    let alex = w.session("user-alex").await;
    let (status, me) = w.get("api/v1/me", &alex).await;
    assert_eq!(status, 200, "{me}");

    // Cobot: the plug's personal token was revoked once the space's was made; Sam's own
    // sign-in and the space's token live on.
    let tokens = w.sam_tokens().await;
    let revoked = tokens.iter().filter(|t| t["revoked"] == json!(true)).count();
    assert_eq!((tokens.len(), revoked), (3, 1), "{tokens:?}");

    // The token belongs to the space: Sam stops being an admin, and the hub still syncs, while a
    // token of Sam's own no longer reads the memberships.
    assert!(w.sim.sim.remove_admin("lighthouse", "user-sam"));
    let report = w.hub.hub.syncer.full().await.expect("the space's token still syncs");
    assert!(report.members > 0);
    let personal = mint(
        &w.http,
        &w.sim,
        "user-sam",
        "frontdoor-hub",
        frontdoor_hub::COBOT_SCOPES,
    )
    .await;
    let r = w
        .http
        .get(format!("{}sub/lighthouse/api/memberships", w.sim.base_url))
        .bearer_auth(&personal)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        403,
        "a personal token of a former admin reads nothing"
    );

    // Stored sealed: the token is nowhere in the database files in clear.
    let token = w.hub_token().expect("the hub holds the connection");
    let row = w.hub.hub.store.cobot_connection().unwrap().expect("stored");
    assert!(!row.sealed_token.windows(token.len()).any(|b| b == token.as_bytes()));
    for file in ["hub.sqlite", "hub.sqlite-wal"] {
        let path = w.dir.path().join(file);
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(token.len()).any(|b| b == token.as_bytes()),
                "{file} holds the token in clear"
            );
        }
    }
}

#[tokio::test]
async fn a_connection_survives_a_restart_of_the_hub() {
    let w = World::start(UNCONNECTED).await;
    let sam = w.session("user-sam").await;
    assert_eq!(w.plug(&sam, "user-sam").await, "frontdoor://auth/callback?connected=1");
    w.until_synced(&sam).await;
    let token = w.hub_token().unwrap();
    let seal = w.hub.hub.seal.clone();
    let mut hub = w.hub;
    hub.stop().await;
    drop(hub);
    let setup = Setup {
        store: Store::open(&w.dir.path().join("hub.sqlite")).unwrap(),
        seal_key: seal,
        clock: frontdoor_hub::Clock::from_fn(monday),
        ..Setup::detached()
    };
    let again = frontdoor_hub::spawn_with(Config::demo(&w.sim.base_url), setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(again.hub.syncer.token().map(|t| t.secret().to_string()), Some(token));
    again.hub.syncer.full().await.expect("syncs after the restart");
}

#[tokio::test]
async fn the_plug_refuses_a_person_who_is_no_longer_an_admin_and_keeps_nothing() {
    let w = World::start(UNCONNECTED).await;
    let sam = w.session("user-sam").await;
    // Sam's hub session still says staff; Cobot no longer does.
    assert!(w.sim.sim.remove_admin("lighthouse", "user-sam"));
    let back = w.plug(&sam, "user-sam").await;
    let back = url::Url::parse(&back).unwrap();
    let query: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(query["error"], "access_denied", "{back}");
    assert!(
        query["error_description"].contains("not an admin of Lighthouse Coworking"),
        "{back}"
    );
    assert!(!query.contains_key("connected"));
    assert_eq!(w.hub_token(), None);
    assert_eq!(w.hub.hub.store.cobot_connection().unwrap(), None);
    // Staff see the failed attempt and why in Check Cobot.
    let (status, report) = w.get("api/v1/admin/doctor", &sam).await;
    assert_eq!(status, 200, "{report}");
    let v = verdicts(&report);
    assert_eq!(v["plug"].0, "fail", "no connection at all: {v:?}");
    assert!(v["plug"].1.contains("not an admin of Lighthouse Coworking"), "{v:?}");
    assert_eq!(w.connection(&sam).await["state"], json!("not_connected"));
    // And the status strip says it too, with the reason, not just "not connected".
    let (_, glance) = w.get("api/v1/admin/glance", &sam).await;
    assert_eq!(glance["cobot"]["ok"], json!(false), "{glance}");
    let words = glance["cobot"]["words"].as_str().unwrap();
    assert!(
        words.contains("the last attempt failed") && words.contains("not an admin of Lighthouse Coworking"),
        "{glance}"
    );
    // And the Cobot tab, where they would connect again.
    let tab = w.connection(&sam).await;
    let words = tab["message"].as_str().unwrap();
    assert!(
        words.contains("The last attempt to connect Cobot") && words.contains("not an admin of Lighthouse Coworking"),
        "{tab}"
    );
    // The personal token the plug got was given back to Cobot.
    let tokens = w.sam_tokens().await;
    assert_eq!(
        tokens.iter().filter(|t| t["revoked"] == json!(true)).count(),
        1,
        "{tokens:?}"
    );

    // Sam is an admin again and connects: the tab and the strip clear; Check Cobot still tells
    // what went wrong before.
    assert!(w.sim.sim.add_admin("lighthouse", "user-sam", "Sam Rivera"));
    assert_eq!(w.plug(&sam, "user-sam").await, "frontdoor://auth/callback?connected=1");
    let tab = w.connection(&sam).await;
    assert_eq!(tab["state"], json!("connected"), "{tab}");
    assert!(!tab["message"].as_str().unwrap().contains("failed"), "{tab}");
    let (_, glance) = w.get("api/v1/admin/glance", &sam).await;
    assert_eq!(glance["cobot"]["words"], json!("Cobot connected"), "{glance}");
    let (_, report) = w.get("api/v1/admin/doctor", &sam).await;
    let v = verdicts(&report);
    assert_eq!(v["plug"].0, "ok", "{v:?}");
    assert!(
        v["plug"].1.contains("An earlier one") && v["plug"].1.contains("not an admin of Lighthouse Coworking"),
        "{v:?}"
    );
}

#[tokio::test]
async fn a_connection_cobot_refuses_asks_staff_to_reconnect_while_doors_keep_working() {
    let w = World::start(UNCONNECTED).await;
    let sam = w.session("user-sam").await;
    w.plug(&sam, "user-sam").await;
    w.until_synced(&sam).await;
    let alex = w.session("user-alex").await;
    let (_, before) = w.get("api/v1/me", &alex).await;

    // Someone revokes the hub's token at Cobot; the next sync hears 401.
    let token = w.hub_token().unwrap();
    let r = w
        .http
        .delete(format!("{}api/access_tokens/{token}", w.sim.base_url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let (status, answer) = w
        .call(reqwest::Method::POST, "api/v1/admin/sync", Some(&sam), None)
        .await;
    assert_eq!((status, code(&answer)), (503, "not_connected"), "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("reconnect Cobot"),
        "{answer}"
    );

    let state = w.connection(&sam).await;
    assert_eq!(state["state"], json!("refused"), "{state}");
    assert_eq!(state["source"], json!("console"));
    let words = state["message"].as_str().unwrap();
    assert!(
        words.contains("Reconnect Cobot") && words.contains("Doors keep opening"),
        "{words}"
    );
    let (status, health) = w.call(reqwest::Method::GET, "api/v1/health", None, None).await;
    assert_eq!(status, 503);
    assert!(health["problems"].to_string().contains("reconnect Cobot"), "{health}");

    // The last snapshot still answers.
    let (status, after) = w.get("api/v1/me", &alex).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["doors"], before["doors"]);
    assert_eq!(after["as_of"], before["as_of"]);

    // The panel shows the failed run, in words.
    let (_, panel) = w.get("api/v1/admin/sync/runs", &sam).await;
    assert_eq!(panel["runs"][0]["ok"], json!(false), "{panel}");
    assert_eq!(panel["runs"][1]["ok"], json!(true), "{panel}");

    // Reconnecting makes it whole again.
    assert_eq!(w.plug(&sam, "user-sam").await, "frontdoor://auth/callback?connected=1");
    let events = w.until_synced(&sam).await;
    assert_eq!(events.last().unwrap()["phase"], json!("done"), "{events:?}");
    assert_eq!(w.connection(&sam).await["state"], json!("connected"));
    assert_ne!(w.hub_token().unwrap(), token);
}

#[tokio::test]
async fn disconnecting_forgets_the_connection_and_revokes_it_at_cobot() {
    let w = World::start(UNCONNECTED).await;
    let sam = w.session("user-sam").await;
    w.plug(&sam, "user-sam").await;
    w.until_synced(&sam).await;
    let token = w.hub_token().unwrap();
    assert!(w.live_at_cobot(&token).await);

    let (status, state) = w
        .call(reqwest::Method::DELETE, "api/v1/admin/cobot", Some(&sam), None)
        .await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["state"], json!("not_connected"));
    assert!(
        state["message"].as_str().unwrap().contains("Cobot revoked it"),
        "{state}"
    );
    assert!(!w.live_at_cobot(&token).await, "revoked at Cobot");
    assert_eq!(w.hub_token(), None);
    assert_eq!(w.hub.hub.store.cobot_connection().unwrap(), None);
    assert_eq!(w.connection(&sam).await["state"], json!("not_connected"));
    let (status, answer) = w
        .call(reqwest::Method::POST, "api/v1/admin/sync/start", Some(&sam), None)
        .await;
    assert_eq!((status, code(&answer)), (503, "not_connected"));
}

#[tokio::test]
async fn disconnecting_falls_back_to_the_token_given_at_start_and_says_so() {
    let w = World::start(HEADLESS).await;
    let sam = w.session("user-sam").await;
    let state = w.connection(&sam).await;
    assert_eq!(
        (state["state"].clone(), state["source"].clone()),
        (json!("connected"), json!("environment"))
    );
    w.plug(&sam, "user-sam").await;
    w.until_synced(&sam).await;
    assert_eq!(w.connection(&sam).await["source"], json!("console"));
    assert_ne!(w.hub_token(), w.environment, "the console's connection wins");

    let (status, state) = w
        .call(reqwest::Method::DELETE, "api/v1/admin/cobot", Some(&sam), None)
        .await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(
        (state["state"].clone(), state["source"].clone()),
        (json!("connected"), json!("environment"))
    );
    assert!(
        state["message"].as_str().unwrap().contains("FRONTDOOR_HUB_COBOT_TOKEN"),
        "{state}"
    );
    assert_eq!(w.hub_token(), w.environment);
}

#[tokio::test]
async fn a_started_sync_streams_its_phases_in_order_and_ends_in_done_with_counts() {
    let w = World::start(HEADLESS).await;
    let sam = w.session("user-sam").await;
    // Nothing ran yet: the stream waits for the sync.
    let mut first = Events::open(&w, &sam).await;
    // Memberships answer slowly, so a second follower joins while the sync is under way.
    w.sim
        .sim
        .add_fault(slow("/sub/lighthouse/api/memberships", 3000, 1))
        .unwrap();
    let (status, started) = w
        .call(reqwest::Method::POST, "api/v1/admin/sync/start", Some(&sam), None)
        .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["phase"], json!("plans"));

    let mut seen = vec![first.next().await.unwrap()];
    while seen.last().unwrap()["phase"] != json!("memberships") {
        seen.push(first.next().await.unwrap());
    }
    // Under way: another start joins it, and a new follower gets where it stands at once.
    let (status, joined) = w
        .call(reqwest::Method::POST, "api/v1/admin/sync/start", Some(&sam), None)
        .await;
    assert_eq!(status, 202);
    assert!(
        joined["message"].as_str().unwrap().contains("already under way"),
        "{joined}"
    );
    let (_, panel) = w.get("api/v1/admin/sync/runs", &sam).await;
    assert_eq!(panel["running"]["phase"], json!("memberships"), "{panel}");
    let mut second = Events::open(&w, &sam).await;
    assert_eq!(second.next().await.unwrap()["phase"], json!("memberships"));

    while let Some(event) = first.next().await {
        seen.push(event);
    }
    let phases: Vec<&str> = seen.iter().map(|e| e["phase"].as_str().unwrap()).collect();
    let mut distinct = phases.clone();
    distinct.dedup();
    assert_eq!(
        distinct,
        ["plans", "memberships", "custom_fields", "applying", "done"],
        "{seen:#?}"
    );
    let done = seen.last().unwrap();
    let members = w.hub.hub.snapshot().members().len() as u64;
    assert_eq!(
        (done["done"].as_u64(), done["total"].as_u64()),
        (Some(members), Some(members))
    );
    assert!(
        done["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("Synced {members} members")),
        "{done}"
    );
    let plans = seen
        .iter()
        .find(|e| e["phase"] == json!("plans") && e["done"] != json!(0))
        .unwrap();
    assert_eq!(plans["total"], plans["done"], "{plans}");

    // The second follower ends with the same `done`, then the stream closes.
    let mut last = None;
    while let Some(event) = second.next().await {
        last = Some(event);
    }
    assert_eq!(last.as_ref(), Some(done));
    // After the end, a follower gets the end at once and the stream closes.
    let mut late = Events::open(&w, &sam).await;
    assert_eq!(late.next().await.as_ref(), Some(done));
    assert_eq!(late.next().await, None);
    // The run is in the panel, its report as stored; nothing runs.
    let (_, panel) = w.get("api/v1/admin/sync/runs", &sam).await;
    assert_eq!(panel["running"], Value::Null);
    assert_eq!(panel["runs"][0]["kind"], json!("full"));
    assert_eq!(panel["runs"][0]["ok"], json!(true));
    assert_eq!(panel["runs"][0]["report"]["members"].as_u64(), Some(members));
}

#[tokio::test]
async fn a_changed_interval_moves_the_next_sync_at_once_and_is_kept() {
    let w = World::start(Start {
        environment_token: true,
        scheduled: true,
    })
    .await;
    let sam = w.session("user-sam").await;
    // The scheduler's first sync ends at 09:00 (the pinned clock): the next is an hour later.
    let mut next = w.hub.hub.schedule.watch_next();
    let at = |minute: &str| format!("2026-11-23T{minute}:00Z").parse::<Timestamp>().unwrap();
    tokio::time::timeout(STEP, next.wait_for(|n| *n == Some(at("10:00"))))
        .await
        .expect("the scheduler planned the next sync")
        .unwrap();
    let (_, panel) = w.get("api/v1/admin/sync/runs", &sam).await;
    assert_eq!(
        (panel["interval_minutes"].clone(), panel["next_at"].clone()),
        (json!(60), json!("2026-11-23T10:00:00Z"))
    );

    let (status, panel) = w
        .call(
            reqwest::Method::PUT,
            "api/v1/admin/sync/interval",
            Some(&sam),
            Some(json!({"minutes": 15})),
        )
        .await;
    assert_eq!(status, 200, "{panel}");
    assert_eq!(panel["interval_minutes"], json!(15));
    tokio::time::timeout(STEP, next.wait_for(|n| *n == Some(at("09:15"))))
        .await
        .expect("the scheduler re-planned without a restart")
        .unwrap();
    let (_, panel) = w.get("api/v1/admin/sync/runs", &sam).await;
    assert_eq!(panel["next_at"], json!("2026-11-23T09:15:00Z"));

    // Refused outside 5–1440, and nothing moves.
    let (status, answer) = w
        .call(
            reqwest::Method::PUT,
            "api/v1/admin/sync/interval",
            Some(&sam),
            Some(json!({"minutes": 1441})),
        )
        .await;
    assert_eq!((status, code(&answer)), (422, "invalid"));
    assert!(answer["fields"]["minutes"].is_string(), "{answer}");
    let (_, panel) = w.get("api/v1/admin/sync/runs", &sam).await;
    assert_eq!(
        (panel["interval_minutes"].clone(), panel["next_at"].clone()),
        (json!(15), json!("2026-11-23T09:15:00Z"))
    );

    // Kept in the database: a restarted hub syncs every 15 minutes.
    let mut hub = w.hub;
    hub.stop().await;
    drop(hub);
    let again = hub_on(&w.sim, &w.dir, w.environment.clone(), false).await;
    assert_eq!(again.hub.schedule.interval_minutes(), 15);
}

/// A connected hub that knows its own address (so it subscribes to Cobot's webhooks there), with a
/// Cobot token granted `scopes`, on `config`.
async fn doctor_world(scopes: Option<Vec<String>>, change: impl FnOnce(&mut Config)) -> (World, url::Url) {
    let sim = cobot_sim_at(Some(monday())).await;
    let http = reqwest::Client::new();
    let mut config = Config::demo(&sim.base_url);
    let scopes = scopes.unwrap_or_else(|| config.cobot.requested_scopes());
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let token = mint(&http, &sim, "user-sam", "frontdoor-hub", &scopes).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let public = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    config.hub.public_url = Some(public.clone());
    change(&mut config);
    let dir = tempfile::tempdir().unwrap();
    let setup = hub_setup(dir.path(), Some(token.clone()), Clock::from_fn(monday));
    let hub = frontdoor_hub::spawn_with(config, setup, format!("127.0.0.1:{port}").parse().unwrap())
        .await
        .unwrap();
    // A token without the sync's scopes cannot sync; the doctor says why.
    let _ = hub.hub.syncer.full().await;
    (
        World {
            sim,
            hub,
            http,
            dir,
            environment: Some(token),
        },
        public,
    )
}

fn verdicts(report: &Value) -> std::collections::BTreeMap<String, (String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                (
                    c["verdict"].as_str().unwrap().to_string(),
                    c["words"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_doctor_checks_each_assumption_against_cobot_and_says_what_it_found() {
    let (w, public) = doctor_world(None, |_| {}).await;
    let sam = w.session("user-sam").await;
    let alex = w.session("user-alex").await;
    let (status, body) = w.get("api/v1/admin/doctor", &alex).await;
    assert_eq!((status, code(&body)), (403, "not_staff"));

    // Before the hub subscribed: every subscription is missing.
    let (status, report) = w.get("api/v1/admin/doctor", &sam).await;
    assert_eq!(status, 200, "{report}");
    let v = verdicts(&report);
    assert_eq!(v["discovery"].0, "ok", "{v:?}");
    assert_eq!(v["id_token"].0, "ok", "Sam just signed in: {v:?}");
    assert_eq!(v["token"].0, "ok", "{v:?}");
    assert!(v["token"].1.contains("Sam Rivera"), "{v:?}");
    assert_eq!(v["scopes"].0, "ok", "{v:?}");
    assert_eq!(v["space"].0, "ok", "{v:?}");
    assert_eq!(v["webhooks"].0, "fail", "{v:?}");
    assert!(v["webhooks"].1.contains("created_membership"), "{v:?}");
    assert_ne!(v["work_sessions"].0, "fail", "{v:?}");
    assert_eq!(v["rate_limit"].0, "ok", "{v:?}");
    assert!(v["rate_limit"].1.contains("of the 58 requests"), "{v:?}");

    w.hub.hub.syncer.subscribe(&public).await.unwrap();
    let (_, report) = w.get("api/v1/admin/doctor", &sam).await;
    let v = verdicts(&report);
    assert_eq!(v["webhooks"].0, "ok", "{v:?}");
}

#[tokio::test]
async fn the_doctor_names_a_missing_scope_and_a_time_zone_cobot_does_not_share() {
    let (w, _) = doctor_world(Some(vec!["read_user".into(), "read_memberships".into()]), |c| {
        c.space.time_zone = "Europe/London".into();
    })
    .await;
    let sam = w.session("user-sam").await;
    let (_, report) = w.get("api/v1/admin/doctor", &sam).await;
    let v = verdicts(&report);
    assert_eq!(v["scopes"].0, "fail", "{v:?}");
    assert!(v["scopes"].1.contains("read_plans (for the sync)"), "{v:?}");
    assert_eq!(v["space"].0, "fail", "{v:?}");
    assert!(v["space"].1.contains("time_zone = \"Europe/Berlin\""), "{v:?}");
}

#[tokio::test]
async fn frontdoor_hub_doctor_prints_every_check_and_fails_without_a_token() {
    const HUB: &str = env!("CARGO_BIN_EXE_frontdoor-hub");
    let (w, _) = doctor_world(None, |_| {}).await;
    // Off the test's runtime: cobot-sim answers the doctor from it meanwhile.
    let run = |token: Option<String>| {
        let (sim, db) = (w.sim.base_url.to_string(), w.dir.path().join("doctor.sqlite"));
        tokio::task::spawn_blocking(move || {
            let mut command = std::process::Command::new(HUB);
            command
                .args(["doctor", "--demo", "--cobot-url", &sim, "--db"])
                .arg(db)
                .env_remove("FRONTDOOR_HUB_COBOT_TOKEN")
                .env_remove("CREDENTIALS_DIRECTORY");
            if let Some(t) = token {
                command.env("FRONTDOOR_HUB_COBOT_TOKEN", t);
            }
            command.output().unwrap()
        })
    };
    let out = run(w.environment.clone()).await.unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for title in [
        "Sign-in discovery",
        "ID token claims",
        "The space's Cobot token",
        "Scopes Cobot granted",
        "The space's time zone",
        "Webhook subscriptions",
        "Check-ins Cobot shows the hub",
        "Rate-limit headroom",
    ] {
        assert!(text.contains(title), "{title} missing from:\n{text}");
    }
    assert!(text.contains("unknown ID token claims: Nobody has signed in"), "{text}");
    // The demo has no public address: no webhooks, a warning, not a failure.
    assert!(text.contains("WARN    Webhook subscriptions"), "{text}");
    assert!(out.status.success(), "nothing failed:\n{text}");
    let out = run(None).await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL    The space's Cobot token: The hub has no Cobot token"),
        "{text}"
    );
}

#[tokio::test]
async fn with_an_oidc_subject_other_than_the_user_id_members_sign_in_staff_connect_and_the_doctor_says_so() {
    let w = World::start(UNCONNECTED).await;
    let r = w
        .http
        .post(format!("{}_sim/config", w.sim.base_url))
        .json(&json!({"subjects": "opaque"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    // Sam signs in (the hub knows people by /api/user's id) and connects Cobot.
    let sam = w.session("user-sam").await;
    let back = w.plug(&sam, "user-sam").await;
    assert!(back.contains("connected=1"), "connecting needs no ID token: {back}");
    w.until_synced(&sam).await;
    let alex = sign_in(&w.http, &w.hub.base_url, "user-alex").await.unwrap();
    assert_eq!(
        alex["membership_id"],
        json!("mem-alex"),
        "mapped by the user id: {alex}"
    );

    let (_, report) = w.get("api/v1/admin/doctor", &sam).await;
    let v = verdicts(&report);
    assert_eq!(v["id_token"].0, "warn", "{v:?}");
    assert!(
        v["id_token"].1.contains("oidc-user-alex") && v["id_token"].1.contains("calls the same person user-alex"),
        "the doctor names both ids: {v:?}"
    );
    assert_eq!(v["plug"].0, "ok", "{v:?}");

    // With Cobot's subjects equal to its user ids, the doctor says that, in as many words.
    let r = w
        .http
        .post(format!("{}_sim/config", w.sim.base_url))
        .json(&json!({"subjects": "user_id"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    w.session("user-alex").await;
    let (_, report) = w.get("api/v1/admin/doctor", &sam).await;
    let v = verdicts(&report);
    assert_eq!(v["id_token"].0, "ok", "{v:?}");
    assert!(
        v["id_token"].1.contains("is the person's Cobot user id, user-alex"),
        "{v:?}"
    );
}

#[tokio::test]
async fn a_space_token_cobot_hands_to_the_owner_is_noticed_and_its_webhooks_renewed_as_the_owner() {
    // Jo, an admin but not the owner (Sam), connects Cobot.
    let mut seed = cobot_sim::demo();
    seed.admins.push(cobot_sim::seed::SeedAdmin {
        user_id: "user-jo".into(),
        space_subdomain: "lighthouse".into(),
        name: "Jo Lee".into(),
    });
    let sim = cobot_sim::spawn_with_seed(
        cobot_sim::SimConfig {
            start_at: Some(monday()),
            ..cobot_sim::SimConfig::default()
        },
        seed,
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hub = hub_on(&sim, &dir, None, false).await;
    let w = World {
        sim,
        hub,
        http: reqwest::Client::new(),
        dir,
        environment: None,
    };
    let jo = w.session("user-jo").await;
    let back = w.plug(&jo, "user-jo").await;
    assert!(back.contains("connected=1"), "{back}");
    w.until_synced(&jo).await;
    let public = w.hub.base_url.clone();
    let first = w.hub.hub.syncer.scheduled(Some(&public)).await.unwrap();
    assert!(
        !first.webhooks.iter().any(|n| n.contains("handed")),
        "{:?}",
        first.webhooks
    );
    let token = w.hub_token().unwrap();
    let subscriptions = |w: &World| {
        let (http, url, token) = (
            w.http.clone(),
            format!("{}sub/lighthouse/api/subscriptions", w.sim.base_url),
            token.clone(),
        );
        async move {
            let list: Value = util::json_of(http.get(url).bearer_auth(token)).await;
            list.as_array().unwrap_or_else(|| panic!("{list}")).clone()
        }
    };
    assert_eq!(
        subscriptions(&w).await.len(),
        frontdoor_hub::app::sync::EVENTS.len(),
        "Jo's"
    );

    // Jo stops being an admin: Cobot hands the token to the owner, Sam.
    assert!(w.sim.sim.remove_admin("lighthouse", "user-jo"));
    assert!(
        subscriptions(&w).await.is_empty(),
        "Cobot lists the subscriptions of the token's person: Sam has none"
    );
    let next = w.hub.hub.syncer.scheduled(Some(&public)).await.unwrap();
    let notes = next.webhooks.join(" ");
    assert!(
        notes.contains("handed the space's connection from Jo Lee to Sam Rivera"),
        "{notes}"
    );
    let renewed = subscriptions(&w).await;
    assert_eq!(
        renewed.len(),
        frontdoor_hub::app::sync::EVENTS.len(),
        "re-subscribed as Sam: {renewed:?}"
    );
    assert!(renewed.iter().all(|s| s["active"] == json!(true)));
    let sam = w.session("user-sam").await;
    let connection = w.connection(&sam).await;
    assert_eq!(
        connection["state"],
        json!("connected"),
        "the connection keeps working: {connection}"
    );
    assert!(
        connection["message"]
            .as_str()
            .unwrap()
            .contains("from Jo Lee to Sam Rivera"),
        "the Cobot tab says so: {connection}"
    );
}

#[tokio::test]
async fn an_id_token_without_a_nonce_is_refused_by_default_named_by_the_doctor_and_allowed_when_staff_say_so() {
    use frontdoor_hub::base::config::IdTokenNonce;
    for rule in [IdTokenNonce::Required, IdTokenNonce::WhenPresent] {
        let (w, _) = doctor_world(None, |c| c.cobot.id_token_nonce = rule).await;
        let r = w
            .http
            .post(format!("{}_sim/config", w.sim.base_url))
            .json(&json!({"id_token_nonce": "omit"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let side = begin(&w.http, &w.hub.base_url).await;
        let callback = at_cobot(&side, "user-alex").await;
        let (_, handover) = through_hub(&callback).await;
        let handover = handover.expect("the hub hands over to the app");
        let signed_in = match handover.contains("error=") {
            true => Err(handover),
            false => redeem(&w.http, &w.hub.base_url, side, &handover)
                .await
                .map_err(|e| format!("{e:?}")),
        };
        let report = serde_json::to_value(frontdoor_hub::app::doctor::run(&w.hub.hub).await).unwrap();
        let v = verdicts(&report);
        match rule {
            IdTokenNonce::Required => {
                assert!(signed_in.is_err(), "a token without the nonce is refused by default");
                assert_eq!(v["id_token"].0, "fail", "{v:?}");
                assert!(v["id_token"].1.contains("id_token_nonce = \"when_present\""), "{v:?}");
                // The status strip turns red with the reason while Cobot itself stays connected.
                let glance = frontdoor_hub::app::glance::now(&w.hub.hub).await.unwrap();
                assert!(!glance.cobot.ok, "{glance:?}");
                assert!(
                    glance.cobot.words.contains("The last member sign-in failed")
                        && glance.cobot.words.contains("nonce"),
                    "{glance:?}"
                );
                assert_eq!(v["sign_in"].0, "fail", "{v:?}");
                // The Cobot tab says it too.
                let tab = frontdoor_hub::app::plug::describe_with_attempts(&w.hub.hub).await;
                assert!(
                    tab.message.contains("The last member sign-in") && tab.message.contains("nonce"),
                    "{tab:?}"
                );
            }
            IdTokenNonce::WhenPresent => {
                let alex = signed_in.unwrap_or_else(|e| panic!("{e:?}"));
                assert_eq!(alex["user"]["id"], json!("user-alex"));
                assert_eq!(v["id_token"].0, "ok", "{v:?}");
                assert!(v["id_token"].1.contains("nonce: checked when present"), "{v:?}");
                let glance = frontdoor_hub::app::glance::now(&w.hub.hub).await.unwrap();
                assert_eq!(glance.cobot.words, "Cobot connected", "{glance:?}");
            }
        }
    }
}
