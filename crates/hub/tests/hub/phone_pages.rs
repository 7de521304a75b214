//! What a phone's camera opens from a printed code — the hub's join and door pages, which hand
//! over to the app by its `frontdoor://` link — and the App Link / Universal Link association
//! files for a space's own app build, from `[phone]` in the configuration.

use frontdoor_core::links::{DeepLink, DoorId, Subdomain};
use frontdoor_hub::base::config::PhoneConfig;
use frontdoor_hub::{Config, RunningHub, Setup};
use serde_json::{json, Value};

const FINGERPRINT: &str =
    "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

/// A hub for the demo space (three doors) with `phone`, not connected to Cobot: the pages need
/// nothing of Cobot.
async fn hub_with(phone: PhoneConfig) -> (cobot_sim::RunningSim, RunningHub) {
    let sim = cobot_sim::spawn(cobot_sim::SimConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = Config::demo(&sim.base_url);
    config.phone = phone;
    let hub = frontdoor_hub::spawn_with(config, Setup::detached(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (sim, hub)
}

async fn get(url: &str) -> (u16, String, String) {
    get_in(url, None).await
}

/// Like [`get`], from a phone whose browser asks for `language` (`Accept-Language`).
async fn get_in(url: &str, language: Option<&str>) -> (u16, String, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, r.text().await.unwrap())
}

/// The link behind the page's "Open in Frontdoor" button, as the phone hands it to the app.
fn open_button(page: &str) -> String {
    let start = page
        .find("id=\"open-in-app\" href=\"")
        .expect("the page has the button")
        + 23;
    page[start..].split('"').next().unwrap().replace("&amp;", "&")
}

#[tokio::test]
async fn the_hub_serves_both_association_files_with_the_configured_app_ids() {
    let (_sim, hub) = hub_with(PhoneConfig {
        android_package: Some("app.lighthouse.door".into()),
        android_cert_sha256: vec![FINGERPRINT.into()],
        apple_app_ids: vec!["ABCDE12345.app.lighthouse.door".into()],
        ..PhoneConfig::default()
    })
    .await;

    let (status, kind, body) = get(hub.base_url.join(".well-known/assetlinks.json").unwrap().as_str()).await;
    assert_eq!((status, kind.as_str()), (200, "application/json"), "{body}");
    let links: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        links,
        json!([{
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": "app.lighthouse.door",
                "sha256_cert_fingerprints": [FINGERPRINT],
            }
        }]),
        "Android verifies the app named in the configuration, signed with the configured certificate"
    );

    let (status, kind, body) = get(hub
        .base_url
        .join(".well-known/apple-app-site-association")
        .unwrap()
        .as_str())
    .await;
    assert_eq!((status, kind.as_str()), (200, "application/json"), "{body}");
    let apple: Value = serde_json::from_str(&body).unwrap();
    let details = &apple["applinks"]["details"];
    assert_eq!(details.as_array().unwrap().len(), 1, "{apple}");
    assert_eq!(details[0]["appIDs"], json!(["ABCDE12345.app.lighthouse.door"]));
    let paths: Vec<&str> = details[0]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["/"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["/join", "/open"],
        "exactly the join and door pages open in the app"
    );
}

#[tokio::test]
async fn without_an_app_of_the_space_there_are_no_association_files() {
    let (_sim, hub) = hub_with(PhoneConfig::default()).await;
    for file in [".well-known/assetlinks.json", ".well-known/apple-app-site-association"] {
        let (status, _, body) = get(hub.base_url.join(file).unwrap().as_str()).await;
        assert_eq!(status, 404, "{file}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(
            error["message"].as_str().unwrap().contains("[phone]"),
            "says what to configure: {error}"
        );
    }
}

