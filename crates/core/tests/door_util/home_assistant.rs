//! A Home Assistant REST double (doors.md §3.1, §8 (c)) on the shared loopback [`Server`]:
//! `POST /api/services/<domain>/<service>` with `Authorization: Bearer <token>` and
//! `{"entity_id": …}`.
//!
//! - a wrong or missing token → `401 {"message": "Unauthorized"}`, nothing executed;
//! - an unknown entity, or an entity of another domain → `404`, nothing executed (newer HA answers
//!   400 here; the driver treats both alike);
//! - otherwise the call is recorded and answered `200` with the list of changed states, which
//!   contains the entity (and, as in HA, may contain unrelated ones).
//!
//! Fault knobs ([`Fault`]): answer late, drop the connection after executing, answer HA's "10 s cap"
//! `[]` (executed, unconfirmed).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use url::Url;

use super::{Action, Request, Response, Server};

/// A misbehaviour for calls that would execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Behave.
    None,
    /// Execute, then answer after this long.
    Delay(Duration),
    /// Execute, then close the connection without answering.
    DropAfterRead,
    /// Execute, but answer `[]` as HA does when the service outlasts its 10 s cap.
    EmptyStates,
}

/// One executed service call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCall {
    /// `lock`, `button`.
    pub domain: String,
    /// `unlock`, `press`.
    pub service: String,
    /// The `entity_id` of the body.
    pub entity_id: String,
}

struct State {
    token: String,
    entities: Vec<String>,
    calls: Vec<ServiceCall>,
    fault: Fault,
}

/// A running Home Assistant; stops when dropped.
pub struct HomeAssistantDouble {
    server: Server,
    state: Arc<Mutex<State>>,
}

impl HomeAssistantDouble {
    /// An HA that accepts `token` and knows `entities` (e.g. `lock.front_door`).
    pub async fn start(token: &str, entities: &[&str]) -> HomeAssistantDouble {
        let state = Arc::new(Mutex::new(State {
            token: token.into(),
            entities: entities.iter().map(|e| e.to_string()).collect(),
            calls: Vec::new(),
            fault: Fault::None,
        }));
        let serving = state.clone();
        let server = Server::start(move |request| handle(request, &serving)).await;
        HomeAssistantDouble { server, state }
    }

    /// `http://127.0.0.1:<port>/`.
    pub fn url(&self) -> Url {
        self.server.url()
    }

    /// From now on, misbehave like this.
    pub fn set_fault(&self, fault: Fault) {
        self.state.lock().unwrap().fault = fault;
    }

    /// HTTP requests received so far.
    pub fn requests(&self) -> usize {
        self.server.requests()
    }

    /// Service calls executed so far.
    pub fn calls(&self) -> Vec<ServiceCall> {
        self.state.lock().unwrap().calls.clone()
    }
}

fn handle(request: &Request, state: &Mutex<State>) -> Action {
    let mut state = state.lock().unwrap();
    let expected = format!("Bearer {}", state.token);
    if request.header("authorization") != Some(expected.as_str()) {
        return Action::Answer(Response::json(401, json!({"message": "Unauthorized"})));
    }
    let Some((domain, service)) = request
        .target
        .strip_prefix("/api/services/")
        .and_then(|rest| rest.split_once('/'))
        .filter(|_| request.method == "POST")
    else {
        return Action::Answer(Response::json(404, json!({"message": "Not Found"})));
    };
    let Some(entity_id) = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|body| body.get("entity_id")?.as_str().map(str::to_string))
    else {
        return Action::Answer(Response::json(400, json!({"message": "Invalid JSON specified."})));
    };
    let known = state.entities.contains(&entity_id) && entity_id.starts_with(&format!("{domain}."));
    if !known {
        return Action::Answer(Response::json(
            404,
            json!({"message": format!("Service {domain}.{service} has no entity {entity_id}")}),
        ));
    }
    state.calls.push(ServiceCall {
        domain: domain.into(),
        service: service.into(),
        entity_id: entity_id.clone(),
    });
    let new_state = match (domain, service) {
        ("lock", "unlock") => "unlocked",
        ("lock", "open") => "open",
        _ => "2025-01-01T00:00:00+00:00",
    };
    let changed = json!([
        {"entity_id": entity_id, "state": new_state, "attributes": {},
         "last_changed": "2025-01-01T00:00:00+00:00", "last_updated": "2025-01-01T00:00:00+00:00",
         "context": {"id": "01JDOUBLE", "parent_id": null, "user_id": "frontdoor"}},
        {"entity_id": "sensor.hallway_motion", "state": "on", "attributes": {}}
    ]);
    match state.fault {
        Fault::None => Action::Answer(Response::json(200, changed)),
        Fault::Delay(delay) => Action::AnswerLate(delay, Response::json(200, changed)),
        Fault::DropAfterRead => Action::Drop,
        Fault::EmptyStates => Action::Answer(Response::json(200, json!([]))),
    }
}
