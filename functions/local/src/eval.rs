//! `nl2sql eval`: measures the schema linker (and, with `--execute`, the offline translator) on Spider-format
//! questions: per question whether every gold table was linked, the share of gold columns the pruned skeleton
//! shows, and the pruned skeleton's size against the full one; summarised per database and per Spider
//! hardness.
//!
//! Budget: each question is linked within `min(--budget, --share × the database's full skeleton)` tokens (by
//! default the whole database); beyond `min(--budget, --target × full)` (default half of it) only the
//! question's evidence — the tables it names and their joins — is added, so pruned skeletons stay lean without
//! dropping what the question needs (`nl2sql_core::linker::Budget`). With `--union` every database's tables go
//! into one catalog (named `<db_id>.<table>`, foreign keys kept within each database) and each question is
//! linked against all of it.

mod execute;
mod gold;

use anyhow::Context;
use execute::FileSql;
use gold::{Gold, Hardness};
use nl2sql_core::catalog::{Catalog, Dialect, Samples};
use nl2sql_core::linker::{Budget, LinkIndex, Linked};
use nl2sql_core::offline::{Options, translate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Rows scanned per table for sample values (the `[nl2sql.statistics] sample_size` default).
const SAMPLE_ROWS: u64 = 30_000;
/// Sample values kept per text column (as registration does).
const SAMPLE_VALUES: usize = 50;
/// Row limit given to the offline translator (large, so that it never cuts a result short).
const TRANSLATE_LIMIT: u64 = 1_000_000;

/// Options of `nl2sql eval`.
#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// Questions: a JSON array of {question, query, db_id} (Spider's train.json).
    #[arg(long)]
    questions: PathBuf,
    /// Schemas: Spider's tables.json.
    #[arg(long)]
    tables: PathBuf,
    /// Directory with `<db_id>/<db_id>.sqlite` files (for sample values and --execute).
    #[arg(long)]
    databases: PathBuf,
    /// Print one JSON object per question, then a summary object.
    #[arg(long)]
    json: bool,
    /// Evaluate only the first N questions.
    #[arg(long)]
    limit: Option<usize>,
    /// Token budget of a pruned skeleton.
    #[arg(long, default_value_t = 2000)]
    budget: usize,
    /// Largest share of the database's full skeleton a pruned skeleton may use.
    #[arg(long, default_value_t = 1.0)]
    share: f64,
    /// Share of the database's full skeleton beyond which only the question's evidence (named tables and their
    /// joins) is added.
    #[arg(long, default_value_t = 0.5)]
    target: f64,
    /// Link against one catalog holding every database's tables.
    #[arg(long)]
    union: bool,
    /// Also translate with the offline translator and compare results with the gold query's.
    #[arg(long)]
    execute: bool,
}

#[derive(Debug, Deserialize)]
struct Question {
    question: String,
    query: String,
    db_id: String,
}

/// The measurements of one question.
#[derive(Debug, Serialize)]
struct Outcome {
    db_id: String,
    question: String,
    hardness: Hardness,
    /// Whether sqlparser read the gold SQL (otherwise its tables come from a keyword scan).
    gold_parsed: bool,
    gold_tables: Vec<String>,
    linked_tables: Vec<String>,
    missing_tables: Vec<String>,
    table_recall: Option<f64>,
    column_recall: Option<f64>,
    missing_columns: Vec<String>,
    pruned_tokens: usize,
    full_tokens: usize,
    token_ratio: f64,
    budget: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    predicted_sql: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution: Option<bool>,
}

/// One database's schema, samples and file.
struct Database {
    catalog: Catalog,
    samples: Samples,
    file: Option<FileSql>,
}

