//! The data a simulator starts with: spaces, users, memberships, admins and OAuth clients.
//!
//! A [`Seed`] is plain data so later features extend it by adding fields or entries, never by
//! adding code paths. [`demo()`] is the seed every test and the binary use unless told otherwise.

/// Everything a fresh simulator knows.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// Coworking spaces, each reachable under `/sub/{subdomain}`.
    pub spaces: Vec<SeedSpace>,
    /// Cobot user accounts.
    pub users: Vec<SeedUser>,
    /// A user's membership in a space.
    pub memberships: Vec<SeedMembership>,
    /// A user's admin role in a space.
    pub admins: Vec<SeedAdmin>,
    /// Registered OAuth clients.
    pub clients: Vec<SeedClient>,
}

/// A space, with the fields of API 1 `GET /api/spaces/:subdomain` (cobot-api.md §9).
#[derive(Debug, Clone)]
pub struct SeedSpace {
    /// Opaque id, e.g. `space-lighthouse`.
    pub id: String,
    /// Subdomain, e.g. `lighthouse` (Cobot: `lighthouse.cobot.me`; here `/sub/lighthouse`).
    pub subdomain: String,
    /// Display name.
    pub name: String,
    /// IANA time zone name.
    pub time_zone: String,
    /// Contact email.
    pub email: String,
    /// Free text, may be absent.
    pub description: Option<String>,
    /// User id of the space owner.
    pub owner_id: String,
    /// Creation date in API 1 format `YYYY/MM/DD`.
    pub created_at: String,
    /// Country name, e.g. `Germany`.
    pub country: String,
    /// Locale, e.g. `de-DE`.
    pub locale: String,
    /// Whether the space is in the EU.
    pub in_eu: bool,
    /// Default tax rate in percent.
    pub tax_rate: f64,
    /// `net` or `gross`.
    pub price_display: String,
    /// Decimals shown for prices.
    pub price_decimals: u32,
    /// 12 or 24.
    pub hour_format: u32,
}

/// A Cobot user account.
#[derive(Debug, Clone)]
pub struct SeedUser {
    /// Stable user id (the OIDC `sub`); identify users by this, never by email.
    pub id: String,
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Phone number, if the user gave one.
    pub phone: Option<String>,
}

/// A user's membership in one space.
#[derive(Debug, Clone)]
pub struct SeedMembership {
    /// Membership id, e.g. `mem-alex`.
    pub id: String,
    /// The member's user id.
    pub user_id: String,
    /// The space's subdomain.
    pub space_subdomain: String,
    /// Name on the membership (space-level OIDC claim `name`).
    pub name: String,
    /// Phone on the membership (space-level OIDC claim `phone_number`).
    pub phone: Option<String>,
    /// Absolute picture URL; `None` serves a generated placeholder from `/_sim/pictures/{id}`.
    pub picture: Option<String>,
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

/// Subdomain of the demo space.
pub const DEMO_SPACE: &str = "lighthouse";
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

/// The demo world: space `lighthouse`; Alex (member), Sam (member and admin), Jo (no membership);
/// the public client `frontdoor-app`.
pub fn demo() -> Seed {
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Seed {
        spaces: vec![SeedSpace {
            id: "space-lighthouse".into(),
            subdomain: DEMO_SPACE.into(),
            name: "Lighthouse Coworking".into(),
            time_zone: "Europe/Berlin".into(),
            email: "hello@lighthouse.example".into(),
            description: Some("A demo coworking space served by cobot-sim.".into()),
            owner_id: "user-sam".into(),
            created_at: "2019/03/01".into(),
            country: "Germany".into(),
            locale: "de-DE".into(),
            in_eu: true,
            tax_rate: 19.0,
            price_display: "gross".into(),
            price_decimals: 2,
            hour_format: 24,
        }],
        users: vec![
            SeedUser {
                id: "user-alex".into(),
                email: "alex@example.com".into(),
                name: "Alex Morgan".into(),
                phone: Some("+49 30 1234567".into()),
            },
            SeedUser {
                id: "user-sam".into(),
                email: "sam@example.com".into(),
                name: "Sam Rivera".into(),
                phone: None,
            },
            SeedUser {
                id: "user-jo".into(),
                email: "jo@example.com".into(),
                name: "Jo Lee".into(),
                phone: None,
            },
        ],
        memberships: vec![
            SeedMembership {
                id: "mem-alex".into(),
                user_id: "user-alex".into(),
                space_subdomain: DEMO_SPACE.into(),
                name: "Alex Morgan".into(),
                phone: Some("+49 30 1234567".into()),
                picture: None,
            },
            SeedMembership {
                id: "mem-sam".into(),
                user_id: "user-sam".into(),
                space_subdomain: DEMO_SPACE.into(),
                name: "Sam Rivera".into(),
                phone: None,
                picture: None,
            },
        ],
        admins: vec![SeedAdmin {
            user_id: "user-sam".into(),
            space_subdomain: DEMO_SPACE.into(),
            name: "Sam Rivera".into(),
        }],
        clients: vec![SeedClient {
            client_id: DEMO_CLIENT_ID.into(),
            name: "Frontdoor".into(),
            secret: None,
            redirect_uris: strings(&DEMO_REDIRECT_URIS),
            scopes: strings(&DEMO_SCOPES),
        }],
    }
}

impl Seed {
    /// Checks references and uniqueness, so a broken seed fails at start, not mid-test.
    pub fn validate(&self) -> Result<(), String> {
        fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), String> {
            let mut seen = std::collections::HashSet::new();
            for id in ids {
                if !seen.insert(id) {
                    return Err(format!("duplicate {what} `{id}`"));
                }
            }
            Ok(())
        }
        unique("space subdomain", self.spaces.iter().map(|s| s.subdomain.as_str()))?;
        unique("user id", self.users.iter().map(|u| u.id.as_str()))?;
        unique("membership id", self.memberships.iter().map(|m| m.id.as_str()))?;
        unique("client id", self.clients.iter().map(|c| c.client_id.as_str()))?;
        let user = |id: &str| self.users.iter().any(|u| u.id == id);
        let space = |sub: &str| self.spaces.iter().any(|s| s.subdomain == sub);
        for m in &self.memberships {
            if !user(&m.user_id) || !space(&m.space_subdomain) {
                return Err(format!("membership `{}` names an unknown user or space", m.id));
            }
        }
        for a in &self.admins {
            if !user(&a.user_id) || !space(&a.space_subdomain) {
                return Err(format!(
                    "admin `{}` of `{}` names an unknown user or space",
                    a.user_id, a.space_subdomain
                ));
            }
        }
        for c in &self.clients {
            crate::redirect_uri::validate_registered(&c.redirect_uris)
                .map_err(|e| format!("client `{}`: {e}", c.client_id))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_seed_is_consistent() {
        super::demo().validate().expect("demo seed must validate");
    }
}
