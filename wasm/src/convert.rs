//! The catalog and table statistics read from parsed JSON by hand.
//!
//! Why not serde's derived deserialisers: each derived struct compiles a map visitor, a sequence visitor and a
//! field matcher for serde_json's reader, about 15 KB gzipped for these two types, a quarter of what the
//! package had to lose to fit its budget (`docs/wasm.md`). The JSON is first read into a `serde_json::Value`
//! (whose reader the options need anyway) and walked here; the result is the same as serde's
//! (`tests.rs` compares them), unknown fields are ignored as serde ignores them, and errors name the path.

use nl2sql_core::catalog::{Catalog, Column, Dialect, ForeignKey, Index, Table};
use nl2sql_core::stats::model::{ColumnStats, RowSample, TableStats};
use serde_json::{Map, Value};

type Fields = Map<String, Value>;

/// A JSON object's fields, or an error naming `path`.
fn object(value: Value, path: &str) -> Result<Fields, String> {
    match value {
        Value::Object(fields) => Ok(fields),
        _ => Err(format!("{path} must be an object")),
    }
}

fn array(value: Value, path: &str) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(format!("{path} must be an array")),
    }
}

/// `fields[key]`, required.
fn take(fields: &mut Fields, key: &str, path: &str) -> Result<Value, String> {
    fields.remove(key).ok_or_else(|| format!("{path}.{key} is missing"))
}

/// `fields[key]`, absent or null being `None`.
fn optional(fields: &mut Fields, key: &str) -> Option<Value> {
    fields.remove(key).filter(|v| !v.is_null())
}

fn string(value: Value, path: &str) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(format!("{path} must be a string")),
    }
}

fn strings(value: Value, path: &str) -> Result<Vec<String>, String> {
    let items = array(value, path)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(string(item, path)?);
    }
    Ok(out)
}

fn number(value: &Value, path: &str) -> Result<f64, String> {
    value.as_f64().ok_or_else(|| format!("{path} must be a number"))
}

fn boolean(value: &Value, path: &str) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| format!("{path} must be true or false"))
}

fn required_string(fields: &mut Fields, key: &str, path: &str) -> Result<String, String> {
    string(take(fields, key, path)?, &format!("{path}.{key}"))
}

fn optional_string(fields: &mut Fields, key: &str, path: &str) -> Result<Option<String>, String> {
    match optional(fields, key) {
        Some(v) => string(v, &format!("{path}.{key}")).map(Some),
        None => Ok(None),
    }
}

/// The items of a list under `key` (empty when absent: serde's `#[serde(default)]`), with their paths.
fn list(fields: &mut Fields, key: &str, path: &str) -> Result<Vec<(String, Value)>, String> {
    let Some(value) = optional(fields, key) else { return Ok(Vec::new()) };
    let items = array(value, &format!("{path}.{key}"))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        out.push((format!("{path}.{key}[{i}]"), item));
    }
    Ok(out)
}

/// A required list of strings under `key`.
fn required_strings(fields: &mut Fields, key: &str, path: &str) -> Result<Vec<String>, String> {
    strings(take(fields, key, path)?, &format!("{path}.{key}"))
}

/// A list of strings under `key`, empty when absent.
fn optional_strings(fields: &mut Fields, key: &str, path: &str) -> Result<Vec<String>, String> {
    match optional(fields, key) {
        Some(v) => strings(v, &format!("{path}.{key}")),
        None => Ok(Vec::new()),
    }
}

/// A catalog (`{dialect, tables: [{name, columns, primary_key, foreign_keys, unique, indexes, comment}]}`).
pub(crate) fn catalog(value: Value) -> Result<Catalog, String> {
    let mut fields = object(value, "the catalog")?;
    let dialect = match required_string(&mut fields, "dialect", "catalog")?.as_str() {
        "sqlite" => Dialect::Sqlite,
        "postgres" => Dialect::Postgres,
        "mysql" => Dialect::Mysql,
        other => return Err(format!("catalog.dialect `{other}` is not sqlite, postgres or mysql")),
    };
    let mut tables = Vec::new();
    for (path, value) in list(&mut fields, "tables", "catalog")? {
        tables.push(table(value, &path)?);
    }
    Ok(Catalog { dialect, tables })
}

