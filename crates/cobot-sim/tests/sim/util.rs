//! Builders and helpers shared by the integration tests.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cobot_sim::{RunningSim, SimConfig};
use reqwest::{Method, Response, StatusCode};
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier as _;
use rsa::{BigUint, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

pub const CLIENT_ID: &str = "frontdoor-app";
pub const REDIRECT_URI: &str = "frontdoor://auth/callback";
pub const ALL_SCOPES: &str = "openid email profile read_user read_memberships checkin read_check_ins";

/// A running simulator plus an HTTP client that does not follow redirects.
pub struct Cobot {
    pub running: RunningSim,
    pub http: reqwest::Client,
}

/// The demo's "today": Monday 2026-11-23, 10:00 in Berlin. Every test runs at this simulated
/// instant, so dated demo data (Riley ended, Kim pending) reads the same on any day.
pub const DEMO_NOW: &str = "2026-11-23T09:00:00Z";

pub async fn start() -> Cobot {
    start_with(SimConfig::default()).await
}

/// Starts a simulator and returns it with a hub token for `user` with every hub scope: the usual
/// opening of a test that calls the API as that user (`user-sam` is the demo space's admin).
pub async fn start_as(user: &str) -> (Cobot, String) {
    let cobot = start().await;
    let token = cobot.hub_token(user).await;
    (cobot, token)
}

/// Starts a simulator with `config`, its clock pinned to [`DEMO_NOW`] unless `config` pins it.
pub async fn start_with(config: SimConfig) -> Cobot {
    start_with_seed(config, cobot_sim::demo()).await
}

/// Like [`start_with`], serving `seed` instead of the demo world.
pub async fn start_with_seed(mut config: SimConfig, seed: cobot_sim::Seed) -> Cobot {
    config.start_at = config.start_at.or(Some(DEMO_NOW.parse().unwrap()));
    let running = cobot_sim::spawn_with_seed(config, seed, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("simulator starts");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Cobot { running, http }
}

/// A PKCE verifier and its S256 challenge.
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce() -> Pkce {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    Pkce { verifier, challenge }
}

/// Authorization request parameters, starting from a valid login_hint request for Alex.
#[derive(Clone)]
pub struct Authorize {
    /// `""` for www, `/sub/lighthouse` for the space.
    pub site: String,
    pub params: Vec<(String, String)>,
}

impl Authorize {
    pub fn new() -> Self {
        let params = [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("state", "st-123"),
            ("scope", ALL_SCOPES),
            ("login_hint", "alex@example.com"),
        ];
        Authorize {
            site: String::new(),
            params: params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    pub fn on_space(mut self, subdomain: &str) -> Self {
        self.site = format!("/sub/{subdomain}");
        self
    }

    /// Sets (or replaces) a parameter.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds a parameter even if present (to test repeats).
    pub fn add(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_string(), value.to_string()));
        self
    }

    pub fn without(mut self, name: &str) -> Self {
        self.params.retain(|(k, _)| k != name);
        self
    }

    pub fn with_pkce(self, pkce: &Pkce) -> Self {
        self.set("code_challenge", &pkce.challenge)
            .set("code_challenge_method", "S256")
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What a successful authorization redirect carried.
pub struct Callback {
    pub redirect: String,
    pub query: HashMap<String, String>,
}

impl Cobot {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.running.issuer())
    }

    /// A `method` request for `path`, with `token` as bearer and `body` as JSON if given.
    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<&Value>) -> Response {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path, None, None).await
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    pub async fn get_with_token(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn authorize(&self, request: &Authorize) -> Response {
        let url = self.url(&format!("{}/oauth/authorize", request.site));
        self.http.get(url).query(&request.params).send().await.unwrap()
    }

    /// Posts the sign-in page's form: the original parameters plus `extra`.
    pub async fn decide(&self, request: &Authorize, extra: &[(&str, &str)]) -> Response {
        let url = self.url(&format!("{}/oauth/authorize", request.site));
        let mut form = request.params.clone();
        form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.http.post(url).form(&form).send().await.unwrap()
    }

    /// Runs `request` and expects a redirect to the client.
    pub async fn authorize_redirect(&self, request: &Authorize) -> Callback {
        callback(self.authorize(request).await)
    }

    /// Runs `request` (a login_hint one) and returns the code.
    pub async fn code(&self, request: &Authorize) -> String {
        let cb = self.authorize_redirect(request).await;
        cb.query
            .get("code")
            .unwrap_or_else(|| panic!("no code in redirect: {:?}", cb.query))
            .clone()
    }

    /// A token request with an `Authorization` header (e.g. [`basic`]).
    pub async fn token_with_auth(&self, site: &str, authorization: &str, form: &[(&str, &str)]) -> Response {
        let request = self.http.post(self.url(&format!("{site}/oauth/access_token")));
        request
            .header("authorization", authorization)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn token(&self, site: &str, form: &[(&str, &str)]) -> Response {
        let request = self.http.post(self.url(&format!("{site}/oauth/access_token")));
        request.form(form).send().await.unwrap()
    }

    /// The standard exchange for a code from `request`.
    pub async fn exchange(&self, request: &Authorize, code: &str, verifier: Option<&str>) -> Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", request.get("redirect_uri").unwrap()),
            ("client_id", request.get("client_id").unwrap()),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        self.token(&request.site, &form).await
    }

    /// A full PKCE sign-in as `login` (email or id) with `scope`; returns the token response.
    pub async fn login(&self, login: &str, scope: &str) -> Value {
        self.login_on("", login, scope).await
    }

    pub async fn login_on(&self, site: &str, login: &str, scope: &str) -> Value {
        let pkce = pkce();
        let mut request = Authorize::new()
            .set("login_hint", login)
            .set("scope", scope)
            .with_pkce(&pkce);
        request.site = site.to_string();
        let code = self.code(&request).await;
        let response = self.exchange(&request, &code, Some(&pkce.verifier)).await;
        assert_eq!(response.status(), StatusCode::OK, "token exchange");
        response.json().await.unwrap()
    }

    /// An access token for `login` with `scope`.
    pub async fn access_token(&self, login: &str, scope: &str) -> String {
        self.login(login, scope).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn control(&self, path: &str, body: Value) -> Response {
        self.request(Method::POST, &format!("/_sim{path}"), None, Some(&body))
            .await
    }
}

/// Asserts a 302 and parses its Location.
pub fn callback(response: Response) -> Callback {
    assert_eq!(
        response.status(),
        StatusCode::FOUND,
        "expected a redirect to the client"
    );
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let url = url::Url::parse(&location).unwrap();
    let query = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut redirect = url.clone();
    redirect.set_query(None);
    Callback {
        redirect: redirect.to_string(),
        query,
    }
}

/// Asserts an RFC 6749 §5.2 error response.
pub async fn assert_oauth_error(response: Response, status: StatusCode, error: &str) {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], error, "body: {body}");
    assert!(
        body["error_description"].is_string(),
        "errors say what went wrong: {body}"
    );
}

/// Asserts the token endpoint's refusal of a code or verifier: 400 `invalid_grant`.
pub async fn assert_invalid_grant(response: Response) {
    assert_oauth_error(response, StatusCode::BAD_REQUEST, "invalid_grant").await;
}

/// Verifies a compact RS256 JWS against a JWK set; returns (header, claims).
pub fn verify_jwt(jwks: &Value, jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS has three parts");
    let decode = |s: &str| URL_SAFE_NO_PAD.decode(s).expect("base64url without padding");
    let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
    let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    let kid = header["kid"].as_str().expect("header names its key");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} is not published"));
    let int = |field: &str| BigUint::from_bytes_be(&decode(jwk[field].as_str().unwrap()));
    let key = VerifyingKey::<Sha256>::new(RsaPublicKey::new(int("n"), int("e")).unwrap());
    let signature = Signature::try_from(decode(parts[2]).as_slice()).unwrap();
    key.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies against the published key");
    (header, claims)
}

