//! The unlock path end to end inside the hub: cobot-sim as Cobot, relay-sim's Shelly Pro 3 double
//! as the doors' relay. What a member notices — the door opens or says why not, in words — and what
//! staff rely on — every request audited, the relay pulsed once, Cobot told once — are asserted.

use crate::util;

use std::time::Duration;

use cobot_sim::seed::HUB_CLIENT_SECRET;
use frontdoor_core::secret::{AccessToken, ClientSecret};
use frontdoor_hub::store::{AuditRow, SessionRow, Store};
use frontdoor_hub::{Config, RunningHub, Setup};
use jiff::Timestamp;
use relay_sim::{Fault, ShellyDouble};
use serde_json::{json, Value};
use util::{mint, sign_in};

/// Monday 2026-11-23, 10:00 in Berlin: the Members group's schedule (Mon–Fri 07:00–22:00) is open.
fn monday_morning() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

/// Sunday 2026-11-22, 13:00 in Berlin: outside the Members group's schedule.
fn sunday_afternoon() -> Timestamp {
    "2026-11-22T12:00:00Z".parse().unwrap()
}

/// Switch numbers of the demo doors on the relay double.
const FRONT: u32 = 0;
const OFFICE: u32 = 2;
const GARAGE: u32 = 3;

struct World {
    sim: cobot_sim::RunningSim,
    relay: ShellyDouble,
    hub: RunningHub,
    http: reqwest::Client,
    dir: tempfile::TempDir,
    clock: fn() -> Timestamp,
}

struct Options {
    clock: fn() -> Timestamp,
    check_in_worker: bool,
    /// Run cobot-sim on real time instead of pinning it to the hub's Monday.
    sim_real_time: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            clock: monday_morning,
            check_in_worker: true,
            sim_real_time: false,
        }
    }
}

impl Options {
    /// Openings leave their check-ins in the outbox: nothing tells Cobot until the test says.
    fn without_check_in_worker() -> Options {
        Options {
            check_in_worker: false,
            ..Options::default()
        }
    }
}

impl World {
    async fn start() -> World {
        World::start_with(Options::default()).await
    }

    async fn start_with(options: Options) -> World {
        let sim = util::cobot_sim_at((!options.sim_real_time).then(options.clock)).await;
        let relay = ShellyDouble::start_with_channels(util::any_port(), 4).await;
        let http = reqwest::Client::new();
        let dir = tempfile::tempdir().unwrap();
        let hub = start_hub(&sim, &relay, &dir, &http, options.clock, options.check_in_worker).await;
        hub.hub.syncer.full().await.unwrap();
        World {
            sim,
            relay,
            hub,
            http,
            dir,
            clock: options.clock,
        }
    }

    /// Stops the hub and starts a new one on the same database, as after a crash and restart.
    async fn restart_hub(&mut self, check_in_worker: bool) {
        self.hub.stop().await;
        self.hub = start_hub(
            &self.sim,
            &self.relay,
            &self.dir,
            &self.http,
            self.clock,
            check_in_worker,
        )
        .await;
    }

    async fn session(&self, user: &str) -> String {
        util::session(&self.http, &self.hub.base_url, user).await
    }

    /// `POST /api/v1/doors/{door}/unlock` → (status, body).
    async fn unlock(&self, session: Option<&str>, door: &str) -> (u16, Value) {
        util::unlock(&self.http, &self.hub.base_url, session, door).await
    }

    async fn me(&self, session: &str) -> Value {
        util::me(&self.http, &self.hub.base_url, session).await
    }

    fn pulses_on(&self, channel: u32) -> usize {
        self.relay.pulses().iter().filter(|p| p.channel == channel).count()
    }

    fn audit(&self) -> Vec<AuditRow> {
        let mut rows = self.hub.hub.store.audit(1000).unwrap();
        rows.reverse();
        rows
    }

    fn cobot_check_ins(&self, membership: &str) -> usize {
        util::cobot_check_ins(&self.sim, membership).len()
    }

