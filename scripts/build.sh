#!/usr/bin/env bash
# Builds the four contracts in release mode with cargo-contract and prints
# their optimized Wasm sizes, in the release target directory (scripts/env.sh):
# bundles in $SMRMS_RELEASE_TARGET/ink/<name>/<name>.contract ($SMRMS_INK).
# SMRMS_FEATURES=bench builds the benchmark variants (scripts/bench.sh does,
# into its own target directory).
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$SMRMS_ROOT"
for c in registry permissions records appointments; do
  step "cargo contract build --release: $c (a first build takes minutes)"
  t=$(date +%s)
  CARGO_TARGET_DIR="$SMRMS_RELEASE_TARGET" cargo contract build --release --quiet ${SMRMS_FEATURES:+--features "$SMRMS_FEATURES"} --manifest-path "contracts/$c/Cargo.toml"
  f="$SMRMS_RELEASE_TARGET/ink/smrms_$c/smrms_$c.contract"
  [ -f "$f" ] || { echo "missing bundle $f" >&2; exit 1; }
  printf '  %-34s wasm %6d bytes, built in %d s\n' "smrms_$c.contract" "$(stat -c %s "$SMRMS_RELEASE_TARGET/ink/smrms_$c/smrms_$c.wasm")" "$(( $(date +%s) - t ))"
done
