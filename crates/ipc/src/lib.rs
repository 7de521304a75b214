//! The values that cross between the Rust shell (`src-tauri`) and the Yew UI (`ui`).
//!
//! Architecture Invariant: this crate depends on `serde` (and `serde_json`) only, so the wasm UI never pulls in
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
    /// Grows with every view the app produces. A command's answer and an event can overtake each
    /// other on their way to the UI; the UI keeps the view with the highest revision.
    #[serde(default)]
    pub revision: u64,
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
    /// A door link waiting for the person to confirm ("Open Front door at …?").
    pub pending_open: Option<OpenOffer>,
    /// Grows whenever the staff console should load again (e.g. Cobot was just connected).
    #[serde(default)]
    pub console_epoch: u64,
    /// What this device offers as a phone (scanning codes, confirming before a door opens);
    /// `None` on a desktop.
    #[serde(default)]
    pub phone: Option<PhoneView>,
    /// The language the person chose for the window (`en`, `de`); `None`: the system's.
    #[serde(default)]
    pub language: Option<String>,
}

/// A phone's own features, as the member's screen offers them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneView {
    /// Whether the app can scan join and door codes with the camera.
    pub scan: bool,
    /// How the person can confirm it is them ("fingerprint or face"), when the phone has it set up.
    pub confirm_with: Option<String>,
    /// Whether the signed-in person asked to confirm before every door opens.
    pub confirm_unlock: bool,
}

/// A door link (`frontdoor://open?space=…&door=…`) waiting for confirmation. Only offered for a
/// joined space with someone signed in; the hub still decides when the person confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOffer {
    /// Cobot subdomain of the space.
    pub subdomain: String,
    /// The space's display name.
    pub space_name: String,
    /// The door's id, as in the link.
    pub door_id: String,
    /// The door's name from the hub's last answer, or its id when the app does not know it yet.
    pub door_name: String,
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
    /// Today's check-in, if there is one (or one is on its way).
    #[serde(default)]
    pub check_in: Option<CheckInView>,
    /// Recent check-ins through Frontdoor, newest first (today's included).
    #[serde(default)]
    pub recent_check_ins: Vec<CheckInView>,
}

/// A check-in as the member sees it. Defined once, here: the hub answers it in `GET /api/v1/me`
/// (as `frontdoor_core::hub::CheckInStatus`) and the app keeps it as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInView {
    /// The space's calendar day (ISO date).
    pub day: String,
    /// Where it stands.
    pub state: CheckInState,
    /// Since when Cobot counts the member as checked in (`09:12`, the space's time), once known.
    pub since: Option<String>,
    /// In words: "Checked in since 09:12", "Checking in with Cobot…", Cobot's refusal.
    pub message: String,
    /// The same as facts the app puts in the person's language; `None` from a hub before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<CheckInLine>,
}

/// What the member's check-in line says, as facts (times are the space's, `HH:MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CheckInLine {
    /// Cobot has it: since `since`, until `until` once it is over.
    CheckedIn {
        /// Since when Cobot counts the member in, when known.
        since: Option<String>,
        /// When it ended, for a check-in that is over.
        until: Option<String>,
    },
    /// Cobot refused it, in Cobot's own words (shown as Cobot said them).
    Refused {
        /// Cobot's words, when it gave any.
        cobot_says: Option<String>,
    },
    /// Cobot could not be reached all that day.
    Missed,
    /// Queued in the hub; `retrying` once Cobot has failed to answer.
    Pending {
        /// Whether the hub has tried and keeps trying.
        retrying: bool,
    },
}

/// Where a check-in stands (the hub's answer and the app's view alike).
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

/// The answer to `unlock` and `confirm_open`: what happened at the door, and the view after it.
/// The view is refreshed again in the background (the check-in follows by event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockAnswer {
    /// What happened at the door.
    pub unlock: UnlockView,
    /// The view right after.
    pub view: AppView,
}

/// A door that opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockView {
    /// The door's id.
    pub door_id: String,
    /// The door's name.
    pub door_name: String,
    /// Whether the relay confirmed it.
    pub outcome: UnlockOutcome,
    /// In words, for the person at the door ("Front door is open.").
    pub message: String,
    /// This tap joined one already under way; the door was opened once.
    pub merged: bool,
    /// What this entry does about today's check-in.
    pub check_in: CheckInNote,
    /// The same in words, when there is something to say ("Checking you in with Cobot…").
    pub check_in_message: Option<String>,
}

