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
use frontdoor_core::console::{AccessSetup, DoorRef, GroupSetup, PlanSetup};
use frontdoor_core::hub::Code;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::app::doors::{Doors, StoredDoor, Workshop};
use crate::app::Error;
use crate::app::Hub;
use crate::base::config::Config;
pub use crate::store::plans::CataloguePlan;
use crate::store::{SessionRow, Store};

/// Groups a setup may hold: far more than any space uses, few enough that every change can
/// rewrite the whole setup in one small transaction.
pub const MAX_GROUPS: usize = 200;
/// Changes the trail answers at most.
pub const MAX_CHANGES_LISTED: u32 = 200;
/// The longest group identifier: staff type it into a Cobot field by hand.
pub const MAX_ID_CHARS: usize = 64;
/// The longest group name.
pub const MAX_NAME_CHARS: usize = 100;

/// Who makes a change, for the change trail: a staff member on their device, or the fleet's
/// staff (`fleet:<name>`, device `fleet`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The Cobot user, or `fleet:<name>`.
    pub user_id: String,
    /// Their device, or `fleet`.
    pub device_id: String,
}

impl Actor {
    /// A staff member signed in at the hub.
    pub fn staff(session: &SessionRow) -> Actor {
        Actor {
            user_id: session.user_id.clone(),
            device_id: session.device_id.clone(),
        }
    }

    /// The operator's staff member `name`, through the fleet.
    pub fn fleet(name: &str) -> Actor {
        Actor {
            user_id: format!("fleet:{name}"),
            device_id: "fleet".into(),
        }
    }
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

pub(crate) use crate::store::access_setup::insert_change;
pub use crate::store::access_setup::{PlanAssignment, StoredSetup, Trail, MAX_CHANGES};

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

mod change;
pub(crate) use change::*;
pub mod whole;

#[cfg(test)]
mod tests;
