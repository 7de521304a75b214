//! The hub against cobot-sim: full and webhook-driven sync, the snapshot surviving Cobot
//! failures, the session exchange and "my plans and door verdicts"; webhooks as Cobot sends them
//! (JSON or form data, answered at once, renewed when Cobot turns them off), plans by id, a
//! malformed record among ten thousand, Cobot's rate limits, and a space on its own domain.

use crate::util;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cobot_sim::seed::HUB_CLIENT_SECRET;
use frontdoor_core::cobot::limit::{Limit, Limits};
use frontdoor_core::cobot::RetryPolicy;
use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::store::Store;
use frontdoor_hub::{Config, RunningHub, Setup};
use jiff::Timestamp;
use relay_sim::ShellyDouble;
use reqwest::Method;
use serde_json::{json, Value};
use util::{mint, sign_in};

/// Monday 2026-11-23, 10:00 in Berlin.
fn monday_morning() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

/// How a test's world differs from the plain demo.
struct Options {
    /// The simulator's switches (`start_at` is always Monday morning).
    sim: cobot_sim::SimConfig,
    /// Its data.
    seed: cobot_sim::Seed,
    /// Doors on a simulated Shelly, so unlocks really open.
    relay: bool,
    /// The space served on a domain of its own, and the hub configured with it.
    custom_domain: bool,
    /// The hub's budgets at Cobot.
    limits: Limits,
    /// How long one request to Cobot may take (a list of 10,000 takes a while in a debug build).
    timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sim: cobot_sim::SimConfig::default(),
            seed: cobot_sim::demo(),
            relay: false,
            custom_domain: false,
            limits: Limits::cobot(),
            timeout: Duration::from_secs(1),
        }
    }
}

struct World {
    sim: cobot_sim::RunningSim,
    hub: RunningHub,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    relay: Option<ShellyDouble>,
    domain: Option<cobot_sim::CustomDomain>,
    limits: Limits,
    timeout: Duration,
}

impl World {
    async fn start() -> World {
        World::start_with(Options::default()).await
    }

