//! A generic HTTPS webhook door, signed the Standard Webhooks way (doors.md §6,
//! <https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md>).
//!
//! [`Webhook`] is the hub's escape hatch for any controller that can run a small HTTP endpoint. A
//! pulse is one `POST` of the JSON body
//!
//! ```json
//! {"door": "front", "action": "pulse", "duration_ms": 3000, "request_id": "fd_…"}
//! ```
//!
//! with the headers
//!
//! - `webhook-id`: the `request_id` again, unique per pulse;
//! - `webhook-timestamp`: Unix seconds when the pulse was signed;
//! - `webhook-signature`: `v1,<base64(HMAC-SHA256(key, "<id>.<timestamp>.<raw body>"))>`, where `key`
//!   is the base64-decoded part of the `whsec_…` [`WebhookSecret`].
//!
//! # What the receiver must do
//!
//! [`verify`] is the receiver's half, usable as is by a Rust receiver (and by the test double):
//! it checks the signature in constant time over the **raw** body bytes (parsing and re-serialising
//! JSON breaks it) and rejects timestamps more than the window (default [`DEFAULT_WINDOW`], ±30 s,
//! tighter than the spec's 5 min because this opens doors) from the receiver's clock. `verify` is
//! stateless, so it **cannot** reject a replayed request on its own: rejecting a reused
//! `webhook-id` within the window is the receiver's job, and it is mandatory for doors. [`Receiver`]
//! does both with an in-memory id store; a receiver that runs several instances needs a shared one.
//!
//! The receiver should answer `200`/`204` only **after** it has actuated the strike (or `202` when it
//! merely queued the command: the driver then reports [`Confirmation::SentUnconfirmed`]), `4xx` when
//! it refused without acting, and it must make the pulse self-closing on its side, like every door.
//!
//! # Retries
//!
//! See [`super`]: only a failure to connect is retried, once, with the very same id, timestamp and
//! signature, so even a receiver that somehow saw both copies would drop the second as a replay.
//! A timeout, a broken connection or a 5xx is reported, never retried.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::Url;

use super::{
    exchange, host_port, snippet, unexpected_answer, Confirmation, DoorDriver, Error, PulseFuture, PulseOutcome,
    DEFAULT_TIMEOUT,
};
use crate::access::DoorId;

/// The header carrying the message id (the body's `request_id`).
pub const ID_HEADER: &str = "webhook-id";
/// The header carrying the Unix timestamp, in seconds.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The header carrying the space-separated `v1,<base64>` signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// How far a timestamp may be from the receiver's clock, either way (doors.md §6: ±30 s for doors).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(30);

/// The prefix Standard Webhooks puts before a base64 secret.
const SECRET_PREFIX: &str = "whsec_";
const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The key shared by the hub and one receiver. `Debug` prints `[redacted]`; the key comes out only
/// through [`WebhookSecret::secret`] and [`WebhookSecret::to_whsec`].
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

