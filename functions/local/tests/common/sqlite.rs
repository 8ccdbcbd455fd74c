//! SQLite as a test `SqlSource`'s database: one statement's rows on a rusqlite connection, in the core's shape.

use nl2sql_core::ports::Rows;
use nl2sql_core::{Error, Result};
use rusqlite::Connection;
use rusqlite::types::ValueRef;

/// Runs `sql` on `db`: at most `max_rows` rows (`truncated` when there were more); text and blobs as strings.
pub(crate) fn rows(db: &Connection, sql: &str, max_rows: usize) -> Result<Rows> {
    let mut statement = db.prepare(sql).map_err(|e| Error::InvalidSql(e.to_string()))?;
    let columns: Vec<String> = statement.column_names().into_iter().map(str::to_owned).collect();
    let width = columns.len();
    let mut out = Rows { columns, rows: Vec::new(), truncated: false };
    let mut rows = statement.query([]).map_err(|e| Error::InvalidSql(e.to_string()))?;
    while let Some(row) = rows.next().map_err(|e| Error::Database(e.to_string()))? {
        if out.rows.len() == max_rows {
            out.truncated = true;
            break;
        }
        let value = |i: usize| match row.get_ref(i) {
            Ok(ValueRef::Integer(n)) => n.into(),
            Ok(ValueRef::Real(x)) => x.into(),
            Ok(ValueRef::Text(t) | ValueRef::Blob(t)) => String::from_utf8_lossy(t).into_owned().into(),
            Ok(ValueRef::Null) | Err(_) => serde_json::Value::Null,
        };
        out.rows.push((0..width).map(value).collect());
    }
    Ok(out)
}
