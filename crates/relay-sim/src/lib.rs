//! `relay-sim`: faithful local doubles of door relays, for tests, benchmarks and the demo — what
//! `cobot-sim` is to Cobot.
//!
//! MQTT devices run on a real broker: [`mosquitto::Mosquitto`] starts a private Mosquitto per test
//! (free port, `set_tcp_nodelay true`, killed on drop), and [`mqtt`] holds the device doubles
//! (Tasmota, a Zigbee2MQTT switch, Shelly Gen2+ over MQTT) and [`mqtt::Observer`], a plain client
//! for spying on topics and timing a bare round trip.
//!
//! # The Shelly double
//!
//! A minimal HTTP/1.1 server on tokio (no web framework), speaking what doors.md §1 documents:
//!
//! - Gen2 `POST /rpc` with a full JSON-RPC frame, `Switch.Set {id, on, toggle_after}` →
//!   `{"id","src","result":{"was_on"}}`; a bad channel → `{"error":{"code":-105,…}}`.
//! - SHA-256 digest auth exactly as Shelly does it: `401` + `WWW-Authenticate: Digest qop="auth",
//!   realm="<device id>", nonce="…", algorithm=SHA-256`, user `admin`,
//!   `response = SHA256(HA1:nonce:nc:cnonce:auth:SHA256("POST:/rpc"))`; a nonce stays valid and is
//!   accepted again with a strictly larger `nc` (firmware ≥ 2.0.0), until [`ShellyDouble::expire_nonces`].
//! - Gen1 `GET /relay/<n>?turn=on&timer=<secs>` with optional HTTP Basic auth → the relay status.
//! - The relay turns itself off after `toggle_after`/`timer`, on the double's own timer.
//! - Fault knobs ([`Fault`]): answer late, drop the connection after reading (and executing) the
//!   request, answer 500 without executing.
//!
//! Every request is counted and every executed pulse recorded, so tests can prove "one round trip"
//! and "never pulsed twice".
//!
//! The HTTP plumbing ([`Server`], [`Request`], [`Response`], [`Action`]) is public so other
//! doubles (core's tests: a Standard Webhooks receiver, Home Assistant's REST API) share it.
#![allow(missing_docs)]

pub mod mosquitto;
pub mod mqtt;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use url::Url;

/// The device id, which Gen2 uses as the digest realm.
pub const DEVICE_ID: &str = "shellypro1-double0000";

/// A misbehaviour the double can be told to show on requests that would execute a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Behave.
    None,
    /// Execute, then answer only after this long.
    Delay(Duration),
    /// Execute, then close the connection without answering (the answer is lost).
    DropAfterRead,
    /// Answer HTTP 500 without executing.
    Status500,
}

/// Which API a pulse came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `POST /rpc` `Switch.Set`.
    Gen2,
    /// `GET /relay/<n>`.
    Gen1,
}

/// One executed "on with flip-back" command.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulse {
    pub at: Instant,
    pub api: Api,
    pub channel: u32,
    /// `toggle_after` / `timer` as sent, in seconds.
    pub seconds: Option<f64>,
}

struct Config {
    password: Option<String>,
    gen1_login: Option<(String, String)>,
    fault: Fault,
}

struct State {
    config: Mutex<Config>,
    pulses: Mutex<Vec<Pulse>>,
    relays: Vec<watch::Sender<bool>>,
    timers: Vec<AtomicU64>,
    /// Issued nonces and the last `nc` seen with each.
    nonces: Mutex<HashMap<String, u32>>,
    next_nonce: AtomicU64,
}

/// A running double; the server stops when this is dropped.
pub struct ShellyDouble {
    server: Server,
    state: Arc<State>,
}

impl ShellyDouble {
    /// An open device (no auth) on `127.0.0.1:0`.
    pub async fn start() -> ShellyDouble {
        ShellyDouble::start_on("127.0.0.1:0".parse().expect("constant address")).await
    }

    /// An open one-switch device (a Shelly Pro 1, no auth) listening on `addr`.
    pub async fn start_on(addr: std::net::SocketAddr) -> ShellyDouble {
        ShellyDouble::start_with_channels(addr, 1).await
    }

