//! The app's state machine: join a space, sign in, open doors, sign out. Free of Tauri, so tests
//! drive it directly; `lib.rs` adapts it to commands and events.
//!
//! Architecture Invariant: tokens live only in the [`Vault`] (OS keychain, or memory when there
//! is none); [`Prefs`] — a plain file — holds spaces and the non-secret profile for offline view.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use frontdoor_core::auth::{self, loopback::LoopbackRedirect, AppSignIn, IssuerPolicy, LoginSlot};
use frontdoor_core::hub::{self, Code, HubInfo, RedeemRequest, SessionResponse, SignInRequest};
use frontdoor_core::links::{Callback, DeepLink, DoorId, HubUrl, LinkError, Subdomain};
use frontdoor_core::secret::{HubSessionToken, RefreshToken, SignInProof};
use frontdoor_ipc::{
    AccessView, AppView, CheckInNote, CheckInState, CheckInView, DoorView, ErrorCode, ErrorDto, JoinOffer,
    MembershipView, OpenOffer, PhoneView, PlanView, RedirectKind, Role, SessionView, SigningInView, SpaceView,
    UnlockAnswer, UnlockOutcome, UnlockView,
};
use serde::{Deserialize, Serialize};
use tokio::task::AbortHandle;
use url::Url;

use crate::device_error::DeviceError;
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
    /// The space's own domain (a space on a custom domain signs in there), as Cobot itself named
    /// it (`GET <www>/api/spaces/<subdomain>` → `url`) when the space was joined.
    #[serde(default)]
    pub custom_domain: Option<Url>,
}

/// A join waiting for the person's confirmation.
#[derive(Debug, Clone)]
struct PendingJoin {
    space: StoredSpace,
    /// The space's own sign-in domain is not the address Cobot names for it (Cobot names this
    /// host): joining confirms the domain, and the person is told so first.
    unlisted: Option<String>,
}

