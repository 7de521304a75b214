//! Where Cobot's behaviour is unknown the simulator does either (`Variants`), and the test
//! controls that make Cobot's data misbehave: a malformed record, a space on its own domain,
//! rate limits over a short window.

use std::time::Duration;

use cobot_sim::SimConfig;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::util::{start, start_as, start_with, Receiver, SPACE};

#[tokio::test]
async fn webhooks_go_as_form_data_and_custom_field_updates_point_at_the_fields_when_told() {
    let cobot = start().await;
    let response = cobot
        .control(
            "/config",
            json!({"webhook_encoding": "form", "custom_field_webhook_url": "custom_fields"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let sam = cobot.hub_token("user-sam").await;
    let mut receiver = Receiver::start(&[]).await;
    for event in ["updated_custom_field", "deleted_membership"] {
        cobot.subscribe(&sam, event, &receiver.url).await;
    }
    let space = cobot.running.space_url("lighthouse");

    cobot
        .running
        .sim
        .set_custom_field("lighthouse", "mem-alex", "Mobile", Some("+49 170 1".into()))
        .unwrap();
    let post = receiver.next_post().await;
    assert_eq!(post.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&post.body).into_owned().collect();
    assert_eq!(
        pairs,
        [(
            "url".to_string(),
            format!("{space}/api/memberships/mem-alex/custom_fields")
        )]
    );

    cobot.running.sim.delete_membership("lighthouse", "mem-noah").unwrap();
    let post = receiver.next_post().await;
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&post.body).into_owned().collect();
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(field("url"), Some(format!("{space}/api/memberships/mem-noah").as_str()));
    assert_eq!(field("membership[id]"), Some("mem-noah"), "the object, Rails-style");
    assert_eq!(field("membership[plan][parent_plan][id]"), Some("plan-flex"));
}

#[tokio::test]
async fn a_membership_carries_its_own_copy_of_a_plan_pointing_at_the_catalogue_plan() {
    let (cobot, sam) = start_as("user-sam").await;
    async fn plan(cobot: &crate::util::Cobot, sam: &str, id: &str) -> Value {
        cobot.get_json_with(&format!("{SPACE}/api/memberships/{id}"), sam).await["plan"].clone()
    }
    let alex = plan(&cobot, &sam, "mem-alex").await;
    assert_eq!(
        (&alex["id"], &alex["name"], &alex["parent_plan"]),
        (
            &json!("mem-alex-plan-1"),
            &json!("Flex Desk"),
            &json!({"id": "plan-flex"})
        ),
        "the copy has an id of its own; the parent is the catalogue's: {alex}"
    );

    // Renamed in the catalogue: copies keep their name by default …
    let renamed = json!({"name": "Flex Space", "price_per_cycle": "180.0"});
    let response = cobot.control_put("/spaces/lighthouse/plans/plan-flex", renamed).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(plan(&cobot, &sam, "mem-alex").await["name"], "Flex Desk");
    // … a member who gets the plan now gets the new name …
    cobot.create_jo_membership().await;
    assert_eq!(plan(&cobot, &sam, "mem-jo").await["name"], "Flex Space");
    // … and with `follow`, every copy shows the catalogue's name.
    cobot.control("/config", json!({"plan_copy_names": "follow"})).await;
    assert_eq!(plan(&cobot, &sam, "mem-alex").await["name"], "Flex Space");

    // Parent ids unlike the catalogue's, where Cobot's might be.
    cobot.control("/config", json!({"parent_plan_ids": "unrelated"})).await;
    assert_eq!(
        plan(&cobot, &sam, "mem-alex").await["parent_plan"],
        json!({"id": "parent-plan-flex"})
    );
    let catalogue = cobot.get_json_with(&format!("{SPACE}/api/plans"), &sam).await;
    assert!(catalogue
        .as_array()
        .unwrap()
        .iter()
        .all(|p| !p["id"].as_str().unwrap().starts_with("parent-")));
}

#[tokio::test]
async fn a_garbled_membership_is_sent_as_is_until_restored() {
    let (cobot, sam) = start_as("user-sam").await;
    let response = cobot
        .control_put(
            "/spaces/lighthouse/memberships/mem-alex/raw",
            json!({"starts_at": "31.12.2025", "user": {"id": 7}}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let list = cobot.get_json_with(&format!("{SPACE}/api/memberships"), &sam).await;
    let alex = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "mem-alex")
        .unwrap()
        .clone();
    assert_eq!(
        (&alex["starts_at"], &alex["user"]),
        (&json!("31.12.2025"), &json!({"id": 7}))
    );
    assert_eq!(alex["name"], "Alex Morgan", "the other fields are Alex's own");
    let one = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-alex"), &sam)
        .await;
    assert_eq!(one["starts_at"], "31.12.2025");

    let response = cobot
        .request(
            Method::DELETE,
            "/_sim/spaces/lighthouse/memberships/mem-alex/raw",
            None,
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let one = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-alex"), &sam)
        .await;
    assert_eq!(one["starts_at"], "2026/01/05");
    let response = cobot
        .control_put("/spaces/lighthouse/memberships/mem-nobody/raw", json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_space_on_its_own_domain_is_served_and_named_there() {
    let cobot = start().await;
    let domain = cobot
        .running
        .sim
        .serve_custom_domain("lighthouse", "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = domain.url.as_str().trim_end_matches('/').to_string();
    assert_eq!(cobot.running.space_url("lighthouse"), base);

    // Straight at the domain, as a client that was told the space's URL asks.
    let at_domain = |path: &str, token: Option<&str>| {
        let mut request = cobot.http.get(domain.url.join(path).unwrap());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let discovery = at_domain(".well-known/openid-configuration", None).await;
    assert_eq!(discovery["issuer"], json!(base));
    assert_eq!(
        discovery["authorization_endpoint"],
        json!(format!("{base}/oauth/authorize"))
    );

    let sam = cobot.hub_token("user-sam").await;
    cobot.http.delete(cobot.url("/_sim/requests")).send().await.unwrap();
    let alex = at_domain("api/memberships/mem-alex", Some(&sam)).await;
    assert_eq!(alex["name"], "Alex Morgan", "the space's API at the domain's root");
    let log = cobot.request_log().await;
    assert_eq!(
        (&log[0]["path"], &log[0]["host"]),
        (
            &json!("/sub/lighthouse/api/memberships/mem-alex"),
            &json!(format!("127.0.0.1:{}", domain.url.port().unwrap()))
        ),
        "the log says which host was asked"
    );

    let user = cobot.get_json_with("/api/user", &sam).await;
    assert_eq!(
        user["memberships"][0]["link"],
        json!(format!("{base}/api/memberships/mem-sam"))
    );
    let space = cobot.get_json("/api/spaces/lighthouse").await;
    assert_eq!(space["url"], json!(base));
}

#[tokio::test]
async fn rate_limits_hold_per_window_and_a_memberships_list_counts_in_both() {
    let cobot = start_with(SimConfig {
        rate_limit_window: Duration::from_secs(30),
        ..SimConfig::default()
    })
    .await;
    let sam = cobot.hub_token("user-sam").await;
    let get = |path: String| {
        let (http, url, sam) = (cobot.http.clone(), cobot.url(&path), sam.clone());
        async move { http.get(url).bearer_auth(sam).send().await.unwrap() }
    };
    for _ in 0..6 {
        assert_eq!(get(format!("{SPACE}/api/memberships")).await.status(), StatusCode::OK);
    }
    let limited = get(format!("{SPACE}/api/memberships")).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "6 lists a window");
    assert!(limited.headers().contains_key("retry-after"));
    // The six lists spent six of the sixty.
    for _ in 0..54 {
        assert_eq!(get(format!("{SPACE}/api/plans")).await.status(), StatusCode::OK);
    }
    let limited = get(format!("{SPACE}/api/plans")).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "Retry-After within the window: {wait}");
    // A window later, there is room again.
    cobot.running.sim.advance_clock(Duration::from_secs(30));
    assert_eq!(get(format!("{SPACE}/api/plans")).await.status(), StatusCode::OK);
}

#[test]
fn a_check_in_window_lists_overlapping_check_ins_or_only_those_begun_inside_it() {
    use cobot_sim::CheckInWindow;
    let t = |hh: i8| -> jiff::Timestamp {
        jiff::civil::date(2026, 11, 23)
            .at(hh, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
    };
    // Begun at 08:00, running to 03:00 the next morning; asked for 13:00–14:00.
    let (from, until) = (t(8), t(23));
    assert!(CheckInWindow::Overlap.lists(from, until, t(13), t(14)));
    assert!(!CheckInWindow::Starts.lists(from, until, t(13), t(14)));
    assert!(CheckInWindow::Starts.lists(from, until, t(3), t(14)));
    assert!(
        !CheckInWindow::Overlap.lists(from, t(9), t(13), t(14)),
        "ended before the window"
    );
}
