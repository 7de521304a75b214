//! The API 2 client against an in-process cobot-sim: the user with its spaces, a space, paginated
//! memberships and plan history, and how each failure reaches the caller.

use std::time::Duration;

use frontdoor_core::auth::{http_client, CobotHosts};
use frontdoor_core::cobot::api2::{current_plan, SpaceId};
use frontdoor_core::cobot::{Cobot, Error, RetryPolicy};
use frontdoor_core::links::Subdomain;
use frontdoor_core::secret::AccessToken;
use jiff::civil::{date, Date};
use serde_json::{json, Value};

/// The sim's pinned "today": Monday 2026-11-23 (10:00 in Berlin).
const TODAY: Date = date(2026, 11, 23);
const SPACE: &str = "space-lighthouse";
const MEMBERSHIPS_PATH: &str = "/api2/spaces/space-lighthouse/memberships";

/// A running simulator and a client pointed at it.
struct World {
    sim: cobot_sim::RunningSim,
    http: reqwest::Client,
    cobot: Cobot,
}

impl World {
    async fn start() -> World {
        World::with_seed(cobot_sim::demo()).await
    }

    async fn with_seed(seed: cobot_sim::Seed) -> World {
        let config = cobot_sim::SimConfig {
            start_at: Some("2026-11-23T09:00:00Z".parse().unwrap()),
            ..Default::default()
        };
        let sim = cobot_sim::spawn_with_seed(config, seed, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("simulator starts");
        let hosts = CobotHosts {
            www: sim.base_url.clone(),
            space_template: format!("{}/sub/{{subdomain}}", sim.issuer()),
        };
        let cobot = Cobot::new(http_client(), hosts)
            .with_api2(sim.base_url.join("api2/").unwrap())
            // Retries, but without waiting long for them.
            .with_retry(RetryPolicy {
                attempts: 3,
                base: Duration::from_millis(5),
                max_retry_after: Duration::from_secs(2),
            });
        World {
            sim,
            http: reqwest::Client::new(),
            cobot,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.issuer())
    }

    /// A token for the hub client with the scopes API 2 needs, as if `user` had authorized it.
    async fn token(&self, user: &str) -> AccessToken {
        let body = self
            .control(
                "/_sim/tokens",
                json!({"user_id": user, "client_id": "frontdoor-hub",
                       "scopes": ["read_user", "read_spaces", "read_memberships"]}),
            )
            .await;
        AccessToken::new(body["access_token"].as_str().expect("a token"))
    }

    /// POSTs to the control API and returns its JSON answer.
    async fn control(&self, path: &str, body: Value) -> Value {
        let response = self.http.post(self.url(path)).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.unwrap()
    }

    async fn clear_requests(&self) {
        let response = self.http.delete(self.url("/_sim/requests")).send().await.unwrap();
        assert!(response.status().is_success());
    }

    /// The sim's request log for `path`.
    async fn requests_to(&self, path: &str) -> Vec<Value> {
        let log: Vec<Value> = json_of(self.http.get(self.url("/_sim/requests"))).await;
        log.into_iter().filter(|r| r["path"] == path).collect()
    }

    /// A raw API 2 GET, bypassing the client under test.
    async fn raw(&self, path_and_query: &str, token: &AccessToken) -> Value {
        let request = self.http.get(self.url(path_and_query)).bearer_auth(token.secret());
        json_of(request.header("accept", "application/vnd.api+json")).await
    }
}

/// `request`, sent, and its answer read as JSON.
async fn json_of<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

fn lighthouse() -> Subdomain {
    Subdomain::parse("lighthouse").unwrap()
}

#[tokio::test]
async fn user_v2_maps_the_subdomain_to_the_space_id_and_tells_the_admin_from_a_member() {
    let w = World::start().await;

    let sam = w.cobot.user_v2(&w.token("user-sam").await).await.unwrap();
    assert_eq!(sam.id, "user-sam");
    assert_eq!(sam.email.as_deref(), Some("sam@example.com"));
    let space = sam
        .space_id(&lighthouse())
        .expect("the included space maps lighthouse to its id");
    assert_eq!(space, &SpaceId::new(SPACE));
    assert!(sam.is_admin_of(space), "Sam is listed in adminOf");
    assert!(sam.is_member_of(space));
    assert_eq!(sam.membership_in(space).map(|m| m.id.as_str()), Some("mem-sam"));
    let included = sam.space(&lighthouse()).unwrap();
    assert_eq!(
        (included.name.as_str(), included.time_zone.as_str()),
        ("Lighthouse Coworking", "Europe/Berlin")
    );
    assert_eq!(
        sam.spaces.len(),
        1,
        "a space both administered and joined is included once"
    );

    let alex = w.cobot.user_v2(&w.token("user-alex").await).await.unwrap();
    let space = alex
        .space_id(&lighthouse())
        .expect("members get the space included too");
    assert!(!alex.is_admin_of(space), "Alex is a member, not an admin");
    assert!(alex.is_member_of(space));
    assert_eq!(alex.membership_in(space).map(|m| m.id.as_str()), Some("mem-alex"));
}

#[tokio::test]
async fn space_v2_reads_the_display_fields_and_an_unknown_space_is_not_found() {
    let w = World::start().await;
    let alex = w.token("user-alex").await;
    let space = w.cobot.space_v2(&alex, &SpaceId::new(SPACE)).await.unwrap();
    assert_eq!(space.id, SpaceId::new(SPACE));
    assert_eq!(space.subdomain, lighthouse());
    assert_eq!(space.name, "Lighthouse Coworking");
    assert_eq!(space.time_zone, "Europe/Berlin");
    assert_eq!(space.locale.as_deref(), Some("de-DE"));
    assert_eq!(space.hour_format, Some(24));

    let missing = w.cobot.space_v2(&alex, &SpaceId::new("space-nowhere")).await;
    assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");
}

#[tokio::test]
async fn memberships_v2_walks_every_page_of_a_large_space_exactly_once() {
    let w = World::with_seed(cobot_sim::large(450)).await;
    let sam = w.token("user-sam").await;

    // What the sim itself says there is, asked for directly at the largest page size.
    let query = "filter[from]=2026-11-23&filter[to]=2026-11-23&page[size]=200";
    let first = w.raw(&format!("{MEMBERSHIPS_PATH}?{query}"), &sam).await;
    let total_pages = first["meta"]["totalPages"].as_u64().unwrap() as usize;
    let last = w
        .raw(&format!("{MEMBERSHIPS_PATH}?{query}&page[number]={total_pages}"), &sam)
        .await;
    let expected = (total_pages - 1) * 200 + last["data"].as_array().unwrap().len();
    assert!(total_pages > 1, "the seed must span several pages to test anything");

    w.clear_requests().await;
    let memberships = w
        .cobot
        .memberships_v2(&sam, &SpaceId::new(SPACE), TODAY, TODAY)
        .await
        .unwrap();

    assert_eq!(memberships.len(), expected, "every membership of every page");
    let mut ids: Vec<&str> = memberships.iter().map(|m| m.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), expected, "no page was read twice");
    let requests = w.requests_to(MEMBERSHIPS_PATH).await;
    assert_eq!(
        requests.len(),
        expected.div_ceil(200),
        "one request per page of 200, none after the last: {requests:#?}"
    );
    for (n, request) in requests.iter().enumerate() {
        let query = request["query"].as_str().unwrap();
        assert!(
            query.contains(&format!("page%5Bnumber%5D={}", n + 1)) && query.contains("page%5Bsize%5D=200"),
            "pages in order at size 200: {query}"
        );
    }

