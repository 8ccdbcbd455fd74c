// The playground in a real browser (Debian's chromium driven by playwright-core; tests/install-wasm): served by
// `nl2sql serve` at /, and from a plain static file server with no nl2sql server at all. What the page shows is
// compared with what the same package computes in Node. Screenshots go to $NL2SQL_CACHE/artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const site = path.join(root, 'wasm');
const pkg = path.resolve(process.env.NL2SQL_WASM_PKG ?? path.join(site, 'pkg'));
const chromiumPath = process.env.NL2SQL_CHROMIUM ?? '/usr/bin/chromium';
const bin = process.env.NL2SQL_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug/nl2sql');
const artifacts = path.join(process.env.NL2SQL_CACHE ?? path.join(homedir(), '.cache/nl2sql'), 'artifacts');
for (const [what, file, fix] of [['the package', path.join(pkg, 'nl2sql_wasm_bg.wasm'), 'wasm/build.sh'],
  ['chromium', chromiumPath, 'tests/install-wasm'], ['the nl2sql binary', bin, 'cargo build -p nl2sql']]) {
  if (!existsSync(file)) throw new Error(`${what} is missing (${file}): run ${fix}`);
}
const { registerSchema, translate, advise, guard, assess } = await import(pathToFileURL(path.join(pkg, 'node.js')).href);

const demo = {
  ddl: readFileSync(path.join(site, 'playground/demo/chinook.sql'), 'utf8'),
  stats: JSON.parse(readFileSync(path.join(site, 'playground/demo/chinook.stats.json'), 'utf8')),
  samples: JSON.parse(readFileSync(path.join(site, 'playground/demo/chinook.samples.json'), 'utf8')),
};
const demoSchema = registerSchema(demo.ddl, { dialect: 'sqlite', samples: demo.samples });

