//! The exported functions as plain Rust over JSON text: every input that is not a plain string is JSON text
//! (empty = absent), every answer is JSON text, every failure a core [`Error`] (its `code` and message go to
//! JavaScript unchanged).
//!
//! JSON is read with `serde_json::from_slice`: options, catalogs and statistics into a `serde_json::Value`
//! (walked by `convert.rs`), example values directly into `Samples`.

use crate::convert;
use nl2sql_core::advisor::{self, Context, Settings};
use nl2sql_core::catalog::{Catalog, Dialect, Samples};
use nl2sql_core::error::{Error, Result};
use nl2sql_core::stats::estimate::{Estimate, Estimator, Scope};
use nl2sql_core::stats::model::TableStats;
use nl2sql_core::{Config, agentic, ddl, guard, linker, offline, skeleton::Skeleton, translate::checked_question};
use serde_json::{Value, json};

/// `registerSchema`: DDL text in `dialect` → `{dialect, fingerprint, catalog, skipped}`.
pub fn register(ddl_text: &str, dialect_name: &str) -> Result<String> {
    let import = ddl::parse(ddl_text, dialect(dialect_name)?)?;
    let head = json!({"dialect": import.catalog.dialect, "fingerprint": import.catalog.fingerprint()});
    Ok(merge(head.to_string(), &[("catalog", to_json(&import.catalog)), ("skipped", to_json(&import.skipped))]))
}

/// `skeleton`: the whole catalog's skeleton, `{fingerprint, lines, tokens, text}`.
pub fn skeleton(catalog_json: &str, samples_json: &str) -> Result<String> {
    let catalog = catalog(catalog_json)?;
    let skeleton = Skeleton::full(&catalog, &samples(samples_json)?);
    Ok(skeleton_json(&skeleton))
}

/// `link`: options `{budget?, target?}` (tokens; the budget defaults to `[nl2sql] skeleton_token_budget`) → the
/// linker's picks with reasons and the pruned skeleton.
pub fn link(question: &str, catalog_json: &str, samples_json: &str, options_json: &str) -> Result<String> {
    let config = Config::default();
    let question = checked_question(question, &config)?;
    let catalog = catalog(catalog_json)?;
    let samples = samples(samples_json)?;
    let options = options(options_json)?;
    let cap = count(&options, "budget")?.unwrap_or(config.nl2sql.skeleton_token_budget);
    let target = count(&options, "target")?.unwrap_or(cap).min(cap);
    let linked = linker::LinkIndex::new(&catalog, &samples).link_within(question, linker::Budget { cap, target });
    let head = json!({"full_tokens": linked.full_tokens});
    Ok(merge(head.to_string(), &[("tables", to_json(&linked.tables)), ("skeleton", skeleton_json(&linked.skeleton))]))
}

/// `translate`: options `{limit?, budget?}` → `{sql, explanation, confidence, tables, linked_tables}`.
///
/// The same steps as the service's translate (`core/src/translate.rs`, offline provider): link within the
/// budget, translate over the linked tables, over the whole catalog when those cannot answer.
pub fn translate(question: &str, catalog_json: &str, samples_json: &str, options_json: &str) -> Result<String> {
    let config = Config::default();
    let question = checked_question(question, &config)?;
    let catalog = catalog(catalog_json)?;
    let samples = samples(samples_json)?;
    let options = options(options_json)?;
    let budget = count(&options, "budget")?.unwrap_or(config.nl2sql.skeleton_token_budget);
    let limit = count(&options, "limit")?.map_or(config.nl2sql.default_limit, |n| n as u64);
    if limit == 0 {
        return Err(invalid_options("limit must be at least 1"));
    }
    let linked = linker::link(question, &catalog, &samples, budget);
    let linked_tables: Vec<String> = linked.tables.iter().map(|t| t.table.clone()).collect();
    let focused = Catalog {
        dialect: catalog.dialect,
        tables: catalog.tables.iter().filter(|t| linked_tables.contains(&t.name)).cloned().collect(),
    };
    let options = offline::Options { limit };
    let translation = match offline::translate(question, &focused, &samples, &options) {
        Err(Error::Untranslatable(_)) if focused.tables.len() < catalog.tables.len() => {
            offline::translate(question, &catalog, &samples, &options)?
        }
        other => other?,
    };
    Ok(merge(to_json(&translation), &[("linked_tables", to_json(&linked_tables))]))
}

