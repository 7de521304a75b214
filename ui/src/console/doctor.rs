//! *Check Cobot* on the Cobot tab: the hub checks, against the space's real Cobot, every
//! assumption Frontdoor makes (what `frontdoor-hub doctor` prints) and the tab lists the verdicts
//! with their words.

use frontdoor_ipc::{DoctorReport, ErrorDto, Verdict};
use yew::prelude::*;

use super::{error_banner, when, NoArgs};
use crate::tauri;

/// A verdict as a badge: its class and its word.
pub fn verdict_badge(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Ok => ("state-online", "OK"),
        Verdict::Warn => ("state-pending", "Look"),
        Verdict::Fail => ("state-offline", "Fails"),
        Verdict::Unknown => ("state-unknown", "Not known yet"),
    }
}

#[function_component(CheckCobot)]
pub fn check_cobot() -> Html {
    let report = use_state(|| None::<Result<DoctorReport, ErrorDto>>);
    let busy = use_state(|| false);
    let run = {
        let (report, busy) = (report.clone(), busy.clone());
        Callback::from(move |_| {
            let (report, busy) = (report.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                report.set(Some(
                    tauri::call::<_, DoctorReport>("console_check_cobot", &NoArgs {}).await,
                ));
                busy.set(false);
            });
        })
    };
    html! {
        <div class="card" id="check-cobot">
            <h3>{"Check Cobot"}</h3>
            <p class="muted">{"The hub checks, against your space's Cobot, everything Frontdoor relies on: sign-in, the ID token, the token's scopes, the time zone, webhooks, and which check-ins it can see."}</p>
            <button id="check-cobot-run" onclick={run} disabled={*busy}>{ if *busy { "Checking…" } else { "Check now" } }</button>
            { match &*report {
                None => html! {},
                Some(Err(e)) => error_banner("check-cobot-error", e),
                Some(Ok(r)) => html! {
                    <table id="check-cobot-results" class="table">
                        <caption class="muted">{ format!("Checked {}", when(&r.at)) }</caption>
                        <tbody>
                            { for r.checks.iter().map(|c| {
                                let (class, word) = verdict_badge(c.verdict);
                                html! {
                                    <tr data-check={c.id.clone()} data-verdict={c.verdict.as_str()}>
                                        <td>{ &c.title }</td>
                                        <td><span class={classes!("badge", class)}>{ word }</span></td>
                                        <td>{ &c.words }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
        </div>
    }
}
