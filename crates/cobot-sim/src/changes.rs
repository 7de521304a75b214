//! Changes to a space's data as Cobot's own UI would make them, each firing the webhooks Cobot
//! fires for it. The control API (`/_sim/spaces/…`) and in-process tests (methods on [`Sim`])
//! both come through here, so the two can never disagree.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use serde::{Deserialize, Deserializer};

use crate::dates::day_before;
use crate::membership::period_at;
use crate::seed::{SeedCustomField, SeedMembership, SeedPlan, SeedPlanPeriod, SeedUser};
use crate::state::{State, TokenRecord};
use crate::webhooks::{Event, Notification};
use crate::Sim;

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// The space, membership, plan, field, user or client does not exist (control API: 404).
    #[error("{0}")]
    NotFound(String),
    /// The change is malformed or contradicts the data (control API: 422).
    #[error("{0}")]
    Invalid(String),
    /// The change collides with existing data (control API: 409).
    #[error("{0}")]
    Conflict(String),
}

/// Fields for [`Sim::upsert_membership`], the JSON body of `PUT /_sim/spaces/{sub}/memberships/{id}`.
/// For an existing membership, absent fields keep their value and `null` clears a nullable one;
/// a new one needs `name` and `plan_id` and starts today, pending, unless told otherwise. Dates
/// are `YYYY-MM-DD`, instants RFC 3339 (`2026-01-05T09:12:00Z`); `custom_fields` is keyed by
/// label.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipPatch {
    /// Connect a user account (`null`: none).
    #[serde(default, deserialize_with = "present")]
    pub user_id: Option<Option<String>>,
    /// Name on the membership.
    pub name: Option<String>,
    /// Email on the membership (`null`: the user's).
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Option<String>>,
    /// Phone.
    #[serde(default, deserialize_with = "present")]
    pub phone: Option<Option<String>>,
    /// Company.
    #[serde(default, deserialize_with = "present")]
    pub company: Option<Option<String>>,
    /// Picture URL (`null`: the generated placeholder).
    #[serde(default, deserialize_with = "present")]
    pub picture: Option<Option<String>>,
    /// Catalogue plan; for an existing membership a different plan is a plan change from today.
    pub plan_id: Option<String>,
    /// Confirmation instant (`null`: pending).
    #[serde(default, deserialize_with = "present")]
    pub confirmed_at: Option<Option<Timestamp>>,
    /// First day.
    pub starts_at: Option<Date>,
    /// Last day (`null`: not canceled).
    #[serde(default, deserialize_with = "present")]
    pub canceled_to: Option<Option<Date>>,
    /// Values by custom field label (`null`: unset).
    pub custom_fields: Option<BTreeMap<String, Option<String>>>,
    /// Check-in token (`null`: none); no webhook fires for it.
    #[serde(default, deserialize_with = "present")]
    pub check_in_token: Option<Option<String>>,
    /// Time passes left (`null`: unlimited); no webhook fires for it.
    #[serde(default, deserialize_with = "present")]
    pub time_passes_left: Option<Option<u32>>,
}

/// Distinguishes a field sent as `null` (`Some(None)`) from an absent one (`None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Whether the patch created the membership or changed an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// It was new.
    Created,
    /// It existed.
    Updated,
}

fn not_found(what: &str, id: &str) -> ChangeError {
    ChangeError::NotFound(format!("unknown {what} `{id}`"))
}

/// Sets the cancellation date (`None` withdraws it) and closes the plan history on it.
fn apply_cancel(m: &mut SeedMembership, canceled_to: Option<Date>) -> Result<(), ChangeError> {
    if let Some(last) = canceled_to {
        if last < m.starts_at {
            return Err(ChangeError::Invalid(format!(
                "canceled_to {last} is before the membership starts ({})",
                m.starts_at
            )));
        }
        m.plans.retain(|p| p.starts_at <= last);
    }
    m.canceled_to = canceled_to;
    if let Some(period) = m.plans.last_mut() {
        period.canceled_at = canceled_to;
    }
    Ok(())
}

