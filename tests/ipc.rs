//! Every command over Tauri's IPC (mock runtime, no window), with the JSON the UI receives.
//! cobot-sim and a hub run in-process on loopback; the test plays the browser. Door tests add
//! relay-sim's Shelly Pro 3 double as the doors' relay and pin every clock to a weekday morning.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use frontdoor_app::device_error::DeviceError;
use frontdoor_app::frontdoor::{Browser, Prefs, Presence, Saved, Settings};
use frontdoor_app::vault::Memory;
use frontdoor_app::Frontdoor;
use frontdoor_core::auth::IssuerPolicy;
use frontdoor_ipc::{AppView, RedirectKind};
use jiff::Timestamp;
use relay_sim::ShellyDouble;
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use url::Url;

mod util;

#[path = "ipc/fleet.rs"]
mod fleet;

#[derive(Default)]
struct MemPrefs(Mutex<Saved>);

impl Prefs for MemPrefs {
    fn load(&self) -> Saved {
        self.0.lock().unwrap().clone()
    }
    fn save(&self, saved: &Saved) -> Result<(), DeviceError> {
        *self.0.lock().unwrap() = saved.clone();
        Ok(())
    }
}

#[derive(Clone, Default)]
struct RecordingBrowser(Arc<Mutex<Vec<Url>>>);

impl Browser for RecordingBrowser {
    fn open(&self, url: &Url) -> Result<(), DeviceError> {
        self.0.lock().unwrap().push(url.clone());
        Ok(())
    }
}

