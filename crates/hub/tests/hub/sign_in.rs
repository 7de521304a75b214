//! Signing in through the hub: only Frontdoor's own sign-in makes a hub session. Every way to get
//! one without it is refused with a clear code, and nothing is granted.

use crate::util;

use std::sync::atomic::{AtomicI64, Ordering};

use frontdoor_core::auth::{AppSignIn, Pending};
use frontdoor_hub::Clock;
use jiff::Timestamp;
use serde_json::{json, Value};
use util::*;

const MONDAY: i64 = 1_795_424_400; // 2026-11-23T09:00:00Z

/// The demo world ([`util::Demo`]) on Monday, the hub's clock the test's own.
struct World(Demo);
deref_to_demo!(World.0);

impl World {
    /// A hub on `clock` (seconds since [`MONDAY`] come from the test's own counter) and cobot-sim
    /// pinned to the same Monday, synced.
    async fn start(clock: fn() -> Timestamp) -> World {
        World(Start::at(monday()).clock(Clock::from_fn(clock)).start().await)
    }

    fn url(&self) -> &url::Url {
        &self.hub.base_url
    }

    /// How many times cobot-sim was asked who a token's user is.
    async fn user_reads(&self) -> usize {
        let log = sim_requests(&self.http, &self.sim).await;
        log.iter().filter(|r| r["path"] == "/api/user").count()
    }

    async fn tokens_revoked(&self, user: &str) -> Vec<bool> {
        sim_tokens(&self.http, &self.sim, user)
            .await
            .iter()
            .map(|t| t["revoked"].as_bool().unwrap_or_else(|| panic!("{t}")))
            .collect()
    }
}

fn monday() -> Timestamp {
    Timestamp::from_second(MONDAY).unwrap()
}

