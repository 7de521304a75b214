//! Signing in to a space: the run under way ([`SignInRun`]: the hub that began it, the browser's
//! address, the loopback listener), cancelling it, and the callback that redeems the hub's ticket
//! with this sign-in's proof.

use std::sync::Arc;

use frontdoor_core::auth::{self, loopback::LoopbackRedirect, AppSignIn};
use frontdoor_core::hub::{self, RedeemRequest, SignInRequest};
use frontdoor_core::links::{Callback, HubUrl, Subdomain};
use frontdoor_core::secret::SignInProof;
use frontdoor_ipc::{AppView, ErrorDto, RedirectKind, SigningInView};
use tokio::task::AbortHandle;
use url::Url;

use super::{Error, Frontdoor, StoredSpace, DEEP_LINK_REDIRECT};

pub(super) struct SignInRun {
    pub(super) subdomain: Subdomain,
    /// The hub that began it: the ticket and the proof go to this hub and no other.
    pub(super) hub: HubUrl,
    pub(super) view: SigningInView,
    pub(super) loopback: Option<AbortHandle>,
}

impl Frontdoor {
    /// Whether `url` may be used to sign in to `space`: Cobot (or the trusted test origins), or
    /// the space's own domain as Cobot named it.
    fn trusts(&self, space: &StoredSpace, url: &Url) -> bool {
        self.settings.policy.allows(url) || space.custom_domain.as_ref().is_some_and(|d| d.origin() == url.origin())
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
    pub(super) async fn callback(self: &Arc<Self>, callback: Callback) -> Result<AppView, Error> {
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
}

/// How this device is named to staff ("Frontdoor on linux").
fn device_name() -> String {
    format!("Frontdoor on {}", std::env::consts::OS)
}
