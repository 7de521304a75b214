//! The app's state machine: join a space, sign in, open doors, sign out. Free of Tauri, so tests
//! drive it directly; `lib.rs` adapts it to commands and events.
//!
//! Architecture Invariant: tokens live only in the [`Vault`] (OS keychain, or memory when there
//! is none); [`Prefs`] — a plain file — holds spaces and the non-secret profile for offline view.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use frontdoor_core::auth::{self, loopback::LoopbackRedirect, IssuerPolicy, LoginSlot, OidcClient, MEMBER_SCOPES};
use frontdoor_core::cobot::{self, Cobot, User};
use frontdoor_core::hub::{self, HubInfo};
use frontdoor_core::links::{Callback, DeepLink, DoorId, HubUrl, LinkError, Subdomain};
use frontdoor_core::secret::{AccessToken, HubSessionToken};
use frontdoor_core::CobotHosts;
use frontdoor_ipc::{
    AccessView, AppView, CheckInNote, CheckInState, CheckInView, DoorView, ErrorCode, ErrorDto, JoinOffer,
    MembershipView, OpenOffer, PlanView, RedirectKind, Role, SessionView, SigningInView, SpaceView, UnlockAnswer,
    UnlockOutcome, UnlockView,
};
use serde::{Deserialize, Serialize};
use tokio::task::AbortHandle;
use url::Url;

use crate::vault::Vault;

/// A space this device joined, with what its hub said about signing in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSpace {
    /// Cobot subdomain.
    pub subdomain: Subdomain,
    /// Display name.
    pub name: String,
    /// The space's hub.
    pub hub: HubUrl,
    /// OIDC issuer to sign in with.
    pub issuer: Url,
    /// Cobot's user-level host.
    pub cobot_www: Url,
    /// OAuth client id.
    pub client_id: String,
}

impl StoredSpace {
    fn from_info(hub: HubUrl, info: HubInfo) -> StoredSpace {
        StoredSpace {
            subdomain: info.space.subdomain,
            name: info.space.name,
            hub,
            issuer: info.sign_in.issuer,
            cobot_www: info.sign_in.cobot_www,
            client_id: info.sign_in.client_id,
        }
    }

    fn view(&self) -> SpaceView {
        SpaceView {
            subdomain: self.subdomain.to_string(),
            name: self.name.clone(),
            hub_url: self.hub.to_string(),
            sign_in_host: self
                .issuer
                .host_str()
                .map(|h| match self.issuer.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                })
                .unwrap_or_default(),
        }
    }

    fn hosts(&self) -> CobotHosts {
        CobotHosts {
            www: self.cobot_www.clone(),
            space_template: String::new(),
        }
    }
}

/// The signed-in person as last seen, kept for the offline view. Not secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Cobot user id.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: Option<String>,
    /// Spaces and roles.
    pub memberships: Vec<MembershipView>,
}

/// What the app keeps in its preference file. Never a token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// Joined spaces.
    pub spaces: Vec<StoredSpace>,
    /// The space on screen.
    pub current: Option<Subdomain>,
    /// Signed-in profile per space.
    pub profiles: BTreeMap<Subdomain, Profile>,
    /// The hub's last answer about the member's plans and doors, per space (the offline view).
    #[serde(default)]
    pub access: BTreeMap<Subdomain, AccessView>,
}

/// Where non-secret state is kept (tauri-plugin-store in the app).
pub trait Prefs: Send + Sync {
    /// The saved state, or the default on first start.
    fn load(&self) -> Saved;
    /// Saves the state.
    fn save(&self, saved: &Saved) -> Result<(), String>;
}

/// Opens the system browser.
pub trait Browser: Send + Sync {
    /// Shows `url` to the person.
    fn open(&self, url: &Url) -> Result<(), String>;
}

