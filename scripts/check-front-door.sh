#!/usr/bin/env bash
# The README's "Use it in your crate" section, tried as a user would: a scratch crate in a
# temporary directory outside the workspace, with the section's Cargo.toml lines (its path
# dependencies pointed at this checkout) and its Rust snippets, then `cargo build` and
# `cargo test`. A snippet that uses interop_testkit becomes a #[test] (dev-dependencies are only
# visible to tests); the others become binaries. As rustdoc does, a snippet without `fn main`
# is wrapped in one and `# ` hides nothing. Called by .ci/run; the build shares target/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export CARGO_TARGET_DIR="$repo/target"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src/bin" "$scratch/tests" "$scratch/snippets"

# The section's fenced blocks: `toml` ones are the dependencies, `rust…` ones the snippets.
awk -v out="$scratch/snippets" '
  /^## / { inside = ($0 == "## Use it in your crate") }
  !inside { next }
  /^```/ && !infence {
    infence = 1
    fence = substr($0, 4)
    if (fence ~ /^rust/) { n++; file = out "/" n ".rs" }
    else if (fence == "toml") { file = out "/Cargo.toml" }
    else { file = "" }
    next
  }
  /^```$/ && infence { infence = 0; fence = ""; file = ""; next }
  file != "" {
    line = $0
    if (fence ~ /^rust/) { sub(/^# /, "", line); sub(/^#$/, "", line) } # rustdoc hidden lines
    print line >> file
  }
' README.md

rust_snippets=$(find "$scratch/snippets" -name '*.rs' | wc -l)
if [ ! -s "$scratch/snippets/Cargo.toml" ] || [ "$rust_snippets" = 0 ]; then
  echo "README.md: no \`toml\` or \`rust\` block under \"## Use it in your crate\"" >&2
  exit 1
fi
if ! grep -q '\.\./jsinvokable/' "$scratch/snippets/Cargo.toml"; then
  echo "README.md: the dependencies no longer point at ../jsinvokable/ (this script's anchor)" >&2
  exit 1
fi

{
  cat <<'EOF'
[package]
name = "front-door"
version = "0.0.0"
edition = "2021"
publish = false

# A workspace of its own, wherever the temporary directory is.
[workspace]

EOF
  sed "s#\.\./jsinvokable/#$repo/#g" "$scratch/snippets/Cargo.toml"
} >"$scratch/Cargo.toml"
# The versions the workspace is tested with; Cargo adds the scratch crate itself.
cp Cargo.lock "$scratch/Cargo.lock"

for snippet in "$scratch"/snippets/*.rs; do
  n=$(basename "$snippet" .rs)
  if grep -q 'interop_testkit' "$snippet"; then
    { echo "#[test]"; echo "fn readme_snippet_$n() {"; cat "$snippet"; echo "}"; } >"$scratch/tests/readme_$n.rs"
  elif grep -q 'fn main(' "$snippet"; then
    cp "$snippet" "$scratch/src/bin/readme_$n.rs"
  else
    { echo "fn main() {"; cat "$snippet"; echo "}"; } >"$scratch/src/bin/readme_$n.rs"
  fi
done

echo "scratch crate: $rust_snippets snippets of README.md, dependencies on $repo"
(cd "$scratch" && cargo build --all-targets && cargo test)
