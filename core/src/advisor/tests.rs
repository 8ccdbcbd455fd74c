//! Unit tests of the pieces; the whole reports are pinned by the fixtures in `core/tests/advisor/`.

use super::*;
use crate::catalog::{Column, Index, Table};
use crate::stats::model::ColumnStats;

fn column(name: &str, data_type: &str, nullable: bool) -> Column {
    Column { name: name.into(), data_type: data_type.into(), nullable, default: None, comment: None }
}

fn catalog(dialect: Dialect) -> Catalog {
    let big = Table {
        name: "big".into(),
        columns: vec![
            column("id", "integer", false),
            column("a", "integer", true),
            column("b", "integer", true),
            column("c", "text", true),
            column("at", "timestamp", false),
        ],
        primary_key: vec!["id".into()],
        foreign_keys: vec![],
        unique: vec![],
        indexes: vec![Index { name: "big_a_b".into(), columns: vec!["a".into(), "b".into()], unique: false }],
        comment: None,
    };
    Catalog { dialect, tables: vec![big] }
}

fn stats(rows: f64) -> Vec<TableStats> {
    let col = |name: &str, nd: f64| ColumnStats {
        column: name.into(),
        null_frac: 0.0,
        n_distinct: nd,
        most_common_vals: vec![],
        most_common_freqs: vec![],
        histogram_bounds: vec![],
        min: None,
        max: None,
        avg_width: 8.0,
        correlation: Some(0.0),
    };
    vec![TableStats {
        table: "big".into(),
        row_count: rows,
        size_bytes: None,
        refreshed_at_ms: 0,
        modifications: None,
        exact: false,
        columns: vec![col("id", -1.0), col("a", 1000.0), col("b", 50_000.0), col("c", -0.5), col("at", -1.0)],
        sample: None,
    }]
}

