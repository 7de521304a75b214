//! Which catalogue plan a membership is on (cobot-api.md §3, §4).
//!
//! A membership carries its own copy of a plan: the copy has an id of its own, a name (which may
//! keep what it was when the member got it, or follow the catalogue — Cobot does not say), and
//! `parent_plan.id`, the catalogue plan's id. The hub identifies the catalogue plan by that id;
//! only when the id names no catalogue plan (or is missing) does it look for the one catalogue
//! plan carrying the copy's name. A membership whose plan is found neither way is reported.
//!
//! Names drift, so the hub also remembers the names a catalogue plan carried before
//! ([`PlanBook::next`], kept in the store): an assignment written with a plan's old name keeps
//! giving its members their groups after staff rename the plan in Cobot — unless another plan
//! has taken that name since, which then wins.

use std::collections::{BTreeMap, HashMap};

use frontdoor_core::cobot::api1;
use rusqlite::OptionalExtension;

use serde::{Deserialize, Serialize};

use crate::store::{ctx, Store};

/// Former names kept per plan (the oldest go first).
const FORMER_NAMES: usize = 10;

/// The plan catalogue of the last full sync, with the names its plans carried before.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanBook {
    /// Catalogue id → its name now.
    current: HashMap<String, String>,
    /// Folded name → the catalogue ids carrying it now.
    by_name: HashMap<String, Vec<String>>,
    /// Catalogue id → names it carried before, oldest first.
    former: BTreeMap<String, Vec<String>>,
}

/// How a membership's plan was found in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// By `parent_plan.id`.
    ById,
    /// `parent_plan.id` named no catalogue plan, but exactly one carries the copy's name.
    ByName,
    /// Neither: the membership matches assignments by its copy's name alone, and is reported.
    Nowhere,
}

/// A membership's plan as the hub files it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The catalogue id; when not found, whatever `parent_plan.id` Cobot sent.
    pub plan_id: Option<String>,
    /// The names name-assignments recognise it by, once found ([`MemberRecord::plan_names`]).
    ///
    /// [`MemberRecord::plan_names`]: crate::store::snapshot::MemberRecord::plan_names
    pub names: Option<Vec<String>>,
    /// How it was found.
    pub found: Found,
}

fn fold(name: &str) -> String {
    name.trim().to_lowercase()
}

impl PlanBook {
    /// A book of `catalogue` with the former names kept from earlier syncs.
    pub fn new(catalogue: &[CataloguePlan], mut former: BTreeMap<String, Vec<String>>) -> PlanBook {
        let current: HashMap<String, String> = catalogue.iter().map(|p| (p.plan_id.clone(), p.name.clone())).collect();
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for p in catalogue {
            let ids = by_name.entry(fold(&p.name)).or_default();
            if !ids.contains(&p.plan_id) {
                ids.push(p.plan_id.clone());
            }
        }
        // Plans gone from the catalogue take their history with them.
        former.retain(|id, _| current.contains_key(id));
        PlanBook {
            current,
            by_name,
            former,
        }
    }

    /// The book after a full sync read `catalogue`: a plan whose name changed keeps the old one
    /// among its former names.
    pub fn next(&self, catalogue: &[CataloguePlan]) -> PlanBook {
        let mut former = self.former.clone();
        for p in catalogue {
            let names = former.entry(p.plan_id.clone()).or_default();
            if let Some(old) = self.current.get(&p.plan_id) {
                if fold(old) != fold(&p.name) && !names.iter().any(|n| fold(n) == fold(old)) {
                    names.push(old.clone());
                }
            }
            // Renamed back: the name is current again.
            names.retain(|n| fold(n) != fold(&p.name));
            if names.len() > FORMER_NAMES {
                names.drain(..names.len() - FORMER_NAMES);
            }
        }
        former.retain(|_, names| !names.is_empty());
        PlanBook::new(catalogue, former)
    }

    /// Whether the book knows no plan (before the first full sync).
    pub fn is_empty(&self) -> bool {
        self.current.is_empty()
    }

    /// The former names to keep, per plan id.
    pub fn former(&self) -> &BTreeMap<String, Vec<String>> {
        &self.former
    }

    /// The catalogue plan a membership's copy of a plan stands for.
    pub fn resolve(&self, plan: &api1::MembershipPlan) -> Resolved {
        let parent = plan.parent_plan.as_ref().map(|p| p.id.clone());
        if let Some(id) = parent.as_ref().filter(|id| self.current.contains_key(*id)) {
            return Resolved {
                names: self.names_of(id),
                plan_id: Some(id.clone()),
                found: Found::ById,
            };
        }
        if let Some([id]) = self.by_name.get(&fold(&plan.name)).map(Vec::as_slice) {
            return Resolved {
                names: self.names_of(id),
                plan_id: Some(id.clone()),
                found: Found::ByName,
            };
        }
        Resolved {
            plan_id: parent,
            names: None,
            found: Found::Nowhere,
        }
    }

