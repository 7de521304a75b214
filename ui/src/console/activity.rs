//! The Activity tab: the hub's audit log with filters, older pages and live updates while the
//! tab is shown, sortable columns, the doors' opening times, staff's remote open, and the CSV
//! export saved to Downloads.
//!
//! The log is a reducer ([`Log`]) so plain tests drive how pages and live updates combine.

use std::cell::Cell;
use std::rc::Rc;

use frontdoor_ipc::{
    ActivityFilterDto, ActivityPage, ActivityRow, DoorLatency, ErrorCode, ErrorDto, SavedFileDto, UnlockView,
};
use serde::Serialize;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::sort_header::sort_header;

use super::{error_banner, field_words, saved_note, NoArgs};
use crate::tauri;
use crate::words::{use_lang, Lang};

/// How often the newest page is asked for again while the tab is shown.
const POLL_MS: i32 = 5_000;
/// The outcomes an audit row can have, as the hub names them.
pub const OUTCOMES: &[&str] = &["opened", "refused", "failed", "merged", "opening", "interrupted"];
/// The longest reason for a remote open (the hub's limit).
pub const MAX_REASON_CHARS: usize = 200;

/// The audit log as loaded so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Log {
    /// Rows, newest first.
    pub rows: Vec<ActivityRow>,
    /// Where the next older page starts; `None` when the oldest row is loaded.
    pub next_before_id: Option<i64>,
    /// Staff loaded older pages: live updates then add to the top instead of replacing.
    pub older_loaded: bool,
    /// The filters the rows were read with.
    pub filter: ActivityFilterDto,
    /// Grows with every change of filters; answers for older filters are dropped.
    pub generation: u64,
    /// A page is on its way.
    pub loading: bool,
    /// Why the last load failed (with words per filter for a bad one).
    pub error: Option<ErrorDto>,
}

/// What can happen to the log.
#[derive(Debug, Clone)]
pub enum LogAction {
    /// Staff applied filters: read again from the newest.
    Filter(ActivityFilterDto),
    /// The newest page (first load or a live update).
    Newest {
        /// The filters' generation it was asked for.
        generation: u64,
        /// The page.
        page: ActivityPage,
    },
    /// Staff asked for the older page.
    LoadingOlder,
    /// The older page.
    Older {
        /// The filters' generation it was asked for.
        generation: u64,
        /// The page.
        page: ActivityPage,
    },
    /// A load failed.
    Failed {
        /// The filters' generation it was asked for.
        generation: u64,
        /// Why.
        error: ErrorDto,
    },
}

impl Reducible for Log {
    type Action = LogAction;

    fn reduce(self: Rc<Self>, action: LogAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LogAction::Filter(filter) => {
                next.filter = filter;
                next.generation += 1;
                next.loading = true;
                next.error = None;
            }
            LogAction::Newest { generation, page } if generation == self.generation => {
                next.loading = false;
                next.error = None;
                merge_newest(&mut next, page);
            }
            LogAction::LoadingOlder => next.loading = true,
            LogAction::Older { generation, page } if generation == self.generation => {
                next.loading = false;
                next.error = None;
                let oldest = next.rows.last().map(|r| r.id).unwrap_or(i64::MAX);
                next.rows.extend(page.rows.into_iter().filter(|r| r.id < oldest));
                next.next_before_id = page.next_before_id;
                next.older_loaded = true;
            }
            LogAction::Failed { generation, error } if generation == self.generation => {
                next.loading = false;
                next.error = Some(error);
            }
            // An answer for filters no longer in force.
            LogAction::Newest { .. } | LogAction::Older { .. } | LogAction::Failed { .. } => return self,
        }
        Rc::new(next)
    }
}

