//! API 2 (`api.cobot.me`, here `{base}/api2/…`): JSON:API documents with
//! `Content-Type: application/vnd.api+json`, ISO 8601 dates, an `x-request-id` header, and
//! errors as `{"errors":[{"detail":…,"source":{…}}]}` (cobot-api.md §2–§4, §7, §9; shapes from
//! cobot-openapi.yml, which the contract test checks them against).
//!
//! Status codes where Cobot's spec declares none ([U]): 401 sends the one body Cobot is known to
//! send (`{"error":…}`, cobot-api.md §7) with `WWW-Authenticate: Bearer`; 403 (missing scope, not
//! an admin, someone else's membership) and 404 send JSON:API error documents; a missing or
//! malformed query parameter (`filter[from]`, `filter[to]`, `page[number]`, `page[size]`,
//! `include`) is 400 with `source.parameter` naming it, as JSON:API prescribes for query
//! parameters. `page[size]` above the documented maximum of 200 is refused (400) rather than
//! clamped, so a client asking for more than it can get finds out.

use std::collections::HashSet;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde_json::{json, Value};

use crate::call::Call;
use crate::dates::{iso_date, parse_iso_date, utc_date};
use crate::error::UNAUTHORIZED_MESSAGE;
use crate::membership::{api2_json, api2_plan_json, current_of_user, tax_rate_decimal};
use crate::params::Params;
use crate::seed::{SeedMembership, SeedSpace};
use crate::state::{self, random_hex, State, TokenRecord};

/// JSON:API's media type, on every API 2 response.
pub(crate) const MEDIA_TYPE: &str = "application/vnd.api+json";
/// Page size when `page[size]` is absent.
const DEFAULT_PAGE_SIZE: usize = 72;
/// Largest page size Cobot serves.
const MAX_PAGE_SIZE: usize = 200;

/// An API 2 error response.
#[derive(Debug)]
pub(crate) struct Api2Error {
    status: StatusCode,
    body: Value,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl Api2Error {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Api2Error {
            status,
            body: json!({"errors": [{"detail": detail.into()}]}),
            headers: Vec::new(),
        }
    }

    /// 400 naming the offending query parameter.
    pub(crate) fn parameter(name: &str, detail: impl Into<String>) -> Self {
        Api2Error {
            status: StatusCode::BAD_REQUEST,
            body: json!({"errors": [{"detail": detail.into(), "source": {"parameter": name}}]}),
            headers: Vec::new(),
        }
    }

    fn unauthorized() -> Self {
        Api2Error {
            status: StatusCode::UNAUTHORIZED,
            body: json!({"error": UNAUTHORIZED_MESSAGE}),
            headers: vec![(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        }
    }

    fn insufficient_scope(scope: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            format!("The access token lacks the scope {scope}."),
        )
    }

    pub(crate) fn forbidden(detail: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 422 for a condition that was not met, pointing at the attribute concerned (cobot-api.md §6:
    /// `{"errors":[{"detail":"No time passes left.","source":{"pointer":"/data/attributes/base"}}]}`).
    pub(crate) fn unprocessable(detail: &str, pointer: &str) -> Self {
        Api2Error {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({"errors": [{"detail": detail, "source": {"pointer": pointer}}]}),
            headers: Vec::new(),
        }
    }

    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not found.")
    }

    /// 429 with `Retry-After` (cobot-api.md §7; the body shape is [U]).
    pub(crate) fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded. Retry later.");
        e.headers
            .push((header::RETRY_AFTER, HeaderValue::from(retry_after_secs)));
        e
    }
}

impl IntoResponse for Api2Error {
    fn into_response(self) -> Response {
        let mut response = document(self.status, &self.body);
        response.headers_mut().extend(self.headers);
        response
    }
}

/// A JSON:API document response.
pub(crate) fn document(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(MEDIA_TYPE))],
        body.to_string(),
    )
        .into_response()
}

/// Middleware: an `x-request-id` on every API 2 response.
pub(crate) async fn request_id(mut response: Response) -> Response {
    if let Ok(id) = HeaderValue::from_str(&random_hex(16)) {
        response.headers_mut().insert("x-request-id", id);
    }
    response
}

/// The live token with `scope`, or 401/403.
pub(crate) fn authorize(state: &state::State, call: &Call, scope: &str) -> Result<TokenRecord, Api2Error> {
    let record = call.live(state).cloned().ok_or_else(Api2Error::unauthorized)?;
    require(&record, scope)?;
    Ok(record)
}

