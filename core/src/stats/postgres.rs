//! PostgreSQL: read what ANALYZE (autovacuum's or an operator's) stored, batched for a group of tables, and
//! sample rows per table.
//!
//! - Row count: `reltuples / relpages × current pages` (`pg_relation_size / block_size`), the planner's own
//!   estimate, so growth since the last ANALYZE is seen. `--exact` counts with `count(*)`. Tables never analysed
//!   (`reltuples = -1`) and partitioned parents are read directly: when the first `sample_size` rows are the
//!   whole table the count is exact; otherwise rows are counted on about 1,000 random pages (`TABLESAMPLE
//!   SYSTEM`) and scaled to the table's pages (partitioned parents: a count capped at ten times `sample_size`,
//!   a lower bound at the cap), then sampled with `TABLESAMPLE BERNOULLI`.
//! - Columns: `pg_stats` as is (arrays come back through `::text` and are parsed by [`super::pgarray`]; values of
//!   numeric columns become numbers); min/max from the histogram ends and MCVs. Columns without `pg_stats` rows
//!   (never analysed, or added since) are computed from a `sample_size` sample like SQLite's.
//! - Row sample: `TABLESAMPLE BERNOULLI (p)` with p chosen for about `stored_sample_rows` rows (the whole table
//!   when that is smaller). Small tables (at most 16 pages and 1 MiB with indexes and TOAST, so at most a few
//!   thousand rows) are read whole, all of a group's in one `UNION ALL` query, and so are counted exactly: a
//!   database of many small tables costs three queries per group, not one per table.
//! - Rows travel as `ARRAY[col::text, ...]::text` and are typed by column class like `pg_stats` arrays, so a
//!   sampled value and the same value in an MCV list are equal.
//! - `ANALYZE` first only with `analyze_before_collect`; `SqlSource`s run read-only queries only (the local
//!   adapter reads every statement through a cursor, which ANALYZE is not), so a refusal is a warning in the
//!   run's report, not a failure.

use super::collect::{self, Source, as_f64};
use super::model::{ColumnStats, TableStats};
use super::{pgarray, sample};
use crate::catalog::Table;
use crate::error::Result;
use crate::ports::Rows;
use serde_json::Value;
use std::collections::BTreeMap;

/// A table's name as the catalog spells it (`schema.table` outside `public`), from namespace `ns` and relation `rel`.
macro_rules! qualified {
    ($ns:literal, $rel:literal) => {
        concat!("CASE WHEN ", $ns, " = 'public' THEN ", $rel, "::text ELSE ", $ns, " || '.' || ", $rel, " END")
    };
}

/// Rows fetched at most by one batch query.
const BATCH_ROWS: usize = 1_000_000;
/// Tables read whole in the batch: at most this many heap pages...
const SMALL_PAGES: f64 = 16.0;
/// ...and this many bytes in all (heap, indexes, TOAST).
const SMALL_BYTES: u64 = 1 << 20;
/// Pages counted to estimate the rows of a large table ANALYZE never saw.
const SYSTEM_PAGES: f64 = 1000.0;

/// `pg_class` and `pg_stats` of a group of tables, read by [`prepare`].
#[derive(Debug, Default)]
pub struct Batch {
    relations: BTreeMap<String, Relation>,
    /// Per table, per column: the `pg_stats` row (non-inherited preferred).
    columns: BTreeMap<String, BTreeMap<String, PgColumn>>,
    /// Small tables read whole, by name.
    whole: BTreeMap<String, Vec<Vec<Value>>>,
    /// Notes for the report.
    pub warnings: Vec<String>,
}

#[derive(Debug, Default)]
struct Relation {
    kind: String,
    reltuples: f64,
    relpages: f64,
    pages: f64,
    total_bytes: Option<u64>,
    modified: Option<f64>,
}

#[derive(Debug)]
struct PgColumn {
    null_frac: f64,
    n_distinct: f64,
    mcv: Option<String>,
    mcf: Option<String>,
    hist: Option<String>,
    correlation: Option<f64>,
    avg_width: f64,
}

