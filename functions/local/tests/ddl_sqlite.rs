//! DDL import against SQLite itself: for SQLite scripts (`core/tests/fixtures/ddl`) the expected catalog is what
//! SQLite reports after running them, read the way the core's SQLite introspection reads it. Here rather than in
//! the core, which names no database driver, not even for its tests.

use nl2sql_core::catalog::{Catalog, Column, Dialect, ForeignKey, Index, Table};
use nl2sql_core::ddl::{DdlImport, Skipped, parse};

const CHINOOK_SQLITE: &str = include_str!("../../../core/tests/fixtures/ddl/chinook_sqlite.sql");
const SAKILA_SQLITE: &str = include_str!("../../../core/tests/fixtures/ddl/sakila_sqlite_schema.sql");

fn import(text: &str, dialect: Dialect) -> DdlImport {
    parse(text, dialect).unwrap_or_else(|e| panic!("import failed: {e}"))
}

fn table<'a>(import: &'a DdlImport, name: &str) -> &'a Table {
    import.catalog.tables.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no table {name}"))
}

fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
    table.columns.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no column {}.{name}", table.name))
}

fn names(import: &DdlImport) -> Vec<&str> {
    import.catalog.tables.iter().map(|t| t.name.as_str()).collect()
}

fn fk(columns: &[&str], ref_table: &str, ref_columns: &[&str]) -> ForeignKey {
    ForeignKey {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        ref_table: ref_table.to_owned(),
        ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
    }
}

fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index { name: name.to_owned(), columns: columns.iter().map(|c| (*c).to_owned()).collect(), unique }
}

/// The skipped entry at `line`.
fn skipped_at(import: &DdlImport, line: usize) -> &Skipped {
    import
        .skipped
        .iter()
        .find(|s| s.line == line)
        .unwrap_or_else(|| panic!("nothing skipped at line {line}: {:#?}", import.skipped))
}

