//! PostgreSQL end to end: a private PostgreSQL server (initdb + pg_ctl in a temporary directory, a free port on
//! 127.0.0.1, trust authentication) loaded with Chinook, Sakila and Northwind from `tests/fixtures/sampledb`,
//! then the real `nl2sql serve` registers, introspects and queries them.
//!
//! Skipped with a note only when no PostgreSQL binaries are found under `/usr/lib/postgresql/*/bin`;
//! `tests/run` installs them (`tests/install-postgres`), so CI always runs these tests.

mod common;

use common::postgres::{PASSWORD, Postgres, fixtures};
use common::{Server, tempdir};
use nl2sql_core::catalog::{Catalog, Dialect, ForeignKey, Index, Table};
use serde_json::json;
use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::Arc;

/// Cases the sample databases do not cover: quoted mixed-case names, identity and generated columns, composite
/// keys in a different order than the columns, named and unnamed UNIQUE constraints, expression, partial and
/// covering indexes, comments, a partitioned table with a partition, a view, a table outside `public`.
const EDGE_DDL: &str = r#"
CREATE TABLE "Warehouse" (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE,
    region text,
    CONSTRAINT warehouse_region_code UNIQUE (region, code)
);
COMMENT ON TABLE "Warehouse" IS 'Where stock lives';
COMMENT ON COLUMN "Warehouse".code IS 'Short code';
CREATE TABLE bin (
    warehouse_id integer NOT NULL,
    shelf integer NOT NULL,
    label varchar(20),
    PRIMARY KEY (shelf, warehouse_id)
);
CREATE TABLE item (
    id bigserial PRIMARY KEY,
    warehouse_id integer,
    shelf integer,
    sku char(8) NOT NULL,
    price numeric(8,2) DEFAULT 0,
    weight double precision,
    volume double precision GENERATED ALWAYS AS (weight * 2) STORED,
    tags text[],
    added timestamp with time zone DEFAULT now(),
    FOREIGN KEY (shelf, warehouse_id) REFERENCES bin (shelf, warehouse_id),
    FOREIGN KEY (warehouse_id) REFERENCES "Warehouse"
);
CREATE INDEX item_sku_lower ON item (lower(sku));
CREATE UNIQUE INDEX item_sku_covering ON item (sku) INCLUDE (price);
CREATE INDEX item_partial ON item (added) WHERE price > 0;
CREATE TABLE movement (
    id integer NOT NULL,
    at date NOT NULL,
    item_id bigint REFERENCES item (id),
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE movement_2024 PARTITION OF movement FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE VIEW cheap AS SELECT * FROM item WHERE price < 1;
CREATE SCHEMA sales;
CREATE TABLE sales.orders (
    id integer PRIMARY KEY,
    item_id bigint NOT NULL REFERENCES item (id),
    note text
);
CREATE INDEX orders_item ON sales.orders (item_id);
"#;

#[test]
fn chinook_answers_through_the_server() {
    let Some(pg) = shared() else { return };
    let closed = TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    let broken = format!("postgres://postgres:{PASSWORD}@127.0.0.1:{closed}/chinook");
    let chinook = pg.url("chinook");
    let dir = tempdir();
    let server = Server::start(dir.path(), &[("CHINOOK_PG_URL", &chinook), ("BROKEN_PG_URL", &broken)], None);

    let (status, body) = server.request(
        "PUT",
        "/api/nl2sql/databases/chinook_pg",
        br#"{"dialect":"postgres","connection":"CHINOOK_PG_URL"}"#,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["database"]["tables"], 11, "{body}");
    assert!(!body.to_string().contains(PASSWORD), "the URL is a secret: {body}");

    let ask = |question: &str| {
        let (status, body) = server
            .post("/api/nl2sql/translate", &json!({"question": question, "database": "chinook_pg", "execute": true}));
        assert_eq!(status, 200, "{question}: {body}");
        body
    };
    let body = ask("How many tracks are there?");
    assert_eq!(body["rows"]["rows"], json!([[3503]]), "{body}");
    let body = ask("Which 5 artists have the most albums?");
    assert_eq!(body["rows"]["rows"][0], json!(["Iron Maiden", 21]), "{body}");
    assert_eq!(body["rows"]["rows"].as_array().map(Vec::len), Some(5), "{body}");

    // An unreachable server is the database's fault (502), and the message never carries the password.
    let (status, body) = server.request(
        "PUT",
        "/api/nl2sql/databases/broken",
        br#"{"dialect":"postgres","connection":"BROKEN_PG_URL"}"#,
    );
    assert_eq!((status, body["error"]["code"].as_str()), (502, Some("database_error")), "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("BROKEN_PG_URL") && !message.contains(PASSWORD), "{message}");
}

#[test]
fn introspected_catalogs_match_the_ddl_import() {
    let Some(pg) = shared() else { return };
    let databases = [
        ("chinook", "chinook/Chinook_PostgreSql.sql", 11),
        // Including the six `payment_p2007_*` tables that INHERIT from `payment`.
        ("sakila", "sakila/postgres-sakila-schema.sql", 21),
        ("northwind", "northwind/northwind_postgres.sql", 14),
        ("edge", "", 5),
    ];
    let urls: Vec<(String, String)> =
        databases.iter().map(|(db, _, _)| (format!("{}_PG_URL", db.to_uppercase()), pg.url(db))).collect();
    let env: Vec<(&str, &str)> = urls.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let dir = tempdir();
    let server = Server::start(dir.path(), &env, None);

    let mut report = String::new();
    for ((db, script, tables), (var, _)) in databases.iter().zip(&urls) {
        let register = json!({"dialect": "postgres", "connection": var}).to_string();
        let (status, body) = server.request("PUT", &format!("/api/nl2sql/databases/{db}"), register.as_bytes());
        assert_eq!(status, 200, "{db}: {body}");
        let (status, body) = server.request("GET", &format!("/api/nl2sql/databases/{db}"), b"");
        assert_eq!(status, 200, "{db}: {body}");
        let live: Catalog = serde_json::from_value(body["catalog"].clone()).expect("a catalog");
        assert_eq!(live.tables.len(), *tables, "{db}: {:?}", live.tables.iter().map(|t| &t.name).collect::<Vec<_>>());

        let text = match *script {
            "" => EDGE_DDL.to_owned(),
            script => std::fs::read_to_string(fixtures().join(script)).expect("read the script"),
        };
        let import = nl2sql_core::ddl::parse(&text, Dialect::Postgres).expect("the script parses");
        for line in differences(&live, &import.catalog) {
            report.push_str(&format!("{db}: {line}\n"));
        }
    }
    assert!(report.is_empty(), "introspection (live) and DDL import (ddl) differ:\n{report}");
}

/// Every difference between the live catalog and the DDL import, one readable line each: tables, columns (name,
/// order, type, nullability, default, comment), primary keys, foreign keys, unique constraints and indexes
/// (column lists and uniqueness; names may differ; expressions without casts). Defaults compare without whitespace.
fn differences(live: &Catalog, ddl: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    let names = |c: &Catalog| c.tables.iter().map(|t| t.name.clone()).collect::<BTreeSet<_>>();
    set_differences("tables", &names(live), &names(ddl), &mut out);
    for l in &live.tables {
        if let Some(d) = ddl.tables.iter().find(|d| d.name == l.name) {
            table_differences(l, d, &mut out);
        }
    }
    out
}

fn table_differences(live: &Table, ddl: &Table, out: &mut Vec<String>) {
    let t = &live.name;
    let names = |t: &Table| t.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
    if names(live) != names(ddl) {
        out.push(format!("{t}: columns live ({}) vs ddl ({})", names(live), names(ddl)));
    }
    if live.comment != ddl.comment {
        out.push(format!("{t}: comment live {:?} vs ddl {:?}", live.comment, ddl.comment));
    }
    for l in &live.columns {
        let Some(d) = ddl.columns.iter().find(|d| d.name == l.name) else { continue };
        let c = format!("{t}.{}", l.name);
        if l.data_type != d.data_type {
            out.push(format!("{c}: type live `{}` vs ddl `{}`", l.data_type, d.data_type));
        }
        if l.nullable != d.nullable {
            out.push(format!("{c}: nullable live {} vs ddl {}", l.nullable, d.nullable));
        }
        if l.default.as_deref().map(squash) != d.default.as_deref().map(squash) {
            out.push(format!("{c}: default live {:?} vs ddl {:?}", l.default, d.default));
        }
        if l.comment != d.comment {
            out.push(format!("{c}: comment live {:?} vs ddl {:?}", l.comment, d.comment));
        }
    }
    if live.primary_key != ddl.primary_key {
        out.push(format!(
            "{t}: primary key live ({}) vs ddl ({})",
            live.primary_key.join(", "),
            ddl.primary_key.join(", ")
        ));
    }
    let fks = |t: &Table| {
        let fk =
            |f: &ForeignKey| format!("({}) -> {}({})", f.columns.join(", "), f.ref_table, f.ref_columns.join(", "));
        t.foreign_keys.iter().map(fk).collect::<BTreeSet<_>>()
    };
    set_differences(&format!("{t}: foreign keys"), &fks(live), &fks(ddl), out);
    let uniques = |t: &Table| t.unique.iter().map(|u| format!("({})", u.join(", "))).collect::<BTreeSet<_>>();
    set_differences(&format!("{t}: unique constraints"), &uniques(live), &uniques(ddl), out);
    // A multiset: two indexes on the same columns are two indexes.
    let indexes = |t: &Table| {
        let columns = |i: &Index| i.columns.iter().map(|c| expression(c)).collect::<Vec<_>>().join(", ");
        let index = |i: &Index| format!("{}({})", if i.unique { "unique " } else { "" }, columns(i));
        let mut all: Vec<String> = t.indexes.iter().map(index).collect();
        all.sort();
        all
    };
    if indexes(live) != indexes(ddl) {
        out.push(format!("{t}: indexes live [{}] vs ddl [{}]", indexes(live).join("; "), indexes(ddl).join("; ")));
    }
}

fn set_differences(what: &str, live: &BTreeSet<String>, ddl: &BTreeSet<String>, out: &mut Vec<String>) {
    for only in live.difference(ddl) {
        out.push(format!("{what}: {only} only in live"));
    }
    for only in ddl.difference(live) {
        out.push(format!("{what}: {only} only in ddl"));
    }
}

/// An index key as written in DDL or as PostgreSQL prints it, without the implicit casts and parentheses only the
/// server knows to add: `lower(sku::text)` (live) and `lower(sku)` (DDL) both become `lower sku`.
fn expression(key: &str) -> String {
    let mut out = String::new();
    let mut rest = key;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        if c == ':' && rest.starts_with(':') {
            rest = rest[1..].trim_start_matches(|c: char| c.is_alphanumeric() || c == '_' || c == ' ');
        } else if c == '(' || c == ')' || c.is_whitespace() {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
}

/// Without whitespace, so `DEFAULT now()` and `DEFAULT now ( )` compare equal.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The server shared by this file's tests, loaded with Chinook, Sakila, Northwind and the edge cases.
fn shared() -> Option<Arc<Postgres>> {
    Postgres::shared(|pg| {
        let script = |path: &str| fixtures().join(path).into_os_string();
        // Chinook drops and creates its own database and connects to it (`\c chinook`).
        pg.load_chinook();
        pg.psql("postgres", "-c", "CREATE DATABASE sakila".as_ref());
        pg.psql("sakila", "-f", &script("sakila/postgres-sakila-schema.sql"));
        pg.psql("sakila", "-f", &script("sakila/postgres-sakila-insert-data-using-copy.sql"));
        pg.psql("postgres", "-c", "CREATE DATABASE northwind".as_ref());
        pg.psql("northwind", "-f", &script("northwind/northwind_postgres.sql"));
        pg.psql("postgres", "-c", "CREATE DATABASE edge".as_ref());
        pg.psql("edge", "-c", EDGE_DDL.as_ref());
    })
}