struct Setup {
    sim: cobot_sim::RunningSim,
    hub: frontdoor_hub::RunningHub,
    /// The doors' relay, in the door tests.
    relay: Option<ShellyDouble>,
    browser: RecordingBrowser,
    /// Every view the app announced outside a command's answer, as JSON.
    views: Receiver<Value>,
    webview: WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Monday 2026-11-23, 10:00 in Berlin: the Members group's schedule (Mon–Fri 07:00–22:00) is
/// open, so Alex's Flex Desk opens the front door whatever day the tests run.
fn monday_morning() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

fn monday_morning_secs() -> i64 {
    monday_morning().as_second()
}

/// Switch numbers of the demo doors on the relay double.
const FRONT: u32 = 0;
const WORKSHOP: u32 = 1;

/// The app with its parts, driven through the mock runtime.
struct Parts {
    browser: RecordingBrowser,
    views: Receiver<Value>,
    webview: WebviewWindow<MockRuntime>,
    app: tauri::App<MockRuntime>,
}

fn app(policy: IssuerPolicy, now: fn() -> i64) -> Parts {
    let browser = RecordingBrowser::default();
    let (announce, views) = mpsc::channel();
    let announce = Mutex::new(announce);
    let frontdoor = Frontdoor::new(
        Settings {
            policy,
            redirect: RedirectKind::DeepLink,
            now,
        },
        Box::new(Memory::new("test")),
        Box::new(MemPrefs::default()),
        Box::new(browser.clone()),
        Box::new(move |view: &AppView| {
            let _ = announce.lock().unwrap().send(serde_json::to_value(view).unwrap());
        }),
    );
    mounted(frontdoor, browser, views)
}

/// `frontdoor` in the mock runtime with the app's commands and a main window.
fn mounted(frontdoor: std::sync::Arc<Frontdoor>, browser: RecordingBrowser, views: Receiver<Value>) -> Parts {
    let app = mock_builder()
        .manage(frontdoor)
        .invoke_handler(frontdoor_app::invoke_handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Parts {
        browser,
        views,
        webview,
        app,
    }
}

fn setup_with(policy: impl FnOnce(&Url) -> IssuerPolicy, cobot_for_hub: Option<Url>) -> Setup {
    let sim = tauri::async_runtime::block_on(cobot_sim::spawn(
        cobot_sim::SimConfig::default(),
        "127.0.0.1:0".parse().unwrap(),
    ))
    .unwrap();
    let cobot = cobot_for_hub.clone().unwrap_or_else(|| sim.base_url.clone());
    let hub = match cobot_for_hub {
        // A hub pointing at a dead Cobot cannot sync; it still describes itself.
        Some(_) => tauri::async_runtime::block_on(frontdoor_hub::spawn_with(
            frontdoor_hub::Config::demo(&cobot),
            frontdoor_hub::Setup {
                client_secret: Some(frontdoor_core::secret::ClientSecret::new(
                    cobot_sim::seed::HUB_CLIENT_SECRET,
                )),
                ..frontdoor_hub::Setup::detached()
            },
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap(),
        None => tauri::async_runtime::block_on(util::connected_hub(&sim)),
    };
    let parts = app(policy(&cobot), now);
    Setup {
        sim,
        hub,
        relay: None,
        browser: parts.browser,
        views: parts.views,
        webview: parts.webview,
        _app: parts.app,
    }
}

fn setup() -> Setup {
    setup_with(|cobot| IssuerPolicy::with_extra([cobot.clone()]), None)
}

/// cobot-sim, the app and a hub whose three doors are on a relay double; Cobot and the app on
/// Monday morning, the hub on `hub_clock`.
fn setup_doors_with(hub_clock: fn() -> Timestamp) -> Setup {
    let sim = tauri::async_runtime::block_on(cobot_sim::spawn(
        cobot_sim::SimConfig {
            start_at: Some(monday_morning()),
            ..cobot_sim::SimConfig::default()
        },
        "127.0.0.1:0".parse().unwrap(),
    ))
    .unwrap();
    let relay = tauri::async_runtime::block_on(ShellyDouble::start_with_channels("127.0.0.1:0".parse().unwrap(), 3));
    let hub = tauri::async_runtime::block_on(util::hub_with_doors(&sim, &relay, hub_clock));
    let parts = app(IssuerPolicy::with_extra([sim.base_url.clone()]), monday_morning_secs);
    Setup {
        sim,
        hub,
        relay: Some(relay),
        browser: parts.browser,
        views: parts.views,
        webview: parts.webview,
        _app: parts.app,
    }
}

fn setup_doors() -> Setup {
    setup_doors_with(monday_morning)
}

/// Calls `cmd` with `args` as the window does, through the command table: the answer's JSON, or
/// the refusal's.
fn invoke_on(webview: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

impl Setup {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        invoke_on(&self.webview, cmd, args)
    }

    /// The OS hands the app `link`, as it does for a tapped link or a scanned code.
    fn open_link(&self, link: &(impl serde::Serialize + ?Sized)) -> Result<Value, Value> {
        self.invoke("open_link", json!({ "link": link }))
    }

    fn join_link(&self) -> String {
        format!(
            "frontdoor://join?space=lighthouse&hub={}",
            self.hub.base_url.as_str().trim_end_matches('/')
        )
    }

    /// Joins and confirms; returns the authorize URL the browser was sent to.
    fn join_and_start_sign_in(&self) -> Url {
        self.open_link(&self.join_link()).unwrap();
        let view = self.invoke("confirm_join", json!({})).unwrap();
        assert_eq!(view["signing_in"]["redirect"], json!("deep_link"));
        self.browser
            .0
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("the browser was opened")
    }

    /// Plays the person at Cobot's sign-in page, and the browser through the hub's callback:
    /// returns the hub's hand-over back to the app.
    fn browser_signs_in(&self, authorize: &Url, user: &str) -> String {
        let at_hub = Self::follow(&format!("{authorize}&login_hint={user}"));
        assert!(at_hub.contains("/auth/callback?"), "Cobot returns to the hub: {at_hub}");
        Self::follow(&at_hub)
    }

    /// One redirect hop.
    fn follow(url: &str) -> String {
        let response = tauri::async_runtime::block_on(async {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(url)
                .send()
                .await
                .unwrap()
        });
        assert!(
            response.status().is_redirection(),
            "{url} answered {}",
            response.status()
        );
        response.headers()["location"].to_str().unwrap().to_string()
    }

    /// The person declines at Cobot (Cobot sends the browser back to the hub with
    /// `error=access_denied`); returns the hub's hand-over to the app.
    fn decline_at_cobot(&self, authorize: &Url) -> String {
        let state = authorize
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned();
        Self::follow(&format!(
            "{}auth/callback?error=access_denied&error_description=The+user+denied+access&state={state}",
            self.hub.base_url
        ))
    }

    fn sim_tokens(&self, user: &str) -> Vec<Value> {
        let url = self.sim.base_url.join(&format!("_sim/users/{user}/tokens")).unwrap();
        tauri::async_runtime::block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
    }

    /// Joins the space and signs in as `user`; returns the view after the sign-in.
    fn signed_in_as(&self, user: &str) -> Value {
        let authorize = self.join_and_start_sign_in();
        let callback = self.browser_signs_in(&authorize, user);
        let view = self.open_link(&callback).unwrap();
        assert!(view["session"].is_object(), "{view}");
        view
    }

    fn open_link_for(door: &str) -> Value {
        json!({"link": format!("frontdoor://open?space=lighthouse&door={door}")})
    }

    /// How often the relay double was told to pulse `channel`.
    fn pulses_on(&self, channel: u32) -> usize {
        let relay = self.relay.as_ref().expect("a door test");
        relay.pulses().iter().filter(|p| p.channel == channel).count()
    }

    fn pulses(&self) -> usize {
        self.relay.as_ref().expect("a door test").pulses().len()
    }

    /// Waits for the app to announce a view that `wanted` accepts (the check-in completes in the
    /// hub after the door's answer; the app looks again and announces what it sees).
    fn announced_view(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut last = Value::Null;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.views.recv_timeout(left) {
                Ok(view) if wanted(&view) => return view,
                Ok(view) => last = view,
                Err(_) => break,
            }
        }
        panic!("no such view was announced; the last one was {last}");
    }

    fn sim_config(&self, config: Value) {
        let url = self.sim.base_url.join("_sim/config").unwrap();
        tauri::async_runtime::block_on(async {
            let r = reqwest::Client::new().post(url).json(&config).send().await.unwrap();
            assert!(r.status().is_success());
        });
    }
}

fn err(code: &str, message: &str) -> Value {
    json!({"code": code, "message": message})
}

#[test]
fn get_view_answers_the_whole_initial_view() {
    let s = setup();
    let first = s.invoke("get_view", json!({})).unwrap();
    assert!(first["revision"].as_u64().unwrap() >= 1, "{first}");
    assert_eq!(
        s.invoke("get_view", json!({})),
        Ok(
            json!({"revision": first["revision"].as_u64().unwrap() + 1, "spaces": [], "pending_join": null, "console_epoch": 0,
                  "signing_in": null, "session": null,
                  "token_storage": {"kind": "memory_only", "reason": "test"}, "notice": null, "access": null,
                  "pending_open": null, "phone": null, "language": null})
        ),
        "every view the app produces has a higher revision"
    );
}

#[test]
fn the_language_the_person_picks_is_kept_and_one_frontdoor_does_not_speak_is_refused_in_words() {
    let s = setup();
    assert_eq!(
        s.invoke("get_view", json!({})).unwrap()["language"],
        Value::Null,
        "the system's at first"
    );
    let german = s.invoke("set_language", json!({"language": "DE"})).unwrap();
    assert_eq!(german["language"], json!("de"));
    assert_eq!(
        s.invoke("get_view", json!({})).unwrap()["language"],
        json!("de"),
        "kept"
    );
    let refused = s.invoke("set_language", json!({"language": "fr"})).unwrap_err();
    assert_eq!(refused["code"], json!("invalid"), "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("English (en) and German (de)"),
        "{refused}"
    );
    assert_eq!(
        s.invoke("get_view", json!({})).unwrap()["language"],
        json!("de"),
        "a refusal changes nothing"
    );
    let system = s.invoke("set_language", json!({"language": null})).unwrap();
    assert_eq!(system["language"], Value::Null, "back to the system's language");
}

#[test]
fn open_link_refuses_a_broken_link_with_code_and_message() {
    let s = setup();
    assert_eq!(
        s.open_link("frontdoor://join?space=lighthouse"),
        Err(err("invalid_link", "This link is missing its hub address."))
    );
    assert_eq!(
        s.open_link("frontdoor://open?space=lighthouse"),
        Err(err("invalid_link", "This link is missing its door."))
    );
}

#[test]
fn joining_through_a_dead_hub_is_an_unknown_hub() {
    let s = setup();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let got = s
        .invoke(
            "join_space",
            json!({"subdomain": "lighthouse", "hub": format!("http://127.0.0.1:{port}")}),
        )
        .unwrap_err();
    assert_eq!(got["code"], json!("unknown_hub"));
    assert_eq!(
        got["message"],
        json!(format!("The hub at http://127.0.0.1:{port} could not be reached. Check the address, or ask your space's staff whether it is running."))
    );
}

#[test]
fn joining_a_space_the_hub_does_not_serve_is_an_unknown_hub() {
    let s = setup();
    let got = s
        .invoke(
            "join_space",
            json!({"subdomain": "elsewhere", "hub": s.hub.base_url.as_str()}),
        )
        .unwrap_err();
    assert_eq!(got["code"], json!("unknown_hub"));
    assert!(got["message"]
        .as_str()
        .unwrap()
        .contains("serves the space “lighthouse”, not “elsewhere”"));
}

#[test]
fn a_hub_that_sends_members_to_a_look_alike_sign_in_page_is_refused() {
    let s = setup_with(|_| IssuerPolicy::cobot_only(), None);
    let got = s.open_link(&s.join_link()).unwrap_err();
    assert_eq!(got["code"], json!("untrusted_sign_in"));
}

/// cobot-sim serving the demo space on a domain of its own too, a hub configured for that
/// domain, and the app trusting only cobot-sim's main address.
fn setup_custom_domain() -> (Setup, cobot_sim::CustomDomain) {
    let sim = tauri::async_runtime::block_on(cobot_sim::spawn(
        cobot_sim::SimConfig::default(),
        "127.0.0.1:0".parse().unwrap(),
    ))
    .unwrap();
    let domain = tauri::async_runtime::block_on(
        sim.sim
            .serve_custom_domain("lighthouse", "127.0.0.1:0".parse().unwrap()),
    )
    .unwrap();
    let url = domain.url.clone();
    let hub = tauri::async_runtime::block_on(util::connected_hub_with(&sim, |c| c.cobot.space_url = Some(url)));
    let parts = app(IssuerPolicy::with_extra([sim.base_url.clone()]), now);
    (
        Setup {
            sim,
            hub,
            relay: None,
            browser: parts.browser,
            views: parts.views,
            webview: parts.webview,
            _app: parts.app,
        },
        domain,
    )
}

#[test]
fn a_space_on_its_own_domain_signs_in_there_because_cobot_names_that_domain() {
    let (s, domain) = setup_custom_domain();
    let view = s.open_link(&s.join_link()).unwrap();
    let host = domain.url.host_str().unwrap().to_string() + ":" + &domain.url.port().unwrap().to_string();
    assert_eq!(view["pending_join"]["space"]["sign_in_host"], json!(host), "{view}");
    assert_eq!(
        view["pending_join"]["unlisted_sign_in"],
        Value::Null,
        "Cobot names the domain: nothing to ask"
    );
    signs_in_on(&s, &domain);
}

#[test]
fn a_space_on_its_own_domain_cobot_lists_by_its_cobot_host_is_confirmed_by_the_member_once() {
    // Cobot's `url` names the space's cobot.me host (as Cobot's own apps read it), not the domain.
    let (s, domain) = setup_custom_domain();
    let set = reqwest::Client::new()
        .post(s.sim.base_url.join("_sim/config").unwrap())
        .json(&json!({"space_url": "cobot_host"}))
        .send();
    assert!(tauri::async_runtime::block_on(set).unwrap().status().is_success());
    let view = s.open_link(&s.join_link()).unwrap();
    let listed = format!(
        "{}:{}",
        s.sim.base_url.host_str().unwrap(),
        s.sim.base_url.port().unwrap()
    );
    assert_eq!(
        view["pending_join"]["unlisted_sign_in"],
        json!(listed),
        "the member is told Cobot lists the space elsewhere: {view}"
    );
    // Cancel keeps nothing; joining again asks again.
    s.invoke("decline_join", json!({})).unwrap();
    let view = s.open_link(&s.join_link()).unwrap();
    assert_eq!(view["pending_join"]["unlisted_sign_in"], json!(listed));
    signs_in_on(&s, &domain);
    // Confirmed once: the same link again asks nothing.
    let view = s.open_link(&s.join_link()).unwrap();
    assert_eq!(view["pending_join"], Value::Null, "{view}");
}

/// Confirms the offered join and signs Alex in on the space's domain.
fn signs_in_on(s: &Setup, domain: &cobot_sim::CustomDomain) {
    s.invoke("confirm_join", json!({})).unwrap();
    let authorize = s
        .browser
        .0
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the browser was opened");
    assert_eq!(
        authorize.origin(),
        domain.url.origin(),
        "Cobot's page on the space's domain"
    );
    let callback = s.browser_signs_in(&authorize, "alex@example.com");
    let view = s.open_link(&callback).unwrap();
    assert_eq!(view["session"]["name"], json!("Alex Morgan"), "{view}");
}

#[test]
fn a_sign_in_host_on_another_scheme_than_cobots_is_refused() {
    // A hub naming an address as the space's sign-in on another scheme than Cobot's own (https
    // in production; here Cobot is http, the look-alike https): refused without asking.
    let s = setup_with(|cobot| IssuerPolicy::with_extra([cobot.clone()]), None);
    let other = frontdoor_hub::spawn(
        {
            let mut c = frontdoor_hub::Config::demo(&s.sim.base_url);
            c.cobot.space_url = Some(Url::parse("https://127.0.0.1:9/").unwrap());
            c
        },
        "127.0.0.1:0".parse().unwrap(),
    );
    let other = tauri::async_runtime::block_on(other).unwrap();
    let link = format!(
        "frontdoor://join?space=lighthouse&hub={}",
        other.base_url.as_str().trim_end_matches('/')
    );
    let got = s.open_link(&link).unwrap_err();
    assert_eq!(got["code"], json!("untrusted_sign_in"), "{got}");
}

#[test]
fn join_offers_the_space_then_decline_forgets_it() {
    let s = setup();
    let view = s.open_link(&s.join_link()).unwrap();
    assert_eq!(view["pending_join"]["space"]["name"], json!("Lighthouse Coworking"));
    assert_eq!(view["spaces"], json!([]), "nothing is kept before the person confirms");
    let view = s.invoke("decline_join", json!({})).unwrap();
    assert_eq!(view["pending_join"], Value::Null);
    assert_eq!(
        s.invoke("confirm_join", json!({})).unwrap_err()["code"],
        json!("no_space")
    );
}

#[test]
fn a_member_joins_signs_in_and_signs_out_and_cobot_revokes_the_token() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    assert!(authorize.as_str().contains("code_challenge_method=S256"));
    let callback = s.browser_signs_in(&authorize, "alex@example.com");
    assert!(callback.starts_with("frontdoor://auth/callback?code="), "{callback}");

    let view = s.open_link(&callback).unwrap();
    assert_eq!(view["signing_in"], Value::Null);
    assert_eq!(
        view["session"],
        json!({"subdomain": "lighthouse", "user_id": "user-alex", "name": "Alex Morgan", "email": "alex@example.com",
               "memberships": [{"subdomain": "lighthouse", "name": "Lighthouse Coworking", "role": "member"}]})
    );
    assert_eq!(
        s.invoke("get_view", json!({})).unwrap()["session"]["name"],
        json!("Alex Morgan")
    );

    let view = s.invoke("sign_out", json!({})).unwrap();
    assert_eq!(view["session"], Value::Null);
    assert_eq!(
        view["access"],
        Value::Null,
        "signing out forgets the member's access view"
    );
    assert_eq!(view["notice"], Value::Null);
    let tokens = s.sim_tokens("user-alex");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["revoked"], json!(true));
}

#[test]
fn staff_see_that_they_administer_the_space() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let view = s.open_link(&s.browser_signs_in(&authorize, "sam@example.com")).unwrap();
    assert_eq!(view["session"]["memberships"][0]["role"], json!("member_and_admin"));
}

