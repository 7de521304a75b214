//! Staff console, part 2, at the hub: QR codes and the sticker sheet, the activity view and its
//! CSV, staff's remote opens, door latencies, and check-ins (list, retry, policy). Against
//! cobot-sim pinned to Monday 2026-11-23 09:00 UTC and relay-sim's Shelly double.

use crate::util;

use frontdoor_core::links::{DeepLink, DoorId, HubUrl, Subdomain};
use frontdoor_hub::store::{AuditEntry, CheckInRow, Store};
use frontdoor_hub::Config;
use jiff::Timestamp;
use relay_sim::ShellyDouble;
use reqwest::Method;
use serde_json::{json, Value};
use util::*;

const MONDAY: &str = "2026-11-23T09:00:00Z";
const TODAY: &str = "2026-11-23";

fn monday() -> Timestamp {
    MONDAY.parse().unwrap()
}

/// The demo world ([`util::Demo`]) pinned to Monday morning, with Sam (staff) and Alex (a
/// member) signed in.
struct World {
    demo: Demo,
    sam: String,
    alex: String,
}

util::deref_to_demo!(World.demo);

impl World {
    async fn start() -> World {
        World::start_with(|_| {}).await
    }

    async fn start_with(change: impl FnOnce(&mut Config)) -> World {
        let demo = Start::at(monday()).config(change).start().await;
        let (sam, alex) = (demo.session("user-sam").await, demo.session("user-alex").await);
        World { demo, sam, alex }
    }

    /// `method path` with an optional session and JSON body → (status, headers, body text).
    async fn call(
        &self,
        method: Method,
        path: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, String) {
        let r = util::send(&self.http, &self.hub.base_url, method, path, session, body).await;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.text().await.unwrap())
    }

    /// The same, for an answer that must be JSON → (status, body).
    async fn json(&self, method: Method, path: &str, session: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let (status, _, text) = self.call(method, path, session, body).await;
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}")),
        )
    }

    /// Sam, staff, asks the console: `method path` with an optional JSON body → (status, JSON
    /// body).
    async fn staff(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.json(method, path, Some(&self.sam), body).await
    }

    /// Sam opens a console page or file: `GET path` → (status, headers, body text).
    async fn staff_page(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        self.call(Method::GET, path, Some(&self.sam), None).await
    }

    /// Sam's `GET path`, which must answer 200 → the JSON body.
    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.staff(Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// The console's row for `door` (`GET /api/v1/admin/doors`).
    async fn door_row(&self, door: &str) -> Value {
        door_row(&self.get("api/v1/admin/doors").await, door).clone()
    }

    /// Sam saves the side door: `PUT /api/v1/admin/doors/side` with `setup` (the door, and its
    /// secret where one is entered) → (status, body).
    async fn put_side_door(&self, setup: Value) -> (u16, Value) {
        self.staff(Method::PUT, "api/v1/admin/doors/side", Some(setup)).await
    }

    /// Sam's "Test" button for the side door → (status, body).
    async fn test_side_door(&self) -> (u16, Value) {
        self.staff(Method::POST, "api/v1/admin/doors/side/test", None).await
    }

    fn hub_url(&self) -> HubUrl {
        HubUrl::parse(self.hub.base_url.as_str()).unwrap()
    }
}

fn entry(at: &str, user: Option<&str>, door: &str, decision: &str, reasons: &[&str], latency_us: u64) -> AuditEntry {
    AuditEntry {
        at: at.parse().unwrap(),
        user_id: user.map(str::to_string),
        membership_id: None,
        staff: false,
        door_id: door.into(),
        decision: decision.into(),
        code: (decision == "refused").then(|| "no_access".to_string()),
        reasons: reasons.iter().map(|r| r.to_string()).collect(),
        driver: None,
        driver_result: None,
        may_have_opened: decision == "opened",
        latency_us,
        check_in: None,
    }
}

fn assert_invalid(status: u16, body: &Value, fields: &[&str]) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "invalid", "{body}");
    for f in fields {
        assert!(body["fields"][*f].is_string(), "no words for {f}: {body}");
    }
}

/// The QR code an SVG of the hub shows, read back the way a phone's camera would: the SVG's
/// rectangles painted onto a grey image, then found and decoded by `rqrr`.
fn decode_svg(svg: &str) -> String {
    let attr = |name: &str| -> usize {
        let start = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[start..].split('"').next().unwrap().parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let d_start = svg.find(" d=\"").expect("a path") + 4;
    let d = svg[d_start..].split('"').next().unwrap();
    let mut dark = vec![false; w * h];
    for rect in d.split('M').filter(|r| !r.is_empty()) {
        // "M{left} {top}h{width}v{height}H{left}V{top}"
        let n: Vec<usize> = rect
            .split(|c: char| c.is_ascii_alphabetic() || c == ' ')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().unwrap())
            .collect();
        let (left, top, width, height) = (n[0], n[1], n[2], n[3]);
        for y in top..top + height {
            for x in left..left + width {
                dark[y * w + x] = true;
            }
        }
    }
    assert!(
        svg.contains("fill=\"#ffffff\"") && svg.contains("fill=\"#000000\""),
        "dark on white"
    );
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| if dark[y * w + x] { 0 } else { 255 });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one code in the image");
    grids[0].decode().expect("the code decodes").1
}

/// Every SVG inside an HTML page.
fn svgs_in(page: &str) -> Vec<String> {
    page.split("<svg")
        .skip(1)
        .map(|rest| format!("<svg{}</svg>", rest.split("</svg>").next().unwrap()))
        .collect()
}