fn report(sql: &str, dialect: Dialect, rows: f64) -> Report {
    let catalog = catalog(dialect);
    let stats = stats(rows);
    let context = Context::new(dialect, Some(&catalog), &stats, Settings::default());
    analyze(sql, &context).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn codes_of(report: &Report) -> Vec<&str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn score_follows_the_documented_formula() {
    let finding = |code: &str, severity: u8| Finding {
        code: code.into(),
        severity,
        message: String::new(),
        location: None,
        snippet: String::new(),
        suggestion: String::new(),
        table: None,
    };
    assert_eq!(score(&[]), 100);
    // 100 - 0.6 * 5^2 = 85.
    assert_eq!(score(&[finding("x", 5)]), 85);
    // A repeat of the same code counts half: 100 - 15 - 7.5 = 77.5, rounded.
    assert_eq!(score(&[finding("x", 5), finding("x", 5)]), 78);
    assert_eq!(score(&[finding("x", 5), finding("y", 5)]), 70);
    assert_eq!(score(&[finding("a", 10), finding("b", 10)]), 0);
}

#[test]
fn existing_indexes_and_their_prefixes_are_never_recommended_again() {
    // (a) is a prefix of big_a_b, (a, b) is big_a_b, (b, a) with both equalities is big_a_b in another order.
    for sql in [
        "SELECT id FROM big WHERE a = 1 LIMIT 10",
        "SELECT id FROM big WHERE a = 1 AND b = 2 LIMIT 10",
        "SELECT id FROM big WHERE b = 2 AND a = 1 LIMIT 10",
        "SELECT id FROM big WHERE a = 1 AND b > 2 LIMIT 10",
        "SELECT c FROM big WHERE id = 5",
    ] {
        let r = report(sql, Dialect::Postgres, 10_000_000.0);
        assert!(r.indexes.is_empty(), "{sql}: {:?}", r.indexes);
        assert_eq!(r.cost.as_ref().map(|c| c.tables[0].access.as_str()), Some("index_scan"), "{sql}");
    }
    // A range before the existing key's second column is not served by it: (b) then (b, a) is new.
    let r = report("SELECT id FROM big WHERE b = 7", Dialect::Postgres, 10_000_000.0);
    assert_eq!(r.indexes.len(), 1, "{:?}", r.indexes);
    assert_eq!(r.indexes[0].columns, ["b"]);
}

#[test]
fn keys_put_equalities_first_by_selectivity_then_the_range() {
    // b (50,000 distinct) is more selective than a (1,000): b first; the range on `at` last.
    let r = report("SELECT id FROM big WHERE at > '2024-01-01' AND c = 'x' AND b = 3", Dialect::Postgres, 1e7);
    let columns: Vec<&str> = r.indexes[0].columns.iter().map(String::as_str).collect();
    assert_eq!(columns, ["c", "b", "at"], "{:?}", r.indexes);
    assert!(r.indexes[0].benefit.reduction >= indexes::MIN_REDUCTION);
}

#[test]
fn ddl_is_written_for_each_dialect() {
    let sql = "SELECT id FROM big WHERE c LIKE 'ab%'";
    let pg = report(sql, Dialect::Postgres, 1e7);
    assert_eq!(pg.indexes[0].ddl, "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_big_c ON big (c text_pattern_ops);");
    let my = report(sql, Dialect::Mysql, 1e7);
    assert_eq!(my.indexes[0].ddl, "CREATE INDEX idx_big_c ON big (c) ALGORITHM=INPLACE LOCK=NONE;");
    let lite = report(sql, Dialect::Sqlite, 1e7);
    assert_eq!(lite.indexes[0].ddl, "CREATE INDEX IF NOT EXISTS idx_big_c ON big (c);");
    let expression = report("SELECT id FROM big WHERE lower(c) = 'x'", Dialect::Mysql, 1e7);
    assert_eq!(
        expression.indexes[0].ddl,
        "CREATE INDEX idx_big_lower_c ON big (((lower(c)))) ALGORITHM=INPLACE LOCK=NONE;"
    );
}

#[test]
fn small_tables_get_no_index_and_large_scans_are_bottlenecks() {
    let small = report("SELECT id FROM big WHERE c = 'x'", Dialect::Postgres, 500.0);
    assert!(small.indexes.is_empty() && small.bottlenecks.is_empty(), "{small:?}");
    let large = report("SELECT id FROM big WHERE c = 'x'", Dialect::Postgres, 5e6);
    assert_eq!(large.bottlenecks[0].kind, "MissingIndex", "{:?}", large.bottlenecks);
    assert_eq!(large.bottlenecks[0].rank, 1);
    assert!(large.quality_score < small.quality_score);
}

#[test]
fn workload_recommendations_are_merged_and_capped() {
    let catalog = catalog(Dialect::Postgres);
    let stats = stats(1e7);
    let settings = Settings { max_index_recommendations: 2, ..Settings::default() };
    let context = Context::new(Dialect::Postgres, Some(&catalog), &stats, settings);
    let workload = [
        "SELECT id FROM big WHERE c = 'x'",
        "SELECT id FROM big WHERE c = 'y' AND at > '2024-01-01'",
        "SELECT id FROM big WHERE b = 9",
        "SELECT id FROM big WHERE at > '2025-01-01' AND at < '2025-01-02'",
        "INSERT INTO big (id) VALUES (1)",
    ];
    let mut all = Vec::new();
    for (i, sql) in workload.iter().enumerate() {
        let statement = sql::parse_one(sql, Dialect::Postgres).expect("parses");
        all.extend(recommend_statement(sql, &statement, &context, i));
    }
    let merged = merge_recommendations(all, 2);
    assert_eq!(merged.len(), 2, "{merged:?}");
    // (c, at) absorbs (c): one index serves queries 0 and 1.
    let c = merged.iter().find(|r| r.columns[0] == "c").expect("an index on c");
    assert_eq!(c.columns, ["c", "at"]);
    assert_eq!(c.queries, [0, 1]);
    let names: Vec<&str> = merged.iter().map(|r| r.name.as_str()).collect();
    let mut unique = names.clone();
    unique.dedup();
    assert_eq!(names, unique);
}

#[test]
fn long_index_names_are_cut_with_a_stable_hash() {
    let long = "a_very_long_table_name_that_goes_on_and_on_and_on_forever";
    let t = Table { name: long.into(), ..catalog(Dialect::Postgres).tables.remove(0) };
    let catalog = Catalog { dialect: Dialect::Postgres, tables: vec![t] };
    let stats = vec![TableStats { table: long.into(), ..stats(1e7).remove(0) }];
    let context = Context::new(Dialect::Postgres, Some(&catalog), &stats, Settings::default());
    let sql = format!("SELECT id FROM {long} WHERE c = 'x' AND at > '2024-01-01'");
    let first = analyze(&sql, &context).expect("analyses");
    let name = &first.indexes[0].name;
    assert!(name.len() <= 63, "{name}");
    assert_eq!(name, &analyze(&sql, &context).expect("analyses").indexes[0].name, "stable");
}

#[test]
fn statements_that_are_not_queries_say_so() {
    let r = report("UPDATE big SET a = 1", Dialect::Postgres, 10.0);
    assert_eq!(r.kind, Kind::NotAQuery);
    assert_eq!(r.statement, "UPDATE");
    assert!(r.message.as_deref().is_some_and(|m| m.starts_with("not a query")), "{r:?}");
    assert!(r.quality_score.is_none() && r.findings.is_empty());
}

#[test]
fn correlation_is_seen_through_aliases_and_nesting() {
    let r = report(
        "SELECT x.id, (SELECT max(y.at) FROM big y WHERE y.a = x.a) FROM big x WHERE x.b = 1",
        Dialect::Postgres,
        1e6,
    );
    assert!(codes_of(&r).contains(&"correlated_subquery"), "{r:?}");
    // The same subquery without the outer reference runs once.
    let r = report("SELECT x.id, (SELECT max(y.at) FROM big y) FROM big x WHERE x.b = 1", Dialect::Postgres, 1e6);
    assert!(!codes_of(&r).contains(&"correlated_subquery"), "{r:?}");
}

#[test]
fn unusual_shapes_are_analysed_without_panicking() {
    for sql in [
        "VALUES (1, 2), (3, 4)",
        "SELECT 1",
        "SELECT * FROM generate_series(1, 10) g",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
        "SELECT b.id FROM big b, LATERAL (SELECT a FROM big c WHERE c.id = b.id) l",
        "SELECT id, row_number() OVER (PARTITION BY a ORDER BY at) FROM big",
        "SELECT * FROM (big JOIN big AS b2 USING (id)) NATURAL JOIN big b3",
        "SELECT a FROM big GROUP BY ROLLUP (a, b) HAVING count(*) > 1",
        "SELECT id FROM big WHERE (a, b) IN (SELECT a, b FROM big) ORDER BY 1 DESC LIMIT 3 OFFSET 5000",
        "SELECT CASE WHEN a = NULL THEN 1 END FROM big x WHERE EXISTS (SELECT * FROM big y WHERE y.id = x.id)",
        "SELECT id FROM big WHERE a = ANY(ARRAY[1, 2]) AND c ~ 'x' AND at::date = '2024-01-01' FETCH FIRST 3 ROWS ONLY",
        "SELECT id FROM missing_table m JOIN big ON big.id = m.big_id WHERE m.x = $1",
        "(SELECT id FROM big) UNION (SELECT id FROM big) ORDER BY id",
    ] {
        let r = report(sql, Dialect::Postgres, 1e6);
        assert_eq!(r.kind, Kind::Query, "{sql}");
        assert!(r.quality_score.is_some(), "{sql}");
    }
}

#[test]
fn the_deepest_accepted_condition_fits_a_two_megabyte_stack() {
    // Hosts run requests on threads with 2 MB stacks (tokio's default); parsing, analysing and dropping the
    // deepest chains `sql::parse` accepts must fit in a debug build, statistics included (the estimator reads
    // conditions recursively). The guard counts every AND/OR and operator: each chain has MAX - 1 of them.
    let max = crate::sql::MAX_EXPRESSION_DEPTH;
    let comparisons: Vec<String> = (0..max / 2).map(|i| format!("a = {i}")).collect();
    let chains = [
        format!("SELECT id FROM big WHERE {}", comparisons.join(" AND ")),
        format!("SELECT id FROM big WHERE {}", comparisons.join(" OR ")),
        format!("SELECT id FROM big WHERE a{} > 5", " + a".repeat(max - 2)),
        format!("SELECT id FROM big WHERE a{} = 5", " = a".repeat(max - 2)),
        format!("SELECT * FROM (SELECT id FROM big WHERE a{} > 5) d", " + a".repeat(max - 2)),
        format!("SELECT id FROM big WHERE id NOT IN (SELECT a FROM big WHERE b{} > 5)", " * b".repeat(max - 2)),
        format!("INSERT INTO big (id) SELECT a FROM big WHERE b{} > 5", " - b".repeat(max - 2)),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let catalog = catalog(Dialect::Postgres);
            let stats = stats(1e6);
            let context = Context::new(Dialect::Postgres, Some(&catalog), &stats, Settings::default());
            chains.map(|sql| {
                analyze(&sql, &context).map(|r| r.quality_score).map_err(|e| crate::sql::shorten(&e.to_string(), 200))
            })
        })
        .expect("thread");
    let results = handle.join().expect("no stack overflow");
    for result in &results[..6] {
        assert!(result.as_ref().is_ok_and(Option::is_some), "{result:?}");
    }
    assert_eq!(results[6], Ok(None), "the INSERT is not a query");
}

