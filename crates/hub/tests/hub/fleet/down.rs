//! Down: a space's access setup and a hub's doors, checked and applied as the hub's console
//! would, refusals coming back in words.

use super::*;

impl World {
    /// Ana sends `body` to `path` (a key of the lighthouse); → how each of `hubs` took it, once
    /// each has said so in its state.
    async fn sent_down(&self, path: &str, body: Value, hubs: &[&str], key: &str) -> Vec<Value> {
        let (status, sent) = self.put(ANA, path, body).await;
        assert_eq!((status, sent["key"].as_str()), (200, Some(key)), "{sent}");
        self.taken(LIGHTHOUSE, hubs, key, sent["revision"].as_u64().unwrap())
            .await
    }

    /// Waits until every hub of `space` in `hubs` says in its state how it took `revision` of
    /// `key`; → each one's result (fails after 20 s).
    async fn taken(&self, space: &str, hubs: &[&str], key: &str, revision: u64) -> Vec<Value> {
        until(async || {
            let (_, spaces) = self.get(OLGA, "/api/v1/fleet/spaces").await;
            let space = spaces
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["space"] == space)
                .unwrap()
                .clone();
            let results: Vec<Value> = hubs
                .iter()
                .filter_map(|hub| {
                    let state = &space["hubs"].as_array()?.iter().find(|h| h["hub"] == *hub)?["state"];
                    state["down"]
                        .as_array()?
                        .iter()
                        .find(|d| d["key"] == key && d["revision"] == revision)
                        .map(|d| d["result"].clone())
                })
                .collect();
            if results.len() == hubs.len() {
                Ok(results)
            } else {
                Err(format!("{key}@{revision} not taken: {space}"))
            }
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_access_setup_and_doors_sent_down_are_checked_and_applied_as_the_console_would_and_refusals_come_back_in_words(
) {
    let world = World::start(2).await;
    let (one, two) = (world.site(LIGHTHOUSE, 0), world.site(LIGHTHOUSE, 1));
    let plans: Vec<String> = one
        .hub
        .hub
        .store
        .plan_catalogue()
        .unwrap()
        .into_iter()
        .map(|p| p.plan_id)
        .collect();
    assert!(!plans.is_empty());
    let harbour_before = world.site(HARBOUR, 0).hub.hub.access.current().setup.clone();

    // Ana sends the lighthouse one setup: every plan gives "Members", the front door only.
    let setup = json!({
        "groups": [
            {"id": "Members", "name": "Members", "doors": ["front"], "schedule": null},
            {"id": "Makers", "name": "Makers", "doors": ["front", "workshop"], "schedule": "Mon-Fri 08:00-20:00"},
        ],
        "plans": plans.iter().map(|id| json!({"plan_id": id, "groups": ["Members"]})).collect::<Vec<_>>(),
        "extra_groups": false,
    });
    let (access, both) = (
        "/api/v1/fleet/spaces/lighthouse/access",
        ["lighthouse-1", "lighthouse-2"],
    );
    let results = world.sent_down(access, setup.clone(), &both, "lighthouse.access").await;
    assert!(results.iter().all(|r| r["result"] == "applied"), "{results:?}");
    // What was sent can be read back, to edit and send again; nothing was sent a hub's doors yet.
    let (status, last) = world.get(ANA, access).await;
    assert_eq!(status, 200, "{last}");
    assert_eq!(
        (&last["by"], &last["groups"]),
        (&json!("Ana"), &setup["groups"]),
        "{last}"
    );
    let (_, none) = world
        .get(ANA, "/api/v1/fleet/spaces/lighthouse/hubs/lighthouse-2/doors")
        .await;
    assert_eq!(none, Value::Null);
    refused(
        world.get(ANA, "/api/v1/fleet/spaces/harbour/access").await,
        404,
        "unknown_space",
    );
    for site in [one, two] {
        let now = site.hub.hub.access.current().setup.clone();
        let groups: Vec<(&str, &[String])> = now.groups.iter().map(|g| (g.id.as_str(), g.doors.as_slice())).collect();
        assert_eq!(
            groups,
            [
                ("Members", &["front".to_string()][..]),
                ("Makers", &["front".to_string(), "workshop".to_string()][..])
            ]
        );
        assert_eq!(now.plans.len(), plans.len());
        let trail = site.hub.hub.store.access_changes(1).unwrap();
        assert_eq!(trail[0].by, "fleet:Ana", "{trail:?}");
        assert_eq!(trail[0].by_name, "Ana (fleet)");
    }
    assert_eq!(world.site(HARBOUR, 0).hub.hub.access.current().setup, harbour_before);

    // A setup the hubs' console checks refuse changes nothing, and each hub says why by field.
    let wrong = json!({
        "groups": [{"id": "Members", "name": "Members", "doors": ["moon"], "schedule": null}],
        "plans": [{"plan_id": "no-such-plan", "groups": ["Members"]}],
        "extra_groups": false,
    });
    let kept = one.hub.hub.access.current().setup.clone();
    let results = world.sent_down(access, wrong, &both, "lighthouse.access").await;
    for result in &results {
        assert_eq!(result["result"], "refused", "{result}");
        let fields = result["fields"].as_object().unwrap();
        assert!(fields["groups[0].doors"].as_str().unwrap().contains("moon"), "{result}");
        assert!(
            fields["plans[0].plan_id"].as_str().unwrap().contains("no-such-plan"),
            "{result}"
        );
    }
    assert_eq!(one.hub.hub.access.current().setup, kept);

    // Doors for one hub: the front door renamed, the office gone; the other hub keeps its own.
    let doors: Vec<Value> = one
        .hub
        .hub
        .access
        .current()
        .stored_doors
        .iter()
        .filter(|d| d.setup.id != "office")
        .map(|d| {
            let mut door = serde_json::to_value(&d.setup).unwrap();
            if d.setup.id == "front" {
                door["name"] = json!("Front door (street)");
            }
            door
        })
        .collect();
    let (doors_of_one, key) = (
        "/api/v1/fleet/spaces/lighthouse/hubs/lighthouse-1/doors",
        "lighthouse.doors.lighthouse-1",
    );
    let results = world
        .sent_down(doors_of_one, json!({"doors": doors}), &["lighthouse-1"], key)
        .await;
    assert_eq!(results[0]["result"], "applied", "{results:?}");
    let names = |site: &Site| -> Vec<(String, String)> {
        site.hub
            .hub
            .access
            .current()
            .stored_doors
            .iter()
            .map(|d| (d.setup.id.clone(), d.setup.name.clone()))
            .collect()
    };
    assert!(
        names(one).contains(&("front".into(), "Front door (street)".into())),
        "{:?}",
        names(one)
    );
    assert!(names(one).iter().all(|(id, _)| id != "office"));
    assert!(
        names(two).iter().any(|(id, _)| id == "office"),
        "the other hub keeps its doors"
    );

    // Taking away the front door, which the Members group opens, is refused as the console
    // refuses it; the door stays.
    let without_front: Vec<Value> = doors.into_iter().filter(|d| d["id"] != "front").collect();
    let results = world
        .sent_down(doors_of_one, json!({"doors": without_front}), &["lighthouse-1"], key)
        .await;
    assert_eq!(results[0]["result"], "refused", "{results:?}");
    assert!(
        results[0]["fields"]["removed.front"]
            .as_str()
            .unwrap()
            .contains("Members"),
        "{results:?}"
    );
    assert!(names(one).iter().any(|(id, _)| id == "front"));

    // Turning the extra groups on asks Cobot for the custom field; with Cobot down each hub says
    // so once, keeps its setup, and does not keep asking Cobot on its own.
    let sim = &world.spaces[LIGHTHOUSE]._sim;
    let http = reqwest::Client::new();
    sim.sim
        .add_fault(util::failing("/sub/lighthouse/api/space/custom_fields", 503, 1000))
        .unwrap();
    util::clear_sim_requests(&http, sim).await;
    let mut with_extra_groups = setup;
    with_extra_groups["extra_groups"] = json!(true);
    let results = world
        .sent_down(access, with_extra_groups, &both, "lighthouse.access")
        .await;
    for result in &results {
        assert_eq!(result["result"], "refused", "{result}");
        assert!(result["message"].as_str().unwrap().contains("Cobot"), "{result}");
    }
    assert!(!one.hub.hub.access.current().setup.extra_groups);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let asked = util::sim_request_lines(&http, sim)
        .await
        .iter()
        .filter(|l| l.contains("custom_fields"))
        .count();
    assert!((1..=2).contains(&asked), "Cobot was asked {asked} times");
    util::clear_faults(&http, sim).await;

    // Another space's access and hubs are out of Ana's reach; a hub no one knows is named.
    let nothing = json!({"groups": [], "plans": [], "extra_groups": false});
    refused(
        world.put(ANA, "/api/v1/fleet/spaces/harbour/access", nothing).await,
        404,
        "unknown_space",
    );
    let no_doors = json!({"doors": []});
    refused(
        world
            .put(ANA, "/api/v1/fleet/spaces/lighthouse/hubs/harbour-1/doors", no_doors)
            .await,
        404,
        "unknown_hub",
    );
    assert_eq!(world.site(HARBOUR, 0).hub.hub.access.current().setup, harbour_before);
}