    /// The state of the member's newest check-in in the outbox.
    fn outbox_state(&self, membership: &str) -> Option<String> {
        util::outbox(&self.hub, membership).into_iter().next().map(|r| r.state)
    }

    /// Waits (on the outbox, checked every few ms) until the member's check-in is no longer pending.
    async fn check_in_settles(&self, membership: &str) -> String {
        for _ in 0..1000 {
            match self.outbox_state(membership) {
                Some(state) if state != "pending" => return state,
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
        panic!(
            "the check-in of {membership} stayed pending: {:?}",
            self.hub.hub.store.check_ins()
        );
    }

    /// At Cobot, Alex's membership was canceled to Friday 2026-11-20; the hub is not told.
    async fn alex_canceled_at_cobot(&self) {
        let url = format!(
            "{}_sim/spaces/lighthouse/memberships/mem-alex/cancel",
            self.sim.base_url
        );
        let r = self
            .http
            .post(url)
            .json(&json!({"canceled_to": "2026-11-20"}))
            .send()
            .await;
        assert!(r.unwrap().status().is_success());
    }

    fn fault(&self, path: &str, kind: cobot_sim::FaultKind, times: u32) {
        self.sim.sim.add_fault(util::fault(path, kind, times)).unwrap();
    }
}

async fn start_hub(
    sim: &cobot_sim::RunningSim,
    relay: &ShellyDouble,
    dir: &tempfile::TempDir,
    http: &reqwest::Client,
    clock: fn() -> Timestamp,
    check_in_worker: bool,
) -> RunningHub {
    let token = util::hub_token(http, sim).await;
    let setup = Setup {
        retry: util::quick_retries(),
        cobot_timeout: Duration::from_secs(1),
        check_in_worker,
        check_in_backoff: util::quick_backoff(),
        ..util::hub_setup(dir.path(), Some(token), frontdoor_hub::Clock::from_fn(clock))
    };
    let mut config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
    // A door no group opens (only staff may): the garage, on a relay of its own.
    config.doors.push(frontdoor_hub::base::config::DoorConfig {
        id: toml::Spanned::new(0..0, "garage".to_string()),
        name: "Garage".into(),
        entrance: false,
        pulse_seconds: 3.0,
        driver: Some(frontdoor_hub::base::config::DriverConfig::ShellyGen2 {
            url: relay.url(),
            channel: GARAGE,
            password_credential: None,
        }),
    });
    util::spawn_hub(config, setup).await
}

#[tokio::test]
async fn a_member_taps_unlock_the_relay_pulses_once_and_cobot_gets_one_check_in() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;

    let (status, body) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "opened");
    assert_eq!(body["message"], "Front door is open.");
    assert_eq!(body["check_in"], "checking_in");
    assert_eq!(w.pulses_on(FRONT), 1);
    assert_eq!(
        w.relay.pulses()[0].seconds,
        Some(3.0),
        "the configured pulse, closed by the device"
    );
    assert_eq!(w.check_in_settles("mem-alex").await, "checked_in");
    assert_eq!(w.cobot_check_ins("mem-alex"), 1);

    let me = w.me(&alex).await;
    assert_eq!(me["check_in"]["state"], "checked_in", "{me}");
    assert_eq!(
        me["check_in"]["message"], "Checked in since 10:00",
        "Cobot's time, in Berlin"
    );
    assert_eq!(me["recent_check_ins"].as_array().unwrap().len(), 1);

    let audit = w.audit();
    assert_eq!(audit.len(), 1);
    let entry = &audit[0].entry;
    assert_eq!(entry.decision, "opened");
    assert_eq!(entry.user_id.as_deref(), Some("user-alex"));
    assert_eq!(entry.door_id, "front");
    assert_eq!(entry.driver_result.as_deref(), Some("confirmed"));
    assert_eq!(
        entry.reasons,
        vec!["Plan Flex Desk → group Members, Mon–Fri 07:00–22:00; Sat 10:00–16:00".to_string()]
    );
    assert!(entry.latency_us > 0);
    assert_eq!(entry.check_in.as_deref(), Some("queued"));
}

