#!/usr/bin/env bash
# The size of a release .wasm on the wasm host, and how much the runtime adds: builds
# hosts/wasm/size/bare (one #[wasm_bindgen] export doing serde_json work) and
# hosts/wasm/size/interop (the same function as a #[jsinvokable] item, with interop_wasm::start)
# for wasm32-unknown-unknown in release, runs wasm-bindgen at the pinned version on each, and
# prints each _bg.wasm raw and gzipped (gzip -9), and the difference.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' hosts/wasm/Cargo.toml)
wasm_bindgen=$(command -v wasm-bindgen || echo "${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen")
if [ "$("$wasm_bindgen" --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  echo "installing wasm-bindgen-cli $version (cargo install: about 4 minutes on 2 cores)"
  cargo install wasm-bindgen-cli --version "=$version"
  wasm_bindgen="${CARGO_HOME:-$HOME/.cargo}/bin/wasm-bindgen"
fi
target=$PWD/target/wasm-size
declare -A raw gzipped
for crate in bare interop; do
  cargo build --release --target wasm32-unknown-unknown --target-dir "$target" \
    --manifest-path "hosts/wasm/size/$crate/Cargo.toml"
  "$wasm_bindgen" --target web --out-dir "$target/out-$crate" \
    "$target/wasm32-unknown-unknown/release/wasm_size_$crate.wasm"
  wasm="$target/out-$crate/wasm_size_${crate}_bg.wasm"
  raw[$crate]=$(stat -c %s "$wasm")
  gzipped[$crate]=$(gzip -9 -c "$wasm" | wc -c)
  echo "$crate: ${raw[$crate]} bytes, ${gzipped[$crate]} gzipped"
done
echo "the runtime and the wasm host add $((raw[interop] - raw[bare])) bytes, $((gzipped[interop] - gzipped[bare])) gzipped"
