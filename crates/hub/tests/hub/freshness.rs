//! How fresh the hub's copy of Cobot is: the bound after which it no longer opens doors for
//! members (`[sync] max_age_hours`), and how fast a change in Cobot reaches the next decision.

use crate::util;

use frontdoor_hub::Config;
use jiff::Timestamp;
use util::*;

const MONDAY: i64 = 1_795_424_400; // 2026-11-23T09:00:00Z

fn monday() -> Timestamp {
    Timestamp::from_second(MONDAY).unwrap()
}

/// The demo world ([`util::Demo`]) from Monday morning on, the hub's clock moved by the test.
struct World {
    demo: Demo,
    /// Moves the hub's clock.
    hand: frontdoor_hub::ClockHand,
}

util::deref_to_demo!(World.demo);

impl World {
    /// The hub's token has what its configuration (changed by `change`) asks for.
    async fn start(change: impl FnOnce(&mut Config)) -> World {
        let (clock, hand) = frontdoor_hub::Clock::manual(monday());
        let start = Start::at(monday()).clock(clock).config(change).token_as_asked();
        World {
            demo: start.start().await,
            hand,
        }
    }

    /// Moves the hub's and cobot-sim's clocks on together (each side has its own, as the hub and
    /// Cobot do), without any sync in between: no test sleeps through the hours.
    fn advance_hours(&self, hours: u64) {
        let by = std::time::Duration::from_secs(hours * 3600);
        self.hand.advance(by);
        self.sim.sim.advance_clock(by);
    }
}

#[tokio::test]
async fn past_the_spaces_bound_a_members_door_stays_shut_with_the_reason_and_staff_still_open() {
    let w = World::start(|c| {
        c.sync.max_age_hours = 48;
        // A short pulse: each tap below comes after the last one's strike closed again (a tap
        // while it is still open joins that opening).
        c.doors[0].pulse_seconds = 0.5;
    })
    .await;
    let closed = || tokio::time::sleep(std::time::Duration::from_millis(600));
    let alex = w.session("user-alex").await;
    let (status, answer) = w.unlock(&alex, "front").await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("opened")), "{answer}");

    // Cobot cannot be reached for 47 hours: still within the bound (Wednesday 08:00 UTC).
    w.advance_hours(47);
    closed().await;
    let alex = w.session("user-alex").await;
    let (status, answer) = w.unlock(&alex, "front").await;
    assert_eq!(status, 200, "within the bound: {answer}");

    // Two more hours: past it.
    w.advance_hours(2);
    closed().await;
    let alex = w.session("user-alex").await;
    let (status, answer) = w.unlock(&alex, "front").await;
    assert_eq!(status, 503, "{answer}");
    assert_eq!(answer["code"], "membership_data_too_old");
    let words = answer["message"].as_str().unwrap();
    assert!(words.contains("last reached Cobot 2 days ago"), "{words}");
    assert!(
        words.contains("(48 hours)") && words.contains("Staff can still let you in"),
        "{words}"
    );
    let (_, me) = w.get("api/v1/me", &alex).await;
    for door in me["doors"].as_array().unwrap() {
        assert_eq!(door["allowed"], false, "{door}");
        assert!(
            door["reasons"][0].as_str().unwrap().contains("last reached Cobot"),
            "{door}"
        );
        assert_eq!(door["why"][0]["kind"], "copy_too_old", "{door}");
        assert_eq!(door["why"][0]["bound_hours"], 48, "{door}");
        assert!(door["why"][0]["age_seconds"].as_i64().unwrap() > 48 * 3600, "{door}");
    }
    let sam = w.session("user-sam").await;
    let (status, answer) = w.unlock(&sam, "front").await;
    assert_eq!(
        (status, answer["outcome"].as_str()),
        (200, Some("opened")),
        "staff still open: {answer}"
    );
    let (_, glance) = w.get("api/v1/admin/glance", &sam).await;
    assert_eq!(glance["sync"]["ok"], false, "{glance}");
    assert!(
        glance["sync"]["words"]
            .as_str()
            .unwrap()
            .contains("members' doors stay shut"),
        "{glance}"
    );
    let audit = w.hub.hub.store.audit(10).unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.entry.code.as_deref() == Some("membership_data_too_old")),
        "the refusal is audited"
    );

    // Cobot is reached again: the next sync opens the doors again.
    w.hub.hub.syncer.full().await.unwrap();
    closed().await;
    let (status, answer) = w.unlock(&alex, "front").await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("opened")), "{answer}");
}

#[test]
fn the_bound_is_one_hour_to_thirty_days_and_seventy_two_hours_by_default() {
    let base = "[space]\nsubdomain = \"l\"\nname = \"L\"\n[cobot]\nclient_id = \"c\"\n";
    assert_eq!(Config::parse(base).unwrap().sync.max_age_hours, 72);
    let err = Config::parse(&format!("{base}[sync]\nmax_age_hours = 0\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 to 720"), "{err}");
    let err = Config::parse(&format!("{base}[sync]\nmax_age_hours = 721\n"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 to 720"), "{err}");
}
