//! *Check Cobot* on the Cobot tab: the hub checks, against the space's real Cobot, every
//! assumption Frontdoor makes (what `frontdoor-hub doctor` prints) and the tab lists the verdicts
//! with their words.

use frontdoor_ipc::{DoctorReport, ErrorDto, Verdict};
use yew::prelude::*;

use super::{error_banner, when, NoArgs};
use crate::tauri;
use crate::words::{use_lang, Lang};

/// A verdict as a badge: its class and its word in `lang`.
pub fn verdict_badge(verdict: Verdict, lang: Lang) -> (&'static str, String) {
    let class = match verdict {
        Verdict::Ok => "state-online",
        Verdict::Warn => "state-pending",
        Verdict::Fail => "state-offline",
        Verdict::Unknown => "state-unknown",
    };
    let word = lang.t(match verdict {
        Verdict::Ok => "console-doctor-verdict-ok",
        Verdict::Warn => "console-doctor-verdict-warn",
        Verdict::Fail => "console-doctor-verdict-fail",
        Verdict::Unknown => "console-doctor-verdict-unknown",
    });
    (class, word)
}

#[function_component(CheckCobot)]
pub fn check_cobot() -> Html {
    let lang = use_lang();
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
            <h3>{ lang.t("console-doctor-title") }</h3>
            <p class="muted">{ lang.t("console-doctor-help") }</p>
            <button id="check-cobot-run" onclick={run} disabled={*busy}>{ if *busy { lang.t("console-doctor-checking") } else { lang.t("console-doctor-run") } }</button>
            { match &*report {
                None => html! {},
                Some(Err(e)) => error_banner("check-cobot-error", e),
                Some(Ok(r)) => html! {
                    <table id="check-cobot-results" class="table">
                        <caption class="muted">{ lang.t_args("console-doctor-checked", &[("time", (&when(&r.at, lang)).into())]) }</caption>
                        <tbody>
                            { for r.checks.iter().map(|c| {
                                let (class, word) = verdict_badge(c.verdict, lang);
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