#[test]
fn every_code_is_documented() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/advisor.md");
    let doc = std::fs::read_to_string(path).expect("docs/advisor.md");
    for code in codes::ALL {
        assert!(doc.contains(&format!("### `{}`", code.code)), "docs/advisor.md has no section for `{}`", code.code);
    }
    let sections = doc.lines().filter(|l| l.starts_with("### `")).count();
    assert_eq!(sections, codes::ALL.len(), "every documented code exists");
}

#[test]
fn findings_of_one_code_are_capped_and_the_rest_counted() {
    let conditions: Vec<String> = (0..25).map(|i| format!("c LIKE '%{i}'")).collect();
    let sql = format!("SELECT id FROM big WHERE {}", conditions.join(" AND "));
    let r = report(&sql, Dialect::Postgres, 1e6);
    let wildcards = r.findings.iter().filter(|f| f.code == "leading_wildcard").count();
    assert_eq!(wildcards, rules::MAX_PER_CODE);
    assert_eq!(r.omitted.get("leading_wildcard"), Some(&15), "{:?}", r.omitted);
}

#[test]
fn every_prefix_of_a_query_is_a_report_or_an_error_never_a_panic() {
    // Cut short anywhere (between any two characters, inside quotes, names and non-ASCII text), SQL must give
    // a report or a positioned error.
    let queries = [
        "WITH r AS (SELECT a, count(*) AS n FROM big WHERE c LIKE '%é%' GROUP BY a) SELECT x.id, (SELECT max(y.at) \
         FROM big y WHERE y.a = x.a) FROM big x JOIN r ON r.a = x.a WHERE x.b NOT IN (SELECT b FROM big) AND \
         lower(x.c) = 'ñandú' OR x.id = NULL ORDER BY random() LIMIT 10 OFFSET 5000",
        "SELECT DISTINCT id FROM big WHERE extract(year FROM at) = 2024 UNION SELECT id FROM big WHERE a = 1",
    ];
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let catalog = catalog(dialect);
        let stats = stats(1e6);
        let context = Context::new(dialect, Some(&catalog), &stats, Settings::default());
        for sql in queries {
            for (cut, _) in sql.char_indices().skip(1) {
                let prefix = &sql[..cut];
                if let Err(e) = analyze(prefix, &context) {
                    assert!(e.status() == 422 || e.status() == 400, "{dialect:?} {prefix}: {e}");
                }
            }
        }
    }
}
