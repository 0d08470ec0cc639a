#!/usr/bin/env bash
# The size of a release .wasm on the wasm host, and how much the runtime adds: builds
# hosts/wasm/size/bare (one #[wasm_bindgen] export doing serde_json work) and
# hosts/wasm/size/interop (the same function as a #[jsinvokable] item, with interop_wasm::start)
# for wasm32-unknown-unknown in release, runs wasm-bindgen at the pinned version on each, and
# prints each _bg.wasm raw and gzipped (gzip -9), and the difference.
#
#   scripts/wasm-size.sh [--wasm-opt]
#
# --wasm-opt: also each _bg.wasm after binaryen's `wasm-opt -Oz` and `-O2` (npm's binaryen, pinned
# in hosts/wasm/wasm-opt and installed into target/wasm-opt with `npm ci`; Debian's binaryen is
# too old for wasm-bindgen's output), raw, gzipped, and how long wasm-opt took.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm_opt=0
case "${1:-}" in
  --wasm-opt) wasm_opt=1 ;;
  "") ;;
  *) echo "usage: $0 [--wasm-opt]" >&2; exit 2 ;;
esac
wasm_bindgen=$(bash scripts/wasm-bindgen-cli.sh)
if [ "$wasm_opt" = 1 ] && [ ! -d target/wasm-opt/node_modules ]; then
  mkdir -p target/wasm-opt
  cp hosts/wasm/wasm-opt/package.json hosts/wasm/wasm-opt/package-lock.json target/wasm-opt/
  (cd target/wasm-opt && npm ci --no-audit --no-fund --loglevel=error)
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
  if [ "$wasm_opt" = 1 ]; then
    for level in Oz O2; do
      started=${EPOCHREALTIME/./}
      target/wasm-opt/node_modules/.bin/wasm-opt "-$level" "$wasm" -o "$target/$crate-$level.wasm"
      tenths=$(((${EPOCHREALTIME/./} - started) / 100000))
      optimized=$(stat -c %s "$target/$crate-$level.wasm")
      raw[$crate-$level]=$optimized
      gzipped[$crate-$level]=$(gzip -9 -c "$target/$crate-$level.wasm" | wc -c)
      echo "$crate after wasm-opt -$level: $optimized bytes, ${gzipped[$crate-$level]} gzipped ($((tenths / 10)).$((tenths % 10)) s)"
    done
  fi
done
echo "the runtime and the wasm host add $((raw[interop] - raw[bare])) bytes, $((gzipped[interop] - gzipped[bare])) gzipped"
if [ "$wasm_opt" = 1 ]; then
  for level in Oz O2; do
    echo "after wasm-opt -$level: they add $((raw[interop-$level] - raw[bare-$level])) bytes, $((gzipped[interop-$level] - gzipped[bare-$level])) gzipped"
  done
fi
