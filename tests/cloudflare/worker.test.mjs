// The built Worker (functions/cloudflare/build/) in Miniflare (real workerd, real KV and D1):
//   node --test tests/cloudflare/
// The HTTP contract suite runs against the same Worker from Rust (tests/tests/contract_worker.rs).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { buildDir, startWorker } from "./worker.mjs";

const CRON = "*/30 * * * *";

/** A JSON request to the Worker: [status, body]. */
async function call(url, method, path, body) {
  const response = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`${method} ${path}: ${response.status}, non-JSON body ${text}`);
  }
  return [response.status, json];
}

/** A small shop in a D1 database: 30 customers in two countries, 100 orders (with a BLOB column). */
async function loadShop(db) {
  await db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);");
  await db.exec(
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id), total REAL, receipt BLOB);",
  );
  await db.exec("CREATE INDEX orders_customer ON orders (customer_id);");
  const rows = [];
  for (let i = 1; i <= 30; i++) {
    rows.push(db.prepare("INSERT INTO customers VALUES (?, ?, ?)").bind(i, `Customer ${i}`, i % 3 ? "France" : "Chile"));
  }
  for (let i = 1; i <= 100; i++) {
    const receipt = new Uint8Array([i, 2, 3]);
    rows.push(db.prepare("INSERT INTO orders VALUES (?, ?, ?, ?)").bind(i, (i % 30) + 1, i * 1.5, receipt));
  }
  await db.batch(rows);
}

/** A local HTTP server recording what it receives; `delayMs` holds every answer back. */
async function recordingServer({ delayMs = 0 } = {}) {
  const seen = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      setTimeout(() => {
        res.writeHead(201, { "content-type": "text/plain", "x-answer": "42" });
        res.end(`echo:${body}`);
      }, delayMs);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, seen, url: `http://127.0.0.1:${server.address().port}` };
}

test("the Worker's wasm stays within its 1 MB gzipped budget (docs/cloudflare.md)", () => {
  const wasm = readFileSync(path.join(buildDir, "index_bg.wasm"));
  const gzipped = gzipSync(wasm, { level: 9 }).length;
  console.log(`index_bg.wasm: ${wasm.length} bytes raw, ${gzipped} bytes gzipped`);
  assert.ok(gzipped <= 1_000_000, `index_bg.wasm is ${gzipped} bytes gzipped, over the 1 MB budget`);
});

