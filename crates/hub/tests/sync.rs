//! The hub against cobot-sim: full and webhook-driven sync, the snapshot surviving Cobot
//! failures, the session exchange and "my plans and door verdicts".

mod util;

use std::time::Duration;

use cobot_sim::seed::HUB_CLIENT_SECRET;
use frontdoor_core::cobot::RetryPolicy;
use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::store::Store;
use frontdoor_hub::{Config, RunningHub, Setup};
use jiff::Timestamp;
use serde_json::{json, Value};
use util::{mint, sign_in};

/// Monday 2026-11-23, 10:00 in Berlin.
fn monday_morning() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

struct World {
    sim: cobot_sim::RunningSim,
    hub: RunningHub,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl World {
    async fn start() -> World {
        // The simulator's calendar is pinned to the hub's, so dated demo data reads the same any day.
        let config = cobot_sim::SimConfig {
            start_at: Some(monday_morning()),
            ..cobot_sim::SimConfig::default()
        };
        let sim = cobot_sim::spawn(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        let http = reqwest::Client::new();
        let dir = tempfile::tempdir().unwrap();
        let w = World {
            hub: start_hub(&sim, &dir, &http).await,
            sim,
            http,
            _dir: dir,
        };
        w.clear_requests().await;
        w.hub.hub.syncer.full().await.unwrap();
        w
    }

    async fn restart_hub(&mut self) {
        self.hub = start_hub(&self.sim, &self._dir, &self.http).await;
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
        let log: Vec<Value> = self
            .http
            .get(self.sim_url("_sim/requests"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log.iter()
            .map(|r| format!("{} {}", r["method"].as_str().unwrap(), r["path"].as_str().unwrap()))
            .collect()
    }

    async fn clear_requests(&self) {
        self.http.delete(self.sim_url("_sim/requests")).send().await.unwrap();
    }

    async fn session(&self, user: &str) -> Result<String, Value> {
        sign_in(&self.http, &self.hub.base_url, user)
            .await
            .map(|r| r["session_token"].as_str().unwrap().to_string())
            .map_err(|(_, body)| body)
    }

    async fn me(&self, user: &str) -> Value {
        let session = self.session(user).await.unwrap();
        self.http
            .get(self.hub.base_url.join("api/v1/me").unwrap())
            .bearer_auth(session)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Cobot's webhook delivery, as the hub receives it.
    async fn webhook(&self, event: &str, url: &str) -> (u16, Value) {
        let secret = self.hub.hub.store.webhook_secret().unwrap();
        let r = self
            .http
            .post(
                self.hub
                    .base_url
                    .join(&format!("api/v1/cobot/webhooks/{secret}/{event}"))
                    .unwrap(),
            )
            .json(&json!({"url": url}))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    fn membership_url(&self, id: &str) -> String {
        self.sim_url(&format!("sub/lighthouse/api/memberships/{id}"))
    }
}

async fn start_hub(sim: &cobot_sim::RunningSim, dir: &tempfile::TempDir, http: &reqwest::Client) -> RunningHub {
    let token = mint(http, sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
    let setup = Setup {
        store: Store::open(&dir.path().join("hub.sqlite")).unwrap(),
        cobot_token: Some(AccessToken::new(token)),
        client_secret: Some(ClientSecret::new(HUB_CLIENT_SECRET)),
        scheduled_sync: false,
        now: monday_morning,
        retry: RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(2),
        },
        cobot_timeout: Duration::from_secs(1),
        ..Setup::detached()
    };
    frontdoor_hub::spawn_with(Config::demo(&sim.base_url), setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
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
        json!([{"name": "Flex Desk", "since": "2026-01-05", "until": null, "active": true, "status": "active"}])
    );
    assert_eq!(door(&me, "front")["allowed"], json!(true));
    assert_eq!(
        door(&me, "front")["reasons"],
        json!(["Plan Flex Desk → group Members, Mon–Fri 07:00–22:00; Sat 10:00–16:00"])
    );
    assert_eq!(door(&me, "workshop")["allowed"], json!(false));
    assert_eq!(
        door(&me, "workshop")["reasons"],
        json!(["none of your plans or groups opens this door"])
    );

    let sam = w.me("user-sam").await;
    assert_eq!(door(&sam, "office")["allowed"], json!(true));
    assert_eq!(
        door(&sam, "office")["reasons"],
        json!(["extra group Staff from your membership"])
    );
    assert_eq!(sam["staff"], json!(true));
}

#[tokio::test]
async fn only_members_and_staff_get_a_session() {
    let w = World::start().await;
    let err = w.session("user-jo").await.unwrap_err();
    assert_eq!(err["code"], json!("not_a_member"));
    let r = w
        .http
        .post(w.hub.base_url.join("api/v1/session").unwrap())
        .json(&json!({"cobot_token": "forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        404,
        "a bare Cobot token buys nothing: the exchange is gone"
    );
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("not_found"));
    let r = w
        .http
        .get(w.hub.base_url.join("api/v1/me").unwrap())
        .bearer_auth("not-a-session")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("not_signed_in"));
    // Resync is for staff.
    let alex = w.session("user-alex").await.unwrap();
    let r = w
        .http
        .post(w.hub.base_url.join("api/v1/admin/sync").unwrap())
        .bearer_auth(alex)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let sam = w.session("user-sam").await.unwrap();
    let r = w
        .http
        .post(w.hub.base_url.join("api/v1/admin/sync").unwrap())
        .bearer_auth(sam)
        .send()
        .await
        .unwrap();
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
    assert_eq!(status, 204);
    assert_eq!(w.requests().await, vec!["GET /sub/lighthouse/api/memberships/mem-alex"]);
    let me = w.me("user-alex").await;
    assert_eq!(me["plans"][0]["name"], json!("Fixed Desk"));
    assert_eq!(
        door(&me, "workshop")["reasons"],
        json!(["Plan Fixed Desk → group Residents"])
    );
}

#[tokio::test]
async fn a_webhook_naming_another_host_is_ignored_without_asking_cobot() {
    let w = World::start().await;
    w.clear_requests().await;
    for url in [
        "http://evil.example/api/memberships/mem-alex",
        "http://127.0.0.1:1/sub/lighthouse/api/memberships/mem-alex",
        &w.sim_url("api/user"),
    ] {
        let (status, body) = w.webhook("updated_membership_details", url).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("foreign_url")), "{url}");
    }
    assert!(w.requests().await.is_empty());
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
    let me: Value = w
        .http
        .get(w.hub.base_url.join("api/v1/me").unwrap())
        .bearer_auth(signed_in["session_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let sam = w.session("user-sam").await.unwrap();
    let last: Value = w
        .http
        .get(w.hub.base_url.join("api/v1/admin/sync").unwrap())
        .bearer_auth(sam)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    assert_eq!(added.len(), frontdoor_hub::api::EVENTS.len());
    assert!(
        w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap().is_empty(),
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
    assert_eq!(
        delivery.status,
        Some(204),
        "the hub acknowledged after re-reading: {delivery:?}"
    );
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
        let r = w
            .http
            .post(w.hub.base_url.join(path).unwrap())
            .json(&json!({"url": w.membership_url("mem-alex")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 404, "{path}");
    }
    assert!(w.requests().await.is_empty(), "no Cobot request was spent");
}