    async fn start_with(options: Options) -> World {
        // The simulator's calendar is pinned to the hub's, so dated demo data reads the same any day.
        let config = cobot_sim::SimConfig {
            start_at: Some(monday_morning()),
            ..options.sim
        };
        let sim = cobot_sim::spawn_with_seed(config, options.seed, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let domain = match options.custom_domain {
            true => Some(
                sim.sim
                    .serve_custom_domain("lighthouse", "127.0.0.1:0".parse().unwrap())
                    .await
                    .unwrap(),
            ),
            false => None,
        };
        let relay = match options.relay {
            true => Some(ShellyDouble::start_with_channels("127.0.0.1:0".parse().unwrap(), 3).await),
            false => None,
        };
        let http = reqwest::Client::new();
        let dir = tempfile::tempdir().unwrap();
        let config = world_config(&sim, relay.as_ref(), domain.as_ref());
        let any_port = "127.0.0.1:0".parse().unwrap();
        let w = World {
            hub: start_hub_with(&sim, &dir, &http, config, (options.limits, options.timeout), any_port).await,
            sim,
            http,
            _dir: dir,
            relay,
            domain,
            limits: options.limits,
            timeout: options.timeout,
        };
        w.clear_requests().await;
        w.hub.hub.syncer.full().await.unwrap();
        w
    }

    async fn restart_hub(&mut self) {
        self.restart_hub_at("127.0.0.1:0".parse().unwrap()).await;
    }

    /// Starts the hub again on `addr`, on the same store.
    async fn restart_hub_at(&mut self, addr: SocketAddr) {
        let config = world_config(&self.sim, self.relay.as_ref(), self.domain.as_ref());
        self.hub = start_hub_with(
            &self.sim,
            &self._dir,
            &self.http,
            config,
            (self.limits, self.timeout),
            addr,
        )
        .await;
    }

    fn sim_url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url, path.trim_start_matches('/'))
    }

    async fn mint(&self, user: &str, client: &str, scopes: &[&str]) -> String {
        mint(&self.http, &self.sim, user, client, scopes).await
    }

    async fn sim_post(&self, path: &str, body: Value) {
        let r = self.http.post(self.sim_url(path)).json(&body).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.text().await.unwrap());
    }

    async fn requests(&self) -> Vec<String> {
        util::sim_request_lines(&self.http, &self.sim).await
    }

    async fn clear_requests(&self) {
        util::clear_sim_requests(&self.http, &self.sim).await;
    }

    async fn session(&self, user: &str) -> Result<String, Value> {
        sign_in(&self.http, &self.hub.base_url, user)
            .await
            .map(|r| r["session_token"].as_str().unwrap().to_string())
            .map_err(|(_, body)| body)
    }

    async fn me(&self, user: &str) -> Value {
        let session = self.session(user).await.unwrap();
        util::me(&self.http, &self.hub.base_url, &session).await
    }

    /// One request to the hub, sent; the answer unread.
    async fn send(&self, method: Method, path: &str, session: Option<&str>, body: Option<Value>) -> reqwest::Response {
        util::send(&self.http, &self.hub.base_url, method, path, session, body).await
    }

    /// What the console's sync panel shows Sam (staff): the last sync's report.
    async fn sync_panel(&self) -> Value {
        let sam = self.session("user-sam").await.unwrap();
        let r = self.send(Method::GET, "api/v1/admin/sync", Some(&sam), None).await;
        r.json().await.unwrap()
    }

    /// Cobot's webhook delivery, as the hub receives it; waits for the re-read it causes.
    async fn webhook(&self, event: &str, url: &str) -> (u16, Value) {
        let answer = self.post_webhook(event, url).await;
        self.hub.hub.followups.settled().await;
        answer
    }

    /// Cobot's webhook delivery, answered; the re-read may still be under way.
    async fn post_webhook(&self, event: &str, url: &str) -> (u16, Value) {
        let r = self
            .http
            .post(self.webhook_url(event))
            .json(&json!({"url": url}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Cobot's hint that membership `id`'s details changed, answered; the re-read may still be
    /// under way.
    async fn member_changed(&self, id: &str) -> (u16, Value) {
        self.post_webhook("updated_membership_details", &self.membership_url(id))
            .await
    }

    fn webhook_url(&self, event: &str) -> url::Url {
        let secret = self.hub.hub.store.webhook_secret().unwrap();
        self.hub
            .base_url
            .join(&format!("api/v1/cobot/webhooks/{secret}/{event}"))
            .unwrap()
    }

    /// `POST /api/v1/doors/{door}/unlock` → (status, body).
    async fn unlock(&self, session: &str, door: &str) -> (u16, Value) {
        util::unlock(&self.http, &self.hub.base_url, Some(session), door).await
    }

    /// The simulator's request log: (method, path, status, host).
    async fn request_log(&self) -> Vec<Value> {
        util::sim_requests(&self.http, &self.sim).await
    }

    /// Waits for Cobot's delivery of `event` that ends how `done` says.
    async fn delivery(
        deliveries: &mut tokio::sync::broadcast::Receiver<cobot_sim::Delivery>,
        event: &str,
        done: cobot_sim::DeliveryOutcome,
    ) -> cobot_sim::Delivery {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let d = deliveries.recv().await.unwrap();
                if d.event == event && d.outcome == done {
                    return d;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("Cobot delivers {event} ({done:?})"))
    }

    /// Jo Lee (`mem-jo`, user `user-jo`) joins Lighthouse on Flex Desk, confirmed on
    /// 2026-11-02; `more` adds to the membership.
    fn jo_joins_on_flex_desk(&self, more: cobot_sim::MembershipPatch) {
        let jo = cobot_sim::MembershipPatch {
            user_id: Some(Some("user-jo".into())),
            name: Some("Jo Lee".into()),
            plan_id: Some("plan-flex".into()),
            confirmed_at: Some(Some("2026-11-02T09:00:00Z".parse().unwrap())),
            ..more
        };
        self.sim.sim.upsert_membership("lighthouse", "mem-jo", jo).unwrap();
    }

    /// At Cobot, Alex's membership changes to `plan` today.
    fn alex_moves_to(&self, plan: &str) {
        self.sim.sim.change_plan("lighthouse", "mem-alex", plan, None).unwrap();
    }

    fn membership_url(&self, id: &str) -> String {
        self.sim_url(&format!("sub/lighthouse/api/memberships/{id}"))
    }
}

/// The demo configuration, with doors on `relay` and the space on `domain` when given.
fn world_config(
    sim: &cobot_sim::RunningSim,
    relay: Option<&ShellyDouble>,
    domain: Option<&cobot_sim::CustomDomain>,
) -> Config {
    let mut config = Config::demo_with_relay(&sim.base_url, relay.map(|r| r.url()).as_ref());
    if let Some(domain) = domain {
        config.cobot.space_url = Some(domain.url.clone());
    }
    config
}

async fn start_hub_with(
    sim: &cobot_sim::RunningSim,
    dir: &tempfile::TempDir,
    http: &reqwest::Client,
    config: Config,
    (limits, timeout): (Limits, Duration),
    addr: SocketAddr,
) -> RunningHub {
    let token = mint(http, sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
    let setup = Setup {
        store: Store::open(&dir.path().join("hub.sqlite")).unwrap(),
        cobot_token: Some(AccessToken::new(token)),
        client_secret: Some(ClientSecret::new(HUB_CLIENT_SECRET)),
        scheduled_sync: false,
        clock: frontdoor_hub::Clock::from_fn(monday_morning),
        retry: RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(2),
        },
        cobot_timeout: timeout,
        // Openings must not post check-ins here: the request log is the sync's alone.
        check_in_worker: false,
        cobot_limits: limits,
        ..Setup::detached()
    };
    frontdoor_hub::spawn_with(config, setup, addr).await.unwrap()
}

fn door<'a>(me: &'a Value, id: &str) -> &'a Value {
    me["doors"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap()
}

#[tokio::test]
async fn a_full_sync_reads_three_whole_space_lists_and_reports_what_staff_must_fix() {
    let w = World::start().await;
    let report = w.hub.hub.syncer.full().await.unwrap();
    assert_eq!(report.cobot_requests, 3);
    assert_eq!(
        report.members, 3,
        "alex, sam and kim; riley ended, noah has no account: {report:?}"
    );
    assert_eq!(report.without_user, vec!["Noah Fischer (mem-noah)".to_string()]);
    assert_eq!(
        report.unknown_groups.get("Kim Park (mem-kim)"),
        Some(&vec!["Mystery".to_string()])
    );
    assert!(report.unknown_plans.is_empty(), "{report:?}");
    w.clear_requests().await;
    w.hub.hub.syncer.full().await.unwrap();
    assert_eq!(
        w.requests().await,
        vec![
            "GET /sub/lighthouse/api/plans",
            "GET /sub/lighthouse/api/memberships",
            "GET /sub/lighthouse/api/custom_fields"
        ],
        "never one request per member"
    );
}

#[tokio::test]
async fn a_member_sees_plans_and_door_verdicts_with_reasons() {
    let w = World::start().await;
    let me = w.me("user-alex").await;
    assert_eq!(me["name"], json!("Alex Morgan"));
    assert_eq!(
        me["plans"],
        json!([{"name": "Flex Desk", "since": "2026-01-05", "until": null, "active": true, "status": "active",
                "standing": {"kind": "active", "ends_after": null}}])
    );
    assert_eq!(door(&me, "front")["allowed"], json!(true));
    assert_eq!(
        door(&me, "front")["reasons"],
        json!(["Plan Flex Desk → group Members, Mon–Fri 07:00–22:00; Sat 10:00–16:00"])
    );
    // The same as facts, for the app to say in the member's language: the group's hours as
    // weekdays (bit 0 = Monday) and minutes of the space's day.
    assert_eq!(
        door(&me, "front")["why"],
        json!([{"kind": "granted", "group": "Members", "plan": "Flex Desk", "hours": [
            {"days": 0b001_1111, "start": 420, "end": 1320},
            {"days": 0b010_0000, "start": 600, "end": 960},
        ]}])
    );
    assert_eq!(door(&me, "workshop")["allowed"], json!(false));
    assert_eq!(
        door(&me, "workshop")["reasons"],
        json!(["none of your plans or groups opens this door"])
    );
    assert_eq!(door(&me, "workshop")["why"], json!([{"kind": "no_group_opens_door"}]));

    let sam = w.me("user-sam").await;
    assert_eq!(door(&sam, "office")["allowed"], json!(true));
    assert_eq!(
        door(&sam, "office")["reasons"],
        json!(["extra group Staff from your membership"])
    );
    assert_eq!(
        door(&sam, "office")["why"],
        json!([{"kind": "granted", "group": "Staff", "plan": null, "hours": []}])
    );
    assert_eq!(sam["staff"], json!(true));
}

#[tokio::test]
async fn only_members_and_staff_get_a_session() {
    let w = World::start().await;
    let err = w.session("user-jo").await.unwrap_err();
    assert_eq!(err["code"], json!("not_a_member"));
    let forged = json!({"cobot_token": "forged"});
    let r = w.send(Method::POST, "api/v1/session", None, Some(forged)).await;
    assert_eq!(
        r.status().as_u16(),
        404,
        "a bare Cobot token buys nothing: the exchange is gone"
    );
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("not_found"));
    let r = w.send(Method::GET, "api/v1/me", Some("not-a-session"), None).await;
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("not_signed_in"));
    // Resync is for staff.
    let alex = w.session("user-alex").await.unwrap();
    let r = w.send(Method::POST, "api/v1/admin/sync", Some(&alex), None).await;
    assert_eq!(r.status().as_u16(), 403);
    let sam = w.session("user-sam").await.unwrap();
    let r = w.send(Method::POST, "api/v1/admin/sync", Some(&sam), None).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["members"], json!(3));
}

