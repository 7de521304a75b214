//! The Fleet tab: the operator's fleet (`frontdoor-fleet`) instead of this space's hub. Signed
//! out, a form for the fleet's address and the staff token (checked here as the shell will, and
//! by the fleet before the shell keeps it); signed in, every space the operator runs with its
//! hubs' lights and doors and a remote open with a reason ([`spaces`]), the activity across them
//! ([`activity`]), how their check-ins ended ([`check_ins`]) and the revocations of the chosen space ([`revocations`]).
//!
//! What can be decided without the shell (the form's checks, the table's order and filters) is
//! plain functions, tested in `fleet/tests.rs`.

mod activity;
mod check_ins;
mod revocations;
mod spaces;

use frontdoor_ipc::{ErrorCode, ErrorDto, FleetSession};
use serde::Serialize;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::{error_banner, field_words, NoArgs};
use crate::tauri;
use crate::words::{use_lang, Lang};

/// The longest address and token the shell takes.
pub const MAX_FIELD_CHARS: usize = 512;

/// Why a typed fleet address is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadAddress {
    /// Nothing typed.
    Empty,
    /// Not `https://…` (or `http://` on this computer).
    NotWeb,
    /// Over [`MAX_FIELD_CHARS`].
    TooLong,
}

impl BadAddress {
    /// The words beside the address.
    pub fn words(self, lang: Lang) -> String {
        match self {
            BadAddress::Empty => lang.t("console-fleet-address-empty"),
            BadAddress::NotWeb => lang.t("console-fleet-address-not-web"),
            BadAddress::TooLong => lang.t_args("console-fleet-too-long", &[("max", MAX_FIELD_CHARS.into())]),
        }
    }
}

/// Why a typed token is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadToken {
    /// Nothing pasted.
    Empty,
    /// Spaces or line breaks inside.
    NotOneWord,
    /// Over [`MAX_FIELD_CHARS`].
    TooLong,
}

impl BadToken {
    /// The words beside the token.
    pub fn words(self, lang: Lang) -> String {
        match self {
            BadToken::Empty => lang.t("console-fleet-token-empty"),
            BadToken::NotOneWord => lang.t("console-fleet-token-one-word"),
            BadToken::TooLong => lang.t_args("console-fleet-too-long", &[("max", MAX_FIELD_CHARS.into())]),
        }
    }
}

/// The host of the part after `scheme://`, without its port (`[::1]` keeps its brackets).
fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match authority.find(']') {
        Some(end) if authority.starts_with('[') => &authority[..=end],
        Some(_) | None => authority.split(':').next().unwrap_or_default(),
    }
}

/// Whether `host` is this computer (plain `http://` is taken only there).
fn loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost" || host == "[::1]" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks a fleet address as typed, before the shell (which checks it fully) gets it.
pub fn check_address(text: &str) -> Result<String, BadAddress> {
    let text = text.trim();
    if text.is_empty() {
        return Err(BadAddress::Empty);
    }
    if text.chars().count() > MAX_FIELD_CHARS {
        return Err(BadAddress::TooLong);
    }
    let host = match (text.strip_prefix("https://"), text.strip_prefix("http://")) {
        (Some(rest), _) => host_of(rest),
        (None, Some(rest)) if loopback(host_of(rest)) => host_of(rest),
        (None, Some(_)) | (None, None) => return Err(BadAddress::NotWeb),
    };
    if host.is_empty() || text.chars().any(char::is_whitespace) {
        return Err(BadAddress::NotWeb);
    }
    Ok(text.to_string())
}

/// Checks a staff token as pasted: one word.
pub fn check_token(text: &str) -> Result<String, BadToken> {
    let text = text.trim();
    if text.is_empty() {
        Err(BadToken::Empty)
    } else if text.chars().count() > MAX_FIELD_CHARS {
        Err(BadToken::TooLong)
    } else if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Err(BadToken::NotOneWord)
    } else {
        Ok(text.to_string())
    }
}

/// A refusal from the fleet as the tab shows it: the shell's sentence for a staff token the fleet
/// did not take is the app's own, so it is said in the chosen language; every other refusal keeps
/// the words it came with (the fleet's or a hub's specifics, as the console's other tabs do).
fn in_words(error: &ErrorDto, lang: Lang) -> ErrorDto {
    // Only the fleet's refusal of a token reaches the form or the tab with this code: the shell's
    // own "sign in first" is never shown here, as the form is then on screen.
    if error.code != ErrorCode::NotSignedIn {
        return error.clone();
    }
    ErrorDto {
        message: lang.t("console-fleet-token-refused"),
        ..error.clone()
    }
}

