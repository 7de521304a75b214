//! The sync engine: copies the space's memberships from Cobot into the hub's snapshot.
//!
//! - **Full sync** reads three whole-space lists — plans, memberships, custom fields — so its cost
//!   does not grow with the number of members, then replaces the snapshot atomically. If any read
//!   fails the last good snapshot stays in place and the failure is recorded.
//! - **Targeted sync** follows a Cobot webhook. The webhook body is only a hint (`{"url": …}`,
//!   unsigned): the hub fetches only URLs on the space's own Cobot host, under
//!   `api/memberships/<id>`, with its own token, and spends one request per event.
//!
//! - The token is swappable: staff connect and disconnect Cobot in the console ([`crate::plug`]);
//!   a 401 from Cobot marks it refused until a sync with it succeeds. A full sync reports its
//!   phases to [`crate::sync_panel::Progress`] for the console's live view.
//!
//! Architecture Invariant: at most one sync runs at a time; the in-memory snapshot is swapped
//! only after the store committed it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use frontdoor_core::access::PlanMatch;
use frontdoor_core::cobot::{self, Cobot};
use frontdoor_core::links::Subdomain;
use frontdoor_core::secret::AccessToken;
use jiff::Timestamp;
use serde::Serialize;
use url::Url;

use crate::snapshot::{MemberRecord, Snapshot};
use crate::store::Store;

/// What a sync did, for staff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// `full` or the webhook event.
    pub kind: String,
    /// Start.
    pub started_at: String,
    /// End.
    pub finished_at: String,
    /// Calls made to Cobot (a read the client retried counts once).
    pub cobot_requests: u32,
    /// Members in the snapshot afterwards.
    pub members: usize,
    /// Memberships added.
    pub added: Vec<String>,
    /// Memberships removed.
    pub removed: Vec<String>,
    /// Memberships whose data changed.
    pub changed: Vec<String>,
    /// Custom-field group identifiers that name no configured group, per membership.
    pub unknown_groups: BTreeMap<String, Vec<String>>,
    /// Memberships without a connected Cobot user (they cannot sign in, so get no access).
    pub without_user: Vec<String>,
    /// Configured plan assignments that name plans Cobot does not have.
    pub unknown_plans: Vec<String>,
    /// Why the sync failed, if it did.
    pub error: Option<String>,
}

/// Why a sync failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Cobot said no or was unreachable.
    #[error("Cobot: {0}")]
    Cobot(#[from] cobot::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// A webhook pointed somewhere it must not.
    #[error("the webhook names {0}, which is not a membership on this space's Cobot host; ignored")]
    ForeignUrl(String),
    /// The hub has no Cobot token.
    #[error("the hub is not connected to Cobot (no token)")]
    NotConnected,
    /// The database task did not finish.
    #[error("a database task failed: {0}")]
    Task(String),
}

/// The sync engine of one space.
pub struct Syncer {
    cobot: Cobot,
    /// Swapped when staff connect or disconnect Cobot in the console ([`crate::plug`]).
    token: crate::plug::TokenSlot,
    /// What a full sync is doing, for the console ([`crate::sync_panel`]).
    progress: crate::sync_panel::Progress,
    space: Subdomain,
    /// The access setup in force: read at each sync, so a change in the console counts at once.
    access: Arc<crate::setup::Live>,
    store: Arc<Store>,
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    running: tokio::sync::Mutex<()>,
    now: fn() -> Timestamp,
}

impl Syncer {
    /// The space's Cobot token, for the other space-level calls (check-ins).
    pub fn token(&self) -> Option<AccessToken> {
        self.token.get()
    }

    /// The token's slot: swapped by the plug, marked refused on Cobot's 401.
    pub fn token_slot(&self) -> &crate::plug::TokenSlot {
        &self.token
    }

    /// The progress of full syncs.
    pub fn progress(&self) -> &crate::sync_panel::Progress {
        &self.progress
    }

    /// Notes how Cobot answered `token`: a 401 marks it refused (staff reconnect), any answer
    /// that got through clears that.
    fn answered(&self, token: Option<&AccessToken>, error: Option<&Error>) {
        let Some(token) = token else { return };
        match error {
            Some(Error::Cobot(cobot::Error::SignInAgain)) => {
                if self.token.refused(token, (self.now)()) {
                    tracing::warn!("Cobot refused the hub's token; staff must reconnect Cobot in the console");
                }
            }
            Some(Error::Cobot(_) | Error::NotConnected) => {}
            _ => self.token.accepted(token),
        }
    }

