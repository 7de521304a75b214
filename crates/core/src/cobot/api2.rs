//! Typed calls to Cobot's API 2 (`https://api.cobot.me`, JSON:API; cobot-api.md §2–§4, §7, §9).
//!
//! Requests go through the same limiter and retry path as API 1, with
//! `Accept: application/vnd.api+json`; JSON:API error bodies (`{"errors":[{"detail":…}]}`) become
//! the same [`Error`] variants, carrying Cobot's `detail`. Dates are ISO 8601 (`YYYY-MM-DD`) and
//! read as [`jiff::civil::Date`].
//!
//! Collections are paginated: every page is asked for with `page[size]=200` (Cobot's maximum)
//! until `links.next` is null or `meta.currentPage` reaches `meta.totalPages`, and never more
//! than [`MAX_PAGES`] pages. Page URLs are built from the configured API 2 base rather than taken
//! from `links.next`, so the token only ever goes to the host this client was given.

use std::fmt;

use jiff::civil::Date;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::limit::COBOT_PER_USER;
use super::{encode, Cobot, Error, Format};
use crate::links::Subdomain;
use crate::secret::AccessToken;

/// Cobot's API 2 base URL.
pub const COBOT_API2: &str = "https://api.cobot.me/";
/// JSON:API's media type, sent as `Accept` on every API 2 request.
pub const MEDIA_TYPE: &str = "application/vnd.api+json";
/// Page size asked for: Cobot's documented maximum (it refuses more).
pub const PAGE_SIZE: u32 = 200;
/// The most pages one collection call reads (200 × 500 = 100,000 entries). An answer that claims
/// more is reported as malformed rather than truncated, since a silently short member list would
/// lock people out.
pub const MAX_PAGES: u32 = 500;

/// An API 2 space id (e.g. `99da6cb6…`): not the subdomain, which API 1 uses. Map one to the
/// other with [`UserV2::space_id`] or [`SpaceV2::subdomain`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpaceId(String);

impl SpaceId {
    /// A space id as Cobot sends it.
    pub fn new(id: impl Into<String>) -> SpaceId {
        SpaceId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SpaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `GET /user?include=memberOf,adminOf,memberships`: the signed-in user, the spaces they belong
/// to or administer, and their memberships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserV2 {
    /// The Cobot user id (identify users by this, never by email). Whether it equals the API 1 id
    /// and the OIDC `sub` is not documented (cobot-api.md §2, \[U\]).
    pub id: String,
    /// Email address.
    pub email: Option<String>,
    /// Spaces the user administers (`relationships.adminOf`).
    pub admin_of: Vec<SpaceId>,
    /// Spaces the user is a member of (`relationships.memberOf`).
    pub member_of: Vec<SpaceId>,
    /// The user's memberships, each with its space when Cobot included it.
    pub memberships: Vec<UserMembershipV2>,
    /// The included spaces (member of or admin of), each once.
    pub spaces: Vec<SpaceV2>,
}

/// One of the user's memberships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserMembershipV2 {
    /// The membership id.
    pub id: String,
    /// Its space, from the included membership's `space` relationship; `None` when Cobot did
    /// not include it.
    pub space_id: Option<SpaceId>,
}

impl UserV2 {
    /// The API 2 id of the space with `subdomain`, among the included spaces.
    pub fn space_id(&self, subdomain: &Subdomain) -> Option<&SpaceId> {
        self.space(subdomain).map(|s| &s.id)
    }

    /// The included space with `subdomain`.
    pub fn space(&self, subdomain: &Subdomain) -> Option<&SpaceV2> {
        self.spaces.iter().find(|s| &s.subdomain == subdomain)
    }

    /// Whether the user administers the space (Cobot: admin ⇔ listed in `adminOf`).
    pub fn is_admin_of(&self, space: &SpaceId) -> bool {
        self.admin_of.contains(space)
    }

    /// Whether the user is a member of the space (listed in `memberOf`).
    pub fn is_member_of(&self, space: &SpaceId) -> bool {
        self.member_of.contains(space)
    }

    /// The user's membership in the space, if Cobot said which space it belongs to.
    pub fn membership_in(&self, space: &SpaceId) -> Option<&UserMembershipV2> {
        self.memberships.iter().find(|m| m.space_id.as_ref() == Some(space))
    }
}

