//! The fleet's console: staff see and change only their spaces; remote opens are answered at
//! once or refused, never queued; revocations stop a door within two seconds.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_of_one_space_never_see_or_change_another_on_any_fleet_endpoint_and_an_operator_sees_both() {
    let world = World::start(1).await;
    let (alex_l, _) = member(world.site(LIGHTHOUSE, 0), "user-sam").await;
    let (alex_h, device_h) = member(world.site(HARBOUR, 0), "user-sam").await;
    assert_eq!(tap(world.site(LIGHTHOUSE, 0), &alex_l, "front").await.0, 200);
    assert_eq!(tap(world.site(HARBOUR, 0), &alex_h, "front").await.0, 200);
    for space in [LIGHTHOUSE, HARBOUR] {
        world.caught_up(world.site(space, 0), Duration::from_secs(20)).await;
    }

    // Who each is.
    assert_eq!(
        world.get(ANA, "/api/v1/fleet/me").await.1["spaces"],
        json!([LIGHTHOUSE])
    );
    let (status, body) = world.get("a-made-up-token", "/api/v1/fleet/me").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("not_signed_in")));

    // The overview: each their own, the operator both, with the hubs' lights and doors.
    let wait_for_state = Instant::now();
    let spaces = loop {
        let (_, spaces) = world.get(OLGA, "/api/v1/fleet/spaces").await;
        let online = spaces.as_array().unwrap().iter().all(|s| {
            s["hubs"]
                .as_array()
                .is_some_and(|h| !h.is_empty() && h.iter().all(|h| h["online"] == true))
        });
        if online || wait_for_state.elapsed() > Duration::from_secs(10) {
            break spaces;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let names: Vec<&str> = spaces
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["space"].as_str().unwrap())
        .collect();
    assert_eq!(names, [LIGHTHOUSE, HARBOUR]);
    let harbour_hub = &spaces[1]["hubs"][0];
    assert_eq!(harbour_hub["online"], true, "{spaces}");
    assert_eq!(harbour_hub["state"]["space_name"], "Harbour Works");
    assert_eq!(harbour_hub["state"]["doors"][0]["id"], "front");
    assert_eq!(harbour_hub["state"]["glance"]["doors"]["ok"], true);
    let (_, ana_spaces) = world.get(ANA, "/api/v1/fleet/spaces").await;
    assert_eq!(ana_spaces.as_array().unwrap().len(), 1);
    assert_eq!(ana_spaces[0]["space"], LIGHTHOUSE);

    // Activity: Ana's has only the lighthouse's rows; asking for the harbour is as for a space
    // that does not exist; Olga sees both.
    let (_, rows) = world.get(ANA, "/api/v1/fleet/activity").await;
    let rows = rows.as_array().unwrap().clone();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["space"] == LIGHTHOUSE && r["hub"] == "lighthouse-1"),
        "{rows:?}"
    );
    let (_, all) = world.get(OLGA, "/api/v1/fleet/activity").await;
    let seen: std::collections::BTreeSet<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["space"].as_str().unwrap())
        .collect();
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), [HARBOUR, LIGHTHOUSE]);
    let (_, check_ins) = world.get(OLGA, "/api/v1/fleet/activity?check_ins=true").await;
    assert!(check_ins.as_array().unwrap().iter().all(|r| !r["check_in"].is_null()));
    let unknown = |answer| refused(answer, 404, "unknown_space");
    unknown(world.get(ANA, "/api/v1/fleet/activity?space=harbour").await);
    unknown(world.get(ANA, "/api/v1/fleet/activity?space=no-such-space").await);

    // Opening a door of the other space, naming its hub under either space.
    let pulses = world.site(HARBOUR, 0).relay.pulses().len();
    let open = json!({"reason": "a visitor at the harbour"});
    unknown(
        world
            .post(
                ANA,
                "/api/v1/fleet/spaces/harbour/hubs/harbour-1/doors/front/open",
                open.clone(),
            )
            .await,
    );
    let (status, body) = world
        .post(
            ANA,
            "/api/v1/fleet/spaces/lighthouse/hubs/harbour-1/doors/front/open",
            open.clone(),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("unknown_hub")), "{body}");
    assert_eq!(
        world.site(HARBOUR, 0).relay.pulses().len(),
        pulses,
        "no harbour door moved"
    );

    // Revocations of the other space: neither listed nor made.
    unknown(world.get(ANA, "/api/v1/fleet/spaces/harbour/revocations").await);
    unknown(
        world
            .post(
                ANA,
                "/api/v1/fleet/spaces/harbour/revocations",
                json!({"device_id": device_h, "why": "x"}),
            )
            .await,
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        tap(world.site(HARBOUR, 0), &alex_h, "front").await.0,
        200,
        "the harbour device still works"
    );

    // Ben, who runs the harbour, can.
    let (status, made) = world
        .post(
            BEN,
            "/api/v1/fleet/spaces/harbour/revocations",
            json!({"device_id": device_h, "why": "lost phone"}),
        )
        .await;
    assert_eq!(status, 200, "{made}");
    let (_, listed) = world.get(BEN, "/api/v1/fleet/spaces/harbour/revocations").await;
    assert_eq!(listed[0]["by"], "Ben");
    let (_, ana_listed) = world.get(ANA, "/api/v1/fleet/spaces/lighthouse/revocations").await;
    assert_eq!(ana_listed, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_remote_open_from_the_fleet_opens_the_door_is_audited_by_name_and_is_never_queued_for_a_hub_away() {
    let world = World::start(1).await;
    let site = world.site(LIGHTHOUSE, 0);
    online(&world, LIGHTHOUSE, "lighthouse-1").await;
    let path = "/api/v1/fleet/spaces/lighthouse/hubs/lighthouse-1/doors/front/open";
    let (status, body) = world.post(ANA, path, json!({"reason": "courier at the gate"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["door_id"], "front");
    assert_eq!(site.relay.pulses().len(), 1);
    let audit = site.hub.hub.store.audit(1).unwrap();
    assert_eq!(audit[0].entry.user_id.as_deref(), Some("fleet:Ana"));
    assert!(
        audit[0].entry.reasons.iter().any(|r| r == "courier at the gate"),
        "{audit:?}"
    );

    // The hub refuses what it would refuse its own staff, in its own words.
    let (status, body) = world
        .post(
            ANA,
            "/api/v1/fleet/spaces/lighthouse/hubs/lighthouse-1/doors/garage/open",
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("unknown_door")), "{body}");
    let (status, body) = world.post(ANA, path, json!({"reason": "  "})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid")), "{body}");

    // The hub's link is cut: the fleet says so at once, and nothing opens when it returns.
    site.proxy.set(Link::Cut);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let (status, body) = world.post(ANA, path, json!({"reason": "while away"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("hub_unreachable")),
        "{body}"
    );
    assert!(asked.elapsed() < Duration::from_secs(2), "{:?}", asked.elapsed());
    site.proxy.set(Link::Up);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        site.relay.pulses().len(),
        1,
        "an open asked while away was never queued"
    );

    // A stalled link: the fleet waits its five seconds and says the door may or may not have
    // opened, rather than claiming either.
    site.proxy.set(Link::Stalled);
    let (status, body) = world.post(ANA, path, json!({"reason": "stalled"})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (504, Some("hub_did_not_answer")),
        "{body}"
    );
    assert!(
        body["message"].as_str().unwrap().contains("may or may not have opened"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_revoked_in_the_fleet_stops_opening_within_two_seconds_and_a_hub_away_applies_it_when_back() {
    let world = World::start(2).await;
    let (a, b) = (world.site(LIGHTHOUSE, 0), world.site(LIGHTHOUSE, 1));
    let (alex_a, device_a) = member(a, "user-sam").await;
    let (alex_b, device_b) = member(b, "user-sam").await;
    assert_eq!(tap(a, &alex_a, "front").await.0, 200);
    // Both hubs watching (their state arrived).
    for hub in ["lighthouse-1", "lighthouse-2"] {
        online(&world, LIGHTHOUSE, hub).await;
    }

    let revoked = Instant::now();
    let (status, body) = world
        .post(
            ANA,
            "/api/v1/fleet/spaces/lighthouse/revocations",
            json!({"device_id": device_a, "why": "phone stolen"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let stopped = loop {
        // Past the double-tap window, so each tap asks the door again.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (status, _) = tap(a, &alex_a, "front").await;
        if status == 401 {
            break revoked.elapsed();
        }
        assert!(
            revoked.elapsed() < Duration::from_secs(5),
            "the revoked phone still opens"
        );
    };
    assert!(stopped <= Duration::from_secs(2), "stopped after {stopped:?}");

    // Site b is cut off; a revocation made meanwhile cannot reach it, so its door decides as
    // before (the site never waits on the fleet); when the link is back it applies it.
    b.proxy.set(Link::Cut);
    let (status, _) = world
        .post(
            ANA,
            "/api/v1/fleet/spaces/lighthouse/revocations",
            json!({"device_id": device_b, "why": "left"}),
        )
        .await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        tap(b, &alex_b, "front").await.0,
        200,
        "a site cut off keeps deciding alone"
    );
    b.proxy.set(Link::Up);
    let back = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if tap(b, &alex_b, "front").await.0 == 401 {
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(15),
            "the revocation never reached the site that was away"
        );
    }
    // The hub's record of the device says who ended it and why.
    let ended = b.hub.hub.store.devices().unwrap();
    assert!(ended.iter().all(|d| d.id != device_b), "{ended:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_staff_revocation_ends_the_devices_the_person_had_and_not_one_they_sign_in_on_later() {
    let world = World::start(1).await;
    let site = world.site(LIGHTHOUSE, 0);
    online(&world, LIGHTHOUSE, "lighthouse-1").await;
    let (before, _) = member(site, "user-sam").await;
    assert_eq!(tap(site, &before, "front").await.0, 200);
    let (status, body) = world
        .post(
            ANA,
            "/api/v1/fleet/spaces/lighthouse/revocations",
            json!({"user_id": "user-sam", "why": "left the staff"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    until(async || match tap(site, &before, "front").await.0 {
        401 => Ok(()),
        other => Err(format!("Sam's device still gets {other}")),
    })
    .await;

    // Given the right back, Sam signs in again; a replay of the revocation (the link drops and
    // the hub watches again from the start) leaves the new device alone.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (after, _) = member(site, "user-sam").await;
    site.proxy.set(Link::Cut);
    tokio::time::sleep(Duration::from_millis(500)).await;
    site.proxy.set(Link::Up);
    // The watch is back, and went through every key again: a revocation made now is applied.
    let (alex, alex_device) = member(site, "user-alex").await;
    let (status, body) = world
        .post(
            ANA,
            "/api/v1/fleet/spaces/lighthouse/revocations",
            json!({"device_id": alex_device, "why": "phone lost"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    until(async || match tap(site, &alex, "front").await.0 {
        401 => Ok(()),
        other => Err(format!("Alex's revoked device still gets {other}")),
    })
    .await;
    assert_eq!(
        tap(site, &after, "front").await.0,
        200,
        "the device signed in later still opens"
    );
}
