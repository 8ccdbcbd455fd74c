//! PostgreSQL: read what ANALYZE (autovacuum's or an operator's) stored, batched for a group of tables, and
//! sample rows per table.
//!
//! - Row count: `reltuples / relpages × current pages` (`pg_relation_size / block_size`), the planner's own
//!   estimate, so growth since the last ANALYZE is seen. `--exact` counts with `count(*)`. Tables never analysed
//!   (`reltuples = -1`) and partitioned parents are read directly: when the first `sample_size` rows are the
//!   whole table the count is exact; otherwise a count capped at ten times `sample_size` (exact below the cap,
//!   a lower bound at it) and a `TABLESAMPLE BERNOULLI` sample.
//! - Columns: `pg_stats` as is (arrays come back through `::text` and are parsed by [`super::pgarray`]; values of
//!   numeric columns become numbers); min/max from the histogram ends and MCVs. Columns without `pg_stats` rows
//!   (never analysed, or added since) are computed from a `sample_size` sample like SQLite's.
//! - Row sample: `TABLESAMPLE BERNOULLI (p)` with p chosen for about `stored_sample_rows` rows (the whole table
//!   when that is smaller).
//! - `ANALYZE` first only with `analyze_before_collect`; `SqlSource`s run read-only transactions, where PostgreSQL
//!   refuses it, so a refusal is a warning in the run's report, not a failure.

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

/// `pg_class` and `pg_stats` of a group of tables, read by [`prepare`].
#[derive(Debug, Default)]
pub struct Batch {
    relations: BTreeMap<String, Relation>,
    /// Per table, per column: the `pg_stats` row (non-inherited preferred).
    columns: BTreeMap<String, BTreeMap<String, PgColumn>>,
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
    let names: Vec<String> = tables.iter().map(|t| format!("'{}'", t.name.replace('\'', "''"))).collect();
    let names = format!("ARRAY[{}]::text[]", names.join(", "));

    let sql = format!(
        "SELECT {} AS name, c.relkind::text AS kind, c.reltuples::float8 AS reltuples, c.relpages::float8 AS relpages, \
         (pg_catalog.pg_relation_size(c.oid) / pg_catalog.current_setting('block_size')::float8) AS pages, \
         pg_catalog.pg_total_relation_size(c.oid)::int8 AS total_bytes, s.n_mod_since_analyze::float8 AS modified \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid \
         WHERE c.relkind IN ('r', 'p') AND {} = ANY ({names})",
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
         FROM pg_catalog.pg_stats s WHERE {} = ANY ({names}) ORDER BY 1, 2, 3",
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
    Ok(batch)
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
    let select = source.select_list(table);
    let relation = batch.relations.get(&table.name);
    let analysed = batch.columns.get(&table.name);
    // Columns ANALYZE has not seen are computed from a full-size sample; otherwise the stored sample is enough.
    let complete = analysed.is_some_and(|cols| table.columns.iter().all(|c| cols.contains_key(&c.name)));
    let wanted = if complete { options.stored_rows as u64 } else { options.sample_rows }.max(1);
    let wanted_rows = usize::try_from(wanted).unwrap_or(usize::MAX);

    let known = relation.filter(|r| r.kind == "r" && r.reltuples >= 0.0 && (r.relpages > 0.0 || r.pages == 0.0));
    let estimate = known.map(|r| if r.relpages > 0.0 { (r.reltuples / r.relpages * r.pages).round() } else { 0.0 });
    let (rows, row_count, exact) = match estimate {
        Some(estimate) => {
            let rows = bernoulli(source, &select, &t, estimate, wanted, timeout_ms).await?.rows;
            let (count, exact) =
                if options.exact { (count(source, &t, None, timeout_ms).await?, true) } else { (estimate, false) };
            let sampled = rows.len() as f64;
            (rows, count.max(sampled), exact)
        }
        None => {
            let first = source.run(&format!("SELECT {select} FROM {t}"), wanted_rows, timeout_ms).await?;
            if !first.truncated {
                let n = first.rows.len() as f64;
                (first.rows, n, true)
            } else {
                let cap = if options.exact { None } else { Some(options.sample_rows.saturating_mul(10)) };
                let n = count(source, &t, cap, timeout_ms).await?;
                let rows = bernoulli(source, &select, &t, n, wanted, timeout_ms).await?.rows;
                (rows, n, cap.is_none_or(|cap| n < cap as f64))
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
        size_bytes: relation.and_then(|r| r.total_bytes),
        refreshed_at_ms: now_ms,
        modifications: relation.and_then(|r| r.modified),
        exact,
        columns,
        sample: Some(collect::row_sample(table, &rows, &options)),
    })
}

/// A uniform sample of about `wanted` rows of a table of about `rows` rows: Bernoulli sampling (every row with
/// the same probability) at a rate with 10% headroom, the whole table when that is no more than `wanted`.
async fn bernoulli(
    source: &Source<'_>,
    select: &str,
    t: &str,
    rows: f64,
    wanted: u64,
    timeout_ms: u64,
) -> Result<Rows> {
    let percent = if rows > 0.0 { 110.0 * wanted as f64 / rows } else { 100.0 };
    let sql = if percent >= 100.0 {
        format!("SELECT {select} FROM {t}")
    } else {
        format!("SELECT {select} FROM {t} TABLESAMPLE BERNOULLI ({:.6})", percent.max(0.000_001))
    };
    source.run(&sql, usize::try_from(wanted).unwrap_or(usize::MAX), timeout_ms).await
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
