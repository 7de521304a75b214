//! What a hub says about itself (`GET /api/v1/hub`), shared by the hub (which serves it) and the
//! app (which asks before joining a space).

use serde::{Deserialize, Serialize};
use url::Url;

use crate::links::{HubUrl, Subdomain};

/// Path of the hub's self-description.
pub const INFO_PATH: &str = "api/v1/hub";
/// Marker that tells a Frontdoor hub's answer from any other JSON.
pub const PRODUCT: &str = "frontdoor-hub";

/// The hub's self-description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HubInfo {
    /// Always [`PRODUCT`].
    pub product: String,
    /// The hub's version.
    pub version: String,
    /// The space the hub serves.
    pub space: SpaceInfo,
    /// How members sign in.
    pub sign_in: SignInInfo,
}

/// The space a hub serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceInfo {
    /// Cobot subdomain.
    pub subdomain: Subdomain,
    /// Display name.
    pub name: String,
}

/// Where and as whom the app signs in to Cobot for this space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInInfo {
    /// The OIDC issuer (Cobot's per-space issuer, e.g. `https://lighthouse.cobot.me`).
    pub issuer: Url,
    /// Cobot's user-level host (`https://www.cobot.me`) for `/api/user` and revocation.
    pub cobot_www: Url,
    /// The OAuth client id the space registered for Frontdoor (the hub is that client).
    pub client_id: String,
}

/// Why a hub could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No answer at all.
    #[error(
        "The hub at {0} could not be reached. Check the address, or ask your space's staff whether it is running."
    )]
    Unreachable(String, #[source] reqwest::Error),
    /// An answer, but not from a Frontdoor hub.
    #[error("{0} did not answer as a Frontdoor hub. Check the link, or ask your space's staff for a new one.")]
    NotAHub(String),
    /// A Frontdoor hub, but for another space.
    #[error("The hub at {hub} serves the space “{serves}”, not “{asked}”. Ask your space's staff for a new link.")]
    WrongSpace {
        /// The hub.
        hub: String,
        /// The space the link named.
        asked: Subdomain,
        /// The space the hub serves.
        serves: Subdomain,
    },
}

/// What the hub's member API answered instead of the expected value.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No answer.
    #[error("The hub could not be reached. Showing what it said last time.")]
    Unreachable(#[source] reqwest::Error),
    /// The hub's own `{code, message}`.
    #[error("{}", .0.message)]
    Refused(ApiError, u16),
    /// Something that is not the hub's JSON.
    #[error("The hub sent an answer Frontdoor could not understand (HTTP {0}).")]
    Malformed(u16),
    /// An answer larger than any the hub sends.
    #[error("The hub sent an answer far larger than it should, so Frontdoor stopped reading it.")]
    TooLarge,
}

impl CallError {
    /// The hub's error code, if it sent one.
    pub fn code(&self) -> Option<Code> {
        match self {
            CallError::Refused(e, _) => Some(e.code),
            _ => None,
        }
    }
}

/// The most the app reads of one hub answer: the largest (a member's view) is a few KiB.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

pub(crate) async fn call<T: for<'de> Deserialize<'de>>(request: reqwest::RequestBuilder) -> Result<T, CallError> {
    let mut response = request
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(CallError::Unreachable)?;
    let status = response.status().as_u16();
    let body = read_at_most(&mut response, MAX_ANSWER_BYTES).await?;
    if status == 204 {
        return serde_json::from_slice(b"null").map_err(|_| CallError::Malformed(status));
    }
    if (200..300).contains(&status) {
        return serde_json::from_slice(&body).map_err(|_| CallError::Malformed(status));
    }
    Err(refusal(status, &body))
}