#[test]
fn a_replayed_callback_finds_no_sign_in() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let callback = s.browser_signs_in(&authorize, "alex@example.com");
    s.open_link(&callback).unwrap();
    assert_eq!(
        s.open_link(&callback),
        Err(err(
            "no_sign_in_in_progress",
            "No sign-in is running, so this sign-in answer was ignored. Start signing in again."
        ))
    );
}

#[test]
fn a_callback_with_a_foreign_state_is_refused_and_the_real_sign_in_goes_on() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let forged = "frontdoor://auth/callback?code=attacker-code&state=not-ours";
    assert_eq!(
        s.open_link(&forged),
        Err(err(
            "state_mismatch",
            "This sign-in answer does not belong to the sign-in Frontdoor started, so it was refused. Start signing in again."
        ))
    );
    let view = s
        .open_link(&s.browser_signs_in(&authorize, "alex@example.com"))
        .unwrap();
    assert_eq!(view["session"]["name"], json!("Alex Morgan"));
}

#[test]
fn declining_at_cobot_is_consent_denied() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let link = s.decline_at_cobot(&authorize);
    assert_eq!(
        s.open_link(&link),
        Err(err(
            "consent_denied",
            "You declined to share your Cobot account with Frontdoor, so you are not signed in."
        ))
    );
    let view = s.invoke("get_view", json!({})).unwrap();
    assert_eq!(view["signing_in"], Value::Null);
    assert_eq!(view["notice"]["code"], json!("consent_denied"));
}

#[test]
fn a_code_that_expired_asks_to_sign_in_again() {
    let s = setup();
    s.sim_config(json!({"code_ttl_secs": 0}));
    let authorize = s.join_and_start_sign_in();
    let callback = s.browser_signs_in(&authorize, "alex@example.com");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(
        s.open_link(&callback),
        Err(err(
            "expired_code",
            "The sign-in took too long or was already used. Please sign in again."
        ))
    );
}

#[test]
fn cobot_down_is_cobot_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let s = setup_with(|cobot| IssuerPolicy::with_extra([cobot.clone()]), Some(dead));
    s.open_link(&s.join_link()).unwrap();
    assert_eq!(
        s.invoke("confirm_join", json!({})),
        Err(err(
            "cobot_unreachable",
            "Cobot's sign-in cannot be reached right now. Try again in a few minutes."
        ))
    );
}

