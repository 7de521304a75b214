//! The plug: the space's Cobot connection, made by an admin in the staff console.
//!
//! 1. Staff ask to connect (`POST /api/v1/admin/cobot/connect` with where the browser comes back
//!    to). The hub, as the space's confidential OAuth client, begins an authorization-code flow
//!    at www's issuer (or the configured custom domain) with the sync scopes
//!    (`[cobot] sync_scopes`, plus `check_in_scope`) and without `openid` (plain OAuth 2: Cobot
//!    issues no ID token), through [`crate::app::sign_in`]'s pending sign-ins with
//!    their kind set to "plug" and the staff member remembered.
//! 2. Cobot sends the browser to the hub's one redirect URI, `<public_url>/auth/callback`; the
//!    callback finishes either kind. For the plug ([`finish`]): it redeems the code (state, PKCE,
//!    client secret; the ID token is not needed: see [`finish`]), checks with `GET /api/user` that
//!    the person administers this space, turns the
//!    token into a **space-owned** one (`POST /api/access_tokens/:token/space`; it survives the
//!    admin leaving), revokes the personal token if Cobot issued a new one, stores the new one
//!    sealed ([`crate::base::seal`], owner [`OWNER`]) and hands it to the sync engine. The browser goes
//!    back to `return_to?connected=1` (or `?error=…&error_description=…`), and the first sync
//!    starts in the background.
//! 3. `GET /api/v1/admin/cobot` says where the connection stands; a sync or check-in that Cobot
//!    answers with 401 marks it refused (the last snapshot keeps serving doors meanwhile).
//!    `DELETE /api/v1/admin/cobot` forgets the console's token and revokes it at Cobot.
//!
//! A token given in the environment (`FRONTDOOR_HUB_COBOT_TOKEN`, for headless setups) is used
//! whenever no console connection exists.
//!
//! Architecture Invariant: the connection's token is stored only sealed, with a key that is never
//! in the database; it never crosses the browser (only the one-time code does, to the hub).

use std::sync::{Arc, Mutex, RwLock};

use frontdoor_core::auth::{self, PendingLogin};
use frontdoor_core::cobot;
use frontdoor_core::console::{CobotConnection, ConnectionState};
use frontdoor_core::links::Callback;
use frontdoor_core::secret::AccessToken;
use jiff::Timestamp;
use url::Url;

use crate::app::Hub;
use crate::base::seal::SealKey;
use crate::store::Store;

/// The sealed token's owner (associated data): a value sealed for a device row does not open here.
pub const OWNER: &str = "cobot-connection";

/// The sync engine's Cobot token, swappable while the hub runs, with whether Cobot refused it.
#[derive(Debug, Default)]
pub struct TokenSlot {
    inner: RwLock<Slot>,
}

#[derive(Debug, Default)]
struct Slot {
    token: Option<AccessToken>,
    refused_at: Option<Timestamp>,
}

impl TokenSlot {
    /// A slot holding `token`.
    pub fn new(token: Option<AccessToken>) -> TokenSlot {
        TokenSlot {
            inner: RwLock::new(Slot {
                token,
                refused_at: None,
            }),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Slot> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Slot> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The token now.
    pub fn get(&self) -> Option<AccessToken> {
        self.read().token.clone()
    }

    /// Swaps the token; a new token starts out not refused.
    pub fn set(&self, token: Option<AccessToken>) {
        *self.write() = Slot {
            token,
            refused_at: None,
        };
    }

    /// Cobot answered 401 to `token`. Marks the slot refused only while `token` is still the one
    /// in it (a sync that began before a reconnect does not taint the new token). Whether this
    /// is news.
    pub fn refused(&self, token: &AccessToken, at: Timestamp) -> bool {
        let mut slot = self.write();
        if slot.token.as_ref() != Some(token) || slot.refused_at.is_some() {
            return false;
        }
        slot.refused_at = Some(at);
        true
    }

    /// Cobot accepted `token` (a sync succeeded with it): no longer refused.
    pub fn accepted(&self, token: &AccessToken) {
        let mut slot = self.write();
        if slot.token.as_ref() == Some(token) {
            slot.refused_at = None;
        }
    }

    /// When Cobot refused the current token, if it did.
    pub fn refused_at(&self) -> Option<Timestamp> {
        self.read().refused_at
    }
}

pub use crate::store::cobot_connection::ConnectionRow;

/// The console's connection in memory, token included (to revoke it at disconnect).
#[derive(Debug, Clone)]
pub(crate) struct Console {
    pub(crate) since: Timestamp,
    pub(crate) by_name: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) token: AccessToken,
}

/// Where the hub's Cobot token comes from, and the console's connection.
#[derive(Debug)]
pub struct Plug {
    pub(crate) environment: Option<AccessToken>,
    console: Mutex<Option<Console>>,
    /// A stored connection that this hub's store key cannot open (the key changed).
    pub(crate) unreadable: std::sync::atomic::AtomicBool,
    /// Connecting and disconnecting one at a time, so the stored row, this memory and the sync
    /// engine's token agree.
    pub(crate) changing: tokio::sync::Mutex<()>,
}

impl Plug {
    /// Reads the stored connection (opening its token with `seal`); `environment` is the token
    /// given at start, used when there is no console connection.
    pub fn load(store: &Store, seal: &SealKey, environment: Option<AccessToken>) -> Result<Plug, crate::store::Error> {
        let row = store.cobot_connection()?;
        let mut unreadable = false;
        let console = row.and_then(|row| match seal.open(OWNER, &row.sealed_token) {
            Ok(token) => Some(Console {
                since: row.since,
                by_name: row.by_name,
                scopes: row.scopes,
                token: AccessToken::new(String::from_utf8_lossy(&token).into_owned()),
            }),
            Err(e) => {
                tracing::warn!("the stored Cobot connection cannot be used ({e}); staff must connect Cobot again");
                unreadable = true;
                None
            }
        });
        Ok(Plug {
            environment,
            console: Mutex::new(console),
            unreadable: unreadable.into(),
            changing: tokio::sync::Mutex::new(()),
        })
    }

