//! The code advisor: reads a query with sqlparser, finds what makes it slow or wrong, prices it with the
//! collected statistics and recommends indexes.
//!
//! Why this shape: it runs on every translation and on its own (`POST /api/nl2sql/advisor/analyze`), on every
//! platform, so it is pure — SQL, the catalog and the statistics in, a [`Report`] out — and cheap (tens of
//! microseconds for a typical query, `core/benches/advisor.rs`). The pieces:
//!
//! - `model` (built by `build`): one block per SELECT, its FROM relations, column references resolved
//!   (correlations included);
//! - `facts`: each WHERE/ON conjunct classified (`column = value`, a range, a join key, a wrapped column...);
//! - `cost`, `access`, `planner`: per table the rows held, kept and read and the cheapest access PostgreSQL
//!   would pick, priced with its cost formulas (the same choice prices a hypothetical index);
//! - `rules`: the findings ([`codes`] lists them; `docs/advisor.md` gives the rationale of each);
//! - `indexes`: recommendations, their DDL and benefit, and the workload merge;
//! - [`api`]: the HTTP handlers.
//!
//! ```
//! use nl2sql_core::advisor::{self, Context, Settings};
//! use nl2sql_core::catalog::Dialect;
//!
//! let context = Context::new(Dialect::Postgres, None, &[], Settings::default());
//! let report = advisor::analyze("SELECT * FROM orders WHERE total = NULL", &context)?;
//! let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
//! assert_eq!(codes, ["eq_null", "select_star"]);
//! assert!(report.quality_score < Some(report.min_quality_score));
//! # Ok::<(), nl2sql_core::Error>(())
//! ```

mod access;
pub mod api;
mod build;
pub mod codes;
mod cost;
mod expr;
mod facts;
mod indexes;
mod model;
mod planner;
mod report;
mod rules;

#[cfg(test)]
mod tests;

pub use report::{Benefit, Bottleneck, Cost, Finding, IndexAdvice, IndexRecommendation, Kind, Report, TableCost};

use crate::Config;
use crate::catalog::{Catalog, Dialect};
use crate::error::Result;
use crate::order::LeanSort as _;
use crate::sql;
use crate::stats::estimate::{Estimate, Estimator};
use crate::stats::model::TableStats;
use sqlparser::ast::{Query, Statement};

/// The advisor's settings (`[nl2sql.advisor]` and the result limit of `[nl2sql]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Rows from which a full scan is a bottleneck.
    pub large_table_rows: u64,
    /// Findings at or above this severity are bottlenecks.
    pub bottleneck_severity_threshold: u8,
    /// Quality score under which a report says the query falls short.
    pub min_quality_score: u8,
    /// Recommend indexes with every analysis.
    pub auto_recommend_indexes: bool,
    /// Recommendations returned at most.
    pub max_index_recommendations: usize,
    /// Use table statistics.
    pub use_statistics: bool,
    /// Rows above which a result without LIMIT is reported (`[nl2sql] max_result_rows`).
    pub max_result_rows: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_config(&Config::default())
    }
}

impl Settings {
    /// The settings of a configuration.
    pub fn from_config(config: &Config) -> Self {
        let a = &config.nl2sql.advisor;
        Self {
            large_table_rows: a.large_table_rows,
            bottleneck_severity_threshold: a.bottleneck_severity_threshold,
            min_quality_score: a.min_quality_score,
            auto_recommend_indexes: a.auto_recommend_indexes,
            max_index_recommendations: a.max_index_recommendations,
            use_statistics: a.use_statistics,
            max_result_rows: config.nl2sql.max_result_rows as u64,
        }
    }
}

/// What an analysis knows about the database.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// Dialect the SQL is written in (and DDL is written for).
    pub dialect: Dialect,
    /// The catalog (keys, indexes, types, nullability), when known.
    pub catalog: Option<&'a Catalog>,
    /// Statistics of the tables the SQL reads (any subset).
    pub stats: &'a [TableStats],
    /// Settings.
    pub settings: Settings,
}

impl<'a> Context<'a> {
    /// A context.
    pub fn new(dialect: Dialect, catalog: Option<&'a Catalog>, stats: &'a [TableStats], settings: Settings) -> Self {
        Self { dialect, catalog, stats, settings }
    }
}

/// Parses and analyses one statement. A syntax error is `invalid_sql` (with the line and column); a statement
/// that is not a query is a report of kind `not_a_query`, named from its first words and not parsed
/// ([`sql::parse_query`]: the wasm package links only sqlparser's query grammar).
pub fn analyze(sql: &str, context: &Context<'_>) -> Result<Report> {
    match sql::parse_query(sql, context.dialect)? {
        sql::OneQuery::Query(query) => Ok(analyze_statement(sql, &Statement::Query(query), context)),
        sql::OneQuery::NotAQuery(kind) => Ok(not_a_query(kind, context)),
    }
}

