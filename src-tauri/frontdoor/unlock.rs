//! Opening doors: a door link waiting for confirmation ([`PendingOpen`]), an unlock through the
//! hub (after fingerprint or face when the person asked for it), the background refreshes while
//! the check-in finishes, and the hub's answer as an [`UnlockView`].

use std::sync::Arc;
use std::time::Duration;

use frontdoor_core::hub::{self, Code};
use frontdoor_core::links::{DoorId, Subdomain};
use frontdoor_ipc::{AppView, CheckInNote, CheckInState, UnlockAnswer, UnlockOutcome, UnlockView};

use super::{hub_answered, Error, Frontdoor, StoredSpace};

/// A door link the person has not yet confirmed.
#[derive(Debug, Clone)]
pub(super) struct PendingOpen {
    pub(super) space: StoredSpace,
    pub(super) door: DoorId,
    pub(super) door_name: String,
}

impl Frontdoor {
    /// A door link arrived: offer to open the door, if this device can. The space must be joined
    /// (else: join first) and someone signed in to it (else: sign in first — the link is not
    /// kept, the person scans the door again after signing in). When the hub's last answer
    /// lists doors, a door it does not list is refused up front.
    pub(super) fn offer_open(&self, space: Subdomain, door: DoorId) -> Result<AppView, Error> {
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