    pub(crate) fn console(&self) -> std::sync::MutexGuard<'_, Option<Console>> {
        self.console.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The token the hub syncs with: the console's connection, else the environment's.
    pub fn token(&self) -> Option<AccessToken> {
        self.console()
            .as_ref()
            .map(|c| c.token.clone())
            .or_else(|| self.environment.clone())
    }
}

/// Where the plug signs in: www's issuer, as Cobot's sync integrations do; a space on its own
/// domain (`[cobot] issuer = "https://…"`, or `space_url` unless `issuer = "www"`) uses that, as
/// its admins may not be signed in at www.
pub fn issuer(config: &crate::base::Config) -> Url {
    match config.cobot.issuer.as_deref().map(str::trim) {
        Some(custom) if custom.contains("://") => Url::parse(custom).unwrap_or_else(|_| config.cobot.www.clone()),
        Some("www") => config.cobot.www.clone(),
        _ => config
            .cobot
            .space_url
            .clone()
            .unwrap_or_else(|| config.cobot.www.clone()),
    }
}

/// The environment's variable and credential, as staff see them named.
const ENVIRONMENT: &str = "FRONTDOOR_HUB_COBOT_TOKEN (or the credential cobot-token)";

fn local(hub: &Hub, at: Timestamp) -> String {
    let zone = jiff::tz::TimeZone::get(&hub.config.space.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    at.to_zoned(zone).strftime("%Y-%m-%d %H:%M").to_string()
}

/// What the doors keep doing while Cobot refuses, in words.
fn doors_meanwhile(hub: &Hub) -> String {
    let as_of = hub.snapshot().as_of;
    if as_of == Timestamp::default() {
        "The hub has no copy of the members yet, so members cannot open doors.".into()
    } else {
        format!(
            "Doors keep opening with the members as of {}, but changes in Cobot no longer reach the hub and check-ins wait.",
            local(hub, as_of)
        )
    }
}

/// Where the connection stands now, with Cobot's refusal to let the hub check members in, if
/// the current token met one.
pub fn describe(hub: &Hub) -> CobotConnection {
    let mut connection = describe_token(hub);
    let token = hub.syncer.token();
    if let Some((at, words)) = hub.check_ins.permission(token.as_ref()) {
        connection.message.push_str(&format!(
            " Cobot did not let the hub check members in on {} (Cobot said: {words}): the connection lacks that \
             permission. Reconnect Cobot and allow everything it asks for (the hub asks for “{}” to check members \
             in). Check-ins wait until then; doors open as usual.",
            local(hub, at),
            hub.config.cobot.check_in_scope.as_str()
        ));
    }
    connection
}

/// [`describe`], with the last attempt to connect and the last member sign-in when they failed
/// lately (and nothing worked since), in words: what the Cobot tab shows.
pub async fn describe_with_attempts(hub: &Hub) -> CobotConnection {
    use crate::store::attempts::Record;
    let mut connection = describe(hub);
    let read = hub
        .db(|store| Ok::<_, crate::store::Error>((store.outcome(Record::Plug)?, store.outcome(Record::SignIn)?)))
        .await;
    let Ok(Ok((plug, sign_in))) = read else {
        return connection;
    };
    let now = hub.clock.now();
    let when = |o: &crate::store::attempts::Outcome| {
        o.at.parse::<Timestamp>()
            .map(|t| local(hub, t))
            .unwrap_or_else(|_| o.at.clone())
    };
    let why = |o: &crate::store::attempts::Outcome| o.problem.clone().unwrap_or_else(|| "no reason recorded".into());
    if let Some(failed) = plug.and_then(|o| o.failed_lately(now)) {
        connection.message.push_str(&format!(
            " The last attempt to connect Cobot, on {}, failed: {}",
            when(&failed),
            why(&failed)
        ));
    }
    if let Some(failed) = sign_in.and_then(|o| o.failed_lately(now)) {
        connection.message.push_str(&format!(
            " The last member sign-in, on {}, failed: {} (Check Cobot says more.)",
            when(&failed),
            why(&failed)
        ));
    }
    connection
}

fn describe_token(hub: &Hub) -> CobotConnection {
    let mut connection = describe_owner(hub);
    if let Some(handover) = hub.syncer.handover() {
        connection
            .message
            .push_str(&format!(" On {}: {}", local(hub, handover.at), handover.words()));
    }
    connection
}

fn describe_owner(hub: &Hub) -> CobotConnection {
    let console = hub.plug.console().clone();
    let refused_at = hub.syncer.token_slot().refused_at();
    let state = if refused_at.is_some() {
        ConnectionState::Refused
    } else {
        ConnectionState::Connected
    };
    match (console, &hub.plug.environment) {
        (Some(c), _) => {
            let message = match refused_at {
                Some(at) => format!(
                    "Cobot refused the hub's connection on {} (it was revoked at Cobot, or the app's access was removed). {} Reconnect Cobot to sync again.",
                    local(hub, at),
                    doors_meanwhile(hub)
                ),
                None => {
                    let requested = hub.config.cobot.requested_scopes();
                    let missing: Vec<&str> = requested
                        .iter()
                        .map(String::as_str)
                        .filter(|s| !c.scopes.iter().any(|g| g == s))
                        .collect();
                    let mut words = format!(
                        "Connected to Cobot since {} by {}. The connection belongs to the space, so it keeps working if {} stops being an admin.",
                        local(hub, c.since),
                        c.by_name,
                        c.by_name
                    );
                    if !c.scopes.is_empty() && !missing.is_empty() {
                        words.push_str(&format!(
                            " Cobot granted fewer rights than the hub asks for (missing: {}); reconnect and allow them all.",
                            missing.join(", ")
                        ));
                    }
                    words
                }
            };
            CobotConnection {
                state,
                source: Some("console".into()),
                since: Some(c.since.to_string()),
                by: Some(c.by_name),
                scopes: c.scopes,
                message,
            }
        }
        (None, Some(_)) => CobotConnection {
            state,
            source: Some("environment".into()),
            since: None,
            by: None,
            scopes: Vec::new(),
            message: match refused_at {
                Some(at) => format!(
                    "Cobot refused the token given to the hub at start ({ENVIRONMENT}) on {}. {} Reconnect Cobot here, or give the hub a new token and restart it.",
                    local(hub, at),
                    doors_meanwhile(hub)
                ),
                None => format!(
                    "Connected with the token given to the hub at start ({ENVIRONMENT}). Connecting Cobot here replaces it with a connection owned by the space."
                ),
            },
        },
        (None, None) => CobotConnection {
            state: ConnectionState::NotConnected,
            source: None,
            since: None,
            by: None,
            scopes: Vec::new(),
            message: {
                let mut words = "The hub is not connected to Cobot, so it cannot sync members or check them in. An admin of the space connects Cobot here.".to_string();
                if hub.plug.unreadable.load(std::sync::atomic::Ordering::Relaxed) {
                    words.push_str(" (A stored connection could not be opened with this hub's store key — was the key changed? — so connect again.)");
                }
                words
            },
        },
    }
}

/// Finishes the plug at Cobot's callback: everything between the code and a stored space-owned
/// token. Errors as an OAuth error name and words for the staff member.
pub(crate) async fn finish(
    hub: &Arc<Hub>,
    login: PendingLogin,
    callback: Callback,
    started_by: (String, String),
) -> Result<(), (&'static str, String)> {
    let client = hub
        .oidc_at(issuer(&hub.config))
        .await
        .map_err(|e| ("temporarily_unavailable", e.message().to_string()))?;
    // No ID token is asked for or read: what the plug must know — that the token is an admin's
    // of this space — it asks Cobot with the token itself (`space_owned`), so ID-token checks
    // could only block a connection, never make it safer. State, PKCE and the client secret still
    // bind the code to this hub's own begin.
    let personal = client.finish_for_token(login, callback).await.map_err(|e| {
        let name = match &e {
            auth::Error::ConsentDenied => "access_denied",
            auth::Error::ExpiredCode => "invalid_grant",
            auth::Error::Unreachable(_) | auth::Error::CobotDown(_) => "temporarily_unavailable",
            _ => "server_error",
        };
        let words = match &e {
            auth::Error::ConsentDenied => {
                "You declined at Cobot, so the hub was not connected. Connect again and allow access.".to_string()
            }
            other => other.to_string(),
        };
        (name, words)
    })?;
    let owned = match space_owned(hub, &personal).await {
        Ok(owned) => owned,
        Err(e) => {
            // Nothing is kept: the personal token goes back to Cobot.
            let _ = auth::revoke(&hub.http, &hub.config.hosts(), &personal).await;
            return Err(e);
        }
    };
    if owned.token.token != personal {
        if let Err(e) = auth::revoke(&hub.http, &hub.config.hosts(), &personal).await {
            tracing::warn!("Cobot did not confirm revoking the admin's personal token after making the space's: {e}");
        }
    }
    let (started_user, started_name) = started_by;
    let by_name = if started_user == owned.user.id {
        owned.name.clone()
    } else {
        format!("{} (started by {started_name})", owned.name)
    };
    let since = hub.clock.now();
    let scopes = if owned.token.scope.is_empty() {
        hub.config.cobot.requested_scopes()
    } else {
        owned.token.scope.clone()
    };
    let token = owned.token.token;
    let row = ConnectionRow {
        since,
        by_user: owned.user.id.clone(),
        by_name: by_name.clone(),
        scopes: scopes.clone(),
        sealed_token: hub.seal.seal(OWNER, token.secret().as_bytes()),
    };
    let replaced = {
        let _one_at_a_time = hub.plug.changing.lock().await;
        let stored = hub.db(move |store| store.put_cobot_connection(&row)).await;
        if !matches!(stored, Ok(Ok(()))) {
            let _ = auth::revoke(&hub.http, &hub.config.hosts(), &token).await;
            return Err((
                "server_error",
                "The hub could not store the connection (its database failed), so it was not connected. Try again; if it persists, check the hub's disk.".into(),
            ));
        }
        hub.plug.unreadable.store(false, std::sync::atomic::Ordering::Relaxed);
        let replaced = hub.plug.console().replace(Console {
            since,
            by_name,
            scopes,
            token: token.clone(),
        });
        hub.syncer.token_slot().set(Some(token.clone()));
        replaced
    };
    tracing::info!(by = %owned.user.id, "staff connected the space's Cobot account");
    if let Some(old) = replaced.filter(|old| old.token != token) {
        if let Err(e) = auth::revoke(&hub.http, &hub.config.hosts(), &old.token).await {
            tracing::warn!("Cobot did not confirm revoking the hub's previous connection: {e}");
        }
    }
    crate::app::sync_panel::start_full(hub, true);
    Ok(())
}

/// What the space-owned token was made for.
struct Owned {
    user: cobot::User,
    name: String,
    token: cobot::tokens::SpaceToken,
}

/// Checks the person at Cobot and makes the space-owned token.
async fn space_owned(hub: &Hub, personal: &AccessToken) -> Result<Owned, (&'static str, String)> {
    let unavailable = |what: &str, e: cobot::Error| {
        (
            "temporarily_unavailable",
            format!("{what} ({e}). Try connecting again in a few minutes."),
        )
    };
    let user = hub
        .cobot_now
        .user(personal)
        .await
        .map_err(|e| unavailable("Cobot did not say who connected", e))?;
    let name = user
        .name
        .clone()
        .or(user.email.clone())
        .unwrap_or_else(|| user.id.clone());
    let space = &hub.config.space.subdomain;
    if !user.is_admin_of(space.as_str()) {
        return Err((
            "access_denied",
            format!(
                "{name} is not an admin of {} at Cobot, so the hub was not connected. Sign in to Cobot as an admin of the space and connect again.",
                hub.config.space.name
            ),
        ));
    }
    let found = hub
        .cobot_now
        .space(personal, space)
        .await
        .map_err(|e| unavailable("Cobot did not describe the space", e))?;
    let token = hub
        .cobot_now
        .space_token(personal, &found.id)
        .await
        .map_err(|e| match e {
            cobot::Error::Forbidden(_) => (
                "access_denied",
                format!(
                    "Cobot did not let {name} give {} a connection of its own. Connect as an admin of the space.",
                    hub.config.space.name
                ),
            ),
            other => unavailable("Cobot did not make the space's connection", other),
        })?;
    Ok(Owned { user, name, token })
}

/// The error words of a Cobot refusal of the hub's own token, for staff.
pub fn refused_words() -> &'static str {
    "Cobot no longer accepts the hub's connection (it was revoked at Cobot, or the app's access was removed). Doors keep opening with the last copy of the members. Staff: reconnect Cobot in the console."
}

/// Marks the hub's token refused after Cobot answered 401 to it.
pub fn note_refused(hub: &Hub, token: &AccessToken) {
    if hub.syncer.token_slot().refused(token, hub.clock.now()) {
        tracing::warn!("Cobot refused the hub's token; staff must reconnect Cobot in the console");
    }
}