/// 403 unless the token acts as an admin of space `subdomain`.
pub(crate) fn require_admin(state: &state::State, record: &TokenRecord, subdomain: &str) -> Result<(), Api2Error> {
    if state.is_admin(record, subdomain) {
        Ok(())
    } else {
        Err(Api2Error::forbidden("You must be an admin of this space."))
    }
}

/// The space with id `id` (404), for an admin of it (403).
pub(crate) fn admin_space<'s>(state: &'s State, record: &TokenRecord, id: &str) -> Result<&'s SeedSpace, Api2Error> {
    let space = state.space_by_id(id).ok_or_else(Api2Error::not_found)?;
    require_admin(state, record, &space.subdomain)?;
    Ok(space)
}

/// Membership `id` (404), for the member it belongs to or an admin of its space (403).
pub(crate) fn readable_membership<'s>(
    state: &'s State,
    record: &TokenRecord,
    id: &str,
) -> Result<&'s SeedMembership, Api2Error> {
    let m = state.membership_by_id(id).ok_or_else(Api2Error::not_found)?;
    if state.owns_or_administers(record, m) {
        Ok(m)
    } else {
        Err(Api2Error::forbidden("You may only read your own membership."))
    }
}

fn require(record: &TokenRecord, scope: &str) -> Result<(), Api2Error> {
    if record.has_scope(scope) {
        Ok(())
    } else {
        Err(Api2Error::insufficient_scope(scope))
    }
}

pub(crate) fn api2_base(state: &state::State) -> String {
    format!("{}/api2", state.issuer)
}

pub(crate) fn linkage(id: &str, kind: &str) -> Value {
    json!({"id": id, "type": kind})
}

/// The API 2 space resource (schema `-space-data`, cobot-api.md §9). No logo, no network.
fn space_json(state: &state::State, space: &SeedSpace) -> Value {
    let base = api2_base(state);
    let related = |path: &str| json!({"links": {"related": format!("{base}/spaces/{}/{path}", space.id)}});
    json!({
        "id": space.id,
        "type": "spaces",
        "attributes": {
            "name": space.name,
            "subdomain": space.subdomain,
            "email": space.email,
            "description": space.description,
            "createdAt": space.created_at.replace('/', "-"),
            "countryCode": space.country_code,
            "locale": space.locale,
            "timeZone": space.time_zone,
            "hourFormat": space.hour_format,
            "inEu": space.in_eu,
            "priceDisplay": space.price_display,
            "priceDecimals": space.price_decimals,
            "defaultTaxes": [{"name": "VAT", "rate": tax_rate_decimal(space.tax_rate)}],
            "logo": null,
        },
        "relationships": {
            "owner": {"data": linkage(&space.owner_id, "users")},
            "allocations": related("allocations"),
            "availableResources": related("resources/available"),
            "calendarBlockers": related("calendar_blockers"),
            "costCenters": related("cost_centers"),
            "revenueAccounts": related("revenue_accounts"),
            "events": related("events"),
            "resources": related("resources"),
            "bookings": related("bookings"),
            "accessToken": related("access_token"),
            "products": related("products"),
            "paymentMethods": related("payment_methods"),
            "membershipProfiles": related("membership_profiles"),
            "teams": related("teams"),
            "urls": related("urls"),
        },
    })
}

