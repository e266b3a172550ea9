#!/usr/bin/env bash
# The regulator → platform flow on one machine: keygen, bundle, sign,
# publish on a static server, and a platform following the feed.
#
#   examples/regulator_feed/run.sh
#
# Needs curl and python3 (for its static file server). Ports 8080 and
# 8765 on 127.0.0.1 must be free.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
cleanup() {
    kill $(jobs -p) 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
cd "$ROOT"

# SHELFGATE=path/to/shelfgate uses an existing binary instead of building one.
if [ -z "${SHELFGATE:-}" ]; then
    cargo build --release --quiet
    SHELFGATE="$ROOT/target/release/shelfgate"
fi
SG=$SHELFGATE
API=http://127.0.0.1:8080

step() { printf '\n== %s\n' "$*"; }

active_set() {
    curl -fsS "$API/v1/policies" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

wait_for_set() {
    for _ in $(seq 1 120); do
        if [ "$(active_set 2>/dev/null || true)" = "$1" ]; then
            echo "active set: $1"
            return 0
        fi
        sleep 0.5
    done
    echo "timed out waiting for policy set $1" >&2
    exit 1
}

step "1. The regulator makes a signing key once and hands out the public part"
"$SG" policy keygen --key "$WORK/regulator.key.json" --trusted "$WORK/regulator.trusted.json"

step "2. It bundles a policy module, with its test cases as fixtures"
"$SG" policy bundle --builtin --only security-hygiene \
    --fixtures-from-cases policies/pack/security-hygiene/cases \
    --id example-regulator --revision 1 --out "$WORK/unsigned-r1"

step "3. It signs the bundle (where the key lives) and publishes the archive"
mkdir -p "$WORK/feed"
"$SG" policy sign "$WORK/unsigned-r1" --key "$WORK/regulator.key.json" --out "$WORK/feed/bundle.json"

step "4. Any static server is a feed (HTTPS in production)"
python3 -m http.server 8765 --bind 127.0.0.1 --directory "$WORK/feed" >/dev/null 2>&1 &

step "5. The platform trusts the key and follows the feed"
"$SG" serve --listen 127.0.0.1:8080 --data "$WORK/data" \
    --trusted-key "$WORK/regulator.trusted.json" \
    --feed-url http://127.0.0.1:8765/bundle.json --feed-interval 1s \
    2>"$WORK/serve.log" &
wait_for_set example-regulator-r1

APK=$ROOT/../shared/corpus/apk/fdroid-urzip.apk
if [ -f "$APK" ]; then
    step "   A check is judged by the regulator's set"
    curl -fsS "$API/v1/checks" -F "apk=@$APK" \
        -F "listing=@tests/fixtures/listing-example.json;type=application/json" \
        | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["decision"], "by", v["policy_set_id"])'
fi

step "6. Revision 2 (another module) is published; the platform picks it up"
"$SG" policy bundle --builtin --only store-technical \
    --fixtures-from-cases policies/pack/store-technical/cases \
    --id example-regulator --revision 2 --out "$WORK/unsigned-r2"
"$SG" policy sign "$WORK/unsigned-r2" --key "$WORK/regulator.key.json" --out "$WORK/feed/bundle.json"
wait_for_set example-regulator-r2

step "7. A tampered publication is refused; revision 2 keeps serving"
python3 - "$WORK/feed/bundle.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
doc["manifest"]["revision"] = 3  # not what the regulator signed
json.dump(doc, open(path + ".tmp", "w"))
PY
mv "$WORK/feed/bundle.json.tmp" "$WORK/feed/bundle.json"
for _ in $(seq 1 60); do
    if curl -fsS "$API/v1/policies/status" | grep -q bundle_tampered_manifest; then break; fi
    sleep 0.5
done
curl -fsS "$API/v1/policies/status" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("active:", s["active"]["set_id"])
print("last error:", s["last_error"]["code"], "-", s["last_error"]["message"])
print("feed:", s["feed"]["last_response"])'