/** A free TCP port on the loopback interface. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitFor(url, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`nl2sql serve exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer`);
}

/** A static file server over wasm/ (any static server would do): no API, no nl2sql. */
function staticServer(port) {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
    '.json': 'application/json', '.sql': 'text/plain' };
  const server = createServer((req, res) => {
    const file = path.join(site, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (req.method !== 'GET' || !file.startsWith(site + path.sep) || !existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

let browser;
let nl2sql;
let dataDir;
let base;

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(path.join(tmpdir(), 'nl2sql-playground-'));
  const env = { ...process.env, RUST_LOG: 'warn', NL2SQL_PLAYGROUND_DIR: site };
  delete env.NL2SQL_CONFIG;
  nl2sql = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data-dir', dataDir],
    { stdio: ['ignore', 'ignore', 'inherit'], env });
  await waitFor(`${base}/health/liveness`, nl2sql);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  nl2sql?.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function openPage(url) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return { page, problems };
}

/** The guard's verdict as the page shows it: `{verdict, sql, changes}` or `{verdict, refusal}`. */
async function shownGuard(page) {
  return page.$eval('#guard', (box) => box.dataset.verdict === 'allowed'
    ? { verdict: 'allowed', sql: box.querySelector('#guard-sql').textContent,
      changes: [...box.querySelectorAll('#guard-changes li code')].map((c) => c.textContent) }
    : { verdict: box.dataset.verdict, refusal: box.querySelector('#guard-verdict')?.textContent });
}

/** What the page must show for the guard's answer on `sql` (computed by the package in Node). */
function expectedGuard(sql, schema) {
  const g = guard(sql, schema);
  return { verdict: 'allowed', sql: g.sql, changes: g.changes.map((c) => c.rule) };
}

/** The findings table as `severity code` lines, and the index DDL, as the page shows them. */
async function shownReport(page) {
  const findings = await page.$$eval('#findings tbody tr',
    (rows) => rows.map((r) => `${r.cells[0].textContent} ${r.cells[1].textContent}`));
  const indexes = await page.$$eval('#indexes code', (codes) => codes.map((c) => c.textContent));
  return { findings, indexes };
}

const expected = (report) => ({
  findings: report.findings.map((f) => `${f.severity} ${f.code}`),
  indexes: report.indexes.map((i) => i.ddl),
});

test('served by nl2sql serve: demo schema, a question, the SQL and the advisor report computed in the page', async () => {
  const { page, problems } = await openPage(`${base}/`);
  assert.match(await page.textContent('#status'), /^nl2sql-wasm \d+\.\d+\.\d+ ready/);
  await page.click('#demo');
  await page.waitForFunction(() => document.querySelector('#schema-info').textContent.includes('11 tables'));
  assert.match(await page.textContent('#skeleton'), /^Album\(AlbumId INTEGER PK/);

  const question = 'Which 5 artists have the most albums?';
  await page.fill('#question', question);
  await page.click('#translate');
  await page.waitForSelector('#quality');
  const sql = await page.inputValue('#sql');
  assert.equal(sql, translate(question, demoSchema).sql);
  assert.match(sql, /^SELECT Artist\.Name, COUNT\(\*\) AS album_count FROM Artist JOIN Album/);
  const report = advise(sql, demoSchema, { stats: demo.stats });
  assert.equal(await page.textContent('#quality .score'), `Quality ${report.quality_score}/100`);
  assert.match(await page.textContent('#estimated-rows'),
    new RegExp(`reads ${report.cost.rows_read.toLocaleString('en-US')}, returns`));
  assert.deepEqual(await shownReport(page), expected(report));
  // The guard's verdict on the translated SQL (it has its LIMIT: allowed unchanged).
  assert.deepEqual(await shownGuard(page), expectedGuard(sql, demoSchema));
  assert.deepEqual((await shownGuard(page)).changes, []);
  // The question's complexity, as the package computes it and as POST /api/nl2sql/analyze answers.
  const assessment = assess(question, demoSchema);
  const analyzed = await (await fetch(`${base}/api/nl2sql/analyze`, { method: 'POST',
    body: JSON.stringify({ question, database: 'demo' }) })).json();
  assert.deepEqual(analyzed.complexity, assessment.complexity, 'server and package assess alike');
  assert.deepEqual(analyzed.linked_tables, assessment.linked_tables);
  assert.equal(await page.textContent('#complexity p'),
    `Complexity ${assessment.complexity.score}/10: ${assessment.complexity.reasons.join(', ')}`);

  // SQL typed by hand is guarded too: a write is refused (the advisor still reports it is not a query)...
  await page.fill('#sql', 'DELETE FROM Track WHERE Composer IS NULL');
  await page.click('#analyse');
  await page.waitForSelector('#guard[data-verdict="refused"]');
  assert.match((await shownGuard(page)).refusal, /^Refused unsafe_sql: unsafe SQL: writes data \(DELETE\)/);
  assert.equal(await page.isVisible('#error'), false, 'a refusal is a verdict, not a page error');
  // ...and so are stacked statements.
  await page.fill('#sql', 'SELECT Name FROM Artist; DROP TABLE Artist');
  await page.click('#analyse');
  await page.waitForFunction(() => document.querySelector('#guard-verdict')?.textContent.includes('more than one'));
  assert.match((await shownGuard(page)).refusal, /^Refused unsafe_sql: unsafe SQL: more than one statement/);

  // A slow query typed by hand: findings with severities and an index suggestion.
  const slow = "SELECT * FROM Track WHERE Composer = 'AC/DC' ORDER BY Name";
  const stats = [{ table: 'Track', row_count: 3_503_000, refreshed_at_ms: 0,
    columns: [{ column: 'Composer', null_frac: 0.2, n_distinct: -0.2, avg_width: 20 }] }];
  await page.click('summary:has-text("Table statistics")');
  await page.fill('#stats', JSON.stringify(stats));
  await page.fill('#sql', slow);
  await page.click('#analyse');
  await page.waitForFunction(() => document.querySelectorAll('#findings tbody tr').length > 0
    && document.querySelector('#estimated-rows').textContent.includes('3,503,000'));
  const slowReport = advise(slow, demoSchema, { stats });
  const shown = await shownReport(page);
  assert.deepEqual(shown, expected(slowReport));
  assert.ok(shown.findings.includes('7 full_table_scan'), shown.findings.join(', '));
  assert.equal(shown.indexes[0], 'CREATE INDEX IF NOT EXISTS idx_track_composer ON Track (Composer);');
  // No LIMIT: the guard lets it through with the default one added.
  assert.deepEqual(await shownGuard(page), expectedGuard(slow, demoSchema));
  assert.deepEqual(await shownGuard(page), { verdict: 'allowed', sql: `${slow} LIMIT 100`, changes: ['limit_added'] });
  assert.equal(await page.isVisible('#error'), false);
  const screenshot = path.join(artifacts, 'playground.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`screenshot: ${screenshot}`);

  // The same question translated by the server (POST /api/nl2sql/translate, database demo).
  await page.fill('#stats', JSON.stringify(demo.stats));
  await page.check('#mode-server');
  await page.fill('#question', 'tracks by AC/DC');
  await page.click('#translate');
  await page.waitForFunction(() => document.querySelector('#translation').textContent.includes('by the server'));
  const response = await fetch(`${base}/api/nl2sql/translate`, { method: 'POST',
    body: JSON.stringify({ question: 'tracks by AC/DC', database: 'demo' }) });
  const server = await response.json();
  assert.equal(await page.inputValue('#sql'), server.sql);
  assert.equal(server.sql, translate('tracks by AC/DC', demoSchema).sql, 'server and package translate alike');
  await page.waitForSelector('#quality');
  assert.deepEqual(problems, []);
  await page.close();
});

test('without any nl2sql server: the page still analyses DDL and SQL and shows clear errors', async () => {
  const port = await freePort();
  const server = await staticServer(port);
  try {
    const { page, problems } = await openPage(`http://127.0.0.1:${port}/playground/index.html`);
    // Malformed DDL: the core's code and the line.
    await page.selectOption('#dialect', 'postgres');
    await page.fill('#ddl', 'CREATE TABLE artist (id integer PRIMARY KEY, name text);\nCREATE TABLE album (id integer PRIMARY KEY,');
    await page.click('#register');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error'), /^invalid_ddl: line 2: /);
    await page.screenshot({ path: path.join(artifacts, 'playground-no-server-error.png'), fullPage: true });

    // Valid DDL: the schema is read and SQL analysed, all in the page.
    const ddl = 'CREATE TABLE artist (id integer PRIMARY KEY, name text);\n'
      + 'CREATE TABLE album (id integer PRIMARY KEY, title text, artist_id integer REFERENCES artist(id));';
    await page.fill('#ddl', ddl);
    await page.click('#register');
    await page.waitForFunction(() => document.querySelector('#schema-info').textContent.includes('2 tables'));
    assert.equal(await page.isVisible('#error'), false);
    await page.fill('#question', 'how many albums per artist');
    await page.click('#translate');
    await page.waitForSelector('#quality');
    const schema = registerSchema(ddl, { dialect: 'postgres' });
    assert.equal(await page.inputValue('#sql'), translate('how many albums per artist', schema).sql);
    assert.match(await page.inputValue('#sql'), /^SELECT artist\.name, COUNT\(\*\) AS album_count FROM album JOIN artist/);

    // Malformed SQL: invalid_sql with its position.
    await page.fill('#sql', 'SELECT * FROM album WHERE');
    await page.click('#analyse');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error'), /^invalid_sql: SQL syntax error at line 1, column 26/);
    assert.match((await shownGuard(page)).refusal, /^Refused invalid_sql: SQL syntax error at line 1, column 26/);
    assert.equal(await page.textContent('#report'), '', 'no stale report next to the error');

    // Valid SQL again: findings, and the error is gone.
    await page.fill('#sql', 'SELECT * FROM album WHERE title = NULL');
    await page.click('#analyse');
    await page.waitForFunction(() => document.querySelector('#error').hidden
      && document.querySelectorAll('#findings tbody tr').length > 0);
    assert.ok((await shownReport(page)).findings.some((f) => f.endsWith(' eq_null')));
    assert.deepEqual(await shownGuard(page), { verdict: 'allowed', sql: 'SELECT * FROM album WHERE title = NULL LIMIT 100',
      changes: ['limit_added'] });
    // A table the schema does not have: refused by the guard, in the page.
    await page.fill('#sql', 'SELECT * FROM invoices');
    await page.click('#analyse');
    await page.waitForSelector('#guard[data-verdict="refused"]');
    assert.match((await shownGuard(page)).refusal, /invoices/);

    // The server mode needs nl2sql serve: here it fails with a clear message, not silently.
    await page.check('#mode-server');
    await page.click('#translate');
    await page.waitForSelector('#error:not([hidden])');
    assert.match(await page.textContent('#error'), /^http_404: the server refused the request/);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    server.close();
  }
});
