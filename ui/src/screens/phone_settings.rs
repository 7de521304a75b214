//! The phone's settings card: scan a door's code in the app, and "confirm with fingerprint or face
//! before a door opens".

use frontdoor_ipc::PhoneView;
use serde::Serialize;
use yew::prelude::*;

use crate::model::Model;
use crate::run;
use crate::scan::scan_code;

#[derive(Serialize)]
struct ConfirmArgs {
    enabled: bool,
}

#[derive(Properties, PartialEq)]
pub(crate) struct PhoneSettingsProps {
    pub(crate) model: UseReducerHandle<Model>,
    pub(crate) phone: PhoneView,
}

/// Phones: scan a door's code in the app, and "confirm with fingerprint or face before opening".
#[function_component(PhoneSettings)]
pub(crate) fn phone_settings(props: &PhoneSettingsProps) -> Html {
    let scan = {
        let model = props.model.clone();
        Callback::from(move |_| scan_code(&model))
    };
    let enabled = props.phone.confirm_unlock;
    let toggle = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "set_confirm_unlock", ConfirmArgs { enabled: !enabled }))
    };
    html! {
        <section id="phone-settings" class="card">
            if props.phone.scan {
                <button id="scan-door" onclick={scan}>{"Scan a door's code"}</button>
            }
            if let Some(how) = &props.phone.confirm_with {
                <label class="check switch">
                    <input id="confirm-unlock" type="checkbox" checked={enabled} onclick={toggle} />
                    { format!("Confirm with {how} before a door opens") }
                </label>
            } else if enabled {
                <p class="warning">{"You asked to confirm before doors open, but this phone has no fingerprint or face set up now."}</p>
                <button id="confirm-unlock-off" onclick={toggle}>{"Stop confirming"}</button>
            }
        </section>
    }
}
