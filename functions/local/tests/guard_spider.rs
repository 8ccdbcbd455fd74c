//! The SQL guard on Spider's 7,000 training gold queries (vendored in `core/tests/fixtures/spider/`, CC BY-SA 4.0, see
//! its SOURCES.md), each with its database's catalog, in SQLite (Spider's dialect): no false reject. A query the
//! guard refuses must be one SQLite itself refuses over the same schema (an in-memory database built from
//! `tables.json`); every accepted query passes the independent audit (`guard/audit.rs`) and its rendering
//! prepares in SQLite whenever the original does. The counts are pinned in `docs/guard.md`
//! (`NL2SQL_BLESS=1 cargo test -p nl2sql-core --test guard_spider` regenerates them).

#[path = "../../../core/tests/guard/audit.rs"]
mod audit;

use nl2sql_core::catalog::{Catalog, Dialect};
use nl2sql_core::guard::{self, Settings};
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// An in-memory SQLite database with `catalog`'s tables (no rows).
fn database(catalog: &Catalog) -> Connection {
    let db = Connection::open_in_memory().expect("an in-memory SQLite");
    // Some Spider schemas list SQLite's own `sqlite_sequence`, which SQLite creates by itself.
    for table in catalog.tables.iter().filter(|t| !t.name.starts_with("sqlite_")) {
        let columns: Vec<String> =
            table.columns.iter().map(|c| format!("\"{}\" {}", c.name.replace('"', "\"\""), c.data_type)).collect();
        let ddl = format!("CREATE TABLE \"{}\" ({})", table.name.replace('"', "\"\""), columns.join(", "));
        db.execute_batch(&ddl).unwrap_or_else(|e| panic!("{ddl}: {e}"));
    }
    db
}

#[test]
fn spider_gold_queries_are_accepted() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../core/tests/fixtures/spider");
    let tables = std::fs::read_to_string(dir.join("tables.json")).expect("tables.json");
    let catalogs: BTreeMap<String, Catalog> =
        nl2sql_core::spider::parse_tables_json(&tables).expect("tables.json parses").into_iter().collect();
    let gold = std::fs::read_to_string(dir.join("train_gold.sql")).expect("train_gold.sql");
    let settings = Settings::default();
    let mut databases: BTreeMap<&str, Connection> = BTreeMap::new();
    let (mut queries, mut accepted, mut added, mut lowered, mut prepared) = (0usize, 0usize, 0usize, 0usize, 0usize);
    let (mut false_rejects, mut bypasses, mut broken, mut refused) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for line in gold.lines() {
        let (sql, db) = line.rsplit_once('\t').expect("query<TAB>db_id");
        let catalog = catalogs.get(db).unwrap_or_else(|| panic!("no schema for {db}"));
        let sqlite = databases.entry(db).or_insert_with(|| database(catalog));
        queries += 1;
        let original_prepares = sqlite.prepare(sql).is_ok();
        match guard::check(sql, Dialect::Sqlite, catalog, &settings) {
            Ok(guarded) => {
                accepted += 1;
                added += guarded.changes.iter().filter(|c| c.rule == "limit_added").count();
                lowered += guarded.changes.iter().filter(|c| c.rule == "limit_lowered").count();
                let findings = audit::audit(&guarded.sql, Dialect::Sqlite, catalog, settings.max_limit);
                if !findings.is_empty() {
                    bypasses.push(format!("{db}: {}: {findings:?}", guarded.sql));
                }
                match sqlite.prepare(&guarded.sql) {
                    Ok(_) => prepared += 1,
                    Err(e) if original_prepares => broken.push(format!("{db}: {sql}\n  -> {}: {e}", guarded.sql)),
                    Err(_) => {}
                }
            }
            Err(e) if original_prepares => false_rejects.push(format!("{db}: {sql}: {e}")),
            Err(e) => refused.push(format!("{db}: {sql}: {} {e}", e.code())),
        }
    }
    assert_eq!(queries, 7000);
    assert!(false_rejects.is_empty(), "{} false rejects:\n{}", false_rejects.len(), false_rejects.join("\n"));
    assert!(bypasses.is_empty(), "{} audit findings:\n{}", bypasses.len(), bypasses.join("\n"));
    assert!(broken.is_empty(), "{} renderings SQLite cannot prepare:\n{}", broken.len(), broken.join("\n"));

    let mut table = String::new();
    let _ = writeln!(
        table,
        "{queries} gold queries: {accepted} accepted ({added} got the default LIMIT, {lowered} had theirs lowered; \
         {prepared} renderings prepared in SQLite over the schema), {} refused, 0 false rejects. The refused ones \
         are queries SQLite itself refuses over the same schema:\n",
        refused.len()
    );
    for r in &refused {
        let _ = writeln!(table, "- {r}");
    }
    println!("{table}");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/guard.md");
    let text = std::fs::read_to_string(&docs).expect("docs/guard.md");
    let (start, end) = ("<!-- spider-counts", "<!-- /spider-counts -->");
    let from = text.find(start).and_then(|i| text[i..].find('\n').map(|n| i + n + 1)).expect("start marker");
    let to = text.find(end).expect("end marker");
    if std::env::var_os("NL2SQL_BLESS").is_some() {
        std::fs::write(&docs, format!("{}{table}{}", &text[..from], &text[to..])).expect("write docs");
    } else {
        assert_eq!(&text[from..to], table, "counts changed (NL2SQL_BLESS=1 regenerates docs/guard.md)");
    }
}
