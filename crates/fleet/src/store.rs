//! The central record on PostgreSQL: its schema (versioned, append only), the up stream's
//! inserts that ignore repeats, and the console's reads, always within the caller's spaces.

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use frontdoor_core::fleet::{AuditLine, FleetActivity, FleetCheckIn, FleetSync, Up, UpEvent};
use jiff::Timestamp;
use tokio_postgres::NoTls;

use crate::error::FleetError;

/// The schema's history, oldest first; a database at version N gets migrations N+1….
const MIGRATIONS: &[&str] = &[
    // 1: the hubs (each belongs to one space for good) and their audit rows, unique by (hub, seq).
    "CREATE TABLE hubs (
        hub text PRIMARY KEY,
        space text NOT NULL,
        first_seen timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE audit (
        hub text NOT NULL REFERENCES hubs (hub),
        seq bigint NOT NULL,
        space text NOT NULL,
        at timestamptz NOT NULL,
        user_id text,
        membership_id text,
        staff boolean NOT NULL,
        door_id text NOT NULL,
        decision text NOT NULL,
        code text,
        reasons jsonb NOT NULL,
        count integer NOT NULL,
        latency_us bigint NOT NULL,
        check_in text,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hub, seq)
    );
    CREATE INDEX audit_by_space ON audit (space, at DESC);",
    // 2: check-in claims across the hubs of one space (`claims`).
    "CREATE TABLE claims (
        space text NOT NULL,
        membership_id text NOT NULL,
        day text NOT NULL,
        hub text NOT NULL,
        state text NOT NULL CHECK (state IN ('held', 'done')),
        leased_until timestamptz NOT NULL,
        PRIMARY KEY (space, membership_id, day)
    );",
    // 3: how the hubs' check-ins ended (the newest outcome of each, by the hub's outbox number)
    // and their sync runs, unique by (hub, run).
    "CREATE TABLE check_ins (
        hub text NOT NULL REFERENCES hubs (hub),
        space text NOT NULL,
        membership_id text NOT NULL,
        day text NOT NULL,
        entered_at text NOT NULL,
        seq bigint NOT NULL,
        outcome jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hub, membership_id, day, entered_at)
    );
    CREATE INDEX check_ins_by_space ON check_ins (space, entered_at DESC);
    CREATE TABLE syncs (
        hub text NOT NULL REFERENCES hubs (hub),
        space text NOT NULL,
        run bigint NOT NULL,
        finished_at text NOT NULL,
        detail jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (hub, run)
    );
    CREATE INDEX syncs_by_space ON syncs (space, finished_at DESC);",
    // 4: a hub's database by its incarnation: one made anew under the same hub id numbers its
    // rows from 1 again, and they are new rows, not repeats of the old ones.
    "ALTER TABLE audit ADD COLUMN incarnation text NOT NULL DEFAULT '';
    ALTER TABLE audit DROP CONSTRAINT audit_pkey;
    ALTER TABLE audit ADD PRIMARY KEY (hub, incarnation, seq);
    ALTER TABLE check_ins ADD COLUMN incarnation text NOT NULL DEFAULT '';
    ALTER TABLE check_ins DROP CONSTRAINT check_ins_pkey;
    ALTER TABLE check_ins ADD PRIMARY KEY (hub, incarnation, membership_id, day, entered_at);
    ALTER TABLE syncs ADD COLUMN incarnation text NOT NULL DEFAULT '';
    ALTER TABLE syncs DROP CONSTRAINT syncs_pkey;
    ALTER TABLE syncs ADD PRIMARY KEY (hub, incarnation, run);",
];

/// A pool of connections to the central record; reconnects by itself.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

/// What one batch from the stream did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// Rows new to the record.
    pub added: u64,
    /// Rows it had (a resend), or had with a lower count (a burst counted on: raised).
    pub repeats: u64,
    /// Messages refused: a hub that claims a second space.
    pub refused: u64,
}

/// Why storing a batch failed: PostgreSQL's answer (which may be about one message), or the pool.
enum Failed {
    Postgres(tokio_postgres::Error),
    Pool(deadpool_postgres::PoolError),
}

