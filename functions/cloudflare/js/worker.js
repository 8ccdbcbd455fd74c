// The Worker's entry module (bundled by functions/cloudflare/build.sh into build/index.js).
//
// workerd hands a `.wasm` import over as a compiled WebAssembly.Module, so the Rust code is instantiated
// synchronously once per isolate through wasm-bindgen's `--target web` glue; both events go straight to the
// Rust handlers (`#[event(fetch)]`, `#[event(scheduled)]` in src/entry.rs).
import wasmModule from "./index_bg.wasm";
import { initSync, fetch as handleFetch, scheduled as handleScheduled } from "./glue.js";

initSync({ module: wasmModule });

export default {
  fetch(request, env, ctx) {
    return handleFetch(request, env, ctx);
  },
  scheduled(controller, env, ctx) {
    return handleScheduled(controller, env, ctx);
  },
};
