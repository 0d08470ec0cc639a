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
# version hosts/wasm/Cargo.toml pins (scripts/wasm-bindgen-cli.sh: cargo install, about 3.5
# minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== $* ($(date +%H:%M:%S))"; }

rustup target list --installed | grep -qx wasm32-unknown-unknown || {
  step "installing the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

step "wasm-bindgen-cli at the pinned version (installed when missing: about 3.5 minutes on 2 cores)"
wasm_bindgen=$(bash scripts/wasm-bindgen-cli.sh)

step "building the samples for wasm32-unknown-unknown (release)"
cargo build --release --target wasm32-unknown-unknown -p examples-wasm-app

out=target/wasm-app/pkg
step "wasm-bindgen --target web into $out"
rm -rf "$out"
"$wasm_bindgen" --target web --out-dir "$out" target/wasm32-unknown-unknown/release/examples_wasm_app.wasm
echo "   $(wc -c <"$out/examples_wasm_app_bg.wasm") bytes of wasm"
# No wasm-opt: -Oz (npm binaryen 132) saves 26% raw but 9% gzipped on this app (219,909 ->
# 200,695 bytes) for 13 s more per build on 2 cores (44 s beside another build); served locally.

step "building and starting the server (blazor-sample --wasm $out)"
exec cargo run -p examples --bin blazor-sample -- --wasm "$out" "$@"
