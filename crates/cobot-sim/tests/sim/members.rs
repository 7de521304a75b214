//! API 1 on the space host: plans and memberships.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{is_api1_date, is_api1_time, start, start_as, HUB_CLIENT, SPACE};

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn anonymous_callers_see_the_public_plans_without_welcome_messages() {
    let cobot = start().await;
    let plans = cobot.get_json(&format!("{SPACE}/api/plans")).await;
    assert_eq!(
        ids(&plans),
        ["plan-flex", "plan-fixed"],
        "the hidden Day Pass is not listed"
    );
    let flex = &plans[0];
    for (field, value) in [
        ("name", json!("Flex Desk")),
        ("price_per_cycle", json!("180.0")),
        ("currency", json!("EUR")),
        ("cycle_duration", json!(1)),
        ("hidden", json!(false)),
    ] {
        assert_eq!(flex[field], value, "{field}");
    }
    assert!(
        flex.get("welcome_message").is_none(),
        "welcome_message needs read_plans: {flex}"
    );
}

#[tokio::test]
async fn a_token_with_read_plans_also_sees_hidden_plans_and_welcome_messages() {
    let cobot = start().await;
    let with = cobot.token_for("user-alex", HUB_CLIENT, &["read_plans"]).await;
    let without = cobot.token_for("user-alex", HUB_CLIENT, &["read"]).await;
    let plans = cobot.get_json_with(&format!("{SPACE}/api/plans"), &with).await;
    assert_eq!(ids(&plans), ["plan-flex", "plan-fixed", "plan-day"]);
    assert_eq!(plans[2]["hidden"], true);
    assert_eq!(plans[2]["price_per_cycle"], "25.0");
    assert!(plans[0]["welcome_message"].is_string());
    let plans = cobot.get_json_with(&format!("{SPACE}/api/plans"), &without).await;
    assert_eq!(
        ids(&plans),
        ["plan-flex", "plan-fixed"],
        "the scope, not the token, decides"
    );
}

