//! The staff console's access setup and members view, end to end: cobot-sim as Cobot (pinned to
//! Monday 2026-11-23, 10:00 in Berlin), relay-sim's Shelly double as the doors' relay. Every call
//! is for staff only; a refused change changes nothing; an accepted one counts at the next
//! decision without a restart, and survives restarts; what the hub writes to Cobot keeps what
//! Cobot had.

use crate::util;

use frontdoor_hub::Config;
use jiff::Timestamp;
use reqwest::Method;
use serde_json::{json, Value};
use util::{mint, Start};

/// Monday 2026-11-23, 10:00 in Berlin: the Members and Workshop schedules are open.
fn monday_morning() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

/// The demo relay's switch for the workshop door.
const WORKSHOP: u32 = 1;

/// The demo world ([`util::Demo`]) pinned to Monday morning.
struct World(util::Demo);
util::deref_to_demo!(World.0);

impl World {
    async fn start() -> World {
        World::start_with(|_| {}).await
    }

    /// cobot-sim, the relay double and a hub on the demo configuration (changed by `adjust`),
    /// synced once.
    async fn start_with(adjust: impl FnOnce(&mut Config)) -> World {
        World(Start::at(monday_morning()).config(adjust).start().await)
    }

    /// Stops the hub and starts another on the same database with `config`.
    async fn restart(&mut self, config: Config) {
        self.0.restart(config).await;
    }