/// Puts the newest page on top of what is loaded. Without older pages loaded it simply replaces
/// the rows. With them, the fresh rows replace their older copies (a burst's count grows, an
/// opening under way finishes) and the older rows below stay — unless the fresh page does not
/// reach down to them (more new rows than a page), when the log starts again from the newest.
pub fn merge_newest(log: &mut Log, page: ActivityPage) {
    if !log.older_loaded {
        log.rows = page.rows;
        log.next_before_id = page.next_before_id;
        return;
    }
    let reaches_down = page.next_before_id.is_none() || page.rows.iter().any(|r| log.rows.iter().any(|o| o.id == r.id));
    if !reaches_down {
        log.rows = page.rows;
        log.next_before_id = page.next_before_id;
        log.older_loaded = false;
        return;
    }
    let Some(oldest_fresh) = page.rows.last().map(|r| r.id) else {
        return;
    };
    let below: Vec<ActivityRow> = log.rows.iter().filter(|r| r.id < oldest_fresh).cloned().collect();
    log.rows = page.rows;
    log.rows.extend(below);
}

/// The columns staff sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// When (the row id: newer rows have larger ids).
    When,
    /// Who.
    Who,
    /// Door.
    Door,
    /// Outcome.
    Outcome,
    /// Latency.
    Latency,
}

/// `rows` sorted by `column`, descending or not, as `lang` words them; equal rows keep the log's
/// order.
pub fn sorted_in(rows: &[ActivityRow], column: Column, descending: bool, lang: Lang) -> Vec<ActivityRow> {
    let mut rows = rows.to_vec();
    rows.sort_by(|a, b| {
        let order = match column {
            Column::When => a.id.cmp(&b.id),
            Column::Who => who_in(a, lang).to_lowercase().cmp(&who_in(b, lang).to_lowercase()),
            Column::Door => door(a).to_lowercase().cmp(&door(b).to_lowercase()),
            Column::Outcome => a.outcome.cmp(&b.outcome),
            Column::Latency => a.latency_ms.total_cmp(&b.latency_ms),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
    rows
}

/// Who made the request, in words.
pub fn who_in(row: &ActivityRow, lang: Lang) -> String {
    match (&row.who, &row.user_id) {
        (Some(name), _) => name.clone(),
        (None, Some(user)) => user.clone(),
        (None, None) => lang.t("console-activity-no-session"),
    }
}

/// The door, by name when the hub has it.
pub fn door(row: &ActivityRow) -> String {
    row.door_name.clone().unwrap_or_else(|| row.door.clone())
}

/// The code and reasons in words (the hub's, as it sent them); a staff remote open says so, with
/// staff's reason.
pub fn reasons_in(row: &ActivityRow, lang: Lang) -> String {
    reasons_words(row.code.as_ref(), &row.reasons, lang)
}

/// A row's code and reasons in words, as [`reasons_in`] says them (the fleet's activity too).
pub fn reasons_words(code: Option<&String>, reasons: &[String], lang: Lang) -> String {
    let words = match reasons.split_first() {
        Some((first, rest)) if first == "staff_remote" => lang.t_args(
            "console-activity-remote-reason",
            &[("reason", (&rest.join("; ")).into())],
        ),
        _ => reasons.join("; "),
    };
    match (code, words.is_empty()) {
        (Some(code), true) => code.clone(),
        (Some(code), false) => format!("{code}: {words}"),
        (None, _) => words,
    }
}

/// An outcome as the hub names it (one of [`OUTCOMES`]) in words; one the window does not know
/// is shown as it came.
pub fn outcome_words(outcome: &str, lang: Lang) -> String {
    match outcome {
        "opened" => lang.t("console-activity-outcome-opened"),
        "refused" => lang.t("console-activity-outcome-refused"),
        "failed" => lang.t("console-activity-outcome-failed"),
        "merged" => lang.t("console-activity-outcome-merged"),
        "opening" => lang.t("console-activity-outcome-opening"),
        "interrupted" => lang.t("console-activity-outcome-interrupted"),
        other => other.to_string(),
    }
}

/// An RFC 3339 time to the second, as people read it, in `lang` and this device's zone.
pub fn moment(rfc3339: &str, lang: Lang) -> String {
    crate::moment::moment(rfc3339, lang, crate::moment::Precision::Second)
}

/// Microseconds as milliseconds for people: `12.3 ms`, or `—` without openings.
pub fn ms(us: Option<u64>) -> String {
    match us {
        Some(us) => format!("{:.1} ms", us as f64 / 1000.0),
        None => "—".to_string(),
    }
}

/// Checks a remote open's reason as the hub will: one line of 1 to 200 characters.
pub fn check_reason(reason: &str) -> Result<String, BadReason> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(BadReason::Empty)
    } else if reason.chars().count() > MAX_REASON_CHARS {
        Err(BadReason::TooLong)
    } else if reason.chars().any(char::is_control) {
        Err(BadReason::NotOneLine)
    } else {
        Ok(reason.to_string())
    }
}

/// Why a remote open's reason is refused before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadReason {
    /// Nothing given.
    Empty,
    /// Over [`MAX_REASON_CHARS`].
    TooLong,
    /// Line breaks or control characters.
    NotOneLine,
}

