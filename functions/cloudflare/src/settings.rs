//! What the Worker reads from its bindings, as plain functions over a lookup so they are tested on the host:
//! the configuration and the scheduled run's budget.
//!
//! Configuration: the `NL2SQL_CONFIG` binding, a JSON object with the operators' guide sections. In
//! `wrangler.toml` it is written as TOML tables, which wrangler hands to the Worker as one object:
//!
//! ```toml
//! [vars.NL2SQL_CONFIG.nl2sql.refresh_manager]
//! max_tables_per_run = 10
//! [vars.NL2SQL_CONFIG.llm.openai]
//! api_key = "${OPENAI_API_KEY}"
//! ```
//!
//! (or JSON text, e.g. in a secret). `${NAME}` / `${NAME:-default}` in string values resolve through the Worker's
//! variables and secrets (`wrangler secret put NAME`), so keys never sit in the configuration. Unknown keys are
//! reported, a wrong type names its key, and the core's validation runs, as for the TOML file elsewhere.
//!
//! Why JSON rather than the TOML text the other hosts read: a TOML parser with its key-path and unknown-key
//! wrappers is 9 % of the gzipped wasm (docs/cloudflare.md), and wrangler already turns TOML into JSON.

use nl2sql_core::stats::refresh::RunBudget;
use nl2sql_core::{Config, Error, Result};
use serde_json::Value;

/// The binding holding the configuration.
pub const CONFIG_VAR: &str = "NL2SQL_CONFIG";
/// The other hosts' TOML variable, refused here with a pointer to [`CONFIG_VAR`].
pub const TOML_VAR: &str = "NL2SQL_CONFIG_TOML";
/// The KV namespace binding of the store.
pub const KV_BINDING: &str = "NL2SQL_KV";
/// The Workers AI binding (`[ai] binding = "AI"` in wrangler.toml).
pub const AI_BINDING: &str = "AI";
/// The provider the AI binding adds to the chain, unless `[llm.workers_ai]` configures it otherwise.
pub const WORKERS_AI: &str = "workers_ai";
/// Its model when not configured.
pub const WORKERS_AI_MODEL: &str = "@cf/meta/llama-3.1-8b-instruct";

/// With an AI binding bound, the edge's own model joins the provider chain: `[llm.workers_ai]` (api
/// `workers-ai`, [`WORKERS_AI_MODEL`], no key) unless configured, and in the chain unless already there — as the
/// default when the default was the offline translator (which stays as the last resort), else as the last
/// fallback before `offline`.
pub fn join_workers_ai(config: &mut Config) {
    config.llm.entry(WORKERS_AI.to_owned()).or_insert_with(|| nl2sql_core::config::Provider {
        api: "workers-ai".into(),
        model: WORKERS_AI_MODEL.into(),
        max_retries: 1,
        ..Default::default()
    });
    let n = &mut config.nl2sql;
    if n.default_provider == WORKERS_AI || n.fallback_providers.iter().any(|p| p == WORKERS_AI) {
        return;
    }
    if n.default_provider == "offline" {
        n.default_provider = WORKERS_AI.into();
        if !n.fallback_providers.iter().any(|p| p == "offline") {
            n.fallback_providers.push("offline".into());
        }
    } else {
        let at = n.fallback_providers.iter().position(|p| p == "offline").unwrap_or(n.fallback_providers.len());
        n.fallback_providers.insert(at, WORKERS_AI.into());
    }
}

/// Set to `1` to enable the test-only routes under `/__test/` (never in a deployment).
pub const TEST_ROUTES_VAR: &str = "NL2SQL_TEST_ROUTES";

/// Wall time Cloudflare gives one scheduled (Cron Trigger) invocation, milliseconds.
pub const CRON_WALL_MS: u64 = 15 * 60 * 1000;
/// Time kept back at least from the end of a scheduled invocation, milliseconds.
const MIN_RESERVE_MS: u64 = 3_000;

