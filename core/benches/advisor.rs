//! The code advisor's speed, parsing included: a typical Spider query (a join with WHERE, of Spider's median
//! length, 93 characters) and a longer one (join, WHERE, GROUP BY, ORDER BY, LIMIT; 159 characters) with their
//! databases' catalogs; one in every 70 Spider training queries (100 queries, the time is per batch); a join on
//! the shop catalog with statistics (the cost model prices index candidates); and a generated 10 KB query
//! (CTE, joins, subqueries, hundreds of conditions). Parsing alone is measured for reference.
//!
//! `cargo bench -p nl2sql-core --bench advisor -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use nl2sql_core::advisor::{self, Context, Settings};
use nl2sql_core::catalog::{Catalog, Dialect};
use nl2sql_core::stats::model::TableStats;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

/// Spider `flight_1`, 94 characters (the median is 93).
const TYPICAL: &str = "SELECT T2.name FROM Flight AS T1 JOIN Aircraft AS T2 ON T1.aid  =  T2.aid WHERE T1.flno  =  99";
/// Spider `music_2`, 159 characters (longer than 85% of Spider's queries).
const LONGER: &str = "SELECT T2.lastname FROM Performance AS T1 JOIN Band AS T2 ON T1.bandmate  =  T2.id \
                      WHERE stageposition  =  \"back\" GROUP BY lastname ORDER BY count(*) DESC LIMIT 1";

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn spider() -> (BTreeMap<String, Catalog>, Vec<(String, String)>) {
    let tables = std::fs::read_to_string(fixtures().join("spider/tables.json")).expect("tables.json");
    let catalogs = nl2sql_core::spider::parse_tables_json(&tables).expect("parses").into_iter().collect();
    let gold = std::fs::read_to_string(fixtures().join("spider/train_gold.sql")).expect("gold");
    let queries =
        gold.lines().filter_map(|l| l.rsplit_once('\t')).map(|(q, db)| (q.to_owned(), db.to_owned())).collect();
    (catalogs, queries)
}

fn shop() -> (Catalog, Vec<TableStats>) {
    let ddl = std::fs::read_to_string(fixtures().join("advisor/shop.sql")).expect("shop DDL");
    let catalog = nl2sql_core::ddl::parse(&ddl, Dialect::Postgres).expect("DDL").catalog;
    let stats = std::fs::read_to_string(fixtures().join("advisor/shop.stats.json")).expect("stats");
    (catalog, serde_json::from_str(&stats).expect("stats JSON"))
}

/// A query of at least 10 KB over the shop schema: CTEs, joins, IN-subqueries, ORs, functions, ranges.
pub fn generated_query(min_bytes: usize) -> String {
    let mut sql = String::from(
        "WITH recent AS (SELECT customer_id, sum(total) AS spent FROM orders WHERE placed_at >= '2024-01-01' \
         GROUP BY customer_id)\nSELECT c.id, c.name, o.id, o.total, r.spent, \
         (SELECT count(*) FROM events e WHERE e.customer_id = c.id) AS events\nFROM customers c\n\
         JOIN orders o ON o.customer_id = c.id\nJOIN recent r ON r.customer_id = c.id\n\
         LEFT JOIN countries k ON k.code = c.country\nWHERE c.created_at > '2020-01-01'",
    );
    let mut i = 0;
    while sql.len() < min_bytes {
        let _ = write!(
            sql,
            "\n  AND (o.total BETWEEN {i} AND {} OR lower(c.email) LIKE '%{i}%' OR c.city = 'City {i}')\
             \n  AND o.id NOT IN (SELECT i.order_id FROM order_items i WHERE i.product_id = {i} AND i.quantity > {})\
             \n  AND o.status IN ('s{i}', 't{i}', 'u{i}') AND extract(year FROM o.placed_at) <> {}",
            i + 10,
            i % 7,
            2000 + i % 25
        );
        i += 1;
    }
    sql.push_str("\nORDER BY o.placed_at DESC LIMIT 100");
    sql
}

fn bench(c: &mut Criterion) {
    let (catalogs, queries) = spider();
    let settings = Settings::default();
    let flight = Context::new(Dialect::Sqlite, Some(&catalogs["flight_1"]), &[], settings.clone());
    let music = Context::new(Dialect::Sqlite, Some(&catalogs["music_2"]), &[], settings.clone());
    // For reference: parsing alone (sqlparser), part of every analysis.
    c.bench_function("advisor/parse only (spider typical query)", |b| {
        b.iter(|| nl2sql_core::sql::parse_one(black_box(TYPICAL), Dialect::Sqlite).expect("parses"))
    });
    c.bench_function("advisor/spider typical query", |b| {
        b.iter(|| advisor::analyze(black_box(TYPICAL), &flight).expect("analyses"))
    });
    c.bench_function("advisor/spider longer query", |b| {
        b.iter(|| advisor::analyze(black_box(LONGER), &music).expect("analyses"))
    });

    let sample: Vec<(&str, Context<'_>)> = queries
        .iter()
        .step_by(70)
        .map(|(q, db)| (q.as_str(), Context::new(Dialect::Sqlite, Some(&catalogs[db]), &[], settings.clone())))
        .collect();
    c.bench_function("advisor/100 spider queries", |b| {
        b.iter(|| {
            for (sql, context) in &sample {
                let _ = black_box(advisor::analyze(sql, context));
            }
        })
    });

    let (catalog, stats) = shop();
    let context = Context::new(Dialect::Postgres, Some(&catalog), &stats, settings.clone());
    let shop_query = "SELECT c.name, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id \
                      WHERE c.country = 'NZ' AND o.status = 'new' GROUP BY c.name ORDER BY count(*) DESC LIMIT 10";
    c.bench_function("advisor/typical query with statistics", |b| {
        b.iter(|| advisor::analyze(black_box(shop_query), &context).expect("analyses"))
    });

    let big = generated_query(10 * 1024);
    assert!(big.len() >= 10 * 1024);
    let report = advisor::analyze(&big, &context).expect("the generated query analyses");
    assert!(!report.findings.is_empty());
    c.bench_function("advisor/generated 10 KB query", |b| {
        b.iter(|| advisor::analyze(black_box(&big), &context).expect("analyses"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
