//! One request to API 1 or API 2 as its handler takes it: the simulator, the access token the
//! request presents and its query parameters. The checks on the token are each API's own
//! (`api::authenticate` and `members` for API 1, `api2::authorize` for API 2): they answer in
//! that API's error shape, in the order the API prescribes.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::api::presented_token;
use crate::params::Params;
use crate::state::{State, TokenRecord};
use crate::Sim;

/// A request to a bearer-protected API. Taking it from a request never fails: a missing or
/// unknown token is for the handler's checks to refuse, after the ones that come first (an
/// unknown space is 404 before a missing token is 401).
pub(crate) struct Call {
    /// The simulator the request is for.
    pub(crate) sim: Sim,
    /// `Authorization: Bearer …` or, as API 1 also accepts, `?access_token=…`.
    token: Option<String>,
    /// The query parameters.
    pub(crate) params: Params,
}

impl Call {
    /// The token the request presents, live or not.
    pub(crate) fn presented(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The record of the presented token if it is live (known and not revoked).
    pub(crate) fn live<'s>(&self, state: &'s State) -> Option<&'s TokenRecord> {
        self.presented().and_then(|token| state.live_token(token))
    }
}

impl FromRequestParts<Sim> for Call {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, sim: &Sim) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query();
        Ok(Call {
            sim: sim.clone(),
            token: presented_token(&parts.headers, query),
            params: Params::parse(query.unwrap_or_default().as_bytes()),
        })
    }
}
