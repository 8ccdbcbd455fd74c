//! Live introspection through [`SqlSource`]: the core owns the SQL per dialect and the parsing of its rows;
//! adapters only carry rows.

mod postgres;
mod sqlite;

use crate::catalog::{Catalog, Dialect, Samples, TypeClass};
use crate::error::{Error, Result};
use crate::ports::{QueryOptions, Rows, SqlSource};

/// Rows fetched at most by one introspection query.
const META_ROWS: usize = 1_000_000;

/// Reads the catalog of the database behind `connection`.
pub async fn catalog(sql: &dyn SqlSource, connection: &str, dialect: Dialect) -> Result<Catalog> {
    match dialect {
        Dialect::Sqlite => sqlite::catalog(sql, connection).await,
        Dialect::Postgres => postgres::catalog(sql, connection).await,
        other => Err(Error::bad_request(
            "unsupported_dialect",
            format!("live introspection of {other:?} databases is not supported yet; register by DDL"),
        )),
    }
}

/// Collects up to `per_column` most common values of every text column, scanning at most `sample_rows`
/// rows per table, for matching literals in questions.
pub async fn samples(
    sql: &dyn SqlSource,
    connection: &str,
    catalog: &Catalog,
    sample_rows: u64,
    per_column: usize,
) -> Result<Samples> {
    let mut out = Samples::new();
    let q = |ident: &str| catalog.dialect.quote(ident);
    for table in &catalog.tables {
        for column in table.columns.iter().filter(|c| c.class() == TypeClass::Text) {
            let (t, c) = (catalog.dialect.quote_table(&table.name), q(&column.name));
            let text = format!(
                "SELECT {c} AS v, COUNT(*) AS n FROM (SELECT {c} FROM {t} LIMIT {sample_rows}) s \
                 WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY n DESC, v LIMIT {per_column}"
            );
            let rows = run(sql, connection, &text).await?;
            let values: Vec<String> = rows
                .rows
                .iter()
                .filter_map(|r| r.first().and_then(|v| v.as_str()))
                .filter(|v| !v.is_empty() && v.chars().count() <= 80)
                .map(str::to_owned)
                .collect();
            if !values.is_empty() {
                out.entry(table.name.clone()).or_default().insert(column.name.clone(), values);
            }
        }
    }
    Ok(out)
}

async fn run(sql: &dyn SqlSource, connection: &str, text: &str) -> Result<Rows> {
    sql.query(connection, text, QueryOptions { max_rows: META_ROWS, timeout_ms: 30_000 }).await
}

/// Column `name` of `row` as text (NULL and missing are `None`).
fn text(rows: &Rows, row: &[serde_json::Value], name: &str) -> Option<String> {
    let i = rows.columns.iter().position(|c| c == name)?;
    match row.get(i)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Column `name` of `row` as an integer (0 when missing or not a number).
fn int(rows: &Rows, row: &[serde_json::Value], name: &str) -> i64 {
    let Some(i) = rows.columns.iter().position(|c| c == name) else { return 0 };
    match row.get(i) {
        Some(serde_json::Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(serde_json::Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    }
}