pub(super) async fn prepare(source: &Source<'_>, tables: &[&Table], timeout_ms: u64) -> Result<Batch> {
    let mut batch = Batch::default();
    if source.options.analyze {
        for table in tables {
            let sql = format!("ANALYZE {}", source.dialect.quote_table(&table.name));
            if let Err(e) = source.run(&sql, 1, timeout_ms).await {
                batch.warnings.push(format!("ANALYZE was refused, reading the statistics PostgreSQL has: {e}"));
                break;
            }
        }
    }
    // `names` are the catalog's (`schema.table` outside `public`); `relnames` the bare relation names too, a
    // condition the system catalogs' name indexes can serve (the exact match on `names` still decides).
    let literal = |name: &str| format!("'{}'", name.replace('\'', "''"));
    let names: Vec<String> = tables.iter().map(|t| literal(&t.name)).collect();
    let bare = tables.iter().filter_map(|t| t.name.split_once('.').map(|(_, rel)| literal(rel)));
    let relnames: Vec<String> = names.iter().cloned().chain(bare).collect();
    let (names, relnames) =
        (format!("ARRAY[{}]::text[]", names.join(", ")), format!("ARRAY[{}]::text[]", relnames.join(", ")));

    let sql = format!(
        "SELECT {} AS name, c.relkind::text AS kind, c.reltuples::float8 AS reltuples, c.relpages::float8 AS relpages, \
         (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::float8) AS pages, \
         pg_catalog.pg_total_relation_size(c.oid)::int8 AS total_bytes, \
         pg_catalog.pg_stat_get_mod_since_analyze(c.oid)::float8 AS modified \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND c.relname = ANY ({relnames}) AND {} = ANY ({names})",
        qualified!("n.nspname", "c.relname"),
        qualified!("n.nspname", "c.relname"),
    );
    let rows = source.run(&sql, BATCH_ROWS, timeout_ms).await?;
    for row in &rows.rows {
        let Some(name) = text(&rows, row, "name") else { continue };
        let number = |column: &str| field(&rows, row, column).and_then(as_f64);
        let relation = Relation {
            kind: text(&rows, row, "kind").unwrap_or_default(),
            reltuples: number("reltuples").unwrap_or(-1.0),
            relpages: number("relpages").unwrap_or(0.0),
            pages: number("pages").unwrap_or(0.0),
            total_bytes: number("total_bytes").map(|b| b.max(0.0) as u64),
            modified: number("modified"),
        };
        batch.relations.insert(name, relation);
    }

    let sql = format!(
        "SELECT {} AS name, s.attname::text AS col, s.inherited::int AS inh, s.null_frac::float8 AS null_frac, \
         s.n_distinct::float8 AS n_distinct, s.most_common_vals::text AS mcv, s.most_common_freqs::text AS mcf, \
         s.histogram_bounds::text AS hist, s.correlation::float8 AS correlation, s.avg_width::float8 AS avg_width \
         FROM pg_catalog.pg_stats s WHERE s.tablename = ANY ({relnames}) AND {} = ANY ({names}) ORDER BY 1, 2, 3",
        qualified!("s.schemaname", "s.tablename"),
        qualified!("s.schemaname", "s.tablename"),
    );
    let rows = source.run(&sql, BATCH_ROWS, timeout_ms).await?;
    for row in &rows.rows {
        let (Some(name), Some(col)) = (text(&rows, row, "name"), text(&rows, row, "col")) else { continue };
        let number = |column: &str| field(&rows, row, column).and_then(as_f64);
        let column = PgColumn {
            null_frac: number("null_frac").unwrap_or(0.0),
            n_distinct: number("n_distinct").unwrap_or(0.0),
            mcv: text(&rows, row, "mcv"),
            mcf: text(&rows, row, "mcf"),
            hist: text(&rows, row, "hist"),
            correlation: number("correlation"),
            avg_width: number("avg_width").unwrap_or(0.0),
        };
        // Rows arrive non-inherited first: keep the first per column.
        batch.columns.entry(name).or_default().entry(col).or_insert(column);
    }

    let small: Vec<&Table> = tables
        .iter()
        .copied()
        .filter(|t| {
            batch.relations.get(&t.name).is_some_and(|r| {
                r.kind == "r" && r.pages <= SMALL_PAGES && r.total_bytes.is_some_and(|b| b <= SMALL_BYTES)
            })
        })
        .collect();
    if !small.is_empty() {
        let parts: Vec<String> = small
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!("SELECT {i} AS i, {} FROM {}", row_text(source, t), source.dialect.quote_table(&t.name))
            })
            .collect();
        // A failure here is not the group's: each table is then read on its own and fails (or not) alone.
        if let Ok(rows) = source.run(&parts.join(" UNION ALL "), BATCH_ROWS, timeout_ms).await {
            for (i, table) in small.iter().enumerate() {
                let mine = rows.rows.iter().filter(|r| r.first().and_then(as_f64) == Some(i as f64));
                let decoded = mine.filter_map(|r| decode(table, r.get(1))).collect();
                batch.whole.insert(table.name.clone(), decoded);
            }
        }
    }
    Ok(batch)
}

