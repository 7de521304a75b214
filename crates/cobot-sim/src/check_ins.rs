//! Check-ins (cobot-api.md §6): API 1 on a space's host and API 2, one store for both.
//!
//! # Rules
//!
//! * A check-in is valid from now (whole seconds) until its pass ends ([`crate::time_passes`]):
//!   without passes (an unlimited plan) and with a day pass, until the end of the space's *Cobot
//!   day*: the next 03:59:59 in the space's time zone (the §6 sample checks in at 08:37 and is
//!   valid until 03:59:59 the next morning; the simulator reads that time as local, so in Berlin in
//!   winter it is `02:59:59 +0000`); a check-in made before 04:00 local ends at 03:59:59 the same
//!   morning. A duration pass ends after its duration, a fixed-span pass with its span.
//!   "Checked in now" ⇔ `valid_from <= now < valid_until`.
//! * A check-in is refused (API 1: 422 with Cobot's words in `errors.base`, or bare `base` with
//!   `POST /_sim/config {"check_in_refusal":"base"}`, see [`RefusalBody`]; API 2: 422 JSON:API error
//!   with pointer `/data/attributes/base`), checked in this order:
//!   1. "Membership not active." — pending (unconfirmed), not started yet, or ended (by the
//!      simulated clock, in the space's calendar);
//!   2. "Already checked in." — only with `POST /_sim/config {"repeat_check_in":"reject"}`. The
//!      default `"new"` creates another check-in, a duplicate a careless client would produce
//!      (Cobot: "a second check-in the same day is allowed and uses another pass", help center);
//!   3. no pass to check in with ([`crate::time_passes`]): "No time passes left." when none is
//!      left, or the [U] words for passes that are not valid at this time or on this day. A check-in
//!      with a pass uses one and shows `"time_pass":{"id":…}`; an unlimited plan uses none.
//! * Check-out sets `valid_until` to now on every current check-in of the membership (several
//!   only in `"new"` mode) and answers with the most recent; it is no longer current.
//! * Check-in and check-out fire `created_checkin` / `created_checkout` (see [`crate::webhooks`]).
//!
//! # API 1 (`{base}/sub/{subdomain}/api/…`, API 1 times `YYYY/MM/DD HH:MM:SS +0000`)
//!
//! * `POST /memberships/{id}/work_sessions` (no body): 201 with the check-in. The member whose
//!   user owns the membership or an admin of the space. Scope: [U] which one Cobot requires;
//!   [`CheckInScope`] (`SimConfig::check_in_scope`, `POST /_sim/config {"check_in_scope":…}`)
//!   makes the simulator require exactly `checkin` or exactly `write`, or take either (the
//!   default); without it, 403 `{"error":"insufficient scope","required":…}`. Another member's
//!   membership is 403.
//! * `DELETE /memberships/{id}/check_ins/current`: 200 with the checked-out check-in ([U]: status
//!   and body; 204 is as likely), 404 `{"error":"not found"}` when not checked in. Same callers
//!   and scopes as POST.
//! * `GET /work_sessions?from=&to=` (`read_check_ins`): the caller's own membership's check-ins;
//!   an admin's: the whole space's.
//! * `GET /check_ins` (`read_check_ins`, member or admin of the space): the space's check-ins that
//!   overlap today (the space's calendar day).
//! * `GET /memberships/{id}/check_ins?from=&to=` (`read_check_ins`, owner or admin).
//!
//! `from` and `to` are required ([U]; 422 `{"errors":{"from":"is invalid"}}` when missing or
//! malformed) and written `YYYY-MM-DD HH:MM:SS +0000` (§6; `YYYY/MM/DD …` and any `±HHMM` offset
//! are accepted too, and so is a `+` that arrived unescaped, i.e. as a space). A check-in is
//! listed when it overlaps `[from, to)`, or, with the variant `check_in_window = "starts"`, only
//! when it began within it (which Cobot does is unknown). Lists are plain arrays, oldest first, unpaginated.
//!
//! # API 2 (`{base}/api2/…`, JSON:API, ISO times)
//!
//! * `POST /check_ins` (`write_check_ins`, admin of the space in `relationships.space`): the
//!   membership is found by `attributes.checkInToken` only. 201 with the `checkIns` resource.
//!   An unknown token is 422 with pointer `/data/attributes/checkInToken` ([U]); a missing token
//!   or space 422 with the pointer of what is missing; a body that is not JSON 400.
//! * `PUT /check_ins/{id}/check_out` (`write_check_ins`, admin): 200 with `validUntil` now;
//!   repeatable (an ended check-in is returned unchanged).
//! * `GET /spaces/{id}/check_ins/current?filter[checkInToken]=…` (`read_check_ins`, admin;
//!   the filter is required, else 400): that token's check-ins with `validUntil` in the future.
//! * `GET /memberships/{id}/check_ins?filter[from]=…&filter[to]=…` (`read_check_ins`, owner or
//!   admin; both required, RFC 3339 instants or `YYYY-MM-DD` — a date `to` includes that day).
//!
//! Collections are `{"data":[…]}` without pagination ([U]).

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api2::{self, Api2Error};
use crate::call::Call;
use crate::dates::{api1_time, iso_time, parse_iso_date};
use crate::error::ApiError;
use crate::members::{membership_call, space_call};
use crate::membership::has_ended;
use crate::params::Params;
use crate::seed::{SeedMembership, SeedSpace};
use crate::state::{self, random_hex};
use crate::time_passes::{self, NoPass};
use crate::webhooks::{Event, Notification};
use crate::Sim;