/// Puts the membership on `plan_id` from `from`: the period in force then ends the day before,
/// periods planned after it are dropped.
fn apply_plan_change(m: &mut SeedMembership, plan_id: &str, from: Date) -> Result<(), ChangeError> {
    if from < m.starts_at {
        return Err(ChangeError::Invalid(format!(
            "from {from} is before the membership starts ({})",
            m.starts_at
        )));
    }
    if m.canceled_to.is_some_and(|last| from > last) {
        return Err(ChangeError::Invalid(format!(
            "from {from} is after the membership ends"
        )));
    }
    m.plans.retain(|p| p.starts_at < from);
    if let Some(last) = m.plans.last_mut() {
        if last.canceled_at.is_none_or(|c| c >= from) {
            last.canceled_at = Some(day_before(from));
        }
    }
    m.plans.push(SeedPlanPeriod {
        plan_id: plan_id.to_string(),
        starts_at: from,
        canceled_at: m.canceled_to,
    });
    Ok(())
}

impl State {
    fn today_of(&self, subdomain: &str) -> Result<Date, ChangeError> {
        let space = self.space(subdomain).ok_or_else(|| not_found("space", subdomain))?;
        Ok(self.today(space))
    }

    fn require_plan(&self, subdomain: &str, plan_id: &str) -> Result<(), ChangeError> {
        self.plan(subdomain, plan_id)
            .map(|_| ())
            .ok_or_else(|| ChangeError::Invalid(format!("unknown plan `{plan_id}` in `{subdomain}`")))
    }

    /// A custom field of the space by label.
    fn field_by_label(&self, subdomain: &str, label: &str) -> Option<&SeedCustomField> {
        self.seed
            .custom_fields
            .iter()
            .find(|f| f.space_subdomain == subdomain && f.label == label)
    }

    /// Sets values by field id (`None` unsets); returns whether anything changed.
    pub(crate) fn set_custom_values(
        &mut self,
        subdomain: &str,
        id: &str,
        changes: Vec<(String, Option<String>)>,
    ) -> bool {
        let Some(m) = self.membership_in_mut(subdomain, id) else {
            return false;
        };
        let before = m.custom_fields.clone();
        for (field, value) in changes {
            match value {
                Some(v) => m.custom_fields.insert(field, v),
                None => m.custom_fields.remove(&field),
            };
        }
        m.custom_fields != before
    }

    /// Replaces the space's custom field definitions; values of removed fields are deleted from
    /// every membership of the space.
    pub(crate) fn replace_custom_field_definitions(&mut self, subdomain: &str, definitions: Vec<SeedCustomField>) {
        self.seed.custom_fields.retain(|f| f.space_subdomain != subdomain);
        let keep: std::collections::HashSet<String> = definitions.iter().map(|f| f.id.clone()).collect();
        self.seed.custom_fields.extend(definitions);
        for m in self
            .seed
            .memberships
            .iter_mut()
            .filter(|m| m.space_subdomain == subdomain)
        {
            m.custom_fields.retain(|id, _| keep.contains(id));
        }
    }