describe("the Worker in Miniflare", () => {
  let mf, url;
  before(async () => ({ mf, url } = await startWorker({})));
  after(() => mf?.dispose());

  test("the KV Store adapter passes the core's conformance suite inside workerd", async () => {
    const [status, body] = await call(url, "POST", "/__test/store-conformance");
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.passed, true);
  });

  test("items sit in KV under partition-prefixed keys with their version and expiry as metadata", async () => {
    const ddl = "CREATE TABLE items (id integer PRIMARY KEY, label text);";
    for (const [i, expected] of [[1, true], [2, false]]) {
      const [status, body] = await call(url, "PUT", "/api/nl2sql/databases/layout", { dialect: "postgres", ddl });
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.changed, expected, `registration ${i}`);
    }
    const kv = await mf.getKVNamespace("NL2SQL_KV");
    const { value, metadata } = await kv.getWithMetadata("default#_registry/database#layout");
    assert.equal(JSON.parse(value).name, "layout");
    assert.deepEqual(metadata, { v: 1 }, "an unchanged re-registration writes nothing");
    const { keys } = await kv.list({ prefix: "default#layout/" });
    const names = keys.map((k) => k.name.replace(/#[0-9a-f]{32}$/, "#<fingerprint>"));
    assert.deepEqual(names, ["default#layout/schema#<fingerprint>", "default#layout/skeleton#<fingerprint>"]);
  });

  test("the Http adapter sends method, headers and body through fetch and returns the answer", async () => {
    const { server, seen, url: target } = await recordingServer();
    try {
      const exchange = {
        method: "POST",
        url: `${target}/v1/chat?key=secret`,
        headers: [["content-type", "application/json"], ["x-provider", "test"]],
        body: '{"q":1}',
        timeout_ms: 10000,
      };
      const [status, body] = await call(url, "POST", "/__test/http", exchange);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.status, 201);
      assert.equal(body.body, 'echo:{"q":1}');
      assert.ok(body.headers.some(([k, v]) => k === "x-answer" && v === "42"), JSON.stringify(body.headers));
      assert.equal(seen.length, 1);
      assert.equal(seen[0].method, "POST");
      assert.equal(seen[0].url, "/v1/chat?key=secret");
      assert.equal(seen[0].headers["x-provider"], "test");
      assert.equal(seen[0].body, '{"q":1}');
    } finally {
      server.close();
    }
  });

  test("the Http adapter's timeout aborts a slow exchange as a provider error without the URL", async () => {
    const { server, url: target } = await recordingServer({ delayMs: 3000 });
    try {
      const exchange = { method: "GET", url: `${target}/slow?key=secret`, timeout_ms: 200 };
      const [status, body] = await call(url, "POST", "/__test/http", exchange);
      assert.equal(status, 502, JSON.stringify(body));
      assert.equal(body.error.code, "provider_error");
      assert.match(body.error.message, /timed out after 200 ms/);
      assert.doesNotMatch(body.error.message, /secret/);
      const [, unsupported] = await call(url, "POST", "/__test/http", { method: "BREW", url: target });
      assert.equal(unsupported.error.code, "internal_error");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test("a D1 binding registers by introspection and answers translations with rows", async () => {
    await loadShop(await mf.getD1Database("SHOP"));
    const [status, registered] = await call(url, "PUT", "/api/nl2sql/databases/shop", {
      dialect: "sqlite",
      connection: "SHOP",
    });
    assert.equal(status, 200, JSON.stringify(registered));
    assert.equal(registered.database.tables, 2, "D1's own _cf_ tables are not the user's");
    const [, one] = await call(url, "GET", "/api/nl2sql/databases/shop");
    const orders = one.catalog.tables.find((t) => t.name === "orders");
    assert.deepEqual(orders.foreign_keys.map((fk) => fk.ref_table), ["customers"]);

    const ask = { question: "How many customers are there?", database: "shop", execute: true };
    const [okStatus, answer] = await call(url, "POST", "/api/nl2sql/translate", ask);
    assert.equal(okStatus, 200, JSON.stringify(answer));
    assert.deepEqual(answer.rows.rows, [[30]]);

    const [missing, error] = await call(url, "PUT", "/api/nl2sql/databases/other", {
      dialect: "sqlite",
      connection: "NO_SUCH_BINDING",
    });
    assert.equal(missing, 400, JSON.stringify(error));
    assert.equal(error.error.code, "unknown_connection");
  });

  test("the cron handler collects stale statistics into the refresh state, then leaves fresh ones alone", async () => {
    const list = async () => {
      const [status, body] = await call(url, "GET", "/api/nl2sql/statistics/tables?database=shop");
      assert.equal(status, 200, JSON.stringify(body));
      return Object.fromEntries(body.tables.map((t) => [t.table, t]));
    };
    const before = await list();
    assert.equal(before.customers.refreshed_at, null, "nothing collected yet");
    assert.equal(before.orders.stale, true);

    const worker = await mf.getWorker();
    assert.equal((await worker.scheduled({ cron: CRON })).outcome, "ok");
    const first = await list();
    for (const [table, rows] of [["customers", 30], ["orders", 100]]) {
      assert.equal(typeof first[table].refreshed_at, "string", `${table}: ${JSON.stringify(first[table])}`);
      assert.equal(first[table].row_count, rows, table);
      assert.equal(first[table].stale, false, table);
      assert.equal(first[table].failures, 0, table);
    }
    const [detailStatus, detail] = await call(url, "GET", "/api/nl2sql/statistics/tables/orders?database=shop");
    assert.equal(detailStatus, 200, JSON.stringify(detail));
    assert.equal(detail.statistics.table, "orders");

    assert.equal((await worker.scheduled({ cron: CRON })).outcome, "ok");
    const second = await list();
    assert.equal(second.orders.refreshed_at, first.orders.refreshed_at, "fresh statistics are not collected again");
    assert.equal(second.customers.refreshed_at, first.customers.refreshed_at);
  });

  test("a panic fails only its own request: the next one runs on a re-instantiated module", async () => {
    const instance = async () => {
      const [status, body] = await call(url, "POST", "/__test/instance");
      assert.equal(status, 200, JSON.stringify(body));
      return body.calls;
    };
    const before = await instance();
    assert.equal(await instance(), before + 1, "one module instance serves consecutive requests");
    const panicked = await fetch(`${url}/__test/panic`, { method: "POST" });
    assert.equal(panicked.status, 500);
    await panicked.arrayBuffer();
    assert.equal(await instance(), 1, "after the abort the module starts afresh, not from its aborted state");
    for (const path of ["/health/liveness", "/api/nl2sql/databases/shop"]) {
      const [status, body] = await call(url, "GET", path);
      assert.equal(status, 200, `${path} after the panic: ${JSON.stringify(body)}`);
    }
  });
});

describe("the Worker's configuration", () => {
  test("test routes answer only with NL2SQL_TEST_ROUTES=1", async () => {
    const { mf, url } = await startWorker({ testRoutes: false });
    try {
      const [status, body] = await call(url, "POST", "/__test/store-conformance");
      assert.equal(status, 404, JSON.stringify(body));
      assert.equal(body.error.code, "route_not_found");
    } finally {
      await mf.dispose();
    }
  });

  test("a missing KV binding or a broken NL2SQL_CONFIG is a config error naming the key, not a crash", async () => {
    const { mf, url } = await startWorker({ kv: false });
    try {
      const [status, body] = await call(url, "GET", "/health/liveness");
      assert.equal(status, 500, JSON.stringify(body));
      assert.equal(body.error.code, "config_error");
      assert.match(body.error.message, /NL2SQL_KV/);
    } finally {
      await mf.dispose();
    }
    for (const [vars, message] of [
      [{ NL2SQL_CONFIG: { nl2sql: { default_limit: "many" } } }, /NL2SQL_CONFIG: nl2sql\.default_limit: invalid type/],
      [{ NL2SQL_CONFIG_TOML: "[nl2sql]\ndefault_limit = 5\n" }, /\[vars\.NL2SQL_CONFIG\]/],
    ]) {
      const broken = await startWorker({ vars });
      try {
        const [status, body] = await call(broken.url, "GET", "/health/readiness");
        assert.equal(status, 500, JSON.stringify(body));
        assert.equal(body.error.code, "config_error");
        assert.match(body.error.message, message);
      } finally {
        await broken.mf.dispose();
      }
    }
  });

  test("NL2SQL_CONFIG (object or JSON text) configures the core, ${NAME} resolved from variables", async () => {
    const config = { nl2sql: { default_limit: 7 }, llm: { openai: { api_key: "${OPENAI_API_KEY}" } } };
    for (const form of [config, JSON.stringify(config)]) {
      const { mf, url } = await startWorker({ vars: { NL2SQL_CONFIG: form, OPENAI_API_KEY: "sk-test" } });
      try {
        const ddl = "CREATE TABLE customers (id integer PRIMARY KEY, name text);";
        await call(url, "PUT", "/api/nl2sql/databases/cfg", { dialect: "postgres", ddl });
        const ask = { question: "List customers", database: "cfg" };
        const [status, answer] = await call(url, "POST", "/api/nl2sql/translate", ask);
        assert.equal(status, 200, JSON.stringify(answer));
        assert.match(answer.sql, /LIMIT 7$/, answer.sql);
      } finally {
        await mf.dispose();
      }
    }
    const unset = await startWorker({ vars: { NL2SQL_CONFIG: config } });
    try {
      const [status, body] = await call(unset.url, "GET", "/health/liveness");
      assert.equal(status, 500, JSON.stringify(body));
      assert.match(body.error.message, /llm\.openai\.api_key: environment variable OPENAI_API_KEY is not set/);
    } finally {
      await unset.mf.dispose();
    }
  });
});
