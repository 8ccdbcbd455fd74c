//! What the Worker reads from its bindings, as plain functions over a lookup so they are tested on the host:
//! the configuration and the scheduled run's budget.
//!
//! Configuration: the TOML text of the `NL2SQL_CONFIG_TOML` variable (`[vars]` in `wrangler.toml`, or a
//! secret), else the defaults. `${NAME}` references resolve through the Worker's variables and secrets
//! (`wrangler secret put NAME`), so API keys never sit in the TOML. Workers have no file system, hence no
//! `NL2SQL_CONFIG` path as on the other hosts.

use nl2sql_core::stats::refresh::RunBudget;
use nl2sql_core::{Config, Error, Result};

/// The variable holding the configuration TOML.
pub const CONFIG_VAR: &str = "NL2SQL_CONFIG_TOML";
/// The KV namespace binding of the store.
pub const KV_BINDING: &str = "NL2SQL_KV";
/// Set to `1` to enable the test-only routes under `/__test/` (never in a deployment).
pub const TEST_ROUTES_VAR: &str = "NL2SQL_TEST_ROUTES";

/// Wall time Cloudflare gives one scheduled (Cron Trigger) invocation, milliseconds.
pub const CRON_WALL_MS: u64 = 15 * 60 * 1000;
/// Time kept back at least from the end of a scheduled invocation, milliseconds.
const MIN_RESERVE_MS: u64 = 3_000;

/// The configuration and the unknown keys it contained (logged as warnings by the caller).
pub fn load_config(env: &dyn Fn(&str) -> Option<String>) -> Result<(Config, Vec<String>)> {
    let Some(text) = env(CONFIG_VAR).filter(|t| !t.trim().is_empty()) else {
        return Ok((Config::default(), Vec::new()));
    };
    let loaded = Config::from_toml(&text, env).map_err(|e| Error::Config(format!("{CONFIG_VAR}: {e}")))?;
    Ok((loaded.config, loaded.unknown_keys))
}

/// The budget of a scheduled run: `[nl2sql.refresh_manager]`'s, cut to the invocation's wall time with a
/// reserve of a fifth (at least three seconds) for the last table's queries and writes. CPU time, the other
/// limit (10 ms on the free plan, `[limits] cpu_ms` on paid plans), cannot be measured from inside; keep
/// `max_tables_per_run` small on the free plan.
pub fn cron_budget(config: &Config) -> RunBudget {
    let configured = RunBudget::from_config(config);
    let reserve = (CRON_WALL_MS / 5).max(MIN_RESERVE_MS);
    RunBudget { max_ms: configured.max_ms.min(CRON_WALL_MS - reserve), ..configured }
}

/// Whether the test-only routes are on: only when the variable is exactly `1`.
pub fn test_routes(env: &dyn Fn(&str) -> Option<String>) -> bool {
    env(TEST_ROUTES_VAR).as_deref() == Some("1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_comes_from_the_variable_with_secrets_substituted() {
        let env = |name: &str| match name {
            CONFIG_VAR => Some("[nl2sql]\ndefault_limit = 7\ncolour = 1\n[llm.openai]\napi_key = \"${KEY}\"\n".into()),
            "KEY" => Some("sk-test".into()),
            _ => None,
        };
        let (config, unknown) = load_config(&env).expect("valid");
        assert_eq!(config.nl2sql.default_limit, 7);
        assert_eq!(unknown, ["nl2sql.colour"]);
        assert_eq!(load_config(&|_| None).expect("defaults").0, Config::default());
        let broken = |name: &str| (name == CONFIG_VAR).then(|| "[nl2sql]\ndefault_limit = \"x\"".to_owned());
        assert!(matches!(load_config(&broken), Err(Error::Config(m)) if m.contains(CONFIG_VAR)));
    }

    #[test]
    fn the_cron_budget_stays_inside_the_invocation() {
        let config = Config::default();
        assert_eq!(cron_budget(&config), RunBudget::from_config(&config), "the default 50 s fit easily");
        let long = Config::from_toml("[nl2sql.refresh_manager]\nrun_budget_seconds = 3600\n", &|_| None)
            .expect("valid")
            .config;
        assert_eq!(cron_budget(&long).max_ms, 12 * 60 * 1000, "15 min less a fifth");
    }

    #[test]
    fn test_routes_need_an_explicit_one() {
        assert!(test_routes(&|n| (n == TEST_ROUTES_VAR).then(|| "1".into())));
        assert!(!test_routes(&|n| (n == TEST_ROUTES_VAR).then(|| "true".into())));
        assert!(!test_routes(&|_| None));
    }
}