/// The seeded hub client's secret and its one redirect URI (`/auth/callback` on loopback).
pub const HUB_SECRET: &str = cobot_sim::seed::HUB_CLIENT_SECRET;
pub const HUB_REDIRECT_URI: &str = cobot_sim::seed::HUB_REDIRECT_URI;

/// An `Authorization: Basic` value for client credentials: each part form-urlencoded, then
/// `base64(id:secret)` (RFC 6749 §2.3.1).
pub fn basic(client_id: &str, secret: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = format!("{}:{}", encode(client_id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

/// A sign-in with the seeded hub client (confidential), from its registered redirect URI.
pub fn hub_authorize() -> Authorize {
    Authorize::new()
        .set("client_id", HUB_CLIENT)
        .set("redirect_uri", HUB_REDIRECT_URI)
        .set("scope", "openid email read_user")
}

pub const SPACE: &str = "/sub/lighthouse";
pub const SPACE_ID: &str = "space-lighthouse";
pub const HUB_CLIENT: &str = "frontdoor-hub";
/// Every scope the hub client may request.
pub const HUB_SCOPES: &[&str] = &cobot_sim::seed::HUB_SCOPES;

impl Cobot {
    /// A token from `POST /_sim/tokens`.
    pub async fn token_for(&self, user: &str, client: &str, scopes: &[&str]) -> String {
        let response = self
            .control(
                "/tokens",
                serde_json::json!({"user_id": user, "client_id": client, "scopes": scopes}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "POST /_sim/tokens");
        response.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A hub token for `user` with every hub scope.
    pub async fn hub_token(&self, user: &str) -> String {
        self.token_for(user, HUB_CLIENT, HUB_SCOPES).await
    }

    /// GET with a token, expecting 200 and JSON.
    pub async fn get_json_with(&self, path: &str, token: &str) -> Value {
        let response = self.get_with_token(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    /// A control-API PUT.
    pub async fn control_put(&self, path: &str, body: Value) -> Response {
        self.request(Method::PUT, &format!("/_sim{path}"), None, Some(&body))
            .await
    }

    /// Subscribes `event` to `callback_url` as Sam with the hub client; returns the subscription.
    pub async fn subscribe(&self, token: &str, event: &str, callback_url: &str) -> Value {
        let body = serde_json::json!({"event": event, "callback_url": callback_url});
        let path = format!("{SPACE}/api/subscriptions");
        let response = self.request(Method::POST, &path, Some(token), Some(&body)).await;
        assert_eq!(response.status(), StatusCode::CREATED, "subscribe {event}");
        response.json().await.unwrap()
    }

    /// Changes demo membership `id` through the control API (`PUT /_sim/spaces/lighthouse/…`),
    /// expecting 200.
    pub async fn update_membership(&self, id: &str, fields: Value) {
        let response = self
            .control_put(&format!("/spaces/lighthouse/memberships/{id}"), fields)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "PUT membership {id}");
    }

    /// Creates the pending membership `mem-jo` (Jo Lee on Flex Desk) through the control API,
    /// expecting 201; returns it as API 1 shows it.
    pub async fn create_jo_membership(&self) -> Value {
        let jo = serde_json::json!({"user_id": "user-jo", "name": "Jo Lee", "plan_id": "plan-flex"});
        let response = self.control_put("/spaces/lighthouse/memberships/mem-jo", jo).await;
        assert_eq!(response.status(), StatusCode::CREATED, "PUT mem-jo");
        response.json().await.unwrap()
    }

    /// Schedules Alex's move from Flex Desk to Fixed Desk on 2026-12-01: two plan periods.
    pub fn schedule_alex_on_fixed_desk(&self) {
        let from = Some(jiff::civil::date(2026, 12, 1));
        self.running
            .sim
            .change_plan("lighthouse", "mem-alex", "plan-fixed", from)
            .unwrap();
    }

    /// A POST without a body, expecting 200 and JSON.
    pub async fn post_json(&self, path: &str) -> Value {
        let response = self.request(Method::POST, path, None, None).await;
        assert_eq!(response.status(), StatusCode::OK, "POST {path}");
        response.json().await.unwrap()
    }

    /// The request log.
    pub async fn request_log(&self) -> Vec<Value> {
        serde_json::from_value(self.get_json("/_sim/requests").await).unwrap()
    }
}

/// GET on API 2 with the JSON:API Accept header; asserts the media type and `x-request-id`.
pub async fn get2(cobot: &Cobot, path: &str, token: &str) -> (StatusCode, Value) {
    let response = cobot
        .http
        .get(cobot.url(&format!("/api2{path}")))
        .bearer_auth(token)
        .header("accept", "application/vnd.api+json")
        .send()
        .await
        .unwrap();
    let status = response.status();
    if status != StatusCode::UNAUTHORIZED {
        assert_eq!(response.headers()["content-type"], "application/vnd.api+json", "{path}");
    }
    assert!(response.headers().contains_key("x-request-id"), "{path}");
    (status, response.json().await.unwrap())
}

/// Whether `s` is an API 1 date, `YYYY/MM/DD`.
pub fn is_api1_date(s: &str) -> bool {
    shaped(s, "dddd/dd/dd")
}

/// Whether `s` is an API 1 time, `YYYY/MM/DD HH:MM:SS +0000`.
pub fn is_api1_time(s: &str) -> bool {
    shaped(s, "dddd/dd/dd dd:dd:dd +0000")
}

/// Whether `s` is an ISO date, `YYYY-MM-DD`.
pub fn is_iso_date(s: &str) -> bool {
    shaped(s, "dddd-dd-dd")
}

/// `d` in the pattern matches any ASCII digit; every other character itself.
fn shaped(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes()
            .zip(pattern.bytes())
            .all(|(c, p)| if p == b'd' { c.is_ascii_digit() } else { c == p })
}

/// A webhook receiver on 127.0.0.1:0: records every POST and answers with queued statuses
/// (200 once the queue is empty).
pub struct Receiver {
    pub url: String,
    posts: tokio::sync::mpsc::UnboundedReceiver<Post>,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// One POST a [`Receiver`] got.
pub struct Post {
    pub path: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Receiver {
    pub async fn start(statuses: &[u16]) -> Receiver {
        use axum::extract::State;
        use axum::http::{header, StatusCode as AxumStatus, Uri};
        use axum::response::IntoResponse;

        type Shared = (
            tokio::sync::mpsc::UnboundedSender<Post>,
            std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u16>>>,
            std::sync::Arc<std::sync::atomic::AtomicUsize>,
        );
        async fn hook(
            State((tx, statuses, hits)): State<Shared>,
            uri: Uri,
            headers: axum::http::HeaderMap,
            body: axum::body::Bytes,
        ) -> axum::response::Response {
            hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = tx.send(Post {
                path: uri.path().to_string(),
                content_type: headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
                body: body.to_vec(),
            });
            let status = statuses.lock().unwrap().pop_front().unwrap_or(200);
            let status = AxumStatus::from_u16(status).unwrap();
            if status.is_redirection() {
                return (status, [(header::LOCATION, "/elsewhere")]).into_response();
            }
            status.into_response()
        }

        let (tx, posts) = tokio::sync::mpsc::unbounded_channel();
        let statuses = std::sync::Arc::new(std::sync::Mutex::new(statuses.iter().copied().collect()));
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .route("/elsewhere", axum::routing::post(hook))
            .with_state((tx, statuses, hits.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, posts, hits }
    }

    /// The next POST's (path, JSON body; `null` if not JSON); fails after 10 s.
    pub async fn next(&mut self) -> (String, Value) {
        let post = self.next_post().await;
        (post.path, serde_json::from_slice(&post.body).unwrap_or(Value::Null))
    }

    /// The next POST as it came; fails after 10 s.
    pub async fn next_post(&mut self) -> Post {
        tokio::time::timeout(std::time::Duration::from_secs(10), self.posts.recv())
            .await
            .expect("a webhook arrives within 10 s")
            .expect("the receiver is running")
    }

    /// How many POSTs arrived so far.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The next delivery attempt broadcast by the simulator; fails after 10 s.
pub async fn next_delivery(rx: &mut tokio::sync::broadcast::Receiver<cobot_sim::Delivery>) -> cobot_sim::Delivery {
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("a delivery attempt within 10 s")
        .expect("the delivery channel is open")
}
