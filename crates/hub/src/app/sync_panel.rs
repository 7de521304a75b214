//! The staff console's sync panel: the last runs with their reports, how often the scheduler
//! syncs (changed without a restart), starting a full sync in the background, and its progress
//! pushed live as server-sent events.
//!
//! - [`Progress`]: the sync engine reports each phase (`plans`, `memberships`, `custom_fields`,
//!   `applying`) and the end (`done`/`failed`) with counts and words. The current state is a
//!   `watch` (for whoever asks now); every change also goes out on a `broadcast` with a growing
//!   sequence number, so a follower sees each phase in order and never one twice.
//! - [`Schedule`]: the interval (stored in the database, `[sync] interval_minutes` until staff
//!   change it) and when the scheduler runs next. The scheduled loop waits in [`wait_for_next`],
//!   which re-reads the interval as soon as it changes.
//! - `GET /api/v1/admin/sync/events` sends the current state at once, then each change, and
//!   closes after the end. It lives at most [`EVENTS_LIFETIME`] (the connection loop ends every
//!   connection within its idle plus request time), with a keep-alive comment meanwhile; a
//!   follower that is cut off asks again and gets the current state at once.

use std::sync::Arc;
use std::time::Duration;

use frontdoor_core::console::{SyncPanel, SyncPhase, SyncProgress};
use jiff::{SignedDuration, Timestamp};
use tokio::sync::{broadcast, watch};

use crate::app::Error;
use crate::app::Hub;

/// Runs the panel shows.
pub const RUNS_SHOWN: u32 = 20;
/// The fewest minutes between scheduled full syncs (Cobot allows 6 membership reads a minute
/// per user, and the space's other integrations share them).
pub const MIN_INTERVAL: u64 = 5;
/// The most: a day.
pub const MAX_INTERVAL: u64 = 1440;
/// How long one event stream lives at most.
pub const EVENTS_LIFETIME: Duration = Duration::from_secs(60);
/// How often an idle event stream sends a keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// One state of the sync progress, numbered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// Grows with every change.
    pub seq: u64,
    /// Whether a full sync is under way (false after `done`/`failed`).
    pub running: bool,
    /// What it is doing.
    pub progress: SyncProgress,
}

/// The sync engine's progress reports.
#[derive(Debug)]
pub struct Progress {
    current: watch::Sender<Option<Tick>>,
    changes: broadcast::Sender<Tick>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            current: watch::channel(None).0,
            // A full sync makes about ten changes; followers that fall further behind catch up
            // from the current state.
            changes: broadcast::channel(64).0,
        }
    }
}

fn progress(phase: SyncPhase, done: u64, total: Option<u64>, message: impl Into<String>) -> SyncProgress {
    SyncProgress {
        phase,
        done,
        total,
        message: message.into(),
    }
}

impl Progress {
    /// Sets the state unless it is the same; with `only_if_idle`, only when no sync is under way.
    /// Whether it changed. The broadcast is sent while the state is held, so changes go out in
    /// the order of their numbers.
    fn set(&self, running: bool, next: SyncProgress, only_if_idle: bool) -> bool {
        self.current.send_if_modified(|current| {
            if only_if_idle && current.as_ref().is_some_and(|t| t.running) {
                return false;
            }
            if current
                .as_ref()
                .is_some_and(|t| t.running == running && t.progress == next)
            {
                return false;
            }
            let tick = Tick {
                seq: current.as_ref().map_or(1, |t| t.seq + 1),
                running,
                progress: next.clone(),
            };
            let _ = self.changes.send(tick.clone());
            *current = Some(tick);
            true
        })
    }

    /// Claims a full sync for a background start: false when one is already under way (the
    /// caller joins it).
    pub fn claim(&self) -> bool {
        self.set(true, starting(), true)
    }

    /// A full sync began (or a claimed one got its turn).
    pub fn begin(&self) {
        self.set(true, starting(), false);
    }

    /// A phase's count.
    pub fn report(&self, phase: SyncPhase, done: u64, total: Option<u64>, message: impl Into<String>) {
        self.set(true, progress(phase, done, total, message), false);
    }

    /// The sync ended: `done` with the number of members, or `failed` with why.
    pub fn end(&self, ended: Ended) {
        let next = match ended {
            Ended::Done { members, words } => progress(SyncPhase::Done, members, Some(members), words),
            Ended::Failed { words } => progress(SyncPhase::Failed, 0, None, words),
        };
        self.set(false, next, false);
    }

