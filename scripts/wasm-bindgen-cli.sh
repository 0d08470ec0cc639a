#!/usr/bin/env bash
# Prints the path of the wasm-bindgen CLI at the version hosts/wasm/Cargo.toml pins (`=X`),
# installing it first with `cargo install` when it is missing (progress on stderr). Used by
# scripts/test.sh, scripts/wasm-bench.sh and scripts/wasm-size.sh.
#
# Only the `wasm-bindgen` binary, without the default feature `rustls-tls` (TLS for the test
# runner's downloads) and at opt-level 1: 205 s instead of 320 s for a plain `cargo install`
# (264 s of CPU instead of 315 s) on the shared 2-core machine under a load of 3-5, the same
# output, and 0.42 s instead of 0.41 s per run on the test app's debug .wasm (`--debug`: 163 s,
# but 1.6 s per run).
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' hosts/wasm/Cargo.toml)
wasm_bindgen=$(command -v wasm-bindgen || echo "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen")
if [ "$("$wasm_bindgen" --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  echo "installing wasm-bindgen-cli $version (cargo install: about 3.5 minutes on 2 cores)" >&2
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install wasm-bindgen-cli --version "=$version" \
    --no-default-features --bin wasm-bindgen >&2
  wasm_bindgen="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
fi
echo "$wasm_bindgen"