/// `GET /spaces/{id}` (cobot-api.md §9), also included in [`UserV2::spaces`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceV2 {
    /// The API 2 space id.
    pub id: SpaceId,
    /// Display name.
    pub name: String,
    /// The subdomain (`<subdomain>.cobot.me`, API 1's space key).
    pub subdomain: Subdomain,
    /// IANA time zone, e.g. `Europe/Berlin`: the space's "today" for plan and cancellation dates.
    pub time_zone: String,
    /// Locale, e.g. `de-DE`.
    pub locale: Option<String>,
    /// Contact email.
    pub email: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// ISO country code, e.g. `DE`.
    pub country_code: Option<String>,
    /// 12 or 24.
    pub hour_format: Option<u8>,
}

/// A membership from `GET /spaces/{id}/memberships` (cobot-api.md §3). API 2 carries no plan;
/// see [`MembershipPlanV2`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipV2 {
    /// Membership id.
    pub id: String,
    /// Name on the membership.
    pub name: Option<String>,
    /// Email on the membership.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// The day the space confirmed it; `None` while pending.
    pub confirmed_at: Option<Date>,
    /// The last active day, when canceled.
    pub canceled_at: Option<Date>,
    /// The space it belongs to (`relationships.space`).
    pub space_id: SpaceId,
}

/// One plan period of one membership, from `GET /spaces/{id}/membership_plans` (cobot-api.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipPlanV2 {
    /// The plan period's id.
    pub id: String,
    /// The plan's name (API 2 has no link to the space's plan catalogue; map by name).
    pub name: String,
    /// The plan's description.
    pub description: Option<String>,
    /// First day of this plan period.
    pub starts_at: Date,
    /// Last active day of this plan period, or `None` while it runs on.
    pub canceled_at: Option<Date>,
    /// The membership it belongs to (`relationships.membership`).
    pub membership_id: String,
}

impl MembershipPlanV2 {
    /// Whether the period covers `day`: `startsAt <= day` and (`canceledAt` null or `>= day`).
    pub fn is_active_on(&self, day: Date) -> bool {
        self.starts_at <= day && self.canceled_at.is_none_or(|last| last >= day)
    }
}

/// The plan membership `membership_id` is on `today` (in the space's time zone), per
/// cobot-api.md §4: the period with `startsAt <= today` and (`canceledAt` null or `>= today`). If
/// periods overlap, the one that started last wins.
pub fn current_plan<'a>(
    plans: &'a [MembershipPlanV2],
    membership_id: &str,
    today: Date,
) -> Option<&'a MembershipPlanV2> {
    plans
        .iter()
        .filter(|p| p.membership_id == membership_id && p.is_active_on(today))
        .max_by_key(|p| p.starts_at)
}

impl Cobot {
    /// `GET /user?include=memberOf,adminOf,memberships` (scopes `read_user`, `read_spaces`,
    /// `read_memberships`).
    pub async fn user_v2(&self, token: &AccessToken) -> Result<UserV2, Error> {
        let mut url = self.api2_url("user")?;
        url.query_pairs_mut()
            .append_pair("include", "memberOf,adminOf,memberships");
        let doc: Document = self.get_v2(token, url, "your user").await?;
        let user: Typed<UserAttributes, UserRelationships> = doc.data.parse("users", "your user")?;
        let mut spaces = Vec::new();
        let mut membership_spaces = Vec::new();
        for item in doc.included {
            match item.kind.as_str() {
                "spaces" => spaces.push(
                    item.parse::<SpaceAttributes, Value>("spaces", "an included space")?
                        .into(),
                ),
                "memberships" => {
                    let m: Typed<Value, MembershipRelationships> =
                        item.parse("memberships", "an included membership")?;
                    membership_spaces.push((m.id, m.relationships.space.data.map(|l| l.id)));
                }
                // JSON:API lets a server include more than asked for; nothing else is needed here.
                _ => {}
            }
        }
        let memberships = user
            .relationships
            .memberships
            .data
            .into_iter()
            .map(|l| UserMembershipV2 {
                space_id: membership_spaces
                    .iter()
                    .find(|(id, _)| *id == l.id)
                    .and_then(|(_, space)| space.clone().map(SpaceId)),
                id: l.id,
            })
            .collect();
        Ok(UserV2 {
            id: user.id,
            email: user.attributes.email,
            admin_of: user.relationships.admin_of.ids(),
            member_of: user.relationships.member_of.ids(),
            memberships,
            spaces,
        })
    }