/// The select expression of one row as an array literal, column `r`.
fn row_text(source: &Source<'_>, table: &Table) -> String {
    let columns: Vec<String> =
        table.columns.iter().map(|c| format!("{}::text", source.dialect.quote(&c.name))).collect();
    format!("ARRAY[{}]::text AS r", columns.join(", "))
}

/// A row from its array literal, typed by column class; `None` when it is not one.
fn decode(table: &Table, literal: Option<&Value>) -> Option<Vec<Value>> {
    let elements = pgarray::parse(literal?.as_str()?)?;
    let typed =
        table.columns.iter().zip(elements).map(|(c, e)| e.map_or(Value::Null, |t| pgarray::typed(&t, c.class())));
    Some(typed.collect())
}

/// Rows of a per-table query selecting [`row_text`].
async fn fetch(
    source: &Source<'_>,
    table: &Table,
    sql: &str,
    max_rows: usize,
    timeout_ms: u64,
) -> Result<(Vec<Vec<Value>>, bool)> {
    let rows = source.run(sql, max_rows, timeout_ms).await?;
    Ok((rows.rows.iter().filter_map(|r| decode(table, r.first())).collect(), rows.truncated))
}

pub(super) async fn collect(
    source: &Source<'_>,
    batch: &Batch,
    table: &Table,
    now_ms: i64,
    timeout_ms: u64,
) -> Result<TableStats> {
    let options = source.options;
    let t = source.dialect.quote_table(&table.name);
    let select = row_text(source, table);
    let relation = batch.relations.get(&table.name);
    let analysed = batch.columns.get(&table.name);
    // Columns ANALYZE has not seen are computed from a full-size sample; otherwise the stored sample is enough.
    let complete = analysed.is_some_and(|cols| table.columns.iter().all(|c| cols.contains_key(&c.name)));
    let wanted = if complete { options.stored_rows as u64 } else { options.sample_rows }.max(1);
    let wanted_rows = usize::try_from(wanted).unwrap_or(usize::MAX);

    let known = relation.filter(|r| r.kind == "r" && r.reltuples >= 0.0 && (r.relpages > 0.0 || r.pages == 0.0));
    let estimate = known.map(|r| if r.relpages > 0.0 { (r.reltuples / r.relpages * r.pages).round() } else { 0.0 });
    let (rows, row_count, exact) = match (batch.whole.get(&table.name), estimate) {
        (Some(rows), _) => (rows.clone(), rows.len() as f64, true),
        (None, Some(estimate)) => {
            let rows = bernoulli(source, table, &select, &t, estimate, wanted, timeout_ms).await?;
            let (count, exact) =
                if options.exact { (count(source, &t, None, timeout_ms).await?, true) } else { (estimate, false) };
            let sampled = rows.len() as f64;
            (rows, count.max(sampled), exact)
        }
        (None, None) => {
            let (first, truncated) =
                fetch(source, table, &format!("SELECT {select} FROM {t}"), wanted_rows, timeout_ms).await?;
            if !truncated {
                let n = first.len() as f64;
                (first, n, true)
            } else {
                let pages = relation.filter(|r| r.kind == "r" && r.pages > 0.0).map(|r| r.pages);
                let (n, exact) = match (options.exact, pages) {
                    (true, _) => (count(source, &t, None, timeout_ms).await?, true),
                    (false, Some(pages)) => system_count(source, &t, pages, timeout_ms).await?,
                    (false, None) => {
                        let cap = options.sample_rows.saturating_mul(10);
                        let n = count(source, &t, Some(cap), timeout_ms).await?;
                        (n, n < cap as f64)
                    }
                };
                let rows = bernoulli(source, table, &select, &t, n, wanted, timeout_ms).await?;
                (rows, n.max(wanted as f64), exact)
            }
        }
    };

    let mut columns = Vec::new();
    if row_count >= options.min_table_size {
        for (i, column) in table.columns.iter().enumerate() {
            let stats = match analysed.and_then(|cols| cols.get(&column.name)) {
                Some(pg) => from_pg_stats(&column.name, pg, column.class()),
                None => {
                    let values: Vec<Value> = rows.iter().map(|r| r.get(i).cloned().unwrap_or(Value::Null)).collect();
                    sample::column_stats(&column.name, &values, row_count, options.buckets)
                }
            };
            columns.push(stats);
        }
        if options.exact {
            collect::exact_columns(source, table, row_count, &mut columns, timeout_ms).await?;
        }
    }
    Ok(TableStats {
        table: table.name.clone(),
        row_count,
        // A partitioned parent has no storage of its own; its partitions are not summed.
        size_bytes: relation.filter(|r| r.kind == "r").and_then(|r| r.total_bytes),
        refreshed_at_ms: now_ms,
        modifications: relation.and_then(|r| r.modified),
        exact,
        columns,
        sample: Some(collect::row_sample(table, &rows, &options)),
    })
}

