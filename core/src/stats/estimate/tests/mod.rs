//! Estimator tests with hand-built statistics, each checked against PostgreSQL's formula worked by hand.
#![allow(clippy::unwrap_used, clippy::panic)]

mod columns;
mod compound;
mod parts;
mod statements;

use super::{Estimator, Scope};
use crate::stats::model::{ColumnStats, RowSample, TableStats};
use serde_json::{Value, json};
use sqlparser::ast::Expr;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

/// Column statistics: null fraction, distinct count, MCVs and histogram bounds.
fn column(name: &str, null_frac: f64, n_distinct: f64, mcv: &[(Value, f64)], hist: &[Value]) -> ColumnStats {
    ColumnStats {
        column: name.into(),
        null_frac,
        n_distinct,
        most_common_vals: mcv.iter().map(|(v, _)| v.clone()).collect(),
        most_common_freqs: mcv.iter().map(|(_, f)| *f).collect(),
        histogram_bounds: hist.to_vec(),
        min: None,
        max: None,
        avg_width: 4.0,
        correlation: None,
    }
}

/// A table of `rows` rows with `columns` and an optional sample.
fn table(name: &str, rows: f64, columns: Vec<ColumnStats>, sample: Option<RowSample>) -> TableStats {
    TableStats {
        table: name.into(),
        row_count: rows,
        size_bytes: None,
        refreshed_at_ms: 0,
        modifications: None,
        exact: false,
        columns,
        sample,
    }
}

/// A sample with `columns` and `rows`.
fn sample(columns: &[&str], rows: Vec<Vec<Value>>) -> Option<RowSample> {
    Some(RowSample { columns: columns.iter().map(|c| (*c).to_owned()).collect(), rows })
}

/// `n` copies of `row`.
fn repeat(row: Vec<Value>, n: usize) -> Vec<Vec<Value>> {
    std::iter::repeat_n(row, n).collect()
}

/// Integer histogram bounds 0, 10, ..., 100.
fn tens() -> Vec<Value> {
    (0..=10).map(|i| json!(i * 10)).collect()
}

fn expr(sql: &str) -> Expr {
    Parser::new(&PostgreSqlDialect {}).try_with_sql(sql).unwrap().parse_expr().unwrap()
}

/// Selectivity of `sql` over the single table `name` of `stats`.
fn sel(stats: &[TableStats], name: &str, sql: &str) -> f64 {
    Estimator::new(stats).selectivity(&expr(sql), &Scope::table(name))
}

#[track_caller]
fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9 * expected.abs().max(1.0), "{actual} != {expected}");
}
