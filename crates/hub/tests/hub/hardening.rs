//! The hub keeps doors working when clients misbehave: half-sent requests, made-up tokens,
//! forged webhooks, a locked database. Each test fails on a hub without the matching bound.

use crate::util;

use std::time::Duration;

use frontdoor_hub::{Config, Setup};
use jiff::Timestamp;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use util::*;

const MONDAY: &str = "2026-11-23T09:00:00Z";

fn monday() -> Timestamp {
    MONDAY.parse().unwrap()
}

/// The demo world ([`util::Demo`]) pinned to Monday morning.
async fn start() -> Demo {
    Start::at(monday()).start().await
}

#[tokio::test]
async fn a_member_opens_the_door_while_a_thousand_half_sent_requests_hold_connections() {
    more_files();
    let w = start().await;
    let alex = sign_in(&w.http, &w.hub.base_url, "user-alex").await.unwrap();
    let session = alex["session_token"].as_str().unwrap().to_string();
    let addr = w.hub.addr;
    // An unauthenticated client on other loopback addresses starts 1,000 requests and never
    // finishes their heads.
    let mut slow = Vec::new();
    for i in 0..1000u32 {
        let from = std::net::Ipv4Addr::new(127, 0, (2 + i / 250) as u8, (1 + i % 250) as u8);
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((from, 0).into()).unwrap();
        let Ok(mut stream) = socket.connect(addr).await else {
            continue;
        };
        let _ = stream
            .write_all(b"POST /api/v1/doors/front/unlock HTTP/1.1\r\nHost: hub\r\nContent-Le")
            .await;
        slow.push(stream);
    }
    assert!(slow.len() >= 900, "the flood is in place: {} connections", slow.len());
    let answered = tokio::time::timeout(Duration::from_secs(5), w.unlock(&session, "front")).await;
    let (status, body) = answered.expect("the member is answered while the flood holds its connections");
    assert_eq!(status, 200, "{body}");
    assert_eq!(w.relay.pulses().len(), 1);
    drop(slow);
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    more_files();
    let sim = cobot_sim_at(None).await;
    let setup = Setup {
        limits: frontdoor_hub::http::serve::Limits {
            per_peer: 20,
            ..frontdoor_hub::http::serve::Limits::default()
        },
        ..Setup::detached()
    };
    let hub = spawn_hub(Config::demo(&sim.base_url), setup).await;
    let hog: std::net::Ipv4Addr = "127.0.9.9".parse().unwrap();
    let mut held = Vec::new();
    for _ in 0..40 {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind((hog, 0).into()).unwrap();
        held.push(socket.connect(hub.addr).await.unwrap());
    }
    // The 21st and later connections of the hog are closed at once by the hub.
    let mut closed = 0;
    for stream in &mut held {
        let mut buf = [0u8; 1];
        stream
            .write_all(b"GET /api/v1/hub HTTP/1.1\r\nHost: h\r\n\r\n")
            .await
            .ok();
        match tokio::time::timeout(Duration::from_secs(2), tokio::io::AsyncReadExt::read(stream, &mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => closed += 1,
            _ => {}
        }
    }
    assert_eq!(closed, 20, "beyond its share the hog's connections are closed");
    let r = reqwest::get(hub.base_url.join("api/v1/hub").unwrap()).await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "everyone else is still served");
}

