//! The device's hub session for a space: keeping what the hub gave (the refresh token in the
//! vault, the session in memory, the profile), calling the hub with it (refreshed one exchange at
//! a time), ending it here when the hub no longer accepts the device, and signing out.

use frontdoor_core::hub::{self, Code, SessionResponse};
use frontdoor_core::secret::HubSessionToken;
use frontdoor_ipc::{AppView, ErrorCode, ErrorDto, MembershipView, Role};
use std::sync::Arc;

use super::{Error, Frontdoor, Inner, Profile, StoredSpace};

impl Frontdoor {
    /// Keeps what the hub gave this device: the refresh token (vault), the session (memory),
    /// the profile (preferences, not secret).
    pub(super) fn keep_session(&self, inner: &mut Inner, space: &StoredSpace, session: &SessionResponse) {
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

    /// The hub no longer accepts this device: forget the sign-in here (the person signs in again).
    pub(super) fn end_session_here(&self, inner: &mut Inner, space: &StoredSpace) {
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
}
