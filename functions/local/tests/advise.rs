//! `nl2sql advise`: the real binary against the bundled Chinook demo, readable output, JSON, workloads, errors.

mod common;

use common::{BIN, tempdir};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn advise(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("advise")
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("NL2SQL_CONFIG")
        .output()
        .expect("run nl2sql advise")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn advise_prints_findings_for_people_and_json_for_programs() {
    let dir = tempdir();
    let sql = "SELECT * FROM Track WHERE Composer = NULL OR Name LIKE '%love%'";
    let out = advise(dir.path(), &[sql, "--database", "demo"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("Quality "), "{stdout}");
    assert!(stdout.contains("statistics: none"), "{stdout}");
    assert!(stdout.contains("[9] eq_null at line 1, column 27"), "{stdout}");
    assert!(stdout.contains("→ Write `Composer IS NULL`."), "{stdout}");
    assert!(stdout.contains("all 9 columns of Track"), "the demo catalog is used: {stdout}");

    let out = advise(dir.path(), &[sql, "--database", "demo", "--json"]);
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["kind"], "query", "{value}");
    assert_eq!(value["dialect"], "sqlite", "{value}");
    let codes: Vec<&str> =
        value["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"eq_null") && codes.contains(&"leading_wildcard"), "{value}");
}

#[test]
fn advise_without_a_database_reads_the_dialect_and_reports_errors_with_their_position() {
    let dir = tempdir();
    let out = advise(dir.path(), &["SELECT id FROM t ORDER BY RAND() LIMIT 3", "--dialect", "mysql"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("order_by_random"), "{stdout}");

    let out = advise(dir.path(), &["SELECT id FROM t WHERE (a = 1"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(stderr.contains("SQL syntax error at line 1, column") && stderr.contains("(invalid_sql)"), "{stderr}");

    let out = advise(dir.path(), &["INSERT INTO t VALUES (1)"]);
    let (stdout, _) = text(&out);
    assert!(out.status.success());
    assert!(stdout.starts_with("not a query: INSERT statements are not analysed"), "{stdout}");

    let out = advise(dir.path(), &["SELECT 1", "--database", "missing"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("database_not_found"));
}

#[test]
fn advise_a_workload_file() {
    let dir = tempdir();
    let file = dir.path().join("workload.sql");
    std::fs::write(
        &file,
        "SELECT Name FROM Track WHERE Milliseconds > 300000;\n-- a note; not a statement\nSELECT 1;\n",
    )
    .expect("write workload");
    let out = advise(dir.path(), &["--workload", file.to_str().expect("utf-8 path"), "--database", "demo"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("2 statements, 2 queries analysed"), "{stdout}");
    let out = advise(dir.path(), &["--workload", file.to_str().expect("utf-8 path"), "--json"]);
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(value["queries"], 2, "{value}");
}
