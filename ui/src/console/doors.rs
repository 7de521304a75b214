//! The Doors tab: every door the hub opens, with its state (online, offline from the device's
//! Last Will, broker down), its last failure and its opening times; a form to add or edit a door
//! with the fields its driver needs, checked as staff type and again by the hub; a secret typed
//! once and never shown again; Test (a real pulse, audited as a staff test) and Remove.

use std::collections::BTreeMap;

use frontdoor_ipc::{DoorDriverSetup, DoorReach, DoorRow, DoorSecretState, DoorSetup, DoorsView, ErrorDto, UnlockView};
use serde::Serialize;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::sort_header::sort_header;

use super::activity::{moment, ms};
use super::{error_banner, field_words, NoArgs};
use crate::tauri;
use crate::words::{use_lang, Lang};

/// How often the tab looks at the doors' state while it is shown.
const POLL_MS: i32 = 10_000;

/// The driver kinds, as the hub names them, in the form's order (`""`: none yet).
pub const KINDS: &[&str] = &["", "shelly-gen2", "shelly-gen1", "home-assistant", "mqtt", "webhook"];

/// A driver kind of [`KINDS`] in words; any other reads as no driver yet.
pub fn kind_words(kind: &str, lang: Lang) -> String {
    lang.t(match kind {
        "shelly-gen2" => "console-doors-kind-shelly-gen2",
        "shelly-gen1" => "console-doors-kind-shelly-gen1",
        "home-assistant" => "console-doors-kind-home-assistant",
        "mqtt" => "console-doors-kind-mqtt",
        "webhook" => "console-doors-kind-webhook",
        _ => "console-doors-kind-none",
    })
}

/// A door's state as a badge: its class and its words (a broker's failure as the hub said it).
pub fn reach_badge(reach: &DoorReach, lang: Lang) -> (&'static str, String) {
    match reach {
        DoorReach::Online => ("state-online", lang.t("console-doors-reach-online")),
        DoorReach::Offline => ("state-offline", lang.t("console-doors-reach-offline")),
        DoorReach::BrokerDown { why } => (
            "state-offline",
            lang.t_args("console-doors-reach-broker-down", &[("why", why.into())]),
        ),
        DoorReach::Unknown => ("state-unknown", lang.t("console-doors-reach-unknown")),
        DoorReach::NoDriver => ("state-missed", lang.t("console-doors-reach-no-driver")),
    }
}

/// The door's driver in a few words.
pub fn driver_words(driver: &Option<DoorDriverSetup>, lang: Lang) -> String {
    match driver {
        None => "—".into(),
        Some(DoorDriverSetup::ShellyGen2 { url, channel }) => lang.t_args(
            "console-doors-driver-shelly-gen2",
            &[("url", url.into()), ("channel", (*channel).into())],
        ),
        Some(DoorDriverSetup::ShellyGen1 { url, relay, .. }) => lang.t_args(
            "console-doors-driver-shelly-gen1",
            &[("url", url.into()), ("relay", (*relay).into())],
        ),
        Some(DoorDriverSetup::HomeAssistant { service, entity_id, .. }) => lang.t_args(
            "console-doors-driver-home-assistant",
            &[("service", service.into()), ("entity", entity_id.into())],
        ),
        Some(DoorDriverSetup::Mqtt {
            profile,
            topic,
            device,
            prefix,
            ..
        }) => {
            let topic = topic
                .as_deref()
                .or(device.as_deref())
                .or(prefix.as_deref())
                .unwrap_or("");
            lang.t_args(
                "console-doors-driver-mqtt",
                &[("profile", profile.into()), ("topic", topic.into())],
            )
        }
        Some(DoorDriverSetup::Webhook { url }) => lang.t_args("console-doors-driver-webhook", &[("url", url.into())]),
    }
}

/// Where a door's secret comes from, in words (never the secret).
pub fn secret_words(secret: &DoorSecretState, lang: Lang) -> String {
    match secret {
        DoorSecretState::None => "—".into(),
        DoorSecretState::Stored => lang.t("console-doors-secret-stored"),
        DoorSecretState::Credential { name } => {
            lang.t_args("console-doors-secret-credential", &[("name", name.into())])
        }
    }
}

