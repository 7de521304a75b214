//! The console's Fleet tab in the shell (issue 21): the operator signs in to a `frontdoor-fleet`
//! with its address and their staff token, which the fleet checks (`GET /api/v1/fleet/me`) before
//! the app keeps anything; then the spaces they run with each hub's lights and doors, the activity
//! across them, a remote open through the fleet with a reason, and revocations.
//!
//! The token is a [`FleetToken`], kept in the vault under `fleet@<address>` ([`vault_key`]) and
//! sent only to that address; the address is kept in the preference file. The fleet's answers are
//! `frontdoor-ipc`'s types, handed to the UI as they are; its refusals (`{code, message}` with the
//! fleet's code or the hub's) get the app's codes in [`FleetError::code`], matched exhaustively.

use std::collections::BTreeMap;
use std::fmt;

use frontdoor_core::console::{self as admin, RemoteOpen};
use frontdoor_core::fleet::{AnyCode, FleetCode, FleetErrorBody};
use frontdoor_core::hub::UnlockResponse;
use frontdoor_ipc::{
    ErrorCode, FleetActivity, FleetCheckIn, FleetMe, FleetRevocation, FleetSession, FleetSpace, UnlockView,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use url::Url;

use crate::device_error::DeviceError;
use crate::frontdoor::{code_of, unlock_view, Error, Frontdoor};

/// The most the app reads of one answer of the fleet: the largest (1000 activity rows) is far
/// below it.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The longest fleet address the app takes.
const MAX_ADDRESS_LEN: usize = 512;
/// The longest staff token the app takes.
const MAX_TOKEN_LEN: usize = 512;
/// How many activity rows the app asks for without a limit of staff's.
pub const ACTIVITY_ROWS: u32 = 200;

/// A staff token of the fleet: `Debug` prints `[redacted]`, the value comes out only through
/// [`FleetToken::secret`], for the fleet's `Authorization` header and the vault.
#[derive(Clone, PartialEq, Eq)]
pub struct FleetToken(String);

impl FleetToken {
    /// Wraps a token.
    pub fn new(value: impl Into<String>) -> FleetToken {
        FleetToken(value.into())
    }

    /// The token itself. Every call site is a place it leaves its box.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for FleetToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FleetToken([redacted])")
    }
}

/// Where the token for the fleet at `url` is kept: bound to that exact address, so it is only
/// ever read back for, and sent to, that fleet.
pub fn vault_key(url: &Url) -> String {
    format!("fleet@{url}")
}

