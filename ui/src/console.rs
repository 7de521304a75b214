//! The staff console: Members, Access, Cobot, Activity, Check-ins and QR codes, for the admins
//! of the space, and the Fleet tab, which talks to the operator's fleet instead of the hub. The hub refuses every console call for anyone else; the window shows the console
//! only to people the hub said are staff. Changes go to the shell, which sends them to the hub; a
//! refused change comes back with words per field, shown beside the fields.
//!
//! Members, Access and Cobot share one load of the whole console ([`ConsoleView`]), drawn by
//! [`Setup`] here; each of those tabs is a file beside this one (`console/members.rs`,
//! `access.rs`, `cobot.rs`). Doors, Activity, Check-ins and QR codes (also in `console/`) each
//! load their own data when opened. This file is the console's shell: the tabs, the shared load
//! and the helpers every tab uses.

mod access;
mod activity;
mod check_ins;
mod cobot;
mod doctor;
mod doors;
mod fleet;
pub mod glance;
mod members;
mod qr;
mod sort_header;

use frontdoor_ipc::{ConsoleView, ErrorDto, SavedFileDto, SyncProgress, SYNC_PROGRESS_EVENT};
use serde::Serialize;
use yew::prelude::*;

use crate::tauri;
use crate::words::use_lang;
use access::AccessTab;
use cobot::CobotTab;
use members::Members;

/// The console's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Every synced member.
    Members,
    /// Groups, plans, extra groups.
    Access,
    /// Cobot connection and sync.
    Cobot,
    /// The doors: add, edit, test, state.
    Doors,
    /// The audit log, door latencies, remote open.
    Activity,
    /// A day's check-ins and the check-in policy.
    CheckIns,
    /// The join code and the doors' sticker codes.
    Qr,
    /// The operator's fleet: every space they run, instead of this hub.
    Fleet,
}

#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// Which tab.
    pub tab: Tab,
    /// Grows when the console should load again.
    pub epoch: u64,
}

#[derive(Serialize)]
struct NoArgs {}

/// What the console holds between answers.
#[derive(Clone, PartialEq, Default)]
struct State {
    view: Option<ConsoleView>,
    error: Option<ErrorDto>,
    busy: bool,
}

/// The sync's progress as the hub pushed it (through the shell), kept apart from the answers:
/// only the hub's events and the Sync-now button write it. The shell follows a sync until it
/// reports `done` or `failed`, so the last phase shown is never a stale one.
type Progress = UseStateHandle<Option<SyncProgress>>;

type Handle = UseStateHandle<State>;

/// Sends a console command; its answer (a fresh [`ConsoleView`]) replaces the console, its
/// refusal is shown (with field errors for forms). `done` runs after a success.
fn act<A: Serialize + 'static>(state: &Handle, cmd: &'static str, args: A, done: Option<Callback<()>>) {
    let state = state.clone();
    state.set(State {
        busy: true,
        error: None,
        ..(*state).clone()
    });
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, ConsoleView>(cmd, &args).await {
            Ok(view) => {
                state.set(State {
                    view: Some(view),
                    error: None,
                    busy: false,
                });
                if let Some(done) = done {
                    done.emit(());
                }
            }
            Err(error) => state.set(State {
                error: Some(error),
                busy: false,
                ..(*state).clone()
            }),
        }
    });
}

/// The console: the tabs with their own loads, or the tabs sharing the whole console's.
#[function_component(Console)]
pub fn console(props: &ConsoleProps) -> Html {
    match props.tab {
        Tab::Doors => html! { <section id="console" class="console"><doors::DoorsTab /></section> },
        Tab::Activity => html! { <section id="console" class="console"><activity::ActivityTab /></section> },
        Tab::CheckIns => html! { <section id="console" class="console"><check_ins::CheckInsTab /></section> },
        Tab::Qr => html! { <section id="console" class="console"><qr::QrTab /></section> },
        Tab::Fleet => html! { <section id="console" class="console"><fleet::FleetTab /></section> },
        Tab::Members | Tab::Access | Tab::Cobot => html! { <Setup tab={props.tab} epoch={props.epoch} /> },
    }
}

