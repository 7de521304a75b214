//! The status strip: the space's health in four lights (Cobot, last sync, doors, check-ins), as
//! the hub says it. Loaded when the console opens and kept current by the shell, which asks the
//! hub every half minute and sends a desktop notification when a light turns bad.

use frontdoor_ipc::{GlanceDto, GLANCE_EVENT};
use yew::prelude::*;

use super::NoArgs;
use crate::tauri;

#[derive(Properties, PartialEq)]
pub struct StripProps {
    /// Looked at again whenever this changes (staff moving between tabs, after a change).
    pub tab: Option<super::Tab>,
}

#[function_component(StatusStrip)]
pub fn status_strip(props: &StripProps) -> Html {
    let glance = use_state(|| None::<GlanceDto>);
    {
        let glance = glance.clone();
        use_effect_with((), move |_| {
            let listener = tauri::listen::<GlanceDto>(GLANCE_EVENT, move |g| glance.set(Some(g)));
            move || drop(listener)
        });
    }
    {
        let glance = glance.clone();
        use_effect_with(props.tab, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(g) = tauri::call::<_, GlanceDto>("console_glance", &NoArgs {}).await {
                    glance.set(Some(g));
                }
            });
        });
    }
    let Some(g) = &*glance else {
        return html! {};
    };
    html! {
        <ul id="status-strip" class="status-strip">
            { for g.lights().into_iter().map(|(name, light)| html! {
                <li class={classes!("light", if light.ok { "ok" } else { "bad" })} data-light={name} data-ok={light.ok.to_string()}>
                    <span class="dot" aria-hidden="true"></span>{ &light.words }
                </li>
            }) }
        </ul>
    }
}
