//! Tenancy, authentication and limits through the router, with the in-memory store: two tenants' keys (user
//! and admin), a JWT, a tenant with a tiny rate limit, and every way to be refused.

use futures_executor::block_on;
use nl2sql_core::Config;
use nl2sql_core::api::Request;
use nl2sql_core::auth::{hash_key, sign_jwt};
use nl2sql_core::keys::{self, Kind, Scope};
use nl2sql_core::memory::{self, ManualClock, MemoryStore};
use nl2sql_core::ports::{Ports, Precondition, Store};
use nl2sql_core::{router, stats};
use serde_json::{Value, json};
use std::sync::Arc;

const DDL: &str = "CREATE TABLE customers (id integer PRIMARY KEY, name text, country text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers (id), total numeric);";
const JWT_SECRET: &str = "a-jwt-secret-that-is-long-enough!";
const NOW_MS: i64 = 1_800_000_000_000;

fn config() -> Config {
    let text = format!(
        r#"
        [security]
        jwt_secret = "${{JWT}}"
        rate_limit_per_client = 6000
        rate_limit_burst = 1000
        api_keys = [
            "alpha:user:{}",
            "alpha:admin:{}",
            "beta:user:{}",
            "tiny:user:{}",
        ]
        tenant_limits = ["tiny:2:2"]
        [llm.openai]
        api_key = "sk-live-secret"
        endpoint = "https://proxy:pr0xy-pass@llm.example/v1"
        "#,
        hash_key("alpha-user-key"),
        hash_key("alpha-admin-key"),
        hash_key("beta-user-key"),
        hash_key("tiny-user-key"),
    );
    let env = |name: &str| (name == "JWT").then(|| JWT_SECRET.to_owned());
    Config::from_toml(&text, &env).expect("valid configuration").config
}

struct Host {
    config: Config,
    clock: Arc<ManualClock>,
    store: MemoryStore,
}

impl Host {
    fn new() -> Self {
        let clock = Arc::new(ManualClock::new(NOW_MS));
        Self { config: config(), store: MemoryStore::new(clock.clone()), clock }
    }

    fn ports(&self) -> Ports<'_> {
        memory::ports(&self.config, &self.store, self.clock.as_ref())
    }

    /// Status, JSON body and the response's `retry-after` header.
    fn call(&self, key: Option<&str>, method: &str, path: &str, body: Value) -> (u16, Value, Option<String>) {
        let mut request = Request::new(method, path, if body.is_null() { String::new() } else { body.to_string() });
        if let Some(key) = key {
            request.headers.push(("Authorization".into(), format!("Bearer {key}")));
        }
        let response = block_on(router::handle(request, &self.ports()));
        (response.status, response.body_json(), response.header("retry-after").map(str::to_owned))
    }

    fn ok(&self, key: &str, method: &str, path: &str, body: Value) -> Value {
        let (status, body, _) = self.call(Some(key), method, path, body);
        assert_eq!(status, 200, "{method} {path}: {body}");
        body
    }

    fn code(&self, key: Option<&str>, method: &str, path: &str, body: Value) -> (u16, String) {
        let (status, body, _) = self.call(key, method, path, body);
        (status, body["error"]["code"].as_str().unwrap_or_else(|| panic!("no error code: {body}")).to_owned())
    }
}

#[test]
fn tenants_see_only_their_own_databases_statistics_and_state() {
    let host = Host::new();
    let (a, b) = ("alpha-user-key", "beta-user-key");
    let register = json!({"dialect": "postgres", "ddl": DDL});
    host.ok(a, "PUT", "/api/nl2sql/databases/shop", register.clone());
    // Store statistics and a refresh state for alpha's shop, as a collection would.
    let pk = keys::partition("alpha", Scope::Database("shop"));
    let stats = json!({"table": "orders", "row_count": 10.0, "exact": true, "refreshed_at_ms": NOW_MS, "columns": []});
    block_on(host.store.put(&pk, &keys::sort_key(Kind::Stats, "orders"), &stats.to_string(), Precondition::None, None))
        .expect("stats");
    let reads = [
        "/api/nl2sql/databases/shop",
        "/api/nl2sql/databases/shop/skeleton",
        "/api/nl2sql/statistics/tables?database=shop",
        "/api/nl2sql/statistics/tables/orders?database=shop",
    ];
    for path in reads {
        host.ok(a, "GET", path, Value::Null);
        assert_eq!(host.code(Some(b), "GET", path, Value::Null), (404, "database_not_found".into()), "{path}");
    }
    let ask = json!({"question": "How many orders are there?", "database": "shop"});
    host.ok(a, "POST", "/api/nl2sql/translate", ask.clone());
    assert_eq!(host.code(Some(b), "POST", "/api/nl2sql/translate", ask.clone()).0, 404);
    let refresh = json!({"database": "shop"});
    assert_eq!(host.code(Some(b), "POST", "/api/nl2sql/statistics/refresh", refresh).0, 404);
    let listed = host.ok(b, "GET", "/api/nl2sql/databases", Value::Null);
    assert_eq!(listed["databases"], json!([]), "beta's registry is empty: {listed}");

    // Beta registers the same name with another schema: both stand side by side.
    let other = json!({"dialect": "sqlite", "ddl": "CREATE TABLE products (id integer PRIMARY KEY, title text);"});
    let theirs = host.ok(b, "PUT", "/api/nl2sql/databases/shop", other);
    assert_eq!((theirs["changed"].as_bool(), theirs["database"]["tables"].as_u64()), (Some(true), Some(1)));
    let mine = host.ok(a, "GET", "/api/nl2sql/databases/shop", Value::Null);
    assert_eq!(mine["catalog"]["tables"].as_array().map(Vec::len), Some(2), "{mine}");
    assert_eq!(host.code(Some(b), "GET", "/api/nl2sql/statistics/tables/orders?database=shop", Value::Null).0, 404);

    // The scheduled refresh finds both tenants (and the default one).
    let tenants = block_on(stats::refresh::tenants(&host.ports())).expect("tenants");
    assert_eq!(tenants, ["alpha", "beta", "default"]);
}