#[test]
fn cancel_stops_the_sign_in_and_a_late_callback_is_ignored() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let view = s.invoke("cancel_sign_in", json!({})).unwrap();
    assert_eq!(view["signing_in"], Value::Null);
    assert_eq!(
        view["spaces"][0]["subdomain"],
        json!("lighthouse"),
        "the space stays joined"
    );
    let late = s.browser_signs_in(&authorize, "alex@example.com");
    assert_eq!(s.open_link(&late).unwrap_err()["code"], json!("no_sign_in_in_progress"));
    // Signing in again from the joined space works.
    let view = s.invoke("sign_in", json!({})).unwrap();
    assert_eq!(view["signing_in"]["subdomain"], json!("lighthouse"));
}

#[test]
fn sign_in_without_a_space_says_to_join_first() {
    let s = setup();
    assert_eq!(
        s.invoke("sign_in", json!({})),
        Err(err(
            "no_space",
            "Join a space first: scan its QR code, open its link, or type its name."
        ))
    );
    assert_eq!(s.invoke("sign_out", json!({})).unwrap_err()["code"], json!("no_space"));
}

#[test]
fn a_device_signed_out_at_the_hub_means_sign_in_again_on_refresh() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    s.open_link(&s.browser_signs_in(&authorize, "alex@example.com"))
        .unwrap();
    assert_eq!(
        s.invoke("refresh", json!({})).unwrap()["session"]["name"],
        json!("Alex Morgan")
    );
    // Staff sign the device out at the hub.
    let device = s.hub.hub.store.devices().unwrap()[0].id.clone();
    tauri::async_runtime::block_on(s.hub.hub.sign_out_device(&device, "test")).unwrap();
    assert_eq!(
        s.invoke("refresh", json!({})),
        Err(err(
            "sign_in_again",
            "This device is no longer signed in to the hub. Please sign in again."
        ))
    );
    assert_eq!(s.invoke("get_view", json!({})).unwrap()["session"], Value::Null);
}

#[test]
fn dismiss_notice_clears_it() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let _ = s.open_link(&s.decline_at_cobot(&authorize));
    assert_eq!(s.invoke("dismiss_notice", json!({})).unwrap()["notice"], Value::Null);
}

#[test]
fn when_the_hub_is_unreachable_the_last_answer_stays_on_screen_marked_offline() {
    let mut s = setup();
    let authorize = s.join_and_start_sign_in();
    let view = s
        .open_link(&s.browser_signs_in(&authorize, "alex@example.com"))
        .unwrap();
    let doors = view["access"]["doors"].clone();
    assert_eq!(view["access"]["stale"], json!(false));

    tauri::async_runtime::block_on(s.hub.stop());
    let err = s.invoke("refresh", json!({})).unwrap_err();
    assert_eq!(err["code"], json!("hub_unreachable"));
    assert_eq!(
        err["message"],
        json!("The hub could not be reached. Showing what it said last time.")
    );
    let view = s.invoke("get_view", json!({})).unwrap();
    assert_eq!(
        view["access"]["stale"],
        json!(true),
        "the offline view is marked as such"
    );
    assert_eq!(view["access"]["doors"], doors, "and still shows every door");
    assert_eq!(
        view["session"]["name"],
        json!("Alex Morgan"),
        "the member stays signed in"
    );
}

#[test]
fn a_member_taps_unlock_the_door_opens_once_and_the_check_in_follows() {
    let s = setup_doors();
    let view = s.signed_in_as("alex@example.com");
    let front = &view["access"]["doors"][0];
    assert_eq!((&front["id"], &front["allowed"]), (&json!("front"), &json!(true)));
    assert_eq!(
        view["access"]["check_in"],
        Value::Null,
        "not checked in before entering"
    );
    assert_eq!(view["access"]["recent_check_ins"], json!([]));

    let answer = s.invoke("unlock", json!({"door": "front"})).unwrap();

    assert_eq!(
        answer["unlock"],
        json!({"door_id": "front", "door_name": "Front door", "outcome": "opened",
               "message": "Front door is open.", "merged": false,
               "check_in": "checking_in", "check_in_message": "Checking you in with Cobot…"})
    );
    assert_eq!(answer["view"]["session"]["name"], json!("Alex Morgan"));
    assert_eq!(s.pulses_on(FRONT), 1, "one tap, one pulse");
    let checked_in = json!({"day": "2026-11-23", "state": "checked_in", "since": "10:00",
                            "message": "Checked in since 10:00",
                            "line": {"kind": "checked_in", "since": "10:00", "until": null}});
    let view = s.announced_view(|v| v["access"]["check_in"]["state"] == json!("checked_in"));
    assert_eq!(view["access"]["check_in"], checked_in, "Cobot's time, in Berlin");
    assert_eq!(view["access"]["recent_check_ins"], json!([checked_in]));
    assert_eq!(
        s.invoke("get_view", json!({})).unwrap()["access"]["check_in"],
        checked_in
    );
    assert_eq!(s.pulses(), 1, "looking again does not touch the door");
}

#[test]
fn a_refused_unlock_says_why_in_the_hubs_words_and_never_pulses() {
    let s = setup_doors();
    s.signed_in_as("alex@example.com");
    assert_eq!(
        s.invoke("unlock", json!({"door": "workshop"})),
        Err(err(
            "no_access",
            "Workshop does not open for you now: none of your plans or groups opens this door."
        ))
    );
    assert_eq!(
        s.invoke("unlock", json!({"door": "cellar"})),
        Err(err(
            "unknown_door",
            "Lighthouse Coworking has no door “cellar”. Scan the door's sticker again."
        ))
    );
    assert_eq!(s.pulses_on(WORKSHOP), 0);
    assert_eq!(s.pulses(), 0, "a refusal never reaches the relay");
}

#[test]
fn unlock_without_anyone_signed_in_says_to_sign_in_first() {
    let s = setup_doors();
    s.join_and_start_sign_in();
    s.invoke("cancel_sign_in", json!({})).unwrap();
    assert_eq!(
        s.invoke("unlock", json!({"door": "front"})),
        Err(err(
            "not_signed_in",
            "Sign in to Lighthouse Coworking first (“Sign in with Cobot”), then scan the door's code again."
        ))
    );
    assert_eq!(s.pulses(), 0);
}

/// The phone's fingerprint check, played by the test: it answers as told and notes what it was
/// asked.
struct Finger {
    answer: Mutex<Result<(), String>>,
    asked: Mutex<Vec<String>>,
}

impl Finger {
    fn answers(&self, answer: Result<(), &str>) {
        *self.answer.lock().unwrap() = answer.map_err(str::to_string);
    }
}

impl Presence for Finger {
    fn available(&self) -> Result<String, DeviceError> {
        Ok("fingerprint".into())
    }
    fn confirm(&self, reason: &str) -> Result<(), DeviceError> {
        self.asked.lock().unwrap().push(reason.to_string());
        self.answer
            .lock()
            .unwrap()
            .clone()
            .map_err(|why| DeviceError::Presence(why.into()))
    }
}

