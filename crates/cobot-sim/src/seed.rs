//! The data a simulator starts with: spaces, users, plans, custom field definitions, memberships,
//! admins and OAuth clients.
//!
//! A [`Seed`] is plain data so later features extend it by adding fields or entries, never by
//! adding code paths. [`demo()`] is the seed every test and the binary use unless told otherwise;
//! [`large()`] adds thousands of synthetic members for sync benchmarks.
//!
//! Dates are civil dates ([`Date`], the space's calendar) and instants are UTC ([`Timestamp`]);
//! the API layers format them (API 1 `YYYY/MM/DD`, API 2 ISO 8601).

use std::collections::{BTreeMap, HashSet};

use jiff::civil::{date, Date};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Everything a fresh simulator knows.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// Coworking spaces, each reachable under `/sub/{subdomain}`.
    pub spaces: Vec<SeedSpace>,
    /// Cobot user accounts.
    pub users: Vec<SeedUser>,
    /// A space's plan catalogue (API 1 `GET /api/plans`).
    pub plans: Vec<SeedPlan>,
    /// A space's custom field definitions (API 1 `GET /api/space/custom_fields`).
    pub custom_fields: Vec<SeedCustomField>,
    /// Memberships in a space, with or without a connected user account.
    pub memberships: Vec<SeedMembership>,
    /// A user's admin role in a space.
    pub admins: Vec<SeedAdmin>,
    /// Registered OAuth clients.
    pub clients: Vec<SeedClient>,
    /// Time passes by membership id ([`crate::time_passes`]); a membership without an entry
    /// follows its `time_passes_left`.
    pub time_passes: BTreeMap<String, Vec<crate::time_passes::TimePass>>,
}

/// A space, with the fields of API 1 `GET /api/spaces/:subdomain` and API 2 `GET /spaces/{id}`
/// (cobot-api.md §9).
#[derive(Debug, Clone)]
pub struct SeedSpace {
    /// Opaque id, e.g. `space-lighthouse` (API 1 `id`, API 2 space id).
    pub id: String,
    /// Subdomain, e.g. `lighthouse` (Cobot: `lighthouse.cobot.me`; here `/sub/lighthouse`).
    pub subdomain: String,
    /// Display name.
    pub name: String,
    /// IANA time zone name; "today" for a space is the simulated clock's date in this zone.
    pub time_zone: String,
    /// Contact email.
    pub email: String,
    /// Free text, may be absent.
    pub description: Option<String>,
    /// User id of the space owner.
    pub owner_id: String,
    /// Creation date in API 1 format `YYYY/MM/DD`.
    pub created_at: String,
    /// Country name, e.g. `Germany` (API 1 `country`).
    pub country: String,
    /// ISO 3166 two-letter code, e.g. `DE` (API 2 `countryCode`).
    pub country_code: String,
    /// Locale, e.g. `de-DE`.
    pub locale: String,
    /// Whether the space is in the EU.
    pub in_eu: bool,
    /// Default tax rate in percent (API 2 `defaultTaxes`, and the gross of membership plan prices).
    pub tax_rate: f64,
    /// `net` or `gross`.
    pub price_display: String,
    /// Decimals shown for prices.
    pub price_decimals: u32,
    /// 12 or 24.
    pub hour_format: u32,
}

/// A Cobot user account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedUser {
    /// Stable user id (the OIDC `sub`); identify users by this, never by email.
    pub id: String,
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Phone number, if the user gave one.
    #[serde(default)]
    pub phone: Option<String>,
}

/// A plan in a space's catalogue (API 1 `GET /api/plans`, cobot-api.md §4).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedPlan {
    /// Plan id, e.g. `plan-flex`; memberships name it as `plan.parent_plan.id`.
    pub id: String,
    /// The space's subdomain.
    pub space_subdomain: String,
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// Net price per cycle as Cobot's decimal string, e.g. `"180.0"`.
    pub price_per_cycle: String,
    /// ISO 4217 code.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Months per billing cycle.
    #[serde(default = "one")]
    pub cycle_duration: u32,
    /// Days of notice.
    #[serde(default = "thirty")]
    pub cancellation_period: u32,
    /// Minimum number of cycles.
    #[serde(default = "one")]
    pub minimum_commitment: u32,
    /// Hidden plans are listed only to tokens with scope `read_plans`.
    #[serde(default)]
    pub hidden: bool,
    /// Hex colour, e.g. `#2a6f97`.
    #[serde(default)]
    pub color: Option<String>,
    /// Shown to new members; listed only with scope `read_plans`.
    #[serde(default)]
    pub welcome_message: Option<String>,
}

