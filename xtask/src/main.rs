//! `cargo xtask ui`: builds the Yew UI into `ui/dist` without downloading anything: cargo builds
//! the `ui` crate for `wasm32-unknown-unknown`, then the `wasm-bindgen-cli-support` library —
//! pinned to the exact wasm-bindgen version in Cargo.lock — writes the JS glue.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ui") => build_ui(args.iter().any(|a| a == "--release")),
        _ => {
            eprintln!("usage: cargo xtask ui [--release]\n\n  ui   build the Yew UI into ui/dist (the app embeds it at compile time)");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn build_ui(release: bool) -> Result<(), String> {
    let root = root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root).args([
        "build",
        "--package",
        "frontdoor-ui",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    if release {
        // The shipped UI: size first (phones download nothing, but a smaller module starts
        // faster); see `[profile.ui-release]` in the root Cargo.toml.
        cmd.args(["--profile", "ui-release"]);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(
            "building the UI failed (is the wasm32-unknown-unknown target installed? scripts/setup.sh adds it)".into(),
        );
    }
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let wasm = target_dir
        .join("wasm32-unknown-unknown")
        .join(if release { "ui-release" } else { "debug" })
        .join("frontdoor_ui.wasm");
    let dist = root.join("ui").join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(|e| e.to_string())?
        // The library defaults this to true (the CLI to false); without it init() finds no
        // module path and the page stays blank.
        .omit_default_module_path(false)
        // Function names are for debugging; the shipped UI leaves them out.
        .remove_name_section(release)
        .remove_producers_section(release)
        .typescript(false)
        .generate(&dist)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;
    for file in ["index.html", "main.js", "style.css"] {
        std::fs::copy(root.join("ui/static").join(file), dist.join(file))
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    let size = std::fs::metadata(dist.join("frontdoor_ui_bg.wasm"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("UI built into {} ({} KiB of wasm)", dist.display(), size / 1024);
    Ok(())
}