/// A secret that is not `whsec_<base64>`.
#[derive(Debug, thiserror::Error)]
#[error("The webhook secret is not valid: {0}. Use the `whsec_…` value the receiver was set up with.")]
pub struct InvalidSecret(&'static str);

impl WebhookSecret {
    /// Parses `whsec_<base64>` (the prefix is optional, as in the reference libraries).
    pub fn parse(value: &str) -> Result<WebhookSecret, InvalidSecret> {
        let encoded = value.trim().strip_prefix(SECRET_PREFIX).unwrap_or(value.trim());
        let key = BASE64.decode(encoded).map_err(|_| InvalidSecret("it is not base64"))?;
        if key.len() < 16 {
            return Err(InvalidSecret("it is shorter than 16 bytes"));
        }
        Ok(WebhookSecret(key))
    }

    /// A fresh random 32-byte secret, for setting up a receiver.
    pub fn generate() -> WebhookSecret {
        WebhookSecret(rand::random::<[u8; 32]>().to_vec())
    }

    /// The raw HMAC key. Every call site is a place the secret leaves its box.
    pub fn secret(&self) -> &[u8] {
        &self.0
    }

    /// The `whsec_<base64>` form, to hand to the receiver's configuration.
    pub fn to_whsec(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.0))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// A door behind a signed webhook.
pub struct Webhook {
    http: reqwest::Client,
    url: Url,
    door: DoorId,
    secret: WebhookSecret,
    timeout: Duration,
    clock: crate::clock::Clock,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only host and port: receivers sometimes put a token in the path.
        f.debug_struct("Webhook")
            .field("host", &host_port(&self.url))
            .field("door", &self.door.0)
            .field("secret", &self.secret)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// A driver that posts pulses for `door` to `url` (an `https://` URL outside a lab), signed with
    /// `secret`, with [`DEFAULT_TIMEOUT`] and the system clock. `http` should be one client per
    /// driver (see [`super::http_client`]).
    pub fn new(http: reqwest::Client, url: Url, door: DoorId, secret: WebhookSecret) -> Webhook {
        Webhook {
            http,
            url,
            door,
            secret,
            timeout: DEFAULT_TIMEOUT,
            clock: crate::clock::Clock::system(),
        }
    }

    /// The same driver with another per-request timeout (default [`DEFAULT_TIMEOUT`]). A receiver
    /// that answers only after actuating may need a little more than a bare relay.
    pub fn with_timeout(mut self, timeout: Duration) -> Webhook {
        self.timeout = timeout;
        self
    }

    /// The same driver with another clock for `webhook-timestamp` (tests, a hub with its own time
    /// source).
    pub fn with_clock(mut self, clock: crate::clock::Clock) -> Webhook {
        self.clock = clock;
        self
    }

    async fn pulse_now(&self, duration: Duration) -> Result<PulseOutcome, Error> {
        let started = Instant::now();
        let id = format!(
            "fd_{}",
            rand::random::<[u8; 16]>()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let timestamp = self.clock.now().as_second();
        let body = json!({
            "door": self.door.0,
            "action": "pulse",
            "duration_ms": u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            "request_id": id,
        })
        .to_string();
        let signature = sign(&self.secret, &id, timestamp, body.as_bytes());
        let (status, body) = exchange(self.timeout, || {
            self.http
                .post(self.url.clone())
                .timeout(self.timeout)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(ID_HEADER, &id)
                .header(TIMESTAMP_HEADER, timestamp.to_string())
                .header(SIGNATURE_HEADER, &signature)
                .body(body.clone())
        })
        .await?;
        let confirmation = match status {
            202 => Confirmation::SentUnconfirmed,
            200..=299 => Confirmation::Confirmed,
            401 | 403 => {
                return Err(Error::Refused {
                    status,
                    detail: "the receiver rejected the signature. Check that the door's webhook secret matches \
                             the receiver's, and that both clocks are right to within 30 seconds."
                        .into(),
                })
            }
            404 => {
                return Err(Error::Refused {
                    status,
                    detail: format!(
                        "the receiver does not know this door or URL ({}). Check the door's webhook URL and id.",
                        snippet(&body)
                    ),
                })
            }
            _ => return Err(unexpected_answer(status, &body)),
        };
        Ok(PulseOutcome {
            confirmation,
            latency: started.elapsed(),
            was_on: None,
        })
    }
}

impl DoorDriver for Webhook {
    fn pulse(&self, duration: Duration) -> PulseFuture<'_> {
        Box::pin(self.pulse_now(duration))
    }

    fn describe(&self) -> String {
        format!("Signed webhook at {}, door {}", host_port(&self.url), self.door.0)
    }
}

/// The `webhook-signature` value for one message: `v1,<base64(HMAC-SHA256(key, "<id>.<ts>.<body>"))>`.
pub fn sign(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1,{}", BASE64.encode(signature(secret, id, timestamp, body)))
}

fn signature(secret: &WebhookSecret, id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
    hmac_sha256(
        secret.secret(),
        &[id.as_bytes(), b".", timestamp.to_string().as_bytes(), b".", body],
    )
}

/// The three signature headers as received, raw. A missing header is an empty string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignatureHeaders<'a> {
    /// `webhook-id`.
    pub id: &'a str,
    /// `webhook-timestamp`.
    pub timestamp: &'a str,
    /// `webhook-signature`: one or more space-separated `v1,<base64>` (several during key rotation).
    pub signature: &'a str,
}

/// Why a receiver must not act on a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// A signature header is missing or empty.
    #[error("The request lacks the `{0}` header, so it cannot be verified.")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a whole number of seconds.
    #[error("The request's timestamp is not a Unix time in seconds.")]
    MalformedTimestamp,
    /// The timestamp is too far from the receiver's clock: stale, replayed, or a clock is wrong.
    #[error(
        "The request was signed {skew_secs} s away from this receiver's clock, more than the {} s allowed. \
         It may be a replay; if not, check both clocks.",
        window.as_secs()
    )]
    OutsideWindow {
        /// `now − timestamp`, in seconds (negative: from the future).
        skew_secs: i64,
        /// The window that was allowed.
        window: Duration,
    },
    /// No `v1` signature matches: a wrong secret or a changed body.
    #[error("The request's signature does not match. Check the shared secret; the body must be signed as sent.")]
    BadSignature,
    /// The id was already accepted within the window.
    #[error("The request `{id}` was already received; a replay is not acted on.")]
    Replayed {
        /// The repeated `webhook-id`.
        id: String,
    },
}