impl From<tokio_postgres::Error> for Failed {
    fn from(e: tokio_postgres::Error) -> Failed {
        Failed::Postgres(e)
    }
}

impl From<deadpool_postgres::PoolError> for Failed {
    fn from(e: deadpool_postgres::PoolError) -> Failed {
        Failed::Pool(e)
    }
}

impl From<Failed> for FleetError {
    fn from(e: Failed) -> FleetError {
        match e {
            Failed::Postgres(e) => e.into(),
            Failed::Pool(e) => e.into(),
        }
    }
}

/// What one message did to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kept {
    /// New.
    Added,
    /// The record had it (or newer).
    Repeat,
    /// Not taken: a hub that claims a second space, or a time that cannot be read.
    Refused,
}

/// Whether PostgreSQL refused the message's own data (SQLSTATE class 22, data exception, or 23,
/// integrity), rather than failing itself.
fn refused_by_postgres(e: &tokio_postgres::Error) -> bool {
    e.code()
        .is_some_and(|code| code.code().starts_with("22") || code.code().starts_with("23"))
}

/// The batch's statements, prepared once per transaction.
struct Statements {
    hub_of: tokio_postgres::Statement,
    audit: tokio_postgres::Statement,
    check_in: tokio_postgres::Statement,
    sync: tokio_postgres::Statement,
}

impl Statements {
    async fn prepare(tx: &deadpool_postgres::Transaction<'_>) -> Result<Statements, tokio_postgres::Error> {
        Ok(Statements {
            hub_of: tx
                .prepare_cached(
                    "WITH new AS (INSERT INTO hubs (hub, space) VALUES ($1, $2) ON CONFLICT (hub) DO NOTHING \
                     RETURNING space) SELECT space FROM new UNION ALL SELECT space FROM hubs WHERE hub = $1",
                )
                .await?,
            audit: tx
                .prepare_cached(
                    "INSERT INTO audit (hub, seq, space, at, user_id, membership_id, staff, door_id, decision, code, \
                     reasons, count, latency_us, check_in, incarnation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                     $10, $11, $12, $13, $14, $15) ON CONFLICT (hub, incarnation, seq) DO UPDATE SET count = \
                     excluded.count WHERE audit.count < excluded.count RETURNING (xmax = 0)",
                )
                .await?,
            check_in: tx
                .prepare_cached(
                    "INSERT INTO check_ins (hub, space, membership_id, day, entered_at, seq, outcome, incarnation) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (hub, incarnation, membership_id, day, \
                     entered_at) \
                     DO UPDATE SET seq = excluded.seq, outcome = excluded.outcome, received_at = now() \
                     WHERE check_ins.seq < excluded.seq RETURNING (xmax = 0)",
                )
                .await?,
            sync: tx
                .prepare_cached(
                    "INSERT INTO syncs (hub, space, run, finished_at, detail, incarnation) VALUES ($1, $2, $3, $4, \
                     $5, $6) ON CONFLICT (hub, incarnation, run) DO NOTHING RETURNING true",
                )
                .await?,
        })
    }
}

