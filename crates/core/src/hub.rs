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