#[tokio::test]
async fn the_second_entry_of_the_day_opens_but_does_not_check_in_again() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    let (status, _) = w.unlock(Some(&alex), "front").await;
    assert_eq!(status, 200);
    w.check_in_settles("mem-alex").await;
    w.relay
        .relay_becomes(FRONT, false, Duration::from_secs(10))
        .await
        .unwrap();
    // The pulse is over: a new tap is a new entry.
    tokio::time::sleep(Duration::from_millis(3100)).await;

    let (status, body) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["merged"], false);
    assert_eq!(body["check_in"], "already_today");
    assert_eq!(w.pulses_on(FRONT), 2);
    assert_eq!(w.cobot_check_ins("mem-alex"), 1);
}

#[tokio::test]
async fn refusals_say_why_are_audited_and_never_pulse() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    let expired = "an-expired-session";
    w.hub
        .hub
        .store
        .put_session(
            &frontdoor_hub::app::session::token_hash(expired),
            &SessionRow {
                user_id: "user-alex".into(),
                membership_id: Some("mem-alex".into()),
                staff: false,
                expires_at: monday_morning().as_second() - 1,
                device_id: "test-device".into(),
            },
            0,
        )
        .unwrap();

    let cases = [
        (
            None,
            "front",
            401,
            "not_signed_in",
            "Your session with the hub has ended",
        ),
        (
            Some("forged-token"),
            "front",
            401,
            "not_signed_in",
            "Your session with the hub has ended",
        ),
        (
            Some(expired),
            "front",
            401,
            "not_signed_in",
            "Your session with the hub has ended",
        ),
        (
            Some(alex.as_str()),
            "office",
            403,
            "no_access",
            "Staff office does not open for you now: none of your plans or groups opens this door.",
        ),
        (
            Some(alex.as_str()),
            "garage",
            403,
            "no_access",
            "Garage does not open for you now: none of your plans or groups opens this door.",
        ),
        (Some(alex.as_str()), "attic", 404, "unknown_door", "has no door “attic”"),
    ];
    for (session, door, status, code, message) in cases {
        let (got, body) = w.unlock(session, door).await;
        assert_eq!(got, status, "{door}: {body}");
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].as_str().unwrap().contains(message), "{body}");
    }

    assert!(w.relay.pulses().is_empty(), "nothing was pulsed");
    let audit = w.audit();
    assert_eq!(audit.len(), cases.len(), "every refusal is audited: {audit:?}");
    assert!(audit
        .iter()
        .all(|r| r.entry.decision == "refused" && !r.entry.may_have_opened));
    assert_eq!(audit[3].entry.user_id.as_deref(), Some("user-alex"));
    assert_eq!(audit[3].entry.code.as_deref(), Some("no_access"));
    assert_eq!(audit[4].entry.door_id, "garage", "a door in no group");
    assert_eq!(audit[5].entry.code.as_deref(), Some("unknown_door"));
    assert!(w.hub.hub.store.check_ins().unwrap().is_empty());
}

#[tokio::test]
async fn a_canceled_membership_no_longer_opens_even_with_a_live_session() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    w.alex_canceled_at_cobot().await;
    w.hub.hub.syncer.full().await.unwrap();

    let (status, body) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 403, "{body}");
    assert_eq!(body["code"], "no_access");
    // Cobot lists current memberships only: an ended one leaves the snapshot.
    assert_eq!(
        body["message"],
        "Your membership at Lighthouse Coworking is no longer in Cobot's data. Ask staff if this is a mistake."
    );
    assert!(w.relay.pulses().is_empty());
    assert_eq!(w.audit()[0].entry.decision, "refused");
}

#[tokio::test]
async fn outside_the_schedule_the_door_stays_shut_and_says_when_it_opens() {
    let w = World::start_with(Options {
        clock: sunday_afternoon,
        ..Options::default()
    })
    .await;
    let alex = w.session("user-alex").await;

    let (status, body) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 403, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Front door does not open for you now:"),
        "{message}"
    );
    assert!(message.contains("Mon–Fri 07:00–22:00"), "{message}");
    assert!(w.relay.pulses().is_empty());
    assert_eq!(w.audit().len(), 1);
}