#[tokio::test]
async fn made_up_tokens_cost_cobot_nothing() {
    let w = start().await;
    w.clear_sim_requests().await;
    for i in 0..150 {
        let garbage = format!("made-up-token-{i}-0123456789abcdef0123456789abcdef");
        let _ = w
            .http
            .get(w.url("api/v1/me"))
            .bearer_auth(&garbage)
            .send()
            .await
            .unwrap();
        let _ = w.unlock(&garbage, "front").await;
        let _ = refresh(&w.http, &w.hub.base_url, &garbage).await;
        let _ = w
            .http
            .post(w.url("api/v1/sign_in/redeem"))
            .json(&json!({"ticket": garbage, "proof": garbage}))
            .send()
            .await
            .unwrap();
        let _ = w
            .http
            .post(w.url("api/v1/sign_out"))
            .bearer_auth(&garbage)
            .json(&json!({"refresh_token": garbage}))
            .send()
            .await
            .unwrap();
        let _ = w
            .http
            .get(w.url(&format!("auth/callback?code={garbage}&state={garbage}")))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(w.sim_requests().await, Vec::<String>::new(), "not one call to Cobot");
    assert!(w.relay.pulses().is_empty());
}

#[tokio::test]
async fn a_forged_deleted_membership_webhook_removes_no_one() {
    let w = start().await;
    let secret = w.hub.hub.webhook_secret.clone();
    let alex_url = format!("{}sub/lighthouse/api/memberships/mem-alex", w.sim.base_url);
    // Someone who learned the callback secret claims Alex's membership was deleted.
    let r = w
        .http
        .post(w.url(&format!("api/v1/cobot/webhooks/{secret}/deleted_membership")))
        .json(&json!({"url": alex_url, "membership": {"id": "mem-alex"}}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    w.hub.hub.followups.settled().await;
    assert!(
        w.hub.hub.snapshot().member("mem-alex").is_some(),
        "Cobot still has the membership, so the hub keeps it"
    );
    let alex = sign_in(&w.http, &w.hub.base_url, "user-alex").await.unwrap();
    assert_eq!(w.unlock(alex["session_token"].as_str().unwrap(), "front").await.0, 200);

    // Deleted for real: Cobot answers 404 and the member goes.
    let r = w
        .http
        .delete(format!("{}_sim/spaces/lighthouse/memberships/mem-alex", w.sim.base_url))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = w
        .http
        .post(w.url(&format!("api/v1/cobot/webhooks/{secret}/deleted_membership")))
        .json(&json!({"url": alex_url}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    w.hub.hub.followups.settled().await;
    assert!(w.hub.hub.snapshot().member("mem-alex").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_stalls_neither_the_self_description_nor_the_health_check() {
    let w = start().await;
    // Another process holds the write lock (a backup tool, a stuck migration, a slow disk).
    let locker = rusqlite::Connection::open(w.dir.path().join("hub.sqlite")).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // Unauthenticated requests that need the writer pile up behind it: more than there are workers.
    let mut stuck = Vec::new();
    for i in 0..8 {
        let http = w.http.clone();
        let url = w.url("api/v1/session/refresh");
        stuck.push(tokio::spawn(async move {
            let _ = http
                .post(url)
                .json(&json!({"refresh_token": format!("garbage-{i}")}))
                .send()
                .await;
        }));
        let http = w.http.clone();
        let url = w.url("api/v1/cobot/webhooks/wrong-secret/deleted_membership");
        stuck.push(tokio::spawn(async move {
            let _ = http.post(url).json(&json!({"url": "x"})).send().await;
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let info = tokio::time::timeout(Duration::from_secs(2), w.http.get(w.url("api/v1/hub")).send())
        .await
        .expect("the hub describes itself while its database is locked")
        .unwrap();
    assert_eq!(info.status().as_u16(), 200);
    let health = tokio::time::timeout(Duration::from_secs(2), w.http.get(w.url("api/v1/health")).send())
        .await
        .expect("the health check answers while the database is locked")
        .unwrap();
    assert_eq!(health.status().as_u16(), 200, "{:?}", health.text().await);
    locker.execute_batch("ROLLBACK").unwrap();
    for task in stuck {
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
}

#[tokio::test]
async fn the_health_check_says_what_is_missing_in_words() {
    let w = start().await;
    let r = w.http.get(w.url("api/v1/health")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], json!("ok"), "{body}");
    assert_eq!(body["snapshot_age_secs"], json!(0));

    let sim = cobot_sim_at(None).await;
    let bare = frontdoor_hub::spawn(Config::demo(&sim.base_url), any_port())
        .await
        .unwrap();
    let r = reqwest::get(bare.base_url.join("api/v1/health").unwrap())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], json!("degraded"));
    let problems = body["problems"].to_string();
    assert!(problems.contains("no Cobot token"), "{problems}");
    assert!(problems.contains("cannot sign in"), "{problems}");
}

#[tokio::test]
async fn a_retry_after_from_cobot_never_holds_a_members_request_open() {
    let w = start().await;
    let sam = sign_in(&w.http, &w.hub.base_url, "user-sam").await.unwrap();
    // Cobot throttles: every user read answers 429 with a long Retry-After.
    let throttled = cobot_sim::Fault {
        retry_after_secs: Some(60),
        ..failing("/api/user", 429, 100)
    };
    w.sim.sim.add_fault(throttled).unwrap();
    // A staff device is re-validated at each refresh: the hub asks Cobot, which says "wait a minute".
    let answered = tokio::time::timeout(
        Duration::from_secs(5),
        refresh(&w.http, &w.hub.base_url, sam["refresh_token"].as_str().unwrap()),
    )
    .await
    .expect("the refresh is answered at once, not after Cobot's minute");
    assert_eq!(
        answered.0, 200,
        "staff keep their rights within the grace: {}",
        answered.1
    );
    assert_eq!(answered.1["staff"], json!(true));
}

#[tokio::test]
async fn a_burst_of_made_up_refreshes_from_one_address_is_held_off_while_a_member_elsewhere_refreshes() {
    let w = start().await;
    // Alex's phone is on another address (127.0.0.2: all of 127/8 is this machine).
    let elsewhere = reqwest::Client::builder()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    let alex = sign_in(&elsewhere, &w.hub.base_url, "user-alex").await.unwrap();
    w.clear_sim_requests().await;

    // One address: refreshes, redeems and sign-in begins, all made up, as fast as it can.
    let mut answers = Vec::new();
    for i in 0..120 {
        let garbage = format!("made-up-refresh-token-{i}-0123456789abcdef0123456789");
        let r = match i % 3 {
            0 => w
                .http
                .post(w.url("api/v1/session/refresh"))
                .json(&json!({"refresh_token": garbage})),
            1 => w
                .http
                .post(w.url("api/v1/sign_in/redeem"))
                .json(&json!({"ticket": garbage, "proof": garbage})),
            _ => w.http.post(w.url("api/v1/sign_in")).json(
                &json!({"return_to": RETURN_TO, "state": format!("s{i}"), "challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}),
            ),
        }
        .send()
        .await
        .unwrap();
        let status = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
        let body: Value = r.json().await.unwrap();
        answers.push((status, retry_after, body));
    }
    let refused: Vec<&(u16, Option<u64>, Value)> = answers.iter().filter(|a| a.0 == 429).collect();
    assert!(
        refused.len() >= 55,
        "past the address's budget (60 a minute, one already spent by Alex's callback) the rest wait: {} refused",
        refused.len()
    );
    assert!(
        answers[..45].iter().all(|a| a.0 != 429),
        "the budget admits the first forty-five: {:?}",
        &answers[..45].iter().map(|a| a.0).collect::<Vec<_>>()
    );
    for (_, retry_after, body) in &refused {
        assert_eq!(body["code"], json!("slow_down"), "{body}");
        assert!(body["message"].as_str().unwrap().contains("Wait"), "{body}");
        let secs = retry_after.expect("a refusal says when to come back");
        assert!((1..=60).contains(&secs), "{secs}");
    }
    assert_eq!(
        w.sim_requests().await,
        Vec::<String>::new(),
        "the burst cost Cobot nothing"
    );

    // Alex's real refresh from the other address goes through.
    let (status, body) = refresh(&elsewhere, &w.hub.base_url, alex["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{body}");
}