/// What a check-in while the membership is already checked in does (`POST /_sim/config`
/// `repeat_check_in`). Cobot's behaviour is [U].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepeatCheckIn {
    /// Create another check-in (the default): what a client that does not read state first
    /// would trip over.
    #[default]
    New,
    /// Refuse with 422 "Already checked in.".
    Reject,
}

/// Which scope `POST …/work_sessions` and `DELETE …/check_ins/current` require (Cobot: [U]; the
/// SmartSpace sync app checks members in with `write` and no `checkin`, cobot-api.md §8).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckInScope {
    /// `checkin` or `write` (the default: Cobot's rule is unknown).
    #[default]
    Either,
    /// Exactly `checkin`; a token with only `write` is 403.
    Checkin,
    /// Exactly `write`; a token with only `checkin` is 403.
    Write,
}

impl CheckInScope {
    fn scopes(self) -> &'static [&'static str] {
        match self {
            CheckInScope::Either => &["checkin", "write"],
            CheckInScope::Checkin => &["checkin"],
            CheckInScope::Write => &["write"],
        }
    }
}

/// How an API 1 check-in refusal (422) carries Cobot's words (`POST /_sim/config`
/// `check_in_refusal`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalBody {
    /// `{"errors":{"base":"No time passes left."}}`: what Cobot's own captive portal reads on
    /// `POST /api/check_ins` (cobot-api.md §10, [C]).
    #[default]
    ErrorsBase,
    /// `{"base":"No time passes left."}`: what a door integration reads on `work_sessions` [O]
    /// (chimera/doorlock).
    Base,
}

/// One check-in as the simulator holds it (`GET /_sim/spaces/{sub}/check_ins`,
/// [`Sim::check_ins`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    /// Opaque id (10 hex digits, like the §6 sample's).
    pub id: String,
    /// The space's subdomain.
    pub space: String,
    /// The membership checked in.
    pub membership_id: String,
    /// The membership's name when it checked in.
    pub membership_name: String,
    /// Start, whole seconds.
    pub valid_from: Timestamp,
    /// End: the end of the Cobot day, or the check-out.
    pub valid_until: Timestamp,
    /// The time pass used, if the membership has a limited number.
    pub time_pass_id: Option<String>,
    /// `1` or `2`: the API that created it.
    pub api: u8,
}

impl CheckIn {
    /// `valid_from <= now < valid_until`.
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.valid_from <= now && now < self.valid_until
    }

    fn overlaps(&self, from: Timestamp, to: Timestamp) -> bool {
        self.valid_from < to && self.valid_until > from
    }
}

/// Why a check-in was refused; the messages are Cobot's where known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotActive,
    AlreadyCheckedIn,
    NoPass(NoPass),
}

impl Refusal {
    fn message(self) -> &'static str {
        match self {
            Refusal::NotActive => "Membership not active.",
            Refusal::AlreadyCheckedIn => "Already checked in.",
            Refusal::NoPass(why) => why.message(),
        }
    }
}

/// Active on `today`: confirmed, started, not ended.
fn is_active(m: &SeedMembership, today: Date) -> bool {
    m.confirmed_at.is_some() && m.starts_at <= today && !has_ended(m, today)
}

