//! The console's Cobot tab: the space's Cobot connection (connect, disconnect, its state), the
//! sync (now, its interval, its pushed progress) and the last sync runs with their reports.

use frontdoor_ipc::{ConnectionState, ConsoleView, ErrorDto, SyncPhase, SyncProgress, SyncRun};
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{act, doctor, field_error, when, Handle, NoArgs, Progress, State};

/// The connection's state as the page names it (`data-state`, for tests and styles).
fn connection_state_name(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::NotConnected => "not_connected",
        ConnectionState::Connected => "connected",
        ConnectionState::Refused => "refused",
    }
}

#[derive(Serialize)]
struct IntervalArgs {
    minutes: u64,
}

#[derive(Properties, PartialEq)]
pub(super) struct CobotProps {
    pub(super) view: ConsoleView,
    pub(super) state: Handle,
    pub(super) progress: Progress,
}

#[function_component(CobotTab)]
pub(super) fn cobot_tab(props: &CobotProps) -> Html {
    let interval = use_state(|| {
        props
            .view
            .sync
            .as_ref()
            .map(|s| s.interval_minutes.to_string())
            .unwrap_or_default()
    });
    let connect = {
        let state = props.state.clone();
        Callback::from(move |_| act(&state, "console_connect_cobot", NoArgs {}, None))
    };
    let disconnect = {
        let state = props.state.clone();
        Callback::from(move |_| act(&state, "console_disconnect_cobot", NoArgs {}, None))
    };
    let sync_now = {
        let (state, progress) = (props.state.clone(), props.progress.clone());
        Callback::from(move |_| {
            progress.set(Some(SyncProgress {
                phase: SyncPhase::Starting,
                done: 0,
                total: None,
                message: "Starting the sync…".into(),
            }));
            act(&state, "console_sync_now", NoArgs {}, None)
        })
    };
    let set_interval = {
        let (state, interval) = (props.state.clone(), interval.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match interval.trim().parse::<u64>() {
                Ok(minutes) => act(&state, "console_sync_interval", IntervalArgs { minutes }, None),
                Err(_) => state.set(State {
                    error: Some({
                        let mut e = ErrorDto::new(frontdoor_ipc::ErrorCode::Invalid, "Please check the form.");
                        e.fields
                            .insert("minutes".into(), "Give a whole number of minutes, 5 to 1440.".into());
                        e
                    }),
                    ..(*state).clone()
                }),
            }
        })
    };
    let on_interval = {
        let interval = interval.clone();
        Callback::from(move |e: InputEvent| interval.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let cobot = props.view.cobot.clone();
    let progress = (*props.progress)
        .clone()
        .or_else(|| props.view.sync.as_ref().and_then(|s| s.running.clone()));
    html! {
        <div id="cobot-tab">
            <div class="card" id="cobot-connection">
                <h3>{"Cobot connection"}</h3>
                if let Some(c) = &cobot {
                    <p id="cobot-state" data-state={connection_state_name(c.state)}><strong>{ match c.state {
                        ConnectionState::Connected => "Connected",
                        ConnectionState::Refused => "Refused by Cobot — reconnect",
                        ConnectionState::NotConnected => "Not connected",
                    } }</strong></p>
                    <p class="muted" id="cobot-message">{ &c.message }</p>
                    if !c.scopes.is_empty() {
                        <p class="muted scopes">{ format!("Scopes: {}", c.scopes.join(" ")) }</p>
                    }
                    <button id="connect-cobot" class="primary" onclick={connect}>{ if c.state == ConnectionState::Connected { "Reconnect Cobot" } else { "Connect Cobot" } }</button>
                    if c.state == ConnectionState::Connected && c.source.as_deref() == Some("console") {
                        {" "}<button id="disconnect-cobot" onclick={disconnect}>{"Disconnect"}</button>
                    }
                }
            </div>
            <doctor::CheckCobot />
            <div class="card" id="sync-panel">
                <h3>{"Sync with Cobot"}</h3>
                if let Some(sync) = &props.view.sync {
                    <p class="muted" id="next-sync">{ match &sync.next_at { Some(at) => format!("Next scheduled sync: {}", when(at)), None => "No sync is scheduled.".into() } }</p>
                    <form id="interval-form" class="inline" onsubmit={set_interval}>
                        <label>{"Every (minutes)"}<input id="sync-interval" inputmode="numeric" value={(*interval).clone()} oninput={on_interval} /></label>
                        <button type="submit">{"Save"}</button>
                    </form>
                    { field_error(&props.state, "minutes") }
                }
                <button id="sync-now" class="primary" onclick={sync_now} disabled={progress.as_ref().is_some_and(|p| !p.phase.is_finished())}>{"Sync now"}</button>
                if let Some(p) = &progress {
                    <div id="sync-progress" data-phase={p.phase.as_str()}>
                        <progress max={p.total.unwrap_or(0).max(1).to_string()} value={p.done.to_string()}></progress>
                        <span>{ format!(" {}: {}", p.phase.as_str(), p.message) }</span>
                    </div>
                }
                if let Some(sync) = &props.view.sync {
                    <table id="sync-runs" class="table">
                        <thead><tr><th>{"Started"}</th><th>{"Kind"}</th><th>{"Result"}</th><th>{"Report"}</th></tr></thead>
                        <tbody>{ for sync.runs.iter().map(run_row) }</tbody>
                    </table>
                }
            </div>
        </div>
    }
}

/// One sync run with its report in words.
fn run_row(run: &SyncRun) -> Html {
    let r = &run.report;
    let count = |k: &str| r.get(k).and_then(|v| v.as_u64()).map(|n| n.to_string());
    let list = |k: &str| {
        r.get(k)
            .and_then(|v| v.as_array())
            .filter(|a| !a.is_empty())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
    };
    let mut words = Vec::new();
    if let Some(n) = count("members") {
        words.push(format!("{n} members"));
    }
    for (key, label) in [("added", "added"), ("removed", "removed"), ("changed", "changed")] {
        if let Some(items) = list(key) {
            words.push(format!("{label}: {items}"));
        } else if let Some(n) = count(key) {
            words.push(format!("{n} {label}"));
        }
    }
    for (key, label) in [
        ("unknown_groups", "unknown group identifiers"),
        ("without_user", "without a Cobot user"),
        ("plans_without_assignment", "plans without an assignment"),
        ("unknown_plans", "assignments naming plans Cobot lacks"),
        ("unmatched_plans", "members whose plan matches no plan in Cobot's list"),
        ("renamed_plans", "assignments still naming a plan by its old name"),
        (
            "skipped",
            "records Cobot sent that could not be read (kept as they were)",
        ),
        ("webhooks", "webhooks"),
    ] {
        if let Some(items) = list(key) {
            words.push(format!("{label}: {items}"));
        }
    }
    if let Some(error) = r.get("error").and_then(|v| v.as_str()) {
        words.push(error.to_string());
    }
    html! {
        <tr class={if run.ok { "ok" } else { "failed" }}>
            <td>{ when(&run.started_at) }</td>
            <td>{ &run.kind }</td>
            <td>{ if run.ok { "applied" } else { "failed" } }</td>
            <td class="report">{ words.join(" · ") }</td>
        </tr>
    }
}