impl StoredSpace {
    fn from_info(hub: HubUrl, info: HubInfo, custom_domain: Option<Url>) -> StoredSpace {
        StoredSpace {
            subdomain: info.space.subdomain,
            name: info.space.name,
            hub,
            issuer: info.sign_in.issuer,
            cobot_www: info.sign_in.cobot_www,
            client_id: info.sign_in.client_id,
            custom_domain,
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

    /// Where this space's refresh token is kept: bound to the exact hub that issued it, so a
    /// token is only ever read back for, and sent to, that hub.
    fn vault_key(&self) -> String {
        format!("refresh:{}@{}", self.subdomain, self.hub)
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
    /// The people (`<space>/<Cobot user id>`) who confirm with fingerprint or face before a door
    /// opens. Kept across sign-outs: it is the person's choice on this phone.
    #[serde(default)]
    pub confirm_unlock: BTreeSet<String>,
}

/// Where non-secret state is kept (tauri-plugin-store in the app).
pub trait Prefs: Send + Sync {
    /// The saved state, or the default on first start.
    fn load(&self) -> Saved;
    /// Saves the state.
    fn save(&self, saved: &Saved) -> Result<(), DeviceError>;
}

/// The phone's own check that the person holding it is its owner (fingerprint or face), asked
/// before a door opens when the person turned that on.
pub trait Presence: Send + Sync {
    /// How the person can confirm ("fingerprint or face"), or why they cannot now.
    fn available(&self) -> Result<String, DeviceError>;
    /// Asks the person, showing `reason`; blocks until they answered. `Err` has the system's words.
    fn confirm(&self, reason: &str) -> Result<(), DeviceError>;
}

/// Opens the system browser.
pub trait Browser: Send + Sync {
    /// Shows `url` to the person.
    fn open(&self, url: &Url) -> Result<(), DeviceError>;
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
    Browser(#[source] DeviceError),
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
    /// Connecting the space's Cobot account did not finish.
    #[error("Cobot was not connected: {0}")]
    ConnectFailed(String),
    /// A file for staff (an export, a sticker sheet, a code) could not be saved.
    #[error(transparent)]
    NotSaved(#[from] crate::downloads::Error),
    /// A saved file could not be shown (no browser or program for it).
    #[error("The saved file could not be opened ({reason}). Open {path} from your file manager to print it.")]
    NotOpened {
        /// The file.
        path: String,
        /// What the system said.
        #[source]
        reason: DeviceError,
    },
    /// Asked to open a file this app did not save in this session.
    #[error("Frontdoor opens only files it saved itself since it started. Save the file again, then open it.")]
    UnknownFile,
    /// The person did not confirm with fingerprint or face (or cannot now).
    #[error("{0}")]
    NotConfirmed(String),
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
            Error::HubCall(e) | Error::Unlock(e) => hub_code(e),
            Error::NoSpace | Error::NoPendingJoin | Error::NotJoined(_) => ErrorCode::NoSpace,
            Error::NotSignedIn(_) => ErrorCode::NotSignedIn,
            Error::UnknownDoor { .. } => ErrorCode::UnknownDoor,
            Error::NoPendingOpen => ErrorCode::NoPendingOpen,
            Error::ConnectFailed(_) => ErrorCode::SignInRefused,
            Error::NotSaved(_) => ErrorCode::NotSaved,
            Error::NotConfirmed(_) => ErrorCode::NotConfirmed,
            Error::Browser(_) | Error::NotOpened { .. } | Error::UnknownFile | Error::Internal(_) => {
                ErrorCode::Internal
            }
        }
    }
}

/// The app's code for a hub answer.
fn hub_code(e: &hub::CallError) -> ErrorCode {
    match e {
        hub::CallError::Refused(e, _) => code_of(e.code),
        hub::CallError::Unreachable(_) | hub::CallError::Malformed(_) | hub::CallError::TooLarge => {
            ErrorCode::HubUnreachable
        }
    }
}

/// Every hub code, matched exhaustively: a new one does not compile here until it is decided.
pub fn code_of(code: Code) -> ErrorCode {
    match code {
        Code::NotSignedIn => ErrorCode::NotSignedIn,
        Code::SignInExpired => ErrorCode::ExpiredCode,
        Code::SignInProofMismatch => ErrorCode::StateMismatch,
        Code::SignInRefused => ErrorCode::SignInRefused,
        Code::ConsentDenied => ErrorCode::ConsentDenied,
        Code::DeviceSignedOut | Code::SignInAgain => ErrorCode::SignInAgain,
        Code::MembershipEnded => ErrorCode::MembershipEnded,
        Code::NotAMember => ErrorCode::NotAMember,
        Code::NotStaff => ErrorCode::NotStaff,
        Code::CobotBusy | Code::CobotUnavailable => ErrorCode::CobotUnreachable,
        Code::NoAccess => ErrorCode::NoAccess,
        Code::UnknownDoor => ErrorCode::UnknownDoor,
        Code::SlowDown => ErrorCode::SlowDown,
        Code::DoorDidNotAnswer => ErrorCode::DoorDidNotAnswer,
        Code::DoorFailed => ErrorCode::DoorFailed,
        Code::DoorNotConnected => ErrorCode::DoorNotConnected,
        Code::NoMembershipData => ErrorCode::NoMembershipData,
        Code::MembershipDataTooOld => ErrorCode::MembershipDataTooOld,
        Code::Interrupted => ErrorCode::UnlockInterrupted,
        Code::AuditUnavailable => ErrorCode::AuditUnavailable,
        Code::SignInNotConfigured | Code::NotConnected | Code::NeverSynced => ErrorCode::HubNotReady,
        Code::RequestTimeout => ErrorCode::HubUnreachable,
        Code::Invalid => ErrorCode::Invalid,
        Code::Conflict => ErrorCode::Conflict,
        Code::UnknownItem => ErrorCode::UnknownItem,
        // The app asked for something the hub does not take: a bug on one side or the other,
        // shown with the hub's words.
        Code::BadReturnAddress
        | Code::Forbidden
        | Code::ForeignUrl
        | Code::UnknownWebhook
        | Code::UnknownEvent
        | Code::UnknownDevice
        | Code::BadRequest
        | Code::PayloadTooLarge
        | Code::NotFound
        | Code::MethodNotAllowed
        | Code::Internal
        | Code::Unknown => ErrorCode::Internal,
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
        let mut dto = ErrorDto::new(e.code(), e.to_string());
        if let Error::HubCall(hub::CallError::Refused(api, _)) = e {
            dto.fields = api.fields.clone();
        }
        dto
    }
}

impl From<Error> for ErrorDto {
    fn from(e: Error) -> ErrorDto {
        ErrorDto::from(&e)
    }
}

struct SignInRun {
    subdomain: Subdomain,
    /// The hub that began it: the ticket and the proof go to this hub and no other.
    hub: HubUrl,
    view: SigningInView,
    loopback: Option<AbortHandle>,
}

#[derive(Default)]
pub(crate) struct Inner {
    saved: Saved,
    pending_join: Option<PendingJoin>,
    signing_in: Option<SignInRun>,
    slot: LoginSlot<AppSignIn>,
    /// Refresh tokens per space, each from (and only ever sent to) that space's hub.
    tokens: HashMap<Subdomain, RefreshToken>,
    hub_sessions: HashMap<Subdomain, HubSessionToken>,
    notice: Option<ErrorDto>,
    /// A door link waiting for confirmation (memory only).
    pending_open: Option<PendingOpen>,
    /// Grows each time the console should be reloaded (the hub said Cobot was connected).
    pub(crate) console_epoch: u64,
    /// Files saved for staff since the app started, newest last: the only ones it opens.
    pub(crate) saved_files: Vec<std::path::PathBuf>,
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
    pub(crate) http: reqwest::Client,
    pub(crate) settings: Settings,
    vault: Box<dyn Vault>,
    prefs: Box<dyn Prefs>,
    pub(crate) browser: Box<dyn Browser>,
    notify: Box<dyn Fn(&AppView) + Send + Sync>,
    /// The last view's [`AppView::revision`].
    revision: std::sync::atomic::AtomicU64,
    /// Held while a refresh token is exchanged: two at once would present the same token twice,
    /// which the hub rightly takes for theft and ends the device.
    refreshing: tokio::sync::Mutex<()>,
    /// The phone's fingerprint or face check; none on a desktop.
    presence: OnceLock<Arc<dyn Presence>>,
    /// How the person can confirm, as the phone last said (asked at start and at each confirm,
    /// never while drawing a view).
    presence_words: Mutex<Option<String>>,
}

/// Where the hub hands a sign-in back to by deep link.
pub const DEEP_LINK_REDIRECT: &str = hub::DEEP_LINK_RETURN;

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
            match vault.get(&space.vault_key()) {
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
            refreshing: tokio::sync::Mutex::new(()),
            presence: OnceLock::new(),
            presence_words: Mutex::new(None),
        })
    }

