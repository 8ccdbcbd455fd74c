//! Every one of Spider's 7,000 training gold queries through the advisor, with its database's catalog: no panic,
//! every query parsed and analysed (or, for the two SQLite rejects too, a syntax error with its position). The
//! per-code finding counts are pinned in `docs/advisor.md`; after an intended change regenerate them with
//! `NL2SQL_BLESS=1 cargo test -p nl2sql-core --test advisor_spider` and review the diff.
//!
//! The queries and schemas are vendored in `tests/fixtures/spider/` (CC BY-SA 4.0, see its SOURCES.md).

use nl2sql_core::advisor::{self, Context, Kind, Settings, codes};
use nl2sql_core::catalog::{Catalog, Dialect};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

#[test]
fn all_spider_training_queries_are_analysed_without_panicking() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spider");
    let tables = std::fs::read_to_string(dir.join("tables.json")).expect("tables.json");
    let catalogs: BTreeMap<String, Catalog> =
        nl2sql_core::spider::parse_tables_json(&tables).expect("tables.json parses").into_iter().collect();
    let gold = std::fs::read_to_string(dir.join("train_gold.sql")).expect("train_gold.sql");
    let settings = Settings::default();
    let (mut queries, mut panics, mut errors) = (0usize, Vec::new(), Vec::new());
    let mut counts: BTreeMap<&str, (usize, usize)> = codes::ALL.iter().map(|c| (c.code, (0, 0))).collect();
    let (mut with_findings, mut with_indexes, mut score_sum) = (0usize, 0usize, 0u64);
    // `NL2SQL_ADVISOR_EXAMPLES=n` prints the first n findings of each code, for review.
    let examples: usize = std::env::var("NL2SQL_ADVISOR_EXAMPLES").ok().and_then(|n| n.parse().ok()).unwrap_or(0);
    let mut shown: BTreeMap<String, usize> = BTreeMap::new();
    for line in gold.lines() {
        let (sql, db) = line.rsplit_once('\t').expect("query<TAB>db_id");
        let catalog = catalogs.get(db).unwrap_or_else(|| panic!("no schema for {db}"));
        queries += 1;
        let context = Context::new(Dialect::Sqlite, Some(catalog), &[], settings.clone());
        match catch_unwind(AssertUnwindSafe(|| advisor::analyze(sql, &context))) {
            Err(_) => panics.push(format!("{db}: {sql}")),
            Ok(Err(e)) => {
                // Spider holds a few queries SQLite itself rejects; they must be syntax errors with a position.
                assert_eq!(e.code(), "invalid_sql", "{sql}: {e}");
                assert!(e.to_string().contains(", column "), "{e}");
                errors.push(format!("{db}: {sql}: {e}"));
            }
            Ok(Ok(report)) => {
                assert_eq!(report.kind, Kind::Query, "{sql}");
                score_sum += u64::from(report.quality_score.expect("a query has a score"));
                with_findings += usize::from(!report.findings.is_empty());
                with_indexes += usize::from(!report.indexes.is_empty());
                let mut seen = Vec::new();
                for f in &report.findings {
                    let n = shown.entry(f.code.clone()).or_default();
                    if *n < examples {
                        *n += 1;
                        println!("{} [{}] {db}: {sql}\n    {} | {}", f.code, f.severity, f.snippet, f.message);
                    }
                    let entry =
                        counts.get_mut(f.code.as_str()).unwrap_or_else(|| panic!("undocumented code {}", f.code));
                    entry.0 += 1;
                    if !seen.contains(&f.code) {
                        entry.1 += 1;
                        seen.push(f.code.clone());
                    }
                }
            }
        }
    }
    assert_eq!(queries, 7000);
    assert!(panics.is_empty(), "{} queries panicked:\n{}", panics.len(), panics.join("\n"));

    let mut table = String::new();
    let _ = writeln!(table, "| code | findings | queries |\n|---|--:|--:|");
    for (code, (n, q)) in &counts {
        let _ = writeln!(table, "| `{code}` | {n} | {q} |");
    }
    let _ =
        writeln!(table, "\n{} queries are rejected as SQL syntax errors (SQLite rejects them too):\n", errors.len());
    for e in &errors {
        let _ = writeln!(table, "- {e}");
    }
    let _ = writeln!(
        table,
        "\n{} queries analysed, {with_findings} with at least one finding, {with_indexes} with an index \
         recommendation; mean quality score {:.1}.",
        queries - errors.len(),
        score_sum as f64 / (queries - errors.len()) as f64
    );
    println!("{table}");
    // The table lives in docs/advisor.md between markers; it must match what the advisor finds today.
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/advisor.md");
    let text = std::fs::read_to_string(&docs).expect("docs/advisor.md");
    let (start, end) = ("<!-- spider-counts", "<!-- /spider-counts -->");
    let from = text.find(start).and_then(|i| text[i..].find('\n').map(|n| i + n + 1)).expect("start marker");
    let to = text.find(end).expect("end marker");
    if std::env::var_os("NL2SQL_BLESS").is_some() {
        std::fs::write(&docs, format!("{}{table}{}", &text[..from], &text[to..])).expect("write docs");
    } else {
        assert_eq!(&text[from..to], table, "per-code counts changed (NL2SQL_BLESS=1 regenerates docs/advisor.md)");
    }
}
