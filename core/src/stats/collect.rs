//! Collection of one table's [`TableStats`] through the [`SqlSource`]; the core owns the SQL (`sqlite.rs`,
//! `postgres.rs`) and this module what both share: options, the exact per-column counts of `--exact`, and
//! fitting the result into one store item.
//!
//! A database's tables are collected in two steps so PostgreSQL can batch: [`prepare`] reads what the database
//! already knows about a group of tables at once (`pg_class`, `n_mod_since_analyze`, `pg_stats`, and the small
//! tables' rows: three queries however many tables), then [`table`] adds one table's row sample where the batch
//! did not read it (one query, sometimes two).

use super::model::{ColumnStats, RowSample, TableStats};
use super::{postgres, sample, sqlite};
use crate::Config;
use crate::catalog::{Dialect, Table, TypeClass};
use crate::error::{Error, Result};
use crate::ports::{QueryOptions, Rows, SqlSource};
use serde_json::Value;

/// Largest stored statistics item, bytes; DynamoDB's item limit is 400 KB.
const MAX_ITEM_BYTES: usize = 350_000;
/// Text cells of the stored row sample are cut to this many characters.
const MAX_SAMPLE_CHARS: usize = 200;
/// Text values in MCV lists and histograms are cut to this many characters when the item is still too large.
const SHORT_VALUE_CHARS: usize = 64;

/// How to collect, from `[nl2sql.statistics]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Count rows and distinct values exactly with full scans (`--exact`).
    pub exact: bool,
    /// MCVs at most; histogram bounds at most this plus one.
    pub buckets: usize,
    /// Rows sampled where statistics are computed from a sample.
    pub sample_rows: u64,
    /// Rows of the sample stored with the statistics.
    pub stored_rows: usize,
    /// Tables with fewer rows get table-level statistics and the row sample only.
    pub min_table_size: f64,
    /// Run ANALYZE first on PostgreSQL.
    pub analyze: bool,
}

impl Options {
    /// The options `config` sets, with `exact` from the caller.
    pub fn from_config(config: &Config, exact: bool) -> Self {
        let s = &config.nl2sql.statistics;
        Self {
            exact,
            buckets: usize::try_from(s.histogram_buckets).unwrap_or(100).max(1),
            sample_rows: s.sample_size.max(1),
            stored_rows: usize::try_from(s.stored_sample_rows).unwrap_or(1000),
            min_table_size: s.min_table_size as f64,
            analyze: s.analyze_before_collect,
        }
    }
}

/// One database to collect from.
pub struct Source<'a> {
    /// The user's databases.
    pub sql: &'a dyn SqlSource,
    /// Registered connection name.
    pub connection: &'a str,
    /// Its dialect.
    pub dialect: Dialect,
    /// Collection options.
    pub options: Options,
}

impl Source<'_> {
    /// Runs one statement with a row cap and a timeout.
    pub(super) async fn run(&self, sql: &str, max_rows: usize, timeout_ms: u64) -> Result<Rows> {
        self.sql.query(self.connection, sql, QueryOptions { max_rows, timeout_ms }).await
    }

    /// The quoted column list of `table`, in catalog order.
    pub(super) fn select_list(&self, table: &Table) -> String {
        let quoted: Vec<String> = table.columns.iter().map(|c| self.dialect.quote(&c.name)).collect();
        quoted.join(", ")
    }
}

/// What [`prepare`] read for a group of tables.
pub enum Prepared {
    /// SQLite keeps no statistics to batch.
    Sqlite,
    /// PostgreSQL's catalog and `pg_stats` for the group.
    Postgres(postgres::Batch),
}

impl Prepared {
    /// Notes for the report (e.g. an ANALYZE the database refused).
    pub fn warnings(&self) -> &[String] {
        match self {
            Self::Sqlite => &[],
            Self::Postgres(batch) => &batch.warnings,
        }
    }
}

/// Reads what the database already knows about `tables`, in as few queries as the dialect allows.
pub async fn prepare(source: &Source<'_>, tables: &[&Table], timeout_ms: u64) -> Result<Prepared> {
    match source.dialect {
        Dialect::Sqlite => Ok(Prepared::Sqlite),
        Dialect::Postgres => Ok(Prepared::Postgres(postgres::prepare(source, tables, timeout_ms).await?)),
        other => Err(Error::bad_request(
            "unsupported_dialect",
            format!("statistics of {other:?} databases cannot be collected yet"),
        )),
    }
}