/// Members, Access and Cobot, drawn from one load of the whole console.
#[function_component(Setup)]
fn setup(props: &ConsoleProps) -> Html {
    let lang = use_lang();
    let state = use_state(State::default);
    let progress: Progress = use_state(|| None);
    {
        // Fresh from the hub whenever staff open a tab, and when the shell says so.
        let state = state.clone();
        use_effect_with((props.epoch, props.tab), move |_| {
            act(&state, "console", NoArgs {}, None);
        });
    }
    {
        let (state, progress) = (state.clone(), progress.clone());
        use_effect_with((), move |_| {
            let listener = tauri::listen::<SyncProgress>(SYNC_PROGRESS_EVENT, move |p| {
                let finished = p.phase.is_finished();
                progress.set(Some(p));
                if finished {
                    act(&state, "console", NoArgs {}, None);
                }
            });
            move || drop(listener)
        });
    }
    let Some(view) = state.view.clone() else {
        return html! {
            <section id="console" class="console">
                if let Some(error) = &state.error {
                    <p id="console-error" class="field-error">{ &error.message }</p>
                } else {
                    <p class="muted">{ lang.t("console-loading") }</p>
                }
            </section>
        };
    };
    let body = match props.tab {
        Tab::Members => html! { <Members view={view.clone()} state={state.clone()} /> },
        Tab::Access => html! { <AccessTab view={view.clone()} state={state.clone()} /> },
        Tab::Cobot => html! { <CobotTab view={view.clone()} state={state.clone()} progress={progress.clone()} /> },
        // Drawn by `Console` without this load.
        Tab::Doors | Tab::Activity | Tab::CheckIns | Tab::Qr | Tab::Fleet => html! {},
    };
    html! {
        <section id="console" class={classes!("console", state.busy.then_some("busy"))}>
            if let Some(error) = &state.error {
                <div id="console-error" class="banner" data-code={serde_json::to_string(&error.code).unwrap_or_default().trim_matches('"').to_string()}>
                    <p class="message">{ &error.message }</p>
                </div>
            }
            { for view.errors.iter().map(|e| html! { <p class="muted console-part-error">{ &e.message }</p> }) }
            { body }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct TabProps {
    view: ConsoleView,
    state: Handle,
}

/// The words for a field, if the last refusal named it.
fn field_error(state: &Handle, field: &str) -> Html {
    field_words(state.error.as_ref(), field)
}

/// The words `error` has for `field`, beside the field.
fn field_words(error: Option<&ErrorDto>, field: &str) -> Html {
    match error.and_then(|e| e.fields.get(field)) {
        Some(words) => html! { <span class="field-error" data-field={field.to_string()}>{ words }</span> },
        None => html! {},
    }
}

/// A refusal of a tab that loads on its own, with its code for tests and its words for people.
fn error_banner(id: &'static str, error: &ErrorDto) -> Html {
    html! {
        <div id={id} class="banner" role="alert" data-code={serde_json::to_string(&error.code).unwrap_or_default().trim_matches('"').to_string()}>
            <p class="message">{ &error.message }</p>
        </div>
    }
}

/// "Saved to <path>", after a file was saved for staff.
fn saved_note(id: &'static str, saved: &SavedFileDto) -> Html {
    html! { <SavedNote id={id} saved={saved.clone()} /> }
}

#[derive(Properties, PartialEq)]
struct SavedNoteProps {
    id: &'static str,
    saved: SavedFileDto,
}

/// The note [`saved_note`] draws, in the console's language.
#[function_component(SavedNote)]
fn saved_note_line(props: &SavedNoteProps) -> Html {
    let lang = use_lang();
    let path = &props.saved.path;
    html! {
        <p id={props.id} class="saved" data-path={path.clone()}>{ lang.t_args("console-saved-to", &[("path", path.into())]) }</p>
    }
}

/// An RFC 3339 time as people read it, to the minute, in `lang` and this device's zone.
fn when(rfc3339: &str, lang: crate::words::Lang) -> String {
    crate::moment::moment(rfc3339, lang, crate::moment::Precision::Minute)
}
