#!/usr/bin/env bash
# Installs everything Frontdoor needs on a fresh Debian/Ubuntu machine. Idempotent: each step
# checks first and does nothing when its part is already there, so `dev.sh` can call it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

APT_PACKAGES=(
  build-essential pkg-config libssl-dev curl ca-certificates
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  webkit2gtk-driver xvfb xauth dbus dbus-x11 xdg-utils libglib2.0-bin
  gnome-keyring libsecret-tools
  mosquitto nodejs npm desktop-file-utils
  postgresql nats-server
  clang llvm
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs/npm are only needed when the machine has no node of its own.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Mosquitto, PostgreSQL and nats-server as Debian services are not wanted: tests start their own
# broker, cluster (as the postgres user) and server on free ports.
for service in mosquitto postgresql nats-server; do
  if command -v systemctl >/dev/null && systemctl is-enabled "$service" >/dev/null 2>&1; then
    $SUDO systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
done

if ! command -v cargo >/dev/null; then
  log "cargo is missing: install Rust with rustup first (https://rustup.rs), then run this again"
  exit 1
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
# The phone build's compile-check (CI): Debian's clang and llvm-ar stand in for the NDK's C
# compiler for `ring` (see scripts/test.sh).
if ! rustup target list --installed | grep -qx aarch64-linux-android; then
  log "rustup target add aarch64-linux-android"
  rustup target add aarch64-linux-android
fi
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || rustup component add "$c"
done
if ! command -v tauri-driver >/dev/null || ! tauri-driver --help >/dev/null 2>&1; then
  log "cargo install tauri-driver"
  cargo install --locked tauri-driver --version '^2' --quiet
fi

# npm packages of the test peers (oidc-provider), pinned by tests/peers/package-lock.json.
if [ -f tests/peers/package.json ]; then
  if [ ! -d tests/peers/node_modules ] || [ tests/peers/package-lock.json -nt tests/peers/node_modules/.package-lock.json ]; then
    log "npm ci (tests/peers)"
    (cd tests/peers && npm ci --no-audit --no-fund --silent)
  fi
fi
# Build tools from npm, pinned by tools/package-lock.json: binaryen's wasm-opt (the release UI)
# and the Tauri CLI (phone icon sets, the .deb, the phone projects).
if [ ! -d tools/node_modules ] || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
  log "npm ci (tools)"
  (cd tools && npm ci --no-audit --no-fund --silent)
fi
log "ready"
