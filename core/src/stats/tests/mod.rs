//! Tests of the statistics: pure functions with known data, and the refresh manager with the in-memory store, a
//! manual clock and a fake [`SqlSource`] that runs the core's SQL on an in-memory SQLite database (so the real
//! collection SQL is exercised) and can be switched off to play an unreachable database.
#![allow(clippy::unwrap_used, clippy::panic)]

mod collect;
mod pgarray;
mod refresh;
mod sample;

use crate::Config;
use crate::api::RegisterRequest;
use crate::databases;
use crate::error::{Error, Result};
use crate::memory::{ManualClock, MemoryStore};
use crate::port;
use crate::ports::{NoHttp, Ports, QueryOptions, Rows, SqlSource};
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Start of every test's clock.
pub(super) const T0: i64 = 1_800_000_000_000;

/// A [`SqlSource`] over one in-memory SQLite database.
pub(super) struct FakeSql {
    db: Mutex<Connection>,
    clock: Arc<ManualClock>,
    /// When true every query fails like an unreachable server.
    pub(super) down: AtomicBool,
    /// Milliseconds every query takes on the manual clock.
    pub(super) query_ms: AtomicI64,
    /// Queries run so far.
    pub(super) queries: AtomicUsize,
}

impl FakeSql {
    pub(super) fn new(setup: &str, clock: Arc<ManualClock>) -> Self {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(setup).unwrap();
        Self {
            db: Mutex::new(db),
            clock,
            down: AtomicBool::new(false),
            query_ms: AtomicI64::new(0),
            queries: AtomicUsize::new(0),
        }
    }

    pub(super) fn execute(&self, sql: &str) {
        self.db.lock().unwrap().execute_batch(sql).unwrap();
    }
}

port! {
impl SqlSource for FakeSql {
    async fn query(&self, _connection: &str, sql: &str, options: QueryOptions) -> Result<Rows> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        self.clock.advance(self.query_ms.load(Ordering::SeqCst));
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::Database("cannot connect: connection refused".into()));
        }
        let db = self.db.lock().unwrap();
        let mut statement = db.prepare(sql).map_err(|e| Error::InvalidSql(e.to_string()))?;
        let columns: Vec<String> = statement.column_names().into_iter().map(str::to_owned).collect();
        let width = columns.len();
        let mut out = Rows { columns, rows: vec![], truncated: false };
        let mut rows = statement.query([]).map_err(|e| Error::InvalidSql(e.to_string()))?;
        while let Some(row) = rows.next().map_err(|e| Error::InvalidSql(e.to_string()))? {
            if out.rows.len() == options.max_rows {
                out.truncated = true;
                break;
            }
            out.rows.push((0..width).map(|i| value(row.get_ref(i).unwrap())).collect());
        }
        Ok(out)
    }
}
}

fn value(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned().into(),
    }
}

/// A store, a clock, a fake database and a configuration, with `ports()` to run the core against them.
pub(super) struct World {
    pub(super) config: Config,
    pub(super) store: MemoryStore,
    pub(super) clock: Arc<ManualClock>,
    pub(super) sql: FakeSql,
}

impl World {
    pub(super) fn new(setup: &str) -> Self {
        let clock = Arc::new(ManualClock::new(T0));
        Self {
            config: Config::default(),
            store: MemoryStore::new(clock.clone()),
            sql: FakeSql::new(setup, clock.clone()),
            clock,
        }
    }

    pub(super) fn ports(&self) -> Ports<'_> {
        Ports {
            config: &self.config,
            store: &self.store,
            http: &NoHttp,
            clock: self.clock.as_ref(),
            sql: &self.sql,
            started_at_ms: T0,
        }
    }

    /// Registers the fake database as `name` (SQLite, connection `fake`).
    pub(super) fn register(&self, name: &str) {
        let request = RegisterRequest { dialect: "sqlite".into(), connection: Some("fake".into()), ddl: None };
        block_on(databases::register(&self.ports(), "default", name, &request)).unwrap();
    }
}

pub(super) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

/// SQL creating `name` with `rows` rows: `id` 1.., `g` = id mod 25, `label` 'item <id>', `note` NULL every 4th.
pub(super) fn table_sql(name: &str, rows: u32) -> String {
    format!(
        "CREATE TABLE {name} (id INTEGER PRIMARY KEY, g INTEGER, label TEXT, note TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO {name} SELECT i, i % 25, 'item ' || i, CASE WHEN i % 4 = 0 THEN NULL ELSE 'x' END FROM n;"
    )
}
