//! Helpers shared by the hub's integration tests (and, through `#[path]`, the app's window
//! tests, which use a part of them: hence the allowances).
#![allow(dead_code, unused_imports, unused_macros)]

use serde_json::{json, Value};

mod cobot;
mod demo;

pub use cobot::*;
pub use demo::*;

/// `request`, sent, and its answer read as JSON; an unsent request or an answer that is not JSON
/// fails the test.
pub async fn json_of<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    request.send().await.unwrap().json().await.unwrap()
}

/// `impl Deref<Target = Demo>` for a test file's own world, through the field that holds the demo
/// world (`deref_to_demo!(World.0)`): the world lends [`Demo`]'s helpers and adds its own.
macro_rules! deref_to_demo {
    ($world:ident . $field:tt) => {
        impl std::ops::Deref for $world {
            type Target = $crate::util::Demo;
            fn deref(&self) -> &$crate::util::Demo {
                &self.$field
            }
        }
    };
}
pub(crate) use deref_to_demo;

/// A Cobot access token for `user` of `client` with `scopes`, minted by cobot-sim.
pub async fn mint(
    http: &reqwest::Client,
    sim: &cobot_sim::RunningSim,
    user: &str,
    client: &str,
    scopes: &[&str],
) -> String {
    let asked = json!({"user_id": user, "client_id": client, "scopes": scopes});
    let r: Value = json_of(http.post(format!("{}_sim/tokens", sim.base_url)).json(&asked)).await;
    r["access_token"].as_str().unwrap().to_string()
}

/// Where a test's "app" asks to be returned: the deep link.
pub const RETURN_TO: &str = "frontdoor://auth/callback";

/// A browser that follows no redirect, so each hop can be read.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `Location` a response sends the browser to.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no redirect: HTTP {}", response.status()))
        .to_str()
        .unwrap()
        .to_string()
}

/// The app's side of one sign-in, step by step, so tests can interfere between the steps.
pub struct AppSide {
    /// The app's pending sign-in (state + proof).
    pub pending: frontdoor_core::auth::AppSignIn,
    /// Cobot's authorization URL the hub answered with.
    pub authorize_url: url::Url,
}

/// Step 1: the app asks `hub` to begin.
pub async fn begin(http: &reqwest::Client, hub: &url::Url) -> AppSide {
    use frontdoor_core::auth::Pending;
    let pending = frontdoor_core::auth::AppSignIn::new();
    let r = http
        .post(hub.join("api/v1/sign_in").unwrap())
        .json(&json!({"return_to": RETURN_TO, "state": pending.state(), "challenge": pending.challenge()}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    let authorize_url = url::Url::parse(body["authorize_url"].as_str().unwrap_or_else(|| panic!("{body}"))).unwrap();
    AppSide { pending, authorize_url }
}

/// Step 2: the person signs in at cobot-sim as `user`; returns the hub callback URL Cobot sends
/// the browser to.
pub async fn at_cobot(side: &AppSide, user: &str) -> String {
    let mut url = side.authorize_url.clone();
    url.query_pairs_mut().append_pair("login_hint", user);
    let r = browser().get(url).send().await.unwrap();
    location(&r)
}

/// Step 3: the browser follows the hub's callback; returns where the hub hands over to the app.
pub async fn through_hub(callback: &str) -> (u16, Option<String>) {
    let r = browser().get(callback).send().await.unwrap();
    let status = r.status().as_u16();
    let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (status, to)
}

/// The ticket in a hand-over URL.
pub fn ticket_of(handover: &str) -> frontdoor_core::links::Callback {
    match frontdoor_core::links::DeepLink::parse(handover).unwrap() {
        frontdoor_core::links::DeepLink::AuthCallback(cb) => cb,
        other => panic!("not a callback: {other:?}"),
    }
}

/// Step 4: the app redeems the ticket with its proof. `Ok(body)` or `Err((status, body))`.
pub async fn redeem(
    http: &reqwest::Client,
    hub: &url::Url,
    side: AppSide,
    handover: &str,
) -> Result<Value, (u16, Value)> {
    let (ticket, proof) = side.pending.finish(ticket_of(handover)).unwrap();
    let r = http
        .post(hub.join("api/v1/sign_in/redeem").unwrap())
        .json(&json!({"ticket": ticket.secret(), "proof": proof.secret(), "device_name": "test"}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap();
    if status == 200 {
        Ok(body)
    } else {
        Err((status, body))
    }
}

/// The whole sign-in of `user` through `hub`: the session answer (`session_token`,
/// `refresh_token`, …) or the hub's refusal.
pub async fn sign_in(http: &reqwest::Client, hub: &url::Url, user: &str) -> Result<Value, (u16, Value)> {
    let side = begin(http, hub).await;
    let callback = at_cobot(&side, user).await;
    let (_, handover) = through_hub(&callback).await;
    let handover = handover.expect("the hub hands over to the app");
    redeem(http, hub, side, &handover).await
}

/// `user`'s hub session token, signed in the whole way; a refusal fails the test with its words.
pub async fn session(http: &reqwest::Client, hub: &url::Url, user: &str) -> String {
    let r = sign_in(http, hub, user)
        .await
        .unwrap_or_else(|e| panic!("{user} could not sign in: {e:?}"));
    r["session_token"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
}

/// One request to the hub with an optional session and JSON body, sent; the answer unread.
pub async fn send(
    http: &reqwest::Client,
    hub: &url::Url,
    method: reqwest::Method,
    path: &str,
    session: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = http.request(method, hub.join(path).unwrap());
    if let Some(session) = session {
        request = request.bearer_auth(session);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// An answer's status and body: its JSON, or its text as a JSON string when it is not JSON.
pub async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// `POST /api/v1/doors/{door}/unlock` with `session` (or none) → (status, body); an answer that
/// is not JSON fails the test.
pub async fn unlock(http: &reqwest::Client, hub: &url::Url, session: Option<&str>, door: &str) -> (u16, Value) {
    let path = format!("api/v1/doors/{door}/unlock");
    let r = send(http, hub, reqwest::Method::POST, &path, session, None).await;
    (r.status().as_u16(), r.json().await.unwrap())
}

/// What `GET /api/v1/me` tells the holder of `session`: their plans and door verdicts.
pub async fn me(http: &reqwest::Client, hub: &url::Url, session: &str) -> Value {
    let r = send(http, hub, reqwest::Method::GET, "api/v1/me", Some(session), None).await;
    r.json().await.unwrap()
}

/// Raises this process's open-file limit to its hard limit (at most 65,536): the default soft
/// 1,024 is too few for a flood's or a thousand held connections' sockets plus the test's own
/// servers.
pub fn more_files() {
    // SAFETY: getrlimit/setrlimit on our own process with a valid struct.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max.min(65_536);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
}

/// `POST /api/v1/session/refresh` → (status, body).
pub async fn refresh(http: &reqwest::Client, hub: &url::Url, refresh_token: &str) -> (u16, Value) {
    let r = http
        .post(hub.join("api/v1/session/refresh").unwrap())
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Waits (up to 20 s) until the hub's health check says it is ready: started and synced.
pub async fn wait_until_healthy(http: &reqwest::Client, hub: &url::Url) {
    let mut last = String::from("no answer");
    for _ in 0..800 {
        match http.get(hub.join("api/v1/health").unwrap()).send().await {
            Ok(r) if r.status().is_success() => return,
            Ok(r) => last = format!("{}: {}", r.status(), r.text().await.unwrap_or_default()),
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the hub did not become healthy; its last answer: {last}");
}