    /// `GET /spaces/{id}` (scope `read_spaces`; anyone may read any space).
    pub async fn space_v2(&self, token: &AccessToken, space: &SpaceId) -> Result<SpaceV2, Error> {
        let url = self.api2_url(&format!("spaces/{}", encode(space.as_str())))?;
        let doc: Document = self.get_v2(token, url, "that space").await?;
        Ok(doc.data.parse::<SpaceAttributes, Value>("spaces", "that space")?.into())
    }

    /// `GET /spaces/{id}/memberships?filter[from]=…&filter[to]=…` (admin, `read_memberships`),
    /// every page: memberships not canceled before `from` and confirmed on or before `to`.
    pub async fn memberships_v2(
        &self,
        token: &AccessToken,
        space: &SpaceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<MembershipV2>, Error> {
        let path = format!("spaces/{}/memberships", encode(space.as_str()));
        let what = "the space's memberships";
        self.collection(token, &path, from, to, what, |r| {
            let r: Typed<MembershipAttributes, MembershipRelationships> = r.parse("memberships", what)?;
            let space_id = SpaceId(r.relationships.space.required(what, "membership", &r.id, "space")?);
            Ok(MembershipV2 {
                id: r.id,
                name: r.attributes.name,
                email: r.attributes.email,
                phone: r.attributes.phone,
                company: r.attributes.company,
                confirmed_at: r.attributes.confirmed_at,
                canceled_at: r.attributes.canceled_at,
                space_id,
            })
        })
        .await
    }

    /// `GET /spaces/{id}/membership_plans?filter[from]=…&filter[to]=…` (admin,
    /// `read_memberships`), every page: the plan history, one entry per plan period per
    /// membership. Pick the one in force with [`current_plan`].
    pub async fn membership_plans_v2(
        &self,
        token: &AccessToken,
        space: &SpaceId,
        from: Date,
        to: Date,
    ) -> Result<Vec<MembershipPlanV2>, Error> {
        let path = format!("spaces/{}/membership_plans", encode(space.as_str()));
        let what = "the space's membership plans";
        self.collection(token, &path, from, to, what, |r| {
            let r: Typed<PlanAttributes, PlanRelationships> = r.parse("membershipPlans", what)?;
            let membership_id = r
                .relationships
                .membership
                .required(what, "plan period", &r.id, "membership")?;
            Ok(MembershipPlanV2 {
                id: r.id,
                name: r.attributes.name,
                description: r.attributes.description,
                starts_at: r.attributes.starts_at,
                canceled_at: r.attributes.canceled_at,
                membership_id,
            })
        })
        .await
    }

    /// Every page of a filtered collection under `path`, in order, each resource read with
    /// `read` once every page is in.
    async fn collection<T>(
        &self,
        token: &AccessToken,
        path: &str,
        from: Date,
        to: Date,
        what: &str,
        read: impl FnMut(Resource) -> Result<T, Error>,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut number = 1;
        loop {
            let mut url = self.api2_url(path)?;
            url.query_pairs_mut()
                .append_pair("filter[from]", &from.to_string())
                .append_pair("filter[to]", &to.to_string())
                .append_pair("page[number]", &number.to_string())
                .append_pair("page[size]", &PAGE_SIZE.to_string());
            let page: Page = self.get_v2(token, url, what).await?;
            if page.meta.current_page != number {
                // A server ignoring `page[number]` would otherwise hand back page 1 forever.
                return Err(Error::Malformed(format!(
                    "{what}: asked for page {number}, got page {}",
                    page.meta.current_page
                )));
            }
            if page.meta.total_pages > MAX_PAGES {
                return Err(Error::Malformed(format!(
                    "{what}: {} pages, more than the {MAX_PAGES} Frontdoor reads",
                    page.meta.total_pages
                )));
            }
            items.extend(page.data);
            if page.links.next.is_none() || number >= page.meta.total_pages {
                return items.into_iter().map(read).collect();
            }
            number += 1;
        }
    }

    /// GETs an API 2 document through the shared limiter and retry path.
    async fn get_v2<T: DeserializeOwned>(&self, token: &AccessToken, url: Url, what: &str) -> Result<T, Error> {
        self.get_as(token, url, COBOT_PER_USER, what, Format::JsonApi).await
    }

    fn api2_url(&self, path: &str) -> Result<Url, Error> {
        self.api2.join(path).map_err(|e| Error::Malformed(e.to_string()))
    }
}

/// The `detail`s of a JSON:API error document, joined; `None` if `body` is not one. A 401 from
/// Cobot may instead be `{"error":…}` (cobot-api.md §7), which is read too.
pub(super) fn error_detail(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<ErrorObject>,
    }
    #[derive(Deserialize)]
    struct ErrorObject {
        detail: Option<String>,
        title: Option<String>,
    }
    #[derive(Deserialize)]
    struct Plain {
        error: String,
    }
    if let Ok(doc) = serde_json::from_slice::<Errors>(body) {
        let details: Vec<String> = doc.errors.into_iter().filter_map(|e| e.detail.or(e.title)).collect();
        return (!details.is_empty()).then(|| details.join(" "));
    }
    serde_json::from_slice::<Plain>(body).ok().map(|p| p.error)
}

