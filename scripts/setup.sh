#!/usr/bin/env bash
# Makes this machine able to build and test SMRMS. Idempotent: a second run
# only checks and takes seconds.
#   1. a Rust toolchain that builds ink! 5 Wasm (rust-src, clippy, rust-lld):
#      Debian's rustc-web 1.85 on Debian 12, else `rustup toolchain install 1.85`
#   2. cargo-contract 5.0.3            (PATH, else cargo install --locked)
#   3. substrate-contracts-node 0.42.0 (PATH, else cargo install --locked)
#   4. the web app's tools: Node.js (>= 20) with npm, `npm ci` in web/ (and
#      tools/fhir-validate/), and Debian's chromium for the browser journey
set -euo pipefail
. "$(dirname "$0")/env.sh"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
DEB_RUST=1.85.0+dfsg3-1~deb12u3

have_toolchain() {
  [ -n "${RUSTUP_TOOLCHAIN:-}" ] || return 1
  local sysroot; sysroot="$(rustc --print sysroot 2>/dev/null)" || return 1
  [ -d "$sysroot/lib/rustlib/src/rust/library" ] || return 1
  cargo clippy --version >/dev/null 2>&1 || return 1
  [ -x "$sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld" ] || command -v rust-lld >/dev/null || return 1
}

step "1/4 Rust toolchain for ink! Wasm"
if ! command -v rustup >/dev/null; then
  echo "rustup not found: installing it (https://rustup.rs)"
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  PATH="$HOME/.cargo/bin:$PATH"
fi
if have_toolchain; then
  echo "ok: toolchain '$RUSTUP_TOOLCHAIN' ($(rustc --version)) has rust-src, clippy and rust-lld"
else
  if command -v apt-cache >/dev/null && apt-cache policy rustc-web 2>/dev/null | grep -c "Candidate: $DEB_RUST" >/dev/null; then
    echo "installing Debian's rustc-web $DEB_RUST (+ rust-src, clippy, lld-19)"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      rustc-web=$DEB_RUST cargo-web=$DEB_RUST rust-web-src=$DEB_RUST \
      rust-web-clippy=$DEB_RUST libstd-rust-web-dev=$DEB_RUST lld-19
    $SUDO mkdir -p /usr/lib/rustlib/x86_64-unknown-linux-gnu/bin
    $SUDO ln -sf /usr/lib/llvm-19/bin/lld /usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld
    rustup toolchain link debweb /usr
    export RUSTUP_TOOLCHAIN=debweb
  else
    echo "installing rustup toolchain 1.85 with rust-src and clippy"
    rustup toolchain install 1.85 --profile minimal --component rust-src,clippy
    export RUSTUP_TOOLCHAIN=1.85
  fi
  have_toolchain || { echo "toolchain still incomplete" >&2; exit 1; }
  echo "ok: $(rustc --version)"
fi

step "2/4 cargo-contract 5.0.3"
if cargo-contract --version 2>/dev/null | grep -q '5\.0\.3'; then
  echo "ok: $(command -v cargo-contract)"
else
  echo "building cargo-contract from crates.io (about 40 minutes on 2 cores)"
  RUSTUP_TOOLCHAIN=stable cargo install cargo-contract --version 5.0.3 --locked
fi

step "3/4 substrate-contracts-node 0.42.0"
if substrate-contracts-node --version 2>/dev/null | grep -q '0\.42\.0'; then
  echo "ok: $(command -v substrate-contracts-node)"
else
  echo "building substrate-contracts-node 0.42.0 (about two hours on 2 cores)"
  if command -v apt-get >/dev/null; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q protobuf-compiler clang libclang-dev
  fi
  sysroot="$(rustc --print sysroot)"
  if [ "$RUSTUP_TOOLCHAIN" = debweb ] && [ ! -f "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libcore-"*.rlib ] 2>/dev/null; then
    echo "building a wasm32-unknown-unknown standard library from rust-src"
    tmp="$(mktemp -d)"; (cd "$tmp" && cargo init -q --name wasmstd \
      && printf '\n[profile.release]\npanic = "abort"\n' >> Cargo.toml \
      && RUSTC_BOOTSTRAP=1 cargo build -q --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort)
    $SUDO mkdir -p "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib"
    find "$tmp/target/wasm32-unknown-unknown/release/deps" -name 'lib*.rlib' ! -name 'libwasmstd*' \
      -exec $SUDO cp {} "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/" \;
    rm -rf "$tmp"
  elif [ "$RUSTUP_TOOLCHAIN" != debweb ]; then
    rustup target add wasm32-unknown-unknown --toolchain "$RUSTUP_TOOLCHAIN"
  fi
  cargo info contracts-node@0.42.0 >/dev/null
  WASM_BUILD_WORKSPACE_HINT="$(ls -d "$HOME"/.cargo/registry/src/*/contracts-node-0.42.0 | head -n1)"
  export WASM_BUILD_WORKSPACE_HINT WASM_BUILD_TOOLCHAIN="$RUSTUP_TOOLCHAIN"
  nice cargo install contracts-node --version 0.42.0 --locked
fi
step "4/4 web tools: node, npm packages, chromium"
command -v node >/dev/null && command -v npm >/dev/null || {
  echo "installing Node.js and npm (Debian)"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
}
echo "ok: node $(node --version), npm $(npm --version)"
for d in web tools/fhir-validate; do
  [ -f "$SMRMS_ROOT/$d/package-lock.json" ] || continue
  if [ ! -f "$SMRMS_ROOT/$d/node_modules/.package-lock.json" ] || [ "$SMRMS_ROOT/$d/package-lock.json" -nt "$SMRMS_ROOT/$d/node_modules/.package-lock.json" ]; then
    (cd "$SMRMS_ROOT/$d" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  echo "ok: $d/node_modules"
done
if [ -x /usr/bin/chromium ]; then
  echo "ok: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
else
  echo "installing Debian's chromium (headless browser for the web journey)"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
step "setup done"