    async fn setup(&self, staff: &str) -> Value {
        let (status, body) = self.call(Method::GET, "api/v1/admin/access", Some(staff), None).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    async fn version(&self, staff: &str) -> u64 {
        self.setup(staff).await["version"].as_u64().unwrap()
    }

    /// `/api/v1/me`'s verdict for `door`.
    async fn opens_for(&self, session: &str, door: &str) -> bool {
        let (status, me) = self.call(Method::GET, "api/v1/me", Some(session), None).await;
        assert_eq!(status, 200, "{me}");
        me["doors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == door)
            .unwrap_or_else(|| panic!("no door {door}: {me}"))["allowed"]
            .as_bool()
            .unwrap()
    }

    async fn member_row(&self, staff: &str, q: &str) -> Value {
        let (status, rows) = self
            .call(Method::GET, &format!("api/v1/admin/members?q={q}"), Some(staff), None)
            .await;
        assert_eq!(status, 200, "{rows}");
        assert_eq!(rows.as_array().unwrap().len(), 1, "{q}: {rows}");
        rows[0].clone()
    }

    /// A request to cobot-sim with a token of Sam's for the hub's client.
    async fn cobot(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let token = mint(
            &self.http,
            &self.sim,
            "user-sam",
            "frontdoor-hub",
            &["read_custom_fields", "write_custom_fields"],
        )
        .await;
        let mut request = self
            .http
            .request(method, format!("{}sub/lighthouse/{path}", self.sim.base_url))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        assert!(r.status().is_success(), "{path}: HTTP {}", r.status());
        r.json().await.unwrap()
    }

    /// Staff turn the extra groups on or off at `version` → (status, body).
    async fn set_extra_groups(&self, staff: &str, version: u64, enabled: bool) -> (u16, Value) {
        let body = json!({"version": version, "enabled": enabled});
        self.call(Method::PUT, "api/v1/admin/access/extra_groups", Some(staff), Some(body))
            .await
    }

    /// Staff set a member's extra groups → (status, the member's row).
    async fn set_member_extra_groups(&self, staff: &str, membership: &str, groups: Value) -> (u16, Value) {
        let path = format!("api/v1/admin/members/{membership}/extra_groups");
        self.call(Method::PUT, &path, Some(staff), Some(json!({ "groups": groups })))
            .await
    }

    async fn sim_put(&self, path: &str, body: Value) {
        let r = self
            .http
            .put(format!("{}{path}", self.sim.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.text().await.unwrap());
    }
}

/// A request to the hub: method, path, JSON body.
type Call = (Method, String, Option<Value>);

fn group(version: u64, id: &str, doors: &[&str], schedule: Option<&str>) -> Value {
    json!({"version": version, "group": {"id": id, "name": format!("{id} group"), "doors": doors, "schedule": schedule}})
}

/// The value in Cobot's custom field called `label`, from a membership's fields.
fn field_value<'a>(fields: &'a Value, label: &str) -> &'a Value {
    let field = fields["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == label);
    &field.unwrap_or_else(|| panic!("no field {label}: {fields}"))["value"]
}

/// The names in a members view's rows, in order.
fn names(rows: &Value) -> Vec<&str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect()
}

fn labels(fields: &Value) -> Vec<(String, String)> {
    fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["label"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_console_call_is_for_staff_and_refused_to_members_and_strangers_without_a_change() {
    let w = World::start().await;
    let (sam, alex) = (w.session("user-sam").await, w.session("user-alex").await);
    let before = w.setup(&sam).await;
    let v = before["version"].as_u64().unwrap();
    let calls: Vec<Call> = vec![
        (Method::GET, "api/v1/admin/access".into(), None),
        (Method::GET, "api/v1/admin/access/export".into(), None),
        (Method::GET, "api/v1/admin/access/changes".into(), None),
        (
            Method::PUT,
            "api/v1/admin/access/groups/Night".into(),
            Some(group(v, "Night", &["front"], Some("Fri 22:00-02:00"))),
        ),
        (
            Method::PUT,
            "api/v1/admin/access/plans/plan-day".into(),
            Some(json!({"version": v, "groups": ["Members"]})),
        ),
        (
            Method::DELETE,
            format!("api/v1/admin/access/groups/Workshop?version={v}"),
            None,
        ),
        (Method::GET, "api/v1/admin/members".into(), None),
        (
            Method::PUT,
            "api/v1/admin/members/mem-alex/extra_groups".into(),
            Some(json!({"groups": ["Staff"]})),
        ),
        (
            Method::PUT,
            "api/v1/admin/access/extra_groups".into(),
            Some(json!({"version": v, "enabled": false})),
        ),
    ];
    for (method, path, body) in &calls {
        let (status, refused) = w.call(method.clone(), path, Some(&alex), body.clone()).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (403, Some("not_staff")),
            "{method} {path}: {refused}"
        );
        assert!(refused["message"]
            .as_str()
            .unwrap()
            .starts_with("Only the space's staff can"));
        let (status, refused) = w.call(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (401, Some("not_signed_in")),
            "{method} {path}: {refused}"
        );
    }
    assert_eq!(w.setup(&sam).await, before, "nothing changed");
    assert_eq!(
        w.member_row(&sam, "alex").await["extra_groups"],
        Value::Null,
        "Cobot's field untouched"
    );

    // Staff may make each call; every change names the version it was made on.
    let mut version = v;
    for (method, path, body) in calls {
        let body = body.map(|mut b| {
            if b.get("version").is_some() {
                b["version"] = json!(version);
            }
            b
        });
        let path = path.replace(&format!("version={v}"), &format!("version={version}"));
        let (status, answer) = w.call(method.clone(), &path, Some(&sam), body).await;
        assert_eq!(status, 200, "{method} {path}: {answer}");
        if let Some(now) = answer.get("version").and_then(Value::as_u64) {
            version = now;
        }
    }
    assert_eq!(version, v + 4, "four changes: a group, a plan, a deletion, the switch");
    let changes = w
        .call(Method::GET, "api/v1/admin/access/changes", Some(&sam), None)
        .await
        .1;
    let whats: Vec<&str> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["what"].as_str().unwrap())
        .collect();
    assert_eq!(
        whats,
        [
            "extra groups",
            "extra groups of Alex Morgan (mem-alex)",
            "group Workshop",
            "plan Day Pass",
            "group Night",
            "imported the access setup",
            "imported the doors",
        ],
        "newest first"
    );
    assert_eq!(
        (changes[0]["by"].as_str(), changes[0]["by_name"].as_str()),
        (Some("user-sam"), Some("Sam Rivera"))
    );
    assert_eq!(
        (changes[0]["before"].clone(), changes[0]["after"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(changes[4]["before"], Value::Null, "created");
    assert_eq!(changes[4]["after"]["schedule"], json!("Fri 22:00-02:00"));
    assert_eq!(changes[2]["after"], Value::Null, "removed");
}

#[tokio::test]
async fn invalid_changes_are_answered_field_by_field_in_words_and_change_nothing() {
    let w = World::start().await;
    let sam = w.session("user-sam").await;
    let before = w.setup(&sam).await;
    let v = before["version"].as_u64().unwrap();
    let put_group = |id: &str, body: Value| (Method::PUT, format!("api/v1/admin/access/groups/{id}"), Some(body));
    let cases: Vec<(Call, &str, &str)> = vec![
        (
            put_group("%20", group(v, " ", &[], None)),
            "group.id",
            "A group needs an identifier",
        ),
        (
            put_group("staff", group(v, "staff", &["front"], None)),
            "group.id",
            "There is already a group “Staff”; identifiers are compared without case",
        ),
        (
            put_group("A,B", group(v, "A,B", &[], None)),
            "group.id",
            "contains a comma",
        ),
        (
            put_group("Staff", group(v, "Team", &["front"], None)),
            "group.id",
            "“Staff” cannot become “Team”",
        ),
        (
            put_group("Night", group(v, "Night", &["front", "garage", "attic"], None)),
            "group.doors",
            "“garage” and “attic” are not a door of this hub; its doors are “front”, “workshop” and “office”.",
        ),
        (
            put_group("Night", group(v, "Night", &["front"], Some("Mon-Fri 25:00-26:00"))),
            "group.schedule",
            "“Mon-Fri 25:00-26:00”: “25:00” is not a time; use HH:MM",
        ),
        (
            put_group(
                "Night",
                json!({"version": v, "group": {"id": "Night", "name": "  ", "doors": [], "schedule": null}}),
            ),
            "group.name",
            "A group needs a name",
        ),
        (
            (
                Method::PUT,
                "api/v1/admin/access/plans/plan-flex".into(),
                Some(json!({"version": v, "groups": ["Members", "Nobody"]})),
            ),
            "groups",
            "“Nobody” is not a group; the groups are “Members”, “Residents”, “Staff” and “Workshop”.",
        ),
        (
            (
                Method::DELETE,
                format!("api/v1/admin/access/groups/members?version={v}"),
                None,
            ),
            "group.id",
            "The group “Members” is still given by the plan “Flex Desk”; take it off that plan first.",
        ),
        (
            (
                Method::PUT,
                "api/v1/admin/members/mem-alex/extra_groups".into(),
                Some(json!({"groups": ["Staff", "Mystery"]})),
            ),
            "groups",
            "“Mystery” is not a group",
        ),
    ];
    for ((method, path, body), field, words) in cases {
        let (status, refused) = w.call(method.clone(), &path, Some(&sam), body).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (422, Some("invalid")),
            "{method} {path}: {refused}"
        );
        let said = refused["fields"][field]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: {refused}"));
        assert!(said.contains(words), "{path}: {said}");
        assert!(refused["message"].as_str().unwrap().contains(words), "{refused}");
    }
    for (method, path, body) in [
        (
            Method::PUT,
            "api/v1/admin/access/plans/plan-gone".to_string(),
            Some(json!({"version": v, "groups": []})),
        ),
        (
            Method::DELETE,
            format!("api/v1/admin/access/groups/Nobody?version={v}"),
            None,
        ),
        (
            Method::PUT,
            "api/v1/admin/members/mem-nobody/extra_groups".to_string(),
            Some(json!({"groups": []})),
        ),
    ] {
        let (status, refused) = w.call(method.clone(), &path, Some(&sam), body).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (404, Some("unknown_item")),
            "{path}: {refused}"
        );
    }
    let (status, refused) = w
        .call(
            Method::PUT,
            "api/v1/admin/access/groups/Night",
            Some(&sam),
            Some(json!({"group": "Night"})),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("bad_request")),
        "a change without its version: {refused}"
    );
    assert_eq!(w.setup(&sam).await, before, "the setup and its version are unchanged");
    let changes = w
        .call(Method::GET, "api/v1/admin/access/changes", Some(&sam), None)
        .await
        .1;
    assert_eq!(
        changes.as_array().unwrap().len(),
        2,
        "only the imports of the doors and the access setup: {changes}"
    );
    assert_eq!(w.member_row(&sam, "alex").await["extra_groups"], Value::Null);
}

#[tokio::test]
async fn a_change_made_on_an_old_version_is_a_conflict_and_changes_nothing() {
    let w = World::start().await;
    let sam = w.session("user-sam").await;
    let v = w.version(&sam).await;
    let (status, _) = w
        .call(
            Method::PUT,
            "api/v1/admin/access/groups/Night",
            Some(&sam),
            Some(group(v, "Night", &["front"], None)),
        )
        .await;
    assert_eq!(status, 200);
    let after_first = w.setup(&sam).await;
    assert_eq!(after_first["version"], json!(v + 1));
    // A second console still shows version v.
    for (method, path, body) in [
        (
            Method::PUT,
            "api/v1/admin/access/groups/Night".to_string(),
            Some(group(v, "Night", &["office"], None)),
        ),
        (
            Method::PUT,
            "api/v1/admin/access/plans/plan-flex".to_string(),
            Some(json!({"version": v, "groups": []})),
        ),
        (
            Method::DELETE,
            format!("api/v1/admin/access/groups/Night?version={v}"),
            None,
        ),
        (
            Method::PUT,
            "api/v1/admin/access/extra_groups".to_string(),
            Some(json!({"version": v, "enabled": false})),
        ),
    ] {
        let (status, refused) = w.call(method, &path, Some(&sam), body).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (409, Some("conflict")),
            "{path}: {refused}"
        );
        let words = refused["message"].as_str().unwrap();
        assert!(
            words.contains(&format!("you edited version {v}, it is now version {}", v + 1)) && words.contains("Reload"),
            "{words}"
        );
    }
    assert_eq!(w.setup(&sam).await, after_first);
}

