#!/usr/bin/env bash
# The project's test command: installs what the tests need, then runs every test.
# Works alone on a fresh machine: it installs Node.js/npm and Chromium (Debian packages) when
# they are missing. The Rust tests that need npm packages (Microsoft's client, playwright-core)
# install the pinned versions themselves (npm ci into target/, once, under a lock).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "== installing Node.js and npm (Debian packages)"
  apt-get update -qq && apt-get install -y -qq nodejs npm
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Chromium (Debian package) for the browser tests"
  apt-get update -qq && apt-get install -y -qq chromium
fi
if [ ! -x /usr/sbin/nginx ]; then
  echo "== installing nginx (Debian package) for the reverse-proxy test"
  apt-get update -qq && apt-get install -y -qq nginx
fi
# The browser tests fail instead of skipping when Chromium or nginx is missing.
export REQUIRE_BROWSER=1 REQUIRE_NGINX=1

echo "== JS client: node --test, side by side with Microsoft's pinned npm client"
pin=target/npm-client-js
mkdir -p "$pin"
cp hosts/quickjs/npm-client/package.json hosts/quickjs/npm-client/package-lock.json "$pin/"
(cd "$pin" && npm ci --no-audit --no-fund --loglevel=error)
export DOTNET_JS_INTEROP_PATH="$PWD/$pin/node_modules/@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js"
(cd interop-runtime/js && node --test)

echo "== Rust: benches in test mode, then every test of the workspace"
cargo test --workspace --benches
cargo test --workspace
