//! The status strip: the space's health in four lights (Cobot, last sync, doors, check-ins), as
//! the hub says it, in the person's language. Loaded when the console opens and kept current by the shell, which asks the
//! hub every half minute and sends a desktop notification when a light turns bad.

use frontdoor_ipc::{Glance, Light, LightFact, SyncProgress, GLANCE_EVENT, SYNC_PROGRESS_EVENT};
use yew::prelude::*;

use super::NoArgs;
use crate::tauri;
use crate::words::{use_lang, Arg, Lang};

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
    let lang = use_lang();
    let Some(g) = &*glance else {
        return html! {};
    };
    html! {
        <ul id="status-strip" class="status-strip">
            { for g.lights().into_iter().map(|(name, light)| html! {
                <li class={classes!("light", if light.ok { "ok" } else { "bad" })} data-light={name} data-ok={light.ok.to_string()}>
                    <span class="dot" aria-hidden="true"></span>{ light_words(light, lang) }
                </li>
            }) }
        </ul>
    }
}

/// A light in `lang`: the app's words for the hub's facts, the hub's English from a hub without
/// them. Reasons inside are the hub's or Cobot's words, as they came.
pub(super) fn light_words(light: &Light, lang: Lang) -> String {
    let Some(fact) = &light.fact else {
        return light.words.clone();
    };
    let age = |s: i64| crate::facts::age(s, lang);
    match fact {
        LightFact::CobotRefused => lang.t("light-cobot-refused"),
        LightFact::CobotNotConnected { why: Some(why) } => lang.t_args("light-cobot-failed", &[("why", why.into())]),
        LightFact::CobotNotConnected { why: None } => lang.t("light-cobot-not-connected"),
        LightFact::SignInFailed { why } => lang.t_args("light-sign-in-failed", &[("why", why.into())]),
        LightFact::ReconnectFailed { why } => lang.t_args("light-reconnect-failed", &[("why", why.into())]),
        LightFact::CobotConnected => lang.t("light-cobot-connected"),
        LightFact::NeverSynced => lang.t("light-never-synced"),
        LightFact::CopyTooOld { age_seconds } => {
            lang.t_args("light-copy-too-old", &[("age", (&age(*age_seconds)).into())])
        }
        LightFact::SyncFailed { age_seconds } => {
            lang.t_args("light-sync-failed", &[("age", (&age(*age_seconds)).into())])
        }
        LightFact::SyncLate { age_seconds } => lang.t_args("light-sync-late", &[("age", (&age(*age_seconds)).into())]),
        LightFact::Synced { age_seconds } => lang.t_args("light-synced", &[("age", (&age(*age_seconds)).into())]),
        LightFact::DoorsReady { doors } => lang.t_args("light-doors-ready", &[("n", Arg::from(*doors))]),
        LightFact::DoorsOffline { names } => lang.t_args(
            "light-doors-offline",
            &[("n", Arg::from(names.len())), ("names", (&names.join(", ")).into())],
        ),
        LightFact::CheckInsFine => lang.t("light-check-ins-fine"),
        LightFact::CheckInsFailing { failing } => lang.t_args("light-check-ins-failing", &[("n", Arg::from(*failing))]),
    }
}

#[cfg(test)]
mod tests {
    use frontdoor_ipc::{Light, LightFact};

    use super::light_words;
    use crate::words::Lang;

    fn light(fact: Option<LightFact>) -> Light {
        Light {
            ok: false,
            words: "the hub's words".into(),
            fact,
        }
    }

    #[test]
    fn a_light_says_the_hub_s_facts_in_the_person_s_language_and_reasons_as_they_came() {
        let offline = light(Some(LightFact::DoorsOffline {
            names: vec!["Side".into()],
        }));
        assert_eq!(light_words(&offline, Lang::En), "1 door offline: Side");
        assert_eq!(light_words(&offline, Lang::De), "Eine Tür offline: Side");
        let two = light(Some(LightFact::DoorsOffline {
            names: vec!["Side".into(), "Back".into()],
        }));
        assert_eq!(light_words(&two, Lang::En), "2 doors offline: Side, Back");
        let late = light(Some(LightFact::SyncLate { age_seconds: 3 * 3600 }));
        assert_eq!(light_words(&late, Lang::En), "Last sync 3 h ago: late");
        assert_eq!(light_words(&late, Lang::De), "Letzter Abgleich vor 3 Std.: verspätet");
        let failed = light(Some(LightFact::SignInFailed {
            why: "invalid_grant".into(),
        }));
        assert!(light_words(&failed, Lang::De).contains("(invalid_grant)"));
        assert_eq!(
            light_words(&light(None), Lang::De),
            "the hub's words",
            "an older hub's words as they came"
        );
    }
}
