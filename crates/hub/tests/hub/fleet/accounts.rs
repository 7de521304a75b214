//! Each hub's NATS user reaches its own subjects and no other hub's.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hubs_nats_password_taken_from_its_site_reaches_its_own_subjects_and_no_other_hubs() {
    let world = World::start(1).await;
    let stolen = nats_as(&world.nats, LIGHTHOUSE, "lighthouse-1", &hub_password("lighthouse-1")).await;
    let js = async_nats::jetstream::new(stolen.clone());

    // Its own space's down bucket, yes; the harbour's, no.
    assert!(js
        .get_key_value(frontdoor_core::fleet::down_bucket(LIGHTHOUSE))
        .await
        .is_ok());
    let other = tokio::time::timeout(
        Duration::from_secs(3),
        js.get_key_value(frontdoor_core::fleet::down_bucket(HARBOUR)),
    )
    .await;
    assert!(
        !matches!(other, Ok(Ok(_))),
        "the lighthouse's hub read the harbour's down bucket"
    );

    // Its own events reach the record; events sent as the harbour's hub do not.
    let own = js
        .publish(
            "frontdoor.up.lighthouse.lighthouse-1",
            forged(LIGHTHOUSE, "lighthouse-1", 900_001, "front").into(),
        )
        .await
        .unwrap();
    assert!(own.await.is_ok());
    let spoofed = async {
        js.publish(
            "frontdoor.up.harbour.harbour-1",
            forged(HARBOUR, "harbour-1", 900_002, "front").into(),
        )
        .await?
        .await
    };
    let spoofed = tokio::time::timeout(Duration::from_secs(3), spoofed).await;
    assert!(
        !matches!(spoofed, Ok(Ok(_))),
        "the stream took an event sent as another hub"
    );
    until(async || {
        match world
            .record("lighthouse-1")
            .await
            .iter()
            .any(|(seq, _)| *seq == 900_001)
        {
            true => Ok(()),
            false => Err("the hub's own event never arrived".to_string()),
        }
    })
    .await;
    assert!(
        world.record("harbour-1").await.iter().all(|(seq, _)| *seq != 900_002),
        "a forged harbour row is in the record"
    );

    // It cannot listen for the harbour hub's remote opens: the real hub answers, it hears nothing.
    let mut overheard = stolen.subscribe("frontdoor.open.harbour.harbour-1").await.unwrap();
    stolen.flush().await.unwrap();
    online(&world, HARBOUR, "harbour-1").await;
    let (status, body) = world
        .post(
            OLGA,
            "/api/v1/fleet/spaces/harbour/hubs/harbour-1/doors/front/open",
            json!({"reason": "courier"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    use futures_util::StreamExt;
    let heard = tokio::time::timeout(Duration::from_millis(500), overheard.next()).await;
    assert!(
        !matches!(heard, Ok(Some(_))),
        "another hub's open request was overheard"
    );

    // It cannot write anything down, not even for its own space.
    let key = "lighthouse.revoke.device.someone-elses-device";
    let written = tokio::time::timeout(Duration::from_secs(3), async {
        js.publish(
            format!("$KV.{}.{key}", frontdoor_core::fleet::down_bucket(LIGHTHOUSE)),
            "{}".into(),
        )
        .await?
        .await
    })
    .await;
    assert!(!matches!(written, Ok(Ok(_))), "a hub wrote into the down bucket");
    let bucket = world
        .fleet
        .shared
        .jetstream
        .get_key_value(frontdoor_core::fleet::down_bucket(LIGHTHOUSE))
        .await
        .unwrap();
    assert!(bucket.get(key).await.unwrap().is_none());

    // A wrong password gets nothing at all.
    let wrong = async_nats::ConnectOptions::new()
        .user_and_password("lighthouse-1".into(), "guessed".into())
        .connect(world.nats.url())
        .await;
    assert!(wrong.is_err(), "a wrong password was let in");
}
