//! The hub's layers, checked: an import may only run downwards.
//!
//! From the bottom: [`crate::base`] (configuration, log, seal, throttles) → [`crate::store`]
//! (the database, one file per table group) → [`crate::app`] (the use cases) → [`crate::http`]
//! (routes, extractors, the mapping to `{code, message}`, pages) → the crate root, which
//! assembles a running hub. A file may name its own layer and the layers below it, never one
//! above; the test reads every `crate::` path in the hub's code (comments aside).

use std::path::{Path, PathBuf};

/// The layers from the bottom up, by the directory that holds each.
pub const LAYERS: &[&str] = &["base", "store", "app", "http"];

/// A path that names a layer above the file it is written in.
#[derive(Debug, PartialEq, Eq)]
pub struct Upward {
    /// The file, relative to `src/`.
    pub file: String,
    /// Its line, from 1.
    pub line: usize,
    /// The path as written (`crate::http::Error`).
    pub path: String,
}

/// The layer a file belongs to: its top directory under `src/`; the root's own files
/// (`lib.rs`, `main.rs`) are above every layer.
pub fn layer_of_file(relative: &Path) -> usize {
    let first = relative
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("");
    LAYERS.iter().position(|l| *l == first).unwrap_or(LAYERS.len())
}

/// The layer a `crate::` path names: the layer module it starts with, else the crate root.
pub fn layer_of_path(path: &str) -> usize {
    let first = path.trim_start_matches("crate::").split("::").next().unwrap_or("");
    let first = first.trim_start_matches('{');
    LAYERS.iter().position(|l| *l == first).unwrap_or(LAYERS.len())
}

/// Every upward path in one file's text.
pub fn upward_in(file: &str, text: &str) -> Vec<Upward> {
    let own = layer_of_file(Path::new(file));
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            let path = &tail[..end];
            // `frontdoor_hub::crate::…` does not exist; `$crate::` in macros is not a layer path.
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$')) && layer_of_path(path) > own {
                found.push(Upward {
                    file: file.to_string(),
                    line: n + 1,
                    path: path.to_string(),
                });
            }
            rest = &tail[end.max(1)..];
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 30,
        "the hub's sources were not found under {}",
        src.display()
    );
    let mut upward = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&src)
            .expect("under src/")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(file).expect("a readable source file");
        upward.extend(upward_in(&relative, &text));
    }
    let listed: Vec<String> = upward
        .iter()
        .map(|u| format!("{}:{} names {}", u.file, u.line, u.path))
        .collect();
    assert!(
        listed.is_empty(),
        "imports that run upwards ({}):\n{}",
        listed.len(),
        listed.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import_and_lets_downward_ones_pass() {
    let text = "use crate::store::Store;\nuse crate::http::Error;\n// see crate::http::router\n";
    assert_eq!(
        upward_in("app/unlock.rs", text),
        vec![Upward {
            file: "app/unlock.rs".into(),
            line: 2,
            path: "crate::http::Error".into()
        }]
    );
    assert!(
        upward_in("http/mod.rs", text).is_empty(),
        "http may use the store and itself"
    );
    // The root's re-exports count as the top: a layer must name the module it uses.
    assert_eq!(upward_in("store/mod.rs", "let c: crate::Config;").len(), 1);
    assert_eq!(
        upward_in("base/log.rs", "my_crate::http").len(),
        0,
        "only whole paths count"
    );
    assert!(upward_in("lib.rs", text).is_empty(), "the root assembles every layer");
}
