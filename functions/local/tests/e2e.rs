//! End-to-end tests of the `nl2sql` binary: a real server process on a free port, real HTTP, the bundled
//! Chinook SQLite database, the embedded file store in a temporary data directory.

mod common;

use common::{BIN, Server, tempdir};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

fn ask(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("ask")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("NL2SQL_CONFIG")
        .output()
        .expect("run nl2sql ask")
}

fn assert_error(resp: (u16, Value), status: u16, code: &str) {
    assert_eq!(resp.0, status, "{}", resp.1);
    assert_eq!(resp.1["error"]["code"], code, "{}", resp.1);
    assert!(resp.1["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", resp.1);
}

#[test]
fn translate_executes_against_the_bundled_demo() {
    let dir = tempdir();
    let server = Server::start(dir.path(), &[], None);

    let (status, body) = server.post(
        "/api/nl2sql/translate",
        &json!({"question": "How many tracks are there?", "database": "demo", "execute": true}),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["sql"].as_str().is_some_and(|s| s.to_uppercase().starts_with("SELECT")), "{body}");
    assert_eq!(body["rows"]["rows"], json!([[3503]]), "{body}");
    assert_eq!(body["provider"], "offline");

    let (status, body) = server.post(
        "/api/nl2sql/translate",
        &json!({"question": "Which 5 artists have the most albums?", "database": "demo", "execute": true}),
    );
    assert_eq!(status, 200, "{body}");
    let rows = body["rows"]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 5, "{body}");
    let counts: Vec<i64> = rows
        .iter()
        .map(|r| r.as_array().and_then(|r| r.iter().rev().find_map(Value::as_i64)).expect("a count"))
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "ordered by album count: {counts:?}");
    assert_eq!(counts[0], 21, "{body}");
    assert!(rows[0].to_string().contains("Iron Maiden"), "{body}");

    // Without execute there are no rows, only SQL.
    let (status, body) =
        server.post("/api/nl2sql/translate", &json!({"question": "How many tracks are there?", "database": "demo"}));
    assert_eq!(status, 200);
    assert!(body.get("rows").is_none(), "{body}");
}

#[test]
fn health_probes_answer() {
    let dir = tempdir();
    let server = Server::start(dir.path(), &[], None);
    let (status, body) = server.request("GET", "/health/liveness", b"");
    assert_eq!((status, body["status"].as_str()), (200, Some("alive")));
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    let (status, body) = server.request("GET", "/health/readiness", b"");
    assert_eq!((status, &body["checks"]["store"]), (200, &json!("ok")));
    let (status, body) = server.request("GET", "/health/startup", b"");
    assert_eq!((status, body["status"].as_str()), (200, Some("started")));
    assert!(body["uptime_seconds"].is_u64());
}

#[test]
fn bad_input_gets_json_errors() {
    let dir = tempdir();
    let config = dir.path().join("nl2sql.toml");
    std::fs::write(&config, "[nl2sql]\nmax_question_length = 60\n").expect("write config");
    let server = Server::start(&dir.path().join("data"), &[], Some(&config));
    let path = "/api/nl2sql/translate";

    assert_error(server.request("POST", path, b"{\"question\": "), 400, "invalid_json");
    assert_error(server.post(path, &json!({"database": "demo"})), 400, "invalid_request");
    assert_error(server.post(path, &json!({"question": "  ", "database": "demo"})), 400, "missing_question");
    assert_error(
        server.post(path, &json!({"question": "How many tracks?", "database": "nope"})),
        404,
        "database_not_found",
    );
    assert_error(
        server.post(path, &json!({"question": "How many tracks?", "database": "../etc"})),
        400,
        "invalid_name",
    );
    assert_error(server.post(path, &json!({"question": "x".repeat(61), "database": "demo"})), 400, "question_too_long");
    let huge = format!("{{\"question\":\"{}\",\"database\":\"demo\"}}", "a".repeat(1024 * 1024 + 10));
    assert_error(server.request("POST", path, huge.as_bytes()), 413, "payload_too_large");
    assert_error(
        server.post(path, &json!({"question": "What is the meaning of life?", "database": "demo"})),
        422,
        "untranslatable",
    );
    assert_error(server.request("GET", path, b""), 405, "method_not_allowed");
    assert_error(server.request("GET", "/nope", b""), 404, "route_not_found");
    assert_error(
        server.request(
            "PUT",
            "/api/nl2sql/databases/x",
            br#"{"dialect":"sqlite","connection":"sqlite:///etc/passwd"}"#,
        ),
        400,
        "invalid_connection",
    );
    // The server is still fine after all of that.
    let (status, _) = server.request("GET", "/health/liveness", b"");
    assert_eq!(status, 200);
}

