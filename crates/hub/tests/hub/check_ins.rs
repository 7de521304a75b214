//! Check-ins as Cobot does them, end to end: the hub against cobot-sim (with its time passes and
//! its check-in scope rule) and relay-sim's Shelly double. Time moves by advancing cobot-sim's
//! clock and the hub's injected clock together, never by sleeping.
//!
//! What a member notices — the door opens or says why not, `/api/v1/me` says whether they are
//! checked in and in whose words — and what staff rely on — the check-ins view, the Cobot
//! connection's message, Cobot holding exactly the check-ins it should — are asserted.

use crate::util;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use cobot_sim::time_passes::TimePass;
use cobot_sim::CheckInScope as SimScope;
use frontdoor_core::secret::AccessToken;
use frontdoor_hub::base::config::{CheckInScope, NoPass};
use frontdoor_hub::store::CheckInRow;
use frontdoor_hub::{Config, RunningHub, Setup};
use jiff::Timestamp;
use relay_sim::ShellyDouble;
use serde_json::{json, Value};
use util::mint;

/// The front door's switch on the relay double.
const FRONT: u32 = 0;

/// A clock the hub reads through a plain `fn`, moved by the test: each use of the macro makes a
/// clock of its own, so tests running at once do not share one.
macro_rules! clock {
    ($start:expr) => {{
        static NOW: AtomicI64 = AtomicI64::new(0);
        fn now() -> Timestamp {
            Timestamp::from_second(NOW.load(Ordering::SeqCst)).expect("the test clock is in range")
        }
        let start: Timestamp = $start.parse().expect("a test instant");
        NOW.store(start.as_second(), Ordering::SeqCst);
        Clock { now, seconds: &NOW }
    }};
}

struct Clock {
    now: fn() -> Timestamp,
    seconds: &'static AtomicI64,
}

struct Options {
    clock: Clock,
    /// What cobot-sim requires for `work_sessions`.
    sim_scope: SimScope,
    /// What the hub asks for (`[cobot] check_in_scope`); its token has exactly what it asks for.
    hub_scope: CheckInScope,
    /// `[check_in] no_pass`.
    no_pass: NoPass,
    check_in_worker: bool,
    /// Which check-ins cobot-sim lists for a time window (Cobot's rule is unknown).
    window: cobot_sim::CheckInWindow,
}

impl Options {
    fn at(clock: Clock) -> Options {
        Options {
            clock,
            sim_scope: SimScope::Either,
            hub_scope: CheckInScope::Write,
            no_pass: NoPass::OpenAnyway,
            check_in_worker: true,
            window: cobot_sim::CheckInWindow::Overlap,
        }
    }
}

struct World {
    sim: cobot_sim::RunningSim,
    relay: ShellyDouble,
    hub: RunningHub,
    http: reqwest::Client,
    clock: Clock,
    config: Config,
    _dir: tempfile::TempDir,
}

impl World {
    async fn start(options: Options) -> World {
        let start = (options.clock.now)();
        let sim = cobot_sim::spawn(
            cobot_sim::SimConfig {
                start_at: Some(start),
                check_in_scope: options.sim_scope,
                variants: cobot_sim::Variants {
                    check_in_window: options.window,
                    ..cobot_sim::Variants::default()
                },
                ..cobot_sim::SimConfig::default()
            },
            util::any_port(),
        )
        .await
        .unwrap();
        let relay = ShellyDouble::start_with_channels(util::any_port(), 4).await;
        let http = reqwest::Client::new();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::demo_with_relay(&sim.base_url, Some(&relay.url()));
        // Members may come in at any hour here: these tests are about check-ins, not schedules.
        for group in &mut config.groups {
            group.schedule = None;
        }
        config.doors[0].pulse_seconds = 0.5;
        config.cobot.check_in_scope = options.hub_scope;
        config.check_in.no_pass = options.no_pass;
        // The token a plug would get: what the hub asks for.
        let token = util::token_as_asked(&http, &sim, &config).await;
        let clock = frontdoor_hub::Clock::from_fn(options.clock.now);
        let setup = Setup {
            retry: util::quick_retries(),
            cobot_timeout: Duration::from_secs(3),
            check_in_worker: options.check_in_worker,
            check_in_backoff: util::quick_backoff(),
            door_check_in_timeout: Duration::from_millis(1000),
            ..util::hub_setup(dir.path(), Some(token), clock)
        };
        let hub = util::spawn_hub(config.clone(), setup).await;
        hub.hub.syncer.full().await.unwrap();
        World {
            sim,
            relay,
            hub,
            http,
            clock: options.clock,
            config,
            _dir: dir,
        }
    }