#[tokio::test]
async fn every_new_console_call_refuses_members_and_requests_without_a_session() {
    let w = World::start().await;
    let calls: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "api/v1/admin/qr/join.svg", None),
        (Method::GET, "api/v1/admin/qr/doors/front.svg", None),
        (Method::GET, "api/v1/admin/qr/stickers?paper=a4", None),
        (Method::GET, "api/v1/admin/activity", None),
        (Method::GET, "api/v1/admin/activity.csv", None),
        (Method::GET, "api/v1/admin/doors/latency", None),
        (
            Method::POST,
            "api/v1/admin/doors/front/open",
            Some(json!({"reason": "visitor"})),
        ),
        (Method::GET, "api/v1/admin/check_ins", None),
        (Method::GET, "api/v1/admin/doors", None),
        (
            Method::PUT,
            "api/v1/admin/doors/front",
            Some(json!({"door": {"id": "front", "name": "x", "entrance": false, "pulse_ms": 3000, "driver": null}})),
        ),
        (Method::DELETE, "api/v1/admin/doors/front", None),
        (Method::POST, "api/v1/admin/doors/front/test", None),
        (Method::POST, "api/v1/admin/check_ins/mem-alex/2026-11-23/retry", None),
        (
            Method::PUT,
            "api/v1/admin/check_ins/policy",
            Some(json!({"policy": "off"})),
        ),
    ];
    for (method, path, body) in &calls {
        let (status, body_seen) = w.json(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            (status, body_seen["code"].as_str()),
            (401, Some("not_signed_in")),
            "{path}"
        );
        let (status, body_seen) = w.json(method.clone(), path, Some(&w.alex), body.clone()).await;
        assert_eq!((status, body_seen["code"].as_str()), (403, Some("not_staff")), "{path}");
        assert!(body_seen["message"].as_str().unwrap().contains("staff"), "{body_seen}");
    }
    assert!(w.relay.pulses().is_empty(), "nobody but staff opened anything");
    assert_eq!(
        w.get("api/v1/admin/doors").await["doors"][0]["door"]["name"],
        "Front door",
        "a member's door change changed nothing"
    );
    let (_, policy) = w.staff(Method::GET, "api/v1/admin/check_ins", None).await;
    assert_eq!(
        policy["policy"], "once-per-day",
        "a member's policy change changed nothing"
    );
    for path in [
        "api/v1/admin/qr/join.svg",
        "api/v1/admin/qr/doors/front.svg",
        "api/v1/admin/qr/stickers?paper=letter",
        "api/v1/admin/activity",
        "api/v1/admin/activity.csv",
        "api/v1/admin/doors/latency",
        "api/v1/admin/doors",
        "api/v1/admin/check_ins",
    ] {
        let (status, _, text) = w.staff_page(path).await;
        assert_eq!(status, 200, "{path}: {text}");
    }
}

#[tokio::test]
async fn the_printed_codes_decode_to_exactly_the_links_the_app_accepts() {
    let w = World::start().await;
    let space = Subdomain::parse("lighthouse").unwrap();

    let (status, headers, svg) = w.staff_page("api/v1/admin/qr/join.svg").await;
    assert_eq!(status, 200, "{svg}");
    assert_eq!(headers["content-type"], "image/svg+xml");
    let link = decode_svg(&svg);
    assert_eq!(
        link,
        format!("{}join?space=lighthouse", w.hub_url().url()),
        "the code holds the hub's join page, which any phone camera opens"
    );
    assert_eq!(
        DeepLink::read(&link).unwrap(),
        DeepLink::Join {
            space: space.clone(),
            hub: w.hub_url()
        }
    );

    for door in ["front", "workshop", "office"] {
        let (status, _, svg) = w.staff_page(&format!("api/v1/admin/qr/doors/{door}.svg")).await;
        assert_eq!(status, 200, "{svg}");
        assert_eq!(
            DeepLink::read(&decode_svg(&svg)).unwrap(),
            DeepLink::Open {
                space: space.clone(),
                door: DoorId::parse(door).unwrap()
            }
        );
    }
    let (status, body) = w.staff(Method::GET, "api/v1/admin/qr/doors/cellar.svg", None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("unknown_door")), "{body}");
}

