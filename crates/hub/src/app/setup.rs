//! The access setup staff edit in the console: user groups (identifier, name, doors, weekly
//! schedule), which groups each Cobot plan gives, and whether the membership custom field
//! `smart_spaces_access_additional_units` adds groups.
//!
//! The hub's database holds it. On the first start (no setup stored yet) the configuration
//! file's `[[groups]]`, `[[plans]]` and `sync.extra_groups` are imported once; from then on the
//! database is the truth and those TOML entries are ignored. The doors, imported the same way,
//! live here too ([`Live::commit_door`], edited through [`crate::app::door_admin`]).
//!
//! Architecture Invariant: a change is checked as a whole (the complete new [`Rules`] are built)
//! before anything is written; it is committed in one transaction with its row in the change
//! trail, and only then swapped in, under one lock, so the next access decision uses either the
//! old rules or the new ones and the version in memory always equals the one in the database.
//! A refused change (invalid, stale version, Cobot unreachable) changes nothing.
//!
//! Every endpoint is for staff only ([`crate::http::staff_only`]).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::http::StatusCode;
use frontdoor_core::access::{
    Assignment, Door, DoorId, Group, GroupId, PlanMatch, Rules, Schedule, EXTRA_GROUPS_FIELD,
};
use frontdoor_core::cobot::custom_fields::FieldDefinition;
use frontdoor_core::console::{AccessSetup, DoorRef, GroupSetup, PlanSetup, SetupChange};
use frontdoor_core::hub::Code;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::doors::{Doors, StoredDoor, Workshop};
use crate::app::Error;
use crate::app::Hub;
use crate::base::config::Config;
pub use crate::store::plans::CataloguePlan;
use crate::store::{ctx, SessionRow, Store};

/// Groups a setup may hold: far more than any space uses, few enough that every change can
/// rewrite the whole setup in one small transaction.
pub const MAX_GROUPS: usize = 200;
/// Changes the trail answers at most.
pub const MAX_CHANGES_LISTED: u32 = 200;
/// The longest group identifier: staff type it into a Cobot field by hand.
pub const MAX_ID_CHARS: usize = 64;
/// The longest group name.
pub const MAX_NAME_CHARS: usize = 100;

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

/// The setup in force, the doors, and the rules built from both.
pub struct Active {
    /// The rules every access decision uses.
    pub rules: Arc<Rules>,
    /// What they were built from.
    pub setup: StoredSetup,
    /// The doors as stored, in the order staff see them.
    pub stored_doors: Arc<Vec<StoredDoor>>,
    /// The doors with their drivers.
    pub doors: Arc<Doors>,
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

/// Why a change was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Someone changed the setup since the change's version was read.
    #[error(
        "The access setup changed since you loaded it (you edited version {yours}, it is now version {current}). \
         Reload it and make your change again."
    )]
    Conflict {
        /// The version the change was made on.
        yours: u64,
        /// The version in force.
        current: u64,
    },
    /// The new rules could not be built.
    #[error("{message}")]
    Invalid {
        /// The whole problem in words.
        message: String,
        /// Per field.
        fields: BTreeMap<String, String>,
    },
    /// The database failed; nothing changed.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

impl From<ChangeError> for Error {
    fn from(e: ChangeError) -> Error {
        match e {
            ChangeError::Conflict { .. } => Error::new(StatusCode::CONFLICT, Code::Conflict, e.to_string()),
            ChangeError::Invalid { message, fields } => Error::invalid(message, fields),
            ChangeError::Store(e) => Error::internal(e),
        }
    }
}

/// The access setup and the doors in force, swappable at run time. The hub's access decisions,
/// its unlock path, `/api/v1/me`, the sync's reports and the console all read them here.
pub struct Live {
    current: RwLock<Arc<Active>>,
    /// Held from the version check to the swap: commits and swaps happen in the same order.
    changing: Mutex<()>,
    time_zone: TimeZone,
    /// Builds doors' drivers.
    pub workshop: Workshop,
}

/// The doors the rules know: id and name.
fn door_list(stored: &[StoredDoor]) -> Vec<Door> {
    stored
        .iter()
        .map(|d| Door {
            id: DoorId(d.setup.id.clone()),
            name: d.setup.name.clone(),
        })
        .collect()
}