    /// Moves Cobot's clock and the hub's by the same amount.
    fn advance(&self, by: Duration) {
        self.sim.sim.advance_clock(by);
        self.clock
            .seconds
            .fetch_add(i64::try_from(by.as_secs()).unwrap(), Ordering::SeqCst);
    }

    /// A fresh hub session (sessions last 10 minutes of the hub's clock).
    async fn session(&self, user: &str) -> String {
        util::session(&self.http, &self.hub.base_url, user).await
    }

    /// Signs in, taps Unlock on the front door: (status, body).
    async fn enter(&self, user: &str) -> (u16, Value) {
        let session = self.session(user).await;
        let answer = util::unlock(&self.http, &self.hub.base_url, Some(&session), "front").await;
        if answer.0 == 200 {
            // The strike closes by itself; the next tap is a new entry, not a double tap.
            self.relay
                .relay_becomes(FRONT, false, Duration::from_secs(5))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        answer
    }

    async fn get(&self, path: &str, user: &str) -> Value {
        let session = self.session(user).await;
        let r = self
            .http
            .get(self.hub.base_url.join(path).unwrap())
            .bearer_auth(&session)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.unwrap()
    }

    async fn me(&self, user: &str) -> Value {
        self.get("api/v1/me", user).await
    }

    /// The staff check-ins view of `day`.
    async fn staff_check_ins(&self, day: &str) -> Value {
        self.get(&format!("api/v1/admin/check_ins?day={day}"), "user-sam").await
    }

    fn pulses(&self) -> usize {
        self.relay.pulses().iter().filter(|p| p.channel == FRONT).count()
    }

    fn cobot_check_ins(&self, membership: &str) -> Vec<cobot_sim::CheckIn> {
        util::cobot_check_ins(&self.sim, membership)
    }

    fn outbox(&self, membership: &str) -> Vec<CheckInRow> {
        util::outbox(&self.hub, membership)
    }

    /// Waits (on the outbox, checked every few ms) until none of the member's check-ins is still
    /// on its way; returns the rows, newest first.
    async fn settled(&self, membership: &str) -> Vec<CheckInRow> {
        for _ in 0..1000 {
            let rows = self.outbox(membership);
            if rows.iter().all(|r| r.state != "pending" && r.state != "held") {
                return rows;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "a check-in of {membership} stayed pending: {:?}",
            self.outbox(membership)
        );
    }

    /// Waits until the member's newest check-in has been tried and is still pending.
    async fn tried_and_pending(&self, membership: &str) -> CheckInRow {
        for _ in 0..1000 {
            if let Some(row) = self.outbox(membership).into_iter().next() {
                if row.state == "pending" && row.attempts > 0 && row.last_error.is_some() {
                    return row;
                }
                assert_ne!(row.state, "refused", "a permission problem is not a refusal: {row:?}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "the check-in of {membership} was never tried: {:?}",
            self.outbox(membership)
        );
    }

    /// Sets cobot-sim's switches where Cobot's behaviour is unknown (`POST /_sim/config`).
    async fn sim_config(&self, patch: Value) {
        let r = self
            .http
            .post(format!("{}_sim/config", self.sim.base_url))
            .json(&patch)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{patch}: {}", r.text().await.unwrap());
    }

    /// Alex unlocks the front door, it opens, and the hub's check-in at Cobot is made: the
    /// outbox's rows for Alex.
    async fn alex_enters_and_is_checked_in(&self) -> Vec<CheckInRow> {
        let (status, body) = self.enter("user-alex").await;
        assert_eq!(status, 200, "{body}");
        let rows = self.settled("mem-alex").await;
        assert_eq!(rows[0].state, "checked_in", "{rows:?}");
        rows
    }

    /// What the console's Cobot tab says to Sam (staff) about the connection.
    async fn cobot_tab_message(&self) -> String {
        let connection = self.get("api/v1/admin/cobot", "user-sam").await;
        let message = connection["message"].as_str();
        message.unwrap_or_else(|| panic!("{connection}")).to_string()
    }

    /// Staff at the front desk check `membership` in, in Cobot (Sam's token); the hub does not
    /// know.
    async fn front_desk_checks_in(&self, membership: &str) {
        let desk = mint(&self.http, &self.sim, "user-sam", "frontdoor-hub", &["write"]).await;
        let space = self.sim.space_url("lighthouse");
        let url = format!("{space}/api/memberships/{membership}/work_sessions");
        let r = self.http.post(url).bearer_auth(desk).send().await.unwrap();
        assert_eq!(r.status(), 201, "the front desk's check-in at Cobot");
    }

    fn set_passes(&self, membership: &str, passes: Vec<TimePass>) {
        assert!(self.sim.sim.set_time_passes(membership, passes));
    }
}

fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

// ---- 1. The permission to check members in ----

#[tokio::test]
async fn the_hub_checks_in_when_cobot_requires_the_scope_it_asked_for() {
    for (sim_scope, hub_scope) in [
        (SimScope::Write, CheckInScope::Write),
        (SimScope::Checkin, CheckInScope::Checkin),
    ] {
        let w = World::start(Options {
            sim_scope,
            hub_scope,
            ..Options::at(clock!("2026-11-23T09:00:00Z"))
        })
        .await;

        let (status, body) = w.enter("user-alex").await;

        assert_eq!(status, 200, "{body}");
        let rows = w.settled("mem-alex").await;
        assert_eq!(rows[0].state, "checked_in", "{sim_scope:?}: {rows:?}");
        assert_eq!(w.cobot_check_ins("mem-alex").len(), 1, "{sim_scope:?}");
        let message = w.cobot_tab_message().await;
        assert!(!message.contains("check members in"), "{message}");
    }
}

#[tokio::test]
async fn a_403_on_check_in_waits_for_staff_to_reconnect_in_words_and_then_checks_in_once() {
    // Cobot requires one scope; the hub asked for the other.
    for (sim_scope, hub_scope, right) in [
        (SimScope::Checkin, CheckInScope::Write, "checkin"),
        (SimScope::Write, CheckInScope::Checkin, "write"),
    ] {
        let w = World::start(Options {
            sim_scope,
            hub_scope,
            ..Options::at(clock!("2026-11-23T09:00:00Z"))
        })
        .await;

        let (status, body) = w.enter("user-alex").await;

        assert_eq!(
            status, 200,
            "the door opens whatever Cobot says about check-ins: {body}"
        );
        assert_eq!(body["check_in"], "checking_in");
        let row = w.tried_and_pending("mem-alex").await;
        let words = row.last_error.unwrap();
        assert!(
            words.contains("lacks that permission") && words.contains("reconnect Cobot"),
            "staff are told what to do: {words}"
        );
        assert!(w.cobot_check_ins("mem-alex").is_empty());

        // Staff see it in the check-ins view and on the Cobot tab, in words.
        let view = w.staff_check_ins("2026-11-23").await;
        let shown = &view["rows"][0];
        assert_eq!(shown["state"], "pending", "{view}");
        assert_eq!(shown["retryable"], true);
        assert!(shown["why"].as_str().unwrap().contains("reconnect Cobot"), "{view}");
        let message = w.cobot_tab_message().await;
        assert!(
            message.contains("did not let the hub check members in")
                && message.contains(hub_scope.as_str())
                && message.contains("Reconnect Cobot"),
            "{message}"
        );
        // The member sees a check-in under way, not a refusal.
        let me = w.me("user-alex").await;
        assert_eq!(me["check_in"]["state"], "pending", "{me}");

        // Staff reconnect with the right permission: the waiting check-in goes through, once.
        let mut scopes = frontdoor_hub::COBOT_SCOPES.to_vec();
        scopes.push(right);
        let token = mint(&w.http, &w.sim, "user-sam", "frontdoor-hub", &scopes).await;
        w.hub.hub.syncer.token_slot().set(Some(AccessToken::new(token)));
        w.hub
            .hub
            .store
            .check_ins_due_now(Timestamp::now().as_millisecond())
            .unwrap();
        w.hub.hub.check_ins.wake();

        let rows = w.settled("mem-alex").await;
        assert_eq!(rows[0].state, "checked_in", "{rows:?}");
        assert_eq!(w.cobot_check_ins("mem-alex").len(), 1);
        let message = w.cobot_tab_message().await;
        assert!(
            !message.contains("did not let the hub"),
            "the new connection has the permission: {message}"
        );
    }
}

// ---- 2. Cobot's day, not the calendar's ----

#[tokio::test]
async fn a_member_entering_at_01_30_after_an_evening_check_in_is_not_checked_in_twice() {
    // Monday 20:00 in Berlin.
    let w = World::start(Options::at(clock!("2026-11-23T19:00:00Z"))).await;
    let rows = w.alex_enters_and_is_checked_in().await;
    assert_eq!(
        rows[0].valid_until.as_deref(),
        Some("2026-11-24T02:59:59Z"),
        "an unlimited plan runs until 03:59:59 the next morning in Berlin"
    );

    // Tuesday 01:30 in Berlin: a new calendar day, the same Cobot day.
    w.advance(minutes(5 * 60 + 30));
    let (status, body) = w.enter("user-alex").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["check_in"], "already_today", "{body}");
    w.settled("mem-alex").await;
    assert_eq!(
        w.cobot_check_ins("mem-alex").len(),
        1,
        "still Monday evening's check-in at Cobot"
    );
    assert_eq!(w.outbox("mem-alex").len(), 1, "nothing queued for the second entry");
    let me = w.me("user-alex").await;
    assert_eq!(
        (me["check_in"]["state"].as_str(), me["check_in"]["message"].as_str()),
        (Some("checked_in"), Some("Checked in since 20:00")),
        "{me}"
    );
    assert_eq!(w.pulses(), 2);
}

#[tokio::test]
async fn an_evening_check_in_made_at_the_front_desk_stands_for_an_entry_after_midnight() {
    let w = World::start(Options::at(clock!("2026-11-23T19:00:00Z"))).await;
    // The front desk checks Alex in at 20:00, in Cobot; the hub does not know.
    w.front_desk_checks_in("mem-alex").await;

    w.advance(minutes(5 * 60 + 30));
    let rows = w.alex_enters_and_is_checked_in().await;
    assert_eq!(
        w.cobot_check_ins("mem-alex").len(),
        1,
        "the hub read Cobot's running check-in instead of posting another"
    );
    assert_eq!(
        rows[0].cobot_id.as_deref(),
        Some(w.cobot_check_ins("mem-alex")[0].id.as_str())
    );
}

#[tokio::test]
async fn a_member_checked_in_at_the_front_desk_at_nine_who_enters_at_two_spends_nothing() {
    // Both of Cobot's possible windows, and both answers to a repeated check-in: one more pass
    // spent ("new") or a refusal ("reject"). Either shows if the hub posted.
    for (window, repeat) in [
        (cobot_sim::CheckInWindow::Overlap, "new"),
        (cobot_sim::CheckInWindow::Starts, "new"),
        (cobot_sim::CheckInWindow::Starts, "reject"),
    ] {
        // 09:00 in Berlin.
        let w = World::start(Options {
            window,
            ..Options::at(clock!("2026-11-23T08:00:00Z"))
        })
        .await;
        w.sim_config(json!({"repeat_check_in": repeat})).await;
        w.front_desk_checks_in("mem-alex").await;

        w.advance(hours(5));
        let (status, body) = w.enter("user-alex").await;
        assert_eq!(status, 200, "{window:?}: {body}");
        let rows = w.settled("mem-alex").await;
        assert_eq!(rows[0].state, "checked_in", "{window:?}: {rows:?}");
        assert_eq!(
            w.cobot_check_ins("mem-alex").len(),
            1,
            "{window:?}: the hub read Cobot's day from 04:00 and found the front desk's check-in, so no second pass was spent"
        );
    }
}

#[tokio::test]
async fn an_hourly_pass_member_re_entering_after_the_pass_ended_is_checked_in_again() {
    // Monday 10:00 in Berlin.
    let w = World::start(Options::at(clock!("2026-11-23T09:00:00Z"))).await;
    w.set_passes("mem-alex", vec![TimePass::duration("tp-hour", "1 Hour Pass", 60, 3)]);

    w.alex_enters_and_is_checked_in().await;

    // 10:30: the pass still runs.
    w.advance(minutes(30));
    let (_, body) = w.enter("user-alex").await;
    assert_eq!(body["check_in"], "already_today", "{body}");
    assert_eq!(w.cobot_check_ins("mem-alex").len(), 1);

    // 12:00: the hour ended at 11:00.
    w.advance(minutes(90));
    let (status, body) = w.enter("user-alex").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(body["check_in"], "checking_in", "{body}");
    let rows = w.settled("mem-alex").await;
    assert_eq!(
        rows.iter().map(|r| r.state.as_str()).collect::<Vec<_>>(),
        ["checked_in", "checked_in"],
        "one check-in per stay, both on Monday: {rows:?}"
    );
    assert_eq!(w.cobot_check_ins("mem-alex").len(), 2);
    assert_eq!(w.sim.sim.time_passes("mem-alex")[0].left, 1, "two passes used");
    let me = w.me("user-alex").await;
    assert_eq!(me["check_in"]["message"], "Checked in since 12:00", "{me}");
    assert_eq!(
        me["recent_check_ins"][1]["message"], "Checked in from 10:00 until 11:00",
        "{me}"
    );
    // The same as facts, for the app to say in the member's language.
    assert_eq!(
        me["check_in"]["line"],
        serde_json::json!({"kind": "checked_in", "since": "12:00", "until": null}),
        "a running check-in has no end yet: {me}"
    );
    assert_eq!(
        me["recent_check_ins"][1]["line"],
        serde_json::json!({"kind": "checked_in", "since": "10:00", "until": "11:00"}),
        "{me}"
    );
    let view = w.staff_check_ins("2026-11-23").await;
    assert_eq!(view["rows"].as_array().unwrap().len(), 2, "{view}");
}

#[tokio::test]
async fn a_fixed_span_pass_refused_outside_its_span_shows_cobots_words_to_staff_and_the_member() {
    // Cobot's refusal as `{"errors":{"base":…}}` (its captive portal) and as `{"base":…}` (a
    // door integration reads that): the member and staff see Cobot's words either way.
    for refusal in ["errors_base", "base"] {
        fixed_span_pass_refused_outside_its_span(refusal).await;
    }
}

async fn fixed_span_pass_refused_outside_its_span(refusal: &str) {
    // Monday 13:00 in Berlin; the pass is for mornings.
    let w = World::start(Options::at(clock!("2026-11-23T12:00:00Z"))).await;
    w.sim_config(json!({"check_in_refusal": refusal})).await;
    w.set_passes(
        "mem-alex",
        vec![TimePass::span("tp-morning", "Morning", (8, 0), (12, 0), 5)],
    );
    let cobot_words = "None of your time passes is valid at this time of day.";

    let (status, body) = w.enter("user-alex").await;

    assert_eq!(status, 200, "open anyway, as Cobot's own door integrations: {body}");
    let rows = w.settled("mem-alex").await;
    assert_eq!(rows[0].state, "refused");
    let view = w.staff_check_ins("2026-11-23").await;
    assert_eq!(
        (view["rows"][0]["state"].as_str(), view["rows"][0]["why"].as_str()),
        (Some("refused"), Some(cobot_words)),
        "{view}"
    );
    let me = w.me("user-alex").await;
    assert_eq!(me["check_in"]["state"], "refused", "{me}");
    assert_eq!(
        me["check_in"]["message"],
        format!("Cobot did not check you in: {cobot_words}"),
    );
    assert!(w.cobot_check_ins("mem-alex").is_empty());
    assert_eq!(w.sim.sim.time_passes("mem-alex")[0].left, 5, "nothing spent");

    // Tuesday 09:00: inside the span, the next entry is checked in until noon.
    w.advance(hours(20));
    let rows = w.alex_enters_and_is_checked_in().await;
    assert_eq!(
        rows[0].valid_until.as_deref(),
        Some("2026-11-24T11:00:00Z"),
        "12:00 in Berlin"
    );
}

// ---- 3. No pass left ----

#[tokio::test]
async fn by_default_a_member_without_a_pass_gets_in_and_cobots_refusal_is_shown() {
    let w = World::start(Options::at(clock!("2026-11-23T09:00:00Z"))).await;
    w.set_passes("mem-alex", vec![TimePass::day_pass("tp-day", 0)]);

    let (status, body) = w.enter("user-alex").await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(w.pulses(), 1);
    assert_eq!(w.settled("mem-alex").await[0].state, "refused");
    let me = w.me("user-alex").await;
    assert_eq!(
        me["check_in"]["message"],
        "Cobot did not check you in: No time passes left."
    );
    let view = w.staff_check_ins("2026-11-23").await;
    assert_eq!(view["no_pass"], "open-anyway");
}

#[tokio::test]
async fn staff_set_refuse_and_a_member_without_a_pass_is_kept_out_in_cobots_words() {
    // The worker is off: whatever is checked in here was checked in before the door.
    let w = World::start(Options {
        check_in_worker: false,
        ..Options::at(clock!("2026-11-23T09:00:00Z"))
    })
    .await;
    w.set_passes("mem-alex", vec![TimePass::day_pass("tp-day", 0)]);
    let sam = w.session("user-sam").await;
    let put = |body: Value| {
        w.http
            .put(w.hub.base_url.join("api/v1/admin/check_ins/policy").unwrap())
            .bearer_auth(&sam)
            .json(&body)
            .send()
    };
    let r = put(json!({"no_pass": "lock"})).await.unwrap();
    assert_eq!(r.status(), 422);
    let refused: Value = r.json().await.unwrap();
    assert!(
        refused["fields"]["no_pass"].as_str().unwrap().contains("refuse"),
        "{refused}"
    );
    let r = put(json!({"no_pass": "refuse"})).await.unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer, json!({"policy": "once-per-day", "no_pass": "refuse"}));

    let (status, body) = w.enter("user-alex").await;

    assert_eq!((status, body["code"].as_str()), (403, Some("no_access")), "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Front door stays shut") && message.contains("No time passes left."),
        "{message}"
    );
    assert_eq!(w.pulses(), 0, "refused before the door");
    let audit = w.hub.hub.store.audit(5).unwrap();
    assert_eq!(audit[0].entry.decision, "refused");
    assert!(
        audit[0]
            .entry
            .reasons
            .iter()
            .any(|r| r.contains("No time passes left.")),
        "{:?}",
        audit[0].entry.reasons
    );
    let view = w.staff_check_ins("2026-11-23").await;
    assert_eq!(view["no_pass"], "refuse");
    assert_eq!(
        (view["rows"][0]["state"].as_str(), view["rows"][0]["why"].as_str()),
        (Some("refused"), Some("No time passes left.")),
        "{view}"
    );
    let me = w.me("user-alex").await;
    assert_eq!(me["check_in"]["state"], "refused", "{me}");

    // A pass bought: Cobot checks Alex in before the door, which then opens.
    w.set_passes("mem-alex", vec![TimePass::day_pass("tp-day", 1)]);
    let (status, body) = w.enter("user-alex").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(w.pulses(), 1);
    assert_eq!(w.outbox("mem-alex")[0].state, "checked_in", "made at the door");
    assert_eq!(w.cobot_check_ins("mem-alex").len(), 1);
    // Inside the check-in, Cobot is not asked again.
    w.advance(hours(2));
    w.set_passes("mem-alex", vec![TimePass::day_pass("tp-day", 0)]);
    let (status, body) = w.enter("user-alex").await;
    assert_eq!(
        (status, body["check_in"].as_str()),
        (200, Some("already_today")),
        "{body}"
    );
    // Staff are never refused at the door.
    let (status, _) = w.enter("user-sam").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn with_refuse_a_cobot_that_does_not_answer_in_time_lets_the_member_in() {
    let w = World::start(Options {
        no_pass: NoPass::Refuse,
        ..Options::at(clock!("2026-11-23T09:00:00Z"))
    })
    .await;
    w.set_passes("mem-alex", vec![TimePass::day_pass("tp-day", 1)]);
    w.sim
        .sim
        .add_fault(util::slow("/sub/lighthouse/api/work_sessions", 2500, 1))
        .unwrap();

    let (status, body) = w.enter("user-alex").await;

    assert_eq!(status, 200, "no answer in time: the door opens as by default: {body}");
    let rows = w.settled("mem-alex").await;
    assert_eq!(
        rows[0].state, "checked_in",
        "the outbox checked Alex in afterwards: {rows:?}"
    );
    assert_eq!(w.cobot_check_ins("mem-alex").len(), 1);
    assert_eq!(w.config.check_in.no_pass, NoPass::Refuse);
}
