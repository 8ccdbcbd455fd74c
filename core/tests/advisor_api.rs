//! The advisor routes through the router, with the in-memory store: a database registered from DDL, statistics
//! stored as a collection would store them, and every way a request can be wrong.

use futures_executor::block_on;
use nl2sql_core::Config;
use nl2sql_core::api::{Request, Response};
use nl2sql_core::memory::{self, ManualClock, MemoryStore};
use nl2sql_core::ports::Clock;
use nl2sql_core::router;
use nl2sql_core::stats::model::TableStats;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

const DDL: &str = "
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text, country text);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    total numeric(10,2),
    placed_at date
);
CREATE INDEX orders_customer ON orders (customer_id);
";

/// A clock that moves one second every time it is read, to run a workload out of time.
struct SteppingClock(AtomicI64);

nl2sql_core::port! {
impl Clock for SteppingClock {
    fn now_ms(&self) -> i64 {
        self.0.fetch_add(1000, Ordering::SeqCst)
    }
    async fn sleep(&self, _ms: u64) {}
}
}

struct Host {
    config: Config,
    store: MemoryStore,
    clock: Arc<dyn Clock>,
}

impl Host {
    fn new(config: Config) -> Self {
        Self::with_clock(config, Arc::new(ManualClock::new(1_800_000_000_000)))
    }

    fn with_clock(config: Config, clock: Arc<dyn Clock>) -> Self {
        let store = MemoryStore::new(Arc::new(ManualClock::new(1_800_000_000_000)));
        let host = Self { config, store, clock };
        let (status, body) = host.call("PUT", "/api/nl2sql/databases/shop", json!({"dialect": "postgres", "ddl": DDL}));
        assert_eq!(status, 200, "{body}");
        host
    }

    fn call(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let ports = memory::ports(&self.config, &self.store, self.clock.as_ref());
        let response: Response = block_on(router::handle(Request::new(method, path, body.to_string()), &ports));
        (response.status, response.body_json())
    }

    fn analyze(&self, body: Value) -> (u16, Value) {
        self.call("POST", "/api/nl2sql/advisor/analyze", body)
    }

    fn recommend(&self, body: Value) -> (u16, Value) {
        self.call("POST", "/api/nl2sql/advisor/recommend-indexes", body)
    }

    /// Stores statistics for `orders` as a collection would: 5 million rows.
    fn store_orders_stats(&self) {
        let stats: TableStats = serde_json::from_value(json!({
            "table": "orders", "row_count": 5_000_000.0, "refreshed_at_ms": 0,
            "columns": [
                {"column": "status", "null_frac": 0.0, "n_distinct": 5.0, "avg_width": 6.0},
                {"column": "customer_id", "null_frac": 0.0, "n_distinct": 400000.0, "avg_width": 4.0},
                {"column": "placed_at", "null_frac": 0.0, "n_distinct": -0.5, "avg_width": 4.0, "correlation": 0.9}
            ]
        }))
        .expect("statistics");
        let ports = memory::ports(&self.config, &self.store, self.clock.as_ref());
        block_on(nl2sql_core::stats::state::save_stats(&ports, "default#shop", &stats)).expect("stored");
    }
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"].as_array().into_iter().flatten().filter_map(|f| f["code"].as_str().map(str::to_owned)).collect()
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[test]
fn analyze_uses_the_registered_catalog_and_stored_statistics() {
    let host = Host::new(Config::default());
    let (status, report) =
        host.analyze(json!({"sql": "SELECT * FROM orders WHERE status = 'new'", "database": "shop"}));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["kind"], "query");
    assert_eq!(report["statistics"], "none", "nothing collected yet: {report}");
    let star = &report["findings"][0];
    assert_eq!(star["code"], "select_star", "{report}");
    assert!(star["message"].as_str().is_some_and(|m| m.contains("all 5 columns of orders")), "{star}");

