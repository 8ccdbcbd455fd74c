//! `nl2sql stats collect|list|refresh|show`: the statistics routes from the command line (the same router calls
//! as the HTTP API, so both agree), and the server's in-process refresh schedule.

use crate::app::App;
use crate::cli::{encode, fail, message};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use nl2sql_core::api::Request;
use nl2sql_core::stats::refresh::{RunBudget, run_scheduled};
use serde_json::{Value, json};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Table names sent per refresh request (each request still collects only its run budget's worth).
const CHUNK: usize = 500;
/// Pause between scheduled runs while a backlog remains (a run does at most `max_tables_per_run` tables).
const BACKLOG_PAUSE: Duration = Duration::from_secs(1);

#[derive(Subcommand)]
pub(crate) enum StatsCommand {
    /// Collect statistics now (a progress bar on a terminal).
    Collect {
        /// Every table of the database(s).
        #[arg(long, conflicts_with = "table")]
        all_tables: bool,
        /// Only this table (repeatable).
        #[arg(long)]
        table: Vec<String>,
        /// Database; every registered database with a connection when absent.
        #[arg(long, short)]
        database: Option<String>,
        /// Count rows and distinct values exactly (full scans).
        #[arg(long)]
        exact: bool,
    },
    /// List tables with the age, staleness, priority and last error of their statistics.
    List {
        /// Database; every registered database when absent.
        #[arg(long, short)]
        database: Option<String>,
        /// Only tables not refreshed within this long: 45s, 30m, 24h, 7d.
        #[arg(long, value_parser = parse_duration)]
        stale: Option<u64>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set tables' priority and refresh them now.
    Refresh {
        /// Table (repeatable).
        #[arg(long, required = true)]
        table: Vec<String>,
        /// Database.
        #[arg(long, short, default_value = "demo")]
        database: String,
        /// high, medium, low or 1-10.
        #[arg(long)]
        priority: Option<String>,
        /// Count rows and distinct values exactly (full scans).
        #[arg(long)]
        exact: bool,
    },
    /// Print one table's statistics as JSON.
    Show {
        /// Table.
        table: String,
        /// Database.
        #[arg(long, short, default_value = "demo")]
        database: String,
    },
}

pub(crate) async fn run(app: &App, command: StatsCommand) -> anyhow::Result<ExitCode> {
    match command {
        StatsCommand::Collect { all_tables, table, database, exact } => {
            if !all_tables && table.is_empty() {
                anyhow::bail!("name the tables: --all-tables or --table T");
            }
            let databases = match database {
                Some(db) => vec![db],
                None => collectable(app).await?,
            };
            let mut ok = true;
            for db in databases {
                let tables = if all_tables { table_names(app, &db).await? } else { table.clone() };
                ok &= collect(app, &db, tables, exact).await?;
            }
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        StatsCommand::List { database, stale, json } => {
            let databases = match database {
                Some(db) => vec![db],
                None => registered(app).await?.into_iter().map(|(name, _)| name).collect(),
            };
            for db in databases {
                let list =
                    call(app, "GET", &format!("/api/nl2sql/statistics/tables?database={}", encode(&db)), None).await?;
                print_list(&list, stale, json);
            }
            Ok(ExitCode::SUCCESS)
        }
        StatsCommand::Refresh { table, database, priority, exact } => {
            let body = json!({"database": database, "tables": table, "priority": priority, "exact": exact});
            let (status, value) = request(app, "POST", "/api/nl2sql/statistics/refresh", Some(body)).await;
            let report = if status == 200 { &value } else { &value["report"] };
            print_report(report);
            if status != 200 {
                return Ok(fail(&value));
            }
            Ok(if failures(report).is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        StatsCommand::Show { table, database } => {
            let path = format!("/api/nl2sql/statistics/tables/{}?database={}", encode(&table), encode(&database));
            println!("{:#}", call(app, "GET", &path, None).await?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Refreshes `tables` of `db` request by request until none is left; false when any failed.
async fn collect(app: &App, db: &str, mut pending: Vec<String>, exact: bool) -> anyhow::Result<bool> {
    let started = Instant::now();
    let bar = ProgressBar::new(pending.len() as u64).with_prefix(db.to_owned());
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} tables {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let (mut refreshed, mut failed) = (0usize, 0usize);
    while !pending.is_empty() {
        let rest = pending.split_off(CHUNK.min(pending.len()));
        let body = json!({"database": db, "tables": pending, "exact": exact});
        let (status, value) = request(app, "POST", "/api/nl2sql/statistics/refresh", Some(body)).await;
        let report = if status == 200 { &value } else { &value["report"] };
        if report.is_null() {
            bar.abandon();
            anyhow::bail!("{db}: {}", message(&value));
        }
        let done = report["refreshed"].as_array().map_or(0, Vec::len);
        refreshed += done;
        for failure in failures(report) {
            failed += 1;
            bar.println(format!(
                "{db}.{}: {}",
                failure["table"].as_str().unwrap_or("?"),
                failure["error"].as_str().unwrap_or("")
            ));
        }
        bar.inc((done + failures(report).len()) as u64);
        if let Some(table) = report["refreshed"].as_array().and_then(|r| r.last()) {
            bar.set_message(table["table"].as_str().unwrap_or_default().to_owned());
        }
        if done + failures(report).len() == 0 {
            bar.abandon();
            anyhow::bail!("{db}: a refresh made no progress (is max_tables_per_run 0?)");
        }
        pending = names(&report["remaining"]);
        pending.extend(rest);
    }
    bar.finish_and_clear();
    println!("{db}: {refreshed} tables refreshed, {failed} failed in {:.1?}", started.elapsed());
    Ok(failed == 0)
}

/// The server's schedule: `run_scheduled` at start and every `refresh_interval_seconds`, sooner while a backlog
/// remains; off when `[nl2sql.refresh_manager]` or `[nl2sql.statistics]` is disabled.
pub(crate) fn schedule(app: Arc<App>) {
    let config = app.config().nl2sql.clone();
    if !config.statistics.enabled || !config.refresh_manager.enabled {
        tracing::info!("scheduled statistics refresh is disabled");
        return;
    }
    let interval = Duration::from_secs(config.statistics.refresh_interval_seconds.max(1));
    tokio::spawn(async move {
        loop {
            let budget = RunBudget::from_config(app.config());
            let pause = match run_scheduled(&app.ports(), None, budget).await {
                Ok(r) => {
                    tracing::info!(
                        refreshed = r.refreshed.len(),
                        failed = r.failed.len(),
                        remaining = r.remaining.len(),
                        backing_off = r.backing_off,
                        elapsed_ms = r.elapsed_ms,
                        stopped_by = r.stopped_by.as_deref().unwrap_or(""),
                        "scheduled statistics refresh"
                    );
                    let progressed = !r.refreshed.is_empty() || !r.failed.is_empty();
                    if progressed && !r.remaining.is_empty() { BACKLOG_PAUSE } else { interval }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "scheduled statistics refresh failed");
                    interval
                }
            };
            tokio::time::sleep(pause).await;
        }
    });
}

async fn request(app: &App, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    let response = app.call(Request::new(method, path, body)).await;
    (response.status, response.body_json())
}

/// A 200 answer's body, or the error as an `anyhow` error.
async fn call(app: &App, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
    match request(app, method, path, body).await {
        (200, value) => Ok(value),
        (_, value) => anyhow::bail!("{}", message(&value)),
    }
}

/// Registered databases with whether they have a connection.
async fn registered(app: &App) -> anyhow::Result<Vec<(String, bool)>> {
    let value = call(app, "GET", "/api/nl2sql/databases", None).await?;
    let list = value["databases"].as_array().cloned().unwrap_or_default();
    Ok(list.iter().filter_map(|d| Some((d["name"].as_str()?.to_owned(), d["connection"].is_string()))).collect())
}

async fn collectable(app: &App) -> anyhow::Result<Vec<String>> {
    Ok(registered(app).await?.into_iter().filter(|(_, live)| *live).map(|(name, _)| name).collect())
}

async fn table_names(app: &App, db: &str) -> anyhow::Result<Vec<String>> {
    let list = call(app, "GET", &format!("/api/nl2sql/statistics/tables?database={}", encode(db)), None).await?;
    Ok(list["tables"].as_array().into_iter().flatten().filter_map(|t| t["table"].as_str().map(str::to_owned)).collect())
}

fn names(tables: &Value) -> Vec<String> {
    tables.as_array().into_iter().flatten().filter_map(|t| t["table"].as_str().map(str::to_owned)).collect()
}

fn failures(report: &Value) -> Vec<Value> {
    report["failed"].as_array().cloned().unwrap_or_default()
}

fn print_report(report: &Value) {
    for r in report["refreshed"].as_array().into_iter().flatten() {
        let exact = if r["exact"].as_bool() == Some(true) { "" } else { "~" };
        let rows = r["row_count"].as_f64().unwrap_or(0.0);
        println!(
            "refreshed {}.{}: {exact}{rows:.0} rows",
            r["database"].as_str().unwrap_or(""),
            r["table"].as_str().unwrap_or("")
        );
    }
    for f in failures(report) {
        let (db, table) = (f["database"].as_str().unwrap_or(""), f["table"].as_str().unwrap_or(""));
        println!(
            "failed {db}.{table}: {} (retry at {})",
            f["error"].as_str().unwrap_or(""),
            f["retry_at"].as_str().unwrap_or("")
        );
    }
    for r in report["remaining"].as_array().into_iter().flatten() {
        println!(
            "left for the next run: {}.{}",
            r["database"].as_str().unwrap_or(""),
            r["table"].as_str().unwrap_or("")
        );
    }
}

fn print_list(list: &Value, stale: Option<u64>, json: bool) {
    let db = list["database"].as_str().unwrap_or_default();
    let tables: Vec<&Value> = list["tables"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| stale.is_none_or(|s| t["age_seconds"].as_u64().is_none_or(|age| age >= s)))
        .collect();
    if json {
        println!("{:#}", json!({"database": db, "tables": tables}));
        return;
    }
    println!("{:<28} {:>12} {:>9} {:>6} {:>9}  last error", format!("{db}: table"), "rows", "age", "stale", "priority");
    for t in tables {
        let rows = t["row_count"]
            .as_f64()
            .map_or_else(|| "-".to_owned(), |r| format!("{}{r:.0}", if t["exact"] == true { "" } else { "~" }));
        let age = t["age_seconds"].as_u64().map_or_else(|| "never".to_owned(), human);
        let error = match (t["last_error"].as_str(), t["retry_at"].as_str()) {
            (Some(e), Some(at)) => format!("{e} (retry at {at})"),
            (Some(e), None) => e.to_owned(),
            _ => String::new(),
        };
        let stale = if t["stale"] == true { "yes" } else { "no" };
        let priority = format!("{} {}", t["priority"], t["band"].as_str().unwrap_or(""));
        let name = t["table"].as_str().unwrap_or("");
        println!("{name:<28} {rows:>12} {age:>9} {stale:>6} {priority:>9}  {error}");
    }
}

/// `45s`, `30m`, `24h`, `7d` or plain seconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let number: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 30m, 24h or 7d"))?;
    let factor = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("unknown unit in `{text}`; use s, m, h, d or w")),
    };
    Ok(number.saturating_mul(factor))
}

fn human(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_ages() {
        assert_eq!(parse_duration("30m"), Ok(1800));
        assert_eq!(parse_duration("24h"), Ok(86_400));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("90"), Ok(90));
        assert!(parse_duration("soon").is_err() && parse_duration("3y").is_err());
        assert_eq!(
            (human(59), human(61), human(3_700), human(90_000)),
            ("59s".into(), "1m".into(), "1h01m".into(), "1d01h".into())
        );
    }
}
