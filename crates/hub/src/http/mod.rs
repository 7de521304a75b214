//! The hub's HTTP API. Every error is `{code, message}` JSON with a fitting status; internals
//! (database errors, Cobot's bodies) are logged, never sent.

pub mod activity;
pub mod check_ins_view;
pub mod device;
pub mod doctor;
pub mod door_admin;
pub mod glance;
pub mod members;
pub mod phone_pages;
pub mod plug;
pub mod qr;
pub mod serve;
pub mod setup;
pub mod sign_in;
pub mod sync_panel;
pub mod tls;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use frontdoor_core::access::Reason;
use frontdoor_core::hub::{
    CheckInLine, CheckInState, CheckInStatus, Code, DoorReason, DoorStatus, HubInfo, MyAccess, PlanStatus, SignInInfo,
    SpaceInfo, UnlockResponse, PRODUCT,
};
use sha2::{Digest, Sha256};

pub use crate::app::error::Error;
use crate::app::sync::{self, SyncReport};
use crate::app::{session, Hub};
use crate::store::{AuditRow, CheckInRow, SessionRow};

pub use crate::app::device::SESSION_SECS;

/// The largest request body any endpoint takes; most take far less (see [`router`]).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
/// The largest body of the sign-in and session endpoints.
pub const MAX_SIGN_IN_BODY_BYTES: usize = 4 * 1024;

