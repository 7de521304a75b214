//! The members snapshot and the sync runs: what the last sync knew, replaced whole or one member at a time.

use super::*;

use frontdoor_core::console::SyncRun;

pub(crate) const INSERT_MEMBER: &str = "INSERT INTO members (membership_id, user_id, name, email, plan_id, plan_name, confirmed, starts_at, canceled_to, extra_groups) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

pub(crate) fn insert_member(stmt: &mut rusqlite::Statement<'_>, m: &MemberRecord) -> Result<(), Error> {
    stmt.execute(params![
        m.membership_id,
        m.user_id,
        m.name,
        m.email,
        m.plan_id,
        m.plan_name,
        m.confirmed,
        m.starts_at.map(|d| d.to_string()),
        m.canceled_to.map(|d| d.to_string()),
        m.extra_groups,
    ])
    .map(|_| ())
    .map_err(ctx("writing a member"))
}

impl Store {
    /// The last good snapshot, if a sync ever succeeded.
    pub fn load(&self) -> Result<Option<Snapshot>, Error> {
        let conn = self.conn();
        let as_of: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'snapshot_at'", [], |r| r.get(0))
            .optional()
            .map_err(ctx("reading the snapshot time"))?;
        let Some(as_of) = as_of.and_then(|t| t.parse::<Timestamp>().ok()) else {
            return Ok(None);
        };
        let members = select_all(&conn, "reading members", "SELECT membership_id, user_id, name, email, plan_id, plan_name, confirmed, starts_at, canceled_to, extra_groups FROM members", [], |r| {
                Ok(MemberRecord {
                    membership_id: r.get(0)?,
                    user_id: r.get(1)?,
                    name: r.get(2)?,
                    email: r.get(3)?,
                    plan_id: r.get(4)?,
                    plan_name: r.get(5)?,
                    plan_names: None,
                    confirmed: r.get(6)?,
                    starts_at: r.get::<_, Option<String>>(7)?.and_then(|d| d.parse().ok()),
                    canceled_to: r.get::<_, Option<String>>(8)?.and_then(|d| d.parse().ok()),
                    extra_groups: r.get(9)?,
                })
            })?;
        Ok(Some(Snapshot::new(as_of, members)))
    }

    /// Replaces the whole snapshot in one transaction.
    pub fn replace(&self, snapshot: &Snapshot) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting the snapshot transaction"))?;
        tx.execute("DELETE FROM members", [])
            .map_err(ctx("clearing the old snapshot"))?;
        {
            let mut insert = tx.prepare(INSERT_MEMBER).map_err(ctx("writing members"))?;
            for m in snapshot.members() {
                insert_member(&mut insert, m)?;
            }
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_at', ?1)",
            [snapshot.as_of.to_string()],
        )
        .map_err(ctx("writing the snapshot time"))?;
        tx.commit().map_err(ctx("committing the snapshot"))
    }

    /// Writes one member (a targeted update after a webhook); `None` removes it.
    pub fn put_member(
        &self,
        membership_id: &str,
        member: Option<&MemberRecord>,
        as_of: Timestamp,
    ) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting a member update"))?;
        tx.execute("DELETE FROM members WHERE membership_id = ?1", [membership_id])
            .map_err(ctx("removing a member"))?;
        if let Some(m) = member {
            let mut insert = tx.prepare(INSERT_MEMBER).map_err(ctx("writing a member"))?;
            insert_member(&mut insert, m)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_at', ?1)",
            [as_of.to_string()],
        )
        .map_err(ctx("writing the snapshot time"))?;
        tx.commit().map_err(ctx("committing a member update"))
    }

    /// Records a sync run and its report (JSON).
    pub fn record_sync(
        &self,
        kind: &str,
        started: Timestamp,
        finished: Timestamp,
        ok: bool,
        report: &str,
    ) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO sync_runs (kind, started_at, finished_at, ok, report) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind, started.to_string(), finished.to_string(), ok, report],
            )
            .map(|_| ())
            .map_err(ctx("recording a sync run"))
    }

    /// The most recent sync run's report (JSON) and whether it succeeded.
    pub fn last_sync(&self) -> Result<Option<(bool, String)>, Error> {
        self.read()
            .query_row("SELECT ok, report FROM sync_runs ORDER BY id DESC LIMIT 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(ctx("reading the last sync"))
    }
}

impl Store {
    /// The newest `limit` sync runs, newest first, reports as stored.
    pub fn sync_runs(&self, limit: u32) -> Result<Vec<SyncRun>, crate::store::Error> {
        let conn = self.conn();
        select_all(
            &conn,
            "reading sync runs",
            "SELECT kind, started_at, finished_at, ok, report FROM sync_runs ORDER BY id DESC LIMIT ?1",
            [limit],
            |r| {
                let report: String = r.get(4)?;
                Ok(SyncRun {
                    kind: r.get(0)?,
                    started_at: r.get(1)?,
                    finished_at: r.get(2)?,
                    ok: r.get(3)?,
                    report: serde_json::from_str(&report).unwrap_or(serde_json::Value::String(report)),
                })
            },
        )
    }

    /// The interval staff set in the console, if they did.
    pub fn sync_interval(&self) -> Result<Option<u64>, crate::store::Error> {
        let text: Option<String> = self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'sync_interval_minutes'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(ctx("reading the sync interval"))?;
        Ok(text.and_then(|t| t.parse().ok()))
    }

    /// Stores the interval.
    pub fn set_sync_interval(&self, minutes: u64) -> Result<(), crate::store::Error> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_interval_minutes', ?1)",
                [minutes.to_string()],
            )
            .map(|_| ())
            .map_err(ctx("storing the sync interval"))
    }
}