/// What the relay did (the hub's answer to an unlock and the app's view alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnlockOutcome {
    /// The device confirmed the strike was released.
    Opened,
    /// The command went out; the device did not confirm it.
    OpenedUnconfirmed,
}

/// What an unlock did about checking in (the hub's answer to an unlock and the app's view alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInNote {
    /// Queued: the hub is checking the member in with Cobot.
    CheckingIn,
    /// The member already has today's check-in (or one is on its way).
    AlreadyToday,
    /// Nothing: the door is not an entrance, the space does not check in through Frontdoor, or
    /// the person has no membership here.
    None,
}

/// One plan of the member. Defined once, here: the hub answers it in `GET /api/v1/me` (as
/// `frontdoor_core::hub::PlanStatus`) and the app keeps it as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
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
    /// The same as facts the app puts in the person's language; `None` from a hub before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standing: Option<Standing>,
}

/// How a membership stands (dates are ISO days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Standing {
    /// Active; canceled to `ends_after` when it is.
    Active {
        /// The last active day of a canceled membership.
        ends_after: Option<String>,
    },
    /// The space has not confirmed it yet.
    NotConfirmed,
    /// It starts later.
    NotStarted {
        /// The first active day.
        starts_on: String,
    },
    /// It ended.
    Ended {
        /// The last active day.
        ended_on: String,
    },
}

/// One door and what it says for the member now. Defined once, here: the hub answers it in
/// `GET /api/v1/me` (as `frontdoor_core::hub::DoorStatus`) and the app keeps it as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorView {
    /// Door id.
    pub id: String,
    /// Door name.
    pub name: String,
    /// Whether it opens for the member now.
    pub allowed: bool,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// The same as facts the app puts in the person's language, one per reason; empty from a
    /// hub before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<DoorReason>,
}

/// One reason a door opens or stays shut for the member, as facts. Names (groups, plans, the
/// space) are shown as staff wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DoorReason {
    /// A group of the member opens the door now.
    Granted {
        /// The group.
        group: String,
        /// The plan that gives it; `None` for an extra group from the membership.
        plan: Option<String>,
        /// When the group opens it; empty: at any time.
        hours: Vec<OpenHours>,
    },
    /// A group of the member opens the door, but not now.
    OutsideHours {
        /// The group.
        group: String,
        /// The plan that gives it; `None` for an extra group from the membership.
        plan: Option<String>,
        /// When the group opens it.
        hours: Vec<OpenHours>,
    },
    /// The space has not confirmed the membership yet.
    NotConfirmed,
    /// The membership starts later.
    NotStarted {
        /// Its first day (ISO).
        starts_on: String,
    },
    /// The membership ended.
    Ended {
        /// Its last day (ISO).
        ended_on: String,
    },
    /// None of the member's plans or groups opens this door.
    NoGroupOpensDoor,
    /// The member's plan gives no door access.
    NoGroups,
    /// The door is not set up.
    UnknownDoor,
    /// The hub's copy of Cobot is older than the space lets members in on.
    CopyTooOld {
        /// How long ago the hub last reached Cobot, in seconds.
        age_seconds: i64,
        /// The space's name.
        space: String,
        /// The space's bound, in hours.
        bound_hours: u32,
    },
    /// The person is staff of the space, who may open every door.
    Staff {
        /// The space's name.
        space: String,
    },
}

/// The weekdays of `mask` (bit 0 = Monday) as runs of consecutive days, each `(first, last)`
/// (0 = Monday), as a schedule writes them: `Mon–Fri`, `Sat,Sun`. The hub's English and the
/// app's words for opening hours both read their days from here.
pub fn day_runs(mask: u8) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut d = 0;
    while d < 7 {
        if mask & (1 << d) == 0 {
            d += 1;
            continue;
        }
        let start = d;
        while d + 1 < 7 && mask & (1 << (d + 1)) != 0 {
            d += 1;
        }
        runs.push((start, d));
        d += 1;
    }
    runs
}

