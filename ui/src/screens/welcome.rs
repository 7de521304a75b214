//! The welcome screen: join a space by scanning its code, pasting its link, or typing its name
//! and hub.

use frontdoor_ipc::PhoneView;
use serde::Serialize;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::words::use_lang;

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
    let lang = use_lang();
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
        Callback::from(move |_| scan_code(&model, lang))
    };
    html! {
        <section id="welcome">
            <h2>{ lang.t("welcome-title") }</h2>
            <p>{ lang.t("welcome-lead") }</p>
            <div class="card">
                <h3>{ lang.t("welcome-scan-title") }</h3>
                <p class="muted">{ lang.t("welcome-scan-help") }</p>
                if props.phone.as_ref().is_some_and(|p| p.scan) {
                    <button id="scan-join" class="primary" onclick={scan}>{ lang.t("welcome-scan-button") }</button>
                }
            </div>
            <form class="card" onsubmit={join_link}>
                <h3>{ lang.t("welcome-link-title") }</h3>
                <input id="link-input" ref={link} placeholder={lang.t("welcome-link-placeholder")} autocomplete="off" />
                <button id="join-link-button" type="submit">{ lang.t("welcome-join") }</button>
            </form>
            <form class="card" onsubmit={join_typed}>
                <h3>{ lang.t("welcome-typed-title") }</h3>
                if let Some(name) = &*named {
                    <p id="typed-space-name" class="hint" role="status">
                        { lang.t_args("welcome-typed-name", &[("name", name.into())]) }
                    </p>
                }
                <label>{ lang.t("welcome-space-label") }
                    <input id="subdomain-input" ref={subdomain} placeholder="lighthouse" autocomplete="off" /></label>
                <label>{ lang.t("welcome-hub-label") }
                    <input id="hub-input" ref={hub} placeholder="https://hub.example.com" autocomplete="off" /></label>
                <button id="join-typed-button" type="submit">{ lang.t("welcome-join") }</button>
            </form>
        </section>
    }
}
