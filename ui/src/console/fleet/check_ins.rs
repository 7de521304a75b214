//! How the check-ins at the operator's hubs ended (checked in, refused by Cobot, missed), newest
//! entry first, in sortable columns, one outcome or all: the fleet keeps each entry's last
//! outcome as its hub sent it.

use frontdoor_ipc::{ErrorDto, FleetCheckIn, StaffCheckInState};
use serde::Serialize;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::super::activity::moment;
use super::super::check_ins::badge;
use super::super::error_banner;
use super::super::sort_header::sort_header;
use crate::tauri;
use crate::words::{use_lang, Lang};

/// The columns staff sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// When the member came in.
    When,
    /// The space.
    Space,
    /// The hub.
    Hub,
    /// The member.
    Member,
    /// How it ended.
    State,
}

/// The rows of `state` (all without one), sorted by `column`, descending or not; equal rows keep
/// the fleet's order (newest first).
pub fn shown(
    rows: &[FleetCheckIn],
    state: Option<StaffCheckInState>,
    column: Column,
    descending: bool,
) -> Vec<FleetCheckIn> {
    let mut rows: Vec<FleetCheckIn> = rows
        .iter()
        .filter(|r| state.is_none_or(|s| r.outcome.state == s))
        .cloned()
        .collect();
    rows.sort_by(|a, b| {
        let order = match column {
            Column::When => a.outcome.entered_at.cmp(&b.outcome.entered_at),
            Column::Space => a.space.cmp(&b.space),
            Column::Hub => a.hub.cmp(&b.hub),
            Column::Member => a.outcome.membership_id.cmp(&b.outcome.membership_id),
            Column::State => a.outcome.state.as_str().cmp(b.outcome.state.as_str()),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    rows
}

/// The filter's value for `state`, and back.
pub fn state_of(value: &str) -> Option<StaffCheckInState> {
    [
        StaffCheckInState::CheckedIn,
        StaffCheckInState::Refused,
        StaffCheckInState::Missed,
    ]
    .into_iter()
    .find(|s| s.as_str() == value)
}

#[derive(Serialize)]
struct CheckInsArgs {
    space: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct CheckInsProps {
    /// One space only, or all.
    pub space: Option<String>,
    /// Grows when the rows should be read again.
    pub epoch: u32,
}

#[function_component(CheckIns)]
pub fn check_ins(props: &CheckInsProps) -> Html {
    let lang = use_lang();
    let rows = use_state(|| None::<Result<Vec<FleetCheckIn>, ErrorDto>>);
    let state = use_state(|| None::<StaffCheckInState>);
    let sort = use_state(|| (Column::When, true));
    {
        // Now, and again every few seconds while the tab is shown.
        let rows = rows.clone();
        use_effect_with((props.space.clone(), props.epoch), move |(space, _)| {
            let space = space.clone();
            let load = move || {
                let (rows, space) = (rows.clone(), space.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    rows.set(Some(
                        tauri::call::<_, Vec<FleetCheckIn>>("console_fleet_check_ins", &CheckInsArgs { space }).await,
                    ));
                });
            };
            load();
            let interval = tauri::every(super::spaces::POLL_MS, load);
            move || drop(interval)
        });
    }
    let on_state = {
        let state = state.clone();
        Callback::from(move |e: Event| state.set(state_of(&e.target_unchecked_into::<HtmlSelectElement>().value())))
    };
    let header = |label: String, column: Column, id: &'static str| sort_header(&sort, label, column, id);
    let (by, descending) = *sort;
    let (list, error) = match &*rows {
        Some(Ok(list)) => (shown(list, *state, by, descending), None),
        Some(Err(e)) => (Vec::new(), Some(e)),
        None => (Vec::new(), None),
    };
    let choice = |s: Option<StaffCheckInState>, words: String| {
        let value = s.map_or("", StaffCheckInState::as_str);
        html! { <option value={value} selected={*state == s}>{ words }</option> }
    };
    html! {
        <div class="card" id="fleet-check-ins">
            <h3>{ lang.t("console-fleet-check-ins-title") }</h3>
            <label>{ lang.t("console-check-ins-state") }
                <select id="fleet-check-ins-state" onchange={on_state}>
                    { choice(None, lang.t("console-fleet-check-ins-every-state")) }
                    { choice(Some(StaffCheckInState::CheckedIn), lang.t("console-check-ins-state-checked-in")) }
                    { choice(Some(StaffCheckInState::Refused), lang.t("console-check-ins-state-refused")) }
                    { choice(Some(StaffCheckInState::Missed), lang.t("console-check-ins-state-missed")) }
                </select>
            </label>
            if let Some(e) = error {
                { error_banner("fleet-check-ins-error", e) }
            }
            <table id="fleet-check-ins-table" class="table">
                <thead><tr>
                    { header(lang.t("console-fleet-check-ins-when"), Column::When, "fleet-check-ins-sort-when") }
                    { header(lang.t("console-fleet-space"), Column::Space, "fleet-check-ins-sort-space") }
                    { header(lang.t("console-fleet-hub"), Column::Hub, "fleet-check-ins-sort-hub") }
                    { header(lang.t("console-check-ins-member"), Column::Member, "fleet-check-ins-sort-member") }
                    { header(lang.t("console-check-ins-state"), Column::State, "fleet-check-ins-sort-state") }
                    <th>{ lang.t("console-check-ins-why") }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|r| row(r, lang)) }
                </tbody>
            </table>
            if list.is_empty() && error.is_none() && rows.is_some() {
                <p class="muted" id="fleet-check-ins-empty">{ lang.t("console-fleet-check-ins-empty") }</p>
            }
        </div>
    }
}

/// One row.
fn row(r: &FleetCheckIn, lang: Lang) -> Html {
    let (class, words) = badge(r.outcome.state, lang);
    let why = match (&r.outcome.why, &r.outcome.valid_from) {
        (Some(why), _) => why.clone(),
        (None, Some(from)) => {
            let since = moment(from, lang);
            lang.t_args("console-check-ins-since", &[("time", (&since).into())])
        }
        (None, None) => String::new(),
    };
    html! {
        <tr class="fleet-check-in-row" data-space={r.space.clone()} data-hub={r.hub.clone()} data-state={r.outcome.state.as_str()}>
            <td class="when">{ moment(&r.outcome.entered_at, lang) }</td>
            <td class="space">{ &r.space }</td>
            <td class="hub">{ &r.hub }</td>
            <td class="member">{ &r.outcome.membership_id }</td>
            <td class="state"><span class={classes!("badge", class)}>{ words }</span></td>
            <td class="why">{ why }</td>
        </tr>
    }
}