impl Live {
    /// The setup and doors stored in `store`, or — on the first start — the configuration
    /// file's, imported and stored now. The time zone comes from the configuration. A door whose
    /// driver cannot be built stays shut and says why ([`crate::app::doors::DoorRuntime::problem`]).
    pub fn start(config: &Config, store: &Store, now: Timestamp, workshop: Workshop) -> Result<Live, LoadError> {
        let base = config.rules()?;
        let time_zone = base.time_zone().clone();
        let stored_doors = match store.doors()? {
            Some(doors) => {
                if !config.doors.is_empty() {
                    tracing::info!(
                        "the doors are kept in the hub's database; [[doors]] in the configuration file were imported \
                         once and are now ignored (edit them in the staff console)"
                    );
                }
                doors
            }
            None => {
                let doors = crate::app::doors::import(config);
                store.import_doors(&doors, now)?;
                doors
            }
        };
        let doors = door_list(&stored_doors);
        let runtimes: Doors = stored_doors
            .iter()
            .map(|d| (d.setup.id.clone(), Arc::new(workshop.build(d))))
            .collect();
        let setup = match store.access_setup()? {
            Some(setup) => {
                if !config.groups.is_empty() || !config.plans.is_empty() {
                    tracing::info!(
                        version = setup.version,
                        "the access setup is kept in the hub's database; [[groups]] and [[plans]] in the \
                         configuration file were imported once and are now ignored (edit them in the staff console)"
                    );
                }
                setup
            }
            None => {
                let setup = import(config);
                store.import_access_setup(&setup, now)?;
                tracing::info!(
                    groups = setup.groups.len(),
                    plans = setup.plans.len(),
                    "imported the access setup from the configuration file; from now on the hub's database holds it"
                );
                setup
            }
        };
        for g in &setup.groups {
            let gone: Vec<&str> = g
                .doors
                .iter()
                .filter(|d| !doors.iter().any(|k| &k.id.0 == *d))
                .map(String::as_str)
                .collect();
            if !gone.is_empty() {
                tracing::warn!(
                    "the group “{}” names door(s) {} that the hub no longer has; they open nothing \
                     until the group is edited in the staff console",
                    g.id,
                    gone.join(", ")
                );
            }
        }
        let rules = build_rules(&setup, &time_zone, &doors).map_err(LoadError::Stored)?;
        Ok(Live {
            current: RwLock::new(Arc::new(Active {
                rules: Arc::new(rules),
                setup,
                stored_doors: Arc::new(stored_doors),
                doors: Arc::new(runtimes),
            })),
            changing: Mutex::new(()),
            time_zone,
            workshop,
        })
    }

    /// The doors with their drivers.
    pub fn doors(&self) -> Arc<Doors> {
        self.current().doors.clone()
    }

    /// Adds, replaces (`next` is `Some`) or removes (`None`) the door `id`: checks that the rules
    /// still build, writes the doors with `trail` in one transaction, and swaps them in with the
    /// door's new driver. Runs on a blocking thread inside the runtime (it writes the database and
    /// may start the MQTT broker connection).
    pub fn commit_door(
        &self,
        store: &Store,
        id: &str,
        next: Option<StoredDoor>,
        trail: Trail,
    ) -> Result<Arc<Active>, ChangeError> {
        let _one_change_at_a_time = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.current();
        let mut stored: Vec<StoredDoor> = current.stored_doors.as_ref().clone();
        let mut runtimes: Doors = current.doors.as_ref().clone();
        match next {
            Some(door) => {
                runtimes.insert(id.to_string(), Arc::new(self.workshop.build(&door)));
                match stored.iter_mut().find(|d| d.setup.id == id) {
                    Some(slot) => *slot = door,
                    None => stored.push(door),
                }
            }
            None => {
                let users: Vec<&str> = current
                    .setup
                    .groups
                    .iter()
                    .filter(|g| g.doors.iter().any(|d| d == id))
                    .map(|g| g.name.as_str())
                    .collect();
                if !users.is_empty() {
                    let message = format!(
                        "The group(s) {} open this door. Take it out of them on the Access tab first.",
                        users.join(", ")
                    );
                    return Err(ChangeError::Invalid {
                        message: message.clone(),
                        fields: BTreeMap::from([("id".to_string(), message)]),
                    });
                }
                stored.retain(|d| d.setup.id != id);
                runtimes.remove(id);
            }
        }
        let rules = build_rules(&current.setup, &self.time_zone, &door_list(&stored)).map_err(|e| {
            let message = e.to_string();
            ChangeError::Invalid {
                message: format!("The change would leave the access setup unusable: {message}"),
                fields: BTreeMap::from([("id".to_string(), message)]),
            }
        })?;
        store.write_doors(&stored, &trail)?;
        let active = Arc::new(Active {
            rules: Arc::new(rules),
            setup: current.setup.clone(),
            stored_doors: Arc::new(stored),
            doors: Arc::new(runtimes),
        });
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = active.clone();
        Ok(active)
    }

