//! Door drivers: one small trait over the relays and locks that open doors.
//!
//! A driver does one thing: [`DoorDriver::pulse`] energises the strike for a duration and lets the
//! **device itself** turn it off again (Shelly `toggle_after`/`timer`, Tasmota `PulseTime`, …), so a
//! crash, a lost "off" command or a dead network can never leave a door open (doors.md §1.2,
//! "Device-side safety").
//!
//! - [`shelly`]: Shelly Gen2+/Gen3 JSON-RPC over HTTP (SHA-256 digest auth) and Gen1 `/relay/<n>`.
//! - [`webhook`]: a generic HTTPS webhook signed the Standard Webhooks way (HMAC-SHA256), with the
//!   receiver's half ([`webhook::verify`], [`webhook::Receiver`]).
//! - [`home_assistant`]: Home Assistant REST service calls, limited to self-closing services
//!   (`lock.unlock`, `lock.open`, `button.press`).
//! - [`mqtt`]: MQTT relays (Tasmota, Zigbee2MQTT switches, Shelly Gen2+ over MQTT) through one
//!   shared connection per broker, confirmed by the device's own echo.
//!
//! # Architecture Invariant: a pulse is sent at most once
//!
//! A driver never sends a command twice when the first one may have reached the device. Only a
//! failure that proves nothing was sent may be retried, and only once:
//!
//! - **retried once:** a failure to *connect* (refused, no route, connect timeout) — no byte of the
//!   request left this machine;
//! - **retried once, with credentials:** an HTTP 401 challenge — the device answered that it did
//!   *not* execute the command;
//! - **never retried:** a timeout after the request was sent, a connection reset or closed after the
//!   request was written, a 5xx, or an answer that cannot be read. The device may have acted; a
//!   second command could pulse twice (or re-arm the timer and hold the door open longer). These
//!   failures say so through [`Error::may_have_pulsed`], so the audit log can record "maybe opened".
//!
//! The person tapping "Unlock" may try again; that is their decision, not the driver's.

pub mod home_assistant;
pub mod mqtt;
pub mod shelly;
pub mod webhook;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use url::Url;

/// The default per-request timeout: a LAN relay answers in milliseconds; two seconds leaves room for
/// Wi-Fi power save and a digest round trip while still telling a person quickly that the door
/// did not answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// The future a [`DoorDriver`] returns: boxed, so the trait stays object-safe (`Arc<dyn DoorDriver>`)
/// without `async-trait`.
pub type PulseFuture<'a> = Pin<Box<dyn Future<Output = Result<PulseOutcome, Error>> + Send + 'a>>;

/// Something that can open one door: a relay channel, a lock, a webhook.
pub trait DoorDriver: Send + Sync {
    /// Turns the relay on and has the **device** turn it off again after `duration`.
    ///
    /// Never sends the command twice if the first may have reached the device (see the module
    /// documentation). Validating `duration` (a sensible pulse is a few seconds) is the caller's
    /// configuration job.
    fn pulse(&self, duration: Duration) -> PulseFuture<'_>;

    /// What this driver talks to, for logs and the audit trail: kind, address, channel. Never
    /// contains credentials.
    fn describe(&self) -> String;

    /// Whether the device can be reached, as far as the driver knows without sending anything
    /// (an MQTT device's availability and Last Will). HTTP drivers only learn it by trying.
    fn reach(&self) -> Reach {
        Reach::Unknown
    }
}

/// What a driver knows about its device's reachability without trying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The device announced itself online.
    Online,
    /// The device, or its Last Will, says it is offline.
    Offline,
    /// The connection the driver needs (the MQTT broker) is down, with the reason in words.
    LinkDown(String),
    /// Nothing known (yet).
    Unknown,
}

/// How sure the driver is that the door opened (doors.md §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The device itself answered that the relay is on (e.g. a Shelly `result`, a state echo).
    /// This proves the strike was energised, not that someone walked through.
    Confirmed,
    /// The command went out but the device did not confirm (e.g. no state echo in time while the
    /// device is known to be online).
    SentUnconfirmed,
}

/// What a successful pulse did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseOutcome {
    /// Whether the device confirmed.
    pub confirmation: Confirmation,
    /// The driver's own round-trip time, from the first byte sent to the answer read (auth
    /// round trips included). The hub adds its own share separately.
    pub latency: Duration,
    /// Whether the relay was already on before this pulse (Shelly Gen2 `was_on`), when the device
    /// says. An already-on relay had its timer re-armed.
    pub was_on: Option<bool>,
}

