//! The process state both functions share, built once per execution environment (cold start) and reused by
//! every invocation: configuration, the DynamoDB store and the other ports.

use crate::clock::SystemClock;
use crate::dynamo::DynamoStore;
use crate::sql::LambdaSql;
use nl2sql_core::ports::{Clock, Ports};
use nl2sql_core::{Config, Error, Result};
use nl2sql_http_reqwest::ReqwestHttp;
use std::sync::Arc;

/// Environment variable naming the DynamoDB table.
pub const TABLE_ENV: &str = "NL2SQL_TABLE";

/// Everything an invocation needs.
pub struct Host {
    config: Config,
    store: DynamoStore,
    http: ReqwestHttp,
    clock: Arc<SystemClock>,
    sql: LambdaSql,
    started_at_ms: i64,
}

impl Host {
    /// Reads the configuration and builds the ports from the environment (see [`load_config`] and
    /// [`TABLE_ENV`]).
    pub async fn from_env() -> Result<Self> {
        let clock = Arc::new(SystemClock);
        let started_at_ms = clock.now_ms();
        let config = load_config(&|name| std::env::var(name).ok())?;
        let table = std::env::var(TABLE_ENV)
            .ok()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Config(format!("{TABLE_ENV} must name the DynamoDB table")))?;
        let store = DynamoStore::from_env(table, clock.clone()).await;
        Ok(Self { config, store, http: ReqwestHttp::default(), clock, sql: LambdaSql, started_at_ms })
    }

    /// The ports for [`nl2sql_core::router::handle`] and the refresh manager.
    pub fn ports(&self) -> Ports<'_> {
        Ports {
            config: &self.config,
            store: &self.store,
            http: &self.http,
            clock: self.clock.as_ref(),
            sql: &self.sql,
            started_at_ms: self.started_at_ms,
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Milliseconds since the unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// The configuration: TOML from `NL2SQL_CONFIG_TOML` (inline, e.g. a template parameter), else from the file
/// `NL2SQL_CONFIG` (e.g. bundled next to the binary), else the defaults. `${ENV}` references resolve through
/// `env`; unknown keys are logged, wrong types are errors.
pub fn load_config(env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
    let (text, origin) = match (env("NL2SQL_CONFIG_TOML").filter(|t| !t.trim().is_empty()), env("NL2SQL_CONFIG")) {
        (Some(text), _) => (text, "NL2SQL_CONFIG_TOML".to_owned()),
        (None, Some(path)) if !path.is_empty() => {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::Config(format!("reading {path}: {e}")))?;
            (text, path)
        }
        _ => return Ok(Config::default()),
    };
    let loaded = Config::from_toml(&text, env).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
    for key in &loaded.unknown_keys {
        tracing::warn!(key = %key, origin = %origin, "unknown configuration key ignored");
    }
    Ok(loaded.config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_comes_from_inline_toml_with_substitution() {
        let env = |name: &str| match name {
            "NL2SQL_CONFIG_TOML" => Some("[nl2sql]\ndefault_limit = 7\n[llm.openai]\napi_key = \"${KEY}\"\n".into()),
            "KEY" => Some("sk-test".into()),
            _ => None,
        };
        let config = load_config(&env).expect("valid");
        assert_eq!(config.nl2sql.default_limit, 7);
        assert_eq!(load_config(&|_| None).expect("defaults"), Config::default());
        let broken = |name: &str| (name == "NL2SQL_CONFIG_TOML").then(|| "[nl2sql]\ndefault_limit = \"x\"".to_owned());
        assert!(matches!(load_config(&broken), Err(Error::Config(_))));
    }
}
