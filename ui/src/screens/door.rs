//! A door: opening it (`unlock` or `confirm_open`) and showing what happened next to it, its
//! row in the member's list, and the result of the last tap in the hub's words.

use frontdoor_ipc::{CheckInNote, DoorView, UnlockAnswer, UnlockOutcome, UnlockView};
use serde::Serialize;
use yew::prelude::*;

use crate::words::{use_lang, Arg, Lang};

use crate::banner::{code_name, message, title};
use crate::facts;
use crate::model::{Action, DoorState, Model};
use crate::tauri;

/// How long "Front door is open." stays on screen.
const OPEN_RESULT_MS: i32 = 6000;

/// Opens a door — `unlock`, or `confirm_open` for a door link — and shows what happened next to
/// it: "Opening…", then the hub's words for a few seconds, or why it did not open.
pub(crate) fn open_door<A: Serialize + 'static>(
    model: &UseReducerHandle<Model>,
    cmd: &'static str,
    door: String,
    args: A,
) {
    let tap = js_sys::Date::now() as u64;
    model.dispatch(Action::Unlocking {
        door: door.clone(),
        tap,
    });
    let model = model.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, UnlockAnswer>(cmd, &args).await {
            Ok(answer) => {
                model.dispatch(Action::Unlocked {
                    door: door.clone(),
                    tap,
                    answer: Box::new(answer),
                });
                tauri::sleep(OPEN_RESULT_MS).await;
                model.dispatch(Action::Expire { door, tap });
            }
            Err(error) => model.dispatch(Action::UnlockFailed { door, tap, error }),
        }
    });
}

#[derive(Properties, PartialEq)]
pub(crate) struct DoorProps {
    pub(crate) door: DoorView,
    pub(crate) state: Option<DoorState>,
    /// Its Unlock is the one in the bar at the bottom of the screen.
    pub(crate) in_thumb_bar: bool,
    pub(crate) on_unlock: Callback<String>,
    pub(crate) on_dismiss: Callback<String>,
}

/// One door: its verdict with reasons, an Unlock button when it opens for the person now, and
/// what happened after the last tap.
#[function_component(Door)]
pub(crate) fn door(props: &DoorProps) -> Html {
    let lang = use_lang();
    let d = &props.door;
    let opening = matches!(props.state, Some(DoorState::Opening { .. }));
    let unlock = {
        let (on_unlock, id) = (props.on_unlock.clone(), d.id.clone());
        Callback::from(move |_| on_unlock.emit(id.clone()))
    };
    html! {
        <li class={classes!("door", if d.allowed { "open" } else { "closed" })} data-door={d.id.clone()}>
            <div class="door-head">
                <span class="door-name">{ &d.name }</span>
                <span class="verdict">{ if d.allowed { lang.t("door-open-now") } else { lang.t("door-closed-now") } }</span>
            </div>
            <p class="reasons">{ facts::door_reasons(d, lang) }</p>
            if d.allowed && !props.in_thumb_bar {
                <button class="unlock primary" data-door={d.id.clone()} disabled={opening} onclick={unlock}
                    aria-label={lang.t_args("unlock-door", &[("door", (&d.name).into())])}>
                    { if opening { lang.t("opening") } else { lang.t("unlock") } }
                </button>
            }
            // Always on the page, so a screen reader announces what a tap did when it appears.
            <div class="door-live" data-door={d.id.clone()} aria-live="polite" aria-atomic="true">
                if let Some(state) = &props.state {
                    <DoorResult door={d.id.clone()} state={state.clone()} on_dismiss={props.on_dismiss.clone()} />
                }
            </div>
        </li>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct DoorResultProps {
    pub(crate) door: String,
    pub(crate) state: DoorState,
    pub(crate) on_dismiss: Callback<String>,
}

/// What happened after a tap, in the hub's words.
#[function_component(DoorResult)]
pub(crate) fn door_result(props: &DoorResultProps) -> Html {
    let lang = use_lang();
    let dismiss = {
        let (on_dismiss, door) = (props.on_dismiss.clone(), props.door.clone());
        Callback::from(move |_| on_dismiss.emit(door.clone()))
    };
    match &props.state {
        DoorState::Opening { .. } => html! {
            <p class="door-result opening" data-door={props.door.clone()}>{ lang.t("opening") }</p>
        },
        DoorState::Opened { unlock, .. } => html! {
            <div class={classes!("door-result", "opened", (unlock.outcome == UnlockOutcome::OpenedUnconfirmed).then_some("unconfirmed"))}
                data-door={props.door.clone()}>
                <strong class="result-message">{ opened_words(unlock, lang) }</strong>
                if let Some(note) = check_in_words(unlock.check_in, lang) {
                    <span class="check-in-note">{ note }</span>
                }
            </div>
        },
        DoorState::Failed { error, .. } => html! {
            <div class="door-result failed" data-door={props.door.clone()} data-code={code_name(error.code)}>
                <strong>{ title(error.code, lang) }</strong>
                <span class="result-message">{ message(error, lang) }</span>
                <button class="link dismiss-result" onclick={dismiss}>{ lang.t("dismiss") }</button>
            </div>
        },
    }
}

/// What the door did, in `lang`: the hub said it with the outcome, so the words are the app's.
fn opened_words(unlock: &UnlockView, lang: Lang) -> String {
    let door = [("door", Arg::from(&unlock.door_name))];
    match unlock.outcome {
        UnlockOutcome::Opened => lang.t_args("unlock-opened", &door),
        UnlockOutcome::OpenedUnconfirmed => lang.t_args("unlock-unconfirmed", &door),
    }
}

/// What the entry did about today's check-in, when there is something to say.
fn check_in_words(note: CheckInNote, lang: Lang) -> Option<String> {
    match note {
        CheckInNote::CheckingIn => Some(lang.t("check-in-checking")),
        CheckInNote::AlreadyToday => Some(lang.t("check-in-already")),
        CheckInNote::None => None,
    }
}
