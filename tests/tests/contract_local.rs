//! The HTTP contract against the local host: the real `nl2sql serve` binary (`NL2SQL_BIN`, else the debug
//! build), with Chinook on a private PostgreSQL server behind a connection name.

use nl2sql_tests::contract::{self, Target};
use nl2sql_tests::local::LocalHost;
use nl2sql_tests::pg::Chinook;

#[test]
fn local_host_honours_the_http_contract() {
    let chinook = Chinook::shared();
    let env = chinook.as_ref().map(|pg| contract::connection_env(&pg.url())).unwrap_or_default();
    let host = LocalHost::start(&env);
    contract::run(&Target {
        base_url: host.base_url.clone(),
        connection: chinook.as_ref().map(|_| contract::CONNECTION.to_owned()),
        suffix: "local".into(),
    });
}
