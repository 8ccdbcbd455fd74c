//! The HTTP contract against the Cloudflare Worker: the built wasm (`functions/cloudflare/build.sh`) in
//! Miniflare's workerd with a KV namespace persisted to a temporary directory and the suite's API keys and rate
//! limits in the `NL2SQL_CONFIG` binding; then a restart on the same directory, which must still serve what the
//! first run stored.
//!
//! The Worker reaches databases through D1 bindings, not PostgreSQL URLs, so the contract's live-database part
//! (Chinook on PostgreSQL) does not apply; D1 introspection, statistics and the cron handler are tested in
//! `tests/cloudflare/worker.test.mjs`.

use nl2sql_tests::client::Client;
use nl2sql_tests::contract::{self, Target};
use nl2sql_tests::fake_llm::FakeLlm;
use nl2sql_tests::miniflare::Worker;
use std::sync::Arc;

#[test]
fn cloudflare_worker_honours_the_http_contract_and_keeps_its_kv_data_across_restarts() {
    let persist = tempfile::tempdir().expect("temp dir");
    let llm = Arc::new(FakeLlm::start());
    let vars = serde_json::json!({
        "NL2SQL_CONFIG": contract::with_llm_json(contract::security_json(), llm.url()),
        contract::LLM_KEY_VAR: contract::LLM_KEY,
    });
    let worker = Worker::start_with(persist.path(), &vars);
    contract::run(&Target {
        base_url: worker.base_url().to_owned(),
        connection: None,
        suffix: "worker".into(),
        llm: Some(Arc::clone(&llm)),
    });
    drop(worker);

    let worker = Worker::start_with(persist.path(), &vars);
    let client = Client::with_key(worker.base_url(), contract::ALPHA_USER);
    let (status, one) = client.get("/api/nl2sql/databases/shop_worker");
    assert_eq!(status, 200, "the registration survives the restart: {one}");
    assert_eq!(one["database"]["tables"], 2, "{one}");
    let ask = serde_json::json!({"question": "How many orders are there?", "database": "shop_worker"});
    let (status, answer) = client.json("POST", "/api/nl2sql/translate", &ask);
    assert_eq!(status, 200, "{answer}");
    assert!(answer["sql"].as_str().is_some_and(|sql| sql.contains("orders")), "{answer}");
    // The restarted Worker is whole: the contract again, beside the first run's data.
    contract::run(&Target {
        base_url: worker.base_url().to_owned(),
        connection: None,
        suffix: "worker_again".into(),
        llm: Some(llm),
    });
}

/// With an AI binding, Workers AI joins the provider chain with no configuration and no key: the default
/// offline translator becomes the last resort behind it. The binding's stand-in runs the model on the fake LLM
/// server in Workers AI's REST format; when it fails, the answer comes from the offline translator.
#[test]
fn workers_ai_through_the_ai_binding_joins_the_chain() {
    use nl2sql_tests::fake_llm::{Reply, Wire};
    let llm = FakeLlm::start();
    let persist = tempfile::tempdir().expect("temp dir");
    let vars = serde_json::json!({ "NL2SQL_CONFIG": contract::security_json() });
    let worker = Worker::start_full(persist.path(), &vars, Some(llm.url()));
    let client = Client::with_key(worker.base_url(), contract::ALPHA_USER);
    let ddl = "CREATE TABLE singer (id integer PRIMARY KEY, name text, country text, age integer);";
    let (status, body) =
        client.json("PUT", "/api/nl2sql/databases/music", &serde_json::json!({"dialect": "sqlite", "ddl": ddl}));
    assert!(matches!(status, 200 | 201), "{status} {body}");

    let sql = "SELECT country, COUNT(*) AS singers FROM singer GROUP BY country";
    llm.on("singers per country", vec![Reply::text(format!("```sql\n{sql}\n```"))]);
    let ask = serde_json::json!({"question": "How many singers per country?", "database": "music"});
    let (status, answer) = client.json("POST", "/api/nl2sql/translate", &ask);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["provider"], "workers_ai", "{answer}");
    assert_eq!(answer["sql"], format!("{sql} LIMIT 100"), "{answer}");
    assert!(answer["tokens"]["total"].as_u64().is_some_and(|t| t > 0), "{answer}");
    let calls = llm.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].wire, Wire::WorkersAi);
    assert_eq!(calls[0].model, "@cf/meta/llama-3.1-8b-instruct", "the default model");
    assert!(calls[0].prompt.contains("singer") && calls[0].prompt.contains("How many singers per country?"));

    // The model fails (every retry): the offline translator answers, and the attempts say so.
    llm.on("oldest singer", vec![Reply::status(500)]);
    let ask = serde_json::json!({"question": "Who is the oldest singer?", "database": "music"});
    let (status, answer) = client.json("POST", "/api/nl2sql/translate", &ask);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["provider"], "offline", "{answer}");
    let tried: Vec<&str> =
        answer["attempts"].as_array().into_iter().flatten().filter_map(|a| a["provider"].as_str()).collect();
    assert_eq!(tried.first(), Some(&"workers_ai"), "{answer}");
    assert!(answer["attempts"][0]["detail"].as_str().is_some_and(|d| d.contains("Workers AI")), "{answer}");
}
