//! A Standard Webhooks receiver double (doors.md §6, §8 (c)): `POST /door` checked with the
//! library's own receiver half ([`Receiver::accept`]: signature, ±window, replayed ids), on the
//! shared loopback [`Server`].
//!
//! Answers `401` for anything `accept` refuses (with the error as JSON `{"error": …}`), `400` for a
//! verified body that is not a pulse, and otherwise records the delivery and answers `200` — or
//! misbehaves as a [`Fault`] says. A delivery is recorded only when it would actuate.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdoor_core::door::webhook::{Receiver, SignatureHeaders, VerifyError, WebhookSecret, DEFAULT_WINDOW};
use serde_json::{json, Value};
use url::Url;

use super::{Action, Request, Response, Server};

/// A misbehaviour for requests that verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Behave.
    None,
    /// Actuate, then answer after this long.
    Delay(Duration),
    /// Answer this status without actuating (e.g. 500, 503).
    Status(u16),
    /// Queue the command and answer 202 (actuation "later").
    Accepted,
}

/// One delivery the receiver would act on.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The `webhook-id` header.
    pub id: String,
    /// The parsed body.
    pub body: Value,
}

#[derive(Default)]
struct State {
    deliveries: Vec<Delivery>,
    refusals: Vec<VerifyError>,
    fault: Option<Fault>,
}

/// A running receiver; stops when dropped.
pub struct WebhookDouble {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl WebhookDouble {
    /// A receiver holding `secret`, with the default ±30 s window and the system clock.
    pub async fn start(secret: WebhookSecret) -> WebhookDouble {
        let receiver = Receiver::new(secret, DEFAULT_WINDOW);
        let state = Arc::new(Mutex::new(State::default()));
        let serving = state.clone();
        let server = Server::start(move |request| handle(request, &receiver, &serving)).await;
        WebhookDouble { server, state }
    }

    /// The pulse endpoint, `http://127.0.0.1:<port>/door`.
    pub fn url(&self) -> Url {
        self.server.url().join("door").unwrap()
    }

    /// From now on, misbehave like this.
    pub fn set_fault(&self, fault: Fault) {
        self.state.lock().unwrap().fault = Some(fault);
    }

    /// HTTP requests received so far.
    pub fn requests(&self) -> usize {
        self.server.requests()
    }

    /// Deliveries acted on so far.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.lock().unwrap().deliveries.clone()
    }

    /// Why requests were refused so far.
    pub fn refusals(&self) -> Vec<VerifyError> {
        self.state.lock().unwrap().refusals.clone()
    }
}

fn handle(request: &Request, receiver: &Receiver, state: &Mutex<State>) -> Action {
    if (request.method.as_str(), request.target.as_str()) != ("POST", "/door") {
        return Action::Answer(Response::json(404, json!({"error": "no such endpoint"})));
    }
    let headers = SignatureHeaders {
        id: request.header("webhook-id").unwrap_or_default(),
        timestamp: request.header("webhook-timestamp").unwrap_or_default(),
        signature: request.header("webhook-signature").unwrap_or_default(),
    };
    let mut state = state.lock().unwrap();
    if let Err(e) = receiver.accept(&headers, &request.body, jiff::Timestamp::now()) {
        let answer = Response::json(401, json!({"error": e.to_string()}));
        state.refusals.push(e);
        return Action::Answer(answer);
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return Action::Answer(Response::json(400, json!({"error": "not JSON"})));
    };
    if body.get("action").and_then(Value::as_str) != Some("pulse")
        || body.get("request_id").and_then(Value::as_str) != Some(headers.id)
    {
        return Action::Answer(Response::json(400, json!({"error": "not a pulse"})));
    }
    let fault = state.fault.unwrap_or(Fault::None);
    if let Fault::Status(status) = fault {
        return Action::Answer(Response::json(status, json!({"error": "receiver failure"})));
    }
    state.deliveries.push(Delivery {
        id: headers.id.to_string(),
        body,
    });
    match fault {
        Fault::Delay(delay) => Action::AnswerLate(delay, Response::json(200, json!({"ok": true}))),
        Fault::Accepted => Action::Answer(Response::json(202, json!({"queued": true}))),
        Fault::None | Fault::Status(_) => Action::Answer(Response::json(200, json!({"ok": true}))),
    }
}