#[tokio::test]
async fn the_sticker_sheet_has_one_code_per_door_and_the_join_code_and_escapes_names() {
    let w = World::start_with(|config| {
        config.space.name = "<Light> & \"House\"".into();
        config.doors[1].name = "<script>alert('w')</script>".into();
    })
    .await;
    let (status, headers, page) = w.staff_page("api/v1/admin/qr/stickers?paper=letter").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(page.contains("size: letter") && page.contains("@media print"));
    assert!(
        !page.contains("<script>") && !page.contains("<Light>"),
        "names are escaped"
    );
    assert!(page.contains("&lt;script&gt;alert(&#39;w&#39;)&lt;/script&gt;"));
    assert!(page.contains("&lt;Light&gt; &amp; &quot;House&quot;"));
    assert_eq!(page.matches("Scan with your phone to open").count(), 3);

    let mut links: Vec<DeepLink> = svgs_in(&page)
        .iter()
        .map(|svg| DeepLink::read(&decode_svg(svg)).unwrap())
        .collect();
    assert_eq!(links.len(), 4, "three doors and the join code");
    let join = links.pop().unwrap();
    assert!(
        matches!(join, DeepLink::Join { ref hub, .. } if *hub == w.hub_url()),
        "{join:?}"
    );
    let doors: Vec<String> = links
        .iter()
        .map(|l| match l {
            DeepLink::Open { door, .. } => door.as_str().to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(doors, ["front", "workshop", "office"]);

    let (status, _, a4) = w.staff_page("api/v1/admin/qr/stickers").await;
    assert_eq!(status, 200);
    assert!(a4.contains("size: A4"), "A4 unless asked otherwise");
    let (status, body) = w.staff(Method::GET, "api/v1/admin/qr/stickers?paper=a3", None).await;
    assert_invalid(status, &body, &["paper"]);
}

/// Seeds the log: 40 rows over an hour, alternating people, doors and outcomes, some at
/// fractions of a second. Returns them as seeded (ids 1…40 in order).
fn seed_activity(store: &Store) -> Vec<AuditEntry> {
    let mut entries = Vec::new();
    for i in 0..40u64 {
        let at = format!("2026-11-23T08:{:02}:{:02}.{}Z", i, (i * 7) % 60, 100 + i);
        let user = ["user-alex", "user-sam", "user-jo"][i as usize % 3];
        let door = ["front", "workshop"][i as usize % 2];
        let decision = ["opened", "refused", "merged", "failed"][i as usize % 4];
        let marker = format!("seed {i}");
        entries.push(entry(&at, Some(user), door, decision, &[&marker], 1000 + i));
    }
    store.insert_audit_for_tests(&entries).unwrap();
    entries
}

fn markers(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reasons"][0].as_str().unwrap().to_string())
        .collect()
}

fn expected(entries: &[AuditEntry], keep: impl Fn(&AuditEntry) -> bool) -> Vec<String> {
    entries
        .iter()
        .rev()
        .filter(|e| keep(e))
        .map(|e| e.reasons[0].clone())
        .collect()
}

#[tokio::test]
async fn activity_filters_and_pages_newest_first() {
    let w = World::start().await;
    let entries = seed_activity(&w.hub.hub.store);

    let all = w.get("api/v1/admin/activity?limit=500").await;
    assert_eq!(markers(&all), expected(&entries, |_| true));
    assert_eq!(all["next_before_id"], Value::Null);
    let first = &all["rows"][0];
    assert_eq!(first["who"], "Alex Morgan", "{first}");
    assert_eq!(first["door_name"], "Workshop");
    assert_eq!(first["latency_ms"], 1.039);
    assert_eq!(first["count"], 1);

    let alex = w.get("api/v1/admin/activity?person=alex&limit=500").await;
    assert_eq!(
        markers(&alex),
        expected(&entries, |e| e.user_id.as_deref() == Some("user-alex"))
    );
    let sam = w.get("api/v1/admin/activity?person=user-sam&limit=500").await;
    assert_eq!(
        markers(&sam),
        expected(&entries, |e| e.user_id.as_deref() == Some("user-sam"))
    );
    let refused_workshop = w.get("api/v1/admin/activity?door=workshop&outcome=refused").await;
    assert_eq!(
        markers(&refused_workshop),
        expected(&entries, |e| e.door_id == "workshop" && e.decision == "refused")
    );
    // From inclusive, to exclusive, exact to the fraction of a second.
    let (from, to) = (entries[10].at, entries[20].at);
    let window = w
        .get(&format!("api/v1/admin/activity?from={from}&to={to}&limit=500"))
        .await;
    assert_eq!(markers(&window), expected(&entries, |e| e.at >= from && e.at < to));
    assert_eq!(markers(&window).len(), 10);
    let offset = w
        .get("api/v1/admin/activity?from=2026-11-23T09:30:00%2B01:00&limit=500")
        .await;
    assert_eq!(
        markers(&offset),
        expected(&entries, |e| e.at >= "2026-11-23T08:30:00Z".parse().unwrap())
    );

    // Keyset paging: every row once, newest first, whatever arrives meanwhile.
    let mut seen = Vec::new();
    let mut before: Option<i64> = None;
    for _ in 0..20 {
        let path = match before {
            Some(id) => format!("api/v1/admin/activity?limit=7&before_id={id}"),
            None => "api/v1/admin/activity?limit=7".to_string(),
        };
        let page = w.get(&path).await;
        seen.extend(markers(&page));
        if before.is_none() {
            // A row written after the first page is not in the later pages.
            w.hub
                .hub
                .store
                .insert_audit_for_tests(&[entry(MONDAY, None, "front", "refused", &["late"], 1)])
                .unwrap();
        }
        match page["next_before_id"].as_i64() {
            Some(id) => before = Some(id),
            None => break,
        }
    }
    assert_eq!(seen, expected(&entries, |_| true));

    for (query, fields) in [
        ("outcome=maybe", vec!["outcome"]),
        ("from=yesterday&to=2026-11-23", vec!["from", "to"]),
        ("from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z", vec!["to"]),
        ("limit=501&before_id=-3", vec!["limit", "before_id"]),
        ("limit=0", vec!["limit"]),
    ] {
        let (status, body) = w
            .staff(Method::GET, &format!("api/v1/admin/activity?{query}"), None)
            .await;
        assert_invalid(status, &body, &fields);
    }
}

#[tokio::test]
async fn the_csv_export_quotes_and_neutralises_formulas_and_names_the_file() {
    let w = World::start().await;
    let mut entries = vec![
        entry(
            "2026-11-23T08:00:00Z",
            Some("user-alex"),
            "office",
            "refused",
            &["=HYPERLINK(\"http://evil\")"],
            1,
        ),
        entry(
            "2026-11-23T08:00:01Z",
            Some("user-alex"),
            "office",
            "refused",
            &["a, b", "say \"hi\""],
            2,
        ),
        entry(
            "2026-11-23T08:00:02Z",
            Some("user-alex"),
            "office",
            "refused",
            &["@SUM(A1)", "+1"],
            3,
        ),
        entry(
            "2026-11-23T08:00:03Z",
            Some("user-alex"),
            "office",
            "refused",
            &["-2"],
            4,
        ),
    ];
    // Enough rows on another door to need more than one page of the export.
    for i in 0..1500 {
        entries.push(entry(
            "2026-11-23T08:30:00Z",
            None,
            "front",
            "refused",
            &[&format!("bulk {i}")],
            5,
        ));
    }
    w.hub.hub.store.insert_audit_for_tests(&entries).unwrap();

    let (status, headers, csv) = w.staff_page("api/v1/admin/activity.csv?door=office").await;
    assert_eq!(status, 200, "{csv}");
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"frontdoor-activity-lighthouse-2026-11-23.csv\""
    );
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("id,at,last_at,user_id,who,"),
        "a header: {}",
        lines[0]
    );
    assert_eq!(lines.len(), 5, "a header and four rows");
    assert!(lines[1].contains(",'-2,"), "{}", lines[1]);
    assert!(lines[2].contains(",'@SUM(A1); +1,"), "{}", lines[2]);
    assert!(lines[3].contains(",\"a, b; say \"\"hi\"\"\","), "{}", lines[3]);
    assert!(
        lines[4].contains(",\"'=HYPERLINK(\"\"http://evil\"\")\","),
        "{}",
        lines[4]
    );
    assert!(
        lines[4].contains(",Alex Morgan,") && lines[4].contains(",Staff office,"),
        "{}",
        lines[4]
    );

    let (_, _, everything) = w.staff_page("api/v1/admin/activity.csv").await;
    let rows = everything.split("\r\n").filter(|l| !l.is_empty()).count();
    assert_eq!(rows, 1 + 1504, "every row, across pages, one header");
    let (_, _, some) = w.staff_page("api/v1/admin/activity.csv?limit=1200").await;
    assert_eq!(some.split("\r\n").filter(|l| !l.is_empty()).count(), 1 + 1200);

    let (status, body) = w
        .staff(Method::GET, "api/v1/admin/activity.csv?outcome=all", None)
        .await;
    assert_invalid(status, &body, &["outcome"]);
}