/// Stores one message inside its savepoint.
async fn store_one(
    tx: &tokio_postgres::Transaction<'_>,
    s: &Statements,
    up: &Up,
) -> Result<Kept, tokio_postgres::Error> {
    let space: String = tx.query_one(&s.hub_of, &[&up.hub, &up.space]).await?.get(0);
    if space != up.space {
        tracing::warn!(
            "hub {} of space {space} sent an event as space {}; refused",
            up.hub,
            up.space
        );
        return Ok(Kept::Refused);
    }
    let row = match &up.event {
        UpEvent::Audit(line) => {
            let Ok(at) = line.at.parse::<Timestamp>() else {
                tracing::warn!(
                    "hub {} sent audit row {} with no readable time; refused",
                    up.hub,
                    line.seq
                );
                return Ok(Kept::Refused);
            };
            let reasons = serde_json::json!(line.reasons);
            let count = i32::try_from(line.count).unwrap_or(i32::MAX);
            let latency = i64::try_from(line.latency_us).unwrap_or(i64::MAX);
            tx.query_opt(
                &s.audit,
                &[
                    &up.hub,
                    &line.seq,
                    &up.space,
                    &at,
                    &line.user_id,
                    &line.membership_id,
                    &line.staff,
                    &line.door_id,
                    &line.decision,
                    &line.code,
                    &reasons,
                    &count,
                    &latency,
                    &line.check_in,
                    &up.incarnation,
                ],
            )
            .await?
        }
        UpEvent::CheckIn { seq, outcome } => {
            let detail = serde_json::json!(outcome);
            tx.query_opt(
                &s.check_in,
                &[
                    &up.hub,
                    &up.space,
                    &outcome.membership_id,
                    &outcome.day,
                    &outcome.entered_at,
                    seq,
                    &detail,
                    &up.incarnation,
                ],
            )
            .await?
        }
        UpEvent::Sync { run_id, run, .. } => {
            let detail = serde_json::json!(run);
            tx.query_opt(
                &s.sync,
                &[&up.hub, &up.space, run_id, &run.finished_at, &detail, &up.incarnation],
            )
            .await?
        }
    };
    Ok(match row.map(|r| r.get::<_, bool>(0)) {
        Some(true) => Kept::Added,
        Some(false) | None => Kept::Repeat,
    })
}

impl Stored {
    fn tally(&mut self, kept: Kept) {
        match kept {
            Kept::Added => self.added += 1,
            Kept::Repeat => self.repeats += 1,
            Kept::Refused => self.refused += 1,
        }
    }
}

