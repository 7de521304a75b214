//! The access setup as the hub keeps it (groups, plan assignments, the extra-groups switch, a
//! version) and the change trail of every staff edit (who, from which device, before and
//! after), with the plan catalogue read from Cobot.

use frontdoor_core::access::PlanMatch;
use frontdoor_core::console::{GroupSetup, SetupChange};
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::plans::CataloguePlan;
use crate::store::{ctx, select_all, Store};

/// A plan → groups assignment as stored: by Cobot's plan id (what the console writes), or by
/// name (only entries imported from the TOML file that named their plan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanAssignment {
    /// Which plan.
    pub plan: PlanMatch,
    /// Group identifiers, as the groups spell them.
    pub groups: Vec<String>,
}

/// The whole access setup as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSetup {
    /// User groups, in the order staff see them.
    pub groups: Vec<GroupSetup>,
    /// Plan assignments.
    pub plans: Vec<PlanAssignment>,
    /// Whether the custom field adds groups.
    pub extra_groups: bool,
    /// Grows by one with every change.
    pub version: u64,
}

/// Who made a change and what it was, for the change trail.
#[derive(Debug, Clone)]
pub struct Trail {
    /// When.
    pub at: Timestamp,
    /// The staff member's Cobot user id.
    pub by: String,
    /// Their device, whose row has their name.
    pub device_id: String,
    /// What changed, in words.
    pub what: String,
    /// Before (`null` when created).
    pub before: Value,
    /// After (`null` when removed).
    pub after: Value,
}

impl Store {
    /// The stored access setup; `None` before the first start imported one.
    pub fn access_setup(&self) -> Result<Option<StoredSetup>, crate::store::Error> {
        let conn = self.conn();
        let head: Option<(i64, bool)> = conn
            .query_row("SELECT version, extra_groups FROM access_setup WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(ctx("reading the access setup"))?;
        let Some((version, extra_groups)) = head else {
            return Ok(None);
        };
        let list = |text: String| serde_json::from_str::<Vec<String>>(&text).unwrap_or_default();
        let groups = select_all(
            &conn,
            "reading the groups",
            "SELECT id, name, doors, schedule FROM access_groups ORDER BY position",
            [],
            |r| {
                Ok(GroupSetup {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    doors: list(r.get(2)?),
                    schedule: r.get(3)?,
                })
            },
        )?;
        let plans = select_all(
            &conn,
            "reading the plan assignments",
            "SELECT plan_id, plan_name, groups FROM access_plans ORDER BY position",
            [],
            |r| {
                let (id, name): (Option<String>, Option<String>) = (r.get(0)?, r.get(1)?);
                Ok((id, name, list(r.get(2)?)))
            },
        )?
        .into_iter()
        .filter_map(|(id, name, groups)| {
            // The table's CHECK keeps exactly one of the two.
            let plan = match (id, name) {
                (Some(id), _) => PlanMatch::Id(id),
                (None, Some(name)) => PlanMatch::Name(name),
                (None, None) => return None,
            };
            Some(PlanAssignment { plan, groups })
        })
        .collect();
        Ok(Some(StoredSetup {
            groups,
            plans,
            extra_groups,
            version: version as u64,
        }))
    }

    /// Stores the first setup, imported from the configuration file, with its trail row. Does
    /// nothing if a setup is stored already (two starts racing).
    pub fn import_access_setup(&self, setup: &StoredSetup, now: Timestamp) -> Result<(), crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn
            .transaction()
            .map_err(ctx("starting the import of the access setup"))?;
        let exists: bool = tx
            .query_row("SELECT EXISTS (SELECT 1 FROM access_setup)", [], |r| r.get(0))
            .map_err(ctx("reading the access setup"))?;
        if exists {
            return Ok(());
        }
        write_setup(&tx, setup)?;
        insert_change(
            &tx,
            now,
            "",
            "the hub's configuration file (first start)",
            "imported the access setup",
            &Value::Null,
            &serde_json::to_value(setup).unwrap_or(Value::Null),
        )?;
        tx.commit().map_err(ctx("committing the import of the access setup"))
    }