/// Nearest rank, computed here independently of the hub.
fn nearest_rank(sorted: &[u64], p: f64) -> u64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank - 1]
}

#[tokio::test]
async fn door_latencies_are_the_percentiles_of_each_doors_last_200_openings() {
    let w = World::start().await;
    let mut entries = Vec::new();
    for i in 0..260u64 {
        let us = (i * 7919) % 100_000 + 1_000;
        entries.push(entry(
            "2026-11-23T08:00:00Z",
            Some("user-alex"),
            "front",
            "opened",
            &[],
            us,
        ));
        // Refusals are not openings, however slow.
        entries.push(entry(
            "2026-11-23T08:00:00Z",
            Some("user-alex"),
            "front",
            "refused",
            &[],
            9_999_999,
        ));
    }
    for us in [30_000, 10_000, 20_000] {
        entries.push(entry(
            "2026-11-23T08:00:00Z",
            Some("user-alex"),
            "workshop",
            "opened",
            &[],
            us,
        ));
    }
    w.hub.hub.store.insert_audit_for_tests(&entries).unwrap();

    let latency = w.get("api/v1/admin/doors/latency").await;
    let by_door = |id: &str| {
        latency
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["door"] == id)
            .unwrap()
            .clone()
    };

    let mut front: Vec<u64> = entries
        .iter()
        .filter(|e| e.door_id == "front" && e.decision == "opened")
        .map(|e| e.latency_us)
        .collect::<Vec<_>>()
        .split_off(60);
    front.sort_unstable();
    assert_eq!(front.len(), 200);
    let f = by_door("front");
    assert_eq!(f["name"], "Front door");
    assert_eq!(f["count"], 200);
    assert_eq!(f["p50_us"], nearest_rank(&front, 50.0));
    assert_eq!(f["p95_us"], nearest_rank(&front, 95.0));

    let ws = by_door("workshop");
    assert_eq!(
        (ws["count"].as_u64(), ws["p50_us"].as_u64(), ws["p95_us"].as_u64()),
        (Some(3), Some(20_000), Some(30_000))
    );
    let office = by_door("office");
    assert_eq!((office["count"].as_u64(), &office["p50_us"]), (Some(0), &Value::Null));
}

