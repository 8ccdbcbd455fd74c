//! The Spin component under a real wasm runtime: the built component (`NL2SQL_SPIN_WASM`, the `wasm-release`
//! build `tests/run` makes) served by the test host (`tests/spin-host`: wasmtime with Spin's key-value on a
//! SQLite file and Spin variables), granted what `infra/spin/spin.toml` grants it: its store labels, allowed
//! hosts and variables, application variables set like `spin up` takes them (`SPIN_VARIABLE_*`). Nothing is
//! built here.
//!
//! - the HTTP contract suite, then the data it wrote read back by later requests (a fresh instance each) and
//!   after a host restart, and not found with another key-value file;
//! - the scheduled refresh route and its token, and the cron component (`NL2SQL_SPIN_CRON_WASM`) calling it on
//!   a tick of Spin's cron trigger;
//! - configuration from Spin variables, `${NAME}` resolved through them;
//! - with the test build (`conformance` feature, `NL2SQL_SPIN_TEST_WASM`): the Store conformance suite on Spin
//!   key-value, and outbound HTTP through Spin's allow-list. The product build does not have those routes.

use nl2sql_tests::client::Client;
use nl2sql_tests::contract::{self, Target};
use nl2sql_tests::fake_llm::FakeLlm;
use nl2sql_tests::spin::{SpinHost, SpinOptions, component, cron_component, cron_tick, test_component};
use nl2sql_tests::wire;
use serde_json::{Value, json};
use std::io::{BufReader, Write};
use std::net::TcpListener;

const DDL: &str = "CREATE TABLE artist (id integer PRIMARY KEY, name text NOT NULL);
CREATE TABLE album (id integer PRIMARY KEY, title text, artist_id integer REFERENCES artist (id));";

fn ok(what: &str, (status, body): (u16, Value)) -> Value {
    assert_eq!(status, 200, "{what}: {body}");
    body
}

fn error_code(what: &str, status: u16, (got, body): (u16, Value)) -> String {
    assert_eq!(got, status, "{what}: {body}");
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("{what}: no error code in {body}")).to_owned()
}

fn kv_file(dir: &tempfile::TempDir, name: &str) -> std::path::PathBuf {
    dir.path().join(name)
}

#[test]
fn spin_component_honours_the_http_contract_and_keeps_its_data() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kv = kv_file(&dir, "kv.sqlite");
    // The suite's API keys and rate limits through the `config_toml` Spin variable.
    // The provider on the fake LLM server: its origin is the manifest's `llm_origin` (Spin's outbound allow-list)
    // and its key the secret variable `openai_api_key`, which the configuration names as `${OPENAI_API_KEY}`.
    let llm = std::sync::Arc::new(FakeLlm::start());
    let config = format!("{}{}", contract::security_toml(), contract::llm_toml(llm.url()));
    let variables =
        [("config_toml", config.as_str()), ("llm_origin", llm.url()), ("openai_api_key", contract::LLM_KEY)];
    let options = SpinOptions::from_manifest("nl2sql", &variables);
    let host = SpinHost::start(&component(), &kv, &options);
    contract::run(&Target { base_url: host.base_url.clone(), connection: None, suffix: "spin".into(), llm: Some(llm) });

    // Every request ran in a fresh component instance: what one wrote, the next read from key-value.
    let client = Client::with_key(&host.base_url, contract::ALPHA_USER);
    let path = "/api/nl2sql/databases/music";
    let registered = ok("register", client.json("PUT", path, &json!({"dialect": "postgres", "ddl": DDL})));
    assert_eq!(registered["changed"], true, "{registered}");
    drop(host);

    // A new host process on the same key-value file sees everything.
    let host = SpinHost::start(&component(), &kv, &options);
    let client = Client::with_key(&host.base_url, contract::ALPHA_USER);
    let catalog = ok("catalog after a restart", client.get(path));
    let tables: Vec<&str> =
        catalog["catalog"]["tables"].as_array().into_iter().flatten().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(tables, ["album", "artist"], "{catalog}");
    let again = ok("same DDL after a restart", client.json("PUT", path, &json!({"dialect": "postgres", "ddl": DDL})));
    assert_eq!(again["changed"], false, "the stored fingerprint survived: {again}");
    let names = ok("registry after a restart", client.get("/api/nl2sql/databases")).to_string();
    assert!(names.contains("\"shop_spin\"") && names.contains("\"music\""), "{names}");
    let ask = json!({"question": "How many albums are there?", "database": "music"});
    let answer = ok("translate after a restart", client.json("POST", "/api/nl2sql/translate", &ask));
    assert!(answer["sql"].as_str().unwrap_or_default().to_lowercase().contains("album"), "{answer}");
    drop(host);

    // The data is in that file and nowhere else: another file knows nothing.
    let host = SpinHost::start(&component(), &kv_file(&dir, "other.sqlite"), &options);
    let client = Client::with_key(&host.base_url, contract::ALPHA_USER);
    assert_eq!(error_code("other store", 404, client.get(path)), "database_not_found");
}

