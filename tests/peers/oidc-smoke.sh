#!/usr/bin/env bash
# End-to-end smoke test of tests/peers/oidc-provider.mjs with curl only:
# authorize -> (auto) interaction -> code -> /token -> id_token checks.
# Usage: tests/peers/oidc-smoke.sh [redirect_uri]   (needs `npm ci` in tests/peers)
set -euo pipefail
cd "$(dirname "$0")"
REDIRECT_URI=${1:-frontdoor://auth/callback}
WORK=$(mktemp -d)
trap 'exec 9>&-; wait 2>/dev/null; rm -rf "$WORK"' EXIT

# stdin of the peer is a pipe we hold open on fd 9; closing it stops the peer.
mkfifo "$WORK/in"
node oidc-provider.mjs <"$WORK/in" >"$WORK/out" 2>"$WORK/err" &
exec 9>"$WORK/in"
for _ in $(seq 100); do grep -q '^READY ' "$WORK/out" 2>/dev/null && break; sleep 0.1; done
ISS=$(awk '/^READY /{print $2}' "$WORK/out")
echo "peer: READY $ISS"

DISC=$(curl -sf "$ISS/.well-known/openid-configuration")
node -e 'const d=JSON.parse(process.argv[1]);console.log("discovery: issuer=%s token_endpoint=%s jwks_uri=%s iss_param=%s pkce=%j",d.issuer,d.token_endpoint,d.jwks_uri,d.authorization_response_iss_parameter_supported,d.code_challenge_methods_supported)' -- "$DISC"

VERIFIER=$(node -e 'console.log(require("crypto").randomBytes(32).toString("base64url"))')
CHALLENGE=$(node -e 'console.log(require("crypto").createHash("sha256").update(process.argv[1]).digest("base64url"))' -- "$VERIFIER")
STATE=st-$RANDOM$RANDOM
NONCE=no-$RANDOM$RANDOM
enc() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' -- "$1"; }

URL="$ISS/auth?response_type=code&client_id=frontdoor-app&redirect_uri=$(enc "$REDIRECT_URI")&scope=$(enc 'openid email profile')&state=$STATE&nonce=$NONCE&code_challenge=$CHALLENGE&code_challenge_method=S256&login_hint=alice"
JAR="$WORK/cookies"
FINAL=""
for hop in 1 2 3 4 5 6; do
  HDRS=$(curl -s -o /dev/null -D - -b "$JAR" -c "$JAR" "$URL")
  STATUS=$(printf '%s\n' "$HDRS" | sed -n 1p | tr -d '\r')
  LOC=$(printf '%s' "$HDRS" | awk 'tolower($1)=="location:"{sub(/\r$/,"");print $2}')
  echo "hop $hop: GET ${URL%%\?*} -> $STATUS Location: $LOC"
  [ -n "$LOC" ] || { echo "no Location"; cat "$WORK/err"; exit 1; }
  case "$LOC" in
    "${REDIRECT_URI%%\?*}"*|http://127.0.0.1:*/auth/callback*) FINAL=$LOC; break ;;
    /*) URL="$ISS$LOC" ;;
    *) URL=$LOC ;;
  esac
done
[ -n "$FINAL" ] || { echo "never reached redirect_uri"; exit 1; }

q() { node -e 'const u=new URL(process.argv[1]);process.stdout.write(u.searchParams.get(process.argv[2])??"")' -- "$FINAL" "$1"; }
CODE=$(q code); [ "$(q state)" = "$STATE" ] || { echo "state mismatch"; exit 1; }
[ "$(q iss)" = "$ISS" ] || { echo "iss mismatch: $(q iss)"; exit 1; }
echo "callback: code=${CODE:0:10}... state ok, iss=$(q iss)"

TOK=$(curl -s -X POST "$ISS/token" \
  --data-urlencode grant_type=authorization_code --data-urlencode "code=$CODE" \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode client_id=frontdoor-app \
  --data-urlencode "code_verifier=$VERIFIER")
echo "token response keys: $(node -e 'const t=JSON.parse(process.argv[1]);console.log(JSON.stringify(Object.fromEntries(Object.entries(t).map(([k,v])=>[k,k.endsWith("token")?String(v).slice(0,12)+"...":v]))))' -- "$TOK")"

JWKS=$(curl -sf "$(node -e 'console.log(JSON.parse(process.argv[1]).jwks_uri)' -- "$DISC")")
node -e '
const crypto = require("crypto");
const [tok, iss, nonce, jwks] = process.argv.slice(1);
const t = JSON.parse(tok);
const parts = t.id_token.split(".");
const [h, p] = parts.slice(0, 2).map((s) => JSON.parse(Buffer.from(s, "base64url")));
console.log("id_token header:", JSON.stringify(h));
console.log("id_token payload:", JSON.stringify(p));
const jwk = JSON.parse(jwks).keys.find((k) => k.kid === h.kid);
const sigOk = !!jwk && crypto.verify("RSA-SHA256", Buffer.from(parts[0] + "." + parts[1]),
  crypto.createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(parts[2], "base64url"));
const ok = sigOk && h.alg === "RS256" && p.iss === iss && p.aud === "frontdoor-app" && p.nonce === nonce
  && p.sub === "alice" && p.email === "alice@example.com" && p.name === "Peer alice";
if (!ok) { console.error("id_token check FAILED (signature ok: " + sigOk + ")"); process.exit(1); }
console.log("id_token check: OK (RS256 signature via jwks_uri, iss, aud, nonce, sub/email/name)");
' -- "$TOK" "$ISS" "$NONCE" "$JWKS"

UI=$(curl -s -H "Authorization: Bearer $(node -e 'console.log(JSON.parse(process.argv[1]).access_token)' -- "$TOK")" "$ISS/me")
echo "userinfo: $UI"
echo "SMOKE OK"
