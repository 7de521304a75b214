//! The error banner: a short title per [`ErrorCode`] in the window's language, the message (the
//! shell's or hub's English, or the catalogue's words for the code in another language; Cobot's
//! words and a form's field errors as they came), the code for tests (`data-code`), and Dismiss.

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

/// What to tell the person about `error` in `lang`. English is the shell's or hub's own sentence,
/// which names the door, the hub or the wait; another language says what the code means and what
/// to do, from the catalogue. Where the message holds Cobot's words or a form's field errors, it
/// is shown as it came in every language.
pub(crate) fn message(error: &ErrorDto, lang: Lang) -> String {
    if lang == Lang::En {
        return error.message.clone();
    }
    lang.t(match error.code {
        // Cobot's words, or the fields the person must fix: shown as they came.
        ErrorCode::SignInRefused | ErrorCode::InvalidIdToken | ErrorCode::Invalid | ErrorCode::Internal => {
            return error.message.clone();
        }
        ErrorCode::InvalidLink => "error-help-invalid-link",
        ErrorCode::UnknownHub => "error-help-unknown-hub",
        ErrorCode::UntrustedSignIn => "error-help-untrusted-sign-in",
        ErrorCode::CobotUnreachable => "error-help-cobot-unreachable",
        ErrorCode::ConsentDenied => "error-help-consent-denied",
        ErrorCode::StateMismatch => "error-help-state-mismatch",
        ErrorCode::ExpiredCode => "error-help-expired-code",
        ErrorCode::NoSignInInProgress => "error-help-no-sign-in",
        ErrorCode::SignInCancelled => "error-help-sign-in-cancelled",
        ErrorCode::SignInAgain => "error-help-sign-in-again",
        ErrorCode::NoSpace => "error-help-no-space",
        ErrorCode::NotAMember => "error-help-not-a-member",
        ErrorCode::HubUnreachable => "error-help-hub-unreachable",
        ErrorCode::NotSignedIn => "error-help-not-signed-in",
        ErrorCode::NoPendingOpen => "error-help-no-pending-open",
        ErrorCode::NoAccess => "error-help-no-access",
        ErrorCode::UnknownDoor => "error-help-unknown-door",
        ErrorCode::SlowDown => "error-help-slow-down",
        ErrorCode::DoorDidNotAnswer => "error-help-door-did-not-answer",
        ErrorCode::DoorFailed => "error-help-door-failed",
        ErrorCode::DoorNotConnected => "error-help-door-not-connected",
        ErrorCode::NoMembershipData => "error-help-no-membership-data",
        ErrorCode::MembershipDataTooOld => "error-help-membership-data-too-old",
        ErrorCode::UnlockInterrupted => "error-help-unlock-interrupted",
        ErrorCode::MembershipEnded => "error-help-membership-ended",
        ErrorCode::NotStaff => "error-help-not-staff",
        ErrorCode::HubNotReady => "error-help-hub-not-ready",
        ErrorCode::AuditUnavailable => "error-help-audit-unavailable",
        ErrorCode::Conflict => "error-help-conflict",
        ErrorCode::UnknownItem => "error-help-unknown-item",
        ErrorCode::NotSaved => "error-help-not-saved",
        ErrorCode::NotConfirmed => "error-help-not-confirmed",
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
            <p class="message">{ message(&props.error, lang) }</p>
            <button class="link" onclick={props.on_dismiss.clone()}>{ lang.t("dismiss") }</button>
        </section>
    }
}