/// What can go wrong in the app, wrapped per source.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A link or typed address.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The hub.
    #[error(transparent)]
    Hub(#[from] hub::Error),
    /// Sign-in.
    #[error(transparent)]
    Auth(#[from] auth::Error),
    /// Cobot's API.
    #[error(transparent)]
    Cobot(#[from] cobot::Error),
    /// The hub's member API.
    #[error(transparent)]
    HubCall(#[from] hub::CallError),
    /// The hub names a sign-in host that is not Cobot.
    #[error("This hub wants you to sign in at {0}, which is not Cobot. Frontdoor refused, to protect your password.")]
    UntrustedSignIn(String),
    /// Nothing joined yet.
    #[error("Join a space first: scan its QR code, open its link, or type its name.")]
    NoSpace,
    /// Confirm without an offer.
    #[error("There is no join waiting for confirmation.")]
    NoPendingJoin,
    /// The browser did not open.
    #[error("The browser could not be opened ({0}). Open the sign-in address shown below by hand.")]
    Browser(String),
    /// Opening a door: the hub's answer (its words), or no answer.
    #[error("{}", unlock_words(.0))]
    Unlock(hub::CallError),
    /// A door link for a space this device has not joined.
    #[error("Frontdoor has not joined “{0}” yet. Scan the join QR code at the space's front desk first, then scan the door's code again.")]
    NotJoined(Subdomain),
    /// A door link or unlock for a joined space nobody is signed in to.
    #[error("Sign in to {0} first (“Sign in with Cobot”), then scan the door's code again.")]
    NotSignedIn(String),
    /// A door link naming a door the hub's last answer does not list.
    #[error("{space} has no door “{door}”. Scan the door's sticker again, or pick the door from the list.")]
    UnknownDoor {
        /// The space's name.
        space: String,
        /// The door id from the link.
        door: String,
    },
    /// Confirm without a door link waiting.
    #[error("No door is waiting to be opened. Scan the door's code again.")]
    NoPendingOpen,
    /// A bug or a broken device.
    #[error("Something went wrong inside Frontdoor: {0}")]
    Internal(String),
}

impl Error {
    /// The stable code the UI matches on.
    pub fn code(&self) -> ErrorCode {
        use auth::Error as A;
        match self {
            Error::Link(_) => ErrorCode::InvalidLink,
            Error::Hub(_) => ErrorCode::UnknownHub,
            Error::UntrustedSignIn(_) => ErrorCode::UntrustedSignIn,
            Error::Auth(e) => match e {
                A::Unreachable(_) | A::CobotDown(_) | A::Discovery(_) => ErrorCode::CobotUnreachable,
                A::NoSignInInProgress => ErrorCode::NoSignInInProgress,
                A::StateMismatch | A::IssuerMismatch { .. } => ErrorCode::StateMismatch,
                A::ConsentDenied => ErrorCode::ConsentDenied,
                A::ExpiredCode => ErrorCode::ExpiredCode,
                A::IdToken(_) => ErrorCode::InvalidIdToken,
                A::Refused { .. } | A::Malformed(_) => ErrorCode::SignInRefused,
                A::Config(_) => ErrorCode::Internal,
            },
            Error::Cobot(e) => match e {
                cobot::Error::SignInAgain => ErrorCode::SignInAgain,
                cobot::Error::Unreachable(_) | cobot::Error::Down(_) | cobot::Error::RateLimited { .. } => {
                    ErrorCode::CobotUnreachable
                }
                cobot::Error::Forbidden(_)
                | cobot::Error::NotFound(_)
                | cobot::Error::Refused(_)
                | cobot::Error::Malformed(_) => ErrorCode::SignInRefused,
            },
            Error::HubCall(e) | Error::Unlock(e) => hub_code(e),
            Error::NoSpace | Error::NoPendingJoin | Error::NotJoined(_) => ErrorCode::NoSpace,
            Error::NotSignedIn(_) => ErrorCode::NotSignedIn,
            Error::UnknownDoor { .. } => ErrorCode::UnknownDoor,
            Error::NoPendingOpen => ErrorCode::NoPendingOpen,
            Error::Browser(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// The app's code for a hub answer: the hub's stable codes, one to one where the UI needs them.
fn hub_code(e: &hub::CallError) -> ErrorCode {
    match e.code() {
        Some("not_a_member") => ErrorCode::NotAMember,
        Some("sign_in_again") => ErrorCode::SignInAgain,
        Some("cobot_unavailable" | "cobot_busy") => ErrorCode::CobotUnreachable,
        Some("no_access") => ErrorCode::NoAccess,
        Some("unknown_door") => ErrorCode::UnknownDoor,
        Some("slow_down") => ErrorCode::SlowDown,
        Some("door_did_not_answer") => ErrorCode::DoorDidNotAnswer,
        Some("door_failed") => ErrorCode::DoorFailed,
        Some("door_not_connected") => ErrorCode::DoorNotConnected,
        Some("no_membership_data") => ErrorCode::NoMembershipData,
        Some("interrupted") => ErrorCode::UnlockInterrupted,
        Some("internal") => ErrorCode::Internal,
        _ => ErrorCode::HubUnreachable,
    }
}

/// What to tell the person when opening a door failed. The hub's refusals are already in words;
/// without an answer, say whether the door can have opened: a request that never connected was
/// never sent, any other failure may have reached the door.
fn unlock_words(e: &hub::CallError) -> String {
    match e {
        hub::CallError::Unreachable(source) if source.is_connect() => {
            "The hub could not be reached, so the door did not open. Check your connection (the space's Wi-Fi) and try again."
                .to_string()
        }
        hub::CallError::Unreachable(_) => "The hub could not be reached in time; the door may or may not have opened. Look at the door before you tap again.".to_string(),
        other => other.to_string(),
    }
}

impl From<&Error> for ErrorDto {
    fn from(e: &Error) -> ErrorDto {
        ErrorDto::new(e.code(), e.to_string())
    }
}

impl From<Error> for ErrorDto {
    fn from(e: Error) -> ErrorDto {
        ErrorDto::from(&e)
    }
}

struct SignInRun {
    subdomain: Subdomain,
    client: OidcClient,
    view: SigningInView,
    loopback: Option<AbortHandle>,
}

#[derive(Default)]
struct Inner {
    saved: Saved,
    pending_join: Option<StoredSpace>,
    signing_in: Option<SignInRun>,
    slot: LoginSlot,
    tokens: HashMap<Subdomain, AccessToken>,
    hub_sessions: HashMap<Subdomain, HubSessionToken>,
    notice: Option<ErrorDto>,
    /// A door link waiting for confirmation (memory only).
    pending_open: Option<PendingOpen>,
}

/// A door link the person has not yet confirmed.
#[derive(Debug, Clone)]
struct PendingOpen {
    space: StoredSpace,
    door: DoorId,
    door_name: String,
}

impl Inner {
    /// The space on screen.
    fn current_space(&self) -> Result<StoredSpace, Error> {
        let current = self.saved.current.as_ref().ok_or(Error::NoSpace)?;
        self.saved
            .spaces
            .iter()
            .find(|s| &s.subdomain == current)
            .cloned()
            .ok_or(Error::NoSpace)
    }
}

/// How the app is set up on this device.
pub struct Settings {
    /// Which sign-in hosts to trust.
    pub policy: IssuerPolicy,
    /// How the sign-in comes back.
    pub redirect: RedirectKind,
    /// Clock: Unix seconds now.
    pub now: fn() -> i64,
}

/// The app.
pub struct Frontdoor {
    inner: Mutex<Inner>,
    http: reqwest::Client,
    settings: Settings,
    vault: Box<dyn Vault>,
    prefs: Box<dyn Prefs>,
    browser: Box<dyn Browser>,
    notify: Box<dyn Fn(&AppView) + Send + Sync>,
    /// The last view's [`AppView::revision`].
    revision: std::sync::atomic::AtomicU64,
}

/// The redirect URI registered for the deep-link flow.
pub const DEEP_LINK_REDIRECT: &str = "frontdoor://auth/callback";

impl Frontdoor {
    /// The app with its parts. `notify` is called with the new view whenever it changes outside a
    /// command's answer.
    pub fn new(
        settings: Settings,
        vault: Box<dyn Vault>,
        prefs: Box<dyn Prefs>,
        browser: Box<dyn Browser>,
        notify: Box<dyn Fn(&AppView) + Send + Sync>,
    ) -> Arc<Frontdoor> {
        let saved = prefs.load();
        let mut tokens = HashMap::new();
        let mut notice = None;
        for space in &saved.spaces {
            match vault.get(space.subdomain.as_str()) {
                Ok(Some(token)) => {
                    tokens.insert(space.subdomain.clone(), token);
                }
                Ok(None) => {}
                Err(e) => {
                    notice = Some(ErrorDto::new(
                        ErrorCode::Internal,
                        format!("Your saved sign-in could not be read from the keychain ({e}). Please sign in again."),
                    ))
                }
            }
        }
        Arc::new(Frontdoor {
            inner: Mutex::new(Inner {
                saved,
                tokens,
                notice,
                ..Inner::default()
            }),
            http: auth::http_client(),
            settings,
            vault,
            prefs,
            browser,
            notify,
            revision: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the screen shows now.
    pub fn view(&self) -> AppView {
        let inner = self.lock();
        self.view_of(&inner)
    }

    fn view_of(&self, inner: &Inner) -> AppView {
        let session = inner.saved.current.as_ref().and_then(|current| {
            inner.tokens.contains_key(current).then_some(())?;
            let p = inner.saved.profiles.get(current)?;
            Some(SessionView {
                subdomain: current.to_string(),
                user_id: p.user_id.clone(),
                name: p.name.clone(),
                email: p.email.clone(),
                memberships: p.memberships.clone(),
            })
        });
        let access = session
            .as_ref()
            .and_then(|s| inner.saved.access.iter().find(|(k, _)| k.as_str() == s.subdomain))
            .map(|(_, a)| a.clone());
        AppView {
            // Taken under the lock, so a higher revision always shows a newer state.
            revision: self.revision.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
            spaces: inner.saved.spaces.iter().map(StoredSpace::view).collect(),
            pending_join: inner.pending_join.as_ref().map(|s| JoinOffer { space: s.view() }),
            signing_in: inner.signing_in.as_ref().map(|r| r.view.clone()),
            session,
            token_storage: self.vault.kind(),
            notice: inner.notice.clone(),
            access,
            pending_open: inner.pending_open.as_ref().map(|p| OpenOffer {
                subdomain: p.space.subdomain.to_string(),
                space_name: p.space.name.clone(),
                door_id: p.door.to_string(),
                door_name: p.door_name.clone(),
            }),
        }
    }

    fn changed(&self) {
        let view = self.view();
        (self.notify)(&view);
    }

    fn persist(&self, inner: &Inner) {
        if let Err(e) = self.prefs.save(&inner.saved) {
            tracing::warn!("could not save preferences: {e}");
        }
    }

    /// Handles a `frontdoor://` link (from the OS, a QR code, or pasted).
    pub async fn open_link(self: &Arc<Self>, text: &str) -> Result<AppView, Error> {
        match DeepLink::parse(text)? {
            DeepLink::Join { space, hub } => self.join(space, hub).await,
            DeepLink::AuthCallback(callback) => self.callback(callback).await,
            DeepLink::Open { space, door } => self.offer_open(space, door),
        }
    }

    /// Handles a link the OS delivered (no command is waiting for an answer): errors become the
    /// notice on screen.
    pub async fn deliver_link(self: &Arc<Self>, text: &str) {
        if let Err(e) = self.open_link(text).await {
            tracing::info!("link refused: {e}");
            self.lock().notice = Some(ErrorDto::from(&e));
        }
        self.changed();
    }

    /// Joins a space typed by hand.
    pub async fn join_typed(self: &Arc<Self>, subdomain: &str, hub: &str) -> Result<AppView, Error> {
        let space = Subdomain::parse(subdomain)?;
        let hub = HubUrl::parse(hub)?;
        self.join(space, hub).await
    }

    /// Asks the hub who it is and offers the join for confirmation. A space already joined
    /// through the same hub is simply selected.
    async fn join(self: &Arc<Self>, space: Subdomain, hub: HubUrl) -> Result<AppView, Error> {
        let info = hub::fetch_info(&self.http, &hub, &space).await?;
        if !self.settings.policy.allows(&info.sign_in.issuer) || !self.settings.policy.allows(&info.sign_in.cobot_www) {
            return Err(Error::UntrustedSignIn(info.sign_in.issuer.to_string()));
        }
        let offered = StoredSpace::from_info(hub, info);
        let mut inner = self.lock();
        inner.notice = None;
        if let Some(known) = inner
            .saved
            .spaces
            .iter_mut()
            .find(|s| s.subdomain == offered.subdomain && s.hub == offered.hub)
        {
            *known = offered.clone();
            inner.saved.current = Some(offered.subdomain);
            self.persist(&inner);
        } else {
            inner.pending_join = Some(offered);
        }
        Ok(self.view_of(&inner))
    }

    /// The person confirmed the join: keep the space and start signing in.
    pub async fn confirm_join(self: &Arc<Self>) -> Result<AppView, Error> {
        {
            let mut inner = self.lock();
            let space = inner.pending_join.take().ok_or(Error::NoPendingJoin)?;
            inner.saved.spaces.retain(|s| s.subdomain != space.subdomain);
            inner.saved.current = Some(space.subdomain.clone());
            inner.saved.spaces.push(space);
            self.persist(&inner);
        }
        self.sign_in().await
    }

    /// The person declined the join.
    pub fn decline_join(&self) -> AppView {
        let mut inner = self.lock();
        inner.pending_join = None;
        self.view_of(&inner)
    }

    /// Starts signing in to the current space in the system browser.
    pub async fn sign_in(self: &Arc<Self>) -> Result<AppView, Error> {
        let space = self.lock().current_space()?;
        if !self.settings.policy.allows(&space.issuer) {
            return Err(Error::UntrustedSignIn(space.issuer.to_string()));
        }
        let client = OidcClient::discover(self.http.clone(), &space.issuer, &space.client_id).await?;
        let (redirect_uri, listener) = match self.settings.redirect {
            RedirectKind::DeepLink => (Url::parse(DEEP_LINK_REDIRECT).expect("constant URL"), None),
            RedirectKind::Loopback => {
                let listener = LoopbackRedirect::bind()
                    .await
                    .map_err(|e| Error::Internal(format!("no loopback port for the sign-in: {e}")))?;
                (listener.redirect_uri().clone(), Some(listener))
            }
        };
        let (url, pending) = client.begin(&redirect_uri, MEMBER_SCOPES, None);
        let loopback = listener.map(|listener| {
            let app = Arc::clone(self);
            tokio::spawn(async move {
                match listener.callback().await {
                    Ok(Ok(callback)) => {
                        let _ = app.deliver_callback(callback).await;
                    }
                    Ok(Err(e)) => {
                        app.fail_sign_in(Error::Link(e));
                    }
                    Err(e) => app.fail_sign_in(Error::Internal(format!("the sign-in listener failed: {e}"))),
                }
            })
            .abort_handle()
        });
        {
            let mut inner = self.lock();
            if let Some(old) = inner.signing_in.take() {
                if let Some(task) = old.loopback {
                    task.abort();
                }
            }
            inner.slot.put(pending);
            inner.notice = None;
            inner.signing_in = Some(SignInRun {
                subdomain: space.subdomain.clone(),
                client,
                view: SigningInView {
                    subdomain: space.subdomain.to_string(),
                    redirect: self.settings.redirect,
                    authorize_url: url.to_string(),
                },
                loopback,
            });
        }
        if let Err(e) = self.browser.open(&url) {
            // The sign-in stays open: the person can copy the URL shown on screen.
            self.lock().notice = Some(ErrorDto::from(&Error::Browser(e)));
        }
        Ok(self.view())
    }

    /// The person cancelled the sign-in.
    pub fn cancel_sign_in(&self) -> AppView {
        let mut inner = self.lock();
        inner.slot.cancel();
        if let Some(run) = inner.signing_in.take() {
            if let Some(task) = run.loopback {
                task.abort();
            }
        }
        self.view_of(&inner)
    }

    fn fail_sign_in(&self, e: Error) {
        {
            let mut inner = self.lock();
            inner.slot.cancel();
            inner.signing_in = None;
            inner.notice = Some(ErrorDto::from(&e));
        }
        self.changed();
    }

    async fn deliver_callback(self: &Arc<Self>, callback: Callback) -> Result<AppView, Error> {
        let result = self.callback(callback).await;
        if let Err(e) = &result {
            self.lock().notice = Some(ErrorDto::from(e));
        }
        self.changed();
        result
    }

    /// The browser came back. Finishes the sign-in, keeps the token in the vault, reads the
    /// Cobot user for the profile.
    async fn callback(self: &Arc<Self>, callback: Callback) -> Result<AppView, Error> {
        let (pending, client, subdomain) = {
            let mut inner = self.lock();
            // A forged or stale callback leaves a running sign-in untouched.
            let pending = inner.slot.take_for(&callback)?;
            let run = inner.signing_in.take().expect("a waiting login always has its run");
            if let Some(task) = run.loopback {
                // When the callback came through the loopback listener, this *is* that task:
                // aborting it would cancel the code exchange below. Otherwise stop its wait.
                if tokio::task::try_id() != Some(task.id()) {
                    task.abort();
                }
            }
            (pending, run.client, run.subdomain)
        };
        let finished = async {
            let signed_in = client.finish(pending, callback, (self.settings.now)()).await?;
            let space = self.space(&subdomain)?;
            let user = Cobot::new(self.http.clone(), space.hosts())
                .user(&signed_in.access_token)
                .await?;
            Ok::<_, Error>((signed_in, user))
        }
        .await;
        let (signed_in, user) = match finished {
            Ok(ok) => ok,
            Err(e) => {
                self.lock().notice = Some(ErrorDto::from(&e));
                return Err(e);
            }
        };
        let name = signed_in
            .claims
            .name
            .clone()
            .or(user.name.clone())
            .or(user.email.clone())
            .unwrap_or_else(|| user.id.clone());
        let profile = Profile {
            user_id: user.id.clone(),
            name,
            email: user.email.clone().or(signed_in.claims.email.clone()),
            memberships: memberships(&user),
        };
        if let Err(e) = self.vault.put(subdomain.as_str(), &signed_in.access_token) {
            tracing::warn!("keychain refused the token: {e}");
        }
        {
            let mut inner = self.lock();
            inner.tokens.insert(subdomain.clone(), signed_in.access_token);
            inner.hub_sessions.remove(&subdomain);
            inner.saved.profiles.insert(subdomain.clone(), profile);
            inner.saved.current = Some(subdomain);
            inner.notice = None;
            self.persist(&inner);
        }
        // Signed in; the plans and doors follow. If the hub cannot answer now, say so but stay
        // signed in.
        if let Err(e) = self.load_access().await {
            self.lock().notice = Some(ErrorDto::from(&e));
        }
        Ok(self.view())
    }

    /// Asks the hub for the member's plans, door verdicts and check-ins (opening a hub session
    /// with the Cobot token when there is none or it expired) and keeps the answer for the
    /// offline view. When the hub cannot be reached the last answer stays on screen, marked stale.
    pub async fn load_access(self: &Arc<Self>) -> Result<AppView, Error> {
        let (space, token) = {
            let inner = self.lock();
            let space = inner.current_space()?;
            let token = inner
                .tokens
                .get(&space.subdomain)
                .cloned()
                .ok_or(Error::Cobot(cobot::Error::SignInAgain))?;
            (space, token)
        };
        let hub_url = &space.hub;
        let result = self
            .with_hub_session(&space, &token, |session| async move {
                hub::my_access(&self.http, hub_url, &session).await
            })
            .await;
        let mut inner = self.lock();
        if !inner.tokens.contains_key(&space.subdomain) {
            // Signed out while the hub was answering: keep nothing of the answer.
            return Ok(self.view_of(&inner));
        }
        match result {
            Ok(access) => {
                let view = AccessView {
                    as_of: access.as_of,
                    fetched_at: jiff::Timestamp::from_second((self.settings.now)())
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    stale: false,
                    plans: access
                        .plans
                        .into_iter()
                        .map(|p| PlanView {
                            name: p.name,
                            since: p.since,
                            until: p.until,
                            active: p.active,
                            status: p.status,
                        })
                        .collect(),
                    doors: access
                        .doors
                        .into_iter()
                        .map(|d| DoorView {
                            id: d.id,
                            name: d.name,
                            allowed: d.allowed,
                            reasons: d.reasons,
                        })
                        .collect(),
                    check_in: access.check_in.map(check_in_view),
                    recent_check_ins: access.recent_check_ins.into_iter().map(check_in_view).collect(),
                };
                inner.saved.access.insert(space.subdomain.clone(), view);
                self.persist(&inner);
                Ok(self.view_of(&inner))
            }
            Err(e) => {
                match e.code() {
                    Some("not_a_member") => {
                        inner.saved.access.remove(&space.subdomain);
                    }
                    _ => {
                        if let Some(cached) = inner.saved.access.get_mut(&space.subdomain) {
                            cached.stale = true;
                        }
                    }
                }
                self.persist(&inner);
                Err(Error::HubCall(e))
            }
        }
    }

    /// Calls the hub with the space's hub session, opening one with the Cobot token when there is
    /// none, and once more when the hub says the session ended (`not_signed_in`, an expired
    /// session). The hub refuses an unknown session before doing anything, so repeating the call
    /// once cannot open a door twice.
    async fn with_hub_session<T, F, Fut>(
        &self,
        space: &StoredSpace,
        token: &AccessToken,
        call: F,
    ) -> Result<T, hub::CallError>
    where
        F: Fn(HubSessionToken) -> Fut,
        Fut: std::future::Future<Output = Result<T, hub::CallError>>,
    {
        let session = self.lock().hub_sessions.get(&space.subdomain).cloned();
        let session = match session {
            Some(session) => session,
            None => self.open_hub_session(space, token).await?,
        };
        match call(session).await {
            Err(e) if e.code() == Some("not_signed_in") => {
                let session = self.open_hub_session(space, token).await?;
                call(session).await
            }
            other => other,
        }
    }

    /// A door link arrived: offer to open the door, if this device can. The space must be joined
    /// (else: join first) and someone signed in to it (else: sign in first — the link is not
    /// kept, the person scans the door again after signing in). When the hub's last answer
    /// lists doors, a door it does not list is refused up front.
    fn offer_open(&self, space: Subdomain, door: DoorId) -> Result<AppView, Error> {
        let mut inner = self.lock();
        let stored = inner
            .saved
            .spaces
            .iter()
            .find(|s| s.subdomain == space)
            .cloned()
            .ok_or_else(|| Error::NotJoined(space.clone()))?;
        if inner.saved.current.as_ref() != Some(&space) {
            // The link names a space: show that one (also to sign in to it).
            inner.saved.current = Some(space.clone());
            self.persist(&inner);
        }
        if !inner.tokens.contains_key(&space) {
            return Err(Error::NotSignedIn(stored.name));
        }
        let door_name = match inner.saved.access.get(&space) {
            Some(access) if !access.doors.is_empty() => access
                .doors
                .iter()
                .find(|d| d.id == door.as_str())
                .map(|d| d.name.clone())
                .ok_or_else(|| Error::UnknownDoor {
                    space: stored.name.clone(),
                    door: door.to_string(),
                })?,
            _ => door.to_string(),
        };
        inner.notice = None;
        inner.pending_open = Some(PendingOpen {
            space: stored,
            door,
            door_name,
        });
        Ok(self.view_of(&inner))
    }

    /// The person confirmed the door link: open the door.
    pub async fn confirm_open(self: &Arc<Self>) -> Result<UnlockAnswer, Error> {
        let (pending, token) = {
            let mut inner = self.lock();
            let pending = inner.pending_open.take().ok_or(Error::NoPendingOpen)?;
            let token = inner.tokens.get(&pending.space.subdomain).cloned();
            (pending, token)
        };
        let Some(token) = token else {
            // Signed out since the link arrived.
            self.changed();
            return Err(Error::NotSignedIn(pending.space.name));
        };
        self.unlock_with(pending.space, token, pending.door).await
    }

    /// The person declined the door link.
    pub fn cancel_open(&self) -> AppView {
        let mut inner = self.lock();
        inner.pending_open = None;
        self.view_of(&inner)
    }

    /// Opens `door` of the current space through its hub. The app holds no door credentials,
    /// only its hub session (and the Cobot token to open one); the hub decides and pulses.
    /// After the door opened, the access view is refreshed in the background — a few times over
    /// about five seconds while the hub checks the member in with Cobot — and each refresh is
    /// announced as a view change.
    pub async fn unlock(self: &Arc<Self>, door: &str) -> Result<UnlockAnswer, Error> {
        let door = DoorId::parse(door)?;
        let (space, token) = {
            let inner = self.lock();
            let space = inner.current_space()?;
            let token = inner
                .tokens
                .get(&space.subdomain)
                .cloned()
                .ok_or_else(|| Error::NotSignedIn(space.name.clone()))?;
            (space, token)
        };
        self.unlock_with(space, token, door).await
    }

    async fn unlock_with(
        self: &Arc<Self>,
        space: StoredSpace,
        token: AccessToken,
        door: DoorId,
    ) -> Result<UnlockAnswer, Error> {
        let (hub_url, door_id) = (&space.hub, door.as_str());
        let result = self
            .with_hub_session(&space, &token, |session| async move {
                hub::unlock(&self.http, hub_url, &session, door_id).await
            })
            .await;
        match result {
            Ok(opened) => {
                let check_in_under_way = matches!(opened.check_in, hub::CheckInNote::CheckingIn);
                let unlock = unlock_view(opened);
                tracing::info!("{} opened", unlock.door_id);
                self.follow_up(check_in_under_way);
                Ok(UnlockAnswer {
                    unlock,
                    view: self.view(),
                })
            }
            Err(e) => {
                tracing::info!("{door} did not open: {e}");
                {
                    let mut inner = self.lock();
                    match &e {
                        hub::CallError::Unreachable(_) => {
                            if let Some(cached) = inner.saved.access.get_mut(&space.subdomain) {
                                cached.stale = true;
                            }
                        }
                        e if e.code() == Some("sign_in_again") => {
                            self.end_session_here(&mut inner, &space.subdomain);
                        }
                        _ => {}
                    }
                }
                if matches!(e.code(), Some("no_access" | "unknown_door")) {
                    // The door list said otherwise: show the hub's current verdicts.
                    self.follow_up(false);
                }
                self.changed();
                Err(Error::Unlock(e))
            }
        }
    }

    /// Refreshes the access view in the background and announces it; while a check-in is under
    /// way, looks again a few times (the hub checks in with Cobot after answering the door).
    fn follow_up(self: &Arc<Self>, check_in_under_way: bool) {
        /// Waits before each look: about five seconds in all.
        const WAITS_MS: [u64; 7] = [0, 250, 500, 750, 1000, 1000, 1500];
        let app = Arc::clone(self);
        tokio::spawn(async move {
            for wait in WAITS_MS {
                tokio::time::sleep(Duration::from_millis(wait)).await;
                let looked = app.load_access().await;
                app.changed();
                let still_pending = match &looked {
                    Ok(view) => view
                        .access
                        .as_ref()
                        .and_then(|a| a.check_in.as_ref())
                        .is_none_or(|c| c.state == CheckInState::Pending),
                    Err(e) => {
                        tracing::info!("refreshing after an unlock: {e}");
                        false
                    }
                };
                if !check_in_under_way || !still_pending {
                    break;
                }
            }
        });
    }

    /// Cobot no longer accepts the token: forget the sign-in here (the person signs in again).
    fn end_session_here(&self, inner: &mut Inner, subdomain: &Subdomain) {
        inner.tokens.remove(subdomain);
        inner.hub_sessions.remove(subdomain);
        inner.saved.profiles.remove(subdomain);
        inner.saved.access.remove(subdomain);
        inner.pending_open = None;
        self.persist(inner);
        if let Err(e) = self.vault.delete(subdomain.as_str()) {
            tracing::warn!("keychain could not delete the token: {e}");
        }
    }

    async fn open_hub_session(
        &self,
        space: &StoredSpace,
        token: &AccessToken,
    ) -> Result<HubSessionToken, hub::CallError> {
        let session = hub::open_session(&self.http, &space.hub, token).await?;
        self.lock()
            .hub_sessions
            .insert(space.subdomain.clone(), session.session_token.clone());
        Ok(session.session_token)
    }

    fn space(&self, subdomain: &Subdomain) -> Result<StoredSpace, Error> {
        self.lock()
            .saved
            .spaces
            .iter()
            .find(|s| &s.subdomain == subdomain)
            .cloned()
            .ok_or(Error::NoSpace)
    }

    /// Signs out of the current space: revokes the token at Cobot, forgets it here. If Cobot
    /// cannot be reached the token is still forgotten here and the person is told.
    pub async fn sign_out(self: &Arc<Self>) -> Result<AppView, Error> {
        let (space, token) = {
            let mut inner = self.lock();
            let space = inner.current_space()?;
            let current = space.subdomain.clone();
            inner.saved.profiles.remove(&current);
            inner.saved.access.remove(&current);
            inner.hub_sessions.remove(&current);
            inner.pending_open = None;
            let token = inner.tokens.remove(&current);
            self.persist(&inner);
            (space, token)
        };
        if let Err(e) = self.vault.delete(space.subdomain.as_str()) {
            tracing::warn!("keychain could not delete the token: {e}");
        }
        let revoked = match &token {
            Some(token) => auth::revoke(&self.http, &space.hosts(), token).await,
            None => Ok(()),
        };
        let mut inner = self.lock();
        inner.notice = revoked.err().map(|e| {
            ErrorDto::new(
                ErrorCode::CobotUnreachable,
                format!("You are signed out on this device, but Cobot could not be told ({e}). Sign out at cobot.me to end the session there too."),
            )
        });
        Ok(self.view_of(&inner))
    }

    /// Re-reads the signed-in user from Cobot (at start, and on demand). A 401 ends the session
    /// here too and says to sign in again; being offline keeps the last profile on screen.
    pub async fn refresh(self: &Arc<Self>) -> Result<AppView, Error> {
        let (space, token) = {
            let inner = self.lock();
            // Nothing joined or nobody signed in: nothing to refresh.
            let Ok(space) = inner.current_space() else {
                return Ok(self.view_of(&inner));
            };
            let Some(token) = inner.tokens.get(&space.subdomain).cloned() else {
                return Ok(self.view_of(&inner));
            };
            (space, token)
        };
        let result = Cobot::new(self.http.clone(), space.hosts()).user(&token).await;
        {
            let mut inner = self.lock();
            match result {
                Ok(user) => {
                    if let Some(p) = inner.saved.profiles.get_mut(&space.subdomain) {
                        p.memberships = memberships(&user);
                        p.email = user.email.clone().or(p.email.take());
                    }
                    self.persist(&inner);
                }
                Err(cobot::Error::SignInAgain) => {
                    self.end_session_here(&mut inner, &space.subdomain);
                    return Err(Error::Cobot(cobot::Error::SignInAgain));
                }
                Err(e) => {
                    // Offline: keep the profile and the last access answer, marked stale.
                    if let Some(cached) = inner.saved.access.get_mut(&space.subdomain) {
                        cached.stale = true;
                    }
                    return Err(Error::Cobot(e));
                }
            }
        }
        self.load_access().await
    }

    /// Clears the notice.
    pub fn dismiss_notice(&self) -> AppView {
        let mut inner = self.lock();
        inner.notice = None;
        self.view_of(&inner)
    }
}

/// The person's spaces with roles, from Cobot's `memberships[]` and `admin_of[]`.
fn memberships(user: &User) -> Vec<MembershipView> {
    let mut out: Vec<MembershipView> = user
        .memberships
        .iter()
        .map(|m| MembershipView {
            subdomain: m.space_subdomain.clone(),
            name: m.space_name.clone().unwrap_or_else(|| m.space_subdomain.clone()),
            role: if user.is_admin_of(&m.space_subdomain) {
                Role::MemberAndAdmin
            } else {
                Role::Member
            },
        })
        .collect();
    for admin in &user.admin_of {
        if user.membership_in(&admin.space_subdomain).is_none() {
            out.push(MembershipView {
                subdomain: admin.space_subdomain.clone(),
                name: admin
                    .space_name
                    .clone()
                    .unwrap_or_else(|| admin.space_subdomain.clone()),
                role: Role::Admin,
            });
        }
    }
    out
}

fn check_in_view(c: hub::CheckInStatus) -> CheckInView {
    CheckInView {
        day: c.day,
        state: match c.state {
            hub::CheckInState::Pending => CheckInState::Pending,
            hub::CheckInState::CheckedIn => CheckInState::CheckedIn,
            hub::CheckInState::Refused => CheckInState::Refused,
        },
        since: c.since,
        message: c.message,
    }
}

fn unlock_view(r: hub::UnlockResponse) -> UnlockView {
    let (check_in, check_in_message) = match r.check_in {
        hub::CheckInNote::CheckingIn => (CheckInNote::CheckingIn, Some("Checking you in with Cobot…")),
        hub::CheckInNote::AlreadyToday => (CheckInNote::AlreadyToday, Some("You are already checked in today.")),
        hub::CheckInNote::None => (CheckInNote::None, None),
    };
    UnlockView {
        door_id: r.door_id,
        door_name: r.door_name,
        outcome: match r.outcome {
            hub::UnlockOutcome::Opened => UnlockOutcome::Opened,
            hub::UnlockOutcome::OpenedUnconfirmed => UnlockOutcome::OpenedUnconfirmed,
        },
        message: r.message,
        merged: r.merged,
        check_in,
        check_in_message: check_in_message.map(str::to_string),
    }
}
