//! The member's access: asking the hub for their plans, door verdicts and check-ins, keeping the
//! answer for the offline view (marked stale when the hub cannot be reached), and refreshing it.

use std::sync::Arc;

use frontdoor_core::hub::{self, Code};
use frontdoor_ipc::{AccessView, AppView};

use super::{hub_answered, Error, Frontdoor};

impl Frontdoor {
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
                    plans: access.plans,
                    doors: access.doors,
                    check_in: access.check_in,
                    recent_check_ins: access.recent_check_ins,
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
}
