//! `nl2sql advise "<sql>"`: the same router call as `POST /api/nl2sql/advisor/analyze`, printed for people
//! (findings, bottlenecks, costs, index DDL) or as JSON. `--workload FILE` reads one statement per `;` and asks
//! `POST /api/nl2sql/advisor/recommend-indexes` for the merged index set.

use crate::app::App;
use crate::cli::fail;
use clap::Args;
use nl2sql_core::advisor::{IndexAdvice, IndexRecommendation, Kind, Report};
use nl2sql_core::api::Request;
use serde_json::json;
use std::fmt::Write as _;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub(crate) struct AdviseArgs {
    /// One SQL statement (`-` reads it from stdin). Not needed with --workload.
    #[arg(required_unless_present = "workload")]
    sql: Option<String>,
    /// Registered database whose catalog and statistics are used.
    #[arg(long, short)]
    database: Option<String>,
    /// Dialect when no database is given: postgres (default), mysql, sqlite.
    #[arg(long)]
    dialect: Option<String>,
    /// A file of statements separated by `;`: print the de-duplicated index recommendations for all of them.
    #[arg(long, conflicts_with = "sql")]
    workload: Option<PathBuf>,
    /// Print the whole answer as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(app: &App, args: AdviseArgs) -> anyhow::Result<ExitCode> {
    let (path, body) = match (&args.workload, &args.sql) {
        (Some(file), _) => {
            let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let queries: Vec<&str> = split_statements(&text);
            ("/api/nl2sql/advisor/recommend-indexes", json!({"queries": queries}))
        }
        (None, Some(sql)) => {
            let sql = if sql == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                text
            } else {
                sql.clone()
            };
            ("/api/nl2sql/advisor/analyze", json!({"sql": sql}))
        }
        (None, None) => anyhow::bail!("give a SQL statement or --workload FILE"),
    };
    let mut body = body;
    if let Some(db) = &args.database {
        body["database"] = json!(db);
    }
    if let Some(dialect) = &args.dialect {
        body["dialect"] = json!(dialect);
    }
    let response = app.call(Request::new("POST", path, body.to_string())).await;
    let value = response.body_json();
    if response.status != 200 {
        return Ok(fail(&value));
    }
    if args.json {
        println!("{value:#}");
        return Ok(ExitCode::SUCCESS);
    }
    let text = if args.workload.is_some() {
        serde_json::from_value::<IndexAdvice>(value).map(|a| render_advice(&a))
    } else {
        serde_json::from_value::<Report>(value).map(|r| render_report(&r))
    };
    match text {
        Ok(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: unexpected response: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Statements of a workload file: split at `;` outside quotes and comments, blank ones dropped.
fn split_statements(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quote, mut comment) = (0, None, false);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, comment, b) {
            (_, true, b'\n') => comment = false,
            (_, true, _) => {}
            (Some(q), _, _) if b == q => quote = None,
            (Some(_), _, _) => {}
            (None, _, b'\'' | b'"' | b'`') => quote = Some(b),
            (None, _, b'-') if bytes.get(i + 1) == Some(&b'-') => comment = true,
            (None, _, b';') => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty() && !s.lines().all(|l| l.trim_start().starts_with("--")))
        .collect()
}

fn number(n: f64) -> String {
    let rounded = n.round().max(0.0) as u64;
    let digits = rounded.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn render_report(r: &Report) -> String {
    let mut out = String::new();
    if r.kind == Kind::NotAQuery {
        let _ = writeln!(out, "{}", r.message.as_deref().unwrap_or("not a query"));
        return out;
    }
    let score = r.quality_score.unwrap_or(0);
    let verdict = if r.meets_min_quality { "meets" } else { "below" };
    let _ = writeln!(
        out,
        "Quality {score}/100 ({verdict} the minimum of {}) · statistics: {} · {}",
        r.min_quality_score,
        r.statistics,
        format!("{:?}", r.dialect).to_lowercase()
    );
    if r.statistics == "none" {
        let _ = writeln!(
            out,
            "  (no statistics: every table counts as 1,000 rows; `nl2sql stats collect` gives real costs and index advice)"
        );
    }
    if let Some(cost) = &r.cost {
        let _ = writeln!(
            out,
            "Estimated: reads {} rows, returns {}, cost {}",
            number(cost.rows_read),
            number(cost.rows_returned),
            number(cost.total)
        );
        for t in &cost.tables {
            let times = if t.executions > 1.0 { format!(" ×{}", number(t.executions)) } else { String::new() };
            let index = t.index.as_ref().map(|i| format!(" via {i}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} ({} rows): {}{index}, reads {}{times}, keeps {}",
                if t.alias == t.table { t.table.clone() } else { format!("{} {}", t.table, t.alias) },
                number(t.rows),
                t.access.replace('_', " "),
                number(t.rows_read),
                number(t.rows_returned)
            );
        }
    }
    if r.findings.is_empty() {
        let _ = writeln!(out, "\nNo findings.");
    } else {
        let _ = writeln!(out, "\nFindings");
        for f in &r.findings {
            let at = f.location.map(|p| format!(" at line {}, column {}", p.line, p.column)).unwrap_or_default();
            let _ = writeln!(out, "  [{}] {}{at}", f.severity, f.code);
            let _ = writeln!(out, "      {}", f.snippet);
            let _ = writeln!(out, "      {}", f.message);
            let _ = writeln!(out, "      → {}", f.suggestion);
        }
    }
    for (code, n) in &r.omitted {
        let _ = writeln!(out, "  ... and {n} more {code} findings");
    }
    if !r.bottlenecks.is_empty() {
        let _ = writeln!(out, "\nBottlenecks");
        for b in &r.bottlenecks {
            let table = b.table.as_ref().map(|t| format!(" on {t}")).unwrap_or_default();
            let _ = writeln!(out, "  {}. {}{table} (severity {})", b.rank, b.kind, b.severity);
        }
    }
    render_indexes(&mut out, &r.indexes);
    out
}

fn render_indexes(out: &mut String, indexes: &[IndexRecommendation]) {
    if indexes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nIndex recommendations");
    for i in indexes {
        let b = &i.benefit;
        let queries = if i.queries.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = i.queries.iter().map(|q| (q + 1).to_string()).collect();
            format!(" · queries {}", list.join(", "))
        };
        let _ = writeln!(out, "  {}", i.ddl);
        let _ = writeln!(
            out,
            "      {} · rows read {} → {} · cost {} → {} (−{:.0}%){queries}",
            i.reason,
            number(b.rows_read_before),
            number(b.rows_read_after),
            number(b.cost_before),
            number(b.cost_after),
            b.reduction * 100.0
        );
    }
}

fn render_advice(a: &IndexAdvice) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} statements, {} queries analysed, {} candidate indexes{}",
        a.queries,
        a.analyzed,
        a.candidates,
        if a.truncated { " (stopped at analysis_timeout_seconds)" } else { "" }
    );
    if a.recommendations.is_empty() {
        let _ = writeln!(out, "No index recommended.");
    }
    render_indexes(&mut out, &a.recommendations);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_files_split_at_semicolons_outside_quotes_and_comments() {
        let text = "SELECT ';' FROM t; -- a comment; not a split\nSELECT 2;\n\n-- only a comment\n";
        assert_eq!(split_statements(text), ["SELECT ';' FROM t", "-- a comment; not a split\nSELECT 2"]);
    }

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(number(1234567.4), "1,234,567");
        assert_eq!(number(12.0), "12");
    }
}