/// What is wrong with a field of the form, as the form's own checks find it; put in words for
/// the person reading by [`Wrong::words`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrong {
    /// The id is empty, too long or has other characters.
    Id,
    /// The door has no name.
    Name,
    /// The strike's release time is out of range.
    Pulse,
    /// The channel, relay or switch id is not a whole number.
    Number,
    /// The device's address is not an http(s) address.
    Url,
    /// `switch.turn_on` without the device turning itself off.
    SelfOff,
    /// Home Assistant's entity is missing.
    Entity,
    /// Home Assistant's token is missing.
    HomeAssistantToken,
    /// Zigbee2MQTT's friendly name is missing.
    Zigbee2mqttName,
    /// The Shelly's MQTT topic prefix is missing.
    ShellyPrefix,
    /// Tasmota's topic is missing.
    TasmotaTopic,
    /// The webhook's signing secret is missing.
    WebhookSecret,
    /// The webhook's signing secret does not start with `whsec_`.
    WebhookSecretPrefix,
    /// No way of opening the door is picked.
    Kind,
    /// The stored secret would go to another device: it must be typed again (or removed).
    SecretAgain,
}

impl Wrong {
    /// The words beside the field.
    pub fn words(self, lang: Lang) -> String {
        lang.t(match self {
            Wrong::Id => "console-doors-wrong-id",
            Wrong::Name => "console-doors-wrong-name",
            Wrong::Pulse => "console-doors-wrong-pulse",
            Wrong::Number => "console-doors-wrong-number",
            Wrong::Url => "console-doors-wrong-url",
            Wrong::SelfOff => "console-doors-wrong-self-off",
            Wrong::Entity => "console-doors-wrong-entity",
            Wrong::HomeAssistantToken => "console-doors-wrong-ha-token",
            Wrong::Zigbee2mqttName => "console-doors-wrong-zigbee2mqtt-name",
            Wrong::ShellyPrefix => "console-doors-wrong-shelly-prefix",
            Wrong::TasmotaTopic => "console-doors-wrong-tasmota-topic",
            Wrong::WebhookSecret => "console-doors-wrong-webhook-secret",
            Wrong::WebhookSecretPrefix => "console-doors-wrong-webhook-prefix",
            Wrong::Kind => "console-doors-wrong-kind",
            Wrong::SecretAgain => "console-doors-wrong-secret-again",
        })
    }
}

/// What the form holds, as staff type it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Draft {
    /// Editing an existing door (its id cannot change).
    pub editing: bool,
    /// The existing door has a secret.
    pub has_secret: bool,
    pub id: String,
    pub name: String,
    pub entrance: bool,
    pub pulse_ms: String,
    pub kind: String,
    pub url: String,
    /// Shelly channel / relay, Tasmota relay, Shelly-over-MQTT switch id.
    pub number: String,
    pub user: String,
    pub service: String,
    pub entity_id: String,
    pub self_off: bool,
    pub profile: String,
    /// Tasmota topic, Zigbee2MQTT device, or Shelly prefix.
    pub topic: String,
    pub base_topic: String,
    /// Typed now; empty keeps the stored one.
    pub secret: String,
    /// Remove the stored secret.
    pub clear_secret: bool,
    /// Where the stored secret belongs: the driver kind and the device's origin it was entered
    /// for (the hub sends it nowhere else).
    pub secret_for: Option<String>,
}

/// A driver kind and the origin of its address (`scheme://host[:port]`, lower case, the default
/// port left out), as the hub binds a stored secret to them. The hub decides; this only lets the
/// form say so before saving.
pub fn secret_destination(kind: &str, url: &str) -> Option<String> {
    if !matches!(kind, "shelly-gen2" | "shelly-gen1" | "home-assistant" | "webhook") {
        return None;
    }
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let host_port = host_port.strip_suffix(default_port).unwrap_or(host_port);
    (!host_port.is_empty()).then(|| format!("{kind} {scheme}://{host_port}"))
}

impl Draft {
    /// A new door.
    pub fn new_door() -> Draft {
        Draft {
            pulse_ms: "3000".into(),
            kind: "shelly-gen2".into(),
            number: "0".into(),
            service: "lock.unlock".into(),
            profile: "tasmota".into(),
            ..Draft::default()
        }
    }

