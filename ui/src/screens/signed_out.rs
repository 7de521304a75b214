//! The signed-out screen: the joined spaces and "Sign in with Cobot".

use yew::prelude::*;

use crate::words::use_lang;

use super::ScreenProps;
use crate::{run, NoArgs};

#[function_component(SignedOut)]
pub(crate) fn signed_out(props: &ScreenProps) -> Html {
    let lang = use_lang();
    let sign_in = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "sign_in", NoArgs {}))
    };
    let names: Vec<String> = props.view.spaces.iter().map(|s| s.name.clone()).collect();
    html! {
        <section id="signed-out">
            <h2>{ names.join(", ") }</h2>
            <p>{ lang.t("signed-out") }</p>
            <button id="sign-in" class="primary" onclick={sign_in}>{ lang.t("sign-in") }</button>
        </section>
    }
}
