//! Every command over Tauri's IPC (mock runtime, no window), with the JSON the UI receives.
//! cobot-sim and a hub run in-process on loopback; the test plays the browser.

use std::sync::{Arc, Mutex};

use frontdoor_app::frontdoor::{Browser, Prefs, Saved, Settings};
use frontdoor_app::vault::Memory;
use frontdoor_app::Frontdoor;
use frontdoor_core::auth::IssuerPolicy;
use frontdoor_ipc::RedirectKind;
use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;
use url::Url;

mod util;

#[derive(Default)]
struct MemPrefs(Mutex<Saved>);

impl Prefs for MemPrefs {
    fn load(&self) -> Saved {
        self.0.lock().unwrap().clone()
    }
    fn save(&self, saved: &Saved) -> Result<(), String> {
        *self.0.lock().unwrap() = saved.clone();
        Ok(())
    }
}

#[derive(Clone, Default)]
struct RecordingBrowser(Arc<Mutex<Vec<Url>>>);

impl Browser for RecordingBrowser {
    fn open(&self, url: &Url) -> Result<(), String> {
        self.0.lock().unwrap().push(url.clone());
        Ok(())
    }
}

struct Setup {
    sim: cobot_sim::RunningSim,
    hub: frontdoor_hub::RunningHub,
    browser: RecordingBrowser,
    webview: WebviewWindow<MockRuntime>,
    _app: tauri::App<MockRuntime>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
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
        Some(_) => tauri::async_runtime::block_on(frontdoor_hub::spawn(
            frontdoor_hub::Config::demo(&cobot),
            "127.0.0.1:0".parse().unwrap(),
        ))
        .unwrap(),
        None => tauri::async_runtime::block_on(util::connected_hub(&sim)),
    };
    let browser = RecordingBrowser::default();
    let frontdoor = Frontdoor::new(
        Settings {
            policy: policy(&cobot),
            redirect: RedirectKind::DeepLink,
            now,
        },
        Box::new(Memory::new("test")),
        Box::new(MemPrefs::default()),
        Box::new(browser.clone()),
        Box::new(|_| {}),
    );
    let app = mock_builder()
        .manage(frontdoor)
        .invoke_handler(frontdoor_app::invoke_handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Setup {
        sim,
        hub,
        browser,
        webview,
        _app: app,
    }
}

fn setup() -> Setup {
    setup_with(|cobot| IssuerPolicy::with_extra([cobot.clone()]), None)
}

impl Setup {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
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

    fn join_link(&self) -> String {
        format!(
            "frontdoor://join?space=lighthouse&hub={}",
            self.hub.base_url.as_str().trim_end_matches('/')
        )
    }

    /// Joins and confirms; returns the authorize URL the browser was sent to.
    fn join_and_start_sign_in(&self) -> Url {
        self.invoke("open_link", json!({"link": self.join_link()})).unwrap();
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

    /// Plays the person at Cobot's sign-in page: returns the redirect back to the app.
    fn browser_signs_in(&self, authorize: &Url, user: &str) -> String {
        let url = format!("{authorize}&login_hint={user}");
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
            "sim answers login_hint with a redirect"
        );
        response.headers()["location"].to_str().unwrap().to_string()
    }

    fn state_of(authorize: &Url) -> String {
        authorize
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1
            .into_owned()
    }