/// `GET /api2/user?include=memberOf,adminOf,memberships` (scope `read_user`; `memberOf`/`adminOf`
/// need `read_spaces`, `memberships` needs `read_memberships`; cobot-api.md §2). The user id is
/// the API 1 / OIDC id ([U] whether Cobot's match). Memberships that have ended are left out
/// (as in API 1 `/api/user`); included memberships carry only their `space` relationship, as in
/// the spec's example.
pub(crate) async fn user(call: Call) -> Result<Response, Api2Error> {
    let state = call.sim.lock();
    let record = authorize(&state, &call, "read_user")?;
    let params = &call.params;
    let includes: Vec<&str> = params
        .get("include")
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    for include in &includes {
        match *include {
            "memberOf" | "adminOf" => require(&record, "read_spaces")?,
            "memberships" => require(&record, "read_memberships")?,
            other => {
                return Err(Api2Error::parameter(
                    "include",
                    format!("{other} is not a relationship of users."),
                ))
            }
        }
    }
    let user = state.user(&record.user_id).ok_or_else(Api2Error::unauthorized)?;
    let memberships: Vec<&SeedMembership> = current_of_user(&state, &user.id).collect();
    let member_of: Vec<&SeedSpace> = unique_spaces(&state, memberships.iter().map(|m| m.space_subdomain.as_str()));
    let admin_of: Vec<&SeedSpace> = unique_spaces(
        &state,
        state
            .seed
            .admins
            .iter()
            .filter(|a| a.user_id == user.id)
            .map(|a| a.space_subdomain.as_str()),
    );
    let space_id = |m: &SeedMembership| state.space(&m.space_subdomain).map_or(String::new(), |s| s.id.clone());
    let data = json!({
        "id": user.id,
        "type": "users",
        "attributes": {"email": user.email},
        "relationships": {
            "adminOf": {"data": admin_of.iter().map(|s| linkage(&s.id, "spaces")).collect::<Vec<_>>()},
            "memberOf": {"data": member_of.iter().map(|s| linkage(&s.id, "spaces")).collect::<Vec<_>>()},
            "memberships": {"data": memberships.iter().map(|m| linkage(&m.id, "memberships")).collect::<Vec<_>>()},
        },
    });
    let mut body = json!({"data": data});
    if !includes.is_empty() {
        let mut included = Vec::new();
        let mut seen = HashSet::new();
        for (name, spaces) in [("memberOf", &member_of), ("adminOf", &admin_of)] {
            if includes.contains(&name) {
                for space in spaces.iter() {
                    if seen.insert(space.id.as_str()) {
                        included.push(space_json(&state, space));
                    }
                }
            }
        }
        if includes.contains(&"memberships") {
            included.extend(memberships.iter().map(|m| {
                json!({
                    "id": m.id,
                    "type": "memberships",
                    "relationships": {"space": {"data": linkage(&space_id(m), "spaces")}},
                })
            }));
        }
        body["included"] = Value::Array(included);
    }
    Ok(document(StatusCode::OK, &body))
}

fn unique_spaces<'a>(state: &'a state::State, subdomains: impl Iterator<Item = &'a str>) -> Vec<&'a SeedSpace> {
    let mut seen = HashSet::new();
    subdomains
        .filter(|s| seen.insert(*s))
        .filter_map(|s| state.space(s))
        .collect()
}

/// `GET /api2/spaces/{id}` (scope `read_spaces`; any user may read any space).
pub(crate) async fn space(Path(id): Path<String>, call: Call) -> Result<Response, Api2Error> {
    let state = call.sim.lock();
    authorize(&state, &call, "read_spaces")?;
    let space = state.space_by_id(&id).ok_or_else(Api2Error::not_found)?;
    Ok(document(StatusCode::OK, &json!({"data": space_json(&state, space)})))
}

/// An admin's request for a collection of a space: the space, the required window
/// `filter[from]`/`filter[to]` and the page asked for.
struct Collection<'a> {
    space: &'a SeedSpace,
    from: Date,
    to: Date,
    page: Page,
}

/// Checks an admin collection request on space `id`: token, scope `read_memberships`, the space
/// (404), admin (403), the required `filter[from]`/`filter[to]` and the page (400).
fn admin_collection<'a>(state: &'a state::State, call: &Call, id: &str) -> Result<Collection<'a>, Api2Error> {
    let record = authorize(state, call, "read_memberships")?;
    let space = admin_space(state, &record, id)?;
    let date = |name: &str| match call.params.get(name) {
        None => Err(Api2Error::parameter(name, format!("{name} is required."))),
        Some(v) => {
            parse_iso_date(v).ok_or_else(|| Api2Error::parameter(name, format!("{name} must be a date (YYYY-MM-DD).")))
        }
    };
    let (from, to) = (date("filter[from]")?, date("filter[to]")?);
    let page = page(&call.params)?;
    Ok(Collection { space, from, to, page })
}

impl Collection<'_> {
    /// `items` as the asked-for page of the space's collection `name` (see `paginate`), its links
    /// repeating the window.
    fn document<T>(&self, state: &state::State, name: &str, items: &[T], render: impl Fn(&T) -> Value) -> Response {
        let url = format!("{}/spaces/{}/{name}", api2_base(state), self.space.id);
        let filters = [("filter[from]", iso_date(self.from)), ("filter[to]", iso_date(self.to))];
        document(StatusCode::OK, &paginate(&url, &filters, &self.page, items, render))
    }
}

/// Whether a membership passes `filter[from]`/`filter[to]`: not canceled before `from`
/// (`canceled_to` null or on/after it) and confirmed on or before `to` (pending ones never pass).
fn in_window(m: &SeedMembership, from: Date, to: Date) -> bool {
    m.canceled_to.is_none_or(|last| last >= from) && m.confirmed_at.is_some_and(|t| utc_date(t) <= to)
}

