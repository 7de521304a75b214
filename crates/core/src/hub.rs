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
