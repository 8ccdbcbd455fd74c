#!/usr/bin/env bash
# Builds the two Spin components into functions/spin/build/, the files infra/spin/spin.toml deploys:
#   1. cargo build -p nl2sql-spin -p nl2sql-spin-cron --target wasm32-wasip2 --profile wasm-release
#   2. wasm-opt -O1, functions ordered by name, names stripped (binaryen from npm) over the HTTP component's core module (optimize.py: binaryen reads core
#      modules, not components)                   WASM_OPT_BIN, else tests/cloudflare/node_modules/.bin/wasm-opt
# tests/install-cloudflare installs binaryen. Prints the HTTP component's size, raw and gzipped (docs/spin.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
wasm_opt="${WASM_OPT_BIN:-$root/tests/cloudflare/node_modules/.bin/wasm-opt}"
out="${NL2SQL_SPIN_OUT:-$here/build}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
[[ -x $wasm_opt ]] || { echo "build.sh: $wasm_opt is missing; run tests/install-cloudflare or set WASM_OPT_BIN" >&2; exit 1; }

(cd "$root" && cargo build -p nl2sql-spin -p nl2sql-spin-cron --target wasm32-wasip2 --profile wasm-release --locked)
built="$target_dir/wasm32-wasip2/wasm-release"
mkdir -p "$out"
# -O1, not -Oz: -Oz's output is smaller raw but bigger gzipped (docs/spin.md). The features are the ones rustc
# enables for wasm32-wasip2; wasm-opt emits nothing newer.
# Functions ordered by their (Rust) names put similar code side by side, which gzip rewards (-4 %); the names are
# then stripped with the DWARF (the cargo profile keeps them for this step).
python3 "$here/optimize.py" "$wasm_opt" "$built/nl2sql_spin.wasm" "$out/nl2sql_spin.wasm.part" -O1 \
  --duplicate-function-elimination --reorder-functions-by-name --strip-debug --strip-producers \
  --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue
mv "$out/nl2sql_spin.wasm.part" "$out/nl2sql_spin.wasm"
cp "$built/nl2sql_spin_cron.wasm" "$out/nl2sql_spin_cron.wasm"
raw=$(stat -c %s "$out/nl2sql_spin.wasm")
gz=$(gzip -9 -c "$out/nl2sql_spin.wasm" | wc -c)
printf 'spin component: %s bytes raw, %s bytes gzipped (gzip -9)\n' "$raw" "$gz"
