//! Memberships as Cobot shows them: their state on a given day, the plan in force, and their API 1
//! and API 2 representations (cobot-api.md §3–§5).

use jiff::civil::Date;
use serde_json::{json, Value};

use crate::dates::{api1_date, api1_time, iso_date, next_cycle_start, utc_date};
use crate::seed::{SeedMembership, SeedPlan, SeedPlanPeriod, SeedSpace};
use crate::state::State;

/// Ended: the cancellation date (the last day) lies before `today`. A membership canceled *to*
/// today is still current; a pending (unconfirmed) one is current too.
pub(crate) fn has_ended(m: &SeedMembership, today: Date) -> bool {
    m.canceled_to.is_some_and(|last| last < today)
}

/// The user's memberships that have not ended by their space's calendar, in seed order: where the
/// user is a member, as API 1 `/api/user` and API 2 `/user` list it.
pub(crate) fn current_of_user<'s>(state: &'s State, user_id: &'s str) -> impl Iterator<Item = &'s SeedMembership> + 's {
    state
        .seed
        .memberships
        .iter()
        .filter(move |m| m.user_id.as_deref() == Some(user_id))
        .filter(|m| {
            state
                .space(&m.space_subdomain)
                .is_some_and(|space| !has_ended(m, state.today(space)))
        })
}

/// The plan period in force on `day`: the one covering it; for an ended membership the last one
/// that started; for one that has not started yet the first.
pub(crate) fn period_at(m: &SeedMembership, day: Date) -> &SeedPlanPeriod {
    m.plans
        .iter()
        .rev()
        .find(|p| p.starts_at <= day && p.canceled_at.is_none_or(|last| last >= day))
        .or_else(|| m.plans.iter().rev().find(|p| p.starts_at <= day))
        .unwrap_or(&m.plans[0])
}

/// A plan change scheduled after `day` (API 1 `upcoming_plan`).
pub(crate) fn upcoming_period(m: &SeedMembership, day: Date) -> Option<&SeedPlanPeriod> {
    let current = period_at(m, day);
    m.plans.iter().find(|p| p.starts_at > day && !std::ptr::eq(*p, current))
}

/// The membership's email, else its user's.
pub(crate) fn email(state: &State, m: &SeedMembership) -> Option<String> {
    m.email.clone().or_else(|| {
        m.user_id
            .as_deref()
            .and_then(|id| state.user(id))
            .map(|u| u.email.clone())
    })
}

/// `{space}/api/memberships/{id}`: the membership's API 1 URL, as webhooks and `/api/user` link it.
pub(crate) fn api1_url(state: &State, m: &SeedMembership) -> String {
    format!("{}/api/memberships/{}", state.space_base(&m.space_subdomain), m.id)
}

/// A catalogue plan as `GET /api/plans` lists it; `welcome_message` only for `read_plans`.
pub(crate) fn catalogue_json(plan: &SeedPlan, with_private: bool) -> Value {
    let mut v = json!({
        "id": plan.id,
        "name": plan.name,
        "color": plan.color,
        "photo": null,
        "description": plan.description,
        "price_per_cycle": plan.price_per_cycle,
        "cycle_duration": plan.cycle_duration,
        "currency": plan.currency,
        "cancellation_period": plan.cancellation_period,
        "minimum_commitment": plan.minimum_commitment,
        "hidden": plan.hidden,
        "signup_charge": null,
        "booking_credits": [],
        "time_passes": [],
        "extras": [],
    });
    if with_private {
        v["welcome_message"] = json!(plan.welcome_message);
    }
    v
}

/// A membership's plan (API 1 `plan` / `upcoming_plan`): the membership's own copy of a catalogue
/// plan, with an `id` of its own, the copy's `name` and `parent_plan.id` naming the catalogue
/// plan (both as [`crate::variants::Variants`] say, where Cobot is [U]). The other details
/// render the catalogue entry, so `PUT /_sim/spaces/{sub}/plans/{id}` changes prices for every
/// member on it, like applying a plan edit to existing members in Cobot.
fn plan_json(state: &State, m: &SeedMembership, period: &SeedPlanPeriod) -> Value {
    let copy = state.plan_copy(m, period);
    let Some(plan) = state.plan(&m.space_subdomain, &period.plan_id) else {
        return json!({"id": copy.id, "parent_plan": {"id": copy.parent_id}});
    };
    json!({
        "id": copy.id,
        "name": copy.name.unwrap_or_else(|| plan.name.clone()),
        "description": plan.description,
        "parent_plan": {"id": copy.parent_id},
        "price_per_cycle": plan.price_per_cycle,
        "cycle_duration": plan.cycle_duration,
        "currency": plan.currency,
        "cancellation_period": plan.cancellation_period,
        "canceled_to": period.canceled_at.map(api1_date),
        "booking_credits": [],
        "extras": [],
        "time_passes": [],
    })
}

