//! Webhooks (API 1, cobot-api.md §8): subscriptions on a space's host and their delivery.
//!
//! Delivery is Cobot's documented behaviour: an HTTP POST of `{"url":"<space>/api/memberships/<id>"}`
//! (a pointer to re-fetch with your own token) to every active subscription for the event;
//! `deleted_membership` carries the whole deleted membership object under `membership` beside
//! the `url` (cobot-api.md §10, Cobot's Zapier app). As JSON, or as form data (`url=…`,
//! `membership[name]=…`) with [`crate::WebhookEncoding::Form`] ([U] which Cobot sends);
//! `updated_custom_field` points at the membership or, with
//! [`crate::CustomFieldUrl::CustomFields`], at its `/custom_fields` ([U]). Any 2xx acknowledges;
//! 410 deactivates the subscription at once;
//! anything else (other statuses, redirects — never followed —, connection errors, timeouts
//! after 10 s) is retried up to 10 times, waiting `webhook_retry_base * 2^(n-1)` before retry
//! *n* (default base 70 s: ~20 h in all, as Cobot says), then the subscription is deactivated.
//! No signature. Deliveries run on tokio tasks outside the state lock, on real (not simulated)
//! time; each attempt is recorded and broadcast ([`Sim::watch_deliveries`]).
//!
//! Events fire when data changes (see [`Event`]); events driven by the calendar alone
//! (`membership_cancellation_date_reached`, `membership_plan_change_date_reached`) and those about
//! admins, check-in tokens and time passes can be subscribed to but are never fired.
//! `created_checkin` and `created_checkout` fire on check-in and check-out (API 1 or API 2) with
//! `{"url":"<space>/api/memberships/<id>/check_ins"}`, the membership's check-in list ([U]: the
//! body Cobot sends for check-in events is undocumented).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::api::body_param;
use crate::call::Call;
use crate::error::ApiError;
use crate::members::admin_call;
use crate::membership::{api1_json, api1_url};
use crate::state::State as SimState;
use crate::Sim;

/// Events a client may subscribe to (cobot-api.md §8, "relevant events").
pub const SUBSCRIBABLE_EVENTS: [&str; 20] = [
    "created_membership",
    "confirmed_membership",
    "canceled_membership",
    "uncanceled_membership",
    "reactivated_membership",
    "membership_cancellation_date_reached",
    "deleted_membership",
    "changed_membership_plan",
    "membership_plan_change_date_reached",
    "updated_membership_details",
    "updated_custom_field",
    "connected_user",
    "created_admin",
    "deleted_admin",
    "created_checkin",
    "created_checkout",
    "created_checkin_token",
    "deleted_checkin_token",
    "membership_added_time_passes",
    "membership_removed_time_passes",
];

/// Attempts per notification: the first plus Cobot's "up to 10" retries.
const MAX_ATTEMPTS: u32 = 11;

/// The events the simulator fires, when data changes (through the control API or an API write).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A membership was created.
    CreatedMembership,
    /// An admin confirmed a pending membership.
    ConfirmedMembership,
    /// A cancellation date was set.
    CanceledMembership,
    /// A cancellation was withdrawn.
    UncanceledMembership,
    /// The plan changed (now or from a future date).
    ChangedMembershipPlan,
    /// A custom field value changed.
    UpdatedCustomField,
    /// Name, email, phone, company or picture changed.
    UpdatedMembershipDetails,
    /// A membership was deleted.
    DeletedMembership,
    /// A user account was connected to a membership that had none.
    ConnectedUser,
    /// A membership was checked in.
    CreatedCheckin,
    /// A membership was checked out.
    CreatedCheckout,
}

impl Event {
    /// Cobot's event name.
    pub fn as_str(self) -> &'static str {
        match self {
            Event::CreatedMembership => "created_membership",
            Event::ConfirmedMembership => "confirmed_membership",
            Event::CanceledMembership => "canceled_membership",
            Event::UncanceledMembership => "uncanceled_membership",
            Event::ChangedMembershipPlan => "changed_membership_plan",
            Event::UpdatedCustomField => "updated_custom_field",
            Event::UpdatedMembershipDetails => "updated_membership_details",
            Event::DeletedMembership => "deleted_membership",
            Event::ConnectedUser => "connected_user",
            Event::CreatedCheckin => "created_checkin",
            Event::CreatedCheckout => "created_checkout",
        }
    }
}

/// A webhook subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub(crate) id: String,
    pub(crate) space: String,
    pub(crate) event: String,
    pub(crate) callback_url: String,
    /// Who subscribed: subscriptions are listed per user and client.
    pub(crate) user_id: String,
    pub(crate) client_id: String,
    pub(crate) active: bool,
}

