#!/usr/bin/env bash
# Plays the person in the system browser during end-to-end tests. The app opens the Cobot
# authorize URL with this script (FRONTDOOR_BROWSER); it signs in at cobot-sim as
# $FRONTDOOR_E2E_USER through the simulator's non-interactive `login_hint` path, then hands the
# redirect back the way an OS would: a deep link starts the app a second time with the URL as its
# argument (single-instance forwards it to the running window), a loopback URL is simply fetched.
set -u
url="$1"
log="${FRONTDOOR_E2E_LOG:-/dev/null}"
echo "browser opened: ${url%%\?*}" >>"$log"
location=$(curl -sS -o /dev/null -w '%{redirect_url}' "${url}&login_hint=${FRONTDOOR_E2E_USER}" 2>>"$log")
echo "redirected to: ${location%%\?*}" >>"$log"
case "$location" in
  frontdoor://*) exec "$FRONTDOOR_E2E_APP" "$location" >>"$log" 2>&1 ;;
  http://127.0.0.1:*) exec curl -sS -o /dev/null "$location" >>"$log" 2>&1 ;;
  *) echo "unexpected redirect: $location" >>"$log"; exit 1 ;;
esac
