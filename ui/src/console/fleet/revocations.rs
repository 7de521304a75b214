//! A space's revocations through the fleet: every device ended (and every person whose staff
//! right was removed) with who, why and when, and the form that makes one. The hubs apply them
//! from the fleet's down bucket; one cut off applies them when its link is back.

use frontdoor_ipc::{ErrorDto, FleetRevocation};
use serde::Serialize;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::super::activity::{check_reason, BadReason};
use super::super::{error_banner, when};
use crate::tauri;
use crate::words::{use_lang, Lang};

/// The longest device or user id the fleet takes.
pub const MAX_ID_CHARS: usize = 128;

/// Whom a revocation ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whom {
    /// One signed-in device.
    Device,
    /// Every device of a person whose staff right was removed.
    Person,
}

/// Why a revocation is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRevocation {
    /// No id given.
    NoId,
    /// An id with other characters than letters, digits, `-` and `_`, or too long.
    BadId,
    /// The reason is refused as a remote open's would be.
    Why(BadReason),
}

impl BadRevocation {
    /// The words beside the form's field.
    pub fn words(self, lang: Lang) -> String {
        match self {
            BadRevocation::NoId => lang.t("console-fleet-revoke-no-id"),
            BadRevocation::BadId => lang.t_args("console-fleet-revoke-bad-id", &[("max", MAX_ID_CHARS.into())]),
            BadRevocation::Why(BadReason::Empty) => lang.t("console-fleet-revoke-no-why"),
            BadRevocation::Why(bad @ (BadReason::TooLong | BadReason::NotOneLine)) => bad.words(lang),
        }
    }

    /// The form's field it is about.
    pub fn field(self) -> &'static str {
        match self {
            BadRevocation::NoId | BadRevocation::BadId => "id",
            BadRevocation::Why(_) => "why",
        }
    }
}

/// What the shell sends the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokeArgs {
    /// The space.
    pub space: String,
    /// The device, for [`Whom::Device`].
    pub device_id: Option<String>,
    /// The person, for [`Whom::Person`].
    pub user_id: Option<String>,
    /// Why.
    pub why: String,
}

/// Checks the form as the fleet will: an id of 1 to 128 letters, digits, `-` or `_`, and a
/// reason of one line.
pub fn check_revocation(space: &str, whom: Whom, id: &str, why: &str) -> Result<RevokeArgs, BadRevocation> {
    let id = id.trim();
    if id.is_empty() {
        return Err(BadRevocation::NoId);
    }
    if id.chars().count() > MAX_ID_CHARS || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(BadRevocation::BadId);
    }
    let why = check_reason(why).map_err(BadRevocation::Why)?;
    let (device_id, user_id) = match whom {
        Whom::Device => (Some(id.to_string()), None),
        Whom::Person => (None, Some(id.to_string())),
    };
    Ok(RevokeArgs {
        space: space.to_string(),
        device_id,
        user_id,
        why,
    })
}

/// What a revocation's key says it ended, in words.
pub fn ended_in(key: &str, lang: Lang) -> String {
    match (key.split_once(".revoke.device."), key.split_once(".revoke.staff.")) {
        (Some((_, device)), _) => lang.t_args("console-fleet-revoked-device", &[("id", device.into())]),
        (None, Some((_, user))) => lang.t_args("console-fleet-revoked-person", &[("id", user.into())]),
        (None, None) => key.to_string(),
    }
}

#[derive(Serialize)]
struct SpaceArgs {
    space: String,
}

#[derive(Properties, PartialEq)]
pub struct RevocationsProps {
    /// The space.
    pub space: String,
}