#[test]
fn keys_roles_and_tokens_decide_access() {
    let host = Host::new();
    for path in ["/health/liveness", "/health/readiness", "/health/startup"] {
        assert_eq!(host.call(None, "GET", path, Value::Null).0, 200, "{path} is open");
    }
    let (status, body, _) = host.call(None, "GET", "/api/nl2sql/databases", Value::Null);
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")), "{body}");
    assert_eq!(host.code(Some("wrong"), "GET", "/api/nl2sql/databases", Value::Null), (401, "unauthorized".into()));
    let mut request = Request::new("GET", "/api/nl2sql/databases", "");
    request.headers.push(("x-api-key".into(), "beta-user-key".into()));
    let response = block_on(router::handle(request, &host.ports()));
    assert_eq!(response.status, 200, "X-API-Key works too");
    let unauthorized = block_on(router::handle(Request::new("GET", "/admin/config", ""), &host.ports()));
    assert_eq!(unauthorized.header("www-authenticate"), Some("Bearer"));

    for (method, path, body) in [
        ("GET", "/admin/config", Value::Null),
        ("GET", "/admin/features", Value::Null),
        ("POST", "/admin/features", json!({"advisor_enabled": false})),
        ("POST", "/admin/cache/clear", Value::Null),
    ] {
        assert_eq!(host.code(None, method, path, body.clone()), (401, "unauthorized".into()), "{path}");
        assert_eq!(host.code(Some("alpha-user-key"), method, path, body.clone()), (403, "forbidden".into()), "{path}");
    }
    let config = host.ok("alpha-admin-key", "GET", "/admin/config", Value::Null);
    let text = config.to_string();
    for secret in ["sk-live-secret", JWT_SECRET, "pr0xy-pass", &hash_key("alpha-user-key")[7..], "beta"] {
        assert!(!text.contains(secret), "/admin/config shows `{secret}`: {text}");
    }
    assert_eq!(config["config"]["security"]["api_keys"], json!(["***", "***", "***", "***"]));
    assert_eq!(config["config"]["security"]["tenant_limits"], json!([]), "tiny's limit is not alpha's business");
    assert_eq!(config["config"]["llm"]["openai"]["endpoint"], "https://proxy:***@llm.example/v1");

    // HS256 tokens: tenant and role from the claims, expiry by the Clock port.
    let token = |role: &str, exp: i64| {
        sign_jwt(&json!({"sub": "ops", "tenant": "alpha", "role": role, "exp": exp}), JWT_SECRET.as_bytes())
    };
    let admin = token("admin", NOW_MS / 1000 + 60);
    host.ok(&admin, "GET", "/admin/features", Value::Null);
    assert_eq!(host.code(Some(&token("user", NOW_MS / 1000 + 60)), "GET", "/admin/features", Value::Null).0, 403);
    host.clock.advance(61_000);
    let (status, body, _) = host.call(Some(&admin), "GET", "/admin/features", Value::Null);
    assert_eq!(status, 401, "expired: {body}");
}