/// One window of a group's opening hours, in the space's time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenHours {
    /// The weekdays it starts on, bit 0 = Monday.
    pub days: u8,
    /// Opening time, minutes after midnight.
    pub start: u16,
    /// Closing time, minutes after midnight (1440 = 24:00); before `start` it crosses midnight.
    pub end: u16,
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
    /// This device already joined the space through another hub (this address): confirming
    /// switches to the offered hub and signs out of this one here; cancelling changes nothing.
    /// No credential of either hub is ever sent to the other.
    #[serde(default)]
    pub replaces_hub: Option<String>,
    /// The space signs in on a domain of its own that Cobot's own description of the space does
    /// not name (Cobot names this host instead): the person confirms the domain once, by
    /// joining, and is told so first.
    #[serde(default)]
    pub unlisted_sign_in: Option<String>,
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
    /// With [`ErrorCode::Invalid`]: the words for each wrong field of a form, by field name, so
    /// the form shows them beside the fields.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub fields: std::collections::BTreeMap<String, String>,
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
    /// The space is joined, but nobody is signed in to it.
    NotSignedIn,
    /// A door link arrived while nothing is waiting for confirmation, or confirm came twice.
    NoPendingOpen,
    /// The door does not open for this person now; the message says why.
    NoAccess,
    /// The space has no door with that id.
    UnknownDoor,
    /// Too many unlocks in a minute; the message says how long to wait.
    SlowDown,
    /// The door's relay did not answer the hub (it may be offline).
    DoorDidNotAnswer,
    /// The door's relay answered with an error.
    DoorFailed,
    /// The door has no relay connected to the hub.
    DoorNotConnected,
    /// The hub has not read the space's memberships from Cobot yet, so it lets nobody in.
    NoMembershipData,
    /// The hub has not reached Cobot for longer than the space allows, so members are not let in
    /// (staff still are).
    MembershipDataTooOld,
    /// The unlock this tap joined was interrupted; tap again.
    UnlockInterrupted,
    /// Something unexpected inside the app.
    Internal,
    /// The membership ended; the device was signed out.
    MembershipEnded,
    /// Only staff may do this.
    NotStaff,
    /// The hub is not set up for this yet (no Cobot sign-in, not connected, never synced).
    HubNotReady,
    /// The hub cannot write its audit log, so the door stays shut.
    AuditUnavailable,
    /// A console change with wrong fields (see the field errors).
    Invalid,
    /// A console change made on an older version: reload.
    Conflict,
    /// No such group, plan or member.
    UnknownItem,
    /// A file could not be saved on this device (no Downloads folder, or it cannot be written).
    NotSaved,
    /// The person did not confirm with fingerprint or face, so nothing was opened or changed.
    NotConfirmed,
}

/// What a message is about. The window shows one message per subject (a newer one replaces
/// the older), and a message about the hub or Cobot clears itself once the hub answers again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The hub could not be reached or is not ready: ends when the hub answers again.
    Hub,
    /// The hub (or the app) could not reach Cobot: ends when the hub answers with access again.
    Cobot,
    /// Signing in, the session or the membership.
    SignIn,
    /// A link, a join or a door link.
    Link,
    /// One door's answer to a tap: ends at the next tap or when the door opens.
    Door,
    /// A staff console change or file.
    Console,
    /// Something unexpected inside the app.
    App,
}

impl Subject {
    /// Whether a message on this subject ends when the hub answers again (a fresh door list or
    /// a door that opened).
    pub fn ends_when_the_hub_answers(self) -> bool {
        match self {
            Subject::Hub | Subject::Cobot => true,
            Subject::SignIn | Subject::Link | Subject::Door | Subject::Console | Subject::App => false,
        }
    }
}

impl ErrorCode {
    /// What an error with this code is about.
    pub fn subject(self) -> Subject {
        match self {
            ErrorCode::HubUnreachable
            | ErrorCode::HubNotReady
            | ErrorCode::NoMembershipData
            | ErrorCode::SlowDown
            | ErrorCode::AuditUnavailable => Subject::Hub,
            ErrorCode::CobotUnreachable | ErrorCode::MembershipDataTooOld => Subject::Cobot,
            ErrorCode::UntrustedSignIn
            | ErrorCode::ConsentDenied
            | ErrorCode::StateMismatch
            | ErrorCode::ExpiredCode
            | ErrorCode::InvalidIdToken
            | ErrorCode::SignInRefused
            | ErrorCode::NoSignInInProgress
            | ErrorCode::SignInCancelled
            | ErrorCode::SignInAgain
            | ErrorCode::NotAMember
            | ErrorCode::NotSignedIn
            | ErrorCode::MembershipEnded => Subject::SignIn,
            ErrorCode::InvalidLink
            | ErrorCode::UnknownHub
            | ErrorCode::NoSpace
            | ErrorCode::NoPendingOpen
            | ErrorCode::NotConfirmed => Subject::Link,
            ErrorCode::NoAccess
            | ErrorCode::UnknownDoor
            | ErrorCode::DoorDidNotAnswer
            | ErrorCode::DoorFailed
            | ErrorCode::DoorNotConnected
            | ErrorCode::UnlockInterrupted => Subject::Door,
            ErrorCode::NotStaff
            | ErrorCode::Invalid
            | ErrorCode::Conflict
            | ErrorCode::UnknownItem
            | ErrorCode::NotSaved => Subject::Console,
            ErrorCode::Internal => Subject::App,
        }
    }
}