    /// An open device with `channels` switches (a Shelly Pro 3 has three) listening on `addr`.
    pub async fn start_with_channels(addr: std::net::SocketAddr, channels: u32) -> ShellyDouble {
        let state = Arc::new(State {
            config: Mutex::new(Config {
                password: None,
                gen1_login: None,
                fault: Fault::None,
            }),
            pulses: Mutex::new(Vec::new()),
            relays: (0..channels).map(|_| watch::channel(false).0).collect(),
            timers: (0..channels).map(|_| AtomicU64::new(0)).collect(),
            nonces: Mutex::new(HashMap::new()),
            next_nonce: AtomicU64::new(1_763_746_991),
        });
        let serving = state.clone();
        let server = Server::start_on(addr, move |request| handle(request, &serving)).await;
        ShellyDouble { server, state }
    }

    /// Gen2: require digest auth with this admin password.
    pub fn with_password(self, password: &str) -> ShellyDouble {
        self.state.config.lock().unwrap().password = Some(password.into());
        self
    }

    /// Gen1: require HTTP Basic auth with this login.
    pub fn with_gen1_login(self, user: &str, password: &str) -> ShellyDouble {
        self.state.config.lock().unwrap().gen1_login = Some((user.into(), password.into()));
        self
    }

    /// From now on, misbehave like this.
    pub fn set_fault(&self, fault: Fault) {
        self.state.config.lock().unwrap().fault = fault;
    }

    /// Forget every issued nonce, as a reboot or an expiry would.
    pub fn expire_nonces(&self) {
        self.state.nonces.lock().unwrap().clear();
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> Url {
        self.server.url()
    }

    /// HTTP requests received so far (each round trip counts once).
    pub fn requests(&self) -> usize {
        self.server.requests()
    }

    /// Pulses executed so far.
    pub fn pulses(&self) -> Vec<Pulse> {
        self.state.pulses.lock().unwrap().clone()
    }

    /// Follows the relay on `channel`: `true` while it is on.
    pub fn watch(&self, channel: u32) -> watch::Receiver<bool> {
        self.state.relays[channel as usize].subscribe()
    }

    /// Whether the relay on `channel` is on now.
    pub fn relay_is_on(&self, channel: u32) -> bool {
        *self.state.relays[channel as usize].borrow()
    }

    /// Waits until the relay on `channel` is `on` (an event, not a sleep), up to `limit`.
    pub async fn relay_becomes(&self, channel: u32, on: bool, limit: Duration) -> Result<Instant, NotInTime> {
        let mut rx = self.state.relays[channel as usize].subscribe();
        let late = NotInTime { channel, on, limit };
        let reached = matches!(
            tokio::time::timeout(limit, rx.wait_for(|state| *state == on)).await,
            Ok(Ok(_))
        );
        // Not in time, or the double stopped (its state was dropped) and the relay never changes.
        if reached {
            Ok(Instant::now())
        } else {
            Err(late)
        }
    }
}

/// The relay did not reach the state in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotInTime {
    /// The relay.
    pub channel: u32,
    /// The state waited for.
    pub on: bool,
    /// How long.
    pub limit: Duration,
}

impl std::fmt::Display for NotInTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "relay {} did not turn {} within {:?}",
            self.channel,
            if self.on { "on" } else { "off" },
            self.limit
        )
    }
}

impl std::error::Error for NotInTime {}

/// A loopback HTTP/1.1 server (keep-alive, `Content-Length` bodies) that hands every request to a
/// handler; it stops when dropped.
pub struct Server {
    addr: std::net::SocketAddr,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// Listens on `127.0.0.1:0` and answers each request with `handler`.
    pub async fn start(handler: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Server {
        Server::start_on("127.0.0.1:0".parse().expect("constant address"), handler).await
    }

    /// Listens on `addr` and answers each request with `handler`.
    pub async fn start_on(
        addr: std::net::SocketAddr,
        handler: impl Fn(&Request) -> Action + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind(addr).await.expect("bind the relay double's address");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(AtomicUsize::new(0));
        let handler: Arc<dyn Fn(&Request) -> Action + Send + Sync> = Arc::new(handler);
        let counted = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve_connection(stream, handler.clone(), counted.clone()));
            }
        });
        Server { addr, requests, task }
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.addr)).unwrap()
    }

    /// HTTP requests received so far (each round trip counts once).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// One parsed HTTP request.
pub struct Request {
    pub method: String,
    /// The origin-form target (`/path?query`).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer to write back.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// A JSON answer.
    pub fn json(status: u16, body: Value) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }
}

