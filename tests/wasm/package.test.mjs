// The nl2sql-wasm package as npm users get it (wasm/pkg, built by wasm/build.sh; NL2SQL_WASM_PKG to test
// another build), run in Node's own WebAssembly engine: every exported function with real inputs (the Chinook
// dumps), errors with their codes, the browser entry's initialisation, and the size budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = path.resolve(process.env.NL2SQL_WASM_PKG ?? path.join(root, 'wasm/pkg'));
if (!existsSync(path.join(pkg, 'nl2sql_wasm_bg.wasm'))) {
  throw new Error(`${pkg} has no built package: run wasm/build.sh`);
}
const nl2sql = await import(pathToFileURL(path.join(pkg, 'node.js')).href);
const { registerSchema, skeleton, link, translate, advise, estimate, selectivity, guard, assess, version, Nl2sqlError }
  = nl2sql;

const read = (file) => readFileSync(path.join(root, file), 'utf8');
const chinookPg = read('tests/fixtures/sampledb/chinook/Chinook_PostgreSql.sql');
const chinookSqlite = read('wasm/playground/demo/chinook.sql');
const samples = JSON.parse(read('wasm/playground/demo/chinook.samples.json'));

/** The error `fn` throws, which must be an Nl2sqlError. */
function failure(fn) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof Nl2sqlError, `an Nl2sqlError, not ${error}`);
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail('expected an error');
}

const BUDGET = 600_000;

test('the optimised wasm is at most 600,000 bytes gzipped (gzip -9)', () => {
  const wasm = path.join(pkg, 'nl2sql_wasm_bg.wasm');
  // gzip itself, as documented (Node's zlib compresses differently); missing gzip fails the test.
  const gz = execFileSync('gzip', ['-9', '-c', wasm], { maxBuffer: 64 << 20 }).length;
  console.log(`nl2sql_wasm_bg.wasm: ${readFileSync(wasm).length} bytes raw, ${gz} bytes gzipped`);
  assert.ok(gz <= BUDGET, `${gz} bytes gzipped is over the ${BUDGET}-byte budget (docs/wasm.md)`);
});

test('the package is an npm package for Node and browsers, at the crate version', () => {
  const manifest = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8'));
  assert.equal(manifest.name, 'nl2sql-wasm');
  assert.equal(manifest.version, version());
  assert.deepEqual(Object.keys(manifest.exports['.']), ['types', 'node', 'default']);
  for (const file of manifest.files) assert.ok(existsSync(path.join(pkg, file)), `${file} is in the package`);
});

test('registerSchema reads a whole PostgreSQL dump: tables, keys, skipped statements with lines', () => {
  const schema = registerSchema(chinookPg, { dialect: 'postgres' });
  assert.equal(schema.dialect, 'postgres');
  assert.match(schema.fingerprint, /^[0-9a-f]{32}$/);
  const names = schema.catalog.tables.map((t) => t.name);
  assert.deepEqual(names, ['album', 'artist', 'customer', 'employee', 'genre', 'invoice', 'invoice_line', 'media_type',
    'playlist', 'playlist_track', 'track']);
  const album = schema.catalog.tables[0];
  assert.deepEqual(album.primary_key, ['album_id']);
  assert.deepEqual(album.foreign_keys, [{ columns: ['artist_id'], ref_table: 'artist', ref_columns: ['artist_id'] }]);
  assert.equal(album.columns[1].data_type, 'character varying(160)');
  // The dump's DROP/CREATE DATABASE, \c and INSERTs are listed, with their lines, not fatal.
  assert.ok(schema.skipped.length > 0);
  assert.ok(schema.skipped.every((s) => s.line > 0 && s.statement && s.reason));
  // The same DDL in the SQLite dialect (the playground's demo) gives its own catalog.
  const sqlite = registerSchema(chinookSqlite, { dialect: 'sqlite' });
  assert.equal(sqlite.catalog.tables.length, 11);
  assert.deepEqual(sqlite.skipped, []);
  assert.notEqual(sqlite.fingerprint, schema.fingerprint);
});

test('skeleton renders one line per table with keys and foreign keys', () => {
  const schema = registerSchema(chinookPg, { dialect: 'postgres' });
  const s = skeleton(schema);
  const lines = s.text.split('\n');
  assert.equal(lines.length, 11);
  assert.equal(lines[0], 'album(album_id integer PK, title character varying(160), artist_id integer -> artist)');
  assert.equal(s.lines.length, 11);
  assert.equal(s.fingerprint, schema.fingerprint);
  assert.ok(s.tokens > 100);
});

