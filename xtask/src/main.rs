//! `cargo xtask ui`: builds the Yew UI into `ui/dist` without downloading anything: cargo builds
//! the `ui` crate for `wasm32-unknown-unknown`, then the `wasm-bindgen-cli-support` library —
//! pinned to the exact wasm-bindgen version in Cargo.lock — writes the JS glue.
//!
//! `cargo xtask ui --release` is the shipped UI: built with `[profile.ui-release]`, then shrunk
//! with `wasm-opt -Oz` (binaryen from npm, installed into `tools/` by `scripts/setup.sh`).
//! `--phone` leaves the staff console out (the `console` feature): the member's screen a phone
//! starts with, refused when its module is over [`MAX_PHONE_WASM`].

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ui") => build_ui(
            args.iter().any(|a| a == "--release"),
            args.iter().any(|a| a == "--phone"),
        ),
        _ => {
            eprintln!("usage: cargo xtask ui [--release] [--phone]\n\n  ui   build the Yew UI into ui/dist (the app embeds it at compile time)\n       --release  the shipped UI: size-tuned, shrunk with wasm-opt\n       --phone    the member's screen alone, without the staff console (phone builds)");
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

/// Why building the UI failed.
#[derive(Debug)]
enum Failure {
    /// A tool it needs is not installed.
    Missing(String),
    /// A tool ran and failed.
    Tool(String),
    /// Running a tool or touching a file failed.
    Io { doing: String, source: std::io::Error },
    /// wasm-bindgen refused.
    Bindgen(anyhow::Error),
    /// The phone's module is over its budget.
    OverBudget { size: u64 },
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Missing(words) | Failure::Tool(words) => f.write_str(words),
            Failure::Io { doing, source } => write!(f, "cannot {doing}: {source}"),
            Failure::Bindgen(e) => write!(f, "wasm-bindgen: {e}"),
            Failure::OverBudget { size } => write!(
                f,
                "the phone's release UI is {size} bytes of wasm, over its budget of {MAX_PHONE_WASM}: find what \
                 grew (`twiggy top target/wasm32-unknown-unknown/ui-release/frontdoor_ui.wasm`) before shipping it"
            ),
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Failure::Io { source, .. } => Some(source),
            Failure::Bindgen(e) => Some(e.as_ref()),
            Failure::Missing(_) | Failure::Tool(_) | Failure::OverBudget { .. } => None,
        }
    }
}

/// The largest release UI module for phones: a phone starts the app with it, so it is kept small.
const MAX_PHONE_WASM: u64 = 550 * 1000;

fn root() -> PathBuf {
    // `cargo run` says which checkout it runs for; the compile-time path is only the fallback (a
    // binary built for another worktree sharing this target directory must not build that one).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&manifest)
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// `wasm-opt` from `tools/node_modules` (or `WASM_OPT`), shrinking `wasm` in place. The features
/// are those current rustc enables for `wasm32-unknown-unknown`.
fn shrink(root: &Path, wasm: &Path) -> Result<(), Failure> {
    let tool = std::env::var_os("WASM_OPT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("tools/node_modules/.bin/wasm-opt"));
    if !tool.exists() {
        return Err(Failure::Missing(format!(
            "{} is missing: the release UI is shrunk with binaryen's wasm-opt (run scripts/setup.sh, which installs it \
             into tools/ from npm)",
            tool.display()
        )));
    }
    let status = Command::new(&tool)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
            "--strip-debug",
            "--strip-producers",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(wasm)
        .status()
        .map_err(|source| Failure::Io {
            doing: format!("run {}", tool.display()),
            source,
        })?;
    if !status.success() {
        return Err(Failure::Tool(format!(
            "{} failed on {}",
            tool.display(),
            wasm.display()
        )));
    }
    Ok(())
}

fn build_ui(release: bool, phone: bool) -> Result<(), Failure> {
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
    if phone {
        cmd.arg("--no-default-features");
    }
    if release {
        // The shipped UI: size first (phones download nothing, but a smaller module starts
        // faster); see `[profile.ui-release]` in the root Cargo.toml.
        cmd.args(["--profile", "ui-release"]);
    } else {
        cmd.args(["--profile", "ui-dev"]);
    }
    let status = cmd.status().map_err(|source| Failure::Io {
        doing: "run cargo".into(),
        source,
    })?;
    if !status.success() {
        return Err(Failure::Tool(
            "building the UI failed (is the wasm32-unknown-unknown target installed? scripts/setup.sh adds it)".into(),
        ));
    }
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let wasm = target_dir
        .join("wasm32-unknown-unknown")
        .join(if release { "ui-release" } else { "ui-dev" })
        .join("frontdoor_ui.wasm");
    let dist = root.join("ui").join("dist");
    std::fs::create_dir_all(&dist).map_err(|source| Failure::Io {
        doing: format!("create {}", dist.display()),
        source,
    })?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(Failure::Bindgen)?
        // The library defaults this to true (the CLI to false); without it init() finds no
        // module path and the page stays blank.
        .omit_default_module_path(false)
        // Function names are for debugging; the shipped UI leaves them out.
        .remove_name_section(release)
        .remove_producers_section(release)
        .typescript(false)
        .generate(&dist)
        .map_err(Failure::Bindgen)?;
    for file in ["index.html", "main.js", "style.css"] {
        std::fs::copy(root.join("ui/static").join(file), dist.join(file)).map_err(|source| Failure::Io {
            doing: format!("copy {file}"),
            source,
        })?;
    }
    let module = dist.join("frontdoor_ui_bg.wasm");
    let before = std::fs::metadata(&module).map(|m| m.len()).unwrap_or(0);
    if release {
        shrink(&root, &module)?;
    }
    let size = std::fs::metadata(&module).map(|m| m.len()).unwrap_or(0);
    if release {
        println!(
            "UI built into {} ({size} bytes of wasm, {before} before wasm-opt)",
            dist.display()
        );
        if phone && size > MAX_PHONE_WASM {
            return Err(Failure::OverBudget { size });
        }
    } else {
        println!("UI built into {} ({} KiB of wasm)", dist.display(), size / 1024);
    }
    Ok(())
}
