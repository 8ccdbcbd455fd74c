// The built Worker (functions/cloudflare/build/) in Miniflare, configured like infra/cloudflare/wrangler.toml:
// shared by the Node tests (*.test.mjs) and serve.mjs (the Rust contract test's server).
import { Miniflare } from "miniflare";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const buildDir = path.join(root, "functions/cloudflare/build");
export const wranglerToml = path.join(root, "infra/cloudflare/wrangler.toml");

/** The compatibility date pinned in wrangler.toml, so tests and deployment run the same runtime semantics. */
export function compatibilityDate() {
  const match = readFileSync(wranglerToml, "utf8").match(/^compatibility_date\s*=\s*"([0-9-]+)"/m);
  if (!match) throw new Error(`no compatibility_date in ${wranglerToml}`);
  return match[1];
}

/**
 * Miniflare options for the built Worker. `persist`: directory keeping KV and D1 across restarts (else in
 * memory); `testRoutes`: NL2SQL_TEST_ROUTES=1; `kv`: bind the store namespace; `vars`: extra variables.
 */
export function workerOptions({ persist, testRoutes = true, kv = true, vars = {}, port, d1 = ["SHOP"] } = {}) {
  const script = path.join(buildDir, "index.js");
  if (!existsSync(script) || !existsSync(path.join(buildDir, "index_bg.wasm"))) {
    throw new Error(`${buildDir} has no built Worker: run functions/cloudflare/build.sh (tests/run does)`);
  }
  return {
    modules: true,
    scriptPath: script,
    modulesRoot: buildDir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: compatibilityDate(),
    kvNamespaces: kv ? ["NL2SQL_KV", "NL2SQL_TEST_KV"] : ["NL2SQL_TEST_KV"],
    d1Databases: d1,
    kvPersist: persist ? path.join(persist, "kv") : false,
    d1Persist: persist ? path.join(persist, "d1") : false,
    bindings: { ...(testRoutes ? { NL2SQL_TEST_ROUTES: "1" } : {}), ...vars },
    host: "127.0.0.1",
    ...(port ? { port } : {}),
  };
}

/** Starts the Worker; answers the Miniflare instance and its base URL (no trailing slash). */
export async function startWorker(options) {
  const mf = new Miniflare(workerOptions(options));
  const url = await mf.ready;
  return { mf, url: url.href.replace(/\/$/, "") };
}