/// Why a fleet call did not give its answer.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// No fleet signed in to in this app.
    #[error("Sign in to your fleet first, in the Fleet tab: its address and your staff token.")]
    NotSignedIn,
    /// The address typed is not one the app calls.
    #[error("{0}")]
    BadAddress(String),
    /// The token typed cannot be one.
    #[error("{0}")]
    BadToken(String),
    /// No answer.
    #[error(
        "The fleet at {0} could not be reached. Check its address and this computer's connection, then try again."
    )]
    Unreachable(String, #[source] reqwest::Error),
    /// A remote open was sent and no answer came back.
    #[error("The fleet at {0} did not answer in time: the door may or may not have opened. Look at the activity before you try again.")]
    NoAnswer(String, #[source] reqwest::Error),
    /// The fleet's own `{code, message}`.
    #[error("{}", refused_words(.0))]
    Refused(FleetErrorBody),
    /// Something that is not the fleet's JSON.
    #[error("The fleet at {0} sent an answer Frontdoor could not understand (HTTP {1}). Check that the address is your fleet's.")]
    Malformed(String, u16),
    /// An answer larger than any the fleet sends.
    #[error("The fleet sent an answer far larger than it should, so Frontdoor stopped reading it.")]
    TooLarge,
    /// The keychain did not take the token.
    #[error("Your fleet token could not be kept in the keychain ({0}), so you are not signed in. Try again; if it stays, unlock the keychain.")]
    NotKept(#[source] DeviceError),
}

/// The fleet's words, except for a token it does not know: the fleet's own words there are for
/// programs (`Authorization: Bearer …`), the app's are for the person at the form.
fn refused_words(body: &FleetErrorBody) -> String {
    match body.code {
        AnyCode::Fleet(FleetCode::NotSignedIn) => {
            "The fleet did not accept this staff token. Check it with whoever runs your fleet, then sign in again."
                .to_string()
        }
        AnyCode::Fleet(
            FleetCode::UnknownSpace
            | FleetCode::UnknownHub
            | FleetCode::HubUnreachable
            | FleetCode::HubDidNotAnswer
            | FleetCode::Invalid
            | FleetCode::FleetUnavailable,
        )
        | AnyCode::Hub(_) => body.message.clone(),
    }
}

impl FleetError {
    /// The app's code for it.
    pub fn code(&self) -> ErrorCode {
        match self {
            FleetError::NotSignedIn => ErrorCode::NotSignedIn,
            FleetError::BadAddress(_) | FleetError::BadToken(_) => ErrorCode::Invalid,
            FleetError::Unreachable(..) | FleetError::Malformed(..) | FleetError::TooLarge => ErrorCode::HubUnreachable,
            FleetError::NoAnswer(..) => ErrorCode::DoorDidNotAnswer,
            FleetError::Refused(body) => match body.code {
                AnyCode::Fleet(code) => fleet_code(code),
                AnyCode::Hub(code) => code_of(code),
            },
            FleetError::NotKept(_) => ErrorCode::Internal,
        }
    }

    /// The words for each field of the sign-in form the error is about.
    pub fn fields(&self) -> BTreeMap<String, String> {
        let field = match self {
            FleetError::BadAddress(words) => Some(("url", words)),
            FleetError::BadToken(words) => Some(("token", words)),
            FleetError::NotSignedIn
            | FleetError::Unreachable(..)
            | FleetError::NoAnswer(..)
            | FleetError::Refused(_)
            | FleetError::Malformed(..)
            | FleetError::TooLarge
            | FleetError::NotKept(_) => None,
        };
        field.map(|(f, w)| (f.to_string(), w.clone())).into_iter().collect()
    }

    /// Whether the fleet said the token is not (or no longer) a staff member's.
    fn token_refused(&self) -> bool {
        matches!(self, FleetError::Refused(body) if body.code == AnyCode::Fleet(FleetCode::NotSignedIn))
    }
}

/// Every fleet code, matched exhaustively: a new one does not compile here until it is decided.
pub fn fleet_code(code: FleetCode) -> ErrorCode {
    match code {
        FleetCode::NotSignedIn => ErrorCode::NotSignedIn,
        FleetCode::UnknownSpace | FleetCode::UnknownHub => ErrorCode::UnknownItem,
        FleetCode::HubUnreachable | FleetCode::FleetUnavailable => ErrorCode::HubUnreachable,
        FleetCode::HubDidNotAnswer => ErrorCode::DoorDidNotAnswer,
        FleetCode::Invalid => ErrorCode::Invalid,
    }
}

/// Checks a fleet address as typed: `https://`, or `http://` on this machine only; no user,
/// password, `?` or `#`. The path ends in `/`, so the API's paths join below it.
pub fn address(text: &str) -> Result<Url, FleetError> {
    let bad = |why: &str| FleetError::BadAddress(format!("This is not a fleet address: {why}."));
    let text = text.trim();
    if text.is_empty() {
        return Err(FleetError::BadAddress(
            "Type your fleet's address, like https://fleet.example.com.".into(),
        ));
    }
    if text.len() > MAX_ADDRESS_LEN {
        return Err(bad("it is too long"));
    }
    let mut url = Url::parse(text).map_err(|_| bad("it is not a web address (like https://fleet.example.com)"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(bad("it has no host name")),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("it must use https:// (plain http only on this computer)")),
        _ => return Err(bad("it must start with https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not contain '?' or '#'"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Checks a staff token as typed: one word of printable characters.
pub fn token(text: &str) -> Result<FleetToken, FleetError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FleetError::BadToken(
            "Paste the staff token whoever runs your fleet gave you.".into(),
        ));
    }
    if text.len() > MAX_TOKEN_LEN || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(FleetError::BadToken(
            "This is not a staff token: a token is one word, without spaces or line breaks.".into(),
        ));
    }
    Ok(FleetToken::new(text))
}

/// The query of an activity request: only what staff chose.
pub fn activity_query(space: Option<&str>, check_ins: bool, limit: Option<u32>) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(space) = space.map(str::trim).filter(|s| !s.is_empty()) {
        query.append_pair("space", space);
    }
    if check_ins {
        query.append_pair("check_ins", "true");
    }
    query.append_pair("limit", &limit.unwrap_or(ACTIVITY_ROWS).to_string());
    query.finish()
}

/// One call to the fleet at `fleet` with `token`: at most [`MAX_ANSWER_BYTES`] read, the fleet's
/// `{code, message}` read as its refusal.
async fn call<T: DeserializeOwned>(
    http: &reqwest::Client,
    fleet: &Url,
    token: &FleetToken,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<T, FleetError> {
    let origin = fleet.origin().ascii_serialization();
    let url = fleet
        .join(path)
        .map_err(|_| FleetError::BadAddress(format!("This is not a fleet address: {fleet}{path}.")))?;
    let mut request = http
        .request(method, url)
        .bearer_auth(token.secret())
        .header("Accept", "application/json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| FleetError::Unreachable(origin.clone(), e))?;
    let status = response.status().as_u16();
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FleetError::Unreachable(origin.clone(), e))?
    {
        if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(FleetError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    if (200..300).contains(&status) {
        return serde_json::from_slice(&bytes).map_err(|_| FleetError::Malformed(origin, status));
    }
    match serde_json::from_slice::<FleetErrorBody>(&bytes) {
        Ok(body) => Err(FleetError::Refused(body)),
        Err(_) => Err(FleetError::Malformed(origin, status)),
    }
}

impl Frontdoor {
    /// The fleet signed in to and its token.
    fn fleet_link(&self) -> Result<(Url, FleetToken), Error> {
        let inner = self.lock();
        match (&inner.saved.fleet, &inner.fleet_token) {
            (Some(url), Some(token)) => Ok((url.clone(), token.clone())),
            (None, _) | (_, None) => Err(FleetError::NotSignedIn.into()),
        }
    }

    /// Calls the fleet signed in to. A token the fleet no longer takes is forgotten (the tab asks
    /// to sign in again).
    async fn fleet_call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, Error> {
        let (url, token) = self.fleet_link()?;
        match call(&self.http, &url, &token, method, path, body).await {
            Ok(answer) => Ok(answer),
            Err(e) => {
                if e.token_refused() {
                    self.forget_fleet_token(&url);
                }
                Err(e.into())
            }
        }
    }

    fn forget_fleet_token(&self, url: &Url) {
        if let Err(e) = self.vault.delete(&vault_key(url)) {
            tracing::warn!("the keychain could not delete the fleet's token: {e}");
        }
        self.lock().fleet_token = None;
    }

    fn fleet_status(&self, me: Option<FleetMe>) -> FleetSession {
        FleetSession {
            address: self.lock().saved.fleet.as_ref().map(Url::to_string),
            me,
        }
    }

    /// The fleet's address and who is signed in there, asked of the fleet now.
    pub async fn fleet(&self) -> Result<FleetSession, Error> {
        if self.fleet_link().is_err() {
            return Ok(self.fleet_status(None));
        }
        let me = self.fleet_call(Method::GET, "api/v1/fleet/me", None).await?;
        Ok(self.fleet_status(Some(me)))
    }

    /// Signs in to the fleet at `address` with `token`: the fleet checks the token first; only
    /// then is it kept (in the vault) and the address saved.
    pub async fn fleet_sign_in(&self, address_text: &str, token_text: &str) -> Result<FleetSession, Error> {
        let url = address(address_text)?;
        let token = token(token_text)?;
        let me: FleetMe = call(&self.http, &url, &token, Method::GET, "api/v1/fleet/me", None).await?;
        self.vault
            .put_fleet(&vault_key(&url), &token)
            .map_err(FleetError::NotKept)?;
        let before = {
            let mut inner = self.lock();
            let before = inner.saved.fleet.replace(url.clone());
            inner.fleet_token = Some(token);
            self.persist(&inner);
            before
        };
        if let Some(before) = before.filter(|b| *b != url) {
            if let Err(e) = self.vault.delete(&vault_key(&before)) {
                tracing::warn!("the keychain could not delete the former fleet's token: {e}");
            }
        }
        Ok(self.fleet_status(Some(me)))
    }

    /// Signs out of the fleet on this device: its token is forgotten, its address kept for the
    /// form.
    pub fn fleet_sign_out(&self) -> FleetSession {
        let url = self.lock().saved.fleet.clone();
        if let Some(url) = url {
            self.forget_fleet_token(&url);
        }
        self.fleet_status(None)
    }

    /// The spaces the operator runs, with every hub's lights and doors.
    pub async fn fleet_spaces(&self) -> Result<Vec<FleetSpace>, Error> {
        self.fleet_call(Method::GET, "api/v1/fleet/spaces", None).await
    }

    /// The activity across the operator's spaces (or `space`'s), newest first; only the entries
    /// that checked someone in with `check_ins`.
    pub async fn fleet_activity(
        &self,
        space: Option<&str>,
        check_ins: bool,
        limit: Option<u32>,
    ) -> Result<Vec<FleetActivity>, Error> {
        let path = format!("api/v1/fleet/activity?{}", activity_query(space, check_ins, limit));
        self.fleet_call(Method::GET, &path, None).await
    }

    /// How the check-ins at the operator's hubs (or `space`'s) ended, newest entry first.
    pub async fn fleet_check_ins(&self, space: Option<&str>) -> Result<Vec<FleetCheckIn>, Error> {
        let path = format!("api/v1/fleet/check_ins?{}", activity_query(space, false, None));
        self.fleet_call(Method::GET, &path, None).await
    }

    /// Opens `door` of `hub` in `space` through the fleet, with a reason for the hub's audit log;
    /// the hub's answer as a tap's.
    pub async fn fleet_open(&self, space: &str, hub: &str, door: &str, reason: &str) -> Result<UnlockView, Error> {
        let path = format!(
            "api/v1/fleet/spaces/{}/hubs/{}/doors/{}/open",
            admin::segment(space),
            admin::segment(hub),
            admin::segment(door)
        );
        let body = serde_json::to_value(RemoteOpen {
            reason: reason.to_string(),
        })
        .map_err(|e| Error::Internal(e.to_string()))?;
        match self.fleet_call::<UnlockResponse>(Method::POST, &path, Some(body)).await {
            Ok(answer) => Ok(unlock_view(answer)),
            // Sent, and no answer: the door may have opened.
            Err(Error::Fleet(FleetError::Unreachable(fleet, e))) if !e.is_connect() => {
                Err(FleetError::NoAnswer(fleet, e).into())
            }
            Err(e) => Err(e),
        }
    }

    /// The revocations made for `space`, newest first.
    pub async fn fleet_revocations(&self, space: &str) -> Result<Vec<FleetRevocation>, Error> {
        let path = format!("api/v1/fleet/spaces/{}/revocations", admin::segment(space));
        self.fleet_call(Method::GET, &path, None).await
    }

    /// Ends a signed-in device (`device_id`) or every device of a person whose staff right was
    /// removed (`user_id`) at every hub of `space`; answers the space's revocations again.
    pub async fn fleet_revoke(
        &self,
        space: &str,
        device_id: Option<&str>,
        user_id: Option<&str>,
        why: &str,
    ) -> Result<Vec<FleetRevocation>, Error> {
        let path = format!("api/v1/fleet/spaces/{}/revocations", admin::segment(space));
        let given = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
        let body = serde_json::json!({
            "device_id": given(device_id),
            "user_id": given(user_id),
            "why": why.trim(),
        });
        self.fleet_call::<FleetRevocation>(Method::POST, &path, Some(body))
            .await?;
        self.fleet_revocations(space).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_address_is_https_or_this_computer_and_ends_in_a_slash() {
        let ok = |text: &str, expected: &str| {
            assert_eq!(
                address(text).map(|u| u.to_string()).ok().as_deref(),
                Some(expected),
                "{text}"
            );
        };
        ok(" https://fleet.example.com ", "https://fleet.example.com/");
        ok("https://ops.example.com/fleet", "https://ops.example.com/fleet/");
        ok("http://127.0.0.1:8470", "http://127.0.0.1:8470/");
        ok("http://localhost:8470/", "http://localhost:8470/");
        for bad in [
            "",
            "fleet.example.com",
            "http://fleet.example.com",
            "ftp://fleet.example.com",
            "https://ana:pw@fleet.example.com",
            "https://fleet.example.com/?x=1",
        ] {
            let e = address(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::Invalid, "{bad}");
            assert!(
                e.fields().contains_key("url"),
                "the form shows it beside the address: {bad}"
            );
        }
    }

    #[test]
    fn a_staff_token_is_one_word_and_never_printed() {
        assert_eq!(token("  abc-123  ").unwrap().secret(), "abc-123");
        for bad in ["", "two words", "line\nbreak", &"x".repeat(MAX_TOKEN_LEN + 1)] {
            assert!(token(bad).unwrap_err().fields().contains_key("token"), "{bad:?}");
        }
        let printed = format!("{:?}", FleetToken::new("olga-secret"));
        assert!(!printed.contains("olga-secret"), "{printed}");
    }

    #[test]
    fn every_fleet_code_has_the_app_s_code_and_a_hub_s_refusal_keeps_the_hub_s() {
        let refused = |code: AnyCode| {
            FleetError::Refused(FleetErrorBody {
                code,
                message: "the fleet's words".into(),
            })
        };
        let table = [
            (FleetCode::NotSignedIn, ErrorCode::NotSignedIn),
            (FleetCode::UnknownSpace, ErrorCode::UnknownItem),
            (FleetCode::UnknownHub, ErrorCode::UnknownItem),
            (FleetCode::HubUnreachable, ErrorCode::HubUnreachable),
            (FleetCode::FleetUnavailable, ErrorCode::HubUnreachable),
            (FleetCode::HubDidNotAnswer, ErrorCode::DoorDidNotAnswer),
            (FleetCode::Invalid, ErrorCode::Invalid),
        ];
        for (fleet, app) in table {
            assert_eq!(refused(AnyCode::Fleet(fleet)).code(), app, "{fleet:?}");
        }
        let hub = refused(AnyCode::Hub(frontdoor_core::hub::Code::DoorFailed));
        assert_eq!(hub.code(), ErrorCode::DoorFailed);
        assert_eq!(
            hub.to_string(),
            "the fleet's words",
            "the hub's words as the fleet passed them on"
        );
        let token = refused(AnyCode::Fleet(FleetCode::NotSignedIn)).to_string();
        assert!(token.contains("did not accept this staff token"), "{token}");
    }

    #[test]
    fn only_what_staff_chose_reaches_the_fleet_s_activity() {
        assert_eq!(activity_query(None, false, None), "limit=200");
        assert_eq!(activity_query(Some(" "), true, Some(50)), "check_ins=true&limit=50");
        assert_eq!(
            activity_query(Some("lighthouse"), false, None),
            "space=lighthouse&limit=200"
        );
    }
}
