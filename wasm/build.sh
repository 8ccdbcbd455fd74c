#!/usr/bin/env bash
# Builds the npm package nl2sql-wasm into wasm/pkg/ (NL2SQL_WASM_OUT to change it), with pinned local tools and no
# downloads (the same ones as functions/cloudflare/build.sh; tests/install-cloudflare installs them):
#   1. cargo build -p nl2sql-wasm --target wasm32-unknown-unknown --profile wasm-release
#   2. wasm-bindgen --target web (JS glue)   WASM_BINDGEN_BIN, else $NL2SQL_CACHE/bin/wasm-bindgen
#   3. wasm-opt (binaryen from npm)          WASM_OPT_BIN, else tests/cloudflare/node_modules/.bin/wasm-opt
#   4. the package's own files from wasm/js/ (entry modules, types, package.json, README.md)
# Steps 2-4 are skipped when their inputs are unchanged. Prints the wasm's size, raw and gzipped; the budget is
# 600,000 bytes gzipped (gzip -9), enforced by tests/wasm/package.test.mjs (docs/wasm.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cache="${NL2SQL_CACHE:-$HOME/.cache/nl2sql}"
bindgen="${WASM_BINDGEN_BIN:-$cache/bin/wasm-bindgen}"
wasm_opt="${WASM_OPT_BIN:-$root/tests/cloudflare/node_modules/.bin/wasm-opt}"
out="${NL2SQL_WASM_OUT:-$here/pkg}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
for tool in "$bindgen" "$wasm_opt"; do
  [[ -x $tool ]] || { echo "build.sh: $tool is missing; run tests/install-cloudflare" >&2; exit 1; }
done

(cd "$root" && cargo build -p nl2sql-wasm --target wasm32-unknown-unknown --profile wasm-release --locked)
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/nl2sql_wasm.wasm"

inputs=$(cat "$wasm" "$here/build.sh" "$here"/js/* | sha256sum | cut -d' ' -f1)
if [[ -f $out/.inputs && "$(cat "$out/.inputs")" == "$inputs" && -f $out/nl2sql_wasm_bg.wasm ]]; then
  echo "build.sh: $out is up to date"
else
  stage="$out/.stage"
  rm -rf "$out" && mkdir -p "$stage"
  "$bindgen" --target web --no-typescript --out-dir "$stage" --out-name nl2sql_wasm "$wasm"
  # -O1, not -Oz: -Oz's output is smaller raw but bigger gzipped. --reorder-functions-by-name puts the copies of
  # a generic and the impls of one type next to each other, where gzip's 32 KB window finds their likeness: 4 %
  # smaller gzipped (docs/wasm.md has the measurements). The features rustc enables for wasm32-unknown-unknown;
  # wasm-opt must be told, and emits nothing newer.
  "$wasm_opt" -O1 --duplicate-function-elimination --reorder-functions-by-name \
    --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue \
    "$stage/nl2sql_wasm_bg.wasm" -o "$out/nl2sql_wasm_bg.wasm"
  cp "$stage/nl2sql_wasm.js" "$out/"
  cp "$here"/js/* "$out/"
  rm -rf "$stage"
  echo "$inputs" >"$out/.inputs"
fi
raw=$(stat -c %s "$out/nl2sql_wasm_bg.wasm")
gz=$(gzip -9 -c "$out/nl2sql_wasm_bg.wasm" | wc -c)
printf 'nl2sql-wasm: %s bytes raw, %s bytes gzipped (gzip -9; budget 600000) in %s\n' "$raw" "$gz" "$out"