/// An answer's whole body, or [`CallError::TooLarge`] as soon as it grows past `max_bytes`.
pub(crate) async fn read_at_most(response: &mut reqwest::Response, max_bytes: usize) -> Result<Vec<u8>, CallError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(CallError::Unreachable)? {
        if body.len() + chunk.len() > max_bytes {
            return Err(CallError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A hub's answer that is not a success: its own `{code, message}` when the body is one.
pub(crate) fn refusal(status: u16, body: &[u8]) -> CallError {
    match serde_json::from_slice::<ApiError>(body) {
        Ok(e) => CallError::Refused(e, status),
        Err(_) => CallError::Malformed(status),
    }
}

/// `POST /api/v1/sign_in`: asks the hub to begin a sign-in.
pub async fn begin_sign_in(
    http: &reqwest::Client,
    hub: &HubUrl,
    request: &SignInRequest,
) -> Result<SignInStarted, CallError> {
    call(http.post(hub.join("api/v1/sign_in")).json(request)).await
}

/// `POST /api/v1/sign_in/redeem`: the ticket and the proof, for a session and a refresh token.
pub async fn redeem(
    http: &reqwest::Client,
    hub: &HubUrl,
    request: &RedeemRequest,
) -> Result<SessionResponse, CallError> {
    call(http.post(hub.join("api/v1/sign_in/redeem")).json(request)).await
}

/// `POST /api/v1/session/refresh`: a new session and the next refresh token.
pub async fn refresh(
    http: &reqwest::Client,
    hub: &HubUrl,
    refresh_token: &crate::secret::RefreshToken,
) -> Result<SessionResponse, CallError> {
    let body = RefreshRequest {
        refresh_token: refresh_token.clone(),
    };
    call(http.post(hub.join("api/v1/session/refresh")).json(&body)).await
}

/// `POST /api/v1/sign_out`.
pub async fn sign_out(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: Option<&crate::secret::HubSessionToken>,
    refresh_token: Option<&crate::secret::RefreshToken>,
) -> Result<(), CallError> {
    let mut request = http.post(hub.join("api/v1/sign_out")).json(&SignOutRequest {
        refresh_token: refresh_token.cloned(),
    });
    if let Some(session) = session {
        request = request.bearer_auth(session.secret());
    }
    call::<serde_json::Value>(request).await.map(|_| ())
}

/// `GET /api/v1/me`: the member's plans and door verdicts.
pub async fn my_access(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &crate::secret::HubSessionToken,
) -> Result<MyAccess, CallError> {
    call(http.get(hub.join("api/v1/me")).bearer_auth(session.secret())).await
}

/// How long the app waits for the hub to answer an unlock before telling the person at the door
/// that it cannot know whether the door opened. A person at a door gives up on a silent button
/// after a few seconds; the hub's own door drivers answer within 2 s by default (see
/// [`crate::door::DEFAULT_TIMEOUT`]), which leaves 3 s for a phone's slow network and the
/// hub's checks. A door whose driver waits longer (Home Assistant, 11 s) may open after the app
/// has said "may or may not have opened", which is what it says.
pub const UNLOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// `POST /api/v1/doors/{door}/unlock`: opens a door with the member's hub session, waiting at
/// most [`UNLOCK_WAIT`] for the answer whatever `http`'s own timeout.
pub async fn unlock(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &crate::secret::HubSessionToken,
    door: &str,
) -> Result<UnlockResponse, CallError> {
    let door: String = url::form_urlencoded::byte_serialize(door.as_bytes()).collect();
    call(
        http.post(hub.join(&format!("api/v1/doors/{door}/unlock")))
            .timeout(UNLOCK_WAIT)
            .bearer_auth(session.secret()),
    )
    .await
}

/// Asks `hub` who it is and checks that it serves `space`.
pub async fn fetch_info(http: &reqwest::Client, hub: &HubUrl, space: &Subdomain) -> Result<HubInfo, Error> {
    let response = http
        .get(hub.join(INFO_PATH))
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| Error::Unreachable(hub.to_string(), e))?;
    if !response.status().is_success() {
        return Err(Error::NotAHub(hub.to_string()));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| Error::Unreachable(hub.to_string(), e))?;
    let info: HubInfo = serde_json::from_slice(&body).map_err(|_| Error::NotAHub(hub.to_string()))?;
    if info.product != PRODUCT {
        return Err(Error::NotAHub(hub.to_string()));
    }
    if &info.space.subdomain != space {
        return Err(Error::WrongSpace {
            hub: hub.to_string(),
            asked: space.clone(),
            serves: info.space.subdomain,
        });
    }
    Ok(info)
}

/// `GET /api/v1/me`: the member's plans and what each door says, with reasons in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccess {
    /// When the hub last read Cobot (RFC 3339).
    pub as_of: String,
    /// When the hub evaluated the doors (RFC 3339).
    pub evaluated_at: String,
    /// The membership's name.
    pub name: Option<String>,
    /// Staff of the space.
    pub staff: bool,
    /// The member's plans.
    pub plans: Vec<PlanStatus>,
    /// Every door.
    pub doors: Vec<DoorStatus>,
    /// Today's check-in, if the hub made or found one (or is still making it).
    #[serde(default)]
    pub check_in: Option<CheckInStatus>,
    /// The member's recent check-ins through Frontdoor, newest first.
    #[serde(default)]
    pub recent_check_ins: Vec<CheckInStatus>,
}

/// The parts of the member's view the app shows as the hub sends them: defined once, in
/// `frontdoor-ipc`, and named here as the hub's API has always named them.
pub use frontdoor_ipc::{
    CheckInLine, CheckInNote, CheckInState, CheckInView as CheckInStatus, DoorReason, DoorView as DoorStatus,
    OpenHours, PlanView as PlanStatus, Standing, UnlockOutcome,
};

/// `POST /api/v1/doors/{door}/unlock`: what happened at the door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnlockResponse {
    /// The door's id.
    pub door_id: String,
    /// The door's name.
    pub door_name: String,
    /// What the relay did.
    pub outcome: UnlockOutcome,
    /// In words, for the person at the door.
    pub message: String,
    /// This tap joined one already under way (a double tap); the relay was pulsed once.
    pub merged: bool,
    /// The hub's whole handling time, in milliseconds, relay round trip included.
    pub latency_ms: f64,
    /// What this entry means for today's check-in.
    pub check_in: CheckInNote,
}

