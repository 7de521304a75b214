//! Webhook subscriptions (API 1) and their delivery.

use std::time::Duration;

use cobot_sim::{DeliveryOutcome, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::util::{next_delivery, start_as, start_with, Receiver, SPACE};

fn quick_retries() -> SimConfig {
    SimConfig {
        webhook_retry_base: Duration::from_millis(1),
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn a_subscription_is_created_listed_shown_and_deleted() {
    let (cobot, sam) = start_as("user-sam").await;
    let created = cobot
        .subscribe(&sam, "confirmed_membership", "https://hub.example/cobot")
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let space = cobot.running.space_url("lighthouse");
    assert_eq!(
        created,
        json!({
            "id": id,
            "event": "confirmed_membership",
            "url": format!("{space}/api/subscriptions/{id}"),
            "active": true,
            "callback_url": "https://hub.example/cobot",
        })
    );
    let list = cobot.get_json_with(&format!("{SPACE}/api/subscriptions"), &sam).await;
    assert_eq!(list, json!([created.clone()]));
    let shown = cobot
        .get_json_with(&format!("{SPACE}/api/subscriptions/{id}"), &sam)
        .await;
    assert_eq!(shown, created);

    let other_client = cobot.access_token("sam@example.com", "read_user").await;
    let response = cobot
        .get_with_token(&format!("{SPACE}/api/subscriptions"), &other_client)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "read_subscriptions is required"
    );

    let response = cobot
        .request(
            Method::DELETE,
            &format!("{SPACE}/api/subscriptions/{id}"),
            Some(&sam),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        cobot.get_json_with(&format!("{SPACE}/api/subscriptions"), &sam).await,
        json!([])
    );
}

#[tokio::test]
async fn a_duplicate_is_409_and_bad_parameters_are_422() {
    let (cobot, sam) = start_as("user-sam").await;
    cobot
        .subscribe(&sam, "canceled_membership", "https://hub.example/cobot")
        .await;
    let post = |body: Value| {
        cobot
            .http
            .post(cobot.url(&format!("{SPACE}/api/subscriptions")))
            .bearer_auth(&sam)
            .json(&body)
            .send()
    };
    let response = post(json!({"event": "canceled_membership", "callback_url": "https://hub.example/cobot"}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let response = post(json!({"event": "eaten_membership", "callback_url": "https://hub.example/cobot"}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json::<Value>().await.unwrap()["errors"]["event"].is_string());
    let response = post(json!({"event": "canceled_membership", "callback_url": "ftp://hub.example/cobot"}))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json::<Value>().await.unwrap()["errors"]["callback_url"].is_string());
}

#[tokio::test]
async fn only_admins_may_subscribe() {
    let (cobot, alex) = start_as("user-alex").await;
    let response = cobot
        .request(
            Method::POST,
            &format!("{SPACE}/api/subscriptions"),
            Some(&alex),
            Some(&json!({"event": "confirmed_membership", "callback_url": "https://hub.example/cobot"})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn data_changes_fire_their_events_with_a_pointer_to_the_membership() {
    let (cobot, sam) = start_as("user-sam").await;
    let mut receiver = Receiver::start(&[]).await;
    for event in [
        "created_membership",
        "confirmed_membership",
        "canceled_membership",
        "changed_membership_plan",
        "updated_membership_details",
    ] {
        cobot.subscribe(&sam, event, &receiver.url).await;
    }
    let space = cobot.running.space_url("lighthouse");
    let pointer = |id: &str| json!({"url": format!("{space}/api/memberships/{id}")});

    let steps: [(&str, Value, &str); 4] = [
        ("/spaces/lighthouse/memberships/mem-kim/confirm", json!({}), "mem-kim"),
        (
            "/spaces/lighthouse/memberships/mem-alex/cancel",
            json!({"canceled_to": "2026-12-31"}),
            "mem-alex",
        ),
        (
            "/spaces/lighthouse/memberships/mem-noah/plan",
            json!({"plan_id": "plan-fixed"}),
            "mem-noah",
        ),
        (
            "/spaces/lighthouse/memberships/mem-sam/plan",
            json!({"plan_id": "plan-flex", "from": "2027-01-01"}),
            "mem-sam",
        ),
    ];
    for (path, body, id) in steps {
        let response = cobot.control(path, body).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(receiver.next().await.1, pointer(id), "{path}");
    }

    cobot
        .update_membership("mem-alex", json!({"phone": "+49 30 7654321"}))
        .await;
    assert_eq!(receiver.next().await.1, pointer("mem-alex"));

    let created = cobot.create_jo_membership().await;
    assert_eq!(created["confirmed_at"], Value::Null, "new memberships start pending");
    assert_eq!(receiver.next().await.1, pointer("mem-jo"));
    assert_eq!(receiver.hits(), 6, "one POST per change, nothing else");
}

#[tokio::test]
async fn a_deleted_membership_webhook_carries_the_whole_object() {
    let (cobot, sam) = start_as("user-sam").await;
    let mut receiver = Receiver::start(&[]).await;
    cobot.subscribe(&sam, "deleted_membership", &receiver.url).await;
    let before = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-noah"), &sam)
        .await;
    let response = cobot
        .request(
            Method::DELETE,
            "/_sim/spaces/lighthouse/memberships/mem-noah",
            None,
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let (_, body) = receiver.next().await;
    assert_eq!(
        body,
        json!({
            "url": format!("{}/api/memberships/mem-noah", cobot.running.space_url("lighthouse")),
            "membership": before,
        }),
        "the object under `membership`, as Cobot's Zapier app receives it"
    );
    assert_eq!(
        cobot
            .get_with_token(&format!("{SPACE}/api/memberships/mem-noah"), &sam)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_410_deactivates_the_subscription_at_once() {
    let cobot = start_with(quick_retries()).await;
    let sam = cobot.hub_token("user-sam").await;
    let gone = Receiver::start(&[410]).await;
    let subscription = cobot.subscribe(&sam, "canceled_membership", &gone.url).await;
    let mut deliveries = cobot.running.sim.watch_deliveries();

    cobot
        .running
        .sim
        .cancel_membership("lighthouse", "mem-alex", Some(jiff::civil::date(2026, 12, 31)))
        .unwrap();
    let delivery = next_delivery(&mut deliveries).await;
    assert_eq!(
        (delivery.attempt, delivery.status, delivery.outcome),
        (1, Some(410), DeliveryOutcome::Deactivated)
    );
    let shown = cobot
        .get_json_with(
            &format!("{SPACE}/api/subscriptions/{}", subscription["id"].as_str().unwrap()),
            &sam,
        )
        .await;
    assert_eq!(shown["active"], false);

    // A second change reaches only an active subscription; awaiting it proves the 410 one was skipped.
    let mut live = Receiver::start(&[]).await;
    cobot.subscribe(&sam, "canceled_membership", &live.url).await;
    cobot
        .running
        .sim
        .cancel_membership("lighthouse", "mem-sam", Some(jiff::civil::date(2026, 12, 31)))
        .unwrap();
    live.next().await;
    assert_eq!(gone.hits(), 1, "a deactivated subscription gets nothing more");
}

#[tokio::test]
async fn failures_and_redirects_are_retried_with_backoff_until_acknowledged() {
    let cobot = start_with(quick_retries()).await;
    let sam = cobot.hub_token("user-sam").await;
    let mut receiver = Receiver::start(&[500, 302]).await;
    cobot.subscribe(&sam, "confirmed_membership", &receiver.url).await;
    let mut deliveries = cobot.running.sim.watch_deliveries();
    cobot.running.sim.confirm_membership("lighthouse", "mem-kim").unwrap();

    let mut seen = Vec::new();
    for _ in 0..3 {
        let d = next_delivery(&mut deliveries).await;
        seen.push((d.attempt, d.status, d.outcome));
    }
    assert_eq!(
        seen,
        [
            (1, Some(500), DeliveryOutcome::Retrying),
            (2, Some(302), DeliveryOutcome::Retrying),
            (3, Some(200), DeliveryOutcome::Delivered),
        ]
    );
    for _ in 0..3 {
        let (path, _) = receiver.next().await;
        assert_eq!(path, "/hook", "redirects are never followed");
    }
}

#[tokio::test]
async fn after_ten_failed_retries_the_subscription_is_deactivated() {
    let cobot = start_with(quick_retries()).await;
    let sam = cobot.hub_token("user-sam").await;
    let receiver = Receiver::start(&[503; 20]).await;
    cobot.subscribe(&sam, "confirmed_membership", &receiver.url).await;
    let mut deliveries = cobot.running.sim.watch_deliveries();
    cobot.running.sim.confirm_membership("lighthouse", "mem-kim").unwrap();
    let mut last = None;
    for attempt in 1..=11 {
        let d = next_delivery(&mut deliveries).await;
        assert_eq!(d.attempt, attempt);
        last = Some(d);
    }
    let last = last.unwrap();
    assert_eq!(
        last.outcome,
        DeliveryOutcome::Deactivated,
        "1 attempt + 10 retries, then off"
    );
    let list = cobot.get_json_with(&format!("{SPACE}/api/subscriptions"), &sam).await;
    assert_eq!(list[0]["active"], false);
    assert_eq!(receiver.hits(), 11);
}