#[tokio::test]
async fn a_staff_remote_open_needs_a_reason_pulses_once_and_is_audited_with_it() {
    let w = World::start().await;
    let open = |body: Value| w.staff(Method::POST, "api/v1/admin/doors/workshop/open", Some(body));
    for body in [
        json!({}),
        json!({"reason": "   "}),
        json!({"reason": "x".repeat(201)}),
        json!({"reason": "a\nb"}),
    ] {
        let (status, answer) = open(body).await;
        assert_invalid(status, &answer, &["reason"]);
    }
    assert!(w.relay.pulses().is_empty(), "no reason, no opening");
    assert!(
        w.get("api/v1/admin/activity").await["rows"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing audited"
    );

    let (status, answer) = open(json!({"reason": "Courier for Alex, parcel \"large\""})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], "opened");
    // A second click while the strike is released joins the first.
    let (status, again) = open(json!({"reason": "Courier for Alex, parcel \"large\""})).await;
    assert_eq!((status, again["merged"].as_bool()), (200, Some(true)), "{again}");
    assert_eq!(w.relay.pulses().len(), 1, "the relay pulsed once");
    assert_eq!(w.relay.pulses()[0].channel, 1);

    let opened = w.get("api/v1/admin/activity?door=workshop&outcome=opened").await;
    let rows = opened["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{opened}");
    assert_eq!(rows[0]["reasons"][0], "staff_remote");
    assert_eq!(rows[0]["reasons"][1], "Courier for Alex, parcel \"large\"");
    assert_eq!(rows[0]["who"], "Sam Rivera");
    let merged = w.get("api/v1/admin/activity?door=workshop&outcome=merged").await;
    assert_eq!(merged["rows"][0]["reasons"][0], "staff_remote");

    // The entrance opened remotely checks nobody in: the visitor is not Sam.
    let (status, answer) = w
        .staff(
            Method::POST,
            "api/v1/admin/doors/front/open",
            Some(json!({"reason": "Visitor for the 10:00 tour"})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["check_in"], "none");
    assert!(w.get("api/v1/admin/check_ins").await["rows"]
        .as_array()
        .unwrap()
        .is_empty());

    let (status, answer) = w
        .staff(
            Method::POST,
            "api/v1/admin/doors/cellar/open",
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!((status, answer["code"].as_str()), (404, Some("unknown_door")));
    assert_eq!(w.relay.pulses().len(), 2);
}

#[tokio::test]
async fn check_ins_are_listed_retried_once_refused_and_stop_when_the_policy_is_off() {
    let w = World::start().await;
    let (status, body) = w.unlock(&w.alex, "front").await;
    assert_eq!(status, 200, "{body}");

    let view = w.get("api/v1/admin/check_ins").await;
    assert_eq!(
        (view["day"].as_str(), view["today"].as_str()),
        (Some(TODAY), Some(TODAY))
    );
    assert_eq!(view["policy"], "once-per-day");
    let row = &view["rows"][0];
    assert_eq!(view["rows"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(
        (row["name"].as_str(), row["state"].as_str()),
        (Some("Alex Morgan"), Some("pending"))
    );
    let membership = row["membership_id"].as_str().unwrap().to_string();

    // Cobot refused it.
    let store = &w.hub.hub.store;
    store
        .check_in_refused(&membership, TODAY, "No time passes left.")
        .unwrap();
    let refused = w.get("api/v1/admin/check_ins?state=refused").await;
    assert_eq!(refused["rows"][0]["why"], "No time passes left.");
    assert_eq!(refused["rows"][0]["retryable"], true);
    assert!(w.get("api/v1/admin/check_ins?state=pending").await["rows"]
        .as_array()
        .unwrap()
        .is_empty());

    // Bad input changes nothing.
    for query in ["day=2026-13-01", "day=yesterday", "state=maybe"] {
        let (status, body) = w
            .staff(Method::GET, &format!("api/v1/admin/check_ins?{query}"), None)
            .await;
        assert_invalid(status, &body, &[query.split('=').next().unwrap()]);
    }
    let (status, body) = w
        .staff(
            Method::POST,
            &format!("api/v1/admin/check_ins/{membership}/monday/retry"),
            None,
        )
        .await;
    assert_invalid(status, &body, &["day"]);
    let (status, body) = w
        .staff(Method::POST, "api/v1/admin/check_ins/mem-nobody/2026-11-23/retry", None)
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("unknown_item")), "{body}");

    // A refused check-in of a day that has ended stays as it is.
    store
        .insert_check_in_for_tests(&CheckInRow {
            membership_id: "mem-sam".into(),
            day: "2026-11-20".into(),
            user_id: Some("user-sam".into()),
            state: "refused".into(),
            queued_at: "2026-11-20T08:00:00Z".into(),
            attempts: 1,
            next_attempt_ms: 0,
            last_error: Some("No time passes left.".into()),
            cobot_id: None,
            valid_from: None,
            valid_until: None,
        })
        .unwrap();
    let (status, body) = w
        .staff(Method::POST, "api/v1/admin/check_ins/mem-sam/2026-11-20/retry", None)
        .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("has ended"), "{body}");
    let friday = w.get("api/v1/admin/check_ins?day=2026-11-20").await;
    assert_eq!(
        (
            friday["rows"][0]["state"].as_str(),
            friday["rows"][0]["retryable"].as_bool()
        ),
        (Some("refused"), Some(false))
    );

    // Today's refused one is made pending and due now, and the trail says who did it.
    let before_ms = Timestamp::now().as_millisecond();
    let (status, retried) = w
        .staff(
            Method::POST,
            &format!("api/v1/admin/check_ins/{membership}/{TODAY}/retry"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{retried}");
    assert_eq!(retried["state"], "pending");
    let due = store.due_check_ins(Timestamp::now().as_millisecond()).unwrap();
    assert!(
        due.iter()
            .any(|r| r.membership_id == membership && r.day == TODAY && r.next_attempt_ms >= before_ms),
        "due now: {due:?}"
    );
    let trail = w.get("api/v1/admin/access/changes").await;
    let change = &trail[0];
    assert!(
        change["what"].as_str().unwrap().contains("check-in of Alex Morgan"),
        "{trail}"
    );
    assert_eq!(change["by"], "user-sam");
    assert_eq!(change["before"]["state"], "refused");

    // Policy: a wrong one is refused with words; "off" stops the next entrance opening's check-in.
    let (status, body) = w
        .staff(
            Method::PUT,
            "api/v1/admin/check_ins/policy",
            Some(json!({"policy": "twice"})),
        )
        .await;
    assert_invalid(status, &body, &["policy"]);
    assert_eq!(w.get("api/v1/admin/check_ins").await["policy"], "once-per-day");
    let (status, body) = w
        .staff(
            Method::PUT,
            "api/v1/admin/check_ins/policy",
            Some(json!({"policy": "off"})),
        )
        .await;
    assert_eq!((status, body["policy"].as_str()), (200, Some("off")), "{body}");
    let (status, body) = w.unlock(&w.sam, "front").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["check_in"], "none");
    let today = w.get("api/v1/admin/check_ins").await;
    assert_eq!(today["policy"], "off");
    assert!(
        today["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["membership_id"] != "mem-sam"),
        "no check-in queued for Sam: {today}"
    );
    assert_eq!(
        w.hub.hub.store.check_in_policy().unwrap(),
        Some(frontdoor_hub::base::config::CheckInPolicy::Off)
    );
}

/// Adds `door` to the group `group` through the console, as staff.
async fn add_to_group(w: &World, group: &str, door: &str) {
    let access = w.get("api/v1/admin/access").await;
    let mut g = access["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == group)
        .unwrap()
        .clone();
    g["doors"].as_array_mut().unwrap().push(json!(door));
    let (status, answer) = w
        .staff(
            Method::PUT,
            &format!("api/v1/admin/access/groups/{group}"),
            Some(json!({"version": access["version"], "group": g})),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

fn side_door(url: &str, name: &str) -> Value {
    json!({"id": "side", "name": name, "entrance": false, "pulse_ms": 2000,
           "driver": {"kind": "shelly-gen2", "url": url, "channel": 0}})
}

#[tokio::test]
async fn a_door_added_in_the_console_opens_for_a_member_without_a_restart_and_its_secret_never_comes_back() {
    const SECRET: &str = "s3cret-shelly-pw-7731";
    let w = World::start().await;
    let side = ShellyDouble::start().await.with_password(SECRET);
    let put = |body: Value, session: Option<&str>| {
        let session = session.map(str::to_string);
        let w = &w;
        async move {
            w.json(Method::PUT, "api/v1/admin/doors/side", session.as_deref(), Some(body))
                .await
        }
    };

    // Only staff, and every wrong field named.
    let (status, answer) = put(json!({"door": side_door(side.url().as_str(), "Side")}), None).await;
    assert_eq!((status, answer["code"].as_str()), (401, Some("not_signed_in")));
    let (status, answer) = put(json!({"door": side_door(side.url().as_str(), "Side")}), Some(&w.alex)).await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("not_staff")));
    let mut bad = side_door("not a url", " ");
    bad["pulse_ms"] = json!(0);
    let (status, answer) = put(json!({"door": bad}), Some(&w.sam)).await;
    assert_invalid(status, &answer, &["driver.url", "name", "pulse_ms"]);
    let mut renamed = side_door(side.url().as_str(), "Side");
    renamed["id"] = json!("side-2");
    let (status, answer) = put(json!({"door": renamed}), Some(&w.sam)).await;
    assert_invalid(status, &answer, &["id"]);
    let (status, answer) = put(
        json!({"door": {"id": "side", "name": "Side", "entrance": false, "pulse_ms": 2000,
                        "driver": {"kind": "webhook", "url": "https://relay.example/open"}}}),
        Some(&w.sam),
    )
    .await;
    assert_invalid(status, &answer, &["secret"]);
    assert!(
        answer["fields"]["secret"].as_str().unwrap().contains("whsec_"),
        "{answer}"
    );
    let doors = w.get("api/v1/admin/doors").await;
    assert!(
        doors["doors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["door"]["id"] != "side"),
        "nothing refused was stored"
    );

    // Added with its password, entered once.
    let (status, answer) = put(
        json!({"door": side_door(side.url().as_str(), "Side door"), "secret": SECRET}),
        Some(&w.sam),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        !answer.to_string().contains(SECRET),
        "the answer never holds the secret"
    );
    let row = door_row(&answer, "side").clone();
    assert_eq!(row["secret"]["from"], "stored");
    assert_eq!(row["door"]["name"], "Side door");
    assert_eq!(
        row["reach"]["state"], "unknown",
        "an HTTP device is only known by trying"
    );

    // A member whose group gets the door opens it, on the running hub.
    let (status, answer) = w.unlock(&w.alex, "side").await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("no_access")), "{answer}");
    add_to_group(&w, "Members", "side").await;
    let (status, answer) = w.unlock(&w.alex, "side").await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], "opened", "the password reached the device: {answer}");
    assert_eq!(side.pulses().len(), 1);
    assert_eq!(side.pulses()[0].seconds, Some(2.0));

    // Edited without re-entering the secret: it is kept, and the door still opens.
    let (status, answer) = put(
        json!({"door": side_door(side.url().as_str(), "Side entrance")}),
        Some(&w.sam),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, answer) = w.test_side_door().await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("opened")), "{answer}");
    assert_eq!(side.pulses().len(), 2, "a test pulses the door for real, once");
    let tested = w.get("api/v1/admin/activity?door=side&outcome=opened").await;
    assert_eq!(tested["rows"][0]["reasons"][0], "staff_test");
    assert_eq!(tested["rows"][0]["door_name"], "Side entrance");
    let (status, answer) = w
        .json(Method::POST, "api/v1/admin/doors/side/test", Some(&w.alex), None)
        .await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("not_staff")));
    assert_eq!(side.pulses().len(), 2, "members cannot test doors");

    // The secret is nowhere: not in the list, the change trail, the database file or its log.
    let listed = w.staff_page("api/v1/admin/doors").await.2;
    let trail = w.staff_page("api/v1/admin/access/changes").await.2;
    assert!(!listed.contains(SECRET) && !trail.contains(SECRET));
    assert!(trail.contains("added door side"), "{trail}");
    for file in ["hub.sqlite", "hub.sqlite-wal"] {
        if let Ok(bytes) = std::fs::read(w.dir.path().join(file)) {
            assert!(
                !bytes.windows(SECRET.len()).any(|win| win == SECRET.as_bytes()),
                "{file} holds the secret in the clear"
            );
        }
    }

    // The per-door figures are the audit log's.
    let row = w.door_row("side").await;
    let opened = w.get("api/v1/admin/activity?door=side&outcome=opened").await;
    let mut us: Vec<u64> = opened["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["latency_ms"].as_f64().unwrap() * 1000.0).round() as u64)
        .collect();
    us.sort_unstable();
    assert_eq!(row["latency"]["count"], 2);
    let p50 = row["latency"]["p50_us"].as_u64().unwrap();
    assert!(p50.abs_diff(nearest_rank(&us, 50.0)) <= 1, "{p50} vs {us:?}");
    assert!(row["last_opened_at"].is_string());
    assert_eq!(row["groups"], json!(["Members"]));

    // Removing: refused while a group opens it, then gone for everyone.
    let (status, answer) = w.staff(Method::DELETE, "api/v1/admin/doors/side", None).await;
    assert_invalid(status, &answer, &["id"]);
    assert!(answer["message"].as_str().unwrap().contains("Members"), "{answer}");
}