#[tokio::test]
async fn a_webhook_costs_one_targeted_request_and_changes_the_verdict() {
    let w = World::start().await;
    w.sim_post(
        "_sim/spaces/lighthouse/memberships/mem-alex/plan",
        json!({"plan_id": "plan-fixed"}),
    )
    .await;
    w.clear_requests().await;
    let (status, _) = w
        .webhook("changed_membership_plan", &w.membership_url("mem-alex"))
        .await;
    assert_eq!(status, 202, "answered at once, re-read after");
    assert_eq!(w.requests().await, vec!["GET /sub/lighthouse/api/memberships/mem-alex"]);
    let me = w.me("user-alex").await;
    assert_eq!(me["plans"][0]["name"], json!("Fixed Desk"));
    assert_eq!(
        door(&me, "workshop")["reasons"],
        json!(["Plan Fixed Desk → group Residents"])
    );
}

#[tokio::test]
async fn a_webhook_naming_another_host_is_acknowledged_and_ignored_without_asking_cobot() {
    let w = World::start().await;
    w.clear_requests().await;
    for url in [
        "http://evil.example/api/memberships/mem-alex",
        "http://127.0.0.1:1/sub/lighthouse/api/memberships/mem-alex",
        "https://other-space.cobot.me/api/memberships/mem-alex",
        &w.sim_url("api/user"),
    ] {
        let (status, _) = w.webhook("updated_membership_details", url).await;
        assert_eq!(
            status, 202,
            "a hint is acknowledged (a 4xx would make Cobot turn it off): {url}"
        );
    }
    w.hub.hub.followups.settled().await;
    assert!(
        w.requests().await.is_empty(),
        "and nothing was read from any of those hosts"
    );
}

