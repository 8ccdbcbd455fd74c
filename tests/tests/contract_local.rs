//! The HTTP contract against the local host: the real `nl2sql serve` binary (`NL2SQL_BIN`, else the debug
//! build), with Chinook on a private PostgreSQL server behind a connection name, configured by a TOML file
//! (`NL2SQL_CONFIG`) with the suite's API keys and rate limits.

use nl2sql_tests::contract::{self, Target};
use nl2sql_tests::local::LocalHost;
use nl2sql_tests::pg::Chinook;

#[test]
fn local_host_honours_the_http_contract() {
    let chinook = Chinook::shared();
    let mut env = chinook.as_ref().map(|pg| contract::connection_env(&pg.url())).unwrap_or_default();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("nl2sql.toml");
    std::fs::write(&config, contract::security_toml()).expect("write the configuration");
    env.push(("NL2SQL_CONFIG".into(), config.display().to_string()));
    let host = LocalHost::start(&env);
    contract::run(&Target {
        base_url: host.base_url.clone(),
        connection: chinook.as_ref().map(|_| contract::CONNECTION.to_owned()),
        suffix: "local".into(),
    });
}
