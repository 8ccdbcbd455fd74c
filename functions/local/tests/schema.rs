//! Registration by DDL through the real server and CLI: diffs and fingerprints on re-registration, no writes
//! when unchanged, clear errors for bad DDL and unreachable databases, nothing half-registered, linked skeletons.

mod common;

use common::{BIN, Server, tempdir};
use serde_json::{Value, json};
use std::process::Command;

const SHOP_V1: &str = "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, city text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers(id), total numeric(10,2), placed_at date);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;";

const SHOP_V2: &str = "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, city text, email text);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers(id), total numeric(10,2), placed_at date);
CREATE TABLE products (id integer PRIMARY KEY, title text);";

fn put(server: &Server, db: &str, body: &Value) -> (u16, Value) {
    server.request("PUT", &format!("/api/nl2sql/databases/{db}"), body.to_string().as_bytes())
}

#[test]
fn re_registration_reports_the_diff_and_unchanged_ddl_writes_nothing() {
    let dir = tempdir();
    let server = Server::start(dir.path(), &[], None);

    let (status, first) = put(&server, "shop", &json!({"dialect": "postgres", "ddl": SHOP_V1}));
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["changed"], true);
    assert_eq!(first["database"]["tables"], 2);
    let skipped = first["skipped"].as_array().expect("skipped statements are listed");
    assert!(skipped.iter().any(|s| s["line"] == 4), "CREATE FUNCTION on line 4 is skipped: {first}");

    let (status, again) = put(&server, "shop", &json!({"dialect": "postgres", "ddl": SHOP_V1}));
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["changed"], false, "{again}");
    assert_eq!(again["database"], first["database"], "unchanged DDL keeps the stored record (same registered_at)");

    let (status, second) = put(&server, "shop", &json!({"dialect": "postgres", "ddl": SHOP_V2}));
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["changed"], true);
    assert_ne!(second["database"]["fingerprint"], first["database"]["fingerprint"], "fingerprint bumps");
    let changes = second["changes"].to_string();
    assert!(changes.contains("products"), "added table reported: {changes}");
    assert!(changes.contains("email"), "added column reported: {changes}");
    assert!(changes.contains("orders_customer_idx"), "removed index reported: {changes}");

    let (status, got) = server.request("GET", "/api/nl2sql/databases/shop", b"");
    assert_eq!(status, 200);
    assert_eq!(got["database"]["fingerprint"], second["database"]["fingerprint"]);
}

#[test]
fn bad_ddl_and_unreachable_databases_are_clear_and_leave_the_old_registration() {
    let dir = tempdir();
    let server = Server::start(dir.path(), &[("DOWN_PG_URL", "postgres://app:s3cret-pw@127.0.0.1:9/x")], None);
    let (status, first) = put(&server, "shop", &json!({"dialect": "postgres", "ddl": SHOP_V1}));
    assert_eq!(status, 200, "{first}");

    let bad = "CREATE TABLE a (id integer PRIMARY KEY);\n\nCREATE TABLE b (id integer PRIMARY KEY,, oops);";
    let (status, err) = put(&server, "shop", &json!({"dialect": "postgres", "ddl": bad}));
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_ddl")), "{err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("line 3")), "names the line: {err}");

    let (status, err) = put(&server, "shop", &json!({"dialect": "postgres", "connection": "DOWN_PG_URL"}));
    assert!(status >= 400, "{err}");
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty() && !message.contains("s3cret-pw"), "clear and password-free: {err}");

    let (status, err) = put(&server, "shop", &json!({"dialect": "postgres", "connection": "NOT_SET_ANYWHERE"}));
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("unknown_connection")), "{err}");
    let (status, err) = put(&server, "shop", &json!({"dialect": "postgres"}));
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_request")), "{err}");

    let (status, got) = server.request("GET", "/api/nl2sql/databases/shop", b"");
    assert_eq!(status, 200);
    assert_eq!(got["database"], first["database"], "failed re-registrations change nothing");
}