impl Store {
    /// Connects (lazily: the first use dials) with `url` and `password`.
    pub fn new(url: &str, password: Option<&str>) -> Result<Store, FleetError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| FleetError::Invalid(format!("postgres.url cannot be used: {e}")))?;
        if let Some(password) = password {
            config.password(password);
        }
        config.connect_timeout(std::time::Duration::from_secs(5));
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(8)
            .wait_timeout(Some(std::time::Duration::from_secs(5)))
            .create_timeout(Some(std::time::Duration::from_secs(5)))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(|e| FleetError::Database(e.to_string()))?;
        Ok(Store { pool })
    }

    /// The pool, for the other table groups' queries.
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Brings the schema up to date, in one transaction per migration.
    pub async fn migrate(&self) -> Result<(), FleetError> {
        let mut client = self.pool.get().await?;
        client
            .batch_execute("CREATE TABLE IF NOT EXISTS fleet_schema (version integer NOT NULL)")
            .await?;
        let tx = client.transaction().await?;
        tx.batch_execute("LOCK TABLE fleet_schema IN EXCLUSIVE MODE").await?;
        let version: i32 = tx
            .query_opt("SELECT version FROM fleet_schema", &[])
            .await?
            .map(|r| r.get(0))
            .unwrap_or(0);
        for (n, step) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.batch_execute(step).await?;
            tracing::info!("fleet schema at version {}", n + 1);
        }
        tx.batch_execute("DELETE FROM fleet_schema").await?;
        let latest = i32::try_from(MIGRATIONS.len()).unwrap_or(i32::MAX);
        tx.execute("INSERT INTO fleet_schema (version) VALUES ($1)", &[&latest])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a batch from the stream in one transaction. A hub's first message names its space
    /// for good; a message of that hub for another space is refused. A row the record has is a
    /// repeat (its count raised if a burst was counted on since). When PostgreSQL will not take
    /// one message (a NUL in a text, a time it cannot read), the batch is stored again with a
    /// savepoint for each message, and that one is refused alone: no hub's message stops the
    /// record, and a batch that goes in whole pays for no savepoints.
    pub async fn store(&self, batch: &[Up]) -> Result<Stored, FleetError> {
        match self.store_in_one(batch, false).await {
            Ok(stored) => Ok(stored),
            Err(Failed::Postgres(e)) if refused_by_postgres(&e) => {
                tracing::info!("a batch holds a message PostgreSQL will not take ({e}); storing it one by one");
                self.store_in_one(batch, true).await.map_err(FleetError::from)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn store_in_one(&self, batch: &[Up], each_alone: bool) -> Result<Stored, Failed> {
        let mut client = self.pool.get().await?;
        let mut tx = client.transaction().await?;
        let statements = Statements::prepare(&tx).await?;
        let mut stored = Stored::default();
        for up in batch {
            if !each_alone {
                stored.tally(store_one(&tx, &statements, up).await?);
                continue;
            }
            let one = tx.savepoint("one").await?;
            match store_one(&one, &statements, up).await {
                Ok(kept) => {
                    one.commit().await?;
                    stored.tally(kept);
                }
                Err(e) if refused_by_postgres(&e) => {
                    one.rollback().await?;
                    tracing::warn!("an event of hub {} cannot be stored ({e}); refused", up.hub);
                    stored.refused += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// The newest audit rows of `spaces`, optionally only check-ins, at most `limit`.
    pub async fn activity(
        &self,
        spaces: &[String],
        check_ins_only: bool,
        limit: i64,
    ) -> Result<Vec<FleetActivity>, FleetError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT space, hub, seq, at, user_id, membership_id, staff, door_id, decision, code, reasons, count, \
                 latency_us, check_in, received_at FROM audit WHERE space = ANY($1) AND ($2 = false OR check_in IS NOT NULL) \
                 ORDER BY at DESC, hub, seq DESC LIMIT $3",
                &[&spaces, &check_ins_only, &limit],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| FleetActivity {
                space: r.get(0),
                hub: r.get(1),
                line: AuditLine {
                    seq: r.get(2),
                    at: r.get::<_, Timestamp>(3).to_string(),
                    user_id: r.get(4),
                    membership_id: r.get(5),
                    staff: r.get(6),
                    door_id: r.get(7),
                    decision: r.get(8),
                    code: r.get(9),
                    reasons: serde_json::from_value(r.get(10)).unwrap_or_default(),
                    count: u32::try_from(r.get::<_, i32>(11)).unwrap_or(0),
                    latency_us: u64::try_from(r.get::<_, i64>(12)).unwrap_or(0),
                    check_in: r.get(13),
                },
                received_at: r.get::<_, Timestamp>(14).to_string(),
            })
            .collect())
    }

    /// The newest check-in outcomes of `spaces`, at most `limit`.
    pub async fn check_ins(&self, spaces: &[String], limit: i64) -> Result<Vec<FleetCheckIn>, FleetError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT space, hub, outcome FROM check_ins WHERE space = ANY($1) \
                 ORDER BY entered_at DESC, hub LIMIT $2",
                &[&spaces, &limit],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(FleetCheckIn {
                    space: r.get(0),
                    hub: r.get(1),
                    outcome: serde_json::from_value(r.get(2)).map_err(|e| FleetError::Database(e.to_string()))?,
                })
            })
            .collect()
    }

    /// The newest sync runs of `spaces`' hubs, at most `limit`.
    pub async fn syncs(&self, spaces: &[String], limit: i64) -> Result<Vec<FleetSync>, FleetError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT space, hub, detail FROM syncs WHERE space = ANY($1) ORDER BY finished_at DESC, hub LIMIT $2",
                &[&spaces, &limit],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(FleetSync {
                    space: r.get(0),
                    hub: r.get(1),
                    run: serde_json::from_value(r.get(2)).map_err(|e| FleetError::Database(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Per hub: how many rows the record holds and the highest sequence number (the tests'
    /// and the operator's check that nothing is missing or doubled).
    pub async fn counts(&self) -> Result<Vec<(String, i64, i64)>, FleetError> {
        let client = self.pool.get().await?;
        let rows = client
            .query(
                "SELECT hub, count(*), coalesce(max(seq), 0) FROM audit GROUP BY hub ORDER BY hub",
                &[],
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    /// The hubs that ever reported for `space`.
    pub async fn hubs_of(&self, space: &str) -> Result<Vec<String>, FleetError> {
        let client = self.pool.get().await?;
        let rows = client
            .query("SELECT hub FROM hubs WHERE space = $1 ORDER BY hub", &[&space])
            .await?;
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }
}
