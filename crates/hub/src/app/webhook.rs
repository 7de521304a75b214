//! Cobot's webhook deliveries (cobot-api.md §8, §10): what a delivery points at, and the re-reads
//! it causes, in the background.
//!
//! Cobot posts `{"url": …}`, as JSON or as form data (`url=…`) — which one is not documented, so
//! both are read — and for `deleted_membership` the deleted object under `membership` beside the
//! `url`. The `url` names a membership (`…/api/memberships/<id>`) or its custom fields
//! (`…/api/memberships/<id>/custom_fields`) on the space's own host. It is only a hint: the hub
//! re-reads that membership from its own host with its own token ([`crate::app::sync::Syncer::reread`]).
//!
//! **A hint is never argued with.** Every delivery to the hub's secret path for an event it
//! follows that names something (a `url`, or a deleted membership's `id`) is answered 2xx, even
//! one whose `url` the hub will not re-read (another space's or a
//! foreign host, an address the hub's `[cobot]` does not name such as a custom domain it was not
//! told about): Cobot deactivates a subscription that keeps getting 4xx, and the renewal that
//! follows would repeat the cycle. Such a hint is logged and costs no Cobot request; the next full
//! sync catches up. Cobot's documented sample writes the space's host as `http://…`: a hint for
//! one of the space's own hosts is followed whichever of http or https it names, because the
//! re-read goes to the configured (https) host anyway. Only a body Cobot never sends is refused:
//! one naming nothing (400 `bad_request`) or larger than 16 KB (413 `payload_too_large`).
//!
//! The hub answers at once (202) and re-reads afterwards, one at a time, in the order the hints
//! came ([`Followups`]): Cobot counts a slow answer as a failed delivery, and after 10 failures
//! turns the subscription off. Hints for a membership already waiting are folded into it; past
//! [`MAX_WAITING`] memberships waiting, the hub drops them and reads the whole space once instead
//! (three requests, and fresher than minutes of single re-reads).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use frontdoor_core::hub::Code;
use tokio::sync::watch;
use url::Url;

use crate::app::Hub;

/// Memberships waiting for a re-read before the hub reads the whole space instead: about three
/// and a half minutes of Cobot's 58 requests a minute.
pub const MAX_WAITING: usize = 200;

/// Why a delivery names nothing the hub follows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Neither `url` nor `membership.id`, as JSON or form data.
    #[error("The webhook body names no membership: the hub reads url=… (or a membership with its id), as JSON or form data.")]
    Unreadable,
    /// A URL that is not a membership on the space's host.
    #[error("the webhook names {0}, which is not a membership on this space's Cobot host; ignored")]
    Foreign(String),
}

impl From<Error> for crate::app::Error {
    fn from(e: Error) -> crate::app::Error {
        match e {
            Error::Unreadable => crate::app::Error::new(StatusCode::BAD_REQUEST, Code::BadRequest, e.to_string()),
            Error::Foreign(_) => {
                crate::app::Error::new(StatusCode::UNPROCESSABLE_ENTITY, Code::ForeignUrl, e.to_string())
            }
        }
    }
}

/// What a delivery's body names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// Its `url`.
    Url(String),
    /// No `url`, but the deleted membership's `id`.
    Membership(String),
}

/// Reads a delivery's body: JSON, or form data (`url=…`, `membership[id]=…`), whichever the
/// content type says, else whichever reads.
pub fn read_body(content_type: Option<&str>, body: &[u8]) -> Result<Named, Error> {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/x-www-form-urlencoded") => from_form(body),
        Some("application/json") => from_json(body),
        _ => from_json(body).or_else(|_| from_form(body)),
    }
}

fn from_json(body: &[u8]) -> Result<Named, Error> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|_| Error::Unreadable)?;
    if let Some(url) = value.get("url").and_then(|u| u.as_str()) {
        return Ok(Named::Url(url.to_string()));
    }
    match value.pointer("/membership/id") {
        Some(serde_json::Value::String(id)) => Ok(Named::Membership(id.clone())),
        Some(serde_json::Value::Number(id)) => Ok(Named::Membership(id.to_string())),
        _ => Err(Error::Unreadable),
    }
}

fn from_form(body: &[u8]) -> Result<Named, Error> {
    let mut id = None;
    for (key, value) in url::form_urlencoded::parse(body) {
        match key.as_ref() {
            "url" => return Ok(Named::Url(value.into_owned())),
            "membership[id]" => id = Some(value.into_owned()),
            _ => {}
        }
    }
    id.map(Named::Membership).ok_or(Error::Unreadable)
}