/// The end of the Cobot day that `now` falls in: the next 03:59:59 in `zone`.
pub(crate) fn end_of_cobot_day(zone: &str, now: Timestamp) -> Timestamp {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let local = now.to_zoned(tz.clone());
    let day = if local.hour() < 4 {
        local.date()
    } else {
        local.date().tomorrow().unwrap_or(local.date())
    };
    day.at(3, 59, 59, 0).to_zoned(tz).map(|z| z.timestamp()).unwrap_or(now)
}

/// Whole seconds: API times have no fractions.
fn whole_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_second(t.as_second()).unwrap_or(t)
}

impl state::State {
    /// Checks membership `id` of `subdomain` in now, by the rules of the module docs.
    pub(crate) fn create_check_in(&mut self, subdomain: &str, id: &str, api: u8) -> Result<CheckIn, Refusal> {
        let now = whole_seconds(self.now());
        let space = self.space(subdomain).ok_or(Refusal::NotActive)?;
        let today = self.today(space);
        let valid_until = end_of_cobot_day(&space.time_zone, now);
        let m = self.membership_in(subdomain, id).ok_or(Refusal::NotActive)?;
        if !is_active(m, today) {
            return Err(Refusal::NotActive);
        }
        let checked_in = self
            .check_ins
            .iter()
            .any(|c| c.space == subdomain && c.membership_id == id && c.is_current(now));
        if checked_in && self.settings.repeat_check_in == RepeatCheckIn::Reject {
            return Err(Refusal::AlreadyCheckedIn);
        }
        let name = m.name.clone();
        let left = m.time_passes_left;
        let zone = TimeZone::get(&space.time_zone).unwrap_or(TimeZone::UTC);
        let passes = self.time_passes.get(id).filter(|p| !p.is_empty());
        let (valid_until, time_pass_id) = match (passes, left) {
            (Some(passes), _) => {
                let (index, until) = time_passes::choose(passes, &zone, now).map_err(Refusal::NoPass)?;
                if let Some(pass) = self.time_passes.get_mut(id).and_then(|p| p.get_mut(index)) {
                    pass.left -= 1;
                }
                (until, Some(random_hex(5)))
            }
            (None, Some(0)) => return Err(Refusal::NoPass(NoPass::NoneLeft)),
            (None, Some(_)) => {
                let m = self.membership_in_mut(subdomain, id).ok_or(Refusal::NotActive)?;
                m.time_passes_left = m.time_passes_left.map(|n| n.saturating_sub(1));
                (valid_until, Some(random_hex(5)))
            }
            (None, None) => (valid_until, None),
        };
        let check_in = CheckIn {
            id: random_hex(5),
            space: subdomain.to_string(),
            membership_id: id.to_string(),
            membership_name: name,
            valid_from: now,
            valid_until,
            time_pass_id,
            api,
        };
        tracing::info!(space = %subdomain, membership = %id, check_in = %check_in.id, "checked in");
        self.check_ins.push(check_in.clone());
        Ok(check_in)
    }

    /// Ends every current check-in of the membership now; the most recent one, if any.
    pub(crate) fn check_out_current(&mut self, subdomain: &str, id: &str) -> Option<CheckIn> {
        let now = whole_seconds(self.now());
        let mut last = None;
        for c in self
            .check_ins
            .iter_mut()
            .filter(|c| c.space == subdomain && c.membership_id == id && c.is_current(now))
        {
            c.valid_until = now;
            last = Some(c.clone());
        }
        if let Some(c) = &last {
            tracing::info!(space = %subdomain, membership = %id, check_in = %c.id, "checked out");
        }
        last
    }

    fn check_in_notifications(&self, event: Event, c: &CheckIn) -> Vec<Notification> {
        let url = format!(
            "{}/sub/{}/api/memberships/{}/check_ins",
            self.issuer, c.space, c.membership_id
        );
        self.notifications(&c.space, event, &json!({"url": url}))
    }

    fn membership_check_ins<'a>(&'a self, subdomain: &'a str, id: &'a str) -> impl Iterator<Item = &'a CheckIn> + 'a {
        self.check_ins
            .iter()
            .filter(move |c| c.space == subdomain && c.membership_id == id)
    }
}

impl Sim {
    /// Every check-in of the space, oldest first, checked out or not (empty for an unknown space).
    pub fn check_ins(&self, subdomain: &str) -> Vec<CheckIn> {
        self.lock()
            .check_ins
            .iter()
            .filter(|c| c.space == subdomain)
            .cloned()
            .collect()
    }
}

