#!/usr/bin/env bash
# Builds, runs or opens the phone apps with the Tauri CLI (tools/node_modules, from scripts/setup.sh):
#   scripts/phone.sh android init|dev|build …     scripts/phone.sh ios init|dev|build …
# Needs the platform's SDK (Android Studio with the NDK, or Xcode on macOS); see the README.
#
# A phone build links the app's library as `staticlib` (iOS) and `cdylib` (Android). Desktop builds
# need only the `rlib` (the other two add a large archive to every `cargo build`), so the root
# Cargo.toml asks for the rlib alone and this script adds the phone crate types for the length of
# the phone build, then puts the line back.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  android|ios) ;;
  *) echo "usage: scripts/phone.sh android|ios init|dev|build [tauri options]" >&2; exit 2 ;;
esac
tauri=tools/node_modules/.bin/tauri
[ -x "$tauri" ] || { echo "phone.sh: $tauri is missing; run scripts/setup.sh" >&2; exit 1; }

desktop='crate-type = ["rlib"]'
phone='crate-type = ["staticlib", "cdylib", "rlib"]'
grep -qxF "$desktop" Cargo.toml || { echo "phone.sh: Cargo.toml has no line $desktop" >&2; exit 1; }
restore() { sed -i "s/^crate-type = \[\"staticlib\", \"cdylib\", \"rlib\"\]\$/$desktop/" Cargo.toml; }
trap restore EXIT
sed -i "s/^crate-type = \[\"rlib\"\]\$/$phone/" Cargo.toml
"$tauri" "$@"