/// The receiver's check of one request: the timestamp is within `window` of `now`, and one of the
/// `v1` signatures matches `body` (raw bytes, compared in constant time).
///
/// Stateless: it does **not** reject a replay inside the window. The receiver must also reject a
/// `webhook-id` it has already accepted within the window; [`Receiver`] does both.
pub fn verify(
    secret: &WebhookSecret,
    headers: &SignatureHeaders<'_>,
    body: &[u8],
    now: jiff::Timestamp,
    window: Duration,
) -> Result<(), VerifyError> {
    let timestamp = checked_timestamp(headers, now, window)?;
    let expected = signature(secret, headers.id, timestamp, body);
    let matches = headers
        .signature
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| BASE64.decode(encoded).ok())
        .any(|candidate| bool::from(candidate.ct_eq(&expected)));
    if matches {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

/// Checks presence of the headers and the window; returns the timestamp.
fn checked_timestamp(
    headers: &SignatureHeaders<'_>,
    now: jiff::Timestamp,
    window: Duration,
) -> Result<i64, VerifyError> {
    for (name, value) in [
        (ID_HEADER, headers.id),
        (TIMESTAMP_HEADER, headers.timestamp),
        (SIGNATURE_HEADER, headers.signature),
    ] {
        if value.trim().is_empty() {
            return Err(VerifyError::MissingHeader(name));
        }
    }
    let timestamp: i64 = headers
        .timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::MalformedTimestamp)?;
    let skew_secs = now.as_second().saturating_sub(timestamp);
    if skew_secs.unsigned_abs() > window.as_secs() {
        return Err(VerifyError::OutsideWindow { skew_secs, window });
    }
    Ok(timestamp)
}

/// A receiver's whole check: [`verify`], then reject any `webhook-id` already accepted while its
/// timestamp is still inside the window. Ids are remembered in memory until their timestamp leaves
/// the window (after that [`verify`] rejects them anyway), so the store stays small.
pub struct Receiver {
    secret: WebhookSecret,
    window: Duration,
    /// Accepted ids and the Unix second after which their timestamp is outside the window.
    seen: Mutex<HashMap<String, i64>>,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("secret", &self.secret)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver for `secret` with `window` (use [`DEFAULT_WINDOW`] for doors).
    pub fn new(secret: WebhookSecret, window: Duration) -> Receiver {
        Receiver {
            secret,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Accepts a request once: verified, in the window, and its id not seen before.
    pub fn accept(&self, headers: &SignatureHeaders<'_>, body: &[u8], now: jiff::Timestamp) -> Result<(), VerifyError> {
        verify(&self.secret, headers, body, now, self.window)?;
        let timestamp = checked_timestamp(headers, now, self.window)?;
        let mut seen = self.seen.lock().expect("not poisoned");
        let now = now.as_second();
        seen.retain(|_, until| *until >= now);
        if seen.contains_key(headers.id) {
            return Err(VerifyError::Replayed {
                id: headers.id.to_string(),
            });
        }
        let window = i64::try_from(self.window.as_secs()).unwrap_or(i64::MAX);
        seen.insert(headers.id.to_string(), timestamp.saturating_add(window));
        Ok(())
    }
}

/// HMAC-SHA256 (RFC 2104) over the concatenation of `message`'s parts.
fn hmac_sha256(key: &[u8], message: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    for part in message {
        inner.update(part);
    }
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_hmac_hashes_a_key_longer_than_a_block_first_as_rfc_4231_test_case_6_says() {
        let mac = hmac_sha256(
            &[0xaa; 131],
            &[b"Test Using Larger Than Block-Size Key - Hash Key First"],
        );
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(format!("{secret:?}"), "WebhookSecret([redacted])");
        assert_eq!(secret.to_whsec(), "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    #[test]
    fn a_secret_that_is_not_base64_or_too_short_is_refused() {
        assert!(WebhookSecret::parse("whsec_not base64!").is_err());
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err());
    }
}