#[test]
fn skeleton_endpoint_links_a_question_under_a_budget() {
    let dir = tempdir();
    let server = Server::start(dir.path(), &[], None);
    let (status, full) = server.request("GET", "/api/nl2sql/databases/demo/skeleton", b"");
    assert_eq!(status, 200, "{full}");
    assert!(full["text"].as_str().is_some_and(|t| t.lines().count() == 11), "{full}");

    let path = "/api/nl2sql/databases/demo/skeleton?question=Which+5+artists+have+the+most+albums%3F&budget=300";
    let (status, linked) = server.request("GET", path, b"");
    assert_eq!(status, 200, "{linked}");
    let tables: Vec<&str> =
        linked["tables"].as_array().expect("picks").iter().filter_map(|t| t["table"].as_str()).collect();
    assert!(tables.contains(&"Artist") && tables.contains(&"Album"), "{tables:?}");
    assert!(linked["tokens"].as_u64() <= Some(300), "{linked}");
    assert!(linked["tokens"].as_u64() < full["tokens"].as_u64(), "pruned is smaller than full");
    assert!(linked["tables"][0]["reasons"].as_array().is_some_and(|r| !r.is_empty()), "every pick says why");

    let (status, err) = server.request("GET", "/api/nl2sql/databases/demo/skeleton?question=x&budget=lots", b"");
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_budget")));
    let (status, _) = server.request("GET", "/api/nl2sql/databases/nope/skeleton", b"");
    assert_eq!(status, 404);
}

#[test]
fn schema_cli_syncs_shows_and_diffs() {
    let dir = tempdir();
    let data = dir.path().join("data");
    let v1 = dir.path().join("v1.sql");
    let v2 = dir.path().join("v2.sql");
    std::fs::write(&v1, SHOP_V1).expect("write");
    std::fs::write(&v2, SHOP_V2).expect("write");
    let run = |args: &[&str]| {
        let out = Command::new(BIN).arg("schema").args(args).arg("--data-dir").arg(&data).output().expect("run");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let v1s = v1.to_str().expect("utf-8 path");
    let v2s = v2.to_str().expect("utf-8 path");

    let (ok, out, err) = run(&["sync", "shop", "--ddl", v1s]);
    assert!(ok && out.starts_with("registered shop: 2 tables"), "{out}{err}");
    let (ok, out, _) = run(&["sync", "shop", "--ddl", v1s]);
    assert!(ok && out.starts_with("unchanged shop"), "{out}");
    let (ok, out, _) = run(&["diff", "shop", "--ddl", v2s]);
    assert!(ok && out.contains("products") && out.contains("email"), "{out}");
    let (ok, out, _) = run(&["show", "shop"]);
    assert!(ok && out.contains("customers(") && !out.contains("products("), "diff wrote nothing: {out}");
    let (ok, out, _) = run(&["show", "shop", "--question", "total of orders per city"]);
    assert!(ok && out.contains("orders(") && out.contains("customers("), "{out}");
    let (ok, _, err) = run(&["sync", "shop", "--ddl", "/nonexistent.sql"]);
    assert!(!ok && err.contains("nonexistent.sql"), "{err}");
}

#[test]
fn schema_cli_takes_the_dialect_from_the_connection_url() {
    let dir = tempdir();
    let db = dir.path().join("shop.sqlite");
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch(
        "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, city text);
         CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer REFERENCES customers(id), total real);",
    )
    .expect("create");
    drop(conn);
    let out = Command::new(BIN)
        .args(["schema", "sync", "shop", "--connection", "SHOP_DB", "--data-dir"])
        .arg(dir.path().join("data"))
        .env("SHOP_DB", format!("sqlite://{}", db.display()))
        .output()
        .expect("run");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // Without --dialect, PostgreSQL's introspection SQL would have been sent to SQLite.
    assert!(out.status.success() && stdout.starts_with("registered shop: 2 tables"), "{stdout}{stderr}");
}