    /// The setup in force.
    pub fn current(&self) -> Arc<Active> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The rules in force.
    pub fn rules(&self) -> Arc<Rules> {
        self.current().rules.clone()
    }

    /// The plans the assignments name, for the sync report's "plans Cobot lacks".
    pub fn assignments(&self) -> Vec<PlanMatch> {
        self.current().setup.plans.iter().map(|a| a.plan.clone()).collect()
    }

    /// Builds the rules `next` describes (refusing it if they cannot be built), then — if the
    /// setup in force is still at `version` — writes `next` as version + 1 with `trail` in one
    /// transaction and swaps it in. Runs on a blocking thread (it writes the database).
    pub fn commit(
        &self,
        store: &Store,
        version: u64,
        mut next: StoredSetup,
        trail: Trail,
    ) -> Result<Arc<Active>, ChangeError> {
        let _one_change_at_a_time = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.current();
        if current.setup.version != version {
            return Err(ChangeError::Conflict {
                yours: version,
                current: current.setup.version,
            });
        }
        next.version = version + 1;
        let rules = build_rules(&next, &self.time_zone, &door_list(&current.stored_doors)).map_err(|e| {
            let message = e.to_string();
            ChangeError::Invalid {
                message: format!("The change would leave the access setup unusable: {message}"),
                fields: BTreeMap::from([("groups".to_string(), message)]),
            }
        })?;
        store.write_access_setup(&next, &trail)?;
        let active = Arc::new(Active {
            rules: Arc::new(rules),
            setup: next,
            stored_doors: current.stored_doors.clone(),
            doors: current.doors.clone(),
        });
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = active.clone();
        Ok(active)
    }
}

/// The configuration file's groups, plans and switch, as the first stored setup (version 1). A
/// group's name is its `name`, else its identifier.
pub fn import(config: &Config) -> StoredSetup {
    StoredSetup {
        groups: config
            .groups
            .iter()
            .map(|g| GroupSetup {
                id: g.id.get_ref().trim().to_string(),
                name: g.name.clone().unwrap_or_else(|| g.id.get_ref().trim().to_string()),
                doors: g.doors.iter().map(|d| d.get_ref().clone()).collect(),
                schedule: g.schedule.as_ref().map(|s| s.get_ref().clone()),
            })
            .collect(),
        // `Config::parse` refused any entry without exactly one of id and name.
        plans: config
            .plans
            .iter()
            .filter_map(|p| {
                Some(PlanAssignment {
                    plan: p.plan_match()?,
                    groups: p.groups.iter().map(|g| g.get_ref().clone()).collect(),
                })
            })
            .collect(),
        extra_groups: config.sync.extra_groups,
        version: 1,
    }
}

/// The rules a setup describes. Doors the hub no longer has are left out (a group
/// opens nothing there: fail closed); anything else wrong is an error in words.
pub fn build_rules(setup: &StoredSetup, time_zone: &TimeZone, doors: &[Door]) -> Result<Rules, Unusable> {
    let mut groups = Vec::with_capacity(setup.groups.len());
    for g in &setup.groups {
        let schedule = match g.schedule.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => Some(Schedule::parse(text).map_err(|source| Unusable::Schedule {
                group: g.id.clone(),
                source,
            })?),
            None => None,
        };
        groups.push(Group {
            id: GroupId(g.id.clone()),
            doors: g
                .doors
                .iter()
                .filter(|d| doors.iter().any(|k| &k.id.0 == *d))
                .map(|d| DoorId(d.clone()))
                .collect(),
            schedule,
        });
    }
    let assignments: Vec<Assignment> = setup
        .plans
        .iter()
        .map(|a| Assignment {
            plan: a.plan.clone(),
            groups: a.groups.iter().map(|g| GroupId(g.clone())).collect(),
        })
        .collect();
    Rules::new(
        time_zone.clone(),
        doors.to_vec(),
        groups,
        &assignments,
        setup.extra_groups,
    )
    .map_err(Unusable::Rules)
}

