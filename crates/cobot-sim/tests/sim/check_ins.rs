//! Check-ins (cobot-api.md §6), API 1 and API 2, at the pinned clock 2026-11-23T09:00:00Z
//! (10:00 in Berlin).

use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use cobot_sim::{CheckInScope, SimConfig};

use crate::util::{is_api1_time, next_delivery, start, start_as, start_with, Cobot, Receiver, SPACE, SPACE_ID};

/// The window of the pinned day, in §6's format (the `+` escaped).
const WINDOW: &str = "from=2026-11-23%2000:00:00%20%2B0000&to=2026-11-24%2000:00:00%20%2B0000";

impl Cobot {
    async fn check_in(&self, membership: &str, token: &str) -> Response {
        self.http
            .post(self.url(&format!("{SPACE}/api/memberships/{membership}/work_sessions")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn check_out(&self, membership: &str, token: &str) -> Response {
        self.http
            .delete(self.url(&format!("{SPACE}/api/memberships/{membership}/check_ins/current")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn sim_check_ins(&self) -> Vec<Value> {
        serde_json::from_value(self.get_json("/_sim/spaces/lighthouse/check_ins").await).unwrap()
    }

    async fn api2(&self, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, self.url(&format!("/api2{path}")))
            .bearer_auth(token)
            .header("accept", "application/vnd.api+json");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/vnd.api+json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A member token for Alex from the app client (scopes `checkin` + `read_check_ins`).
async fn alex(cobot: &Cobot) -> String {
    cobot
        .token_for(
            "user-alex",
            "frontdoor-app",
            &["read_memberships", "checkin", "read_check_ins"],
        )
        .await
}

fn token_check_in(token: &str) -> Value {
    json!({"data": {"type": "checkIns", "attributes": {"checkInToken": token},
        "relationships": {"space": {"data": {"id": SPACE_ID, "type": "spaces"}}}}})
}

#[tokio::test]
async fn a_member_checks_in_their_own_membership_and_reads_it_back() {
    let cobot = start().await;
    let token = alex(&cobot).await;
    let response = cobot.check_in("mem-alex", &token).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["valid_from"], "2026/11/23 09:00:00 +0000");
    assert_eq!(
        created["valid_until"], "2026/11/24 02:59:59 +0000",
        "until 03:59:59 the next morning in Berlin"
    );
    assert!(is_api1_time(created["valid_from"].as_str().unwrap()));
    assert_eq!(created["membership"], json!({"id": "mem-alex", "name": "Alex Morgan"}));
    assert!(created.get("time_pass").is_none(), "unlimited passes: no time_pass");

    let sessions = cobot
        .get_json_with(&format!("{SPACE}/api/work_sessions?{WINDOW}"), &token)
        .await;
    assert_eq!(sessions, json!([created.clone()]));
    let today = cobot.get_json_with(&format!("{SPACE}/api/check_ins"), &token).await;
    assert_eq!(today, json!([created.clone()]));
    let own = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-alex/check_ins?{WINDOW}"), &token)
        .await;
    assert_eq!(own, json!([created.clone()]));

    let held = cobot.sim_check_ins().await;
    assert_eq!(held.len(), 1, "exactly one check-in");
    assert_eq!(held[0]["id"], created["id"]);
    assert_eq!(held[0]["membership_id"], "mem-alex");
    assert_eq!(cobot.running.sim.check_ins("lighthouse").len(), 1);
}

#[tokio::test]
async fn reads_need_a_window_and_the_read_check_ins_scope() {
    let cobot = start().await;
    let token = alex(&cobot).await;
    let response = cobot
        .get_with_token(&format!("{SPACE}/api/work_sessions"), &token)
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let no_read = cobot.token_for("user-alex", "frontdoor-app", &["checkin"]).await;
    let response = cobot
        .get_with_token(&format!("{SPACE}/api/work_sessions?{WINDOW}"), &no_read)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let no_checkin = cobot.token_for("user-alex", "frontdoor-app", &["read_check_ins"]).await;
    assert_eq!(
        cobot.check_in("mem-alex", &no_checkin).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_admin_checks_in_someone_else_and_sees_the_whole_space() {
    let (cobot, sam) = start_as("user-sam").await;
    assert_eq!(cobot.check_in("mem-noah", &sam).await.status(), StatusCode::CREATED);
    assert_eq!(cobot.check_in("mem-sam", &sam).await.status(), StatusCode::CREATED);
    let sessions = cobot
        .get_json_with(&format!("{SPACE}/api/work_sessions?{WINDOW}"), &sam)
        .await;
    let ids: Vec<&str> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["membership"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mem-noah", "mem-sam"]);

    let alex = alex(&cobot).await;
    let own = cobot
        .get_json_with(&format!("{SPACE}/api/work_sessions?{WINDOW}"), &alex)
        .await;
    assert_eq!(own, json!([]), "a member sees only their own");
}

#[tokio::test]
async fn a_member_cannot_check_in_another_members_membership() {
    let cobot = start().await;
    let token = alex(&cobot).await;
    assert_eq!(cobot.check_in("mem-sam", &token).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(cobot.check_out("mem-sam", &token).await.status(), StatusCode::FORBIDDEN);
    let response = cobot
        .get_with_token(&format!("{SPACE}/api/memberships/mem-sam/check_ins?{WINDOW}"), &token)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(cobot.sim_check_ins().await.is_empty());
}

#[tokio::test]
async fn an_inactive_membership_is_refused_with_cobots_message() {
    let (cobot, sam) = start_as("user-sam").await;
    // Riley ended on 2026-10-31; Kim is pending and starts on 2026-12-01.
    for membership in ["mem-riley", "mem-kim"] {
        let response = cobot.check_in(membership, &sam).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{membership}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, json!({"errors": {"base": "Membership not active."}}));
    }
    // Confirmed but not started yet.
    let response = cobot
        .control("/spaces/lighthouse/memberships/mem-kim/confirm", json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = cobot.check_in("mem-kim", &sam).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(cobot.sim_check_ins().await.is_empty());
}

#[tokio::test]
async fn check_ins_use_up_time_passes_then_are_refused() {
    let cobot = start().await;
    cobot
        .update_membership("mem-alex", json!({"time_passes_left": 1}))
        .await;
    let token = alex(&cobot).await;
    let response = cobot.check_in("mem-alex", &token).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let first: Value = response.json().await.unwrap();
    assert!(first["time_pass"]["id"].is_string(), "a pass was used: {first}");

    let response = cobot.check_in("mem-alex", &token).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errors": {"base": "No time passes left."}})
    );
    assert_eq!(cobot.sim_check_ins().await.len(), 1);
}

#[tokio::test]
async fn a_repeat_check_in_creates_another_by_default_and_is_refused_in_reject_mode() {
    let cobot = start().await;
    let token = alex(&cobot).await;
    assert_eq!(cobot.get_json("/_sim/config").await["repeat_check_in"], "new");
    for _ in 0..2 {
        assert_eq!(cobot.check_in("mem-alex", &token).await.status(), StatusCode::CREATED);
    }
    assert_eq!(cobot.sim_check_ins().await.len(), 2, "the naive duplicate");

    let response = cobot.control("/config", json!({"repeat_check_in": "reject"})).await;
    assert_eq!(response.json::<Value>().await.unwrap()["repeat_check_in"], "reject");
    let response = cobot.check_in("mem-alex", &token).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errors": {"base": "Already checked in."}})
    );
    assert_eq!(cobot.sim_check_ins().await.len(), 2);

    assert_eq!(cobot.check_out("mem-alex", &token).await.status(), StatusCode::OK);
    assert_eq!(
        cobot.check_in("mem-alex", &token).await.status(),
        StatusCode::CREATED,
        "after checking out, checking in again is allowed"
    );
}

#[tokio::test]
async fn checking_out_ends_the_check_in_and_a_second_check_out_is_404() {
    let cobot = start().await;
    let token = alex(&cobot).await;
    assert_eq!(
        cobot.check_out("mem-alex", &token).await.status(),
        StatusCode::NOT_FOUND
    );
    let created: Value = cobot.check_in("mem-alex", &token).await.json().await.unwrap();
    cobot.running.sim.advance_clock(std::time::Duration::from_secs(3600));
    let response = cobot.check_out("mem-alex", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let ended: Value = response.json().await.unwrap();
    assert_eq!(ended["id"], created["id"]);
    assert_eq!(ended["valid_until"], "2026/11/23 10:00:00 +0000");
    assert_eq!(
        cobot.check_out("mem-alex", &token).await.status(),
        StatusCode::NOT_FOUND
    );
    let held = cobot.sim_check_ins().await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["valid_until"], "2026-11-23T10:00:00Z");
}

#[tokio::test]
async fn check_in_and_check_out_fire_their_webhooks() {
    let (cobot, sam) = start_as("user-sam").await;
    let mut receiver = Receiver::start(&[]).await;
    cobot.subscribe(&sam, "created_checkin", &receiver.url).await;
    cobot.subscribe(&sam, "created_checkout", &receiver.url).await;
    let mut deliveries = cobot.running.sim.watch_deliveries();
    let token = alex(&cobot).await;
    cobot.check_in("mem-alex", &token).await;
    let (_, body) = receiver.next().await;
    let url = cobot.url(&format!("{SPACE}/api/memberships/mem-alex/check_ins"));
    assert_eq!(body, json!({"url": url}));
    assert_eq!(next_delivery(&mut deliveries).await.event, "created_checkin");
    cobot.check_out("mem-alex", &token).await;
    assert_eq!(receiver.next().await.1, json!({"url": url}));
    assert_eq!(next_delivery(&mut deliveries).await.event, "created_checkout");
}

#[tokio::test]
async fn api_2_checks_in_by_token_checks_out_and_requires_the_current_filter() {
    let (cobot, sam) = start_as("user-sam").await;
    let (status, doc) = cobot
        .api2(reqwest::Method::POST, "/check_ins", &sam, Some(token_check_in("1001")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let data = &doc["data"];
    assert_eq!(data["type"], "checkIns");
    assert_eq!(data["attributes"]["validFrom"], "2026-11-23T09:00:00Z");
    assert_eq!(data["attributes"]["validUntil"], "2026-11-24T02:59:59Z");
    assert_eq!(
        data["relationships"]["membership"]["data"],
        json!({"id": "mem-alex", "type": "memberships"})
    );
    assert_eq!(
        data["relationships"]["space"]["data"],
        json!({"id": SPACE_ID, "type": "spaces"})
    );
    let id = data["id"].as_str().unwrap().to_string();

    let (status, doc) = cobot
        .api2(
            reqwest::Method::GET,
            &format!("/spaces/{SPACE_ID}/check_ins/current"),
            &sam,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(doc["errors"][0]["source"]["parameter"], "filter[checkInToken]");
    let current = format!("/spaces/{SPACE_ID}/check_ins/current?filter[checkInToken]=1001");
    let (status, doc) = cobot.api2(reqwest::Method::GET, &current, &sam, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["data"].as_array().unwrap().len(), 1);

    cobot.running.sim.advance_clock(std::time::Duration::from_secs(600));
    let (status, doc) = cobot
        .api2(reqwest::Method::PUT, &format!("/check_ins/{id}/check_out"), &sam, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["data"]["attributes"]["validUntil"], "2026-11-23T09:10:00Z");
    let (_, doc) = cobot.api2(reqwest::Method::GET, &current, &sam, None).await;
    assert_eq!(doc["data"], json!([]));

    let alex = alex(&cobot).await;
    let (status, doc) = cobot
        .api2(
            reqwest::Method::GET,
            "/memberships/mem-alex/check_ins?filter[from]=2026-11-23&filter[to]=2026-11-23",
            &alex,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the owner reads their own: {doc}");
    assert_eq!(doc["data"][0]["id"], id.as_str());
}

#[tokio::test]
async fn api_2_check_in_is_admin_only_and_refuses_with_json_api_errors() {
    let cobot = start().await;
    let alex = cobot
        .token_for("user-alex", "frontdoor-hub", &["write_check_ins", "read_check_ins"])
        .await;
    let (status, _) = cobot
        .api2(reqwest::Method::POST, "/check_ins", &alex, Some(token_check_in("1001")))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let sam = cobot.hub_token("user-sam").await;
    cobot.update_membership("mem-sam", json!({"time_passes_left": 0})).await;
    let (status, doc) = cobot
        .api2(reqwest::Method::POST, "/check_ins", &sam, Some(token_check_in("1002")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        doc,
        json!({"errors": [{"detail": "No time passes left.", "source": {"pointer": "/data/attributes/base"}}]})
    );

    cobot
        .update_membership("mem-riley", json!({"check_in_token": "1003"}))
        .await;
    let (status, doc) = cobot
        .api2(reqwest::Method::POST, "/check_ins", &sam, Some(token_check_in("1003")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(doc["errors"][0]["detail"], "Membership not active.");
    assert!(cobot.sim_check_ins().await.is_empty());
}

#[tokio::test]
async fn a_503_fault_on_the_check_in_is_seen_by_the_client_and_creates_nothing() {
    let cobot = start().await;
    let path = format!("{SPACE}/api/memberships/mem-alex/work_sessions");
    let response = cobot
        .control("/faults", json!({"path": path, "kind": "status", "status": 503}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let token = alex(&cobot).await;
    assert_eq!(
        cobot.check_in("mem-alex", &token).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(cobot.sim_check_ins().await.is_empty(), "the endpoint did not run");
    assert_eq!(cobot.check_in("mem-alex", &token).await.status(), StatusCode::CREATED);
    assert_eq!(cobot.sim_check_ins().await.len(), 1);
}

#[tokio::test]
async fn the_request_log_shows_each_check_in_post_once() {
    let cobot = start().await;
    let token = alex(&cobot).await;
    cobot.running.sim.clear_requests();
    cobot.check_in("mem-alex", &token).await;
    cobot.check_out("mem-alex", &token).await;
    cobot.check_in("mem-alex", &token).await;
    let log = cobot.request_log().await;
    let path = "/sub/lighthouse/api/memberships/mem-alex/work_sessions";
    let posts: Vec<&Value> = log.iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(posts.len(), 2);
    for post in posts {
        assert_eq!(post["path"], path);
        assert_eq!(post["status"], 201);
        assert_eq!(post["user_id"], "user-alex");
    }
    assert_eq!(log.len(), 3, "one DELETE between: {log:?}");
}

#[tokio::test]
async fn check_ins_count_against_the_rate_limit() {
    let cobot = start().await;
    let token = alex(&cobot).await;
    for _ in 0..60 {
        cobot.check_out("mem-alex", &token).await;
    }
    let response = cobot.check_in("mem-alex", &token).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    assert!(cobot.sim_check_ins().await.is_empty());
}

#[tokio::test]
async fn the_check_in_scope_is_either_by_default_and_exactly_one_when_configured() {
    // (configured, scopes the token has, what the POST answers)
    let cases = [
        (CheckInScope::Either, "checkin", StatusCode::CREATED),
        (CheckInScope::Either, "write", StatusCode::CREATED),
        (CheckInScope::Checkin, "checkin", StatusCode::CREATED),
        (CheckInScope::Checkin, "write", StatusCode::FORBIDDEN),
        (CheckInScope::Write, "write", StatusCode::CREATED),
        (CheckInScope::Write, "checkin", StatusCode::FORBIDDEN),
    ];
    for (required, has, expected) in cases {
        let cobot = start_with(SimConfig {
            check_in_scope: required,
            ..SimConfig::default()
        })
        .await;
        let token = cobot
            .token_for("user-sam", "frontdoor-hub", &[has, "read_check_ins"])
            .await;
        let response = cobot.check_in("mem-alex", &token).await;
        assert_eq!(response.status(), expected, "{required:?} with {has}");
        if expected == StatusCode::FORBIDDEN {
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"], "insufficient scope", "{body}");
            assert!(cobot.sim_check_ins().await.is_empty());
            assert_eq!(
                cobot.check_out("mem-alex", &token).await.status(),
                StatusCode::FORBIDDEN,
                "check-out takes the same scope"
            );
        }
    }
    // And at run time.
    let cobot = start().await;
    let response = cobot.control("/config", json!({"check_in_scope": "checkin"})).await;
    assert_eq!(response.json::<Value>().await.unwrap()["check_in_scope"], "checkin");
    let write_only = cobot.token_for("user-sam", "frontdoor-hub", &["write"]).await;
    assert_eq!(
        cobot.check_in("mem-alex", &write_only).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_refusal_carries_cobots_words_in_errors_base_or_bare_when_configured() {
    let (cobot, sam) = start_as("user-sam").await;
    let response = cobot.check_in("mem-riley", &sam).await;
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errors": {"base": "Membership not active."}})
    );
    cobot.control("/config", json!({"check_in_refusal": "base"})).await;
    let response = cobot.check_in("mem-riley", &sam).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"base": "Membership not active."})
    );
}

/// Sets Alex's time passes through the control API.
async fn alex_passes(cobot: &Cobot, passes: Value) {
    let response = cobot
        .control_put("/spaces/lighthouse/memberships/mem-alex/time_passes", passes)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text().await);
}

#[tokio::test]
async fn an_hourly_pass_ends_after_its_hour_and_the_next_check_in_uses_another() {
    let cobot = start().await;
    alex_passes(
        &cobot,
        json!([{"id": "tp-hour", "name": "1 Hour Pass", "validity": {"duration_minutes": 60}, "left": 2}]),
    )
    .await;
    let sam = cobot.hub_token("user-sam").await;

    let first: Value = cobot.check_in("mem-alex", &sam).await.json().await.unwrap();
    assert_eq!(
        (first["valid_from"].as_str(), first["valid_until"].as_str()),
        (Some("2026/11/23 09:00:00 +0000"), Some("2026/11/23 10:00:00 +0000")),
        "an hour from the check-in"
    );
    assert!(first["time_pass"]["id"].is_string());

    cobot
        .running
        .sim
        .advance_clock(std::time::Duration::from_secs(2 * 3600));
    let second: Value = cobot.check_in("mem-alex", &sam).await.json().await.unwrap();
    assert_eq!(second["valid_until"], "2026/11/23 12:00:00 +0000");
    assert_eq!(cobot.running.sim.time_passes("mem-alex")[0].left, 0);

    let response = cobot.check_in("mem-alex", &sam).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errors": {"base": "No time passes left."}})
    );
    let read: Value = cobot
        .get_json("/_sim/spaces/lighthouse/memberships/mem-alex/time_passes")
        .await;
    assert_eq!(read[0]["left"], 0);
}

#[tokio::test]
async fn a_fixed_span_pass_ends_with_its_span_and_refuses_outside_it() {
    let cobot = start().await;
    // 10:00 in Berlin at the pinned clock.
    alex_passes(
        &cobot,
        json!([{"id": "tp-morning", "name": "Morning", "validity": {"spans": [{"from": "08:00", "to": "12:00"}]},
                "left": 5}]),
    )
    .await;
    let sam = cobot.hub_token("user-sam").await;
    let made: Value = cobot.check_in("mem-alex", &sam).await.json().await.unwrap();
    assert_eq!(made["valid_until"], "2026/11/23 11:00:00 +0000", "12:00 in Berlin");

    cobot
        .running
        .sim
        .advance_clock(std::time::Duration::from_secs(3 * 3600));
    let response = cobot.check_in("mem-alex", &sam).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"errors": {"base": "None of your time passes is valid at this time of day."}})
    );
    assert_eq!(
        cobot.running.sim.time_passes("mem-alex")[0].left,
        4,
        "a refusal spends nothing"
    );
}

#[tokio::test]
async fn weekday_and_expiry_limits_refuse_in_words() {
    let (cobot, sam) = start_as("user-sam").await;
    // Monday: a weekend pass does not fit.
    alex_passes(
        &cobot,
        json!([{"id": "tp-weekend", "name": "Weekend", "validity": {"duration_minutes": 480},
                "weekdays": ["sat", "sun"], "left": 1}]),
    )
    .await;
    let response = cobot.check_in("mem-alex", &sam).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["errors"]["base"],
        "None of your time passes is valid on this day of the week."
    );
    // An expired pass is gone, as Cobot removes it.
    alex_passes(
        &cobot,
        json!([{"id": "tp-week", "name": "Week", "validity": {"duration_minutes": 1440}, "left": 3,
                "expires_at": "2026-11-20T00:00:00Z"}]),
    )
    .await;
    let response = cobot.check_in("mem-alex", &sam).await;
    assert_eq!(
        response.json::<Value>().await.unwrap()["errors"]["base"],
        "No time passes left."
    );
    assert!(cobot.sim_check_ins().await.is_empty());
    // Unknown memberships are 404.
    let response = cobot
        .control_put("/spaces/lighthouse/memberships/mem-nobody/time_passes", json!([]))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}
