//! Group commit for the hub's hot writes: audit entries and queued check-ins.
//!
//! With `synchronous = FULL` every commit waits for the disk. One commit per unlock would cap the
//! hub at one unlock per disk flush; instead a single writer thread takes every write that is
//! waiting, applies each in its own savepoint inside **one** transaction, commits once, and only
//! then answers each caller. A lone unlock still costs exactly one commit; a burst of unlocks
//! shares one. No caller hears "done" before its write is on disk.
//!
//! # When the disk is full, and other bad days
//!
//! The journal outlives its failures, because every door depends on it:
//! - a commit that fails answers that batch's callers with the error; the next batch is a new
//!   attempt, so when space returns writes succeed again without a restart;
//! - when a batch fails because the database or disk is full (`SQLITE_FULL`, or an I/O error on
//!   write), the journal first makes room — it deletes the oldest 10 % of the audit log, never a
//!   row younger than a day and never the check-in outbox — and tries the batch once more, so old
//!   records go before today's are refused (if that did not help, it deletes no more for
//!   [`MAKE_ROOM_BACKOFF`] or until a commit succeeds);
//! - a panic inside a batch is caught: that batch's callers get an error, the transaction rolls
//!   back, the thread goes on;
//! - should the thread end anyway, the next [`Journal::write`] starts a new one.
//!
//! **Decision: no pulse without a record, also on a full disk.** If an opening's audit entry
//! still cannot be committed after making room, the door stays shut and the member is told
//! `audit_unavailable` (fail closed). Opening without a durable record — even one held in memory
//! and written later — would let whoever can fill the disk open doors unrecorded, and a hub
//! that loses power would forget who came in. Room is made from the oldest audit rows, and
//! [`run_retention`] with `[audit] keep_days` and `max_rows` keeps the log bounded, so the disk
//! fills from elsewhere, not from the hub's own records; [`crate::store::Store::storage`] shows
//! staff the disk running low before it happens.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use rusqlite::Connection;
use tokio::sync::{oneshot, watch};

use crate::base::config::AuditConfig;
use crate::base::log::LogBudget;
use crate::store::{self, Store};
use frontdoor_core::clock::Clock;

/// The share of the audit log deleted to make room when the disk is full.
pub const MAKE_ROOM_SHARE: f64 = 0.10;

/// Audit rows younger than this are never deleted to make room.
pub const MAKE_ROOM_MIN_AGE: SignedDuration = SignedDuration::from_hours(24);

/// After making room did not help (the retry still failed), how long the journal waits before
/// deleting more; a successful commit ends the wait. Without it, a disk filled by something else
/// would cost a tenth of the record with every failing batch.
pub const MAKE_ROOM_BACKOFF: Duration = Duration::from_secs(60);

/// How often [`run_retention`] prunes the audit log.
pub const RETENTION_EVERY: Duration = Duration::from_secs(60 * 60);

/// Why a journal write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The write itself failed; it was rolled back, the rest of its batch was not.
    #[error(transparent)]
    Write(#[from] store::Error),
    /// The batch could not be committed (even after making room, when the disk was full).
    #[error("the hub's database failed while committing: {0}")]
    Commit(String),
    /// A write panicked; its batch was rolled back.
    #[error("the hub's journal failed while writing this batch; nothing of it was written")]
    Panicked,
    /// No writer thread could be started.
    #[error("the hub's journal has stopped and could not be started again")]
    Stopped,
}

/// One caller's write, run once per attempt at its batch.
trait Job: Send {
    /// Runs the write inside the batch's transaction; whether it succeeded, and whether it failed
    /// because the database or disk is full.
    fn run(&mut self, conn: &Connection) -> Ran;
    /// Answers the caller once the batch is committed (or is not).
    fn finish(self: Box<Self>, committed: Result<(), Error>);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ran {
    Ok,
    Failed,
    Full,
}

struct Write<W, R> {
    write: W,
    result: Option<Result<R, store::Error>>,
    done: oneshot::Sender<Result<R, Error>>,
}

impl<W, R> Job for Write<W, R>
where
    W: FnMut(&Connection) -> Result<R, store::Error> + Send,
    R: Send,
{
    fn run(&mut self, conn: &Connection) -> Ran {
        let result = (self.write)(conn);
        let ran = match &result {
            Ok(_) => Ran::Ok,
            Err(e) if e.is_full() => Ran::Full,
            Err(_) => Ran::Failed,
        };
        self.result = Some(result);
        ran
    }

    fn finish(self: Box<Self>, committed: Result<(), Error>) {
        let answer = match (committed, self.result) {
            (Err(e), _) => Err(e),
            (Ok(()), Some(result)) => result.map_err(Error::Write),
            (Ok(()), None) => Err(Error::Commit("the write was never run".into())),
        };
        let _ = self.done.send(answer);
    }
}

type Jobs = mpsc::Sender<Box<dyn Job>>;

/// The writer. Cloning shares the thread; it ends when the last clone is dropped.
#[derive(Clone)]
pub struct Journal {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    jobs: Mutex<Jobs>,
    /// Failed commits are logged at most a few times a minute: anonymous requests are audited
    /// too, so with a full disk they could otherwise fill the log instead.
    failures: Arc<LogBudget>,
}

impl Journal {
    /// Starts the writer thread on `store`'s connection.
    pub fn start(store: Arc<Store>) -> Journal {
        let failures = Arc::new(LogBudget::per_minute("the hub could not commit its journal", 6));
        let jobs = spawn_writer(&store, &failures).unwrap_or_else(|e| {
            tracing::error!("the journal thread could not start; the first write tries again: {e}");
            mpsc::channel().0
        });
        Journal {
            inner: Arc::new(Inner {
                store,
                jobs: Mutex::new(jobs),
                failures,
            }),
        }
    }

