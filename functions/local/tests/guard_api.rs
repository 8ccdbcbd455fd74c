//! The SQL guard through the router: `POST /api/nl2sql/guard`, and the translate path, whose SQL (returned,
//! advised on and executed) is the guard's. Execution runs on the real Chinook SQLite file (rusqlite, test-only),
//! through a `SqlSource` that keeps the statements it was given.

mod common;

use futures_executor::block_on;
use nl2sql_core::api::{Request, Response};
use nl2sql_core::memory::{ManualClock, MemoryStore};
use nl2sql_core::ports::{NoHttp, Ports, QueryOptions, Rows, SqlSource};
use nl2sql_core::{Config, Error, Result, router};
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// The bundled Chinook file as connection `chinook`, read-only, recording every statement.
#[derive(Default)]
struct Chinook {
    seen: Mutex<Vec<String>>,
}

nl2sql_core::port! {
impl SqlSource for Chinook {
    async fn query(&self, connection: &str, sql: &str, options: QueryOptions) -> Result<Rows> {
        assert_eq!(connection, "chinook");
        self.seen.lock().expect("not poisoned").push(sql.to_owned());
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/chinook.sqlite");
        let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| Error::Database(e.to_string()))?;
        common::sqlite::rows(&db, sql, options.max_rows)
    }
}
}

struct Host {
    config: Config,
    store: MemoryStore,
    clock: ManualClock,
    sql: Chinook,
}

impl Host {
    /// Chinook registered (by introspecting the file) as `demo`.
    fn new(config: Config) -> Self {
        let clock = ManualClock::new(1_800_000_000_000);
        let store = MemoryStore::new(Arc::new(ManualClock::new(1_800_000_000_000)));
        let host = Self { config, store, clock, sql: Chinook::default() };
        let body = json!({"dialect": "sqlite", "connection": "chinook"});
        let (status, body) = host.call("PUT", "/api/nl2sql/databases/demo", body);
        assert_eq!(status, 200, "{body}");
        host.sql.seen.lock().expect("not poisoned").clear();
        host
    }

    fn call(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let ports = Ports {
            config: &self.config,
            store: &self.store,
            http: &NoHttp,
            clock: &self.clock,
            sql: &self.sql,
            started_at_ms: 0,
        };
        let response: Response = block_on(router::handle(Request::new(method, path, body.to_string()), &ports));
        (response.status, response.body_json())
    }

    fn guard(&self, sql: &str) -> (u16, Value) {
        self.call("POST", "/api/nl2sql/guard", json!({"sql": sql, "database": "demo"}))
    }
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[test]
fn the_guard_route_answers_with_the_sql_that_may_run() {
    let host = Host::new(Config::default());
    let (status, body) = host.guard("SELECT Name FROM Artist -- all of them\nORDER BY Name");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdict"], "allowed");
    assert_eq!(body["sql"], "SELECT Name FROM Artist ORDER BY Name LIMIT 100");
    assert_eq!(body["dialect"], "sqlite");
    let rules: Vec<&str> =
        body["changes"].as_array().expect("changes").iter().filter_map(|c| c["rule"].as_str()).collect();
    assert_eq!(rules, ["comments_removed", "limit_added"]);

    let (status, body) = host.guard("SELECT Name FROM Artist; DROP TABLE Artist");
    assert_eq!((status, code(&body)), (422, "unsafe_sql"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("more than one statement"), "{body}");
    let (status, body) = host.guard("SELECT sql FROM sqlite_master");
    assert_eq!((status, code(&body)), (422, "unsafe_sql"), "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("reads system catalog sqlite_master"));
    let (status, body) = host.guard("SELECT load_extension('/tmp/evil.so')");
    assert_eq!((status, code(&body)), (422, "unsafe_sql"), "{body}");
    let (status, body) = host.guard("SELECT Nope FROM Artist");
    assert_eq!((status, code(&body)), (422, "invalid_sql"), "{body}");
    let (status, body) = host.guard("SELEC Name FROM Artist");
    assert_eq!((status, code(&body)), (422, "invalid_sql"), "{body}");

    let (status, body) = host.call("POST", "/api/nl2sql/guard", json!({"sql": "SELECT 1", "database": "nope"}));
    assert_eq!((status, code(&body)), (404, "database_not_found"), "{body}");
    let (status, body) = host.call("POST", "/api/nl2sql/guard", json!({"sql": "SELECT 1"}));
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = host.call("POST", "/api/nl2sql/guard", json!({"sql": 1, "database": "demo"}));
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = host.call("POST", "/api/nl2sql/guard", json!({"sql": "SELECT 1", "database": "demo", "x": 1}));
    assert_eq!((status, code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = host.call("POST", "/api/nl2sql/guard", json!({"sql": "", "database": "demo"}));
    assert_eq!((status, code(&body)), (400, "missing_sql"), "{body}");
    let (status, _) = host.call("GET", "/api/nl2sql/guard", Value::Null);
    assert_eq!(status, 405);
    assert!(host.sql.seen.lock().expect("not poisoned").is_empty(), "the guard route runs nothing");
}

#[test]
fn system_catalogs_open_only_with_the_admin_switch() {
    let mut config = Config::default();
    config.security.allow_system_catalogs = true;
    let host = Host::new(config);
    let (status, body) = host.guard("SELECT name FROM sqlite_master WHERE type = 'table'");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sql"], "SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 100");
}

#[test]
fn translate_returns_and_runs_only_guarded_sql() {
    let host = Host::new(Config::default());
    let request = json!({"question": "top 50 longest tracks", "database": "demo", "execute": true});
    let (status, body) = host.call("POST", "/api/nl2sql/translate", request);
    assert_eq!(status, 200, "{body}");
    let sql = body["sql"].as_str().expect("sql").to_owned();
    assert_eq!(sql, "SELECT TrackId, Name, Milliseconds FROM Track ORDER BY Milliseconds DESC, TrackId LIMIT 50");
    assert_eq!(
        *host.sql.seen.lock().expect("not poisoned"),
        std::slice::from_ref(&sql),
        "exactly the returned SQL ran"
    );
    assert_eq!(body["rows"]["rows"].as_array().expect("rows").len(), 50);
    // What translate returns is a fixed point of the guard: guarded again, it comes back unchanged.
    let (status, again) = host.guard(&sql);
    assert_eq!(status, 200, "{again}");
    assert_eq!((again["sql"].as_str(), again["changes"].as_array().map(Vec::len)), (Some(sql.as_str()), Some(0)));
}
