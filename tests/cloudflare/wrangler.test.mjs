// One `wrangler dev` smoke test against infra/cloudflare/wrangler.toml: the file deployments use builds
// (its [build] command), binds its KV namespace and cron trigger, and serves the API locally. Wrangler runs
// offline: no metrics, no update check (banner hidden), no `cf` object download.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { root, wranglerToml } from "./worker.mjs";

const wrangler = path.join(root, "tests/cloudflare/node_modules/.bin/wrangler");

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("wrangler dev serves the Worker from infra/cloudflare/wrangler.toml, KV and cron included", async () => {
  const state = mkdtempSync(path.join(os.tmpdir(), "nl2sql-wrangler-"));
  const [port, inspector] = [await freePort(), await freePort()];
  const args = ["dev", "--config", wranglerToml, "--ip", "127.0.0.1", "--port", String(port)];
  args.push("--inspector-port", String(inspector), "--persist-to", path.join(state, "persist"), "--test-scheduled");
  args.push("--show-interactive-dev-session=false");
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_HIDE_BANNER: "true",
    WRANGLER_LOG_PATH: path.join(state, "logs"),
    CI: "true",
  };
  const child = spawn(wrangler, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 180_000;
    let alive;
    while (!alive) {
      assert.ok(Date.now() < deadline, `wrangler dev did not serve within 3 minutes:\n${output}`);
      assert.equal(child.exitCode, null, `wrangler dev exited:\n${output}`);
      alive = await fetch(`${base}/health/liveness`).catch(() => undefined);
      if (!alive) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(alive.status, 200, output);
    assert.equal((await alive.json()).status, "alive");

    const ddl = "CREATE TABLE customers (id integer PRIMARY KEY, name text);";
    const put = await fetch(`${base}/api/nl2sql/databases/smoke`, {
      method: "PUT",
      body: JSON.stringify({ dialect: "postgres", ddl }),
    });
    assert.equal(put.status, 200, await put.text());
    const list = await (await fetch(`${base}/api/nl2sql/databases`)).json();
    assert.deepEqual(list.databases.map((d) => d.name), ["smoke"], "the KV binding of wrangler.toml holds it");

    const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent("*/30 * * * *")}`);
    assert.equal(cron.status, 200, await cron.text());
    for (let i = 0; i < 100 && !/scheduled statistics refresh/.test(output); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(output, /scheduled statistics refresh/, "the cron trigger reaches the Rust handler");
    assert.doesNotMatch(output, /update available|fetch failed|ENOTFOUND|EAI_AGAIN/i, output);
  } finally {
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(state, { recursive: true, force: true });
  }
});
