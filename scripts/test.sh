#!/usr/bin/env bash
# SMRMS test command: everything, in order, failing on the first failure.
#   0. setup (scripts/setup.sh, idempotent: seconds when all is there),
#      `cargo fmt --check`, and every relative link in the Markdown resolves
#   1. clippy with `-D warnings` on every crate of the workspace, all targets
#      (the client also with its `chain` feature), and the unit tests
#      (#[ink::test] and plain Rust tests, including the property test of
#      permissions against a reference model). The lints run inside the
#      builds: scripts/lint-rustc.sh is cargo's RUSTC_WORKSPACE_WRAPPER for
#      the whole command, so dependencies are compiled once, not a second
#      time in check mode as a separate `cargo clippy` would
#   2. the end-to-end tests (ink_e2e, feature e2e-tests) on a real
#      substrate-contracts-node, linted as they build; fails if none ran or
#      any was ignored
#   3. a release `cargo contract build` of every contract (clippy lints of
#      cargo-contract included) into the release target directory
#      ($SMRMS_INK, apart from the e2e tests' debug bundles); the
#      storage-layout check of upgrades and the production-limit check
#   4. the web app's unit tests (vitest, after the build: some read the
#      contracts' metadata) and the crypto interop vectors,
#      Rust -> TypeScript and TypeScript -> Rust (scripts/web-unit.sh)
#   5-7 run side by side (each on its own node), their logs printed in order:
#   5. the developers' transcript (scripts/transcript.sh: the scenario with
#      cargo contract calls) on a fresh node
#   6. the demo (scripts/demo.sh: the paper's scenario, every chain call made
#      by the smrms client, data sealed) and its storage-dump
#      check: none of the patient's plaintext in the four contracts' storage
#   7. the patient web app's browser journey in headless Chromium, signing
#      through an injected wallet extension, and its storage-dump check
#      (scripts/web-journey.sh)
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$SMRMS_ROOT"
LOGS="$(mktemp -d)"; trap 'rm -rf "$LOGS"' EXIT
t0=$(date +%s)
# step headers with the time since the start of the command
step() { printf '\n\033[1m==> %s\033[0m  (%d s)\n' "$*" "$(( $(date +%s) - t0 ))"; }
count() { # log -> "passed failed ignored" summed over test binaries
  awk '/^test result:/ { for (i=1;i<=NF;i++) { if ($(i+1) ~ /^passed/) p+=$i; if ($(i+1) ~ /^failed/) f+=$i; if ($(i+1) ~ /^ignored/) g+=$i } }
       END { printf "%d %d %d\n", p, f, g }' "$1"
}

step "0/7 setup (idempotent), formatting, links"
bash scripts/setup.sh >"$LOGS/setup.log" 2>&1 || { cat "$LOGS/setup.log"; exit 1; }
echo "setup: ok (log in the run's temp dir)"
RUSTUP_TOOLCHAIN=stable cargo fmt --all --check >/dev/null 2>&1 || { RUSTUP_TOOLCHAIN=stable cargo fmt --all --check | head -40; echo "cargo fmt --check: the code is not formatted (run cargo fmt --all)" >&2; exit 1; }
echo "cargo fmt --check: ok"
python3 scripts/check-links.py
# clippy -D warnings inside every build of this command (see step 1 above)
export RUSTC_WORKSPACE_WRAPPER="$SMRMS_ROOT/scripts/lint-rustc.sh"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

step "1/7 clippy -D warnings and unit tests"
# (the annex packages compile the contracts' own sources: their unit tests run once, there)
cargo test --workspace --exclude smrms-e2e --all-targets --exclude smrms-registry-annex --exclude smrms-permissions-annex \
  --exclude smrms-records-annex --exclude smrms-appointments-annex 2>&1 | tee "$LOGS/unit.log" | grep -E '^test |^test result' || true
[ "${PIPESTATUS[0]}" = 0 ] || { grep -B5 -A15 '^error' "$LOGS/unit.log" | head -80; tail -30 "$LOGS/unit.log"; exit 1; }
cargo build -q -p smrms-client --features chain --all-targets 2>&1 | tee "$LOGS/client.log"
[ "${PIPESTATUS[0]}" = 0 ] || exit 1
echo "cargo clippy -D warnings (workspace, all targets; the client also with its chain feature): ok"
read -r up uf ui <<<"$(count "$LOGS/unit.log")"
echo "unit tests: $up passed, $uf failed, $ui ignored"
[ "$up" -gt 0 ] && [ "$uf" = 0 ] && [ "$ui" = 0 ] || { echo "unit tests not all run and green" >&2; exit 1; }

