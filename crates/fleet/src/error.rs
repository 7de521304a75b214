//! Every refusal of the fleet's API: `{code, message}` with a status, and the hub's own answer
//! passed on as the hub gave it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use frontdoor_core::fleet::{AnyCode, FleetCode as Code, FleetErrorBody as Body};
use frontdoor_core::hub::ApiError;

/// Why the fleet refused.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// See [`Code::NotSignedIn`].
    #[error("Sign in with your fleet API token (Authorization: Bearer …).")]
    NotSignedIn,
    /// See [`Code::UnknownSpace`].
    #[error("You run no space by that name. Check the space's Cobot subdomain.")]
    UnknownSpace,
    /// See [`Code::UnknownHub`].
    #[error("No hub by that name has reported to the fleet for this space.")]
    UnknownHub,
    /// See [`Code::HubUnreachable`].
    #[error("The hub {0} is not connected to the fleet now, so nothing was done. Try again when its light is back, or open the door on site.")]
    HubUnreachable(String),
    /// See [`Code::HubDidNotAnswer`].
    #[error("The hub {0} was asked but did not answer within 5 seconds: the door may or may not have opened. Look at the activity before asking again.")]
    HubSilent(String),
    /// See [`Code::Invalid`].
    #[error("{0}")]
    Invalid(String),
    /// PostgreSQL failed.
    #[error("The fleet's database is not answering ({0}); try again in a moment.")]
    Database(String),
    /// NATS failed.
    #[error("The fleet's link to the hubs failed ({0}); try again in a moment.")]
    Link(String),
    /// The hub refused, with its own code and words.
    #[error("{}", .0.message)]
    Hub(ApiError),
}

impl FleetError {
    /// The body's code.
    pub fn code(&self) -> AnyCode {
        AnyCode::Fleet(match self {
            FleetError::NotSignedIn => Code::NotSignedIn,
            FleetError::UnknownSpace => Code::UnknownSpace,
            FleetError::UnknownHub => Code::UnknownHub,
            FleetError::HubUnreachable(_) => Code::HubUnreachable,
            FleetError::HubSilent(_) => Code::HubDidNotAnswer,
            FleetError::Invalid(_) => Code::Invalid,
            FleetError::Database(_) | FleetError::Link(_) => Code::FleetUnavailable,
            FleetError::Hub(refused) => return AnyCode::Hub(refused.code),
        })
    }

    /// Its status.
    pub fn status(&self) -> StatusCode {
        match self {
            FleetError::NotSignedIn => StatusCode::UNAUTHORIZED,
            FleetError::UnknownSpace | FleetError::UnknownHub => StatusCode::NOT_FOUND,
            FleetError::HubUnreachable(_) | FleetError::Database(_) | FleetError::Link(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            FleetError::HubSilent(_) => StatusCode::GATEWAY_TIMEOUT,
            FleetError::Invalid(_) => StatusCode::BAD_REQUEST,
            FleetError::Hub(_) => StatusCode::CONFLICT,
        }
    }

    /// The body.
    pub fn body(&self) -> Body {
        Body {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

impl From<deadpool_postgres::PoolError> for FleetError {
    fn from(e: deadpool_postgres::PoolError) -> FleetError {
        FleetError::Database(e.to_string())
    }
}

impl From<tokio_postgres::Error> for FleetError {
    fn from(e: tokio_postgres::Error) -> FleetError {
        FleetError::Database(e.to_string())
    }
}

impl IntoResponse for FleetError {
    fn into_response(self) -> Response {
        (self.status(), axum::Json(self.body())).into_response()
    }
}
