//! The join offer: which space, through which hub, where the person will sign in, and the
//! warnings when the hub moved or the sign-in domain is not the one Cobot lists.

use yew::prelude::*;

use super::ScreenProps;
use crate::{run, NoArgs};

#[function_component(ConfirmJoin)]
pub(crate) fn confirm_join(props: &ScreenProps) -> Html {
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
            <h2>{ format!("Join {}?", offer.space.name) }</h2>
            if let Some(current) = &offer.replaces_hub {
                <p id="offer-other-hub" class="warning">
                    { format!("You already joined {} through the hub at {current}. This link names a different hub. \
                      Only continue if the space's staff told you the hub moved: you will be signed out of the old one here, \
                      and nothing of it is sent to the new one. Cancel keeps everything as it is.", offer.space.name) }
                </p>
            }
            if let Some(listed) = &offer.unlisted_sign_in {
                <p id="offer-unlisted-domain" class="warning">
                    { format!("{} signs in on its own address, {}. Cobot lists the space at {listed}, not there, so \
                      Frontdoor cannot check it for you: only continue if your space told you to sign in at {}. \
                      Frontdoor remembers your answer.", offer.space.name, offer.space.sign_in_host, offer.space.sign_in_host) }
                </p>
            }
            <dl>
                <dt>{"Space"}</dt><dd id="offer-space">{ &offer.space.subdomain }</dd>
                <dt>{"Hub"}</dt><dd id="offer-hub">{ &offer.space.hub_url }</dd>
                <dt>{"You will sign in at"}</dt><dd id="offer-sign-in">{ &offer.space.sign_in_host }</dd>
            </dl>
            <p class="muted">{"Only join spaces you know. Frontdoor will open Cobot's sign-in page in your browser."}</p>
            <button id="confirm-join-button" class="primary" onclick={confirm}>{"Join and sign in"}</button>
            <button id="decline-join-button" onclick={decline}>{"Cancel"}</button>
        </section>
    }
}
