//! The HTTP contract every host honours, as one suite: point [`run`] at a running host's base URL.
//!
//! It registers a database from DDL, reads the registry, the skeleton (whole and linked to a question),
//! translates, asks the code advisor (findings, parse errors, index recommendations), reads and refreshes
//! statistics, checks that bad input is a 4xx with `{"error":{"code","message"}}` and that the health probes
//! answer. With a [`Target::connection`] (a connection name the host resolves to
//! Chinook on PostgreSQL; start the host with [`connection_env`]) it also registers by introspection,
//! collects statistics and executes a translation.
//!
//! Every host runs it with authentication on: the [`security_toml`] / [`security_json`] settings through its
//! own configuration mechanism. The suite then also proves tenancy (tenant `beta` gets 404 for `alpha`'s
//! databases, skeletons, statistics and refresh, and registers the same name independently), roles (401
//! without a key, 403 for a user key on `/admin/*`, 200 for an admin key) and the rate limit (a dedicated
//! tenant with a tiny bucket answers 429 with `Retry-After`; the others have room for the whole suite).
//!
//! Names are unique per call, so the suite can run twice against one store.

use crate::client::Client;
use crate::fake_llm::{FakeLlm, Reply};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Tenant `alpha`'s user key: the suite's main client.
pub const ALPHA_USER: &str = "contract-alpha-user-5f2b9c";
/// Tenant `alpha`'s admin key.
pub const ALPHA_ADMIN: &str = "contract-alpha-admin-8d41e7";
/// Tenant `beta`'s user key.
pub const BETA_USER: &str = "contract-beta-user-c03a1f";
/// Tenant `limited`'s user key: [`LIMITED_BURST`] requests, then one per minute.
pub const LIMITED_USER: &str = "contract-limited-user-77b2d0";
/// The bucket size of tenant `limited`.
pub const LIMITED_BURST: u32 = 2;

/// The keys as `(key, tenant, role)`.
const KEYS: [(&str, &str, &str); 4] = [
    (ALPHA_USER, "alpha", "user"),
    (ALPHA_ADMIN, "alpha", "admin"),
    (BETA_USER, "beta", "user"),
    (LIMITED_USER, "limited", "user"),
];