#[tokio::test]
async fn a_door_that_fails_shows_its_last_error_and_a_removed_door_opens_nothing() {
    let w = World::start().await;
    // Port 9 on loopback: nothing listens.
    let (status, answer) = w
        .put_side_door(json!({"door": side_door("http://127.0.0.1:9/", "Side")}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = w.test_side_door().await;
    assert_eq!(status, 502, "{answer}");
    let row = w.door_row("side").await;
    assert!(row["last_error"]["what"].as_str().unwrap().len() > 10, "{row}");
    assert!(row["last_opened_at"].is_null());

    let (status, answer) = w.staff(Method::DELETE, "api/v1/admin/doors/side", None).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = w.test_side_door().await;
    assert_eq!((status, answer["code"].as_str()), (404, Some("unknown_door")));
    let (status, answer) = w.staff(Method::GET, "api/v1/admin/qr/doors/side.svg", None).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (404, Some("unknown_door")),
        "no sticker for it either"
    );
    let trail = w.get("api/v1/admin/access/changes").await.to_string();
    assert!(trail.contains("removed door side"), "{trail}");
}

#[tokio::test]
async fn an_mqtt_doors_state_follows_its_last_will() {
    use frontdoor_hub::base::config::MqttConfig;
    use relay_sim::mosquitto::Mosquitto;
    use relay_sim::mqtt::Device;

    let broker = Mosquitto::start().await;
    let (host, port) = (broker.host().to_string(), broker.port());
    let w = World::start_with(|c| {
        c.mqtt = Some(MqttConfig {
            host: host.clone(),
            port,
            username: None,
            password_credential: None,
        })
    })
    .await;
    let device = Device::tasmota(broker.host(), broker.port(), "side-strike").await;
    device.until_ready().await;
    let (status, answer) = w
        .put_side_door(
            json!({"door": {"id": "side", "name": "Side", "entrance": false, "pulse_ms": 3000,
                                  "driver": {"kind": "mqtt", "profile": "tasmota", "topic": "side-strike"}}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["mqtt_broker"], format!("{host}:{port}"));
    let until = |wanted: &'static str| {
        let w = &w;
        async move {
            for _ in 0..100 {
                if door_state(w, "side").await == wanted {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            panic!("the door's state never became {wanted}");
        }
    };
    until("online").await;
    let (status, answer) = w.test_side_door().await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("opened")), "{answer}");
    assert_eq!(device.pulses().len(), 1);
    let glance = w.get("api/v1/admin/glance").await;
    assert_eq!(glance["doors"]["ok"], true, "{glance}");
    // The device drops off the network: the broker publishes its Last Will.
    drop(device);
    until("offline").await;
    let glance = w.get("api/v1/admin/glance").await;
    assert_eq!(
        glance["doors"],
        json!({"ok": false, "words": "1 door offline: Side",
               "fact": {"kind": "doors_offline", "names": ["Side"]}})
    );
}

#[tokio::test]
async fn the_status_strip_lights_say_what_is_wrong_in_words() {
    let w = World::start().await;
    let glance = w.get("api/v1/admin/glance").await;
    assert_eq!(
        glance,
        json!({
            "cobot": {"ok": true, "words": "Cobot connected", "fact": {"kind": "cobot_connected"}},
            "sync": {"ok": true, "words": "Last sync just now", "fact": {"kind": "synced", "age_seconds": 0}},
            "doors": {"ok": true, "words": "3 doors ready", "fact": {"kind": "doors_ready", "doors": 3}},
            "check_ins": {"ok": true, "words": "Check-ins fine today", "fact": {"kind": "check_ins_fine"}},
        })
    );
    let (status, answer) = w.json(Method::GET, "api/v1/admin/glance", Some(&w.alex), None).await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("not_staff")));
    // A door added with every field right is ready too.
    let (status, answer) = w
        .put_side_door(
            json!({"door": {"id": "side", "name": "Side", "entrance": false, "pulse_ms": 3000,
                                  "driver": {"kind": "home-assistant", "url": "http://127.0.0.1:9/",
                                             "service": "lock.unlock", "entity_id": "lock.side"}},
                        "secret": "token"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let glance = w.get("api/v1/admin/glance").await;
    assert_eq!(glance["doors"]["ok"], true);
    // A check-in Cobot refused today.
    w.hub
        .hub
        .store
        .insert_check_in_for_tests(&CheckInRow {
            membership_id: "mem-alex".into(),
            day: TODAY.into(),
            user_id: Some("user-alex".into()),
            state: "refused".into(),
            queued_at: MONDAY.into(),
            attempts: 1,
            next_attempt_ms: 0,
            last_error: Some("No more check-ins on this plan today.".into()),
            cobot_id: None,
            valid_from: None,
            valid_until: None,
        })
        .unwrap();
    let glance = w.get("api/v1/admin/glance").await;
    assert_eq!(
        glance["check_ins"],
        json!({"ok": false, "words": "1 check-in failing today: see Check-ins",
               "fact": {"kind": "check_ins_failing", "failing": 1}})
    );
}

async fn door_state(w: &World, door: &str) -> String {
    w.door_row(door).await["reach"]["state"].as_str().unwrap().to_string()
}

/// `door`'s row in a console list of doors (`{"doors": [...]}`).
fn door_row<'a>(list: &'a Value, door: &str) -> &'a Value {
    let rows = list["doors"].as_array().unwrap_or_else(|| panic!("{list}"));
    let row = rows.iter().find(|d| d["door"]["id"] == door);
    row.unwrap_or_else(|| panic!("no door {door}: {list}"))
}

/// A Home Assistant double that answers every service call and keeps each `Authorization` it was
/// sent.
async fn home_assistant_recording() -> (relay_sim::Server, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    let server = relay_sim::Server::start(move |request| {
        kept.lock()
            .unwrap()
            .push(request.header("authorization").unwrap_or("").to_string());
        relay_sim::Action::Answer(relay_sim::Response::json(
            200,
            json!([{"entity_id": "lock.side", "state": "unlocked"}]),
        ))
    })
    .await;
    (server, seen)
}

fn ha_side_door(url: &str) -> Value {
    json!({"id": "side", "name": "Side", "entrance": false, "pulse_ms": 2000,
           "driver": {"kind": "home-assistant", "url": url, "service": "lock.unlock",
                      "entity_id": "lock.side", "switch_turns_itself_off": false}})
}

#[tokio::test]
async fn a_doors_secret_never_goes_to_another_host_or_driver_without_being_entered_again() {
    const TOKEN: &str = "ha-long-lived-token-for-the-real-home-assistant";
    let w = World::start().await;
    let (home, home_saw) = home_assistant_recording().await;
    let (other, other_saw) = home_assistant_recording().await;
    let (status, answer) = w
        .put_side_door(json!({"door": ha_side_door(home.url().as_str()), "secret": TOKEN}))
        .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = w.test_side_door().await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("opened")), "{answer}");
    assert_eq!(*home_saw.lock().unwrap(), [format!("Bearer {TOKEN}")]);

    // Only the address changes, to another host: refused, the field says why, nothing changed.
    let (status, answer) = w
        .put_side_door(json!({"door": ha_side_door(other.url().as_str())}))
        .await;
    assert_invalid(status, &answer, &["secret"]);
    assert!(
        answer["fields"]["secret"].as_str().unwrap().contains("another device"),
        "{answer}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, answer) = w.test_side_door().await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("opened")), "{answer}");
    assert_eq!(other.requests(), 0, "the other host heard nothing, let alone the token");
    assert_eq!(
        home_saw.lock().unwrap().len(),
        2,
        "the door still opens through its own device"
    );

    // Only the driver kind changes (a webhook on the same host would sign with the token).
    let (status, answer) = w
        .put_side_door(
            json!({"door": {"id": "side", "name": "Side", "entrance": false, "pulse_ms": 2000,
                                                "driver": {"kind": "webhook", "url": home.url().as_str()}}}),
        )
        .await;
    assert_invalid(status, &answer, &["secret"]);

    // Entered again for the new host: only the new token goes there, and the trail says so.
    const NEW: &str = "ha-token-made-for-the-new-home-assistant";
    let (status, answer) = w
        .put_side_door(json!({"door": ha_side_door(other.url().as_str()), "secret": NEW}))
        .await;
    assert_eq!(status, 200, "{answer}");
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, answer) = w.test_side_door().await;
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("opened")), "{answer}");
    assert_eq!(
        *other_saw.lock().unwrap(),
        [format!("Bearer {NEW}")],
        "never the old token"
    );
    let trail = w.staff_page("api/v1/admin/access/changes").await.2;
    let port = other.url().port().unwrap();
    assert!(
        trail.contains(&format!(
            "door side: now opened through home-assistant http://127.0.0.1:{port}, its secret entered again"
        )),
        "{trail}"
    );
    assert!(!trail.contains(TOKEN) && !trail.contains(NEW));
}

