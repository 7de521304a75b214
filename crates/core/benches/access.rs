//! Access evaluation for 10,000 members × 20 doors. Prints its figures:
//! `cargo bench -p frontdoor-core --bench access`.
//!
//! Two ways side by side in one run: `evaluate` once per member and door (the unlock path's
//! question), and `member_access` once per member for every door (the member screen's question,
//! which resolves groups and activity once).

use std::hint::black_box;
use std::time::{Duration, Instant};

use frontdoor_core::access::{Assignment, Door, DoorId, Group, GroupId, Member, PlanMatch, PlanRef, Rules, Schedule};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

const MEMBERS: usize = 10_000;
const DOORS: usize = 20;
const ROUNDS: usize = 5;

fn rules() -> Rules {
    let doors: Vec<Door> = (0..DOORS)
        .map(|i| Door {
            id: DoorId(format!("door-{i}")),
            name: format!("Door {i}"),
        })
        .collect();
    let groups: Vec<Group> = (0..8)
        .map(|g| Group {
            id: GroupId(format!("Group{g}")),
            doors: (0..DOORS)
                .filter(|d| d % 8 == g || d % 3 == g % 3)
                .map(|d| DoorId(format!("door-{d}")))
                .collect(),
            schedule: (g % 2 == 0).then(|| Schedule::parse("Mon-Fri 07:00-22:00; Sat 10:00-16:00").unwrap()),
        })
        .collect();
    let assignments: Vec<Assignment> = (0..6)
        .map(|p| Assignment {
            plan: PlanMatch::Name(format!("Plan {p}")),
            groups: vec![GroupId(format!("Group{p}")), GroupId(format!("Group{}", (p + 3) % 8))],
        })
        .collect();
    Rules::new(
        TimeZone::get("Europe/Berlin").unwrap(),
        doors,
        groups,
        &assignments,
        true,
    )
    .unwrap()
}

fn members() -> Vec<Member> {
    (0..MEMBERS)
        .map(|i| Member {
            membership_id: format!("mem-{i:05}"),
            plan: Some(PlanRef {
                id: None,
                name: format!("Plan {}", i % 7),
                names: None,
            }),
            confirmed: i % 41 != 0,
            starts_at: Some(Date::constant(2025, 1, 1)),
            canceled_to: (i % 50 == 0).then(|| Date::constant(2026, 6, 30)),
            extra_groups: (i % 7 == 0).then(|| "Group7, Unknown".to_string()),
        })
        .collect()
}

fn best<F: FnMut() -> usize>(mut f: F) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut allowed = 0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        allowed = black_box(f());
        best = best.min(start.elapsed());
    }
    (best, allowed)
}

fn main() {
    let rules = rules();
    let members = members();
    let doors: Vec<DoorId> = rules.doors().iter().map(|d| d.id.clone()).collect();
    let at: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
    let evaluations = MEMBERS * DOORS;

    let (per_door, allowed_a) = best(|| {
        members
            .iter()
            .map(|m| doors.iter().filter(|d| rules.evaluate(m, d, at).allowed).count())
            .sum()
    });
    let (all_doors, allowed_b) = best(|| {
        members
            .iter()
            .map(|m| {
                rules
                    .member_access(m, at)
                    .doors
                    .iter()
                    .filter(|(_, v)| v.allowed)
                    .count()
            })
            .sum()
    });
    assert_eq!(allowed_a, allowed_b, "both ways reach the same verdicts");

    println!("access evaluation: {MEMBERS} members × {DOORS} doors = {evaluations} verdicts ({allowed_a} open), best of {ROUNDS}");
    for (name, d) in [("evaluate per door", per_door), ("member_access", all_doors)] {
        println!(
            "  {name:<18} {:>8.1} ms  {:>6.0} ns/verdict  {:>10.0} verdicts/s",
            d.as_secs_f64() * 1e3,
            d.as_nanos() as f64 / evaluations as f64,
            evaluations as f64 / d.as_secs_f64()
        );
    }
    println!(
        "  ratio per-door / all-doors: {:.2}×",
        per_door.as_secs_f64() / all_doors.as_secs_f64()
    );
}
