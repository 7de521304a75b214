#!/usr/bin/env bash
# Runs a command inside a throwaway desktop session: its own HOME and XDG directories, an X
# server (Xvfb), a D-Bus session bus, and an unlocked gnome-keyring as the Secret Service — so the
# end-to-end tests exercise the real keychain path and never touch the real user profile.
set -euo pipefail
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{home,data,config,cache,run}
chmod 700 "$tmp/run"
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
xvfb-run -a -s "-screen 0 1280x1024x24" dbus-run-session -- bash -c '
  # Creates and unlocks the "login" keyring with a throwaway password, no prompt.
  printf e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"' session "$@"
