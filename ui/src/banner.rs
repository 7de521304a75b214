//! The error banner: a short title per [`ErrorCode`] in the window's language, the message in
//! the shell's or hub's words, the code for tests (`data-code`), and Dismiss.

use frontdoor_ipc::{ErrorCode, ErrorDto};
use yew::prelude::*;

use crate::words::{use_lang, Lang};

#[derive(Properties, PartialEq)]
pub(crate) struct ErrorBannerProps {
    pub(crate) id: AttrValue,
    pub(crate) error: ErrorDto,
    pub(crate) on_dismiss: Callback<MouseEvent>,
}

/// A short title for an error in `lang`; the message says the rest.
pub(crate) fn title(code: ErrorCode, lang: Lang) -> String {
    lang.t(match code {
        ErrorCode::ConsentDenied | ErrorCode::SignInCancelled => "error-not-signed-in",
        ErrorCode::StateMismatch | ErrorCode::UntrustedSignIn => "error-refused-for-safety",
        ErrorCode::ExpiredCode | ErrorCode::SignInAgain => "error-sign-in-again",
        ErrorCode::CobotUnreachable => "error-cobot-unreachable",
        ErrorCode::UnknownHub => "error-unknown-hub",
        ErrorCode::HubUnreachable => "error-hub-unreachable",
        ErrorCode::NotAMember => "error-not-a-member",
        ErrorCode::InvalidLink => "error-invalid-link",
        ErrorCode::NoSpace => "error-no-space",
        ErrorCode::NotSignedIn => "error-sign-in-first",
        ErrorCode::NoPendingOpen => "error-nothing-to-open",
        ErrorCode::NoAccess => "error-no-access",
        ErrorCode::UnknownDoor => "error-unknown-door",
        ErrorCode::SlowDown => "error-slow-down",
        ErrorCode::DoorDidNotAnswer => "error-door-did-not-answer",
        ErrorCode::DoorFailed | ErrorCode::UnlockInterrupted => "error-door-did-not-open",
        ErrorCode::DoorNotConnected => "error-door-not-connected",
        ErrorCode::NoMembershipData | ErrorCode::HubNotReady => "error-hub-not-ready",
        ErrorCode::MembershipDataTooOld => "error-hub-cannot-reach-cobot",
        ErrorCode::MembershipEnded => "error-membership-ended",
        ErrorCode::NotStaff => "error-staff-only",
        ErrorCode::AuditUnavailable => "error-door-stays-shut",
        ErrorCode::Invalid => "error-check-the-form",
        ErrorCode::Conflict => "error-conflict",
        ErrorCode::UnknownItem => "error-not-found",
        ErrorCode::NotSaved => "error-not-saved",
        ErrorCode::NotConfirmed => "error-not-confirmed",
        ErrorCode::InvalidIdToken | ErrorCode::SignInRefused | ErrorCode::NoSignInInProgress => "error-sign-in-failed",
        ErrorCode::Internal => "error-internal",
    })
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
    let lang = use_lang();
    let title = title(props.error.code, lang);
    let code = code_name(props.error.code);
    html! {
        <section id={props.id.clone()} class="banner" role="alert" data-code={code}>
            <strong>{title}</strong>
            <p class="message">{ &props.error.message }</p>
            <button class="link" onclick={props.on_dismiss.clone()}>{ lang.t("dismiss") }</button>
        </section>
    }
}
