//! The hub's one refusal: a stable code, words a person can act on, the fields that are wrong
//! and the HTTP status it is sent with. Every use case answers with it; [`crate::http`] turns it
//! into the `{code, message}` body. Internals (database errors, Cobot's bodies) are logged,
//! never put in it.

use axum::http::StatusCode;
use frontdoor_core::cobot;
use frontdoor_core::hub::Code;

use super::sync;

/// An error as clients see it.
#[derive(Debug, Clone)]
pub struct Error {
    status: StatusCode,
    code: Code,
    message: String,
    fields: std::collections::BTreeMap<String, String>,
    /// Sent as `Retry-After` (seconds).
    retry_after: Option<u64>,
}

impl Error {
    pub(crate) fn new(status: StatusCode, code: Code, message: impl Into<String>) -> Error {
        Error {
            status,
            code,
            message: message.into(),
            fields: Default::default(),
            retry_after: None,
        }
    }

    /// The same error, telling the caller how many seconds to wait (`Retry-After`).
    pub(crate) fn retry_after(mut self, secs: u64) -> Error {
        self.retry_after = Some(secs);
        self
    }

    /// `422 invalid`: a change with wrong fields, each named with words a person can act on.
    pub(crate) fn invalid(message: impl Into<String>, fields: std::collections::BTreeMap<String, String>) -> Error {
        Error {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: Code::Invalid,
            message: message.into(),
            fields,
            retry_after: None,
        }
    }

    /// What is wrong with each field, for [`Code::Invalid`].
    pub fn fields(&self) -> &std::collections::BTreeMap<String, String> {
        &self.fields
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The HTTP status it is sent with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The words for a person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How many seconds the caller is asked to wait (`Retry-After`), if any.
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after
    }

    /// The body a client reads: the code, the words and the wrong fields.
    pub fn body(self) -> frontdoor_core::hub::ApiError {
        frontdoor_core::hub::ApiError {
            code: self.code,
            message: self.message,
            fields: self.fields,
        }
    }

    pub(crate) fn internal(e: impl std::fmt::Display) -> Error {
        static LOG: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
        if crate::base::log::budgeted(&LOG, "an internal error", 20).admit() {
            tracing::error!("internal error: {e}");
        }
        Error::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::Internal,
            "Something went wrong inside the hub. Try again; if it persists, tell your space's staff.",
        )
    }

    pub(crate) fn not_signed_in() -> Error {
        Error::new(
            StatusCode::UNAUTHORIZED,
            Code::NotSignedIn,
            "Your session with the hub has ended. Open Frontdoor again to continue.",
        )
    }
}

impl From<cobot::Error> for Error {
    fn from(e: cobot::Error) -> Error {
        match e {
            cobot::Error::SignInAgain => Error::new(
                StatusCode::UNAUTHORIZED,
                Code::SignInAgain,
                "Cobot no longer accepts your sign-in. Please sign in again.",
            ),
            cobot::Error::Forbidden(_) => Error::new(
                StatusCode::FORBIDDEN,
                Code::Forbidden,
                "Cobot does not allow this for your account.",
            ),
            cobot::Error::RateLimited { retry_after_secs } => Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::CobotBusy,
                format!("Cobot is busy; try again in {retry_after_secs} seconds."),
            ),
            other => {
                static LOG: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
                if crate::base::log::budgeted(&LOG, "Cobot was unavailable", 10).admit() {
                    tracing::warn!("Cobot unavailable: {other}");
                }
                Error::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Code::CobotUnavailable,
                    "Cobot cannot be reached right now. Try again in a few minutes.",
                )
            }
        }
    }
}

impl From<sync::Error> for Error {
    fn from(e: sync::Error) -> Error {
        match e {
            // The hub's own token, not the person's sign-in: "sign in again" would mislead.
            sync::Error::Cobot(cobot::Error::SignInAgain) => Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::NotConnected,
                crate::app::plug::refused_words(),
            ),
            sync::Error::Cobot(e) => e.into(),
            sync::Error::ForeignUrl(e) => e.into(),
            sync::Error::NotConnected => Error::new(
                StatusCode::SERVICE_UNAVAILABLE,
                Code::NotConnected,
                "The hub is not connected to Cobot yet. Staff: connect the space's Cobot account.",
            ),
            sync::Error::Store(e) => Error::internal(e),
            sync::Error::Task(e) => Error::internal(e),
        }
    }
}