fn hash(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    format!("sha256:{}", digest.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The `[security]` section every host under test runs with, as TOML (local file, Lambda's
/// `NL2SQL_CONFIG_TOML`, Spin's `config_toml` variable): the keys' hashes, room for the suite's requests, and
/// tenant `limited`'s tiny bucket.
pub fn security_toml() -> String {
    let keys: Vec<String> =
        KEYS.iter().map(|(key, tenant, role)| format!("  \"{tenant}:{role}:{}\",", hash(key))).collect();
    format!(
        "[security]\nrate_limit_per_client = 6000\nrate_limit_burst = 1000\napi_keys = [\n{}\n]\n\
         tenant_limits = [\"limited:1:{LIMITED_BURST}\"]\n",
        keys.join("\n")
    )
}

/// The same settings as a JSON object (the Worker's `NL2SQL_CONFIG` binding).
pub fn security_json() -> Value {
    let keys: Vec<Value> =
        KEYS.iter().map(|(key, tenant, role)| json!(format!("{tenant}:{role}:{}", hash(key)))).collect();
    json!({"security": {
        "rate_limit_per_client": 6000,
        "rate_limit_burst": 1000,
        "api_keys": keys,
        "tenant_limits": [format!("limited:1:{LIMITED_BURST}")],
    }})
}

/// The API key the hosts are given for the fake provider, as the environment variable / secret / Spin variable
/// [`LLM_KEY_VAR`]; the configuration only names it (`${OPENAI_API_KEY}`).
pub const LLM_KEY: &str = "sk-contract-7f3a";
/// See [`LLM_KEY`].
pub const LLM_KEY_VAR: &str = "OPENAI_API_KEY";
/// The model the suite's provider asks for.
const LLM_MODEL: &str = "contract-fake";

/// `[llm.fake]`: an OpenAI-compatible provider on the fake server at `url`, its key from `${OPENAI_API_KEY}`.
/// Appended to [`security_toml`]; requests name it with `"provider": "fake"` (the default stays offline).
pub fn llm_toml(url: &str) -> String {
    format!(
        "[llm.fake]\napi = \"openai\"\nendpoint = \"{url}/v1\"\nmodel = \"{LLM_MODEL}\"\napi_key = \"${{{LLM_KEY_VAR}}}\"\n\
         max_retries = 0\ntimeout = 20\ninput_cost_per_1k_tokens = 0.5\noutput_cost_per_1k_tokens = 1.5\n"
    )
}

/// [`llm_toml`] as the JSON section of the Worker's binding, merged into `config` (from [`security_json`]).
pub fn with_llm_json(mut config: Value, url: &str) -> Value {
    config["llm"] = json!({"fake": {
        "api": "openai",
        "endpoint": format!("{url}/v1"),
        "model": LLM_MODEL,
        "api_key": format!("${{{LLM_KEY_VAR}}}"),
        "max_retries": 0,
        "timeout": 20,
        "input_cost_per_1k_tokens": 0.5,
        "output_cost_per_1k_tokens": 1.5,
    }});
    config
}

/// The connection name the suite registers Chinook under.
pub const CONNECTION: &str = "NL2SQL_CONTRACT_CHINOOK";

/// The environment a host needs for [`Target::connection`]: [`CONNECTION`] set to Chinook's URL.
pub fn connection_env(chinook_url: &str) -> Vec<(String, String)> {
    vec![(CONNECTION.to_owned(), chinook_url.to_owned())]
}

/// A host under test.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// A connection name the host resolves to Chinook on PostgreSQL, when one is available.
    pub connection: Option<String>,
    /// Suffix that keeps this run's database names apart from other runs on the same store.
    pub suffix: String,
    /// The fake LLM server the host's `[llm.fake]` provider points at ([`llm_toml`] / [`llm_json`]), for the
    /// translate-through-a-provider case; the host reaches it over its own outbound HTTP.
    pub llm: Option<std::sync::Arc<FakeLlm>>,
}

const SHOP_DDL: &str = "
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, country text);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    total numeric(10,2),
    placed_at date
);
CREATE INDEX orders_customer ON orders (customer_id);
";

/// Runs the whole contract against `target`; panics (failing the test) at the first broken promise.
pub fn run(target: &Target) {
    health(&Client::new(&target.base_url));
    let client = Client::with_key(&target.base_url, ALPHA_USER);
    let shop = format!("shop_{}", target.suffix);
    registration(&client, &shop);
    skeleton(&client, &shop);
    translation(&client, &shop);
    if let Some(llm) = &target.llm {
        translation_through_a_provider(&client, &shop, llm);
    }
    advisor(&client, &shop);
    guard(&client, &shop);
    statistics_without_connection(&client, &shop);
    bad_input(&client, &shop);
    let chinook = format!("chinook_{}", target.suffix);
    if let Some(connection) = &target.connection {
        live_database(&client, connection, &chinook);
    }
    tenancy(&target.base_url, &shop, target.connection.as_ref().map(|_| chinook.as_str()));
    roles(&target.base_url);
    rate_limit(&target.base_url);
}

