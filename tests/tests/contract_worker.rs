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
