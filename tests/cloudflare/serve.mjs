// Serves the built Worker on 127.0.0.1 for tests/tests/contract_worker.rs:
//   NL2SQL_WORKER_VARS='{"NL2SQL_CONFIG": {...}}' node tests/cloudflare/serve.mjs <port> <persist-dir>
// (NL2SQL_WORKER_VARS: optional JSON object of extra bindings, as wrangler.toml's [vars] would give them;
// NL2SQL_WORKER_AI: optional URL of the fake LLM server, to bind a Workers AI stand-in as AI)
// Prints `listening <url>` once Miniflare is ready, and stops (disposing workerd) when stdin closes or on
// SIGTERM/SIGINT, so a test that drops its handle leaves no workerd behind.
import { startWorker } from "./worker.mjs";

const [port, persist] = process.argv.slice(2);
if (!port || !persist) {
  console.error("usage: node serve.mjs <port> <persist-dir>");
  process.exit(2);
}
const vars = JSON.parse(process.env.NL2SQL_WORKER_VARS || "{}");
// NL2SQL_WORKER_AI: base URL of a Workers AI REST stand-in; binds the AI binding's stand-in (worker.mjs).
const { mf, url } = await startWorker({ port: Number(port), persist, vars, ai: process.env.NL2SQL_WORKER_AI || undefined });
console.log(`listening ${url}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await mf.dispose();
  process.exit(0);
}
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