/// Tenant `beta` cannot read anything of tenant `alpha`'s (404, as if it did not exist) and registers the same
/// name as a database of its own. `live` is alpha's database with collected statistics, when there is one.
fn tenancy(base_url: &str, shop: &str, live: Option<&str>) {
    let alpha = Client::with_key(base_url, ALPHA_USER);
    let beta = Client::with_key(base_url, BETA_USER);
    let mut reads = vec![
        format!("/api/nl2sql/databases/{shop}"),
        format!("/api/nl2sql/databases/{shop}/skeleton"),
        format!("/api/nl2sql/databases/{shop}/skeleton?question=How+many+orders%3F"),
        format!("/api/nl2sql/statistics/tables?database={shop}"),
        format!("/api/nl2sql/statistics/tables/orders?database={shop}"),
    ];
    if let Some(live) = live {
        reads.push(format!("/api/nl2sql/databases/{live}"));
        reads.push(format!("/api/nl2sql/statistics/tables?database={live}"));
        reads.push(format!("/api/nl2sql/statistics/tables/artist?database={live}"));
        // alpha reads its collected statistics and refresh state; beta gets nothing.
        expect_ok("alpha's statistics", alpha.get(&format!("/api/nl2sql/statistics/tables/artist?database={live}")));
    }
    for path in &reads {
        assert_eq!(expect_error(&format!("beta GET {path}"), 404, beta.get(path)), "database_not_found");
    }
    let mut others = vec![shop.to_owned()];
    others.extend(live.map(str::to_owned));
    for database in &others {
        let refresh = beta.json("POST", "/api/nl2sql/statistics/refresh", &json!({"database": database}));
        assert_eq!(expect_error("beta refreshes alpha's database", 404, refresh), "database_not_found");
        let ask = json!({"question": "How many orders are there?", "database": database});
        let answer = beta.json("POST", "/api/nl2sql/translate", &ask);
        assert_eq!(expect_error("beta asks alpha's database", 404, answer), "database_not_found");
        let analyze = json!({"sql": "SELECT 1", "database": database});
        let report = beta.json("POST", "/api/nl2sql/advisor/analyze", &analyze);
        assert_eq!(expect_error("beta analyses against alpha's database", 404, report), "database_not_found");
    }
    let listed = expect_ok("beta's registry", beta.get("/api/nl2sql/databases")).to_string();
    assert!(!listed.contains(&format!("\"{shop}\"")), "beta does not list alpha's {shop}: {listed}");

    // The same name under beta is beta's own database; alpha's is untouched.
    let ddl = "CREATE TABLE products (id integer PRIMARY KEY, title text NOT NULL);";
    let path = format!("/api/nl2sql/databases/{shop}");
    let mine =
        expect_ok("beta registers the same name", beta.json("PUT", &path, &json!({"dialect": "sqlite", "ddl": ddl})));
    assert_eq!((mine["changed"].as_bool(), mine["database"]["tables"].as_u64()), (Some(true), Some(1)), "{mine}");
    let theirs = expect_ok("alpha's database", alpha.get(&path));
    assert_eq!(theirs["catalog"]["tables"].as_array().map(Vec::len), Some(2), "alpha keeps its schema: {theirs}");
    let own = expect_ok("beta's database", beta.get(&path));
    assert_eq!(own["database"]["dialect"], "sqlite", "{own}");
    let ask = json!({"question": "How many products are there?", "database": shop});
    let answer = expect_ok("beta asks its own database", beta.json("POST", "/api/nl2sql/translate", &ask));
    assert!(answer["sql"].as_str().is_some_and(|s| s.to_lowercase().contains("products")), "{answer}");
}

