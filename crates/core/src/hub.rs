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
    /// The OAuth client id the space registered for Frontdoor.
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
}

impl CallError {
    /// The hub's error code, if it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Refused(e, _) => Some(&e.code),
            _ => None,
        }
    }
}

async fn call<T: for<'de> Deserialize<'de>>(request: reqwest::RequestBuilder) -> Result<T, CallError> {
    let response = request
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(CallError::Unreachable)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(CallError::Unreachable)?;
    if (200..300).contains(&status) {
        return serde_json::from_slice(&body).map_err(|_| CallError::Malformed(status));
    }
    match serde_json::from_slice::<ApiError>(&body) {
        Ok(e) => Err(CallError::Refused(e, status)),
        Err(_) => Err(CallError::Malformed(status)),
    }
}

/// `POST /api/v1/session`: exchanges the member's Cobot token for a hub session.
pub async fn open_session(
    http: &reqwest::Client,
    hub: &HubUrl,
    cobot_token: &crate::secret::AccessToken,
) -> Result<SessionResponse, CallError> {
    let body = SessionRequest {
        cobot_token: cobot_token.clone(),
    };
    call(http.post(hub.join("api/v1/session")).json(&body)).await
}

/// `GET /api/v1/me`: the member's plans and door verdicts.
pub async fn my_access(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &crate::secret::HubSessionToken,
) -> Result<MyAccess, CallError> {
    call(http.get(hub.join("api/v1/me")).bearer_auth(session.secret())).await
}

/// `POST /api/v1/doors/{door}/unlock`: opens a door with the member's hub session.
pub async fn unlock(
    http: &reqwest::Client,
    hub: &HubUrl,
    session: &crate::secret::HubSessionToken,
    door: &str,
) -> Result<UnlockResponse, CallError> {
    let door: String = url::form_urlencoded::byte_serialize(door.as_bytes()).collect();
    call(
        http.post(hub.join(&format!("api/v1/doors/{door}/unlock")))
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

/// `POST /api/v1/session`: the app's Cobot credentials, exchanged once for a hub session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRequest {
    /// The member's Cobot access token; the hub verifies it with Cobot (`GET /api/user`).
    pub cobot_token: crate::secret::AccessToken,
}

/// The hub session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionResponse {
    /// Bearer token for the hub's member API; short-lived.
    pub session_token: crate::secret::HubSessionToken,
    /// Unix seconds.
    pub expires_at: i64,
    /// The Cobot user administers the space.
    pub staff: bool,
    /// The user's membership in the space, if any.
    pub membership_id: Option<String>,
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

/// A check-in as the member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInStatus {
    /// The space's calendar day (ISO date).
    pub day: String,
    /// Where it stands.
    pub state: CheckInState,
    /// Since when Cobot counts the member as checked in, in the space's time (`09:12`), once known.
    pub since: Option<String>,
    /// In words: "Checked in since 09:12", "Checking in with Cobot…", Cobot's refusal.
    pub message: String,
}

/// Where a check-in stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInState {
    /// Queued in the hub; Cobot has not confirmed it yet (it may be unreachable).
    Pending,
    /// Cobot has it.
    CheckedIn,
    /// Cobot refused it (no time passes left, membership not active); not retried.
    Refused,
}

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

/// What the relay did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockOutcome {
    /// The device confirmed the strike was released.
    Opened,
    /// The command went out; the device did not confirm it.
    OpenedUnconfirmed,
}

/// What an unlock did about checking in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInNote {
    /// Queued: the hub is checking the member in with Cobot.
    CheckingIn,
    /// The member already has today's check-in (or one is on its way).
    AlreadyToday,
    /// The door is not an entrance, the policy is off, or the person has no membership here.
    None,
}

/// One plan of the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStatus {
    /// Plan name.
    pub name: String,
    /// First day (ISO date).
    pub since: Option<String>,
    /// Last day, when canceled (ISO date).
    pub until: Option<String>,
    /// Whether the membership counts as active now.
    pub active: bool,
    /// In words: "active", "ends on 2026-12-31", "not confirmed yet", …
    pub status: String,
}

/// One door and what it says for the member now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorStatus {
    /// Door id.
    pub id: String,
    /// Door name.
    pub name: String,
    /// Whether it opens for the member now.
    pub allowed: bool,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// Every hub error body: a stable code and words for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// Stable code.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}
