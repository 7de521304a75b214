//! The `frontdoor://` deep-link grammar.
//!
//! ```text
//! frontdoor://join?space=<subdomain>&hub=<https url>
//! frontdoor://auth/callback?code=<code>&state=<state>        (success)
//! frontdoor://auth/callback?error=<code>&state=<state>[&error_description=…]
//! frontdoor://open?space=<subdomain>&door=<door id>
//! ```
//!
//! Printed codes carry the hub's web pages instead, which every phone camera opens and which hand
//! over to the app by the links above (or say how to get the app); the app reads them too
//! ([`DeepLink::read`]):
//!
//! ```text
//! <hub>/join?space=<subdomain>                 = frontdoor://join?space=<subdomain>&hub=<hub>
//! <hub>/open?space=<subdomain>&door=<door id>  = frontdoor://open?space=<subdomain>&door=<door id>
//! ```
//!
//! Links arrive from QR codes, chat messages and other apps, so parsing is strict: a length limit
//! before anything else, each parameter at most once, no unknown parameters (except the standard
//! extras an OAuth server may add to a callback), every value checked against its own grammar.
//! Every error says in words what is wrong with the link.

use std::collections::HashMap;
use std::fmt;

use url::Url;

use crate::secret::AuthCode;

/// The scheme Frontdoor registers with the operating system.
pub const SCHEME: &str = "frontdoor";
/// The path of the hub's join page, below its base URL.
pub const JOIN_PAGE: &str = "join";
/// The path of the hub's door page, below its base URL.
pub const DOOR_PAGE: &str = "open";
/// Longest link accepted, in bytes. Real links are well under 600 bytes.
pub const MAX_LINK_LEN: usize = 2048;
const MAX_HUB_LEN: usize = 512;
const MAX_CODE_LEN: usize = 512;
const MAX_STATE_LEN: usize = 512;
const MAX_ERROR_DESCRIPTION_LEN: usize = 1024;

/// A parsed `frontdoor://` link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// Join a space served by a hub.
    Join {
        /// The space's Cobot subdomain.
        space: Subdomain,
        /// The hub that serves the space.
        hub: HubUrl,
    },
    /// The OAuth redirect coming back from Cobot.
    AuthCallback(Callback),
    /// The hub's page after staff connected the space's Cobot account (`?connected=1` on the
    /// sign-in return address): nothing to redeem, the console reloads.
    CobotConnected,
    /// Open a door (the QR sticker on a door).
    Open {
        /// The space's Cobot subdomain.
        space: Subdomain,
        /// The door within the space.
        door: DoorId,
    },
}

/// What came back on the OAuth redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// The person agreed: a code to exchange.
    Code {
        /// The one-time authorization code.
        code: AuthCode,
        /// The `state` the app sent.
        state: String,
        /// RFC 9207 `iss`, when the server sends it.
        iss: Option<String>,
    },
    /// The server or the person said no.
    Error {
        /// The OAuth error code, e.g. `access_denied`.
        error: String,
        /// The server's explanation, if any.
        description: Option<String>,
        /// The `state` the app sent, if the server returned it.
        state: Option<String>,
    },
}

impl Callback {
    /// The `state` carried by the callback, if any.
    pub fn state(&self) -> Option<&str> {
        match self {
            Callback::Code { state, .. } => Some(state),
            Callback::Error { state, .. } => state.as_deref(),
        }
    }

    /// Reads a callback from a redirect URL's query (the deep link's or the loopback listener's).
    pub fn from_url(url: &Url) -> Result<Callback, LinkError> {
        let mut params = Params::read(
            url,
            &[
                "code",
                "state",
                "error",
                "error_description",
                "error_uri",
                "iss",
                "session_state",
            ],
        )?;
        let state = params.take("state");
        if let Some(state) = &state {
            check_token("state", state, MAX_STATE_LEN)?;
        }
        if let Some(iss) = params.get("iss") {
            if iss.len() > MAX_HUB_LEN {
                return Err(LinkError::Invalid {
                    part: LinkPart::SignInAnswer,
                    reason: "its issuer is too long".into(),
                });
            }
        }
        if let Some(error) = params.take("error") {
            if error.is_empty() || error.len() > 64 || !error.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                return Err(LinkError::Invalid {
                    part: LinkPart::SignInAnswer,
                    reason: "its error code is not a valid OAuth error".into(),
                });
            }
            let description = params.take("error_description");
            if description
                .as_ref()
                .is_some_and(|d| d.len() > MAX_ERROR_DESCRIPTION_LEN)
            {
                return Err(LinkError::Invalid {
                    part: LinkPart::SignInAnswer,
                    reason: "its error description is too long".into(),
                });
            }
            return Ok(Callback::Error {
                error,
                description,
                state,
            });
        }
        let code = params.take("code").ok_or(LinkError::Missing(LinkPart::SignInCode))?;
        check_token("code", &code, MAX_CODE_LEN)?;
        let state = state.ok_or(LinkError::Missing(LinkPart::SignInState))?;
        Ok(Callback::Code {
            code: AuthCode::new(code),
            state,
            iss: params.take("iss"),
        })
    }
}