/// No key: 401; a user key on `/admin/*`: 403; an admin key: 200, with no secret in `/admin/config`.
fn roles(base_url: &str) {
    let anonymous = Client::new(base_url);
    let user = Client::with_key(base_url, ALPHA_USER);
    let admin = Client::with_key(base_url, ALPHA_ADMIN);
    let wrong = Client::with_key(base_url, "contract-no-such-key");
    for (what, client) in [("no key", &anonymous), ("unknown key", &wrong)] {
        let reply = client.send("GET", "/api/nl2sql/databases", b"");
        assert_eq!(expect_error(what, 401, (reply.status, reply.json())), "unauthorized");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"), "{what}");
    }
    let by_header = user.try_send("GET", "/api/nl2sql/databases", &[("x-api-key", ALPHA_USER)], b"").expect("send");
    assert_eq!(by_header.status, 200, "X-API-Key: {}", String::from_utf8_lossy(&by_header.body));
    let admin_routes = [
        ("GET", "/admin/config", json!(null)),
        ("GET", "/admin/features", json!(null)),
        ("POST", "/admin/features", json!({"verbose_errors": false})),
        ("POST", "/admin/cache/clear", json!({})),
    ];
    for (method, path, body) in &admin_routes {
        let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
        let what = format!("{method} {path}");
        let none = anonymous.send(method, path, &body);
        assert_eq!(expect_error(&format!("{what} without a key"), 401, (none.status, none.json())), "unauthorized");
        let denied = user.send(method, path, &body);
        assert_eq!(expect_error(&format!("{what} as user"), 403, (denied.status, denied.json())), "forbidden");
        let allowed = admin.send(method, path, &body);
        assert_eq!(allowed.status, 200, "{what} as admin: {}", String::from_utf8_lossy(&allowed.body));
    }
    let config = expect_ok("admin config", admin.get("/admin/config")).to_string();
    for (key, _, _) in KEYS {
        assert!(!config.contains(key) && !config.contains(&hash(key)[7..]), "/admin/config shows a key: {config}");
    }
    assert!(
        !config.contains("\"beta\"") && !config.contains("\"limited\""),
        "other tenants' keys are hidden: {config}"
    );
}

/// Tenant `limited` gets at most [`LIMITED_BURST`] requests through, then 429 `rate_limited` with
/// `Retry-After` (whole seconds, at most a minute at one request per minute). Tolerates an earlier run on the
/// same store having emptied the bucket.
fn rate_limit(base_url: &str) {
    let limited = Client::with_key(base_url, LIMITED_USER);
    let mut admitted = 0;
    let mut refused = None;
    for _ in 0..LIMITED_BURST + 2 {
        let reply = limited.send("GET", "/api/nl2sql/databases", b"");
        match reply.status {
            200 if refused.is_none() => admitted += 1,
            429 => refused = Some(reply),
            status => panic!("limited tenant: {status} {}", String::from_utf8_lossy(&reply.body)),
        }
    }
    assert!(admitted <= LIMITED_BURST, "{admitted} requests admitted from a bucket of {LIMITED_BURST}");
    let reply = refused.expect("over the limit, a request is refused");
    let retry_after = reply.header("retry-after").and_then(|v| v.parse::<u64>().ok());
    assert!(retry_after.is_some_and(|s| (1..=60).contains(&s)), "Retry-After: {:?}", reply.headers);
    assert_eq!(expect_error("over the limit", 429, (reply.status, reply.json())), "rate_limited");
    // Other tenants are not held back, health probes never.
    expect_ok("alpha meanwhile", Client::with_key(base_url, ALPHA_USER).get("/api/nl2sql/databases"));
    expect_ok("liveness meanwhile", Client::new(base_url).get("/health/liveness"));
}

fn expect_ok(what: &str, (status, body): (u16, Value)) -> Value {
    assert_eq!(status, 200, "{what}: {body}");
    body
}

/// A 4xx (or other non-2xx) with the error shape, answering its code.
fn expect_error(what: &str, status: u16, (got, body): (u16, Value)) -> String {
    assert_eq!(got, status, "{what}: {body}");
    let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("{what}: no error code in {body}"));
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: no message in {body}");
    code.to_owned()
}

fn health(client: &Client) {
    let alive = expect_ok("liveness", client.get("/health/liveness"));
    assert_eq!(alive["status"], "alive", "{alive}");
    let ready = expect_ok("readiness", client.get("/health/readiness"));
    assert_eq!((ready["status"].as_str(), ready["checks"]["store"].as_str()), (Some("ready"), Some("ok")), "{ready}");
    let started = expect_ok("startup", client.get("/health/startup"));
    assert!(started["uptime_seconds"].is_u64(), "{started}");
}