    let alex = memberships.iter().find(|m| m.id == "mem-alex").unwrap();
    assert_eq!(alex.name.as_deref(), Some("Alex Morgan"));
    assert_eq!(alex.confirmed_at, Some(date(2026, 1, 5)));
    assert_eq!(alex.canceled_at, None);
    assert_eq!(alex.space_id, SpaceId::new(SPACE));
}

#[tokio::test]
async fn membership_plans_v2_and_current_plan_follow_a_plan_change() {
    let w = World::start().await;
    w.control(
        "/_sim/spaces/lighthouse/memberships/mem-alex/plan",
        json!({"plan_id": "plan-fixed", "from": "2026-11-23"}),
    )
    .await;
    let sam = w.token("user-sam").await;
    let plans = w
        .cobot
        .membership_plans_v2(&sam, &SpaceId::new(SPACE), date(2026, 11, 1), date(2026, 12, 31))
        .await
        .unwrap();

    let alex: Vec<_> = plans.iter().filter(|p| p.membership_id == "mem-alex").collect();
    assert_eq!(
        alex.len(),
        2,
        "the change splits Alex's history in two periods: {alex:#?}"
    );
    assert_eq!(
        (alex[0].name.as_str(), alex[0].canceled_at),
        ("Flex Desk", Some(date(2026, 11, 22)))
    );
    assert_eq!((alex[1].name.as_str(), alex[1].starts_at), ("Fixed Desk", TODAY));

    let on = |day| current_plan(&plans, "mem-alex", day).map(|p| p.name.as_str());
    assert_eq!(on(date(2026, 11, 22)), Some("Flex Desk"), "the old plan's last day");
    assert_eq!(on(TODAY), Some("Fixed Desk"), "the new plan from its first day");
    assert_eq!(
        current_plan(&plans, "mem-sam", TODAY).map(|p| p.name.as_str()),
        Some("Fixed Desk"),
        "unchanged members keep their one period"
    );
}