#[function_component(Revocations)]
pub fn revocations(props: &RevocationsProps) -> Html {
    let lang = use_lang();
    let list = use_state(|| None::<Result<Vec<FleetRevocation>, ErrorDto>>);
    let whom = use_state(|| Whom::Device);
    let id = use_state(String::new);
    let why = use_state(String::new);
    let bad = use_state(|| None::<BadRevocation>);
    let busy = use_state(|| false);
    {
        let list = list.clone();
        use_effect_with(props.space.clone(), move |space| {
            let args = SpaceArgs { space: space.clone() };
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(
                    tauri::call::<_, Vec<FleetRevocation>>("console_fleet_revocations", &args).await,
                ));
            });
        });
    }
    let submit = {
        let (list, whom, id, why, bad, busy, space) = (
            list.clone(),
            whom.clone(),
            id.clone(),
            why.clone(),
            bad.clone(),
            busy.clone(),
            props.space.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = match check_revocation(&space, *whom, &id, &why) {
                Ok(args) => args,
                Err(b) => {
                    bad.set(Some(b));
                    return;
                }
            };
            bad.set(None);
            busy.set(true);
            let (list, busy, id, why) = (list.clone(), busy.clone(), id.clone(), why.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let got = tauri::call::<_, Vec<FleetRevocation>>("console_fleet_revoke", &args).await;
                busy.set(false);
                if got.is_ok() {
                    id.set(String::new());
                    why.set(String::new());
                }
                list.set(Some(got));
            });
        })
    };
    let on_whom = {
        let whom = whom.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            whom.set(if value == "person" { Whom::Person } else { Whom::Device });
        })
    };
    let edit = |field: UseStateHandle<String>| {
        let bad = bad.clone();
        Callback::from(move |e: InputEvent| {
            if bad.is_some() {
                bad.set(None);
            }
            field.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let words = |field: &'static str| match *bad {
        Some(b) if b.field() == field => {
            html! { <span class="field-error" data-field={field}>{ b.words(lang) }</span> }
        }
        Some(_) | None => html! {},
    };
    html! {
        <div class="card" id="fleet-revocations" data-space={props.space.clone()}>
            <h3>{ lang.t_args("console-fleet-revocations-title", &[("space", (&props.space).into())]) }</h3>
            { match &*list {
                None => html! { <p class="muted">{ lang.t("console-loading") }</p> },
                Some(Err(e)) => error_banner("fleet-revocations-error", e),
                Some(Ok(rows)) if rows.is_empty() => html! { <p class="muted" id="fleet-revocations-empty">{ lang.t("console-fleet-revocations-empty") }</p> },
                Some(Ok(rows)) => html! {
                    <table id="fleet-revocations-table" class="table">
                        <thead><tr>
                            <th>{ lang.t("console-fleet-revoked") }</th>
                            <th>{ lang.t("console-fleet-revoked-by") }</th>
                            <th>{ lang.t("console-fleet-revoked-why") }</th>
                            <th>{ lang.t("console-activity-when") }</th>
                        </tr></thead>
                        <tbody>
                            { for rows.iter().map(|r| html! {
                                <tr data-key={r.key.clone()}>
                                    <td>{ ended_in(&r.key, lang) }</td>
                                    <td>{ &r.revocation.by }</td>
                                    <td>{ &r.revocation.why }</td>
                                    <td>{ when(&r.revocation.at, lang) }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                },
            } }
            <form id="fleet-revoke" onsubmit={submit}>
                <label>{ lang.t("console-fleet-revoke-whom") }
                    <select id="fleet-revoke-whom" onchange={on_whom}>
                        <option value="device" selected={*whom == Whom::Device}>{ lang.t("console-fleet-revoke-device") }</option>
                        <option value="person" selected={*whom == Whom::Person}>{ lang.t("console-fleet-revoke-person") }</option>
                    </select>
                </label>
                <label>{ lang.t("console-fleet-revoke-id") }
                    <input id="fleet-revoke-id" value={(*id).clone()} oninput={edit(id.clone())} />
                </label>
                { words("id") }
                <label>{ lang.t("console-fleet-revoked-why") }
                    <input id="fleet-revoke-why" maxlength="200" value={(*why).clone()} oninput={edit(why.clone())} />
                </label>
                { words("why") }
                <button id="fleet-revoke-button" type="submit" disabled={*busy}>{ lang.t("console-fleet-revoke") }</button>
            </form>
        </div>
    }
}