fn default_currency() -> String {
    "EUR".into()
}

fn one() -> u32 {
    1
}

fn thirty() -> u32 {
    30
}

/// A custom field definition of a space (cobot-api.md §5).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedCustomField {
    /// Field id, e.g. `cf-access`.
    pub id: String,
    /// The space's subdomain.
    pub space_subdomain: String,
    /// Label, e.g. `smart_spaces_access_additional_units`.
    pub label: String,
}

/// One period of a membership's plan history (API 2 `membershipPlans`, cobot-api.md §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedPlanPeriod {
    /// The catalogue plan (`SeedPlan::id`).
    pub plan_id: String,
    /// First day on this plan.
    pub starts_at: Date,
    /// Last day on this plan, or `None` while it continues.
    pub canceled_at: Option<Date>,
}

/// A membership in one space.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeedMembership {
    /// Membership id, e.g. `mem-alex`; unique across spaces.
    pub id: String,
    /// The connected user account, if any (`"user": null` in API 1 otherwise).
    pub user_id: Option<String>,
    /// The space's subdomain.
    pub space_subdomain: String,
    /// Name on the membership (space-level OIDC claim `name`).
    pub name: String,
    /// Email on the membership; `None` uses the connected user's email.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone on the membership (space-level OIDC claim `phone_number`).
    #[serde(default)]
    pub phone: Option<String>,
    /// Company on the membership's address.
    #[serde(default)]
    pub company: Option<String>,
    /// Absolute picture URL; `None` serves a generated placeholder from `/_sim/pictures/{id}`.
    #[serde(default)]
    pub picture: Option<String>,
    /// When an admin confirmed the membership; `None` while pending.
    #[serde(default)]
    pub confirmed_at: Option<Timestamp>,
    /// First day of the membership.
    pub starts_at: Date,
    /// Last day of the membership if canceled; after it the membership has ended.
    #[serde(default)]
    pub canceled_to: Option<Date>,
    /// Plan history, oldest first; never empty.
    pub plans: Vec<SeedPlanPeriod>,
    /// Custom field values by field id (`SeedCustomField::id`). A field without an entry is unset.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, String>,
    /// The membership's check-in token (an RFID number or the like, cobot-api.md §6), by which
    /// API 2 `POST /check_ins` identifies it; unique within a space.
    #[serde(default)]
    pub check_in_token: Option<String>,
    /// Time passes left: each check-in uses one, and with none left a check-in is refused (422
    /// "No time passes left."). `None`: unlimited (a flat-rate plan), and check-ins carry no
    /// `time_pass`.
    #[serde(default)]
    pub time_passes_left: Option<u32>,
}

/// A user's admin role in one space (API 1 `admin_of[]`).
#[derive(Debug, Clone)]
pub struct SeedAdmin {
    /// The admin's user id.
    pub user_id: String,
    /// The space's subdomain.
    pub space_subdomain: String,
    /// The admin's name as the space shows it (`admin_of[].name`).
    pub name: String,
}

/// A registered OAuth client.
#[derive(Debug, Clone)]
pub struct SeedClient {
    /// Public identifier.
    pub client_id: String,
    /// Name shown on the sign-in page.
    pub name: String,
    /// `None` for a public client; otherwise the token endpoint checks `client_secret`.
    pub secret: Option<String>,
    /// Registered redirect URIs (exact match, plus the RFC 8252 loopback port rule).
    pub redirect_uris: Vec<String>,
    /// Scopes this client may request.
    pub scopes: Vec<String>,
}