/// A name as a hostile or careless editor would type it: markup, an event handler, quotes and an
/// ampersand.
const MARKUP: &str = r#"<script>alert(1)</script><img src=x onerror="alert(2)"> Tom's "Den" & Co"#;

/// `page` shows [`MARKUP`] as text: escaped, never as markup.
fn shows_as_text(page: &str, surface: &str) {
    assert!(
        !page.contains("<script") && !page.contains("<img") && !page.contains("onerror=\""),
        "{surface}: the name arrived as markup: {page}"
    );
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt; Tom&#39;s &quot;Den&quot; &amp; Co"),
        "{surface}: the name is shown, escaped: {page}"
    );
}

#[tokio::test]
async fn a_name_with_markup_saved_in_the_console_is_shown_as_text_on_every_page_and_code() {
    let w = World::start_with(|config| config.space.name = MARKUP.into()).await;
    // The front door renamed through the console, as staff would.
    let mut front = w.door_row("front").await["door"].clone();
    front["name"] = json!(MARKUP);
    let (status, answer) = w
        .staff(Method::PUT, "api/v1/admin/doors/front", Some(json!({"door": front})))
        .await;
    assert_eq!(status, 200, "{answer}");

    let page = |path: &'static str| {
        let w = &w;
        async move {
            let (status, headers, body) = w.staff_page(path).await;
            assert_eq!(status, 200, "{path}: {body}");
            let csp = headers["content-security-policy"].to_str().unwrap().to_string();
            assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
            assert!(!csp.contains("script-src"), "{path}: no script may run: {csp}");
            body
        }
    };
    let door_page = page("open?space=lighthouse&door=front").await;
    shows_as_text(&door_page, "the phone's door page");
    let join_page = page("join?space=lighthouse").await;
    shows_as_text(&join_page, "the join page");
    let sheet = page("api/v1/admin/qr/stickers").await;
    shows_as_text(&sheet, "the sticker sheet");
    assert!(
        sheet.contains("<meta http-equiv=\"Content-Security-Policy\""),
        "the sheet saved to a file keeps its policy"
    );
    for svg in [
        page("api/v1/admin/qr/join.svg").await,
        page("api/v1/admin/qr/doors/front.svg").await,
    ]
    .into_iter()
    .chain(svgs_in(&sheet))
    {
        assert!(
            !svg.contains("script") && !svg.contains("onerror") && !svg.contains("Tom"),
            "a code is drawn from the link alone, never the name: {svg}"
        );
        assert!(DeepLink::read(&decode_svg(&svg)).is_ok(), "and still reads as the link");
    }
}