#[tokio::test]
async fn a_member_signs_in_through_the_hub_and_gets_a_short_session_and_a_refresh_token() {
    let w = World::start(monday).await;
    let r = sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    assert_eq!(r["user"]["id"], json!("user-alex"));
    assert_eq!(r["staff"], json!(false));
    assert_eq!(r["membership_id"], json!("mem-alex"));
    assert_eq!(r["expires_at"], json!(MONDAY + 600), "sessions live minutes, not hours");
    let (status, me) = w.get("api/v1/me", r["session_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{me}");
    assert!(!me["doors"].as_array().unwrap().is_empty());
    let sam = sign_in(&w.http, w.url(), "user-sam").await.unwrap();
    assert_eq!(sam["staff"], json!(true), "Cobot's admin_of makes Sam staff");
}

#[tokio::test]
async fn a_cobot_token_minted_for_another_client_buys_nothing() {
    let w = World::start(monday).await;
    let foreign = mint(&w.http, &w.sim, "user-alex", "frontdoor-app", &["openid", "read_user"]).await;
    // The old exchange is gone …
    let r = w
        .http
        .post(w.url().join("api/v1/session").unwrap())
        .json(&json!({"cobot_token": foreign}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("not_found"));
    // … the token is no ticket …
    let r = w
        .http
        .post(w.url().join("api/v1/sign_in/redeem").unwrap())
        .json(&json!({"ticket": foreign, "proof": "x".repeat(43)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("sign_in_expired"));
    // … no session …
    let (status, body) = w.get("api/v1/me", &foreign).await;
    assert_eq!((status, body["code"].clone()), (401, json!("not_signed_in")));
    // … and no refresh token.
    let (status, body) = refresh(&w.http, w.url(), &foreign).await;
    assert_eq!((status, body["code"].clone()), (401, json!("device_signed_out")));
}

#[tokio::test]
async fn an_intercepted_hand_over_is_useless_without_the_app_s_proof() {
    let w = World::start(monday).await;
    let side = begin(&w.http, w.url()).await;
    let callback = at_cobot(&side, "user-alex").await;
    let (status, handover) = through_hub(&callback).await;
    assert_eq!(status, 303);
    let handover = handover.unwrap();
    assert!(handover.starts_with("frontdoor://auth/callback?code="), "{handover}");
    assert!(!handover.contains(&callback), "Cobot's code stays at the hub");

    // Another process on the phone caught the deep link: it has the ticket, not the proof.
    let thief = AppSignIn::new();
    let stolen = ticket_of(&handover);
    let frontdoor_core::links::Callback::Code { code, .. } = stolen.clone() else {
        panic!()
    };
    let r = w
        .http
        .post(w.url().join("api/v1/sign_in/redeem").unwrap())
        .json(&json!({"ticket": code.secret(), "proof": "guessed-proof-0123456789-0123456789-0123456789"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        json!("sign_in_proof_mismatch")
    );
    assert!(
        matches!(thief.finish(stolen), Err(frontdoor_core::auth::Error::StateMismatch)),
        "a foreign state is refused by the app too"
    );

    // The real app still finishes, once.
    let side_state = side.pending.state().to_string();
    let ok = redeem(&w.http, w.url(), side, &handover).await.unwrap();
    assert_eq!(ok["user"]["id"], json!("user-alex"));
    let r = w
        .http
        .post(w.url().join("api/v1/sign_in/redeem").unwrap())
        .json(&json!({"ticket": code.secret(), "proof": "whatever"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        json!("sign_in_expired"),
        "a ticket works once"
    );
    assert!(!side_state.is_empty());
}

#[tokio::test]
async fn a_replayed_or_forged_callback_changes_nothing() {
    let w = World::start(monday).await;
    let side = begin(&w.http, w.url()).await;
    let callback = at_cobot(&side, "user-alex").await;
    let (first, _) = through_hub(&callback).await;
    assert_eq!(first, 303);
    let (replayed, to) = through_hub(&callback).await;
    assert_eq!(replayed, 400, "the pending sign-in was used up");
    assert!(to.is_none(), "a replay hands nothing to anyone");
    let forged = w.url().join("auth/callback?code=made-up&state=made-up").unwrap();
    let (forged, to) = through_hub(forged.as_str()).await;
    assert_eq!((forged, to), (400, None));
}

#[tokio::test]
async fn a_pending_sign_in_and_a_ticket_expire() {
    static NOW: AtomicI64 = AtomicI64::new(MONDAY);
    fn clock() -> Timestamp {
        Timestamp::from_second(NOW.load(Ordering::SeqCst)).unwrap()
    }
    let w = World::start(clock).await;
    let side = begin(&w.http, w.url()).await;
    let callback = at_cobot(&side, "user-alex").await;
    NOW.fetch_add(11 * 60, Ordering::SeqCst);
    let (status, to) = through_hub(&callback).await;
    assert_eq!((status, to), (400, None), "ten minutes at Cobot's page is the limit");

    NOW.store(MONDAY + 30, Ordering::SeqCst);
    let side = begin(&w.http, w.url()).await;
    let callback = at_cobot(&side, "user-alex").await;
    let (_, handover) = through_hub(&callback).await;
    NOW.fetch_add(3 * 60, Ordering::SeqCst);
    let (status, body) = redeem(&w.http, w.url(), side, &handover.unwrap()).await.unwrap_err();
    assert_eq!((status, body["code"].clone()), (400, json!("sign_in_expired")));
}

#[tokio::test]
async fn a_refresh_token_used_twice_ends_the_whole_chain() {
    let w = World::start(monday).await;
    let first = sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    let r1 = first["refresh_token"].as_str().unwrap();
    let (status, second) = refresh(&w.http, w.url(), r1).await;
    assert_eq!(status, 200, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap();
    assert_ne!(r1, r2, "refresh tokens rotate");

    // Someone replays the used token: one of the two holders is a thief.
    let (status, body) = refresh(&w.http, w.url(), r1).await;
    assert_eq!((status, body["code"].clone()), (401, json!("device_signed_out")));
    let (status, _) = refresh(&w.http, w.url(), r2).await;
    assert_eq!(status, 401, "the newest token of the chain dies too");
    let (status, body) = w.get("api/v1/me", second["session_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("not_signed_in")),
        "and its sessions"
    );
    let sealed: Option<Vec<u8>> = w
        .hub
        .hub
        .store
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.user_id == "user-alex")
        .and_then(|d| d.cobot_token);
    assert!(sealed.is_none(), "an ended device keeps no Cobot token");
}

#[tokio::test]
async fn a_refresh_after_the_membership_was_canceled_and_synced_ends_the_device() {
    let w = World::start(monday).await;
    let alex = sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    w.sim
        .sim
        .cancel_membership("lighthouse", "mem-alex", Some("2026-11-22".parse().unwrap()))
        .unwrap();
    w.hub.hub.syncer.full().await.unwrap();
    let (status, body) = refresh(&w.http, w.url(), alex["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("membership_ended")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("ended"));
    let err = sign_in(&w.http, w.url(), "user-alex").await.unwrap_err();
    assert_eq!(
        err.1["code"],
        json!("not_a_member"),
        "an ended membership leaves the synced snapshot, so signing in again finds none"
    );
}

#[tokio::test]
async fn a_demoted_admin_loses_staff_rights_at_the_next_refresh() {
    let w = World::start(monday).await;
    let sam = sign_in(&w.http, w.url(), "user-sam").await.unwrap();
    let (status, _) = w
        .get("api/v1/admin/devices", sam["session_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);
    assert!(w.sim.sim.remove_admin("lighthouse", "user-sam"));
    let (status, next) = refresh(&w.http, w.url(), sam["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "Sam is still a member: {next}");
    assert_eq!(next["staff"], json!(false));
    let (status, body) = w
        .get("api/v1/admin/devices", next["session_token"].as_str().unwrap())
        .await;
    assert_eq!((status, body["code"].clone()), (403, json!("not_staff")));
}

#[tokio::test]
async fn signing_out_revokes_the_cobot_token_and_every_token_of_the_device() {
    let w = World::start(monday).await;
    let alex = sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    assert_eq!(w.tokens_revoked("user-alex").await, vec![false]);
    let r = w
        .http
        .post(w.url().join("api/v1/sign_out").unwrap())
        .bearer_auth(alex["session_token"].as_str().unwrap())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["cobot_revoked"], json!(true), "{body}");
    assert_eq!(
        w.tokens_revoked("user-alex").await,
        vec![true],
        "cobot-sim reports it revoked"
    );
    let (status, _) = w.get("api/v1/me", alex["session_token"].as_str().unwrap()).await;
    assert_eq!(status, 401);
    let (status, body) = refresh(&w.http, w.url(), alex["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["code"].clone()), (401, json!("device_signed_out")));
}

#[tokio::test]
async fn staff_see_and_end_devices_and_members_may_not() {
    let w = World::start(monday).await;
    let alex = sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    let sam = sign_in(&w.http, w.url(), "user-sam").await.unwrap();
    let (status, body) = w
        .get("api/v1/admin/devices", alex["session_token"].as_str().unwrap())
        .await;
    assert_eq!((status, body["code"].clone()), (403, json!("not_staff")));
    let (status, devices) = w
        .get("api/v1/admin/devices", sam["session_token"].as_str().unwrap())
        .await;
    assert_eq!(status, 200);
    assert_eq!(devices.as_array().unwrap().len(), 2);
    assert!(
        !devices.to_string().contains(alex["refresh_token"].as_str().unwrap()),
        "no token is ever listed"
    );
    let alex_device = alex["device_id"].as_str().unwrap();
    let r = w
        .http
        .delete(w.url().join(&format!("api/v1/admin/devices/{alex_device}")).unwrap())
        .bearer_auth(sam["session_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, _) = w.get("api/v1/me", alex["session_token"].as_str().unwrap()).await;
    assert_eq!(status, 401, "staff ended Alex's device");
    assert_eq!(w.tokens_revoked("user-alex").await, vec![true]);
    let r = w
        .http
        .delete(w.url().join("api/v1/admin/devices/nope").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("not_signed_in"));
}

#[tokio::test]
async fn the_hub_hands_sign_ins_only_to_the_app_s_own_addresses() {
    let w = World::start(monday).await;
    let pending = AppSignIn::new();
    let r = w
        .http
        .post(w.url().join("api/v1/sign_in").unwrap())
        .json(&json!({"return_to": "https://evil.example/auth/callback", "state": pending.state(), "challenge": pending.challenge()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], json!("bad_return_address"));
}

#[tokio::test]
async fn every_rejection_is_a_code_and_words() {
    let w = World::start(monday).await;
    let post = |path: &str, body: String| {
        w.http
            .post(w.url().join(path).unwrap())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let check = |r: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(r.status().as_u16(), status);
        let body: Value = r.json().await.expect("JSON, not axum's plain text");
        assert_eq!(body["code"], json!(code), "{body}");
        assert!(body["message"].as_str().is_some_and(|m| m.len() > 10), "{body}");
    };
    check(
        post("api/v1/sign_in", "{not json".into()).await.unwrap(),
        400,
        "bad_request",
    )
    .await;
    check(post("api/v1/sign_in", "{}".into()).await.unwrap(), 400, "bad_request").await;
    check(
        post(
            "api/v1/sign_in/redeem",
            format!("{{\"ticket\":\"{}\"}}", "x".repeat(8000)),
        )
        .await
        .unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    check(post("api/v1/nowhere", "{}".into()).await.unwrap(), 404, "not_found").await;
    check(
        w.http
            .get(w.url().join("api/v1/sign_in").unwrap())
            .send()
            .await
            .unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    check(
        w.http
            .get(w.url().join("api/v1/admin/audit?limit=lots").unwrap())
            .send()
            .await
            .unwrap(),
        400,
        "bad_request",
    )
    .await;
}

fn slow_user_reads(w: &World, ms: u64) {
    w.sim.sim.add_fault(slow("/api/user", ms, 1)).unwrap();
}

#[tokio::test]
async fn a_refresh_given_up_half_way_leaves_the_device_its_token() {
    let w = World::start(monday).await;
    let sam = sign_in(&w.http, w.url(), "user-sam").await.unwrap();
    let token = sam["refresh_token"].as_str().unwrap();
    // Staff are re-validated with Cobot at each refresh; Cobot is slow and the app gives up.
    slow_user_reads(&w, 1500);
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let gave_up = impatient
        .post(w.url().join("api/v1/session/refresh").unwrap())
        .json(&json!({"refresh_token": token}))
        .send()
        .await;
    assert!(gave_up.is_err(), "the app gave up waiting");
    // Its retry with the same token is no theft: the token was never spent.
    let (status, body) = refresh(&w.http, w.url(), token).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_device_signed_out_while_its_refresh_was_checking_gets_no_session() {
    let w = World::start(monday).await;
    let sam = sign_in(&w.http, w.url(), "user-sam").await.unwrap();
    let (token, device) = (
        sam["refresh_token"].as_str().unwrap().to_string(),
        sam["device_id"].as_str().unwrap().to_string(),
    );
    slow_user_reads(&w, 800);
    let (http, url) = (w.http.clone(), w.url().clone());
    let refreshing = tokio::spawn(async move { refresh(&http, &url, &token).await });
    // Staff end the device (a lost phone) while the hub is waiting for Cobot.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    w.hub.hub.sign_out_device(&device, "lost phone").await.unwrap();
    let (status, body) = refreshing.await.unwrap();
    assert_eq!(status, 401, "{body}");
    assert!(
        body["code"] == json!("device_signed_out") || body["code"] == json!("sign_in_again"),
        "signed out (the sign-out also revoked the Cobot token being checked): {body}"
    );
    assert!(body["session_token"].is_null(), "no session for an ended device");
}

#[tokio::test]
async fn a_member_signed_out_of_cobot_everywhere_opens_nothing_once_the_session_in_hand_ends() {
    static NOW: AtomicI64 = AtomicI64::new(MONDAY);
    fn clock() -> Timestamp {
        Timestamp::from_second(NOW.load(Ordering::SeqCst)).unwrap()
    }
    let w = World::start(clock).await;
    let alex = sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    let session = alex["session_token"].as_str().unwrap();
    let (status, body) = w.unlock(session, "front").await;
    assert_eq!(status, 200, "{body}");

    // Alex signs out of Cobot everywhere (or an admin removes the app): every token is revoked.
    let r: Value = json_of(w.http.delete(format!("{}_sim/users/user-alex/tokens", w.sim.base_url))).await;
    assert_eq!(r["revoked"], json!(1), "{r}");

    // The session in hand runs out (the stated bound: at most ten minutes) …
    NOW.store(MONDAY + 5 * 60, Ordering::SeqCst);
    let (status, _) = w.unlock(session, "front").await;
    assert_eq!(
        status, 200,
        "within the session in hand the door still opens: that is the bound"
    );
    let pulses = w.relay.pulses().len();
    assert!(pulses >= 1);
    NOW.store(MONDAY + 10 * 60, Ordering::SeqCst);
    let (status, body) = w.unlock(session, "front").await;
    assert_eq!((status, body["code"].clone()), (401, json!("not_signed_in")), "{body}");

    // … and the refresh that would extend it asks Cobot, which no longer knows the token.
    let reads = w.user_reads().await;
    let (status, body) = refresh(&w.http, w.url(), alex["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["code"].clone()), (401, json!("sign_in_again")), "{body}");
    assert_eq!(
        w.user_reads().await,
        reads + 1,
        "one request to Cobot, with Alex's own token"
    );
    let (status, body) = refresh(&w.http, w.url(), alex["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["code"].clone()),
        (401, json!("device_signed_out")),
        "the device ended: {body}"
    );
    let (status, _) = w.unlock(session, "front").await;
    assert_eq!(status, 401);
    assert_eq!(
        w.relay.pulses().len(),
        pulses,
        "nothing opened after the session in hand ended"
    );
}

#[tokio::test]
async fn every_refresh_of_a_member_asks_cobot_once_with_the_members_own_token() {
    static NOW: AtomicI64 = AtomicI64::new(MONDAY);
    fn clock() -> Timestamp {
        Timestamp::from_second(NOW.load(Ordering::SeqCst)).unwrap()
    }
    let w = World::start(clock).await;
    let alex = sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    let mut refresh_token = alex["refresh_token"].as_str().unwrap().to_string();
    let reads = w.user_reads().await;
    // An hour of ten-minute sessions: six refreshes, six questions to Cobot, each session ten
    // minutes from Cobot's answer.
    for i in 1..=6 {
        NOW.store(MONDAY + i * 600, Ordering::SeqCst);
        let (status, next) = refresh(&w.http, w.url(), &refresh_token).await;
        assert_eq!(status, 200, "{next}");
        assert_eq!(next["expires_at"], json!(MONDAY + i * 600 + 600));
        refresh_token = next["refresh_token"].as_str().unwrap().to_string();
    }
    assert_eq!(
        w.user_reads().await,
        reads + 6,
        "one request per session, from Alex's own Cobot budget (60 a minute): six an hour"
    );
}

/// The check `id` of the doctor's report now: (verdict, words).
async fn doctor_says(w: &World, id: &str) -> (String, String) {
    let report = serde_json::to_value(frontdoor_hub::app::doctor::run(&w.hub.hub).await).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(id))
        .unwrap_or_else(|| panic!("no {id} check in {report}"))
        .clone();
    (
        check["verdict"].as_str().unwrap().to_string(),
        check["words"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_sign_in_cobot_failed_is_told_to_staff_with_its_reason_and_nothing_a_stranger_sends_is() {
    let w = World::start(monday).await;
    let strip = || async { frontdoor_hub::app::glance::now(&w.hub.hub).await.unwrap().cobot };
    assert!(strip().await.ok);

    // What anyone can send to the callback, for a sign-in they began themselves: Cobot's error
    // made up, a code made up (Cobot answers invalid_grant), another issuer named.
    for forged in [
        "error=server_error&error_description=the+hub+is+broken",
        "code=made-up",
        "code=made-up&iss=https%3A%2F%2Fevil.example",
    ] {
        let side = begin(&w.http, w.url()).await;
        let callback = url::Url::parse(&at_cobot(&side, "user-alex").await).unwrap();
        let state = callback
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let mut made_up = w.url().join("auth/callback").unwrap();
        made_up.set_query(Some(&format!("{forged}&state={}", urlencode(&state))));
        let (status, to) = through_hub(made_up.as_str()).await;
        assert_eq!(status, 303, "{forged}: answered, to the app");
        assert!(to.unwrap().contains("error="), "{forged}");
        let light = strip().await;
        assert!(light.ok, "{forged} reaches no one on staff: {light:?}");
    }
    assert_eq!(
        doctor_says(&w, "sign_in").await.0,
        "ok",
        "nobody signed in, nothing failed"
    );

    // Cobot itself fails once the code is redeemed: it cannot say who signed in.
    w.sim.sim.add_fault(failing("/api/user", 503, 1_000)).unwrap();
    let side = begin(&w.http, w.url()).await;
    let (_, to) = through_hub(&at_cobot(&side, "user-alex").await).await;
    assert!(to.unwrap().contains("error="), "the app is told the sign-in failed");
    let light = strip().await;
    assert!(
        !light.ok && light.words.contains("The last member sign-in failed") && light.words.contains("who signed in"),
        "the status strip says so with the reason: {light:?}"
    );
    let tab = frontdoor_hub::app::plug::describe_with_attempts(&w.hub.hub).await;
    assert!(
        tab.message.contains("The last member sign-in") && tab.message.contains("who signed in"),
        "and the Cobot tab: {tab:?}"
    );
    let (verdict, words) = doctor_says(&w, "sign_in").await;
    assert_eq!(verdict, "fail", "{words}");
    assert!(words.contains("who signed in"), "{words}");

    // Cobot answers again: the next sign-in works, the strip and the tab clear, the doctor keeps
    // the earlier failure.
    util::clear_faults(&w.http, &w.sim).await;
    sign_in(&w.http, w.url(), "user-alex").await.unwrap();
    assert!(strip().await.ok);
    let tab = frontdoor_hub::app::plug::describe_with_attempts(&w.hub.hub).await;
    assert!(!tab.message.contains("failed"), "{tab:?}");
    let (verdict, words) = doctor_says(&w, "sign_in").await;
    assert_eq!(verdict, "ok", "{words}");
    assert!(
        words.contains("An earlier one") && words.contains("who signed in"),
        "{words}"
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