/// `advise`: the advisor's report on one statement. `catalog_json` may be empty (no schema: `options.dialect`,
/// PostgreSQL by default); `stats_json` is an array of table statistics or empty; options `{dialect?, settings?}`
/// where `settings` holds `[nl2sql.advisor]` keys.
pub fn advise(sql_text: &str, catalog_json: &str, stats_json: &str, options_json: &str) -> Result<String> {
    let catalog = optional_catalog(catalog_json)?;
    let stats = stats(stats_json)?;
    let options = options(options_json)?;
    let dialect = resolve_dialect(catalog.as_ref(), &options)?;
    let settings = settings(options.get("settings"))?;
    let context = Context::new(dialect, catalog.as_ref(), &stats, settings);
    Ok(to_json(&advisor::analyze(sql_text, &context)?))
}

/// `estimate`: rows a SELECT reads and returns, `{tables, joined_rows, output_rows, statistics}`.
pub fn estimate(sql_text: &str, catalog_json: &str, stats_json: &str, options_json: &str) -> Result<String> {
    let catalog = optional_catalog(catalog_json)?;
    let stats = stats(stats_json)?;
    let dialect = resolve_dialect(catalog.as_ref(), &options(options_json)?)?;
    let estimate = Estimator::new(&stats).estimate_select(sql_text, dialect)?;
    Ok(estimate_json(&estimate).to_string())
}

/// `selectivity`: the fraction of rows for which a condition holds, over options `tables` (names, or
/// `[alias, table]` pairs; the FROM list the condition is read in).
pub fn selectivity(condition: &str, stats_json: &str, options_json: &str) -> Result<String> {
    let stats = stats(stats_json)?;
    let options = options(options_json)?;
    let dialect = resolve_dialect(None, &options)?;
    let mut scope = Scope::new();
    for entry in options.get("tables").and_then(Value::as_array).into_iter().flatten() {
        scope = match entry {
            Value::String(table) => scope.with(table, table),
            Value::Array(pair) => match pair.as_slice() {
                [Value::String(alias), Value::String(table)] => scope.with(alias, table),
                _ => return Err(invalid_options("a `tables` pair is [alias, table]")),
            },
            _ => return Err(invalid_options("`tables` holds table names or [alias, table] pairs")),
        };
    }
    if scope == Scope::new() {
        return Err(invalid_options("`tables` must name the tables the condition reads"));
    }
    let selectivity = Estimator::new(&stats).condition_selectivity(condition, &scope, dialect)?;
    Ok(json!({"selectivity": selectivity}).to_string())
}

/// `guard`: the SQL guard's verdict on one statement over the catalog (`POST /api/nl2sql/guard` without a
/// store): `{verdict: "allowed", sql, changes, dialect}`, the SQL re-rendered with its LIMIT bounded. Options
/// `{default_limit?, max_limit?, allow_system_catalogs?}` (the configuration's defaults: 100, 1000, false; a
/// `max_limit` alone below 100 lowers the default LIMIT to it).
/// Refusals are `unsafe_sql`; text that does not parse, unknown columns and placeholders are `invalid_sql`.
pub fn guard(sql_text: &str, catalog_json: &str, options_json: &str) -> Result<String> {
    let catalog = catalog(catalog_json)?;
    let options = options(options_json)?;
    let mut settings = guard::Settings::default();
    if let Some(n) = count(&options, "max_limit")? {
        settings.max_limit = n as u64;
        // A maximum below the default LIMIT lowers the default with it, unless the default is given too.
        settings.default_limit = settings.default_limit.min(settings.max_limit);
    }
    if let Some(n) = count(&options, "default_limit")? {
        settings.default_limit = n as u64;
    }
    match options.get("allow_system_catalogs") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(allow)) => settings.allow_system_catalogs = *allow,
        Some(_) => return Err(invalid_options("`allow_system_catalogs` must be true or false")),
    }
    if settings.default_limit == 0 || settings.default_limit > settings.max_limit {
        return Err(invalid_options(&format!(
            "default_limit ({}) must be between 1 and max_limit ({})",
            settings.default_limit, settings.max_limit
        )));
    }
    let guarded = guard::check(sql_text, catalog.dialect, &catalog, &settings)?;
    let head = json!({"verdict": "allowed", "sql": guarded.sql, "changes": guarded.changes_json()});
    Ok(merge(head.to_string(), &[("dialect", to_json(&catalog.dialect))]))
}