#[tokio::test]
async fn webhooks_naming_a_domain_the_hub_was_not_told_of_never_make_cobot_deactivate_them() {
    use cobot_sim::DeliveryOutcome::{Deactivated, Delivered};
    let w = World::start().await;
    w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap();
    // The space moves to its own domain at Cobot; nobody tells the hub's `[cobot] space_url`.
    let domain = w
        .sim
        .sim
        .serve_custom_domain("lighthouse", "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut deliveries = w.sim.sim.watch_deliveries();
    for plan in ["plan-fixed", "plan-flex", "plan-fixed"] {
        w.alex_moves_to(plan);
        let d = World::delivery(&mut deliveries, "changed_membership_plan", Delivered).await;
        assert_eq!(d.body["url"], json!(format!("{}api/memberships/mem-alex", domain.url)));
        assert_eq!((d.status, d.attempt), (Some(202), 1), "{d:?}");
    }
    assert!(
        w.sim.sim.deliveries().iter().all(|d| d.outcome != Deactivated),
        "no subscription was turned off"
    );
    let (status, body) = w
        .http
        .get(format!("{}sub/lighthouse/api/subscriptions", w.sim.base_url))
        .bearer_auth(w.hub.hub.syncer.token().unwrap().secret())
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .map(|b| (200, b))
        .unwrap();
    assert_eq!(status, 200);
    let subscriptions = body.as_array().unwrap_or_else(|| panic!("{body}"));
    assert!(!subscriptions.is_empty());
    assert!(
        subscriptions.iter().all(|s| s["active"] == json!(true)),
        "every subscription stays active: {body}"
    );
}

#[tokio::test]
async fn reaching_the_cancellation_date_takes_access_away() {
    let w = World::start().await;
    let signed_in = util::sign_in(&w.http, &w.hub.base_url, "user-alex").await.unwrap();
    w.sim_post(
        "_sim/spaces/lighthouse/memberships/mem-alex/cancel",
        json!({"canceled_to": "2026-11-22"}),
    )
    .await;
    w.webhook("membership_cancellation_date_reached", &w.membership_url("mem-alex"))
        .await;
    // The session Alex already has shows why the doors stay shut …
    let me = util::me(&w.http, &w.hub.base_url, signed_in["session_token"].as_str().unwrap()).await;
    assert_eq!(me["plans"][0]["status"], json!("ended on 2026-11-22"));
    assert_eq!(door(&me, "front")["allowed"], json!(false));
    assert_eq!(
        door(&me, "front")["reasons"],
        json!(["your membership ended on 2026-11-22"])
    );
    // … and its next refresh ends the device there.
    let (status, body) = util::refresh(&w.http, &w.hub.base_url, signed_in["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["code"].clone()), (403, json!("membership_ended")));
}

#[tokio::test]
async fn an_extra_group_added_in_the_custom_field_grants_access_and_unknown_ones_do_not() {
    let w = World::start().await;
    let admin = w.mint("user-sam", "frontdoor-hub", &["write_custom_fields"]).await;
    let put = |value: &'static str| {
        let (http, url, admin) = (
            w.http.clone(),
            w.membership_url("mem-alex") + "/custom_fields",
            admin.clone(),
        );
        async move {
            let r = http
                .put(url)
                .bearer_auth(admin)
                .json(&json!({"fields": [{"label": "smart_spaces_access_additional_units", "value": value}]}))
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success());
        }
    };
    put("Staff").await;
    w.clear_requests().await;
    w.webhook("updated_custom_field", &w.membership_url("mem-alex")).await;
    assert_eq!(
        w.requests().await,
        vec!["GET /sub/lighthouse/api/memberships/mem-alex/custom_fields"]
    );
    let me = w.me("user-alex").await;
    assert_eq!(
        door(&me, "office")["reasons"],
        json!(["extra group Staff from your membership"])
    );

    put("Bikeroom").await;
    w.webhook("updated_custom_field", &w.membership_url("mem-alex")).await;
    let me = w.me("user-alex").await;
    assert_eq!(
        door(&me, "office")["allowed"],
        json!(false),
        "an unknown identifier grants nothing"
    );
    let report = w.hub.hub.syncer.full().await.unwrap();
    assert_eq!(
        report.unknown_groups.get("Alex Morgan (mem-alex)"),
        Some(&vec!["Bikeroom".to_string()])
    );
}

/// A full sync under `fault` fails, and members still get the last snapshot's answer.
async fn check_the_last_snapshot_stays(fault: Value) {
    let w = World::start().await;
    let before = w.me("user-alex").await;
    w.sim_post("_sim/faults", fault.clone()).await;
    let err = w.hub.hub.syncer.full().await.unwrap_err();
    assert!(err.to_string().starts_with("Cobot:"), "{fault}: {err}");
    let after = w.me("user-alex").await;
    assert_eq!(
        (&after["doors"], &after["as_of"]),
        (&before["doors"], &before["as_of"]),
        "the last snapshot stays after {fault}"
    );
    let last = w.sync_panel().await;
    assert!(
        last["error"].as_str().unwrap().starts_with("Cobot:"),
        "the failure is reported to staff: {last}"
    );
}

#[tokio::test]
async fn a_cobot_outage_mid_sync_keeps_the_last_snapshot() {
    check_the_last_snapshot_stays(
        json!({"path": "/sub/lighthouse/api/memberships", "kind": "status", "status": 503, "times": 5}),
    )
    .await;
}

#[tokio::test]
async fn malformed_json_mid_sync_keeps_the_last_snapshot() {
    check_the_last_snapshot_stays(
        json!({"path": "/sub/lighthouse/api/custom_fields", "kind": "malformed", "times": 5}),
    )
    .await;
}

#[tokio::test]
async fn a_dropped_connection_mid_sync_keeps_the_last_snapshot() {
    check_the_last_snapshot_stays(json!({"path": "/sub/lighthouse/api/memberships", "kind": "drop", "times": 5})).await;
}

#[tokio::test]
async fn a_429_storm_keeps_the_last_snapshot() {
    check_the_last_snapshot_stays(
        json!({"path": "/sub/lighthouse/api/plans", "kind": "status", "status": 429, "times": 5}),
    )
    .await;
}

#[tokio::test]
async fn a_timeout_mid_sync_keeps_the_last_snapshot() {
    let w = World::start().await;
    let before = w.me("user-alex").await;
    // Plans and memberships arrive; the custom fields never do within the 1 s timeout.
    w.sim_post(
        "_sim/faults",
        json!({"path": "/sub/lighthouse/api/custom_fields", "kind": "slow", "delay_ms": 3000, "times": 3}),
    )
    .await;
    let err = w.hub.hub.syncer.full().await.unwrap_err();
    assert!(err.to_string().contains("could not be reached"), "{err}");
    let after = w.me("user-alex").await;
    assert_eq!((&after["doors"], &after["as_of"]), (&before["doors"], &before["as_of"]));
}

#[tokio::test]
async fn the_snapshot_survives_a_hub_restart_without_cobot() {
    let mut w = World::start().await;
    w.sim_post(
        "_sim/faults",
        json!({"path": "/sub/lighthouse/api", "kind": "status", "status": 503, "times": 100}),
    )
    .await;
    w.restart_hub().await;
    assert_eq!(
        w.hub.hub.snapshot().members().len(),
        3,
        "loaded from SQLite, no sync needed"
    );
}

#[tokio::test]
async fn the_hub_subscribes_to_cobots_webhooks_and_a_delivery_updates_the_member() {
    let w = World::start().await;
    let added = w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap();
    assert_eq!(added.added.len(), frontdoor_hub::app::sync::EVENTS.len());
    assert_eq!(
        w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap(),
        Default::default(),
        "subscribing again adds nothing"
    );

    let mut deliveries = w.sim.sim.watch_deliveries();
    w.sim_post(
        "_sim/spaces/lighthouse/memberships/mem-alex/plan",
        json!({"plan_id": "plan-fixed"}),
    )
    .await;
    let delivery = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let d = deliveries.recv().await.unwrap();
            if d.event == "changed_membership_plan" {
                return d;
            }
        }
    })
    .await
    .expect("Cobot delivers the change");
    assert_eq!(delivery.status, Some(202), "the hub acknowledged at once: {delivery:?}");
    w.hub.hub.followups.settled().await;
    let me = w.me("user-alex").await;
    assert_eq!(me["plans"][0]["name"], json!("Fixed Desk"));
}

