#!/usr/bin/env bash
# Shows that the fuzz targets find a planted fault: builds them with `--cfg fuzz_planted_fault`
# (in argument binding: an extra `null` argument is not reported, `Call::failure_after` in
# interop-runtime/src/dispatch/binding.rs; in the frame decoder: a byte-array part of more than
# 64 bytes loses its last byte, hosts/server/src/framing.rs), runs `binding` and `frames` from
# the hand-written seeds (fuzz/seeds/) that do not trigger the fault themselves (the fuzzer must
# make the trigger) for at most 120 s each, and prints how long each took to crash. A crash
# counts only if the targets built without the fault pass the same input; otherwise it is a
# real bug, printed and kept in fuzz/artifacts/planted/.
# Needs cargo-fuzz and the nightly toolchain. Exit status 0 when both faults are found in time.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
LIMIT=${FUZZ_PLANTED_LIMIT:-120}
TARGET_DIR=target/planted
RUSTFLAGS="--cfg fuzz_planted_fault" cargo +nightly fuzz build -O --target-dir "$TARGET_DIR"
BIN="$TARGET_DIR/x86_64-unknown-linux-gnu/release"
# The targets without the fault: a crash counts only if they pass the input (else it is a real
# bug, reported as such).
cargo +nightly fuzz build -O
PLAIN=target/x86_64-unknown-linux-gnu/release
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for pair in "binding:an extra null argument ignored" "frames:a part over 64 bytes"; do
  target=${pair%%:*}
  mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
  # Start from a few plain seeds that do not trigger the fault themselves.
  for seed in seeds/"$target"/*; do
    if ! "$BIN/$target" "$seed" >/dev/null 2>&1; then continue; fi
    cp "$seed" "$work/$target/corpus/"
  done
  start=$(date +%s.%N)
  if "$BIN/$target" -max_total_time="$LIMIT" -dict=json.dict -artifact_prefix="$work/$target/artifacts/" \
      "$work/$target/corpus" > "$work/$target/log" 2>&1; then
    echo "$target: planted fault (${pair#*:}) NOT found within ${LIMIT}s"
    status=1
  else
    end=$(date +%s.%N)
    crash=$(ls "$work/$target/artifacts/"* 2>/dev/null | head -1)
    if [ -z "$crash" ] || ! "$PLAIN/$target" "$crash" >/dev/null 2>&1; then
      echo "$target: a crash that is not the planted fault (it fails without the fault too):"
      grep -m1 -A2 -E "panicked at|ERROR" "$work/$target/log" | cut -c1-400
      if [ -n "$crash" ]; then
        mkdir -p artifacts/planted && cp "$crash" "artifacts/planted/$target-$(basename "$crash")"
        echo "  kept as fuzz/artifacts/planted/$target-$(basename "$crash")"
      fi
      status=1
      continue
    fi
    found=$(grep -m1 -E "panicked at|differs|ERROR" "$work/$target/log" | cut -c1-160)
    execs=$(grep -oE '^#[0-9]+' "$work/$target/log" | tail -1)
    printf '%s: planted fault (%s) found after %.1f s (%s executions)\n  %s\n' \
      "$target" "${pair#*:}" "$(echo "$end - $start" | bc)" "${execs#\#}" "$found"
  fi
done
exit $status