impl Seed {
    /// The same seed with its one space under another subdomain and name (and so another space
    /// id): a second, separate space for tests that need two (the fleet's), on a second
    /// simulator. Everything that names the space follows it.
    pub fn as_space(mut self, subdomain: &str, name: &str) -> Seed {
        for space in &mut self.spaces {
            space.subdomain = subdomain.into();
            space.id = format!("space-{subdomain}");
            space.name = name.into();
        }
        for plan in &mut self.plans {
            plan.space_subdomain = subdomain.into();
        }
        for field in &mut self.custom_fields {
            field.space_subdomain = subdomain.into();
        }
        for membership in &mut self.memberships {
            membership.space_subdomain = subdomain.into();
        }
        for admin in &mut self.admins {
            admin.space_subdomain = subdomain.into();
        }
        self
    }
}

/// Subdomain of the demo space.
pub const DEMO_SPACE: &str = "lighthouse";
/// API 1 / API 2 id of the demo space.
pub const DEMO_SPACE_ID: &str = "space-lighthouse";
/// Client id of the demo OAuth client (public, no secret).
pub const DEMO_CLIENT_ID: &str = "frontdoor-app";
/// Redirect URIs registered for the demo client.
pub const DEMO_REDIRECT_URIS: [&str; 2] = ["frontdoor://auth/callback", "http://127.0.0.1/auth/callback"];
/// Scopes the demo client may request.
pub const DEMO_SCOPES: [&str; 7] = [
    "openid",
    "email",
    "profile",
    "read_user",
    "read_memberships",
    "checkin",
    "read_check_ins",
];
/// Client id of the hub's confidential OAuth client (sync, webhooks, check-ins).
pub const HUB_CLIENT_ID: &str = "frontdoor-hub";
/// Secret of [`HUB_CLIENT_ID`].
pub const HUB_CLIENT_SECRET: &str = "demo-hub-secret";
/// The one redirect URI registered for the hub client: the hub's `/auth/callback` on loopback. With
/// no port it matches `http://127.0.0.1:<any port>/auth/callback` (RFC 8252 §7.3, see
/// `redirect_uri`), so a hub on any local port can sign staff in. Being the client's only URI, a
/// code issued for it exactly may be redeemed without `redirect_uri`.
pub const HUB_REDIRECT_URI: &str = "http://127.0.0.1/auth/callback";
/// API scopes the hub client may request (besides [`OIDC_SCOPES`]): API 1 sync (Sensorberg's set,
/// cobot-api.md §8) plus webhooks and check-ins.
pub const HUB_SCOPES: [&str; 14] = [
    "read_user",
    "read_spaces",
    "read_memberships",
    "read_plans",
    "read_custom_fields",
    "write_custom_fields",
    "read_subscriptions",
    "write_subscriptions",
    "read_check_ins",
    "write_check_ins",
    "checkin",
    "navigation",
    "read",
    "write",
];
/// Cobot's OpenID Connect scopes (`scopes_supported` in discovery, cobot-api.md §1).
pub const OIDC_SCOPES: [&str; 3] = ["openid", "email", "profile"];
/// Label of the SmartSpace door-group custom field (cobot-api.md §5).
pub const ACCESS_FIELD_LABEL: &str = "smart_spaces_access_additional_units";