/// A Cobot space subdomain: 1–63 characters of `a-z`, `0-9` and `-`, not starting or ending
/// with `-` (a DNS label). Upper case is accepted and folded to lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Subdomain(String);

impl Subdomain {
    /// Checks and normalises a subdomain.
    pub fn parse(value: &str) -> Result<Subdomain, LinkError> {
        let value = value.trim().to_ascii_lowercase();
        let invalid = |reason: &str| LinkError::Invalid {
            part: LinkPart::SpaceName,
            reason: reason.to_string(),
        };
        if value.is_empty() {
            return Err(invalid("it is empty"));
        }
        if value.len() > 63 {
            return Err(invalid("it is longer than 63 characters"));
        }
        if !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(invalid(
                "only letters, digits and '-' are allowed (it is the part before .cobot.me)",
            ));
        }
        if value.starts_with('-') || value.ends_with('-') {
            return Err(invalid("it cannot start or end with '-'"));
        }
        Ok(Subdomain(value))
    }

    /// The subdomain as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Subdomain {
    type Error = LinkError;
    fn try_from(value: String) -> Result<Self, LinkError> {
        Subdomain::parse(&value)
    }
}

impl From<Subdomain> for String {
    fn from(value: Subdomain) -> String {
        value.0
    }
}

impl fmt::Display for Subdomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A door's id within a space: 1–64 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DoorId(String);

impl DoorId {
    /// Checks a door id.
    pub fn parse(value: &str) -> Result<DoorId, LinkError> {
        if value.is_empty()
            || value.len() > 64
            || !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(LinkError::Invalid {
                part: LinkPart::Door,
                reason: "a door id has 1 to 64 letters, digits, '_' or '-'".into(),
            });
        }
        Ok(DoorId(value.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DoorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The base URL of a hub. `https` only — except plain `http` on a loopback address, which is what
/// a hub on the same machine (the demo, the tests) uses and what no attacker on the network can
/// intercept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HubUrl(Url);

impl HubUrl {
    /// Checks a hub address.
    pub fn parse(value: &str) -> Result<HubUrl, LinkError> {
        let invalid = |reason: &str| LinkError::Invalid {
            part: LinkPart::HubAddress,
            reason: reason.to_string(),
        };
        let value = value.trim();
        if value.len() > MAX_HUB_LEN {
            return Err(invalid("it is too long"));
        }
        let url = Url::parse(value).map_err(|_| invalid("it is not a web address (like https://hub.example.com)"))?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => return Err(invalid("it has no host name")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(invalid(
                    "it must use https:// (plain http is only allowed on this machine)",
                ))
            }
            _ => return Err(invalid("it must start with https://")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it must not contain a user name or password"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it must not contain '?' or '#'"));
        }
        let mut url = url;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(HubUrl(url))
    }

    /// The URL, always ending in `/` so relative paths join below it.
    pub fn url(&self) -> &Url {
        &self.0
    }

    /// A path below the hub's base URL.
    pub fn join(&self, path: &str) -> Url {
        self.0
            .join(path.trim_start_matches('/'))
            .expect("a relative path always joins onto an http(s) base")
    }
}

impl TryFrom<String> for HubUrl {
    type Error = LinkError;
    fn try_from(value: String) -> Result<Self, LinkError> {
        HubUrl::parse(&value)
    }
}

impl From<HubUrl> for String {
    fn from(value: HubUrl) -> String {
        value.0.to_string()
    }
}

impl fmt::Display for HubUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Without the trailing slash, as people write it.
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

/// A part of a link, as a refusal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPart {
    /// The space (`space=`).
    Space,
    /// The space's name, when it is there but not valid.
    SpaceName,
    /// The hub's address (`hub=`).
    HubAddress,
    /// The door (`door=`).
    Door,
    /// A sign-in callback's `code`.
    SignInCode,
    /// A sign-in callback's `state`.
    SignInState,
    /// The rest of a sign-in callback (an error, its description, the issuer).
    SignInAnswer,
}

