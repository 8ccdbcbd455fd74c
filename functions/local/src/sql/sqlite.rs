//! SQLite through rusqlite: the file opened read-only with `query_only`, statements SQLite does not call
//! read-only refused, rows capped and long statements interrupted.

use nl2sql_core::ports::{QueryOptions, Rows};
use nl2sql_core::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::{Duration, Instant};

pub(super) fn run(path: &Path, sql: &str, options: QueryOptions) -> Result<Rows> {
    if !path.exists() {
        return Err(Error::Database(format!("SQLite file {} does not exist", path.display())));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| Error::Database(e.to_string()))?;
    conn.pragma_update(None, "query_only", true).map_err(|e| Error::Database(e.to_string()))?;
    let deadline = Instant::now() + Duration::from_millis(options.timeout_ms);
    conn.progress_handler(10_000, Some(move || Instant::now() > deadline));

    let mut stmt = conn.prepare(sql).map_err(|e| Error::InvalidSql(e.to_string()))?;
    if !stmt.readonly() {
        return Err(Error::UnsafeSql("only read-only statements may run".into()));
    }
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let mut rows = stmt.query([]).map_err(|e| Error::InvalidSql(e.to_string()))?;
    let mut out = Rows { columns, rows: Vec::new(), truncated: false };
    loop {
        let row = match rows.next() {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::OperationInterrupted => {
                return Err(Error::Database(format!("statement timed out after {} ms", options.timeout_ms)));
            }
            Err(e) => return Err(Error::InvalidSql(e.to_string())),
        };
        if out.rows.len() == options.max_rows {
            out.truncated = true;
            break;
        }
        let values = (0..out.columns.len())
            .map(|i| row.get_ref(i).map(json_value))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| Error::Database(e.to_string()))?;
        out.rows.push(values);
    }
    Ok(out)
}

fn json_value(value: ValueRef<'_>) -> serde_json::Value {
    match value {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => format!("<blob {} bytes>", b.len()).into(),
    }
}