/// The catalog SQLite reports after running `script`, read the way `introspect::sqlite` reads it.
fn sqlite_catalog(script: &str) -> Catalog {
    let db = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
    db.execute_batch(script).expect("SQLite runs the script");
    let strings = |sql: &str, arg: &str| -> Vec<Vec<Option<String>>> {
        let mut statement = db.prepare(sql).expect("query prepares");
        let width = statement.column_count();
        let rows = statement
            .query_map([arg], |row| {
                (0..width)
                    .map(|i| {
                        row.get_ref(i).map(|v| match v {
                            rusqlite::types::ValueRef::Null => None,
                            rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                            other => other.as_str().ok().map(str::to_owned),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .expect("query runs");
        rows.collect::<rusqlite::Result<Vec<_>>>().expect("rows read")
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut tables = Vec::new();
    let table_names = strings(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND ?1 = ?1 ORDER BY name",
        "",
    );
    for name in table_names.iter().map(|r| text(&r[0])) {
        let columns =
            strings("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid", &name);
        let mut pk: Vec<(String, String)> =
            columns.iter().filter(|c| text(&c[4]) != "0").map(|c| (text(&c[4]), text(&c[0]))).collect();
        pk.sort();
        let mut table = Table {
            name: name.clone(),
            columns: columns
                .iter()
                .map(|c| Column {
                    name: text(&c[0]),
                    data_type: text(&c[1]),
                    nullable: text(&c[2]) == "0" && text(&c[4]) == "0",
                    default: c[3].clone(),
                    comment: None,
                })
                .collect(),
            primary_key: pk.into_iter().map(|(_, c)| c).collect(),
            foreign_keys: vec![],
            unique: vec![],
            indexes: vec![],
            comment: None,
        };
        let fks =
            strings("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq", &name);
        let mut last_id = None;
        for row in &fks {
            if last_id != Some(text(&row[0])) {
                last_id = Some(text(&row[0]));
                table.foreign_keys.push(fk(&[], &text(&row[1]), &[]));
            }
            if let Some(fk) = table.foreign_keys.last_mut() {
                fk.columns.push(text(&row[2]));
                fk.ref_columns.extend(row[3].clone());
            }
        }
        let indexes = strings("SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name", &name);
        for row in indexes.iter().filter(|r| text(&r[2]) != "pk") {
            let columns = strings("SELECT name FROM pragma_index_info(?1) ORDER BY seqno", &text(&row[0]));
            let columns: Vec<String> = columns.iter().map(|c| text(&c[0])).collect();
            if text(&row[2]) == "u" {
                table.unique.push(columns.clone());
            }
            table.indexes.push(Index { name: text(&row[0]), columns, unique: text(&row[1]) == "1" });
        }
        tables.push(table);
    }
    // `REFERENCES t` without columns: t's primary key.
    let keys: Vec<(String, Vec<String>)> = tables.iter().map(|t| (t.name.clone(), t.primary_key.clone())).collect();
    for fk in tables.iter_mut().flat_map(|t| &mut t.foreign_keys) {
        if fk.ref_columns.is_empty() {
            fk.ref_columns = keys.iter().find(|(n, _)| *n == fk.ref_table).map(|(_, k)| k.clone()).unwrap_or_default();
        }
    }
    Catalog { dialect: Dialect::Sqlite, tables }
}

/// Imports `script` and checks the catalog is exactly what SQLite reports for it.
fn assert_matches_sqlite(script: &str) -> DdlImport {
    let import = import(script, Dialect::Sqlite);
    let diff = nl2sql_core::diff::diff(&sqlite_catalog(script), &import.catalog);
    assert!(diff.is_empty(), "SQLite (old) and the DDL import (new) differ:\n{}", diff.summary());
    let types = |c: &Catalog| -> Vec<String> {
        c.tables.iter().flat_map(|t| &t.columns).map(|c| c.data_type.clone()).collect()
    };
    assert_eq!(types(&sqlite_catalog(script)), types(&import.catalog), "types are spelled as SQLite reports them");
    import
}

#[test]
fn chinook_sqlite_script_matches_sqlite() {
    let import = assert_matches_sqlite(CHINOOK_SQLITE);
    assert_eq!(import.catalog.tables.len(), 11);
    let line = table(&import, "InvoiceLine");
    assert_eq!(line.primary_key, ["InvoiceLineId"]);
    assert_eq!(
        line.foreign_keys,
        [fk(&["InvoiceId"], "Invoice", &["InvoiceId"]), fk(&["TrackId"], "Track", &["TrackId"])]
    );
    assert_eq!(column(table(&import, "Artist"), "Name").data_type, "NVARCHAR(120)");
    assert!(skipped_at(&import, 248).statement.starts_with("INSERT INTO [Genre]"));
}

#[test]
fn sakila_sqlite_schema_matches_sqlite() {
    let import = assert_matches_sqlite(SAKILA_SQLITE);
    assert_eq!(import.catalog.tables.len(), 16);
    assert_eq!(column(table(&import, "film"), "description").data_type, "BLOB SUB_TYPE TEXT");
    let trigger = skipped_at(&import, 30);
    assert_eq!(trigger.statement, "CREATE TRIGGER actor_trigger_ai AFTER INSERT ON actor BEGIN...");
    // The trigger body's `;` does not end the statement: the next one is the second trigger.
    assert!(skipped_at(&import, 36).statement.starts_with("CREATE TRIGGER actor_trigger_au"));
    assert!(skipped_at(&import, 514).statement.starts_with("CREATE VIEW customer_list"));
}

#[test]
fn sqlite_unique_constraints_are_numbered_like_sqlite() {
    let script = "CREATE TABLE a (id INTEGER PRIMARY KEY, code TEXT UNIQUE, x INT, y INT, UNIQUE (x, y), UNIQUE (code));\n\
                  CREATE TABLE b (k INT PRIMARY KEY, v TEXT CONSTRAINT named UNIQUE, w \"my type\" DEFAULT 'a''b');\n\
                  CREATE TABLE c (p TEXT, q TEXT, r, PRIMARY KEY (p, q), UNIQUE (q)) WITHOUT ROWID;\n\
                  CREATE TABLE d (id integer PRIMARY KEY, b_k INT REFERENCES b, FOREIGN KEY (id) REFERENCES a (id));\n\
                  CREATE UNIQUE INDEX d_b ON d (b_k);";
    let import = assert_matches_sqlite(script);
    assert_eq!(
        table(&import, "a").indexes,
        [index("sqlite_autoindex_a_1", &["code"], true), index("sqlite_autoindex_a_2", &["x", "y"], true)]
    );
    assert_eq!(table(&import, "b").indexes, [index("sqlite_autoindex_b_2", &["v"], true)]);
    assert_eq!(table(&import, "d").foreign_keys[0], fk(&["b_k"], "b", &["k"]));
}

/// Regression: Spider's SQLite schemas omit commas between table constraints, and `.schema` output lists the
/// internal `sqlite_sequence` table.
#[test]
fn sqlite_constraint_lists_without_commas_and_internal_tables() {
    let tables = "CREATE TABLE p (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT);\n\
                  CREATE TABLE c (a INT, b TEXT,\n  FOREIGN KEY (a) REFERENCES p(id)\n  FOREIGN KEY (b) REFERENCES p(code)\n);";
    let import = assert_matches_sqlite(tables);
    assert_eq!(table(&import, "c").foreign_keys, [fk(&["a"], "p", &["id"]), fk(&["b"], "p", &["code"])]);
    let import = self::import(&format!("CREATE TABLE sqlite_sequence(name,seq);\n{tables}"), Dialect::Sqlite);
    assert_eq!(names(&import), ["c", "p"]);
    assert_eq!(skipped_at(&import, 1).reason, "an internal SQLite table");
}