/// The API 1 membership object (cobot-api.md §3), as of `today` in the space.
///
/// Fields past the documented sample are [U]; the simulator sends the sample's fields, with
/// `null`/empty values where it has no data (address lines, customer number). `upcoming_plan`
/// carries an extra `starts_at` ([U]) so a scheduled change says when.
pub(crate) fn api1_json(state: &State, space: &SeedSpace, m: &SeedMembership, today: Date) -> Value {
    let user = m.user_id.as_deref().and_then(|id| state.user(id));
    let email = email(state, m);
    let period = period_at(m, today);
    let upcoming = upcoming_period(m, today).map(|p| {
        let mut plan = plan_json(state, m, p);
        plan["starts_at"] = json!(api1_date(p.starts_at));
        plan
    });
    let cycle = state
        .plan(&space.subdomain, &period.plan_id)
        .map_or(1, |p| p.cycle_duration);
    let next_invoice_at = match m.confirmed_at {
        Some(_) if !has_ended(m, today) => next_cycle_start(m.starts_at, cycle, today)
            .filter(|d| m.canceled_to.is_none_or(|last| *d <= last))
            .map(api1_date),
        _ => None,
    };
    let mut json = json!({
        "id": m.id,
        "name": m.name,
        "email": email,
        "phone": m.phone,
        "user": user.map(|u| json!({"id": u.id, "email": u.email})),
        "picture": state.picture_url(m),
        "address": {
            "company": m.company,
            "name": m.name,
            "full_address": null,
            "country": space.country,
        },
        "billing_emails": [],
        "charge_taxes": true,
        "customer_number": null,
        "plan": plan_json(state, m, period),
        "upcoming_plan": upcoming,
        "payment_method": {"name": "cash", "automated": false},
        "confirmed_at": m.confirmed_at.map(api1_time),
        "starts_at": api1_date(m.starts_at),
        "canceled_to": m.canceled_to.map(api1_date),
        "next_invoice_at": next_invoice_at,
    });
    state.garble(&m.id, &mut json);
    json
}

/// One membership's custom field values: every definition of the space, `value` `null` where
/// unset and `""` where set empty ([U] which Cobot sends; the simulator sends both).
pub(crate) fn custom_fields_json(state: &State, m: &SeedMembership) -> Value {
    let fields: Vec<Value> = state
        .custom_fields_of(&m.space_subdomain)
        .map(|f| json!({"id": f.id, "label": f.label, "value": m.custom_fields.get(&f.id)}))
        .collect();
    json!({"membership_id": m.id, "fields": fields})
}

/// API 2 `photo`: the picture at every size Cobot lists (the sizes are the spec example's).
fn photo_json(url: &str) -> Value {
    let size = |px: u32| json!({"url": url, "width": px, "height": px});
    json!({
        "thumb": size(50),
        "small": size(120),
        "large": size(285),
        "xlarge": size(600),
        "hd": size(1200),
    })
}

/// The API 2 membership resource (schema `-membership-data`). `confirmedAt` is the UTC date of
/// the confirmation; `canceledAt` is the membership's last day (`canceled_to`) ([U] mapping).
pub(crate) fn api2_json(state: &State, api2: &str, space: &SeedSpace, m: &SeedMembership) -> Value {
    json!({
        "id": m.id,
        "type": "memberships",
        "attributes": {
            "name": m.name,
            "email": email(state, m),
            "phone": m.phone,
            "company": m.company,
            "confirmedAt": m.confirmed_at.map(|t| iso_date(utc_date(t))),
            "canceledAt": m.canceled_to.map(iso_date),
            "photo": photo_json(&state.picture_url(m)),
        },
        "relationships": {
            "space": {"data": {"id": space.id, "type": "spaces"}},
            "bookingCredits": {"links": {"related": format!("{api2}/memberships/{}/booking_credits", m.id)}},
        },
    })
}