    /// Ends a sync that stopped without saying how (its task was cut off or panicked), so no
    /// follower waits for it and the next start is not taken for joining it.
    pub fn abandon(&self) {
        if self.current.borrow().as_ref().is_some_and(|t| t.running) {
            self.end(Ended::Failed {
                words: "The sync stopped before it finished (the hub is stopping, or something went wrong inside it). The last copy of the members stays in use; start a sync again.".into(),
            });
        }
    }

    /// The state now (`None` until the first full sync since start).
    pub fn current(&self) -> Option<Tick> {
        self.current.borrow().clone()
    }

    /// The sync under way, if one is.
    pub fn running(&self) -> Option<SyncProgress> {
        self.current().filter(|t| t.running).map(|t| t.progress)
    }

    /// Every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Tick> {
        self.changes.subscribe()
    }
}

pub(crate) fn starting() -> SyncProgress {
    progress(SyncPhase::Plans, 0, None, "Reading the space's plans from Cobot…")
}

impl Progress {
    /// A phase read `count` items; `next` (if any) begins.
    pub fn read(&self, phase: SyncPhase, count: usize, next: Option<SyncPhase>) {
        let count = count as u64;
        let noun = match phase {
            SyncPhase::Plans => "plans",
            SyncPhase::Memberships => "memberships",
            SyncPhase::CustomFields
            | SyncPhase::Starting
            | SyncPhase::Applying
            | SyncPhase::Done
            | SyncPhase::Failed => "memberships' custom fields",
        };
        self.report(phase, count, Some(count), format!("Read {count} {noun} from Cobot."));
        match next {
            Some(SyncPhase::Memberships) => self.report(
                SyncPhase::Memberships,
                0,
                None,
                "Reading the memberships from Cobot (Cobot allows this a few times a minute, so it may wait)…",
            ),
            Some(SyncPhase::CustomFields) => self.report(
                SyncPhase::CustomFields,
                0,
                None,
                "Reading the memberships' custom fields from Cobot…",
            ),
            Some(
                SyncPhase::Starting | SyncPhase::Plans | SyncPhase::Applying | SyncPhase::Done | SyncPhase::Failed,
            )
            | None => {}
        }
    }

    /// The new copy is being written.
    pub fn applying(&self, members: usize) {
        let members = members as u64;
        self.report(
            SyncPhase::Applying,
            0,
            Some(members),
            format!("Saving {members} members with a Cobot account to the hub's copy…"),
        );
    }
}

/// Ends a full sync's progress exactly once: with its outcome, or — if the sync is dropped or
/// panics first — as stopped.
pub struct Ending<'a> {
    progress: &'a Progress,
    armed: bool,
}

/// How a sync ended, for its followers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It finished with `members` members, said in `words`.
    Done {
        /// The members synced.
        members: u64,
        /// The report in words.
        words: String,
    },
    /// It failed, and why in `words`.
    Failed {
        /// Why, in words.
        words: String,
    },
}

impl<'a> Ending<'a> {
    /// Armed for `progress`.
    pub fn new(progress: &'a Progress) -> Ending<'a> {
        Ending { progress, armed: true }
    }

    /// The sync's outcome: `done` with counts, or `failed` with why, in words.
    pub fn end(&mut self, report: &crate::app::sync::SyncReport, error: Option<&crate::app::sync::Error>) {
        self.armed = false;
        self.progress.end(match error {
            None => Ended::Done {
                members: report.members as u64,
                words: done_words(report),
            },
            Some(e) => Ended::Failed { words: failed_words(e) },
        });
    }
}

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.progress.abandon();
        }
    }
}

/// A finished sync in words.
pub fn done_words(report: &crate::app::sync::SyncReport) -> String {
    let mut words = format!(
        "Synced {} members: {} added, {} removed, {} changed.",
        report.members,
        report.added.len(),
        report.removed.len(),
        report.changed.len()
    );
    if !report.without_user.is_empty() {
        words.push_str(&format!(
            " {} without a Cobot account were left out (they cannot sign in).",
            report.without_user.len()
        ));
    }
    if !report.skipped.is_empty() {
        words.push_str(&format!(
            " {} record(s) Cobot sent could not be read and were skipped; the report names them.",
            report.skipped.len()
        ));
    }
    if !report.unmatched_plans.is_empty() {
        words.push_str(&format!(
            " {} member(s) are on a plan that matches none in Cobot's plan list; the report names them.",
            report.unmatched_plans.len()
        ));
    }
    words
}

