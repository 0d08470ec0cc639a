#!/usr/bin/env bash
# The project's test command: installs what the tests need, then runs every suite, all of them
# even after a failure, and ends with one line, `N passed, N failed, N skipped`, summed from the
# runners' own counts: node --test's summary; cargo test's `test result:` lines (ignored counts as
# skipped); criterion's `Success` per benchmark run in test mode. Exits with 1 on any failure.
#
# Each suite that ran tests gets a one-line verdict. Full logs go to target/test-logs/ (setup.log,
# js.log, tests.log, doctests.log); the output of every failing suite is printed before the
# summary, which is also written to target/test-logs/summary.
#
# Works alone on a fresh machine: it installs Node.js/npm, Chromium and nginx (Debian packages) when
# they are missing, the wasm32 target and wasm-bindgen-cli at the pinned version (rustup,
# cargo install), and nightly's rust-src (rustup). The Rust tests that need npm packages
# (Microsoft's client, playwright-core) install the pinned versions themselves (npm ci into
# target/, once, under a lock).
set -uo pipefail
cd "$(dirname "$0")/.."

logs=target/test-logs
rm -rf "$logs"
mkdir -p "$logs"
counts="$logs/counts"         # one "passed failed skipped" line per stage
failures="$logs/failures.log" # the output of every failing suite
failed_names="$logs/failed"   # their names
: >"$counts"
: >"$failures"
: >"$failed_names"

# mawk reads a pipe in blocks unless told otherwise; the verdicts should appear as suites finish.
awk=(awk)
if awk -W version 2>&1 | grep -q mawk; then awk=(awk -W interactive); fi

# Records a stage that failed without counts of its own (setup, a build error) as one failure,
# with the end of its log.
stage_failed() { # name log
  echo "  FAIL $1 (log: $2)"
  echo "0 1 0" >>"$counts"
  echo "$1" >>"$failed_names"
  { echo "---- $1 (last 40 lines of $2) ----"; tail -n 40 "$2"; echo; } >>"$failures"
}

echo "== setup: Node.js, Chromium, nginx, wasm-bindgen-cli, nightly's rust-src, Microsoft's pinned npm client (log: $logs/setup.log)"
(
  set -e
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "installing Node.js and npm (Debian packages)"
    apt-get update -qq && apt-get install -y -qq nodejs npm
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing Chromium (Debian package) for the browser tests"
    apt-get update -qq && apt-get install -y -qq chromium
  fi
  if [ ! -x /usr/sbin/nginx ]; then
    echo "installing nginx (Debian package) for the reverse-proxy test"
    apt-get update -qq && apt-get install -y -qq nginx
  fi
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  # The wasm host's tests and the web app's in-page browser runs use wasm-bindgen's CLI at the
  # version hosts/wasm/Cargo.toml pins (`=X`): installed when missing, only its `wasm-bindgen`
  # binary at opt-level 1 (205 s instead of 320 s for a plain `cargo install` here, loaded).
  bash scripts/wasm-bindgen-cli.sh 2>&1
  # The wasm host's conformance runs the cases that panic on a panic = "unwind" build: nightly's
  # -Zbuild-std, which needs rust-src (the nightly toolchain is the fuzz targets' already).
  if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
    echo "installing the nightly toolchain's rust-src (rustup)"
    rustup toolchain install nightly --profile minimal --component rust-src
  fi
  pin=target/npm-client-js
  mkdir -p "$pin"
  cp hosts/quickjs/npm-client/package.json hosts/quickjs/npm-client/package-lock.json "$pin/"
  cd "$pin" && npm ci --no-audit --no-fund --loglevel=error
) >"$logs/setup.log" 2>&1 # not `|| …`: that would turn off `set -e` inside
[ $? = 0 ] || stage_failed "setup" "$logs/setup.log"
# The browser tests fail instead of skipping when Chromium or nginx is missing, the wasm host's
# when wasm-bindgen-cli (or, for its panic = "unwind" build, nightly's rust-src) is.
export REQUIRE_BROWSER=1 REQUIRE_NGINX=1 REQUIRE_WASM_BINDGEN=1
export DOTNET_JS_INTEROP_PATH="$PWD/target/npm-client-js/node_modules/@microsoft/dotnet-js-interop/dist/src/Microsoft.JSInterop.js"