#[tokio::test]
async fn staff_may_open_every_door() {
    let w = World::start().await;
    // Take away the extra group that gives Sam the office, so only the staff rule can open it.
    let r = w
        .http
        .put(format!(
            "{}_sim/spaces/lighthouse/memberships/mem-sam/custom_fields/smart_spaces_access_additional_units",
            w.sim.base_url
        ))
        .json(&json!({"value": null}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    w.hub.hub.syncer.full().await.unwrap();
    let sam = w.session("user-sam").await;

    let (status, body) = w.unlock(Some(&sam), "office").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(w.pulses_on(OFFICE), 1);
    assert_eq!(body["check_in"], "none", "the office is not an entrance");
    let audit = w.audit();
    assert!(audit[0].entry.staff);
    assert_eq!(
        audit[0].entry.reasons,
        vec!["Staff of Lighthouse Coworking may open every door".to_string()]
    );
    let me = w.me(&sam).await;
    let office = me["doors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "office")
        .unwrap();
    assert_eq!(office["allowed"], true, "{me}");
}

#[tokio::test]
async fn a_double_tap_pulses_once() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    // A relay that takes a moment to answer, so the second tap arrives while the first is under way.
    w.relay.set_fault(Fault::Delay(Duration::from_millis(300)));

    let ((s1, b1), (s2, b2)) = tokio::join!(w.unlock(Some(&alex), "front"), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        w.unlock(Some(&alex), "front").await
    });
    w.relay.set_fault(Fault::None);
    // A third tap while the strike is still released joins too.
    let (s3, b3) = w.unlock(Some(&alex), "front").await;

    assert_eq!((s1, s2, s3), (200, 200, 200), "{b1} {b2} {b3}");
    assert_eq!(w.pulses_on(FRONT), 1, "one pulse for three taps");
    assert_eq!(b1["merged"], false);
    assert_eq!(b2["merged"], true);
    assert_eq!(b3["merged"], true);
    assert_eq!(b2["message"], "Front door is open.");
    let decisions: Vec<String> = w.audit().into_iter().map(|r| r.entry.decision).collect();
    let mut sorted = decisions.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["merged", "merged", "opened"], "{decisions:?}");
    assert_eq!(w.check_in_settles("mem-alex").await, "checked_in");
    assert_eq!(w.cobot_check_ins("mem-alex"), 1);
}

#[tokio::test]
async fn a_relay_that_times_out_says_the_door_did_not_answer_and_is_audited() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    // Longer than the driver's 2 s timeout.
    w.relay.set_fault(Fault::Delay(Duration::from_secs(3)));

    let (status, body) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 504, "{body}");
    assert_eq!(body["code"], "door_did_not_answer");
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("Front door: the door did not answer."), "{message}");
    let audit = w.audit();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].entry.decision, "failed");
    assert!(
        audit[0].entry.may_have_opened,
        "a timeout after sending may have opened the door"
    );
    assert!(audit[0]
        .entry
        .driver_result
        .as_deref()
        .unwrap()
        .contains("did not answer"));
    assert_eq!(w.relay.requests(), 1, "the command is never sent twice");
    assert!(w.hub.hub.store.check_ins().unwrap().is_empty(), "no entry, no check-in");
}

