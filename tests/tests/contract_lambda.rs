//! The HTTP contract against the Lambda HTTP function: the real `nl2sql-http` binary under the Runtime API
//! emulator, behind a Function URL front door, with DynamoDB = moto and Chinook on a private PostgreSQL server,
//! configured through `NL2SQL_CONFIG_TOML` with the suite's API keys and rate limits (the rate-limit bucket is
//! then a conditional write on DynamoDB).

use nl2sql_tests::contract::{self, Target};
use nl2sql_tests::fake_llm::FakeLlm;
use nl2sql_tests::lambda_emulator::Emulator;
use nl2sql_tests::moto::Moto;
use nl2sql_tests::paths::lambda_bin;
use nl2sql_tests::pg::Chinook;
use std::sync::Arc;

#[test]
fn lambda_http_function_honours_the_http_contract() {
    let Some(moto) = Moto::start() else { return };
    moto.create_table("nl2sql-contract");
    let chinook = Chinook::shared();
    let mut env = moto.env();
    env.push(("NL2SQL_TABLE".into(), "nl2sql-contract".into()));
    let llm = Arc::new(FakeLlm::start());
    env.push(("NL2SQL_CONFIG_TOML".into(), format!("{}{}", contract::security_toml(), contract::llm_toml(llm.url()))));
    env.push((contract::LLM_KEY_VAR.into(), contract::LLM_KEY.into()));
    env.extend(chinook.as_ref().map(|pg| contract::connection_env(&pg.url())).unwrap_or_default());
    let function = Arc::new(Emulator::start(&lambda_bin("nl2sql-http"), &env));
    let base_url = function.front_door();
    contract::run(&Target {
        base_url,
        connection: chinook.as_ref().map(|_| contract::CONNECTION.to_owned()),
        suffix: "lambda".into(),
        llm: Some(llm),
    });
}
