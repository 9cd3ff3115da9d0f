#!/usr/bin/env bash
# Builds the four contracts and their annexes (contracts/NAME/annex: the
# build that runs each contract's less frequent messages) in release mode
# with cargo-contract and prints their optimized Wasm sizes, in the release target directory (scripts/env.sh):
# bundles in $SMRMS_RELEASE_TARGET/ink/<name>/<name>.contract ($SMRMS_INK).
# SMRMS_FEATURES=bench builds the benchmark variants (scripts/bench.sh does,
# into its own target directory).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$SMRMS_ROOT"
for c in registry permissions records appointments; do
  for m in "$c" "$c/annex"; do
    n="smrms_${m/\//_}"
    step "cargo contract build --release: $m (a first build takes minutes)"
    t=$(date +%s)
    CARGO_TARGET_DIR="$SMRMS_RELEASE_TARGET" cargo contract build --release --quiet ${SMRMS_FEATURES:+--features "$SMRMS_FEATURES"} --manifest-path "contracts/$m/Cargo.toml"
    f="$SMRMS_RELEASE_TARGET/ink/$n/$n.contract"
    [ -f "$f" ] || { echo "missing bundle $f" >&2; exit 1; }
    printf '  %-34s wasm %6d bytes, built in %d s\n' "$n.contract" "$(stat -c %s "$SMRMS_RELEASE_TARGET/ink/$n/$n.wasm")" "$(( $(date +%s) - t ))"
  done
done
