//! The console's Cobot tab: the space's Cobot connection (connect, disconnect, its state), the
//! sync (now, its interval, its pushed progress) and the last sync runs with their reports.

use frontdoor_ipc::{ConnectionState, ConsoleView, ErrorDto, SyncPhase, SyncProgress, SyncRun};
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::{act, doctor, field_error, when, Handle, NoArgs, Progress, State};
use crate::words::{use_lang, Arg, Lang};

/// The connection's state as the page names it (`data-state`, for tests and styles).
fn connection_state_name(state: ConnectionState) -> &'static str {
    match state {
        ConnectionState::NotConnected => "not_connected",
        ConnectionState::Connected => "connected",
        ConnectionState::Refused => "refused",
    }
}

/// Where a sync is, in words of `lang` (in English, the word on the wire).
fn phase_words(phase: SyncPhase, lang: Lang) -> String {
    lang.t(match phase {
        SyncPhase::Starting => "console-cobot-phase-starting",
        SyncPhase::Plans => "console-cobot-phase-plans",
        SyncPhase::Memberships => "console-cobot-phase-memberships",
        SyncPhase::CustomFields => "console-cobot-phase-custom-fields",
        SyncPhase::Applying => "console-cobot-phase-applying",
        SyncPhase::Done => "console-cobot-phase-done",
        SyncPhase::Failed => "console-cobot-phase-failed",
    })
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
    let lang = use_lang();
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
                message: lang.t("console-cobot-starting"),
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
                        let mut e = ErrorDto::new(frontdoor_ipc::ErrorCode::Invalid, lang.t("console-form-invalid"));
                        e.fields
                            .insert("minutes".into(), lang.t("console-cobot-minutes-invalid"));
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
                <h3>{ lang.t("console-cobot-connection-title") }</h3>
                if let Some(c) = &cobot {
                    <p id="cobot-state" data-state={connection_state_name(c.state)}><strong>{ lang.t(match c.state {
                        ConnectionState::Connected => "console-cobot-connected",
                        ConnectionState::Refused => "console-cobot-refused",
                        ConnectionState::NotConnected => "console-cobot-not-connected",
                    }) }</strong></p>
                    <p class="muted" id="cobot-message">{ &c.message }</p>
                    if !c.scopes.is_empty() {
                        <p class="muted scopes">{ lang.t_args("console-cobot-scopes", &[("scopes", (&c.scopes.join(" ")).into())]) }</p>
                    }
                    <button id="connect-cobot" class="primary" onclick={connect}>{ if c.state == ConnectionState::Connected { lang.t("console-cobot-reconnect") } else { lang.t("console-cobot-connect") } }</button>
                    if c.state == ConnectionState::Connected && c.source.as_deref() == Some("console") {
                        {" "}<button id="disconnect-cobot" onclick={disconnect}>{ lang.t("console-cobot-disconnect") }</button>
                    }
                }
            </div>
            <doctor::CheckCobot />
            <div class="card" id="sync-panel">
                <h3>{ lang.t("console-cobot-sync-title") }</h3>
                if let Some(sync) = &props.view.sync {
                    <p class="muted" id="next-sync">{ match &sync.next_at {
                        Some(at) => lang.t_args("console-cobot-next-sync", &[("time", (&when(at, lang)).into())]),
                        None => lang.t("console-cobot-no-sync"),
                    } }</p>
                    <form id="interval-form" class="inline" onsubmit={set_interval}>
                        <label>{ lang.t("console-cobot-interval") }<input id="sync-interval" inputmode="numeric" value={(*interval).clone()} oninput={on_interval} /></label>
                        <button type="submit">{ lang.t("console-save") }</button>
                    </form>
                    { field_error(&props.state, "minutes") }
                }
                <button id="sync-now" class="primary" onclick={sync_now} disabled={progress.as_ref().is_some_and(|p| !p.phase.is_finished())}>{ lang.t("console-cobot-sync-now") }</button>
                if let Some(p) = &progress {
                    <div id="sync-progress" data-phase={p.phase.as_str()}>
                        <progress max={p.total.unwrap_or(0).max(1).to_string()} value={p.done.to_string()}></progress>
                        <span>{ format!(" {}: {}", phase_words(p.phase, lang), p.message) }</span>
                    </div>
                }
                if let Some(sync) = &props.view.sync {
                    <table id="sync-runs" class="table">
                        <thead><tr>
                            <th>{ lang.t("console-cobot-run-started") }</th>
                            <th>{ lang.t("console-cobot-run-kind") }</th>
                            <th>{ lang.t("console-cobot-run-result") }</th>
                            <th>{ lang.t("console-cobot-run-report") }</th>
                        </tr></thead>
                        <tbody>{ for sync.runs.iter().map(|run| run_row(run, lang)) }</tbody>
                    </table>
                }
            </div>
        </div>
    }
}

/// One sync run with its report in words of `lang`; the names in it (members, plans, group
/// identifiers, webhooks) and the hub's error are shown as they came.
fn run_row(run: &SyncRun, lang: Lang) -> Html {
    let r = &run.report;
    let count = |k: &str| {
        r.get(k)
            .and_then(|v| v.as_u64())
            .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
    };
    let list = |k: &str| {
        r.get(k)
            .and_then(|v| v.as_array())
            .filter(|a| !a.is_empty())
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
    };
    let listed = |label: &str, items: &str| {
        let args = [("label", Arg::from(label)), ("items", Arg::from(items))];
        lang.t_args("console-cobot-report-list", &args)
    };
    let mut words = Vec::new();
    if let Some(n) = count("members") {
        words.push(lang.t_args("console-cobot-report-members", &[("n", n.into())]));
    }
    for (key, label) in [
        ("added", lang.t("console-cobot-report-added")),
        ("removed", lang.t("console-cobot-report-removed")),
        ("changed", lang.t("console-cobot-report-changed")),
    ] {
        if let Some(items) = list(key) {
            words.push(listed(&label, &items));
        } else if let Some(n) = count(key) {
            let args = [("n", Arg::from(n)), ("label", Arg::from(&label))];
            words.push(lang.t_args("console-cobot-report-count", &args));
        }
    }
    for (key, label) in [
        ("unknown_groups", lang.t("console-cobot-report-unknown-groups")),
        ("without_user", lang.t("console-cobot-report-without-user")),
        (
            "plans_without_assignment",
            lang.t("console-cobot-report-plans-without-assignment"),
        ),
        ("unknown_plans", lang.t("console-cobot-report-unknown-plans")),
        ("unmatched_plans", lang.t("console-cobot-report-unmatched-plans")),
        ("renamed_plans", lang.t("console-cobot-report-renamed-plans")),
        ("skipped", lang.t("console-cobot-report-skipped")),
        ("webhooks", lang.t("console-cobot-report-webhooks")),
    ] {
        if let Some(items) = list(key) {
            words.push(listed(&label, &items));
        }
    }
    if let Some(error) = r.get("error").and_then(|v| v.as_str()) {
        words.push(error.to_string());
    }
    html! {
        <tr class={if run.ok { "ok" } else { "failed" }}>
            <td>{ when(&run.started_at, lang) }</td>
            <td>{ &run.kind }</td>
            <td>{ if run.ok { lang.t("console-cobot-run-applied") } else { lang.t("console-cobot-run-failed") } }</td>
            <td class="report">{ words.join(" · ") }</td>
        </tr>
    }
}
