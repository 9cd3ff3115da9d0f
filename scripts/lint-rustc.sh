#!/usr/bin/env bash
# The test command's RUSTC_WORKSPACE_WRAPPER: cargo calls it instead of rustc
# for the workspace's own crates. Host builds of those crates go through
# clippy-driver, which lints them (with the CLIPPY_ARGS the test command sets,
# `-D warnings`) and compiles them as rustc would. So one build both lints and
# makes the test binaries, and the dependencies are compiled once: a separate
# `cargo clippy` compiles every dependency a second time, in check mode,
# which took about 15 minutes of a cold CI run (docs/timings.md).
# Contracts compiled for wasm32, and the temporary copies that cargo-contract
# builds from (outside this repository), go to plain rustc: cargo-contract
# runs its own clippy pass on release builds.
case " $* " in
  *" --target wasm32"* | *" --target=wasm32"*) exec "$@" ;;
esac
case "${CARGO_MANIFEST_DIR:-}" in
  "$SMRMS_ROOT"/*) exec clippy-driver "$@" ;;
esac
exec "$@"