impl fmt::Display for LinkPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LinkPart::Space => "space",
            LinkPart::SpaceName => "space name",
            LinkPart::HubAddress => "hub address",
            LinkPart::Door => "door",
            LinkPart::SignInCode => "sign-in code",
            LinkPart::SignInState => "sign-in state",
            LinkPart::SignInAnswer => "sign-in answer",
        })
    }
}

/// Why a link was refused, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Over [`MAX_LINK_LEN`].
    #[error("This link is too long to be a Frontdoor link (over {MAX_LINK_LEN} characters).")]
    TooLong,
    /// Not a `frontdoor://` link.
    #[error("This is not a Frontdoor link: it should start with frontdoor://")]
    NotFrontdoor,
    /// Syntax the URL grammar rejects.
    #[error("This link is damaged and can't be read.")]
    Malformed,
    /// A `frontdoor://` link of a kind this app does not know.
    #[error("Frontdoor doesn't know what to do with a “{0}” link. Is the app up to date?")]
    UnknownKind(String),
    /// A required part is missing.
    #[error("This link is missing its {0}.")]
    Missing(LinkPart),
    /// A parameter given twice.
    #[error("This link gives “{0}” twice, so it can't be trusted.")]
    Duplicate(String),
    /// A parameter this kind of link does not have.
    #[error("This link has an unexpected part “{0}”, so it can't be trusted.")]
    Unexpected(String),
    /// A web address that is not one of a hub's join or door pages.
    #[error("This web address is not a Frontdoor join or door page. Scan the space's Frontdoor QR code, or ask staff for the join link.")]
    NotAPage,
    /// A part that does not follow its grammar.
    #[error("The {part} in this link is not valid: {reason}.")]
    Invalid {
        /// Which part.
        part: LinkPart,
        /// What is wrong with it.
        reason: String,
    },
}

impl DeepLink {
    /// Parses a `frontdoor://` link strictly.
    pub fn parse(input: &str) -> Result<DeepLink, LinkError> {
        if input.len() > MAX_LINK_LEN {
            return Err(LinkError::TooLong);
        }
        let input = input.trim();
        let scheme_ok = input.len() > SCHEME.len() + 3
            && input
                .get(..SCHEME.len() + 3)
                .is_some_and(|s| s.eq_ignore_ascii_case("frontdoor://"));
        if !scheme_ok {
            return Err(LinkError::NotFrontdoor);
        }
        if input.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(LinkError::Malformed);
        }
        let url = Url::parse(input).map_err(|_| LinkError::Malformed)?;
        if !url.username().is_empty() || url.password().is_some() || url.port().is_some() || url.fragment().is_some() {
            return Err(LinkError::Malformed);
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let path = url.path().trim_end_matches('/');
        match (host.as_str(), path) {
            ("join", "") => {
                let mut params = Params::read(&url, &["space", "hub"])?;
                let space = Subdomain::parse(&params.take("space").ok_or(LinkError::Missing(LinkPart::Space))?)?;
                let hub = HubUrl::parse(&params.take("hub").ok_or(LinkError::Missing(LinkPart::HubAddress))?)?;
                Ok(DeepLink::Join { space, hub })
            }
            ("auth", "/callback") if url.query() == Some("connected=1") => Ok(DeepLink::CobotConnected),
            ("auth", "/callback") => Ok(DeepLink::AuthCallback(Callback::from_url(&url)?)),
            ("open", "") => {
                let mut params = Params::read(&url, &["space", "door"])?;
                let space = Subdomain::parse(&params.take("space").ok_or(LinkError::Missing(LinkPart::Space))?)?;
                let door = DoorId::parse(&params.take("door").ok_or(LinkError::Missing(LinkPart::Door))?)?;
                Ok(DeepLink::Open { space, door })
            }
            ("", _) => Err(LinkError::Malformed),
            (kind, "") => Err(LinkError::UnknownKind(kind.to_string())),
            (kind, path) => Err(LinkError::UnknownKind(format!("{kind}{path}"))),
        }
    }
}

/// The hub's join page for `space`: what the printed join code holds.
pub fn join_page(hub: &HubUrl, space: &Subdomain) -> Url {
    let mut url = hub.join(JOIN_PAGE);
    url.query_pairs_mut().append_pair("space", space.as_str());
    url
}

