//! The values that cross between the Rust shell (`src-tauri`) and the Yew UI (`ui`).
//!
//! Architecture Invariant: this crate depends on `serde` only, so the wasm UI never pulls in
//! `frontdoor-core`, `reqwest` or `tauri`. Errors cross as `{code, message}`; the UI decides what
//! to show by matching [`ErrorCode`], never by reading the message.
#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// Name of the event the shell emits whenever [`AppView`] changes outside a command's answer
/// (a deep link arrived, a sign-in finished in the browser, …).
pub const VIEW_CHANGED_EVENT: &str = "frontdoor://view";

/// Everything the UI needs to draw the current screen. The shell owns this state; the UI only
/// renders it and sends commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AppView {
    /// Spaces this device has joined, in the order they were joined.
    pub spaces: Vec<SpaceView>,
    /// A join waiting for the person to confirm (a link from an unknown hub).
    pub pending_join: Option<JoinOffer>,
    /// A sign-in is running in the browser.
    pub signing_in: Option<SigningInView>,
    /// The signed-in person, if any.
    pub session: Option<SessionView>,
    /// Where tokens are kept on this device.
    pub token_storage: TokenStorage,
    /// The last thing that went wrong outside a command's answer (e.g. a callback that failed).
    pub notice: Option<ErrorDto>,
    /// The signed-in member's plans and doors, as the hub last said.
    pub access: Option<AccessView>,
}

/// The member's plans and doors, as the hub last answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    /// When the hub last read Cobot (RFC 3339).
    pub as_of: String,
    /// When the app got this answer (RFC 3339).
    pub fetched_at: String,
    /// The last refresh failed: this is the offline view.
    pub stale: bool,
    /// Plans.
    pub plans: Vec<PlanView>,
    /// Doors.
    pub doors: Vec<DoorView>,
}

/// One plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    /// Name.
    pub name: String,
    /// First day.
    pub since: Option<String>,
    /// Last day, when canceled.
    pub until: Option<String>,
    /// Counts as active now.
    pub active: bool,
    /// In words.
    pub status: String,
}

/// One door.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorView {
    /// Door id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Opens for the member now.
    pub allowed: bool,
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// A space this device has joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceView {
    /// Cobot subdomain, e.g. `lighthouse`.
    pub subdomain: String,
    /// Display name, e.g. `Lighthouse Coworking`.
    pub name: String,
    /// The space's hub, e.g. `https://hub.lighthouse.example`.
    pub hub_url: String,
    /// Where members of this space sign in (the Cobot host), for display.
    pub sign_in_host: String,
}

/// A join link waiting for confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinOffer {
    /// The space as the hub describes it.
    pub space: SpaceView,
}

/// A sign-in running in the system browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningInView {
    /// The space being signed in to.
    pub subdomain: String,
    /// How the browser comes back: `deep_link` or `loopback`.
    pub redirect: RedirectKind,
    /// The authorization URL, so the person can open it by hand if no browser appeared.
    pub authorize_url: String,
}

/// How the sign-in redirect returns to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedirectKind {
    /// `frontdoor://auth/callback`, delivered by the OS to the running app.
    DeepLink,
    /// `http://127.0.0.1:<port>/auth/callback` (RFC 8252), a listener inside the app.
    Loopback,
}

/// The signed-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The space this session was signed in through.
    pub subdomain: String,
    /// Cobot user id.
    pub user_id: String,
    /// Display name (falls back to the email when Cobot sends no name).
    pub name: String,
    /// Email address, if Cobot shared it.
    pub email: Option<String>,
    /// Every space the Cobot account belongs to, with the person's role there.
    pub memberships: Vec<MembershipView>,
}

/// One space of the signed-in person's Cobot account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipView {
    /// Cobot subdomain.
    pub subdomain: String,
    /// Display name.
    pub name: String,
    /// Member, admin, or both.
    pub role: Role,
}

/// A person's role in a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Holds a membership.
    Member,
    /// Administers the space without a membership.
    Admin,
    /// Holds a membership and administers the space.
    MemberAndAdmin,
}

/// Where the app keeps tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TokenStorage {
    /// The operating system's keychain (Secret Service on Linux).
    #[default]
    Keychain,
    /// No keychain: tokens stay in memory and the person signs in again after a restart.
    MemoryOnly {
        /// Why the keychain could not be used, in words.
        reason: String,
    },
}

/// An error as the UI sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDto {
    /// What went wrong, for the UI to match on.
    pub code: ErrorCode,
    /// What went wrong and what to do, in words a person understands.
    pub message: String,
}

/// Stable error codes. Pinned by tests: renaming one is a breaking change for the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A `frontdoor://` link or typed address could not be understood.
    InvalidLink,
    /// The hub did not answer as a Frontdoor hub for that space.
    UnknownHub,
    /// The hub wants sign-in at a host the app does not trust as Cobot.
    UntrustedSignIn,
    /// Cobot could not be reached or answered with a server error.
    CobotUnreachable,
    /// The person declined to share their Cobot account.
    ConsentDenied,
    /// The sign-in answer did not belong to the sign-in this app started.
    StateMismatch,
    /// The sign-in code expired or was already used.
    ExpiredCode,
    /// The ID token failed verification.
    InvalidIdToken,
    /// Cobot refused the sign-in for another reason.
    SignInRefused,
    /// No sign-in is running (e.g. a callback arrived after cancel).
    NoSignInInProgress,
    /// The person cancelled the sign-in.
    SignInCancelled,
    /// The session ended at Cobot: sign in again.
    SignInAgain,
    /// The action needs a joined space first.
    NoSpace,
    /// The hub does not know this Cobot account as a member of the space.
    NotAMember,
    /// The hub could not be reached; the view shows its last answer.
    HubUnreachable,
    /// Something unexpected inside the app.
    Internal,
}

impl ErrorDto {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorDto {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_is_code_and_message() {
        let json = serde_json::to_value(ErrorDto::new(ErrorCode::ExpiredCode, "m")).unwrap();
        assert_eq!(json, serde_json::json!({"code": "expired_code", "message": "m"}));
    }

    #[test]
    fn token_storage_json_is_tagged() {
        let json = serde_json::to_value(TokenStorage::MemoryOnly { reason: "r".into() }).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "memory_only", "reason": "r"}));
    }
}
