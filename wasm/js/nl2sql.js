// nl2sql-wasm: the package's entry for browsers and bundlers (node.js is the Node entry).
//
// The wasm module exchanges JSON text (wasm/src/lib.rs says why); this module parses it, turns the core's
// errors into `Nl2sqlError`s carrying `code`, and lets every function take a schema three ways: the object
// `registerSchema` returns, a catalog object, or a catalog's JSON text. Types: nl2sql.d.ts.
import initWasm, * as raw from './nl2sql_wasm.js';

let ready = false;

/** An error of the core: `code` is its stable machine-readable code (`invalid_sql`, `invalid_ddl`...). */
export class Nl2sqlError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'Nl2sqlError';
    this.code = code;
  }
}

/** Loads the wasm module (in a browser: fetched next to this file). Resolves once; later calls are free. */
export default async function init(input) {
  if (!ready) {
    await initWasm(input === undefined ? undefined : { module_or_path: input });
    ready = true;
  }
}

/** Instantiates the module from its bytes or a compiled `WebAssembly.Module`, synchronously. */
export function initSync(module) {
  if (!ready) {
    raw.initSync({ module });
    ready = true;
  }
}

function call(fn, ...args) {
  if (!ready) throw new Nl2sqlError('not_initialized', 'call init() (or initSync) before using nl2sql-wasm');
  let text;
  try {
    text = fn(...args);
  } catch (thrown) {
    if (typeof thrown === 'string') {
      const { error } = JSON.parse(thrown);
      throw new Nl2sqlError(error.code, error.message);
    }
    // A trap is a bug in nl2sql (the core never panics on input by design).
    throw new Nl2sqlError('internal_error', `nl2sql-wasm failed: ${thrown?.message ?? thrown}`);
  }
  return JSON.parse(text);
}

const catalogText = new WeakMap();

/** The catalog's JSON text of a schema, a catalog object or catalog JSON text ('' for none). */
function catalogJson(schema) {
  if (schema === undefined || schema === null) return '';
  if (typeof schema === 'string') return schema;
  const catalog = schema.catalog && schema.fingerprint ? schema.catalog : schema;
  let text = catalogText.get(catalog);
  if (text === undefined) {
    text = JSON.stringify(catalog);
    catalogText.set(catalog, text);
  }
  return text;
}

function samplesJson(schema, options) {
  const samples = options?.samples ?? (schema && typeof schema === 'object' ? schema.samples : undefined);
  return samples ? JSON.stringify(samples) : '';
}

function optionsJson(options, keys) {
  const picked = {};
  for (const key of keys) if (options?.[key] !== undefined) picked[key] = options[key];
  return JSON.stringify(picked);
}

/** The package version. */
export function version() {
  if (!ready) throw new Nl2sqlError('not_initialized', 'call init() (or initSync) before using nl2sql-wasm');
  return raw.version();
}

/** Reads DDL text into a schema: `{dialect, fingerprint, catalog, skipped, samples}`. */
export function registerSchema(ddl, options = {}) {
  const schema = call(raw.registerSchema, String(ddl), options.dialect ?? 'postgres');
  if (options.samples) schema.samples = options.samples;
  return schema;
}

/** The whole schema's skeleton (one line per table), as prompts see it. */
export function skeleton(schema, options = {}) {
  return call(raw.skeleton, catalogJson(schema), samplesJson(schema, options));
}

/** The tables and columns a question needs, with reasons, and their skeleton within the token budget. */
export function link(question, schema, options = {}) {
  return call(raw.link, String(question), catalogJson(schema), samplesJson(schema, options),
    optionsJson(options, ['budget', 'target']));
}

/** The offline translator: one bounded SELECT for a question. */
export function translate(question, schema, options = {}) {
  return call(raw.translate, String(question), catalogJson(schema), samplesJson(schema, options),
    optionsJson(options, ['limit', 'budget']));
}

/** The code advisor's report on one statement; `schema` may be null (then `options.dialect`). */
export function advise(sql, schema, options = {}) {
  return call(raw.advise, String(sql), catalogJson(schema), options.stats ? JSON.stringify(options.stats) : '',
    optionsJson(options, ['dialect', 'settings']));
}

/** Rows a SELECT reads and returns, from the statistics (PostgreSQL's defaults without them). */
export function estimate(sql, schema, options = {}) {
  return call(raw.estimate, String(sql), catalogJson(schema), options.stats ? JSON.stringify(options.stats) : '',
    optionsJson(options, ['dialect']));
}

/** The fraction of rows of `tables` (names or [alias, table] pairs) for which `condition` holds. */
export function selectivity(condition, tables, options = {}) {
  const stats = options.stats ? JSON.stringify(options.stats) : '';
  return call(raw.selectivity, String(condition), stats, JSON.stringify({ tables, dialect: options.dialect }))
    .selectivity;
}

/** The SQL guard: one read-only query over the schema's tables comes back re-rendered with its LIMIT bounded
 * (`{verdict, sql, changes, dialect}`); anything else throws `unsafe_sql` (or `invalid_sql`). */
export function guard(sql, schema, options = {}) {
  return call(raw.guard, String(sql), catalogJson(schema),
    optionsJson(options, ['default_limit', 'max_limit', 'allow_system_catalogs']));
}

/** A question's complexity (1-10, with reasons) and, above the threshold, its plan of sub-questions. */
export function assess(question, schema, options = {}) {
  return call(raw.assess, String(question), catalogJson(schema), samplesJson(schema, options),
    optionsJson(options, ['budget', 'complexity_threshold', 'max_tasks', 'max_stages']));
}
