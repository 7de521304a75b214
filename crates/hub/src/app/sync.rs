//! The sync engine: copies the space's memberships from Cobot into the hub's snapshot.
//!
//! - **Full sync** reads three whole-space lists — plans, memberships, custom fields — so its cost
//!   does not grow with the number of members, then replaces the snapshot atomically. If any read
//!   fails the last good snapshot stays in place and the failure is recorded.
//! - **Targeted sync** follows a Cobot webhook ([`crate::app::webhook`]). The webhook body is only a
//!   hint (`{"url": …}`, unsigned): the hub re-reads only memberships on the space's own Cobot
//!   host, from that host, with its own token, and spends one request per event.
//! - **One bad record never blocks a sync**: a membership (or plan, or custom-field entry) that
//!   does not read is skipped and reported by name; a skipped membership keeps what the last sync
//!   knew of it, and the rest applies.
//! - **Plans by id** ([`crate::store::plans`]): a membership's plan is its own copy; the hub files it
//!   under the catalogue plan its `parent_plan.id` names, by name only when that says nothing,
//!   and reports members whose plan matches no catalogue plan.
//! - **Webhooks that stay alive**: the scheduled sync ([`Syncer::scheduled`]) first re-reads the
//!   subscriptions and renews any Cobot turned off after failed deliveries.
//!
//! - The token is swappable: staff connect and disconnect Cobot in the console ([`crate::app::plug`]);
//!   a 401 from Cobot marks it refused until a sync with it succeeds. A full sync reports its
//!   phases to [`crate::app::sync_panel::Progress`] for the console's live view.
//!
//! Architecture Invariant: at most one sync runs at a time; the in-memory snapshot is swapped
//! only after the store committed it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use frontdoor_core::access::PlanMatch;
use frontdoor_core::cobot::{self, Cobot};
use frontdoor_core::console::SyncPhase;
use frontdoor_core::links::Subdomain;
use frontdoor_core::secret::AccessToken;
use jiff::Timestamp;
use serde::Serialize;
use url::Url;

use crate::store::plans::{Found, PlanBook};
use crate::store::snapshot::{MemberRecord, Snapshot};
use crate::store::Store;

/// The Cobot events the hub follows (membership and custom-field changes).
pub const EVENTS: &[&str] = &[
    "created_membership",
    "confirmed_membership",
    "canceled_membership",
    "uncanceled_membership",
    "reactivated_membership",
    "membership_cancellation_date_reached",
    "deleted_membership",
    "changed_membership_plan",
    "membership_plan_change_date_reached",
    "updated_membership_details",
    "updated_custom_field",
    "connected_user",
];

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
    /// Assignments naming a plan by a name it no longer has in Cobot: they still work (the hub
    /// follows the plan's id), but should be renamed.
    pub renamed_plans: Vec<String>,
    /// Members whose plan matches no plan in Cobot's catalogue (neither by its parent plan's id
    /// nor by name): they get only what assignments by that very name give.
    pub unmatched_plans: Vec<String>,
    /// Records Cobot sent that the hub could not read, by name and why. A skipped membership
    /// keeps what the last sync knew of it (or stays out, if it is new).
    pub skipped: Vec<String>,
    /// Webhook subscriptions renewed or added before this sync, in words.
    pub webhooks: Vec<String>,
    /// Why the sync failed, if it did.
    pub error: Option<String>,
}

/// What [`Syncer::subscribe`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscribed {
    /// Events subscribed that had no subscription of the hub's.
    pub added: Vec<String>,
    /// Events whose subscription Cobot had turned off (after failed deliveries), renewed.
    pub renewed: Vec<String>,
}