#[tokio::test]
async fn a_webhook_without_the_hubs_secret_is_refused_without_asking_cobot() {
    let w = World::start().await;
    w.clear_requests().await;
    for path in [
        "api/v1/cobot/webhooks/changed_membership_plan",
        "api/v1/cobot/webhooks/guess/changed_membership_plan",
    ] {
        let hint = json!({"url": w.membership_url("mem-alex")});
        let r = w.send(Method::POST, path, None, Some(hint)).await;
        assert_eq!(r.status().as_u16(), 404, "{path}");
    }
    assert!(w.requests().await.is_empty(), "no Cobot request was spent");
}

// ---- Webhooks as Cobot sends them ----

/// Plan changes, custom fields and deletions, delivered by cobot-sim as `encoding` with
/// `updated_custom_field` pointing where `custom_field_url` says, each change Alex's next unlock.
async fn check_webhooks_change_the_next_unlock(
    encoding: cobot_sim::WebhookEncoding,
    custom_field_url: cobot_sim::CustomFieldUrl,
) {
    use cobot_sim::DeliveryOutcome::Delivered;
    let w = World::start_with(Options {
        sim: cobot_sim::SimConfig {
            variants: cobot_sim::Variants {
                webhook_encoding: encoding,
                custom_field_webhook_url: custom_field_url,
                ..cobot_sim::Variants::default()
            },
            ..cobot_sim::SimConfig::default()
        },
        relay: true,
        ..Options::default()
    })
    .await;
    w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap();
    let alex = w.session("user-alex").await.unwrap();
    assert_eq!(
        w.unlock(&alex, "workshop").await.0,
        403,
        "Flex Desk does not open the workshop"
    );
    let mut deliveries = w.sim.sim.watch_deliveries();

    w.alex_moves_to("plan-fixed");
    let d = World::delivery(&mut deliveries, "changed_membership_plan", Delivered).await;
    assert_eq!(d.status, Some(202), "{d:?}");
    w.hub.hub.followups.settled().await;
    let (status, body) = w.unlock(&alex, "workshop").await;
    assert_eq!(status, 200, "on Fixed Desk now: {body}");

    w.sim
        .sim
        .set_custom_field(
            "lighthouse",
            "mem-alex",
            cobot_sim::seed::ACCESS_FIELD_LABEL,
            Some("Staff".into()),
        )
        .unwrap();
    let d = World::delivery(&mut deliveries, "updated_custom_field", Delivered).await;
    assert_eq!(d.status, Some(202), "{d:?}");
    w.hub.hub.followups.settled().await;
    let (status, body) = w.unlock(&alex, "office").await;
    assert_eq!(status, 200, "the extra group Staff opens the office: {body}");

    w.sim.sim.delete_membership("lighthouse", "mem-alex").unwrap();
    let d = World::delivery(&mut deliveries, "deleted_membership", Delivered).await;
    assert_eq!(d.body["membership"]["id"], "mem-alex", "the deleted object rides along");
    w.hub.hub.followups.settled().await;
    let (status, body) = w.unlock(&alex, "front").await;
    assert_eq!((status, body["code"].as_str()), (403, Some("no_access")), "{body}");
}

#[tokio::test]
async fn webhooks_sent_as_json_change_the_next_unlock_decision() {
    check_webhooks_change_the_next_unlock(cobot_sim::WebhookEncoding::Json, cobot_sim::CustomFieldUrl::Membership)
        .await;
}

