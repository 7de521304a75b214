//! Home Assistant over its REST API (doors.md §3.1).
//!
//! A pulse is one `POST <base>/api/services/<domain>/<service>` with `Authorization: Bearer <token>`
//! and the body `{"entity_id": "<entity>"}`. Home Assistant answers when the service has run or
//! after 10 seconds, whichever comes first, with the list of states that **changed during the
//! call** (possibly including unrelated entities): the pulse is [`Confirmation::Confirmed`] when the
//! door's entity is in that list, [`Confirmation::SentUnconfirmed`] otherwise (e.g. HA's 10 s cap).
//!
//! # Only self-closing services
//!
//! Every Frontdoor door closes itself on the device, so a crash of the hub, of Home Assistant or of
//! the network can never leave it open. Home Assistant cannot carry a duration to a device, and
//! doors.md gives no device-side off for `switch.turn_on` (an HA script or automation that turns
//! the switch off later runs **inside HA** and dies with it), so this driver offers only services
//! that are self-closing by what they are, see [`Service`]:
//!
//! - `lock.unlock`: the lock must **relock itself** (its own auto-lock, e.g. Nuki/Zigbee auto-relock
//!   or a door-closed sensor on the lock). The pulse length is the lock's auto-relock time;
//!   the `duration` passed to [`DoorDriver::pulse`] is advisory and not sent;
//! - `lock.open`: unlatch, which locks with a latch release momentarily by design;
//! - `button.press`: a momentary button entity whose **device** pulses the strike and turns it off
//!   by itself (e.g. an ESPHome `button` whose `on_press` runs `switch.turn_on`, `delay`,
//!   `switch.turn_off` on the device, or a relay whose own auto-off/inching is configured);
//! - `switch.turn_on`, only as [`Service::SwitchTurnOnSelfClosing`]: for a switch whose **device**
//!   turns it off again (Shelly "auto off", Tasmota `PulseTime`, a Zigbee relay's inching mode).
//!   Home Assistant cannot tell, so whoever configures the door must say so explicitly (the hub's
//!   `switch_turns_itself_off = true`); an HA automation that turns it off later does not count.
//!
//! What the driver requires of the HA setup, then: a dedicated HA user whose long-lived token lives
//! only in the hub (doors.md §3.3: HA tokens carry broad rights; never ship one to a phone), and an
//! entity of one of these kinds whose device closes by itself. A plain `switch` must be wrapped on
//! the device (an ESPHome/Shelly/Tasmota pulse) and exposed as a `button`, or driven directly by the
//! device's own driver instead.
//!
//! # Retries
//!
//! See [`super`]: only a failure to connect is retried, once. Home Assistant does not answer 401 with
//! a challenge that could be answered, so a 401 is final.

use std::fmt;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use url::Url;

use super::{
    exchange, host_port, join, snippet, unexpected_answer, Confirmation, DoorDriver, Error, PulseFuture, PulseOutcome,
};

/// Home Assistant answers a service call after at most 10 s; one more second lets that answer
/// arrive instead of turning a slow lock into a timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(11);

/// A long-lived access token (HA profile → Security): one of the crate's redacted secrets.
pub use crate::secret::HomeAssistantToken;

/// The self-closing services this driver calls (see the module documentation for what each
/// requires of the device).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `lock.unlock`; the lock must relock itself.
    LockUnlock,
    /// `lock.open` (unlatch).
    LockOpen,
    /// `button.press`; the device must turn the strike off by itself.
    ButtonPress,
    /// `switch.turn_on` on a switch whose device turns itself off (auto-off, `PulseTime`); the
    /// configuration must attest it, see the module documentation.
    SwitchTurnOnSelfClosing,
}

impl Service {
    /// The entity domain, which is also the service's domain (`lock`, `button`).
    pub fn domain(self) -> &'static str {
        match self {
            Service::LockUnlock | Service::LockOpen => "lock",
            Service::ButtonPress => "button",
            Service::SwitchTurnOnSelfClosing => "switch",
        }
    }

    /// The service name within the domain.
    pub fn name(self) -> &'static str {
        match self {
            Service::LockUnlock => "unlock",
            Service::LockOpen => "open",
            Service::ButtonPress => "press",
            Service::SwitchTurnOnSelfClosing => "turn_on",
        }
    }
}

/// An entity id that does not fit the service.
#[derive(Debug, thiserror::Error)]
#[error(
    "The Home Assistant entity `{entity}` cannot be used with {domain}.{service}: \
     it must be a `{domain}.…` entity. Check the door's entity id."
)]
pub struct WrongEntity {
    entity: String,
    domain: &'static str,
    service: &'static str,
}

