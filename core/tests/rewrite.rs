//! The advisor-driven rewrite in the translation pipeline, through the router with the in-memory store and
//! statistics as a collection stores them: a model's answer with a bottleneck gets one rewrite attempt, kept
//! only when it passes the guard and the estimator prices it lower.

use futures_executor::block_on;
use nl2sql_core::Config;
use nl2sql_core::api::Request;
use nl2sql_core::memory::{self, ManualClock, MemoryStore};
use nl2sql_core::ports::{Http, HttpRequest, HttpResponse, Ports};
use nl2sql_core::router;
use nl2sql_core::stats::model::TableStats;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const DDL: &str = "
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL, status text NOT NULL, total numeric(10,2),
                     placed_at date);
CREATE INDEX orders_placed_at ON orders (placed_at);
";

/// The provider: plays its answers in order (OpenAI chat format) and keeps the user messages it was sent.
struct Model {
    answers: Vec<String>,
    seen: Mutex<Vec<String>>,
}

nl2sql_core::port! {
impl Http for Model {
    async fn send(&self, request: HttpRequest) -> nl2sql_core::Result<HttpResponse> {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.push(body["messages"][1]["content"].as_str().unwrap_or_default().to_owned());
        let text = &self.answers[(seen.len() - 1).min(self.answers.len() - 1)];
        let answer = json!({"choices": [{"message": {"role": "assistant", "content": format!("```sql\n{text}\n```")}}],
                            "usage": {"prompt_tokens": 500, "completion_tokens": 20}});
        Ok(HttpResponse { status: 200, headers: Vec::new(), body: answer.to_string().into_bytes() })
    }
}
}

fn config() -> Config {
    let toml = r#"
        [nl2sql]
        default_provider = "model"
        [nl2sql.cache]
        enabled = false
        [llm.model]
        api = "openai"
        endpoint = "http://model.test/v1"
        model = "m"
        max_retries = 0
    "#;
    Config::from_toml(toml, &|_: &str| None).expect("config").config
}

/// Translates one question with `answers` from the model, after registering the schema with 5 million orders.
fn translate(answers: &[&str]) -> (Value, Vec<String>) {
    let config = config();
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    let store = MemoryStore::new(clock.clone());
    let model = Model { answers: answers.iter().map(|a| (*a).to_owned()).collect(), seen: Mutex::new(Vec::new()) };
    let setup = memory::ports(&config, &store, clock.as_ref());
    let register = json!({"dialect": "postgres", "ddl": DDL}).to_string();
    let response = block_on(router::handle(Request::new("PUT", "/api/nl2sql/databases/shop", register), &setup));
    assert_eq!(response.status, 200);
    let stats: TableStats = serde_json::from_value(json!({
        "table": "orders", "row_count": 5_000_000.0, "refreshed_at_ms": 0,
        "columns": [{"column": "placed_at", "null_frac": 0.0, "n_distinct": 3000.0, "avg_width": 4.0, "correlation": 0.9}]
    }))
    .expect("statistics");
    block_on(nl2sql_core::stats::state::save_stats(&setup, "default#shop", &stats)).expect("stored");

    let body = json!({"question": "Which orders were placed in 2024?", "database": "shop"}).to_string();
    let response =
        block_on(router::handle(Request::new("POST", "/api/nl2sql/translate", body), &Ports { http: &model, ..setup }));
    let answer: Value = serde_json::from_slice(&response.body).expect("json");
    assert_eq!(response.status, 200, "{answer}");
    let seen = model.seen.lock().expect("lock").clone();
    (answer, seen)
}

fn outcomes(answer: &Value) -> Vec<String> {
    answer["attempts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["outcome"].as_str().map(str::to_owned))
        .collect()
}

const SLOW: &str = "SELECT id FROM orders WHERE EXTRACT(YEAR FROM placed_at) = 2024";

#[test]
fn a_bottleneck_gets_one_rewrite_which_is_kept_when_cheaper() {
    let fast = "SELECT id FROM orders WHERE placed_at >= '2024-01-01' AND placed_at < '2025-01-01'";
    let (answer, seen) = translate(&[SLOW, fast]);
    assert_eq!(outcomes(&answer), ["ok", "ok", "rewrite_kept"], "{answer}");
    assert!(answer["sql"].as_str().is_some_and(|s| s.starts_with(fast)), "{answer}");
    assert_eq!(seen.len(), 2, "one rewrite call");
    assert!(seen[1].contains("non_sargable_function") && seen[1].contains(SLOW), "the findings go back: {}", seen[1]);
    assert_eq!(answer["tokens"]["total"], 1040, "both calls counted: {answer}");
    assert!(
        answer["advisor"]["bottlenecks"]
            .as_array()
            .is_some_and(|b| b.iter().all(|b| b["code"] != "non_sargable_function")),
        "the report is the rewrite's: {answer}"
    );
}

#[test]
fn a_rewrite_that_is_not_cheaper_or_not_valid_is_discarded() {
    // The same query again: not cheaper.
    let (answer, _) = translate(&[SLOW, SLOW]);
    assert_eq!(outcomes(&answer), ["ok", "ok", "rewrite_discarded"], "{answer}");
    assert!(answer["sql"].as_str().is_some_and(|s| s.starts_with(SLOW)), "{answer}");
    assert!(answer["attempts"][2]["detail"].as_str().is_some_and(|d| d.contains("not cheaper")), "{answer}");
    // A rewrite naming a column that does not exist never leaves.
    let (answer, _) = translate(&[SLOW, "SELECT id FROM orders WHERE placed_year = 2024"]);
    assert_eq!(outcomes(&answer), ["ok", "ok", "rewrite_discarded"], "{answer}");
    assert!(answer["sql"].as_str().is_some_and(|s| s.starts_with(SLOW)), "{answer}");
    assert!(answer["attempts"][2]["detail"].as_str().is_some_and(|d| d.contains("placed_year")), "{answer}");
}

#[test]
fn a_query_without_bottlenecks_is_not_rewritten() {
    let (answer, seen) = translate(&["SELECT id FROM orders WHERE placed_at = '2024-05-01'"]);
    assert_eq!(outcomes(&answer), ["ok"], "{answer}");
    assert_eq!(seen.len(), 1);
}
