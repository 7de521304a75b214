//! Contract test: the simulator's API 2 responses against the response schemas of Cobot's own
//! OpenAPI document (`tests/data/cobot-openapi.yml`, a copy of shared/cobot-openapi.yml), with
//! `$ref`s resolved inside that document. Every schema there says `additionalProperties: false`
//! and lists required fields, so a missing, extra or mistyped attribute fails.

use std::sync::OnceLock;

use jsonschema::Validator;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::{get2, start, SPACE_ID};

/// The OpenAPI document as JSON, parsed once.
fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cobot-openapi.yml");
        let text = std::fs::read_to_string(path).expect("the OpenAPI document is in tests/data");
        serde_yaml_ng::from_str(&text).expect("the OpenAPI document is valid YAML")
    })
}

/// A validator for `schema` with the document's components alongside, so `#/components/...`
/// references resolve.
fn validator_for(schema: &Value) -> Validator {
    let mut root = schema.clone();
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    root["components"] = json!({"schemas": spec()["components"]["schemas"].clone()});
    jsonschema::draft202012::new(&root).expect("the schema compiles")
}

/// The declared 200 `application/vnd.api+json` schema of `GET {path}`.
fn response_validator(path: &str) -> Validator {
    let schema = &spec()["paths"][path]["get"]["responses"]["200"]["content"]["application/vnd.api+json"]["schema"];
    assert!(schema.is_object(), "the spec declares a 200 schema for GET {path}");
    validator_for(schema)
}

/// A validator for one named component schema.
fn component_validator(name: &str) -> Validator {
    validator_for(&json!({"$ref": format!("#/components/schemas/{name}")}))
}

/// Every violation, with where it is.
fn violations(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_conforms(validator: &Validator, instance: &Value, what: &str) {
    let errors = violations(validator, instance);
    assert!(
        errors.is_empty(),
        "{what} violates Cobot's schema: {errors:#?}\n{instance:#}"
    );
}

#[tokio::test]
async fn api_2_responses_match_cobots_openapi_schemas() {
    let cobot = start().await;
    cobot.schedule_alex_on_fixed_desk();
    let sam = cobot.hub_token("user-sam").await;

    let (status, user) = get2(&cobot, "/user?include=memberOf,adminOf,memberships", &sam).await;
    assert_eq!(status, StatusCode::OK);
    assert_conforms(&response_validator("/user"), &user, "GET /user");
    // The user schema leaves `included` open; hold each entry to its own resource schema.
    let space_data = component_validator("-space-data");
    let membership_data = component_validator("-membership-data");
    for entry in user["included"].as_array().unwrap() {
        let validator = match entry["type"].as_str() {
            Some("spaces") => &space_data,
            Some("memberships") => &membership_data,
            other => panic!("unexpected included type {other:?}"),
        };
        assert_conforms(validator, entry, "an included resource");
    }

    let (_, space) = get2(&cobot, &format!("/spaces/{SPACE_ID}"), &sam).await;
    assert_conforms(&response_validator("/spaces/{spaceId}"), &space, "GET /spaces/{id}");

    let window = "filter[from]=2025-01-01&filter[to]=2026-12-31&page[size]=2";
    let (_, page) = get2(&cobot, &format!("/spaces/{SPACE_ID}/memberships?{window}"), &sam).await;
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let memberships = response_validator("/spaces/{spaceId}/memberships");
    assert_conforms(&memberships, &page, "GET /spaces/{id}/memberships");

    let (_, plans) = get2(&cobot, &format!("/spaces/{SPACE_ID}/membership_plans?{window}"), &sam).await;
    assert!(!plans["data"].as_array().unwrap().is_empty());
    assert_conforms(
        &response_validator("/spaces/{spaceId}/membership_plans"),
        &plans,
        "GET /spaces/{id}/membership_plans",
    );

    let (_, one) = get2(&cobot, "/memberships/mem-noah", &sam).await;
    assert_conforms(&response_validator("/memberships/{id}"), &one, "GET /memberships/{id}");

    // The spec declares no error response for these operations; every declared one uses `failure`.
    let (status, error) = get2(&cobot, &format!("/spaces/{SPACE_ID}/memberships"), &sam).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_conforms(&component_validator("failure"), &error, "a 400 error");
    let (status, error) = get2(&cobot, "/spaces/space-nowhere", &sam).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_conforms(&component_validator("failure"), &error, "a 404 error");

    // The check has teeth: a missing required attribute and a mistyped one both fail.
    let mut broken = space.clone();
    broken["data"]["attributes"].as_object_mut().unwrap().remove("timeZone");
    assert!(
        !violations(&response_validator("/spaces/{spaceId}"), &broken).is_empty(),
        "a space without timeZone must not validate"
    );
    let mut broken = page.clone();
    broken["data"][0]["attributes"]["confirmedAt"] = json!(20260105);
    let errors = violations(&memberships, &broken);
    assert!(!errors.is_empty(), "a numeric confirmedAt must not validate");
    let mut broken = page.clone();
    broken["data"][0]["attributes"]["confirmedAt"] = json!("2026/01/05");
    assert!(
        !violations(&memberships, &broken).is_empty(),
        "an API 1 date in API 2 must not validate"
    );
    let mut broken = plans.clone();
    broken["data"][0]["attributes"]["pricePerCycle"]["net"] = json!(180.0);
    assert!(
        !violations(&response_validator("/spaces/{spaceId}/membership_plans"), &broken).is_empty(),
        "a numeric price must not validate"
    );
}