fn table(value: Value, path: &str) -> Result<Table, String> {
    let mut f = object(value, path)?;
    let name = required_string(&mut f, "name", path)?;
    let mut columns = Vec::new();
    for (p, v) in list(&mut f, "columns", path)? {
        let mut c = object(v, &p)?;
        columns.push(Column {
            name: required_string(&mut c, "name", &p)?,
            data_type: required_string(&mut c, "data_type", &p)?,
            nullable: boolean(&take(&mut c, "nullable", &p)?, &p)?,
            default: optional_string(&mut c, "default", &p)?,
            comment: optional_string(&mut c, "comment", &p)?,
        });
    }
    let primary_key = optional_strings(&mut f, "primary_key", path)?;
    let mut foreign_keys = Vec::new();
    for (p, v) in list(&mut f, "foreign_keys", path)? {
        let mut k = object(v, &p)?;
        foreign_keys.push(ForeignKey {
            columns: required_strings(&mut k, "columns", &p)?,
            ref_table: required_string(&mut k, "ref_table", &p)?,
            ref_columns: required_strings(&mut k, "ref_columns", &p)?,
        });
    }
    let mut unique = Vec::new();
    for (p, v) in list(&mut f, "unique", path)? {
        unique.push(strings(v, &p)?);
    }
    let mut indexes = Vec::new();
    for (p, v) in list(&mut f, "indexes", path)? {
        let mut x = object(v, &p)?;
        indexes.push(Index {
            name: required_string(&mut x, "name", &p)?,
            columns: required_strings(&mut x, "columns", &p)?,
            unique: boolean(&take(&mut x, "unique", &p)?, &p)?,
        });
    }
    let comment = optional_string(&mut f, "comment", path)?;
    Ok(Table { name, columns, primary_key, foreign_keys, unique, indexes, comment })
}

/// Table statistics: an array of `TableStats` (the `statistics` of `GET /api/nl2sql/statistics/tables/{t}`).
pub(crate) fn stats(value: Value) -> Result<Vec<TableStats>, String> {
    let items = array(value, "statistics")?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        out.push(table_stats(item, &format!("statistics[{i}]"))?);
    }
    Ok(out)
}

/// A number under `key`, `None` when absent or null.
fn optional_number(fields: &mut Fields, key: &str, path: &str) -> Result<Option<f64>, String> {
    match optional(fields, key) {
        Some(v) => number(&v, &format!("{path}.{key}")).map(Some),
        None => Ok(None),
    }
}

fn required_number(fields: &mut Fields, key: &str, path: &str) -> Result<f64, String> {
    number(&take(fields, key, path)?, &format!("{path}.{key}"))
}

/// A whole number under `key`.
fn whole(value: &Value, path: &str) -> Result<i64, String> {
    value.as_i64().ok_or_else(|| format!("{path} must be a whole number"))
}

/// The JSON values of a list under `key`, empty when absent.
fn values(fields: &mut Fields, key: &str, path: &str) -> Result<Vec<Value>, String> {
    match optional(fields, key) {
        Some(v) => array(v, &format!("{path}.{key}")),
        None => Ok(Vec::new()),
    }
}

fn table_stats(value: Value, path: &str) -> Result<TableStats, String> {
    let mut f = object(value, path)?;
    let table = required_string(&mut f, "table", path)?;
    let row_count = required_number(&mut f, "row_count", path)?;
    let size_bytes = match optional(&mut f, "size_bytes") {
        Some(v) => Some(u64::try_from(whole(&v, path)?).map_err(|_| format!("{path}.size_bytes is negative"))?),
        None => None,
    };
    let refreshed_at_ms = whole(&take(&mut f, "refreshed_at_ms", path)?, path)?;
    let modifications = optional_number(&mut f, "modifications", path)?;
    let exact = match optional(&mut f, "exact") {
        Some(v) => boolean(&v, path)?,
        None => false,
    };
    let mut columns = Vec::new();
    for (p, v) in list(&mut f, "columns", path)? {
        columns.push(column_stats(v, &p)?);
    }
    let sample = match optional(&mut f, "sample") {
        Some(v) => {
            let p = format!("{path}.sample");
            let mut s = object(v, &p)?;
            let columns = required_strings(&mut s, "columns", &p)?;
            let mut rows = Vec::new();
            for (rp, row) in list(&mut s, "rows", &p)? {
                rows.push(array(row, &rp)?);
            }
            Some(RowSample { columns, rows })
        }
        None => None,
    };
    Ok(TableStats { table, row_count, size_bytes, refreshed_at_ms, modifications, exact, columns, sample })
}

fn column_stats(value: Value, path: &str) -> Result<ColumnStats, String> {
    let mut f = object(value, path)?;
    let mut most_common_freqs = Vec::new();
    for v in values(&mut f, "most_common_freqs", path)? {
        most_common_freqs.push(number(&v, path)?);
    }
    Ok(ColumnStats {
        column: required_string(&mut f, "column", path)?,
        null_frac: required_number(&mut f, "null_frac", path)?,
        n_distinct: required_number(&mut f, "n_distinct", path)?,
        most_common_vals: values(&mut f, "most_common_vals", path)?,
        most_common_freqs,
        histogram_bounds: values(&mut f, "histogram_bounds", path)?,
        min: optional(&mut f, "min"),
        max: optional(&mut f, "max"),
        avg_width: required_number(&mut f, "avg_width", path)?,
        correlation: optional_number(&mut f, "correlation", path)?,
    })
}