    /// Runs `write` inside the next group commit and returns its result once the commit is on
    /// disk. A failing `write` rolls back only its own changes. `write` may run twice: when the
    /// disk is full, the batch is tried again after making room (on a rolled-back transaction).
    pub async fn write<R: Send + 'static>(
        &self,
        write: impl FnMut(&Connection) -> Result<R, store::Error> + Send + 'static,
    ) -> Result<R, Error> {
        let (done, answer) = oneshot::channel::<Result<R, Error>>();
        self.send(Box::new(Write {
            write,
            result: None,
            done,
        }))?;
        // A dropped sender means the batch ended without an answer (it cannot, but fail closed).
        answer.await.unwrap_or(Err(Error::Panicked))
    }

    /// Queues `job`; if the writer thread has ended, starts a new one first.
    fn send(&self, job: Box<dyn Job>) -> Result<(), Error> {
        let mut jobs = self.inner.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let Err(mpsc::SendError(job)) = jobs.send(job) else {
            return Ok(());
        };
        tracing::error!("the journal thread had stopped; starting it again");
        *jobs = spawn_writer(&self.inner.store, &self.inner.failures).map_err(|e| {
            tracing::error!("the journal thread could not be started again: {e}");
            Error::Stopped
        })?;
        jobs.send(job).map_err(|_| Error::Stopped)
    }

    /// Test hook: a journal whose writer thread has ended, as after a fault nothing caught.
    #[doc(hidden)]
    pub fn ended_for_tests(store: Arc<Store>) -> Journal {
        Journal {
            inner: Arc::new(Inner {
                store,
                jobs: Mutex::new(mpsc::channel().0),
                failures: Arc::new(LogBudget::per_minute("the hub could not commit its journal", 6)),
            }),
        }
    }
}

fn spawn_writer(store: &Arc<Store>, failures: &Arc<LogBudget>) -> std::io::Result<Jobs> {
    let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
    let (store, failures) = (store.clone(), failures.clone());
    std::thread::Builder::new()
        .name("frontdoor-journal".into())
        .spawn(move || write_loop(&store, &queue, &failures))?;
    Ok(jobs)
}

fn write_loop(store: &Store, queue: &mpsc::Receiver<Box<dyn Job>>, failures: &LogBudget) {
    // No room is made before this instant (see MAKE_ROOM_BACKOFF).
    let mut make_room_after: Option<Instant> = None;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while let Ok(more) = queue.try_recv() {
            batch.push(more);
        }
        // A panic in one write (or in SQLite's wrapper) must not end the thread that every
        // door depends on: the batch is answered with an error and rolled back.
        let committed = catch_unwind(AssertUnwindSafe(|| {
            commit_batch(store, &mut batch, failures, &mut make_room_after)
        }))
        .unwrap_or(Err(Failure::Panicked));
        if let Err(e) = &committed {
            if failures.admit() {
                tracing::error!("the hub could not commit its journal: {}", e.to_error());
            }
        }
        for job in batch {
            job.finish(committed.as_ref().map_err(Failure::to_error).copied());
        }
    }
}

/// Why a whole batch failed; copied into every caller's answer.
#[derive(Debug, Clone)]
enum Failure {
    Commit(String),
    Panicked,
}

impl Failure {
    fn to_error(&self) -> Error {
        match self {
            Failure::Commit(e) => Error::Commit(e.clone()),
            Failure::Panicked => Error::Panicked,
        }
    }
}

