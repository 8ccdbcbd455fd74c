//! The read-only gate of the D1 `SqlSource`, and D1's values as the rows the core reads. Platform-free.
//!
//! D1 has no read-only connection, transaction or `query_only` pragma a Worker may set, so the adapter only
//! sends statements that parse (SQLite dialect) as exactly one query whose body reads: `SELECT`, `VALUES`,
//! set operations and `WITH` over them. Everything the core sends (introspection through the table-valued
//! `pragma_*` functions, statistics samples, translated SQL) has that shape.

use nl2sql_core::{Error, Result};
use serde_json::Value;
use sqlparser::ast::{SetExpr, Statement};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// Checks that `sql` is one read-only query; anything else is [`Error::UnsafeSql`] (or [`Error::InvalidSql`]
/// when it does not parse).
pub fn check(sql: &str) -> Result<()> {
    let statements = Parser::parse_sql(&SQLiteDialect {}, sql)
        .map_err(|e| Error::InvalidSql(format!("D1 runs only statements it can check as read-only: {e}")))?;
    match statements.as_slice() {
        [Statement::Query(query)] if reads(&query.body) => Ok(()),
        [_] => Err(Error::UnsafeSql("only read-only queries may run on D1".into())),
        _ => Err(Error::UnsafeSql(format!("exactly one statement may run, not {}", statements.len()))),
    }
}

fn reads(body: &SetExpr) -> bool {
    match body {
        SetExpr::Select(_) | SetExpr::Values(_) | SetExpr::Table(_) => true,
        SetExpr::Query(query) => reads(&query.body),
        SetExpr::SetOperation { left, right, .. } => reads(left) && reads(right),
        _ => false,
    }
}

/// One D1 cell as the JSON value the core expects: D1 hands BLOBs back as arrays of bytes, which become
/// `"<blob N bytes>"` as on the local SQLite adapter; everything else is already JSON.
pub fn cell(value: Value) -> Value {
    match value {
        Value::Array(bytes) => Value::String(format!("<blob {} bytes>", bytes.len())),
        Value::Object(_) => Value::String("<blob>".into()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn queries_pass() {
        for sql in [
            "SELECT count(*) FROM albums LIMIT 1",
            "WITH t AS (SELECT 1 AS x) SELECT x FROM t UNION ALL SELECT 2",
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p ORDER BY 1",
            "SELECT min(rowid) AS lo, max(rowid) AS hi FROM \"Track\"",
            "VALUES (1), (2)",
            "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name",
        ] {
            check(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }

    #[test]
    fn writes_and_batches_are_refused() {
        for sql in [
            "DELETE FROM albums",
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET x = 1",
            "DROP TABLE t",
            "PRAGMA writable_schema = 1",
            "CREATE TABLE x (a)",
            "SELECT 1; DELETE FROM t",
            "ATTACH DATABASE 'x' AS y",
        ] {
            let err = check(sql).expect_err(sql);
            assert!(matches!(err, Error::UnsafeSql(_)), "{sql}: {err:?}");
        }
        assert!(matches!(check("SELEC 1"), Err(Error::InvalidSql(_))));
    }

    #[test]
    fn blobs_become_placeholders() {
        assert_eq!(cell(json!([1, 2, 3])), json!("<blob 3 bytes>"));
        assert_eq!(cell(json!(42)), json!(42));
        assert_eq!(cell(json!("x")), json!("x"));
        assert_eq!(cell(Value::Null), Value::Null);
    }
}
