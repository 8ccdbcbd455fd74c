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

// The stand-in for the Workers AI binding (`[ai] binding = "AI"`), which Miniflare can only proxy to Cloudflare:
// an object of class `Ai` (workers-rs checks the binding's class name) whose run(model, inputs) does what the
// binding does, against Workers AI's REST wire format at ENDPOINT (the tests' fake LLM server): POST
// /client/v4/accounts/<account>/ai/run/<model>, answer the envelope's `result`, throw on failure.
const AI_SHIM = `
class Ai {
  constructor(env) { this.env = env; }
  async run(model, inputs) {
    const url = this.env.ENDPOINT + "/client/v4/accounts/test-account/ai/run/" + model;
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer binding" },
      body: JSON.stringify(inputs),
    });
    const envelope = await response.json();
    if (!response.ok || !envelope.success) {
      throw new Error("AiError: " + (envelope.errors?.[0]?.message ?? response.status));
    }
    return envelope.result;
  }
}
export default function (env) { return new Ai(env); }
`;

/**
 * Miniflare options for the Worker plus the Workers AI stand-in bound as `AI`, forwarding to `aiEndpoint`.
 * `host`, `port` and the persistence directories are instance-wide options, the rest the Worker's own.
 */
function withAi(options, aiEndpoint) {
  const { host, port, kvPersist, d1Persist, ...worker } = options;
  return {
    host,
    ...(port ? { port } : {}),
    kvPersist,
    d1Persist,
    workers: [
      { name: "nl2sql", ...worker, wrappedBindings: { AI: { scriptName: "workers-ai", bindings: { ENDPOINT: aiEndpoint } } } },
      { name: "workers-ai", modules: true, script: AI_SHIM },
    ],
  };
}

/**
 * Starts the Worker; answers the Miniflare instance and its base URL (no trailing slash). `ai`: the base URL of
 * a server speaking Workers AI's REST format, to bind the AI stand-in.
 */
export async function startWorker({ ai, ...options }) {
  const base = workerOptions(options);
  const mf = new Miniflare(ai ? withAi(base, ai) : base);
  const url = await mf.ready;
  return { mf, url: url.href.replace(/\/$/, "") };
}