/// One API 2 `membershipPlans` entry: plan period `index` (0-based) of `m`.
pub(crate) fn api2_plan_json(state: &State, space: &SeedSpace, m: &SeedMembership, index: usize) -> Value {
    let period = &m.plans[index];
    let plan = state.plan(&space.subdomain, &period.plan_id);
    let name = plan.map_or(period.plan_id.as_str(), |p| p.name.as_str());
    let net = plan.map_or("0.0", |p| p.price_per_cycle.as_str());
    let currency = plan.map_or("EUR", |p| p.currency.as_str());
    json!({
        "id": format!("{}-plan-{}", m.id, index + 1),
        "type": "membershipPlans",
        "attributes": {
            "name": name,
            "description": plan.and_then(|p| p.description.clone()),
            "accountingCode": null,
            "cycleDuration": plan.map_or(1, |p| p.cycle_duration),
            "pricePerCycle": price_json(net, currency, space.tax_rate),
            "extras": [],
            "startsAt": iso_date(period.starts_at),
            "canceledAt": period.canceled_at.map(iso_date),
        },
        "relationships": {
            "membership": {"data": {"id": m.id, "type": "memberships"}},
        },
    })
}

/// API 2 `price`: net as given, gross with the space's default tax, decimals as Cobot writes
/// them (`"119.0"`, `"214.2"`).
pub(crate) fn price_json(net: &str, currency: &str, tax_rate: f64) -> Value {
    let net_cents = cents(net).unwrap_or(0);
    let rate_bp = (tax_rate * 100.0).round() as i64;
    let gross_cents = (net_cents * (10_000 + rate_bp) + 5_000).div_euclid(10_000);
    json!({
        "net": decimal(net_cents),
        "gross": decimal(gross_cents),
        "currency": currency,
        "taxes": [{"rate": tax_rate_decimal(tax_rate), "name": "VAT"}],
    })
}

/// A tax rate in percent as Cobot's decimal string (`19.0` → `"19.0"`).
pub(crate) fn tax_rate_decimal(tax_rate: f64) -> String {
    decimal((tax_rate * 100.0).round() as i64)
}

/// A decimal string (`"180.0"`, `"29.75"`) in hundredths, rounded half up past two decimals.
fn cents(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let int: i64 = int.parse().ok()?;
    let mut digits = frac.chars();
    let mut frac_cents = 0;
    for _ in 0..2 {
        frac_cents = frac_cents * 10 + digits.next().map_or(Some(0), |c| c.to_digit(10))?;
    }
    let round = digits.next().and_then(|c| c.to_digit(10)).is_some_and(|d| d >= 5);
    Some(int * 100 + i64::from(frac_cents) + i64::from(round))
}

/// Hundredths as Cobot's decimal string: at least one fractional digit, no trailing zeros.
fn decimal(hundredths: i64) -> String {
    let (int, frac) = (hundredths / 100, hundredths % 100);
    if frac % 10 == 0 {
        format!("{int}.{}", frac / 10)
    } else {
        format!("{int}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn prices_are_written_like_cobots_decimals() {
        assert_eq!(
            price_json("180.0", "EUR", 19.0),
            json!({"net": "180.0", "gross": "214.2", "currency": "EUR", "taxes": [{"rate": "19.0", "name": "VAT"}]})
        );
        assert_eq!(price_json("100", "EUR", 19.0)["gross"], "119.0");
        assert_eq!(price_json("25.0", "EUR", 7.5)["gross"], "26.88");
        assert_eq!(decimal(2975), "29.75");
        assert_eq!(cents("1.005"), Some(101));
    }

    #[test]
    fn the_plan_in_force_follows_the_history() {
        let period = |plan: &str, from: Date, to: Option<Date>| SeedPlanPeriod {
            plan_id: plan.into(),
            starts_at: from,
            canceled_at: to,
        };
        let mut m = crate::seed::demo().memberships[0].clone();
        m.plans = vec![
            period("plan-flex", date(2026, 1, 5), Some(date(2026, 11, 30))),
            period("plan-fixed", date(2026, 12, 1), None),
        ];
        assert_eq!(period_at(&m, date(2026, 11, 23)).plan_id, "plan-flex");
        assert_eq!(
            upcoming_period(&m, date(2026, 11, 23)).map(|p| p.plan_id.as_str()),
            Some("plan-fixed")
        );
        assert_eq!(period_at(&m, date(2026, 12, 1)).plan_id, "plan-fixed");
        assert_eq!(upcoming_period(&m, date(2026, 12, 1)), None);
        assert_eq!(
            period_at(&m, date(2025, 1, 1)).plan_id,
            "plan-flex",
            "before the start the first plan shows"
        );
    }
}
