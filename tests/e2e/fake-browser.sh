#!/usr/bin/env bash
# Plays the person in the system browser during end-to-end tests. The app opens the Cobot
# authorize URL (which the hub made) with this script (FRONTDOOR_BROWSER); it signs in at
# cobot-sim as $FRONTDOOR_E2E_USER through the simulator's non-interactive `login_hint` path,
# follows Cobot's redirect to the hub's /auth/callback, and hands the hub's hand-over back the way
# an OS would: a deep link starts the app a second time with the URL as its argument
# (single-instance forwards it to the running window), a loopback URL is simply fetched.
set -u
# "-" plays a person who closes the browser without signing in.
if [ "${FRONTDOOR_E2E_USER:-}" = "-" ]; then echo "browser closed unsigned" >>"${FRONTDOOR_E2E_LOG:-/dev/null}"; exit 0; fi
url="$1&login_hint=${FRONTDOOR_E2E_USER}"
log="${FRONTDOOR_E2E_LOG:-/dev/null}"
echo "browser opened: ${1%%\?*}" >>"$log"
for hop in 1 2 3 4; do
  location=$(curl -sS -o /dev/null -w '%{redirect_url}' "$url" 2>>"$log")
  echo "hop $hop redirected to: ${location%%\?*}" >>"$log"
  case "$location" in
    frontdoor://*) exec "$FRONTDOOR_E2E_APP" "$location" >>"$log" 2>&1 ;;
    "") echo "no redirect from ${url%%\?*}: the page was the end (a loopback listener)" >>"$log"; exit 0 ;;
    *) url="$location" ;;
  esac
done
echo "too many redirects" >>"$log"; exit 1