#[tokio::test]
async fn webhooks_sent_as_form_data_change_the_next_unlock_decision() {
    check_webhooks_change_the_next_unlock(
        cobot_sim::WebhookEncoding::Form,
        cobot_sim::CustomFieldUrl::CustomFields,
    )
    .await;
}

#[tokio::test]
async fn a_slow_re_read_does_not_delay_the_webhooks_answer() {
    let w = World::start().await;
    w.alex_moves_to("plan-fixed");
    w.sim_post(
        "_sim/faults",
        json!({"path": "/sub/lighthouse/api/memberships/mem-alex", "kind": "slow", "delay_ms": 800}),
    )
    .await;
    let started = Instant::now();
    let (status, _) = w
        .post_webhook("changed_membership_plan", &w.membership_url("mem-alex"))
        .await;
    let answered = started.elapsed();
    assert_eq!(status, 202);
    assert!(
        answered < Duration::from_millis(800),
        "Cobot waits {answered:?} for an answer: not for the 800 ms re-read"
    );
    w.hub.hub.followups.settled().await;
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "the re-read itself waited for Cobot"
    );
    let me = w.me("user-alex").await;
    assert_eq!(me["plans"][0]["name"], json!("Fixed Desk"));
}

#[tokio::test]
async fn a_flood_of_webhooks_becomes_one_full_sync_instead_of_a_re_read_each() {
    let w = World::start_with(Options {
        timeout: Duration::from_secs(10),
        ..Options::default()
    })
    .await;
    // The first re-read takes a while, so the flood piles up behind it.
    w.sim_post(
        "_sim/faults",
        json!({"path": "/sub/lighthouse/api/memberships/mem-flood-0000", "kind": "slow", "delay_ms": 3000}),
    )
    .await;
    w.clear_requests().await;
    for n in 0..=frontdoor_hub::app::webhook::MAX_WAITING + 1 {
        let (status, body) = w.member_changed(&format!("mem-flood-{n:04}")).await;
        assert_eq!(status, 202, "{body}");
    }
    w.hub.hub.followups.settled().await;
    let requests = w.requests().await;
    let rereads = requests.iter().filter(|r| r.contains("/mem-flood-")).count();
    let lists = requests
        .iter()
        .filter(|r| *r == "GET /sub/lighthouse/api/memberships")
        .count();
    assert_eq!(
        (rereads, lists),
        (1, 1),
        "the one under way, then the whole space once: {requests:?}"
    );
}

#[tokio::test]
async fn a_subscription_cobot_turned_off_is_renewed_at_the_next_scheduled_sync() {
    use cobot_sim::DeliveryOutcome::{Deactivated, Delivered};
    let mut w = World::start_with(Options {
        sim: cobot_sim::SimConfig {
            // Cobot's ten retries over 20 hours, in a second.
            webhook_retry_base: Duration::from_millis(1),
            ..cobot_sim::SimConfig::default()
        },
        ..Options::default()
    })
    .await;
    w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap();
    let (addr, base) = (w.hub.addr, w.hub.base_url.clone());
    let mut deliveries = w.sim.sim.watch_deliveries();

    // The hub is away while Cobot retries: Cobot turns the subscription off.
    w.hub.stop().await;
    w.sim
        .sim
        .cancel_membership("lighthouse", "mem-sam", Some(jiff::civil::date(2026, 12, 31)))
        .unwrap();
    let off = World::delivery(&mut deliveries, "canceled_membership", Deactivated).await;
    assert_eq!(off.attempt, 11, "1 delivery and 10 retries: {off:?}");
    let (http, url) = (w.http.clone(), w.sim_url("sub/lighthouse/api/subscriptions"));
    let listed = move |token: String| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let all: Vec<Value> = util::json_of(http.get(url).bearer_auth(token)).await;
            all.into_iter()
                .filter(|s| s["event"] == "canceled_membership")
                .map(|s| s["active"].as_bool().unwrap())
                .collect::<Vec<bool>>()
        }
    };
    // Cobot lists a user's subscriptions per app: ask as the hub's app.
    let hub_token = w.mint("user-sam", "frontdoor-hub", &["read_subscriptions"]).await;
    assert_eq!(listed(hub_token.clone()).await, [false]);

    // Back at the same address, the next scheduled sync renews it.
    w.restart_hub_at(addr).await;
    assert_eq!(w.hub.base_url, base);
    let report = w.hub.hub.syncer.scheduled(Some(&w.hub.base_url)).await.unwrap();
    assert_eq!(
        report.webhooks,
        ["Renewed the webhooks Cobot had turned off after failed deliveries: canceled_membership."]
    );
    assert_eq!(
        listed(hub_token).await,
        [true],
        "the dead one replaced, not kept beside"
    );
    let quiet = w.hub.hub.syncer.scheduled(Some(&w.hub.base_url)).await.unwrap();
    assert!(quiet.webhooks.is_empty(), "nothing to renew: {quiet:?}");

    // And Cobot's next cancellation reaches the hub again.
    let alex = w.session("user-alex").await.unwrap();
    w.sim
        .sim
        .cancel_membership("lighthouse", "mem-alex", Some(jiff::civil::date(2026, 11, 20)))
        .unwrap();
    let d = World::delivery(&mut deliveries, "canceled_membership", Delivered).await;
    assert_eq!(d.status, Some(202));
    w.hub.hub.followups.settled().await;
    let me = util::me(&w.http, &w.hub.base_url, &alex).await;
    assert_eq!(door(&me, "front")["allowed"], json!(false), "{me}");
}