/// The API 1 check-in object (§6 sample).
fn api1_json(c: &CheckIn) -> Value {
    let mut v = json!({
        "id": c.id,
        "valid_from": api1_time(c.valid_from),
        "valid_until": api1_time(c.valid_until),
        "membership": {"id": c.membership_id, "name": c.membership_name},
    });
    if let Some(pass) = &c.time_pass_id {
        v["time_pass"] = json!({"id": pass});
    }
    v
}

const CHECK_IN_REFUSAL: &str = "You may only check in or read your own membership.";

/// API 1 `from`/`to`: `YYYY-MM-DD HH:MM:SS +0000` (or with slashes, any offset).
pub(crate) fn parse_api1_time(s: &str) -> Option<Timestamp> {
    let mut s = s.trim().replace('/', "-");
    // `+0000` sent unescaped in a query arrives as ` 0000`.
    if s.len() == 25 && s.as_bytes()[19] == b' ' && s.as_bytes()[20] == b' ' {
        s.replace_range(20..21, "+");
    } else if s.len() == 24 && s.as_bytes()[19] == b' ' && s.as_bytes()[20].is_ascii_digit() {
        s.insert(20, '+');
    }
    jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", &s)
        .ok()?
        .to_timestamp()
        .ok()
}

fn api1_window(params: &Params) -> Result<(Timestamp, Timestamp), ApiError> {
    let time = |name: &str| {
        params
            .get(name)
            .and_then(parse_api1_time)
            .ok_or_else(|| ApiError::invalid(name, "is invalid"))
    };
    Ok((time("from")?, time("to")?))
}

/// Checks a check-in or check-out on membership `id`: as [`membership_call`], with the scope
/// `SimConfig::check_in_scope` asks for.
fn check_in_call(state: &state::State, subdomain: &str, id: &str, call: &Call) -> Result<(), ApiError> {
    let scopes = state.settings.check_in_scope.scopes();
    membership_call(state, subdomain, id, call, scopes, CHECK_IN_REFUSAL).map(|_| ())
}

/// `POST /api/memberships/{id}/work_sessions`.
pub(crate) async fn create(
    Path((subdomain, id)): Path<(String, String)>,
    call: Call,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (body, notes) = {
        let mut state = call.sim.lock();
        check_in_call(&state, &subdomain, &id, &call)?;
        let refusal_body = state.settings.check_in_refusal;
        let c = state
            .create_check_in(&subdomain, &id, 1)
            .map_err(|r| match refusal_body {
                RefusalBody::ErrorsBase => ApiError::errors_base(r.message()),
                RefusalBody::Base => ApiError::base(r.message()),
            })?;
        (api1_json(&c), state.check_in_notifications(Event::CreatedCheckin, &c))
    };
    call.sim.deliver(notes);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `DELETE /api/memberships/{id}/check_ins/current`.
pub(crate) async fn check_out(
    Path((subdomain, id)): Path<(String, String)>,
    call: Call,
) -> Result<Json<Value>, ApiError> {
    let (body, notes) = {
        let mut state = call.sim.lock();
        check_in_call(&state, &subdomain, &id, &call)?;
        let c = state
            .check_out_current(&subdomain, &id)
            .ok_or_else(ApiError::not_found)?;
        (api1_json(&c), state.check_in_notifications(Event::CreatedCheckout, &c))
    };
    call.sim.deliver(notes);
    Ok(Json(body))
}

/// `GET /api/work_sessions?from=&to=`.
pub(crate) async fn work_sessions(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let record = space_call(&state, &subdomain, &call, &["read_check_ins"])?;
    let (from, to) = api1_window(&call.params)?;
    let window = state.settings.variants.check_in_window;
    let own = state.membership(&record.user_id, &subdomain).map(|m| m.id.clone());
    let admin = state.is_admin(&record, &subdomain);
    let list: Vec<Value> = state
        .check_ins
        .iter()
        .filter(|c| c.space == subdomain && (admin || Some(&c.membership_id) == own.as_ref()))
        .filter(|c| window.lists(c.valid_from, c.valid_until, from, to))
        .map(api1_json)
        .collect();
    Ok(Json(Value::Array(list)))
}

/// `GET /api/check_ins`: today's check-ins of the space.
pub(crate) async fn today(Path(subdomain): Path<String>, call: Call) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    let record = space_call(&state, &subdomain, &call, &["read_check_ins"])?;
    let space = state.space(&subdomain).ok_or_else(ApiError::not_found)?;
    if !state.is_admin(&record, &subdomain) && state.membership(&record.user_id, &subdomain).is_none() {
        return Err(ApiError::forbidden());
    }
    let (from, to) = local_day(space, state.today(space));
    let list: Vec<Value> = state
        .check_ins
        .iter()
        .filter(|c| c.space == subdomain && c.overlaps(from, to))
        .map(api1_json)
        .collect();
    Ok(Json(Value::Array(list)))
}

