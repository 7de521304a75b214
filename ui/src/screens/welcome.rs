//! The welcome screen: join a space by scanning its code, pasting its link, or typing its name
//! and hub.

use frontdoor_ipc::PhoneView;
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::model::{self, Model};
use crate::scan::scan_code;
use crate::{run, LinkArgs};

#[derive(Serialize)]
struct JoinArgs {
    subdomain: String,
    hub: String,
}

#[derive(Properties, PartialEq)]
pub(crate) struct WelcomeProps {
    pub(crate) model: UseReducerHandle<Model>,
    pub(crate) phone: Option<PhoneView>,
}

#[function_component(Welcome)]
pub(crate) fn welcome(props: &WelcomeProps) -> Html {
    let link = use_node_ref();
    let subdomain = use_node_ref();
    let hub = use_node_ref();
    // A space's name pasted where the link goes: moved into "Type your space", hub asked for.
    let named = use_state(|| None::<String>);
    let join_link = {
        let (model, link, subdomain, hub, named) = (
            props.model.clone(),
            link.clone(),
            subdomain.clone(),
            hub.clone(),
            named.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = link.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            match model::typed_space_name(&value) {
                Some(name) => {
                    if let Some(input) = subdomain.cast::<HtmlInputElement>() {
                        input.set_value(&name);
                    }
                    if let Some(input) = hub.cast::<HtmlInputElement>() {
                        let _ = input.focus();
                    }
                    named.set(Some(name));
                }
                None => {
                    named.set(None);
                    run(&model, "open_link", LinkArgs { link: value });
                }
            }
        })
    };
    let join_typed = {
        let (model, subdomain, hub) = (props.model.clone(), subdomain.clone(), hub.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let read = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            run(
                &model,
                "join_space",
                JoinArgs {
                    subdomain: read(&subdomain),
                    hub: read(&hub),
                },
            );
        })
    };
    let scan = {
        let model = props.model.clone();
        Callback::from(move |_| scan_code(&model))
    };
    html! {
        <section id="welcome">
            <h2>{"Welcome"}</h2>
            <p>{"Join your coworking space to see your plans and open its doors."}</p>
            <div class="card">
                <h3>{"Scan the QR code"}</h3>
                <p class="muted">{"Point your phone's camera at the Frontdoor QR code at your space's reception. It opens this app and joins the space."}</p>
                if props.phone.as_ref().is_some_and(|p| p.scan) {
                    <button id="scan-join" class="primary" onclick={scan}>{"Scan with Frontdoor"}</button>
                }
            </div>
            <form class="card" onsubmit={join_link}>
                <h3>{"Paste a join link"}</h3>
                <input id="link-input" ref={link} placeholder="frontdoor://… or https://…/join?…" autocomplete="off" />
                <button id="join-link-button" type="submit">{"Join"}</button>
            </form>
            <form class="card" onsubmit={join_typed}>
                <h3>{"Type your space"}</h3>
                if let Some(name) = &*named {
                    <p id="typed-space-name" class="hint" role="status">
                        { format!("“{name}” is your space's name, not a join link: it is filled in below. \
                          Add your hub's address (ask your space's staff), then Join.") }
                    </p>
                }
                <label>{"Space name (the part before .cobot.me)"}
                    <input id="subdomain-input" ref={subdomain} placeholder="lighthouse" autocomplete="off" /></label>
                <label>{"Hub address (ask your space's staff)"}
                    <input id="hub-input" ref={hub} placeholder="https://hub.example.com" autocomplete="off" /></label>
                <button id="join-typed-button" type="submit">{"Join"}</button>
            </form>
        </section>
    }
}
