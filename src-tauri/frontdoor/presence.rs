//! The phone's fingerprint or face check ([`Presence`]): asking it, remembering how the person can
//! confirm, and the person's choice to confirm before every door opens.

use std::sync::Arc;

use frontdoor_ipc::AppView;

use super::{Error, Frontdoor, Inner};
use crate::device_error::DeviceError;

/// The phone's own check that the person holding it is its owner (fingerprint or face), asked
/// before a door opens when the person turned that on.
pub trait Presence: Send + Sync {
    /// How the person can confirm ("fingerprint or face"), or why they cannot now.
    fn available(&self) -> Result<String, DeviceError>;
    /// Asks the person, showing `reason`; blocks until they answered. `Err` has the system's words.
    fn confirm(&self, reason: &str) -> Result<(), DeviceError>;
}

impl Frontdoor {
    /// Gives the app the phone's fingerprint or face check (once, at start, on phones).
    pub fn set_presence(&self, presence: Arc<dyn Presence>) {
        if self.presence.set(presence).is_err() {
            tracing::warn!("the fingerprint or face check was given twice; the first stays");
        }
        let _ = self.look_at_presence();
    }

    /// Asks the phone how the person can confirm now, and remembers it for the view.
    pub(super) fn look_at_presence(&self) -> Result<String, DeviceError> {
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
    pub(super) fn person_key(inner: &Inner) -> Option<String> {
        let current = inner.saved.current.as_ref()?;
        inner.tokens.contains_key(current).then_some(())?;
        let profile = inner.saved.profiles.get(current)?;
        Some(format!("{current}/{}", profile.user_id))
    }

    /// Asks the phone's fingerprint or face check, off the async workers.
    pub(super) async fn confirm_presence(self: &Arc<Self>, reason: String) -> Result<(), Error> {
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
}