fn registration(client: &Client, shop: &str) {
    let path = format!("/api/nl2sql/databases/{shop}");
    let body = json!({"dialect": "postgres", "ddl": SHOP_DDL});
    let first = expect_ok("register by DDL", client.json("PUT", &path, &body));
    assert_eq!(
        (first["database"]["name"].as_str(), first["database"]["tables"].as_u64()),
        (Some(shop), Some(2)),
        "{first}"
    );
    assert_eq!(first["changed"], true, "{first}");
    let again = expect_ok("register the same DDL again", client.json("PUT", &path, &body));
    assert_eq!(again["changed"], false, "an unchanged schema writes nothing: {again}");

    let list = expect_ok("registry", client.get("/api/nl2sql/databases"));
    let names: Vec<&str> =
        list["databases"].as_array().into_iter().flatten().filter_map(|d| d["name"].as_str()).collect();
    assert!(names.contains(&shop), "{shop} is registered: {list}");
    let one = expect_ok("one database", client.get(&path));
    let tables: Vec<&str> =
        one["catalog"]["tables"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(tables, ["customers", "orders"], "{one}");
}

fn skeleton(client: &Client, shop: &str) {
    let full = expect_ok("skeleton", client.get(&format!("/api/nl2sql/databases/{shop}/skeleton")));
    let text = full["text"].as_str().unwrap_or_default();
    assert!(text.contains("customers") && text.contains("orders"), "{full}");
    assert!(full["tokens"].as_u64().is_some_and(|t| t > 0), "{full}");
    let path = format!("/api/nl2sql/databases/{shop}/skeleton?question=How+many+orders+did+each+customer+place%3F");
    let linked = expect_ok("linked skeleton", client.get(&path));
    let tables = linked["tables"].as_array().expect("linked tables");
    assert!(tables.iter().any(|t| t.to_string().contains("orders")), "{linked}");
    let code = expect_error("bad budget", 400, client.get(&format!("/api/nl2sql/databases/{shop}/skeleton?budget=-1")));
    assert_eq!(code, "invalid_budget");
}

fn translation(client: &Client, shop: &str) {
    let body = json!({"question": "How many customers are there?", "database": shop});
    let answer = expect_ok("translate", client.json("POST", "/api/nl2sql/translate", &body));
    let sql = answer["sql"].as_str().unwrap_or_default().to_lowercase();
    assert!(sql.contains("count") && sql.contains("customers") && sql.contains("limit"), "{answer}");
    assert!(answer["confidence"].is_number() && answer["provider"].is_string(), "{answer}");
    assert_eq!(answer["advisor"]["kind"], "query", "every translation carries the advisor's report: {answer}");
    assert!(answer["advisor"]["quality_score"].is_u64(), "{answer}");
}

/// A translation through the configured provider on the fake server, reached over the host's own outbound HTTP:
/// the model's first answer names a column the schema does not have and is corrected on the second attempt
/// (the guard's error goes back to the model); the key comes from the host's environment, never the response.
fn translation_through_a_provider(client: &Client, shop: &str, llm: &FakeLlm) {
    let question = format!("Which customers spent the most in {shop}?");
    let wrong = "SELECT name, loyalty_points FROM customers ORDER BY loyalty_points DESC";
    let right = "SELECT c.name, SUM(o.total) AS spent FROM customers AS c JOIN orders AS o ON o.customer_id = c.id \
                 GROUP BY c.name ORDER BY spent DESC";
    let fenced = |sql: &str| Reply::text(format!("Sure! Here is the query:\n```sql\n{sql}\n```\nHope it helps."));
    llm.on(&question, vec![fenced(wrong), fenced(right)]);
    let before = llm.calls().len();
    let body = json!({"question": question, "database": shop, "provider": "fake"});
    let answer = expect_ok("translate through the provider", client.json("POST", "/api/nl2sql/translate", &body));
    assert_eq!(answer["provider"], "fake", "{answer}");
    let sql = answer["sql"].as_str().unwrap_or_default().to_lowercase();
    assert!(sql.contains("sum(o.total)") && sql.contains("join orders") && sql.contains("limit"), "{answer}");
    assert!(!sql.contains("loyalty_points"), "the invalid first answer never leaves: {answer}");
    let outcomes: Vec<&str> =
        answer["attempts"].as_array().into_iter().flatten().filter_map(|a| a["outcome"].as_str()).collect();
    // Each call is an attempt ("ok": the provider answered); the guard's verdict on its SQL is one more.
    assert_eq!(outcomes, ["ok", "invalid", "ok"], "{answer}");
    assert!(answer["attempts"][1]["detail"].as_str().is_some_and(|d| d.contains("loyalty_points")), "{answer}");
    assert!(answer["tokens"]["total"].as_u64().is_some_and(|t| t > 0), "token usage counted: {answer}");
    assert!(answer["cost"].as_f64().is_some_and(|c| c > 0.0), "priced from the configuration: {answer}");
    assert!(!answer.to_string().contains(LLM_KEY), "the key never appears in a response");

    let calls: Vec<_> = llm.calls().into_iter().skip(before).filter(|c| c.prompt.contains(&question)).collect();
    assert_eq!(calls.len(), 2, "one call per attempt");
    assert!(calls.iter().all(|c| c.path == "/v1/chat/completions" && c.model == LLM_MODEL), "{calls:?}");
    assert!(calls.iter().all(|c| c.credential == LLM_KEY), "the key from the host's environment is sent");
    assert!(calls[0].prompt.contains("customers") && calls[0].prompt.contains("orders"), "the linked skeleton");
    assert!(calls[1].prompt.contains("loyalty_points"), "the correction names the error: {}", calls[1].prompt);
}

/// The code advisor: findings with positions from the registered catalog, parse errors as 422 with the line and
/// column, statements that are not queries, index recommendations for a workload.
fn advisor(client: &Client, shop: &str) {
    let analyze = "/api/nl2sql/advisor/analyze";
    let body = json!({"sql": "SELECT * FROM orders WHERE total = NULL", "database": shop});
    let report = expect_ok("advisor analyze", client.json("POST", analyze, &body));
    assert_eq!((report["kind"].as_str(), report["dialect"].as_str()), (Some("query"), Some("postgres")), "{report}");
    let findings = report["findings"].as_array().expect("findings");
    let eq_null = findings.iter().find(|f| f["code"] == "eq_null").unwrap_or_else(|| panic!("eq_null: {report}"));
    assert_eq!(eq_null["location"], json!({"line": 1, "column": 28}), "{report}");
    assert_eq!(eq_null["snippet"], "total = NULL", "{report}");
    let star = findings.iter().find(|f| f["code"] == "select_star").unwrap_or_else(|| panic!("select_star: {report}"));
    assert!(star["message"].as_str().is_some_and(|m| m.contains("all 4 columns of orders")), "catalog used: {star}");
    assert!(
        report["quality_score"].as_u64().is_some_and(|s| s < 50) && report["meets_min_quality"] == false,
        "{report}"
    );
    assert_eq!(report["cost"]["tables"][0]["table"], "orders", "{report}");

    let bad = client.json("POST", analyze, &json!({"sql": "SELECT id FROM orders WHERE", "database": shop}));
    assert_eq!(expect_error("advisor on malformed SQL", 422, bad.clone()), "invalid_sql");
    assert!(bad.1["error"]["message"].as_str().is_some_and(|m| m.contains("line 1, column 28")), "{}", bad.1);
    let not_query = expect_ok("advisor on DELETE", client.json("POST", analyze, &json!({"sql": "DELETE FROM orders"})));
    assert_eq!((not_query["kind"].as_str(), not_query["statement"].as_str()), (Some("not_a_query"), Some("DELETE")));
    let unknown = client.json("POST", analyze, &json!({"sql": "SELECT 1", "database": "no_such_db"}));
    assert_eq!(expect_error("advisor on an unknown database", 404, unknown), "database_not_found");

    let recommend = "/api/nl2sql/advisor/recommend-indexes";
    let workload = json!({
        "queries": [
            "SELECT id FROM orders WHERE customer_id = 3",
            "SELECT id, total FROM orders WHERE placed_at > '2024-01-01' ORDER BY placed_at LIMIT 20",
            "UPDATE orders SET total = 0"
        ],
        "database": shop
    });
    let advice = expect_ok("recommend indexes for a workload", client.json("POST", recommend, &workload));
    assert_eq!((advice["queries"].as_u64(), advice["analyzed"].as_u64()), (Some(3), Some(2)), "{advice}");
    let recs = advice["recommendations"].as_array().expect("recommendations");
    assert!(!recs.iter().any(|r| r["columns"] == json!(["customer_id"])), "orders_customer exists: {advice}");
    let bad = client.json("POST", recommend, &json!({"queries": ["SELECT 1", "SELEC 2"]}));
    assert_eq!(expect_error("recommend with malformed SQL", 422, bad.clone()), "invalid_sql");
    assert!(bad.1["error"]["message"].as_str().is_some_and(|m| m.starts_with("queries[1]: ")), "{}", bad.1);
    let neither = client.json("POST", recommend, &json!({"database": shop}));
    assert_eq!(expect_error("recommend without SQL", 400, neither), "invalid_request");
}

/// The SQL guard's verdicts (docs/guard.md): the SQL that may run, bounded and without comments, or 422.
fn guard(client: &Client, shop: &str) {
    let check = |sql: &str| client.json("POST", "/api/nl2sql/guard", &json!({"sql": sql, "database": shop}));
    let allowed = expect_ok("guard allows a query", check("SELECT name FROM customers -- everyone"));
    assert_eq!(allowed["verdict"], "allowed", "{allowed}");
    let sql = allowed["sql"].as_str().unwrap_or_default();
    assert!(sql.starts_with("SELECT name FROM customers LIMIT ") && !sql.contains("--"), "{allowed}");
    let rules: Vec<&str> =
        allowed["changes"].as_array().into_iter().flatten().filter_map(|c| c["rule"].as_str()).collect();
    assert_eq!(rules, ["comments_removed", "limit_added"], "{allowed}");
    for refused in [
        "SELECT name FROM customers; DROP TABLE orders",
        "WITH d AS (DELETE FROM orders RETURNING id) SELECT id FROM d",
        "SELECT pg_sleep(10)",
        "SELECT usename FROM pg_catalog.pg_user",
        "SELECT secret FROM vault",
    ] {
        assert_eq!(expect_error(refused, 422, check(refused)), "unsafe_sql");
    }
}

fn statistics_without_connection(client: &Client, shop: &str) {
    let list = expect_ok("statistics list", client.get(&format!("/api/nl2sql/statistics/tables?database={shop}")));
    assert_eq!(list["collectable"], false, "a DDL registration has nothing to collect from: {list}");
    assert_eq!(list["tables"].as_array().map(Vec::len), Some(2), "{list}");
    let detail = client.get(&format!("/api/nl2sql/statistics/tables/orders?database={shop}"));
    assert_eq!(expect_error("statistics detail before any collection", 404, detail), "statistics_not_found");
    let refresh = client.json("POST", "/api/nl2sql/statistics/refresh", &json!({"database": shop}));
    assert_eq!(expect_error("refresh without a connection", 400, refresh), "no_connection");
    let missing = client.get("/api/nl2sql/statistics/tables");
    assert_eq!(expect_error("statistics without a database", 400, missing), "missing_database");
}

fn bad_input(client: &Client, shop: &str) {
    let translate = "/api/nl2sql/translate";
    let malformed = client.send("POST", translate, b"{\"question\": ");
    assert_eq!(malformed.header("content-type"), Some("application/json"), "errors are JSON");
    assert_eq!(expect_error("malformed JSON", 400, (malformed.status, malformed.json())), "invalid_json");
    let no_question = client.json("POST", translate, &json!({"database": shop}));
    assert_eq!(expect_error("missing question", 400, no_question), "invalid_request");
    let empty = client.json("POST", translate, &json!({"question": "  ", "database": shop}));
    assert_eq!(expect_error("empty question", 400, empty), "missing_question");
    let long = client.json("POST", translate, &json!({"question": "why ".repeat(1000), "database": shop}));
    assert_eq!(expect_error("over-long question", 400, long), "question_too_long");
    let unknown = client.json("POST", translate, &json!({"question": "How many?", "database": "no_such_db"}));
    assert_eq!(expect_error("unknown database", 404, unknown), "database_not_found");
    let huge = vec![b' '; 1024 * 1024 + 10];
    let reply = client.send("POST", translate, &huge);
    assert_eq!(expect_error("over-long body", 413, (reply.status, reply.json())), "payload_too_large");
    assert_eq!(expect_error("unknown route", 404, client.get("/api/nl2sql/nope")), "route_not_found");
    let wrong_method = client.json("DELETE", "/health/liveness", &json!({}));
    assert_eq!(expect_error("wrong method", 405, wrong_method), "method_not_allowed");
    let bad_name =
        client.json("PUT", "/api/nl2sql/databases/_reserved", &json!({"dialect": "postgres", "ddl": SHOP_DDL}));
    assert_eq!(expect_error("reserved name", 400, bad_name), "invalid_name");
}

/// Chinook on PostgreSQL through the host's connection: introspection, statistics, execution.
fn live_database(client: &Client, connection: &str, name: &str) {
    let path = format!("/api/nl2sql/databases/{name}");
    let registered = expect_ok(
        "register by connection",
        client.json("PUT", &path, &json!({"dialect": "postgres", "connection": connection})),
    );
    assert_eq!(registered["database"]["tables"], 11, "{registered}");
    assert!(!registered.to_string().contains("postgres://"), "the URL is a secret: {registered}");

    let refresh = json!({"database": name, "tables": ["artist", "album"]});
    let report = expect_ok("refresh", client.json("POST", "/api/nl2sql/statistics/refresh", &refresh));
    let refreshed: Vec<&str> =
        report["refreshed"].as_array().into_iter().flatten().filter_map(|r| r["table"].as_str()).collect();
    assert_eq!(refreshed, ["album", "artist"], "{report}");

    let list = expect_ok("statistics list", client.get(&format!("/api/nl2sql/statistics/tables?database={name}")));
    let artist =
        list["tables"].as_array().into_iter().flatten().find(|t| t["table"] == "artist").expect("artist listed");
    assert!(artist["refreshed_at"].is_string() && artist["row_count"].as_f64().is_some_and(|r| r > 0.0), "{list}");
    let detail =
        expect_ok("statistics detail", client.get(&format!("/api/nl2sql/statistics/tables/artist?database={name}")));
    assert_eq!(detail["statistics"]["table"], "artist", "{detail}");

    let analyze = json!({"sql": "SELECT title FROM album WHERE title LIKE '%Rock%'", "database": name});
    let report =
        expect_ok("advisor with collected statistics", client.json("POST", "/api/nl2sql/advisor/analyze", &analyze));
    assert_eq!(report["statistics"], "collected", "{report}");
    assert_eq!(report["cost"]["tables"][0]["rows"], 347.0, "album's collected row count: {report}");
    assert!(
        report["findings"].as_array().is_some_and(|f| f.iter().any(|f| f["code"] == "leading_wildcard")),
        "{report}"
    );

    let ask = json!({"question": "How many artists are there?", "database": name, "execute": true});
    let answer = expect_ok("translate and execute", client.json("POST", "/api/nl2sql/translate", &ask));
    assert_eq!(answer["rows"]["rows"], json!([[275]]), "{answer}");
}
