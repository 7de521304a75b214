#!/usr/bin/env bash
# Frontdoor's two entry points. Both install what is missing first (scripts/setup.sh, idempotent).
#   ./dev.sh demo   run the app on the embedded demo (cobot-sim + hub on loopback)
#   ./dev.sh test   run every check CI runs (fmt, clippy native + wasm, all tests, real-window e2e)
set -euo pipefail
cd "$(dirname "$0")"
case "${1:-}" in
  demo) bash scripts/setup.sh && exec bash scripts/demo.sh ;;
  test) bash scripts/setup.sh && exec bash scripts/test.sh ;;
  *) echo "usage: ./dev.sh demo|test" >&2; exit 2 ;;
esac