impl Subscribed {
    /// The sync report's words for it.
    pub fn words(&self) -> Vec<String> {
        let mut words = Vec::new();
        if !self.renewed.is_empty() {
            words.push(format!(
                "Renewed the webhooks Cobot had turned off after failed deliveries: {}.",
                self.renewed.join(", ")
            ));
        }
        if !self.added.is_empty() {
            words.push(format!("Subscribed to Cobot's webhooks: {}.", self.added.join(", ")));
        }
        words
    }
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
    #[error(transparent)]
    ForeignUrl(#[from] crate::app::webhook::Error),
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
    /// Swapped when staff connect or disconnect Cobot in the console ([`crate::app::plug`]).
    token: crate::app::plug::TokenSlot,
    /// What a full sync is doing, for the console ([`crate::app::sync_panel`]).
    progress: crate::app::sync_panel::Progress,
    space: Subdomain,
    /// The access setup in force: read at each sync, so a change in the console counts at once.
    access: Arc<crate::app::setup::Live>,
    store: Arc<Store>,
    snapshot: Arc<RwLock<Arc<Snapshot>>>,
    /// The plan catalogue of the last full sync, with its plans' former names.
    plans: RwLock<Arc<PlanBook>>,
    /// Where a webhook may point: the space's own host, and with a custom domain its `cobot.me`
    /// host too.
    webhook_hosts: Vec<Url>,
    running: tokio::sync::Mutex<()>,
    clock: frontdoor_core::clock::Clock,
    /// Whom the space's token acted for at the last look: (the token's hash, user id, name).
    token_user: std::sync::Mutex<Option<(String, String, String)>>,
    /// The last hand-over of the space's token that the hub noticed.
    handover: std::sync::Mutex<Option<Handover>>,
}

/// Cobot handed the space's token to another person: its creator stopped being an admin, and
/// Cobot documents that the token then belongs to the space's owner. Cobot's rate budget is per
/// user (now shared with the new person's other apps) and webhook subscriptions are listed per
/// user and app, so the hub re-lists and renews them as the new person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// When the hub noticed.
    pub at: Timestamp,
    /// Whom the token acted for before.
    pub from: String,
    /// Whom it acts for now.
    pub to: String,
}

impl Handover {
    /// In words, for the sync report and the Cobot tab.
    pub fn words(&self) -> String {
        format!(
            "Cobot handed the space's connection from {} to {} (the person who connected it is no longer an admin, \
             so it now belongs to the space's owner). It keeps working; the hub re-subscribed to Cobot's webhooks as \
             {}, and Cobot's request budget is now {}'s, shared with their other apps.",
            self.from, self.to, self.to, self.to
        )
    }
}

impl Syncer {
    /// Asks Cobot whom the space's token acts for, and notes a hand-over when the same token
    /// now acts for someone else. One request; nothing when Cobot does not answer.
    pub async fn notice_handover(&self) -> Option<Handover> {
        let token = self.token.get()?;
        let user = self.cobot.user(&token).await.ok()?;
        let name = user
            .name
            .clone()
            .or(user.email.clone())
            .unwrap_or_else(|| user.id.clone());
        let hash = crate::app::session::token_hash(token.secret());
        let before = self.token_user.lock().unwrap_or_else(|p| p.into_inner()).replace((
            hash.clone(),
            user.id.clone(),
            name.clone(),
        ));
        let (same_token, other_user, from) = match before {
            Some((h, id, from)) => (h == hash, id != user.id, from),
            None => return None,
        };
        if !(same_token && other_user) {
            return None;
        }
        let handover = Handover {
            at: self.clock.now(),
            from,
            to: name,
        };
        tracing::warn!(from = %handover.from, to = %handover.to, "Cobot handed the space's token to another person");
        *self.handover.lock().unwrap_or_else(|p| p.into_inner()) = Some(handover.clone());
        Some(handover)
    }