test('a schema, its catalog object and the catalog JSON text are the same input', () => {
  const schema = registerSchema(chinookSqlite, { dialect: 'sqlite' });
  const question = 'How many tracks are there?';
  const expected = translate(question, schema);
  assert.deepEqual(translate(question, schema.catalog), expected);
  assert.deepEqual(translate(question, JSON.stringify(schema.catalog)), expected);
});

test('link picks the tables a question needs, with reasons, within the budget', () => {
  const schema = registerSchema(chinookSqlite, { dialect: 'sqlite', samples });
  const linked = link('Which tracks are by AC/DC?', schema, { budget: 80 });
  const picked = linked.tables.map((t) => t.table);
  for (const table of ['Track', 'Album', 'Artist']) assert.ok(picked.includes(table), `${table} in ${picked}`);
  assert.ok(linked.tables.every((t) => t.reasons.length > 0));
  assert.ok(linked.skeleton.tokens <= 80, `${linked.skeleton.tokens} tokens`);
  assert.ok(linked.full_tokens > linked.skeleton.tokens);
  assert.ok(linked.tables.find((t) => t.table === 'Artist').reasons.some((r) => r.includes('AC/DC')));
});

test('translate writes the SQL the offline translator writes', () => {
  const schema = registerSchema(chinookSqlite, { dialect: 'sqlite', samples });
  const top = translate('Which 5 artists have the most albums?', schema);
  assert.equal(top.sql, 'SELECT Artist.Name, COUNT(*) AS album_count FROM Artist JOIN Album ON Album.ArtistId = '
    + 'Artist.ArtistId GROUP BY Artist.ArtistId, Artist.Name ORDER BY album_count DESC, Artist.Name LIMIT 5');
  assert.deepEqual(top.tables, ['Artist', 'Album']);
  assert.ok(top.confidence > 0.5 && top.confidence <= 1);
  // A literal found among the example values filters on its column.
  const acdc = translate('tracks by AC/DC', schema, { limit: 10 });
  assert.match(acdc.sql, /WHERE Artist\.Name = 'AC\/DC' LIMIT 10$/);
  assert.equal(failure(() => translate('   ', schema)).code, 'missing_question');
});

test('advise reports a slow query: findings with severities, estimated rows, an index recommendation', () => {
  const schema = registerSchema(chinookSqlite, { dialect: 'sqlite' });
  const stats = [{ table: 'Track', row_count: 3_503_000, refreshed_at_ms: 0,
    columns: [{ column: 'Composer', null_frac: 0.2, n_distinct: -0.2, avg_width: 20 }] }];
  const report = advise("SELECT * FROM Track WHERE Composer = 'AC/DC'", schema, { stats });
  assert.equal(report.kind, 'query');
  assert.equal(report.statistics, 'collected');
  const codes = report.findings.map((f) => `${f.code}:${f.severity}`);
  assert.deepEqual(codes, ['full_table_scan:7', 'select_star:3']);
  assert.deepEqual(report.findings[0].location, { line: 1, column: 15 });
  assert.equal(report.cost.rows_read, 3_503_000);
  assert.ok(report.cost.rows_returned < 10);
  assert.equal(report.indexes[0].ddl, 'CREATE INDEX IF NOT EXISTS idx_track_composer ON Track (Composer);');
  assert.ok(report.quality_score < 100);
  assert.equal(report.bottlenecks[0].kind, 'MissingIndex');
  // Without statistics: PostgreSQL's defaults, and no schema needed.
  const bare = advise('SELECT * FROM orders WHERE total = NULL', null);
  assert.deepEqual(bare.findings.map((f) => f.code), ['eq_null', 'select_star']);
  assert.equal(bare.statistics, 'none');
  // Settings are the configuration's keys.
  const lenient = advise("SELECT * FROM Track WHERE Composer = 'x'", schema,
    { stats, settings: { auto_recommend_indexes: false } });
  assert.deepEqual(lenient.indexes, []);
  // A statement that is not a query is reported, not analysed.
  const insert = advise('INSERT INTO Genre VALUES (99, \'x\')', schema);
  assert.equal(insert.kind, 'not_a_query');
  assert.equal(insert.statement, 'INSERT');
});

