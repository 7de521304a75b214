//! The join offer: which space, through which hub, where the person will sign in, and the
//! warnings when the hub moved or the sign-in domain is not the one Cobot lists.

use yew::prelude::*;

use crate::words::use_lang;

use super::ScreenProps;
use crate::{run, NoArgs};

#[function_component(ConfirmJoin)]
pub(crate) fn confirm_join(props: &ScreenProps) -> Html {
    let lang = use_lang();
    let Some(offer) = props.view.pending_join.clone() else {
        return html! {};
    };
    let confirm = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "confirm_join", NoArgs {}))
    };
    let decline = {
        let model = props.model.clone();
        Callback::from(move |_| run(&model, "decline_join", NoArgs {}))
    };
    html! {
        <section id="confirm-join">
            <h2>{ lang.t_args("join-title", &[("space", (&offer.space.name).into())]) }</h2>
            if let Some(current) = &offer.replaces_hub {
                <p id="offer-other-hub" class="warning">
                    { lang.t_args("join-other-hub", &[("space", (&offer.space.name).into()), ("current", current.into())]) }
                </p>
            }
            if let Some(listed) = &offer.unlisted_sign_in {
                <p id="offer-unlisted-domain" class="warning">
                    { lang.t_args("join-unlisted-domain", &[
                        ("space", (&offer.space.name).into()),
                        ("host", (&offer.space.sign_in_host).into()),
                        ("listed", listed.into()),
                    ]) }
                </p>
            }
            <dl>
                <dt>{ lang.t("join-space") }</dt><dd id="offer-space">{ &offer.space.subdomain }</dd>
                <dt>{ lang.t("join-hub") }</dt><dd id="offer-hub">{ &offer.space.hub_url }</dd>
                <dt>{ lang.t("join-sign-in-at") }</dt><dd id="offer-sign-in">{ &offer.space.sign_in_host }</dd>
            </dl>
            <p class="muted">{ lang.t("join-only-known") }</p>
            <button id="confirm-join-button" class="primary" onclick={confirm}>{ lang.t("join-confirm") }</button>
            <button id="decline-join-button" onclick={decline}>{ lang.t("cancel") }</button>
        </section>
    }
}
