#!/usr/bin/env bash
# The web app's browser journey (wallet-extension path) and the storage-dump
# check, on a throw-away local node:
#   1. build the app (web/: npm ci when needed, npm run build) and the smrms
#      client (for the dump)
#   2. start substrate-contracts-node --dev --tmp on free ports, deploy and
#      wire the suite (scripts/deploy.sh; //Alice is the head)
#   3. put suite.json and the four .contract bundles beside the built app and
#      serve it on 127.0.0.1 (a free port)
#   4. web/e2e/journey.mjs drives it in headless Chromium: patient, doctor,
#      guardian and head all act in the page, signing through an injected
#      extension (the head designates an emergency custodian whose key file
#      `smrms keygen` makes here); screenshots go to docs/web/
#   5. `smrms dump` searches the four contracts' storage for every plaintext
#      value the journey typed (profile, record, medication, appointment
#      texts, emergency card, the guardian's profile): none may be found;
#      public controls (the doctor's name, the sealed formats' prefixes) must be.
# Everything started here is stopped on exit, also on failure.
#
#   scripts/web-journey.sh
# Optional: CHROMIUM (default /usr/bin/chromium), SMRMS_BIN (a built smrms,
# skips the cargo build), SMRMS_BUNDLES (folder with smrms_<name>.contract,
# also searched in <folder>/smrms_<name>/; default $CARGO_TARGET_DIR/ink,
# built by scripts/build.sh when missing), WEB_SHOTS (default docs/web).
set -euo pipefail
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/smrms-target}
. "$(dirname "$0")/env.sh"
. "$SMRMS_ROOT/scripts/node.sh"
cd "$SMRMS_ROOT"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "web-journey: no browser at $CHROMIUM (Debian: apt-get install -y chromium; or set CHROMIUM)" >&2; exit 2; }
command -v node >/dev/null || { echo "web-journey: node (>= 20) is needed" >&2; exit 2; }

WORK="$(mktemp -d)"
NODE_PID=""; SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; fi
  stop_dev_node
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
t0=$(date +%s)

step "build the web app (web/)"
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  (cd web && npm ci --no-audit --no-fund)
fi
(cd web && nice npm run build --silent) | tail -5

if [ -z "${SMRMS_BIN:-}" ]; then
  step "build the smrms client (for the storage dump)"
  nice cargo build -q -p smrms-client --features chain --bin smrms
  SMRMS_BIN="$CARGO_TARGET_DIR/debug/smrms"
fi

# The bundles are copied first, so that a rebuild meanwhile cannot mix versions.
step "bundles"
SRC="${SMRMS_BUNDLES:-$SMRMS_INK}"
if [ -z "${SMRMS_BUNDLES:-}" ]; then
  for c in registry permissions records appointments; do
    [ -f "$SRC/smrms_$c/smrms_$c.contract" ] && [ -f "$SRC/smrms_${c}_annex/smrms_${c}_annex.contract" ] \
      || { bash "$SMRMS_ROOT/scripts/build.sh"; break; }
  done
fi
for c in registry permissions records appointments registry_annex permissions_annex records_annex appointments_annex; do
  f="$SRC/smrms_$c/smrms_$c.contract"; [ -f "$f" ] || f="$SRC/smrms_$c.contract"
  [ -f "$f" ] || { echo "web-journey: no smrms_$c.contract in $SRC" >&2; exit 1; }
  mkdir -p "$WORK/target/ink/smrms_$c"; cp "$f" "$WORK/target/ink/smrms_$c/"
  echo "  $f"
done

start_dev_node "$WORK"   # sets NODE_PID and URL
CARGO_TARGET_DIR="$WORK/target" SMRMS_INK="$WORK/target/ink" bash "$SMRMS_ROOT/scripts/deploy.sh" --url "$URL" --suri //Alice --out "$WORK/addresses.json" --fresh | sed 's/^/  /'

step "serve the app with suite.json and the bundles beside it"
SITE="$WORK/site"
cp -r web/dist "$SITE"
mkdir -p "$SITE/contracts"
for c in registry permissions records appointments; do cp "$WORK/target/ink/smrms_$c/smrms_$c.contract" "$SITE/contracts/"; done
python3 - "$WORK/addresses.json" "$SITE/suite.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
json.dump({k: a[k] for k in ("url", "registry", "permissions", "records", "appointments")}, open(sys.argv[2], "w"), indent=2)
PY
PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$SITE" "$PORT" >"$WORK/http.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/suite.json" && break; sleep 0.2; done
echo "  app at http://127.0.0.1:$PORT/ (node $URL)"

step "browser journey (web/e2e/journey.mjs)"
"$SMRMS_BIN" keygen --out "$WORK/head.key" >/dev/null        # the head imports it in the page
"$SMRMS_BIN" keygen --out "$WORK/custodian.key" >/dev/null   # the emergency key service's; the head designates its public key
SMRMS_WEB_URL="http://127.0.0.1:$PORT/" SMRMS_NODE_URL="$URL" SMRMS_ADDRESSES="$WORK/addresses.json" \
  SMRMS_PLAINTEXT_OUT="$WORK/plaintext.txt" SMRMS_KEYFILE="$WORK/head.key" SMRMS_CUSTODIAN_KEYFILE="$WORK/custodian.key" \
  SMRMS_BIN="$SMRMS_BIN" CHROMIUM="$CHROMIUM" node web/e2e/journey.mjs

step "storage dump of the four contracts: none of the journey's plaintext"
controls=()
while IFS= read -r c; do [ -n "$c" ] && controls+=(--control "$c"); done <"$WORK/plaintext.txt.controls"
SMRMS_URL="$URL" SMRMS_ADDRESSES="$WORK/addresses.json" "$SMRMS_BIN" dump --plaintext-file "$WORK/plaintext.txt" "${controls[@]}" \
  | tee "$WORK/dump.txt"
grep -q '^plaintext fields searched: [1-9][0-9]*, found: 0$' "$WORK/dump.txt" || { echo "web-journey: the storage dump check failed" >&2; exit 1; }
step "web journey and storage-dump check passed in $(( $(date +%s) - t0 )) s"