    /// The names assignments recognise catalogue plan `id` by: its name now and the former names
    /// no other plan carries now. `None` for an id the catalogue lacks.
    pub fn names_of(&self, id: &str) -> Option<Vec<String>> {
        let name = self.current.get(id)?;
        let mut names = vec![name.clone()];
        for old in self.former.get(id).into_iter().flatten() {
            if !self.by_name.contains_key(&fold(old)) {
                names.push(old.clone());
            }
        }
        Some(names)
    }

    /// The plan that carried `name` before and is called something else now, with its name now:
    /// an assignment naming it still works, but should be renamed.
    pub fn renamed(&self, name: &str) -> Option<(&str, &str)> {
        if self.by_name.contains_key(&fold(name)) {
            return None;
        }
        self.former.iter().find_map(|(id, names)| {
            names
                .iter()
                .any(|n| fold(n) == fold(name))
                .then(|| (id.as_str(), self.current.get(id).map_or("", String::as_str)))
        })
    }
}

impl Store {
    /// The former names of the catalogue's plans, as the last full sync left them.
    pub fn former_plan_names(&self) -> Result<BTreeMap<String, Vec<String>>, crate::store::Error> {
        let text: Option<String> = self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = 'plan_former_names'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(ctx("reading the plans' former names"))?;
        // Unreadable history is no history: the names in the catalogue still work.
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }

    /// Keeps the former names of the catalogue's plans.
    pub fn put_former_plan_names(&self, former: &BTreeMap<String, Vec<String>>) -> Result<(), crate::store::Error> {
        let text = serde_json::to_string(former).expect("names always serialise");
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('plan_former_names', ?1)",
                [text],
            )
            .map(|_| ())
            .map_err(ctx("storing the plans' former names"))
    }
}

/// A plan Cobot listed at the last full sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CataloguePlan {
    /// Cobot's plan id.
    pub plan_id: String,
    /// Its name.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue(plans: &[(&str, &str)]) -> Vec<CataloguePlan> {
        plans
            .iter()
            .map(|(id, name)| CataloguePlan {
                plan_id: id.to_string(),
                name: name.to_string(),
            })
            .collect()
    }

    fn copy(name: &str, parent: Option<&str>) -> api1::MembershipPlan {
        api1::MembershipPlan {
            id: Some("copy-1".into()),
            name: name.into(),
            parent_plan: parent.map(|id| api1::ParentPlan { id: id.into() }),
        }
    }

    #[test]
    fn a_copy_is_found_by_its_parents_id_then_by_its_name_then_not_at_all() {
        let book = PlanBook::new(
            &catalogue(&[
                ("plan-flex", "Flex Desk"),
                ("plan-day", "Day Pass"),
                ("plan-x", "Day Pass"),
            ]),
            BTreeMap::new(),
        );
        let by_id = book.resolve(&copy("Flex Desk (2019 price)", Some("plan-flex")));
        assert_eq!(
            (by_id.plan_id.as_deref(), by_id.found, by_id.names),
            (Some("plan-flex"), Found::ById, Some(vec!["Flex Desk".to_string()]))
        );
        let by_name = book.resolve(&copy(" flex desk", Some("4711")));
        assert_eq!(
            (by_name.plan_id.as_deref(), by_name.found),
            (Some("plan-flex"), Found::ByName)
        );
        let ambiguous = book.resolve(&copy("Day Pass", None));
        assert_eq!(
            (ambiguous.plan_id, ambiguous.found, ambiguous.names),
            (None, Found::Nowhere, None),
            "two plans carry the name: no guessing"
        );
        let gone = book.resolve(&copy("Night Owl", Some("plan-owl")));
        assert_eq!(
            (gone.plan_id.as_deref(), gone.found),
            (Some("plan-owl"), Found::Nowhere)
        );
    }

    #[test]
    fn a_renamed_plan_keeps_its_old_name_until_another_plan_takes_it() {
        let before = PlanBook::new(&catalogue(&[("plan-flex", "Flex Desk")]), BTreeMap::new());
        let renamed = before.next(&catalogue(&[("plan-flex", "Flex Space")]));
        assert_eq!(
            renamed.names_of("plan-flex"),
            Some(vec!["Flex Space".to_string(), "Flex Desk".to_string()])
        );
        assert_eq!(renamed.renamed("flex desk"), Some(("plan-flex", "Flex Space")));
        // Kept across syncs and restarts.
        let again = PlanBook::new(&catalogue(&[("plan-flex", "Flex Space")]), renamed.former().clone())
            .next(&catalogue(&[("plan-flex", "Flex Space")]));
        assert_eq!(again.names_of("plan-flex"), renamed.names_of("plan-flex"));
        // A new plan called "Flex Desk": the name is its now.
        let taken = again.next(&catalogue(&[("plan-flex", "Flex Space"), ("plan-new", "Flex Desk")]));
        assert_eq!(taken.names_of("plan-flex"), Some(vec!["Flex Space".to_string()]));
        assert_eq!(taken.renamed("Flex Desk"), None);
        // Renamed back: the name is current again, and the short-lived one is a former name.
        let back = before
            .next(&catalogue(&[("plan-flex", "Flex Space")]))
            .next(&catalogue(&[("plan-flex", "Flex Desk")]));
        assert_eq!(
            back.names_of("plan-flex"),
            Some(vec!["Flex Desk".to_string(), "Flex Space".to_string()])
        );
    }
}