/// A failed sync in words staff can act on.
pub fn failed_words(error: &crate::app::sync::Error) -> String {
    use frontdoor_core::cobot;
    match error {
        crate::app::sync::Error::Cobot(cobot::Error::SignInAgain) => crate::app::plug::refused_words().to_string(),
        crate::app::sync::Error::NotConnected => {
            "The hub is not connected to Cobot, so it cannot sync. Connect Cobot in the console.".into()
        }
        other => format!(
            "The sync failed: {}. Doors keep opening with the last copy of the members.",
            other.to_string().trim_end_matches('.')
        ),
    }
}

/// When the scheduled full syncs run.
#[derive(Debug)]
pub struct Schedule {
    interval: watch::Sender<u64>,
    next_at: watch::Sender<Option<Timestamp>>,
    /// Set when the hub stops: progress streams end at once.
    pub(crate) stopping: watch::Sender<bool>,
}

impl Schedule {
    /// Every `minutes`.
    pub fn new(minutes: u64) -> Schedule {
        Schedule {
            interval: watch::channel(minutes).0,
            next_at: watch::channel(None).0,
            stopping: watch::channel(false).0,
        }
    }

    /// Minutes between full syncs.
    pub fn interval_minutes(&self) -> u64 {
        *self.interval.borrow()
    }

    /// Applies a new interval; the scheduler re-plans at once.
    pub fn set_interval(&self, minutes: u64) {
        self.interval.send_replace(minutes);
    }

    /// When the scheduler runs the next full sync (`None`: not scheduled, or one is running).
    pub fn next_at(&self) -> Option<Timestamp> {
        *self.next_at.borrow()
    }

    /// Follows [`Schedule::next_at`] as the scheduler re-plans.
    pub fn watch_next(&self) -> watch::Receiver<Option<Timestamp>> {
        self.next_at.subscribe()
    }

    fn set_next(&self, at: Option<Timestamp>) {
        self.next_at.send_replace(at);
    }

    /// The hub is stopping: every progress stream ends now.
    pub fn stop_followers(&self) {
        self.stopping.send_replace(true);
    }
}

/// The scheduler's wait after a full sync: until the interval has passed since it ended,
/// re-planned whenever staff change the interval (a shorter one that has already passed runs at
/// once). False when the hub stops.
pub(crate) async fn wait_for_next(hub: &Hub, stop: &mut watch::Receiver<bool>) -> bool {
    let ended_at = hub.clock.now();
    let ended = tokio::time::Instant::now();
    let mut interval = hub.schedule.interval.subscribe();
    loop {
        let minutes = *interval.borrow_and_update();
        let every = Duration::from_secs(minutes.max(1) * 60);
        hub.schedule.set_next(
            ended_at
                .checked_add(SignedDuration::from_secs(every.as_secs() as i64))
                .ok(),
        );
        tokio::select! {
            _ = tokio::time::sleep_until(ended + every) => {
                hub.schedule.set_next(None);
                return true;
            }
            changed = interval.changed() => {
                if changed.is_err() {
                    // The schedule is gone with the hub.
                    return false;
                }
            }
            _ = stop.wait_for(|s| *s) => return false,
        }
    }
}

/// Starts a full sync in the background, or joins the one under way (false). With `subscribe`,
/// the hub first subscribes to Cobot's webhooks (after a new connection: the scheduler's
/// subscription at start had no token).
pub fn start_full(hub: &Arc<Hub>, subscribe: bool) -> bool {
    if !hub.syncer.progress().claim() {
        return false;
    }
    let hub = hub.clone();
    tokio::spawn(async move {
        if subscribe {
            if let Some(public_url) = hub.config.hub.public_url.clone() {
                match hub.syncer.subscribe(&public_url).await {
                    Ok(added) => tracing::info!(?added, "subscribed to Cobot's webhooks"),
                    Err(e) => tracing::warn!("could not subscribe to Cobot's webhooks; scheduled syncs only: {e}"),
                }
            }
        }
        if hub.syncer.full().await.is_ok() {
            after_sync(&hub).await;
        }
    });
    true
}

/// Cobot answered: a good moment for check-ins that were waiting on it.
pub(crate) async fn after_sync(hub: &Hub) {
    let now_ms = crate::app::check_in::outbox_ms();
    if matches!(hub.db(move |store| store.check_ins_due_now(now_ms)).await, Ok(Ok(_))) {
        hub.check_ins.wake();
    }
}

pub(crate) async fn panel(hub: &Hub) -> Result<SyncPanel, Error> {
    let runs = hub
        .db(|store| store.sync_runs(RUNS_SHOWN))
        .await?
        .map_err(Error::internal)?;
    Ok(SyncPanel {
        runs,
        next_at: hub.schedule.next_at().map(|t| t.to_string()),
        interval_minutes: hub.schedule.interval_minutes(),
        running: hub.syncer.progress().running(),
    })
}