/// Every hub error body: a stable code and words for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable code; the app matches it, never the message.
    pub code: Code,
    /// What went wrong and what to do.
    pub message: String,
    /// With [`Code::Invalid`]: what is wrong with each field of the change, by field name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Every code a hub answers with, shared by the hub (which sends them) and the app (which
/// matches them exhaustively). Serialised in `snake_case`; pinned by tests on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// No valid hub session (none, forged, expired or ended).
    NotSignedIn,
    /// The sign-in expired, was already finished, or its ticket is unknown: start again.
    SignInExpired,
    /// The ticket was presented without the proof of the app that began the sign-in.
    SignInProofMismatch,
    /// Cobot refused the sign-in, or its answer could not be verified.
    SignInRefused,
    /// The person declined at Cobot.
    ConsentDenied,
    /// The app asked to be returned somewhere the hub does not hand sign-ins to.
    BadReturnAddress,
    /// The hub has no OAuth client at Cobot configured.
    SignInNotConfigured,
    /// This device was signed out (by the person, by staff, or because its refresh token was
    /// used twice): sign in again.
    DeviceSignedOut,
    /// The membership ended (or is gone) in the hub's copy of Cobot.
    MembershipEnded,
    /// Cobot no longer accepts the person's sign-in.
    SignInAgain,
    /// The Cobot account has no membership here that the hub knows of.
    NotAMember,
    /// Only staff may do this.
    NotStaff,
    /// Cobot refused the hub's request.
    Forbidden,
    /// Cobot is rate limiting.
    CobotBusy,
    /// Cobot cannot be reached.
    CobotUnavailable,
    /// The door does not open for this person now.
    NoAccess,
    /// No such door.
    UnknownDoor,
    /// Too many requests by this person.
    SlowDown,
    /// The door's device did not answer in time; it may have opened.
    DoorDidNotAnswer,
    /// The door's device failed.
    DoorFailed,
    /// The door has no working driver.
    DoorNotConnected,
    /// The hub has no copy of Cobot's memberships yet.
    NoMembershipData,
    /// The hub's copy of Cobot is older than the space allows for members (Cobot unreachable).
    MembershipDataTooOld,
    /// A hub restart interrupted the opening.
    Interrupted,
    /// The audit log cannot be written, so the door stays shut.
    AuditUnavailable,
    /// A webhook URL not on the space's Cobot host.
    ForeignUrl,
    /// The hub is not connected to Cobot.
    NotConnected,
    /// The hub never synced.
    NeverSynced,
    /// No such webhook.
    UnknownWebhook,
    /// An event the hub does not follow.
    UnknownEvent,
    /// No such device.
    UnknownDevice,
    /// A change with wrong fields (the body also carries `fields`).
    Invalid,
    /// A change made on an older version of the setup: reload and make it again.
    Conflict,
    /// No such group, plan or member.
    UnknownItem,
    /// The request could not be read (bad JSON, missing field, bad path or query).
    BadRequest,
    /// The request body is larger than this endpoint takes.
    PayloadTooLarge,
    /// The request took too long to arrive or to answer.
    RequestTimeout,
    /// No such address on the hub.
    NotFound,
    /// The address exists but not for this method.
    MethodNotAllowed,
    /// A bug or a broken disk inside the hub.
    Internal,
    /// A code this build does not know (a newer hub).
    #[serde(other)]
    Unknown,
}

