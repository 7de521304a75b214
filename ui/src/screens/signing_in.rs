//! The screen while the person signs in to Cobot in the browser: how it comes back, the address
//! to open by hand, and Cancel.

use frontdoor_ipc::RedirectKind;
use yew::prelude::*;

use super::ScreenProps;
use crate::{run, NoArgs};

#[function_component(SigningIn)]
pub(crate) fn signing_in(props: &ScreenProps) -> Html {
    let Some(run_view) = props.view.signing_in.clone() else {
        return html! {};
    };
    let cancel = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "cancel_sign_in", NoArgs {}))
    };
    let how = match run_view.redirect {
        RedirectKind::DeepLink => "Finish signing in to Cobot in your browser; it will bring you back here.",
        RedirectKind::Loopback => "Finish signing in to Cobot in your browser, then come back to this window.",
    };
    html! {
        <section id="signing-in">
            <h2>{"Signing in…"}</h2>
            <p>{ how }</p>
            <details>
                <summary>{"No browser opened?"}</summary>
                <p class="muted">{"Open this address in your browser:"}</p>
                <code id="authorize-url">{ &run_view.authorize_url }</code>
            </details>
            <button id="cancel-sign-in" onclick={cancel}>{"Cancel"}</button>
        </section>
    }
}