test('estimate and selectivity follow the statistics', () => {
  const stats = [{ table: 'Genre', row_count: 4, refreshed_at_ms: 0, exact: true,
    sample: { columns: ['GenreId', 'Name'], rows: [[1, 'Rock'], [2, 'Jazz'], [3, 'Metal'], [4, 'Rock']] } }];
  const e = estimate("SELECT Name FROM Genre WHERE Name = 'Rock'", null, { dialect: 'sqlite', stats });
  assert.deepEqual(e, { tables: [{ table: 'Genre', alias: 'Genre', rows: 4, filtered_rows: 2, has_statistics: true }],
    joined_rows: 2, output_rows: 2, statistics: 'collected' });
  assert.equal(selectivity("Name = 'Rock'", ['Genre'], { stats }), 0.5);
  assert.equal(selectivity("g.Name = 'Jazz'", [['g', 'Genre']], { stats }), 0.25);
  // No statistics: PostgreSQL's DEFAULT_EQ_SEL.
  assert.equal(selectivity('x = 1', ['t']), 0.005);
});

test('guard lets one read-only query through, re-rendered with a bounded LIMIT', () => {
  const schema = registerSchema(chinookSqlite, { dialect: 'sqlite' });
  const ok = guard('SELECT Name FROM Artist /* the names */ ORDER BY Name', schema);
  assert.deepEqual(ok, { verdict: 'allowed', sql: 'SELECT Name FROM Artist ORDER BY Name LIMIT 100', dialect: 'sqlite',
    changes: [{ rule: 'comments_removed', detail: 'comments and optimizer hints removed' },
      { rule: 'limit_added', detail: 'LIMIT 100 added (nl2sql.default_limit)' }] });
  // The translator's SQL passes as it is (it has its LIMIT already).
  const { sql } = translate('Which 5 artists have the most albums?', schema);
  assert.deepEqual(guard(sql, schema), { verdict: 'allowed', sql, changes: [], dialect: 'sqlite' });
  // A LIMIT above the maximum is lowered; the options are the configuration's keys.
  const lowered = guard('SELECT TrackId FROM Track LIMIT 5000', schema);
  assert.equal(lowered.sql, 'SELECT TrackId FROM Track LIMIT 1000');
  assert.equal(lowered.changes[0].rule, 'limit_lowered');
  assert.equal(guard('SELECT TrackId FROM Track', schema, { default_limit: 7 }).sql, 'SELECT TrackId FROM Track LIMIT 7');
  assert.equal(guard('SELECT TrackId FROM Track LIMIT 90', schema.catalog, { max_limit: 20 }).sql,
    'SELECT TrackId FROM Track LIMIT 20');
  // A system catalog only when allowed.
  assert.equal(failure(() => guard('SELECT name FROM sqlite_master', schema)).code, 'unsafe_sql');
  assert.match(guard('SELECT name FROM sqlite_master', schema, { allow_system_catalogs: true }).sql, /LIMIT 100$/);
});

test('guard refuses writes, stacked statements and denied functions (unsafe_sql) and bad SQL (invalid_sql)', () => {
  const schema = registerSchema(chinookPg, { dialect: 'postgres' });
  const refused = (sql) => {
    const error = failure(() => guard(sql, schema));
    return `${error.code}: ${error.message}`;
  };
  assert.match(refused('DELETE FROM track'), /^unsafe_sql: unsafe SQL: writes data \(DELETE\)/);
  assert.match(refused('SELECT name FROM artist; DROP TABLE artist'), /^unsafe_sql: unsafe SQL: more than one statement/);
  assert.match(refused('WITH gone AS (DELETE FROM track RETURNING track_id) SELECT * FROM gone'), /^unsafe_sql: /);
  assert.match(refused('SELECT pg_sleep(10)'), /^unsafe_sql: .*pg_sleep/);
  assert.match(refused('SELECT usename FROM pg_catalog.pg_user'), /^unsafe_sql: /);
  assert.match(refused('DROP TABLE artist'), /^unsafe_sql: unsafe SQL: changes the schema/);
  assert.match(refused('SELECT name FROM artist WHERE'), /^invalid_sql: SQL syntax error at line 1, column \d+/);
  assert.match(refused('SELECT nope FROM artist'), /^invalid_sql: /);
  assert.match(refused('SELECT * FROM not_a_table'), /^(invalid|unsafe)_sql: .*not_a_table/);
  assert.equal(failure(() => guard('', schema)).code, 'missing_sql');
  assert.equal(failure(() => guard('SELECT 1', null)).code, 'invalid_catalog');
  assert.equal(failure(() => guard('SELECT 1', schema, { default_limit: 0 })).code, 'invalid_options');
});