    fn upsert_membership(
        &mut self,
        subdomain: &str,
        id: &str,
        patch: MembershipPatch,
    ) -> Result<(Upserted, Vec<Event>), ChangeError> {
        let today = self.today_of(subdomain)?;
        if let Some(Some(user_id)) = &patch.user_id {
            if self.user(user_id).is_none() {
                return Err(ChangeError::Invalid(format!("unknown user `{user_id}`")));
            }
            if let Some(other) = self.membership(user_id, subdomain).filter(|m| m.id != id) {
                return Err(ChangeError::Conflict(format!(
                    "user `{user_id}` already has membership `{}` in `{subdomain}`",
                    other.id
                )));
            }
        }
        if let Some(plan_id) = &patch.plan_id {
            self.require_plan(subdomain, plan_id)?;
        }
        let mut values = Vec::new();
        for (label, value) in patch.custom_fields.iter().flatten() {
            let field = self
                .field_by_label(subdomain, label)
                .ok_or_else(|| ChangeError::Invalid(format!("unknown custom field `{label}`")))?;
            values.push((field.id.clone(), value.clone()));
        }

        if self.membership_in(subdomain, id).is_none() {
            if self.membership_by_id(id).is_some() {
                return Err(ChangeError::Conflict(format!(
                    "membership id `{id}` is taken in another space"
                )));
            }
            let name = patch
                .name
                .ok_or_else(|| ChangeError::Invalid("a new membership needs `name`".into()))?;
            let plan_id = patch
                .plan_id
                .ok_or_else(|| ChangeError::Invalid("a new membership needs `plan_id`".into()))?;
            let starts_at = patch.starts_at.unwrap_or(today);
            let confirmed_at = patch.confirmed_at.flatten();
            let mut m = SeedMembership {
                id: id.to_string(),
                user_id: patch.user_id.flatten(),
                space_subdomain: subdomain.to_string(),
                name,
                email: patch.email.flatten(),
                phone: patch.phone.flatten(),
                company: patch.company.flatten(),
                picture: patch.picture.flatten(),
                confirmed_at,
                starts_at,
                canceled_to: None,
                plans: vec![SeedPlanPeriod {
                    plan_id,
                    starts_at,
                    canceled_at: None,
                }],
                custom_fields: values
                    .into_iter()
                    .filter_map(|(field, value)| Some((field, value?)))
                    .collect(),
                check_in_token: patch.check_in_token.flatten(),
                time_passes_left: patch.time_passes_left.flatten(),
            };
            apply_cancel(&mut m, patch.canceled_to.flatten())?;
            self.add_membership(m);
            let mut events = vec![Event::CreatedMembership];
            if confirmed_at.is_some() {
                events.push(Event::ConfirmedMembership);
            }
            return Ok((Upserted::Created, events));
        }

        let mut m = self
            .membership_in(subdomain, id)
            .cloned()
            .ok_or_else(|| not_found("membership", id))?;
        let mut events = Vec::new();
        let mut details = false;
        if let Some(name) = patch.name {
            details |= name != m.name;
            m.name = name;
        }
        for (field, value) in [
            (&mut m.email, patch.email),
            (&mut m.phone, patch.phone),
            (&mut m.company, patch.company),
            (&mut m.picture, patch.picture),
        ] {
            if let Some(value) = value {
                details |= *field != value;
                *field = value;
            }
        }
        if let Some(user_id) = patch.user_id {
            if user_id != m.user_id {
                if m.user_id.is_none() {
                    events.push(Event::ConnectedUser);
                } else {
                    details = true;
                }
                m.user_id = user_id;
            }
        }
        if details {
            events.push(Event::UpdatedMembershipDetails);
        }
        if let Some(starts_at) = patch.starts_at {
            if let Some(first) = m.plans.first_mut() {
                first.starts_at = starts_at;
            }
            m.starts_at = starts_at;
        }
        if let Some(confirmed_at) = patch.confirmed_at {
            if m.confirmed_at.is_none() && confirmed_at.is_some() {
                events.push(Event::ConfirmedMembership);
            }
            m.confirmed_at = confirmed_at;
        }
        if let Some(canceled_to) = patch.canceled_to {
            if canceled_to != m.canceled_to {
                events.push(match canceled_to {
                    Some(_) => Event::CanceledMembership,
                    None => Event::UncanceledMembership,
                });
                apply_cancel(&mut m, canceled_to)?;
            }
        }
        if let Some(token) = patch.check_in_token {
            m.check_in_token = token;
        }
        if let Some(left) = patch.time_passes_left {
            m.time_passes_left = left;
        }
        if let Some(plan_id) = patch.plan_id {
            if period_at(&m, today).plan_id != plan_id {
                let from = today.max(m.starts_at);
                apply_plan_change(&mut m, &plan_id, from)?;
                events.push(Event::ChangedMembershipPlan);
            }
        }
        *self
            .membership_in_mut(subdomain, id)
            .ok_or_else(|| not_found("membership", id))? = m;
        if self.set_custom_values(subdomain, id, values) {
            events.push(Event::UpdatedCustomField);
        }
        Ok((Upserted::Updated, events))
    }
}

impl Sim {
    /// Runs `change` on the state, then delivers the webhooks its events cause (outside the lock).
    fn change<T>(
        &self,
        subdomain: &str,
        id: &str,
        change: impl FnOnce(&mut State) -> Result<(T, Vec<Event>), ChangeError>,
    ) -> Result<T, ChangeError> {
        let (result, notes) = {
            let mut state = self.lock();
            let (result, events) = change(&mut state)?;
            let notes: Vec<Notification> = state.membership_notifications(subdomain, id, &events);
            (result, notes)
        };
        self.deliver(notes);
        Ok(result)
    }

    /// Creates or changes membership `id` of `subdomain` (see [`MembershipPatch`]) and fires what
    /// Cobot would: `created_membership` (+ `confirmed_membership` if created confirmed), or for
    /// a change `updated_membership_details`, `connected_user`, `confirmed_membership`,
    /// `canceled_membership`/`uncanceled_membership`, `changed_membership_plan`,
    /// `updated_custom_field` as applicable.
    pub fn upsert_membership(
        &self,
        subdomain: &str,
        id: &str,
        patch: MembershipPatch,
    ) -> Result<Upserted, ChangeError> {
        self.change(subdomain, id, |state| state.upsert_membership(subdomain, id, patch))
    }