/// A UTC instant, for seed literals.
fn at(y: i16, m: i8, d: i8, hh: i8, mm: i8) -> Timestamp {
    date(y, m, d)
        .at(hh, mm, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .expect("seed instants are in range")
        .timestamp()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn user(id: &str, email: &str, name: &str, phone: Option<&str>) -> SeedUser {
    SeedUser {
        id: id.into(),
        email: email.into(),
        name: name.into(),
        phone: phone.map(Into::into),
    }
}

fn plan(id: &str, name: &str, description: &str, price: &str, hidden: bool, color: &str) -> SeedPlan {
    SeedPlan {
        id: id.into(),
        space_subdomain: DEMO_SPACE.into(),
        name: name.into(),
        description: Some(description.into()),
        price_per_cycle: price.into(),
        currency: "EUR".into(),
        cycle_duration: 1,
        cancellation_period: 30,
        minimum_commitment: 1,
        hidden,
        color: Some(color.into()),
        welcome_message: Some(format!("Welcome to Lighthouse! Your {name} is ready.")),
    }
}

/// A demo membership on one plan from `starts_at` (until `canceled_to`, if set).
struct Member<'a> {
    id: &'a str,
    user_id: Option<&'a str>,
    name: &'a str,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    plan_id: &'a str,
    confirmed_at: Option<Timestamp>,
    starts_at: Date,
    canceled_to: Option<Date>,
    access: Option<&'a str>,
    check_in_token: Option<&'a str>,
}

impl Member<'_> {
    fn build(self) -> SeedMembership {
        let mut custom_fields = BTreeMap::new();
        if let Some(access) = self.access {
            custom_fields.insert("cf-access".to_string(), access.to_string());
        }
        SeedMembership {
            id: self.id.into(),
            user_id: self.user_id.map(Into::into),
            space_subdomain: DEMO_SPACE.into(),
            name: self.name.into(),
            email: self.email.map(Into::into),
            phone: self.phone.map(Into::into),
            company: None,
            picture: None,
            confirmed_at: self.confirmed_at,
            starts_at: self.starts_at,
            canceled_to: self.canceled_to,
            plans: vec![SeedPlanPeriod {
                plan_id: self.plan_id.into(),
                starts_at: self.starts_at,
                canceled_at: self.canceled_to,
            }],
            custom_fields,
            check_in_token: self.check_in_token.map(Into::into),
            time_passes_left: None,
        }
    }
}