/// `assess`: a question's complexity (1-10, with the reasons) over the tables it links to, and above the
/// threshold the plan of sub-questions in stages — what `POST /api/nl2sql/analyze` answers, without a store:
/// `{complexity: {score, reasons}, decompose, plan, linked_tables, skeleton}`. Options `{budget?,
/// complexity_threshold?, max_tasks?, max_stages?}` (`[nl2sql]` and `[nl2sql.agentic]` keys; defaults as there).
pub fn assess(question: &str, catalog_json: &str, samples_json: &str, options_json: &str) -> Result<String> {
    let config = Config::default();
    let question = checked_question(question, &config)?;
    let catalog = catalog(catalog_json)?;
    let samples = samples(samples_json)?;
    let options = options(options_json)?;
    let defaults = &config.nl2sql.agentic;
    let budget = count(&options, "budget")?.unwrap_or(config.nl2sql.skeleton_token_budget);
    let threshold = count(&options, "complexity_threshold")?.map_or(Ok(defaults.complexity_threshold), |n| {
        u8::try_from(n)
            .ok()
            .filter(|n| (1..=10).contains(n))
            .ok_or_else(|| invalid_options("`complexity_threshold` must be 1-10"))
    })?;
    let bounded = |key: &str, default: u32| -> Result<u32> {
        count(&options, key)?
            .map_or(Ok(default), |n| u32::try_from(n).map_err(|_| invalid_options(&format!("`{key}` is too large"))))
    };
    let limits = agentic::Limits {
        max_tasks: bounded("max_tasks", defaults.max_tasks)?,
        max_stages: bounded("max_stages", defaults.max_stages)?,
    };
    let linked = linker::link(question, &catalog, &samples, budget);
    let tables: Vec<&str> = linked.tables.iter().map(|t| t.table.as_str()).collect();
    let complexity = agentic::assess(question, linked.needed_tables());
    let plan = if complexity.score > threshold { agentic::plan(question, limits) } else { None };
    let head = json!({"decompose": plan.is_some(), "linked_tables": tables, "skeleton": linked.skeleton.text()});
    Ok(merge(head.to_string(), &[("complexity", to_json(&complexity)), ("plan", to_json(&plan))]))
}

fn dialect(name: &str) -> Result<Dialect> {
    Dialect::parse(name).ok_or_else(|| {
        Error::bad_request("invalid_dialect", format!("unknown dialect `{name}`; use sqlite, postgres or mysql"))
    })
}

/// The catalog's dialect; without a catalog `options.dialect`, PostgreSQL by default.
fn resolve_dialect(catalog: Option<&Catalog>, options: &Value) -> Result<Dialect> {
    match (catalog, options.get("dialect").and_then(Value::as_str)) {
        (Some(c), Some(d)) if dialect(d)? != c.dialect => Err(Error::bad_request(
            "dialect_mismatch",
            format!("the schema is {:?}, not {d}; leave `dialect` out", c.dialect),
        )),
        (Some(c), _) => Ok(c.dialect),
        (None, Some(d)) => dialect(d),
        (None, None) => Ok(Dialect::Postgres),
    }
}

fn catalog(text: &str) -> Result<Catalog> {
    let invalid = |message: String| Error::bad_request("invalid_catalog", message);
    let value =
        serde_json::from_slice(text.as_bytes()).map_err(|e| invalid(format!("the catalog is not JSON: {e}")))?;
    convert::catalog(value).map_err(invalid)
}

fn optional_catalog(text: &str) -> Result<Option<Catalog>> {
    if text.is_empty() { Ok(None) } else { catalog(text).map(Some) }
}

