//! Typed calls to Cobot's API.
//!
//! Errors tell apart what a person must do differently: sign in again (401), ask staff
//! (forbidden), wait (rate limited, Cobot down), or report a bug (malformed answer).

use serde::{Deserialize, Serialize};

use crate::auth::CobotHosts;
use crate::secret::AccessToken;

/// Cobot API failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: the token is no longer valid.
    #[error("Your Cobot sign-in has ended. Please sign in again.")]
    SignInAgain,
    /// 403: the token lacks a scope or the user lacks a right.
    #[error("Cobot does not allow this for your account ({0}).")]
    Forbidden(String),
    /// 404.
    #[error("Cobot does not know {0}.")]
    NotFound(String),
    /// 429 with the seconds Cobot asked us to wait.
    #[error("Cobot asks us to slow down; try again in {retry_after_secs} seconds.")]
    RateLimited {
        /// Seconds from `Retry-After`.
        retry_after_secs: u64,
    },
    /// Network failure or timeout.
    #[error("Cobot could not be reached. Check your internet connection and try again.")]
    Unreachable(#[source] reqwest::Error),
    /// 5xx.
    #[error("Cobot is having trouble right now (HTTP {0}). Try again in a few minutes.")]
    Down(u16),
    /// The answer is not what Cobot documents.
    #[error("Cobot sent an answer Frontdoor could not understand ({0}).")]
    Malformed(String),
}

/// `GET /api/user` (API 1): the signed-in user with memberships and administered spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The Cobot user id (identify users by this, never by email).
    pub id: String,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Name, when Cobot sends one.
    #[serde(default)]
    pub name: Option<String>,
    /// Spaces where the user holds a membership.
    #[serde(default)]
    pub memberships: Vec<UserMembership>,
    /// Spaces the user administers.
    #[serde(default)]
    pub admin_of: Vec<AdminOf>,
}

/// One entry of `memberships[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMembership {
    /// The membership id.
    pub id: String,
    /// The space's subdomain.
    pub space_subdomain: String,
    /// The space's name.
    #[serde(default)]
    pub space_name: Option<String>,
}

/// One entry of `admin_of[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOf {
    /// The space's subdomain.
    pub space_subdomain: String,
    /// The space's name.
    #[serde(default)]
    pub space_name: Option<String>,
}

impl User {
    /// Whether the user administers the space (Cobot: admin ⇔ listed in `admin_of`).
    pub fn is_admin_of(&self, subdomain: &str) -> bool {
        self.admin_of.iter().any(|a| a.space_subdomain == subdomain)
    }

    /// The user's membership in the space, if any.
    pub fn membership_in(&self, subdomain: &str) -> Option<&UserMembership> {
        self.memberships.iter().find(|m| m.space_subdomain == subdomain)
    }
}

/// A Cobot API client: an HTTP client and where Cobot lives.
#[derive(Debug, Clone)]
pub struct Cobot {
    http: reqwest::Client,
    hosts: CobotHosts,
}

impl Cobot {
    /// A client for `hosts`.
    pub fn new(http: reqwest::Client, hosts: CobotHosts) -> Cobot {
        Cobot { http, hosts }
    }

    /// `GET https://www.cobot.me/api/user` (scope `read_user`).
    pub async fn user(&self, token: &AccessToken) -> Result<User, Error> {
        let url = self.hosts.www.join("api/user").expect("constant path");
        let response = self
            .http
            .get(url)
            .bearer_auth(token.secret())
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(Error::Unreachable)?;
        read_json(response, "your user").await
    }
}

async fn read_json<T: for<'de> Deserialize<'de>>(response: reqwest::Response, what: &str) -> Result<T, Error> {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let body = response.bytes().await.map_err(Error::Unreachable)?;
    match status {
        200..=299 => serde_json::from_slice(&body).map_err(|e| Error::Malformed(format!("{what}: {e}"))),
        401 => Err(Error::SignInAgain),
        403 => Err(Error::Forbidden(
            String::from_utf8_lossy(&body).chars().take(200).collect(),
        )),
        404 => Err(Error::NotFound(what.to_string())),
        429 => Err(Error::RateLimited {
            retry_after_secs: retry_after.unwrap_or(60),
        }),
        500..=599 => Err(Error::Down(status)),
        _ => Err(Error::Malformed(format!("{what}: unexpected HTTP {status}"))),
    }
}
