//! Typed calls to Cobot's API.
//!
//! Errors tell apart what a person must do differently: sign in again (401), ask staff
//! (forbidden), wait (rate limited, Cobot down), or report a bug (malformed answer).
//!
//! Every call goes through one path: a client-side [`Limiter`] per token and endpoint class
//! keeps under Cobot's limits; a 429 makes the limiter hold for `Retry-After`; reads (and only
//! reads — nothing else is retried, since Cobot has no idempotency keys) are retried a bounded
//! number of times with jittered backoff on timeouts, dropped connections and 5xx.

pub mod api1;
pub mod api2;
pub mod check_ins;
pub mod custom_fields;
pub mod limit;
pub mod tokens;
pub mod webhooks;

use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::auth::CobotHosts;
use crate::links::Subdomain;
use crate::secret::AccessToken;
use limit::{Limit, Limiter, Limits, COBOT_MEMBERSHIPS, COBOT_PER_USER};

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
    /// 422: Cobot refused the request for a reason about the record, in Cobot's words
    /// ("No time passes left.", "Membership not active.").
    #[error("Cobot refused: {0}")]
    Refused(String),
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

/// How reads are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Backoff before the second attempt; doubled each time, plus up to as much jitter.
    pub base: Duration,
    /// The longest `Retry-After` worth waiting for; longer ones are reported as rate limited.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// One attempt and no waiting: for calls made while a person's request is open, which must
    /// answer "Cobot is busy" at once rather than hold the request through a `Retry-After` — or
    /// until the client's own budget has room again (shared with the sync's).
    pub fn immediate() -> RetryPolicy {
        RetryPolicy {
            attempts: 1,
            base: Duration::ZERO,
            max_retry_after: Duration::ZERO,
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// A Cobot API client: an HTTP client, where Cobot lives, a limiter and a retry policy. Clones
/// share the limiter, so every clone's requests count against the same budgets.
#[derive(Debug, Clone)]
pub struct Cobot {
    http: reqwest::Client,
    hosts: CobotHosts,
    limiter: Limiter,
    limits: Limits,
    retry: RetryPolicy,
    /// API 2's base URL, with a trailing slash (`https://api.cobot.me/`).
    api2: Url,
}

impl Cobot {
    /// A client for `hosts` with the default retry policy.
    pub fn new(http: reqwest::Client, hosts: CobotHosts) -> Cobot {
        Cobot {
            http,
            hosts,
            limiter: Limiter::default(),
            limits: Limits::cobot(),
            retry: RetryPolicy::default(),
            api2: Url::parse(api2::COBOT_API2).expect("constant URL"),
        }
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Cobot {
        self.retry = retry;
        self
    }

    /// The same client keeping to other budgets (Cobot's are [`Limits::cobot`]; tests shrink
    /// the window). The limiter stays shared with the clones made before.
    pub fn with_limits(mut self, limits: Limits) -> Cobot {
        self.limits = limits;
        self
    }

    /// The same client with API 2 at `url` (Cobot's is `https://api.cobot.me`; cobot-sim serves
    /// it at `{base}/api2`). Paths are joined onto it, so a missing trailing slash is added.
    pub fn with_api2(mut self, mut url: Url) -> Cobot {
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        self.api2 = url;
        self
    }

    /// Where Cobot lives.
    pub fn hosts(&self) -> &CobotHosts {
        &self.hosts
    }

    /// `GET https://www.cobot.me/api/user` (scope `read_user`).
    pub async fn user(&self, token: &AccessToken) -> Result<User, Error> {
        let url = self.hosts.www.join("api/user").expect("constant path");
        self.get(token, url, COBOT_PER_USER, "your user").await
    }

    /// `GET https://<sub>.cobot.me/api/plans`; a plan that does not read is set aside.
    pub async fn plans(&self, token: &AccessToken, space: &Subdomain) -> Result<api1::Lenient<api1::Plan>, Error> {
        self.get_in_space(token, space, "api/plans", COBOT_PER_USER, "the space's plans")
            .await
    }

    /// `GET https://<sub>.cobot.me/api/memberships` (admin, `read_memberships`, 6/min): every
    /// current membership in one answer; one that does not read (an unparseable date) is set
    /// aside with why, and the rest is kept.
    pub async fn memberships(
        &self,
        token: &AccessToken,
        space: &Subdomain,
    ) -> Result<api1::Lenient<api1::Membership>, Error> {
        self.get_in_space(
            token,
            space,
            "api/memberships",
            COBOT_MEMBERSHIPS,
            "the space's memberships",
        )
        .await
    }

    /// `GET https://<sub>.cobot.me/api/custom_fields` (admin, `read_custom_fields`): every
    /// membership's custom fields in one answer; an entry that does not read is set aside.
    pub async fn custom_fields(
        &self,
        token: &AccessToken,
        space: &Subdomain,
    ) -> Result<api1::Lenient<api1::MembershipFields>, Error> {
        self.get_in_space(
            token,
            space,
            "api/custom_fields",
            COBOT_PER_USER,
            "the memberships' custom fields",
        )
        .await
    }

    /// `GET https://<sub>.cobot.me/api/memberships/:id`.
    pub async fn membership(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        id: &str,
    ) -> Result<api1::Membership, Error> {
        let path = format!("api/memberships/{}", encode(id));
        self.get_in_space(token, space, &path, COBOT_PER_USER, "that membership")
            .await
    }

    /// `GET https://<sub>.cobot.me/api/memberships/:id/custom_fields`.
    pub async fn membership_fields(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        id: &str,
    ) -> Result<api1::MembershipFields, Error> {
        let path = format!("api/memberships/{}/custom_fields", encode(id));
        self.get_in_space(token, space, &path, COBOT_PER_USER, "that membership's custom fields")
            .await
    }

    /// The base URL of the space's own host.
    pub fn space_base(&self, space: &Subdomain) -> Result<Url, Error> {
        let mut url = self.hosts.space(space).map_err(|e| Error::Malformed(e.to_string()))?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(url)
    }

    fn space_url(&self, space: &Subdomain, path: &str) -> Result<Url, Error> {
        self.space_base(space)?
            .join(path)
            .map_err(|e| Error::Malformed(e.to_string()))
    }

    /// `path` on Cobot's user-level host (`https://www.cobot.me/`).
    fn www_url(&self, path: &str) -> Result<Url, Error> {
        self.hosts.www.join(path).map_err(|e| Error::Malformed(e.to_string()))
    }

    /// GETs API 1 JSON at `path` on the space's own host; see [`Cobot::get_as`].
    async fn get_in_space<T: for<'de> Deserialize<'de>>(
        &self,
        token: &AccessToken,
        space: &Subdomain,
        path: &str,
        limit: Limit,
        what: &str,
    ) -> Result<T, Error> {
        self.get(token, self.space_url(space, path)?, limit, what).await
    }

    /// GETs API 1 JSON; see [`Cobot::get_as`].
    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        token: &AccessToken,
        url: Url,
        limit: Limit,
        what: &str,
    ) -> Result<T, Error> {
        self.get_as(token, url, limit, what, Format::Json).await
    }

    /// GETs a document in `format` through the limiter, honouring 429 + `Retry-After`, retrying
    /// timeouts, dropped connections and 5xx a bounded number of times with jittered backoff.
    async fn get_as<T: for<'de> Deserialize<'de>>(
        &self,
        token: &AccessToken,
        url: Url,
        limit: Limit,
        what: &str,
        format: Format,
    ) -> Result<T, Error> {
        // `limit` names the class of endpoint; the budgets themselves are `self.limits`.
        let budgets = self.budgets(token, limit == COBOT_MEMBERSHIPS);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let permit = self.permit(&budgets).await?;
            let sent = self
                .http
                .get(url.clone())
                .bearer_auth(token.secret())
                .header("Accept", format.media_type())
                .send()
                .await;
            let result = match sent {
                Ok(response) => read_as(response, what, format).await,
                Err(e) => Err(Error::Unreachable(e)),
            };
            // Answered: the slots age from now.
            drop(permit);
            match result {
                Err(Error::RateLimited { retry_after_secs })
                    if attempt < self.retry.attempts
                        && Duration::from_secs(retry_after_secs) <= self.retry.max_retry_after =>
                {
                    tracing::info!(what, retry_after_secs, "Cobot rate limit; holding requests");
                    // The request's own class holds (a list's 429 need not stop every other
                    // call); should the per-user budget be what Cobot counted, the next other
                    // request hears its own 429 and holds that.
                    let (key, limit) = &budgets[0];
                    self.limiter
                        .back_off(key, *limit, Duration::from_secs(retry_after_secs));
                }
                Err(Error::Unreachable(_) | Error::Down(_)) if attempt < self.retry.attempts => {
                    let base = self.retry.base * 2u32.pow(attempt - 1);
                    let jitter = rand::thread_rng().gen_range(Duration::ZERO..=base);
                    tracing::info!(what, attempt, "Cobot read failed; retrying");
                    tokio::time::sleep(base + jitter).await;
                }
                other => return other,
            }
        }
    }
}

impl Cobot {
    /// A slot in `budgets`: waited for, unless the retry policy waits for nothing
    /// ([`RetryPolicy::immediate`]), which answers "slow down" at once instead.
    async fn permit(&self, budgets: &[(String, Limit)]) -> Result<limit::Permit, Error> {
        if !self.retry.max_retry_after.is_zero() {
            return Ok(self.limiter.acquire_all(budgets).await);
        }
        self.limiter
            .try_acquire_all(budgets)
            .map_err(|wait| Error::RateLimited {
                retry_after_secs: wait.map_or(1, |w| w.as_secs_f64().ceil().max(1.0) as u64),
            })
    }

    /// How much of `token`'s budgets counts now: (requests, per-user limit) and (memberships
    /// lists, their limit).
    pub fn budget_in_use(&self, token: &AccessToken) -> ((usize, usize), (usize, usize)) {
        let key = token_key(token);
        (
            (
                self.limiter.in_use(&format!("{key}:api"), self.limits.per_user),
                self.limits.per_user.requests,
            ),
            (
                self.limiter
                    .in_use(&format!("{key}:memberships"), self.limits.memberships),
                self.limits.memberships.requests,
            ),
        )
    }

    /// The budgets one request of `token` spends: the per-user one, and for a memberships list
    /// also the list's own (Cobot counts it in both).
    fn budgets(&self, token: &AccessToken, memberships_list: bool) -> Vec<(String, Limit)> {
        let key = token_key(token);
        let mut budgets = vec![(format!("{key}:api"), self.limits.per_user)];
        if memberships_list {
            budgets.insert(0, (format!("{key}:memberships"), self.limits.memberships));
        }
        budgets
    }
}

/// The limiter's key for a token: a hash, so the token itself is not copied around.
fn token_key(token: &AccessToken) -> String {
    Sha256::digest(token.secret().as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// What a request accepts, and so how its error bodies read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// API 1: plain JSON.
    Json,
    /// API 2: JSON:API, errors as `{"errors":[{"detail":…}]}`.
    JsonApi,
}

impl Format {
    fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::JsonApi => api2::MEDIA_TYPE,
        }
    }

    /// What an error body says, for the person reading the error.
    fn detail(self, body: &[u8]) -> String {
        let detail = match self {
            Format::Json => None,
            Format::JsonApi => api2::error_detail(body),
        };
        detail.unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect())
    }
}