/// The routes. Every rejection, axum's own included (bad JSON, a path that does not parse, an
/// unknown address, a wrong method, an oversized body), is `{code, message}` JSON.
pub fn router(hub: Arc<Hub>) -> Router {
    let sign_in = Router::new()
        .route("/api/v1/sign_in", post(sign_in::begin))
        .route("/api/v1/sign_in/redeem", post(device::redeem))
        .route("/api/v1/session/refresh", post(device::refresh))
        .route("/api/v1/sign_out", post(device::sign_out))
        .layer(DefaultBodyLimit::max(MAX_SIGN_IN_BODY_BYTES));
    Router::new()
        .route("/api/v1/hub", get(info))
        .route("/api/v1/health", get(health))
        .route("/auth/callback", get(sign_in::callback))
        .route("/api/v1/me", get(me))
        .route("/api/v1/doors/{door}/unlock", post(unlock))
        .route("/api/v1/admin/sync", post(sync_now).get(last_sync))
        .route("/api/v1/admin/sync/runs", get(sync_panel::runs))
        .route("/api/v1/admin/sync/interval", axum::routing::put(sync_panel::interval))
        .route("/api/v1/admin/sync/start", post(sync_panel::start))
        .route("/api/v1/admin/sync/events", get(sync_panel::events))
        .route("/api/v1/admin/cobot", get(plug::state).delete(plug::disconnect))
        .route("/api/v1/admin/cobot/connect", post(plug::connect))
        .route("/api/v1/admin/audit", get(audit))
        .route("/api/v1/admin/devices", get(device::list))
        .route("/api/v1/admin/devices/{id}", axum::routing::delete(device::remove))
        .route("/api/v1/cobot/webhooks/{secret}/{event}", post(webhook))
        .merge(setup::routes())
        .merge(members::routes())
        .merge(crate::http::qr::routes())
        .merge(crate::http::phone_pages::routes())
        .merge(door_admin::routes())
        .merge(glance::routes())
        .merge(doctor::routes())
        .merge(activity::routes())
        .merge(check_ins_view::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .merge(sign_in)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(hub)
}

async fn not_found() -> Error {
    Error::new(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        "The hub has no such address. Update Frontdoor?",
    )
}

async fn method_not_allowed() -> Error {
    Error::new(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::MethodNotAllowed,
        "The hub does not take that kind of request at this address.",
    )
}

/// `axum::Json` whose rejections are the hub's `{code, message}`.
pub struct Json<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(rejected(rejection)),
        }
    }
}

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path` whose rejections are `{code, message}`.
pub struct Path<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Path<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(Error::new(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                format!("The hub could not read the address: {}", rejection.body_text()),
            )),
        }
    }
}

/// `axum::extract::Query` whose rejections are `{code, message}`.
pub struct Query<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(Error::new(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                format!("The hub could not read the query: {}", rejection.body_text()),
            )),
        }
    }
}

fn rejected(rejection: axum::extract::rejection::JsonRejection) -> Error {
    use axum::extract::rejection::JsonRejection as R;
    match rejection {
        R::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Error::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::PayloadTooLarge,
            "The request is larger than the hub takes here.",
        ),
        R::MissingJsonContentType(_) => Error::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::BadRequest,
            "The hub expects JSON (Content-Type: application/json).",
        ),
        other => Error::new(
            StatusCode::BAD_REQUEST,
            Code::BadRequest,
            format!("The hub could not read the request: {}", other.body_text()),
        ),
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, retry_after) = (self.status(), self.retry_after_secs());
        let mut response = (status, Json(self.body())).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

async fn info(State(hub): State<Arc<Hub>>) -> axum::Json<HubInfo> {
    axum::Json(HubInfo {
        product: PRODUCT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        space: SpaceInfo {
            subdomain: hub.config.space.subdomain.clone(),
            name: hub.config.space.name.clone(),
        },
        sign_in: SignInInfo {
            issuer: hub.config.sign_in_issuer(),
            cobot_www: hub.config.cobot.www.clone(),
            client_id: hub.config.cobot.client_id.clone(),
        },
    })
}

/// `GET /api/v1/health`: whether the hub can do its job, for monitoring and staff. Names
/// problems in words; holds no personal data and no secret, so it needs no session.
async fn health(State(hub): State<Arc<Hub>>) -> Response {
    let now = hub.clock.now();
    let snapshot = hub.snapshot();
    let mut problems = Vec::new();
    let snapshot_age =
        (snapshot.as_of != jiff::Timestamp::default()).then(|| now.as_second() - snapshot.as_of.as_second());
    match snapshot_age {
        None => problems.push("The hub has no copy of Cobot's memberships yet.".to_string()),
        Some(age) if age > 2 * 60 * hub.schedule.interval_minutes().max(1) as i64 => {
            problems.push(format!("The hub's copy of Cobot is {} minutes old.", age / 60))
        }
        Some(_) => {}
    }
    if hub.syncer.token().is_none() {
        problems.push("The hub has no Cobot token, so it cannot sync.".into());
    }
    if hub.syncer.token_slot().refused_at().is_some() {
        problems.push("Cobot refused the hub's connection, so it cannot sync; staff must reconnect Cobot.".into());
    }
    if hub.client_secret.is_none() || hub.config.cobot.client_id.trim().is_empty() {
        problems.push("The hub has no OAuth client id and secret, so members cannot sign in.".into());
    }
    let last_sync = hub.db(|store| store.last_sync()).await;
    let last_sync_ok = match last_sync {
        Ok(Ok(Some((ok, _)))) => Some(ok),
        Ok(Ok(None)) => None,
        Ok(Err(_)) | Err(_) => {
            problems.push("The hub cannot read its database.".into());
            None
        }
    };
    if last_sync_ok == Some(false) {
        problems.push("The last sync with Cobot failed.".into());
    }
    let storage = hub.db(|store| store.storage()).await.ok().and_then(Result::ok);
    if let Some(storage) = &storage {
        if storage.low_disk() {
            problems.push(format!(
                "The hub's disk is nearly full ({} MiB free): doors stop opening when the audit log cannot be written.",
                storage.disk_free_bytes.unwrap_or(0) / (1024 * 1024)
            ));
        }
    }
    let body = serde_json::json!({
        "status": if problems.is_empty() { "ok" } else { "degraded" },
        "problems": problems,
        "snapshot_age_secs": snapshot_age,
        "last_sync_ok": last_sync_ok,
        "doors": hub.rules().doors().len(),
        "storage": storage,
        "version": env!("CARGO_PKG_VERSION"),
    });
    let status = if body["status"] == "ok" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

async fn signed_in(hub: &Hub, headers: &HeaderMap) -> Result<SessionRow, Error> {
    session::of(hub, bearer(headers), hub.clock.now()).await
}

/// The session of the staff member calling, or why not (see [`session::staff`]).
pub(crate) async fn staff_only(hub: &Hub, headers: &HeaderMap, what: &str) -> Result<SessionRow, Error> {
    session::staff(hub, bearer(headers), what).await
}

/// Opens a door; see [`crate::app::unlock`].
async fn unlock(
    State(hub): State<Arc<Hub>>,
    Path(door): Path<String>,
    headers: HeaderMap,
) -> Result<Json<UnlockResponse>, Error> {
    hub.unlock(bearer(&headers), &door).await.map(Json)
}

#[derive(serde::Deserialize)]
struct Limit {
    limit: Option<u32>,
}

/// The newest audit entries (staff).
async fn audit(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    Query(q): Query<Limit>,
) -> Result<Json<Vec<AuditRow>>, Error> {
    staff_only(&hub, &headers, "see the audit log").await?;
    let limit = q.limit.unwrap_or(100).min(1000);
    Ok(Json(
        hub.db(move |store| store.audit(limit))
            .await?
            .map_err(Error::internal)?,
    ))
}

/// Whether an outbox row is a check-in Cobot still counts at `now` (its `valid_until` ahead).
fn is_running(row: &CheckInRow, now: jiff::Timestamp) -> bool {
    row.state == "checked_in"
        && row
            .valid_until
            .as_deref()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .is_some_and(|until| until > now)
}

/// A member-facing view of an outbox row at `now`.
fn check_in_status(hub: &Hub, row: &CheckInRow, now: jiff::Timestamp) -> CheckInStatus {
    let local = |t: Option<&str>| {
        t.and_then(|t| t.parse::<jiff::Timestamp>().ok()).map(|t| {
            t.to_zoned(hub.rules().time_zone().clone())
                .strftime("%H:%M")
                .to_string()
        })
    };
    let since = local(row.valid_from.as_deref());
    let until = local(row.valid_until.as_deref());
    let (state, line) = match row.state.as_str() {
        "checked_in" => (
            CheckInState::CheckedIn,
            CheckInLine::CheckedIn {
                since: since.clone(),
                until: if is_running(row, now) { None } else { until },
            },
        ),
        "refused" => (
            CheckInState::Refused,
            CheckInLine::Refused {
                cobot_says: row.last_error.clone(),
            },
        ),
        "missed" => (CheckInState::Refused, CheckInLine::Missed),
        _ => (
            CheckInState::Pending,
            CheckInLine::Pending {
                retrying: row.attempts > 0,
            },
        ),
    };
    CheckInStatus {
        day: row.day.clone(),
        state,
        since,
        message: check_in_words(&line),
        line: Some(line),
    }
}

/// A check-in line in the hub's English (for apps that predate [`CheckInLine`]).
fn check_in_words(line: &CheckInLine) -> String {
    match line {
        CheckInLine::CheckedIn {
            since: Some(since),
            until: Some(until),
        } => format!("Checked in from {since} until {until}"),
        CheckInLine::CheckedIn {
            since: Some(since),
            until: None,
        } => format!("Checked in since {since}"),
        CheckInLine::CheckedIn { since: None, .. } => "Checked in".to_string(),
        CheckInLine::Refused { cobot_says } => format!(
            "Cobot did not check you in: {}",
            cobot_says.as_deref().unwrap_or("no reason given")
        ),
        CheckInLine::Missed => "Not checked in: Cobot could not be reached that day.".to_string(),
        CheckInLine::Pending { retrying: false } => "Checking you in with Cobot…".to_string(),
        CheckInLine::Pending { retrying: true } => {
            "Checking you in with Cobot — it has not answered yet; the hub keeps trying.".to_string()
        }
    }
}

/// The member's plans and every door's verdict now, from the snapshot.
async fn me(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<MyAccess>, Error> {
    let session = signed_in(&hub, &headers).await?;
    let snapshot = hub.snapshot();
    let now = hub.clock.now();
    let member = session.membership_id.as_deref().and_then(|id| snapshot.member(id));
    // One set of rules for the whole answer, even if staff change them meanwhile.
    let rules = hub.rules();
    let names = rules.door_names();
    let (plans, mut doors, name) = match member {
        Some(m) => {
            let access = rules.member_access(&m.access(), now);
            let status = crate::app::members::standing(access.inactive.as_ref(), m.canceled_to);
            let standing = frontdoor_core::access::standing(access.inactive.as_ref(), m.canceled_to);
            let plans = m
                .plan_name
                .iter()
                .map(|p| PlanStatus {
                    name: p.clone(),
                    since: m.starts_at.map(|d| d.to_string()),
                    until: m.canceled_to.map(|d| d.to_string()),
                    active: access.inactive.is_none(),
                    status: status.clone(),
                    standing: Some(standing.clone()),
                })
                .collect();
            let doors = access
                .doors
                .iter()
                .map(|(id, v)| DoorStatus {
                    id: id.0.clone(),
                    name: names.get(id).cloned().unwrap_or_default(),
                    allowed: v.allowed,
                    reasons: v.reasons.iter().map(Reason::to_string).collect(),
                    why: v.reasons.iter().map(|r| rules.fact(r)).collect(),
                })
                .collect();
            (plans, doors, m.name.clone())
        }
        None => (Vec::new(), Vec::new(), None),
    };
    if let (false, Some(too_old)) = (session.staff, crate::app::freshness::too_old(&hub, snapshot.as_of, now)) {
        // Past the space's bound the copy opens nothing for members; the reason comes first.
        let fact = DoorReason::CopyTooOld {
            age_seconds: too_old.age_seconds,
            space: hub.config.space.name.clone(),
            bound_hours: hub.config.sync.max_age_hours,
        };
        for door in &mut doors {
            door.allowed = false;
            door.reasons.insert(0, too_old.words.clone());
            door.why.insert(0, fact.clone());
        }
    }
    if session.staff {
        // Staff may open every door, whatever their plan says.
        let staff_reason = format!("Staff of {} may open every door", hub.config.space.name);
        let fact = DoorReason::Staff {
            space: hub.config.space.name.clone(),
        };
        for door in rules.doors() {
            match doors.iter_mut().find(|d| d.id == door.id.0) {
                Some(d) if d.allowed => {}
                Some(d) => {
                    d.allowed = true;
                    d.reasons.insert(0, staff_reason.clone());
                    d.why.insert(0, fact.clone());
                }
                None => doors.push(DoorStatus {
                    id: door.id.0.clone(),
                    name: door.name.clone(),
                    allowed: true,
                    reasons: vec![staff_reason.clone()],
                    why: vec![fact.clone()],
                }),
            }
        }
    }
    let recent = match &session.membership_id {
        Some(id) => {
            let id = id.clone();
            hub.db(move |store| store.check_ins_of(&id, 10))
                .await?
                .map_err(Error::internal)?
        }
        None => Vec::new(),
    };
    let today = hub.space_day(now);
    let recent_check_ins: Vec<CheckInStatus> = recent.iter().map(|r| check_in_status(&hub, r, now)).collect();
    // The member's check-in now: a running one (after midnight, the evening's), else today's
    // newest, whatever became of it.
    let check_in = recent
        .iter()
        .position(|r| is_running(r, now))
        .or_else(|| recent.iter().position(|r| r.day == today))
        .map(|i| recent_check_ins[i].clone());
    Ok(Json(MyAccess {
        as_of: snapshot.as_of.to_string(),
        evaluated_at: now.to_string(),
        name,
        staff: session.staff,
        plans,
        doors,
        check_in,
        recent_check_ins,
    }))
}

async fn sync_now(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Json<SyncReport>, Error> {
    staff_only(&hub, &headers, "resync").await?;
    let report = hub.syncer.full().await?;
    // Cobot answered: a good moment for check-ins that were waiting on it.
    let now_ms = crate::app::check_in::outbox_ms();
    if matches!(hub.db(move |store| store.check_ins_due_now(now_ms)).await, Ok(Ok(_))) {
        hub.check_ins.wake();
    }
    Ok(Json(report))
}

async fn last_sync(State(hub): State<Arc<Hub>>, headers: HeaderMap) -> Result<Response, Error> {
    staff_only(&hub, &headers, "see sync reports").await?;
    match hub.db(|store| store.last_sync()).await?.map_err(Error::internal)? {
        Some((_, report)) => Ok(([("content-type", "application/json")], report).into_response()),
        None => Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::NeverSynced,
            "The hub has not synced with Cobot yet.",
        )),
    }
}

/// Cobot's webhook: the event comes from our own callback path, the membership from the body
/// (JSON or form data, [`crate::app::webhook`]). The body is unsigned, so it is only a hint of what to
/// re-read; the hub answers at once (202) and re-reads in the background, so a slow Cobot never
/// makes the delivery time out and count as failed.
async fn webhook(
    State(hub): State<Arc<Hub>>,
    Path((secret, event)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<StatusCode, Error> {
    // Held in memory since start: a wrong secret costs no database call.
    let expected = hub.webhook_secret.as_str();
    // Compared as digests: how long the comparison takes says nothing about the secret's characters.
    if Sha256::digest(secret.as_bytes()) != Sha256::digest(expected.as_bytes()) {
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::UnknownWebhook,
            "No such webhook.",
        ));
    }
    if !sync::EVENTS.contains(&event.as_str()) {
        return Err(Error::new(
            StatusCode::NOT_FOUND,
            Code::UnknownEvent,
            "The hub does not follow that event.",
        ));
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::PayloadTooLarge,
                "The request is larger than the hub takes here.",
            )
        } else {
            Error::new(
                StatusCode::BAD_REQUEST,
                Code::BadRequest,
                format!("The hub could not read the request: {}", rejection.body_text()),
            )
        }
    })?;
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    let named = crate::app::webhook::read_body(content_type, &body)?;
    // Checked before answering: a post naming anything else costs no Cobot request.
    match crate::app::webhook::membership_id(&named, hub.syncer.webhook_hosts()) {
        Ok(membership_id) => hub.followups.push(&hub, &event, membership_id),
        Err(crate::app::webhook::Error::Foreign(url)) => {
            // Answered 2xx all the same: a 4xx would make Cobot turn the subscription off.
            static LOG: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
            if crate::base::log::budgeted(&LOG, "a webhook named an address the hub does not follow", 20).admit() {
                tracing::info!(
                    %event,
                    url = ?url,
                    "a webhook named an address the hub does not re-read (another host, or a space domain [cobot] does not name); acknowledged, the next full sync catches up"
                );
            }
        }
        Err(e @ crate::app::webhook::Error::Unreadable) => return Err(e.into()),
    }
    Ok(StatusCode::ACCEPTED)
}
