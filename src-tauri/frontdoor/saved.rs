//! What the app keeps in its preference file ([`Saved`]): the joined spaces ([`StoredSpace`]),
//! the signed-in profiles for the offline view ([`Profile`]), the hub's last answers and who
//! confirms before doors open, and the fleet the operator signed in to. Never a token.

use std::collections::{BTreeMap, BTreeSet};

use frontdoor_core::hub::HubInfo;
use frontdoor_core::links::{HubUrl, Subdomain};
use frontdoor_ipc::{AccessView, MembershipView, SpaceView};
use serde::{Deserialize, Serialize};
use url::Url;

/// A space this device joined, with what its hub said about signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSpace {
    /// Cobot subdomain.
    pub subdomain: Subdomain,
    /// Display name.
    pub name: String,
    /// The space's hub.
    pub hub: HubUrl,
    /// OIDC issuer to sign in with.
    pub issuer: Url,
    /// Cobot's user-level host.
    pub cobot_www: Url,
    /// OAuth client id.
    pub client_id: String,
    /// The space's own domain (a space on a custom domain signs in there), as Cobot itself named
    /// it (`GET <www>/api/spaces/<subdomain>` → `url`) when the space was joined.
    #[serde(default)]
    pub custom_domain: Option<Url>,
}

impl StoredSpace {
    pub(super) fn from_info(hub: HubUrl, info: HubInfo, custom_domain: Option<Url>) -> StoredSpace {
        StoredSpace {
            subdomain: info.space.subdomain,
            name: info.space.name,
            hub,
            issuer: info.sign_in.issuer,
            cobot_www: info.sign_in.cobot_www,
            client_id: info.sign_in.client_id,
            custom_domain,
        }
    }

    pub(super) fn view(&self) -> SpaceView {
        SpaceView {
            subdomain: self.subdomain.to_string(),
            name: self.name.clone(),
            hub_url: self.hub.to_string(),
            sign_in_host: self
                .issuer
                .host_str()
                .map(|h| match self.issuer.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
                .unwrap_or_default(),
        }
    }

    /// Where this space's refresh token is kept: bound to the exact hub that issued it, so a
    /// token is only ever read back for, and sent to, that hub.
    pub(super) fn vault_key(&self) -> String {
        format!("refresh:{}@{}", self.subdomain, self.hub)
    }
}

/// The signed-in person as last seen, kept for the offline view. Not secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Cobot user id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Spaces and roles.
    pub memberships: Vec<MembershipView>,
}

/// What the app keeps in its preference file. Never a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// Joined spaces.
    pub spaces: Vec<StoredSpace>,
    /// The space on screen.
    pub current: Option<Subdomain>,
    /// Signed-in profile per space.
    pub profiles: BTreeMap<Subdomain, Profile>,
    /// The hub's last answer about the member's plans and doors, per space (the offline view).
    #[serde(default)]
    pub access: BTreeMap<Subdomain, AccessView>,
    /// The people (`<space>/<Cobot user id>`) who confirm with fingerprint or face before a door
    /// opens. Kept across sign-outs: it is the person's choice on this phone.
    #[serde(default)]
    pub confirm_unlock: BTreeSet<String>,
    /// The language the person chose for the window (a tag Frontdoor speaks: `en`, `de`), over
    /// the system's.
    #[serde(default)]
    pub language: Option<String>,
    /// The fleet the operator signed in to (`frontdoor-fleet`'s address); its staff token is in
    /// the vault under `fleet@<address>`. Kept after signing out, to fill the sign-in form.
    #[serde(default)]
    pub fleet: Option<Url>,
}
