//! The fleet's spaces: each hub with its link light and the status strip's four lights as it last
//! put them, its doors with how each is reached, and a remote open of one door with a reason for
//! the hub's log.

use frontdoor_ipc::{ErrorCode, ErrorDto, FleetHub, FleetSpace, UnlockOutcome, UnlockView};
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::super::activity::{check_reason, reason_field, BadReason};
use super::super::doors::reach_badge;
use super::super::glance::light_words;
use super::super::{error_banner, when, NoArgs};
use crate::tauri;
use crate::words::{use_lang, Arg, Lang};

/// How often the spaces are asked for again while the tab is shown.
pub(super) const POLL_MS: i32 = 5_000;

type Loaded = UseStateHandle<Option<Result<Vec<FleetSpace>, ErrorDto>>>;

/// Asks the fleet for the spaces, with every hub's lights and doors.
fn load(spaces: &Loaded) {
    let spaces = spaces.clone();
    wasm_bindgen_futures::spawn_local(async move {
        spaces.set(Some(
            tauri::call::<_, Vec<FleetSpace>>("console_fleet_spaces", &NoArgs {}).await,
        ));
    });
}

/// A hub's link as a light: whether it is fine, and its words.
pub fn hub_light(hub: &FleetHub, lang: Lang) -> (bool, String) {
    match (&hub.state, hub.online) {
        (Some(_), true) => (true, lang.t("console-fleet-hub-online")),
        (Some(state), false) => (
            false,
            lang.t_args(
                "console-fleet-hub-offline",
                &[("since", (&when(&state.at, lang)).into())],
            ),
        ),
        (None, true | false) => (false, lang.t("console-fleet-hub-never")),
    }
}

/// The spaces to show: all of them, or the one chosen.
pub fn shown<'a>(spaces: &'a [FleetSpace], chosen: Option<&str>) -> Vec<&'a FleetSpace> {
    spaces.iter().filter(|s| chosen.is_none_or(|c| c == s.space)).collect()
}

/// A space's name as its hubs put it, else its subdomain.
pub fn space_name(space: &FleetSpace) -> String {
    space
        .hubs
        .iter()
        .find_map(|h| h.state.as_ref().map(|s| s.space_name.clone()))
        .unwrap_or_else(|| space.space.clone())
}

/// What the door did, in `lang`: the hub said it with the outcome, so the words are the app's
/// (as a member's tap says them), not the hub's English sentence.
pub fn opened_words(unlock: &UnlockView, lang: Lang) -> String {
    let door = [("door", Arg::from(&unlock.door_name))];
    match unlock.outcome {
        UnlockOutcome::Opened => lang.t_args("unlock-opened", &door),
        UnlockOutcome::OpenedUnconfirmed => lang.t_args("unlock-unconfirmed", &door),
    }
}

/// The door being opened remotely.
#[derive(Debug, Clone, PartialEq)]
struct Opening {
    space: String,
    hub: String,
    door: String,
    name: String,
}

#[derive(Serialize)]
struct OpenArgs {
    space: String,
    hub: String,
    door: String,
    reason: String,
}

#[derive(Properties, PartialEq)]
pub struct SpacesProps {
    /// One space only, or all.
    pub chosen: Option<String>,
    /// Grows when the spaces should be read again.
    pub epoch: u32,
    /// A door was opened (the activity shows it next).
    pub on_opened: Callback<()>,
}

