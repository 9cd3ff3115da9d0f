#!/usr/bin/env bash
# Builds the four contracts in release mode with cargo-contract and prints
# their optimized Wasm sizes. Bundles: $CARGO_TARGET_DIR/ink/<name>/<name>.contract
# SMRMS_FEATURES=bench builds the benchmark variants (scripts/bench.sh does,
# into its own target directory).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$SMRMS_ROOT"
for c in registry permissions records appointments; do
  step "cargo contract build --release: $c (a first build takes minutes)"
  t=$(date +%s)
  cargo contract build --release --quiet ${SMRMS_FEATURES:+--features "$SMRMS_FEATURES"} --manifest-path "contracts/$c/Cargo.toml"
  f="$CARGO_TARGET_DIR/ink/smrms_$c/smrms_$c.contract"
  [ -f "$f" ] || { echo "missing bundle $f" >&2; exit 1; }
  printf '  %-34s wasm %6d bytes, built in %d s\n' "smrms_$c.contract" "$(stat -c %s "$CARGO_TARGET_DIR/ink/smrms_$c/smrms_$c.wasm")" "$(( $(date +%s) - t ))"
done