    /// The form for an existing door.
    pub fn of(row: &DoorRow) -> Draft {
        let d = &row.door;
        let mut draft = Draft {
            editing: true,
            has_secret: row.secret != DoorSecretState::None,
            id: d.id.clone(),
            name: d.name.clone(),
            entrance: d.entrance,
            pulse_ms: d.pulse_ms.to_string(),
            ..Draft::new_door()
        };
        draft.kind = String::new();
        match &d.driver {
            None => {}
            Some(DoorDriverSetup::ShellyGen2 { url, channel }) => {
                draft.kind = "shelly-gen2".into();
                draft.url = url.clone();
                draft.number = channel.to_string();
            }
            Some(DoorDriverSetup::ShellyGen1 { url, relay, user }) => {
                draft.kind = "shelly-gen1".into();
                draft.url = url.clone();
                draft.number = relay.to_string();
                draft.user = user.clone().unwrap_or_default();
            }
            Some(DoorDriverSetup::HomeAssistant {
                url,
                service,
                entity_id,
                switch_turns_itself_off,
            }) => {
                draft.kind = "home-assistant".into();
                draft.url = url.clone();
                draft.service = service.clone();
                draft.entity_id = entity_id.clone();
                draft.self_off = *switch_turns_itself_off;
            }
            Some(DoorDriverSetup::Mqtt {
                profile,
                topic,
                relay,
                device,
                base_topic,
                prefix,
                switch_id,
            }) => {
                draft.kind = "mqtt".into();
                draft.profile = profile.clone();
                draft.topic = topic.clone().or(device.clone()).or(prefix.clone()).unwrap_or_default();
                draft.base_topic = base_topic.clone().unwrap_or_default();
                draft.number = relay.or(*switch_id).map(|n| n.to_string()).unwrap_or_default();
            }
            Some(DoorDriverSetup::Webhook { url }) => {
                draft.kind = "webhook".into();
                draft.url = url.clone();
            }
        }
        if draft.has_secret {
            draft.secret_for = secret_destination(&draft.kind, &draft.url);
        }
        draft
    }

    /// The driver or address changed, so the stored secret would go to another device: it must be
    /// typed again (or removed).
    pub fn secret_must_be_entered_again(&self) -> bool {
        let goes_to = secret_destination(&self.kind, &self.url);
        self.has_secret
            && !self.clear_secret
            && self.secret.is_empty()
            && goes_to.is_some()
            && goes_to != self.secret_for
    }

    /// Whether the kind takes a secret, and what it is called.
    pub fn secret_label(&self, lang: Lang) -> Option<String> {
        match self.kind.as_str() {
            "shelly-gen2" | "shelly-gen1" => Some(lang.t("console-doors-secret-device-password")),
            "home-assistant" => Some(lang.t("console-doors-secret-ha-token")),
            "webhook" => Some(lang.t("console-doors-secret-webhook")),
            _ => None,
        }
    }

