//! The error banner: a short title per [`ErrorCode`], the message in the shell's or hub's
//! words, the code for tests (`data-code`), and Dismiss.

use frontdoor_ipc::{ErrorCode, ErrorDto};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(crate) struct ErrorBannerProps {
    pub(crate) id: AttrValue,
    pub(crate) error: ErrorDto,
    pub(crate) on_dismiss: Callback<MouseEvent>,
}

/// A short title for an error; the message says the rest.
pub(crate) fn title(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::ConsentDenied | ErrorCode::SignInCancelled => "Not signed in",
        ErrorCode::StateMismatch | ErrorCode::UntrustedSignIn => "Sign-in refused for your safety",
        ErrorCode::ExpiredCode | ErrorCode::SignInAgain => "Please sign in again",
        ErrorCode::CobotUnreachable => "Cobot can't be reached",
        ErrorCode::UnknownHub => "Unknown hub",
        ErrorCode::HubUnreachable => "The hub can't be reached",
        ErrorCode::NotAMember => "No membership found",
        ErrorCode::InvalidLink => "That link doesn't work",
        ErrorCode::NoSpace => "Join the space first",
        ErrorCode::NotSignedIn => "Sign in first",
        ErrorCode::NoPendingOpen => "Nothing to open",
        ErrorCode::NoAccess => "Not open for you now",
        ErrorCode::UnknownDoor => "Unknown door",
        ErrorCode::SlowDown => "Slow down",
        ErrorCode::DoorDidNotAnswer => "The door didn't answer",
        ErrorCode::DoorFailed | ErrorCode::UnlockInterrupted => "The door didn't open",
        ErrorCode::DoorNotConnected => "Door not connected",
        ErrorCode::NoMembershipData | ErrorCode::HubNotReady => "The hub isn't ready",
        ErrorCode::MembershipDataTooOld => "The hub can't reach Cobot",
        ErrorCode::MembershipEnded => "Membership ended",
        ErrorCode::NotStaff => "Staff only",
        ErrorCode::AuditUnavailable => "The door stays shut",
        ErrorCode::Invalid => "Please check the form",
        ErrorCode::Conflict => "Someone else changed this",
        ErrorCode::UnknownItem => "Not found",
        ErrorCode::NotSaved => "File not saved",
        ErrorCode::NotConfirmed => "Not confirmed",
        ErrorCode::InvalidIdToken | ErrorCode::SignInRefused | ErrorCode::NoSignInInProgress => "Sign-in failed",
        ErrorCode::Internal => "Something went wrong",
    }
}

/// The code as it crosses IPC (`no_access`), for `data-code`.
pub(crate) fn code_name(code: ErrorCode) -> String {
    serde_json::to_string(&code)
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

#[function_component(ErrorBanner)]
pub(crate) fn error_banner(props: &ErrorBannerProps) -> Html {
    let title = title(props.error.code);
    let code = code_name(props.error.code);
    html! {
        <section id={props.id.clone()} class="banner" role="alert" data-code={code}>
            <strong>{title}</strong>
            <p class="message">{ &props.error.message }</p>
            <button class="link" onclick={props.on_dismiss.clone()}>{"Dismiss"}</button>
        </section>
    }
}
