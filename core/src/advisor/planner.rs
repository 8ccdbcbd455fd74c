//! PostgreSQL's cost formulas (`costsize.c`, `btcostestimate`) with its default settings, implemented from
//! their description, and the index keys a table has.

use super::cost::{Key, TableInfo};
use crate::catalog::{Dialect, Table};
use crate::stats::model::TableStats;

pub(super) const SEQ_PAGE_COST: f64 = 1.0;
pub(super) const RANDOM_PAGE_COST: f64 = 4.0;
pub(super) const CPU_TUPLE_COST: f64 = 0.01;
pub(super) const CPU_INDEX_TUPLE_COST: f64 = 0.005;
pub(super) const CPU_OPERATOR_COST: f64 = 0.0025;
/// Usable bytes of an 8 KB page.
pub(super) const PAGE_BYTES: f64 = 8168.0;
/// Bytes of an index entry beyond its key (tuple header, item pointer, alignment).
pub(super) const INDEX_ENTRY_OVERHEAD: f64 = 16.0;

/// Cost of reading every page and checking every row.
pub(super) fn seq_cost(info: &TableInfo<'_>) -> f64 {
    info.pages * SEQ_PAGE_COST + info.rows * (CPU_TUPLE_COST + CPU_OPERATOR_COST * info.filters.len() as f64)
}

/// Cost of descending a B-tree once (PostgreSQL's `btcostestimate` charge).
pub(super) fn descent_cost(rows: f64) -> f64 {
    (rows.max(2.0).log2().ceil() + 50.0 * 3.0) * CPU_OPERATOR_COST
}

/// Cost of fetching `tuples` rows of `info`'s table through index `key`: index pages and entries, heap pages
/// (Mackert-Lohman for random fetches, interpolated by the correlation squared towards a sequential range) or
/// a bitmap heap scan, whichever is cheaper, and the remaining conditions per row.
pub(super) fn index_cost(info: &TableInfo<'_>, tuples: f64, corr: f64, quals: usize, key: &Key<'_>) -> f64 {
    let tuples = tuples.clamp(1.0, info.rows.max(1.0));
    let sel = tuples / info.rows.max(1.0);
    let key_width = 8.0 * key.parts.len() as f64;
    let index_pages = (info.rows * (key_width + INDEX_ENTRY_OVERHEAD) / PAGE_BYTES).ceil().max(1.0);
    let index = descent_cost(info.rows)
        + (sel * index_pages).ceil() * RANDOM_PAGE_COST
        + tuples * (CPU_INDEX_TUPLE_COST + CPU_OPERATOR_COST);
    let cpu = tuples * (CPU_TUPLE_COST + CPU_OPERATOR_COST * quals as f64);
    let fetched = pages_fetched(tuples, info.pages);
    let max_io = fetched * RANDOM_PAGE_COST;
    let min_io = RANDOM_PAGE_COST + ((sel * info.pages).ceil().max(1.0) - 1.0) * SEQ_PAGE_COST;
    let plain = index + max_io + corr * corr * (min_io - max_io) + cpu;
    let per_page = if fetched >= 2.0 {
        RANDOM_PAGE_COST - (RANDOM_PAGE_COST - SEQ_PAGE_COST) * (fetched / info.pages).sqrt()
    } else {
        RANDOM_PAGE_COST
    };
    let bitmap = index + fetched * per_page + cpu + tuples * CPU_OPERATOR_COST;
    plain.min(bitmap)
}

/// Heap pages touched fetching `tuples` random rows of `pages` pages (Mackert-Lohman, cache larger than the
/// table).
fn pages_fetched(tuples: f64, pages: f64) -> f64 {
    ((2.0 * pages * tuples) / (2.0 * pages + tuples)).min(pages).ceil().max(1.0)
}

/// `|correlation|` of `column` from the statistics (0 when unknown: random order, the pessimistic case).
pub(super) fn correlation(stats: Option<&TableStats>, column: &str) -> f64 {
    stats.and_then(|s| s.column(column)).and_then(|c| c.correlation).map_or(0.0, f64::abs)
}

/// Bytes of a row's data: the statistics' average widths, else 16 bytes a column. Tables large enough for the
/// width to matter have column statistics (collection skips them only below `min_table_size` rows).
pub(super) fn row_width(table: Option<&Table>, stats: Option<&TableStats>) -> f64 {
    match (stats.filter(|s| !s.columns.is_empty()), table) {
        (Some(stats), _) => stats.columns.iter().map(|c| c.avg_width.max(1.0)).sum(),
        (None, Some(t)) => 16.0 * t.columns.len() as f64,
        (None, None) => 100.0,
    }
}

/// The index keys a table has: its primary key, unique constraints, indexes and (MySQL, which indexes them
/// itself) its foreign keys.
pub(super) fn existing_keys(table: &Table, dialect: Dialect) -> Vec<Key<'_>> {
    fn parts(columns: &[String]) -> Vec<&str> {
        columns.iter().map(String::as_str).collect()
    }
    let mut keys = Vec::new();
    if !table.primary_key.is_empty() {
        let name = format!("{}_pkey", table.name).into();
        keys.push(Key { name, parts: parts(&table.primary_key), unique: true });
    }
    for (i, columns) in table.unique.iter().enumerate() {
        let name = format!("{}_unique_{}", table.name, i + 1).into();
        keys.push(Key { name, parts: parts(columns), unique: true });
    }
    for index in &table.indexes {
        keys.push(Key { name: index.name.as_str().into(), parts: parts(&index.columns), unique: index.unique });
    }
    if dialect == Dialect::Mysql {
        for fk in &table.foreign_keys {
            let name = format!("{}_fk_{}", table.name, fk.columns.join("_")).into();
            keys.push(Key { name, parts: parts(&fk.columns), unique: false });
        }
    }
    keys
}

/// Whether `parts` starts with `prefix` (names compared ignoring case).
pub(super) fn starts_with(parts: &[&str], prefix: &[String]) -> bool {
    parts.len() >= prefix.len() && parts.iter().zip(prefix).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// Whether two key parts name the same column (ignoring case) or the same expression ([`normalize`]).
pub(super) fn same_part(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || ((a.contains('(') || b.contains('(')) && normalize(a) == normalize(b))
}

/// An expression's text reduced for comparison: lower case, no spaces, quotes, parentheses or `::text` casts
/// (PostgreSQL prints `lower((email)::text)` for `lower(email)`).
fn normalize(text: &str) -> String {
    let lowered = text.to_ascii_lowercase().replace("::text", "").replace("::character varying", "");
    lowered.chars().filter(|c| !c.is_whitespace() && !matches!(c, '"' | '`' | '(' | ')')).collect()
}