    /// The door this form describes, or what is wrong with every field that is (named as the hub
    /// names them).
    pub fn check(&self) -> Result<DoorSetup, BTreeMap<String, Wrong>> {
        let mut fields = BTreeMap::new();
        let id = self.id.trim();
        if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            fields.insert("id".into(), Wrong::Id);
        }
        if self.name.trim().is_empty() {
            fields.insert("name".into(), Wrong::Name);
        }
        let pulse_ms = match self.pulse_ms.trim().parse::<u32>() {
            Ok(ms) if (500..=30_000).contains(&ms) => ms,
            _ => {
                fields.insert("pulse_ms".into(), Wrong::Pulse);
                0
            }
        };
        let number = |fields: &mut BTreeMap<String, Wrong>| -> Option<u32> {
            let text = self.number.trim();
            if text.is_empty() {
                return None;
            }
            match text.parse() {
                Ok(n) => Some(n),
                Err(_) => {
                    fields.insert("driver.number".into(), Wrong::Number);
                    None
                }
            }
        };
        let url = |fields: &mut BTreeMap<String, Wrong>| {
            let url = self.url.trim().to_string();
            let fits = (url.starts_with("http://") || url.starts_with("https://")) && url.len() > "https://".len();
            if !fits {
                fields.insert("driver.url".into(), Wrong::Url);
            }
            url
        };
        let text = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let driver = match self.kind.as_str() {
            "" => None,
            "shelly-gen2" => Some(DoorDriverSetup::ShellyGen2 {
                url: url(&mut fields),
                channel: number(&mut fields).unwrap_or(0),
            }),
            "shelly-gen1" => Some(DoorDriverSetup::ShellyGen1 {
                url: url(&mut fields),
                relay: number(&mut fields).unwrap_or(0),
                user: text(&self.user),
            }),
            "home-assistant" => {
                let url = url(&mut fields);
                if self.service == "switch.turn_on" && !self.self_off {
                    fields.insert("driver.switch_turns_itself_off".into(), Wrong::SelfOff);
                }
                if self.entity_id.trim().is_empty() {
                    fields.insert("driver.entity_id".into(), Wrong::Entity);
                }
                if !self.has_secret && self.secret.is_empty() {
                    fields.insert("secret".into(), Wrong::HomeAssistantToken);
                }
                Some(DoorDriverSetup::HomeAssistant {
                    url,
                    service: self.service.clone(),
                    entity_id: self.entity_id.trim().to_string(),
                    switch_turns_itself_off: self.self_off,
                })
            }
            "mqtt" => {
                let topic = text(&self.topic);
                if topic.is_none() {
                    fields.insert(
                        "driver.topic".into(),
                        match self.profile.as_str() {
                            "zigbee2mqtt" => Wrong::Zigbee2mqttName,
                            "shelly" => Wrong::ShellyPrefix,
                            _ => Wrong::TasmotaTopic,
                        },
                    );
                }
                let n = number(&mut fields);
                let profile = self.profile.clone();
                Some(DoorDriverSetup::Mqtt {
                    topic: (profile == "tasmota").then(|| topic.clone()).flatten(),
                    relay: (profile == "tasmota").then_some(n).flatten(),
                    device: (profile == "zigbee2mqtt").then(|| topic.clone()).flatten(),
                    base_topic: (profile == "zigbee2mqtt").then(|| text(&self.base_topic)).flatten(),
                    prefix: (profile == "shelly").then(|| topic.clone()).flatten(),
                    switch_id: (profile == "shelly").then_some(n).flatten(),
                    profile,
                })
            }
            "webhook" => {
                let url = url(&mut fields);
                let secret = self.secret.trim();
                if secret.is_empty() && !self.has_secret {
                    fields.insert("secret".into(), Wrong::WebhookSecret);
                } else if !secret.is_empty() && !secret.starts_with("whsec_") {
                    fields.insert("secret".into(), Wrong::WebhookSecretPrefix);
                }
                Some(DoorDriverSetup::Webhook { url })
            }
            _ => {
                fields.insert("driver.kind".into(), Wrong::Kind);
                None
            }
        };
        if self.secret_must_be_entered_again() {
            fields.entry("secret".into()).or_insert(Wrong::SecretAgain);
        }
        if !fields.is_empty() {
            return Err(fields);
        }
        Ok(DoorSetup {
            id: id.to_string(),
            name: self.name.trim().to_string(),
            entrance: self.entrance,
            pulse_ms,
            driver,
        })
    }

    /// The secret to send: typed now, removed, or `None` to keep the stored one.
    pub fn secret(&self) -> Option<String> {
        if self.clear_secret {
            Some(String::new())
        } else if self.secret.is_empty() {
            None
        } else {
            Some(self.secret.clone())
        }
    }
}

#[derive(Serialize)]
struct SaveArgs {
    door: DoorSetup,
    secret: Option<String>,
}

#[derive(Serialize)]
struct IdArgs {
    id: String,
}

/// What the tab holds between answers.
#[derive(Clone, PartialEq, Default)]
struct State {
    view: Option<DoorsView>,
    error: Option<ErrorDto>,
    busy: bool,
}