    /// The last hand-over the hub noticed, if any (since it started).
    pub fn handover(&self) -> Option<Handover> {
        self.handover.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The space's Cobot token, for the other space-level calls (check-ins).
    pub fn token(&self) -> Option<AccessToken> {
        self.token.get()
    }

    /// The token's slot: swapped by the plug, marked refused on Cobot's 401.
    pub fn token_slot(&self) -> &crate::app::plug::TokenSlot {
        &self.token
    }

    /// The progress of full syncs.
    pub fn progress(&self) -> &crate::app::sync_panel::Progress {
        &self.progress
    }

    /// Notes how Cobot answered `token`: a 401 marks it refused (staff reconnect), any answer
    /// that got through clears that.
    fn answered(&self, token: Option<&AccessToken>, error: Option<&Error>) {
        let Some(token) = token else { return };
        match error {
            Some(Error::Cobot(cobot::Error::SignInAgain)) => {
                if self.token.refused(token, self.clock.now()) {
                    tracing::warn!("Cobot refused the hub's token; staff must reconnect Cobot in the console");
                }
            }
            Some(Error::Cobot(_) | Error::NotConnected) => {}
            _ => self.token.accepted(token),
        }
    }

    /// A sync engine; without a token every sync fails with [`Error::NotConnected`]. Files the
    /// members of `snapshot` under the plan catalogue the store keeps.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cobot: Cobot,
        token: Option<AccessToken>,
        space: Subdomain,
        access: Arc<crate::app::setup::Live>,
        store: Arc<Store>,
        snapshot: Arc<RwLock<Arc<Snapshot>>>,
        clock: frontdoor_core::clock::Clock,
    ) -> Syncer {
        // Without a readable catalogue the members match by their plans' names until the next
        // full sync, as before plans were filed by id.
        let catalogue = store.plan_catalogue().unwrap_or_default();
        let former = store.former_plan_names().unwrap_or_default();
        let plans = PlanBook::new(&catalogue, former);
        let webhook_hosts = cobot.space_base(&space).into_iter().collect();
        let syncer = Syncer {
            cobot,
            token: crate::app::plug::TokenSlot::new(token),
            progress: Default::default(),
            space,
            access,
            store,
            snapshot,
            plans: RwLock::new(Arc::new(plans)),
            webhook_hosts,
            running: tokio::sync::Mutex::new(()),
            token_user: std::sync::Mutex::new(None),
            handover: std::sync::Mutex::new(None),
            clock,
        };
        let book = syncer.plan_book();
        let filed = syncer.current().with_each(|m| m.plan_names = names_of(&book, m));
        syncer.swap(filed);
        syncer
    }

    /// The same engine also following webhooks that name `hosts` (a custom-domain space's
    /// `cobot.me` host, [`crate::Config::other_space_hosts`]).
    pub fn also_following(mut self, hosts: Vec<Url>) -> Syncer {
        for mut host in hosts {
            if !host.path().ends_with('/') {
                let path = format!("{}/", host.path());
                host.set_path(&path);
            }
            self.webhook_hosts.push(host);
        }
        self
    }

