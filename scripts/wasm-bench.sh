#!/usr/bin/env bash
# The wasm host's benchmark: builds the wasm test app (hosts/wasm/test-app) in release, runs
# wasm-bindgen at the pinned version on it, prints the size of the .wasm (raw and gzipped), then
# the cases of hosts/wasm/benches/cases.mjs (each #[jsinvokable] call against a bare wasm-bindgen
# export doing the same serde work) as paired ratios, median of ROUNDS rounds (default 7), in
# Node.js (benches/node.mjs) with our client and with Microsoft's 10.0.11.
#
#   scripts/wasm-bench.sh [--browser]
#
# --browser: the same cases also in headless Chromium (benches/browser.mjs: Debian's chromium
# driven by the pinned playwright-core of examples/web/e2e, the repository served on 127.0.0.1),
# with both clients. The pinned npm packages (Microsoft's client, playwright-core) are installed
# into target/ with `npm ci` when missing, as scripts/test.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
browser=0
case "${1:-}" in
  --browser) browser=1 ;;
  "") ;;
  *) echo "usage: $0 [--browser]" >&2; exit 2 ;;
esac
rounds=${ROUNDS:-7}
wasm_bindgen=$(bash scripts/wasm-bindgen-cli.sh)

# npm ci of a pinned package.json and its lock into target/DIR, once.
npm_pin() { # source-dir target-dir
  if [ ! -d "$2/node_modules" ]; then
    mkdir -p "$2"
    cp "$1/package.json" "$1/package-lock.json" "$2/"
    (cd "$2" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
npm_pin hosts/quickjs/npm-client target/npm-client-js
[ "$browser" = 0 ] || npm_pin examples/web/e2e target/wasm-bench-playwright

cargo build --release -p interop-wasm-test-app --target wasm32-unknown-unknown
out=target/wasm-bench
"$wasm_bindgen" --target web --out-dir "$out" target/wasm32-unknown-unknown/release/interop_wasm_test_app.wasm
wasm="$out/interop_wasm_test_app_bg.wasm"
echo "release .wasm of the test app after wasm-bindgen: $(stat -c %s "$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) gzipped"

ours=interop-runtime/js/dotnet-interop.js
microsoft=target/npm-client-js/node_modules/@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js
for client in ours microsoft; do
  if [ "$client" = ours ]; then module=$ours name="our client"; else module=$microsoft name="Microsoft's client 10.0.11"; fi
  echo "== Node.js $(node --version), $name"
  node hosts/wasm/benches/node.mjs "$out" interop_wasm_test_app "$module" "$rounds"
  if [ "$browser" = 1 ]; then
    echo "== Chromium, $name"
    PLAYWRIGHT_CORE="$PWD/target/wasm-bench-playwright/node_modules/playwright-core/index.mjs" \
      node hosts/wasm/benches/browser.mjs . "$out" interop_wasm_test_app "$module" "$rounds"
  fi
done