#[function_component(Spaces)]
pub fn spaces(props: &SpacesProps) -> Html {
    let lang = use_lang();
    let spaces = use_state(|| None::<Result<Vec<FleetSpace>, ErrorDto>>);
    let opening = use_state(|| None::<Opening>);
    {
        // Now, and again every few seconds while the tab is shown: the hubs put their state every
        // 2 s, and a hub whose link dropped turns offline after 10 s.
        let spaces = spaces.clone();
        use_effect_with(props.epoch, move |_| {
            load(&spaces);
            let interval = tauri::every(POLL_MS, move || load(&spaces));
            move || drop(interval)
        });
    }
    let list = match &*spaces {
        None => return html! { <p class="muted">{ lang.t("console-loading") }</p> },
        Some(Err(e)) => return error_banner("fleet-spaces-error", e),
        Some(Ok(list)) => list,
    };
    let open = |o: Opening| {
        let opening = opening.clone();
        Callback::from(move |_| opening.set(Some(o.clone())))
    };
    html! {
        <div id="fleet-spaces">
            { for shown(list, props.chosen.as_deref()).into_iter().map(|space| html! {
                <div class="card fleet-space" data-space={space.space.clone()}>
                    <h3>{ space_name(space) }{" "}<span class="muted">{ &space.space }</span></h3>
                    if space.hubs.is_empty() {
                        <p class="muted">{ lang.t("console-fleet-no-hubs") }</p>
                    }
                    { for space.hubs.iter().map(|hub| {
                        let (ok, words) = hub_light(hub, lang);
                        html! {
                            <div class="fleet-hub" data-hub={hub.hub.clone()} data-online={hub.online.to_string()}>
                                <h4>{ &hub.hub }</h4>
                                <ul class="status-strip">
                                    <li class={classes!("light", if ok { "ok" } else { "bad" })} data-light="link" data-ok={ok.to_string()}>
                                        <span class="dot" aria-hidden="true"></span>{ words }
                                    </li>
                                    if let Some(state) = &hub.state {
                                        { for state.glance.lights().into_iter().map(|(name, light)| html! {
                                            <li class={classes!("light", if light.ok { "ok" } else { "bad" })} data-light={name} data-ok={light.ok.to_string()}>
                                                <span class="dot" aria-hidden="true"></span>{ light_words(light, lang) }
                                            </li>
                                        }) }
                                    }
                                </ul>
                                if let Some(state) = &hub.state {
                                    <table class="table fleet-doors">
                                        <thead><tr>
                                            <th>{ lang.t("console-activity-door") }</th>
                                            <th>{ lang.t("console-fleet-reach") }</th>
                                            <th></th>
                                        </tr></thead>
                                        <tbody>
                                            { for state.doors.iter().map(|door| {
                                                let (class, reach) = reach_badge(&door.reach, lang);
                                                let o = Opening {
                                                    space: space.space.clone(),
                                                    hub: hub.hub.clone(),
                                                    door: door.id.clone(),
                                                    name: door.name.clone(),
                                                };
                                                // Three "Open…" in a row say which door to a screen reader.
                                                let label = lang.t_args("console-fleet-open-title", &[
                                                    ("door", (&door.name).into()),
                                                    ("hub", (&hub.hub).into()),
                                                ]);
                                                html! {
                                                    <tr data-door={door.id.clone()}>
                                                        <td>{ &door.name }</td>
                                                        <td><span class={classes!("badge", class)}>{ reach }</span></td>
                                                        <td><button type="button" class="fleet-open" aria-label={label} onclick={open(o)} disabled={!hub.online}>
                                                            { lang.t("console-fleet-open") }
                                                        </button></td>
                                                    </tr>
                                                }
                                            }) }
                                        </tbody>
                                    </table>
                                }
                            </div>
                        }
                    }) }
                </div>
            }) }
            if let Some(o) = &*opening {
                <RemoteOpen key={format!("{}/{}/{}", o.space, o.hub, o.door)} opening={o.clone()} on_opened={props.on_opened.clone()} />
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RemoteOpenProps {
    opening: Opening,
    on_opened: Callback<()>,
}

/// The reason for a remote open, then the hub's answer through the fleet.
#[function_component(RemoteOpen)]
fn remote_open(props: &RemoteOpenProps) -> Html {
    let lang = use_lang();
    let reason = use_state(String::new);
    let local = use_state(|| None::<BadReason>);
    let answer = use_state(|| None::<Result<UnlockView, ErrorDto>>);
    let busy = use_state(|| false);
    let field = use_node_ref();
    {
        // The form opens under every space's doors, often below the fold: the reason field takes
        // the focus (which brings it into view), so the Open… pressed visibly led somewhere.
        let field = field.clone();
        use_effect_with((), move |_| {
            if let Some(input) = field.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
        });
    }
    let o = &props.opening;
    let submit = {
        let (reason, local, answer, busy, o, on_opened) = (
            reason.clone(),
            local.clone(),
            answer.clone(),
            busy.clone(),
            o.clone(),
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
            let (answer, busy, on_opened) = (answer.clone(), busy.clone(), on_opened.clone());
            let args = OpenArgs {
                space: o.space.clone(),
                hub: o.hub.clone(),
                door: o.door.clone(),
                reason,
            };
            wasm_bindgen_futures::spawn_local(async move {
                let got = tauri::call::<_, UnlockView>("console_fleet_open", &args).await;
                busy.set(false);
                if got.is_ok() {
                    on_opened.emit(());
                }
                answer.set(Some(got));
            });
        })
    };
    let refused = match &*answer {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) | None => None,
    };
    html! {
        <form id="fleet-remote-open" class="card" onsubmit={submit}>
            <h3>{ lang.t_args("console-fleet-open-title", &[("door", (&o.name).into()), ("hub", (&o.hub).into())]) }</h3>
            <p class="muted">{ lang.t("console-fleet-open-help") }</p>
            { reason_field("fleet-reason", &reason, &local, refused, field.clone(), lang) }
            <button id="fleet-open-button" class="primary" type="submit" disabled={*busy}>
                { if *busy { lang.t("opening") } else { lang.t("console-activity-open") } }
            </button>
            { match &*answer {
                Some(Ok(unlock)) => html! {
                    <p id="fleet-open-result" class="door-result opened" role="status">{ opened_words(unlock, lang) }</p>
                },
                Some(Err(e)) if e.code != ErrorCode::Invalid || e.fields.is_empty() => error_banner("fleet-open-result", e),
                Some(Err(_)) | None => html! {},
            } }
        </form>
    }
}