/// A requested page.
struct Page {
    number: usize,
    size: usize,
}

fn page(params: &Params) -> Result<Page, Api2Error> {
    let positive = |name: &str, default: usize| match params.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| Api2Error::parameter(name, format!("{name} must be a positive integer."))),
    };
    let number = positive("page[number]", 1)?;
    let size = positive("page[size]", DEFAULT_PAGE_SIZE)?;
    if size > MAX_PAGE_SIZE {
        return Err(Api2Error::parameter(
            "page[size]",
            format!("page[size] must be at most {MAX_PAGE_SIZE}."),
        ));
    }
    Ok(Page { number, size })
}

/// One page of `items` as a JSON:API collection document with `meta` and `links`
/// (cobot-api.md §3: `prev`/`next` null at the ends; at least one page even when empty). Links
/// are absolute and repeat the filters.
fn paginate<T>(url: &str, filters: &[(&str, String)], page: &Page, items: &[T], render: impl Fn(&T) -> Value) -> Value {
    let total_pages = items.len().div_ceil(page.size).max(1);
    let data: Vec<Value> = items
        .iter()
        .skip((page.number - 1).saturating_mul(page.size))
        .take(page.size)
        .map(render)
        .collect();
    let query: String = filters.iter().map(|(k, v)| format!("{k}={v}&")).collect();
    let link = |n: usize| json!(format!("{url}?{query}page[number]={n}&page[size]={}", page.size));
    json!({
        "data": data,
        "meta": {"totalPages": total_pages, "currentPage": page.number},
        "links": {
            "self": link(page.number),
            "first": link(1),
            "prev": if page.number > 1 { link((page.number - 1).min(total_pages)) } else { Value::Null },
            "next": if page.number < total_pages { link(page.number + 1) } else { Value::Null },
            "last": link(total_pages),
        },
    })
}

/// `GET /api2/spaces/{id}/memberships?filter[from]=…&filter[to]=…` (admin, `read_memberships`):
/// memberships in the window (see `in_window`), paginated (`page[number]`, `page[size]`).
pub(crate) async fn memberships(Path(id): Path<String>, call: Call) -> Result<Response, Api2Error> {
    let state = call.sim.lock();
    let c = admin_collection(&state, &call, &id)?;
    let items: Vec<&SeedMembership> = state
        .memberships_of(&c.space.subdomain)
        .filter(|m| in_window(m, c.from, c.to))
        .collect();
    let base = api2_base(&state);
    Ok(c.document(&state, "memberships", &items, |m| api2_json(&state, &base, c.space, m)))
}

/// `GET /api2/spaces/{id}/membership_plans?filter[from]=…&filter[to]=…` (admin,
/// `read_memberships`): the plan history of the memberships in the window (see `in_window`), one
/// entry per plan period active at some point between `from` and `to` (`startsAt <= to` and
/// `canceledAt` null or `>= from`), flat and paginated, each related to its membership
/// (cobot-api.md §4).
pub(crate) async fn membership_plans(Path(id): Path<String>, call: Call) -> Result<Response, Api2Error> {
    let state = call.sim.lock();
    let c = admin_collection(&state, &call, &id)?;
    let (from, to) = (c.from, c.to);
    let items: Vec<(&SeedMembership, usize)> = state
        .memberships_of(&c.space.subdomain)
        .filter(|m| in_window(m, from, to))
        .flat_map(|m| {
            m.plans
                .iter()
                .enumerate()
                .filter(move |(_, p)| p.starts_at <= to && p.canceled_at.is_none_or(|last| last >= from))
                .map(move |(i, _)| (m, i))
        })
        .collect();
    Ok(c.document(&state, "membership_plans", &items, |(m, i)| {
        api2_plan_json(&state, c.space, m, *i)
    }))
}

/// `GET /api2/memberships/{id}` (scope `read_memberships`): for an admin of its space or the
/// member it belongs to; someone else's is 403.
pub(crate) async fn membership(Path(id): Path<String>, call: Call) -> Result<Response, Api2Error> {
    let state = call.sim.lock();
    let record = authorize(&state, &call, "read_memberships")?;
    let m = readable_membership(&state, &record, &id)?;
    let space = state.space(&m.space_subdomain).ok_or_else(Api2Error::not_found)?;
    let base = api2_base(&state);
    Ok(document(
        StatusCode::OK,
        &json!({"data": api2_json(&state, &base, space, m)}),
    ))
}