impl Subscription {
    /// As Cobot lists it; `base` is the space's host.
    fn json(&self, base: &str) -> Value {
        json!({
            "id": self.id,
            "event": self.event,
            "url": format!("{base}/api/subscriptions/{}", self.id),
            "active": self.active,
            "callback_url": self.callback_url,
        })
    }
}

/// A POST to make.
#[derive(Debug, Clone)]
pub(crate) struct Notification {
    subscription_id: String,
    callback_url: String,
    event: &'static str,
    body: Value,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// It failed; another attempt follows.
    Retrying,
    /// The subscription was deactivated: 410, or the last retry failed.
    Deactivated,
}

/// One webhook delivery attempt (`GET /_sim/webhooks/deliveries`, [`Sim::watch_deliveries`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    /// The subscription delivered to.
    pub subscription_id: String,
    /// Cobot's event name.
    pub event: String,
    /// Where it was POSTed.
    pub callback_url: String,
    /// The JSON body sent.
    pub body: Value,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// The transport error, if it did not.
    pub error: Option<String>,
    /// What happened next.
    pub outcome: DeliveryOutcome,
}

impl SimState {
    /// The notifications `events` on membership `id` cause, built while the membership still
    /// exists (`deleted_membership` carries the whole object).
    pub(crate) fn membership_notifications(&self, subdomain: &str, id: &str, events: &[Event]) -> Vec<Notification> {
        let (Some(space), Some(m)) = (self.space(subdomain), self.membership_in(subdomain, id)) else {
            return Vec::new();
        };
        let url = api1_url(self, m);
        let mut notes = Vec::new();
        for &event in events {
            let body = match event {
                Event::DeletedMembership => {
                    json!({"url": url, "membership": api1_json(self, space, m, self.today(space))})
                }
                Event::UpdatedCustomField
                    if self.settings.variants.custom_field_webhook_url == crate::CustomFieldUrl::CustomFields =>
                {
                    json!({"url": format!("{url}/custom_fields")})
                }
                _ => json!({"url": url}),
            };
            notes.extend(self.notifications(subdomain, event, &body));
        }
        notes
    }

    /// The notifications `event` with `body` causes in the space's active subscriptions.
    pub(crate) fn notifications(&self, subdomain: &str, event: Event, body: &Value) -> Vec<Notification> {
        self.subscriptions
            .iter()
            .filter(|s| s.active && s.space == subdomain && s.event == event.as_str())
            .map(|s| Notification {
                subscription_id: s.id.clone(),
                callback_url: s.callback_url.clone(),
                event: event.as_str(),
                body: body.clone(),
            })
            .collect()
    }

    fn subscription_active(&self, id: &str) -> bool {
        self.subscriptions.iter().any(|s| s.id == id && s.active)
    }
}

impl Sim {
    /// Sends `notes`, each on its own task. Needs a tokio runtime; without one (a change made
    /// from plain synchronous code) the notifications are dropped with a warning.
    pub(crate) fn deliver(&self, notes: Vec<Notification>) {
        if notes.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(count = notes.len(), "no tokio runtime: webhooks not delivered");
            return;
        };
        for note in notes {
            runtime.spawn(deliver_one(self.clone(), note));
        }
    }

    /// Every webhook delivery attempt from now on, as it completes. Lagging receivers lose the
    /// oldest (capacity 1024); the full record stays in `GET /_sim/webhooks/deliveries`.
    pub fn watch_deliveries(&self) -> broadcast::Receiver<Delivery> {
        self.delivery_sender().subscribe()
    }

    /// Every webhook delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.lock().deliveries.clone()
    }
}

async fn deliver_one(sim: Sim, note: Notification) {
    let base = sim.lock().settings.webhook_retry_base;
    for attempt in 1..=MAX_ATTEMPTS {
        let encoding = {
            let state = sim.lock();
            if !state.subscription_active(&note.subscription_id) {
                return;
            }
            state.settings.variants.webhook_encoding
        };
        let request = sim.http().post(&note.callback_url);
        let request = match encoding {
            crate::WebhookEncoding::Json => request.json(&note.body),
            crate::WebhookEncoding::Form => request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(crate::variants::form_encode(&note.body)),
        };
        let result = request.send().await;
        let (status, error) = match result {
            Ok(response) => (Some(response.status().as_u16()), None),
            Err(e) => (None, Some(error_chain(&e))),
        };
        let outcome = match status {
            Some(s) if (200..300).contains(&s) => DeliveryOutcome::Delivered,
            Some(410) => DeliveryOutcome::Deactivated,
            _ if attempt == MAX_ATTEMPTS => DeliveryOutcome::Deactivated,
            _ => DeliveryOutcome::Retrying,
        };
        let delivery = Delivery {
            subscription_id: note.subscription_id.clone(),
            event: note.event.to_string(),
            callback_url: note.callback_url.clone(),
            body: note.body.clone(),
            attempt,
            status,
            error,
            outcome,
        };
        tracing::info!(
            subscription = %note.subscription_id,
            event = note.event,
            attempt,
            status,
            outcome = ?outcome,
            "webhook delivery"
        );
        {
            let mut state = sim.lock();
            if outcome == DeliveryOutcome::Deactivated {
                if let Some(s) = state.subscriptions.iter_mut().find(|s| s.id == note.subscription_id) {
                    s.active = false;
                }
            }
            state.deliveries.push(delivery.clone());
        }
        let _ = sim.delivery_sender().send(delivery);
        if outcome != DeliveryOutcome::Retrying {
            return;
        }
        let wait = base.saturating_mul(1 << (attempt - 1).min(20));
        tokio::time::sleep(wait.min(Duration::from_secs(86_400))).await;
    }
}

