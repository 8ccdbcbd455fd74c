//! The advisor's data-driven tests: every `tests/advisor/<name>.sql` is analysed and its report, rendered as
//! text, must equal `tests/advisor/<name>.expected`. After an intended change, regenerate them with
//! `NL2SQL_BLESS=1 cargo test -p nl2sql-core --test advisor` and review the diff.
//!
//! A fixture starts with comment lines that set it up:
//!
//! - `-- database: shop` — the catalog from `tests/fixtures/advisor/shop.sql` (DDL) and the statistics from
//!   `shop.stats.json` (an online shop with tables of up to 300 million rows); `none` for no catalog;
//! - `-- dialect: mysql` — the dialect the SQL (and the DDL) is read in (default `postgres`);
//! - `-- statistics: off` — analyse without statistics (PostgreSQL's defaults).
//!
//! Whatever a fixture is about, its expected report is the whole report: findings, bottlenecks, costs and
//! index recommendations, so a change anywhere shows up in review.

use nl2sql_core::Error;
use nl2sql_core::advisor::{self, Context, Report, Settings};
use nl2sql_core::catalog::{Catalog, Dialect};
use nl2sql_core::stats::model::TableStats;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests")
}

struct Setup {
    dialect: Dialect,
    catalog: Option<Catalog>,
    stats: Vec<TableStats>,
}

fn setup(sql: &str) -> Setup {
    let header = |key: &str| {
        sql.lines()
            .take_while(|l| l.starts_with("--"))
            .find_map(|l| l.trim_start_matches("--").trim().strip_prefix(key).map(|v| v.trim().to_owned()))
    };
    let dialect = header("dialect:").map_or(Dialect::Postgres, |d| Dialect::parse(&d).expect("a known dialect"));
    let database = header("database:").unwrap_or_else(|| "shop".into());
    let statistics = header("statistics:").is_none_or(|s| s != "off");
    if database == "none" {
        return Setup { dialect, catalog: None, stats: Vec::new() };
    }
    let fixtures = dir().join("fixtures/advisor");
    let ddl = std::fs::read_to_string(fixtures.join(format!("{database}.sql"))).expect("the fixture's DDL");
    let catalog = nl2sql_core::ddl::parse(&ddl, dialect).expect("the fixture DDL parses").catalog;
    let stats = if statistics {
        let text = std::fs::read_to_string(fixtures.join(format!("{database}.stats.json"))).expect("statistics");
        serde_json::from_str(&text).expect("statistics JSON")
    } else {
        Vec::new()
    };
    Setup { dialect, catalog: Some(catalog), stats }
}

/// The report (or the error) as reviewable text.
fn render(result: &Result<Report, Error>) -> String {
    let mut out = String::new();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(out, "error {} ({}): {e}", e.code(), e.status());
            return out;
        }
    };
    let _ = writeln!(out, "kind {:?}, statement {}", report.kind, report.statement);
    if let Some(message) = &report.message {
        let _ = writeln!(out, "message: {message}");
        return out;
    }
    let _ = writeln!(
        out,
        "score {:?} (min {}, meets {}), statistics {}",
        report.quality_score, report.min_quality_score, report.meets_min_quality, report.statistics
    );
    if let Some(cost) = &report.cost {
        let _ =
            writeln!(out, "cost: read {} rows, return {}, total {}", cost.rows_read, cost.rows_returned, cost.total);
        for t in &cost.tables {
            let _ = writeln!(
                out,
                "  table {} as {}: {} rows, read {} x{}, keep {}, {}{}, cost {}",
                t.table,
                t.alias,
                t.rows,
                t.rows_read,
                t.executions,
                t.rows_returned,
                t.access,
                t.index.as_ref().map(|i| format!(" ({i})")).unwrap_or_default(),
                t.cost
            );
        }
    }
    for f in &report.findings {
        let at = f.location.map(|p| format!("{}:{}", p.line, p.column)).unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "finding {} severity {} at {at}{}",
            f.code,
            f.severity,
            f.table.as_ref().map(|t| format!(" table {t}")).unwrap_or_default()
        );
        let _ = writeln!(out, "  snippet: {}", f.snippet);
        let _ = writeln!(out, "  message: {}", f.message);
        let _ = writeln!(out, "  suggestion: {}", f.suggestion);
    }
    for (code, n) in &report.omitted {
        let _ = writeln!(out, "omitted {n} more {code}");
    }
    for b in &report.bottlenecks {
        let _ = writeln!(out, "bottleneck {} {} ({}) severity {}", b.rank, b.kind, b.code, b.severity);
    }
    for i in &report.indexes {
        let _ = writeln!(out, "index {} ({}): {}", i.table, i.columns.join(", "), i.reason);
        let _ = writeln!(
            out,
            "  rows {} -> {}, cost {} -> {} (-{:.1}%)",
            i.benefit.rows_read_before,
            i.benefit.rows_read_after,
            i.benefit.cost_before,
            i.benefit.cost_after,
            i.benefit.reduction * 100.0
        );
        let _ = writeln!(out, "  {}", i.ddl);
    }
    out
}

#[test]
fn fixtures_match_their_expected_reports() {
    let bless = std::env::var_os("NL2SQL_BLESS").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir().join("advisor"))
        .expect("tests/advisor")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{} fixtures", files.len());
    let mut failed = Vec::new();
    for path in &files {
        let sql = std::fs::read_to_string(path).expect("fixture");
        let setup = setup(&sql);
        let context = Context::new(setup.dialect, setup.catalog.as_ref(), &setup.stats, Settings::default());
        let got = render(&advisor::analyze(&sql, &context));
        let expected_path = path.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failed.push(format!("{}:\n--- expected\n{expected}--- got\n{got}", path.display()));
        }
    }
    assert!(
        failed.is_empty(),
        "{} fixture(s) differ (NL2SQL_BLESS=1 regenerates after an intended change):\n{}",
        failed.len(),
        failed.join("\n")
    );
}
