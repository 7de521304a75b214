//! The language the window speaks — the person's choice, else the system's (the webview's
//! `navigator.languages`) — and the context every screen reads it from ([`use_lang`]). The words
//! themselves are `frontdoor-i18n`'s catalogues; names, Cobot's words and the hub's sentences are
//! shown as they came.

pub(crate) use frontdoor_i18n::{Arg, Lang};
use yew::prelude::*;

/// The languages the system lists, most wanted first.
fn system_tags() -> Vec<String> {
    web_sys::window()
        .map(|w| w.navigator().languages())
        .map(|list| list.iter().filter_map(|v| v.as_string()).collect())
        .unwrap_or_default()
}

/// The language the system asks for, among those Frontdoor speaks.
pub(crate) fn system_lang() -> Lang {
    Lang::negotiate(&system_tags())
}

/// The person's choice (`AppView::language`), else the system's.
pub(crate) fn chosen(language: Option<&str>) -> Lang {
    language.and_then(Lang::from_tag).unwrap_or_else(system_lang)
}

/// The language of the screen being drawn.
#[hook]
pub(crate) fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}