/// What the server does with a request.
pub enum Action {
    /// Answer now.
    Answer(Response),
    /// Answer after this long.
    AnswerLate(Duration, Response),
    /// Close the connection without answering.
    Drop,
}

async fn serve_connection(
    stream: TcpStream,
    handler: Arc<dyn Fn(&Request) -> Action + Send + Sync>,
    requests: Arc<AtomicUsize>,
) {
    let mut stream = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        requests.fetch_add(1, Ordering::SeqCst);
        let response = match handler(&request) {
            Action::Answer(r) => r,
            Action::AnswerLate(delay, r) => {
                tokio::time::sleep(delay).await;
                r
            }
            Action::Drop => return,
        };
        let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
        for (k, v) in &response.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", response.body.len()));
        // One write per answer, as a device's HTTP server sends it: two small writes would meet
        // Nagle's algorithm and the client's delayed ACK (~40 ms, doors.md §2.4).
        let mut answer = head.into_bytes();
        answer.extend_from_slice(response.body.as_bytes());
        if stream.get_mut().write_all(&answer).await.is_err() {
            return;
        }
    }
}

async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0usize);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        202 => "Accepted",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

fn handle(request: &Request, state: &Arc<State>) -> Action {
    let url = Url::parse(&format!("http://double{}", request.target)).expect("origin-form target");
    match (request.method.as_str(), url.path()) {
        ("POST", "/rpc") => handle_rpc(request, state),
        ("GET", path) if path.starts_with("/relay/") => handle_relay(request, &url, state),
        _ => Action::Answer(Response::json(404, json!({"error": "not found"}))),
    }
}

fn handle_rpc(request: &Request, state: &Arc<State>) -> Action {
    let (password, fault) = {
        let config = state.config.lock().unwrap();
        (config.password.clone(), config.fault)
    };
    if let Some(password) = password {
        if !digest_ok(request, &password, state) {
            return Action::Answer(challenge(state));
        }
    }
    let Ok(frame) = serde_json::from_slice::<Value>(&request.body) else {
        return Action::Answer(Response::json(400, json!({"code": -32700, "message": "parse error"})));
    };
    let id = frame.get("id").cloned().unwrap_or(Value::Null);
    let error = |code: i64, message: String| {
        Action::Answer(Response::json(
            200,
            json!({"id": id, "src": DEVICE_ID, "error": {"code": code, "message": message}}),
        ))
    };
    let method = frame.get("method").and_then(Value::as_str).unwrap_or_default();
    if method != "Switch.Set" {
        return error(404, format!("No handler for {method}"));
    }
    let params = frame.get("params").cloned().unwrap_or(Value::Null);
    let Some(channel) = params.get("id").and_then(Value::as_u64) else {
        return error(-103, "Missing required argument 'id'!".into());
    };
    if channel >= state.relays.len() as u64 {
        return error(-105, format!("Argument 'id', value {channel} not found!"));
    }
    let Some(on) = params.get("on").and_then(Value::as_bool) else {
        return error(-103, "Missing required argument 'on'!".into());
    };
    let toggle_after = match params.get("toggle_after") {
        None => None,
        Some(v) => match v.as_f64() {
            Some(secs) if secs > 0.0 => Some(secs),
            _ => return error(-103, "Invalid argument 'toggle_after'!".into()),
        },
    };
    if fault == Fault::Status500 {
        return Action::Answer(Response::json(500, json!({"message": "internal error"})));
    }
    let was_on = execute(state, Api::Gen2, channel as u32, on, toggle_after);
    let answer = Response::json(200, json!({"id": id, "src": DEVICE_ID, "result": {"was_on": was_on}}));
    with_fault(fault, answer)
}

