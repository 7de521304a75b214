//! Group commit for the hub's hot writes: audit entries and queued check-ins.
//!
//! With `synchronous = FULL` every commit waits for the disk. One commit per unlock would cap the
//! hub at one unlock per disk flush; instead a single writer thread takes every write that is
//! waiting, applies each in its own savepoint inside **one** transaction, commits once, and only
//! then answers each caller. A lone unlock still costs exactly one commit; a burst of unlocks
//! shares one. No caller hears "done" before its write is on disk.

use std::sync::mpsc;
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::{self, Store};

type Finish = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

/// The writer. Cloning shares the thread; it ends when the last clone is dropped.
#[derive(Clone)]
pub struct Journal {
    jobs: mpsc::Sender<Job>,
}

impl Journal {
    /// Starts the writer thread on `store`'s connection.
    pub fn start(store: Arc<Store>) -> Journal {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("frontdoor-journal".into())
            .spawn(move || write_loop(&store, &queue))
            .expect("the journal thread starts");
        Journal { jobs }
    }

    /// Runs `write` inside the next group commit and returns its result once the commit is on
    /// disk. A failing `write` rolls back only its own changes.
    pub async fn write<R: Send + 'static>(
        &self,
        write: impl FnOnce(&Connection) -> Result<R, store::Error> + Send + 'static,
    ) -> Result<R, String> {
        let (done, answer) = oneshot::channel::<Result<R, String>>();
        let job: Job = Box::new(move |conn: &Connection| {
            let result = write(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |committed: Result<(), String>| {
                let _ = done.send(committed.and(result.map_err(|e| e.to_string())));
            });
            (ok, finish)
        });
        self.jobs
            .send(job)
            .map_err(|_| "the hub's journal has stopped".to_string())?;
        answer
            .await
            .map_err(|_| "the hub's journal stopped before writing".to_string())?
    }
}

fn write_loop(store: &Store, queue: &mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while let Ok(more) = queue.try_recv() {
            batch.push(more);
        }
        let mut conn = store.conn();
        let mut finishes = Vec::with_capacity(batch.len());
        let committed = (|| -> Result<(), String> {
            let mut tx = conn.transaction().map_err(|e| e.to_string())?;
            for job in batch.drain(..) {
                let savepoint = tx.savepoint().map_err(|e| e.to_string())?;
                let (ok, finish) = job(&savepoint);
                if ok {
                    savepoint.commit().map_err(|e| e.to_string())?;
                }
                // Dropping an uncommitted savepoint rolls back just that job.
                finishes.push(finish);
            }
            tx.commit().map_err(|e| e.to_string())
        })();
        drop(conn);
        if let Err(e) = &committed {
            tracing::error!("the hub could not commit its journal: {e}");
        }
        // Jobs never reached (an early failure) are dropped here: their callers hear that the
        // journal stopped before writing.
        drop(batch);
        for finish in finishes {
            finish(
                committed
                    .clone()
                    .map_err(|e| format!("the hub's database failed while committing: {e}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_write_is_answered_after_its_commit_and_a_failing_one_rolls_back_alone() {
        let store = Arc::new(Store::in_memory().unwrap());
        let journal = Journal::start(store.clone());
        let good = journal.write(|conn| {
            conn.execute("INSERT INTO meta (key, value) VALUES ('a', '1')", [])
                .map_err(store::ctx("testing"))
        });
        let bad = journal.write(|conn| {
            conn.execute("INSERT INTO meta (key, value) VALUES ('b', '1')", [])
                .map_err(store::ctx("testing"))?;
            conn.execute("INSERT INTO nowhere VALUES (1)", [])
                .map_err(store::ctx("testing"))
        });
        let (good, bad) = tokio::join!(good, bad);
        assert_eq!(good, Ok(1));
        assert!(bad.is_err());
        let keys: Vec<String> = {
            let conn = store.conn();
            let mut stmt = conn.prepare("SELECT key FROM meta ORDER BY key").unwrap();
            let rows = stmt.query_map([], |r| r.get(0)).unwrap();
            rows.map(Result::unwrap).collect()
        };
        assert_eq!(
            keys,
            vec!["a".to_string()],
            "the failing job's first insert was rolled back"
        );
    }
}
