# shellcheck shell=bash
# Common environment for SMRMS scripts. Source it: `. scripts/env.sh`.
# - Puts the repository's sibling ../shared/bin (prebuilt tools, when present)
#   and ~/.cargo/bin on PATH.
# - Picks the Rust toolchain that builds ink! 5 contracts (see README "Toolchain").
SMRMS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SMRMS_ROOT
if [ -d "$SMRMS_ROOT/../shared/bin" ]; then
  PATH="$(cd "$SMRMS_ROOT/../shared/bin" && pwd):$PATH"
fi
PATH="$HOME/.cargo/bin:$PATH"
export PATH
# Toolchain: `debweb` (Debian's rustc-web 1.85 linked into rustup, set up by
# scripts/setup.sh) or the rustup toolchain `1.85` with rust-src.
if [ -z "${RUSTUP_TOOLCHAIN:-}" ]; then
  if rustup toolchain list 2>/dev/null | grep -q '^debweb'; then
    export RUSTUP_TOOLCHAIN=debweb
  elif rustup toolchain list 2>/dev/null | grep -q '^1\.85'; then
    export RUSTUP_TOOLCHAIN=1.85
  fi
fi
# One target directory for contracts, e2e tests and the demo; CI points it
# at a cache outside the clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SMRMS_ROOT/target}"
export CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback
# cargo-contract gives each contract of a workspace its own target folder
# (ink/<name>), so ink! and every dependency would be compiled once per
# contract. Pointing the folders of a new target directory at one shared
# folder compiles them once per build mode (artifacts are named after each
# contract, and builds run one after another). Existing folders are kept.
# Release bundles (deployment, the demo, the web app) are built in a target
# directory of their own (scripts/build.sh), so that the debug bundles that
# ink_e2e builds into $CARGO_TARGET_DIR/ink never overwrite them: both stay
# built from one run to the next (cargo-contract skips an unchanged contract).
export SMRMS_RELEASE_TARGET="${SMRMS_RELEASE_TARGET:-$CARGO_TARGET_DIR/release-contracts}"
export SMRMS_INK="${SMRMS_INK:-$SMRMS_RELEASE_TARGET/ink}"
for ink in "$CARGO_TARGET_DIR/ink" "$SMRMS_RELEASE_TARGET/ink"; do
  mkdir -p "$ink/all-contracts"
  for n in smrms_registry smrms_registry_annex smrms_permissions smrms_permissions_annex smrms_records smrms_records_annex smrms_appointments smrms_appointments_annex \
    smrms_forwarder smrms_records_v2 bench_erc20; do
    [ -e "$ink/$n" ] || [ -L "$ink/$n" ] || ln -s all-contracts "$ink/$n"
  done
done
# cargo-contract prints long backtraces on every refused call otherwise
export RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
