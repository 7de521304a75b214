//! The Check-ins tab: a day's check-ins through Frontdoor (today by default, in the space's time
//! zone), each with its state and why, a Retry for the ones the hub can still make, and the
//! check-in policy.

use frontdoor_ipc::{CheckInsView, ErrorDto, StaffCheckIn, StaffCheckInState};
use serde::Serialize;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::{error_banner, field_words, when};
use crate::tauri;
use crate::words::{use_lang, Lang};

/// The policies, as the hub names them.
pub const POLICIES: &[&str] = &["once-per-day", "off"];

/// A policy of [`POLICIES`] as the select offers it; one the window does not know is shown as
/// the hub named it.
pub fn policy_words(policy: &str, lang: Lang) -> String {
    match policy {
        "once-per-day" => lang.t("console-check-ins-policy-once-per-day"),
        "off" => lang.t("console-check-ins-policy-off"),
        other => other.to_string(),
    }
}

/// A policy in a word or two, for the line saying what is in force.
pub fn policy_name(policy: &str, lang: Lang) -> String {
    match policy {
        "once-per-day" => lang.t("console-check-ins-in-force-once-per-day"),
        "off" => lang.t("console-check-ins-in-force-off"),
        other => other.to_string(),
    }
}

/// A check-in's state as a badge: its class and its words.
pub fn badge(state: StaffCheckInState, lang: Lang) -> (&'static str, String) {
    match state {
        StaffCheckInState::Pending => ("state-pending", lang.t("console-check-ins-state-pending")),
        StaffCheckInState::CheckedIn => ("state-checked-in", lang.t("console-check-ins-state-checked-in")),
        StaffCheckInState::Refused => ("state-refused", lang.t("console-check-ins-state-refused")),
        StaffCheckInState::Missed => ("state-missed", lang.t("console-check-ins-state-missed")),
    }
}

/// What the Why column says: the hub's words (Cobot's, for a refusal) as they came, or for a
/// check-in Cobot has, since when.
pub fn why(row: &StaffCheckIn, lang: Lang) -> String {
    match (&row.why, &row.since) {
        (Some(why), _) => why.clone(),
        (None, Some(since)) => lang.t_args("console-check-ins-since", &[("time", (&when(since, lang)).into())]),
        (None, None) => String::new(),
    }
}

#[derive(Serialize)]
struct DayArgs {
    day: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RetryArgs {
    membership_id: String,
    day: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyArgs {
    policy: String,
    no_pass: Option<String>,
    day: Option<String>,
}

/// What the door does for a member Cobot will not check in, as the hub names it.
pub const NO_PASS: &[&str] = &["open-anyway", "refuse"];

/// A choice of [`NO_PASS`] as the select offers it; one the window does not know is shown as the
/// hub named it.
pub fn no_pass_words(no_pass: &str, lang: Lang) -> String {
    match no_pass {
        "open-anyway" => lang.t("console-check-ins-no-pass-open-anyway"),
        "refuse" => lang.t("console-check-ins-no-pass-refuse"),
        other => other.to_string(),
    }
}

/// A choice of [`NO_PASS`] in a word or two, for the line saying what is in force.
pub fn no_pass_name(no_pass: &str, lang: Lang) -> String {
    match no_pass {
        "open-anyway" => lang.t("console-check-ins-in-force-open-anyway"),
        "refuse" => lang.t("console-check-ins-in-force-refuse"),
        other => other.to_string(),
    }
}

/// What the tab holds between answers.
#[derive(Clone, PartialEq, Default)]
struct State {
    view: Option<CheckInsView>,
    error: Option<ErrorDto>,
    busy: bool,
}

/// Sends a check-ins command; its answer (the day's check-ins) replaces the table.
fn act<A: Serialize + 'static>(state: &UseStateHandle<State>, cmd: &'static str, args: A) {
    let state = state.clone();
    state.set(State {
        busy: true,
        error: None,
        ..(*state).clone()
    });
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, CheckInsView>(cmd, &args).await {
            Ok(view) => state.set(State {
                view: Some(view),
                error: None,
                busy: false,
            }),
            Err(error) => state.set(State {
                error: Some(error),
                busy: false,
                ..(*state).clone()
            }),
        }
    });
}

