#!/usr/bin/env bash
# Every check, in the order that fails fastest. Run through ./dev.sh test (which installs first).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step "format"
cargo fmt --all --check

step "the phones' release UI: size-tuned, wasm-opt, at most 500 KB"
cargo xtask ui --release --phone

step "build the UI (wasm) into ui/dist"
cargo xtask ui

step "clippy, native"
cargo clippy --workspace --exclude frontdoor-ui --all-targets -- -D warnings
step "clippy, wasm UI (with the staff console, and the phones' without)"
cargo clippy -p frontdoor-ui --target wasm32-unknown-unknown -- -D warnings
cargo clippy -p frontdoor-ui --target wasm32-unknown-unknown --no-default-features -- -D warnings

step "clippy, Android (aarch64-linux-android): the app, core and ipc"
# No NDK here: Debian's clang compiles ring's C for the target, without the host's libc headers.
CC_aarch64_linux_android=clang AR_aarch64_linux_android=llvm-ar \
  CFLAGS_aarch64_linux_android="-nostdlibinc -DRING_CORE_NOSTDLIBINC=1" \
  cargo clippy -p frontdoor -p frontdoor-core -p frontdoor-ipc --target aarch64-linux-android -- -D warnings

step "phone icon sets: icons/android and icons/ios are what tauri icon makes of icons/icon.png"
rm -rf target/icons
tools/node_modules/.bin/tauri icon icons/icon.png -o target/icons >/dev/null
diff -r target/icons/android icons/android
diff -r target/icons/ios icons/ios

step "tests"
cargo test --workspace --exclude frontdoor-ui
cargo test -p frontdoor-ui

step "freshness: a change in cobot-sim → the hub's next decision (short benchmark; full: cargo bench -p frontdoor-hub --bench freshness)"
cargo test -p frontdoor-hub --bench freshness -- --short
step "fleet: events/s from 50 hubs, door → fleet console, revocation → door stops (short benchmark; full: cargo bench -p frontdoor-hub --bench fleet)"
cargo test -p frontdoor-hub --bench fleet -- --short

step "end-to-end through the real window (Xvfb + tauri-driver + WebKitWebDriver)"
tests/e2e/session.sh cargo test -p frontdoor --test window -- --ignored --test-threads=1