/// The configuration from `json` (the [`CONFIG_VAR`] binding as JSON text, `None` when unbound) and the
/// unknown keys it contained (logged as warnings by the caller). `env` resolves `${NAME}`.
pub fn load_config(json: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<(Config, Vec<String>)> {
    if env(TOML_VAR).is_some() {
        return Err(Error::Config(format!(
            "{TOML_VAR} is not read on Cloudflare Workers; put the sections under [vars.{CONFIG_VAR}] in wrangler.toml"
        )));
    }
    let Some(json) = json else { return Ok((Config::default(), Vec::new())) };
    let value: Value =
        serde_json::from_str(json).map_err(|e| Error::Config(format!("{CONFIG_VAR} is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::Config(format!("{CONFIG_VAR} must be an object of sections ([nl2sql], [llm.<name>], ...)")));
    }
    let loaded = Config::from_json(value, env).map_err(|e| match e {
        Error::Config(message) => Error::Config(format!("{CONFIG_VAR}: {message}")),
        other => other,
    })?;
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

    fn env(name: &str) -> Option<String> {
        (name == "KEY").then(|| "sk-test".into())
    }

    #[test]
    fn configuration_comes_from_the_binding_with_secrets_substituted() {
        let json = r#"{"nl2sql": {"default_limit": 7, "colour": 1, "refresh_manager": {"max_tables_per_run": 3}},
                       "llm": {"openai": {"api_key": "${KEY}", "model": "${MODEL:-gpt-4o-mini}"}}}"#;
        let (config, unknown) = load_config(Some(json), &env).expect("valid");
        assert_eq!(config.nl2sql.default_limit, 7);
        assert_eq!(config.nl2sql.refresh_manager.max_tables_per_run, 3);
        assert_eq!(config.llm["openai"].api_key.expose(), "sk-test");
        assert_eq!(config.llm["openai"].model, "gpt-4o-mini");
        assert_eq!(unknown, ["nl2sql.colour"]);
        assert_eq!(load_config(None, &env).expect("defaults").0, Config::default());
    }

    #[test]
    fn bad_configuration_names_the_key() {
        let err = |json: &str| match load_config(Some(json), &env) {
            Err(Error::Config(message)) => message,
            other => panic!("{json}: {other:?}"),
        };
        let wrong_type = err(r#"{"nl2sql": {"cache_ttl": 60, "refresh_manager": {"max_tables_per_run": "many"}}}"#);
        assert!(
            wrong_type.starts_with("NL2SQL_CONFIG: nl2sql.refresh_manager.max_tables_per_run: invalid type"),
            "{wrong_type}"
        );
        assert!(
            err(r#"{"llm": {"openai": {"api_key": "${UNSET}"}}}"#)
                .contains("llm.openai.api_key: environment variable UNSET")
        );
        assert!(err("[nl2sql]").contains("not JSON"));
        assert!(err("[1]").contains("must be an object"));
        assert!(err(r#"{"nl2sql": {"default_limit": 0}}"#).contains("default_limit"), "the core's validation runs");
        let toml = |name: &str| (name == TOML_VAR).then(|| "[nl2sql]".to_owned());
        assert!(matches!(load_config(None, &toml), Err(Error::Config(m)) if m.contains("[vars.NL2SQL_CONFIG]")));
    }

    #[test]
    fn the_cron_budget_stays_inside_the_invocation() {
        let config = Config::default();
        assert_eq!(cron_budget(&config), RunBudget::from_config(&config), "the default 50 s fit easily");
        let long = load_config(Some(r#"{"nl2sql": {"refresh_manager": {"run_budget_seconds": 3600}}}"#), &env)
            .expect("valid")
            .0;
        assert_eq!(cron_budget(&long).max_ms, 12 * 60 * 1000, "15 min less a fifth");
    }

    #[test]
    fn workers_ai_joins_the_chain() {
        let mut config = Config::default();
        join_workers_ai(&mut config);
        assert_eq!(config.nl2sql.default_provider, WORKERS_AI, "the edge's model before the offline translator");
        assert_eq!(config.nl2sql.fallback_providers, ["offline"]);
        assert_eq!(
            (config.llm[WORKERS_AI].api.as_str(), config.llm[WORKERS_AI].model.as_str()),
            ("workers-ai", WORKERS_AI_MODEL)
        );
        let before = config.clone();
        join_workers_ai(&mut config);
        assert_eq!(config, before, "once");

        let json = r#"{"nl2sql": {"default_provider": "openai", "fallback_providers": ["offline"]},
                       "llm": {"openai": {"api_key": "${KEY}"}, "workers_ai": {"api": "workers-ai", "model": "@cf/x"}}}"#;
        let (mut config, _) = load_config(Some(json), &env).expect("valid");
        join_workers_ai(&mut config);
        assert_eq!(config.nl2sql.default_provider, "openai");
        assert_eq!(config.nl2sql.fallback_providers, [WORKERS_AI, "offline"], "before the last resort");
        assert_eq!(config.llm[WORKERS_AI].model, "@cf/x", "a configured section is kept");
        config.validate().expect("the chain names configured providers only");
    }

    #[test]
    fn test_routes_need_an_explicit_one() {
        assert!(test_routes(&|n| (n == TEST_ROUTES_VAR).then(|| "1".into())));
        assert!(!test_routes(&|n| (n == TEST_ROUTES_VAR).then(|| "true".into())));
        assert!(!test_routes(&|_| None));
    }
}
