//! The advisor's answers as they go over the wire: [`Report`] for one statement, [`IndexAdvice`] for a
//! workload.

use crate::catalog::Dialect;
use crate::sql::Position;
use serde::{Deserialize, Serialize};

/// Whether the statement was analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A query (SELECT, WITH, VALUES...): analysed.
    Query,
    /// Anything else (INSERT, CREATE TABLE...): not analysed.
    NotAQuery,
}

/// The analysis of one statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `query`, or `not_a_query` (then only `statement` and `message` say anything).
    pub kind: Kind,
    /// The statement's kind: `SELECT`, `INSERT`, `CREATE TABLE`...
    pub statement: String,
    /// Why a statement was not analysed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The dialect the SQL was read in.
    pub dialect: Dialect,
    /// 0-100, see `docs/advisor.md` for the formula; absent for statements that are not queries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_score: Option<u8>,
    /// `[nl2sql.advisor] min_quality_score`.
    pub min_quality_score: u8,
    /// Whether the score reaches the minimum.
    pub meets_min_quality: bool,
    /// Where the numbers come from: `collected` (every table read has statistics), `partial`, `none`
    /// (PostgreSQL's defaults: 1,000 rows a table), `disabled` (`use_statistics = false`).
    pub statistics: String,
    /// Findings, most severe first; at most ten of a code.
    pub findings: Vec<Finding>,
    /// Findings found beyond the ten of their code, counted per code (not in the score).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub omitted: std::collections::BTreeMap<String, usize>,
    /// Findings at or above `bottleneck_severity_threshold`, ranked (1 = worst).
    pub bottlenecks: Vec<Bottleneck>,
    /// Estimated rows and cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    /// Index recommendations (when `auto_recommend_indexes`), most beneficial first.
    pub indexes: Vec<IndexRecommendation>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code (`docs/advisor.md` lists each with its rationale).
    pub code: String,
    /// 1 (cosmetic) to 10 (wrong results or unbounded work).
    pub severity: u8,
    /// What is wrong, with the numbers behind it.
    pub message: String,
    /// Where it starts in the SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Position>,
    /// The SQL it is about.
    pub snippet: String,
    /// What to do instead.
    pub suggestion: String,
    /// The table it concerns, when one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}

/// A finding that dominates the query's cost or correctness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bottleneck {
    /// 1 = worst.
    pub rank: usize,
    /// `FullTableScan`, `MissingIndex`, `CartesianProduct`... (the `kind` label of
    /// `nl2sql_advisor_bottlenecks_detected`).
    pub kind: String,
    /// The finding's code.
    pub code: String,
    /// Its severity.
    pub severity: u8,
    /// Rows it reads, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<f64>,
    /// The table, when one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The finding's message.
    pub message: String,
}

/// Estimated rows and cost of a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Rows read from tables, all executions counted.
    pub rows_read: f64,
    /// Rows the query returns.
    pub rows_returned: f64,
    /// Estimated cost in PostgreSQL's planner units (sequential page reads); for ranking, not a promise.
    pub total: f64,
    /// Per table read (every block's, in the order met).
    pub tables: Vec<TableCost>,
}

/// How one table is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableCost {
    /// Table name.
    pub table: String,
    /// How the query refers to it.
    pub alias: String,
    /// Rows in the table.
    pub rows: f64,
    /// Rows read per execution.
    pub rows_read: f64,
    /// Rows that pass the conditions on this table alone.
    pub rows_returned: f64,
    /// How often it is read (more than once in a correlated subquery).
    pub executions: f64,
    /// `full_scan`, `index_scan` (an index serves a filter or the order), `index_lookup` (an index serves a
    /// join key, once per outer row).
    pub access: String,
    /// The index used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// Estimated cost of all executions.
    pub cost: f64,
    /// Whether statistics were available (else 1,000 rows and PostgreSQL's default selectivities).
    pub has_statistics: bool,
}

/// One recommended index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexRecommendation {
    /// Table.
    pub table: String,
    /// Key columns in order (an expression for expression indexes).
    pub columns: Vec<String>,
    /// Index name used in the DDL.
    pub name: String,
    /// The statement that creates it in the database's dialect.
    pub ddl: String,
    /// Which predicates it serves.
    pub reason: String,
    /// Estimated effect.
    pub benefit: Benefit,
    /// Workload mode: the positions of the queries it serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<usize>,
}

/// The estimated effect of an index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benefit {
    /// Rows of the table read now.
    pub rows_read_before: f64,
    /// Rows read with the index.
    pub rows_read_after: f64,
    /// Estimated cost of the queries it serves, now.
    pub cost_before: f64,
    /// And with the index.
    pub cost_after: f64,
    /// `1 - cost_after / cost_before`.
    pub reduction: f64,
}

/// Index recommendations for a workload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexAdvice {
    /// De-duplicated recommendations, most estimated cost saved first, at most `max_index_recommendations`.
    pub recommendations: Vec<IndexRecommendation>,
    /// Queries received.
    pub queries: usize,
    /// Queries analysed (the rest were not queries, or the time budget ran out).
    pub analyzed: usize,
    /// Candidates found before merging and capping.
    pub candidates: usize,
    /// Whether `analysis_timeout_seconds` stopped the analysis early.
    pub truncated: bool,
}
