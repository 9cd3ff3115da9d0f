#!/usr/bin/env bash
# Web app unit tests (vitest, everything under web/src) with the crypto
# module's interop vectors checked both ways against the Rust client:
#   1. `interop gen`: the Rust code seals records, fields and notes;
#      web/src/crypto/interop.test.ts opens them (rust->ts).
#   2. vitest runs every web unit test; the interop test also writes vectors
#      sealed by the TypeScript code.
#   3. `interop check`: the Rust code opens those (ts->rust).
# Prints a last line:
#   web unit tests: N passed; interop rust->ts: N items, ts->rust: N items
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$SMRMS_ROOT"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT

# npm ci when node_modules is missing or older than the lock
if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  step "npm ci (web/)"
  (cd web && npm ci --no-audit --no-fund)
fi

interop() { nice cargo run -q -p smrms-client --example interop -- "$@"; }

step "interop: Rust seals the vectors"
interop gen "$WORK/rust.json"

step "web unit tests (vitest)"
(
  cd web
  SMRMS_RUST_VECTORS="$WORK/rust.json" SMRMS_TS_VECTORS_OUT="$WORK/ts.json" \
    npx vitest run --reporter=default --reporter=json --outputFile.json="$WORK/vitest.json"
)
read -r passed failed skipped rust_ts <<<"$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  let rustTs = 0;
  for (const f of r.testResults) for (const t of f.assertionResults)
    if (t.status === "passed" && t.ancestorTitles[0] === "rust->ts" && t.title !== "made by rust") rustTs++;
  console.log(r.numPassedTests, r.numFailedTests, r.numPendingTests + r.numTodoTests, rustTs);
' "$WORK/vitest.json")"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ] || { echo "web unit tests: $passed passed, $failed failed" >&2; exit 1; }
[ "$rust_ts" -gt 0 ] || { echo "interop rust->ts: no items opened" >&2; exit 1; }
[ -s "$WORK/ts.json" ] || { echo "interop: the TypeScript vectors were not written" >&2; exit 1; }

step "interop: Rust opens the TypeScript vectors"
out="$(interop check "$WORK/ts.json")"
echo "$out"
ts_rust="$(sed -n 's/^interop: \([0-9][0-9]*\) items opened.*/\1/p' <<<"$out")"
[ -n "$ts_rust" ] && [ "$ts_rust" -gt 0 ] || { echo "interop ts->rust: no items opened" >&2; exit 1; }

[ "$skipped" = 0 ] || echo "note: $skipped web unit tests skipped" >&2
echo "web unit tests: $passed passed; interop rust->ts: $rust_ts items, ts->rust: $ts_rust items"