    /// Gives the app the phone's fingerprint or face check (once, at start, on phones).
    pub fn set_presence(&self, presence: Arc<dyn Presence>) {
        if self.presence.set(presence).is_err() {
            tracing::warn!("the fingerprint or face check was given twice; the first stays");
        }
        let _ = self.look_at_presence();
    }

    /// Asks the phone how the person can confirm now, and remembers it for the view.
    fn look_at_presence(&self) -> Result<String, DeviceError> {
        let now = match self.presence.get() {
            Some(presence) => presence.available(),
            None => Err(DeviceError::PresenceUnavailable(
                "this device has no fingerprint or face check".into(),
            )),
        };
        *self.presence_words.lock().unwrap_or_else(|p| p.into_inner()) = now.as_ref().ok().cloned();
        now
    }

    /// The key of the signed-in person of the current space in [`Saved::confirm_unlock`].
    fn person_key(inner: &Inner) -> Option<String> {
        let current = inner.saved.current.as_ref()?;
        inner.tokens.contains_key(current).then_some(())?;
        let profile = inner.saved.profiles.get(current)?;
        Some(format!("{current}/{}", profile.user_id))
    }

    /// Asks the phone's fingerprint or face check, off the async workers.
    async fn confirm_presence(self: &Arc<Self>, reason: String) -> Result<(), Error> {
        let Some(presence) = self.presence.get().cloned() else {
            return Err(Error::NotConfirmed(
                "This device cannot confirm with fingerprint or face.".into(),
            ));
        };
        if let Err(why) = self.look_at_presence() {
            return Err(Error::NotConfirmed(format!(
                "Fingerprint or face is not available on this phone now ({why}). Set it up in the phone's settings, \
                 or turn off “Confirm before opening” in Frontdoor."
            )));
        }
        tokio::task::spawn_blocking(move || presence.confirm(&reason))
            .await
            .map_err(|e| Error::Internal(format!("the fingerprint or face check stopped: {e}")))?
            .map_err(|why| Error::NotConfirmed(format!("Not confirmed, so nothing happened ({why}).")))
    }