#[tokio::test]
async fn a_plan_s_new_groups_open_the_door_at_the_next_unlock_without_a_restart() {
    let w = World::start().await;
    let (sam, alex) = (w.session("user-sam").await, w.session("user-alex").await);
    let (status, refused) = w
        .call(Method::POST, "api/v1/doors/workshop/unlock", Some(&alex), None)
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("no_access")),
        "{refused}"
    );
    assert!(!w.opens_for(&alex, "workshop").await);

    let v = w.version(&sam).await;
    let (status, setup) = w
        .call(
            Method::PUT,
            "api/v1/admin/access/plans/plan-flex",
            Some(&sam),
            Some(json!({"version": v, "groups": ["members", "Workshop"]})),
        )
        .await;
    assert_eq!(status, 200, "{setup}");
    let flex = setup["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan_id"] == "plan-flex")
        .unwrap();
    assert_eq!(
        flex["groups"],
        json!(["Members", "Workshop"]),
        "spelled as the groups are"
    );
    assert_eq!(flex["name"], json!("Flex Desk"));
    assert_eq!(
        flex["members"],
        json!(1),
        "Alex (Riley's membership ended and Noah has no user)"
    );

    let (status, opened) = w
        .call(Method::POST, "api/v1/doors/workshop/unlock", Some(&alex), None)
        .await;
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["outcome"], "opened");
    assert_eq!(w.relay.pulses().iter().filter(|p| p.channel == WORKSHOP).count(), 1);
    assert!(w.opens_for(&alex, "workshop").await);
    assert!(w.opens_for(&alex, "front").await, "Members still opens the front door");
}

