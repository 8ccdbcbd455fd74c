//! The translation pipeline's own cost, without the model's wait: `POST /api/nl2sql/translate` through the
//! core's router on a 100-table schema (every table linked to the next), with the in-memory store and a
//! provider that answers at once (an in-process stand-in speaking OpenAI's chat format, so no network time is
//! counted). Each request is a different question, caches off: schema linking over 100 tables, the prompt, the
//! provider call and its parsing, SQL extraction, the guard with catalog validation, the advisor's report,
//! metrics. Then the same question again and again with the caches on (exact hits).
//!
//! Prints p50/p95/p99/max per request; issue 10's target is p99 <= 5 ms for the uncached pipeline.
//!
//! `cargo bench -p nl2sql-core --bench pipeline` (NL2SQL_BENCH_REQUESTS to change the 2,000 requests)

use futures_executor::block_on;
use nl2sql_core::api::Request;
use nl2sql_core::memory::{self, ManualClock, MemoryStore};
use nl2sql_core::ports::{Http, HttpRequest, HttpResponse, Ports};
use nl2sql_core::{Config, port, router};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TABLES: usize = 100;

/// Answers every chat completion at once with SQL for the table and threshold the question names
/// (`… table t42 … above 17 …`).
struct ZeroLatency;

port! {
impl Http for ZeroLatency {
    async fn send(&self, request: HttpRequest) -> nl2sql_core::Result<HttpResponse> {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let user = body["messages"][1]["content"].as_str().unwrap_or_default();
        let number_after = |marker: &str| -> usize {
            let at = user.rfind(marker).map_or(0, |i| i + marker.len());
            user[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0)
        };
        let (table, above) = (number_after("table t"), number_after("above "));
        let sql = format!(
            "SELECT t.name, t.value, n.name AS next_name FROM t{table} AS t JOIN t{next} AS n ON n.id = t.t{next}_id \
             WHERE t.value > {above} ORDER BY t.value DESC",
            next = (table + 1) % TABLES
        );
        let answer = json!({
            "choices": [{"index": 0, "message": {"role": "assistant", "content": format!("```sql\n{sql}\n```")}}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 40},
        });
        Ok(HttpResponse { status: 200, headers: Vec::new(), body: answer.to_string().into_bytes() })
    }
}
}

fn ddl() -> String {
    let mut ddl = String::new();
    for k in 0..TABLES {
        let next = (k + 1) % TABLES;
        let _ = writeln!(
            ddl,
            "CREATE TABLE t{k} (id integer PRIMARY KEY, name text NOT NULL, value integer, created_at date, \
             category text, t{next}_id integer REFERENCES t{next} (id));"
        );
    }
    ddl
}

fn config(caches: bool) -> Config {
    let toml = format!(
        r#"
        [nl2sql]
        default_provider = "zero"
        [nl2sql.cache]
        enabled = {caches}
        [security]
        rate_limit_per_client = 0
        [llm.zero]
        api = "openai"
        endpoint = "http://zero.invalid/v1"
        model = "zero"
        max_retries = 0
        rate_limit = 0
        "#
    );
    Config::from_toml(&toml, &|_: &str| None).expect("config").config
}

fn percentiles(name: &str, mut took: Vec<Duration>) {
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name}: {} requests, p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        took.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        took[took.len() - 1].as_secs_f64() * 1e3
    );
}

fn run(caches: bool, requests: usize) -> Vec<Duration> {
    let config = config(caches);
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let store = MemoryStore::new(clock.clone());
    let ports = Ports { http: &ZeroLatency, ..memory::ports(&config, &store, clock.as_ref()) };
    let register = json!({"dialect": "sqlite", "ddl": ddl()}).to_string();
    let response = block_on(router::handle(Request::new("PUT", "/api/nl2sql/databases/bench", register), &ports));
    assert!(response.status < 300, "registration: {}", String::from_utf8_lossy(&response.body));
    let mut took = Vec::with_capacity(requests);
    for i in 0..requests + requests / 10 {
        let question = if caches {
            "Which names in table t7 have a value above 50?".to_owned()
        } else {
            format!("Which names in table t{} have a value above {}?", i % TABLES, i)
        };
        let body = json!({"question": question, "database": "bench"}).to_string();
        let started = Instant::now();
        let response = block_on(router::handle(Request::new("POST", "/api/nl2sql/translate", body), &ports));
        let elapsed = started.elapsed();
        let answer: Value = serde_json::from_slice(&response.body).unwrap_or_default();
        assert_eq!(response.status, 200, "{answer}");
        assert_eq!(answer["provider"], "zero", "{answer}");
        if caches && i > 0 {
            assert_eq!(answer["cache"], "exact", "{answer}");
        }
        // The first tenth warms up (allocator, the registry's series).
        if i >= requests / 10 {
            took.push(elapsed);
        }
    }
    took
}

fn main() {
    // `cargo test --benches` runs this with `--test`-like flags; one quick pass is enough there.
    let quick = std::env::args().any(|a| a == "--test");
    let requests = if quick {
        20
    } else {
        std::env::var("NL2SQL_BENCH_REQUESTS").ok().and_then(|n| n.parse().ok()).unwrap_or(2000)
    };
    percentiles(&format!("pipeline, {TABLES} tables, caches off"), run(false, requests));
    percentiles(&format!("pipeline, {TABLES} tables, exact cache hits"), run(true, requests));
}