fn samples(text: &str) -> Result<Samples> {
    if text.is_empty() {
        return Ok(Samples::new());
    }
    serde_json::from_slice(text.as_bytes()).map_err(|e| {
        Error::bad_request("invalid_samples", format!("samples must be {{table: {{column: [values]}}}}: {e}"))
    })
}

fn stats(text: &str) -> Result<Vec<TableStats>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let invalid = |message: String| Error::bad_request("invalid_statistics", message);
    let value =
        serde_json::from_slice(text.as_bytes()).map_err(|e| invalid(format!("statistics are not JSON: {e}")))?;
    convert::stats(value).map_err(invalid)
}

fn options(text: &str) -> Result<Value> {
    if text.is_empty() {
        return Ok(Value::Null);
    }
    match serde_json::from_slice::<Value>(text.as_bytes()) {
        Ok(v @ (Value::Object(_) | Value::Null)) => Ok(v),
        _ => Err(invalid_options("options must be an object")),
    }
}

fn invalid_options(message: &str) -> Error {
    Error::bad_request("invalid_options", message)
}

/// A whole number in `options[key]`, when present.
fn count(options: &Value, key: &str) -> Result<Option<usize>> {
    match options.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid_options(&format!("`{key}` must be a whole number"))),
    }
}

/// The advisor's settings: the defaults, overridden by `[nl2sql.advisor]` keys (and `max_result_rows`).
fn settings(overrides: Option<&Value>) -> Result<Settings> {
    let mut s = Settings::default();
    let Some(overrides) = overrides.filter(|v| !v.is_null()) else { return Ok(s) };
    let Some(fields) = overrides.as_object() else { return Err(invalid_options("`settings` must be an object")) };
    for (key, value) in fields {
        let number = || value.as_u64().ok_or_else(|| invalid_options(&format!("settings.{key} must be a number")));
        let flag = || value.as_bool().ok_or_else(|| invalid_options(&format!("settings.{key} must be true or false")));
        let small = |n: u64| u8::try_from(n).map_err(|_| invalid_options(&format!("settings.{key} is too large")));
        match key.as_str() {
            "large_table_rows" => s.large_table_rows = number()?,
            "bottleneck_severity_threshold" => s.bottleneck_severity_threshold = small(number()?)?,
            "min_quality_score" => s.min_quality_score = small(number()?)?,
            "auto_recommend_indexes" => s.auto_recommend_indexes = flag()?,
            "max_index_recommendations" => s.max_index_recommendations = number()? as usize,
            "use_statistics" => s.use_statistics = flag()?,
            "max_result_rows" => s.max_result_rows = number()?,
            other => return Err(invalid_options(&format!("unknown setting `{other}`"))),
        }
    }
    Ok(s)
}

fn skeleton_json(skeleton: &Skeleton) -> String {
    merge(to_json(skeleton), &[("text", Value::String(skeleton.text()).to_string())])
}

fn estimate_json(e: &Estimate) -> Value {
    let tables: Vec<Value> = e
        .tables
        .iter()
        .map(|t| {
            json!({"table": t.table, "alias": t.alias, "rows": t.rows, "filtered_rows": t.filtered_rows,
                   "has_statistics": t.has_statistics})
        })
        .collect();
    let with = e.tables.iter().filter(|t| t.has_statistics).count();
    let statistics = match with {
        0 => "none",
        n if n == e.tables.len() => "collected",
        _ => "partial",
    };
    json!({"tables": tables, "joined_rows": e.joined_rows, "output_rows": e.output_rows, "statistics": statistics})
}

fn to_json(value: &impl serde::Serialize) -> String {
    // Serialising the core's own types into memory cannot fail (string keys, no custom serialisers).
    String::from_utf8(serde_json::to_vec(value).unwrap_or_default()).unwrap_or_default()
}

/// `head` (an object's JSON text) with `fields` (raw JSON texts) appended.
fn merge(head: String, fields: &[(&str, String)]) -> String {
    let mut out = head;
    out.pop(); // the closing brace
    for (key, raw) in fields {
        if out.len() > 1 {
            out.push(',');
        }
        out.push_str(&Value::String((*key).to_owned()).to_string());
        out.push(':');
        out.push_str(raw);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests;