    /// Replaces the setup with `setup` and records `trail`, in one transaction.
    pub fn write_access_setup(&self, setup: &StoredSetup, trail: &Trail) -> Result<(), crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting an access setup change"))?;
        write_setup(&tx, setup)?;
        record(&tx, trail)?;
        tx.commit().map_err(ctx("committing an access setup change"))
    }

    /// Records a change made outside the setup (a member's extra groups, written to Cobot).
    pub fn record_access_change(&self, trail: &Trail) -> Result<(), crate::store::Error> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting a change record"))?;
        record(&tx, trail)?;
        tx.commit().map_err(ctx("committing a change record"))
    }

    /// The change trail, newest first.
    pub fn access_changes(&self, limit: u32) -> Result<Vec<SetupChange>, crate::store::Error> {
        let json = |text: String| serde_json::from_str(&text).unwrap_or(Value::Null);
        select_all(
            &self.conn(),
            "reading the change trail",
            "SELECT at, by_user, by_name, what, before, after FROM access_changes ORDER BY id DESC LIMIT ?1",
            [limit],
            |r| {
                Ok(SetupChange {
                    at: r.get(0)?,
                    by: r.get(1)?,
                    by_name: r.get(2)?,
                    what: r.get(3)?,
                    before: json(r.get(4)?),
                    after: json(r.get(5)?),
                })
            },
        )
    }

    /// The plans Cobot listed at the last full sync.
    pub fn plan_catalogue(&self) -> Result<Vec<CataloguePlan>, crate::store::Error> {
        select_all(
            &self.conn(),
            "reading the plan catalogue",
            "SELECT plan_id, name FROM plan_catalogue ORDER BY position",
            [],
            |r| {
                Ok(CataloguePlan {
                    plan_id: r.get(0)?,
                    name: r.get(1)?,
                })
            },
        )
    }

    /// Stores the plans a full sync read, unless the stored catalogue is the same already.
    pub fn put_plan_catalogue(&self, plans: &[CataloguePlan]) -> Result<(), crate::store::Error> {
        if self.plan_catalogue()? == plans {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(ctx("starting the plan catalogue"))?;
        tx.execute("DELETE FROM plan_catalogue", [])
            .map_err(ctx("clearing the plan catalogue"))?;
        {
            let mut insert = tx
                .prepare("INSERT OR IGNORE INTO plan_catalogue (position, plan_id, name) VALUES (?1, ?2, ?3)")
                .map_err(ctx("writing the plan catalogue"))?;
            for (i, p) in plans.iter().enumerate() {
                insert
                    .execute(params![i as i64, p.plan_id, p.name])
                    .map_err(ctx("writing the plan catalogue"))?;
            }
        }
        tx.commit().map_err(ctx("committing the plan catalogue"))
    }
}

fn write_setup(tx: &rusqlite::Transaction<'_>, setup: &StoredSetup) -> Result<(), crate::store::Error> {
    tx.execute(
        "INSERT INTO access_setup (id, version, extra_groups) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version, extra_groups = excluded.extra_groups",
        params![setup.version as i64, setup.extra_groups],
    )
    .map_err(ctx("writing the access setup"))?;
    tx.execute("DELETE FROM access_groups", [])
        .map_err(ctx("writing the groups"))?;
    tx.execute("DELETE FROM access_plans", [])
        .map_err(ctx("writing the plan assignments"))?;
    let list = |items: &[String]| serde_json::to_string(items).expect("a list of strings serialises");
    {
        let mut insert = tx
            .prepare("INSERT INTO access_groups (position, id, name, doors, schedule) VALUES (?1, ?2, ?3, ?4, ?5)")
            .map_err(ctx("writing the groups"))?;
        for (i, g) in setup.groups.iter().enumerate() {
            insert
                .execute(params![i as i64, g.id, g.name, list(&g.doors), g.schedule])
                .map_err(ctx("writing the groups"))?;
        }
    }
    let mut insert = tx
        .prepare("INSERT INTO access_plans (position, plan_id, plan_name, groups) VALUES (?1, ?2, ?3, ?4)")
        .map_err(ctx("writing the plan assignments"))?;
    for (i, a) in setup.plans.iter().enumerate() {
        let (id, name) = match &a.plan {
            PlanMatch::Id(id) => (Some(id), None),
            PlanMatch::Name(name) => (None, Some(name)),
        };
        insert
            .execute(params![i as i64, id, name, list(&a.groups)])
            .map_err(ctx("writing the plan assignments"))?;
    }
    Ok(())
}

fn device_name(tx: &rusqlite::Transaction<'_>, device_id: &str) -> Result<String, crate::store::Error> {
    Ok(tx
        .query_row("SELECT name FROM devices WHERE id = ?1", [device_id], |r| r.get(0))
        .optional()
        .map_err(ctx("reading who made a change"))?
        .unwrap_or_default())
}

/// Writes `trail` inside the change's transaction, naming the staff member by their device.
pub(crate) fn record(tx: &rusqlite::Transaction<'_>, trail: &Trail) -> Result<(), crate::store::Error> {
    let by_name = match device_name(tx, &trail.device_id)? {
        name if name.is_empty() => trail
            .by
            .strip_prefix("fleet:")
            .map(|name| format!("{name} (fleet)"))
            .unwrap_or_default(),
        name => name,
    };
    insert_change(
        tx,
        trail.at,
        &trail.by,
        &by_name,
        &trail.what,
        &trail.before,
        &trail.after,
    )
}

/// Staff changes kept in the trail; older ones are forgotten as new ones come.
pub const MAX_CHANGES: i64 = 10_000;

/// Writes one row of the staff change trail (in the change's own transaction), keeping the
/// newest [`MAX_CHANGES`].
pub(crate) fn insert_change(
    tx: &rusqlite::Transaction<'_>,
    at: Timestamp,
    by: &str,
    by_name: &str,
    what: &str,
    before: &Value,
    after: &Value,
) -> Result<(), crate::store::Error> {
    tx.execute(
        "INSERT INTO access_changes (at, by_user, by_name, what, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![at.to_string(), by, by_name, what, before.to_string(), after.to_string()],
    )
    .map_err(ctx("recording a change"))?;
    tx.execute(
        "DELETE FROM access_changes WHERE id <= (SELECT id FROM access_changes ORDER BY id DESC LIMIT 1 OFFSET ?1)",
        [MAX_CHANGES],
    )
    .map(|_| ())
    .map_err(ctx("forgetting old changes"))
}