/// Cobot's reason for a 422: API 2's `errors[].detail`, API 1's `{"base": …}` (a string or a
/// list, Rails style), or the body's start.
fn refusal(format: Format, body: &[u8]) -> String {
    if format == Format::Json {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            let base = value.get("base").or_else(|| value.pointer("/errors/base"));
            match base {
                Some(serde_json::Value::String(s)) => return s.clone(),
                Some(serde_json::Value::Array(items)) => {
                    let texts: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
                    if !texts.is_empty() {
                        return texts.join(" ");
                    }
                }
                _ => {}
            }
        }
    }
    format.detail(body)
}

impl Cobot {
    /// Sends one write to Cobot, once: writes are never retried (Cobot has no idempotency keys;
    /// callers reconcile by reading). Counted against the token's per-user limit.
    pub(crate) async fn send_once<B: serde::Serialize + ?Sized>(
        &self,
        token: &AccessToken,
        method: reqwest::Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<reqwest::Response, Error> {
        let _answered = self.permit(&self.budgets(token, false)).await?;
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(token.secret())
            .header("Accept", "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.map_err(Error::Unreachable)
    }
}

async fn read_json<T: for<'de> Deserialize<'de>>(response: reqwest::Response, what: &str) -> Result<T, Error> {
    read_as(response, what, Format::Json).await
}

async fn read_as<T: for<'de> Deserialize<'de>>(
    response: reqwest::Response,
    what: &str,
    format: Format,
) -> Result<T, Error> {
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
        403 => Err(Error::Forbidden(format.detail(&body))),
        404 => Err(Error::NotFound(what.to_string())),
        422 => Err(Error::Refused(refusal(format, &body))),
        429 => Err(Error::RateLimited {
            retry_after_secs: retry_after.unwrap_or(60),
        }),
        500..=599 => Err(Error::Down(status)),
        _ if format == Format::JsonApi => Err(Error::Malformed(format!(
            "{what}: unexpected HTTP {status}: {}",
            format.detail(&body)
        ))),
        _ => Err(Error::Malformed(format!("{what}: unexpected HTTP {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_reads_cobots_words_from_errors_base_bare_base_or_json_api() {
        let cases: [(Format, &str, &str); 5] = [
            (
                Format::Json,
                r#"{"errors":{"base":"No time passes left."}}"#,
                "No time passes left.",
            ),
            (
                Format::Json,
                r#"{"errors":{"base":["No time passes left."]}}"#,
                "No time passes left.",
            ),
            (
                Format::Json,
                r#"{"base":"Membership not active."}"#,
                "Membership not active.",
            ),
            (
                Format::JsonApi,
                r#"{"errors":[{"detail":"No time passes left.","source":{"pointer":"/data/attributes/base"}}]}"#,
                "No time passes left.",
            ),
            (Format::Json, "not json", "not json"),
        ];
        for (format, body, words) in cases {
            assert_eq!(refusal(format, body.as_bytes()), words, "{body}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_memberships_list_spends_the_per_user_budget_and_a_persons_call_never_waits_for_it() {
        let limits = Limits {
            per_user: Limit::per_minute(2),
            memberships: Limit::per_minute(1),
        };
        let sync = Cobot::new(reqwest::Client::new(), CobotHosts::cobot()).with_limits(limits);
        let now = sync.clone().with_retry(RetryPolicy::immediate());
        let token = AccessToken::new("space-token");
        // One other request and one memberships list fill the per-user budget of two.
        drop(sync.permit(&sync.budgets(&token, false)).await.unwrap());
        drop(sync.permit(&sync.budgets(&token, true)).await.unwrap());
        // A person's request through the immediate client shares that budget, and is told to
        // slow down at once instead of waiting for it.
        match now.permit(&now.budgets(&token, false)).await {
            Err(Error::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 60),
            other => panic!("expected to be told to slow down, got {other:?}"),
        }
        // The sync's client waits for the slot instead.
        let start = tokio::time::Instant::now();
        drop(sync.permit(&sync.budgets(&token, false)).await.unwrap());
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }
}
