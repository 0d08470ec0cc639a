#!/usr/bin/env bash
# Folds what fuzzing found into the committed corpora: for each target named (all by default),
# merges fuzz/corpus/<target> and the directories given in FUZZ_FOUND (default
# /tmp/fz/<target>) keeping only inputs that add coverage edges (libFuzzer's -merge=1 with
# -use_counters=0: edges, not hit counts), then keeps the smallest of them up to
# FUZZ_CORPUS_BUDGET bytes (default 80000) per target, so the corpora stay small for the
# repository and for CI's replay (cargo test -p fuzz-harness --test replay). Prints, per target,
# the edges the kept files cover out of those the merged set covers. Needs cargo-fuzz, nightly.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
budget=${FUZZ_CORPUS_BUDGET:-80000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(binding escaped_markers markers completion frames sequence)
cargo +nightly fuzz build -O
bin=target/x86_64-unknown-linux-gnu/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
edges() { # the coverage edges the files of $2 reach, for target $1
  mkdir -p "$work/empty-$1"
  "$bin/$1" -merge=1 -use_counters=0 "$work/empty-$1" "$2" 2>&1 |
    sed -n 's/.* \([0-9][0-9]*\) new coverage edges.*/\1/p' | tail -1
  rm -rf "$work/empty-$1"
}
for target in "${targets[@]}"; do
  merged="$work/$target-merged"
  kept="$work/$target-kept"
  mkdir -p "$merged" "$kept"
  found=${FUZZ_FOUND:-/tmp/fz/$target}
  [ -d "$found" ] || found=""
  "$bin/$target" -merge=1 -use_counters=0 "$merged" "corpus/$target" $found >/dev/null 2>&1
  total=0
  while read -r size file; do
    if [ $((total + size)) -gt "$budget" ]; then break; fi
    cp "$merged/$file" "$kept/"
    total=$((total + size))
  done < <(cd "$merged" && find . -type f -printf '%s %f\n' | sort -n)
  all=$(edges "$target" "$merged")
  some=$(edges "$target" "$kept")
  rm -rf "corpus/$target"
  cp -r "$kept" "corpus/$target"
  echo "$target: $(ls "corpus/$target" | wc -l) files, $total bytes, $some of $all edges"
done
