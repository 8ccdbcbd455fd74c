#!/usr/bin/env bash
# Builds the Worker into functions/cloudflare/build/: index.js (entry module) and index_bg.wasm, the files
# infra/cloudflare/wrangler.toml deploys. The steps worker-build would take, with pinned local tools and no
# downloads:
#   1. cargo build -p nl2sql-cloudflare --target wasm32-unknown-unknown --profile wasm-release
#   2. wasm-bindgen --target web (JS glue)         WASM_BINDGEN_BIN, else $NL2SQL_CACHE/bin/wasm-bindgen
#   3. wasm-opt -O1 (binaryen from npm)            WASM_OPT_BIN, else tests/cloudflare/node_modules/.bin/wasm-opt
#   4. esbuild: js/worker.js + glue -> index.js     ESBUILD_BIN, else tests/cloudflare/node_modules/.bin/esbuild
# tests/install-cloudflare installs the tools. Steps 2-4 are skipped when their inputs are unchanged. Prints the
# wasm's size, raw and gzipped (docs/cloudflare.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${NL2SQL_CACHE:-$HOME/.cache/nl2sql}"
node_bin="$root/tests/cloudflare/node_modules/.bin"
bindgen="${WASM_BINDGEN_BIN:-$cache/bin/wasm-bindgen}"
wasm_opt="${WASM_OPT_BIN:-$node_bin/wasm-opt}"
esbuild="${ESBUILD_BIN:-$node_bin/esbuild}"
out="${NL2SQL_WORKER_OUT:-$here/build}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
for tool in "$bindgen" "$wasm_opt" "$esbuild"; do
  [[ -x $tool ]] || { echo "build.sh: $tool is missing; run tests/install-cloudflare" >&2; exit 1; }
done

(cd "$root" && cargo build -p nl2sql-cloudflare --target wasm32-unknown-unknown --profile wasm-release --locked)
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/nl2sql_cloudflare.wasm"

inputs=$(cat "$wasm" "$here/build.sh" "$here/js/worker.js" | sha256sum | cut -d' ' -f1)
if [[ -f $out/.inputs && "$(cat "$out/.inputs")" == "$inputs" && -f $out/index.js && -f $out/index_bg.wasm ]]; then
  echo "build.sh: $out is up to date"
else
  stage="$out/.stage"
  rm -rf "$out" && mkdir -p "$stage"
  # A panic aborts the wasm instance; with these flags the glue re-instantiates it for the next event instead
  # of leaving the isolate broken (the worker crate registers the abort hook).
  "$bindgen" --target web --no-typescript --experimental-reset-state-function --force-enable-abort-handler \
    --out-dir "$stage" --out-name glue "$wasm"
  # -O1, not -Oz: -Oz's output is smaller raw but 7 % bigger gzipped, and gzipped is what counts (docs/cloudflare.md).
  # The features rustc enables for wasm32-unknown-unknown, plus exception handling for the abort handler's catch
  # wrappers; wasm-opt must be told, and emits nothing newer.
  # Functions ordered by their names put similar code side by side, which gzip rewards (-6 %).
  "$wasm_opt" -O1 --duplicate-function-elimination --reorder-functions-by-name --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-reference-types --enable-multivalue --enable-exception-handling \
    "$stage/glue_bg.wasm" -o "$out/index_bg.wasm"
  cp "$here/js/worker.js" "$stage/worker.js"
  "$esbuild" "$stage/worker.js" --bundle --format=esm --minify --log-level=warning \
    --external:./index_bg.wasm --external:'cloudflare:*' --outfile="$out/index.js"
  rm -rf "$stage"
  echo "$inputs" >"$out/.inputs"
fi
raw=$(stat -c %s "$out/index_bg.wasm")
gz=$(gzip -9 -c "$out/index_bg.wasm" | wc -c)
printf 'worker wasm: %s bytes raw, %s bytes gzipped (gzip -9); index.js %s bytes\n' "$raw" "$gz" "$(stat -c %s "$out/index.js")"
