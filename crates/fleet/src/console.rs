//! The operator's console API: every space the caller runs in one place (hubs with their lights
//! and doors, activity, check-ins), remote opens and revocations. Each endpoint takes the space
//! from the caller's own list first ([`Caller::space`]); nothing reaches another space.

mod down;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use frontdoor_core::fleet::{
    self, FleetActivity, FleetCheckIn, FleetHub as HubView, FleetMe as Me, FleetSpace as SpaceView, FleetSync,
    HubState, OpenReply, OpenRequest,
};
use frontdoor_core::hub::UnlockResponse;
use serde::Deserialize;

use crate::error::FleetError;
use crate::staff::{ApiToken, Caller};
use crate::Shared;

/// How long a remote open waits for the hub's answer.
pub const OPEN_WAIT: Duration = Duration::from_secs(5);
/// A hub whose state is older than this is shown offline (three beats missed, and some).
pub const OFFLINE_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_secs(10);

/// The routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/fleet/me", get(me))
        .route("/api/v1/fleet/spaces", get(spaces))
        .route("/api/v1/fleet/activity", get(activity))
        .route("/api/v1/fleet/check_ins", get(check_ins))
        .route("/api/v1/fleet/syncs", get(syncs))
        .route("/api/v1/fleet/spaces/{space}/hubs/{hub}/doors/{door}/open", post(open))
        .route(
            "/api/v1/fleet/spaces/{space}/revocations",
            get(down::revocations).post(down::revoke),
        )
        .route(
            "/api/v1/fleet/spaces/{space}/access",
            get(down::access_sent).put(down::access),
        )
        .route(
            "/api/v1/fleet/spaces/{space}/hubs/{hub}/doors",
            get(down::doors_sent).put(down::doors),
        )
        .with_state(shared)
}

/// The signed-in caller, from `Authorization: Bearer`.
pub struct Signed(pub Caller);

impl FromRequestParts<Arc<Shared>> for Signed {
    type Rejection = FleetError;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Signed, FleetError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(ApiToken::new);
        Caller::of(&shared.config.staff, token.as_ref()).map(Signed)
    }
}

async fn me(Signed(caller): Signed) -> Json<Me> {
    Json(Me {
        name: caller.name,
        spaces: caller.spaces,
    })
}

async fn spaces(State(shared): State<Arc<Shared>>, Signed(caller): Signed) -> Result<Json<Vec<SpaceView>>, FleetError> {
    let now = jiff::Timestamp::now();
    let mut out = Vec::new();
    for space in &caller.spaces {
        let mut states = shared.states.of(space);
        let mut hubs: Vec<HubView> = Vec::new();
        for hub in shared.store.hubs_of(space).await? {
            let state = states.remove(&hub);
            hubs.push(view(hub, state, now));
        }
        // A hub that put its state before its first audit row.
        hubs.extend(states.into_iter().map(|(hub, state)| view(hub, Some(state), now)));
        out.push(SpaceView {
            space: space.clone(),
            hubs,
        });
    }
    Ok(Json(out))
}

fn view(hub: String, state: Option<HubState>, now: jiff::Timestamp) -> HubView {
    let online = state
        .as_ref()
        .and_then(|s| s.at.parse::<jiff::Timestamp>().ok())
        .is_some_and(|at| now.duration_since(at) <= OFFLINE_AFTER);
    HubView { hub, online, state }
}

/// `GET /api/v1/fleet/activity` query.
#[derive(Debug, Deserialize)]
pub struct ActivityQuery {
    /// One space of the caller's; all of them without it.
    pub space: Option<String>,
    /// Only entries that checked someone in.
    #[serde(default)]
    pub check_ins: bool,
    /// At most (default 200, at most 1000).
    pub limit: Option<i64>,
}

async fn activity(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Query(query): Query<ActivityQuery>,
) -> Result<Json<Vec<FleetActivity>>, FleetError> {
    let spaces = spaces_asked(&caller, query.space.as_deref())?;
    Ok(Json(
        shared
            .store
            .activity(&spaces, query.check_ins, limit(query.limit))
            .await?,
    ))
}

/// The spaces a list is for: the one asked, if the caller runs it, else all of theirs.
fn spaces_asked(caller: &Caller, space: Option<&str>) -> Result<Vec<String>, FleetError> {
    Ok(match space {
        Some(space) => vec![caller.space(space)?.to_string()],
        None => caller.spaces.clone(),
    })
}

/// A list's length: 200 unless asked, at most 1000.
fn limit(asked: Option<i64>) -> i64 {
    asked.unwrap_or(200).clamp(1, 1000)
}

/// `GET /api/v1/fleet/check_ins` and `/syncs` query.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// One space of the caller's; all of them without it.
    pub space: Option<String>,
    /// At most (default 200, at most 1000).
    pub limit: Option<i64>,
}

/// How the hubs' check-ins ended, newest entry first.
async fn check_ins(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<FleetCheckIn>>, FleetError> {
    let spaces = spaces_asked(&caller, query.space.as_deref())?;
    Ok(Json(shared.store.check_ins(&spaces, limit(query.limit)).await?))
}

/// The hubs' sync runs, newest first.
async fn syncs(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<FleetSync>>, FleetError> {
    let spaces = spaces_asked(&caller, query.space.as_deref())?;
    Ok(Json(shared.store.syncs(&spaces, limit(query.limit)).await?))
}

/// `POST …/open` body.
#[derive(Debug, Deserialize)]
pub struct OpenBody {
    /// Why, for the hub's audit log.
    pub reason: String,
}

async fn open(
    State(shared): State<Arc<Shared>>,
    Signed(caller): Signed,
    Path((space, hub, door)): Path<(String, String, String)>,
    Json(body): Json<OpenBody>,
) -> Result<Json<UnlockResponse>, FleetError> {
    let space = caller.space(&space)?;
    if !shared.store.hubs_of(space).await?.contains(&hub) && !shared.states.of(space).contains_key(&hub) {
        return Err(FleetError::UnknownHub);
    }
    if body.reason.trim().is_empty() {
        return Err(FleetError::Invalid(
            "Say why the door is opened (the hub's audit log keeps it).".into(),
        ));
    }
    let request = OpenRequest {
        door_id: door,
        by: caller.name.clone(),
        reason: body.reason,
    };
    let payload = serde_json::to_vec(&request).map_err(|e| FleetError::Invalid(e.to_string()))?;
    let asked = shared.nats.request(fleet::open_subject(space, &hub), payload.into());
    let answer = match tokio::time::timeout(OPEN_WAIT, asked).await {
        Err(_) => return Err(FleetError::HubSilent(hub)),
        Ok(Err(e)) => {
            return Err(match e.kind() {
                async_nats::RequestErrorKind::NoResponders => FleetError::HubUnreachable(hub),
                async_nats::RequestErrorKind::TimedOut => FleetError::HubSilent(hub),
                async_nats::RequestErrorKind::Other
                | async_nats::RequestErrorKind::InvalidSubject
                | async_nats::RequestErrorKind::MaxPayloadExceeded => FleetError::Link(e.to_string()),
            })
        }
        Ok(Ok(answer)) => answer,
    };
    match serde_json::from_slice::<OpenReply>(&answer.payload) {
        Ok(OpenReply::Opened(opened)) => Ok(Json(opened)),
        Ok(OpenReply::Refused(refused)) => Err(FleetError::Hub(refused)),
        Err(e) => Err(FleetError::Link(format!("the hub's answer cannot be read: {e}"))),
    }
}
