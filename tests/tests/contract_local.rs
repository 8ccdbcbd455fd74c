//! The HTTP contract against the local host: the real `nl2sql serve` binary (`NL2SQL_BIN`, else the debug
//! build), with Chinook on a private PostgreSQL server behind a connection name, configured by a TOML file
//! (`NL2SQL_CONFIG`) with the suite's API keys and rate limits and a provider on the fake LLM server.

use nl2sql_tests::contract::{self, Target};
use nl2sql_tests::fake_llm::FakeLlm;
use nl2sql_tests::local::LocalHost;
use nl2sql_tests::pg::Chinook;

#[test]
fn local_host_honours_the_http_contract() {
    let chinook = Chinook::shared();
    let mut env = chinook.as_ref().map(|pg| contract::connection_env(&pg.url())).unwrap_or_default();
    let llm = std::sync::Arc::new(FakeLlm::start());
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("nl2sql.toml");
    let text = format!("{}{}", contract::security_toml(), contract::llm_toml(llm.url()));
    std::fs::write(&config, text).expect("write the configuration");
    env.push(("NL2SQL_CONFIG".into(), config.display().to_string()));
    env.push((contract::LLM_KEY_VAR.into(), contract::LLM_KEY.into()));
    let host = LocalHost::start(&env);
    contract::run(&Target {
        base_url: host.base_url.clone(),
        connection: chinook.as_ref().map(|_| contract::CONNECTION.to_owned()),
        suffix: "local".into(),
        llm: Some(llm),
    });
}
