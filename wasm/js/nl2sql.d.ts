// Types of nl2sql-wasm. Results are the JSON of nl2sql's HTTP API (snake_case fields); options that hold
// configuration keys (`settings`) use the configuration's names.

/** SQL dialect of a schema. */
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

/** A failure of the core: `code` is stable (`invalid_sql`, `unsafe_sql`, `invalid_ddl`, `invalid_dialect`, `invalid_catalog`,
 * `invalid_statistics`, `invalid_options`, `missing_sql`, `sql_too_long`, `missing_question`, `untranslatable`,
 * `dialect_mismatch`, `not_initialized`, `internal_error`...). */
export class Nl2sqlError extends Error {
  readonly name: 'Nl2sqlError';
  readonly code: string;
}

// ---- Schema ----

export interface Column {
  name: string;
  data_type: string;
  nullable: boolean;
  default?: string;
  comment?: string;
}

export interface ForeignKey {
  columns: string[];
  ref_table: string;
  ref_columns: string[];
}

export interface Index {
  name: string;
  columns: string[];
  unique: boolean;
}

export interface Table {
  name: string;
  columns: Column[];
  primary_key?: string[];
  foreign_keys?: ForeignKey[];
  unique?: string[][];
  indexes?: Index[];
  comment?: string;
}

/** The catalog of one database, as `GET /api/nl2sql/databases/{db}` returns it. */
export interface Catalog {
  dialect: Dialect;
  tables: Table[];
}

/** Example values per table and column, most common first (they let the linker and translator match literals). */
export type Samples = Record<string, Record<string, string[]>>;

/** A DDL statement that did not shape the catalog, and why. */
export interface Skipped {
  line: number;
  statement: string;
  reason: string;
}

/** What `registerSchema` returns; every function that takes a schema also takes a `Catalog` or its JSON text. */
export interface Schema {
  dialect: Dialect;
  /** Stable hash of the catalog. */
  fingerprint: string;
  catalog: Catalog;
  skipped: Skipped[];
  samples?: Samples;
}

export type SchemaInput = Schema | Catalog | string;

// ---- Skeleton and linking ----

export interface TableLine {
  table: string;
  text: string;
  tokens: number;
}

export interface Skeleton {
  fingerprint: string;
  lines: TableLine[];
  tokens: number;
  /** The lines joined by newlines: the prompt text. */
  text: string;
}

export interface ColumnPick {
  column: string;
  score: number;
  reason: string;
}

export interface TablePick {
  table: string;
  score: number;
  reasons: string[];
  columns: ColumnPick[];
}

export interface Linked {
  /** Picked tables in the order they were picked, with the reasons. */
  tables: TablePick[];
  /** The pruned skeleton of the picked tables, within the budget. */
  skeleton: Skeleton;
  /** Tokens of the whole schema's skeleton. */
  full_tokens: number;
}

export interface Translation {
  /** One SELECT in the schema's dialect, always with a LIMIT. */
  sql: string;
  explanation: string;
  /** 0 to 1. */
  confidence: number;
  /** Tables the SQL reads, the main one first. */
  tables: string[];
  /** Tables the linker picked for the question. */
  linked_tables: string[];
}

// ---- Statistics and estimates ----

/** Statistics of one table (the `statistics` of `GET /api/nl2sql/statistics/tables/{table}`). */
export interface TableStats {
  table: string;
  row_count: number;
  size_bytes?: number;
  refreshed_at_ms: number;
  modifications?: number;
  exact?: boolean;
  columns?: ColumnStats[];
  sample?: { columns: string[]; rows: unknown[][] };
}

export interface ColumnStats {
  column: string;
  null_frac: number;
  /** Positive: a count; negative: minus the fraction of rows (PostgreSQL's convention). */
  n_distinct: number;
  most_common_vals?: unknown[];
  most_common_freqs?: number[];
  histogram_bounds?: unknown[];
  min?: unknown;
  max?: unknown;
  avg_width: number;
  correlation?: number;
}