    /// Turns "confirm with fingerprint or face before a door opens" on or off for the signed-in
    /// person. Either way the person confirms first (someone else holding the unlocked phone must
    /// not turn it off); turning it off needs no confirm only when the phone has no way to.
    pub async fn set_confirm_unlock(self: &Arc<Self>, enabled: bool) -> Result<AppView, Error> {
        let key = {
            let inner = self.lock();
            let space = inner.current_space()?;
            Self::person_key(&inner).ok_or(Error::NotSignedIn(space.name))?
        };
        let can_confirm = self.look_at_presence().is_ok();
        if enabled || can_confirm {
            let reason = if enabled {
                "Confirm it's you before every door opens"
            } else {
                "Stop confirming before doors open"
            };
            self.confirm_presence(reason.to_string()).await?;
        }
        let mut inner = self.lock();
        if enabled {
            inner.saved.confirm_unlock.insert(key);
        } else {
            inner.saved.confirm_unlock.remove(&key);
        }
        self.persist(&inner);
        Ok(self.view_of(&inner))
    }

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the screen shows now.
    pub fn view(&self) -> AppView {
        let inner = self.lock();
        self.view_of(&inner)
    }

    /// The space on screen, when someone is signed in to it.
    pub(crate) fn signed_in_space(&self) -> Result<StoredSpace, Error> {
        let inner = self.lock();
        let space = inner.current_space()?;
        if !inner.tokens.contains_key(&space.subdomain) {
            return Err(Error::NotSignedIn(space.name));
        }
        Ok(space)
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
            pending_join: inner.pending_join.as_ref().map(|pending| {
                let offered = &pending.space;
                JoinOffer {
                    space: offered.view(),
                    replaces_hub: inner
                        .saved
                        .spaces
                        .iter()
                        .find(|s| s.subdomain == offered.subdomain && s.hub != offered.hub)
                        .map(|s| s.hub.to_string()),
                    unlisted_sign_in: pending.unlisted.clone(),
                }
            }),
            signing_in: inner.signing_in.as_ref().map(|r| r.view.clone()),
            session,
            token_storage: self.vault.kind(),
            notice: inner.notice.clone(),
            access,
            console_epoch: inner.console_epoch,
            pending_open: inner.pending_open.as_ref().map(|p| OpenOffer {
                subdomain: p.space.subdomain.to_string(),
                space_name: p.space.name.clone(),
                door_id: p.door.to_string(),
                door_name: p.door_name.clone(),
            }),
            phone: self.presence.get().map(|_| PhoneView {
                scan: true,
                confirm_with: self.presence_words.lock().unwrap_or_else(|p| p.into_inner()).clone(),
                confirm_unlock: Self::person_key(inner).is_some_and(|k| inner.saved.confirm_unlock.contains(&k)),
            }),
        }
    }

    pub(crate) fn changed(&self) {
        let view = self.view();
        (self.notify)(&view);
    }

    fn persist(&self, inner: &Inner) {
        if let Err(e) = self.prefs.save(&inner.saved) {
            tracing::warn!("could not save preferences: {e}");
        }
    }

    /// Handles a `frontdoor://` link or a hub's join or door page address (from the OS, a QR
    /// code scanned in the app or with the camera, an App Link, or pasted).
    pub async fn open_link(self: &Arc<Self>, text: &str) -> Result<AppView, Error> {
        match DeepLink::read(text)? {
            DeepLink::Join { space, hub } => self.join(space, hub).await,
            DeepLink::CobotConnected => {
                {
                    let mut inner = self.lock();
                    inner.console_epoch += 1;
                    inner.notice = None;
                }
                Ok(self.view())
            }
            // An error with no `state` is the hub's answer to connecting Cobot (sign-ins always
            // carry the app's state): say what Cobot or the hub said.
            DeepLink::AuthCallback(Callback::Error {
                state: None,
                error,
                description,
            }) if !self.lock().slot.is_waiting() => Err(Error::ConnectFailed(description.unwrap_or(error))),
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

    /// Whether `url` may be used to sign in to `space`: Cobot (or the trusted test origins), or
    /// the space's own domain as Cobot named it.
    fn trusts(&self, space: &StoredSpace, url: &Url) -> bool {
        self.settings.policy.allows(url) || space.custom_domain.as_ref().is_some_and(|d| d.origin() == url.origin())
    }

    /// Whether a space's own sign-in domain `issuer` may be offered, asking Cobot
    /// (`GET <www>/api/spaces/<subdomain>`, public) for the space's address:
    /// - Cobot names the domain's host (with `http://` or `https://`: Cobot's documented sample
    ///   writes `http://`): trusted, nothing to ask (`None`);
    /// - Cobot knows the space but names another host (its `<subdomain>.cobot.me`, as Cobot's own
    ///   apps read the field): offered with that host named, so the person confirms the domain
    ///   once by joining (`Some(host Cobot names)`);
    /// - Cobot does not know the space, or the domain is not on Cobot's own scheme (https):
    ///   refused.
    async fn confirm_custom_domain(
        &self,
        www: &Url,
        space: &Subdomain,
        issuer: &Url,
    ) -> Result<(Url, Option<String>), Error> {
        let untrusted = || Error::UntrustedSignIn(issuer.origin().ascii_serialization());
        if issuer.scheme() != www.scheme() || issuer.host_str().is_none() {
            return Err(untrusted());
        }
        let url = www
            .join(&format!("api/spaces/{}", space.as_str()))
            .map_err(|_| untrusted())?;
        let response = self.http.get(url).send().await.map_err(|_| untrusted())?;
        if !response.status().is_success() {
            return Err(untrusted());
        }
        let body: serde_json::Value = response.json().await.map_err(|_| untrusted())?;
        let named = body
            .get("url")
            .and_then(|u| u.as_str())
            .and_then(|u| Url::parse(u).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(untrusted)?;
        // The host and any port Cobot wrote, whichever scheme it wrote them with.
        let same_host = named.host_str() == issuer.host_str() && named.port() == issuer.port();
        let domain = Url::parse(&issuer.origin().ascii_serialization()).map_err(|_| untrusted())?;
        if same_host {
            Ok((domain, None))
        } else {
            let host = match named.port() {
                Some(p) => format!("{}:{p}", named.host_str().unwrap_or_default()),
                None => named.host_str().unwrap_or_default().to_string(),
            };
            Ok((domain, Some(host)))
        }
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
        if !self.settings.policy.allows(&info.sign_in.cobot_www) {
            return Err(Error::UntrustedSignIn(info.sign_in.issuer.to_string()));
        }
        // A space on a domain of its own signs in there: trusted when Cobot itself names that
        // domain as the space's address, else confirmed by the person once (see
        // `confirm_custom_domain`).
        let (custom_domain, unlisted) = if self.settings.policy.allows(&info.sign_in.issuer) {
            (None, None)
        } else {
            let (domain, unlisted) = self
                .confirm_custom_domain(&info.sign_in.cobot_www, &space, &info.sign_in.issuer)
                .await?;
            (Some(domain), unlisted)
        };
        let offered = StoredSpace::from_info(hub, info, custom_domain);
        let mut inner = self.lock();
        inner.notice = None;
        if let Some(known) = inner.saved.spaces.iter_mut().find(|s| {
            s.subdomain == offered.subdomain
                && s.hub == offered.hub
                && (unlisted.is_none() || s.custom_domain == offered.custom_domain)
        }) {
            *known = offered.clone();
            inner.saved.current = Some(offered.subdomain);
            self.persist(&inner);
        } else {
            inner.pending_join = Some(PendingJoin {
                space: offered,
                unlisted,
            });
        }
        Ok(self.view_of(&inner))
    }

    /// The person confirmed the join: keep the space and start signing in.
    pub async fn confirm_join(self: &Arc<Self>) -> Result<AppView, Error> {
        {
            let mut inner = self.lock();
            let space = inner.pending_join.take().ok_or(Error::NoPendingJoin)?.space;
            let replaced: Vec<StoredSpace> = inner
                .saved
                .spaces
                .iter()
                .filter(|s| s.subdomain == space.subdomain && s.hub != space.hub)
                .cloned()
                .collect();
            for old in &replaced {
                // The old hub's credentials stay with the old hub: forgotten here, never sent on.
                self.end_session_here(&mut inner, old);
            }
            if !replaced.is_empty() {
                // A sign-in still running with the old hub ends here too.
                inner.slot.cancel();
                if let Some(run) = inner.signing_in.take() {
                    if let Some(task) = run.loopback {
                        task.abort();
                    }
                }
            }
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

    /// Starts signing in to the current space: the hub begins it (it is the space's OAuth client
    /// at Cobot) and the system browser shows Cobot's page.
    pub async fn sign_in(self: &Arc<Self>) -> Result<AppView, Error> {
        let space = self.lock().current_space()?;
        if !self.trusts(&space, &space.issuer) {
            return Err(Error::UntrustedSignIn(space.issuer.to_string()));
        }
        let (return_to, listener) = match self.settings.redirect {
            RedirectKind::DeepLink => (Url::parse(DEEP_LINK_REDIRECT).expect("constant URL"), None),
            RedirectKind::Loopback => {
                let listener = LoopbackRedirect::bind()
                    .await
                    .map_err(|e| Error::Internal(format!("no loopback port for the sign-in: {e}")))?;
                (listener.redirect_uri().clone(), Some(listener))
            }
        };
        let pending = AppSignIn::new();
        let started = hub::begin_sign_in(
            &self.http,
            &space.hub,
            &SignInRequest {
                return_to,
                state: auth::Pending::state(&pending).to_string(),
                challenge: pending.challenge(),
            },
        )
        .await?;
        // The hub names where the browser goes; it must be Cobot's sign-in, like the issuer.
        if !self.trusts(&space, &started.authorize_url) {
            return Err(Error::UntrustedSignIn(
                started.authorize_url.origin().ascii_serialization(),
            ));
        }
        let url = started.authorize_url;
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
                hub: space.hub.clone(),
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

    /// The browser came back with a one-time ticket from the hub. Redeems it at that hub with
    /// this sign-in's proof, keeps the refresh token in the vault (bound to that hub), and loads
    /// the plans and doors.
    async fn callback(self: &Arc<Self>, callback: Callback) -> Result<AppView, Error> {
        let (pending, subdomain, began_at) = {
            let mut inner = self.lock();
            // A forged or stale callback leaves a running sign-in untouched.
            let pending = inner.slot.take_for(&callback)?;
            let run = inner.signing_in.take().expect("a waiting login always has its run");
            if let Some(task) = run.loopback {
                // When the callback came through the loopback listener, this *is* that task:
                // aborting it would cancel the redemption below. Otherwise stop its wait.
                if tokio::task::try_id() != Some(task.id()) {
                    task.abort();
                }
            }
            (pending, run.subdomain, run.hub)
        };
        let finished = async {
            let (ticket, proof) = pending.finish(callback)?;
            let space = self.space(&subdomain)?;
            if space.hub != began_at {
                // The space was moved to another hub meanwhile: this hub's proof is for the hub
                // that began the sign-in, and goes nowhere else.
                return Err(Error::Auth(auth::Error::StateMismatch));
            }
            let request = RedeemRequest {
                ticket,
                proof: SignInProof::new(proof.secret()),
                device_name: device_name(),
            };
            let session = hub::redeem(&self.http, &space.hub, &request).await?;
            Ok::<_, Error>((space, session))
        }
        .await;
        let (space, session) = match finished {
            Ok(ok) => ok,
            Err(e) => {
                self.lock().notice = Some(ErrorDto::from(&e));
                return Err(e);
            }
        };
        {
            let mut inner = self.lock();
            self.keep_session(&mut inner, &space, &session);
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

    /// Keeps what the hub gave this device: the refresh token (vault), the session (memory),
    /// the profile (preferences, not secret).
    fn keep_session(&self, inner: &mut Inner, space: &StoredSpace, session: &SessionResponse) {
        if let Err(e) = self.vault.put(&space.vault_key(), &session.refresh_token) {
            tracing::warn!("keychain refused the refresh token: {e}");
        }
        inner
            .tokens
            .insert(space.subdomain.clone(), session.refresh_token.clone());
        inner
            .hub_sessions
            .insert(space.subdomain.clone(), session.session_token.clone());
        let role = match (session.membership_id.is_some(), session.staff) {
            (true, true) => Role::MemberAndAdmin,
            (false, true) => Role::Admin,
            (_, false) => Role::Member,
        };
        inner.saved.profiles.insert(
            space.subdomain.clone(),
            Profile {
                user_id: session.user.id.clone(),
                name: session.user.name.clone(),
                email: session.user.email.clone(),
                memberships: vec![MembershipView {
                    subdomain: space.subdomain.to_string(),
                    name: space.name.clone(),
                    role,
                }],
            },
        );
    }

    /// Asks the hub for the member's plans, door verdicts and check-ins (opening a hub session
    /// with the Cobot token when there is none or it expired) and keeps the answer for the
    /// offline view. When the hub cannot be reached the last answer stays on screen, marked stale.
    pub async fn load_access(self: &Arc<Self>) -> Result<AppView, Error> {
        let space = {
            let inner = self.lock();
            let space = inner.current_space()?;
            if !inner.tokens.contains_key(&space.subdomain) {
                return Err(Error::NotSignedIn(space.name));
            }
            space
        };
        let hub_url = &space.hub;
        let result = self
            .with_hub_session(&space, |session| async move {
                hub::my_access(&self.http, hub_url, &session).await
            })
            .await;
        let mut inner = self.lock();
        match result {
            Ok(_) if !inner.tokens.contains_key(&space.subdomain) => {
                // Signed out while the hub was answering: keep nothing of the answer.
                Ok(self.view_of(&inner))
            }
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
                hub_answered(&mut inner.notice);
                self.persist(&inner);
                Ok(self.view_of(&inner))
            }
            Err(e) => {
                match e.code() {
                    Some(Code::NotAMember) => {
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

    /// Calls the hub with the space's hub session, getting one with the refresh token when there
    /// is none, and once more when the hub says the session ended (`not_signed_in`). The hub
    /// refuses an unknown session before doing anything, so repeating the call once cannot open a
    /// door twice.
    pub(crate) async fn with_hub_session<T, F, Fut>(&self, space: &StoredSpace, call: F) -> Result<T, hub::CallError>
    where
        F: Fn(HubSessionToken) -> Fut,
        Fut: std::future::Future<Output = Result<T, hub::CallError>>,
    {
        let session = self.lock().hub_sessions.get(&space.subdomain).cloned();
        let session = match session {
            Some(session) => session,
            None => self.refresh_session(space, None).await?,
        };
        match call(session.clone()).await {
            Err(e) if e.code() == Some(Code::NotSignedIn) => {
                let session = self.refresh_session(space, Some(&session)).await?;
                call(session).await
            }
            other => other,
        }
    }

    /// A new hub session from the refresh token, one exchange at a time. `stale` is the session
    /// the hub just refused; when another call already replaced it, that one is used. A hub that
    /// says the device is signed out (or the membership ended) ends the sign-in here.
    async fn refresh_session(
        &self,
        space: &StoredSpace,
        stale: Option<&HubSessionToken>,
    ) -> Result<HubSessionToken, hub::CallError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let refresh = {
            let inner = self.lock();
            // The space may have moved to another hub since `space` was read: a refresh token
            // is only ever shown to the hub that issued it.
            let same_hub = inner
                .saved
                .spaces
                .iter()
                .any(|s| s.subdomain == space.subdomain && s.hub == space.hub);
            if let Some(current) = inner.hub_sessions.get(&space.subdomain).filter(|_| same_hub) {
                if Some(current) != stale {
                    return Ok(current.clone());
                }
            }
            inner.tokens.get(&space.subdomain).filter(|_| same_hub).cloned()
        };
        let Some(refresh) = refresh else {
            return Err(hub::CallError::Refused(
                hub::ApiError {
                    code: Code::NotSignedIn,
                    message: format!("Sign in to {} first.", space.name),
                    fields: Default::default(),
                },
                401,
            ));
        };
        match hub::refresh(&self.http, &space.hub, &refresh).await {
            Ok(session) => {
                let mut inner = self.lock();
                if inner.tokens.contains_key(&space.subdomain) {
                    self.keep_session(&mut inner, space, &session);
                    self.persist(&inner);
                }
                Ok(session.session_token)
            }
            Err(e) => {
                if matches!(
                    e.code(),
                    Some(Code::DeviceSignedOut | Code::SignInAgain | Code::MembershipEnded | Code::NotAMember)
                ) {
                    let mut inner = self.lock();
                    self.end_session_here(&mut inner, space);
                }
                Err(e)
            }
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
        let (pending, signed_in) = {
            let mut inner = self.lock();
            let pending = inner.pending_open.take().ok_or(Error::NoPendingOpen)?;
            let signed_in = inner.tokens.contains_key(&pending.space.subdomain);
            (pending, signed_in)
        };
        if !signed_in {
            // Signed out since the link arrived.
            self.changed();
            return Err(Error::NotSignedIn(pending.space.name));
        }
        self.unlock_with(pending.space, pending.door).await
    }

    /// The person declined the door link.
    pub fn cancel_open(&self) -> AppView {
        let mut inner = self.lock();
        inner.pending_open = None;
        self.view_of(&inner)
    }

    /// Opens `door` of the current space through its hub. The app holds no door credentials,
    /// only its hub session (and the refresh token to get one); the hub decides and pulses.
    /// After the door opened, the access view is refreshed in the background — a few times over
    /// about five seconds while the hub checks the member in with Cobot — and each refresh is
    /// announced as a view change.
    pub async fn unlock(self: &Arc<Self>, door: &str) -> Result<UnlockAnswer, Error> {
        let door = DoorId::parse(door)?;
        let space = {
            let inner = self.lock();
            let space = inner.current_space()?;
            if !inner.tokens.contains_key(&space.subdomain) {
                return Err(Error::NotSignedIn(space.name));
            }
            space
        };
        self.unlock_with(space, door).await
    }

    async fn unlock_with(self: &Arc<Self>, space: StoredSpace, door: DoorId) -> Result<UnlockAnswer, Error> {
        let confirm_first = {
            let inner = self.lock();
            Self::person_key(&inner).is_some_and(|k| inner.saved.confirm_unlock.contains(&k))
        };
        if confirm_first {
            let name = self
                .lock()
                .saved
                .access
                .get(&space.subdomain)
                .and_then(|a| a.doors.iter().find(|d| d.id == door.as_str()).map(|d| d.name.clone()))
                .unwrap_or_else(|| door.to_string());
            self.confirm_presence(format!("Open {name}")).await?;
        }
        let (hub_url, door_id) = (&space.hub, door.as_str());
        let result = self
            .with_hub_session(&space, |session| async move {
                hub::unlock(&self.http, hub_url, &session, door_id).await
            })
            .await;
        match result {
            Ok(opened) => {
                let check_in_under_way = matches!(opened.check_in, hub::CheckInNote::CheckingIn);
                let unlock = unlock_view(opened);
                tracing::info!("{} opened", unlock.door_id);
                hub_answered(&mut self.lock().notice);
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
                        e if matches!(e.code(), Some(Code::SignInAgain | Code::DeviceSignedOut)) => {
                            self.end_session_here(&mut inner, &space);
                        }
                        _ => {}
                    }
                }
                if matches!(e.code(), Some(Code::NoAccess | Code::UnknownDoor)) {
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

    /// The hub no longer accepts this device: forget the sign-in here (the person signs in again).
    fn end_session_here(&self, inner: &mut Inner, space: &StoredSpace) {
        let subdomain = &space.subdomain;
        inner.tokens.remove(subdomain);
        inner.hub_sessions.remove(subdomain);
        inner.saved.profiles.remove(subdomain);
        inner.saved.access.remove(subdomain);
        inner.pending_open = None;
        self.persist(inner);
        if let Err(e) = self.vault.delete(&space.vault_key()) {
            tracing::warn!("keychain could not delete the refresh token: {e}");
        }
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

    /// Signs out of the current space: the hub ends this device and revokes the Cobot token it
    /// held; the app forgets its tokens. If the hub cannot be reached, the tokens are still
    /// forgotten here and the person is told.
    pub async fn sign_out(self: &Arc<Self>) -> Result<AppView, Error> {
        let (space, refresh, session) = {
            let mut inner = self.lock();
            let space = inner.current_space()?;
            let current = space.subdomain.clone();
            inner.saved.profiles.remove(&current);
            inner.saved.access.remove(&current);
            let session = inner.hub_sessions.remove(&current);
            inner.pending_open = None;
            let refresh = inner.tokens.remove(&current);
            self.persist(&inner);
            (space, refresh, session)
        };
        if let Err(e) = self.vault.delete(&space.vault_key()) {
            tracing::warn!("keychain could not delete the refresh token: {e}");
        }
        let told = match (&refresh, &session) {
            (None, None) => Ok(()),
            _ => hub::sign_out(&self.http, &space.hub, session.as_ref(), refresh.as_ref()).await,
        };
        let mut inner = self.lock();
        inner.notice = match told {
            Ok(()) => None,
            // Already signed out at the hub: nothing left to end.
            Err(e) if e.code() == Some(Code::DeviceSignedOut) => None,
            Err(e) => Some(ErrorDto::new(
                ErrorCode::HubUnreachable,
                format!("You are signed out on this device, but the hub could not be told ({e}). Ask the space's staff to sign this device out."),
            )),
        };
        Ok(self.view_of(&inner))
    }

    /// Looks at the hub again (at start, and on demand): a fresh session (which re-checks the
    /// membership) and the plans and doors. Offline, the last answer stays on screen, marked stale.
    pub async fn refresh(self: &Arc<Self>) -> Result<AppView, Error> {
        {
            let inner = self.lock();
            // Nothing joined or nobody signed in: nothing to refresh.
            let Ok(space) = inner.current_space() else {
                return Ok(self.view_of(&inner));
            };
            if !inner.tokens.contains_key(&space.subdomain) {
                return Ok(self.view_of(&inner));
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

/// How this device is named to staff ("Frontdoor on linux").
fn device_name() -> String {
    format!("Frontdoor on {}", std::env::consts::OS)
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

pub(crate) fn unlock_view(r: hub::UnlockResponse) -> UnlockView {
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

/// The hub answered: a notice that it (or Cobot) could not be reached has ended and goes.
fn hub_answered(notice: &mut Option<ErrorDto>) {
    if notice
        .as_ref()
        .is_some_and(|n| n.code.subject().ends_when_the_hub_answers())
    {
        *notice = None;
    }
}