/// The membership a delivery points at. A URL must be on one of `hosts` (the space's own host,
/// and with a custom domain also its `cobot.me` host), under `api/memberships/<id>` or
/// `api/memberships/<id>/custom_fields`, without query or fragment.
pub fn membership_id(named: &Named, hosts: &[Url]) -> Result<String, Error> {
    let text = match named {
        Named::Membership(id) => return valid_id(id).then(|| id.clone()).ok_or(Error::Unreadable),
        Named::Url(text) => text,
    };
    let foreign = || Error::Foreign(text.chars().take(200).collect());
    let url = Url::parse(text).map_err(|_| foreign())?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(foreign());
    }
    let rest = hosts
        .iter()
        .filter(|base| same_host(base, &url))
        .find_map(|base| url.path().strip_prefix(base.path()))
        .and_then(|rest| rest.strip_prefix("api/memberships/"))
        .ok_or_else(foreign)?;
    let id = rest.strip_suffix("/custom_fields").unwrap_or(rest);
    valid_id(id).then(|| id.to_string()).ok_or_else(foreign)
}

/// Whether `url` is on the host `base`: the same origin, or the same host and port written with
/// `http://` for an `https://` host (Cobot's documented sample URL).
fn same_host(base: &Url, url: &Url) -> bool {
    base.origin() == url.origin()
        || (base.scheme() == "https"
            && url.scheme() == "http"
            && base.host() == url.host()
            && base.port() == url.port())
}

fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One re-read to do.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Job {
    /// The event, from the hub's own callback path: it decides what is read.
    event: String,
    membership_id: String,
}

impl Job {
    fn custom_fields(&self) -> bool {
        self.event == "updated_custom_field"
    }
}

#[derive(Debug, Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Too many waited: read the whole space instead.
    full_sync: bool,
    /// A task is working through the queue.
    draining: bool,
}

/// The re-reads webhooks asked for, done one at a time in the background.
#[derive(Debug)]
pub struct Followups {
    queue: Mutex<Queue>,
    /// Whether re-reads are waiting or under way.
    busy: watch::Sender<bool>,
}

impl Default for Followups {
    fn default() -> Self {
        Followups {
            queue: Mutex::new(Queue::default()),
            busy: watch::channel(false).0,
        }
    }
}

impl Followups {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a re-read of `membership_id` for `event`, and starts working through the queue if
    /// nothing is. A hint for a membership already waiting (for the same kind of read) adds
    /// nothing: the read happens later and sees the newest data.
    pub fn push(&self, hub: &Arc<Hub>, event: &str, membership_id: String) {
        let job = Job {
            event: event.to_string(),
            membership_id,
        };
        let mut queue = self.queue();
        if !queue.full_sync
            && !queue
                .jobs
                .iter()
                .any(|j| j.membership_id == job.membership_id && j.custom_fields() == job.custom_fields())
        {
            if queue.jobs.len() >= MAX_WAITING {
                tracing::info!(
                    waiting = queue.jobs.len(),
                    "many webhooks at once; reading the whole space instead of each membership"
                );
                queue.jobs.clear();
                queue.full_sync = true;
            } else {
                queue.jobs.push_back(job);
            }
        }
        if !queue.draining {
            queue.draining = true;
            self.busy.send_replace(true);
            tokio::spawn(drain(hub.clone()));
        }
    }

    /// Waits until no re-read is waiting or under way (tests, and a clean stop).
    pub async fn settled(&self) {
        let mut busy = self.busy.subscribe();
        let _ = busy.wait_for(|b| !b).await;
    }

    /// The next thing to do, or `None` (and not draining any more) when the queue is empty.
    fn next(&self) -> Option<Option<Job>> {
        let mut queue = self.queue();
        if queue.full_sync {
            queue.full_sync = false;
            return Some(None);
        }
        match queue.jobs.pop_front() {
            Some(job) => Some(Some(job)),
            None => {
                queue.draining = false;
                self.busy.send_replace(false);
                None
            }
        }
    }
}