#[test]
fn over_the_limit_answers_429_with_retry_after_and_refills() {
    let host = Host::new();
    let key = "tiny-user-key";
    host.ok(key, "GET", "/api/nl2sql/databases", Value::Null);
    host.ok(key, "GET", "/api/nl2sql/databases", Value::Null);
    let (status, body, retry) = host.call(Some(key), "GET", "/api/nl2sql/databases", Value::Null);
    assert_eq!((status, body["error"]["code"].as_str()), (429, Some("rate_limited")), "{body}");
    assert_eq!(retry.as_deref(), Some("30"), "2 per minute: a token every 30 s");
    // Other tenants are not affected; health probes are never limited.
    host.ok("alpha-user-key", "GET", "/api/nl2sql/databases", Value::Null);
    assert_eq!(host.call(None, "GET", "/health/liveness", Value::Null).0, 200);
    host.clock.advance(30_000);
    host.ok(key, "GET", "/api/nl2sql/databases", Value::Null);
    assert_eq!(host.call(Some(key), "GET", "/api/nl2sql/databases", Value::Null).0, 429);
}

#[test]
fn feature_overrides_and_cache_clearing_stay_within_the_tenant() {
    let host = Host::new();
    let register = json!({"dialect": "postgres", "ddl": DDL});
    host.ok("alpha-user-key", "PUT", "/api/nl2sql/databases/shop", register.clone());
    host.ok("beta-user-key", "PUT", "/api/nl2sql/databases/shop", register);
    let ask = json!({"question": "How many orders are there?", "database": "shop"});

    let set = host.ok("alpha-admin-key", "POST", "/admin/features", json!({"advisor_enabled": false}));
    assert_eq!(
        (set["features"]["advisor_enabled"].as_bool(), set["overrides"]["advisor_enabled"].as_bool()),
        (Some(false), Some(false))
    );
    let alpha = host.ok("alpha-user-key", "POST", "/api/nl2sql/translate", ask.clone());
    assert!(alpha.get("advisor").is_none(), "alpha switched the advisor off: {alpha}");
    let beta = host.ok("beta-user-key", "POST", "/api/nl2sql/translate", ask.clone());
    assert!(beta["advisor"].is_object(), "beta still has it: {beta}");
    let bad = host.code(Some("alpha-admin-key"), "POST", "/admin/features", json!({"advisor_enabled": "off"}));
    assert_eq!(bad, (400, "invalid_feature".into()));
    assert_eq!(host.code(Some("alpha-admin-key"), "POST", "/admin/features", json!({"x": 1})).1, "unknown_feature");
    let reset = host.ok("alpha-admin-key", "POST", "/admin/features", json!({"advisor_enabled": null}));
    assert_eq!(reset["overrides"], json!({}));
    assert!(host.ok("alpha-user-key", "POST", "/api/nl2sql/translate", ask)["advisor"].is_object());

    // Cached items of both tenants; alpha's admin clears alpha's only.
    for tenant in ["alpha", "beta"] {
        let (pk, sk) = keys::key(tenant, Scope::Database("shop"), Kind::Cache, "q1");
        block_on(host.store.put(&pk, &sk, "{}", Precondition::None, None)).expect("cache item");
    }
    // (The translations above cached answers too: each tenant has those and the item put here.)
    let beta_cache = keys::prefix("beta", Scope::Database("shop"), Kind::Cache);
    let beta_before = block_on(host.store.list(&beta_cache.0, &beta_cache.1)).expect("list").len();
    let alpha_cache = keys::prefix("alpha", Scope::Database("shop"), Kind::Cache);
    let alpha_before = block_on(host.store.list(&alpha_cache.0, &alpha_cache.1)).expect("list").len();
    assert!(alpha_before >= 2 && beta_before >= 2, "{alpha_before} {beta_before}");
    let cleared = host.ok("alpha-admin-key", "POST", "/admin/cache/clear", Value::Null);
    assert_eq!(cleared["cleared"], alpha_before, "{cleared}");
    assert!(block_on(host.store.list(&alpha_cache.0, &alpha_cache.1)).expect("list").is_empty());
    assert_eq!(block_on(host.store.list(&beta_cache.0, &beta_cache.1)).expect("list").len(), beta_before);
    let missing = host.code(Some("alpha-admin-key"), "POST", "/admin/cache/clear", json!({"database": "nope"}));
    assert_eq!(missing, (404, "database_not_found".into()));
}

#[test]
fn without_keys_everything_is_the_default_tenant_unlimited() {
    let clock = Arc::new(ManualClock::new(NOW_MS));
    let store = MemoryStore::new(clock.clone());
    let mut config = Config::default();
    config.security.rate_limit_per_client = 1;
    config.security.rate_limit_burst = 1;
    let ports = memory::ports(&config, &store, clock.as_ref());
    for _ in 0..5 {
        let response = block_on(router::handle(Request::new("GET", "/admin/features", ""), &ports));
        assert_eq!(response.status, 200, "no keys: the local admin, no per-client limit");
    }
}