/// Why a stored setup makes no rules.
#[derive(Debug, thiserror::Error)]
pub enum Unusable {
    /// A group's schedule does not parse.
    #[error("group “{group}”: {source}")]
    Schedule {
        /// The group's id.
        group: String,
        /// Why.
        #[source]
        source: frontdoor_core::access::ScheduleError,
    },
    /// The groups and plans do not make rules.
    #[error(transparent)]
    Rules(#[from] frontdoor_core::access::RulesError),
}

/// Why the access setup could not be loaded at start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The configuration's own rules (the time zone, the doors) are wrong.
    #[error(transparent)]
    Config(#[from] crate::base::config::Invalid),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// The setup the database holds cannot be used.
    #[error("the access setup in the hub's database cannot be used: {0}")]
    Stored(#[source] Unusable),
}

pub(crate) fn key(id: &str) -> String {
    GroupId(id.to_string()).key()
}

pub(crate) fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

// ---- Storage ----

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
        let mut stmt = conn
            .prepare("SELECT id, name, doors, schedule FROM access_groups ORDER BY position")
            .map_err(ctx("reading the groups"))?;
        let groups = stmt
            .query_map([], |r| {
                Ok(GroupSetup {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    doors: list(r.get(2)?),
                    schedule: r.get(3)?,
                })
            })
            .map_err(ctx("reading the groups"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(ctx("reading the groups"))?;
        let mut stmt = conn
            .prepare("SELECT plan_id, plan_name, groups FROM access_plans ORDER BY position")
            .map_err(ctx("reading the plan assignments"))?;
        let plans = stmt
            .query_map([], |r| {
                let (id, name): (Option<String>, Option<String>) = (r.get(0)?, r.get(1)?);
                Ok((id, name, list(r.get(2)?)))
            })
            .map_err(ctx("reading the plan assignments"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(ctx("reading the plan assignments"))?
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
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT at, by_user, by_name, what, before, after FROM access_changes ORDER BY id DESC LIMIT ?1")
            .map_err(ctx("reading the change trail"))?;
        let json = |text: String| serde_json::from_str(&text).unwrap_or(Value::Null);
        let rows = stmt
            .query_map([limit], |r| {
                Ok(SetupChange {
                    at: r.get(0)?,
                    by: r.get(1)?,
                    by_name: r.get(2)?,
                    what: r.get(3)?,
                    before: json(r.get(4)?),
                    after: json(r.get(5)?),
                })
            })
            .map_err(ctx("reading the change trail"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(ctx("reading the change trail"))?;
        Ok(rows)
    }

    /// The plans Cobot listed at the last full sync.
    pub fn plan_catalogue(&self) -> Result<Vec<CataloguePlan>, crate::store::Error> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT plan_id, name FROM plan_catalogue ORDER BY position")
            .map_err(ctx("reading the plan catalogue"))?;
        let plans = stmt
            .query_map([], |r| {
                Ok(CataloguePlan {
                    plan_id: r.get(0)?,
                    name: r.get(1)?,
                })
            })
            .map_err(ctx("reading the plan catalogue"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(ctx("reading the plan catalogue"))?;
        Ok(plans)
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
    let by_name = device_name(tx, &trail.device_id)?;
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

// ---- HTTP ----

pub(crate) const WHAT: &str = "change the access setup";

/// The setup as the console shows it: the groups, Cobot's plans (as last synced) with their
/// groups and member counts, the doors.
pub async fn answer(hub: &Hub) -> Result<AccessSetup, Error> {
    let catalogue = hub.db(|store| store.plan_catalogue()).await?.map_err(Error::internal)?;
    let active = hub.access.current();
    let snapshot = hub.snapshot();
    let setup = &active.setup;
    let plans = catalogue
        .iter()
        .map(|p| {
            let members = snapshot
                .members()
                .iter()
                .filter(|m| match &m.plan_id {
                    Some(id) => *id == p.plan_id,
                    None => m.plan_name.as_deref().map(fold) == Some(fold(&p.name)),
                })
                .count();
            PlanSetup {
                plan_id: p.plan_id.clone(),
                name: p.name.clone(),
                members: members.min(u32::MAX as usize) as u32,
                groups: groups_of_plan(setup, p),
            }
        })
        .collect();
    let unknown_plans = setup
        .plans
        .iter()
        .filter(|a| !catalogue.iter().any(|p| matches_plan(&a.plan, p)))
        .map(|a| describe(&a.plan))
        .collect();
    Ok(AccessSetup {
        groups: setup.groups.clone(),
        plans,
        unknown_plans,
        extra_groups: setup.extra_groups,
        doors: active
            .rules
            .doors()
            .iter()
            .map(|d| DoorRef {
                id: d.id.0.clone(),
                name: d.name.clone(),
            })
            .collect(),
        time_zone: hub.config.space.time_zone.clone(),
        version: setup.version,
    })
}

fn matches_plan(plan: &PlanMatch, p: &CataloguePlan) -> bool {
    match plan {
        PlanMatch::Id(id) => *id == p.plan_id,
        PlanMatch::Name(name) => fold(name) == fold(&p.name),
    }
}

fn describe(plan: &PlanMatch) -> String {
    match plan {
        PlanMatch::Id(id) => format!("plan id {id}"),
        PlanMatch::Name(name) => format!("plan “{name}”"),
    }
}

/// The groups a catalogue plan gives: its id's assignment and any imported by its name.
pub(crate) fn groups_of_plan(setup: &StoredSetup, p: &CataloguePlan) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for a in setup.plans.iter().filter(|a| matches_plan(&a.plan, p)) {
        for g in &a.groups {
            if !groups.iter().any(|o| key(o) == key(g)) {
                groups.push(g.clone());
            }
        }
    }
    groups
}

/// The setup as TOML: `extra_groups` and `version` at the top, then `[[groups]]` and
/// `[[plans]]` as the configuration file writes them (plans by id carry their name as a comment).
pub fn to_toml(setup: &StoredSetup, catalogue: &[CataloguePlan], space: &str, at: Timestamp) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let list = |items: &[String]| format!("[{}]", items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(", "));
    let mut out = format!(
        "# Frontdoor access setup of {space}, version {}, exported {at}.\n\
         # In the hub's configuration file, extra_groups is sync.extra_groups.\n\
         extra_groups = {}\nversion = {}\n",
        setup.version, setup.extra_groups, setup.version
    );
    for g in &setup.groups {
        out.push_str(&format!(
            "\n[[groups]]\nid = {}\nname = {}\ndoors = {}\n",
            quote(&g.id),
            quote(&g.name),
            list(&g.doors)
        ));
        if let Some(schedule) = &g.schedule {
            out.push_str(&format!("schedule = {}\n", quote(schedule)));
        }
    }
    for a in &setup.plans {
        out.push_str("\n[[plans]]\n");
        match &a.plan {
            PlanMatch::Id(id) => {
                if let Some(p) = catalogue.iter().find(|p| &p.plan_id == id) {
                    out.push_str(&format!("# {}\n", p.name.replace('\n', " ")));
                }
                out.push_str(&format!("id = {}\n", quote(id)));
            }
            PlanMatch::Name(name) => out.push_str(&format!("name = {}\n", quote(name))),
        }
        out.push_str(&format!("groups = {}\n", list(&a.groups)));
    }
    out
}

pub(crate) fn stale(setup: &StoredSetup, version: u64) -> Result<(), Error> {
    if setup.version != version {
        return Err(ChangeError::Conflict {
            yours: version,
            current: setup.version,
        }
        .into());
    }
    Ok(())
}

pub(crate) fn unknown_item(message: String) -> Error {
    Error::new(StatusCode::NOT_FOUND, Code::UnknownItem, message)
}

/// Writes `next` (made on `version`) with its trail row and answers the new setup; a `next`
/// equal to the setup in force changes nothing.
pub(crate) async fn apply(
    hub: &Arc<Hub>,
    session: &SessionRow,
    version: u64,
    next: StoredSetup,
    what: String,
    before: Value,
    after: Value,
) -> Result<AccessSetup, Error> {
    if next == hub.access.current().setup {
        return answer(hub).await;
    }
    let trail = Trail {
        at: hub.clock.now(),
        by: session.user_id.clone(),
        device_id: session.device_id.clone(),
        what,
        before,
        after,
    };
    let live = hub.access.clone();
    hub.db(move |store| live.commit(store, version, next, trail)).await??;
    answer(hub).await
}

pub(crate) fn words(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("“{i}”")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

pub(crate) fn invalid(fields: BTreeMap<String, String>) -> Error {
    let message = format!(
        "The change was not made: {}",
        fields.values().cloned().collect::<Vec<_>>().join(" ")
    );
    Error::invalid(message, fields)
}

/// What is wrong with a group identifier, if anything.
fn id_problem(id: &str) -> Option<String> {
    if id.trim().is_empty() {
        return Some("A group needs an identifier, like “Members”.".into());
    }
    if id.trim() != id {
        return Some(format!(
            "“{id}” starts or ends with a space; identifiers are typed into Cobot by hand, so leave it out."
        ));
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Some(format!("An identifier has at most {MAX_ID_CHARS} characters."));
    }
    if id.contains(',') {
        return Some(format!(
            "“{id}” contains a comma, which separates identifiers in Cobot's custom field; leave it out."
        ));
    }
    if id.chars().any(char::is_control) {
        return Some("An identifier cannot contain line breaks or other control characters.".into());
    }
    None
}

/// `setup` with `group` put at the address `path` (create or replace), or the fields' problems.
pub(crate) fn with_group(
    setup: &StoredSetup,
    path: &str,
    group: GroupSetup,
    doors: &[Door],
) -> Result<(StoredSetup, Option<GroupSetup>), BTreeMap<String, String>> {
    let mut fields = BTreeMap::new();
    let existing = setup.groups.iter().position(|g| g.id == path);
    if let Some(problem) = id_problem(&group.id) {
        fields.insert("group.id".to_string(), problem);
    } else if let Some(i) = existing {
        if key(&group.id) != key(&setup.groups[i].id) {
            fields.insert(
                "group.id".into(),
                format!(
                    "The identifier “{}” cannot become “{}”: members' custom fields in Cobot name groups by it. \
                     Create a group “{}” and delete this one instead.",
                    setup.groups[i].id, group.id, group.id
                ),
            );
        }
    } else if group.id != path {
        fields.insert(
            "group.id".into(),
            format!(
                "The identifier “{}” differs from the one in the address, “{path}”; they must be the same.",
                group.id
            ),
        );
    } else if let Some(other) = setup.groups.iter().find(|g| key(&g.id) == key(&group.id)) {
        fields.insert(
            "group.id".into(),
            format!(
                "There is already a group “{}”; identifiers are compared without case, so “{}” would be the same \
                 group. Choose another identifier or edit “{}”.",
                other.id, group.id, other.id
            ),
        );
    } else if setup.groups.len() >= MAX_GROUPS {
        fields.insert(
            "group.id".into(),
            format!("The setup holds at most {MAX_GROUPS} groups; delete one first."),
        );
    }
    let name = group.name.trim().to_string();
    if name.is_empty() {
        fields.insert("group.name".into(), "A group needs a name, like “Members”.".into());
    } else if name.chars().count() > MAX_NAME_CHARS {
        fields.insert(
            "group.name".into(),
            format!("A name has at most {MAX_NAME_CHARS} characters."),
        );
    } else if name.chars().any(char::is_control) {
        fields.insert(
            "group.name".into(),
            "A name cannot contain line breaks or other control characters.".into(),
        );
    }
    let mut door_ids: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for d in &group.doors {
        if !doors.iter().any(|k| &k.id.0 == d) {
            unknown.push(d.clone());
        } else if !door_ids.contains(d) {
            door_ids.push(d.clone());
        }
    }
    if !unknown.is_empty() {
        let known: Vec<String> = doors.iter().map(|d| d.id.0.clone()).collect();
        fields.insert(
            "group.doors".into(),
            format!(
                "{} {} not a door of this hub; its doors are {}.",
                words(&unknown),
                if unknown.len() == 1 { "is" } else { "are" },
                if known.is_empty() {
                    "none yet".to_string()
                } else {
                    words(&known)
                }
            ),
        );
    }
    let schedule = group
        .schedule
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(text) = &schedule {
        if let Err(e) = Schedule::parse(text) {
            let e = e.to_string();
            let e = e.strip_prefix("schedule: ").unwrap_or(&e);
            fields.insert("group.schedule".into(), format!("“{text}”: {e}"));
        }
    }
    if !fields.is_empty() {
        return Err(fields);
    }
    let new = GroupSetup {
        id: group.id,
        name,
        doors: door_ids,
        schedule,
    };
    let mut next = setup.clone();
    let before = match existing {
        Some(i) => {
            let old = std::mem::replace(&mut next.groups[i], new.clone());
            // A change of case only: assignments follow the new spelling.
            for a in &mut next.plans {
                for g in &mut a.groups {
                    if key(g) == key(&new.id) {
                        g.clone_from(&new.id);
                    }
                }
            }
            Some(old)
        }
        None => {
            next.groups.push(new);
            None
        }
    };
    Ok((next, before))
}

pub(crate) fn json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Makes sure the space's Cobot has the custom field extra groups are read from. Cobot replaces
/// field definitions as a whole, so the list goes back with every field it had, plus this one.
pub(crate) async fn ensure_field(hub: &Hub) -> Result<(), Error> {
    let token = hub.syncer.token().ok_or_else(|| {
        Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::NotConnected,
            format!(
                "Extra groups stay off: the hub is not connected to Cobot, so it cannot make sure the custom field \
                 {EXTRA_GROUPS_FIELD} exists. Connect Cobot first."
            ),
        )
    })?;
    let space = &hub.config.space.subdomain;
    let refused = |e: frontdoor_core::cobot::Error| cobot_refused(e, "Extra groups stay off", EXTRA_GROUPS_FIELD);
    let mut fields = hub.cobot_now.field_definitions(&token, space).await.map_err(refused)?;
    if fields.iter().any(|f| f.label == EXTRA_GROUPS_FIELD) {
        return Ok(());
    }
    fields.push(FieldDefinition {
        id: None,
        label: EXTRA_GROUPS_FIELD.into(),
    });
    let written = hub
        .cobot_now
        .put_field_definitions(&token, space, &fields)
        .await
        .map_err(refused)?;
    if !written.iter().any(|f| f.label == EXTRA_GROUPS_FIELD) {
        return Err(Error::new(
            StatusCode::BAD_GATEWAY,
            Code::CobotUnavailable,
            format!(
                "Extra groups stay off: Cobot did not keep the custom field {EXTRA_GROUPS_FIELD}. Add it in Cobot's \
                 membership settings and try again."
            ),
        ));
    }
    tracing::info!("added the custom field {EXTRA_GROUPS_FIELD} to the space's Cobot");
    Ok(())
}

/// A Cobot failure during a console change, in words that say nothing changed.
pub(crate) fn cobot_refused(e: frontdoor_core::cobot::Error, outcome: &str, field: &str) -> Error {
    use frontdoor_core::cobot::Error as C;
    tracing::warn!("a console change was refused by or could not reach Cobot: {e}");
    match e {
        C::SignInAgain => Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::NotConnected,
            format!("{outcome}: Cobot no longer accepts the hub's connection. Reconnect Cobot, then try again."),
        ),
        C::Forbidden(_) => Error::new(
            StatusCode::BAD_GATEWAY,
            Code::Forbidden,
            format!(
                "{outcome}: Cobot did not let the hub change the custom field {field}. The space's Cobot connection \
                 needs the right to edit custom fields (write_custom_fields); reconnect Cobot with it."
            ),
        ),
        C::Refused(words) => Error::new(
            StatusCode::BAD_GATEWAY,
            Code::CobotUnavailable,
            format!("{outcome}: Cobot refused the change of {field}: {words}"),
        ),
        C::RateLimited { retry_after_secs } => Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::CobotBusy,
            format!("{outcome}: Cobot is busy; try again in {retry_after_secs} seconds."),
        ),
        other => Error::new(
            StatusCode::SERVICE_UNAVAILABLE,
            Code::CobotUnavailable,
            format!("{outcome}: {other}"),
        ),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_change_trail_keeps_the_newest_changes_and_forgets_older_ones() {
        let store = crate::store::Store::in_memory().unwrap();
        let mut conn = store.conn();
        let tx = conn.transaction().unwrap();
        let at: jiff::Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        for i in 0..(super::MAX_CHANGES + 5) {
            super::insert_change(
                &tx,
                at,
                "user-sam",
                "Sam",
                &format!("change {i}"),
                &serde_json::Value::Null,
                &serde_json::Value::Null,
            )
            .unwrap();
        }
        let count: i64 = tx
            .query_row("SELECT COUNT(*) FROM access_changes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, super::MAX_CHANGES);
        let first_kept: String = tx
            .query_row("SELECT what FROM access_changes ORDER BY id LIMIT 1", [], |r| r.get(0))
            .unwrap();
        assert_eq!(first_kept, "change 5", "the five oldest went");
    }
    use super::*;

    fn doors() -> Vec<Door> {
        ["front", "workshop"]
            .iter()
            .map(|d| Door {
                id: DoorId(d.to_string()),
                name: d.to_string(),
            })
            .collect()
    }

    fn setup() -> StoredSetup {
        StoredSetup {
            groups: vec![GroupSetup {
                id: "Staff".into(),
                name: "Staff".into(),
                doors: vec!["front".into()],
                schedule: None,
            }],
            plans: vec![PlanAssignment {
                plan: PlanMatch::Name("Flex Desk".into()),
                groups: vec!["staff".into()],
            }],
            extra_groups: true,
            version: 4,
        }
    }

    fn group(id: &str, doors: &[&str], schedule: Option<&str>) -> GroupSetup {
        GroupSetup {
            id: id.into(),
            name: "A group".into(),
            doors: doors.iter().map(|d| d.to_string()).collect(),
            schedule: schedule.map(Into::into),
        }
    }

    #[test]
    fn a_new_group_is_checked_field_by_field_in_words() {
        let fields = with_group(
            &setup(),
            "Night",
            group("Night", &["front", "garage", "attic"], Some("Mon-Fri 25:00-26:00")),
            &doors(),
        )
        .unwrap_err();
        assert_eq!(
            fields["group.doors"],
            "“garage” and “attic” are not a door of this hub; its doors are “front” and “workshop”."
        );
        assert_eq!(
            fields["group.schedule"],
            "“Mon-Fri 25:00-26:00”: “25:00” is not a time; use HH:MM"
        );
        let fields = with_group(&setup(), "staff", group("staff", &[], None), &doors()).unwrap_err();
        assert!(
            fields["group.id"].starts_with("There is already a group “Staff”"),
            "{fields:?}"
        );
        let fields = with_group(&setup(), "A,B", group("A,B", &[], None), &doors()).unwrap_err();
        assert!(fields["group.id"].contains("comma"), "{fields:?}");
        let fields = with_group(&setup(), "Staff", group("Team", &[], None), &doors()).unwrap_err();
        assert!(fields["group.id"].contains("cannot become “Team”"), "{fields:?}");
    }

    #[test]
    fn a_change_of_case_respells_the_group_in_its_plans() {
        let (next, before) = with_group(
            &setup(),
            "Staff",
            group("STAFF", &["front", "front"], Some(" ")),
            &doors(),
        )
        .unwrap();
        assert_eq!(before.unwrap().id, "Staff");
        assert_eq!(next.groups[0].id, "STAFF");
        assert_eq!(next.groups[0].doors, vec!["front".to_string()], "doors listed once");
        assert_eq!(next.groups[0].schedule, None, "an empty schedule means always");
        assert_eq!(next.plans[0].groups, vec!["STAFF".to_string()]);
    }

    #[test]
    fn doors_the_configuration_dropped_open_nothing_but_the_rules_still_build() {
        let mut s = setup();
        s.groups[0].doors.push("gone".into());
        let rules = build_rules(&s, &TimeZone::UTC, &doors()).unwrap();
        assert_eq!(rules.doors().len(), 2);
    }

    #[test]
    fn the_export_is_toml_that_reads_back_the_same_setup() {
        let mut s = setup();
        s.groups[0].schedule = Some("Mon-Fri 07:00-22:00".into());
        s.plans.push(PlanAssignment {
            plan: PlanMatch::Id("plan-fixed".into()),
            groups: vec!["Staff".into()],
        });
        let catalogue = vec![CataloguePlan {
            plan_id: "plan-fixed".into(),
            name: "Fixed \"Desk\"".into(),
        }];
        let text = to_toml(&s, &catalogue, "Lighthouse", Timestamp::UNIX_EPOCH);
        let value: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(value["extra_groups"].as_bool(), Some(true));
        assert_eq!(value["version"].as_integer(), Some(4));
        assert_eq!(value["groups"][0]["schedule"].as_str(), Some("Mon-Fri 07:00-22:00"));
        assert_eq!(value["plans"][0]["name"].as_str(), Some("Flex Desk"));
        assert_eq!(value["plans"][1]["id"].as_str(), Some("plan-fixed"));
        assert!(text.contains("# Fixed \"Desk\"\nid = \"plan-fixed\""), "{text}");
    }
}