#[function_component(CheckInsTab)]
pub fn check_ins_tab() -> Html {
    let lang = use_lang();
    let state = use_state(State::default);
    let policy = use_state(String::new);
    let no_pass = use_state(String::new);
    {
        let no_pass = no_pass.clone();
        let from_hub = state.view.as_ref().map(|v| v.no_pass.clone()).unwrap_or_default();
        use_effect_with(from_hub, move |p| no_pass.set(p.clone()));
    }
    {
        let state = state.clone();
        use_effect_with((), move |_| act(&state, "console_check_ins", DayArgs { day: None }));
    }
    {
        // The policy select follows the hub's answer.
        let policy = policy.clone();
        let from_hub = state.view.as_ref().map(|v| v.policy.clone()).unwrap_or_default();
        use_effect_with(from_hub, move |p| policy.set(p.clone()));
    }
    let shown_day = state.view.as_ref().map(|v| v.day.clone());
    let on_day = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let day = e.target_unchecked_into::<HtmlInputElement>().value();
            act(&state, "console_check_ins", DayArgs { day: Some(day) });
        })
    };
    let today = {
        let state = state.clone();
        Callback::from(move |_| act(&state, "console_check_ins", DayArgs { day: None }))
    };
    let on_policy = {
        let policy = policy.clone();
        Callback::from(move |e: Event| policy.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let on_no_pass = {
        let no_pass = no_pass.clone();
        Callback::from(move |e: Event| no_pass.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let save_policy = {
        let (state, policy, no_pass, day) = (state.clone(), policy.clone(), no_pass.clone(), shown_day.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            act(
                &state,
                "console_check_in_policy",
                PolicyArgs {
                    policy: (*policy).clone(),
                    no_pass: Some((*no_pass).clone()).filter(|n| !n.is_empty()),
                    day: day.clone(),
                },
            )
        })
    };
    let error = state.error.as_ref();
    let Some(view) = state.view.clone() else {
        return html! {
            <div id="check-ins-tab">
                if let Some(e) = error {
                    { error_banner("check-ins-error", e) }
                } else {
                    <p class="muted">{ lang.t("console-check-ins-loading") }</p>
                }
            </div>
        };
    };
    html! {
        <div id="check-ins-tab" class={classes!(state.busy.then_some("busy"))}>
            if let Some(e) = error {
                if e.fields.is_empty() {
                    { error_banner("check-ins-error", e) }
                }
            }
            <div class="card">
                <form class="inline" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                    <label>{ lang.t("console-check-ins-day") }
                        <input id="check-ins-day" type="date" value={view.day.clone()} max={view.today.clone()} onchange={on_day} />
                    </label>
                    <button id="check-ins-today" type="button" onclick={today} disabled={view.day == view.today}>{ lang.t("console-check-ins-today") }</button>
                </form>
                { field_words(error, "day") }
                <table id="check-ins-table" class="table" data-day={view.day.clone()}>
                    <thead><tr>
                        <th>{ lang.t("console-check-ins-member") }</th><th>{ lang.t("console-check-ins-state") }</th><th>{ lang.t("console-check-ins-why") }</th><th>{ lang.t("console-check-ins-attempts") }</th><th>{ lang.t("console-check-ins-next-attempt") }</th><th></th>
                    </tr></thead>
                    <tbody>
                        { for view.rows.iter().map(|r| html! { <Row row={r.clone()} state={state.clone()} /> }) }
                    </tbody>
                </table>
                if view.rows.is_empty() {
                    <p class="muted" id="check-ins-empty">{ lang.t_args("console-check-ins-empty", &[("day", (&view.day).into())]) }</p>
                }
            </div>
            <form id="check-in-policy-form" class="card" onsubmit={save_policy}>
                <h3>{ lang.t("console-check-ins-policy-title") }</h3>
                <label>{ lang.t("console-check-ins-policy-label") }
                    <select id="check-in-policy" onchange={on_policy}>
                        { for POLICIES.iter().map(|value| html! {
                            <option value={*value} selected={*policy == *value}>{ policy_words(value, lang) }</option>
                        }) }
                    </select>
                </label>
                { field_words(error, "policy") }
                <label>{ lang.t("console-check-ins-no-pass-label") }
                    <select id="check-in-no-pass" onchange={on_no_pass}>
                        { for NO_PASS.iter().map(|value| html! {
                            <option value={*value} selected={*no_pass == *value}>{ no_pass_words(value, lang) }</option>
                        }) }
                    </select>
                </label>
                { field_words(error, "no_pass") }
                <p class="muted" id="check-in-policy-now">{ lang.t_args("console-check-ins-in-force", &[("policy", (&policy_name(&view.policy, lang)).into()), ("no_pass", (&no_pass_name(&view.no_pass, lang)).into())]) }</p>
                <button id="save-check-in-policy" type="submit" disabled={(*policy == view.policy && *no_pass == view.no_pass) || state.busy}>{ lang.t("console-check-ins-save-policy") }</button>
            </form>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RowProps {
    row: StaffCheckIn,
    state: UseStateHandle<State>,
}

/// One check-in, with Retry when the hub can still make it.
#[function_component(Row)]
fn row(props: &RowProps) -> Html {
    let lang = use_lang();
    let r = &props.row;
    let (class, words) = badge(r.state, lang);
    let retry = {
        let (state, membership_id, day) = (props.state.clone(), r.membership_id.clone(), r.day.clone());
        Callback::from(move |_| {
            act(
                &state,
                "console_retry_check_in",
                RetryArgs {
                    membership_id: membership_id.clone(),
                    day: day.clone(),
                },
            )
        })
    };
    html! {
        <tr data-membership={r.membership_id.clone()} data-state={r.state.as_str()}>
            <td class="member">{ r.name.clone().unwrap_or_else(|| r.membership_id.clone()) }</td>
            <td><span class={classes!("badge", class)}>{ words }</span></td>
            <td class="why">{ why(r, lang) }</td>
            <td class="attempts">{ r.attempts }</td>
            <td class="next-attempt">{ r.next_attempt_at.as_deref().map(|t| when(t, lang)).unwrap_or_default() }</td>
            <td class="actions">
                if r.retryable {
                    <button class="retry-check-in" onclick={retry} disabled={props.state.busy}>{ lang.t("console-check-ins-retry") }</button>
                }
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_a_badge_in_words() {
        let table = [
            (StaffCheckInState::Pending, "state-pending", "Pending"),
            (StaffCheckInState::CheckedIn, "state-checked-in", "Checked in"),
            (StaffCheckInState::Refused, "state-refused", "Refused by Cobot"),
            (StaffCheckInState::Missed, "state-missed", "Missed"),
        ];
        for (state, class, words) in table {
            assert_eq!(badge(state, Lang::En), (class, words.to_string()), "{state:?}");
        }
    }

    #[test]
    fn why_is_cobots_words_or_since_when() {
        let mut row = StaffCheckIn {
            membership_id: "mem-alex".into(),
            name: Some("Alex Morgan".into()),
            day: "2026-11-23".into(),
            state: StaffCheckInState::Refused,
            why: Some("No time passes left.".into()),
            attempts: 1,
            next_attempt_at: None,
            since: None,
            retryable: true,
        };
        assert_eq!(
            why(&row, Lang::De),
            "No time passes left.",
            "Cobot's words, as Cobot said them"
        );
        row.why = None;
        row.since = Some("2026-11-23T09:00:00Z".into());
        assert_eq!(why(&row, Lang::En), "Since 2026-11-23 09:00 UTC");
        assert_eq!(why(&row, Lang::De), "Seit 2026-11-23 09:00 UTC");
    }
}