#[test]
fn scheduled_refresh_runs_only_with_the_refresh_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = SpinOptions::from_manifest("nl2sql", &[("refresh_token", "t0ken-for-tests")]);
    let host = SpinHost::start(&component(), &kv_file(&dir, "kv.sqlite"), &options);
    let client = host.client();
    ok("register", client.json("PUT", "/api/nl2sql/databases/music", &json!({"dialect": "postgres", "ddl": DDL})));

    let refresh = |token: Option<&str>| {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let reply = client.try_send("POST", "/cron/refresh", &headers, b"").expect("refresh request");
        (reply.status, reply.json())
    };
    assert_eq!(error_code("no token", 401, refresh(None)), "unauthorized");
    assert_eq!(error_code("wrong token", 401, refresh(Some("t0ken-for-test"))), "unauthorized");
    let report = ok("refresh", refresh(Some("t0ken-for-tests")));
    // A DDL-only database has no connection to collect from: the run finds nothing to do and says so.
    assert!(report["started_at"].is_string() && report["refreshed"] == json!([]), "{report}");
    assert_eq!(report["queued"], 0, "{report}");
    let wrong_method = client.get("/cron/refresh");
    assert_eq!(error_code("GET", 405, wrong_method), "method_not_allowed");

    // One tick of the cron trigger: the manifest's cron component POSTs to the route with the token (its allowed
    // host is the `refresh_origin` it posts to), and fails the tick when the route or the allow-list refuses it.
    let cron = |token: &str| {
        let variables = [("refresh_origin", host.base_url.as_str()), ("refresh_token", token)];
        cron_tick(&cron_component(), &SpinOptions::from_manifest("nl2sql-cron", &variables))
    };
    let ticked = cron("t0ken-for-tests").expect("the tick succeeds");
    assert!(ticked.contains("refresh answered 200") && ticked.contains("\"refreshed\":[]"), "{ticked}");
    let refused = cron("wrong").expect_err("a wrong token fails the tick");
    assert!(refused.contains("answered 401") && refused.contains("unauthorized"), "{refused}");
    let variables = vec![
        ("refresh_origin".to_owned(), host.base_url.clone()),
        ("refresh_token".to_owned(), "t0ken-for-tests".to_owned()),
    ];
    let denied = cron_tick(&cron_component(), &SpinOptions { variables, ..SpinOptions::default() })
        .expect_err("without the manifest's allowed host the tick fails");
    assert!(denied.contains("HttpRequestDenied"), "{denied}");
    drop(host);

    // Without the variable the route is off.
    let host = SpinHost::start(&component(), &kv_file(&dir, "kv.sqlite"), &SpinOptions::from_manifest("nl2sql", &[]));
    let reply = host.client().try_send("POST", "/cron/refresh", &[("authorization", "Bearer x")], b"").expect("send");
    assert_eq!(error_code("no refresh_token", 403, (reply.status, reply.json())), "forbidden");
}