/// A uniform sample of about `wanted` rows of a table of about `rows` rows: Bernoulli sampling (every row with
/// the same probability) at a rate with 10% headroom, the whole table when that is no more than `wanted`. Rows
/// are read up to twice `wanted` and then thinned evenly, so a cap never cuts the end of the table off.
async fn bernoulli(
    source: &Source<'_>,
    table: &Table,
    select: &str,
    t: &str,
    rows: f64,
    wanted: u64,
    timeout_ms: u64,
) -> Result<Vec<Vec<Value>>> {
    let percent = if rows > 0.0 { 110.0 * wanted as f64 / rows } else { 100.0 };
    let sql = if percent >= 100.0 {
        format!("SELECT {select} FROM {t}")
    } else {
        format!("SELECT {select} FROM {t} TABLESAMPLE BERNOULLI ({:.6})", percent.max(0.000_001))
    };
    let wanted = usize::try_from(wanted).unwrap_or(usize::MAX);
    let (rows, _) = fetch(source, table, &sql, wanted.saturating_mul(2), timeout_ms).await?;
    Ok(sample::thin(&rows, wanted))
}

/// Rows of a table of `pages` pages that ANALYZE never saw, counted on about [`SYSTEM_PAGES`] random pages
/// (`TABLESAMPLE SYSTEM`) and scaled up; exact when that is every page.
async fn system_count(source: &Source<'_>, t: &str, pages: f64, timeout_ms: u64) -> Result<(f64, bool)> {
    let percent = (100.0 * SYSTEM_PAGES / pages).min(100.0);
    let sql = format!("SELECT count(*) AS n FROM {t} TABLESAMPLE SYSTEM ({percent:.6})");
    let rows = source.run(&sql, 1, timeout_ms).await?;
    let n = rows.rows.first().and_then(|r| r.first()).and_then(as_f64).unwrap_or(0.0);
    Ok(((n * 100.0 / percent).round(), percent >= 100.0))
}

/// `count(*)`, or with `cap` the count of at most `cap` rows.
async fn count(source: &Source<'_>, t: &str, cap: Option<u64>, timeout_ms: u64) -> Result<f64> {
    let sql = match cap {
        Some(cap) => format!("SELECT count(*) AS n FROM (SELECT 1 FROM {t} LIMIT {cap}) s"),
        None => format!("SELECT count(*) AS n FROM {t}"),
    };
    let rows = source.run(&sql, 1, timeout_ms).await?;
    Ok(rows.rows.first().and_then(|r| r.first()).and_then(as_f64).unwrap_or(0.0))
}

fn from_pg_stats(name: &str, pg: &PgColumn, class: crate::catalog::TypeClass) -> ColumnStats {
    let most_common_vals = pgarray::values(pg.mcv.as_deref(), class);
    let histogram_bounds = pgarray::values(pg.hist.as_deref(), class);
    let ends = histogram_bounds.first().into_iter().chain(histogram_bounds.last()).chain(&most_common_vals);
    let ends: Vec<&Value> = ends.filter(|v| !v.is_null()).collect();
    ColumnStats {
        column: name.to_owned(),
        null_frac: pg.null_frac,
        n_distinct: pg.n_distinct,
        most_common_freqs: pgarray::numbers(pg.mcf.as_deref()),
        min: ends.iter().min_by(|a, b| sample::compare(a, b)).map(|v| (*v).clone()),
        max: ends.iter().max_by(|a, b| sample::compare(a, b)).map(|v| (*v).clone()),
        most_common_vals,
        histogram_bounds,
        avg_width: pg.avg_width,
        correlation: pg.correlation,
    }
}

fn field<'r>(rows: &Rows, row: &'r [Value], name: &str) -> Option<&'r Value> {
    rows.columns.iter().position(|c| c == name).and_then(|i| row.get(i)).filter(|v| !v.is_null())
}

fn text(rows: &Rows, row: &[Value], name: &str) -> Option<String> {
    field(rows, row, name).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}
