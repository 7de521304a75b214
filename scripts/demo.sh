#!/usr/bin/env bash
# The embedded demo: cobot-sim (a local Cobot), relay-sim (a simulated Shelly Pro 3 wired to the
# demo's three doors) and a hub serving the demo space "lighthouse", then the app. Run through
# ./dev.sh demo (which installs first). Stops the servers on exit. relay-sim prints a line each
# time a door's relay clicks.
set -euo pipefail
cd "$(dirname "$0")/.."
SIM_ADDR=${SIM_ADDR:-127.0.0.1:8480}
HUB_ADDR=${HUB_ADDR:-127.0.0.1:8481}
RELAY_ADDR=${RELAY_ADDR:-127.0.0.1:8482}

cargo xtask ui
cargo build -p frontdoor -p cobot-sim -p frontdoor-hub -p relay-sim
target=${CARGO_TARGET_DIR:-target}/debug

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

"$target/cobot-sim" --listen "$SIM_ADDR" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://$SIM_ADDR/.well-known/openid-configuration" >/dev/null && break; sleep 0.1; done
# The space's own Cobot token: in a real space staff connect Cobot; the demo asks the simulator
# for Sam's (staff) token. It goes to the hub through its environment, never a file.
FRONTDOOR_HUB_COBOT_TOKEN=$(curl -sf -X POST "http://$SIM_ADDR/_sim/tokens" -H 'Content-Type: application/json' \
  -d '{"user_id":"user-sam","client_id":"frontdoor-hub","scopes":["read_user","read_memberships","read_plans","read_custom_fields","read_subscriptions","write_subscriptions","read_check_ins","write"]}' \
  | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
export FRONTDOOR_HUB_COBOT_TOKEN
"$target/relay-sim" --listen "$RELAY_ADDR" &
pids+=($!)
demo_db=$(mktemp -d)/hub.sqlite
FRONTDOOR_HUB_STORE_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n") "$target/frontdoor-hub" --demo --cobot-url "http://$SIM_ADDR" --relay-url "http://$RELAY_ADDR/" \
  --listen "$HUB_ADDR" --db "$demo_db" &
pids+=($!)
unset FRONTDOOR_HUB_COBOT_TOKEN
for _ in $(seq 50); do curl -sf "http://$HUB_ADDR/api/v1/hub" >/dev/null && break; sleep 0.1; done

cat <<TXT

  Frontdoor demo
  --------------
  Join the demo space: paste this link on the welcome screen
      frontdoor://join?space=lighthouse&hub=http://$HUB_ADDR
  or type the space "lighthouse" and the hub "http://$HUB_ADDR".
  Sign in at the simulated Cobot as Alex Morgan (member) or Sam Rivera (member and admin).
  Tap Unlock on the front door: relay-sim prints "switch 0 ON" here, and the app shows
  "Checked in since …" once cobot-sim has the check-in
  (also listed at http://$SIM_ADDR/_sim/spaces/lighthouse/check_ins).

TXT
FRONTDOOR_TRUST_COBOT="http://$SIM_ADDR" "$target/frontdoor"