/// `[00:00, next 00:00)` of `day` in the space's zone.
fn local_day(space: &SeedSpace, day: Date) -> (Timestamp, Timestamp) {
    let tz = TimeZone::get(&space.time_zone).unwrap_or(TimeZone::UTC);
    let start = |d: Date| d.to_zoned(tz.clone()).map(|z| z.timestamp()).unwrap_or(Timestamp::MIN);
    let next = day.checked_add(1.day()).unwrap_or(day);
    (start(day), start(next))
}

/// `GET /api/memberships/{id}/check_ins?from=&to=`.
pub(crate) async fn membership_check_ins(
    Path((subdomain, id)): Path<(String, String)>,
    call: Call,
) -> Result<Json<Value>, ApiError> {
    let state = call.sim.lock();
    membership_call(&state, &subdomain, &id, &call, &["read_check_ins"], CHECK_IN_REFUSAL)?;
    let (from, to) = api1_window(&call.params)?;
    let window = state.settings.variants.check_in_window;
    let list: Vec<Value> = state
        .membership_check_ins(&subdomain, &id)
        .filter(|c| window.lists(c.valid_from, c.valid_until, from, to))
        .map(api1_json)
        .collect();
    Ok(Json(Value::Array(list)))
}

/// The API 2 `checkIns` resource.
fn api2_json(state: &state::State, c: &CheckIn) -> Value {
    let space_id = state.space(&c.space).map_or(String::new(), |s| s.id.clone());
    json!({
        "id": c.id,
        "type": "checkIns",
        "attributes": {"validFrom": iso_time(c.valid_from), "validUntil": iso_time(c.valid_until)},
        "relationships": {
            "space": {"data": api2::linkage(&space_id, "spaces")},
            "membership": {"data": api2::linkage(&c.membership_id, "memberships")},
        },
    })
}

/// `POST /api2/check_ins`.
pub(crate) async fn api2_create(call: Call, body: Bytes) -> Result<Response, Api2Error> {
    let (response, notes) = {
        let mut state = call.sim.lock();
        let record = api2::authorize(&state, &call, "write_check_ins")?;
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|_| Api2Error::new(StatusCode::BAD_REQUEST, "The request body must be a JSON:API document."))?;
        let data = &doc["data"];
        let token = data["attributes"]["checkInToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Api2Error::unprocessable("can't be blank", "/data/attributes/checkInToken"))?;
        let space_id = data["relationships"]["space"]["data"]["id"]
            .as_str()
            .ok_or_else(|| Api2Error::unprocessable("must exist", "/data/relationships/space"))?;
        let subdomain = state
            .space_by_id(space_id)
            .ok_or_else(Api2Error::not_found)?
            .subdomain
            .clone();
        api2::require_admin(&state, &record, &subdomain)?;
        let id = state
            .memberships_of(&subdomain)
            .find(|m| m.check_in_token.as_deref() == Some(token))
            .map(|m| m.id.clone())
            .ok_or_else(|| {
                Api2Error::unprocessable(
                    "No membership with this check-in token.",
                    "/data/attributes/checkInToken",
                )
            })?;
        let c = state
            .create_check_in(&subdomain, &id, 2)
            .map_err(|r| Api2Error::unprocessable(r.message(), "/data/attributes/base"))?;
        let response = api2::document(StatusCode::CREATED, &json!({"data": api2_json(&state, &c)}));
        (response, state.check_in_notifications(Event::CreatedCheckin, &c))
    };
    call.sim.deliver(notes);
    Ok(response)
}

/// `PUT /api2/check_ins/{id}/check_out`.
pub(crate) async fn api2_check_out(Path(id): Path<String>, call: Call) -> Result<Response, Api2Error> {
    let (response, notes) = {
        let mut state = call.sim.lock();
        let record = api2::authorize(&state, &call, "write_check_ins")?;
        let now = whole_seconds(state.now());
        let position = state
            .check_ins
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(Api2Error::not_found)?;
        let subdomain = state.check_ins[position].space.clone();
        api2::require_admin(&state, &record, &subdomain)?;
        let c = &mut state.check_ins[position];
        let changed = c.valid_until > now;
        if changed {
            c.valid_until = now.max(c.valid_from);
        }
        let c = c.clone();
        let notes = if changed {
            tracing::info!(check_in = %c.id, "checked out");
            state.check_in_notifications(Event::CreatedCheckout, &c)
        } else {
            Vec::new()
        };
        (
            api2::document(StatusCode::OK, &json!({"data": api2_json(&state, &c)})),
            notes,
        )
    };
    call.sim.deliver(notes);
    Ok(response)
}

