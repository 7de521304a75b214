//! API 1 custom fields.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::util::{start, start_as, Receiver, HUB_CLIENT, SPACE};

const ACCESS: &str = "smart_spaces_access_additional_units";

#[tokio::test]
async fn custom_fields_of_every_current_member_show_unset_values_as_null() {
    let (cobot, sam) = start_as("user-sam").await;
    let all = cobot.get_json_with(&format!("{SPACE}/api/custom_fields"), &sam).await;
    let members: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["membership_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        members,
        ["mem-alex", "mem-sam", "mem-kim", "mem-noah"],
        "ended members are left out"
    );
    assert_eq!(
        all[0],
        json!({"membership_id": "mem-alex", "fields": [
            {"id": "cf-access", "label": ACCESS, "value": ""},
            {"id": "cf-mobile", "label": "Mobile", "value": null},
        ]})
    );
    assert_eq!(all[1]["fields"][0]["value"], "Staff, Workshop");
    assert_eq!(all[2]["fields"][0]["value"], "Mystery");
    assert_eq!(all[3]["fields"][0]["value"], Value::Null);
}

#[tokio::test]
async fn the_space_lists_its_custom_field_definitions() {
    let (cobot, sam) = start_as("user-sam").await;
    assert_eq!(
        cobot
            .get_json_with(&format!("{SPACE}/api/space/custom_fields"), &sam)
            .await,
        json!([{"id": "cf-access", "label": ACCESS}, {"id": "cf-mobile", "label": "Mobile"}])
    );
}

#[tokio::test]
async fn reading_custom_fields_needs_an_admin_with_read_custom_fields() {
    let (cobot, alex) = start_as("user-alex").await;
    let sam_without = cobot.token_for("user-sam", HUB_CLIENT, &["read_memberships"]).await;
    for (token, why) in [(&alex, "not an admin"), (&sam_without, "no read_custom_fields")] {
        let response = cobot
            .get_with_token(&format!("{SPACE}/api/memberships/mem-alex/custom_fields"), token)
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{why}");
    }
}

#[tokio::test]
async fn writing_a_field_by_label_changes_it_and_fires_updated_custom_field() {
    let (cobot, sam) = start_as("user-sam").await;
    let mut receiver = Receiver::start(&[]).await;
    cobot.subscribe(&sam, "updated_custom_field", &receiver.url).await;

    let response = cobot
        .request(
            Method::PUT,
            &format!("{SPACE}/api/memberships/mem-alex/custom_fields"),
            Some(&sam),
            Some(&json!({"fields": [{"label": ACCESS, "value": "Workshop"}]})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["fields"][0]["value"], "Workshop");
    assert_eq!(
        body["fields"][1]["value"],
        Value::Null,
        "fields not sent are left alone"
    );

    let (_, webhook) = receiver.next().await;
    assert_eq!(
        webhook,
        json!({"url": format!("{}/api/memberships/mem-alex", cobot.running.space_url("lighthouse"))}),
        "a pointer to re-fetch, never the data"
    );
    let read = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-alex/custom_fields"), &sam)
        .await;
    assert_eq!(read["fields"][0]["value"], "Workshop");
}

#[tokio::test]
async fn writing_needs_write_custom_fields_and_a_known_label() {
    let cobot = start().await;
    let path = format!("{SPACE}/api/memberships/mem-alex/custom_fields");
    let read_only = cobot.token_for("user-sam", HUB_CLIENT, &["read_custom_fields"]).await;
    let put = |token: String, body: Value| {
        let request = cobot.http.put(cobot.url(&path)).bearer_auth(token).json(&body);
        async move { request.send().await.unwrap() }
    };
    let body = json!({"fields": [{"label": ACCESS, "value": "x"}]});
    assert_eq!(put(read_only, body).await.status(), StatusCode::FORBIDDEN);
    let sam = cobot.hub_token("user-sam").await;
    let response = put(sam, json!({"fields": [{"label": "Shoe size", "value": "44"}]})).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.json::<Value>().await.unwrap()["errors"]["fields"].is_string());
}

#[tokio::test]
async fn replacing_the_definitions_deletes_omitted_fields_from_every_member() {
    let (cobot, sam) = start_as("user-sam").await;
    let response = cobot
        .request(
            Method::PUT,
            &format!("{SPACE}/api/space/custom_fields"),
            Some(&sam),
            Some(&json!([{"id": "cf-mobile", "label": "Mobile phone"}, {"label": "Locker"}])),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let definitions: Value = response.json().await.unwrap();
    assert_eq!(definitions[0], json!({"id": "cf-mobile", "label": "Mobile phone"}));
    assert_eq!(definitions[1]["label"], "Locker");
    let sam_fields = cobot
        .get_json_with(&format!("{SPACE}/api/memberships/mem-sam/custom_fields"), &sam)
        .await;
    let labels: Vec<&str> = sam_fields["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["Mobile phone", "Locker"],
        "the access field and its values are gone"
    );
}
