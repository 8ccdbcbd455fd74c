//! Running SQL on a Spider SQLite file (read-only): the [`SqlSource`] the sample values are collected through,
//! and execution accuracy — predicted and gold rows compared as multisets (as sequences when the gold query
//! orders them), values normalised, columns matched in any order.

use nl2sql_core::ports::{QueryOptions, Rows, SqlSource};
use nl2sql_core::{Error, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Statements running longer are interrupted (and count as wrong).
const TIMEOUT: Duration = Duration::from_secs(10);
/// Widest results whose columns are matched in every order.
const PERMUTE: usize = 5;

/// One SQLite file, opened read-only.
pub(crate) struct FileSql {
    conn: Mutex<Connection>,
}

impl FileSql {
    pub(crate) fn open(path: &Path) -> anyhow::Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    /// Every row of `sql` as normalised text, or the error.
    pub(crate) fn rows(&self, sql: &str) -> std::result::Result<Vec<Vec<String>>, String> {
        let conn = self.conn.lock().map_err(|_| "connection poisoned".to_owned())?;
        let deadline = Instant::now() + TIMEOUT;
        conn.progress_handler(10_000, Some(move || Instant::now() > deadline));
        let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
        let width = stmt.column_count();
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let values = (0..width).map(|i| row.get_ref(i).map(text)).collect::<rusqlite::Result<Vec<_>>>();
            out.push(values.map_err(|e| e.to_string())?);
        }
        Ok(out)
    }
}

#[async_trait::async_trait]
impl SqlSource for FileSql {
    async fn query(&self, _connection: &str, sql: &str, options: QueryOptions) -> Result<Rows> {
        let conn = self.conn.lock().map_err(|_| Error::Internal("connection poisoned".into()))?;
        let mut stmt = conn.prepare(sql).map_err(|e| Error::InvalidSql(e.to_string()))?;
        let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
        let mut rows = stmt.query([]).map_err(|e| Error::Database(e.to_string()))?;
        let mut out = Rows { columns, rows: Vec::new(), truncated: false };
        while let Some(row) = rows.next().map_err(|e| Error::Database(e.to_string()))? {
            if out.rows.len() == options.max_rows {
                out.truncated = true;
                break;
            }
            let values = (0..out.columns.len())
                .map(|i| row.get_ref(i).map(|v| serde_json::Value::String(text(v))))
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| Error::Database(e.to_string()))?;
            out.rows.push(values);
        }
        Ok(out)
    }
}

/// A value as comparable text: whole reals as integers, other reals to six decimals.
fn text(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => "NULL".to_owned(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        ValueRef::Real(f) => format!("{f:.6}"),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => format!("<blob {} bytes>", b.len()),
    }
}

/// Whether `predicted` returns the rows of `gold`; any error is a mismatch.
pub(crate) fn same_result(db: &FileSql, gold: &str, predicted: &str, ordered: bool) -> bool {
    let (Ok(expected), Ok(actual)) = (db.rows(gold), db.rows(predicted)) else { return false };
    if expected.len() != actual.len() {
        return false;
    }
    let width = expected.first().map_or(0, Vec::len);
    if actual.first().map_or(0, Vec::len) != width {
        return expected.is_empty();
    }
    let same = |order: &[usize]| {
        let mut permuted: Vec<Vec<String>> =
            actual.iter().map(|row| order.iter().map(|&i| row[i].clone()).collect()).collect();
        let mut wanted = expected.clone();
        if !ordered {
            permuted.sort();
            wanted.sort();
        }
        permuted == wanted
    };
    let identity: Vec<usize> = (0..width).collect();
    same(&identity) || (width <= PERMUTE && permutations(width).iter().any(|p| same(p)))
}

/// Every order of `0..n`.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for rest in permutations(n - 1) {
        for at in 0..=rest.len() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_compare_as_multisets_in_any_column_order() {
        let path = std::env::temp_dir().join(format!("nl2sql-eval-{}.sqlite", std::process::id()));
        {
            let conn = Connection::open(&path).expect("temp db opens");
            conn.execute_batch("CREATE TABLE t(a INTEGER, b TEXT); INSERT INTO t VALUES (1,'x'),(2,'y'),(2,'y');")
                .expect("fixture loads");
        }
        let db = FileSql::open(&path).expect("opens read-only");
        assert!(same_result(&db, "SELECT a, b FROM t", "SELECT b, a FROM t ORDER BY a DESC", false));
        assert!(!same_result(&db, "SELECT a FROM t ORDER BY a", "SELECT a FROM t ORDER BY a DESC", true));
        assert!(!same_result(&db, "SELECT DISTINCT a FROM t", "SELECT a FROM t", false));
        assert!(!same_result(&db, "SELECT a FROM t", "SELECT nope FROM t", false));
        assert!(db.rows("DELETE FROM t").is_err());
        drop(db);
        let _ = std::fs::remove_file(&path);
    }
}