/// The demo world, space `lighthouse` (Europe/Berlin):
///
/// * users Alex (member), Sam (member and admin), Jo (no membership), Riley (membership ended
///   2026-10-31), Kim (pending, starts 2026-12-01);
/// * plans `plan-flex` "Flex Desk" 180.0, `plan-fixed` "Fixed Desk" 320.0, hidden `plan-day`
///   "Day Pass" 25.0 (EUR, monthly);
/// * custom fields `cf-access` (`smart_spaces_access_additional_units`) and `cf-mobile` (`Mobile`);
/// * memberships `mem-alex`, `mem-sam`, `mem-riley`, `mem-kim` and `mem-noah` (Noah Fischer, no
///   connected user); check-in tokens `1001` (Alex) and `1002` (Sam); unlimited time passes;
/// * the public client `frontdoor-app` and the confidential client `frontdoor-hub`
///   (secret `demo-hub-secret`, redirect URI `http://127.0.0.1/auth/callback` on any port,
///   scopes [`OIDC_SCOPES`] and [`HUB_SCOPES`]).
pub fn demo() -> Seed {
    Seed {
        spaces: vec![SeedSpace {
            id: DEMO_SPACE_ID.into(),
            subdomain: DEMO_SPACE.into(),
            name: "Lighthouse Coworking".into(),
            time_zone: "Europe/Berlin".into(),
            email: "hello@lighthouse.example".into(),
            description: Some("A demo coworking space served by cobot-sim.".into()),
            owner_id: "user-sam".into(),
            created_at: "2019/03/01".into(),
            country: "Germany".into(),
            country_code: "DE".into(),
            locale: "de-DE".into(),
            in_eu: true,
            tax_rate: 19.0,
            price_display: "gross".into(),
            price_decimals: 2,
            hour_format: 24,
        }],
        users: vec![
            user("user-alex", "alex@example.com", "Alex Morgan", Some("+49 30 1234567")),
            user("user-sam", "sam@example.com", "Sam Rivera", None),
            user("user-jo", "jo@example.com", "Jo Lee", None),
            user("user-riley", "riley@example.com", "Riley Chen", None),
            user("user-kim", "kim@example.com", "Kim Park", None),
        ],
        plans: vec![
            plan(
                "plan-flex",
                "Flex Desk",
                "Any free desk, any weekday.",
                "180.0",
                false,
                "#2a6f97",
            ),
            plan(
                "plan-fixed",
                "Fixed Desk",
                "Your own desk, around the clock.",
                "320.0",
                false,
                "#b4c300",
            ),
            plan(
                "plan-day",
                "Day Pass",
                "One day at a free desk.",
                "25.0",
                true,
                "#999999",
            ),
        ],
        custom_fields: vec![
            SeedCustomField {
                id: "cf-access".into(),
                space_subdomain: DEMO_SPACE.into(),
                label: ACCESS_FIELD_LABEL.into(),
            },
            SeedCustomField {
                id: "cf-mobile".into(),
                space_subdomain: DEMO_SPACE.into(),
                label: "Mobile".into(),
            },
        ],
        memberships: vec![
            Member {
                id: "mem-alex",
                user_id: Some("user-alex"),
                name: "Alex Morgan",
                email: None,
                phone: Some("+49 30 1234567"),
                plan_id: "plan-flex",
                confirmed_at: Some(at(2026, 1, 5, 9, 12)),
                starts_at: date(2026, 1, 5),
                canceled_to: None,
                access: Some(""),
                check_in_token: Some("1001"),
            }
            .build(),
            Member {
                id: "mem-sam",
                user_id: Some("user-sam"),
                name: "Sam Rivera",
                email: None,
                phone: None,
                plan_id: "plan-fixed",
                confirmed_at: Some(at(2025, 3, 1, 8, 0)),
                starts_at: date(2025, 3, 1),
                canceled_to: None,
                access: Some("Staff, Workshop"),
                check_in_token: Some("1002"),
            }
            .build(),
            Member {
                id: "mem-riley",
                user_id: Some("user-riley"),
                name: "Riley Chen",
                email: None,
                phone: None,
                plan_id: "plan-flex",
                confirmed_at: Some(at(2025, 6, 1, 9, 0)),
                starts_at: date(2025, 6, 1),
                canceled_to: Some(date(2026, 10, 31)),
                access: None,
                check_in_token: None,
            }
            .build(),
            Member {
                id: "mem-kim",
                user_id: Some("user-kim"),
                name: "Kim Park",
                email: None,
                phone: None,
                plan_id: "plan-fixed",
                confirmed_at: None,
                starts_at: date(2026, 12, 1),
                canceled_to: None,
                access: Some("Mystery"),
                check_in_token: None,
            }
            .build(),
            Member {
                id: "mem-noah",
                user_id: None,
                name: "Noah Fischer",
                email: Some("noah.fischer@example.com"),
                phone: None,
                plan_id: "plan-flex",
                confirmed_at: Some(at(2026, 2, 1, 10, 0)),
                starts_at: date(2026, 2, 1),
                canceled_to: None,
                access: None,
                check_in_token: None,
            }
            .build(),
        ],
        admins: vec![SeedAdmin {
            user_id: "user-sam".into(),
            space_subdomain: DEMO_SPACE.into(),
            name: "Sam Rivera".into(),
        }],
        clients: vec![
            SeedClient {
                client_id: DEMO_CLIENT_ID.into(),
                name: "Frontdoor".into(),
                secret: None,
                redirect_uris: strings(&DEMO_REDIRECT_URIS),
                scopes: strings(&DEMO_SCOPES),
            },
            SeedClient {
                client_id: HUB_CLIENT_ID.into(),
                name: "Frontdoor Hub".into(),
                secret: Some(HUB_CLIENT_SECRET.into()),
                redirect_uris: vec![HUB_REDIRECT_URI.into()],
                // OIDC too: the hub signs staff in at its `/auth/callback`.
                scopes: strings(&OIDC_SCOPES).into_iter().chain(strings(&HUB_SCOPES)).collect(),
            },
        ],
        time_passes: BTreeMap::new(),
    }
}