/// A door opened through a Home Assistant service call.
pub struct HomeAssistant {
    http: reqwest::Client,
    url: Url,
    token: HomeAssistantToken,
    service: Service,
    entity: String,
    timeout: Duration,
}

impl fmt::Debug for HomeAssistant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HomeAssistant")
            .field("url", &self.url.as_str())
            .field("service", &self.service)
            .field("entity", &self.entity)
            .field("token", &self.token)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HomeAssistant {
    /// A driver calling `service` on `entity` (e.g. `lock.front_door`) in the Home Assistant at `base`
    /// (e.g. `http://homeassistant.local:8123/`), with this module's [`DEFAULT_TIMEOUT`]. `http`
    /// should be one client per driver (see [`super::http_client`]).
    pub fn new(
        http: reqwest::Client,
        base: Url,
        token: HomeAssistantToken,
        service: Service,
        entity: impl Into<String>,
    ) -> Result<HomeAssistant, WrongEntity> {
        let entity = entity.into();
        let fits = entity
            .split_once('.')
            .is_some_and(|(domain, object)| domain == service.domain() && !object.is_empty());
        if !fits {
            return Err(WrongEntity {
                entity,
                domain: service.domain(),
                service: service.name(),
            });
        }
        Ok(HomeAssistant {
            http,
            url: join(base, &format!("api/services/{}/{}", service.domain(), service.name())),
            token,
            service,
            entity,
            timeout: DEFAULT_TIMEOUT,
        })
    }

    /// The same driver with another per-request timeout (default: this module's [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> HomeAssistant {
        self.timeout = timeout;
        self
    }

    async fn pulse_now(&self) -> Result<PulseOutcome, Error> {
        let started = Instant::now();
        let body = json!({ "entity_id": self.entity }).to_string();
        let (status, body) = exchange(self.timeout, || {
            self.http
                .post(self.url.clone())
                .timeout(self.timeout)
                .bearer_auth(self.token.secret())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        })
        .await?;
        match status {
            200 | 201 => {}
            401 | 403 => {
                return Err(Error::Refused {
                    status,
                    detail: "Home Assistant refused the token. Create a new long-lived access token for the \
                             door's Home Assistant user and put it in the door's settings."
                        .into(),
                })
            }
            400 | 404 => {
                return Err(Error::Refused {
                    status,
                    detail: format!(
                        "Home Assistant does not know the service {}.{} or the entity {} ({}). \
                         Check the door's entity id and that its integration is loaded.",
                        self.service.domain(),
                        self.service.name(),
                        self.entity,
                        snippet(&body)
                    ),
                })
            }
            _ => return Err(unexpected_answer(status, &body)),
        }
        let changed: Vec<Value> = serde_json::from_slice(&body)
            .map_err(|e| Error::Malformed(format!("not a list of states ({e}): {}", snippet(&body))))?;
        let ours = changed
            .iter()
            .any(|state| state.get("entity_id").and_then(Value::as_str) == Some(self.entity.as_str()));
        Ok(PulseOutcome {
            confirmation: if ours {
                Confirmation::Confirmed
            } else {
                Confirmation::SentUnconfirmed
            },
            latency: started.elapsed(),
            was_on: None,
        })
    }
}

impl DoorDriver for HomeAssistant {
    /// Calls the service once. `duration` is advisory: the lock's auto-relock or the device's own
    /// pulse decides how long the door stays open.
    fn pulse(&self, _duration: Duration) -> PulseFuture<'_> {
        Box::pin(self.pulse_now())
    }

    fn describe(&self) -> String {
        format!(
            "Home Assistant at {}, {}.{} {}",
            host_port(&self.url),
            self.service.domain(),
            self.service.name(),
            self.entity
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entity_of_another_domain_is_refused_at_configuration() {
        let base = Url::parse("http://ha.local:8123/").unwrap();
        let token = HomeAssistantToken::new("t");
        let error = HomeAssistant::new(
            super::super::http_client(),
            base.clone(),
            token.clone(),
            Service::LockUnlock,
            "switch.front_door",
        )
        .expect_err("a switch is not self-closing");
        assert!(error.to_string().contains("must be a `lock.…` entity"), "{error}");
        assert!(HomeAssistant::new(
            super::super::http_client(),
            base,
            token,
            Service::ButtonPress,
            "button."
        )
        .is_err());
    }
}