/// `GET /api2/spaces/{id}/check_ins/current?filter[checkInToken]=…`.
pub(crate) async fn api2_current(Path(space_id): Path<String>, call: Call) -> Result<Response, Api2Error> {
    let state = call.sim.lock();
    let record = api2::authorize(&state, &call, "read_check_ins")?;
    let space = api2::admin_space(&state, &record, &space_id)?;
    let token = call
        .params
        .get("filter[checkInToken]")
        .ok_or_else(|| Api2Error::parameter("filter[checkInToken]", "filter[checkInToken] is required."))?;
    let now = state.now();
    let members: Vec<&str> = state
        .memberships_of(&space.subdomain)
        .filter(|m| m.check_in_token.as_deref() == Some(token))
        .map(|m| m.id.as_str())
        .collect();
    let data: Vec<Value> = state
        .check_ins
        .iter()
        .filter(|c| c.space == space.subdomain && members.contains(&c.membership_id.as_str()) && c.valid_until > now)
        .map(|c| api2_json(&state, c))
        .collect();
    Ok(api2::document(StatusCode::OK, &json!({"data": data})))
}

/// An API 2 `filter[from]`/`filter[to]` instant: RFC 3339, or a date (its start; for `to`, the
/// start of the next day).
fn api2_instant(params: &Params, name: &str, end: bool) -> Result<Timestamp, Api2Error> {
    let invalid = || Api2Error::parameter(name, format!("{name} must be an ISO 8601 time or date."));
    let value = params
        .get(name)
        .ok_or_else(|| Api2Error::parameter(name, format!("{name} is required.")))?;
    if let Some(day) = parse_iso_date(value) {
        let day = if end {
            day.tomorrow().map_err(|_| invalid())?
        } else {
            day
        };
        return day
            .to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| invalid());
    }
    value.parse::<Timestamp>().map_err(|_| invalid())
}

/// `GET /api2/memberships/{id}/check_ins?filter[from]=…&filter[to]=…`.
pub(crate) async fn api2_membership_check_ins(Path(id): Path<String>, call: Call) -> Result<Response, Api2Error> {
    let state = call.sim.lock();
    let record = api2::authorize(&state, &call, "read_check_ins")?;
    let m = api2::readable_membership(&state, &record, &id)?;
    let from = api2_instant(&call.params, "filter[from]", false)?;
    let to = api2_instant(&call.params, "filter[to]", true)?;
    let data: Vec<Value> = state
        .membership_check_ins(&m.space_subdomain, &m.id)
        .filter(|c| {
            state
                .settings
                .variants
                .check_in_window
                .lists(c.valid_from, c.valid_until, from, to)
        })
        .map(|c| api2_json(&state, c))
        .collect();
    Ok(api2::document(StatusCode::OK, &json!({"data": data})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_in_lasts_until_four_in_the_morning_local_time() {
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        assert_eq!(
            end_of_cobot_day("Europe/Berlin", at("2026-11-23T09:00:00Z")),
            at("2026-11-24T02:59:59Z")
        );
        assert_eq!(
            end_of_cobot_day("Europe/Berlin", at("2026-11-24T01:30:00Z")),
            at("2026-11-24T02:59:59Z"),
            "02:30 local is still the previous Cobot day"
        );
        assert_eq!(
            end_of_cobot_day("UTC", at("2011-07-27T08:37:00Z")),
            at("2011-07-28T03:59:59Z")
        );
    }

    #[test]
    fn api_1_times_parse_in_both_separators_and_with_a_lost_plus() {
        let t = "2026-11-23T09:00:00Z".parse::<Timestamp>().unwrap();
        for s in [
            "2026-11-23 09:00:00 +0000",
            "2026/11/23 09:00:00 +0000",
            "2026-11-23 10:00:00 +0100",
            "2026-11-23 09:00:00  0000",
        ] {
            assert_eq!(parse_api1_time(s), Some(t), "{s}");
        }
        assert_eq!(parse_api1_time("2026-11-23"), None);
    }
}
