#!/usr/bin/env bash
# The project's test command: everything the tests need, then every test of the workspace.
# Works alone on a fresh machine (today the tests need only cargo; hosts that need npm
# packages or Chromium install them here).
set -euo pipefail
cd "$(dirname "$0")/.."

# Criterion benches run once each in test mode, so they are compiled and exercised.
cargo test --workspace --benches
cargo test --workspace