    fn sim_tokens(&self, user: &str) -> Vec<Value> {
        let url = self.sim.base_url.join(&format!("_sim/users/{user}/tokens")).unwrap();
        tauri::async_runtime::block_on(async { reqwest::get(url).await.unwrap().json().await.unwrap() })
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
    assert_eq!(
        s.invoke("get_view", json!({})),
        Ok(
            json!({"spaces": [], "pending_join": null, "signing_in": null, "session": null,
                  "token_storage": {"kind": "memory_only", "reason": "test"}, "notice": null, "access": null})
        )
    );
}

#[test]
fn open_link_refuses_a_broken_link_with_code_and_message() {
    let s = setup();
    assert_eq!(
        s.invoke("open_link", json!({"link": "frontdoor://join?space=lighthouse"})),
        Err(err("invalid_link", "This link is missing its hub address."))
    );
    assert_eq!(
        s.invoke(
            "open_link",
            json!({"link": "frontdoor://open?space=lighthouse&door=front"})
        ),
        Err(err(
            "invalid_link",
            "This version of Frontdoor cannot open doors from a link yet."
        ))
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
    let got = s.invoke("open_link", json!({"link": s.join_link()})).unwrap_err();
    assert_eq!(got["code"], json!("untrusted_sign_in"));
}

#[test]
fn join_offers_the_space_then_decline_forgets_it() {
    let s = setup();
    let view = s.invoke("open_link", json!({"link": s.join_link()})).unwrap();
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

    let view = s.invoke("open_link", json!({"link": callback})).unwrap();
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
    let view = s
        .invoke(
            "open_link",
            json!({"link": s.browser_signs_in(&authorize, "sam@example.com")}),
        )
        .unwrap();
    assert_eq!(view["session"]["memberships"][0]["role"], json!("member_and_admin"));
}

#[test]
fn a_replayed_callback_finds_no_sign_in() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let callback = s.browser_signs_in(&authorize, "alex@example.com");
    s.invoke("open_link", json!({"link": callback})).unwrap();
    assert_eq!(
        s.invoke("open_link", json!({"link": callback})),
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
        s.invoke("open_link", json!({"link": forged})),
        Err(err(
            "state_mismatch",
            "This sign-in answer does not belong to the sign-in Frontdoor started, so it was refused. Start signing in again."
        ))
    );
    let view = s
        .invoke(
            "open_link",
            json!({"link": s.browser_signs_in(&authorize, "alex@example.com")}),
        )
        .unwrap();
    assert_eq!(view["session"]["name"], json!("Alex Morgan"));
}

#[test]
fn declining_at_cobot_is_consent_denied() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let state = Setup::state_of(&authorize);
    let link =
        format!("frontdoor://auth/callback?error=access_denied&error_description=The+user+denied+access&state={state}");
    assert_eq!(
        s.invoke("open_link", json!({"link": link})),
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
        s.invoke("open_link", json!({"link": callback})),
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
    s.invoke("open_link", json!({"link": s.join_link()})).unwrap();
    assert_eq!(
        s.invoke("confirm_join", json!({})),
        Err(err(
            "cobot_unreachable",
            "Cobot could not be reached. Check your internet connection and try again."
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
    assert_eq!(
        s.invoke("open_link", json!({"link": late})).unwrap_err()["code"],
        json!("no_sign_in_in_progress")
    );
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
fn a_token_revoked_elsewhere_means_sign_in_again_on_refresh() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    s.invoke(
        "open_link",
        json!({"link": s.browser_signs_in(&authorize, "alex@example.com")}),
    )
    .unwrap();
    assert_eq!(
        s.invoke("refresh", json!({})).unwrap()["session"]["name"],
        json!("Alex Morgan")
    );
    // Signing out elsewhere (here: revoking every token of the user through the simulator).
    let url = s.sim.base_url.join("_sim/users/user-alex/tokens").unwrap();
    tauri::async_runtime::block_on(async { reqwest::Client::new().delete(url).send().await.unwrap() });
    assert_eq!(
        s.invoke("refresh", json!({})),
        Err(err(
            "sign_in_again",
            "Your Cobot sign-in has ended. Please sign in again."
        ))
    );
    assert_eq!(s.invoke("get_view", json!({})).unwrap()["session"], Value::Null);
}

#[test]
fn dismiss_notice_clears_it() {
    let s = setup();
    let authorize = s.join_and_start_sign_in();
    let state = Setup::state_of(&authorize);
    let _ = s.invoke(
        "open_link",
        json!({"link": format!("frontdoor://auth/callback?error=access_denied&state={state}")}),
    );
    assert_eq!(s.invoke("dismiss_notice", json!({})).unwrap()["notice"], Value::Null);
}

#[test]
fn when_the_hub_is_unreachable_the_last_answer_stays_on_screen_marked_offline() {
    let mut s = setup();
    let authorize = s.join_and_start_sign_in();
    let view = s
        .invoke(
            "open_link",
            json!({"link": s.browser_signs_in(&authorize, "alex@example.com")}),
        )
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