/// The hub's page for one door: what the door's printed sticker holds.
pub fn door_page(hub: &HubUrl, space: &Subdomain, door: &DoorId) -> Url {
    let mut url = hub.join(DOOR_PAGE);
    url.query_pairs_mut()
        .append_pair("space", space.as_str())
        .append_pair("door", door.as_str());
    url
}

impl DeepLink {
    /// Reads what a person or the system hands the app: a `frontdoor://` link ([`Self::parse`]),
    /// or the address of a hub's join or door page ([`join_page`], [`door_page`]) — what printed
    /// codes carry, and what an App Link or Universal Link delivers. A join page names its hub
    /// by its own address (`https://`, or `http://` on loopback, like every hub address).
    pub fn read(input: &str) -> Result<DeepLink, LinkError> {
        if input.len() > MAX_LINK_LEN {
            return Err(LinkError::TooLong);
        }
        let input = input.trim();
        let web = ["https://", "http://"]
            .iter()
            .any(|p| input.get(..p.len()).is_some_and(|s| s.eq_ignore_ascii_case(p)));
        if !web {
            return DeepLink::parse(input);
        }
        if input.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(LinkError::Malformed);
        }
        let url = Url::parse(input).map_err(|_| LinkError::Malformed)?;
        if url.fragment().is_some() {
            return Err(LinkError::Malformed);
        }
        let (base, page) = match url.path().rsplit_once('/') {
            Some((base, page)) => (format!("{base}/"), page),
            None => return Err(LinkError::NotAPage),
        };
        let mut hub = url.clone();
        hub.set_path(&base);
        hub.set_query(None);
        let hub = HubUrl::parse(hub.as_str())?;
        match page {
            JOIN_PAGE => {
                let mut params = Params::read(&url, &["space"])?;
                let space = Subdomain::parse(&params.take("space").ok_or(LinkError::Missing(LinkPart::Space))?)?;
                Ok(DeepLink::Join { space, hub })
            }
            DOOR_PAGE => {
                let mut params = Params::read(&url, &["space", "door"])?;
                let space = Subdomain::parse(&params.take("space").ok_or(LinkError::Missing(LinkPart::Space))?)?;
                let door = DoorId::parse(&params.take("door").ok_or(LinkError::Missing(LinkPart::Door))?)?;
                Ok(DeepLink::Open { space, door })
            }
            _ => Err(LinkError::NotAPage),
        }
    }
}

impl fmt::Display for DeepLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let kind = match self {
            DeepLink::Join { space, hub } => {
                query
                    .append_pair("space", space.as_str())
                    .append_pair("hub", &hub.to_string());
                "join"
            }
            DeepLink::Open { space, door } => {
                query
                    .append_pair("space", space.as_str())
                    .append_pair("door", door.as_str());
                "open"
            }
            DeepLink::CobotConnected => {
                query.append_pair("connected", "1");
                "auth/callback"
            }
            DeepLink::AuthCallback(Callback::Code { code, state, iss }) => {
                query.append_pair("code", code.secret()).append_pair("state", state);
                if let Some(iss) = iss {
                    query.append_pair("iss", iss);
                }
                "auth/callback"
            }
            DeepLink::AuthCallback(Callback::Error {
                error,
                description,
                state,
            }) => {
                query.append_pair("error", error);
                if let Some(d) = description {
                    query.append_pair("error_description", d);
                }
                if let Some(s) = state {
                    query.append_pair("state", s);
                }
                "auth/callback"
            }
        };
        write!(f, "{SCHEME}://{kind}?{}", query.finish())
    }
}

/// A link's query parameters: each allowed name at most once, nothing else.
struct Params(HashMap<String, String>);

impl Params {
    fn read(url: &Url, allowed: &[&str]) -> Result<Params, LinkError> {
        let mut map = HashMap::new();
        for (name, value) in url.query_pairs() {
            if !allowed.contains(&name.as_ref()) {
                return Err(LinkError::Unexpected(truncate(&name, 32)));
            }
            if map.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(LinkError::Duplicate(name.into_owned()));
            }
        }
        Ok(Params(map))
    }

    fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

fn check_token(name: &'static str, value: &str, max: usize) -> Result<(), LinkError> {
    let part = if name == "code" {
        LinkPart::SignInCode
    } else {
        LinkPart::SignInState
    };
    if value.is_empty() || value.len() > max || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(LinkError::Invalid {
            part,
            reason: format!("it must be 1 to {max} visible characters"),
        });
    }
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
