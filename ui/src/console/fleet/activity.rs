//! The fleet's activity: the audit rows of every space the operator runs (or of the chosen one),
//! newest first, only the check-ins when asked, in sortable columns.

use frontdoor_ipc::{ErrorDto, FleetActivity};
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::activity::{moment, outcome_words, reasons_words};
use super::super::error_banner;
use super::super::sort_header::sort_header;
use crate::tauri;
use crate::words::{use_lang, Lang};

/// The columns staff sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// When the request arrived.
    When,
    /// The space.
    Space,
    /// The hub.
    Hub,
    /// Who.
    Who,
    /// The door.
    Door,
    /// What the hub decided.
    Decision,
}

/// Who made the request, in words: the Cobot user, the fleet's staff (`fleet:<name>`), or nobody.
pub fn who_in(row: &FleetActivity, lang: Lang) -> String {
    match row.line.user_id.as_deref() {
        Some(user) => match user.strip_prefix("fleet:") {
            Some(name) => lang.t_args("console-fleet-by-fleet", &[("name", name.into())]),
            None => user.to_string(),
        },
        None => lang.t("console-activity-no-session"),
    }
}

/// The code and reasons in words, as the hub's own activity tab says them.
pub fn reasons(row: &FleetActivity, lang: Lang) -> String {
    reasons_words(row.line.code.as_ref(), &row.line.reasons, lang)
}

/// A row's place in time: the fleet writes every time in UTC (`…Z`), so the text orders as the
/// times do; rows of the same second keep their hub's order.
fn at_key(row: &FleetActivity) -> (&str, &str, i64) {
    (row.line.at.as_str(), row.hub.as_str(), row.line.seq)
}

/// `rows` sorted by `column`, descending or not, as `lang` words them; equal rows keep the
/// fleet's order (newest first).
pub fn sorted_in(rows: &[FleetActivity], column: Column, descending: bool, lang: Lang) -> Vec<FleetActivity> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| {
        let order = match column {
            Column::When => at_key(a).cmp(&at_key(b)),
            Column::Space => a.space.cmp(&b.space),
            Column::Hub => a.hub.cmp(&b.hub),
            Column::Who => who_in(a, lang).to_lowercase().cmp(&who_in(b, lang).to_lowercase()),
            Column::Door => a.line.door_id.cmp(&b.line.door_id),
            Column::Decision => a.line.decision.cmp(&b.line.decision),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    rows
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ActivityArgs {
    space: Option<String>,
    check_ins: bool,
    limit: Option<u32>,
}

#[derive(Properties, PartialEq)]
pub struct ActivityProps {
    /// One space only, or all.
    pub space: Option<String>,
    /// Grows when the rows should be read again (a door was opened).
    pub epoch: u32,
}

#[function_component(Activity)]
pub fn activity(props: &ActivityProps) -> Html {
    let lang = use_lang();
    let check_ins = use_state(|| false);
    let rows = use_state(|| None::<Result<Vec<FleetActivity>, ErrorDto>>);
    let sort = use_state(|| (Column::When, true));
    {
        // Now, and again every few seconds while the tab is shown: a row reaches the fleet a
        // moment after its door decided (a remote open's too).
        let rows = rows.clone();
        let args = (props.space.clone(), *check_ins, props.epoch);
        use_effect_with(args, move |(space, check_ins, _)| {
            let (space, check_ins) = (space.clone(), *check_ins);
            let load = move || {
                let (rows, space) = (rows.clone(), space.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let args = ActivityArgs {
                        space,
                        check_ins,
                        limit: None,
                    };
                    rows.set(Some(
                        tauri::call::<_, Vec<FleetActivity>>("console_fleet_activity", &args).await,
                    ));
                });
            };
            load();
            let interval = tauri::every(super::spaces::POLL_MS, load);
            move || drop(interval)
        });
    }
    let on_check_ins = {
        let check_ins = check_ins.clone();
        Callback::from(move |e: Event| check_ins.set(e.target_unchecked_into::<HtmlInputElement>().checked()))
    };
    let header = |label: String, column: Column, id: &'static str| sort_header(&sort, label, column, id);
    let (by, descending) = *sort;
    let (list, error) = match &*rows {
        Some(Ok(list)) => (sorted_in(list, by, descending, lang), None),
        Some(Err(e)) => (Vec::new(), Some(e)),
        None => (Vec::new(), None),
    };
    html! {
        <div class="card" id="fleet-activity">
            <h3>{ lang.t("console-fleet-activity-title") }</h3>
            <label class="check">
                <input id="fleet-check-ins-only" type="checkbox" checked={*check_ins} onchange={on_check_ins} />
                { lang.t("console-fleet-check-ins-only") }
            </label>
            if let Some(e) = error {
                { error_banner("fleet-activity-error", e) }
            }
            <table id="fleet-activity-table" class="table">
                <thead><tr>
                    { header(lang.t("console-activity-when"), Column::When, "fleet-sort-when") }
                    { header(lang.t("console-fleet-space"), Column::Space, "fleet-sort-space") }
                    { header(lang.t("console-fleet-hub"), Column::Hub, "fleet-sort-hub") }
                    { header(lang.t("console-activity-who"), Column::Who, "fleet-sort-who") }
                    { header(lang.t("console-activity-door"), Column::Door, "fleet-sort-door") }
                    { header(lang.t("console-activity-outcome"), Column::Decision, "fleet-sort-decision") }
                    <th>{ lang.t("console-activity-reasons") }</th>
                    <th>{ lang.t("console-activity-check-in") }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|r| row(r, lang)) }
                </tbody>
            </table>
            if list.is_empty() && error.is_none() && rows.is_some() {
                <p class="muted" id="fleet-activity-empty">{ lang.t("console-activity-empty") }</p>
            }
        </div>
    }
}

/// One row.
fn row(r: &FleetActivity, lang: Lang) -> Html {
    let count = (r.line.count > 1).then(|| format!(" ×{}", r.line.count));
    html! {
        <tr class="fleet-activity-row" data-space={r.space.clone()} data-hub={r.hub.clone()} data-seq={r.line.seq.to_string()} data-outcome={r.line.decision.clone()}>
            <td class="when">{ moment(&r.line.at, lang) }{ count.unwrap_or_default() }</td>
            <td class="space">{ &r.space }</td>
            <td class="hub">{ &r.hub }</td>
            <td class="who">{ who_in(r, lang) }
                if r.line.staff { <span class="badge staff">{ lang.t("console-activity-staff") }</span> }
            </td>
            <td class="door">{ &r.line.door_id }</td>
            <td class="outcome"><span class={classes!("badge", format!("outcome-{}", r.line.decision))}>{ outcome_words(&r.line.decision, lang) }</span></td>
            <td class="reasons">{ reasons(r, lang) }</td>
            <td class="check-in">{ r.line.check_in.clone().unwrap_or_default() }</td>
        </tr>
    }
}