#[tokio::test]
async fn the_toml_setup_is_imported_once_and_later_starts_keep_the_console_s_edits() {
    let mut w = World::start().await;
    let sam = w.session("user-sam").await;
    let imported = w.setup(&sam).await;
    assert_eq!(imported["version"], json!(1));
    let ids: Vec<&str> = imported["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["Members", "Residents", "Staff", "Workshop"]);
    assert_eq!(
        imported["groups"][0]["name"],
        json!("Members"),
        "a TOML group's name is its identifier"
    );
    assert_eq!(
        imported["groups"][0]["schedule"],
        json!("Mon-Fri 07:00-22:00; Sat 10:00-16:00")
    );
    let plans: Vec<(&str, &Value)> = imported["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["plan_id"].as_str().unwrap(), &p["groups"]))
        .collect();
    assert_eq!(
        plans,
        [
            ("plan-flex", &json!(["Members"])),
            ("plan-fixed", &json!(["Residents"])),
            ("plan-day", &json!([]))
        ],
        "Cobot's plans from the last sync, with the groups the TOML gave them by name"
    );
    assert_eq!(imported["unknown_plans"], json!([]));
    assert_eq!(imported["extra_groups"], json!(true));
    assert_eq!(imported["time_zone"], json!("Europe/Berlin"));

    let (status, _) = w
        .call(
            Method::PUT,
            "api/v1/admin/access/groups/Night",
            Some(&sam),
            Some(group(1, "Night", &["front"], Some("Fri 22:00-02:00"))),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = w
        .call(
            Method::PUT,
            "api/v1/admin/access/plans/plan-fixed",
            Some(&sam),
            Some(json!({"version": 2, "groups": ["Residents", "Night"]})),
        )
        .await;
    assert_eq!(status, 200);
    let edited = w.setup(&sam).await;

    // The file changes meanwhile: its groups and plans no longer count.
    let mut config = Config::demo_with_relay(&w.sim.base_url, Some(&w.relay.url()));
    config.groups.truncate(1);
    config.plans.clear();
    config.sync.extra_groups = false;
    w.restart(config).await;
    assert_eq!(
        w.setup(&sam).await,
        edited,
        "the database is the truth after the first start"
    );
    let (_, export) = w
        .call(Method::GET, "api/v1/admin/access/export", Some(&sam), None)
        .await;
    let export: toml::Value = toml::from_str(export.as_str().unwrap()).unwrap();
    assert_eq!(export["extra_groups"].as_bool(), Some(true));
    assert_eq!(export["version"].as_integer(), Some(3));
    assert_eq!(export["groups"].as_array().unwrap().len(), 5);
    assert_eq!(export["groups"][4]["id"].as_str(), Some("Night"));
    assert_eq!(export["groups"][4]["schedule"].as_str(), Some("Fri 22:00-02:00"));
    let plans = export["plans"].as_array().unwrap();
    assert_eq!(
        plans[0]["name"].as_str(),
        Some("Flex Desk"),
        "imported by name, still by name"
    );
    assert_eq!(
        plans[1]["id"].as_str(),
        Some("plan-fixed"),
        "edited in the console: by id"
    );
    assert_eq!(
        plans[1]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Residents", "Night"]
    );
}

#[tokio::test]
async fn turning_extra_groups_on_adds_cobot_s_custom_field_and_keeps_every_other_field() {
    let w = World::start_with(|config| config.sync.extra_groups = false).await;
    let sam = w.session("user-sam").await;
    // A space that never had the field: only its own "Mobile", with a member's value in it.
    w.cobot(
        Method::PUT,
        "api/space/custom_fields",
        Some(json!([{"id": "cf-mobile", "label": "Mobile"}])),
    )
    .await;
    w.sim_put(
        "_sim/spaces/lighthouse/memberships/mem-alex/custom_fields/Mobile",
        json!({"value": "+49 30 1234567"}),
    )
    .await;
    let before = w.setup(&sam).await;
    assert_eq!(before["extra_groups"], json!(false));
    let v = before["version"].as_u64().unwrap();

    // Cobot cannot be reached: the switch stays off, and nothing is written anywhere.
    w.sim
        .sim
        .add_fault(util::failing("/sub/lighthouse/api/space/custom_fields", 503, 1))
        .unwrap();
    let (status, refused) = w.set_extra_groups(&sam, v, true).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (503, Some("cobot_unavailable")),
        "{refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("Extra groups stay off"),
        "{refused}"
    );
    assert_eq!(w.setup(&sam).await, before);

    let (status, setup) = w.set_extra_groups(&sam, v, true).await;
    assert_eq!(status, 200, "{setup}");
    assert_eq!(
        (setup["extra_groups"].clone(), setup["version"].clone()),
        (json!(true), json!(v + 1))
    );
    let fields = labels(&w.cobot(Method::GET, "api/space/custom_fields", None).await);
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert_eq!(
        fields[0],
        ("cf-mobile".to_string(), "Mobile".to_string()),
        "kept with its id"
    );
    assert_eq!(fields[1].1, "smart_spaces_access_additional_units");
    let alex = w
        .cobot(Method::GET, "api/memberships/mem-alex/custom_fields", None)
        .await;
    assert_eq!(
        field_value(&alex, "Mobile"),
        &json!("+49 30 1234567"),
        "the member's other values are kept"
    );

    // Off and on again: the field exists, so Cobot's definitions are left as they are.
    for (version, enabled) in [(v + 1, false), (v + 2, true)] {
        let (status, _) = w.set_extra_groups(&sam, version, enabled).await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        labels(&w.cobot(Method::GET, "api/space/custom_fields", None).await),
        fields
    );
}

#[tokio::test]
async fn editing_a_member_s_extra_groups_writes_cobot_s_field_and_opens_their_doors_at_once() {
    let w = World::start().await;
    let (sam, alex) = (w.session("user-sam").await, w.session("user-alex").await);
    assert!(!w.opens_for(&alex, "office").await);

    let (status, row) = w
        .set_member_extra_groups(&sam, "mem-alex", json!(["staff", "Staff"]))
        .await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["extra_groups"], json!("Staff"), "spelled as the group, once");
    assert_eq!(
        row["groups"],
        json!([
            {"group": "Members", "from": "Plan Flex Desk"},
            {"group": "Staff", "from": "extra group from the membership"}
        ])
    );
    let office = row["doors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["door"] == "office")
        .unwrap();
    assert_eq!(office["allowed"], json!(true));
    assert_eq!(office["reasons"], json!(["extra group Staff from your membership"]));
    let fields = w
        .cobot(Method::GET, "api/memberships/mem-alex/custom_fields", None)
        .await;
    assert_eq!(
        field_value(&fields, "smart_spaces_access_additional_units"),
        &json!("Staff"),
        "written to Cobot"
    );
    assert!(w.opens_for(&alex, "office").await, "the member's own view, at once");
    let change = &w
        .call(Method::GET, "api/v1/admin/access/changes", Some(&sam), None)
        .await
        .1[0];
    assert_eq!(change["what"], json!("extra groups of Alex Morgan (mem-alex)"));
    assert_eq!(
        (change["before"].clone(), change["after"].clone()),
        (Value::Null, json!("Staff"))
    );

    // Taking them away again unsets the field.
    let (status, row) = w.set_member_extra_groups(&sam, "mem-alex", json!([])).await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["extra_groups"], Value::Null);
    assert!(!w.opens_for(&alex, "office").await);
}

#[tokio::test]
async fn an_unknown_identifier_typed_in_cobot_shows_as_unknown_and_grants_nothing() {
    let w = World::start().await;
    let (sam, alex) = (w.session("user-sam").await, w.session("user-alex").await);
    w.hub.hub.syncer.subscribe(&w.hub.base_url).await.unwrap();
    let before = w.member_row(&sam, "alex").await;

    let mut deliveries = w.sim.sim.watch_deliveries();
    w.sim_put(
        "_sim/spaces/lighthouse/memberships/mem-alex/custom_fields/smart_spaces_access_additional_units",
        json!({"value": "Mystery"}),
    )
    .await;
    let delivery = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let d = deliveries.recv().await.unwrap();
            if d.event == "updated_custom_field" {
                return d;
            }
        }
    })
    .await
    .expect("Cobot delivers the change");
    assert_eq!(delivery.status, Some(202), "the hub took the hint: {delivery:?}");
    // It re-reads the member right after answering.
    w.hub.hub.followups.settled().await;

    let row = w.member_row(&sam, "alex").await;
    assert_eq!(row["extra_groups"], json!("Mystery"));
    assert_eq!(row["unknown_extra_groups"], json!(["Mystery"]));
    assert_eq!(row["groups"], before["groups"], "no group from it");
    assert_eq!(row["doors"], before["doors"], "no door from it");
    assert!(!w.opens_for(&alex, "office").await);
}

