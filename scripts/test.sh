#!/usr/bin/env bash
# Every check, in the order that fails fastest. Run through ./dev.sh test (which installs first).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step "format"
cargo fmt --all --check

step "build the UI (wasm) into ui/dist"
cargo xtask ui

step "clippy, native"
cargo clippy --workspace --exclude frontdoor-ui --all-targets -- -D warnings
step "clippy, wasm UI"
cargo clippy -p frontdoor-ui --target wasm32-unknown-unknown -- -D warnings

step "tests"
cargo test --workspace --exclude frontdoor-ui
cargo test -p frontdoor-ui

step "end-to-end through the real window (Xvfb + tauri-driver + WebKitWebDriver)"
tests/e2e/session.sh cargo test -p frontdoor --test window -- --ignored --test-threads=1