// ---- Plans by id ----

fn flex_called(name: &str) -> cobot_sim::seed::SeedPlan {
    cobot_sim::seed::SeedPlan {
        id: "plan-flex".into(),
        space_subdomain: "lighthouse".into(),
        name: name.into(),
        description: Some("Any free desk, any weekday.".into()),
        price_per_cycle: "180.0".into(),
        currency: "EUR".into(),
        cycle_duration: 1,
        cancellation_period: 30,
        minimum_commitment: 1,
        hidden: false,
        color: None,
        welcome_message: None,
    }
}

/// The demo's assignments name "Flex Desk"; staff rename the plan in Cobot.
async fn check_a_renamed_plan_keeps_its_members_access(copies: cobot_sim::PlanCopyNames) {
    let w = World::start_with(Options {
        sim: cobot_sim::SimConfig {
            variants: cobot_sim::Variants {
                plan_copy_names: copies,
                ..cobot_sim::Variants::default()
            },
            ..cobot_sim::SimConfig::default()
        },
        ..Options::default()
    })
    .await;
    w.sim.sim.upsert_plan(flex_called("Flex Space")).unwrap();
    // Someone joins after the rename: their copy carries the new name.
    let starts = jiff::civil::date(2026, 11, 2);
    w.jo_joins_on_flex_desk(cobot_sim::MembershipPatch {
        starts_at: Some(starts),
        ..cobot_sim::MembershipPatch::default()
    });
    let report = w.hub.hub.syncer.full().await.unwrap();
    assert_eq!(
        report.renamed_plans,
        ["An assignment names the plan “Flex Desk”, which is called “Flex Space” in Cobot now; its members keep their groups, but rename the assignment."],
        "{report:?}"
    );
    assert!(
        report.unknown_plans.is_empty() && report.unmatched_plans.is_empty(),
        "{report:?}"
    );
    let alex_copy = match copies {
        cobot_sim::PlanCopyNames::Frozen => "Flex Desk",
        cobot_sim::PlanCopyNames::Follow => "Flex Space",
    };
    for (user, copy) in [("user-alex", alex_copy), ("user-jo", "Flex Space")] {
        let me = w.me(user).await;
        assert_eq!(
            door(&me, "front")["reasons"],
            json!([format!(
                "Plan {copy} → group Members, Mon–Fri 07:00–22:00; Sat 10:00–16:00"
            )]),
            "{user}: {me}"
        );
        assert_eq!(door(&me, "front")["allowed"], json!(true), "{user}");
    }
}

#[tokio::test]
async fn a_plan_renamed_in_cobot_keeps_its_members_access_when_their_copies_keep_the_old_name() {
    check_a_renamed_plan_keeps_its_members_access(cobot_sim::PlanCopyNames::Frozen).await;
}

#[tokio::test]
async fn a_plan_renamed_in_cobot_keeps_its_members_access_when_their_copies_follow() {
    check_a_renamed_plan_keeps_its_members_access(cobot_sim::PlanCopyNames::Follow).await;
}

#[tokio::test]
async fn members_whose_plan_matches_no_catalogue_plan_are_reported_to_staff() {
    // Cobot's parent plan ids are not the catalogue's here: plans are found by name.
    let w = World::start_with(Options {
        sim: cobot_sim::SimConfig {
            variants: cobot_sim::Variants {
                parent_plan_ids: cobot_sim::ParentPlanIds::Unrelated,
                plan_copy_names: cobot_sim::PlanCopyNames::Frozen,
                ..cobot_sim::Variants::default()
            },
            ..cobot_sim::SimConfig::default()
        },
        ..Options::default()
    })
    .await;
    let report = w.hub.hub.syncer.full().await.unwrap();
    assert!(
        report.unmatched_plans.is_empty(),
        "found by name while the ids say nothing: {report:?}"
    );
    // Renamed: Alex's copy says "Flex Desk", its parent id is unknown, no plan has that name.
    w.sim.sim.upsert_plan(flex_called("Flex Space")).unwrap();
    w.hub.hub.syncer.full().await.unwrap();
    let last = w.sync_panel().await;
    assert_eq!(
        last["unmatched_plans"],
        json!(["Alex Morgan (mem-alex): plan “Flex Desk” matches no plan in Cobot's plan list"]),
        "{last}"
    );
    let me = w.me("user-alex").await;
    assert_eq!(
        door(&me, "front")["allowed"],
        json!(true),
        "the assignment of that very name still counts"
    );
}

// ---- One bad record, and Cobot's rate limits ----