fn handle_relay(request: &Request, url: &Url, state: &Arc<State>) -> Action {
    let (login, fault) = {
        let config = state.config.lock().unwrap();
        (config.gen1_login.clone(), config.fault)
    };
    if let Some((user, password)) = login {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        if request.header("authorization") != Some(expected.as_str()) {
            let mut response = Response::json(401, json!({}));
            response
                .headers
                .push(("WWW-Authenticate".into(), "Basic realm=\"shelly1-double\"".into()));
            return Action::Answer(response);
        }
    }
    let channel: Option<u32> = url.path().trim_start_matches("/relay/").parse().ok();
    let Some(channel) = channel.filter(|c| (*c as usize) < state.relays.len()) else {
        return Action::Answer(Response::json(404, json!({"error": "no such relay"})));
    };
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let on = match query.get("turn").map(String::as_str) {
        Some("on") => true,
        Some("off") => false,
        _ => return Action::Answer(Response::json(400, json!({"error": "bad turn"}))),
    };
    let timer = match query.get("timer") {
        None => None,
        Some(t) => match t.parse::<f64>() {
            Ok(secs) if secs > 0.0 => Some(secs),
            _ => return Action::Answer(Response::json(400, json!({"error": "bad timer"}))),
        },
    };
    if fault == Fault::Status500 {
        return Action::Answer(Response::json(500, json!({})));
    }
    execute(state, Api::Gen1, channel, on, timer);
    let ison = *state.relays[channel as usize].borrow();
    let answer = Response::json(
        200,
        json!({"ison": ison, "has_timer": timer.is_some(), "timer_started": 0,
               "timer_duration": timer.unwrap_or(0.0), "timer_remaining": timer.unwrap_or(0.0),
               "overpower": false, "source": "http"}),
    );
    with_fault(fault, answer)
}

fn with_fault(fault: Fault, answer: Response) -> Action {
    match fault {
        Fault::Delay(delay) => Action::AnswerLate(delay, answer),
        Fault::DropAfterRead => Action::Drop,
        Fault::None | Fault::Status500 => Action::Answer(answer),
    }
}

/// Switches the relay, records an "on" as a pulse, and arms the flip-back timer. Returns `was_on`.
fn execute(state: &Arc<State>, api: Api, channel: u32, on: bool, flip_after: Option<f64>) -> bool {
    let relay = &state.relays[channel as usize];
    let was_on = relay.send_replace(on);
    if on {
        state.pulses.lock().unwrap().push(Pulse {
            at: Instant::now(),
            api,
            channel,
            seconds: flip_after,
        });
    }
    // A new command cancels (re-arms) any running timer, as on the device.
    let generation = state.timers[channel as usize].fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(secs) = flip_after {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            if state.timers[channel as usize].load(Ordering::SeqCst) == generation {
                state.relays[channel as usize].send_replace(!on);
            }
        });
    }
    was_on
}

/// A 401 with a fresh Shelly-style SHA-256 challenge.
fn challenge(state: &State) -> Response {
    let nonce = state.next_nonce.fetch_add(1, Ordering::SeqCst).to_string();
    state.nonces.lock().unwrap().insert(nonce.clone(), 0);
    let mut response = Response::json(401, json!({}));
    response.headers.push((
        "WWW-Authenticate".into(),
        format!("Digest qop=\"auth\", realm=\"{DEVICE_ID}\", nonce=\"{nonce}\", algorithm=SHA-256"),
    ));
    response
}

/// Checks a digest `Authorization` header the way the device does.
fn digest_ok(request: &Request, password: &str, state: &State) -> bool {
    let Some(header) = request.header("authorization") else {
        return false;
    };
    let Some(params) = header.strip_prefix("Digest ") else {
        return false;
    };
    let params = parse_auth_params(params);
    let get = |k: &str| params.get(k).map(String::as_str).unwrap_or_default();
    if get("username") != "admin"
        || get("realm") != DEVICE_ID
        || get("uri") != "/rpc"
        || get("qop") != "auth"
        || !get("algorithm").eq_ignore_ascii_case("SHA-256")
    {
        return false;
    }
    let Ok(nc) = u32::from_str_radix(get("nc"), 16) else {
        return false;
    };
    let ha1 = hex_sha256(&format!("admin:{DEVICE_ID}:{password}"));
    let ha2 = hex_sha256(&format!("{}:{}", request.method, get("uri")));
    let expected = hex_sha256(&format!(
        "{ha1}:{}:{}:{}:auth:{ha2}",
        get("nonce"),
        get("nc"),
        get("cnonce")
    ));
    if get("response") != expected {
        return false;
    }
    // The nonce must be one we issued, and nc must grow (no replays).
    let mut nonces = state.nonces.lock().unwrap();
    match nonces.get_mut(get("nonce")) {
        Some(last) if nc > *last => {
            *last = nc;
            true
        }
        _ => false,
    }
}

fn parse_auth_params(input: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = input.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (quoted[..end].to_string(), &quoted[(end + 1).min(quoted.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        out.insert(key, value);
        rest = after.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
    }
    out
}

fn hex_sha256(input: &str) -> String {
    Sha256::digest(input.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
