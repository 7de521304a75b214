//! Up: every audit row, check-in outcome and sync run reaches the record once, through a dead
//! NATS, cut and stalled links, a killed fleet, a SIGKILLed hub and a hub's own retention.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_audit_row_reaches_the_record_once_through_a_dead_nats_a_cut_link_a_stalled_link_and_a_killed_fleet() {
    let mut world = World::start(2).await;
    let (alex, _) = member(world.site(LIGHTHOUSE, 0), "user-sam").await;
    let (alex_2, _) = member(world.site(LIGHTHOUSE, 1), "user-sam").await;
    taps(&world, &alex, &alex_2, 8).await;
    for site in &world.spaces[LIGHTHOUSE].sites {
        world.caught_up(site, Duration::from_secs(20)).await;
    }

    // NATS dies; the doors do not notice; NATS comes back and the hubs send what they kept.
    world.nats.kill();
    taps(&world, &alex, &alex_2, 8).await;
    let opened = world.site(LIGHTHOUSE, 0).relay.pulses().len();
    assert!(opened > 0, "the doors kept opening while NATS was dead");
    world.nats.restart();

    // One site's link is cut, then stalls, while people keep coming in.
    world.site(LIGHTHOUSE, 0).proxy.set(Link::Cut);
    taps(&world, &alex, &alex_2, 6).await;
    world.site(LIGHTHOUSE, 0).proxy.set(Link::Stalled);
    taps(&world, &alex, &alex_2, 6).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    world.site(LIGHTHOUSE, 0).proxy.set(Link::Up);

    // The fleet itself is killed and started again on the same record.
    world.fleet.stop().await;
    taps(&world, &alex, &alex_2, 4).await;
    world.fleet = start_fleet(&world.nats, &world.pg).await;

    for site in &world.spaces[LIGHTHOUSE].sites {
        world.caught_up(site, Duration::from_secs(60)).await;
    }
    // Every one of the 32 taps at the first site is in the record once: a burst of `slow_down`
    // refusals is one row counted on after it was first sent, and its last count arrived
    // (caught_up compares counts).
    let record = world.record("lighthouse-1").await;
    assert_eq!(
        record.iter().map(|(_, count)| count).sum::<i32>(),
        8 + 8 + 6 + 6 + 4,
        "{record:?}"
    );
    assert!(
        record.iter().any(|(_, count)| *count > 1),
        "no burst was counted on: {record:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hub_killed_in_the_middle_of_sending_its_backlog_sends_the_rest_when_it_restarts_and_nothing_is_lost() {
    let nats = Nats::start();
    let pg = postgres().database().await;
    let world_fleet = start_fleet(&nats, &pg).await;
    let sim = cobot_sim::spawn(cobot_sim::SimConfig::default(), util::any_port())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let token = util::hub_token(&http, &sim).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.sqlite");
    // A day's backlog the hub kept while alone.
    const BACKLOG: usize = 20_000;
    {
        let store = frontdoor_hub::store::Store::open(&db).unwrap();
        let at = jiff::Timestamp::now();
        let entries: Vec<_> = (0..BACKLOG)
            .map(|n| frontdoor_hub::store::AuditEntry {
                at,
                user_id: Some(format!("user-{n}")),
                membership_id: None,
                staff: false,
                door_id: "front".into(),
                decision: "refused".into(),
                code: Some("no_access".into()),
                reasons: vec!["no plan opens the front door".into()],
                driver: None,
                driver_result: None,
                may_have_opened: false,
                latency_us: 100,
                check_in: None,
            })
            .collect();
        store.insert_audit_for_tests(&entries).unwrap();
    }
    let start = || {
        let mut hub = std::process::Command::new(env!("CARGO_BIN_EXE_frontdoor-hub"));
        hub.args(["--demo", "--cobot-url", sim.base_url.as_str()])
            .args(["--listen", "127.0.0.1:0"])
            .args(["--fleet-nats", &nats.url(), "--hub-id", "lighthouse-1"])
            .arg("--db")
            .arg(&db)
            .env("FRONTDOOR_HUB_COBOT_TOKEN", &token)
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null());
        parts::spawn_guarded(hub, None)
    };
    let record = |pg: String| async move {
        let (client, connection) = tokio_postgres::connect(&pg, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(connection);
        let row = client
            .query_one(
                "SELECT count(*), count(DISTINCT seq), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM audit",
                &[],
            )
            .await
            .unwrap();
        (
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get::<_, i64>(2),
            row.get::<_, i64>(3),
        )
    };
    let mut hub = start();
    // Killed as soon as part of the backlog is in.
    let started = Instant::now();
    loop {
        let (rows, ..) = record(pg.clone()).await;
        if rows > 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "nothing arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    hub.kill().unwrap();
    hub.wait().unwrap();
    let (partial, ..) = record(pg.clone()).await;
    assert!(
        (partial as usize) < BACKLOG,
        "the hub was killed after it had sent everything ({partial}); the test proves nothing"
    );
    let mut hub = start();
    let started = Instant::now();
    let (rows, distinct, first, last) = loop {
        let now = record(pg.clone()).await;
        if now.0 as usize >= BACKLOG || started.elapsed() > Duration::from_secs(60) {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    hub.kill().unwrap();
    hub.wait().unwrap();
    assert_eq!(
        (rows, distinct, first, last),
        (BACKLOG as i64, BACKLOG as i64, 1, BACKLOG as i64),
        "every row of the backlog, once (killed at {partial})"
    );
    drop(world_fleet);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn check_in_outcomes_and_sync_runs_reach_the_fleet_once_even_from_a_hub_cut_off_and_only_their_space_sees_them() {
    let world = World::start(1).await;
    let (lighthouse, harbour) = (world.site(LIGHTHOUSE, 0), world.site(HARBOUR, 0));
    let (sam_l, _) = member(lighthouse, "user-sam").await;
    let (sam_h, _) = member(harbour, "user-sam").await;
    assert_eq!(tap(lighthouse, &sam_l, "front").await.0, 200);
    // The harbour is cut off while Sam comes in and its staff resync: both wait at the hub.
    harbour.proxy.set(Link::Cut);
    assert_eq!(tap(harbour, &sam_h, "front").await.0, 200);
    settled(&[lighthouse, harbour]).await;
    for site in [lighthouse, harbour] {
        site.hub.hub.syncer.full().await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, cut_off) = world.get(OLGA, "/api/v1/fleet/check_ins?space=harbour").await;
    assert_eq!(
        cut_off,
        json!([]),
        "nothing of the harbour's arrives while it is cut off"
    );
    harbour.proxy.set(Link::Up);

    // Each space's check-in arrives as the hub's outbox has it: checked in, with Cobot's id.
    let both = listed(&world, OLGA, "/api/v1/fleet/check_ins", |rows| rows.len() == 2).await;
    for site in [lighthouse, harbour] {
        let row = both.iter().find(|r| r["hub"] == site.id.as_str()).unwrap();
        let outbox = util::outbox(&site.hub, "mem-sam");
        let entry = outbox.iter().find(|r| r.state == "checked_in").unwrap();
        assert_eq!(row["membership_id"], "mem-sam");
        assert_eq!(row["state"], "checked_in");
        assert_eq!(row["entered_at"].as_str(), Some(entry.queued_at.as_str()));
        assert_eq!(row["cobot_id"].as_str(), entry.cobot_id.as_deref());
    }
    // The resync after the cut arrived too, with its report, once per run.
    let syncs = listed(&world, OLGA, "/api/v1/fleet/syncs?space=harbour", |rows| {
        rows.iter().any(|r| r["kind"] == "full" && r["ok"] == true)
    })
    .await;
    assert!(syncs.iter().all(|r| r["hub"] == "harbour-1"), "{syncs:?}");
    assert!(syncs[0]["report"].is_object(), "{syncs:?}");
    let (client, connection) = tokio_postgres::connect(&world.pg, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    let doubled: i64 = client
        .query_one(
            "SELECT count(*) FROM (SELECT hub, membership_id, day, entered_at FROM check_ins \
             GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(doubled, 0);

    // Ana runs the lighthouse: she sees its check-ins and syncs only; the harbour is unknown.
    let (_, ana) = world.get(ANA, "/api/v1/fleet/check_ins").await;
    assert!(
        !ana.as_array().unwrap().is_empty() && ana.as_array().unwrap().iter().all(|r| r["space"] == LIGHTHOUSE),
        "{ana}"
    );
    let (_, ana_syncs) = world.get(ANA, "/api/v1/fleet/syncs").await;
    assert!(
        ana_syncs.as_array().unwrap().iter().all(|r| r["space"] == LIGHTHOUSE),
        "{ana_syncs}"
    );
    for path in [
        "/api/v1/fleet/check_ins?space=harbour",
        "/api/v1/fleet/syncs?space=harbour",
    ] {
        refused(world.get(ANA, path).await, 404, "unknown_space");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rows_a_hub_pruned_before_the_fleet_had_them_are_counted_and_the_rest_arrive() {
    let world = World::start(1).await;
    let site = world.site(LIGHTHOUSE, 0);
    let (sam, _) = member(site, "user-sam").await;
    assert_eq!(tap(site, &sam, "front").await.0, 200);
    world.caught_up(site, Duration::from_secs(20)).await;
    let store = &site.hub.hub.store;
    let newest = store.audit(1).unwrap()[0].id;
    while store.fleet_cursor().unwrap() < newest {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Cut off, the site keeps its log; its retention then keeps only the newest two rows.
    site.proxy.set(Link::Cut);
    tokio::time::sleep(Duration::from_millis(300)).await;
    for door in ["front", "workshop", "office", "nowhere", "front"] {
        tap(site, &sam, door).await;
    }
    settled(&[site]).await;
    // Doors still opening are never pruned: wait until every pulse ended.
    while store.audit(1000).unwrap().iter().any(|r| r.entry.decision == "opening") {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cursor = store.fleet_cursor().unwrap();
    let unsent: Vec<i64> = store
        .audit(1000)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .filter(|id| *id > cursor)
        .collect();
    store.prune_audit(jiff::Timestamp::now(), 400, 2).unwrap();
    let kept: Vec<i64> = store.audit(1000).unwrap().iter().map(|r| r.id).collect();
    let lost = unsent.iter().filter(|id| !kept.contains(id)).count() as u64;
    assert!(lost >= 3, "{unsent:?} → {kept:?}");
    assert_eq!(store.fleet_unsent_pruned().unwrap(), lost);

    // Back: the rows it kept arrive, and the fleet's console says how many it never will get.
    site.proxy.set(Link::Up);
    until(async || {
        let record: Vec<i64> = world
            .record("lighthouse-1")
            .await
            .into_iter()
            .map(|(seq, _)| seq)
            .collect();
        let (_, spaces) = world.get(OLGA, "/api/v1/fleet/spaces").await;
        let told = spaces[0]["hubs"][0]["state"]["unsent_pruned"].as_u64();
        match kept.iter().all(|id| record.contains(id)) && told == Some(lost) {
            true => Ok(()),
            false => Err(format!("{record:?} {told:?}")),
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_postgres_cannot_take_is_refused_alone_and_every_hubs_rows_keep_arriving() {
    let world = World::start(1).await;
    let (lighthouse, harbour) = (world.site(LIGHTHOUSE, 0), world.site(HARBOUR, 0));
    // A hub sends, on its own subject, a row with a NUL in its door (PostgreSQL takes no NUL in
    // text): it must not hold back the record of anyone, itself included.
    let own = nats_as(&world.nats, LIGHTHOUSE, "lighthouse-1", &hub_password("lighthouse-1")).await;
    let js = async_nats::jetstream::new(own);
    let sent = js
        .publish(
            "frontdoor.up.lighthouse.lighthouse-1",
            forged(LIGHTHOUSE, "lighthouse-1", 900_003, "fr\u{0}nt").into(),
        )
        .await
        .unwrap();
    sent.await.unwrap();
    let (sam_l, _) = member(lighthouse, "user-sam").await;
    let (sam_h, _) = member(harbour, "user-sam").await;
    assert_eq!(tap(lighthouse, &sam_l, "front").await.0, 200);
    assert_eq!(tap(harbour, &sam_h, "front").await.0, 200);
    for site in [lighthouse, harbour] {
        world.caught_up(site, Duration::from_secs(20)).await;
    }
    assert!(world
        .record("lighthouse-1")
        .await
        .iter()
        .all(|(seq, _)| *seq != 900_003));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hub_whose_database_is_made_anew_under_its_id_sends_new_rows_and_the_record_keeps_the_old() {
    let mut world = World::start(1).await;
    let site = world.site(LIGHTHOUSE, 0);
    let (sam, _) = member(site, "user-sam").await;
    for door in ["front", "workshop"] {
        assert_eq!(tap(site, &sam, door).await.0, 200);
    }
    world.caught_up(site, Duration::from_secs(20)).await;
    let old = world.record("lighthouse-1").await;

    // The site's disk is lost: its hub stops, and one on an empty database joins under the same
    // id and password, numbering its rows from 1 again.
    world.spaces.get_mut(LIGHTHOUSE).unwrap().sites[0].hub.stop().await;
    let nats: SocketAddr = format!("127.0.0.1:{}", world.nats.port).parse().unwrap();
    let sim = &world.spaces[LIGHTHOUSE]._sim;
    let rebuilt = start_site(sim, (LIGHTHOUSE, "Lighthouse Coworking"), "lighthouse-1", nats).await;
    let (sam, _) = member(&rebuilt, "user-sam").await;
    assert_eq!(tap(&rebuilt, &sam, "front").await.0, 200);
    let new = rebuilt.hub.hub.store.audit(1000).unwrap().len();
    assert!(
        old.iter().any(|(seq, _)| *seq as usize <= new),
        "the new rows reuse old numbers"
    );
    until(async || {
        let record = world.record("lighthouse-1").await;
        match record.len() == old.len() + new {
            true => Ok(()),
            false => Err(format!(
                "the record has {} rows, {} old and {new} new expected",
                record.len(),
                old.len()
            )),
        }
    })
    .await;
}