/// The demo plus `members` synthetic memberships in `lighthouse`, for sync benchmarks:
/// `mem-bulk-00001`… with users `user-bulk-00001`… (`bulk-00001@example.com`), confirmed
/// 2025-01-01, plans alternating Flex Desk (odd numbers) and Fixed Desk (even), every 7th with
/// door group `Staff`, every 50th canceled to 2026-06-30 (ended), every 97th without a connected
/// user (and no user account is created for it). Builds in milliseconds: plain data only.
pub fn large(members: usize) -> Seed {
    let mut seed = demo();
    seed.users.reserve(members);
    seed.memberships.reserve(members);
    let confirmed = at(2025, 1, 1, 9, 0);
    let starts = date(2025, 1, 1);
    for n in 1..=members {
        let id = format!("{n:05}");
        let user_id = (n % 97 != 0).then(|| format!("user-bulk-{id}"));
        let name = format!("Bulk Member {id}");
        if let Some(user_id) = &user_id {
            seed.users.push(SeedUser {
                id: user_id.clone(),
                email: format!("bulk-{id}@example.com"),
                name: name.clone(),
                phone: None,
            });
        }
        let plan_id = if n % 2 == 1 { "plan-flex" } else { "plan-fixed" };
        let canceled_to = (n % 50 == 0).then(|| date(2026, 6, 30));
        let mut custom_fields = BTreeMap::new();
        if n % 7 == 0 {
            custom_fields.insert("cf-access".to_string(), "Staff".to_string());
        }
        seed.memberships.push(SeedMembership {
            id: format!("mem-bulk-{id}"),
            email: user_id.is_none().then(|| format!("bulk-{id}@example.com")),
            user_id,
            space_subdomain: DEMO_SPACE.into(),
            name,
            phone: None,
            company: None,
            picture: None,
            confirmed_at: Some(confirmed),
            starts_at: starts,
            canceled_to,
            plans: vec![SeedPlanPeriod {
                plan_id: plan_id.into(),
                starts_at: starts,
                canceled_at: canceled_to,
            }],
            custom_fields,
            check_in_token: None,
            time_passes_left: None,
        });
    }
    seed
}