#[tokio::test]
async fn a_cobot_outage_still_opens_the_door_from_the_last_snapshot_and_the_check_in_follows() {
    let mut w = World::start().await;
    let alex = w.session("user-alex").await;
    // Cobot goes down completely: every request fails, and a resync keeps the last snapshot.
    w.fault("/", cobot_sim::FaultKind::Status, 1_000_000);
    assert!(
        w.hub.hub.syncer.full().await.is_err(),
        "the sync fails while Cobot is down"
    );
    // The hub restarts during the outage: it has only the snapshot in its database.
    w.restart_hub(true).await;

    let (status, body) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 200, "the door opens from the last snapshot: {body}");
    assert_eq!(body["check_in"], "checking_in");
    assert_eq!(w.pulses_on(FRONT), 1);
    // The check-in waits in the outbox, retried, while Cobot is down.
    for _ in 0..1000 {
        let row = w.hub.hub.store.check_ins().unwrap().remove(0);
        if row.attempts >= 2 {
            assert_eq!(row.state, "pending");
            assert!(
                row.last_error.unwrap().contains("Cobot"),
                "the reason is kept for staff"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(w.cobot_check_ins("mem-alex"), 0);

    // Cobot is back.
    util::clear_faults(&w.http, &w.sim).await;
    assert_eq!(w.check_in_settles("mem-alex").await, "checked_in");
    assert_eq!(w.cobot_check_ins("mem-alex"), 1);
}

#[tokio::test]
async fn a_check_in_still_pending_when_cobots_day_ends_is_never_posted_late() {
    let w = World::start_with(Options::without_check_in_worker()).await;
    let alex = w.session("user-alex").await;
    let (status, _) = w.unlock(Some(&alex), "front").await;
    assert_eq!(status, 200);
    // The outbox row says yesterday: the hub (or Cobot) was down until Cobot's day ended (04:00).
    assert_eq!(w.hub.hub.store.check_ins().unwrap().len(), 1);
    rewrite_day(&w, "2026-11-22");

    frontdoor_hub::app::check_in::process_due(&w.hub.hub).await;

    assert_eq!(w.outbox_state("mem-alex").as_deref(), Some("missed"));
    assert_eq!(w.cobot_check_ins("mem-alex"), 0, "no check-in on the wrong day");
    let me = w.me(&alex).await;
    let recent = &me["recent_check_ins"][0];
    assert_eq!(recent["day"], "2026-11-22");
    assert_eq!(
        recent["message"],
        "Not checked in: Cobot could not be reached that day."
    );
}

/// Moves the only outbox row, entry and all, to another day's morning (tests only: a hub never
/// rewrites days).
fn rewrite_day(w: &World, day: &str) {
    let conn = rusqlite::Connection::open(w.dir.path().join("hub.sqlite")).unwrap();
    conn.execute(
        "UPDATE check_ins SET day = ?1, queued_at = ?2",
        [day, &format!("{day}T09:00:00Z")],
    )
    .unwrap();
}

#[tokio::test]
async fn a_lost_answer_from_cobot_is_read_back_never_posted_twice() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    // Cobot performs the check-in but the answer is cut in half.
    w.fault(
        "/sub/lighthouse/api/memberships/mem-alex/work_sessions",
        cobot_sim::FaultKind::Malformed,
        1,
    );

    let (status, _) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 200);
    assert_eq!(w.check_in_settles("mem-alex").await, "checked_in");
    assert_eq!(
        w.cobot_check_ins("mem-alex"),
        1,
        "the retry read Cobot's state instead of posting again"
    );
}

#[tokio::test]
async fn a_hub_stopped_between_the_pulse_and_the_check_in_checks_in_once_after_restart() {
    let mut w = World::start_with(Options::without_check_in_worker()).await;
    let alex = w.session("user-alex").await;
    let (status, body) = w.unlock(Some(&alex), "front").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(w.outbox_state("mem-alex").as_deref(), Some("pending"));
    assert_eq!(w.cobot_check_ins("mem-alex"), 0, "the hub stopped before telling Cobot");

    w.restart_hub(true).await;

    assert_eq!(w.check_in_settles("mem-alex").await, "checked_in");
    assert_eq!(w.cobot_check_ins("mem-alex"), 1);
    // A second entry that day, after yet another restart, does not check in again.
    w.restart_hub(true).await;
    let (status, body) = w.unlock(Some(&alex), "front").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["check_in"], "already_today");
    assert_eq!(w.cobot_check_ins("mem-alex"), 1);
}

#[tokio::test]
async fn a_check_in_cobot_refuses_is_shown_in_cobots_words_and_not_retried() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    // Alex's membership ends today in Cobot's eyes but the hub's snapshot is older: the door opens
    // from the snapshot, and Cobot refuses the check-in.
    w.alex_canceled_at_cobot().await;

    let (status, _) = w.unlock(Some(&alex), "front").await;
    assert_eq!(status, 200);

    assert_eq!(w.check_in_settles("mem-alex").await, "refused");
    let me = w.me(&alex).await;
    assert_eq!(me["check_in"]["state"], "refused", "{me}");
    assert_eq!(
        me["check_in"]["message"],
        "Cobot did not check you in: Membership not active."
    );
    assert_eq!(w.cobot_check_ins("mem-alex"), 0);
}