/// Works through the queue until it is empty. A re-read that fails is recorded in the sync runs
/// like any other, and the next full sync catches up.
async fn drain(hub: Arc<Hub>) {
    static FAILED: std::sync::OnceLock<crate::base::log::LogBudget> = std::sync::OnceLock::new();
    while let Some(next) = hub.followups.next() {
        let outcome = match &next {
            Some(job) => hub.syncer.reread(&job.event, &job.membership_id).await.map(|_| ()),
            None => hub.syncer.full().await.map(|_| ()),
        };
        if let Err(e) = outcome {
            if crate::base::log::budgeted(&FAILED, "A webhook's re-read failed", 10).admit() {
                tracing::warn!("a webhook's re-read failed; the next full sync catches up: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<Url> {
        vec![
            Url::parse("https://members.lighthouse.example/").unwrap(),
            Url::parse("http://127.0.0.1:9/sub/lighthouse/").unwrap(),
        ]
    }

    #[test]
    fn cobots_body_shapes_read_as_json_or_form_data() {
        let url = "https://members.lighthouse.example/api/memberships/m1";
        for (content_type, body) in [
            (Some("application/json"), format!(r#"{{"url":"{url}"}}"#)),
            (
                Some("application/x-www-form-urlencoded"),
                format!("url={}", url.replace(':', "%3A").replace('/', "%2F")),
            ),
            (None, format!(r#"{{"url":"{url}"}}"#)),
            (Some("text/plain"), format!("url={url}")),
            (
                Some("application/json; charset=utf-8"),
                format!(r#"{{"url":"{url}","membership":{{"id":"m1","name":"Sam"}}}}"#),
            ),
        ] {
            assert_eq!(
                read_body(content_type, body.as_bytes()),
                Ok(Named::Url(url.into())),
                "{content_type:?} {body}"
            );
        }
        assert_eq!(
            read_body(None, br#"{"membership":{"id":"m1"}}"#),
            Ok(Named::Membership("m1".into()))
        );
        assert_eq!(
            read_body(
                Some("application/x-www-form-urlencoded"),
                b"membership%5Bid%5D=m1&membership%5Bname%5D=Sam"
            ),
            Ok(Named::Membership("m1".into()))
        );
        assert_eq!(read_body(None, b"{}"), Err(Error::Unreadable));
        assert_eq!(read_body(Some("application/json"), b"url=x"), Err(Error::Unreadable));
    }

    #[test]
    fn only_memberships_on_the_spaces_hosts_are_followed() {
        let id = |url: &str| membership_id(&Named::Url(url.into()), &hosts());
        assert_eq!(
            id("https://members.lighthouse.example/api/memberships/m1"),
            Ok("m1".into())
        );
        assert_eq!(
            id("https://members.lighthouse.example/api/memberships/m1/custom_fields"),
            Ok("m1".into())
        );
        assert_eq!(
            id("http://127.0.0.1:9/sub/lighthouse/api/memberships/m-2_x"),
            Ok("m-2_x".into())
        );
        for foreign in [
            "https://evil.example/api/memberships/m1",
            "http://127.0.0.1:9/sub/other/api/memberships/m1",
            "https://members.lighthouse.example/api/user",
            "https://members.lighthouse.example/api/memberships/m1?x=1",
            "https://members.lighthouse.example/api/memberships/m1/check_ins",
            "https://members.lighthouse.example/api/memberships/",
            "not a url",
        ] {
            assert!(matches!(id(foreign), Err(Error::Foreign(_))), "{foreign}");
        }
        assert_eq!(
            membership_id(&Named::Membership("m1".into()), &hosts()),
            Ok("m1".into())
        );
        assert_eq!(
            membership_id(&Named::Membership("../m1".into()), &hosts()),
            Err(Error::Unreadable)
        );
    }

    #[test]
    fn a_hint_for_the_spaces_https_host_written_with_http_is_followed_and_nothing_else() {
        let hosts = vec![Url::parse("https://lighthouse.cobot.me/").unwrap()];
        let named = |url: &str| membership_id(&Named::Url(url.into()), &hosts);
        assert_eq!(named("https://lighthouse.cobot.me/api/memberships/m1"), Ok("m1".into()));
        assert_eq!(
            named("http://lighthouse.cobot.me/api/memberships/m1"),
            Ok("m1".into()),
            "Cobot's documented sample writes http://"
        );
        for foreign in [
            "https://other.cobot.me/api/memberships/m1",
            "http://lighthouse.cobot.me:8080/api/memberships/m1",
            "ftp://lighthouse.cobot.me/api/memberships/m1",
            "https://lighthouse.cobot.me/api/user",
        ] {
            assert!(matches!(named(foreign), Err(Error::Foreign(_))), "{foreign}");
        }
    }
}