impl Seed {
    /// Checks references and uniqueness, so a broken seed fails at start, not mid-test. Linear
    /// in the seed's size.
    pub fn validate(&self) -> Result<(), InvalidSeed> {
        fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> Result<HashSet<&'a str>, InvalidSeed> {
            let mut seen = HashSet::new();
            for id in ids {
                if !seen.insert(id) {
                    return Err(InvalidSeed::from(format!("duplicate {what} `{id}`")));
                }
            }
            Ok(seen)
        }
        let spaces = unique("space subdomain", self.spaces.iter().map(|s| s.subdomain.as_str()))?;
        unique("space id", self.spaces.iter().map(|s| s.id.as_str()))?;
        let users = unique("user id", self.users.iter().map(|u| u.id.as_str()))?;
        unique("membership id", self.memberships.iter().map(|m| m.id.as_str()))?;
        unique("client id", self.clients.iter().map(|c| c.client_id.as_str()))?;
        /// Plan and custom field ids need only be unique within their space.
        fn unique_per_space<'a>(
            what: &str,
            ids: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
        ) -> Result<HashSet<(&'a str, &'a str)>, InvalidSeed> {
            let count = ids.len();
            let seen: HashSet<_> = ids.collect();
            if seen.len() != count {
                return Err(InvalidSeed::from(format!("duplicate {what} id within a space")));
            }
            Ok(seen)
        }
        let plans = unique_per_space(
            "plan",
            self.plans.iter().map(|p| (p.space_subdomain.as_str(), p.id.as_str())),
        )?;
        let fields = unique_per_space(
            "custom field",
            self.custom_fields
                .iter()
                .map(|f| (f.space_subdomain.as_str(), f.id.as_str())),
        )?;
        for p in &self.plans {
            if !spaces.contains(p.space_subdomain.as_str()) {
                return Err(InvalidSeed::from(format!("plan `{}` names an unknown space", p.id)));
            }
        }
        for f in &self.custom_fields {
            if !spaces.contains(f.space_subdomain.as_str()) {
                return Err(InvalidSeed::from(format!(
                    "custom field `{}` names an unknown space",
                    f.id
                )));
            }
        }
        let mut members: HashSet<(&str, &str)> = HashSet::new();
        let mut check_in_tokens: HashSet<(&str, &str)> = HashSet::new();
        for m in &self.memberships {
            let sub = m.space_subdomain.as_str();
            if !spaces.contains(sub) {
                return Err(InvalidSeed::from(format!(
                    "membership `{}` names an unknown space",
                    m.id
                )));
            }
            if let Some(user_id) = &m.user_id {
                if !users.contains(user_id.as_str()) {
                    return Err(InvalidSeed::from(format!(
                        "membership `{}` names an unknown user",
                        m.id
                    )));
                }
                if !members.insert((user_id.as_str(), sub)) {
                    return Err(InvalidSeed::from(format!(
                        "user `{user_id}` has two memberships in `{sub}`"
                    )));
                }
            }
            if m.plans.is_empty() {
                return Err(InvalidSeed::from(format!("membership `{}` has no plan", m.id)));
            }
            if let Some(p) = m.plans.iter().find(|p| !plans.contains(&(sub, p.plan_id.as_str()))) {
                return Err(InvalidSeed::from(format!(
                    "membership `{}` names unknown plan `{}`",
                    m.id, p.plan_id
                )));
            }
            if let Some(token) = &m.check_in_token {
                if !check_in_tokens.insert((sub, token.as_str())) {
                    return Err(InvalidSeed::from(format!(
                        "check-in token `{token}` is used twice in `{sub}`"
                    )));
                }
            }
            if let Some(id) = m.custom_fields.keys().find(|id| !fields.contains(&(sub, id.as_str()))) {
                return Err(InvalidSeed::from(format!(
                    "membership `{}` sets unknown custom field `{id}`",
                    m.id
                )));
            }
        }
        let membership_ids: HashSet<&str> = self.memberships.iter().map(|m| m.id.as_str()).collect();
        if let Some(id) = self.time_passes.keys().find(|id| !membership_ids.contains(id.as_str())) {
            return Err(InvalidSeed::from(format!("time passes name unknown membership `{id}`")));
        }
        for a in &self.admins {
            if !users.contains(a.user_id.as_str()) || !spaces.contains(a.space_subdomain.as_str()) {
                return Err(InvalidSeed::from(format!(
                    "admin `{}` of `{}` names an unknown user or space",
                    a.user_id, a.space_subdomain
                )));
            }
        }
        for c in &self.clients {
            crate::redirect_uri::validate_registered(&c.redirect_uris).map_err(|source| InvalidSeed::RedirectUri {
                client: c.client_id.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// A seed that contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSeed {
    /// A duplicate id or a dangling reference, in words.
    #[error("{0}")]
    Inconsistent(String),
    /// A client's redirect URIs cannot be registered.
    #[error("client `{client}`: {source}")]
    RedirectUri {
        /// The client's id.
        client: String,
        /// Why.
        #[source]
        source: crate::redirect_uri::BadRedirectUri,
    },
}

impl From<String> for InvalidSeed {
    fn from(words: String) -> InvalidSeed {
        InvalidSeed::Inconsistent(words)
    }
}

impl From<&str> for InvalidSeed {
    fn from(words: &str) -> InvalidSeed {
        InvalidSeed::Inconsistent(words.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_seed_is_consistent() {
        super::demo().validate().expect("demo seed must validate");
    }

    #[test]
    fn the_large_seed_follows_its_documented_pattern() {
        let seed = super::large(100);
        seed.validate().expect("large seed must validate");
        let bulk: Vec<_> = seed
            .memberships
            .iter()
            .filter(|m| m.id.starts_with("mem-bulk-"))
            .collect();
        assert_eq!(bulk.len(), 100);
        assert_eq!(bulk[0].id, "mem-bulk-00001");
        assert_eq!(bulk[0].plans[0].plan_id, "plan-flex");
        assert_eq!(bulk[1].plans[0].plan_id, "plan-fixed");
        assert_eq!(
            bulk[6].custom_fields.get("cf-access").map(String::as_str),
            Some("Staff")
        );
        assert!(bulk[49].canceled_to.is_some() && bulk[48].canceled_to.is_none());
        assert!(bulk[96].user_id.is_none() && bulk[95].user_id.is_some());
    }
}