impl Code {
    /// The code as sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotSignedIn => "not_signed_in",
            Code::SignInExpired => "sign_in_expired",
            Code::SignInProofMismatch => "sign_in_proof_mismatch",
            Code::SignInRefused => "sign_in_refused",
            Code::ConsentDenied => "consent_denied",
            Code::BadReturnAddress => "bad_return_address",
            Code::SignInNotConfigured => "sign_in_not_configured",
            Code::DeviceSignedOut => "device_signed_out",
            Code::MembershipEnded => "membership_ended",
            Code::SignInAgain => "sign_in_again",
            Code::NotAMember => "not_a_member",
            Code::NotStaff => "not_staff",
            Code::Forbidden => "forbidden",
            Code::CobotBusy => "cobot_busy",
            Code::CobotUnavailable => "cobot_unavailable",
            Code::NoAccess => "no_access",
            Code::UnknownDoor => "unknown_door",
            Code::SlowDown => "slow_down",
            Code::DoorDidNotAnswer => "door_did_not_answer",
            Code::DoorFailed => "door_failed",
            Code::DoorNotConnected => "door_not_connected",
            Code::NoMembershipData => "no_membership_data",
            Code::MembershipDataTooOld => "membership_data_too_old",
            Code::Interrupted => "interrupted",
            Code::AuditUnavailable => "audit_unavailable",
            Code::ForeignUrl => "foreign_url",
            Code::NotConnected => "not_connected",
            Code::NeverSynced => "never_synced",
            Code::UnknownWebhook => "unknown_webhook",
            Code::UnknownEvent => "unknown_event",
            Code::UnknownDevice => "unknown_device",
            Code::Invalid => "invalid",
            Code::Conflict => "conflict",
            Code::UnknownItem => "unknown_item",
            Code::BadRequest => "bad_request",
            Code::PayloadTooLarge => "payload_too_large",
            Code::RequestTimeout => "request_timeout",
            Code::NotFound => "not_found",
            Code::MethodNotAllowed => "method_not_allowed",
            Code::Internal => "internal",
            Code::Unknown => "unknown",
        }
    }
}

/// Where the app asks a sign-in to come back to: the deep link, or (desktop) a loopback port.
pub const DEEP_LINK_RETURN: &str = "frontdoor://auth/callback";

/// `POST /api/v1/sign_in`: the app begins a sign-in through the hub.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInRequest {
    /// Where the hub's callback page hands the result to: `frontdoor://auth/callback`,
    /// `http://127.0.0.1:<port>/auth/callback`, or an https App Link the hub is configured for.
    pub return_to: Url,
    /// The app's own `state`, echoed back on `return_to`.
    pub state: String,
    /// `BASE64URL(SHA256(proof))`: only the app holding the proof can redeem the ticket.
    pub challenge: String,
}

/// The hub's answer: where the browser goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignInStarted {
    /// Cobot's authorization URL (with the hub's client id and redirect URI).
    pub authorize_url: Url,
    /// Unix seconds after which the pending sign-in is gone.
    pub expires_at: i64,
}

/// `POST /api/v1/sign_in/redeem`: the one-time ticket with the app's proof.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RedeemRequest {
    /// The ticket from the callback (`code=` on `return_to`).
    pub ticket: crate::secret::AuthCode,
    /// The proof whose SHA-256 the app sent when it began.
    pub proof: crate::secret::SignInProof,
    /// A name for this device, shown to staff ("Frontdoor on Linux").
    #[serde(default)]
    pub device_name: String,
}

/// `POST /api/v1/session/refresh`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefreshRequest {
    /// The device's current refresh token; it is used up by this call.
    pub refresh_token: crate::secret::RefreshToken,
}

/// `POST /api/v1/sign_out`: ends this device's sessions (named by the bearer session or the
/// refresh token) and revokes the person's Cobot token.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SignOutRequest {
    /// The device's refresh token, when the session has already ended.
    #[serde(default)]
    pub refresh_token: Option<crate::secret::RefreshToken>,
}

/// Who signed in, as the hub verified it with Cobot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    /// Cobot user id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email, when Cobot shares it.
    pub email: Option<String>,
}

/// A hub session with the device's next refresh token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Bearer token for the hub's API; lives minutes.
    pub session_token: crate::secret::HubSessionToken,
    /// Unix seconds.
    pub expires_at: i64,
    /// The next refresh token (the one presented, if any, is used up).
    pub refresh_token: crate::secret::RefreshToken,
    /// The Cobot user administers the space.
    pub staff: bool,
    /// The user's membership in the space, if any.
    pub membership_id: Option<String>,
    /// Who this is.
    pub user: SignedInUser,
    /// This device's id at the hub.
    pub device_id: String,
}

/// A signed-in device, as staff see it (`GET /api/v1/admin/devices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device's id.
    pub id: String,
    /// Cobot user id.
    pub user_id: String,
    /// The person's name.
    pub name: String,
    /// The device's own name.
    pub device_name: String,
    /// Signed in with staff rights.
    pub staff: bool,
    /// Unix seconds.
    pub signed_in_at: i64,
    /// Unix seconds of the last refresh.
    pub last_seen_at: i64,
}
