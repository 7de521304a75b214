//! Frontdoor's words, in English and German, from Fluent catalogues (`locales/<lang>/*.ftl`,
//! compiled in). Every string a person reads in the app, its console and the hub's phone pages
//! is a message here, looked up by its id with its arguments; Cobot's own words (a refusal, a
//! plan's name) are never put through a catalogue.
//!
//! - [`Lang`] is the language a person reads: chosen from the system's or browser's list
//!   ([`Lang::negotiate`], [`Lang::from_accept_language`]), overridable by a setting.
//! - [`Lang::t`] and [`Lang::t_args`] format a message; a message missing in German falls back
//!   to English, and one missing in both shows its id, so a gap is visible but never breaks a
//!   screen. The tests (`tests/catalogues.rs`) fail when either catalogue lacks a message the
//!   other has, when their arguments differ, or when code asks for an id neither has.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language Frontdoor speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// German.
    De,
}

/// One catalogue file: its language and text.
struct Source {
    lang: Lang,
    name: &'static str,
    text: &'static str,
}

/// A catalogue file of `lang`, compiled in from `locales/<name>`.
macro_rules! source {
    ($lang:ident, $name:literal) => {
        Source {
            lang: Lang::$lang,
            name: $name,
            text: include_str!(concat!("../locales/", $name)),
        }
    };
}

/// The catalogue files every build holds: the member's screens and the hub's pages.
const SOURCES: &[Source] = &[
    source!(En, "en/phone-pages.ftl"),
    source!(De, "de/phone-pages.ftl"),
    source!(En, "en/app.ftl"),
    source!(De, "de/app.ftl"),
];

/// The staff console's catalogue files, compiled in only with the `console` feature: a phone
/// build (the member's screens alone) carries none of the console's words.
#[cfg(feature = "console")]
const CONSOLE_SOURCES: &[Source] = &[
    source!(En, "en/console.ftl"),
    source!(De, "de/console.ftl"),
    source!(En, "en/console-log.ftl"),
    source!(De, "de/console-log.ftl"),
    source!(En, "en/console-fleet.ftl"),
    source!(De, "de/console-fleet.ftl"),
];
#[cfg(not(feature = "console"))]
const CONSOLE_SOURCES: &[Source] = &[];

/// Every catalogue file this build holds.
fn all_sources() -> impl Iterator<Item = &'static Source> {
    SOURCES.iter().chain(CONSOLE_SOURCES)
}

/// An argument of a message: text (a name, a door) or a number (which picks plural forms).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// Text, shown as it is.
    Text(&'a str),
    /// A number, formatted and used to choose a plural form.
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<u32> for Arg<'_> {
    fn from(n: u32) -> Self {
        Arg::Number(i64::from(n))
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    /// The language's BCP 47 tag (`en`, `de`), as in `<html lang>` and the settings.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    /// The language for a tag Frontdoor wrote (`en`, `de`), if it is one.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.tag().eq_ignore_ascii_case(tag.trim()))
    }

    /// The language's own name, for the setting that picks it.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    /// The best language for a person who reads `requested` (BCP 47 tags, most wanted first,
    /// as a system or browser lists them: `de-AT`, `en-US`, …); English when none fits.
    pub fn negotiate<S: AsRef<str>>(requested: &[S]) -> Lang {
        let requested: Vec<LanguageIdentifier> = requested
            .iter()
            .filter_map(|t| t.as_ref().trim().parse().ok())
            .collect();
        Lang::negotiate_ids(&requested)
    }

    fn negotiate_ids(requested: &[LanguageIdentifier]) -> Lang {
        let available: Vec<LanguageIdentifier> = Lang::ALL.iter().filter_map(|l| l.tag().parse().ok()).collect();
        let default: LanguageIdentifier = Lang::En.tag().parse().expect("en is a language tag");
        let chosen = fluent_langneg::negotiate_languages(
            requested,
            &available,
            Some(&default),
            fluent_langneg::NegotiationStrategy::Lookup,
        );
        chosen
            .first()
            .and_then(|id| Lang::from_tag(id.language.as_str()))
            .unwrap_or_default()
    }

    /// The best language for an HTTP `Accept-Language` header (`de-DE,de;q=0.9,en;q=0.8`).
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::default();
        };
        Lang::negotiate_ids(&fluent_langneg::accepted_languages::parse(header))
    }

    /// Message `id` without arguments.
    pub fn t(self, id: &str) -> String {
        self.t_args(id, &[])
    }

    /// Message `id` with `args`; English when this language lacks it, the id when both do.
    pub fn t_args(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, arg) in args {
            match arg {
                Arg::Text(text) => fluent_args.set(*name, FluentValue::from(*text)),
                Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
            }
        }
        for lang in [self, Lang::En] {
            let bundle = bundle(lang);
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                return text.into_owned();
            }
        }
        id.to_string()
    }

    /// Whether message `id` exists in this language's catalogue (for the tests).
    pub fn has(self, id: &str) -> bool {
        bundle(self).has_message(id)
    }
}

/// The catalogue of `lang`, parsed once.
fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static EN: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    static DE: OnceLock<FluentBundle<FluentResource>> = OnceLock::new();
    let slot = match lang {
        Lang::En => &EN,
        Lang::De => &DE,
    };
    slot.get_or_init(|| {
        let id: LanguageIdentifier = lang.tag().parse().expect("a language Frontdoor speaks has a tag");
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Names and doors are shown in left-to-right text only; the isolation marks Fluent adds
        // around arguments would land in HTML, file names and copied links.
        bundle.set_use_isolating(false);
        for source in all_sources().filter(|s| s.lang == lang) {
            // A catalogue with a syntax error keeps its good messages; the tests name the error.
            let resource = match FluentResource::try_new(source.text.to_string()) {
                Ok(r) | Err((r, _)) => r,
            };
            // An id defined twice keeps its first definition; the tests refuse it.
            let _ = bundle.add_resource(resource);
        }
        bundle
    })
}

/// The catalogue files, for the tests: (language, file name, text).
#[doc(hidden)]
pub fn sources() -> impl Iterator<Item = (Lang, &'static str, &'static str)> {
    all_sources().map(|s| (s.lang, s.name, s.text))
}
