//! The app's state machine: join a space, sign in, open doors, sign out. Free of Tauri, so tests
//! drive it directly; `lib.rs` adapts it to commands and events.
//!
//! Architecture Invariant: tokens live only in the [`Vault`] (OS keychain, or memory when there
//! is none); [`Prefs`] — a plain file — holds spaces and the non-secret profile for offline view.
//!
//! The state machine is one [`Frontdoor`] with its `Inner` state here; what it does is split by
//! what it acts on, beside this file: `saved` (the spaces and profiles kept on disk), `join`
//! (joining a space), `sign_in` (a sign-in run and its callback), `session` (the device's hub
//! session: kept, used, refreshed, ended, signed out), `access` (the member's plans and doors),
//! `unlock` (opening doors and door links), `presence` (fingerprint or face before a door opens)
//! and `error` (the app's [`Error`] and its stable codes).

mod access;
mod error;
mod join;
mod language;
mod presence;
mod saved;
mod session;
mod sign_in;
mod unlock;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use frontdoor_core::auth::{self, AppSignIn, IssuerPolicy, LoginSlot};
use frontdoor_core::hub;
use frontdoor_core::links::{Callback, DeepLink, Subdomain};
use frontdoor_core::secret::{HubSessionToken, RefreshToken};
use frontdoor_ipc::{AppView, ErrorCode, ErrorDto, JoinOffer, OpenOffer, PhoneView, RedirectKind, SessionView};
use url::Url;

use crate::console::fleet::{self, FleetToken};
use crate::device_error::DeviceError;
use crate::vault::Vault;

pub use error::{code_of, Error};
use join::PendingJoin;
pub use presence::Presence;
pub use saved::{Profile, Saved, StoredSpace};
use sign_in::SignInRun;
pub(crate) use unlock::unlock_view;
use unlock::PendingOpen;

/// Where non-secret state is kept (tauri-plugin-store in the app).
pub trait Prefs: Send + Sync {
    /// The saved state, or the default on first start.
    fn load(&self) -> Saved;
    /// Saves the state.
    fn save(&self, saved: &Saved) -> Result<(), DeviceError>;
}

/// Opens the system browser.
pub trait Browser: Send + Sync {
    /// Shows `url` to the person.
    fn open(&self, url: &Url) -> Result<(), DeviceError>;
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) saved: Saved,
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
    /// The staff token of the fleet in `saved.fleet`, while the operator is signed in there.
    pub(crate) fleet_token: Option<FleetToken>,
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
    pub(crate) vault: Box<dyn Vault>,
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
        let fleet_token = match saved.fleet.as_ref().map(|url| vault.get_fleet(&fleet::vault_key(url))) {
            Some(Ok(token)) => token,
            None => None,
            Some(Err(e)) => {
                tracing::warn!("the fleet's token could not be read from the keychain: {e}");
                None
            }
        };
        Arc::new(Frontdoor {
            inner: Mutex::new(Inner {
                saved,
                tokens,
                notice,
                fleet_token,
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
            language: inner.saved.language.clone(),
        }
    }

    pub(crate) fn changed(&self) {
        let view = self.view();
        (self.notify)(&view);
    }

    pub(crate) fn persist(&self, inner: &Inner) {
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

    fn space(&self, subdomain: &Subdomain) -> Result<StoredSpace, Error> {
        self.lock()
            .saved
            .spaces
            .iter()
            .find(|s| &s.subdomain == subdomain)
            .cloned()
            .ok_or(Error::NoSpace)
    }

    /// Clears the notice.
    pub fn dismiss_notice(&self) -> AppView {
        let mut inner = self.lock();
        inner.notice = None;
        self.view_of(&inner)
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