/// Analyses a parsed statement (`sql` is its text, for locations and snippets).
pub fn analyze_statement(sql: &str, statement: &Statement, context: &Context<'_>) -> Report {
    match statement {
        Statement::Query(query) if sql::query_kind(query) == "SELECT" => {
            let analysis = Analysis::new(sql, query, context);
            analysis.report()
        }
        other => not_a_query(sql::statement_kind(other, sql), context),
    }
}

/// Index recommendations for one statement (empty when it is not a query), each with `queries` = `[position]`.
pub fn recommend_statement(
    sql: &str,
    statement: &Statement,
    context: &Context<'_>,
    position: usize,
) -> Vec<IndexRecommendation> {
    match statement {
        Statement::Query(query) if sql::query_kind(query) == "SELECT" => {
            let analysis = Analysis::new(sql, query, context);
            let costs = analysis.costs();
            let mut recs = analysis.recommendations(&costs);
            for r in &mut recs {
                r.queries = vec![position];
            }
            recs
        }
        _ => Vec::new(),
    }
}

/// Merges the recommendations of many queries: one index per table and key (an index whose key starts with
/// another's serves both), ranked by estimated cost saved, at most `max`.
pub fn merge_recommendations(all: Vec<IndexRecommendation>, max: usize) -> Vec<IndexRecommendation> {
    indexes::merge(all, max)
}

/// The table names a statement reads (every block), as written, de-duplicated; for loading statistics.
pub fn tables(statement: &Statement, catalog: Option<&Catalog>) -> Vec<String> {
    let Statement::Query(query) = statement else { return Vec::new() };
    let model = model::Model::build(query, catalog);
    let mut names: Vec<String> = model
        .blocks
        .iter()
        .flat_map(|b| b.rels.iter().filter(|r| r.is_base()).map(|r| r.table_name().to_owned()))
        .collect();
    names.lean_sort_by_key(|n| n.to_ascii_lowercase());
    names.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    names
}

pub(crate) fn not_a_query(kind: String, context: &Context<'_>) -> Report {
    Report {
        kind: Kind::NotAQuery,
        message: Some(format!(
            "not a query: {kind} statements are not analysed; the advisor reviews queries (SELECT, WITH ... SELECT, VALUES)"
        )),
        statement: kind,
        dialect: context.dialect,
        quality_score: None,
        min_quality_score: context.settings.min_quality_score,
        meets_min_quality: true,
        statistics: statistics_label(context, &[]),
        findings: Vec::new(),
        omitted: Default::default(),
        bottlenecks: Vec::new(),
        cost: None,
        indexes: Vec::new(),
    }
}

fn statistics_label(context: &Context<'_>, tables: &[TableCost]) -> String {
    if !context.settings.use_statistics {
        return "disabled".into();
    }
    let with = tables.iter().filter(|t| t.has_statistics).count();
    match with {
        0 => "none",
        n if n == tables.len() => "collected",
        _ => "partial",
    }
    .into()
}

/// A memoised selectivity: block and predicate indexes (sorted).
type SelectivityKey = (usize, Vec<usize>);

/// One query under analysis.
pub(super) struct Analysis<'a> {
    query: &'a Query,
    model: model::Model<'a>,
    preds: Vec<Vec<facts::Pred<'a>>>,
    /// Per block: whether it reads an enclosing block's columns.
    correlated: Vec<bool>,
    /// Per block: whether its select list aggregates.
    aggregates: Vec<bool>,
    source: sql::Source<'a>,
    estimator: Estimator<'a>,
    estimate: Option<Estimate>,
    use_statistics: bool,
    /// Selectivities already estimated: (block, table alias, predicate indexes) → selectivity.
    selectivities: std::cell::RefCell<Vec<(SelectivityKey, f64)>>,
    dialect: Dialect,
    context: &'a Context<'a>,
}

impl<'a> Analysis<'a> {
    fn new(sql: &'a str, query: &'a Query, context: &'a Context<'a>) -> Self {
        let model = model::Model::build(query, context.catalog);
        let preds = (0..model.blocks.len()).map(|b| facts::preds(&model, b, context.dialect)).collect();
        let aggregates = model
            .blocks
            .iter()
            .map(|b| b.select.projection.iter().filter_map(model::item_expr).any(expr::has_aggregate))
            .collect();
        let correlated = (0..model.blocks.len())
            .map(|b| matches!(model.blocks[b].role, model::Role::Subquery(_)) && model.is_correlated(b))
            .collect();
        let use_statistics = context.settings.use_statistics;
        let stats: &'a [TableStats] = if use_statistics { context.stats } else { &[] };
        let estimator = Estimator::new(stats);
        // Without statistics the estimator would only restate its defaults, which the cost model applies itself.
        let estimate = if stats.is_empty() { None } else { estimator.estimate_query(query).ok() };
        Self {
            query,
            model,
            preds,
            correlated,
            aggregates,
            source: sql::Source::new(sql),
            estimator,
            estimate,
            use_statistics,
            selectivities: std::cell::RefCell::new(Vec::new()),
            dialect: context.dialect,
            context,
        }
    }

