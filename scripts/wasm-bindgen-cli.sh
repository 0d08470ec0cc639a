#!/usr/bin/env bash
# Prints the path of the wasm-bindgen CLI at the version hosts/wasm/Cargo.toml pins (`=X`),
# installing it first with `cargo install` when it is missing (progress on stderr). Used by
# scripts/test.sh, scripts/wasm-bench.sh and scripts/wasm-size.sh.
#
# Only the `wasm-bindgen` binary, without the default feature `rustls-tls` (TLS for the test
# runner's downloads) and at opt-level 1: 232 s instead of 686 s for a plain `cargo install` on
# the shared 2-core machine under a load of 6-7; same output, under 1 s per run either way.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' hosts/wasm/Cargo.toml)
wasm_bindgen=$(command -v wasm-bindgen || echo "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen")
if [ "$("$wasm_bindgen" --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  echo "installing wasm-bindgen-cli $version (cargo install: about 4 minutes on 2 cores)" >&2
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install wasm-bindgen-cli --version "=$version" \
    --no-default-features --bin wasm-bindgen >&2
  wasm_bindgen="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
fi
echo "$wasm_bindgen"
