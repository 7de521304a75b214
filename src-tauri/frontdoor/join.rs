//! Joining a space: asking its hub who it is, checking where it signs in (Cobot, or the space's
//! own domain as Cobot names it), the offer waiting for the person's confirmation
//! ([`PendingJoin`]), and confirming or declining it.

use std::sync::Arc;

use frontdoor_core::hub;
use frontdoor_core::links::{HubUrl, Subdomain};
use frontdoor_ipc::AppView;
use url::Url;

use super::{Error, Frontdoor, StoredSpace};

/// A join waiting for the person's confirmation.
#[derive(Debug, Clone)]
pub(super) struct PendingJoin {
    pub(super) space: StoredSpace,
    /// The space's own sign-in domain is not the address Cobot names for it (Cobot names this
    /// host): joining confirms the domain, and the person is told so first.
    pub(super) unlisted: Option<String>,
}

impl Frontdoor {
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
    pub(super) async fn join(self: &Arc<Self>, space: Subdomain, hub: HubUrl) -> Result<AppView, Error> {
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
}
