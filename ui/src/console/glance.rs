//! The status strip: the space's health in four lights (Cobot, last sync, doors, check-ins), as
//! the hub says it. Loaded when the console opens and kept current by the shell, which asks the
//! hub every half minute and sends a desktop notification when a light turns bad.

use frontdoor_ipc::{Glance, SyncProgress, GLANCE_EVENT, SYNC_PROGRESS_EVENT};
use yew::prelude::*;

use super::NoArgs;
use crate::tauri;

#[derive(Properties, PartialEq)]
pub struct StripProps {
    /// Looked at again whenever this changes (staff moving between tabs).
    pub tab: Option<super::Tab>,
    /// Looked at again whenever this grows (Cobot was just connected).
    pub epoch: u64,
}

/// Asks the shell for the lights now.
fn look(glance: &UseStateHandle<Option<Glance>>) {
    let glance = glance.clone();
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(g) = tauri::call::<_, Glance>("console_glance", &NoArgs {}).await {
            glance.set(Some(g));
        }
    });
}

#[function_component(StatusStrip)]
pub fn status_strip(props: &StripProps) -> Html {
    let glance = use_state(|| None::<Glance>);
    {
        let glance = glance.clone();
        use_effect_with((), move |_| {
            let pushed = glance.clone();
            let listener = tauri::listen::<Glance>(GLANCE_EVENT, move |g| pushed.set(Some(g)));
            // A sync that ended changes the sync light (and often Cobot's): look again then.
            let synced = tauri::listen::<SyncProgress>(SYNC_PROGRESS_EVENT, move |p| {
                if p.phase.is_finished() {
                    look(&glance);
                }
            });
            move || {
                drop(listener);
                drop(synced);
            }
        });
    }
    {
        let glance = glance.clone();
        use_effect_with((props.tab, props.epoch), move |_| look(&glance));
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