    /// Moves membership `id` to `plan_id` from `from` (default: today in the space, or its start
    /// if later), appending to its plan history; fires `changed_membership_plan`.
    pub fn change_plan(&self, subdomain: &str, id: &str, plan_id: &str, from: Option<Date>) -> Result<(), ChangeError> {
        self.change(subdomain, id, |state| {
            let today = state.today_of(subdomain)?;
            state.require_plan(subdomain, plan_id)?;
            let m = state
                .membership_in_mut(subdomain, id)
                .ok_or_else(|| not_found("membership", id))?;
            let from = from.unwrap_or(today.max(m.starts_at));
            apply_plan_change(m, plan_id, from)?;
            Ok(((), vec![Event::ChangedMembershipPlan]))
        })
    }

    /// Makes `user_id` (named `name`) an admin of `subdomain` (the space's owner adds one in
    /// Cobot's settings); `GET /api/user` lists the space under `admin_of` from now on. Whether
    /// they were not one already.
    pub fn add_admin(&self, subdomain: &str, user_id: &str, name: &str) -> bool {
        let mut state = self.lock();
        if state
            .seed
            .admins
            .iter()
            .any(|a| a.user_id == user_id && a.space_subdomain == subdomain)
        {
            return false;
        }
        state.seed.admins.push(crate::seed::SeedAdmin {
            user_id: user_id.into(),
            space_subdomain: subdomain.into(),
            name: name.into(),
        });
        true
    }

    /// Takes `user_id`'s admin rights in `subdomain` away (an admin demoted by the space's owner);
    /// `GET /api/user` no longer lists the space under `admin_of`. Whether they were an admin.
    ///
    /// As Cobot documents for space tokens (access-tokens doc, §1): a space-owned token the
    /// person made is handed to the space's owner, so it keeps working and from now on acts for
    /// (and counts against the budget of, and lists the webhook subscriptions of) the owner; the
    /// person's own subscriptions in the space are turned off.
    pub fn remove_admin(&self, subdomain: &str, user_id: &str) -> bool {
        let mut state = self.lock();
        let before = state.seed.admins.len();
        state
            .seed
            .admins
            .retain(|a| !(a.user_id == user_id && a.space_subdomain == subdomain));
        let removed = before != state.seed.admins.len();
        let owner = state.space(subdomain).map(|s| s.owner_id.clone());
        if let (true, Some(owner)) = (removed, owner) {
            // The person's webhook subscriptions in the space stop ([U]: Cobot lists them per user
            // and app; whether a former admin's keep delivering is not documented). Whoever holds
            // the token now must subscribe again.
            for subscription in state.subscriptions.iter_mut() {
                if subscription.space == subdomain && subscription.user_id == user_id {
                    subscription.active = false;
                }
            }
            for token in state.tokens.values_mut() {
                if token.space.as_deref() == Some(subdomain) && token.user_id == user_id {
                    tracing::info!(from = %user_id, to = %owner, "a space token was handed to the space's owner");
                    token.user_id = owner.clone();
                }
            }
        }
        removed
    }

    /// Sets membership `id`'s last day (`None` withdraws the cancellation); fires
    /// `canceled_membership` (or `uncanceled_membership`).
    pub fn cancel_membership(&self, subdomain: &str, id: &str, canceled_to: Option<Date>) -> Result<(), ChangeError> {
        self.change(subdomain, id, |state| {
            state.today_of(subdomain)?;
            let m = state
                .membership_in_mut(subdomain, id)
                .ok_or_else(|| not_found("membership", id))?;
            apply_cancel(m, canceled_to)?;
            let event = match canceled_to {
                Some(_) => Event::CanceledMembership,
                None => Event::UncanceledMembership,
            };
            Ok(((), vec![event]))
        })
    }

    /// Confirms pending membership `id` now (simulated clock); fires `confirmed_membership`.
    /// Already confirmed: [`ChangeError::Conflict`].
    pub fn confirm_membership(&self, subdomain: &str, id: &str) -> Result<(), ChangeError> {
        self.change(subdomain, id, |state| {
            state.today_of(subdomain)?;
            let now = Timestamp::from_second(state.now().as_second()).unwrap_or(Timestamp::UNIX_EPOCH);
            let m = state
                .membership_in_mut(subdomain, id)
                .ok_or_else(|| not_found("membership", id))?;
            if m.confirmed_at.is_some() {
                return Err(ChangeError::Conflict(format!("membership `{id}` is already confirmed")));
            }
            m.confirmed_at = Some(now);
            Ok(((), vec![Event::ConfirmedMembership]))
        })
    }