// Wire shapes: JSON:API documents as Cobot sends them. They stay private; callers see the types
// above.

#[derive(Deserialize)]
struct Document {
    data: Resource,
    #[serde(default)]
    included: Vec<Resource>,
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Resource>,
    meta: PageMeta,
    links: PageLinks,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageMeta {
    total_pages: u32,
    current_page: u32,
}

#[derive(Deserialize)]
struct PageLinks {
    #[serde(default)]
    next: Option<String>,
}

/// A resource object as sent; [`Resource::parse`] reads its parts once its type is known.
#[derive(Deserialize)]
struct Resource {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default = "empty_object")]
    attributes: Value,
    #[serde(default = "empty_object")]
    relationships: Value,
}

/// An absent `attributes` or `relationships` reads as `{}`, so the fields inside decide whether
/// that is acceptable.
fn empty_object() -> Value {
    Value::Object(Default::default())
}

/// A resource whose type was checked and whose parts were read.
struct Typed<A, R> {
    id: String,
    attributes: A,
    relationships: R,
}

impl Resource {
    /// Checks the resource is of type `kind` and reads its attributes and relationships.
    fn parse<A: DeserializeOwned, R: DeserializeOwned>(self, kind: &str, what: &str) -> Result<Typed<A, R>, Error> {
        if self.kind != kind {
            return Err(Error::Malformed(format!(
                "{what}: expected type {kind:?}, got {:?}",
                self.kind
            )));
        }
        let id = self.id;
        let malformed = |e: serde_json::Error| Error::Malformed(format!("{what} ({id}): {e}"));
        Ok(Typed {
            attributes: serde_json::from_value(self.attributes).map_err(malformed)?,
            relationships: serde_json::from_value(self.relationships).map_err(malformed)?,
            id,
        })
    }
}

#[derive(Deserialize)]
struct Linkage {
    id: String,
}

#[derive(Deserialize, Default)]
struct ToOne {
    #[serde(default)]
    data: Option<Linkage>,
}

impl ToOne {
    /// The linked id, which `record` `id` must have: without one the answer is malformed.
    fn required(self, what: &str, record: &str, id: &str, link: &str) -> Result<String, Error> {
        self.data
            .map(|l| l.id)
            .ok_or_else(|| Error::Malformed(format!("{what}: {record} {id} has no {link}")))
    }
}

#[derive(Deserialize, Default)]
struct ToMany {
    #[serde(default)]
    data: Vec<Linkage>,
}

impl ToMany {
    fn ids(self) -> Vec<SpaceId> {
        self.data.into_iter().map(|l| SpaceId(l.id)).collect()
    }
}