step "2/7 end-to-end tests on substrate-contracts-node ($(substrate-contracts-node --version))"
set +e
# --nocapture: the access matrix prints its table and totals
cargo test -p smrms-e2e --features e2e-tests -- --nocapture 2>&1 | tee "$LOGS/e2e.log" \
  | grep -E '^test |^test result|^     Running|panicked|left:|right:|^access matrix|^upgrade:|^message|^(registry|permissions|records|appointments)\.'
rc=${PIPESTATUS[0]}
set -e
read -r ep ef ei <<<"$(count "$LOGS/e2e.log")"
echo "e2e tests: $ep passed, $ef failed, $ei ignored"
if [ "$rc" != 0 ]; then grep -v '^ *[0-9]*: \|^ *at ' "$LOGS/e2e.log" | tail -60; exit 1; fi
[ "$ep" -gt 0 ] || { echo "no e2e test ran" >&2; exit 1; }
[ "$ei" = 0 ] || { echo "an e2e test was ignored" >&2; exit 1; }

step "3/7 release build of the four contracts and their annexes"
bash scripts/build.sh
# (into their own target directory, $SMRMS_INK: the e2e tests' debug bundles
# in $CARGO_TARGET_DIR/ink never replace them, so a warm run rebuilds neither)
# Upgrades keep storage: each build's layout against the snapshot of the last
# deployed one, and records against its second build (the upgrade test's new
# code); see docs/upgrades.md.
INK="$SMRMS_INK"
for c in registry permissions records appointments; do
  python3 scripts/layout-check.py "contracts/$c/storage-layout.json" "$INK/smrms_$c/smrms_$c.json"
  # the annex runs on the contract's storage, behind the contract's interface
  a="$INK/smrms_${c}_annex/smrms_${c}_annex.json"
  python3 scripts/layout-check.py "$INK/smrms_$c/smrms_$c.json" "$a" | sed 's/$/ (its annex)/'
  python3 scripts/abi-diff.py --annex "$INK/smrms_$c/smrms_$c.json" "$a" | sed 's/$/ (its annex)/'
done
# (the second build of records is the e2e test's, among the debug bundles)
python3 scripts/layout-check.py "$INK/smrms_records/smrms_records.json" \
  "$CARGO_TARGET_DIR/ink/smrms_records_v2/smrms_records_v2.json"
# release bundles vs production chain limits (docs/production.md)
python3 scripts/prod-limits.py | tail -1

step "4/7 web app unit tests and interop vectors"
SMRMS_REQUIRE_METADATA=1 bash scripts/web-unit.sh 2>&1 | tee "$LOGS/web-unit.log"
[ "${PIPESTATUS[0]}" = 0 ] || exit 1
wu="$(grep -o '^web unit tests: .*' "$LOGS/web-unit.log" | tail -1)"

# Steps 5 to 7 run side by side, each on its own node (they wait on the
# chain and the browser more than they compute); their logs are printed in
# order once all three have ended, and any failure fails the command.
step "5-7/7 side by side: the transcript, the demo and the web journey (logs follow)"
SMRMS_SKIP_SETUP=1 bash scripts/transcript.sh >"$LOGS/transcript.log" 2>&1 & p5=$!
SMRMS_SKIP_SETUP=1 bash scripts/demo.sh >"$LOGS/demo.log" 2>&1 & p6=$!
bash scripts/web-journey.sh >"$LOGS/web-journey.log" 2>&1 & p7=$!
rc5=0; rc6=0; rc7=0
wait "$p5" || rc5=$?; wait "$p6" || rc6=$?; wait "$p7" || rc7=$?
step "5/7 developers' transcript (cargo contract calls)"
cat "$LOGS/transcript.log"
step "6/7 demo (smrms client, sealed data) and storage-dump check"
cat "$LOGS/demo.log"
step "7/7 patient web app: browser journey through a wallet extension, storage-dump check"
cat "$LOGS/web-journey.log"
for r in "5 transcript $rc5" "6 demo $rc6" "7 web-journey $rc7"; do
  set -- $r
  [ "$3" = 0 ] || { echo "step $1 ($2) failed with exit code $3 (its log is above)" >&2; exit 1; }
done
wj="$(grep -o '^web journey: .*' "$LOGS/web-journey.log" | tail -1)"
wd="$(grep -o '^plaintext fields searched: .*' "$LOGS/web-journey.log" | tail -1)"

step "all green in $(( $(date +%s) - t0 )) s: $up unit tests, $wu, 4 contracts and their annexes built, $ep e2e tests on the node, demo, encrypted run with storage-dump check, $wj ($wd)"
