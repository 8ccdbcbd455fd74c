//! SQLite keeps no statistics we can read (`sqlite_stat1` only exists after ANALYZE and holds index
//! selectivities), so everything is computed from a bounded sample:
//!
//! - Row count: `min(rowid)`/`max(rowid)` (two B-tree seeks) give the rowid span. When the span is at most ten
//!   times `sample_size` rows (or with `--exact`), `count(*)` counts exactly; otherwise the count is estimated as
//!   span × (rows found ÷ rowids probed) by the block sample below, which corrects for deleted rowids.
//! - Sample: the whole table when the span fits in `sample_size`; otherwise up to 256 blocks of consecutive
//!   rowids at random positions across the span (one query; SQLite reads each block with a range seek), in rowid
//!   order. Blocks keep the read cheap but values clustered in rowid order are over-represented, as with
//!   PostgreSQL's `TABLESAMPLE SYSTEM`.
//! - `WITHOUT ROWID` tables (or tables with columns named `rowid`, `_rowid_` and `oid`): `count(*)` and the first
//!   `sample_size` rows in key order — exact count, but the sample is biased towards low keys.

use super::collect::{self, Source, as_f64};
use super::model::TableStats;
use super::sample::Rng;
use crate::catalog::Table;
use crate::error::{Error, Result};
use serde_json::Value;

/// Blocks read at most per sampled table (SQLite allows 500 terms in a compound WHERE comfortably).
const MAX_BLOCKS: u64 = 256;
/// Spans up to this many times `sample_size` are counted exactly.
const EXACT_COUNT_FACTOR: u64 = 10;

pub(super) async fn collect(source: &Source<'_>, table: &Table, now_ms: i64, timeout_ms: u64) -> Result<TableStats> {
    let options = source.options;
    let t = source.dialect.quote_table(&table.name);
    let select = source.select_list(table);
    let sample_rows = options.sample_rows;
    let max_rows = usize::try_from(sample_rows).unwrap_or(usize::MAX);

    let rowid = ["rowid", "_rowid_", "oid"].into_iter().find(|alias| table.column(alias).is_none());
    let span = match rowid {
        Some(rowid) => {
            let sql = format!("SELECT min({rowid}) AS lo, max({rowid}) AS hi FROM {t}");
            match source.run(&sql, 1, timeout_ms).await {
                Ok(rows) => {
                    let bound = |i: usize| rows.rows.first().and_then(|r| r.get(i)).and_then(Value::as_i64);
                    Some((bound(0), bound(1)))
                }
                // `WITHOUT ROWID` tables have no rowid column.
                Err(Error::InvalidSql(_)) => None,
                Err(e) => return Err(e),
            }
        }
        None => None,
    };

    let (rows, row_count, exact, whole) = match (rowid, span) {
        (Some(_), Some((None, _) | (_, None))) => (vec![], 0.0, true, true),
        (Some(rowid), Some((Some(lo), Some(hi)))) => {
            let span = u64::try_from(hi.saturating_sub(lo)).unwrap_or(0).saturating_add(1);
            let counted = if options.exact || span <= sample_rows.saturating_mul(EXACT_COUNT_FACTOR) {
                Some(count(source, &t, timeout_ms).await?)
            } else {
                None
            };
            if span <= sample_rows {
                let sql = format!("SELECT {select} FROM {t} ORDER BY {rowid}");
                let rows = source.run(&sql, max_rows, timeout_ms).await?.rows;
                let n = rows.len() as f64;
                (rows, counted.unwrap_or(n), true, true)
            } else {
                let mut rng = Rng::new(&table.name, now_ms);
                let blocks = MAX_BLOCKS.min(sample_rows);
                let block_len = sample_rows.div_ceil(blocks);
                let slots = rng.distinct(span / block_len, blocks);
                let ranges: Vec<String> = slots
                    .iter()
                    .map(|slot| {
                        let start = lo.saturating_add(i64::try_from(slot * block_len).unwrap_or(i64::MAX));
                        let end = start.saturating_add(i64::try_from(block_len - 1).unwrap_or(0));
                        format!("{rowid} BETWEEN {start} AND {end}")
                    })
                    .collect();
                let sql = format!("SELECT {select} FROM {t} WHERE {} ORDER BY {rowid}", ranges.join(" OR "));
                let probed = (slots.len() as u64 * block_len).max(1);
                let rows = source.run(&sql, usize::try_from(probed).unwrap_or(usize::MAX), timeout_ms).await?.rows;
                let estimate = (span as f64 * rows.len() as f64 / probed as f64).round();
                match counted {
                    Some(n) => (rows, n, true, false),
                    None => (rows, estimate, false, false),
                }
            }
        }
        _ => {
            let n = count(source, &t, timeout_ms).await?;
            let rows = source.run(&format!("SELECT {select} FROM {t}"), max_rows, timeout_ms).await?.rows;
            let whole = rows.len() as f64 >= n;
            (rows, n, true, whole)
        }
    };

    let mut columns = collect::sampled_columns(table, &rows, row_count, &options);
    if options.exact && !whole {
        collect::exact_columns(source, table, row_count, &mut columns, timeout_ms).await?;
    }
    Ok(TableStats {
        table: table.name.clone(),
        row_count,
        size_bytes: None,
        refreshed_at_ms: now_ms,
        modifications: None,
        exact,
        columns,
        sample: Some(collect::row_sample(table, &rows, &options)),
    })
}

async fn count(source: &Source<'_>, table: &str, timeout_ms: u64) -> Result<f64> {
    let rows = source.run(&format!("SELECT count(*) AS n FROM {table}"), 1, timeout_ms).await?;
    rows.rows
        .first()
        .and_then(|r| r.first())
        .and_then(as_f64)
        .ok_or_else(|| Error::Database(format!("count(*) of {table} returned no number")))
}
