#!/usr/bin/env bash
# Contracts UI check: drives one patient journey through the
# Contracts UI (use-ink/contracts-ui) in headless Chromium against a throw-away
# local node, and saves screenshots of it in docs/ui/.
#
#   CONTRACTS_UI_URL=http://127.0.0.1:5173 scripts/ui-check.sh   # a served Contracts UI
#   CONTRACTS_UI_DIST=/path/to/contracts-ui/dist scripts/ui-check.sh  # or its built folder
#
# This repository does not build or ship the Contracts UI: build it from its
# own repository and give this script its URL or its `dist` folder (see
# docs/contracts-ui.md). Optional:
#   SMRMS_BUNDLES   folder with the four smrms_<name>.contract bundles (searched
#                   also in <folder>/smrms_<name>/); default: the release
#                   bundles in $CARGO_TARGET_DIR/ink, built by scripts/build.sh
#                   when missing
#   CHROMIUM        browser (default /usr/bin/chromium; Debian: apt-get install chromium)
#   UI_CHECK_SHOTS  screenshot folder (default docs/ui)
#
# Steps: start substrate-contracts-node --dev --tmp on free ports; deploy and
# wire the suite (scripts/deploy.sh --fresh, //Alice is the head); make
# //Charlie a verified doctor with cargo-contract (register_provider,
# verify_provider); then ui-check/journey.mjs does the rest in the browser,
# where every transaction is signed through an injected wallet extension
# (window.injectedWeb3 'polkadot-js' and 'talisman') whose signer calls back
# into the Node process (@polkadot/keyring); the journey counts the
# signatures and fails unless each transaction was signed that way.
# The node is stopped at the end, also on failure; any failed step fails the
# script.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/node.sh"

if [ -z "${CONTRACTS_UI_URL:-}" ] && [ -z "${CONTRACTS_UI_DIST:-}" ]; then
  cat >&2 <<'EOF'
ui-check: no Contracts UI given. Set one of
  CONTRACTS_UI_URL=http://127.0.0.1:5173        (a Contracts UI you serve)
  CONTRACTS_UI_DIST=/path/to/contracts-ui/dist  (a Contracts UI you built)
This repository does not build it: see docs/contracts-ui.md.
EOF
  exit 2
fi
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] || { echo "ui-check: no browser at $CHROMIUM (Debian: apt-get install chromium; or set CHROMIUM)" >&2; exit 2; }
command -v node >/dev/null || { echo "ui-check: node (>= 20) is needed" >&2; exit 2; }
if [ -n "${CONTRACTS_UI_URL:-}" ] && ! curl -s -m 5 -o /dev/null "$CONTRACTS_UI_URL"; then
  echo "ui-check: nothing answers at CONTRACTS_UI_URL=$CONTRACTS_UI_URL" >&2; exit 2
fi

WORK="$(mktemp -d)"
NODE_PID=""
cleanup() {
  stop_dev_node
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The bundles are copied first, so that a rebuild while the check runs cannot
# mix versions; deploy.sh then reads them from this copy.
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
  [ -f "$f" ] || { echo "ui-check: no smrms_$c.contract in $SRC" >&2; exit 1; }
  mkdir -p "$WORK/target/ink/smrms_$c"; cp "$f" "$WORK/target/ink/smrms_$c/"
  echo "  $f"
done
export CARGO_TARGET_DIR="$WORK/target" SMRMS_INK="$WORK/target/ink"
INK="$SMRMS_INK"

start_dev_node "$WORK"   # sets NODE_PID and URL

bash "$SMRMS_ROOT/scripts/deploy.sh" --url "$URL" --suri //Alice --out "$WORK/addresses.json" --fresh | sed 's/^/  /'
REG=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['registry'])" "$WORK/addresses.json")

# call SURI MESSAGE EXPECT ARGS...: dry-run, check the answer, submit.
call() {
  local suri="$1" message="$2" expect="$3"; shift 3
  local out
  out="$(cargo contract call "$INK/smrms_registry/smrms_registry.contract" --contract "$REG" \
         --message "$message" --args "$@" --suri "$suri" --url "$URL" 2>&1 || true)"
  grep -m1 'Result' <<<"$out" | grep -qF -- "$expect" || { echo "$out" >&2; echo "ui-check: $message did not answer $expect" >&2; exit 1; }
  cargo contract call "$INK/smrms_registry/smrms_registry.contract" --contract "$REG" \
    --message "$message" --args "$@" --suri "$suri" --url "$URL" -x -y >"$WORK/tx.log" 2>&1 \
    || { cat "$WORK/tx.log" >&2; exit 1; }
  echo "  $suri registry.$message: $(grep -m1 -o 'ExtrinsicSuccess' "$WORK/tx.log")"
}
step "make //Charlie a verified doctor (cargo-contract; the browser journey starts after this)"
H=0x$(printf '11%.0s' $(seq 32))
DOCTOR="{ name: \"Dr. Charlie Rao\", phone: \"+91 80 2222 3333\", gender: \"M\", qualification: \"MBBS, MD\", specialization: \"Endocrinology\", licence_hash: $H, kind: Doctor }"
CHARLIE=5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y
call //Charlie register_provider 'Ok(Ok())' "$DOCTOR"
call //Alice verify_provider 'Ok(Ok())' "$CHARLIE"

step "browser journey (ui-check/journey.mjs)"
if [ ! -d "$SMRMS_ROOT/ui-check/node_modules/playwright-core" ] || [ ! -d "$SMRMS_ROOT/ui-check/node_modules/@polkadot/keyring" ]; then
  (cd "$SMRMS_ROOT/ui-check" && npm ci --no-audit --no-fund)
fi
SMRMS_NODE_URL="$URL" SMRMS_ADDRESSES="$WORK/addresses.json" CHROMIUM="$CHROMIUM" \
  node "$SMRMS_ROOT/ui-check/journey.mjs"
step "Contracts UI check passed; stopping the node"
