#!/usr/bin/env bash
# The wasm host's benchmark (hosts/wasm/benches/node.mjs) in Node.js: builds the wasm test app
# (hosts/wasm/test-app) in release, runs wasm-bindgen at the pinned version on it, prints the
# size of the .wasm (raw and gzipped), then each #[jsinvokable] call against a bare wasm-bindgen
# export doing the same serde work, as paired ratios (median of ROUNDS rounds, default 7), with
# our client, and with Microsoft's 10.0.11 when scripts/test.sh has installed it.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-7}
version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' hosts/wasm/Cargo.toml)
wasm_bindgen=$(command -v wasm-bindgen || echo "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen")
if [ "$("$wasm_bindgen" --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  echo "installing wasm-bindgen-cli $version (cargo install: about 4 minutes on 2 cores)"
  cargo install wasm-bindgen-cli --version "=$version"
  wasm_bindgen="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
fi
cargo build --release -p interop-wasm-test-app --target wasm32-unknown-unknown
out=target/wasm-bench
"$wasm_bindgen" --target web --out-dir "$out" target/wasm32-unknown-unknown/release/interop_wasm_test_app.wasm
wasm="$out/interop_wasm_test_app_bg.wasm"
echo "release .wasm of the test app after wasm-bindgen: $(stat -c %s "$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) gzipped"
echo "== our client"
node hosts/wasm/benches/node.mjs "$out" interop_wasm_test_app interop-runtime/js/dotnet-interop.js "$rounds"
microsoft=target/npm-client-js/node_modules/@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js
if [ -f "$microsoft" ]; then
  echo "== Microsoft's client 10.0.11"
  node hosts/wasm/benches/node.mjs "$out" interop_wasm_test_app "$microsoft" "$rounds"
fi