#[test]
fn with_confirm_before_opening_on_only_the_phones_owner_opens_the_door() {
    use tauri::Manager;
    let s = setup_doors();
    let finger = Arc::new(Finger {
        answer: Mutex::new(Ok(())),
        asked: Mutex::default(),
    });
    s._app.state::<Arc<Frontdoor>>().set_presence(finger.clone());
    let view = s.signed_in_as("alex@example.com");
    assert_eq!(
        view["phone"],
        json!({"scan": true, "confirm_with": "fingerprint", "confirm_unlock": false}),
        "a phone offers scanning and the fingerprint, off until the person turns it on"
    );

    // Turning it on asks first; cancelled, it stays off.
    finger.answers(Err("cancelled"));
    let refused = s.invoke("set_confirm_unlock", json!({"enabled": true})).unwrap_err();
    assert_eq!(refused["code"], "not_confirmed", "{refused}");
    assert_eq!(
        s.invoke("get_view", json!({})).unwrap()["phone"]["confirm_unlock"],
        json!(false)
    );
    finger.answers(Ok(()));
    let on = s.invoke("set_confirm_unlock", json!({"enabled": true})).unwrap();
    assert_eq!(on["phone"]["confirm_unlock"], json!(true));

    // Someone else holding the unlocked phone: the door stays shut, and the hub is not asked.
    finger.answers(Err("not recognised"));
    let shut = s.invoke("unlock", json!({"door": "front"})).unwrap_err();
    assert_eq!(shut["code"], "not_confirmed", "{shut}");
    assert!(shut["message"].as_str().unwrap().contains("nothing happened"), "{shut}");
    assert_eq!(s.pulses(), 0);
    // Nor can they turn the check off.
    let still = s.invoke("set_confirm_unlock", json!({"enabled": false})).unwrap_err();
    assert_eq!(still["code"], "not_confirmed");

    // The owner: asked with the door's name, and the door opens once.
    finger.answers(Ok(()));
    let opened = s.invoke("unlock", json!({"door": "front"})).unwrap();
    assert_eq!(opened["unlock"]["outcome"], json!("opened"), "{opened}");
    assert_eq!(s.pulses_on(FRONT), 1);
    assert_eq!(
        finger.asked.lock().unwrap().last().map(String::as_str),
        Some("Open Front door")
    );
}

#[test]
fn unlocking_while_the_hub_is_down_says_the_door_did_not_open() {
    let mut s = setup_doors();
    s.signed_in_as("alex@example.com");
    tauri::async_runtime::block_on(s.hub.stop());
    let error = s.invoke("unlock", json!({"door": "front"})).unwrap_err();
    assert_eq!(error["code"], "hub_unreachable");
    // A refused connection proves the command never left; a pooled connection the stopped hub
    // closed may have failed mid-request, and then the app says it cannot know.
    let message = error["message"].as_str().unwrap();
    assert!(
        [
            "The hub could not be reached, so the door did not open. Check your connection (the space's Wi-Fi) and try again.",
            "The hub could not be reached in time; the door may or may not have opened. Look at the door before you tap again.",
        ]
        .contains(&message),
        "{message}"
    );
    let view = s.invoke("get_view", json!({})).unwrap();
    assert_eq!(view["access"]["stale"], json!(true), "the door list is marked offline");
    assert_eq!(view["session"]["name"], json!("Alex Morgan"), "still signed in");
    assert_eq!(s.pulses(), 0);
}

/// The hub's clock for one test: Monday morning plus what the test adds.
static LATER_SECS: AtomicI64 = AtomicI64::new(0);

fn monday_plus_later() -> Timestamp {
    monday_morning() + jiff::SignedDuration::from_secs(LATER_SECS.load(Ordering::SeqCst))
}

#[test]
fn an_ended_hub_session_is_opened_again_once_and_the_door_opens() {
    let s = setup_doors_with(monday_plus_later);
    s.signed_in_as("alex@example.com");
    // Nine hours later (19:00 in Berlin, still within the Members' hours) the hub session of
    // the sign-in has expired; the app still holds it.
    LATER_SECS.store(9 * 3600, Ordering::SeqCst);

    let answer = s.invoke("unlock", json!({"door": "front"})).unwrap();

    assert_eq!(answer["unlock"]["message"], json!("Front door is open."));
    assert_eq!(s.pulses_on(FRONT), 1, "the refused first try never reached the relay");
}

/// The hub's clock for one test: Monday morning plus what the test adds.
static MUCH_LATER_SECS: AtomicI64 = AtomicI64::new(0);

fn monday_plus_much_later() -> Timestamp {
    monday_morning() + jiff::SignedDuration::from_secs(MUCH_LATER_SECS.load(Ordering::SeqCst))
}

#[test]
fn when_cobot_ended_the_sign_in_unlock_says_sign_in_again() {
    let s = setup_doors_with(monday_plus_much_later);
    s.signed_in_as("alex@example.com");
    // Signed out at Cobot, and a day later the hub re-validates the person with Cobot when the
    // app refreshes its session.
    let url = s.sim.base_url.join("_sim/users/user-alex/tokens").unwrap();
    tauri::async_runtime::block_on(async { reqwest::Client::new().delete(url).send().await.unwrap() });
    MUCH_LATER_SECS.store(25 * 3600, Ordering::SeqCst);

    assert_eq!(
        s.invoke("unlock", json!({"door": "front"})),
        Err(err(
            "sign_in_again",
            "Cobot no longer accepts your sign-in. Please sign in again."
        ))
    );
    let view = s.invoke("get_view", json!({})).unwrap();
    assert_eq!(view["session"], Value::Null, "the dead sign-in is forgotten here");
    assert_eq!(
        view["spaces"][0]["subdomain"],
        json!("lighthouse"),
        "the space stays joined"
    );
    assert_eq!(s.pulses(), 0);
}

#[test]
fn a_door_link_asks_first_and_opens_the_door_once_confirmed() {
    let s = setup_doors();
    s.signed_in_as("alex@example.com");

    let view = s.invoke("open_link", Setup::open_link_for("front")).unwrap();
    assert_eq!(
        view["pending_open"],
        json!({"subdomain": "lighthouse", "space_name": "Lighthouse Coworking",
               "door_id": "front", "door_name": "Front door"})
    );
    assert_eq!(s.pulses(), 0, "nothing opens before the person confirms");

    let answer = s.invoke("confirm_open", json!({})).unwrap();
    assert_eq!(answer["unlock"]["message"], json!("Front door is open."));
    assert_eq!(answer["view"]["pending_open"], Value::Null);
    assert_eq!(s.pulses_on(FRONT), 1);

    assert_eq!(
        s.invoke("confirm_open", json!({})),
        Err(err(
            "no_pending_open",
            "No door is waiting to be opened. Scan the door's code again."
        )),
        "a second confirm opens nothing"
    );
    assert_eq!(s.pulses(), 1);
}

#[test]
fn cancelling_a_door_link_opens_nothing() {
    let s = setup_doors();
    s.signed_in_as("alex@example.com");
    s.invoke("open_link", Setup::open_link_for("front")).unwrap();
    let view = s.invoke("cancel_open", json!({})).unwrap();
    assert_eq!(view["pending_open"], Value::Null);
    assert_eq!(view["session"]["name"], json!("Alex Morgan"), "back home");
    assert_eq!(
        s.invoke("confirm_open", json!({})).unwrap_err()["code"],
        json!("no_pending_open")
    );
    assert_eq!(s.pulses(), 0);
}

#[test]
fn a_door_link_for_a_space_not_joined_says_to_join_first() {
    let s = setup();
    assert_eq!(
        s.invoke("open_link", Setup::open_link_for("front")),
        Err(err(
            "no_space",
            "Frontdoor has not joined “lighthouse” yet. Scan the join QR code at the space's front desk first, then scan the door's code again."
        ))
    );
    assert_eq!(s.invoke("get_view", json!({})).unwrap()["pending_open"], Value::Null);
}

#[test]
fn a_door_link_before_signing_in_says_to_sign_in_first() {
    let s = setup();
    s.join_and_start_sign_in();
    s.invoke("cancel_sign_in", json!({})).unwrap();
    assert_eq!(
        s.invoke("open_link", Setup::open_link_for("front")),
        Err(err(
            "not_signed_in",
            "Sign in to Lighthouse Coworking first (“Sign in with Cobot”), then scan the door's code again."
        ))
    );
}

