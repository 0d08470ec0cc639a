#!/usr/bin/env bash
# The web app with Rust in the page: builds examples/wasm-app (the samples library and
# interop_wasm::start) for wasm32-unknown-unknown in release, runs the pinned wasm-bindgen CLI on
# it (--target web) into target/wasm-app/pkg, and serves examples/web with it through the
# project's own server, `blazor-sample --wasm target/wasm-app/pkg`: the page loads the JS client
# as the global DotNet, then the bundle, and opens no WebSocket.
#
#   scripts/wasm-app.sh [--addr 127.0.0.1:8080] [other options of blazor-sample, e.g. --client FILE]
#
# Installs what it needs when missing: the wasm32 target (rustup) and wasm-bindgen-cli at the
# version hosts/wasm/Cargo.toml pins (cargo install, about 4 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== $* ($(date +%H:%M:%S))"; }

rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  step "installing the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' hosts/wasm/Cargo.toml)
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
wasm_bindgen=$(command -v wasm-bindgen || echo "$cargo_bin/wasm-bindgen")
if [ "$("$wasm_bindgen" --version 2>/dev/null || true)" != "wasm-bindgen $version" ]; then
  step "installing wasm-bindgen-cli $version (cargo install: about 4 minutes on 2 cores)"
  cargo install wasm-bindgen-cli --version "=$version"
  wasm_bindgen="$cargo_bin/wasm-bindgen"
fi

step "building the samples for wasm32-unknown-unknown (release)"
cargo build --release --target wasm32-unknown-unknown -p examples-wasm-app

out=target/wasm-app/pkg
step "wasm-bindgen --target web into $out"
rm -rf "$out"
"$wasm_bindgen" --target web --out-dir "$out" target/wasm32-unknown-unknown/release/examples_wasm_app.wasm
echo "   $(wc -c <"$out/examples_wasm_app_bg.wasm") bytes of wasm"

step "building and starting the server (blazor-sample --wasm $out)"
exec cargo run -p examples --bin blazor-sample -- --wasm "$out" "$@"