export interface TableEstimate {
  table: string;
  alias: string;
  rows: number;
  filtered_rows: number;
  has_statistics: boolean;
}

export interface Estimate {
  tables: TableEstimate[];
  /** Rows FROM and WHERE produce. */
  joined_rows: number;
  /** Rows the statement returns. */
  output_rows: number;
  /** `collected`, `partial` or `none` (PostgreSQL's defaults). */
  statistics: 'collected' | 'partial' | 'none';
}

// ---- Advisor ----

export interface Position {
  line: number;
  column: number;
}

export interface Finding {
  code: string;
  /** 1 (cosmetic) to 10 (wrong results or unbounded work). */
  severity: number;
  message: string;
  location?: Position;
  snippet: string;
  suggestion: string;
  table?: string;
}

export interface Bottleneck {
  rank: number;
  kind: string;
  code: string;
  severity: number;
  rows?: number;
  table?: string;
  message: string;
}

export interface TableCost {
  table: string;
  alias: string;
  rows: number;
  rows_read: number;
  rows_returned: number;
  executions: number;
  access: 'full_scan' | 'index_scan' | 'index_lookup' | string;
  index?: string;
  cost: number;
  has_statistics: boolean;
}

export interface Cost {
  rows_read: number;
  rows_returned: number;
  total: number;
  tables: TableCost[];
}

export interface Benefit {
  rows_read_before: number;
  rows_read_after: number;
  cost_before: number;
  cost_after: number;
  reduction: number;
}

export interface IndexRecommendation {
  table: string;
  columns: string[];
  name: string;
  ddl: string;
  reason: string;
  benefit: Benefit;
}

export interface Report {
  kind: 'query' | 'not_a_query';
  statement: string;
  message?: string;
  dialect: Dialect;
  /** 0 to 100; absent for statements that are not queries. */
  quality_score?: number;
  min_quality_score: number;
  meets_min_quality: boolean;
  statistics: 'collected' | 'partial' | 'none' | 'disabled';
  /** Most severe first. */
  findings: Finding[];
  omitted?: Record<string, number>;
  bottlenecks: Bottleneck[];
  cost?: Cost;
  indexes: IndexRecommendation[];
}

/** `[nl2sql.advisor]` keys (and `max_result_rows`), each optional; defaults as in the service. */
export interface AdvisorSettings {
  large_table_rows?: number;
  bottleneck_severity_threshold?: number;
  min_quality_score?: number;
  auto_recommend_indexes?: boolean;
  max_index_recommendations?: number;
  use_statistics?: boolean;
  max_result_rows?: number;
}

// ---- Guard ----

/** One thing the guard changed in an accepted query. */
export interface GuardChange {
  /** `limit_added`, `limit_lowered` or `comments_removed`. */
  rule: 'limit_added' | 'limit_lowered' | 'comments_removed' | string;
  detail: string;
}

/** An accepted query (a refusal is thrown instead). */
export interface Guarded {
  verdict: 'allowed';
  /** The SQL that may run: the syntax tree rendered again, with a LIMIT. */
  sql: string;
  /** What was changed, in order. */
  changes: GuardChange[];
  dialect: Dialect;
}

/** `[nl2sql] default_limit`, `max_limit` and `[security] allow_system_catalogs`; defaults as in the service. */
export interface GuardOptions {
  /** LIMIT added to a query without one (default 100; at most `max_limit`). */
  default_limit?: number;
  /** Largest LIMIT let through; larger ones are lowered (default 1000; given alone below 100, it is also the
   * default LIMIT). */
  max_limit?: number;
  /** Whether system catalogs (`pg_catalog`, `information_schema`, `sqlite_master`...) may be read (default false). */
  allow_system_catalogs?: boolean;
}

// ---- Complexity and plans ----

