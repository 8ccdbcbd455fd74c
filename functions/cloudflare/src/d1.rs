//! The `SqlSource` on Cloudflare D1: a registered connection name is the name of a D1 binding of the Worker
//! (`[[d1_databases]] binding = "SHOP"` in `wrangler.toml`, registered as `{"dialect": "sqlite",
//! "connection": "SHOP"}`). D1 is SQLite, so the core's SQLite introspection and statistics run unchanged.
//!
//! Only statements [`crate::readonly::check`] accepts are sent (D1 has no read-only mode). D1 returns the
//! whole result, which is then cut to `max_rows`; a statement still running after `timeout_ms` is abandoned
//! (D1 stops it at its own 30 s limit).

use crate::readonly;
use futures_util::future::{Either, select};
use nl2sql_core::ports::{QueryOptions, Rows, SqlSource};
use nl2sql_core::{Error, Result, port};
use serde_json::Value;
use std::pin::pin;
use std::time::Duration;
use worker::js_sys::{self, Function, Object, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{D1Database, Delay, Env};

/// Resolves connection names to the Worker's D1 bindings.
pub struct D1Sql {
    env: Env,
}

impl D1Sql {
    /// Connections resolve through `env`'s bindings.
    pub fn new(env: Env) -> Self {
        Self { env }
    }
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unknown D1 error".into())
}

/// Runs `sql` with D1's `raw({columnNames: true})`: the column names, then one array per row.
async fn raw(db: &D1Database, sql: &str) -> Result<Vec<Vec<Value>>> {
    let statement = db.prepare(sql);
    let call = || -> std::result::Result<Promise, JsValue> {
        let raw: Function = Reflect::get(statement.inner(), &"raw".into())?.dyn_into()?;
        let options = Object::new();
        Reflect::set(&options, &"columnNames".into(), &JsValue::TRUE)?;
        raw.call1(statement.inner(), &options)?.dyn_into()
    };
    let promise = call().map_err(|e| Error::Database(format!("D1: {}", js_message(&e))))?;
    let result = JsFuture::from(promise).await.map_err(|e| {
        let message = js_message(&e);
        // D1 prefixes the errors of the statement itself with D1_ERROR and SQLite's code.
        if message.contains("SQLITE_") { Error::InvalidSql(message) } else { Error::Database(format!("D1: {message}")) }
    })?;
    let json = js_sys::JSON::stringify(&result).map(String::from).unwrap_or_default();
    serde_json::from_str(&json).map_err(|e| Error::Database(format!("D1 returned an unreadable result: {e}")))
}

port! {
impl SqlSource for D1Sql {
    async fn query(&self, connection: &str, sql: &str, options: QueryOptions) -> Result<Rows> {
        readonly::check(sql)?;
        let db = self.env.d1(connection).map_err(|_| {
            Error::bad_request(
                "unknown_connection",
                format!("connection `{connection}` is not a D1 binding of this Worker (see docs/cloudflare.md)"),
            )
        })?;
        let run = raw(&db, sql);
        let result = match select(pin!(run), pin!(Delay::from(Duration::from_millis(options.timeout_ms)))).await {
            Either::Left((result, _)) => result?,
            Either::Right(((), _)) => {
                return Err(Error::Database(format!("statement timed out after {} ms", options.timeout_ms)));
            }
        };
        let mut rows = result.into_iter();
        let columns = rows
            .next()
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.as_str().map_or_else(|| c.to_string(), str::to_owned))
            .collect();
        let mut out = Rows { columns, rows: Vec::new(), truncated: false };
        for row in rows {
            if out.rows.len() == options.max_rows {
                out.truncated = true;
                break;
            }
            out.rows.push(row.into_iter().map(readonly::cell).collect());
        }
        Ok(out)
    }
}
}
