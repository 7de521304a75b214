//! What can go wrong in the app ([`Error`]), the stable [`ErrorCode`] the UI matches on for each,
//! the code for every hub rejection ([`code_of`]), and the words for a door that did not open.

use frontdoor_core::auth;
use frontdoor_core::hub::{self, Code};
use frontdoor_core::links::{LinkError, Subdomain};
use frontdoor_ipc::{ErrorCode, ErrorDto};

use crate::device_error::DeviceError;

/// What can go wrong in the app, wrapped per source.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A link or typed address.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The hub.
    #[error(transparent)]
    Hub(#[from] hub::Error),
    /// Sign-in.
    #[error(transparent)]
    Auth(#[from] auth::Error),
    /// The hub's member API.
    #[error(transparent)]
    HubCall(#[from] hub::CallError),
    /// The hub names a sign-in host that is not Cobot.
    #[error("This hub wants you to sign in at {0}, which is not Cobot. Frontdoor refused, to protect your password.")]
    UntrustedSignIn(String),
    /// Nothing joined yet.
    #[error("Join a space first: scan its QR code, open its link, or type its name.")]
    NoSpace,
    /// Confirm without an offer.
    #[error("There is no join waiting for confirmation.")]
    NoPendingJoin,
    /// The browser did not open.
    #[error("The browser could not be opened ({0}). Open the sign-in address shown below by hand.")]
    Browser(#[source] DeviceError),
    /// Opening a door: the hub's answer (its words), or no answer.
    #[error("{}", unlock_words(.0))]
    Unlock(hub::CallError),
    /// A door link for a space this device has not joined.
    #[error("Frontdoor has not joined “{0}” yet. Scan the join QR code at the space's front desk first, then scan the door's code again.")]
    NotJoined(Subdomain),
    /// A door link or unlock for a joined space nobody is signed in to.
    #[error("Sign in to {0} first (“Sign in with Cobot”), then scan the door's code again.")]
    NotSignedIn(String),
    /// A door link naming a door the hub's last answer does not list.
    #[error("{space} has no door “{door}”. Scan the door's sticker again, or pick the door from the list.")]
    UnknownDoor {
        /// The space's name.
        space: String,
        /// The door id from the link.
        door: String,
    },
    /// Confirm without a door link waiting.
    #[error("No door is waiting to be opened. Scan the door's code again.")]
    NoPendingOpen,
    /// Connecting the space's Cobot account did not finish.
    #[error("Cobot was not connected: {0}")]
    ConnectFailed(String),
    /// A file for staff (an export, a sticker sheet, a code) could not be saved.
    #[error(transparent)]
    NotSaved(#[from] crate::downloads::Error),
    /// A saved file could not be shown (no browser or program for it).
    #[error("The saved file could not be opened ({reason}). Open {path} from your file manager to print it.")]
    NotOpened {
        /// The file.
        path: String,
        /// What the system said.
        #[source]
        reason: DeviceError,
    },
    /// Asked to open a file this app did not save in this session.
    #[error("Frontdoor opens only files it saved itself since it started. Save the file again, then open it.")]
    UnknownFile,
    /// The person did not confirm with fingerprint or face (or cannot now).
    #[error("{0}")]
    NotConfirmed(String),
    /// A language the window does not speak.
    #[error("Frontdoor speaks English (en) and German (de); “{0}” is neither.")]
    UnknownLanguage(String),
    /// The operator's fleet (the console's Fleet tab).
    #[error(transparent)]
    Fleet(#[from] crate::console::fleet::FleetError),
    /// A bug or a broken device.
    #[error("Something went wrong inside Frontdoor: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code the UI matches on.
    pub fn code(&self) -> ErrorCode {
        use auth::Error as A;
        match self {
            Error::Link(_) => ErrorCode::InvalidLink,
            Error::Hub(_) => ErrorCode::UnknownHub,
            Error::UntrustedSignIn(_) => ErrorCode::UntrustedSignIn,
            Error::Auth(e) => match e {
                A::Unreachable(_) | A::CobotDown(_) | A::Discovery(_) => ErrorCode::CobotUnreachable,
                A::NoSignInInProgress => ErrorCode::NoSignInInProgress,
                A::StateMismatch | A::IssuerMismatch { .. } => ErrorCode::StateMismatch,
                A::ConsentDenied => ErrorCode::ConsentDenied,
                A::ExpiredCode => ErrorCode::ExpiredCode,
                A::IdToken(_) => ErrorCode::InvalidIdToken,
                A::Refused { .. } | A::Malformed(_) => ErrorCode::SignInRefused,
                A::Config(_) => ErrorCode::Internal,
            },
            Error::HubCall(e) | Error::Unlock(e) => hub_code(e),
            Error::NoSpace | Error::NoPendingJoin | Error::NotJoined(_) => ErrorCode::NoSpace,
            Error::NotSignedIn(_) => ErrorCode::NotSignedIn,
            Error::UnknownDoor { .. } => ErrorCode::UnknownDoor,
            Error::NoPendingOpen => ErrorCode::NoPendingOpen,
            Error::ConnectFailed(_) => ErrorCode::SignInRefused,
            Error::NotSaved(_) => ErrorCode::NotSaved,
            Error::NotConfirmed(_) => ErrorCode::NotConfirmed,
            Error::UnknownLanguage(_) => ErrorCode::Invalid,
            Error::Fleet(e) => e.code(),
            Error::Browser(_) | Error::NotOpened { .. } | Error::UnknownFile | Error::Internal(_) => {
                ErrorCode::Internal
            }
        }
    }
}

/// The app's code for a hub answer.
fn hub_code(e: &hub::CallError) -> ErrorCode {
    match e {
        hub::CallError::Refused(e, _) => code_of(e.code),
        hub::CallError::Unreachable(_) | hub::CallError::Malformed(_) | hub::CallError::TooLarge => {
            ErrorCode::HubUnreachable
        }
    }
}

/// Every hub code, matched exhaustively: a new one does not compile here until it is decided.
pub fn code_of(code: Code) -> ErrorCode {
    match code {
        Code::NotSignedIn => ErrorCode::NotSignedIn,
        Code::SignInExpired => ErrorCode::ExpiredCode,
        Code::SignInProofMismatch => ErrorCode::StateMismatch,
        Code::SignInRefused => ErrorCode::SignInRefused,
        Code::ConsentDenied => ErrorCode::ConsentDenied,
        Code::DeviceSignedOut | Code::SignInAgain => ErrorCode::SignInAgain,
        Code::MembershipEnded => ErrorCode::MembershipEnded,
        Code::NotAMember => ErrorCode::NotAMember,
        Code::NotStaff => ErrorCode::NotStaff,
        Code::CobotBusy | Code::CobotUnavailable => ErrorCode::CobotUnreachable,
        Code::NoAccess => ErrorCode::NoAccess,
        Code::UnknownDoor => ErrorCode::UnknownDoor,
        Code::SlowDown => ErrorCode::SlowDown,
        Code::DoorDidNotAnswer => ErrorCode::DoorDidNotAnswer,
        Code::DoorFailed => ErrorCode::DoorFailed,
        Code::DoorNotConnected => ErrorCode::DoorNotConnected,
        Code::NoMembershipData => ErrorCode::NoMembershipData,
        Code::MembershipDataTooOld => ErrorCode::MembershipDataTooOld,
        Code::Interrupted => ErrorCode::UnlockInterrupted,
        Code::AuditUnavailable => ErrorCode::AuditUnavailable,
        Code::SignInNotConfigured | Code::NotConnected | Code::NeverSynced => ErrorCode::HubNotReady,
        Code::RequestTimeout => ErrorCode::HubUnreachable,
        Code::Invalid => ErrorCode::Invalid,
        Code::Conflict => ErrorCode::Conflict,
        Code::UnknownItem => ErrorCode::UnknownItem,
        // The app asked for something the hub does not take: a bug on one side or the other,
        // shown with the hub's words.
        Code::BadReturnAddress
        | Code::Forbidden
        | Code::ForeignUrl
        | Code::UnknownWebhook
        | Code::UnknownEvent
        | Code::UnknownDevice
        | Code::BadRequest
        | Code::PayloadTooLarge
        | Code::NotFound
        | Code::MethodNotAllowed
        | Code::Internal
        | Code::Unknown => ErrorCode::Internal,
    }
}

/// What to tell the person when opening a door failed. The hub's refusals are already in words;
/// without an answer, say whether the door can have opened: a request that never connected was
/// never sent, any other failure may have reached the door.
fn unlock_words(e: &hub::CallError) -> String {
    match e {
        hub::CallError::Unreachable(source) if source.is_connect() => {
            "The hub could not be reached, so the door did not open. Check your connection (the space's Wi-Fi) and try again."
                .to_string()
        }
        hub::CallError::Unreachable(_) => "The hub could not be reached in time; the door may or may not have opened. Look at the door before you tap again.".to_string(),
        other => other.to_string(),
    }
}

impl From<&Error> for ErrorDto {
    fn from(e: &Error) -> ErrorDto {
        let mut dto = ErrorDto::new(e.code(), e.to_string());
        if let Error::HubCall(hub::CallError::Refused(api, _)) = e {
            dto.fields = api.fields.clone();
        } else if let Error::Fleet(fleet) = e {
            dto.fields = fleet.fields();
        }
        dto
    }
}

impl From<Error> for ErrorDto {
    fn from(e: Error) -> ErrorDto {
        ErrorDto::from(&e)
    }
}
