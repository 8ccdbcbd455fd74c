//! The deterministic offline translator: English question in, one bounded SELECT out, with no model and no
//! network.
//!
//! Why it exists: it answers the everyday questions ("how many", "per", "top 5", "the most", "more than",
//! "average") instantly, for free and identically on every host, including wasm; and it is the fallback when
//! no LLM provider is configured. It works on any schema because it only knows English, never a database:
//! table and column names are split into words and singularised (`InvoiceLine` → "invoice line",
//! `customer_id` → "customer id"), literals are recognised through the sample values of text columns, and
//! joins follow the shortest foreign-key paths. Guesses lower [`Translation::confidence`] instead of failing.
//!
//! Pipeline: `tokens` → `mentions` (schema phrases from `lexicon`) and `values` (literals) → `intent` (the role of
//! each mention, with `comparisons` and `measures`) → `plan` (main table, columns), `shape` and `filters` →
//! `build` (SQL, joins from `joins`) and `explain`.

mod build;
mod comparisons;
mod explain;
mod filters;
mod hints;
mod intent;
mod joins;
mod lexicon;
mod measures;
mod mentions;
mod plan;
mod scan;
mod shape;
pub(crate) mod tokens;
mod values;

use crate::catalog::{Catalog, Samples};
use crate::error::{Error, Result};
use serde::Serialize;

/// Options of [`translate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Row limit put on every query; a top-N question uses the smaller of N and this.
    pub limit: u64,
}

/// A translated question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Translation {
    /// One SELECT in the catalog's dialect, always ending with a LIMIT.
    pub sql: String,
    /// What the SQL does, in plain English.
    pub explanation: String,
    /// From 0 to 1: lower when words went unmatched or a table or column had to be guessed.
    pub confidence: f64,
    /// Tables the SQL reads, the main one first.
    pub tables: Vec<String>,
}

/// Translates `question` into one SELECT over `catalog`, recognising literal values through `samples`.
///
/// ```
/// use nl2sql_core::offline::{translate, Options};
/// let catalog = serde_json::from_str(r#"{"dialect": "sqlite", "tables": [{"name": "employees", "columns": [
///     {"name": "id", "data_type": "INTEGER", "nullable": false},
///     {"name": "full_name", "data_type": "TEXT", "nullable": false},
///     {"name": "salary", "data_type": "NUMERIC", "nullable": false}], "primary_key": ["id"]}]}"#).unwrap();
/// let t = translate("average salary of employees", &catalog, &Default::default(), &Options { limit: 100 }).unwrap();
/// assert_eq!(t.sql, "SELECT AVG(salary) AS avg_salary FROM employees LIMIT 100");
/// ```
///
/// # Errors
/// [`Error::Untranslatable`] when nothing in the question maps onto the schema, or the tables it needs are not
/// connected by foreign keys.
pub fn translate(question: &str, catalog: &Catalog, samples: &Samples, options: &Options) -> Result<Translation> {
    if catalog.tables.is_empty() {
        return Err(Error::Untranslatable("the database has no tables to query".into()));
    }
    let lexicon = lexicon::Lexicon::new(catalog);
    let index = values::ValueIndex::new(catalog, samples);
    let graph = joins::Graph::new(catalog);
    let reading = intent::read(question, catalog, &lexicon, &index);
    let mut planner = plan::Planner::new(catalog, &graph, &reading, question)?;
    let plan = planner.plan(options.limit)?;
    let rendered = build::render(&plan, catalog, &graph)?;

    let first = reading.tokens.first().map(|t| t.text.as_str());
    let capitalised = |w: &&String| Some(w.as_str()) != first && w.chars().next().is_some_and(char::is_uppercase);
    let names = reading.unknown.iter().filter(capitalised).count() as f64;
    let words = reading.unknown.len() as f64 - names;
    let mut confidence = 1.0 - planner.penalty - (0.1 * names + 0.05 * words).min(0.3);
    confidence -= 0.03 * rendered.joins.saturating_sub(1) as f64;
    let confidence = (confidence.clamp(0.05, 1.0) * 100.0).round() / 100.0;

    let mut explanation = rendered.explanation;
    let ignored: Vec<&String> = reading.unknown.iter().chain(&planner.ignored).collect();
    if !ignored.is_empty() {
        let quoted: Vec<String> = ignored.iter().map(|w| format!("\"{w}\"")).collect();
        explanation.push_str(&format!(" Not understood and ignored: {}.", quoted.join(", ")));
    }
    Ok(Translation { sql: rendered.sql, explanation, confidence, tables: rendered.tables })
}