#[derive(Deserialize)]
struct UserAttributes {
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserRelationships {
    #[serde(default)]
    admin_of: ToMany,
    #[serde(default)]
    member_of: ToMany,
    #[serde(default)]
    memberships: ToMany,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpaceAttributes {
    name: String,
    subdomain: Subdomain,
    time_zone: String,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    hour_format: Option<u8>,
}

impl<R> From<Typed<SpaceAttributes, R>> for SpaceV2 {
    fn from(r: Typed<SpaceAttributes, R>) -> SpaceV2 {
        let a = r.attributes;
        SpaceV2 {
            id: SpaceId(r.id),
            name: a.name,
            subdomain: a.subdomain,
            time_zone: a.time_zone,
            locale: a.locale,
            email: a.email,
            description: a.description,
            country_code: a.country_code,
            hour_format: a.hour_format,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MembershipAttributes {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    company: Option<String>,
    #[serde(default)]
    confirmed_at: Option<Date>,
    #[serde(default)]
    canceled_at: Option<Date>,
}

#[derive(Deserialize)]
struct MembershipRelationships {
    #[serde(default)]
    space: ToOne,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlanAttributes {
    name: String,
    #[serde(default)]
    description: Option<String>,
    starts_at: Date,
    #[serde(default)]
    canceled_at: Option<Date>,
}

#[derive(Deserialize)]
struct PlanRelationships {
    #[serde(default)]
    membership: ToOne,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(membership: &str, starts: Date, canceled: Option<Date>, name: &str) -> MembershipPlanV2 {
        MembershipPlanV2 {
            id: format!("{membership}-{name}"),
            name: name.into(),
            description: None,
            starts_at: starts,
            canceled_at: canceled,
            membership_id: membership.into(),
        }
    }

    #[test]
    fn the_current_plan_is_the_period_covering_today_inclusive_of_both_ends() {
        let d = Date::constant;
        let plans = [
            period("m", d(2026, 1, 5), Some(d(2026, 11, 30)), "Flex"),
            period("m", d(2026, 12, 1), None, "Fixed"),
            period("other", d(2020, 1, 1), None, "Other"),
        ];
        let name = |today| current_plan(&plans, "m", today).map(|p| p.name.as_str());
        assert_eq!(name(d(2026, 1, 4)), None, "not started yet");
        assert_eq!(name(d(2026, 1, 5)), Some("Flex"), "startsAt is the first day");
        assert_eq!(name(d(2026, 11, 30)), Some("Flex"), "canceledAt is the last active day");
        assert_eq!(name(d(2026, 12, 1)), Some("Fixed"));
        assert_eq!(current_plan(&plans, "nobody", d(2026, 12, 1)), None);
    }

    #[test]
    fn json_api_error_details_are_read_and_other_bodies_are_not() {
        assert_eq!(
            error_detail(br#"{"errors":[{"detail":"You must be an admin."},{"detail":"Really."}]}"#).as_deref(),
            Some("You must be an admin. Really.")
        );
        assert_eq!(
            error_detail(br#"{"error":"A valid access token must be passed."}"#).as_deref(),
            Some("A valid access token must be passed.")
        );
        assert_eq!(error_detail(b"<html>Bad Gateway</html>"), None);
    }

    fn resource(json: &str) -> Resource {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_resource_without_relationships_reads_as_empty() {
        let r: Typed<MembershipAttributes, MembershipRelationships> =
            resource(r#"{"id":"m","type":"memberships","attributes":{"confirmedAt":"2026-01-05"}}"#)
                .parse("memberships", "a membership")
                .unwrap();
        assert!(r.relationships.space.data.is_none());
        assert_eq!(r.attributes.confirmed_at, Some(Date::constant(2026, 1, 5)));
    }

    #[test]
    fn a_resource_of_another_type_or_without_required_attributes_is_malformed() {
        let wrong = resource(r#"{"id":"s","type":"users","attributes":{}}"#);
        assert!(matches!(
            wrong.parse::<Value, Value>("spaces", "a space"),
            Err(Error::Malformed(_))
        ));
        let bare = resource(r#"{"id":"s","type":"spaces"}"#);
        let e = bare.parse::<SpaceAttributes, Value>("spaces", "a space").err().unwrap();
        assert!(e.to_string().contains("missing field"), "{e}");
    }

    #[test]
    fn a_slash_date_is_malformed_in_api_2() {
        let e = serde_json::from_str::<PlanAttributes>(r#"{"name":"Flex","startsAt":"2026/01/05"}"#);
        assert!(e.is_err(), "API 2 dates are ISO 8601");
    }
}