#[test]
fn configuration_comes_from_spin_variables() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kv = kv_file(&dir, "kv.sqlite");
    let config = "[nl2sql]\nmax_question_length = 20\n[llm.openai]\napi_key = \"${OPENAI_API_KEY}\"\n";
    let long = json!({"question": "How many artists are there?", "database": "music"});

    // `${OPENAI_API_KEY}` resolves through the Spin variable `openai_api_key`; unset, nothing starts.
    let options = SpinOptions::from_manifest("nl2sql", &[("config_toml", config)]);
    let host = SpinHost::start_unready(&component(), &kv, &options);
    let (status, body) = host.client().get("/health/liveness");
    assert_eq!((status, body["error"]["code"].as_str()), (500, Some("config_error")), "{body}");
    assert!(body.to_string().contains("OPENAI_API_KEY"), "the error names the variable: {body}");
    drop(host);

    let variables = [("config_toml", config), ("openai_api_key", "sk-secret-value")];
    let host = SpinHost::start(&component(), &kv, &SpinOptions::from_manifest("nl2sql", &variables));
    let client = host.client();
    ok("register", client.json("PUT", "/api/nl2sql/databases/music", &json!({"dialect": "postgres", "ddl": DDL})));
    let code = error_code(
        "question over the configured 20 characters",
        400,
        client.json("POST", "/api/nl2sql/translate", &long),
    );
    assert_eq!(code, "question_too_long");
}

#[test]
fn spin_key_value_store_passes_the_store_conformance_suite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = SpinOptions { kv_labels: vec!["conformance".into()], ..SpinOptions::from_manifest("nl2sql", &[]) };
    let host = SpinHost::start(&test_component(), &kv_file(&dir, "kv.sqlite"), &options);
    let client = host.client();
    for run in 1..=2 {
        let report = ok(&format!("conformance run {run}"), client.json("POST", "/_test/store-conformance", &json!({})));
        assert_eq!(report["store_suite"], "passed", "{report}");
        assert_eq!(report["supports_cas"], false, "Spin key-value has no conditional write: {report}");
    }
    drop(host);

    // The suite needs the `conformance` label, which the manifest does not grant: it cannot open it.
    let host =
        SpinHost::start(&test_component(), &kv_file(&dir, "kv.sqlite"), &SpinOptions::from_manifest("nl2sql", &[]));
    let code = error_code("label not granted", 503, host.client().json("POST", "/_test/store-conformance", &json!({})));
    assert_eq!(code, "store_error");
    drop(host);

    // The product build has no test routes.
    let host = SpinHost::start(&component(), &kv_file(&dir, "kv.sqlite"), &SpinOptions::from_manifest("nl2sql", &[]));
    let code = error_code("product build", 404, host.client().json("POST", "/_test/store-conformance", &json!({})));
    assert_eq!(code, "route_not_found");
}

/// An upstream that answers one request with `201 upstream says hi` and reports what it received.
fn one_shot_upstream() -> (String, std::thread::JoinHandle<wire::Message>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("address"));
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let request = wire::read_message(&mut reader, false).expect("read").expect("a request");
        let mut stream = stream;
        stream.write_all(&wire::response(201, "Created", &[], b"upstream says hi", true)).expect("write");
        request
    });
    (origin, handle)
}

#[test]
fn outbound_http_goes_through_spin_and_its_allow_list() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (origin, upstream) = one_shot_upstream();
    let options = SpinOptions { allowed_outbound: vec![origin.clone()], ..SpinOptions::from_manifest("nl2sql", &[]) };
    let host = SpinHost::start(&test_component(), &kv_file(&dir, "kv.sqlite"), &options);
    let client = host.client();
    let send = json!({"method": "POST", "url": format!("{origin}/v1/chat"), "body": "{\"q\":1}"});
    let answer = ok("allowed origin", client.json("POST", "/_test/outbound", &send));
    assert_eq!((answer["status"].as_u64(), answer["body"].as_str()), (Some(201), Some("upstream says hi")), "{answer}");
    let seen = upstream.join().expect("upstream thread");
    assert!(seen.start.starts_with("POST /v1/chat "), "{}", seen.start);
    assert_eq!((seen.header("x-nl2sql-test"), seen.body.as_slice()), (Some("outbound"), &b"{\"q\":1}"[..]));

    // Any other origin is refused by the host before a connection is made.
    let denied = json!({"url": "http://127.0.0.1:9/elsewhere"});
    assert_eq!(
        error_code("origin not allowed", 502, client.json("POST", "/_test/outbound", &denied)),
        "provider_error"
    );
}
