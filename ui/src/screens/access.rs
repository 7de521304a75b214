//! The member's access: today's check-in, their plans, their doors (the first that opens for
//! them with its Unlock in the thumb bar), how old the hub's answer is, and recent check-ins.

use std::collections::BTreeMap;

use frontdoor_ipc::{AccessView, CheckInState};
use yew::prelude::*;

use crate::words::{use_lang, Lang};

use super::door::{Door, DoorResult};
use crate::facts;
use crate::model::{self, DoorState};

#[derive(Properties, PartialEq)]
pub(crate) struct AccessProps {
    pub(crate) access: AccessView,
    /// What the doors the person tapped are doing.
    pub(crate) doors: BTreeMap<String, DoorState>,
    pub(crate) on_unlock: Callback<String>,
    pub(crate) on_dismiss: Callback<String>,
}

/// An RFC 3339 time in the person's locale.
/// Seconds from `rfc3339` to now, by this device's clock.
fn seconds_since(rfc3339: &str) -> Option<i64> {
    let then = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339)).get_time();
    (!then.is_nan()).then(|| ((js_sys::Date::now() - then) / 1000.0) as i64)
}

fn local_time(rfc3339: &str, lang: Lang) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_string();
    }
    String::from(date.to_locale_string(lang.tag(), &wasm_bindgen::JsValue::UNDEFINED))
}

#[function_component(Access)]
pub(crate) fn access(props: &AccessProps) -> Html {
    let lang = use_lang();
    let a = &props.access;
    // Results of doors the list does not show (a door link to a door the app did not know).
    let unlisted: Vec<(&String, &DoorState)> = props
        .doors
        .iter()
        .filter(|(id, _)| !a.doors.iter().any(|d| &d.id == *id))
        .collect();
    // The door most people open most (the first the hub lists that opens for them now) gets the
    // one Unlock within thumb's reach at the bottom of the screen; other doors keep theirs.
    let primary = a.doors.iter().find(|d| d.allowed).cloned();
    let thumb = primary.as_ref().map(|d| {
        let opening = matches!(props.doors.get(&d.id), Some(DoorState::Opening { .. }));
        let (on_unlock, id) = (props.on_unlock.clone(), d.id.clone());
        let unlock = Callback::from(move |_| on_unlock.emit(id.clone()));
        html! {
            <div id="thumb-bar">
                <button id="thumb-unlock" class="unlock primary" data-door={d.id.clone()} disabled={opening}
                    onclick={unlock} aria-label={lang.t_args("unlock-door", &[("door", (&d.name).into())])}>
                    { if opening { lang.t("opening") } else { lang.t_args("unlock-door", &[("door", (&d.name).into())]) } }
                </button>
            </div>
        }
    });
    html! {
        <section id="access">
            if let Some(check_in) = &a.check_in {
                <p id="check-in-status" class={classes!("check-in", check_in_class(check_in.state))}
                    data-state={check_in_class(check_in.state)} role="status">
                    { facts::check_in_line(check_in, lang) }
                    if a.stale { { format!(" ({})", facts::date(&check_in.day, lang)) } }
                </p>
            }
            <h3>{ lang.t("your-plans") }</h3>
            <ul id="plans">
                { for a.plans.iter().map(|p| {
                    let dates = match (&p.since, &p.until) {
                        (Some(s), Some(u)) => format!("{} – {}", facts::date(s, lang), facts::date(u, lang)),
                        (Some(s), None) => lang.t_args("plan-since", &[("date", (&facts::date(s, lang)).into())]),
                        (None, Some(u)) => lang.t_args("plan-until", &[("date", (&facts::date(u, lang)).into())]),
                        (None, None) => String::new(),
                    };
                    html! {
                        <li class={classes!("plan", if p.active { "active" } else { "inactive" })} data-plan={p.name.clone()}>
                            <span class="plan-name">{ &p.name }</span>
                            <span class="plan-status">{ facts::plan_standing(p, lang) }</span>
                            <span class="plan-dates muted">{ dates }</span>
                        </li>
                    }
                }) }
            </ul>
            if a.plans.is_empty() {
                <p class="muted">{ lang.t("no-plan") }</p>
            }
            <h3>{ lang.t("doors") }</h3>
            <ul id="doors">
                { for a.doors.iter().map(|d| html! {
                    <Door door={d.clone()} state={props.doors.get(&d.id).cloned()}
                        in_thumb_bar={primary.as_ref().is_some_and(|p| p.id == d.id)}
                        on_unlock={props.on_unlock.clone()} on_dismiss={props.on_dismiss.clone()} />
                }) }
            </ul>
            <div id="door-results" aria-live="polite">
                { for unlisted.into_iter().map(|(id, state)| html! {
                    <DoorResult door={id.clone()} state={state.clone()} on_dismiss={props.on_dismiss.clone()} />
                }) }
            </div>
            <p id="as-of" class={classes!("muted", a.stale.then_some("stale"))}>
                { match seconds_since(&a.as_of) {
                    Some(age) => format!("{} ({})", model::reached_words(age, lang), local_time(&a.as_of, lang)),
                    None => lang.t_args("as-of", &[("time", (&local_time(&a.as_of, lang)).into())]),
                } }
                if a.stale { { format!(" {}", lang.t("offline")) } }
            </p>
            if !a.recent_check_ins.is_empty() {
                <section id="recent-check-ins">
                    <h3>{ lang.t("recent-check-ins") }</h3>
                    <ul>
                        { for a.recent_check_ins.iter().map(|c| html! {
                            <li class={classes!("check-in", check_in_class(c.state))} data-day={c.day.clone()}>
                                <span class="day">{ facts::date(&c.day, lang) }</span>
                                <span class="check-in-message">{ facts::check_in_line(c, lang) }</span>
                            </li>
                        }) }
                    </ul>
                </section>
            }
            { thumb.unwrap_or_default() }
        </section>
    }
}

fn check_in_class(state: CheckInState) -> &'static str {
    match state {
        CheckInState::Pending => "pending",
        CheckInState::CheckedIn => "checked-in",
        CheckInState::Refused => "refused",
    }
}