#[tokio::test]
async fn one_malformed_membership_among_ten_thousand_leaves_the_others_synced() {
    let w = World::start_with(Options {
        seed: cobot_sim::large(10_000),
        timeout: Duration::from_secs(30),
        ..Options::default()
    })
    .await;
    // Alex, Sam, Kim, and the bulk members with an account whose membership has not ended.
    assert_eq!(w.hub.hub.snapshot().members().len(), 9_702);
    let raw = |field: Value| Some(json!({"starts_at": field}).as_object().unwrap().clone());
    // Cobot sends one known membership with a date the hub cannot read, and a new one likewise …
    assert!(w
        .sim
        .sim
        .garble_membership("lighthouse", "mem-bulk-00042", raw(json!("31.12.2025"))));
    w.jo_joins_on_flex_desk(cobot_sim::MembershipPatch::default());
    assert!(w
        .sim
        .sim
        .garble_membership("lighthouse", "mem-jo", raw(json!(20261102))));
    // … while another member's cancellation must still arrive.
    w.sim
        .sim
        .cancel_membership("lighthouse", "mem-bulk-00043", Some(jiff::civil::date(2026, 11, 1)))
        .unwrap();
    let started = Instant::now();
    let report = w.hub.hub.syncer.full().await.unwrap();
    let took = started.elapsed();
    assert_eq!(
        report.skipped,
        [
            "Bulk Member 00042 (mem-bulk-00042): starts_at: not an API 1 date: \"31.12.2025\" — kept as the last sync knew it",
            "Jo Lee (mem-jo): starts_at: invalid type: integer `20261102`, expected a string — not in the hub's copy",
        ],
        "{report:?}"
    );
    assert_eq!(report.removed, ["mem-bulk-00043"], "the rest applied");
    assert_eq!(report.members, 9_701);
    let snapshot = w.hub.hub.snapshot();
    assert_eq!(
        snapshot.member("mem-bulk-00042").and_then(|m| m.starts_at),
        Some(jiff::civil::date(2025, 1, 1)),
        "kept as it was"
    );
    assert!(snapshot.member("mem-jo").is_none());
    assert!(took < Duration::from_secs(30), "a 10,000-member sync took {took:?}");
}

#[tokio::test]
async fn syncs_of_a_big_space_and_webhook_re_reads_share_cobots_budget_and_never_get_a_429() {
    // Cobot's limits over 3 s instead of a minute, on both sides: a minute's traffic in seconds.
    let window = Duration::from_secs(3);
    let w = World::start_with(Options {
        sim: cobot_sim::SimConfig {
            rate_limit_window: window,
            ..cobot_sim::SimConfig::default()
        },
        seed: cobot_sim::large(10_000),
        limits: Limits {
            per_user: Limit { requests: 58, window },
            memberships: Limit { requests: 5, window },
        },
        timeout: Duration::from_secs(30),
        ..Options::default()
    })
    .await;
    w.clear_requests().await;
    let started = Instant::now();
    // Sixty members changed at once, and two full syncs in between: 66 requests, more than
    // Cobot's 60 a window.
    for n in 1..=60 {
        let (status, body) = w.member_changed(&format!("mem-bulk-{n:05}")).await;
        assert_eq!(status, 202, "{body}");
    }
    let syncs: Vec<_> = (0..2)
        .map(|_| {
            let hub = w.hub.hub.clone();
            tokio::spawn(async move { hub.syncer.full().await.map(|r| r.members) })
        })
        .collect();
    for sync in syncs {
        assert!(sync.await.unwrap().is_ok());
    }
    w.hub.hub.followups.settled().await;
    let took = started.elapsed();
    let log = w.request_log().await;
    let throttled: Vec<&Value> = log.iter().filter(|r| r["status"] == json!(429)).collect();
    assert!(throttled.is_empty(), "Cobot said 429 to {throttled:?}");
    let path = |r: &Value| r["path"].as_str().unwrap().to_string();
    let rereads = log
        .iter()
        .filter(|r| path(r).starts_with("/sub/lighthouse/api/memberships/mem-bulk-"))
        .count();
    let lists = log
        .iter()
        .filter(|r| path(r) == "/sub/lighthouse/api/memberships")
        .count();
    assert_eq!(
        (rereads, lists, log.len()),
        (60, 2, 66),
        "every re-read and sync was made"
    );
    assert!(
        took >= window,
        "66 requests do not fit one window's 58: the hub waited ({took:?})"
    );
}

// ---- A space on its own domain ----

#[tokio::test]
async fn a_space_on_its_own_domain_syncs_signs_in_and_follows_webhooks_naming_that_domain() {
    use cobot_sim::DeliveryOutcome::Delivered;
    let w = World::start_with(Options {
        custom_domain: true,
        ..Options::default()
    })
    .await;
    let domain = w.domain.as_ref().unwrap().url.clone();
    let authority = format!("{}:{}", domain.host_str().unwrap(), domain.port().unwrap());

    let report = w.hub.hub.syncer.full().await.unwrap();
    assert_eq!(report.members, 3);
    let log = w.request_log().await;
    assert!(!log.is_empty());
    assert!(
        log.iter().all(|r| r["host"] == json!(authority)),
        "every space request went to {authority}: {log:?}"
    );

    // Members sign in on the space's domain.
    let info = w.send(Method::GET, "api/v1/hub", None, None).await;
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["sign_in"]["issuer"], json!(domain.as_str()), "{info}");
    let side = util::begin(&w.http, &w.hub.base_url).await;
    assert_eq!(side.authorize_url.origin(), domain.origin());
    let me = w.me("user-alex").await;
    assert_eq!(me["plans"][0]["name"], json!("Flex Desk"), "{me}");

    // Cobot's webhooks name the domain, and the hub follows them.
    w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap();
    let mut deliveries = w.sim.sim.watch_deliveries();
    w.alex_moves_to("plan-fixed");
    let d = World::delivery(&mut deliveries, "changed_membership_plan", Delivered).await;
    assert_eq!(
        d.body["url"],
        json!(format!("{domain}api/memberships/mem-alex")),
        "{d:?}"
    );
    assert_eq!(d.status, Some(202));
    w.hub.hub.followups.settled().await;
    let me = w.me("user-alex").await;
    assert_eq!(me["plans"][0]["name"], json!("Fixed Desk"));
    // Should Cobot name the space's cobot.me host instead, the hub follows that too.
    let (status, _) = w
        .webhook("updated_membership_details", &w.membership_url("mem-alex"))
        .await;
    assert_eq!(status, 202);
}