impl ErrorDto {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorDto {
            code,
            message: message.into(),
            fields: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests;

mod access;
mod activity;
mod check_ins;
mod doctor;
mod door_console;
mod doors;
mod fleet;
mod members;
mod sync;
pub use access::*;
pub use activity::*;
pub use check_ins::*;
pub use doctor::*;
pub use door_console::*;
pub use doors::*;
pub use fleet::*;
pub use members::*;
pub use sync::*;

/// Name of the event the shell emits with a [`SyncProgress`] while a sync it started runs.
pub const SYNC_PROGRESS_EVENT: &str = "frontdoor://sync-progress";

/// The staff console as the shell last loaded it from the hub (staff only). Each part is `None`
/// when it could not be loaded; `errors` says why, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ConsoleView {
    /// Groups, plans and their groups, the extra-groups switch, doors.
    pub access: Option<AccessSetup>,
    /// The space's Cobot connection.
    pub cobot: Option<CobotConnection>,
    /// Sync runs, schedule, the sync under way.
    pub sync: Option<SyncPanel>,
    /// Every synced member with groups and door verdicts.
    pub members: Vec<MemberRow>,
    /// The setup's change trail, newest first.
    pub changes: Vec<SetupChange>,
    /// Parts that could not be loaded.
    pub errors: Vec<ErrorDto>,
}

/// Where the space's Cobot connection stands. Defined once, here: the hub answers it (through
/// `frontdoor_core::console`, which re-exports it) and the app's console matches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// No token: the hub cannot sync.
    NotConnected,
    /// A token Cobot accepts (as of the last sync or check).
    Connected,
    /// Cobot refused the token: staff reconnect.
    Refused,
}

/// The connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CobotConnection {
    /// Where it stands.
    pub state: ConnectionState,
    /// `console` (connected here, space-owned) or `environment` (a token given to the hub at start).
    pub source: Option<String>,
    /// When it was connected (RFC 3339).
    pub since: Option<String>,
    /// Who connected it (name).
    pub by: Option<String>,
    /// The scopes Cobot granted.
    pub scopes: Vec<String>,
    /// In words, for the console.
    pub message: String,
}

/// Filters of the console's activity view, as staff set them; an empty or missing one means any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ActivityFilterDto {
    /// A name (or part of one) or a Cobot user id.
    #[serde(default)]
    pub person: Option<String>,
    /// A door id.
    #[serde(default)]
    pub door: Option<String>,
    /// `opened`, `refused`, `failed`, `merged`, `opening` or `interrupted`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// From this instant on (RFC 3339 with its offset).
    #[serde(default)]
    pub from: Option<String>,
    /// Before this instant (RFC 3339 with its offset).
    #[serde(default)]
    pub to: Option<String>,
}

/// The space's QR codes, as SVG documents drawn by the hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct QrCodesDto {
    /// The address the join code holds: the hub's join page (`<hub>/join?space=…`), which any
    /// phone camera opens and which hands over to the app.
    pub join_link: String,
    /// The join code.
    pub join_svg: String,
    /// One sticker code per door.
    pub doors: Vec<DoorCodeDto>,
}

/// A door's sticker code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoorCodeDto {
    /// Door id.
    pub door: String,
    /// Door name.
    pub name: String,
    /// The code (SVG).
    pub svg: String,
}

/// A file the app saved for the person (an export, a sticker sheet, a code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedFileDto {
    /// Where it is, in full.
    pub path: String,
    /// Its name.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
}