impl BadReason {
    /// The words beside the reason.
    pub fn words(self, lang: Lang) -> String {
        match self {
            BadReason::Empty => lang.t("console-activity-reason-empty"),
            BadReason::TooLong => lang.t_args("console-activity-reason-too-long", &[("max", MAX_REASON_CHARS.into())]),
            BadReason::NotOneLine => lang.t("console-activity-reason-one-line"),
        }
    }
}

/// A `datetime-local` value (the person's local time) as the hub wants it: RFC 3339 with its
/// offset. Text the window cannot read is passed on as it is, so the hub says what is wrong.
fn instant(local: &str) -> Option<String> {
    let local = local.trim();
    if local.is_empty() {
        return None;
    }
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(local));
    if date.get_time().is_nan() {
        return Some(local.to_string());
    }
    Some(String::from(date.to_iso_string()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageArgs {
    filter: ActivityFilterDto,
    before_id: Option<i64>,
}

#[derive(Serialize)]
struct ExportArgs {
    filter: ActivityFilterDto,
}

#[derive(Serialize)]
struct OpenArgs {
    door: String,
    reason: String,
}

/// Reads the page `before_id` (the newest when `None`) for the log's filters and hands it to the
/// log; `done` runs when the answer is in.
fn load(log: &UseReducerHandle<Log>, before_id: Option<i64>, done: Option<Rc<Cell<bool>>>) {
    let (log, generation, filter) = (log.clone(), log.generation, log.filter.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let answer = tauri::call::<_, ActivityPage>("console_activity", &PageArgs { filter, before_id }).await;
        match (answer, before_id) {
            (Ok(page), None) => log.dispatch(LogAction::Newest { generation, page }),
            (Ok(page), Some(_)) => log.dispatch(LogAction::Older { generation, page }),
            (Err(error), _) => log.dispatch(LogAction::Failed { generation, error }),
        }
        if let Some(done) = done {
            done.set(false);
        }
    });
}

fn load_latency(latency: &UseStateHandle<Vec<DoorLatency>>) {
    let latency = latency.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(doors) = tauri::call::<_, Vec<DoorLatency>>("console_door_latency", &NoArgs {}).await {
            latency.set(doors);
        }
    });
}

/// The filters as staff type them, before they are applied.
#[derive(Debug, Clone, PartialEq, Default)]
struct Draft {
    person: String,
    door: String,
    outcome: String,
    from: String,
    to: String,
}

impl Draft {
    fn filter(&self) -> ActivityFilterDto {
        let text = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        ActivityFilterDto {
            person: text(&self.person),
            door: text(&self.door),
            outcome: text(&self.outcome),
            from: instant(&self.from),
            to: instant(&self.to),
        }
    }
}