fn load(state: &UseStateHandle<State>) {
    let state = state.clone();
    wasm_bindgen_futures::spawn_local(async move {
        match tauri::call::<_, DoorsView>("console_doors", &NoArgs {}).await {
            Ok(view) => state.set(State {
                view: Some(view),
                error: None,
                busy: false,
            }),
            Err(error) => state.set(State {
                error: Some(error),
                busy: false,
                ..(*state).clone()
            }),
        }
    });
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Name,
    State,
    P50,
}

#[function_component(DoorsTab)]
pub fn doors_tab() -> Html {
    let lang = use_lang();
    let state = use_state(State::default);
    let draft = use_state(|| None::<Draft>);
    let form_error = use_state(|| None::<ErrorDto>);
    let tested = use_state(|| None::<Result<UnlockView, ErrorDto>>);
    let filter = use_state(String::new);
    let sort = use_state(|| (Sort::Name, false));
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            load(&state);
            let interval = tauri::every(POLL_MS, move || load(&state));
            move || drop(interval)
        });
    }
    let Some(view) = state.view.clone() else {
        return html! {
            <div id="doors-tab">
                if let Some(error) = &state.error { { error_banner("doors-error", error) } }
                else { <p class="muted">{ lang.t("console-doors-loading") }</p> }
            </div>
        };
    };
    let add = {
        let (draft, form_error) = (draft.clone(), form_error.clone());
        Callback::from(move |_| {
            form_error.set(None);
            draft.set(Some(Draft::new_door()));
        })
    };
    let needle = filter.to_lowercase();
    let mut rows: Vec<DoorRow> = view
        .doors
        .iter()
        .filter(|r| {
            needle.is_empty()
                || r.door.name.to_lowercase().contains(&needle)
                || r.door.id.to_lowercase().contains(&needle)
        })
        .cloned()
        .collect();
    let (by, descending) = *sort;
    rows.sort_by(|a, b| match by {
        Sort::Name => a.door.name.to_lowercase().cmp(&b.door.name.to_lowercase()),
        Sort::State => reach_badge(&a.reach, lang).1.cmp(&reach_badge(&b.reach, lang).1),
        Sort::P50 => a.latency.p50_us.cmp(&b.latency.p50_us),
    });
    if descending {
        rows.reverse();
    }
    let header = |label: String, column: Sort, id: &'static str| sort_header(&sort, label, column, id);
    let on_filter = {
        let filter = filter.clone();
        Callback::from(move |e: InputEvent| filter.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let row = |r: &DoorRow| {
        let id = r.door.id.clone();
        let (class, words) = reach_badge(&r.reach, lang);
        let test = {
            let (tested, state, id) = (tested.clone(), state.clone(), id.clone());
            Callback::from(move |_| {
                let (tested, state, id) = (tested.clone(), state.clone(), id.clone());
                tested.set(None);
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = tauri::call::<_, UnlockView>("console_test_door", &IdArgs { id }).await;
                    tested.set(Some(answer));
                    load(&state);
                });
            })
        };
        let edit = {
            let (draft, form_error, row) = (draft.clone(), form_error.clone(), r.clone());
            Callback::from(move |_| {
                form_error.set(None);
                draft.set(Some(Draft::of(&row)));
            })
        };
        let remove = {
            let (state, form_error, id) = (state.clone(), form_error.clone(), id.clone());
            Callback::from(move |_| {
                let (state, form_error, id) = (state.clone(), form_error.clone(), id.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    match tauri::call::<_, DoorsView>("console_remove_door", &IdArgs { id }).await {
                        Ok(view) => {
                            form_error.set(None);
                            state.set(State {
                                view: Some(view),
                                error: None,
                                busy: false,
                            });
                        }
                        Err(error) => form_error.set(Some(error)),
                    }
                });
            })
        };
        let secret = secret_words(&r.secret, lang);
        let entrance = if r.door.entrance {
            format!(" · {}", lang.t("console-doors-entrance"))
        } else {
            String::new()
        };
        html! {
            <tr data-door={id.clone()}>
                <td class="door-name">{ &r.door.name }<br/><span class="muted">{ &r.door.id }{ entrance }</span></td>
                <td class="door-driver">{ driver_words(&r.door.driver, lang) }<br/><span class="muted">{ secret }</span></td>
                <td><span class={classes!("badge", "door-state", class)}>{ words }</span></td>
                <td class="door-last-error">{ r.last_error.as_ref().map(|e| format!("{} — {}", moment(&e.at, lang), e.what)).unwrap_or_else(|| "—".into()) }</td>
                <td class="door-last-opened">{ r.last_opened_at.as_deref().map(|t| moment(t, lang)).unwrap_or_else(|| "—".into()) }</td>
                <td class="door-p50 num">{ ms(r.latency.p50_us) }</td>
                <td class="door-p95 num">{ ms(r.latency.p95_us) }</td>
                <td class="door-count num">{ r.latency.count }</td>
                <td>{ r.groups.join(", ") }</td>
                <td class="actions">
                    <button class="door-test" onclick={test} disabled={r.door.driver.is_none()}>{ lang.t("console-doors-test") }</button>
                    <button class="door-edit" onclick={edit}>{ lang.t("console-doors-edit") }</button>
                    <button class="door-remove danger" onclick={remove}>{ lang.t("console-doors-remove") }</button>
                </td>
            </tr>
        }
    };
    let saved = {
        let (state, draft, form_error) = (state.clone(), draft.clone(), form_error.clone());
        Callback::from(move |view: DoorsView| {
            form_error.set(None);
            draft.set(None);
            state.set(State {
                view: Some(view),
                error: None,
                busy: false,
            });
        })
    };
    html! {
        <div id="doors-tab">
            if let Some(error) = &state.error { { error_banner("doors-error", error) } }
            <div class="toolbar">
                <input id="doors-filter" type="search" placeholder={lang.t("console-doors-filter")} value={(*filter).clone()} oninput={on_filter} />
                <button id="door-add" onclick={add}>{ lang.t("console-doors-add") }</button>
            </div>
            if let Some(result) = &*tested {
                { match result {
                    Ok(open) => html! { <p id="door-test-result" class="ok" data-outcome={format!("{:?}", open.outcome)}>{ &open.message }</p> },
                    Err(e) => html! { <p id="door-test-result" class="field-error" data-outcome="failed">{ &e.message }</p> },
                } }
            }
            if let Some(error) = (*form_error).as_ref().filter(|_| draft.is_none()) {
                { error_banner("door-remove-error", error) }
            }
            if let Some(d) = &*draft {
                <DoorForm draft={d.clone()} mqtt_broker={view.mqtt_broker.clone()} error={(*form_error).clone()}
                    on_change={ let draft = draft.clone(); Callback::from(move |d: Draft| draft.set(Some(d))) }
                    on_cancel={ let draft = draft.clone(); Callback::from(move |_| draft.set(None)) }
                    on_error={ let form_error = form_error.clone(); Callback::from(move |e: ErrorDto| form_error.set(Some(e))) }
                    on_saved={saved} />
            }
            <table id="doors-table" class="table">
                <thead><tr>
                    { header(lang.t("console-doors-door"), Sort::Name, "doors-sort-name") }
                    <th>{ lang.t("console-doors-driver") }</th>
                    { header(lang.t("console-doors-state"), Sort::State, "doors-sort-state") }
                    <th>{ lang.t("console-doors-last-error") }</th>
                    <th>{ lang.t("console-doors-last-opened") }</th>
                    { header("p50".to_string(), Sort::P50, "doors-sort-p50") }
                    <th>{"p95"}</th>
                    <th>{ lang.t("console-doors-openings") }</th>
                    <th>{ lang.t("console-doors-groups") }</th>
                    <th></th>
                </tr></thead>
                <tbody>{ for rows.iter().map(row) }</tbody>
            </table>
            <p class="muted">{ lang.t("console-doors-latency-help") }</p>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct FormProps {
    draft: Draft,
    mqtt_broker: Option<String>,
    error: Option<ErrorDto>,
    on_change: Callback<Draft>,
    on_cancel: Callback<()>,
    on_error: Callback<ErrorDto>,
    on_saved: Callback<DoorsView>,
}

#[function_component(DoorForm)]
fn door_form(props: &FormProps) -> Html {
    let lang = use_lang();
    let d = props.draft.clone();
    // The words for each field: the form's own checks as staff type, else the hub's last refusal.
    let local = d.check().err().unwrap_or_default();
    let touched = use_state(|| false);
    let words = |field: &str| -> Html {
        if *touched {
            if let Some(w) = local.get(field) {
                return html! { <span class="field-error" data-field={field.to_string()}>{ w.words(lang) }</span> };
            }
        }
        field_words(props.error.as_ref(), field)
    };
    let text = |set: fn(&mut Draft, String)| {
        let (d, on_change, touched) = (d.clone(), props.on_change.clone(), touched.clone());
        Callback::from(move |e: InputEvent| {
            let mut next = d.clone();
            set(&mut next, e.target_unchecked_into::<HtmlInputElement>().value());
            touched.set(true);
            on_change.emit(next);
        })
    };
    let pick = |set: fn(&mut Draft, String)| {
        let (d, on_change) = (d.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let mut next = d.clone();
            set(&mut next, e.target_unchecked_into::<HtmlSelectElement>().value());
            on_change.emit(next);
        })
    };
    let tick = |set: fn(&mut Draft, bool)| {
        let (d, on_change) = (d.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let mut next = d.clone();
            set(&mut next, e.target_unchecked_into::<HtmlInputElement>().checked());
            on_change.emit(next);
        })
    };
    let submit = {
        let (d, touched) = (d.clone(), touched.clone());
        let (on_error, on_saved) = (props.on_error.clone(), props.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            touched.set(true);
            let Ok(door) = d.check() else {
                return;
            };
            let args = SaveArgs {
                door,
                secret: d.secret(),
            };
            let (on_error, on_saved) = (on_error.clone(), on_saved.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match tauri::call::<_, DoorsView>("console_save_door", &args).await {
                    Ok(view) => on_saved.emit(view),
                    Err(error) => on_error.emit(error),
                }
            });
        })
    };
    let cancel = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |_| on_cancel.emit(()))
    };
    let kind_fields = match d.kind.as_str() {
        "shelly-gen2" | "shelly-gen1" => html! {
            <>
                <label>{ lang.t("console-doors-device-address") }<input id="door-url" value={d.url.clone()} placeholder="http://192.168.1.20/" oninput={text(|d, v| d.url = v)} />{ words("driver.url") }</label>
                <label>{ if d.kind == "shelly-gen2" { lang.t("console-doors-switch-id") } else { lang.t("console-doors-relay") } }<input id="door-number" value={d.number.clone()} oninput={text(|d, v| d.number = v)} />{ words("driver.number") }</label>
                if d.kind == "shelly-gen1" {
                    <label>{ lang.t("console-doors-login") }<input id="door-user" value={d.user.clone()} oninput={text(|d, v| d.user = v)} /></label>
                }
            </>
        },
        "home-assistant" => html! {
            <>
                <label>{ lang.t("console-doors-ha-address") }<input id="door-url" value={d.url.clone()} placeholder="http://homeassistant.local:8123/" oninput={text(|d, v| d.url = v)} />{ words("driver.url") }</label>
                <label>{ lang.t("console-doors-service") }
                    <select id="door-service" onchange={pick(|d, v| d.service = v)}>
                        { for ["lock.unlock", "lock.open", "button.press", "switch.turn_on"].iter().map(|s| html! { <option value={*s} selected={d.service == *s}>{ *s }</option> }) }
                    </select>{ words("driver.service") }</label>
                <label>{ lang.t("console-doors-entity") }<input id="door-entity" value={d.entity_id.clone()} placeholder="lock.front_door" oninput={text(|d, v| d.entity_id = v)} />{ words("driver.entity_id") }</label>
                if d.service == "switch.turn_on" {
                    <label class="check"><input id="door-self-off" type="checkbox" checked={d.self_off} onchange={tick(|d, v| d.self_off = v)} />{ lang.t("console-doors-self-off") }{ words("driver.switch_turns_itself_off") }</label>
                }
            </>
        },
        "mqtt" => html! {
            <>
                if let Some(broker) = &props.mqtt_broker {
                    <p class="muted">{ lang.t_args("console-doors-on-broker", &[("broker", broker.into())]) }</p>
                } else {
                    <p class="field-error">{ lang.t("console-doors-no-broker") }</p>
                }
                <label>{ lang.t("console-doors-profile") }
                    <select id="door-profile" onchange={pick(|d, v| d.profile = v)}>
                        { for ["tasmota", "zigbee2mqtt", "shelly"].iter().map(|s| html! { <option value={*s} selected={d.profile == *s}>{ *s }</option> }) }
                    </select>{ words("driver.profile") }</label>
                <label>{ lang.t(match d.profile.as_str() { "zigbee2mqtt" => "console-doors-friendly-name", "shelly" => "console-doors-topic-prefix", _ => "console-doors-topic" }) }
                    <input id="door-topic" value={d.topic.clone()} oninput={text(|d, v| d.topic = v)} />{ words("driver.topic") }{ words("driver.device") }{ words("driver.prefix") }</label>
                if d.profile != "zigbee2mqtt" {
                    <label>{ if d.profile == "shelly" { lang.t("console-doors-switch-id") } else { lang.t("console-doors-relay") } }<input id="door-number" value={d.number.clone()} oninput={text(|d, v| d.number = v)} />{ words("driver.number") }</label>
                } else {
                    <label>{ lang.t("console-doors-base-topic") }<input id="door-base-topic" value={d.base_topic.clone()} oninput={text(|d, v| d.base_topic = v)} /></label>
                }
                { words("driver.kind") }
            </>
        },
        "webhook" => html! {
            <label>{ lang.t("console-doors-receiver-address") }<input id="door-url" value={d.url.clone()} placeholder="https://door.example/open" oninput={text(|d, v| d.url = v)} />{ words("driver.url") }</label>
        },
        _ => html! {},
    };
    let secret = d.secret_label(lang).map(|label| {
        let placeholder = if d.has_secret {
            lang.t("console-doors-secret-stored-placeholder")
        } else {
            lang.t("console-doors-secret-new-placeholder")
        };
        html! {
            <>
                <label>{ label }<input id="door-secret" type="password" autocomplete="off" value={d.secret.clone()} placeholder={placeholder} oninput={text(|d, v| d.secret = v)} />{ words("secret") }</label>
                if d.has_secret {
                    <label class="check"><input id="door-clear-secret" type="checkbox" checked={d.clear_secret} onchange={tick(|d, v| d.clear_secret = v)} />{ lang.t("console-doors-clear-secret") }</label>
                }
            </>
        }
    });
    html! {
        <form id="door-form" class="card form" onsubmit={submit} novalidate=true>
            <h3>{ if d.editing { lang.t_args("console-doors-edit-title", &[("name", (&d.name).into())]) } else { lang.t("console-doors-add") } }</h3>
            if let Some(error) = &props.error {
                <p id="door-form-error" class="field-error">{ &error.message }</p>
            }
            <label>{ lang.t("console-doors-id-label") }<input id="door-id" value={d.id.clone()} disabled={d.editing} placeholder="side-door" oninput={text(|d, v| d.id = v)} />{ words("id") }</label>
            <label>{ lang.t("console-doors-name-label") }<input id="door-name" value={d.name.clone()} placeholder={lang.t("console-doors-name-placeholder")} oninput={text(|d, v| d.name = v)} />{ words("name") }</label>
            <label class="check"><input id="door-entrance" type="checkbox" checked={d.entrance} onchange={tick(|d, v| d.entrance = v)} />{ lang.t("console-doors-entrance-label") }</label>
            <label>{ lang.t("console-doors-pulse-label") }<input id="door-pulse" inputmode="numeric" value={d.pulse_ms.clone()} oninput={text(|d, v| d.pulse_ms = v)} />{ words("pulse_ms") }</label>
            <label>{ lang.t("console-doors-kind-label") }
                <select id="door-kind" onchange={pick(|d, v| d.kind = v)}>
                    { for KINDS.iter().map(|k| html! { <option value={*k} selected={d.kind == *k}>{ kind_words(k, lang) }</option> }) }
                </select>{ words("driver.kind") }</label>
            { kind_fields }
            { secret.unwrap_or_default() }
            <div class="actions">
                <button id="door-save" type="submit">{ lang.t("console-doors-save") }</button>
                <button id="door-cancel" type="button" onclick={cancel}>{ lang.t("cancel") }</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests;
