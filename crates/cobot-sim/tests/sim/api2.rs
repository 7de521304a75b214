//! API 2 (JSON:API).

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::util::{get2, is_iso_date, start, start_as, HUB_CLIENT, SPACE_ID};

fn ids(doc: &Value) -> Vec<String> {
    doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn window(from: &str, to: &str) -> String {
    format!("/spaces/{SPACE_ID}/memberships?filter[from]={from}&filter[to]={to}")
}

#[tokio::test]
async fn the_user_with_includes_lists_spaces_and_memberships() {
    let (cobot, sam) = start_as("user-sam").await;
    let (status, doc) = get2(&cobot, "/user?include=memberOf,adminOf,memberships", &sam).await;
    assert_eq!(status, StatusCode::OK);
    let space = json!([{"id": SPACE_ID, "type": "spaces"}]);
    assert_eq!(doc["data"]["id"], "user-sam");
    assert_eq!(doc["data"]["type"], "users");
    assert_eq!(doc["data"]["attributes"], json!({"email": "sam@example.com"}));
    assert_eq!(doc["data"]["relationships"]["adminOf"]["data"], space);
    assert_eq!(doc["data"]["relationships"]["memberOf"]["data"], space);
    assert_eq!(
        doc["data"]["relationships"]["memberships"]["data"],
        json!([{"id": "mem-sam", "type": "memberships"}])
    );
    let included = doc["included"].as_array().unwrap();
    assert_eq!(included.len(), 2, "the space once, and the membership: {included:?}");
    assert_eq!(included[0]["attributes"]["subdomain"], "lighthouse");
    assert_eq!(included[0]["attributes"]["timeZone"], "Europe/Berlin");
    assert_eq!(
        included[1],
        json!({"id": "mem-sam", "type": "memberships", "relationships": {"space": {"data": {"id": SPACE_ID, "type": "spaces"}}}})
    );

    let riley = cobot.hub_token("user-riley").await;
    let (_, doc) = get2(&cobot, "/user", &riley).await;
    assert_eq!(
        doc["data"]["relationships"]["memberOf"]["data"],
        json!([]),
        "an ended membership no longer makes Riley a member"
    );
    assert!(doc.get("included").is_none());
}

#[tokio::test]
async fn includes_need_their_scopes_and_must_exist() {
    let cobot = start().await;
    let token = cobot.token_for("user-sam", HUB_CLIENT, &["read_user"]).await;
    let (status, doc) = get2(&cobot, "/user?include=memberships", &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(doc["errors"][0]["detail"].is_string());
    let (status, _) = get2(&cobot, "/user?include=adminOf", &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "adminOf needs read_spaces");
    let sam = cobot.hub_token("user-sam").await;
    let (status, doc) = get2(&cobot, "/user?include=friends", &sam).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(doc["errors"][0]["source"]["parameter"], "include");
}

#[tokio::test]
async fn the_space_has_camel_case_attributes_and_iso_dates() {
    let (cobot, alex) = start_as("user-alex").await;
    let (status, doc) = get2(&cobot, &format!("/spaces/{SPACE_ID}"), &alex).await;
    assert_eq!(status, StatusCode::OK, "any user may read any space");
    let attributes = &doc["data"]["attributes"];
    for (field, value) in [
        ("name", json!("Lighthouse Coworking")),
        ("subdomain", json!("lighthouse")),
        ("createdAt", json!("2019-03-01")),
        ("countryCode", json!("DE")),
        ("timeZone", json!("Europe/Berlin")),
        ("hourFormat", json!(24)),
        ("inEu", json!(true)),
        ("priceDisplay", json!("gross")),
        ("defaultTaxes", json!([{"name": "VAT", "rate": "19.0"}])),
    ] {
        assert_eq!(attributes[field], value, "{field}");
    }
    assert_eq!(
        doc["data"]["relationships"]["owner"]["data"],
        json!({"id": "user-sam", "type": "users"})
    );
    let (status, doc) = get2(&cobot, "/spaces/space-nowhere", &alex).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(doc["errors"][0]["detail"].is_string());
}

#[tokio::test]
async fn memberships_need_both_filters_as_dates() {
    let (cobot, sam) = start_as("user-sam").await;
    for (query, parameter) in [
        ("filter[to]=2026-11-23", "filter[from]"),
        ("filter[from]=2026-11-23", "filter[to]"),
        ("filter[from]=2026/11/23&filter[to]=2026-11-23", "filter[from]"),
    ] {
        let (status, doc) = get2(&cobot, &format!("/spaces/{SPACE_ID}/memberships?{query}"), &sam).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(doc["errors"][0]["source"]["parameter"], parameter, "{query}");
    }
}

#[tokio::test]
async fn memberships_are_for_admins_with_read_memberships() {
    let (cobot, alex) = start_as("user-alex").await;
    let (status, _) = get2(&cobot, &window("2026-11-23", "2026-11-23"), &alex).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let sam = cobot.token_for("user-sam", HUB_CLIENT, &["read_spaces"]).await;
    let (status, _) = get2(&cobot, &window("2026-11-23", "2026-11-23"), &sam).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_filters_keep_confirmed_memberships_not_canceled_before_from() {
    let (cobot, sam) = start_as("user-sam").await;
    let (_, today) = get2(&cobot, &window("2026-11-23", "2026-11-23"), &sam).await;
    assert_eq!(
        ids(&today),
        ["mem-alex", "mem-sam", "mem-noah"],
        "Riley ended before `from`, Kim is not confirmed"
    );
    let (_, wide) = get2(&cobot, &window("2025-01-01", "2026-11-23"), &sam).await;
    assert_eq!(ids(&wide), ["mem-alex", "mem-sam", "mem-riley", "mem-noah"]);
    let (_, early) = get2(&cobot, &window("2025-01-01", "2025-12-31"), &sam).await;
    assert_eq!(ids(&early), ["mem-sam", "mem-riley"], "confirmed on or before `to`");

    let alex = &today["data"][0];
    assert_eq!(alex["type"], "memberships");
    assert_eq!(alex["attributes"]["name"], "Alex Morgan");
    assert_eq!(alex["attributes"]["confirmedAt"], "2026-01-05");
    assert_eq!(alex["attributes"]["canceledAt"], Value::Null);
    assert_eq!(
        alex["relationships"]["space"]["data"],
        json!({"id": SPACE_ID, "type": "spaces"})
    );
    assert!(wide["data"][2]["attributes"]["canceledAt"]
        .as_str()
        .is_some_and(is_iso_date));
}

#[tokio::test]
async fn page_size_2_walks_every_page_with_correct_links_and_meta() {
    let (cobot, sam) = start_as("user-sam").await;
    let mut path = format!("{}&page[size]=2", window("2025-01-01", "2026-11-23"));
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let (status, doc) = get2(&cobot, &path, &sam).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        seen.extend(ids(&doc));
        pages.push(doc.clone());
        match doc["links"]["next"].as_str() {
            Some(next) => {
                let prefix = format!("{}/api2", cobot.running.issuer());
                path = next
                    .strip_prefix(&prefix)
                    .expect("links are absolute API 2 URLs")
                    .to_string();
            }
            None => break,
        }
    }
    assert_eq!(seen, ["mem-alex", "mem-sam", "mem-riley", "mem-noah"]);
    assert_eq!(pages.len(), 2);
    let (first, last) = (&pages[0], &pages[1]);
    assert_eq!(first["meta"], json!({"totalPages": 2, "currentPage": 1}));
    assert_eq!(last["meta"], json!({"totalPages": 2, "currentPage": 2}));
    assert_eq!(first["links"]["prev"], Value::Null);
    assert_eq!(last["links"]["next"], Value::Null);
    assert_eq!(first["links"]["first"], last["links"]["first"]);
    assert_eq!(first["links"]["last"], last["links"]["last"]);
    assert_eq!(first["links"]["last"], last["links"]["self"]);
    assert_eq!(last["links"]["prev"], first["links"]["self"]);
    assert_eq!(first["links"]["next"], last["links"]["self"]);
    let self_link = first["links"]["self"].as_str().unwrap();
    for part in [
        "filter[from]=2025-01-01",
        "filter[to]=2026-11-23",
        "page[number]=1",
        "page[size]=2",
    ] {
        assert!(self_link.contains(part), "{self_link} keeps {part}");
    }
}

#[tokio::test]
async fn page_size_over_200_is_rejected_and_the_default_is_72() {
    let (cobot, sam) = start_as("user-sam").await;
    let base = window("2025-01-01", "2026-11-23");
    let (status, doc) = get2(&cobot, &format!("{base}&page[size]=201"), &sam).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(doc["errors"][0]["source"]["parameter"], "page[size]");
    let (status, _) = get2(&cobot, &format!("{base}&page[size]=200"), &sam).await;
    assert_eq!(status, StatusCode::OK);
    let (_, doc) = get2(&cobot, &base, &sam).await;
    assert!(doc["links"]["self"].as_str().unwrap().contains("page[size]=72"));
    assert_eq!(doc["meta"], json!({"totalPages": 1, "currentPage": 1}));
}

#[tokio::test]
async fn membership_plans_show_a_plan_change_as_two_periods() {
    let cobot = start().await;
    cobot.schedule_alex_on_fixed_desk();
    let sam = cobot.hub_token("user-sam").await;
    let (status, doc) = get2(
        &cobot,
        &format!("/spaces/{SPACE_ID}/membership_plans?filter[from]=2026-11-01&filter[to]=2026-12-31"),
        &sam,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let alex: Vec<&Value> = doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["relationships"]["membership"]["data"]["id"] == "mem-alex")
        .collect();
    assert_eq!(alex.len(), 2, "{doc}");
    assert_eq!(alex[0]["type"], "membershipPlans");
    assert_eq!(alex[0]["attributes"]["name"], "Flex Desk");
    assert_eq!(alex[0]["attributes"]["startsAt"], "2026-01-05");
    assert_eq!(alex[0]["attributes"]["canceledAt"], "2026-11-30");
    assert_eq!(alex[1]["attributes"]["name"], "Fixed Desk");
    assert_eq!(alex[1]["attributes"]["startsAt"], "2026-12-01");
    assert_eq!(alex[1]["attributes"]["canceledAt"], Value::Null);
    assert_eq!(
        alex[1]["attributes"]["pricePerCycle"],
        json!({"net": "320.0", "gross": "380.8", "currency": "EUR", "taxes": [{"rate": "19.0", "name": "VAT"}]})
    );
    let members: Vec<&str> = doc["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["relationships"]["membership"]["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["mem-alex", "mem-alex", "mem-sam", "mem-noah"]);
}

#[tokio::test]
async fn one_membership_is_for_its_member_or_an_admin() {
    let (cobot, alex) = start_as("user-alex").await;
    let (status, doc) = get2(&cobot, "/memberships/mem-alex", &alex).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["data"]["attributes"]["email"], "alex@example.com");
    let (status, _) = get2(&cobot, "/memberships/mem-sam", &alex).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let sam = cobot.hub_token("user-sam").await;
    let (status, _) = get2(&cobot, "/memberships/mem-noah", &sam).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn api_2_is_rate_limited_at_60_per_minute_with_a_json_api_error() {
    let (cobot, sam) = start_as("user-sam").await;
    for i in 1..=60 {
        let (status, _) = get2(&cobot, "/user", &sam).await;
        assert_eq!(status, StatusCode::OK, "request {i}");
    }
    let response = cobot.request(Method::GET, "/api2/user", Some(&sam), None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
    let doc: Value = response.json().await.unwrap();
    assert!(doc["errors"][0]["detail"].is_string());
}

#[tokio::test]
async fn without_a_token_api_2_is_401_and_health_is_204() {
    let cobot = start().await;
    let response = cobot.get("/api2/user").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(cobot.get("/api2/health").await.status(), StatusCode::NO_CONTENT);
    let response = cobot.get("/api2/nothing/here").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["content-type"], "application/vnd.api+json");
}
