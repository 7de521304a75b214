//! The screen while the person signs in to Cobot in the browser: how it comes back, the address
//! to open by hand, and Cancel.

use frontdoor_ipc::RedirectKind;
use yew::prelude::*;

use crate::words::use_lang;

use super::ScreenProps;
use crate::{run, NoArgs};

#[function_component(SigningIn)]
pub(crate) fn signing_in(props: &ScreenProps) -> Html {
    let lang = use_lang();
    let Some(run_view) = props.view.signing_in.clone() else {
        return html! {};
    };
    let cancel = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "cancel_sign_in", NoArgs {}))
    };
    let how = match run_view.redirect {
        RedirectKind::DeepLink => lang.t("signing-in-deep-link"),
        RedirectKind::Loopback => lang.t("signing-in-loopback"),
    };
    html! {
        <section id="signing-in">
            <h2>{ lang.t("signing-in-title") }</h2>
            <p>{ how }</p>
            <details>
                <summary>{ lang.t("signing-in-no-browser") }</summary>
                <p class="muted">{ lang.t("signing-in-open-by-hand") }</p>
                <code id="authorize-url">{ &run_view.authorize_url }</code>
            </details>
            <button id="cancel-sign-in" onclick={cancel}>{ lang.t("cancel") }</button>
        </section>
    }
}