/// An error with its sources, for the delivery record.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// A usable callback: an absolute http(s) URL with a host.
fn valid_callback(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// `POST /api/subscriptions` (admin, `write_subscriptions`) `{"event":…,"callback_url":…}` (JSON
/// or form): 201 with the subscription; 422 `{"errors":{"event"|"callback_url":…}}` for an
/// unknown event or a non-http(s) URL; 409 if an active subscription of the space already has
/// this event and URL (an inactive one may be renewed by subscribing again).
pub(crate) async fn create(
    Path(subdomain): Path<String>,
    call: Call,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut state = call.sim.lock();
    let record = admin_call(&state, &subdomain, &call, &["write_subscriptions"])?;
    let event = body_param(&headers, &body, "event").unwrap_or_default();
    if !SUBSCRIBABLE_EVENTS.contains(&event.as_str()) {
        return Err(ApiError::invalid("event", "is not included in the list"));
    }
    let callback_url = body_param(&headers, &body, "callback_url").unwrap_or_default();
    if !valid_callback(&callback_url) {
        return Err(ApiError::invalid("callback_url", "is invalid"));
    }
    let duplicate = state
        .subscriptions
        .iter()
        .any(|s| s.active && s.space == subdomain && s.event == event && s.callback_url == callback_url);
    if duplicate {
        return Err(ApiError::message(
            StatusCode::CONFLICT,
            "A subscription for this event and callback URL already exists.",
        ));
    }
    state.last_subscription_id += 1;
    let subscription = Subscription {
        id: state.last_subscription_id.to_string(),
        space: subdomain,
        event,
        callback_url,
        user_id: record.user_id,
        client_id: record.client_id,
        active: true,
    };
    let body = subscription.json(&state.space_base(&subscription.space));
    tracing::info!(id = %subscription.id, event = %subscription.event, "subscribed");
    state.subscriptions.push(subscription);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /api/subscriptions` (admin, `read_subscriptions`): this user's and client's
/// subscriptions in the space, inactive ones included (with `"active": false`).
pub(crate) async fn list(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let record = admin_call(&state, &subdomain, &call, &["read_subscriptions"])?;
    let list: Vec<Value> = state
        .subscriptions
        .iter()
        .filter(|s| s.space == subdomain && s.user_id == record.user_id && s.client_id == record.client_id)
        .map(|s| s.json(&state.space_base(&subdomain)))
        .collect();
    Ok(Json(Value::Array(list)))
}

/// `GET /api/subscriptions/{id}` (admin, `read_subscriptions`): one of the caller's
/// subscriptions, to "check its active status"; someone else's or unknown is 404.
pub(crate) async fn show(Path((subdomain, id)): Path<(String, String)>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let record = admin_call(&state, &subdomain, &call, &["read_subscriptions"])?;
    state
        .subscriptions
        .iter()
        .find(|s| s.id == id && s.space == subdomain && s.user_id == record.user_id && s.client_id == record.client_id)
        .map(|s| Json(s.json(&state.space_base(&subdomain))))
        .ok_or_else(ApiError::not_found)
}

/// `DELETE /api/subscriptions/{id}` (admin, `write_subscriptions`): unsubscribes; 204. Someone
/// else's or unknown is 404.
pub(crate) async fn delete(Path((subdomain, id)): Path<(String, String)>, call: Call) -> Result<StatusCode, ApiError> {
    let mut state = call.sim.lock();
    let record = admin_call(&state, &subdomain, &call, &["write_subscriptions"])?;
    let position = state
        .subscriptions
        .iter()
        .position(|s| {
            s.id == id && s.space == subdomain && s.user_id == record.user_id && s.client_id == record.client_id
        })
        .ok_or_else(ApiError::not_found)?;
    state.subscriptions.remove(position);
    tracing::info!(%id, "unsubscribed");
    Ok(StatusCode::NO_CONTENT)
}
