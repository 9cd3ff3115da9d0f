#!/usr/bin/env bash
# Cost and scale benchmark (not part of the test command; takes minutes).
#   bash scripts/bench.sh
# Builds the release bundles (for code sizes; checked against production chain
# limits by scripts/prod-limits.py) and the `bench` variants (which
# add `bench_fill` messages) plus the ERC-20 baseline in target/bench, starts
# a local node and runs scripts/bench.py, then scripts/cost-model.py (what a
# code byte, a storage read and a write cost). Output: bench/RESULTS.md.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$SMRMS_ROOT"
step "release bundles (code size)"
bash scripts/build.sh
step "production limits (code size, call depth, value size per chain)"
python3 scripts/prod-limits.py
export SMRMS_BENCH_TARGET="${SMRMS_BENCH_TARGET:-$SMRMS_ROOT/target/bench}"
step "bench bundles (feature bench) and the ERC-20 baseline in $SMRMS_BENCH_TARGET"
CARGO_TARGET_DIR="$SMRMS_BENCH_TARGET" SMRMS_RELEASE_TARGET="$SMRMS_BENCH_TARGET" SMRMS_INK="$SMRMS_BENCH_TARGET/ink" \
  SMRMS_FEATURES=bench bash scripts/build.sh
CARGO_TARGET_DIR="$SMRMS_BENCH_TARGET" cargo contract build --release --quiet --manifest-path bench/erc20/Cargo.toml
step "benchmark"
python3 scripts/bench.py
step "cost model: a code byte, a read, a write; a sealed record as text and as bytes"
{
  printf '\n## What a call costs, unit by unit\n\n'
  printf 'Made by `python3 scripts/cost-model.py` on the same bundles (see docs/benchmark.md).\n\n'
  python3 scripts/cost-model.py
} | tee -a bench/RESULTS.md
# the last lines: the summary (bench.py's, repeated after the cost model)
step "summary"
sed -n '/^## Summary/,/^## What a call costs/p' bench/RESULTS.md | sed -n 's/^- //p'
