//! The phone's settings card: scan a door's code in the app, and "confirm with fingerprint or face
//! before a door opens".

use frontdoor_ipc::PhoneView;
use serde::Serialize;
use yew::prelude::*;

use crate::words::use_lang;

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
    let lang = use_lang();
    let scan = {
        let model = props.model.clone();
        Callback::from(move |_| scan_code(&model, lang))
    };
    let enabled = props.phone.confirm_unlock;
    let toggle = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "set_confirm_unlock", ConfirmArgs { enabled: !enabled }))
    };
    html! {
        <section id="phone-settings" class="card">
            if props.phone.scan {
                <button id="scan-door" onclick={scan}>{ lang.t("scan-door") }</button>
            }
            if let Some(how) = &props.phone.confirm_with {
                <label class="check switch">
                    <input id="confirm-unlock" type="checkbox" checked={enabled} onclick={toggle} />
                    { lang.t_args("confirm-with", &[("how", how.into())]) }
                </label>
            } else if enabled {
                <p class="warning">{ lang.t("confirm-missing") }</p>
                <button id="confirm-unlock-off" onclick={toggle}>{ lang.t("confirm-stop") }</button>
            }
        </section>
    }
}