/// Why a pulse failed, in words for the person at the door and for the audit log.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request was sent and no answer came in time. The door may have opened.
    #[error(
        "The door did not answer within {} ms; it may or may not have opened. \
         Check that the door's controller is powered and on the network.",
        after.as_millis()
    )]
    Timeout {
        /// How long the driver waited.
        after: Duration,
    },
    /// The device could not be reached, or the connection broke before it answered.
    #[error(
        "The door's controller could not be reached ({detail}).{} \
         Check that it is powered and on the network.",
        if *may_have_pulsed { " The command may have reached it, so the door may have opened." } else { "" }
    )]
    Unreachable {
        /// What went wrong, without credentials.
        detail: String,
        /// Whether the command may have reached the device (the connection broke after sending).
        may_have_pulsed: bool,
        /// The transport error.
        #[source]
        source: Option<reqwest::Error>,
    },
    /// The device refused the command without executing it (e.g. HTTP 401: wrong password).
    #[error("The door's controller refused the command (HTTP {status}): {detail}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// What it means and what to do.
        detail: String,
    },
    /// The device answered with an error of its own (a JSON-RPC error, an HTTP 5xx).
    #[error("The door's controller reported an error{}: {message}", code.map(|c| format!(" ({c})")).unwrap_or_default())]
    DeviceError {
        /// The device's error code, when it gives one (Shelly: -103 invalid argument, -105 not found…).
        code: Option<i64>,
        /// The device's message.
        message: String,
    },
    /// The device answered something this driver does not understand. It may have acted.
    #[error("The door's controller sent an answer Frontdoor could not understand ({0}). The door may have opened.")]
    Malformed(String),
}

impl Error {
    /// Whether the device may have executed the command despite the error: the audit log should
    /// record "maybe opened", and nobody should retry automatically.
    pub fn may_have_pulsed(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Malformed(_) => true,
            Error::Unreachable { may_have_pulsed, .. } => *may_have_pulsed,
            Error::Refused { .. } | Error::DeviceError { .. } => false,
        }
    }
}

/// A device password (Shelly's admin password, a Gen1 login): one of the crate's redacted secrets.
pub use crate::secret::DevicePassword;

/// An HTTP client for door drivers: no redirects (a relay never redirects; following one could
/// send credentials elsewhere), `TCP_NODELAY` (doors.md: Nagle × delayed ACK costs ~40 ms per
/// hop), a short connect timeout. Build one per driver and keep it: its pool keeps connections
/// warm where the device allows keep-alive.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .connect_timeout(DEFAULT_TIMEOUT)
        .user_agent(concat!("Frontdoor/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("a client with these settings always builds")
}

// Shared HTTP plumbing for the drivers (first written for Shelly).

/// Sends a request built by `build`, retrying **only** a failure to connect, and only once: that
/// is the one failure that proves no byte of the command left this machine. Anything else —
/// a timeout, a reset after writing — may have reached the device and is reported, not retried.
pub(crate) async fn send(
    timeout: Duration,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, Error> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match build().send().await {
            Ok(response) => return Ok(response),
            Err(e) if e.is_connect() && attempts < 2 => {
                tracing::info!(cause = %root_cause(&e), "could not connect to the door's controller; retrying once");
            }
            Err(e) => return Err(transport_error(e, timeout)),
        }
    }
}

/// Sends a request built by `build` as [`send`] does and reads the whole answer: its status and
/// its body.
pub(crate) async fn exchange(
    timeout: Duration,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<(u16, Vec<u8>), Error> {
    let response = send(timeout, build).await?;
    let status = response.status().as_u16();
    Ok((status, read_body(response, timeout).await?))
}

/// An HTTP answer the driver has no meaning for: a 5xx is the device's own error, anything else
/// a refusal.
pub(crate) fn unexpected_answer(status: u16, body: &[u8]) -> Error {
    if (500..=599).contains(&status) {
        Error::DeviceError {
            code: None,
            message: format!("HTTP {status}: {}", snippet(body)),
        }
    } else {
        Error::Refused {
            status,
            detail: format!("unexpected answer: {}", snippet(body)),
        }
    }
}

/// Reads an answer's body; a failure here happened after the command was sent.
pub(crate) async fn read_body(response: reqwest::Response, timeout: Duration) -> Result<Vec<u8>, Error> {
    let body = response.bytes().await.map_err(|e| transport_error(e, timeout))?;
    Ok(body.to_vec())
}

/// Reads and discards a 401's body so the connection can be reused.
pub(crate) async fn drain(response: reqwest::Response, timeout: Duration) {
    let _ = read_body(response, timeout).await;
}

/// Classifies a transport failure: a connect failure sent nothing; anything else may have.
pub(crate) fn transport_error(e: reqwest::Error, timeout: Duration) -> Error {
    if e.is_connect() {
        Error::Unreachable {
            detail: format!("could not connect: {}", root_cause(&e)),
            may_have_pulsed: false,
            source: Some(e),
        }
    } else if e.is_timeout() {
        Error::Timeout { after: timeout }
    } else {
        Error::Unreachable {
            detail: format!("the connection broke after the command was sent: {}", root_cause(&e)),
            may_have_pulsed: true,
            source: Some(e),
        }
    }
}

/// The innermost cause of an error, which says what actually happened ("Connection refused").
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// `base` joined with `path`, as if `base` ended in a slash.
pub(crate) fn join(mut base: Url, path: &str) -> Url {
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path).expect("a relative path always joins")
}

/// `host:port` of a URL, never its user info.
pub(crate) fn host_port(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        _ => "(no host)".into(),
    }
}

/// The start of a body, for error messages.
pub(crate) fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_says_the_door_did_not_answer_and_that_it_may_have_opened() {
        let e = Error::Timeout {
            after: Duration::from_secs(2),
        };
        assert!(e.to_string().contains("The door did not answer"), "{e}");
        assert!(e.may_have_pulsed());
    }

    #[test]
    fn the_trait_is_object_safe() {
        fn holds(_: Option<std::sync::Arc<dyn DoorDriver>>) {}
        holds(None);
    }
}