#[derive(Serialize)]
struct SignInArgs {
    url: String,
    token: String,
}

/// What the tab holds: the fleet's status once asked, and why the last ask failed.
#[derive(Clone, PartialEq, Default)]
struct Known {
    status: Option<FleetSession>,
    error: Option<ErrorDto>,
}

fn load(tab: &UseStateHandle<Known>) {
    let tab = tab.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, FleetSession>("console_fleet", &NoArgs {}).await {
            Ok(status) => tab.set(Known {
                status: Some(status),
                error: None,
            }),
            // The fleet no longer takes the token, and the shell forgot it: the form again, with
            // the address filled in and the fleet's refusal above it.
            Err(error) if error.code == ErrorCode::NotSignedIn => {
                let status = tauri::call::<_, FleetSession>("console_fleet", &NoArgs {}).await.ok();
                tab.set(Known {
                    status,
                    error: Some(error),
                });
            }
            Err(error) => tab.set(Known {
                error: Some(error),
                ..(*tab).clone()
            }),
        }
    });
}

#[function_component(FleetTab)]
pub fn fleet_tab() -> Html {
    let lang = use_lang();
    let tab = use_state(Known::default);
    {
        let tab = tab.clone();
        use_effect_with((), move |_| load(&tab));
    }
    let on_status = {
        let tab = tab.clone();
        Callback::from(move |status: FleetSession| {
            tab.set(Known {
                status: Some(status),
                error: None,
            })
        })
    };
    let sign_out = {
        let tab = tab.clone();
        Callback::from(move |_| {
            let tab = tab.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(status) = tauri::call::<_, FleetSession>("console_fleet_sign_out", &NoArgs {}).await {
                    tab.set(Known {
                        status: Some(status),
                        error: None,
                    });
                }
            });
        })
    };
    // A token the fleet no longer takes was forgotten by the shell: the form, with the words.
    let signed_out_by_fleet = tab.error.as_ref().is_some_and(|e| e.code == ErrorCode::NotSignedIn);
    let body = match (&tab.status, &tab.error) {
        (Some(FleetSession { me: Some(me), .. }), _) => html! {
            <>
                <div class="card" id="fleet-signed-in">
                    <p>{ lang.t_args("console-fleet-signed-in-as", &[
                        ("name", (&me.name).into()),
                        ("address", (&tab.status.as_ref().and_then(|s| s.address.clone()).unwrap_or_default()).into()),
                    ]) }</p>
                    <button id="fleet-sign-out" type="button" onclick={sign_out.clone()}>{ lang.t("console-fleet-sign-out") }</button>
                </div>
                <Operator spaces={me.spaces.clone()} />
            </>
        },
        (Some(FleetSession { address, me: None }), _) => {
            html! { <SignIn address={address.clone().unwrap_or_default()} on_status={on_status.clone()} /> }
        }
        (None, Some(_)) if signed_out_by_fleet => {
            html! { <SignIn address={String::new()} on_status={on_status.clone()} /> }
        }
        (None, Some(_)) => {
            let again = {
                let tab = tab.clone();
                Callback::from(move |_| load(&tab))
            };
            html! {
                <div class="actions-row">
                    <button id="fleet-again" type="button" onclick={again}>{ lang.t("console-fleet-again") }</button>
                    <button id="fleet-sign-out" type="button" onclick={sign_out.clone()}>{ lang.t("console-fleet-sign-out") }</button>
                </div>
            }
        }
        (None, None) => html! { <p class="muted">{ lang.t("console-loading") }</p> },
    };
    html! {
        <div id="fleet-tab">
            <h2>{ lang.t("console-fleet-title") }</h2>
            if let Some(e) = &tab.error {
                { error_banner("fleet-error", &in_words(e, lang)) }
            }
            { body }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct OperatorProps {
    /// The spaces the operator runs, as the fleet said.
    spaces: Vec<String>,
}

/// Signed in: a space to look at (or all), then the spaces, the activity and the chosen space's
/// revocations (a revocation is per space).
#[function_component(Operator)]
fn operator(props: &OperatorProps) -> Html {
    let lang = use_lang();
    let chosen = use_state(|| None::<String>);
    let epoch = use_state(|| 0u32);
    let on_space = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            chosen.set(Some(value).filter(|v| !v.is_empty()));
        })
    };
    let on_opened = {
        let epoch = epoch.clone();
        Callback::from(move |()| epoch.set(epoch.wrapping_add(1)))
    };
    let revocations_of = (*chosen).clone().or_else(|| props.spaces.first().cloned());
    html! {
        <>
            <label>{ lang.t("console-fleet-space") }
                <select id="fleet-space" onchange={on_space}>
                    <option value="" selected={chosen.is_none()}>{ lang.t("console-fleet-all-spaces") }</option>
                    { for props.spaces.iter().map(|s| html! {
                        <option value={s.clone()} selected={chosen.as_deref() == Some(s.as_str())}>{ s }</option>
                    }) }
                </select>
            </label>
            <spaces::Spaces chosen={(*chosen).clone()} epoch={*epoch} on_opened={on_opened} />
            <activity::Activity space={(*chosen).clone()} epoch={*epoch} />
            <check_ins::CheckIns space={(*chosen).clone()} epoch={*epoch} />
            if let Some(space) = revocations_of {
                <revocations::Revocations space={space} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct SignInProps {
    /// The address the shell keeps, to start from.
    address: String,
    on_status: Callback<FleetSession>,
}

/// The sign-in form: the fleet's address and the staff token, checked inline, then by the fleet.
#[function_component(SignIn)]
fn sign_in(props: &SignInProps) -> Html {
    let lang = use_lang();
    let address = use_state(|| props.address.clone());
    let token = use_state(String::new);
    let bad = use_state(|| (None::<BadAddress>, None::<BadToken>));
    let refused = use_state(|| None::<ErrorDto>);
    let busy = use_state(|| false);
    let submit = {
        let (address, token, bad, refused, busy, on_status) = (
            address.clone(),
            token.clone(),
            bad.clone(),
            refused.clone(),
            busy.clone(),
            props.on_status.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (url, secret) = match (check_address(&address), check_token(&token)) {
                (Ok(url), Ok(secret)) => (url, secret),
                (url, secret) => {
                    bad.set((url.err(), secret.err()));
                    return;
                }
            };
            bad.set((None, None));
            refused.set(None);
            busy.set(true);
            let (refused, busy, on_status) = (refused.clone(), busy.clone(), on_status.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let got =
                    tauri::call::<_, FleetSession>("console_fleet_sign_in", &SignInArgs { url, token: secret }).await;
                busy.set(false);
                match got {
                    Ok(status) => on_status.emit(status),
                    Err(error) => refused.set(Some(error)),
                }
            });
        })
    };
    let on_address = {
        let (address, bad) = (address.clone(), bad.clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            // Inline: the words go as soon as the address is fine again.
            if bad.0.is_some() && check_address(&value).is_ok() {
                bad.set((None, bad.1));
            }
            address.set(value);
        })
    };
    let on_token = {
        let (token, bad) = (token.clone(), bad.clone());
        Callback::from(move |e: InputEvent| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            if bad.1.is_some() && check_token(&value).is_ok() {
                bad.set((bad.0, None));
            }
            token.set(value);
        })
    };
    let refused_error = refused.as_ref();
    html! {
        <form id="fleet-sign-in" class="card" onsubmit={submit}>
            <p class="muted">{ lang.t("console-fleet-sign-in-help") }</p>
            <label>{ lang.t("console-fleet-address") }
                <input id="fleet-address" type="url" value={(*address).clone()} oninput={on_address}
                    placeholder="https://fleet.example.com" autocomplete="url" />
            </label>
            if let Some(b) = bad.0 {
                <span class="field-error" data-field="url">{ b.words(lang) }</span>
            } else {
                { field_words(refused_error, "url") }
            }
            <label>{ lang.t("console-fleet-token") }
                <input id="fleet-token" type="password" value={(*token).clone()} oninput={on_token} autocomplete="off" />
            </label>
            if let Some(b) = bad.1 {
                <span class="field-error" data-field="token">{ b.words(lang) }</span>
            } else {
                { field_words(refused_error, "token") }
            }
            <button id="fleet-sign-in-button" class="primary" type="submit" disabled={*busy}>{ lang.t("console-fleet-sign-in") }</button>
            if let Some(e) = refused_error.filter(|e| e.fields.is_empty()) {
                { error_banner("fleet-sign-in-error", &in_words(e, lang)) }
            }
        </form>
    }
}

#[cfg(test)]
mod tests;