    fn settings(&self) -> &Settings {
        &self.context.settings
    }

    fn report(&self) -> Report {
        let costs = self.costs();
        let mut indexes =
            if self.settings().auto_recommend_indexes { self.recommendations(&costs) } else { Vec::new() };
        // One query: its candidates serve the same query, so a merged index's benefit is not added twice.
        indexes.iter_mut().for_each(|r| r.queries = vec![0]);
        indexes = merge_recommendations(indexes, self.settings().max_index_recommendations);
        indexes.iter_mut().for_each(|r| r.queries.clear());
        let collected = self.findings(&costs, &indexes);
        let omitted = collected.omitted();
        let mut findings = collected.list;
        findings.lean_sort_by(|a, b| {
            b.severity.cmp(&a.severity).then_with(|| a.location.cmp(&b.location)).then_with(|| a.code.cmp(&b.code))
        });
        let score = score(&findings);
        let bottlenecks = self.bottlenecks(&findings, &costs, &indexes);
        let tables: Vec<TableCost> = costs
            .tables
            .iter()
            .map(|t| TableCost {
                table: t.name.clone(),
                alias: t.alias.clone(),
                rows: t.rows,
                rows_read: t.choice.read.round(),
                rows_returned: t.returned.round(),
                executions: t.executions.round().max(1.0),
                access: t.choice.kind.label().into(),
                index: t.choice.index.clone(),
                cost: round2(t.choice.cost * t.executions),
                has_statistics: t.stats.is_some(),
            })
            .collect();
        let cost = Cost {
            rows_read: costs.tables.iter().map(|t| t.choice.read * t.executions).sum::<f64>().round(),
            rows_returned: costs.output.round().max(1.0),
            total: round2(costs.total),
            tables,
        };
        let min = self.settings().min_quality_score;
        Report {
            kind: Kind::Query,
            statement: "SELECT".into(),
            message: None,
            dialect: self.dialect,
            quality_score: Some(score),
            min_quality_score: min,
            meets_min_quality: score >= min,
            statistics: statistics_label(self.context, &cost.tables),
            findings,
            omitted,
            bottlenecks,
            cost: Some(cost),
            indexes,
        }
    }

    fn bottlenecks(
        &self,
        findings: &[Finding],
        costs: &cost::Costs<'_>,
        indexes: &[IndexRecommendation],
    ) -> Vec<Bottleneck> {
        let threshold = self.settings().bottleneck_severity_threshold;
        let mut out: Vec<Bottleneck> = findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .map(|f| {
                let table = f.table.clone();
                let rows = table.as_ref().and_then(|t| {
                    costs
                        .tables
                        .iter()
                        .filter(|c| c.name.eq_ignore_ascii_case(t))
                        .map(|c| c.choice.read * c.executions)
                        .reduce(f64::max)
                });
                let indexed = table.as_ref().is_some_and(|t| indexes.iter().any(|i| i.table.eq_ignore_ascii_case(t)));
                let kind = match codes::find(&f.code) {
                    Some(c) if c.code == codes::FULL_TABLE_SCAN.code && indexed => "MissingIndex",
                    Some(c) => c.kind,
                    None => "Other",
                };
                Bottleneck {
                    rank: 0,
                    kind: kind.into(),
                    code: f.code.clone(),
                    severity: f.severity,
                    rows: rows.map(f64::round),
                    table,
                    message: f.message.clone(),
                }
            })
            .collect();
        out.lean_sort_by(|a, b| {
            b.severity.cmp(&a.severity).then_with(|| b.rows.unwrap_or(0.0).total_cmp(&a.rows.unwrap_or(0.0)))
        });
        for (i, b) in out.iter_mut().enumerate() {
            b.rank = i + 1;
        }
        out
    }
}

/// The quality score: 100 minus a penalty per finding of `0.6 × severity²`, halved for each earlier finding
/// of the same code, floored at 0 (`docs/advisor.md`).
pub fn score(findings: &[Finding]) -> u8 {
    let mut seen: Vec<(&str, i32)> = Vec::new();
    let mut penalty = 0.0;
    for f in findings {
        let repeats = match seen.iter_mut().find(|(c, _)| *c == f.code) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                seen.push((&f.code, 0));
                0
            }
        };
        penalty += 0.6 * f64::from(f.severity).powi(2) * 0.5f64.powi(repeats);
    }
    (100.0 - penalty).round().clamp(0.0, 100.0) as u8
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