    host.store_orders_stats();
    let (status, report) =
        host.analyze(json!({"sql": "SELECT * FROM orders WHERE status = 'new'", "database": "shop"}));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["statistics"], "collected", "{report}");
    assert_eq!(report["cost"]["tables"][0]["rows"], 5_000_000.0, "{report}");
    assert!(codes(&report).contains(&"full_table_scan".to_owned()), "{report}");
    assert!(codes(&report).contains(&"unbounded_result".to_owned()), "{report}");
    assert!(
        report["quality_score"].as_u64().is_some_and(|s| s < 50) && report["meets_min_quality"] == false,
        "{report}"
    );
    assert!(report["bottlenecks"][0]["rank"] == 1, "{report}");
}

#[test]
fn without_a_database_the_dialect_decides() {
    let host = Host::new(Config::default());
    let (status, report) = host.analyze(json!({"sql": "SELECT `a` FROM t LIMIT 2, 5", "dialect": "mysql"}));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["dialect"], "mysql");
    let (status, body) = host.analyze(json!({"sql": "SELECT 1", "dialect": "oracle"}));
    assert_eq!((status, error_code(&body)), (400, "invalid_dialect"), "{body}");
    let (status, body) = host.analyze(json!({"sql": "SELECT 1", "database": "shop", "dialect": "sqlite"}));
    assert_eq!((status, error_code(&body)), (400, "dialect_mismatch"), "{body}");
}