#[tokio::test]
async fn too_many_requests_in_a_minute_are_refused_and_audited() {
    let w = World::start().await;
    let alex = w.session("user-alex").await;
    for _ in 0..12 {
        let (status, _) = w.unlock(Some(&alex), "office").await;
        assert_eq!(status, 403);
    }

    let (status, body) = w.unlock(Some(&alex), "front").await;

    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "slow_down");
    assert!(w.relay.pulses().is_empty());
    assert_eq!(w.audit().last().unwrap().entry.code.as_deref(), Some("slow_down"));
}

#[tokio::test]
async fn a_door_on_mqtt_opens_through_a_real_mosquitto_confirmed_by_the_devices_echo() {
    use frontdoor_hub::base::config::{DriverConfig, MqttConfig};
    use relay_sim::mosquitto::Mosquitto;
    use relay_sim::mqtt::Device;

    let broker = Mosquitto::start().await;
    let device = Device::tasmota(broker.host(), broker.port(), "front-strike").await;
    device.until_ready().await;
    let sim = cobot_sim::spawn(
        cobot_sim::SimConfig {
            start_at: Some(monday_morning()),
            ..cobot_sim::SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::demo(&sim.base_url);
    config.mqtt = Some(MqttConfig {
        host: broker.host().into(),
        port: broker.port(),
        username: None,
        password_credential: None,
    });
    config.doors[0].driver = Some(DriverConfig::Mqtt {
        profile: "tasmota".into(),
        topic: Some("front-strike".into()),
        relay: Some(1),
        device: None,
        base_topic: None,
        prefix: None,
        switch_id: None,
    });
    let token = mint(&http, &sim, "user-sam", "frontdoor-hub", frontdoor_hub::COBOT_SCOPES).await;
    let setup = Setup {
        store: Store::open(&dir.path().join("hub.sqlite")).unwrap(),
        cobot_token: Some(AccessToken::new(token)),
        client_secret: Some(ClientSecret::new(HUB_CLIENT_SECRET)),
        clock: frontdoor_hub::Clock::from_fn(monday_morning),
        ..Setup::detached()
    };
    let hub = frontdoor_hub::spawn_with(config, setup, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    hub.hub.syncer.full().await.unwrap();
    let session = sign_in(&http, &hub.base_url, "user-alex").await.unwrap();

    let r = http
        .post(hub.base_url.join("api/v1/doors/front/unlock").unwrap())
        .bearer_auth(session["session_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"], "opened", "confirmed by the device's POWER echo");
    assert_eq!(device.pulses().len(), 1);
    assert_eq!(
        device.pulses()[0].duration,
        Some(Duration::from_secs(3)),
        "the device turns itself off"
    );
    let audit = hub.hub.store.audit(10).unwrap();
    assert_eq!(
        audit[0]
            .entry
            .driver
            .as_deref()
            .unwrap_or_default()
            .split(" via ")
            .next(),
        Some("mqtt tasmota cmnd/front-strike relay 1")
    );
    assert!(
        device.commands().iter().all(|c| !c.retain),
        "commands are never retained"
    );
}

#[tokio::test]
async fn on_real_time_a_staff_members_entry_checks_in_and_me_shows_it() {
    let w = World::start_with(Options {
        clock: Timestamp::now,
        sim_real_time: true,
        ..Options::default()
    })
    .await;
    let sam = w.session("user-sam").await;

    let (status, body) = w.unlock(Some(&sam), "front").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(w.check_in_settles("mem-sam").await, "checked_in");
    let me = w.me(&sam).await;
    assert_eq!(me["check_in"]["state"], "checked_in", "{me}");
    assert_eq!(w.cobot_check_ins("mem-sam"), 1);
}