#[function_component(ActivityTab)]
pub fn activity_tab() -> Html {
    let lang = use_lang();
    let log = use_reducer(|| Log {
        loading: true,
        ..Log::default()
    });
    let latency = use_state(Vec::<DoorLatency>::new);
    let draft = use_state(Draft::default);
    let sort = use_state(|| (Column::When, true));
    let saved = use_state(|| None::<SavedFileDto>);
    let export_error = use_state(|| None::<ErrorDto>);
    {
        // The newest page now and every few seconds, for the filters in force, while the tab is
        // shown: the interval ends when the filters change or the tab closes.
        let log = log.clone();
        use_effect_with(log.generation, move |_| {
            load(&log, None, None);
            let in_flight = Rc::new(Cell::new(false));
            let interval = tauri::every(POLL_MS, move || {
                if !in_flight.replace(true) {
                    load(&log, None, Some(in_flight.clone()));
                }
            });
            move || drop(interval)
        });
    }
    {
        let latency = latency.clone();
        use_effect_with((), move |_| load_latency(&latency));
    }
    let apply = {
        let (log, draft) = (log.clone(), draft.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            log.dispatch(LogAction::Filter(draft.filter()));
        })
    };
    let clear = {
        let (log, draft) = (log.clone(), draft.clone());
        Callback::from(move |_| {
            draft.set(Draft::default());
            log.dispatch(LogAction::Filter(ActivityFilterDto::default()));
        })
    };
    let older = {
        let log = log.clone();
        Callback::from(move |_| {
            if let Some(before) = log.next_before_id {
                log.dispatch(LogAction::LoadingOlder);
                load(&log, Some(before), None);
            }
        })
    };
    let export = {
        let (log, saved, export_error) = (log.clone(), saved.clone(), export_error.clone());
        Callback::from(move |_| {
            let (saved, export_error) = (saved.clone(), export_error.clone());
            let filter = log.filter.clone();
            saved.set(None);
            export_error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match tauri::call::<_, SavedFileDto>("console_export_activity", &ExportArgs { filter }).await {
                    Ok(file) => saved.set(Some(file)),
                    Err(error) => export_error.set(Some(error)),
                }
            });
        })
    };
    let edit = |field: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            let mut next = (*draft).clone();
            field(&mut next, value);
            draft.set(next);
        })
    };
    let pick = |field: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            let mut next = (*draft).clone();
            field(&mut next, value);
            draft.set(next);
        })
    };
    let header = |label: String, column: Column, id: &'static str| sort_header(&sort, label, column, id);
    let (by, descending) = *sort;
    let rows = sorted_in(&log.rows, by, descending, lang);
    let error = log.error.as_ref();
    let on_opened = {
        let (log, latency) = (log.clone(), latency.clone());
        Callback::from(move |()| {
            load(&log, None, None);
            load_latency(&latency);
        })
    };
    html! {
        <div id="activity-tab">
            <form id="activity-filters" class="card filters" onsubmit={apply}>
                <label>{ lang.t("console-activity-person") }
                    <input id="activity-person" type="search" value={draft.person.clone()} oninput={edit(|d, v| d.person = v)} />
                </label>
                { field_words(error, "person") }
                <label>{ lang.t("console-activity-door") }
                    <select id="activity-door" onchange={pick(|d, v| d.door = v)}>
                        <option value="" selected={draft.door.is_empty()}>{ lang.t("console-activity-any-door") }</option>
                        { for latency.iter().map(|d| html! {
                            <option value={d.door.clone()} selected={draft.door == d.door}>{ &d.name }</option>
                        }) }
                    </select>
                </label>
                { field_words(error, "door") }
                <label>{ lang.t("console-activity-outcome") }
                    <select id="activity-outcome" onchange={pick(|d, v| d.outcome = v)}>
                        <option value="" selected={draft.outcome.is_empty()}>{ lang.t("console-activity-any-outcome") }</option>
                        { for OUTCOMES.iter().map(|o| html! {
                            <option value={*o} selected={draft.outcome == *o}>{ outcome_words(o, lang) }</option>
                        }) }
                    </select>
                </label>
                { field_words(error, "outcome") }
                <label>{ lang.t("console-activity-from") }
                    <input id="activity-from" type="datetime-local" value={draft.from.clone()} oninput={edit(|d, v| d.from = v)} />
                </label>
                { field_words(error, "from") }
                <label>{ lang.t("console-activity-to") }
                    <input id="activity-to" type="datetime-local" value={draft.to.clone()} oninput={edit(|d, v| d.to = v)} />
                </label>
                { field_words(error, "to") }
                <button id="activity-apply" type="submit">{ lang.t("console-activity-show") }</button>
                {" "}
                <button id="activity-clear" type="button" onclick={clear}>{ lang.t("console-activity-clear") }</button>
                {" "}
                <button id="activity-export" type="button" onclick={export}>{ lang.t("console-activity-export") }</button>
            </form>
            if let Some(file) = &*saved {
                { saved_note("activity-saved", file) }
            }
            if let Some(e) = &*export_error {
                { error_banner("activity-export-error", e) }
            }
            if let Some(e) = error {
                { error_banner("activity-error", e) }
            }
            <p class="muted" id="activity-count">
                { lang.t_args("console-activity-count", &[("n", log.rows.len().into())]) }
            </p>
            <table id="activity-table" class="table">
                <thead><tr>
                    { header(lang.t("console-activity-when"), Column::When, "activity-sort-when") }
                    { header(lang.t("console-activity-who"), Column::Who, "activity-sort-who") }
                    { header(lang.t("console-activity-door"), Column::Door, "activity-sort-door") }
                    { header(lang.t("console-activity-outcome"), Column::Outcome, "activity-sort-outcome") }
                    <th>{ lang.t("console-activity-reasons") }</th>
                    { header(lang.t("console-activity-latency"), Column::Latency, "activity-sort-latency") }
                    <th>{ lang.t("console-activity-check-in") }</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|r| row(r, lang)) }
                </tbody>
            </table>
            if log.rows.is_empty() && !log.loading && error.is_none() {
                <p class="muted" id="activity-empty">{ lang.t("console-activity-empty") }</p>
            }
            if log.next_before_id.is_some() {
                <button id="activity-older" onclick={older} disabled={log.loading}>{ lang.t("console-activity-older") }</button>
            }
            <div class="card" id="door-latency">
                <h3>{ lang.t("console-activity-latency-title") }</h3>
                <table class="table">
                    <thead><tr><th>{ lang.t("console-activity-door") }</th><th>{ lang.t("console-activity-openings") }</th><th>{"p50"}</th><th>{"p95"}</th></tr></thead>
                    <tbody>
                        { for latency.iter().map(|d| html! {
                            <tr data-door={d.door.clone()}>
                                <td>{ &d.name }</td>
                                <td class="count">{ d.count }</td>
                                <td class="p50">{ ms(d.p50_us) }</td>
                                <td class="p95">{ ms(d.p95_us) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            <RemoteOpen doors={(*latency).clone()} on_opened={on_opened} />
        </div>
    }
}

/// One audit row.
fn row(r: &ActivityRow, lang: Lang) -> Html {
    let count = (r.count > 1).then(|| format!(" ×{}", r.count));
    html! {
        <tr data-id={r.id.to_string()} data-outcome={r.outcome.clone()} class={classes!("activity-row", format!("outcome-{}", r.outcome))}>
            <td class="when">{ moment(&r.at, lang) }{ count.unwrap_or_default() }</td>
            <td class="who">{ who_in(r, lang) }
                if r.staff { <span class="badge staff">{ lang.t("console-activity-staff") }</span> }
            </td>
            <td class="door">{ door(r) }</td>
            <td class="outcome"><span class={classes!("badge", format!("outcome-{}", r.outcome))}>{ outcome_words(&r.outcome, lang) }</span></td>
            <td class="reasons">{ reasons_in(r, lang) }</td>
            <td class="latency">{ format!("{:.1}", r.latency_ms) }</td>
            <td class="check-in">{ r.check_in.clone().unwrap_or_default() }</td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct RemoteOpenProps {
    doors: Vec<DoorLatency>,
    on_opened: Callback<()>,
}

/// Staff open a door for a visitor: a door, a reason for the log, and the hub's answer.
#[function_component(RemoteOpen)]
fn remote_open(props: &RemoteOpenProps) -> Html {
    let lang = use_lang();
    let door = use_state(String::new);
    let reason = use_state(String::new);
    let local = use_state(|| None::<BadReason>);
    let answer = use_state(|| None::<Result<UnlockView, ErrorDto>>);
    let busy = use_state(|| false);
    let chosen = if door.is_empty() {
        props.doors.first().map(|d| d.door.clone()).unwrap_or_default()
    } else {
        (*door).clone()
    };
    let submit = {
        let (reason, local, answer, busy, chosen, on_opened) = (
            reason.clone(),
            local.clone(),
            answer.clone(),
            busy.clone(),
            chosen.clone(),
            props.on_opened.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let reason = match check_reason(&reason) {
                Ok(reason) => reason,
                Err(bad) => {
                    local.set(Some(bad));
                    return;
                }
            };
            local.set(None);
            answer.set(None);
            busy.set(true);
            let (answer, busy, on_opened, door) = (answer.clone(), busy.clone(), on_opened.clone(), chosen.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let got = tauri::call::<_, UnlockView>("console_remote_open", &OpenArgs { door, reason }).await;
                busy.set(false);
                if got.is_ok() {
                    on_opened.emit(());
                }
                answer.set(Some(got));
            });
        })
    };
    let on_door = {
        let door = door.clone();
        Callback::from(move |e: Event| door.set(e.target_unchecked_into::<HtmlSelectElement>().value()))
    };
    let refused = match &*answer {
        Some(Err(e)) => Some(e),
        _ => None,
    };
    html! {
        <form id="remote-open" class="card" onsubmit={submit}>
            <h3>{ lang.t("console-activity-remote-title") }</h3>
            <p class="muted">{ lang.t("console-activity-remote-help") }</p>
            <label>{ lang.t("console-activity-door") }
                <select id="remote-door" onchange={on_door}>
                    { for props.doors.iter().map(|d| html! {
                        <option value={d.door.clone()} selected={chosen == d.door}>{ &d.name }</option>
                    }) }
                </select>
            </label>
            { reason_field("remote-reason", &reason, &local, refused, NodeRef::default(), lang) }
            <button id="remote-open-button" class="primary" type="submit" disabled={*busy || chosen.is_empty()}>
                { if *busy { lang.t("opening") } else { lang.t("console-activity-open") } }
            </button>
            { match &*answer {
                Some(Ok(unlock)) => html! {
                    <p id="remote-result" class="door-result opened" role="status">{ &unlock.message }</p>
                },
                Some(Err(e)) if e.code != ErrorCode::Invalid || e.fields.is_empty() => html! {
                    <p id="remote-result" class="door-result failed" role="alert"
                        data-code={serde_json::to_string(&e.code).unwrap_or_default().trim_matches('"').to_string()}>
                        { &e.message }
                    </p>
                },
                Some(Err(_)) | None => html! {},
            } }
        </form>
    }
}

/// A remote open's reason: the field, checked inline (the words go as soon as the reason is fine
/// again), and either those words or the hub's for the field. The hub's Activity tab and the
/// Fleet tab both use it.
pub fn reason_field(
    id: &'static str,
    reason: &UseStateHandle<String>,
    local: &UseStateHandle<Option<BadReason>>,
    refused: Option<&ErrorDto>,
    field: NodeRef,
    lang: Lang,
) -> Html {
    let on_reason = {
        let (reason, local) = (reason.clone(), local.clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if local.is_some() && check_reason(&value).is_ok() {
                local.set(None);
            }
            reason.set(value);
        })
    };
    html! {
        <>
            <label>{ lang.t("console-activity-reason-label") }
                <input id={id} ref={field} maxlength="200" value={(**reason).clone()} oninput={on_reason}
                    placeholder={lang.t("console-activity-reason-placeholder")} />
            </label>
            if let Some(bad) = **local {
                <span class="field-error" data-field="reason">{ bad.words(lang) }</span>
            } else {
                { field_words(refused, "reason") }
            }
        </>
    }
}

#[cfg(test)]
mod tests;