#[test]
fn bad_sql_is_a_4xx_with_its_position_and_statements_that_are_not_queries_say_so() {
    let host = Host::new(Config::default());
    let (status, body) = host.analyze(json!({"sql": "SELECT id FROM orders WHERE", "database": "shop"}));
    assert_eq!((status, error_code(&body)), (422, "invalid_sql"), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("line 1, column 28")), "{body}");
    let (status, body) = host.analyze(json!({"sql": "SELECT 1; SELECT 2"}));
    assert_eq!((status, error_code(&body)), (422, "invalid_sql"), "{body}");
    let (status, body) = host.analyze(json!({"sql": "   "}));
    assert_eq!((status, error_code(&body)), (400, "missing_sql"), "{body}");
    let (status, body) = host.analyze(json!({"query": "SELECT 1"}));
    assert_eq!((status, error_code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = host.analyze(json!({"sql": "SELECT 1", "database": "nope"}));
    assert_eq!((status, error_code(&body)), (404, "database_not_found"), "{body}");
    let (status, body) = host.analyze(json!({"sql": "DELETE FROM orders", "database": "shop"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["kind"].as_str(), body["statement"].as_str()), (Some("not_a_query"), Some("DELETE")), "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.starts_with("not a query")), "{body}");
}

#[test]
fn recommend_indexes_for_one_query_or_a_workload() {
    let host = Host::new(Config::default());
    host.store_orders_stats();
    let (status, advice) = host.recommend(json!({
        "sql": "SELECT id FROM orders WHERE status = 'new' AND placed_at > '2024-06-01' ORDER BY total LIMIT 10",
        "database": "shop"
    }));
    assert_eq!(status, 200, "{advice}");
    let rec = &advice["recommendations"][0];
    assert_eq!(rec["columns"], json!(["status", "placed_at"]), "{advice}");
    assert!(rec["ddl"].as_str().is_some_and(|d| d.starts_with("CREATE INDEX CONCURRENTLY")), "{rec}");
    assert!(rec.get("queries").is_none(), "one statement: no positions: {rec}");

    let workload = json!({
        "queries": [
            "SELECT id FROM orders WHERE placed_at = '2024-01-01'",
            "SELECT id FROM orders WHERE placed_at = '2024-01-02' AND total > 100",
            "SELECT id FROM orders WHERE customer_id = 5",
            "UPDATE orders SET status = 'x'"
        ],
        "database": "shop"
    });
    let (status, advice) = host.recommend(workload);
    assert_eq!(status, 200, "{advice}");
    assert_eq!((advice["queries"].as_u64(), advice["analyzed"].as_u64()), (Some(4), Some(3)), "{advice}");
    let recs = advice["recommendations"].as_array().expect("recommendations");
    assert_eq!(recs.len(), 1, "(placed_at) merges into (placed_at, total); customer_id is indexed: {advice}");
    assert_eq!(recs[0]["columns"], json!(["placed_at", "total"]), "{advice}");
    assert_eq!(recs[0]["queries"], json!([0, 1]), "{advice}");

    // `workload` is accepted as the name of the list.
    let (status, advice) = host.recommend(json!({"workload": ["SELECT 1"]}));
    assert_eq!(status, 200, "{advice}");
    let (status, body) = host.recommend(json!({"queries": []}));
    assert_eq!((status, error_code(&body)), (400, "empty_workload"), "{body}");
    let (status, body) = host.recommend(json!({"sql": "SELECT 1", "queries": ["SELECT 1"]}));
    assert_eq!((status, error_code(&body)), (400, "invalid_request"), "{body}");
    let (status, body) = host.recommend(json!({"queries": ["SELECT 1", "SELEC 2"]}));
    assert_eq!((status, error_code(&body)), (422, "invalid_sql"), "{body}");
    assert!(
        body["error"]["message"].as_str().is_some_and(|m| m.starts_with("queries[1]: SQL syntax error at line 1")),
        "{body}"
    );
    let many: Vec<&str> = vec!["SELECT 1"; nl2sql_core::advisor::api::MAX_WORKLOAD + 1];
    let (status, body) = host.recommend(json!({ "queries": many }));
    assert_eq!((status, error_code(&body)), (400, "workload_too_large"), "{body}");
}

#[test]
fn max_index_recommendations_caps_a_workload() {
    let mut config = Config::default();
    config.nl2sql.advisor.max_index_recommendations = 1;
    let host = Host::new(config);
    host.store_orders_stats();
    let (status, advice) = host.recommend(json!({
        "queries": [
            "SELECT id FROM orders WHERE total = 10 AND status = 'new'",
            "SELECT id FROM orders WHERE placed_at = '2024-01-01' AND total > 10"
        ],
        "database": "shop"
    }));
    assert_eq!(status, 200, "{advice}");
    assert_eq!(advice["candidates"], 2, "{advice}");
    assert_eq!(advice["recommendations"].as_array().map(Vec::len), Some(1), "{advice}");
}

#[test]
fn a_workload_stops_at_its_time_budget() {
    let mut config = Config::default();
    config.nl2sql.advisor.analysis_timeout_seconds = 2;
    let host = Host::with_clock(config, Arc::new(SteppingClock(AtomicI64::new(0))));
    let queries: Vec<String> = (0..10).map(|i| format!("SELECT id FROM orders WHERE total = {i}")).collect();
    let (status, advice) = host.recommend(json!({"queries": queries, "database": "shop"}));
    assert_eq!(status, 200, "{advice}");
    assert_eq!(advice["truncated"], true, "{advice}");
    assert!(advice["analyzed"].as_u64().is_some_and(|n| n < 10), "{advice}");
}

#[test]
fn translations_carry_the_report_unless_the_advisor_is_off() {
    let host = Host::new(Config::default());
    let (status, answer) = host.call(
        "POST",
        "/api/nl2sql/translate",
        json!({"question": "How many orders are there?", "database": "shop"}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["advisor"]["kind"], "query", "{answer}");
    assert!(answer["advisor"]["quality_score"].is_u64(), "{answer}");

    let mut config = Config::default();
    config.nl2sql.advisor.enabled = false;
    let host = Host::new(config);
    let (status, answer) = host.call(
        "POST",
        "/api/nl2sql/translate",
        json!({"question": "How many orders are there?", "database": "shop"}),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("advisor").is_none(), "{answer}");
    let (status, body) = host.analyze(json!({"sql": "SELECT 1"}));
    assert_eq!((status, error_code(&body)), (400, "advisor_disabled"), "{body}");
}