#[tokio::test]
async fn the_members_view_lists_every_synced_member_and_searches_name_email_plan_and_group() {
    let w = World::start().await;
    let sam = w.session("user-sam").await;
    let (status, all) = w.call(Method::GET, "api/v1/admin/members", Some(&sam), None).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(
        names(&all),
        ["Alex Morgan", "Kim Park", "Sam Rivera"],
        "by name; Riley's membership ended and Noah has no user"
    );
    let kim = &all[1];
    assert_eq!(
        (kim["active"].clone(), kim["status"].clone()),
        (json!(false), json!("not confirmed yet"))
    );
    assert!(
        kim["doors"].as_array().unwrap().iter().all(|d| d["allowed"] == false),
        "{kim}"
    );
    assert_eq!(kim["unknown_extra_groups"], json!(["Mystery"]));
    assert_eq!(
        kim["groups"],
        json!([{"group": "Residents", "from": "Plan Fixed Desk"}])
    );

    for (q, expected) in [
        ("sam", "Sam Rivera"),
        ("FIXED desk", "Kim Park"),
        ("workshop", "Sam Rivera"),
    ] {
        let (_, rows) = w
            .call(
                Method::GET,
                &format!("api/v1/admin/members?q={}", q.replace(' ', "%20")),
                Some(&sam),
                None,
            )
            .await;
        let names = names(&rows);
        assert!(names.contains(&expected), "{q}: {names:?}");
    }
    let (status, refused) = w
        .call(
            Method::GET,
            &format!("api/v1/admin/members?q={}", "x".repeat(201)),
            Some(&sam),
            None,
        )
        .await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("invalid")));
    assert!(refused["fields"]["q"].is_string());
}
