//! Configuration: one TOML document with the sections of the operators' guide we follow, `${ENV}` substitution
//! for secrets, unknown keys reported (not fatal) and wrong types as clear errors.
//!
//! Edge hosts build the same document from bindings/env vars; see [`Config::from_toml`].

use crate::error::{Error, Result};
use crate::order::LeanSort as _;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// A secret value (API key, JWT secret). Never printed, never serialised, never stored.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// Whether no value was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(if self.0.is_empty() { "" } else { "***" })
    }
}

macro_rules! section {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty = $default:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default)]
        pub struct $name { $($(#[$fdoc])* pub $field: $ty),* }
        impl Default for $name {
            fn default() -> Self { Self { $($field: $default),* } }
        }
    };
}

section!(
    /// `[nl2sql]` with its subsections.
    Engine {
        /// Master switch.
        enabled: bool = true,
        /// Per-request timeout, seconds.
        query_timeout: u64 = 30,
        /// Concurrent requests a host admits.
        max_concurrent_queries: u32 = 100,
        /// Skeleton cache size, MB.
        cache_size_mb: u64 = 500,
        /// Translation cache TTL, seconds.
        cache_ttl: u64 = 3600,
        /// Provider used first; `offline` is the built-in deterministic translator.
        default_provider: String = "offline".into(),
        /// Providers tried in order when the default fails.
        fallback_providers: Vec<String> = Vec::new(),
        /// Longest question accepted, characters.
        max_question_length: usize = 2000,
        /// Largest request body accepted, bytes.
        max_body_bytes: usize = 1024 * 1024,
        /// Largest conversation context (a session's stored turns) kept for a question, bytes.
        max_context_size: usize = 1_000_000,
        /// Wall time a request may take before it is answered 504 `request_timeout`, seconds; 0 for none.
        request_timeout: u64 = 60,
        /// LIMIT added to queries that have none.
        default_limit: u64 = 100,
        /// Largest LIMIT let through; larger ones are clamped.
        max_limit: u64 = 1000,
        /// Rows returned at most when executing.
        max_result_rows: usize = 1000,
        /// Tokens the linked skeleton of a question may use.
        skeleton_token_budget: usize = 2000,
        /// Answers a model may give for one question (the first plus corrections) before the next provider.
        max_correction_attempts: u32 = 3,
        /// `[nl2sql.cache]`.
        cache: Cache = Cache::default(),
        /// `[nl2sql.session]`.
        session: Session = Session::default(),
        /// `[nl2sql.agentic]`.
        agentic: Agentic = Agentic::default(),
        /// `[nl2sql.advisor]`.
        advisor: Advisor = Advisor::default(),
        /// `[nl2sql.statistics]`.
        statistics: Statistics = Statistics::default(),
        /// `[nl2sql.metadata]`.
        metadata: Metadata = Metadata::default(),
        /// `[nl2sql.refresh_manager]`.
        refresh_manager: RefreshManager = RefreshManager::default(),
        /// `[nl2sql.circuit_breaker]`.
        circuit_breaker: CircuitBreaker = CircuitBreaker::default(),
    }
);

section!(
    /// `[nl2sql.cache]`: the translation caches (`cache_ttl` in `[nl2sql]` is their lifetime).
    Cache {
        /// Whether answers are cached at all.
        enabled: bool = true,
        /// Whether paraphrases may hit (the semantic layer).
        semantic: bool = true,
        /// Cosine similarity at or above which a paraphrase is a semantic hit.
        similarity_threshold: f64 = 0.85,
    }
);

section!(
    /// `[nl2sql.session]`: conversations.
    Session {
        /// Turns kept per session.
        max_turns: usize = 5,
        /// Minutes a session lives after its last turn.
        session_timeout_minutes: u64 = 30,
    }
);

section!(
    /// `[nl2sql.circuit_breaker]`: skipping a failing LLM provider for a while.
    CircuitBreaker {
        /// Consecutive transient failures (5xx, 429, timeouts, malformed answers) that open a provider's circuit.
        failure_threshold: u32 = 5,
        /// Seconds an open circuit skips the provider before trial calls.
        reset_timeout_secs: u64 = 60,
        /// Trial calls let through while half-open.
        half_open_max_calls: u32 = 3,
    }
);

section!(
    /// `[nl2sql.agentic]`: decomposition of complex questions.
    Agentic {
        /// Whether to decompose.
        enabled: bool = true,
        /// Complexity (1-10) above which questions are decomposed.
        complexity_threshold: u8 = 5,
        /// Tasks per plan at most.
        max_tasks: u32 = 10,
        /// Stages per plan at most.
        max_stages: u32 = 5,
        /// Budget for a whole decomposition, seconds.
        timeout_seconds: u64 = 30,
        /// Run a stage's tasks concurrently.
        parallel_execution: bool = true,
        /// Tasks per stage run at once.
        max_parallel_tasks: u32 = 4,
    }
);

section!(
    /// `[nl2sql.advisor]`: the code advisor.
    Advisor {
        /// Whether the advisor runs.
        enabled: bool = true,
        /// Recommend indexes with every analysis.
        auto_recommend_indexes: bool = true,
        /// Quality score (0-100) under which a translation is flagged.
        min_quality_score: u8 = 50,
        /// Use table statistics for costs.
        use_statistics: bool = true,
        /// Use catalog metadata (keys, indexes).
        use_metadata: bool = true,
        /// Findings at or above this severity are bottlenecks.
        bottleneck_severity_threshold: u8 = 6,
        /// Rows above which a full scan is a bottleneck.
        large_table_rows: u64 = 100_000,
        /// Index recommendations returned at most (per analysis, and per workload).
        max_index_recommendations: usize = 5,
        /// Wall time a workload analysis (`recommend-indexes` with `queries`) may take, seconds; queries left
        /// when it runs out are not analysed and the answer says `truncated`.
        analysis_timeout_seconds: u64 = 5,
    }
);

section!(
    /// `[nl2sql.statistics]`: table and column statistics.
    Statistics {
        /// Whether statistics are collected.
        enabled: bool = true,
        /// Refresh interval, seconds.
        refresh_interval_seconds: u64 = 3600,
        /// Table statistics cache, MB.
        cache_size_mb: u64 = 100,
        /// Column statistics cache, MB.
        column_cache_size_mb: u64 = 200,
        /// Use histograms for estimates.
        enable_histograms: bool = true,
        /// Histogram buckets.
        histogram_buckets: u32 = 100,
        /// Tables smaller than this get table-level statistics only.
        min_table_size: u64 = 1000,
        /// Rows sampled per table where the database has no statistics of its own (SQLite, or PostgreSQL tables
        /// never analysed).
        sample_size: u64 = 30_000,
        /// Rows of the uniform sample kept with each table's statistics (for correlated predicates).
        stored_sample_rows: u64 = 1000,
        /// Run `ANALYZE <table>` on PostgreSQL before reading `pg_stats`. Off: `SqlSource`s run read-only queries
        /// only (the local adapter reads through a cursor, which refuses ANALYZE), so collection reads what
        /// autovacuum or an operator's ANALYZE last stored (tables never analysed are computed from a sample).
        analyze_before_collect: bool = false,
    }
);

section!(
    /// `[nl2sql.metadata]`: catalog refresh.
    Metadata {
        /// Whether metadata is collected.
        enabled: bool = true,
        /// Refresh interval, seconds.
        refresh_interval: u64 = 3600,
        /// Collect constraints.
        collect_constraints: bool = true,
        /// Collect indexes.
        collect_indexes: bool = true,
        /// Collect foreign keys.
        collect_foreign_keys: bool = true,
        /// Concurrent collections.
        max_concurrent_collections: u32 = 10,
    }
);

section!(
    /// `[nl2sql.refresh_manager]`: scheduled statistics refresh.
    RefreshManager {
        /// Whether scheduled refresh runs.
        enabled: bool = true,
        /// Queue capacity.
        queue_capacity: u32 = 1000,
        /// Parallel refreshes (hosts with threads).
        worker_threads: u32 = 4,
        /// Priority at or above which a table is refreshed first.
        high_priority_threshold: u8 = 8,
        /// Priority at or above which a table is medium.
        medium_priority_threshold: u8 = 5,
        /// Bump the priority of stale tables a query touches.
        auto_refresh_on_query: bool = true,
        /// Statistics older than this are stale, seconds.
        staleness_threshold: u64 = 7200,
        /// Tables refreshed per scheduled run at most.
        max_tables_per_run: u32 = 20,
        /// Wall time per scheduled run, seconds.
        run_budget_seconds: u64 = 50,
        /// First retry delay after a failed collection, seconds; doubles with every further failure.
        retry_base_seconds: u64 = 600,
        /// Longest retry delay, seconds.
        retry_max_seconds: u64 = 86_400,
    }
);

section!(
    /// `[llm.<provider>]`: one LLM provider.
    Provider {
        /// API key, usually `${ENV}`.
        api_key: Secret = Secret::default(),
        /// Model name.
        model: String = String::new(),
        /// Base URL.
        endpoint: String = String::new(),
        /// Wire format: `openai`, `anthropic`, `cohere`, `workers-ai` (the Worker's AI binding); guessed from the
        /// name when empty.
        api: String = String::new(),
        /// Request timeout, seconds.
        timeout: u64 = 30,
        /// Retries after the first attempt.
        max_retries: u32 = 3,
        /// Requests per minute to this provider from all instances (a token bucket in the store, bursts of as
        /// many); over it the chain moves on to the next provider. 0: no limit.
        rate_limit: u32 = 100,
        /// Sampling temperature.
        temperature: f64 = 0.0,
        /// Completion tokens at most.
        max_tokens: u32 = 2000,
        /// Price of 1,000 prompt tokens (for the `cost` of a response).
        input_cost_per_1k_tokens: f64 = 0.0,
        /// Price of 1,000 completion tokens.
        output_cost_per_1k_tokens: f64 = 0.0,
    }
);

section!(
    /// `[security]`.
    Security {
        /// Require an API key or JWT.
        require_auth: bool = false,
        /// HS256 JWT secret.
        jwt_secret: Secret = Secret::default(),
        /// JWT lifetime, seconds.
        jwt_expiration: u64 = 3600,
        /// Requests per minute per tenant (a token bucket refilled at this rate); 0 turns the limit off.
        rate_limit_per_client: u32 = 100,
        /// Requests a tenant may make at once: the bucket's size.
        rate_limit_burst: u32 = 20,
        /// Let admins query system catalogs.
        allow_system_catalogs: bool = false,
        /// API keys by hash, `"<tenant>:<role>:sha256:<hex>"` each (`nl2sql key new` prints one; docs/security.md).
        /// Strings rather than tables: every table type costs the edge builds' TOML and JSON readers kilobytes.
        api_keys: Vec<Secret> = Vec::new(),
        /// Tenants whose rate limit differs from the above, `"<tenant>:<per minute>:<burst>"` each.
        tenant_limits: Vec<String> = Vec::new(),
    }
);

section!(
    /// `[observability]`.
    Observability {
        /// Serve /metrics.
        metrics_enabled: bool = true,
        /// Metrics path.
        metrics_path: String = "/metrics".into(),
        /// Log level.
        log_level: String = "info".into(),
        /// `json` or `text`; hosts default to json unless attached to a terminal.
        log_format: String = String::new(),
    }
);

section!(
    /// `[features]`.
    Features {
        /// Experimental features.
        experimental: bool = false,
        /// Verbose error messages.
        verbose_errors: bool = false,
    }
);

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[nl2sql]` and subsections.
    pub nl2sql: Engine,
    /// `[llm.<name>]`.
    pub llm: BTreeMap<String, Provider>,
    /// `[security]`.
    pub security: Security,
    /// `[observability]`.
    pub observability: Observability,
    /// `[features]`.
    pub features: Features,
}

/// A parsed configuration and the keys it did not understand.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The configuration.
    pub config: Config,
    /// Dotted paths of unknown keys, e.g. `nl2sql.agentc.enabled`.
    pub unknown_keys: Vec<String>,
}

impl Config {
    /// Parses TOML text, substituting `${NAME}` / `${NAME:-default}` in string values through `env`.
    ///
    /// Unknown keys are returned in [`Loaded::unknown_keys`]; wrong types, bad TOML and unset variables are
    /// [`Error::Config`] naming the key. The TOML becomes a JSON value and goes through [`Config::from_json`]:
    /// one deserialiser for every host (the Worker reads JSON), and no path-tracking or unknown-key wrappers
    /// compiled into the edge builds (they were a tenth of the Spin component).
    pub fn from_toml(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded> {
        let value: toml::Value = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        let value = serde_json::to_value(value).map_err(|e| Error::Config(e.to_string()))?;
        Self::from_json(value, env)
    }

    /// The configuration from a JSON object of sections (`{"nl2sql": {...}, "llm": {"openai": {...}}}`), with
    /// `${NAME}` substituted through `env`; errors and unknown keys as [`Config::from_toml`].
    pub fn from_json(mut value: serde_json::Value, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded> {
        if !value.is_object() {
            return Err(Error::Config(
                "the configuration must be a table of sections ([nl2sql], [llm.<name>], ...)".into(),
            ));
        }
        substitute(&mut value, "", env)?;
        let config: Config = serde_json::from_value(value.clone()).map_err(|e| match culprit(&value) {
            Some((path, error)) => Error::Config(format!("{path}: {error}")),
            None => Error::Config(e.to_string()),
        })?;
        config.validate()?;
        let written = serde_json::to_value(&config).map_err(|e| Error::Internal(format!("configuration: {e}")))?;
        let mut unknown_keys = Vec::new();
        unknown(&value, &written, "", &mut unknown_keys);
        unknown_keys.lean_sort();
        Ok(Loaded { config, unknown_keys })
    }

    /// Checks relations between keys that types alone cannot.
    pub fn validate(&self) -> Result<()> {
        let n = &self.nl2sql;
        let bad = |msg: String| Err(Error::Config(msg));
        if n.default_limit == 0 || n.default_limit > n.max_limit {
            return bad(format!(
                "nl2sql.default_limit ({}) must be between 1 and nl2sql.max_limit ({})",
                n.default_limit, n.max_limit
            ));
        }
        if n.max_question_length == 0 || n.max_body_bytes == 0 {
            return bad("nl2sql.max_question_length and nl2sql.max_body_bytes must be positive".into());
        }
        if !(1..=10).contains(&n.agentic.complexity_threshold) {
            return bad(format!(
                "nl2sql.agentic.complexity_threshold must be 1-10, not {}",
                n.agentic.complexity_threshold
            ));
        }
        if n.advisor.min_quality_score > 100 {
            return bad(format!("nl2sql.advisor.min_quality_score must be 0-100, not {}", n.advisor.min_quality_score));
        }
        let rm = &n.refresh_manager;
        if rm.medium_priority_threshold > rm.high_priority_threshold || rm.high_priority_threshold > 10 {
            return bad(
                "nl2sql.refresh_manager: need medium_priority_threshold <= high_priority_threshold <= 10".into()
            );
        }
        crate::auth::validate(&self.security)?;
        for name in std::iter::once(&n.default_provider).chain(&n.fallback_providers) {
            if name != "offline" && !self.llm.contains_key(name) {
                return bad(format!("provider `{name}` is named in [nl2sql] but has no [llm.{name}] section"));
            }
        }
        Ok(())
    }
}

fn substitute(value: &mut Value, path: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    match value {
        Value::String(s) if s.contains("${") => *s = expand(s, path, env)?,
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                substitute(item, &format!("{path}[{i}]"), env)?;
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                substitute(item, &join(path, key), env)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// The first key whose value alone does not deserialise, with the error: each leaf is tried in an otherwise
/// empty configuration (every section has defaults), so no path-tracking deserialiser is compiled in.
fn culprit(value: &Value) -> Option<(String, String)> {
    let mut leaves = Vec::new();
    collect_leaves(value, &mut Vec::new(), &mut leaves);
    leaves.into_iter().find_map(|(path, leaf)| {
        let mut alone = leaf.clone();
        for key in path.iter().rev() {
            alone = Value::Object(serde_json::Map::from_iter([((*key).to_owned(), alone)]));
        }
        serde_json::from_value::<Config>(alone).err().map(|e| (path.join("."), e.to_string()))
    })
}

fn collect_leaves<'v>(value: &'v Value, path: &mut Vec<&'v str>, out: &mut Vec<(Vec<&'v str>, &'v Value)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                path.push(key);
                collect_leaves(item, path, out);
                path.pop();
            }
        }
        leaf => out.push((path.clone(), leaf)),
    }
}

/// Keys of `given` that the parsed configuration does not have (serialised back, it has every known key).
fn unknown(given: &Value, known: &Value, path: &str, out: &mut Vec<String>) {
    let (Value::Object(given), Value::Object(known)) = (given, known) else { return };
    for (key, item) in given {
        match known.get(key) {
            Some(known_item) => unknown(item, known_item, &join(path, key), out),
            None => out.push(join(path, key)),
        }
    }
}

/// Expands `${NAME}` and `${NAME:-default}` in one configuration string through `env`; `path` names the key in
/// errors. Public for hosts that read the same settings from another format (the Worker's JSON binding).
pub fn expand(text: &str, path: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| Error::Config(format!("{path}: unterminated `${{` in value")))?;
        let (name, default) = match after[..end].split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (&after[..end], None),
        };
        match (env(name), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => {
                return Err(Error::Config(format!(
                    "{path}: environment variable {name} is not set (use ${{{name}:-default}} for an optional value)"
                )));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "OPENAI_API_KEY").then(|| "sk-test-123".to_owned())
    }

    #[test]
    fn reference_sections_parse_with_env_and_defaults() {
        let text = r#"
            [nl2sql]
            default_provider = "openai"
            fallback_providers = ["offline"]
            [nl2sql.agentic]
            complexity_threshold = 7
            [nl2sql.advisor]
            min_quality_score = 60
            max_index_recommendations = 3
            analysis_timeout_seconds = 10
            [nl2sql.statistics]
            histogram_buckets = 50
            [nl2sql.refresh_manager]
            staleness_threshold = 60
            [llm.openai]
            api_key = "${OPENAI_API_KEY}"
            model = "gpt-4o-mini"
            endpoint = "${OPENAI_BASE:-https://api.openai.com/v1}"
            [security]
            require_auth = true
            api_keys = ["acme:admin:sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"]
            tenant_limits = ["acme:5:20"]
            [observability]
            log_level = "debug"
        "#;
        let loaded = Config::from_toml(text, &env).expect("valid config");
        let c = loaded.config;
        assert!(loaded.unknown_keys.is_empty(), "{:?}", loaded.unknown_keys);
        assert_eq!(c.nl2sql.agentic.complexity_threshold, 7);
        assert_eq!(c.nl2sql.advisor.min_quality_score, 60);
        assert_eq!((c.nl2sql.advisor.max_index_recommendations, c.nl2sql.advisor.analysis_timeout_seconds), (3, 10));
        assert_eq!(c.nl2sql.statistics.histogram_buckets, 50);
        assert_eq!(c.nl2sql.refresh_manager.staleness_threshold, 60);
        assert_eq!(c.nl2sql.max_limit, 1000, "defaults fill the rest");
        let openai = &c.llm["openai"];
        assert_eq!(openai.api_key.expose(), "sk-test-123");
        assert_eq!(openai.endpoint, "https://api.openai.com/v1");
        assert!(c.security.require_auth);
        let key = crate::auth::parse_key(c.security.api_keys[0].expose()).expect("a key entry");
        assert_eq!((key.tenant, key.role), ("acme", crate::auth::Role::Admin));
        assert_eq!(key.hash, crate::auth::hash_key("foo"));
        assert_eq!(crate::limits::rate_for(&c, "acme"), (5, 20));
        assert_eq!(crate::limits::rate_for(&c, "other"), (100, 20), "the defaults elsewhere");
    }

    #[test]
    fn secrets_never_print() {
        let c = Config::from_toml("[llm.x]\napi_key = \"${OPENAI_API_KEY}\"", &env).expect("valid").config;
        assert!(!format!("{c:?}").contains("sk-test-123"));
        assert!(!serde_json::to_string(&c).expect("serialise").contains("sk-test-123"));
    }

    #[test]
    fn unknown_keys_are_reported_with_their_path() {
        let text = "[nl2sql]\nenabeld = true\n[nl2sql.agentic]\nmax_taks = 3\n[database]\ntype = \"postgres\"\n";
        let loaded = Config::from_toml(text, &env).expect("unknown keys are not fatal");
        assert_eq!(loaded.unknown_keys, ["database", "nl2sql.agentic.max_taks", "nl2sql.enabeld"]);
    }

    #[test]
    fn wrong_types_are_clear_errors() {
        let err = Config::from_toml("[nl2sql]\nquery_timeout = \"thirty\"\n", &env).expect_err("wrong type");
        let msg = err.to_string();
        assert!(msg.contains("query_timeout") || msg.contains("invalid type"), "{msg}");
        let err = Config::from_toml("[nl2sql.agentic]\nmax_tasks = -1\n", &env).expect_err("negative");
        assert!(err.to_string().contains("max_tasks"), "{err}");
    }

    #[test]
    fn unset_env_var_names_the_key() {
        let err = Config::from_toml("[llm.a]\napi_key = \"${NOPE}\"\n", &env).expect_err("unset");
        assert!(err.to_string().contains("llm.a.api_key") && err.to_string().contains("NOPE"), "{err}");
    }

    #[test]
    fn relations_are_validated() {
        let err = Config::from_toml("[nl2sql]\ndefault_limit = 5000\n", &env).expect_err("above max");
        assert!(err.to_string().contains("default_limit"));
        let err = Config::from_toml("[nl2sql]\ndefault_provider = \"openai\"\n", &env).expect_err("no section");
        assert!(err.to_string().contains("[llm.openai]"));
    }
}