/// Commits the batch; when it failed for want of room, makes room and tries once more.
fn commit_batch(
    store: &Store,
    batch: &mut [Box<dyn Job>],
    failures: &LogBudget,
    make_room_after: &mut Option<Instant>,
) -> Result<(), Failure> {
    let mut conn = store.conn();
    // A panic in an earlier batch may have left a transaction open.
    rollback_leftover(&conn);
    let full = || Failure::Commit("the database or disk is full".into());
    match attempt(&mut conn, batch, false) {
        Attempt::Committed { .. } => {
            *make_room_after = None;
            return Ok(());
        }
        Attempt::Failed(e) => return Err(Failure::Commit(e)),
        Attempt::Full => {}
    }
    rollback_leftover(&conn);
    // While making room is paused, the retry still commits every write that fits.
    let make_room = make_room_after.is_none_or(|after| Instant::now() >= after);
    if make_room {
        let made = store::prune_oldest_audit(&conn, Timestamp::now(), MAKE_ROOM_SHARE, MAKE_ROOM_MIN_AGE);
        if failures.admit() {
            match made {
                Ok(deleted) => tracing::warn!(
                    deleted,
                    "the hub's database or disk is full: deleted the oldest audit rows to make room"
                ),
                Err(e) => tracing::warn!("the hub's database or disk is full, and making room failed: {e}"),
            }
        }
    }
    let retried = attempt(&mut conn, batch, true);
    match retried {
        Attempt::Full | Attempt::Committed { full: true } => {
            if make_room {
                *make_room_after = Some(Instant::now() + MAKE_ROOM_BACKOFF);
            }
        }
        _ => *make_room_after = None,
    }
    match retried {
        Attempt::Committed { .. } => Ok(()),
        Attempt::Failed(e) => Err(Failure::Commit(e)),
        Attempt::Full => Err(full()),
    }
}

/// SQLite ends a transaction by itself after some errors (a full disk among them) and keeps it
/// open after others; either way the next attempt starts clean.
fn rollback_leftover(conn: &Connection) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
}

enum Attempt {
    /// Committed; on the last try, `full` says a write in it still failed for want of room.
    Committed {
        full: bool,
    },
    /// The database or disk is full: worth making room and trying again.
    Full,
    Failed(String),
}

/// One try at the batch. On the first try, a write that fails for want of room abandons the
/// whole batch (rolled back), so the second try runs every write again on a clean transaction;
/// on the `last` try such a write is answered with its own error like any other, and the rest of
/// the batch is committed.
fn attempt(conn: &mut Connection, batch: &mut [Box<dyn Job>], last: bool) -> Attempt {
    let failed = |e: rusqlite::Error| {
        if store::is_full(&e) {
            Attempt::Full
        } else {
            Attempt::Failed(e.to_string())
        }
    };
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return failed(e),
    };
    let mut full = false;
    for job in batch.iter_mut() {
        let savepoint = match tx.savepoint() {
            Ok(savepoint) => savepoint,
            Err(e) => return failed(e),
        };
        // Dropping an uncommitted savepoint rolls back just that job.
        let ran = job.run(&savepoint);
        match ran {
            Ran::Ok => {
                if let Err(e) = savepoint.commit() {
                    return failed(e);
                }
            }
            Ran::Full if !last => return Attempt::Full,
            Ran::Full | Ran::Failed => {
                full |= ran == Ran::Full;
                // After some errors (a full disk among them) SQLite rolls back the whole
                // transaction, not just the statement: the batch's earlier writes are gone too.
                if savepoint.is_autocommit() {
                    return match ran {
                        Ran::Full => Attempt::Full,
                        _ => Attempt::Failed("the transaction was rolled back by the database".into()),
                    };
                }
            }
        }
    }
    match tx.commit() {
        Ok(()) => Attempt::Committed { full },
        Err(e) => failed(e),
    }
}

/// Keeps the audit log within `[audit] keep_days` and `max_rows`: prunes at once, then every
/// [`RETENTION_EVERY`], until `stop` turns true. Spawn it beside the hub's other tasks.
pub async fn run_retention(store: Arc<Store>, clock: Clock, audit: AuditConfig, mut stop: watch::Receiver<bool>) {
    loop {
        let store = store.clone();
        let (now, keep_days, max_rows) = (clock.now(), audit.keep_days, audit.max_rows);
        match tokio::task::spawn_blocking(move || store.prune_audit(now, keep_days, max_rows)).await {
            Ok(Ok(pruned)) if pruned.by_age + pruned.by_count > 0 => tracing::info!(
                by_age = pruned.by_age,
                by_count = pruned.by_count,
                "pruned the audit log"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!("could not prune the audit log; trying again in an hour: {e}"),
            Err(e) => tracing::warn!("pruning the audit log failed; trying again in an hour: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(RETENTION_EVERY) => {}
            changed = stop.wait_for(|stopped| *stopped) => {
                let _ = changed;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests;