export interface Complexity {
  /** 1 (one table, one value) to 10. */
  score: number;
  /** What raised it (`joins 3 tables`, `aggregates`...). */
  reasons: string[];
}

export interface PlanTask {
  /** `t1`, `t2`...: also its CTE name when the SQL is composed. */
  id: string;
  /** 1-based stage; tasks of one stage are independent. */
  stage: number;
  question: string;
  depends_on: string[];
}

export interface Plan {
  tasks: PlanTask[];
  stages: number;
}

/** What `POST /api/nl2sql/analyze` returns, computed over the schema given. */
export interface Assessment {
  complexity: Complexity;
  /** Whether the score is above `complexity_threshold` and the question splits into parts. */
  decompose: boolean;
  plan: Plan | null;
  linked_tables: string[];
  /** The linked tables' skeleton text. */
  skeleton: string;
}

/** `[nl2sql] skeleton_token_budget` (`budget`) and `[nl2sql.agentic]` keys; defaults as in the service. */
export interface AssessOptions {
  budget?: number;
  /** 1-10 (default 5): above it a plan is made. */
  complexity_threshold?: number;
  /** Default 10. */
  max_tasks?: number;
  /** Default 5. */
  max_stages?: number;
  samples?: Samples;
}

// ---- Functions ----

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Loads the wasm module (browsers: fetched next to the package's JS). In Node it is loaded already. */
export default function init(input?: InitInput | Promise<InitInput>): Promise<void>;

/** Instantiates the module synchronously from its bytes or a compiled module. */
export function initSync(module: BufferSource | WebAssembly.Module): void;

/** The package version. */
export function version(): string;

/** Reads DDL (CREATE TABLE, ALTER TABLE, CREATE INDEX, COMMENT ON; dumps welcome) into a schema. Throws
 * `invalid_ddl` naming the line for a table definition that does not parse or when there is no table. */
export function registerSchema(ddl: string, options?: { dialect?: Dialect; samples?: Samples }): Schema;

/** The whole schema's skeleton. */
export function skeleton(schema: SchemaInput, options?: { samples?: Samples }): Skeleton;

/** Links a question: `budget` caps the pruned skeleton's tokens (default 2000), `target` bounds added context. */
export function link(question: string, schema: SchemaInput,
  options?: { budget?: number; target?: number; samples?: Samples }): Linked;

/** The offline translator (no LLM): link within `budget`, then one SELECT with at most `limit` rows (default 100). */
export function translate(question: string, schema: SchemaInput,
  options?: { limit?: number; budget?: number; samples?: Samples }): Translation;

/** The advisor's report on one statement. Without a schema the SQL is read in `dialect` (default postgres). */
export function advise(sql: string, schema?: SchemaInput | null,
  options?: { dialect?: Dialect; stats?: TableStats[]; settings?: AdvisorSettings }): Report;

/** Estimated rows of a SELECT. */
export function estimate(sql: string, schema?: SchemaInput | null,
  options?: { dialect?: Dialect; stats?: TableStats[] }): Estimate;

/** The fraction (0 to 1) of rows of `tables` for which `condition` holds. */
export function selectivity(condition: string, tables: Array<string | [alias: string, table: string]>,
  options?: { dialect?: Dialect; stats?: TableStats[] }): number;

/** The SQL guard: exactly one read-only query (SELECT, WITH … SELECT, VALUES) over the schema's tables and
 * columns, no denied function, no system catalog; comes back re-rendered with a bounded LIMIT. Throws
 * `unsafe_sql` for a write, DDL, several statements, a denied function or a system catalog; `invalid_sql` for a
 * syntax error, an unknown column or a placeholder; `missing_sql`, `sql_too_long`, `invalid_options`. */
export function guard(sql: string, schema: SchemaInput, options?: GuardOptions): Guarded;

/** A question's complexity over the tables it links to, and above the threshold its plan in stages. */
export function assess(question: string, schema: SchemaInput, options?: AssessOptions): Assessment;