test('assess scores a question over the tables it links to and plans compound ones', () => {
  const schema = registerSchema(chinookSqlite, { dialect: 'sqlite', samples });
  // As POST /api/nl2sql/analyze: the whole demo schema (1,367 tokens) fits the default budget of 2,000, so every
  // table is linked, but only the tables the question needs count as joins (not those filling the budget).
  const whole = assess('How many genres are there?', schema);
  assert.equal(whole.linked_tables.length, 11);
  const easy = assess('How many genres are there?', schema, { budget: 40 });
  assert.deepEqual(easy.linked_tables, ['Genre', 'Track']);
  assert.deepEqual(whole.complexity, easy.complexity, 'tables that fill the budget do not add complexity');
  assert.ok(easy.complexity.score <= 3 && easy.complexity.reasons.includes('aggregates'), JSON.stringify(easy));
  assert.ok(!whole.complexity.reasons.some((r) => r.includes('11 tables')), JSON.stringify(whole));
  assert.equal(easy.decompose, false);
  assert.equal(easy.plan, null);
  assert.equal(easy.skeleton, 'Genre(GenreId INTEGER PK, Name NVARCHAR(120))\nTrack(TrackId INTEGER PK, GenreId INTEGER -> Genre)');
  const question = 'Compare the number of customers per country with the total invoice amount per country, '
    + 'keeping countries where the total is above average';
  const hard = assess(question, schema);
  assert.ok(hard.complexity.score > 5, JSON.stringify(hard.complexity));
  assert.ok(hard.complexity.reasons.includes('compares rows with an aggregate (a nested query)'));
  assert.equal(hard.decompose, true);
  assert.equal(hard.plan.stages, 2);
  assert.deepEqual(hard.plan.tasks.map((t) => [t.id, t.stage, t.question, t.depends_on]), [
    ['t1', 1, 'the number of customers per country', []],
    ['t2', 1, 'the total invoice amount per country', []],
    ['t3', 2, 'keeping countries where the total is above average (combine t1, t2)', ['t1', 't2']]]);
  // The threshold is [nl2sql.agentic] complexity_threshold's: at 10 nothing is split.
  assert.equal(assess(question, schema, { complexity_threshold: 10 }).plan, null);
  assert.equal(failure(() => assess('  ', schema)).code, 'missing_question');
  assert.equal(failure(() => assess('x', schema, { complexity_threshold: 0 })).code, 'invalid_options');
});

test('malformed DDL and SQL throw errors with the core code and a position', () => {
  const ddl = failure(() => registerSchema('CREATE TABLE artist (id integer PRIMARY KEY,\n name text,\n', { dialect: 'postgres' }));
  assert.equal(ddl.code, 'invalid_ddl');
  assert.match(ddl.message, /^line 1: /);
  assert.equal(failure(() => registerSchema('SELECT 1;', { dialect: 'sqlite' })).code, 'invalid_ddl');
  const sql = failure(() => advise('SELECT * FROM Track WHERE', null, { dialect: 'sqlite' }));
  assert.equal(sql.code, 'invalid_sql');
  assert.match(sql.message, /^SQL syntax error at line 1, column 26/);
  assert.equal(failure(() => advise('SELEC 1', null)).code, 'invalid_sql');
  assert.equal(failure(() => estimate('DELETE FROM t', null)).code, 'invalid_sql');
  assert.equal(failure(() => advise('', null)).code, 'missing_sql');
  assert.equal(failure(() => registerSchema('CREATE TABLE t (a int);', { dialect: 'oracle' })).code, 'invalid_dialect');
  assert.equal(failure(() => skeleton('{"dialect": "sqlite"')).code, 'invalid_catalog');
  assert.equal(failure(() => advise('SELECT 1', null, { stats: { table: 't' } })).code, 'invalid_statistics');
  assert.equal(failure(() => link('x', '{"dialect":"sqlite","tables":[]}', { budget: -1 })).code, 'invalid_options');
  const schema = registerSchema('CREATE TABLE t (a int);', { dialect: 'sqlite' });
  assert.equal(failure(() => advise('SELECT a FROM t', schema, { dialect: 'mysql' })).code, 'dialect_mismatch');
  assert.equal(failure(() => translate('the weather tomorrow', schema)).code, 'untranslatable');
});

test('the browser entry refuses calls before init and works after initSync', () => {
  // A fresh process: the module instance of this one is initialised by node.js already.
  const script = `
    import { registerSchema, initSync } from ${JSON.stringify(pathToFileURL(path.join(pkg, 'nl2sql.js')).href)};
    import { readFileSync } from 'node:fs';
    try { registerSchema('CREATE TABLE t (a int);'); } catch (e) { console.log(e.code); }
    initSync(readFileSync(${JSON.stringify(path.join(pkg, 'nl2sql_wasm_bg.wasm'))}));
    console.log(registerSchema('CREATE TABLE t (a int);', { dialect: 'sqlite' }).catalog.tables[0].name);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n'), ['not_initialized', 't']);
});