    fn plan_book(&self) -> Arc<PlanBook> {
        self.plans.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn swap(&self, next: Snapshot) {
        *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(next);
    }

    /// What the scheduler runs: asks whom the space's token acts for (a hand-over is noted),
    /// re-reads the webhook subscriptions and renews any Cobot turned off or that the token's
    /// new person lacks (when the hub has a public address), then a full sync, whose report says what was
    /// renewed. A failed renewal is logged and the sync still runs.
    pub async fn scheduled(&self, public_url: Option<&Url>) -> Result<SyncReport, Error> {
        let mut notes = Vec::new();
        // First whom the token acts for: after a hand-over the subscriptions listed below are
        // the new person's.
        if let Some(handover) = self.notice_handover().await {
            notes.push(handover.words());
        }
        if let Some(public_url) = public_url {
            match self.subscribe(public_url).await {
                Ok(done) => {
                    if !done.added.is_empty() || !done.renewed.is_empty() {
                        tracing::info!(added = ?done.added, renewed = ?done.renewed, "Cobot's webhooks");
                    }
                    notes.extend(done.words());
                }
                // The sync says so in its own words.
                Err(Error::NotConnected) => {}
                Err(e) => {
                    tracing::warn!("could not check Cobot's webhook subscriptions; scheduled syncs only: {e}");
                    notes.push(format!("Could not check Cobot's webhook subscriptions: {e}"));
                }
            }
        }
        self.full_noting(notes).await
    }

    /// Reads the whole space from Cobot and replaces the snapshot.
    pub async fn full(&self) -> Result<SyncReport, Error> {
        self.full_noting(Vec::new()).await
    }

    async fn full_noting(&self, webhooks: Vec<String>) -> Result<SyncReport, Error> {
        let _one_at_a_time = self.running.lock().await;
        // However this sync ends (an answer, a stopping hub dropping it, a panic), whoever
        // follows its progress hears of it.
        let mut ending = crate::app::sync_panel::Ending::new(&self.progress);
        self.progress.begin();
        let started = self.clock.now();
        let mut report = SyncReport {
            kind: "full".into(),
            started_at: started.to_string(),
            webhooks,
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
            progress.read(SyncPhase::Plans, plans.items.len(), Some(SyncPhase::Memberships));
            calls += 1;
            let memberships = self.cobot.memberships(token, &self.space).await?;
            progress.read(
                SyncPhase::Memberships,
                memberships.items.len(),
                Some(SyncPhase::CustomFields),
            );
            // Read whatever the switch says, so turning extra groups on in the console counts
            // at once, with values no older than this sync.
            calls += 1;
            let fields = self.cobot.custom_fields(token, &self.space).await?;
            progress.read(SyncPhase::CustomFields, fields.items.len(), None);
            Ok::<_, Error>((plans, memberships, fields))
        }
        .await;
        report.cobot_requests = calls;
        let (plans, memberships, fields) = outcome?;
        let current = self.current();
        report.skipped.extend(plans.skipped.iter().map(|p| format!("plan {p}")));
        // A catalogue plan is known by id: plans sent twice count once.
        let mut catalogue: Vec<crate::app::setup::CataloguePlan> = Vec::with_capacity(plans.items.len());
        for p in &plans.items {
            if !catalogue.iter().any(|c| c.plan_id == p.id) {
                catalogue.push(crate::app::setup::CataloguePlan {
                    plan_id: p.id.clone(),
                    name: p.name.clone(),
                });
            }
        }
        let book = Arc::new(self.plan_book().next(&catalogue));
        let fields_by_id: HashMap<&str, &cobot::api1::MembershipFields> =
            fields.items.iter().map(|f| (f.membership_id.as_str(), f)).collect();
        // Custom fields that did not read: those members keep the extra groups they had.
        let mut unread_fields = std::collections::HashSet::new();
        for f in &fields.skipped {
            report.skipped.push(format!("custom fields of {f}"));
            unread_fields.extend(f.id.clone());
        }
        let mut members = Vec::new();
        for m in &memberships.items {
            let mut record = MemberRecord::from_cobot(m, fields_by_id.get(m.id.as_str()).copied());
            if unread_fields.contains(&m.id) {
                record.extra_groups = current.member(&m.id).and_then(|o| o.extra_groups.clone());
            }
            if record.user_id.is_none() {
                report.without_user.push(label(&record));
                continue;
            }
            self.file_plan(&book, m, &mut record, report);
            members.push(record);
        }
        // A membership that did not read keeps what the last sync knew; a new one stays out.
        for skipped in &memberships.skipped {
            let kept = skipped
                .id
                .as_deref()
                .and_then(|id| current.member(id))
                .filter(|old| !members.iter().any(|m| m.membership_id == old.membership_id));
            match kept {
                Some(old) => {
                    let mut old = old.clone();
                    old.plan_names = names_of(&book, &old);
                    members.push(old);
                    report
                        .skipped
                        .push(format!("{skipped} — kept as the last sync knew it"));
                }
                None => report.skipped.push(format!("{skipped} — not in the hub's copy")),
            }
        }
        for a in &self.access.assignments() {
            let known = catalogue.iter().any(|p| match a {
                PlanMatch::Id(id) => &p.plan_id == id,
                PlanMatch::Name(name) => p.name.trim().eq_ignore_ascii_case(name.trim()),
            });
            if known {
                continue;
            }
            match a {
                PlanMatch::Name(name) => match book.renamed(name) {
                    Some((_, now)) => report.renamed_plans.push(format!(
                        "An assignment names the plan “{name}”, which is called “{now}” in Cobot now; its members keep their groups, but rename the assignment."
                    )),
                    None => report.unknown_plans.push(format!("plan “{name}”")),
                },
                PlanMatch::Id(id) => report.unknown_plans.push(format!("plan id {id}")),
            }
        }
        self.progress.applying(members.len());
        let next = Arc::new(Snapshot::new(self.clock.now(), members));
        self.compare(&current, &next, report);
        // The transaction runs off the async workers: requests keep being answered meanwhile.
        let (store, written, former) = (self.store.clone(), next.clone(), book.former().clone());
        tokio::task::spawn_blocking(move || {
            store.replace(&written)?;
            // The console lists Cobot's plans as of the last full sync.
            store.put_plan_catalogue(&catalogue)?;
            store.put_former_plan_names(&former)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
        *self.plans.write().unwrap_or_else(|p| p.into_inner()) = book;
        self.swap(Arc::unwrap_or_clone(next));
        Ok(())
    }

    /// Files `record`'s plan under the catalogue plan its copy stands for, and reports it when
    /// there is none.
    fn file_plan(
        &self,
        book: &PlanBook,
        m: &cobot::api1::Membership,
        record: &mut MemberRecord,
        report: &mut SyncReport,
    ) {
        let Some(plan) = &m.plan else { return };
        if book.is_empty() {
            return;
        }
        let resolved = book.resolve(plan);
        if resolved.found == Found::Nowhere {
            report.unmatched_plans.push(format!(
                "{}: plan “{}” matches no plan in Cobot's plan list",
                label(record),
                plan.name
            ));
        }
        record.plan_id = resolved.plan_id;
        record.plan_names = resolved.names;
    }

    /// Follows one webhook at once: `event` from the hub's own callback path, `url` from the
    /// body (only a membership on the space's host is followed).
    pub async fn targeted(&self, event: &str, url: &str) -> Result<SyncReport, Error> {
        let membership_id =
            crate::app::webhook::membership_id(&crate::app::webhook::Named::Url(url.to_string()), &self.webhook_hosts)?;
        self.reread(event, &membership_id).await
    }

    /// The space hosts a webhook may name ([`crate::app::webhook::membership_id`]).
    pub fn webhook_hosts(&self) -> &[Url] {
        &self.webhook_hosts
    }

    /// Re-reads membership `membership_id` (its custom fields for `updated_custom_field`) and
    /// puts it into the snapshot; Cobot's 404 removes it.
    pub async fn reread(&self, event: &str, membership_id: &str) -> Result<SyncReport, Error> {
        let membership_id = membership_id.to_string();
        let _one_at_a_time = self.running.lock().await;
        let started = self.clock.now();
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
                            self.file_plan(&self.plan_book(), &m, &mut record, report);
                            Some(record)
                        }
                    }
                    Err(cobot::Error::NotFound(_)) => None,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        let next = current.with_member(id, next_record.clone(), self.clock.now());
        self.compare(&current, &next, report);
        let (store, id_owned, as_of) = (self.store.clone(), id.to_string(), next.as_of);
        tokio::task::spawn_blocking(move || store.put_member(&id_owned, next_record.as_ref(), as_of))
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        self.swap(next);
        Ok(())
    }

    /// Subscribes `<public_url>/api/v1/cobot/webhooks/<secret>/<event>` to every event the hub
    /// follows that has no active subscription of the hub's, first deleting one Cobot turned off
    /// (whether Cobot would refuse a new one beside it as a duplicate is [U]; deleting first
    /// works either way). Cobot has no idempotency keys, so each write is sent once and the
    /// next run reconciles by reading the list again.
    pub async fn subscribe(&self, public_url: &Url) -> Result<Subscribed, Error> {
        let token = &self.token.get().ok_or(Error::NotConnected)?;
        let store = self.store.clone();
        let secret = tokio::task::spawn_blocking(move || store.webhook_secret())
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        let existing = self.cobot.subscriptions(token, &self.space).await?;
        let mut done = Subscribed::default();
        for event in crate::app::sync::EVENTS {
            let callback = webhook_url(public_url, &secret, event);
            let ours = |s: &&cobot::webhooks::Subscription| s.event == *event && s.callback_url == callback.as_str();
            if existing.iter().filter(ours).any(|s| s.active) {
                continue;
            }
            let dead: Vec<_> = existing.iter().filter(ours).filter(|s| !s.active).collect();
            for s in &dead {
                self.cobot.unsubscribe(token, &self.space, &s.id).await?;
            }
            self.cobot.subscribe(token, &self.space, event, &callback).await?;
            if dead.is_empty() {
                done.added.push(event.to_string());
            } else {
                done.renewed.push(event.to_string());
            }
        }
        Ok(done)
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
        report.finished_at = self.clock.now().to_string();
        report.error = error.map(|e| e.to_string());
        if let Some(e) = error {
            tracing::warn!(kind = %report.kind, "sync failed, keeping the last snapshot: {e}");
        } else {
            tracing::info!(kind = %report.kind, members = report.members, requests = report.cobot_requests, "sync done");
        }
        let json = serde_json::to_string(report).expect("a report always serialises");
        self.store
            .record_sync(&report.kind, started, self.clock.now(), error.is_none(), &json)?;
        Ok(())
    }
}

/// The names name-assignments recognise a synced member's plan by, under `book`.
fn names_of(book: &PlanBook, m: &MemberRecord) -> Option<Vec<String>> {
    m.plan_id.as_deref().and_then(|id| book.names_of(id))
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
