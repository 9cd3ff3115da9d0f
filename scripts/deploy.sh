#!/usr/bin/env bash
# Deploys and wires the SMRMS suite with cargo-contract against any node.
#
#   scripts/deploy.sh [--url WS_URL] [--suri SECRET_URI] [--out FILE] [--upgrade-delay MS] [--rebuild] [--fresh]
#
#   --url      node websocket URL              (default ws://127.0.0.1:9944)
#   --suri     signer; becomes the head        (default //Alice; on a public
#              network use your own seed, e.g. --suri "$SMRMS_SURI")
#   --out      JSON file for the addresses      (default deploy/addresses.json)
#   --upgrade-delay  ms a proposed code upgrade waits before anyone may
#              enact it, fixed for the suite's life (default 604800000,
#              7 days; see docs/upgrades.md)
#   --rebuild  rebuild the release bundles even if they exist
#   --fresh    deploy a new suite even if FILE names a live one on this URL
#
# Each contract's annex (the build that runs its less frequent messages;
# docs/contracts.md, "Annexes") is uploaded first and its code hash passed to
# the contract's constructor; after wiring, each contract is asked for its
# annex (`Annexed::annex`), which the annex answers.
#
# Idempotent: if FILE already names a wired suite on the same node, it is
# reused and nothing is sent. Code already stored on chain is reused by the
# pallet (instantiate does not pay for the code twice). Each deployment uses a
# random salt, so a re-run after a half-finished one cannot collide.
set -euo pipefail
. "$(dirname "$0")/env.sh"
URL=ws://127.0.0.1:9944; SURI=//Alice; OUT="$SMRMS_ROOT/deploy/addresses.json"; REBUILD=0; FRESH=0
DELAY=604800000
while [ $# -gt 0 ]; do
  case "$1" in
    --url) URL="$2"; shift 2;;
    --suri) SURI="$2"; shift 2;;
    --out) OUT="$2"; shift 2;;
    --upgrade-delay) DELAY="$2"; shift 2;;
    --rebuild) REBUILD=1; shift;;
    --fresh) FRESH=1; shift;;
    -h|--help) sed -n '2,20p' "$0"; exit 0;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
INK="$SMRMS_INK"
bundle() { echo "$INK/smrms_$1/smrms_$1.contract"; }
CONTRACTS="registry permissions records appointments"

need_build=$REBUILD
for c in $CONTRACTS; do [ -f "$(bundle $c)" ] && [ -f "$(bundle ${c}_annex)" ] || need_build=1; done
if [ "$need_build" = 1 ]; then bash "$SMRMS_ROOT/scripts/build.sh"; else step "using built bundles in $INK"; fi

# A dry run's whole output (read before any grep: `grep -q` in a pipe would end cargo-contract
# early, which `pipefail` reports as a failure). Args: contract name, address, message.
dry_answer() { cargo contract call "$(bundle "$1")" --contract "$2" --message "$3" --suri "$SURI" --url "$URL" 2>&1 || true; }

json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d.get(sys.argv[2],''))" "$1" "$2" 2>/dev/null || true; }

if [ "$FRESH" = 0 ] && [ -f "$OUT" ] && [ "$(json_get "$OUT" url)" = "$URL" ]; then
  REG="$(json_get "$OUT" registry)"
  if grep -q 'Result Ok(Ok(Siblings' <<<"$(dry_answer registry "$REG" RegistryApi::siblings)"; then
    step "suite already deployed on $URL (from $OUT): nothing to do"
    cat "$OUT"; exit 0
  fi
fi

SALT="0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
instantiate() { # name, args...
  local name="$1"; shift
  local out
  out="$(cargo contract instantiate "$(bundle "$name")" --constructor new ${1:+--args "$@"} \
        --salt "$SALT" --suri "$SURI" --url "$URL" -x -y --output-json 2>&1)" || { echo "$out" >&2; return 1; }
  python3 -c "import json,sys; t=sys.stdin.read(); print(json.loads(t[t.index('{'):])['contract'])" <<<"$out"
}
# the code hash of a bundle's Wasm (what upload_code stores it under)
code_hash() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['source']['hash'])" "$(bundle "$1")"; }
upload() { # name: uploads the bundle's code unless the chain has it already
  local out
  out="$(cargo contract upload "$(bundle "$1")" --suri "$SURI" --url "$URL" -x 2>&1)" \
    || grep -qi 'already' <<<"$out" || { echo "$out" >&2; return 1; }
}
step "upload the annexes (each contract's less frequent messages)"
for c in $CONTRACTS; do
  upload "${c}_annex"
  declare "ANNEX_$c=$(code_hash "${c}_annex")"
  printf '  %-13s annex %s\n' "$c" "$(code_hash "${c}_annex")"
done
step "instantiate registry(upgrade delay $DELAY ms, annex) (the signer becomes the head)"
REG="$(instantiate registry "$DELAY" "$ANNEX_registry")"; echo "  registry     $REG"
step "instantiate permissions(registry, delay, annex)"
PERM="$(instantiate permissions "$REG" "$DELAY" "$ANNEX_permissions")"; echo "  permissions  $PERM"
step "instantiate records(registry, permissions, delay, annex)"
REC="$(instantiate records "$REG" "$PERM" "$DELAY" "$ANNEX_records")"; echo "  records      $REC"
step "instantiate appointments(registry, permissions, delay, annex)"
APPT="$(instantiate appointments "$REG" "$PERM" "$DELAY" "$ANNEX_appointments")"; echo "  appointments $APPT"
step "wire: registry.set_siblings(permissions, records, appointments)"
cargo contract call "$(bundle registry)" --contract "$REG" --message set_siblings --args "$PERM" "$REC" "$APPT" \
  --suri "$SURI" --url "$URL" -x -y >/dev/null
cargo contract call "$(bundle registry)" --contract "$REG" --message RegistryApi::siblings --suri "$SURI" --url "$URL" | grep 'Result'
step "each contract's annex answers"
for c in $CONTRACTS; do
  case $c in registry) a=$REG;; permissions) a=$PERM;; records) a=$REC;; appointments) a=$APPT;; esac
  answer="$(dry_answer "$c" "$a" Annexed::annex)"
  grep -q 'Result Ok(Ok(Some(' <<<"$answer" || { echo "$answer" >&2; echo "the $c contract's annex does not answer" >&2; exit 1; }
  echo "  $c: ok"
done

mkdir -p "$(dirname "$OUT")"
cat > "$OUT" <<JSON
{
  "url": "$URL",
  "registry": "$REG",
  "permissions": "$PERM",
  "records": "$REC",
  "appointments": "$APPT",
  "bundles": {
    "registry": "$(bundle registry)",
    "permissions": "$(bundle permissions)",
    "records": "$(bundle records)",
    "appointments": "$(bundle appointments)"
  }
}
JSON
step "deployed; addresses written to $OUT"
cat "$OUT"
echo "Contracts UI: 'Add contract' → 'Use on-chain contract address', paste each address and upload its .contract file."