#[tokio::test]
async fn listing_memberships_needs_a_token_the_scope_and_an_admin() {
    let cobot = start().await;
    let path = format!("{SPACE}/api/memberships");
    assert_eq!(cobot.get(&path).await.status(), StatusCode::UNAUTHORIZED);

    let sam_without_scope = cobot.token_for("user-sam", HUB_CLIENT, &["read_user"]).await;
    let response = cobot.get_with_token(&path, &sam_without_scope).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "insufficient scope", "required": "read_memberships"})
    );

    let alex = cobot.hub_token("user-alex").await;
    let response = cobot.get_with_token(&path, &alex).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "Alex is a member, not an admin"
    );
    assert!(response.json::<Value>().await.unwrap()["error"].is_string());

    let sam = cobot.hub_token("user-sam").await;
    assert_eq!(cobot.get_with_token(&path, &sam).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_seventh_membership_list_within_a_minute_is_429_with_retry_after() {
    let (cobot, sam) = start_as("user-sam").await;
    let path = format!("{SPACE}/api/memberships");
    for i in 1..=6 {
        assert_eq!(
            cobot.get_with_token(&path, &sam).await.status(),
            StatusCode::OK,
            "request {i}"
        );
    }
    let response = cobot.get_with_token(&path, &sam).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(
        cobot
            .get_with_token(&format!("{SPACE}/api/memberships/mem-sam"), &sam)
            .await
            .status(),
        StatusCode::OK,
        "the 6/min override is for the list only"
    );
    cobot.running.sim.advance_clock(Duration::from_secs(retry_after));
    assert_eq!(cobot.get_with_token(&path, &sam).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_list_has_current_members_in_api_1_shape_and_dates() {
    let (cobot, sam) = start_as("user-sam").await;
    let list = cobot.get_json_with(&format!("{SPACE}/api/memberships"), &sam).await;
    assert_eq!(
        ids(&list),
        ["mem-alex", "mem-sam", "mem-kim", "mem-noah"],
        "Riley's membership ended on 2026-10-31; Kim's pending one is listed"
    );
    let alex = &list[0];
    let base = cobot.running.issuer();
    for (field, value) in [
        ("name", json!("Alex Morgan")),
        ("email", json!("alex@example.com")),
        ("phone", json!("+49 30 1234567")),
        ("user", json!({"id": "user-alex", "email": "alex@example.com"})),
        ("confirmed_at", json!("2026/01/05 09:12:00 +0000")),
        ("starts_at", json!("2026/01/05")),
        ("canceled_to", Value::Null),
        ("picture", json!(format!("{base}/_sim/pictures/mem-alex"))),
    ] {
        assert_eq!(alex[field], value, "{field}");
    }
    for (field, value) in [
        ("name", json!("Flex Desk")),
        ("parent_plan", json!({"id": "plan-flex"})),
        ("price_per_cycle", json!("180.0")),
        ("currency", json!("EUR")),
        ("cycle_duration", json!(1)),
        ("canceled_to", Value::Null),
    ] {
        assert_eq!(alex["plan"][field], value, "plan.{field}");
    }
    assert_eq!(list[1]["plan"]["parent_plan"]["id"], "plan-fixed");
    assert_eq!(list[2]["confirmed_at"], Value::Null, "Kim is pending");
    assert_eq!(list[2]["starts_at"], "2026/12/01");
    assert_eq!(list[3]["user"], Value::Null, "Noah has no user account");
    assert_eq!(list[3]["email"], "noah.fischer@example.com");
    for m in list.as_array().unwrap() {
        assert!(m["starts_at"].as_str().is_some_and(is_api1_date), "{m}");
        assert!(m["confirmed_at"].is_null() || m["confirmed_at"].as_str().is_some_and(is_api1_time));
    }
}

#[tokio::test]
async fn all_true_also_lists_ended_memberships() {
    let (cobot, sam) = start_as("user-sam").await;
    let list = cobot
        .get_json_with(&format!("{SPACE}/api/memberships?all=true"), &sam)
        .await;
    assert_eq!(ids(&list), ["mem-alex", "mem-sam", "mem-riley", "mem-kim", "mem-noah"]);
    assert_eq!(list[2]["canceled_to"], "2026/10/31");
    assert_eq!(list[2]["plan"]["canceled_to"], "2026/10/31");
}

#[tokio::test]
async fn ids_and_attributes_narrow_the_list() {
    let (cobot, sam) = start_as("user-sam").await;
    let list = cobot
        .get_json_with(
            &format!("{SPACE}/api/memberships?ids=mem-noah,mem-alex&attributes=id,name"),
            &sam,
        )
        .await;
    assert_eq!(
        list,
        json!([{"id": "mem-alex", "name": "Alex Morgan"}, {"id": "mem-noah", "name": "Noah Fischer"}])
    );
}

#[tokio::test]
async fn a_member_may_read_their_own_membership_but_not_anothers() {
    let cobot = start().await;
    let alex = cobot.access_token("alex@example.com", "read_memberships").await;
    let own = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-alex"), &alex)
        .await;
    let sam = cobot.hub_token("user-sam").await;
    let list = cobot.get_json_with(&format!("{SPACE}/api/memberships"), &sam).await;
    assert_eq!(own, list[0], "the same object as in the admin's list");

    let response = cobot
        .get_with_token(&format!("{SPACE}/api/memberships/mem-sam"), &alex)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.json::<Value>().await.unwrap()["error"].is_string());

    let alex_read = cobot.token_for("user-alex", HUB_CLIENT, &["read"]).await;
    assert_eq!(
        cobot
            .get_with_token(&format!("{SPACE}/api/memberships/mem-alex"), &alex_read)
            .await
            .status(),
        StatusCode::OK,
        "scope `read` also reads one's own membership"
    );
    assert_eq!(
        cobot
            .get_with_token(&format!("{SPACE}/api/memberships/mem-nobody"), &sam)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_unknown_space_is_404() {
    let (cobot, sam) = start_as("user-sam").await;
    assert_eq!(
        cobot
            .get_with_token("/sub/nowhere/api/memberships", &sam)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        cobot.get("/sub/nowhere/api/plans").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_scheduled_plan_change_shows_as_upcoming_plan() {
    let cobot = start().await;
    let response = cobot
        .control(
            "/spaces/lighthouse/memberships/mem-alex/plan",
            json!({"plan_id": "plan-fixed", "from": "2026-12-01"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let sam = cobot.hub_token("user-sam").await;
    let alex = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-alex"), &sam)
        .await;
    assert_eq!(alex["plan"]["parent_plan"]["id"], "plan-flex");
    assert_eq!(alex["plan"]["canceled_to"], "2026/11/30");
    assert_eq!(alex["upcoming_plan"]["parent_plan"]["id"], "plan-fixed");
    assert_eq!(alex["upcoming_plan"]["starts_at"], "2026/12/01");
}

#[tokio::test]
async fn current_means_current_by_the_simulated_clock() {
    let cobot = crate::util::start_with(cobot_sim::SimConfig {
        start_at: Some("2026-10-30T12:00:00Z".parse().unwrap()),
        ..cobot_sim::SimConfig::default()
    })
    .await;
    let sam = cobot.hub_token("user-sam").await;
    let list = cobot.get_json_with(&format!("{SPACE}/api/memberships"), &sam).await;
    assert!(
        ids(&list).contains(&"mem-riley"),
        "on 2026-10-30 Riley's membership (canceled to 2026-10-31) is still current"
    );
    cobot.running.sim.advance_clock(Duration::from_secs(2 * 86_400));
    let sam2 = cobot.hub_token("user-sam").await;
    let list = cobot.get_json_with(&format!("{SPACE}/api/memberships"), &sam2).await;
    assert!(!ids(&list).contains(&"mem-riley"), "two days later it has ended");
}
