//! The language setting at the foot of every screen: the system's language (named), English or
//! Deutsch. The choice is the shell's to keep (`set_language`), so it outlives a restart.

use serde::Serialize;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::model::Model;
use crate::run;
use crate::words::{self, use_lang, Lang};

#[derive(Serialize)]
struct LanguageArgs {
    language: Option<String>,
}

#[derive(Properties, PartialEq)]
pub(crate) struct LanguagePickerProps {
    pub(crate) model: UseReducerHandle<Model>,
    /// The person's choice, `None` for the system's.
    pub(crate) chosen: Option<String>,
}

#[function_component(LanguagePicker)]
pub(crate) fn language_picker(props: &LanguagePickerProps) -> Html {
    let lang = use_lang();
    let change = {
        let model = props.model.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            let language = (!value.is_empty()).then_some(value);
            run(&model, "set_language", LanguageArgs { language });
        })
    };
    let chosen = props.chosen.as_deref().and_then(Lang::from_tag);
    html! {
        <footer id="language-setting" class="muted">
            <label>{ lang.t("language") }
                <select id="language" onchange={change}>
                    <option value="" selected={chosen.is_none()}>
                        { lang.t_args("language-system", &[("name", words::system_lang().name().into())]) }
                    </option>
                    { for Lang::ALL.into_iter().map(|l| html! {
                        <option value={l.tag()} selected={chosen == Some(l)}>{ l.name() }</option>
                    }) }
                </select>
            </label>
        </footer>
    }
}