pub(crate) async fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let mut questions: Vec<Question> = read_json(&args.questions)?;
    if let Some(limit) = args.limit {
        questions.truncate(limit);
    }
    let text = std::fs::read_to_string(&args.tables).with_context(|| format!("reading {}", args.tables.display()))?;
    let schemas =
        nl2sql_core::spider::parse_tables_json(&text).with_context(|| format!("parsing {}", args.tables.display()))?;
    let wanted: Vec<&str> = questions.iter().map(|q| q.db_id.as_str()).collect();
    let mut databases: BTreeMap<String, Database> = BTreeMap::new();
    for (db_id, catalog) in schemas {
        if !args.union && !wanted.contains(&db_id.as_str()) {
            continue;
        }
        let path = args.databases.join(&db_id).join(format!("{db_id}.sqlite"));
        let file = path.exists().then(|| FileSql::open(&path)).transpose()?;
        let samples = match &file {
            Some(file) => nl2sql_core::introspect::samples(file, &db_id, &catalog, SAMPLE_ROWS, SAMPLE_VALUES)
                .await
                .with_context(|| format!("sampling {}", path.display()))?,
            None => Samples::new(),
        };
        databases.insert(db_id, Database { catalog, samples, file });
    }

    let (union_catalog, union_samples) = if args.union {
        union(&databases)
    } else {
        (Catalog { dialect: Dialect::Sqlite, tables: vec![] }, Samples::new())
    };
    let union_index = args.union.then(|| LinkIndex::new(&union_catalog, &union_samples));
    let indexes: HashMap<&str, LinkIndex<'_>> = if args.union {
        HashMap::new()
    } else {
        databases.iter().map(|(id, db)| (id.as_str(), LinkIndex::new(&db.catalog, &db.samples))).collect()
    };

    let progress = if std::io::stdout().is_terminal() {
        indicatif::ProgressBar::new(questions.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut outcomes = Vec::new();
    let mut stdout = std::io::stdout().lock();
    for q in &questions {
        progress.inc(1);
        let Some(db) = databases.get(&q.db_id) else {
            anyhow::bail!("database `{}` of question {:?} is not in {}", q.db_id, q.question, args.tables.display());
        };
        let Some(index) = union_index.as_ref().or_else(|| indexes.get(q.db_id.as_str())) else {
            anyhow::bail!("no index for database `{}`", q.db_id);
        };
        let budget = Budget {
            cap: budget(args.budget, args.share, index.full_tokens()),
            target: budget(args.budget, args.target, index.full_tokens()),
        };
        let linked = index.link_within(&q.question, budget);
        let gold = gold::analyse(&q.query, &db.catalog);
        let prefix = if args.union { format!("{}.", q.db_id) } else { String::new() };
        let mut outcome = measure(q, &gold, &linked, &prefix, budget.cap);
        if args.execute
            && let Some(file) = &db.file
        {
            let predicted = translate(&q.question, &db.catalog, &db.samples, &Options { limit: TRANSLATE_LIMIT });
            let sql = predicted.map(|t| t.sql).ok();
            outcome.execution =
                Some(sql.as_ref().is_some_and(|s| execute::same_result(file, &q.query, s, gold.ordered)));
            outcome.predicted_sql = sql;
        }
        if args.json {
            writeln!(stdout, "{}", serde_json::to_string(&outcome)?)?;
        }
        outcomes.push(outcome);
    }
    progress.finish_and_clear();

    let summary = summarise(&outcomes, &args);
    if args.json {
        writeln!(stdout, "{}", json!({ "summary": summary }))?;
    } else {
        write!(stdout, "{}", render(&summary))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// `min(cap, share × full)` tokens.
fn budget(cap: usize, share: f64, full: usize) -> usize {
    cap.min((share * full as f64).floor() as usize)
}

/// Compares the linked tables and shown columns with the gold query's.
fn measure(q: &Question, gold: &Gold, linked: &Linked, prefix: &str, budget: usize) -> Outcome {
    let linked_tables: Vec<String> = linked.tables.iter().map(|t| t.table.clone()).collect();
    let find = |table: &str| {
        let name = format!("{prefix}{table}");
        linked.tables.iter().find(|t| t.table.eq_ignore_ascii_case(&name))
    };
    let missing_tables: Vec<String> = gold.tables.iter().filter(|t| find(t).is_none()).cloned().collect();
    let missing_columns: Vec<String> = (gold.columns.iter())
        .filter(|(t, c)| !find(t).is_some_and(|pick| pick.columns.iter().any(|pc| pc.column.eq_ignore_ascii_case(c))))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    let shown = gold.columns.len() - missing_columns.len();
    let full_tokens = linked.full_tokens;
    Outcome {
        db_id: q.db_id.clone(),
        question: q.question.clone(),
        hardness: gold.hardness,
        gold_parsed: !gold.scanned,
        gold_tables: gold.tables.clone(),
        linked_tables,
        table_recall: (!gold.tables.is_empty()).then_some(if missing_tables.is_empty() { 1.0 } else { 0.0 }),
        missing_tables,
        column_recall: (!gold.columns.is_empty()).then(|| shown as f64 / gold.columns.len() as f64),
        missing_columns,
        pruned_tokens: linked.skeleton.tokens,
        full_tokens,
        token_ratio: linked.skeleton.tokens as f64 / full_tokens.max(1) as f64,
        budget,
        predicted_sql: None,
        execution: None,
    }
}

/// Means over a group of questions.
#[derive(Debug, Default, Serialize)]
struct Group {
    questions: usize,
    table_recall: f64,
    column_recall: f64,
    pruned_tokens: f64,
    full_tokens: f64,
    token_ratio: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    execution_accuracy: Option<f64>,
}

impl Group {
    fn of<'o>(outcomes: impl Iterator<Item = &'o Outcome> + Clone) -> Self {
        let mean =
            |values: Vec<f64>| if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 };
        let executed: Vec<f64> = outcomes.clone().filter_map(|o| o.execution).map(|e| f64::from(u8::from(e))).collect();
        Self {
            questions: outcomes.clone().count(),
            table_recall: mean(outcomes.clone().filter_map(|o| o.table_recall).collect()),
            column_recall: mean(outcomes.clone().filter_map(|o| o.column_recall).collect()),
            pruned_tokens: mean(outcomes.clone().map(|o| o.pruned_tokens as f64).collect()),
            full_tokens: mean(outcomes.clone().map(|o| o.full_tokens as f64).collect()),
            token_ratio: mean(outcomes.map(|o| o.token_ratio).collect()),
            execution_accuracy: (!executed.is_empty()).then(|| mean(executed)),
        }
    }
}

/// The summary object.
#[derive(Debug, Serialize)]
struct Summary {
    mode: &'static str,
    budget: usize,
    share: f64,
    target: f64,
    databases: usize,
    overall: Group,
    /// Mean over databases of their mean table recall.
    database_mean_table_recall: f64,
    /// Mean over databases of their token ratio.
    database_mean_token_ratio: f64,
    /// Lowest per-database mean table recall.
    worst_database_table_recall: f64,
    /// Databases whose mean table recall is at least 0.97.
    databases_at_097: usize,
    /// Databases whose mean token ratio is at most 0.5.
    databases_at_half: usize,
    /// Questions whose gold SQL sqlparser could not read (tables found by a keyword scan).
    unparsed_gold: usize,
    by_hardness: BTreeMap<&'static str, Group>,
    by_database: BTreeMap<String, Group>,
}

fn summarise(outcomes: &[Outcome], args: &EvalArgs) -> Summary {
    let mut by_database: BTreeMap<String, Group> = BTreeMap::new();
    let mut ids: Vec<&str> = outcomes.iter().map(|o| o.db_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        by_database.insert(id.to_owned(), Group::of(outcomes.iter().filter(|o| o.db_id == id)));
    }
    let by_hardness =
        Hardness::ALL.iter().map(|h| (h.name(), Group::of(outcomes.iter().filter(|o| o.hardness == *h)))).collect();
    let n = by_database.len().max(1) as f64;
    Summary {
        mode: if args.union { "union" } else { "per-database" },
        budget: args.budget,
        share: args.share,
        target: args.target,
        databases: by_database.len(),
        overall: Group::of(outcomes.iter()),
        database_mean_table_recall: by_database.values().map(|g| g.table_recall).sum::<f64>() / n,
        database_mean_token_ratio: by_database.values().map(|g| g.token_ratio).sum::<f64>() / n,
        worst_database_table_recall: by_database.values().map(|g| g.table_recall).fold(1.0, f64::min),
        databases_at_097: by_database.values().filter(|g| g.table_recall >= 0.97).count(),
        databases_at_half: by_database.values().filter(|g| g.token_ratio <= 0.5).count(),
        unparsed_gold: outcomes.iter().filter(|o| !o.gold_parsed).count(),
        by_hardness,
        by_database,
    }
}

/// The summary as a table for people.
fn render(summary: &Summary) -> String {
    let header = |first: &str| {
        format!(
            "{first:<34} {:>5} {:>7} {:>7} {:>6} {:>7} {:>7} {:>6}\n",
            "n", "full", "pruned", "ratio", "tables", "columns", "exec"
        )
    };
    let row = |name: &str, g: &Group| {
        let exec = g.execution_accuracy.map_or_else(|| "-".to_owned(), |e| format!("{e:.3}"));
        format!(
            "{:<34} {:>5} {:>7.0} {:>7.0} {:>6.3} {:>7.3} {:>7.3} {:>6}\n",
            name, g.questions, g.full_tokens, g.pruned_tokens, g.token_ratio, g.table_recall, g.column_recall, exec
        )
    };
    let mut out = format!(
        "{} linking, budget min({}, {} x full skeleton) tokens, context beyond the evidence up to {} x full\n\n{}",
        summary.mode,
        summary.budget,
        summary.share,
        summary.target,
        header("database")
    );
    for (name, g) in &summary.by_database {
        out.push_str(&row(name, g));
    }
    out.push_str(&format!("\n{}", header("hardness")));
    for (name, g) in &summary.by_hardness {
        out.push_str(&row(name, g));
    }
    out.push_str(&row("all questions", &summary.overall));
    out.push_str(&format!(
        "\ndatabases: {}; mean of per-database table recall {:.3} (worst {:.3}, {} at >= 0.97); mean of \
         per-database token ratio {:.3} ({} at <= 0.5); gold queries not parsed: {}\n",
        summary.databases,
        summary.database_mean_table_recall,
        summary.worst_database_table_recall,
        summary.databases_at_097,
        summary.database_mean_token_ratio,
        summary.databases_at_half,
        summary.unparsed_gold
    ));
    out
}

/// One catalog with every database's tables renamed `<db_id>.<table>`; foreign keys stay within a database.
fn union(databases: &BTreeMap<String, Database>) -> (Catalog, Samples) {
    let mut tables = Vec::new();
    let mut samples = Samples::new();
    for (id, db) in databases {
        for table in &db.catalog.tables {
            let mut renamed = table.clone();
            renamed.name = format!("{id}.{}", table.name);
            for fk in &mut renamed.foreign_keys {
                fk.ref_table = format!("{id}.{}", fk.ref_table);
            }
            tables.push(renamed);
        }
        for (table, columns) in &db.samples {
            samples.insert(format!("{id}.{table}"), columns.clone());
        }
    }
    (Catalog { dialect: Dialect::Sqlite, tables }, samples)
}
