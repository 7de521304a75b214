//! The catalogues are whole: they parse, define each message once, hold the same messages with
//! the same arguments in English and German, and hold every message the code asks for.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;
use frontdoor_i18n::{Arg, Lang};

/// Every message of `lang`: its id and the arguments it uses.
fn messages(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    let mut all = BTreeMap::new();
    for (of, name, text) in frontdoor_i18n::sources() {
        if of != lang {
            continue;
        }
        let resource = match fluent_syntax::parser::parse(text) {
            Ok(r) => r,
            Err((_, errors)) => panic!("{name} does not parse: {errors:?}"),
        };
        for entry in resource.body {
            if let ast::Entry::Message(message) = entry {
                let mut args = BTreeSet::new();
                if let Some(pattern) = &message.value {
                    pattern_args(pattern, &mut args);
                }
                let id = message.id.name.to_string();
                assert!(
                    all.insert(id.clone(), args).is_none(),
                    "{name} defines {id} a second time"
                );
            }
        }
    }
    all
}

fn pattern_args(pattern: &ast::Pattern<&str>, args: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_args(expression, args);
        }
    }
}

fn expression_args(expression: &ast::Expression<&str>, args: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_args(selector, args);
            for variant in variants {
                pattern_args(&variant.value, args);
            }
        }
        ast::Expression::Inline(inline) => inline_args(inline, args),
    }
}

fn inline_args(inline: &ast::InlineExpression<&str>, args: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            args.insert(id.name.to_string());
        }
        ast::InlineExpression::Placeable { expression } => expression_args(expression, args),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_args(a, args);
            }
        }
        ast::InlineExpression::StringLiteral { .. }
        | ast::InlineExpression::NumberLiteral { .. }
        | ast::InlineExpression::MessageReference { .. }
        | ast::InlineExpression::TermReference { .. } => {}
    }
}

#[test]
fn english_and_german_hold_the_same_messages_with_the_same_arguments() {
    let en = messages(Lang::En);
    let de = messages(Lang::De);
    assert!(!en.is_empty());
    let only_en: Vec<_> = en.keys().filter(|k| !de.contains_key(*k)).collect();
    let only_de: Vec<_> = de.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty(), "missing in German: {only_en:?}");
    assert!(only_de.is_empty(), "missing in English: {only_de:?}");
    for (id, args) in &en {
        assert_eq!(args, &de[id], "{id} uses other arguments in German");
    }
}

/// Every `.rs` file of the workspace, outside build output and installed packages.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | "gen" | "dist" | "tools") && !name.starts_with('.')
            {
                sources(&path, found);
            }
        } else if name.ends_with(".rs") && !path.ends_with("i18n/tests/catalogues.rs") {
            found.push(path);
        }
    }
}

/// The ids the code asks for: the first argument of every `.t("…")` and `.t_args("…", …)`, and
/// every arm of a `.t(match … { … })` that picks one.
fn ids_in(text: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".t(match ") {
        rest = &rest[at..];
        let end = rest.find("})").unwrap_or(rest.len());
        for arm in rest[..end].split("=> \"").skip(1) {
            if let Some(close) = arm.find('"') {
                ids.push(arm[..close].to_string());
            }
        }
        rest = &rest[end..];
    }
    for call in [".t(\"", ".t_args(\""] {
        let mut rest = text;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            if let Some(end) = rest.find('"') {
                ids.push(rest[..end].to_string());
            }
        }
    }
    ids
}

#[test]
fn every_message_the_code_asks_for_is_in_both_catalogues() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut missing = Vec::new();
    let mut asked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for id in ids_in(&text) {
            asked += 1;
            for lang in Lang::ALL {
                if !lang.has(&id) {
                    missing.push(format!("{id} ({}) in {}", lang.tag(), file.display()));
                }
            }
        }
    }
    assert!(asked > 10, "the scan found the code's calls ({asked})");
    assert!(
        missing.is_empty(),
        "messages the code asks for but a catalogue lacks:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_missing_message_shows_its_id_and_a_german_gap_falls_back_to_english() {
    assert_eq!(Lang::De.t("no-such-message"), "no-such-message");
    assert_eq!(Lang::En.t("phone-open-button"), "Open in Frontdoor");
    assert_eq!(Lang::De.t("phone-open-button"), "In Frontdoor öffnen");
    assert_eq!(
        Lang::De.t_args("phone-join-title", &[("space", Arg::Text("Lighthouse"))]),
        "Lighthouse beitreten"
    );
}

#[test]
fn the_language_follows_the_persons_list_and_falls_back_to_english() {
    assert_eq!(Lang::negotiate(&["de-AT", "en"]), Lang::De);
    assert_eq!(Lang::negotiate(&["fr-FR", "de"]), Lang::De);
    assert_eq!(Lang::negotiate(&["fr-FR"]), Lang::En);
    assert_eq!(Lang::negotiate::<&str>(&[]), Lang::En);
    assert_eq!(Lang::from_accept_language(Some("de-DE,de;q=0.9,en;q=0.8")), Lang::De);
    assert_eq!(Lang::from_accept_language(Some("en-GB,de;q=0.5")), Lang::En);
    assert_eq!(Lang::from_accept_language(Some("*")), Lang::En);
    assert_eq!(Lang::from_accept_language(None), Lang::En);
}

#[test]
fn plural_and_selector_forms_choose_by_the_argument() {
    assert_eq!(
        Lang::De.t_args("link-missing", &[("part", Arg::Text("door"))]),
        "In diesem Link fehlt die Tür."
    );
    assert_eq!(
        Lang::En.t_args("link-missing", &[("part", Arg::Text("hub"))]),
        "This link is missing its hub address."
    );
}