echo "== JS client: node --test, side by side with Microsoft's pinned npm client (log: $logs/js.log)"
(cd interop-runtime/js && node --test --test-reporter=spec) >"$logs/js.log" 2>&1
js_status=$?
# node's summary: "ℹ pass 122" (spec reporter) or "# pass 122" (tap).
read -r js_passed js_failed js_skipped js_found < <("${awk[@]}" '
  $1 ~ /^(ℹ|#)$/ && $3 ~ /^[0-9]+$/ {
    if ($2 == "pass") p = $3; else if ($2 == "fail" || $2 == "cancelled") f += $3;
    else if ($2 == "skipped" || $2 == "todo") s += $3; else next; found = 1
  }
  END { print p + 0, f + 0, s + 0, found + 0 }' "$logs/js.log")
if [ "$js_found" = 0 ]; then
  stage_failed "interop-runtime/js (node --test, no summary)" "$logs/js.log"
else
  if [ "$js_status" != 0 ] && [ "$js_failed" = 0 ]; then js_failed=1; fi
  echo "$js_passed $js_failed $js_skipped" >>"$counts"
  details="$js_passed passed"
  [ "$js_failed" = 0 ] || details="$details, $js_failed failed"
  [ "$js_skipped" = 0 ] || details="$details, $js_skipped skipped"
  if [ "$js_failed" = 0 ]; then verdict=ok; else verdict=FAIL; fi
  printf "  %-4s %-48s %s\n" "$verdict" "interop-runtime/js (node --test)" "$details"
  if [ "$js_failed" != 0 ]; then
    echo "interop-runtime/js (node --test)" >>"$failed_names"
    { echo "---- interop-runtime/js (node --test) ----"; cat "$logs/js.log"; echo; } >>"$failures"
  fi
fi

# Runs `cargo test --no-fail-fast` with the given arguments into a log, printing a verdict per
# suite as it finishes. Sets `status` (cargo's exit code), `ran` (tests counted) and `failed`.
cargo_run() { # log cargo-test-arguments…
  local log=$1
  shift
  local run_counts="$logs/run-counts"
  cargo test --no-fail-fast "$@" 2>&1 | tee "$log" |
    "${awk[@]}" -v COUNTS="$run_counts" -v FAILURES="$failures" -v FAILED_NAMES="$failed_names" \
      -f scripts/cargo-test-verdicts.awk
  status=${PIPESTATUS[0]}
  local passed skipped
  read -r passed failed skipped <"$run_counts"
  cat "$run_counts" >>"$counts"
  ran=$((passed + failed + skipped))
}

# cargo failed but no suite did: a build error, or a failure outside any suite.
check_cargo_exit() { # log cargo-test-arguments…
  local log=$1
  shift
  if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
    stage_failed "cargo test $* (exit $status, no failing suite: a build error?)" "$log"
  fi
}

# A stage of Rust tests over the workspace. With `per-package`, when nothing ran because the
# build failed, which stops `cargo test` as a whole, the packages are tried one by one, so a
# broken test of one package does not hide the results of the others.
cargo_stage() { # title log whole|per-package cargo-test-arguments…
  local title=$1 log=$2 fallback=$3
  shift 3
  echo "== $title (log: $log)"
  cargo_run "$log" --workspace "$@"
  if [ "$status" = 0 ] || [ "$ran" != 0 ] || [ "$fallback" != per-package ]; then
    check_cargo_exit "$log" --workspace "$@"
    return
  fi
  echo "  (nothing ran: the build failed; each package on its own, logs ${log%.log}-PACKAGE.log)"
  local package
  for package in $(cargo metadata --no-deps --format-version 1 | grep -o '"name":"[^"]*","version"' | cut -d'"' -f4); do
    cargo_run "${log%.log}-$package.log" -p "$package" "$@"
    check_cargo_exit "${log%.log}-$package.log" -p "$package" "$@"
  done
}

# Every target (benches run once each, in test mode), then the doc-tests, which cannot be
# selected together with targets.
cargo_stage "Rust: the tests and benches of the workspace" "$logs/tests.log" per-package --all-targets
cargo_stage "Rust: doc-tests" "$logs/doctests.log" whole --doc

# The macro's diagnostics and pass cases once more, with the runtime's TypeScript entries in every
# expansion (the workspace stage above builds trybuild's crates without the feature).
echo "== Rust: ui-tests with the runtime's feature typescript (log: $logs/ui-typescript.log)"
cargo_run "$logs/ui-typescript.log" -p ui-tests --features typescript
check_cargo_exit "$logs/ui-typescript.log" -p ui-tests --features typescript

if [ -s "$failures" ]; then
  echo
  echo "== output of the failing suites (full logs in $logs/)"
  cat "$failures"
  echo "failed: $("${awk[@]}" '{ printf "%s%s", (NR > 1 ? ", " : ""), $0 }' "$failed_names")"
fi
summary=$("${awk[@]}" '{ p += $1; f += $2; s += $3 } END { printf "%d passed, %d failed, %d skipped", p, f, s }' "$counts")
echo "$summary" >"$logs/summary"
echo "$summary"
case "$summary" in
  *", 0 failed, "*) exit 0 ;;
  *) exit 1 ;;
esac
