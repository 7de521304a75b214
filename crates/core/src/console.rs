//! The staff console's wire types: what the hub's `/api/v1/admin/…` endpoints take and answer,
//! shared by the hub (which serves them) and the app (which shows them). Every endpoint is for
//! staff of the space only; errors are the hub's `{code, message}` ([`crate::hub::ApiError`]),
//! and a refused change also names its fields ([`FieldErrors`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `422 {code: "invalid", message, fields}`: which fields of a change are wrong, in words,
/// keyed by the field's name in the request (`"schedule"`, `"doors"`, `"groups[1]"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    /// Stable code: always `invalid`.
    pub code: String,
    /// The whole problem in words.
    pub message: String,
    /// Per field.
    pub fields: BTreeMap<String, String>,
}

// ---- Access setup: `GET /api/v1/admin/access` and its changes ----

pub use frontdoor_ipc::{AccessSetup, DoorRef, GroupSetup, PlanSetup, SetupChange};

/// `PUT /api/v1/admin/access/groups/{id}`: create or replace a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupChange {
    /// The setup version the change was made on.
    pub version: u64,
    /// The group.
    pub group: GroupSetup,
}

/// `PUT /api/v1/admin/access/plans/{plan_id}`: the groups a plan gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChange {
    /// The setup version the change was made on.
    pub version: u64,
    /// Group ids.
    pub groups: Vec<String>,
}

/// `PUT /api/v1/admin/access/extra_groups`: the extra-groups switch (turning it on makes sure
/// the custom field exists in Cobot, keeping every other field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraGroupsChange {
    /// The setup version the change was made on.
    pub version: u64,
    /// On or off.
    pub enabled: bool,
}

// ---- Cobot connection (the plug): `GET /api/v1/admin/cobot` ----

/// Where the space's Cobot connection stands: the app's type, so both ends hold one definition.
pub use frontdoor_ipc::{CobotConnection, ConnectionState};

/// `POST /api/v1/admin/cobot/connect`: begins the plug's OAuth flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectRequest {
    /// Where the hub's callback page sends the browser back to when done (the app's deep link
    /// or loopback address, as for sign-in), with `?connected=1` or `?error=…`.
    pub return_to: url::Url,
}

/// The answer: where the browser goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectStarted {
    /// Cobot's authorization URL, with the sync scopes.
    pub authorize_url: url::Url,
}

// ---- Sync panel: `GET /api/v1/admin/sync/runs`, `POST /api/v1/admin/sync` ----

pub use frontdoor_ipc::{SyncPanel, SyncPhase, SyncProgress, SyncRun};

/// `PUT /api/v1/admin/sync/interval`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntervalChange {
    /// Minutes, 5 to 1,440.
    pub minutes: u64,
}

// ---- Members: `GET /api/v1/admin/members` ----

pub use frontdoor_ipc::{DoorVerdict, GroupGrant, MemberRow};

/// `PUT /api/v1/admin/members/{membership_id}/extra_groups`: written to Cobot's custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraGroupsOfMember {
    /// Group ids (each must be a known group).
    pub groups: Vec<String>,
}

// ---- Activity: `GET /api/v1/admin/activity`, `…/activity.csv`, remote opens, latency ----

pub use frontdoor_ipc::{ActivityPage, ActivityRow, DoorLatency};

/// `POST /api/v1/admin/doors/{door}/open`: staff open a door remotely (for a visitor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteOpen {
    /// Why, for the audit log: 1 to 200 characters.
    pub reason: String,
}

/// How many of a door's latest `opened` rows its latency figures cover.
pub const LATENCY_WINDOW: u32 = 200;

// ---- Doors: `GET /api/v1/admin/doors`, `PUT|DELETE /api/v1/admin/doors/{id}`, test ----

pub use frontdoor_ipc::{DoorDriverSetup, DoorFailure, DoorReach, DoorRow, DoorSecretState, DoorSetup, DoorsView};