    /// Deletes membership `id`; fires `deleted_membership` carrying the whole object.
    pub fn delete_membership(&self, subdomain: &str, id: &str) -> Result<(), ChangeError> {
        let notes = {
            let mut state = self.lock();
            state.today_of(subdomain)?;
            state
                .membership_in(subdomain, id)
                .ok_or_else(|| not_found("membership", id))?;
            let notes = state.membership_notifications(subdomain, id, &[Event::DeletedMembership]);
            state.remove_membership(subdomain, id);
            notes
        };
        self.deliver(notes);
        Ok(())
    }

    /// Sets custom field `label` of membership `id` (`None` unsets it); fires
    /// `updated_custom_field` if the value changed.
    pub fn set_custom_field(
        &self,
        subdomain: &str,
        id: &str,
        label: &str,
        value: Option<String>,
    ) -> Result<(), ChangeError> {
        self.change(subdomain, id, |state| {
            state.today_of(subdomain)?;
            let field = state
                .field_by_label(subdomain, label)
                .ok_or_else(|| not_found("custom field", label))?
                .id
                .clone();
            state
                .membership_in(subdomain, id)
                .ok_or_else(|| not_found("membership", id))?;
            let changed = state.set_custom_values(subdomain, id, vec![(field, value)]);
            let events = if changed {
                vec![Event::UpdatedCustomField]
            } else {
                Vec::new()
            };
            Ok(((), events))
        })
    }

    /// Adds or replaces plan `plan.id` in the catalogue of `plan.space_subdomain`. Memberships on
    /// it show the new details (see `membership::plan_json`); a new name reaches their copies of
    /// the plan only with [`crate::PlanCopyNames::Follow`]. No webhook: Cobot has no plan events.
    pub fn upsert_plan(&self, plan: SeedPlan) -> Result<Upserted, ChangeError> {
        let mut state = self.lock();
        state.today_of(&plan.space_subdomain)?;
        let decimal = |s: &str| {
            let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
            !int.is_empty() && !frac.is_empty() && (int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit())
        };
        if plan.name.trim().is_empty() || !decimal(&plan.price_per_cycle) || plan.cycle_duration == 0 {
            return Err(ChangeError::Invalid(
                "a plan needs a name, a decimal price_per_cycle such as \"180.0\" and a cycle_duration of at least 1"
                    .into(),
            ));
        }
        let renamed_from = state
            .plan(&plan.space_subdomain, &plan.id)
            .filter(|old| old.name != plan.name)
            .map(|old| old.name.clone());
        if let Some(old_name) = renamed_from {
            state.freeze_plan_name(&plan.space_subdomain, &plan.id, &old_name);
        }
        match state
            .seed
            .plans
            .iter_mut()
            .find(|p| p.space_subdomain == plan.space_subdomain && p.id == plan.id)
        {
            Some(existing) => {
                *existing = plan;
                Ok(Upserted::Updated)
            }
            None => {
                state.seed.plans.push(plan);
                Ok(Upserted::Created)
            }
        }
    }

    /// Adds or replaces a user account.
    pub fn upsert_user(&self, user: SeedUser) -> Result<Upserted, ChangeError> {
        if user.id.trim().is_empty() || !user.email.contains('@') {
            return Err(ChangeError::Invalid("a user needs an id and an email address".into()));
        }
        let mut state = self.lock();
        let existed = state.user(&user.id).is_some();
        state.put_user(user);
        Ok(if existed { Upserted::Updated } else { Upserted::Created })
    }

    /// Issues an access token as if `user_id` had authorized `client_id` for `scopes` (each must be
    /// one the client may request). For tests that need a token without the browser flow.
    pub fn issue_token(&self, user_id: &str, client_id: &str, scopes: &[String]) -> Result<String, ChangeError> {
        let mut state = self.lock();
        state.user(user_id).ok_or_else(|| not_found("user", user_id))?;
        let client = state
            .clients
            .get(client_id)
            .ok_or_else(|| not_found("client", client_id))?;
        if let Some(scope) = scopes.iter().find(|s| !client.scopes.contains(s)) {
            return Err(ChangeError::Invalid(format!(
                "client `{client_id}` may not request scope `{scope}`"
            )));
        }
        let now = state.now();
        Ok(state.issue_token(TokenRecord {
            user_id: user_id.to_string(),
            client_id: client_id.to_string(),
            scopes: scopes.to_vec(),
            issued_at: now,
            revoked_at: None,
            space: None,
        }))
    }
}