#[tokio::test]
async fn a_member_asking_for_the_space_memberships_is_forbidden() {
    let w = World::start().await;
    let alex = w.token("user-alex").await;
    let result = w.cobot.memberships_v2(&alex, &SpaceId::new(SPACE), TODAY, TODAY).await;
    match result {
        Err(Error::Forbidden(detail)) => assert!(
            detail.contains("admin"),
            "the JSON:API detail reaches the person: {detail}"
        ),
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_or_revoked_token_must_sign_in_again() {
    let w = World::start().await;
    let unknown = w.cobot.user_v2(&AccessToken::new("not-a-token")).await;
    assert!(matches!(unknown, Err(Error::SignInAgain)), "{unknown:?}");

    let sam = w.token("user-sam").await;
    w.cobot
        .user_v2(&sam)
        .await
        .expect("the token works before it is revoked");
    let response = w
        .http
        .delete(w.url("/_sim/users/user-sam/tokens"))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let revoked = w.cobot.memberships_v2(&sam, &SpaceId::new(SPACE), TODAY, TODAY).await;
    assert!(matches!(revoked, Err(Error::SignInAgain)), "{revoked:?}");
}

#[tokio::test]
async fn a_503_from_api_2_is_retried_and_the_read_succeeds() {
    let w = World::start().await;
    let alex = w.token("user-alex").await;
    w.control(
        "/_sim/faults",
        json!({"path": "/api2/spaces", "kind": "status", "status": 503, "times": 1}),
    )
    .await;
    w.clear_requests().await;
    let space = w.cobot.space_v2(&alex, &SpaceId::new(SPACE)).await.unwrap();
    assert_eq!(space.subdomain, lighthouse());
    let statuses: Vec<Value> = w
        .requests_to("/api2/spaces/space-lighthouse")
        .await
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, [json!(503), json!(200)], "one failure, one retry");
}

#[tokio::test]
async fn a_truncated_api_2_answer_is_malformed_and_not_retried() {
    let w = World::start().await;
    let sam = w.token("user-sam").await;
    w.control("/_sim/faults", json!({"path": "/api2/spaces", "kind": "malformed"}))
        .await;
    w.clear_requests().await;
    let result = w.cobot.memberships_v2(&sam, &SpaceId::new(SPACE), TODAY, TODAY).await;
    assert!(matches!(result, Err(Error::Malformed(_))), "{result:?}");
    assert_eq!(
        w.requests_to(MEMBERSHIPS_PATH).await.len(),
        1,
        "a broken answer is a bug to report, not a reason to ask again"
    );
}