/// Collects `table`'s statistics; `now_ms` becomes their `refreshed_at_ms`.
pub async fn table(
    source: &Source<'_>,
    prepared: &Prepared,
    table: &Table,
    now_ms: i64,
    timeout_ms: u64,
) -> Result<TableStats> {
    if table.columns.is_empty() {
        return Err(Error::bad_request("no_columns", format!("table `{}` has no columns to sample", table.name)));
    }
    let mut stats = match prepared {
        Prepared::Sqlite => sqlite::collect(source, table, now_ms, timeout_ms).await?,
        Prepared::Postgres(batch) => postgres::collect(source, batch, table, now_ms, timeout_ms).await?,
    };
    fit(&mut stats);
    Ok(stats)
}

/// Per-column statistics from sampled `rows` (columns in catalog order), or none for small tables.
pub(super) fn sampled_columns(
    table: &Table,
    rows: &[Vec<Value>],
    row_count: f64,
    options: &Options,
) -> Vec<ColumnStats> {
    if row_count < options.min_table_size {
        return vec![];
    }
    let column = |i: usize| -> Vec<Value> { rows.iter().map(|r| r.get(i).cloned().unwrap_or(Value::Null)).collect() };
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| sample::column_stats(&c.name, &column(i), row_count, options.buckets))
        .collect()
}

/// The stored row sample: at most `stored_rows` of `rows`, spread evenly.
pub(super) fn row_sample(table: &Table, rows: &[Vec<Value>], options: &Options) -> RowSample {
    RowSample {
        columns: table.columns.iter().map(|c| c.name.clone()).collect(),
        rows: sample::thin(rows, options.stored_rows),
    }
}

/// With `--exact`: every column's non-null and distinct counts in one full scan, replacing the sample's
/// `null_frac` and `n_distinct` (PostgreSQL's convention: above 10% of rows the count becomes a negative fraction).
/// Columns of types without equality (json, geometric) keep their sampled distinct estimate.
pub(super) async fn exact_columns(
    source: &Source<'_>,
    table: &Table,
    rows: f64,
    columns: &mut [ColumnStats],
    timeout_ms: u64,
) -> Result<()> {
    if columns.is_empty() || rows <= 0.0 {
        return Ok(());
    }
    let mut select = Vec::new();
    for (i, c) in table.columns.iter().enumerate() {
        let q = source.dialect.quote(&c.name);
        select.push(format!("count({q}) AS n{i}"));
        if c.class() != TypeClass::Other || source.dialect == Dialect::Sqlite {
            select.push(format!("count(DISTINCT {q}) AS d{i}"));
        }
    }
    let sql = format!("SELECT {} FROM {}", select.join(", "), source.dialect.quote_table(&table.name));
    let result = source.run(&sql, 1, timeout_ms).await?;
    let Some(row) = result.rows.first() else { return Ok(()) };
    let get = |name: &str| result.columns.iter().position(|c| c == name).and_then(|i| row.get(i)).and_then(as_f64);
    for (i, stats) in columns.iter_mut().enumerate() {
        if let Some(non_null) = get(&format!("n{i}")) {
            stats.null_frac = (1.0 - non_null / rows).clamp(0.0, 1.0);
        }
        if let Some(d) = get(&format!("d{i}")) {
            stats.n_distinct = if d > 0.1 * rows { -(d / rows).min(1.0) } else { d };
        }
    }
    Ok(())
}

/// A number from a JSON value the adapters return (numbers, or numbers as text).
pub(super) fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::number::parse_f64(s.trim()),
        _ => None,
    }
}

/// Keeps the item under [`MAX_ITEM_BYTES`]: sample text cut to [`MAX_SAMPLE_CHARS`], then fewer sample rows,
/// then shorter text in the column statistics.
fn fit(stats: &mut TableStats) {
    if let Some(sample) = &mut stats.sample {
        sample.rows.iter_mut().flatten().for_each(|v| cut(v, MAX_SAMPLE_CHARS));
    }
    let size = |s: &TableStats| serde_json::to_vec(s).map_or(0, |v| v.len());
    while size(stats) > MAX_ITEM_BYTES {
        let Some(sample) = stats.sample.as_mut().filter(|s| s.rows.len() > 10) else { break };
        sample.rows = sample::thin(&sample.rows, sample.rows.len() / 2);
    }
    if size(stats) > MAX_ITEM_BYTES {
        for c in &mut stats.columns {
            let values =
                c.most_common_vals.iter_mut().chain(&mut c.histogram_bounds).chain(&mut c.min).chain(&mut c.max);
            values.for_each(|v| cut(v, SHORT_VALUE_CHARS));
        }
    }
}

fn cut(value: &mut Value, chars: usize) {
    if let Value::String(s) = value
        && let Some((at, _)) = s.char_indices().nth(chars)
    {
        s.truncate(at);
    }
}