#[test]
fn restart_keeps_registered_databases() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let db = dir.path().join("pets.sqlite");
    let conn = rusqlite::Connection::open(&db).expect("create db");
    conn.execute_batch(
        "CREATE TABLE owner (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
         CREATE TABLE pet (id INTEGER PRIMARY KEY, name TEXT, species TEXT, owner_id INTEGER REFERENCES owner(id));
         INSERT INTO owner VALUES (1,'Ann','Oslo'),(2,'Bob','Rome');
         INSERT INTO pet VALUES (1,'Rex','dog',1),(2,'Tom','cat',1),(3,'Kit','cat',2);",
    )
    .expect("seed db");
    drop(conn);
    let url = format!("sqlite://{}", db.display());
    let env = [("PETS_DB_URL", url.as_str())];

    {
        let server = Server::start(&data, &env, None);
        let (status, body) =
            server.request("PUT", "/api/nl2sql/databases/pets", br#"{"dialect":"sqlite","connection":"PETS_DB_URL"}"#);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["database"]["tables"], 2);
        assert!(!body.to_string().contains("pets.sqlite"), "the connection URL is a secret and never echoed: {body}");
    }
    let server = Server::start(&data, &env, None);
    let (status, body) = server.request("GET", "/api/nl2sql/databases/pets", b"");
    assert_eq!(status, 200, "{body}");
    let tables: Vec<&str> =
        body["catalog"]["tables"].as_array().expect("tables").iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(tables, ["owner", "pet"]);
    let (status, body) = server.request("GET", "/api/nl2sql/databases", b"");
    assert_eq!(status, 200);
    let names: Vec<&str> =
        body["databases"].as_array().expect("list").iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["demo", "pets"]);
    let (status, body) = server.post(
        "/api/nl2sql/translate",
        &json!({"question": "How many pets are there?", "database": "pets", "execute": true}),
    );
    assert_eq!((status, &body["rows"]["rows"]), (200, &json!([[3]])), "{body}");
}

#[test]
fn ask_prints_sql_and_a_table() {
    let dir = tempdir();
    let out = ask(dir.path(), &["--execute", "How many customers are there in each country?"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let first = stdout.lines().next().expect("sql line");
    assert!(first.contains("GROUP BY") && first.contains("Country"), "{stdout}");
    let usa = stdout.lines().find(|l| l.starts_with("USA ")).expect("a USA row");
    assert!(usa.trim_end().ends_with("13"), "{usa}");
    assert!(stdout.contains("(24 rows)"), "{stdout}");

    let out = ask(dir.path(), &["--json", "How many tracks are there?"]);
    let value: Value = serde_json::from_slice(&out.stdout).expect("json output");
    assert!(value["sql"].as_str().is_some_and(|s| s.contains("COUNT")), "{value}");

    let out = ask(dir.path(), &["--database", "missing", "How many tracks are there?"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_not_found"));
}

#[test]
fn refuses_to_serve_beyond_loopback_without_keys() {
    let dir = tempdir();
    let out =
        Command::new(BIN).args(["serve", "--addr", "0.0.0.0:0", "--data-dir"]).arg(dir.path()).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}

/// `nl2sql key new` makes a key and its configuration line; with it configured the server listens beyond
/// loopback, asks every API request for the key, and the CLI acts for `--tenant` without one.
#[test]
fn serves_beyond_loopback_with_keys_made_by_the_key_command() {
    let dir = tempdir();
    let out = Command::new(BIN).args(["key", "new", "--tenant", "acme", "--role", "admin"]).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let key = text.split_whitespace().find(|w| w.starts_with("nl2sql_")).expect("a key is printed").to_owned();
    let entry = text.lines().find(|l| l.contains("sha256:")).expect("a configuration line").trim().to_owned();
    assert!(entry.starts_with("\"acme:admin:sha256:"), "{entry}");
    assert!(!entry.contains(&key), "the configuration line holds the hash, never the key: {entry}");

    // `key hash` reads the key from stdin and prints the same hash.
    let mut hash = Command::new(BIN)
        .args(["key", "hash"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut hash.stdin.take().expect("stdin"), format!("{key}\n").as_bytes()).expect("write");
    let hashed = String::from_utf8(hash.wait_with_output().expect("wait").stdout).expect("utf-8");
    assert!(hashed.trim().starts_with("sha256:") && entry.contains(hashed.trim()), "{hashed} / {entry}");

    let config = dir.path().join("nl2sql.toml");
    std::fs::write(&config, format!("[security]\napi_keys = [{entry}]\n")).expect("write config");
    let ddl = dir.path().join("shop.sql");
    std::fs::write(&ddl, "CREATE TABLE orders (id integer PRIMARY KEY, total numeric);").expect("write ddl");
    let sync = Command::new(BIN)
        .args(["schema", "sync", "shop", "--dialect", "postgres", "--tenant", "acme", "--ddl"])
        .arg(&ddl)
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("NL2SQL_CONFIG")
        .output()
        .expect("run");
    assert!(sync.status.success(), "{}", String::from_utf8_lossy(&sync.stderr));

    let server = Server::start_on("0.0.0.0", dir.path(), &[], Some(&config));
    let (status, _) = server.try_request("GET", "/api/nl2sql/databases/shop", b"").expect("request");
    assert_eq!(status, 401, "no key");
    let auth = format!("Authorization: Bearer {key}");
    let (status, body) = server.try_request_with("GET", "/api/nl2sql/databases/shop", &[&auth], b"").expect("request");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, body) = server.try_request_with("GET", "/admin/config", &[&auth], b"").expect("request");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(!String::from_utf8_lossy(&body).contains(&hashed.trim()[7..]), "no hash in /admin/config");
    // The demo belongs to the default tenant: acme does not see it.
    let (status, _) = server.try_request_with("GET", "/api/nl2sql/databases/demo", &[&auth], b"").expect("request");
    assert_eq!(status, 404);
}
