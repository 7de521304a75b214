//! `[cobot]`: where the space's Cobot is, how members sign in, and what the hub asks Cobot for.

use serde::Deserialize;
use url::Url;

impl Default for Cobot {
    fn default() -> Self {
        Cobot {
            www: default_www(),
            space_template: default_space_template(),
            client_id: String::new(),
            issuer: None,
            space_url: None,
            scopes: default_member_scopes(),
            sync_scopes: default_sync_scopes(),
            check_in_scope: CheckInScope::default(),
            id_token_nonce: IdTokenNonce::default(),
        }
    }
}

/// `[cobot]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cobot {
    /// User-level host; default `https://www.cobot.me`.
    #[serde(default = "default_www")]
    pub www: Url,
    /// Space host template; default `https://{subdomain}.cobot.me`.
    #[serde(default = "default_space_template")]
    pub space_template: String,
    /// The space's own address when it is on a custom domain (`https://members.lighthouse.example`):
    /// the hub reads API 1 there, members sign in there (`issuer = "space"`), and webhooks
    /// naming it (or the `space_template` host) are followed. Default: the `space_template` host.
    #[serde(default)]
    pub space_url: Option<Url>,
    /// The OAuth client id registered at Cobot for Frontdoor. The hub is this client (its secret
    /// comes from `FRONTDOOR_HUB_COBOT_CLIENT_SECRET` or the credential `cobot-client-secret`);
    /// its redirect URI at Cobot is `<hub.public_url>/auth/callback`.
    #[serde(default)]
    pub client_id: String,
    /// Where members sign in: `"space"` (default; the space's own host, which Cobot documents
    /// with extra membership claims), `"www"`, or the issuer URL of a custom domain.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Scopes asked of members at sign-in.
    #[serde(default = "default_member_scopes")]
    pub scopes: Vec<String>,
    /// Scopes asked of the admin who connects the space's Cobot account in the console (the
    /// plug); no `openid`: who connected is asked of Cobot with the token. The default is the
    /// SmartSpace sync app's set plus webhooks and check-ins ([`DEFAULT_SYNC_SCOPES`]).
    #[serde(default = "default_sync_scopes")]
    pub sync_scopes: Vec<String>,
    /// The scope the plug asks for so the hub may check members in
    /// (`POST /api/memberships/:id/work_sessions`): `"write"` (default) or `"checkin"`. Added to
    /// `sync_scopes` when they lack it. Cobot does not document which one that endpoint needs
    /// (cobot-api.md §6). The default is `write` because the one door integration Cobot itself
    /// documents as checking members in on every unlock, SmartSpace (Sensorberg), is registered
    /// with `write` and without `checkin` (§8), so a space's connection with `write` is known to
    /// be enough there; `checkin` is the other candidate the API 1 scope list names. A space whose
    /// check-ins come back "Frontdoor lacks the permission" switches this and reconnects Cobot.
    #[serde(default)]
    pub check_in_scope: CheckInScope,
    /// Whether members' ID tokens must carry the sign-in's nonce: `"required"` (default) or
    /// `"when_present"` for a Cobot whose tokens carry none (`frontdoor-hub doctor` tells). `exp`
    /// and `iat` are always checked; connecting Cobot (the plug) needs no ID token at all.
    #[serde(default)]
    pub id_token_nonce: IdTokenNonce,
}

/// See [`Cobot::id_token_nonce`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenNonce {
    /// The token must carry exactly the nonce the sign-in sent.
    #[default]
    Required,
    /// A token without a nonce passes; a wrong one never does.
    WhenPresent,
}

impl IdTokenNonce {
    /// The rule the ID-token verifier holds tokens to.
    pub fn rule(self) -> frontdoor_core::auth::NonceRule {
        match self {
            IdTokenNonce::Required => frontdoor_core::auth::NonceRule::Required,
            IdTokenNonce::WhenPresent => frontdoor_core::auth::NonceRule::WhenPresent,
        }
    }

    /// As the configuration file writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenNonce::Required => "required",
            IdTokenNonce::WhenPresent => "when_present",
        }
    }
}

/// See [`Cobot::check_in_scope`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckInScope {
    /// API 1's general write scope, as SmartSpace has it.
    #[default]
    Write,
    /// API 1's `checkin` scope.
    Checkin,
}

impl CheckInScope {
    /// The scope's name at Cobot.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckInScope::Write => "write",
            CheckInScope::Checkin => "checkin",
        }
    }
}

impl Cobot {
    /// Every scope the plug asks Cobot for (no `openid`): `sync_scopes`, plus
    /// `check_in_scope` when they lack it.
    pub fn requested_scopes(&self) -> Vec<String> {
        let mut scopes = self.sync_scopes.clone();
        let check_in = self.check_in_scope.as_str();
        if !scopes.iter().any(|s| s == check_in) {
            scopes.push(check_in.to_string());
        }
        scopes
    }
}

/// The scopes the plug asks for by default: Cobot's SmartSpace (Sensorberg) sync app's
/// `navigation read read_custom_fields read_memberships read_plans read_user write
/// write_custom_fields` without `write`, plus what webhooks and reading check-ins need. The
/// scope that lets the hub check members in is added by [`Cobot::check_in_scope`] (`write` by
/// default, which makes the SmartSpace set whole); a space that sets it to `checkin` grants no
/// `write`, which Frontdoor uses for nothing else.
pub const DEFAULT_SYNC_SCOPES: &[&str] = &[
    "navigation",
    "read",
    "read_custom_fields",
    "read_memberships",
    "read_plans",
    "read_user",
    "write_custom_fields",
    "read_subscriptions",
    "write_subscriptions",
    "read_check_ins",
];

fn default_sync_scopes() -> Vec<String> {
    DEFAULT_SYNC_SCOPES.iter().map(|s| s.to_string()).collect()
}

/// The secret of cobot-sim's seeded `frontdoor-hub` client, used by `--demo` only (cobot-sim's
/// `HUB_CLIENT_SECRET`; a real space's secret comes from a credential).
pub const DEMO_CLIENT_SECRET: &str = "demo-hub-secret";

fn default_member_scopes() -> Vec<String> {
    frontdoor_core::auth::MEMBER_SCOPES
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn default_www() -> Url {
    Url::parse("https://www.cobot.me").expect("constant URL")
}

fn default_space_template() -> String {
    "https://{subdomain}.cobot.me".into()
}