#[tokio::test]
async fn the_join_code_opens_a_page_that_hands_over_to_the_app_and_says_how_to_get_it() {
    let (_sim, hub) = hub_with(PhoneConfig {
        play_store_url: Some(
            "https://play.google.com/store/apps/details?id=app.frontdoor.door"
                .parse()
                .unwrap(),
        ),
        ..PhoneConfig::default()
    })
    .await;
    let printed = frontdoor_hub::http::qr::join_link(&hub.hub).unwrap();
    let (status, kind, page) = get(&printed).await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"), "{page}");
    assert!(page.contains("Join Lighthouse Coworking"), "{page}");
    assert_eq!(
        DeepLink::parse(&open_button(&page)).unwrap(),
        DeepLink::read(&printed).unwrap(),
        "the button hands the app the link the printed address stands for"
    );
    assert!(
        page.contains("href=\"https://play.google.com/store/apps/details?id=app.frontdoor.door\""),
        "the configured store link is offered to a phone without the app"
    );
    assert!(!page.contains("<script"), "the page runs nothing");

    // Without store links, the page still says how to get the app.
    let (_sim2, plain) = hub_with(PhoneConfig::default()).await;
    let (_, _, page) = get(&frontdoor_hub::http::qr::join_link(&plain.hub).unwrap()).await;
    assert!(
        // Every word of the page is HTML-escaped, the catalogue's as well as the names.
        page.contains("Ask Lighthouse Coworking&#39;s staff how to install Frontdoor"),
        "{page}"
    );
}

#[tokio::test]
async fn every_door_sticker_opens_its_door_page_and_a_wrong_code_is_explained() {
    let (_sim, hub) = hub_with(PhoneConfig::default()).await;
    for (door, name) in [
        ("front", "Front door"),
        ("workshop", "Workshop"),
        ("office", "Staff office"),
    ] {
        let printed = frontdoor_hub::http::qr::door_link(&hub.hub, door).unwrap();
        let (status, _, page) = get(&printed).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(&format!("<h1>{name}</h1>")), "{page}");
        assert_eq!(
            DeepLink::parse(&open_button(&page)).unwrap(),
            DeepLink::Open {
                space: Subdomain::parse("lighthouse").unwrap(),
                door: DoorId::parse(door).unwrap()
            }
        );
    }
    let wrong = [
        ("open?space=lighthouse&door=cellar", 404, "has no door “cellar”"),
        ("open?space=harbour&door=front", 404, "This code is for another space"),
        (
            "join?space=lighthouse&hub=https://evil.example",
            400,
            "unexpected part “hub”",
        ),
        ("open?space=lighthouse", 400, "missing its door"),
    ];
    for (path, expected_status, words) in wrong {
        let (status, _, page) = get(hub.base_url.join(path).unwrap().as_str()).await;
        assert_eq!(status, expected_status, "{path}: {page}");
        assert!(page.contains(words), "{path}: {page}");
        assert!(!page.contains("open-in-app"), "{path}: nothing to hand over");
    }
}

#[tokio::test]
async fn a_phone_set_to_german_reads_the_pages_in_german_and_names_as_staff_wrote_them() {
    let (_sim, hub) = hub_with(PhoneConfig::default()).await;
    let german = Some("de-DE,de;q=0.9,en;q=0.8");
    let join = frontdoor_hub::http::qr::join_link(&hub.hub).unwrap();
    let (status, _, page) = get_in(&join, german).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<html lang=\"de\">"), "{page}");
    assert!(page.contains("<h1>Lighthouse Coworking beitreten</h1>"), "{page}");
    assert!(page.contains(">In Frontdoor öffnen</a>"), "{page}");
    assert!(page.contains("Nichts passiert?"), "{page}");
    assert!(!page.contains("Open in Frontdoor"), "no English left: {page}");

    let door = frontdoor_hub::http::qr::door_link(&hub.hub, "office").unwrap();
    let (_, _, page) = get_in(&door, german).await;
    assert!(
        page.contains("<h1>Staff office</h1>"),
        "a door keeps the name staff gave it: {page}"
    );
    assert!(page.contains("Frontdoor fragt, bevor sich die Tür öffnet"), "{page}");

    for (path, words) in [
        (
            "open?space=lighthouse&door=cellar",
            "Lighthouse Coworking hat keine Tür „cellar“ mehr.",
        ),
        ("open?space=lighthouse", "In diesem Link fehlt die Tür."),
        (
            "open?space=harbour&door=front",
            "Dieser Code gehört zu einem anderen Space",
        ),
    ] {
        let (_, _, page) = get_in(hub.base_url.join(path).unwrap().as_str(), german).await;
        assert!(page.contains("Dieser Code funktioniert hier nicht"), "{path}: {page}");
        assert!(page.contains(words), "{path}: {page}");
    }

    // A language Frontdoor does not speak gets English.
    let (_, _, page) = get_in(&join, Some("fr-FR,fr;q=0.9")).await;
    assert!(
        page.contains("<html lang=\"en\">") && page.contains("Join Lighthouse Coworking"),
        "{page}"
    );
}