    /// A sync engine; without a token every sync fails with [`Error::NotConnected`].
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cobot: Cobot,
        token: Option<AccessToken>,
        space: Subdomain,
        access: Arc<crate::setup::Live>,
        store: Arc<Store>,
        snapshot: Arc<RwLock<Arc<Snapshot>>>,
        now: fn() -> Timestamp,
    ) -> Syncer {
        Syncer {
            cobot,
            token: crate::plug::TokenSlot::new(token),
            progress: Default::default(),
            space,
            access,
            store,
            snapshot,
            running: tokio::sync::Mutex::new(()),
            now,
        }
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn swap(&self, next: Snapshot) {
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }

    /// Reads the whole space from Cobot and replaces the snapshot.
    pub async fn full(&self) -> Result<SyncReport, Error> {
        let _one_at_a_time = self.running.lock().await;
        // However this sync ends (an answer, a stopping hub dropping it, a panic), whoever
        // follows its progress hears of it.
        let mut ending = crate::sync_panel::Ending::new(&self.progress);
        self.progress.begin();
        let started = (self.now)();
        let mut report = SyncReport {
            kind: "full".into(),
            started_at: started.to_string(),
            ..SyncReport::default()
        };
        let token = self.token.get();
        let result = self.full_inner(token.as_ref(), &mut report).await;
        self.answered(token.as_ref(), result.as_ref().err());
        let recorded = self.finish(started, &mut report, result.as_ref().err());
        ending.end(&report, result.as_ref().err().or(recorded.as_ref().err()));
        recorded?;
        result.map(|_| report)
    }

    async fn full_inner(&self, token: Option<&AccessToken>, report: &mut SyncReport) -> Result<(), Error> {
        let token = token.ok_or(Error::NotConnected)?;
        let mut calls = 0;
        let progress = &self.progress;
        let outcome = async {
            calls += 1;
            let plans = self.cobot.plans(token, &self.space).await?;
            progress.read("plans", plans.len(), "memberships");
            calls += 1;
            let memberships = self.cobot.memberships(token, &self.space).await?;
            progress.read("memberships", memberships.len(), "custom_fields");
            // Read whatever the switch says, so turning extra groups on in the console counts
            // at once, with values no older than this sync.
            calls += 1;
            let fields = self.cobot.custom_fields(token, &self.space).await?;
            progress.read("custom_fields", fields.len(), "");
            Ok::<_, Error>((plans, memberships, fields))
        }
        .await;
        report.cobot_requests = calls;
        let (plans, memberships, fields) = outcome?;
        let fields: HashMap<&str, &cobot::api1::MembershipFields> =
            fields.iter().map(|f| (f.membership_id.as_str(), f)).collect();
        let mut members = Vec::new();
        for m in &memberships {
            let record = MemberRecord::from_cobot(m, fields.get(m.id.as_str()).copied());
            if record.user_id.is_none() {
                report.without_user.push(label(&record));
                continue;
            }
            members.push(record);
        }
        for a in &self.access.assignments() {
            let known = plans.iter().any(|p| match a {
                PlanMatch::Id(id) => &p.id == id,
                PlanMatch::Name(name) => p.name.trim().eq_ignore_ascii_case(name.trim()),
            });
            if !known {
                report.unknown_plans.push(match a {
                    PlanMatch::Id(id) => format!("plan id {id}"),
                    PlanMatch::Name(name) => format!("plan “{name}”"),
                });
            }
        }
        self.progress.applying(members.len());
        let next = Arc::new(Snapshot::new((self.now)(), members));
        self.compare(&self.current(), &next, report);
        // The transaction runs off the async workers: requests keep being answered meanwhile.
        let catalogue: Vec<crate::setup::CataloguePlan> = plans
            .iter()
            .map(|p| crate::setup::CataloguePlan {
                plan_id: p.id.clone(),
                name: p.name.clone(),
            })
            .collect();
        let (store, written) = (self.store.clone(), next.clone());
        tokio::task::spawn_blocking(move || {
            store.replace(&written)?;
            // The console lists Cobot's plans as of the last full sync.
            store.put_plan_catalogue(&catalogue)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
        self.swap(Arc::unwrap_or_clone(next));
        Ok(())
    }

    /// Follows one webhook: `event` from the hub's own callback path, `url` from the body.
    pub async fn targeted(&self, event: &str, url: &str) -> Result<SyncReport, Error> {
        let membership_id = self.membership_in(url)?;
        let _one_at_a_time = self.running.lock().await;
        let started = (self.now)();
        let mut report = SyncReport {
            kind: event.to_string(),
            started_at: started.to_string(),
            ..SyncReport::default()
        };
        let token = self.token.get();
        let result = self
            .targeted_inner(token.as_ref(), event, &membership_id, &mut report)
            .await;
        self.answered(token.as_ref(), result.as_ref().err());
        self.finish(started, &mut report, result.as_ref().err())?;
        result.map(|_| report)
    }

    async fn targeted_inner(
        &self,
        token: Option<&AccessToken>,
        event: &str,
        id: &str,
        report: &mut SyncReport,
    ) -> Result<(), Error> {
        let token = token.ok_or(Error::NotConnected)?;
        let current = self.current();
        let old = current.member(id).cloned();
        // Every event is a hint, a deletion too: Cobot is asked, and only its 404 removes anyone.
        let next_record = match event {
            "updated_custom_field" => {
                report.cobot_requests += 1;
                let fields = self.cobot.membership_fields(token, &self.space, id).await?;
                old.clone().map(|mut m| {
                    m.extra_groups = fields
                        .value(frontdoor_core::access::EXTRA_GROUPS_FIELD)
                        .map(str::to_string);
                    m
                })
            }
            _ => {
                report.cobot_requests += 1;
                match self.cobot.membership(token, &self.space, id).await {
                    Ok(m) => {
                        let mut record = MemberRecord::from_cobot(&m, None);
                        // The membership object carries no custom fields: keep the known value.
                        record.extra_groups = old.as_ref().and_then(|o| o.extra_groups.clone());
                        if record.user_id.is_none() {
                            report.without_user.push(label(&record));
                            None
                        } else {
                            Some(record)
                        }
                    }
                    Err(cobot::Error::NotFound(_)) => None,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let next = current.with_member(id, next_record.clone(), (self.now)());
        self.compare(&current, &next, report);
        let (store, id_owned, as_of) = (self.store.clone(), id.to_string(), next.as_of);
        tokio::task::spawn_blocking(move || store.put_member(&id_owned, next_record.as_ref(), as_of))
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        self.swap(next);
        Ok(())
    }

    /// Subscribes `<public_url>/api/v1/cobot/webhooks/<secret>/<event>` to every event the hub
    /// follows that is not subscribed yet. Returns the events newly subscribed.
    pub async fn subscribe(&self, public_url: &Url) -> Result<Vec<String>, Error> {
        let token = &self.token.get().ok_or(Error::NotConnected)?;
        let secret = self.store.webhook_secret()?;
        let existing = self.cobot.subscriptions(token, &self.space).await?;
        let mut added = Vec::new();
        for event in crate::api::EVENTS {
            let callback = webhook_url(public_url, &secret, event);
            if existing
                .iter()
                .any(|s| s.active && s.event == *event && s.callback_url == callback.as_str())
            {
                continue;
            }
            self.cobot.subscribe(token, &self.space, event, &callback).await?;
            added.push(event.to_string());
        }
        Ok(added)
    }

    /// The membership id a webhook URL names, if the URL is on this space's own Cobot host.
    fn membership_in(&self, url: &str) -> Result<String, Error> {
        let foreign = || Error::ForeignUrl(url.chars().take(200).collect());
        let url = Url::parse(url).map_err(|_| foreign())?;
        let base = self.cobot.space_base(&self.space).map_err(|_| foreign())?;
        if url.origin() != base.origin() || url.query().is_some() || url.fragment().is_some() {
            return Err(foreign());
        }
        let rest = url.path().strip_prefix(base.path()).ok_or_else(foreign)?;
        let id = rest.strip_prefix("api/memberships/").ok_or_else(foreign)?;
        if id.is_empty() || id.len() > 128 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(foreign());
        }
        Ok(id.to_string())
    }

    fn compare(&self, old: &Snapshot, next: &Snapshot, report: &mut SyncReport) {
        let rules = self.access.rules();
        for m in next.members() {
            match old.member(&m.membership_id) {
                None => report.added.push(m.membership_id.clone()),
                Some(o) if o != m => report.changed.push(m.membership_id.clone()),
                Some(_) => {}
            }
            let unknown = rules.member_groups(&m.access()).unknown;
            if !unknown.is_empty() {
                report.unknown_groups.insert(label(m), unknown);
            }
        }
        for m in old.members() {
            if next.member(&m.membership_id).is_none() {
                report.removed.push(m.membership_id.clone());
            }
        }
        report.members = next.members().len();
    }

    fn finish(&self, started: Timestamp, report: &mut SyncReport, error: Option<&Error>) -> Result<(), Error> {
        report.finished_at = (self.now)().to_string();
        report.error = error.map(|e| e.to_string());
        if let Some(e) = error {
            tracing::warn!(kind = %report.kind, "sync failed, keeping the last snapshot: {e}");
        } else {
            tracing::info!(kind = %report.kind, members = report.members, requests = report.cobot_requests, "sync done");
        }
        let json = serde_json::to_string(report).expect("a report always serialises");
        self.store
            .record_sync(&report.kind, started, (self.now)(), error.is_none(), &json)?;
        Ok(())
    }
}

fn label(m: &MemberRecord) -> String {
    match &m.name {
        Some(name) => format!("{name} ({})", m.membership_id),
        None => m.membership_id.clone(),
    }
}

/// Where Cobot posts `event` for a hub reachable at `public_url`. Cobot signs nothing, so the
/// path carries the hub's secret: a stranger cannot make the hub spend its Cobot budget.
pub fn webhook_url(public_url: &Url, secret: &str, event: &str) -> Url {
    let mut base = public_url.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(&format!("api/v1/cobot/webhooks/{secret}/{event}"))
        .expect("a relative path joins")
}
