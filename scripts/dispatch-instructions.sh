#!/usr/bin/env bash
# Instructions per call of each dispatch bench variant, counted by callgrind: the bench binary
# makes 0 and then N calls of one variant (DISPATCH_COUNT=<variant>:<calls>), and the difference
# over N is the cost of one call (start-up and first-use work cancel out). Exact and repeatable,
# unlike times on a shared machine.
#
#   scripts/dispatch-instructions.sh [BENCH_BINARY] [CALLS]
#
# Without BENCH_BINARY the bench is built (`cargo bench --no-run`). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-}
calls=${2:-100000}
if [[ -z $binary ]]; then
  binary=$(cargo bench -p interop-runtime --bench dispatch --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
fi
collected() {
  DISPATCH_COUNT="$1:$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for variant in hand-written ours naive fx value hand-written-object ours-object; do
  base=$(collected "$variant" 0)
  total=$(collected "$variant" "$calls")
  echo "$variant: $(( (total - base) / calls )) instructions/call"
done
