//! The core's statistics collection and refresh manager against real SQLite: the in-memory store, a manual
//! clock and a [`SqlSource`] that runs the core's SQL on an in-memory SQLite database (so the real collection SQL
//! is exercised) and can be switched off to play an unreachable database. Here rather than in the core, which
//! names no database driver, not even for its tests.
#![allow(clippy::unwrap_used, clippy::panic)]

#[path = "stats_sqlite/collect.rs"]
mod collect;
mod common;
#[path = "stats_sqlite/refresh.rs"]
mod refresh;

use nl2sql_core::api::RegisterRequest;
use nl2sql_core::memory::{self, ManualClock, MemoryStore};
use nl2sql_core::ports::{Ports, QueryOptions, Rows, SqlSource};
use nl2sql_core::{Config, Error, Result, databases, port};
use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Start of every test's clock.
pub(crate) const T0: i64 = 1_800_000_000_000;

/// A [`SqlSource`] over one in-memory SQLite database.
pub(crate) struct FakeSql {
    db: Mutex<Connection>,
    clock: Arc<ManualClock>,
    /// When true every query fails like an unreachable server.
    pub(crate) down: AtomicBool,
    /// Milliseconds every query takes on the manual clock.
    pub(crate) query_ms: AtomicI64,
    /// Queries run so far.
    pub(crate) queries: AtomicUsize,
}

impl FakeSql {
    pub(crate) fn new(setup: &str, clock: Arc<ManualClock>) -> Self {
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

    pub(crate) fn execute(&self, sql: &str) {
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
        common::sqlite::rows(&self.db.lock().unwrap(), sql, options.max_rows)
    }
}
}

/// A store, a clock, a fake database and a configuration, with `ports()` to run the core against them.
pub(crate) struct World {
    pub(crate) config: Config,
    pub(crate) store: MemoryStore,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) sql: FakeSql,
}

impl World {
    pub(crate) fn new(setup: &str) -> Self {
        let clock = Arc::new(ManualClock::new(T0));
        Self {
            config: Config::default(),
            store: MemoryStore::new(clock.clone()),
            sql: FakeSql::new(setup, clock.clone()),
            clock,
        }
    }

    pub(crate) fn ports(&self) -> Ports<'_> {
        Ports { sql: &self.sql, started_at_ms: T0, ..memory::ports(&self.config, &self.store, self.clock.as_ref()) }
    }

    /// Registers the fake database as `name` (SQLite, connection `fake`).
    pub(crate) fn register(&self, name: &str) {
        let request = RegisterRequest { dialect: "sqlite".into(), connection: Some("fake".into()), ddl: None };
        block_on(databases::register(&self.ports(), "default", name, &request)).unwrap();
    }
}

pub(crate) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

/// SQL creating `name` with `rows` rows: `id` 1.., `g` = id mod 25, `label` 'item <id>', `note` NULL every 4th.
pub(crate) fn table_sql(name: &str, rows: u32) -> String {
    format!(
        "CREATE TABLE {name} (id INTEGER PRIMARY KEY, g INTEGER, label TEXT, note TEXT);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
         INSERT INTO {name} SELECT i, i % 25, 'item ' || i, CASE WHEN i % 4 = 0 THEN NULL ELSE 'x' END FROM n;"
    )
}