#[test]
fn a_door_link_naming_a_door_the_space_does_not_have_is_refused_before_asking() {
    let s = setup_doors();
    s.signed_in_as("alex@example.com");
    assert_eq!(
        s.invoke("open_link", Setup::open_link_for("cellar")),
        Err(err(
            "unknown_door",
            "Lighthouse Coworking has no door “cellar”. Scan the door's sticker again, or pick the door from the list."
        ))
    );
    assert_eq!(s.invoke("get_view", json!({})).unwrap()["pending_open"], Value::Null);
    assert_eq!(s.pulses(), 0);
}

#[test]
fn a_door_that_does_not_answer_the_hub_is_reported_in_the_hubs_words() {
    let s = setup_doors();
    s.signed_in_as("alex@example.com");
    // The relay executes the command but the answer is lost on the way back.
    s.relay.as_ref().unwrap().set_fault(relay_sim::Fault::DropAfterRead);
    let got = s.invoke("unlock", json!({"door": "front"})).unwrap_err();
    assert_eq!(got["code"], json!("door_did_not_answer"));
    let message = got["message"].as_str().unwrap();
    // The rest is the door driver's own explanation (crates/core/src/door), not pinned here.
    assert!(message.starts_with("Front door: the door did not answer."), "{message}");
}

/// A hostile hub: claims to serve the space, names the real Cobot for sign-in, and records every
/// request it gets.
struct HostileHub {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl HostileHub {
    fn start(cobot: &Url) -> HostileHub {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tauri::async_runtime::block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let info = json!({"product": "frontdoor-hub", "version": "6.6.6",
            "space": {"subdomain": "lighthouse", "name": "Lighthouse Coworking"},
            "sign_in": {"issuer": format!("{}sub/lighthouse", cobot), "cobot_www": cobot.as_str(), "client_id": "evil"}})
        .to_string();
        let record = seen.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let mut raw = vec![0u8; 65536];
                let n = stream.read(&mut raw).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&raw[..n]).to_string();
                record.lock().unwrap().push(request.clone());
                let body = if request.starts_with("GET /api/v1/hub") {
                    info.clone()
                } else {
                    r#"{"code":"internal","message":"hostile"}"#.to_string()
                };
                let status = if request.starts_with("GET /api/v1/hub") {
                    "200 OK"
                } else {
                    "500 Internal Server Error"
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            }
        });
        HostileHub { url, seen }
    }
}

#[test]
fn a_join_link_naming_a_hostile_hub_never_receives_a_credential_of_the_real_one() {
    let s = setup_doors();
    s.signed_in_as("alex@example.com");
    let hostile = HostileHub::start(&s.sim.base_url);
    let link = format!("frontdoor://join?space=lighthouse&hub={}", hostile.url);

    // Shown as what it is, and Cancel changes nothing.
    let view = s.open_link(&link).unwrap();
    assert_eq!(
        view["pending_join"]["replaces_hub"],
        json!(s.hub.base_url.as_str().trim_end_matches('/')),
        "the offer says the space is already joined through another hub"
    );
    let view = s.invoke("decline_join", json!({})).unwrap();
    assert_eq!(
        view["spaces"][0]["hub_url"],
        json!(s.hub.base_url.as_str().trim_end_matches('/'))
    );
    assert_eq!(
        view["session"]["name"],
        json!("Alex Morgan"),
        "still signed in to the real hub"
    );
    s.invoke("unlock", json!({"door": "front"})).unwrap();
    assert_eq!(s.pulses_on(0), 1, "the real hub still opens the door");

    // Confirmed: the app switches hubs and starts a fresh sign-in there, carrying nothing over.
    s.open_link(&link).unwrap();
    let _ = s.invoke("confirm_join", json!({}));
    let seen = hostile.seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the hostile hub was asked who it is");
    for request in &seen {
        let lower = request.to_ascii_lowercase();
        assert!(
            !lower.contains("authorization:"),
            "no bearer ever goes to another hub: {request}"
        );
        assert!(!lower.contains("refresh_token"), "no refresh token: {request}");
        assert!(!lower.contains("\"ticket\""), "no ticket: {request}");
    }
    let view = s.invoke("get_view", json!({})).unwrap();
    assert_eq!(
        view["session"],
        Value::Null,
        "the real hub's sign-in is forgotten, not moved"
    );
}

#[test]
fn a_plain_http_hub_is_refused_unless_it_is_on_this_machine() {
    let s = setup();
    let refused = s
        .open_link("frontdoor://join?space=lighthouse&hub=http://hub.example.com")
        .unwrap_err();
    assert_eq!(refused["code"], json!("invalid_link"));
    assert!(refused["message"].as_str().unwrap().contains("https://"), "{refused}");
    assert_eq!(s.invoke("get_view", json!({})).unwrap()["pending_join"], Value::Null);
}

#[test]
fn staff_load_the_console_and_a_member_is_refused_it() {
    let s = setup();
    s.signed_in_as("sam@example.com");
    let console = s.invoke("console", json!({})).unwrap();
    assert_eq!(console["errors"], json!([]), "{console}");
    assert!(console["access"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == "Members"));
    assert_eq!(console["cobot"]["state"], json!("connected"));
    assert!(console["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "Alex Morgan"));
    assert!(
        !console["sync"]["runs"].as_array().unwrap().is_empty(),
        "the first sync's report"
    );

    let m = setup();
    m.signed_in_as("alex@example.com");
    let refused = m.invoke("console", json!({})).unwrap_err();
    assert_eq!(refused["code"], json!("not_staff"), "{refused}");
}

#[test]
fn a_refused_group_comes_back_with_words_for_each_field_and_a_good_one_is_saved() {
    let s = setup();
    s.signed_in_as("sam@example.com");
    let console = s.invoke("console", json!({})).unwrap();
    let version = console["access"]["version"].as_u64().unwrap();
    let refused = s
        .invoke(
            "console_save_group",
            json!({"group": {"id": "Evenings", "name": "Evenings", "doors": ["nowhere"], "schedule": "Mon-Fri 25:00-26:00"}, "version": version}),
        )
        .unwrap_err();
    assert_eq!(refused["code"], json!("invalid"), "{refused}");
    assert!(
        refused["fields"]["group.doors"].as_str().unwrap().contains("nowhere"),
        "{refused}"
    );
    assert!(
        refused["fields"]["group.schedule"].as_str().unwrap().contains("25:00"),
        "{refused}"
    );
    let unchanged = s.invoke("console", json!({})).unwrap();
    assert_eq!(unchanged["access"]["version"], json!(version), "nothing changed");

    let saved = s
        .invoke(
            "console_save_group",
            json!({"group": {"id": "Evenings", "name": "Evenings", "doors": ["workshop"], "schedule": "Mon-Fri 18:00-22:00"}, "version": version}),
        )
        .unwrap();
    assert!(saved["access"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == "Evenings"));
    assert!(
        saved["changes"][0]["what"].as_str().unwrap().contains("Evenings"),
        "{}",
        saved["changes"]
    );
}

/// The folder every test's saved files go to. `FRONTDOOR_DOWNLOAD_DIR` belongs to the whole
/// process, so it is set once, before the first save, and never changed; every saved file has its
/// own name there (a save never replaces a file), so tests sharing it cannot disturb each other.
fn download_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        std::env::set_var(frontdoor_app::downloads::DOWNLOAD_DIR_ENV, dir.path());
        dir
    })
    .path()
}