/// `PUT /api/v1/admin/doors/{id}`: add or replace a door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorChange {
    /// The door.
    pub door: DoorSetup,
    /// The driver's secret (password, token, `whsec_…` key), entered once: `None` keeps the one
    /// stored, `Some("")` removes it. The hub stores it sealed and never answers it.
    #[serde(default)]
    pub secret: Option<String>,
}

// ---- Health at a glance: `GET /api/v1/admin/glance` ----

pub use frontdoor_ipc::{Glance, Light, LightFact};

// ---- Doctor: `GET /api/v1/admin/doctor` ----

pub use frontdoor_ipc::{DoctorCheck, DoctorReport, Verdict};

// ---- Check-ins: `GET /api/v1/admin/check_ins`, retry, policy ----

pub use frontdoor_ipc::{CheckInsView, StaffCheckIn, StaffCheckInState};

/// `PUT /api/v1/admin/check_ins/policy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInPolicyChange {
    /// `once-per-day` or `off`.
    pub policy: String,
    /// `open-anyway` or `refuse`: what the door does for a member Cobot will not check in;
    /// `None` leaves it as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_pass: Option<String>,
}

// ---- The app's client for these endpoints ----

use crate::hub::{call, read_at_most, refusal, CallError};
use crate::links::HubUrl;
use crate::secret::HubSessionToken;

/// `GET path` on the hub's admin API with a staff session.
pub async fn get<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    path: &str,
) -> Result<T, CallError> {
    call(http.get(hub.join(path)).bearer_auth(session.secret())).await
}

/// `method path` with a JSON body on the hub's admin API with a staff session.
pub async fn send<B: Serialize, T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    method: reqwest::Method,
    path: &str,
    body: &B,
) -> Result<T, CallError> {
    call(
        http.request(method, hub.join(path))
            .bearer_auth(session.secret())
            .json(body),
    )
    .await
}

/// `GET path` on the hub's admin API with a staff session, for an answer that is a file rather
/// than JSON (a QR code's SVG, the sticker sheet, the activity CSV): its body, read up to
/// `max_bytes`. A refusal is the hub's `{code, message}` as for every other call.
pub async fn get_file(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    path: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, CallError> {
    let mut response = http
        .get(hub.join(path))
        .bearer_auth(session.secret())
        .send()
        .await
        .map_err(CallError::Unreachable)?;
    let status = response.status().as_u16();
    let body = read_at_most(&mut response, max_bytes).await?;
    if (200..300).contains(&status) {
        return Ok(body);
    }
    Err(refusal(status, &body))
}

/// A path segment, percent-encoded.
pub fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Follows `GET /api/v1/admin/sync/events` (server-sent events) and calls `each` with every
/// progress report until the sync ends (`done` or `failed`) or the stream closes. At most
/// `max_events` are read, and lines longer than 64 KiB end the stream.
pub async fn follow_sync(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &HubSessionToken,
    max_events: usize,
    mut each: impl FnMut(SyncProgress),
) -> Result<Option<SyncProgress>, CallError> {
    let mut response = http
        .get(hub.join("api/v1/admin/sync/events"))
        .bearer_auth(session.secret())
        .header("Accept", "text/event-stream")
        .send()
        .await
        .map_err(CallError::Unreachable)?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let body = response.bytes().await.map_err(CallError::Unreachable)?;
        return Err(refusal(status, &body));
    }
    let mut buffer = String::new();
    let mut last = None;
    let mut seen = 0;
    while let Some(chunk) = response.chunk().await.map_err(CallError::Unreachable)? {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find('\n') {
            let line: String = buffer.drain(..=end).collect();
            let Some(data) = line.trim_end().strip_prefix("data:") else {
                continue;
            };
            let Ok(progress) = serde_json::from_str::<SyncProgress>(data.trim()) else {
                continue;
            };
            seen += 1;
            let finished = matches!(progress.phase.as_str(), "done" | "failed");
            each(progress.clone());
            last = Some(progress);
            if finished || seen >= max_events {
                return Ok(last);
            }
        }
        if buffer.len() > 64 * 1024 {
            return Err(CallError::TooLarge);
        }
    }
    Ok(last)
}