/// A file the app says it saved: where it is, and what it holds.
fn saved(answer: &Value) -> (std::path::PathBuf, String) {
    let path = std::path::PathBuf::from(answer["path"].as_str().expect("a saved file's path"));
    assert_eq!(
        path.parent(),
        Some(download_dir()),
        "saved into FRONTDOOR_DOWNLOAD_DIR: {answer}"
    );
    assert_eq!(path.file_name().unwrap().to_str(), answer["name"].as_str());
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(answer["bytes"].as_u64(), Some(text.len() as u64));
    (path, text)
}

#[test]
fn staff_read_the_activity_with_filters_and_open_a_door_remotely_with_a_reason() {
    let s = setup_doors();
    s.signed_in_as("sam@example.com");

    let refused = s
        .invoke("console_remote_open", json!({"door": "workshop", "reason": "  "}))
        .unwrap_err();
    assert_eq!(refused["code"], json!("invalid"), "{refused}");
    assert!(
        refused["fields"]["reason"].is_string(),
        "the words go beside the reason: {refused}"
    );
    assert_eq!(s.pulses(), 0, "no reason, no opening");

    let opened = s
        .invoke(
            "console_remote_open",
            json!({"door": "workshop", "reason": "Courier for Alex"}),
        )
        .unwrap();
    assert_eq!(
        (&opened["door_id"], &opened["outcome"], &opened["check_in"]),
        (&json!("workshop"), &json!("opened"), &json!("none")),
        "{opened}"
    );
    assert_eq!(s.pulses_on(WORKSHOP), 1);
    s.invoke("unlock", json!({"door": "front"})).unwrap();

    let everything = s
        .invoke("console_activity", json!({"filter": {}, "beforeId": null}))
        .unwrap();
    let rows = everything["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{everything}");
    assert_eq!(rows[0]["door"], json!("front"), "newest first");
    assert_eq!(everything["next_before_id"], Value::Null, "one page holds it all");

    let workshop = s
        .invoke("console_activity", json!({"filter": {"door": "workshop"}}))
        .unwrap();
    let row = &workshop["rows"][0];
    assert_eq!(workshop["rows"].as_array().unwrap().len(), 1, "{workshop}");
    assert_eq!(
        (&row["reasons"][0], &row["reasons"][1]),
        (&json!("staff_remote"), &json!("Courier for Alex")),
        "{row}"
    );
    assert_eq!((&row["who"], &row["staff"]), (&json!("Sam Rivera"), &json!(true)));
    assert_eq!(row["door_name"], json!("Workshop"));
    assert_eq!(
        s.invoke(
            "console_activity",
            json!({"filter": {"person": "sam", "outcome": "opened"}, "beforeId": rows[0]["id"]}),
        )
        .unwrap()["rows"],
        json!([row]),
        "an older page holds only older rows"
    );

    let refused = s
        .invoke(
            "console_activity",
            json!({"filter": {"outcome": "sideways", "from": "yesterday"}}),
        )
        .unwrap_err();
    assert_eq!(refused["code"], json!("invalid"), "{refused}");
    assert!(refused["fields"]["outcome"].is_string(), "{refused}");
    assert!(refused["fields"]["from"].is_string(), "{refused}");

    let latency = s.invoke("console_door_latency", json!({})).unwrap();
    let doors: Vec<&str> = latency
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["door"].as_str().unwrap())
        .collect();
    assert_eq!(doors, ["front", "workshop", "office"]);
    assert_eq!(latency[1]["count"], json!(1), "{latency}");
    assert!(latency[1]["p50_us"].is_u64(), "{latency}");
    assert_eq!(latency[2]["p95_us"], Value::Null, "the office never opened");
}

#[test]
fn staff_export_the_activity_to_downloads_and_a_second_export_never_overwrites_the_first() {
    download_dir();
    let s = setup_doors();
    s.signed_in_as("sam@example.com");
    s.invoke(
        "console_remote_open",
        json!({"door": "workshop", "reason": "Courier for Alex"}),
    )
    .unwrap();
    s.invoke("unlock", json!({"door": "front"})).unwrap();

    let filter = json!({"filter": {"door": "workshop"}});
    let first = s.invoke("console_export_activity", filter.clone()).unwrap();
    let (first_path, csv) = saved(&first);
    let name = first["name"].as_str().unwrap();
    assert!(
        name.starts_with("frontdoor-activity-lighthouse-20261123-090000Z") && name.ends_with(".csv"),
        "names the space and the app's time: {name}"
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,at,last_at,user_id,who,staff,door,door_name,outcome,code,reasons,driver_result,latency_ms,count,check_in"
    );
    assert_eq!(lines.len(), 2, "only the filtered door: {csv}");
    assert!(
        lines[1].contains(",user-sam,Sam Rivera,true,workshop,Workshop,opened,,staff_remote; Courier for Alex;"),
        "{csv}"
    );

    let second = s.invoke("console_export_activity", filter).unwrap();
    let (second_path, again) = saved(&second);
    assert_ne!(second_path, first_path, "a second export gets a name of its own");
    assert_eq!(again, csv);
    assert_eq!(
        std::fs::read_to_string(&first_path).unwrap(),
        csv,
        "the first file is untouched"
    );
}

#[test]
fn staff_see_a_days_check_ins_retry_a_refused_one_and_set_the_policy() {
    let s = setup_doors();
    s.signed_in_as("sam@example.com");
    let row = |day: &str, state: &str| frontdoor_hub::store::CheckInRow {
        membership_id: "mem-alex".into(),
        day: day.into(),
        user_id: Some("user-alex".into()),
        state: state.into(),
        queued_at: format!("{day}T08:00:00Z"),
        attempts: 1,
        next_attempt_ms: 0,
        last_error: Some("No time passes left.".into()),
        cobot_id: None,
        valid_from: None,
        valid_until: None,
    };
    let store = &s.hub.hub.store;
    store.insert_check_in_for_tests(&row("2026-11-23", "refused")).unwrap();
    store.insert_check_in_for_tests(&row("2026-11-20", "refused")).unwrap();

    let today = s.invoke("console_check_ins", json!({})).unwrap();
    assert_eq!(
        (&today["day"], &today["today"], &today["policy"]),
        (&json!("2026-11-23"), &json!("2026-11-23"), &json!("once-per-day"))
    );
    assert_eq!(
        today["rows"],
        json!([{"membership_id": "mem-alex", "name": "Alex Morgan", "day": "2026-11-23", "state": "refused",
                "why": "No time passes left.", "attempts": 1, "next_attempt_at": null, "since": null,
                "retryable": true}]),
        "Cobot's own words"
    );

    let friday = s.invoke("console_check_ins", json!({"day": "2026-11-20"})).unwrap();
    assert_eq!(friday["rows"][0]["retryable"], json!(false), "{friday}");
    let ended = s
        .invoke(
            "console_retry_check_in",
            json!({"membershipId": "mem-alex", "day": "2026-11-20"}),
        )
        .unwrap_err();
    assert_eq!(ended["code"], json!("conflict"), "{ended}");
    assert!(ended["message"].as_str().unwrap().contains("has ended"), "{ended}");
    let wrong = s.invoke("console_check_ins", json!({"day": "yesterday"})).unwrap_err();
    assert!(wrong["fields"]["day"].is_string(), "{wrong}");

    let retried = s
        .invoke(
            "console_retry_check_in",
            json!({"membershipId": "mem-alex", "day": "2026-11-23"}),
        )
        .unwrap();
    assert_eq!(retried["day"], json!("2026-11-23"), "the same day again");
    let state = retried["rows"][0]["state"].as_str().unwrap();
    // The hub's worker may already have checked Alex in by the time the day is read again.
    assert!(["pending", "checked_in"].contains(&state), "{retried}");

    let wrong = s
        .invoke("console_check_in_policy", json!({"policy": "twice"}))
        .unwrap_err();
    assert!(wrong["fields"]["policy"].is_string(), "{wrong}");
    let off = s
        .invoke("console_check_in_policy", json!({"policy": "off", "day": "2026-11-20"}))
        .unwrap();
    assert_eq!((&off["policy"], &off["day"]), (&json!("off"), &json!("2026-11-20")));
    assert_eq!(
        s.invoke("console_check_ins", json!({})).unwrap()["policy"],
        json!("off")
    );
    assert_eq!(off["no_pass"], json!("open-anyway"), "Cobot's own default");
    let refuse = s
        .invoke(
            "console_check_in_policy",
            json!({"policy": "once-per-day", "noPass": "refuse"}),
        )
        .unwrap();
    assert_eq!(
        (&refuse["policy"], &refuse["no_pass"]),
        (&json!("once-per-day"), &json!("refuse"))
    );
    let wrong = s
        .invoke(
            "console_check_in_policy",
            json!({"policy": "once-per-day", "noPass": "maybe"}),
        )
        .unwrap_err();
    assert!(wrong["fields"]["no_pass"].is_string(), "{wrong}");
}

#[test]
fn staff_get_the_qr_codes_and_save_the_sticker_sheet_and_single_codes() {
    download_dir();
    let s = setup_doors();
    s.signed_in_as("sam@example.com");

    let codes = s.invoke("console_qr_codes", json!({})).unwrap();
    assert_eq!(
        codes["join_link"],
        json!(format!("{}join?space=lighthouse", s.hub.base_url)),
        "the address the code holds: the hub's join page"
    );
    assert!(codes["join_svg"].as_str().unwrap().contains("<svg"), "{codes}");
    let doors: Vec<(&str, &str)> = codes["doors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["door"].as_str().unwrap(), d["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        doors,
        [
            ("front", "Front door"),
            ("workshop", "Workshop"),
            ("office", "Staff office")
        ]
    );
    assert!(codes["doors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["svg"].as_str().unwrap().contains("<svg")));

    let a4 = s.invoke("console_save_stickers", json!({"paper": "a4"})).unwrap();
    let (a4_path, page) = saved(&a4);
    assert!(
        a4["name"]
            .as_str()
            .unwrap()
            .starts_with("frontdoor-stickers-lighthouse-a4-20261123-090000Z"),
        "{a4}"
    );
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("size: A4"));
    assert_eq!(page.matches("<svg").count(), 4, "three doors and the join code");
    let letter = s.invoke("console_save_stickers", json!({"paper": "letter"})).unwrap();
    assert!(saved(&letter).1.contains("size: letter"));
    let refused = s
        .invoke("console_save_stickers", json!({"paper": "legal"}))
        .unwrap_err();
    assert!(refused["fields"]["paper"].is_string(), "{refused}");

    let front = s.invoke("console_save_qr_code", json!({"door": "front"})).unwrap();
    assert!(front["name"]
        .as_str()
        .unwrap()
        .starts_with("frontdoor-door-lighthouse-front-"));
    assert!(saved(&front).1.contains("<svg"));
    let join = s.invoke("console_save_qr_code", json!({})).unwrap();
    assert!(join["name"].as_str().unwrap().starts_with("frontdoor-join-lighthouse-"));
    assert_eq!(saved(&join).1, codes["join_svg"].as_str().unwrap());

    s.invoke("console_open_saved", json!({"path": a4["path"]})).unwrap();
    assert_eq!(
        s.browser.0.lock().unwrap().last(),
        Some(&Url::from_file_path(&a4_path).unwrap()),
        "the sheet opens to print"
    );
    let opened = s.browser.0.lock().unwrap().len();
    let refused = s
        .invoke("console_open_saved", json!({"path": "/etc/passwd"}))
        .unwrap_err();
    assert_eq!(refused["code"], json!("internal"), "{refused}");
    assert_eq!(
        s.browser.0.lock().unwrap().len(),
        opened,
        "the window cannot make the app open any file"
    );
}

#[test]
fn a_member_is_refused_the_activity_the_check_ins_and_the_codes() {
    // Other tests save into the same folder at the same time, so it is not counted here: a save
    // writes only the hub's answer, and a refusal has none (the answer below is the refusal).
    download_dir();
    let s = setup_doors();
    s.signed_in_as("alex@example.com");
    let calls = [
        ("console_activity", json!({"filter": {}})),
        ("console_door_latency", json!({})),
        ("console_remote_open", json!({"door": "front", "reason": "Let me in"})),
        ("console_export_activity", json!({"filter": {}})),
        ("console_check_ins", json!({})),
        (
            "console_retry_check_in",
            json!({"membershipId": "mem-alex", "day": "2026-11-23"}),
        ),
        ("console_check_in_policy", json!({"policy": "off"})),
        ("console_qr_codes", json!({})),
        ("console_save_stickers", json!({"paper": "a4"})),
        ("console_save_qr_code", json!({"door": "front"})),
        ("console_doors", json!({})),
        (
            "console_save_door",
            json!({"door": {"id": "side", "name": "Side", "entrance": false, "pulse_ms": 3000, "driver": null}}),
        ),
        ("console_remove_door", json!({"id": "front"})),
        ("console_test_door", json!({"id": "front"})),
        ("console_glance", json!({})),
        ("console_check_cobot", json!({})),
    ];
    for (cmd, args) in calls {
        let refused = s.invoke(cmd, args).unwrap_err();
        assert_eq!(refused["code"], json!("not_staff"), "{cmd}: {refused}");
    }
    assert_eq!(s.pulses(), 0, "a member opens nothing remotely");
}

#[test]
fn staff_add_a_door_test_it_read_the_strip_and_check_cobot_through_the_window_commands() {
    let s = setup_doors();
    s.signed_in_as("sam@example.com");
    let doors = s.invoke("console_doors", json!({})).unwrap();
    assert_eq!(doors["doors"].as_array().unwrap().len(), 3, "{doors}");
    let refused = s
        .invoke(
            "console_save_door",
            json!({"door": {"id": "side", "name": "Side", "entrance": false, "pulse_ms": 10,
                            "driver": {"kind": "webhook", "url": "https://door.example/"}}}),
        )
        .unwrap_err();
    assert_eq!(refused["code"], json!("invalid"), "{refused}");
    assert!(
        refused["fields"]["pulse_ms"].is_string() && refused["fields"]["secret"].is_string(),
        "{refused}"
    );
    let saved = s
        .invoke(
            "console_save_door",
            json!({"door": {"id": "side", "name": "Side", "entrance": false, "pulse_ms": 2000, "driver": null},
                   "secret": null}),
        )
        .unwrap();
    let side = saved["doors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["door"]["id"] == "side")
        .unwrap()
        .clone();
    assert_eq!(side["reach"], json!({"state": "no_driver"}));
    let tested = s.invoke("console_test_door", json!({"id": "front"})).unwrap();
    assert_eq!(tested["door_id"], json!("front"));
    assert_eq!(s.pulses(), 1, "the test pulsed the front door once");
    let removed = s.invoke("console_remove_door", json!({"id": "side"})).unwrap();
    assert_eq!(removed["doors"].as_array().unwrap().len(), 3);
    let glance = s.invoke("console_glance", json!({})).unwrap();
    assert_eq!(glance["cobot"]["ok"], json!(true), "{glance}");
    let report = s.invoke("console_check_cobot", json!({})).unwrap();
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids[..5],
        ["discovery", "sign_in", "id_token", "plug", "token"],
        "{report}"
    );
}
