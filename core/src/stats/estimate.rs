//! Selectivity and cardinality estimates from the collected [`TableStats`]: how many rows a predicate keeps,
//! how many a join produces, how many groups a GROUP BY makes, and what a single-block SELECT reads and returns.
//!
//! Why this shape: the statistics are PostgreSQL's (`pg_stats`, or the same numbers computed from a SQLite
//! sample), so the estimates follow PostgreSQL's planner (`selfuncs.c`) and its defaults where statistics are
//! missing, and can be checked against PostgreSQL's own (`docs/estimation.md`). Where PostgreSQL is known to
//! go wrong, the stored row sample decides instead:
//!
//! - a sample that holds the whole table (small tables) answers every single-table predicate exactly;
//! - conjunctions and other compound predicates on one table are counted on the sample rather than
//!   multiplied as if independent, when enough sampled rows match (anchored on a conjunct the statistics
//!   measure, so a skewed sample skews the estimate no more than that conjunct); otherwise the independence
//!   estimate is kept within what the sample makes plausible;
//! - LIKE patterns are matched against the sampled values outside the most common values;
//! - a join whose smaller side is fully sampled is counted row by row (fan-out and filter correlation
//!   included), and a key-to-unique-key join uses the partner rows found in both samples.
//!
//! Everything here is pure: no IO, no clock. Submodules: `bind` turns sqlparser expressions into `pred`icates
//! over the tables in scope; `column` holds the per-column formulas; `pattern` LIKE; `value` comparisons and
//! interpolation; `sampled` the row sample; `clauses` combines predicates; `join` joins; `group` GROUP BY;
//! `select` whole statements.

mod bind;
mod clauses;
mod column;
mod group;
mod join;
mod pattern;
mod pred;
mod sampled;
mod select;
mod value;

#[cfg(test)]
mod tests;

use crate::catalog::Dialect;
use crate::error::Result;
use crate::stats::model::TableStats;
use bind::{Bound, Rel};
use sqlparser::ast::{Expr, Query};

/// Selectivity of `column = constant` without statistics (PostgreSQL's `DEFAULT_EQ_SEL`).
pub const DEFAULT_EQ_SEL: f64 = 0.005;
/// Of `column < constant` and the like without statistics (`DEFAULT_INEQ_SEL`).
pub const DEFAULT_INEQ_SEL: f64 = 1.0 / 3.0;
/// Of a two-sided range without statistics (`DEFAULT_RANGE_INEQ_SEL`).
pub const DEFAULT_RANGE_INEQ_SEL: f64 = 0.005;
/// Of a pattern match that cannot be analysed (`DEFAULT_MATCH_SEL`).
pub const DEFAULT_MATCH_SEL: f64 = 0.005;
/// Of `IS NULL` without statistics (`DEFAULT_UNK_SEL`).
pub const DEFAULT_UNK_SEL: f64 = 0.005;
/// Distinct values assumed without statistics (`DEFAULT_NUM_DISTINCT`).
pub const DEFAULT_NUM_DISTINCT: f64 = 200.0;
/// Rows assumed for a table without statistics.
pub const DEFAULT_TABLE_ROWS: f64 = 1000.0;

/// Estimates over the statistics of a database's tables.
///
/// ```
/// use nl2sql_core::catalog::Dialect;
/// use nl2sql_core::stats::estimate::{Estimator, Scope};
/// use nl2sql_core::stats::model::{RowSample, TableStats};
/// use serde_json::json;
///
/// // A small table: its sample holds every row, so estimates over it are exact.
/// let rows = ["open", "open", "done", "done"].map(|s| vec![json!(s)]).to_vec();
/// let orders = TableStats {
///     table: "orders".into(),
///     row_count: 4.0,
///     size_bytes: None,
///     refreshed_at_ms: 0,
///     modifications: None,
///     exact: true,
///     columns: vec![],
///     sample: Some(RowSample { columns: vec!["status".into()], rows }),
/// };
/// let stats = [orders];
/// let estimator = Estimator::new(&stats);
/// let sql = "SELECT status, count(*) FROM orders WHERE status <> 'done' GROUP BY status";
/// let estimate = estimator.estimate_select(sql, Dialect::Postgres)?;
/// assert_eq!((estimate.tables[0].filtered_rows, estimate.output_rows), (2.0, 1.0));
///
/// let condition = sqlparser::parser::Parser::new(&sqlparser::dialect::PostgreSqlDialect {})
///     .try_with_sql("status = 'open'")
///     .and_then(|mut p| p.parse_expr())
///     .expect("an expression");
/// assert_eq!(estimator.selectivity(&condition, &Scope::table("orders")), 0.5);
/// # Ok::<(), nl2sql_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Estimator<'a> {
    stats: &'a [TableStats],
}

/// The tables an expression may refer to: alias → table name, in FROM order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    tables: Vec<(String, String)>,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope of one table, known by its own name.
    pub fn table(name: &str) -> Self {
        Self::new().with(name, name)
    }

    /// This scope plus `table` known as `alias`.
    pub fn with(mut self, alias: &str, table: &str) -> Self {
        self.tables.push((alias.to_owned(), table.to_owned()));
        self
    }
}

/// What a SELECT reads and returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// One entry per table in FROM order.
    pub tables: Vec<TableEstimate>,
    /// Rows FROM and WHERE produce (joins and filters, before grouping).
    pub joined_rows: f64,
    /// Rows the statement returns (after GROUP BY, HAVING, DISTINCT, LIMIT).
    pub output_rows: f64,
}

/// One table of an [`Estimate`].
#[derive(Debug, Clone, PartialEq)]
pub struct TableEstimate {
    /// Table name (for a subquery in FROM, its alias).
    pub table: String,
    /// How the query refers to it.
    pub alias: String,
    /// Rows a full scan reads.
    pub rows: f64,
    /// Rows that pass the WHERE conditions on this table alone.
    pub filtered_rows: f64,
    /// Whether statistics were available (otherwise defaults were assumed).
    pub has_statistics: bool,
}

impl<'a> Estimator<'a> {
    /// An estimator over `stats`, one entry per table.
    pub fn new(stats: &'a [TableStats]) -> Self {
        Self { stats }
    }

    /// The statistics of `table` (case-insensitive; `schema.table` and `table` find each other).
    pub fn table(&self, table: &str) -> Option<&'a TableStats> {
        let stats = self.stats;
        stats
            .iter()
            .find(|s| s.table.eq_ignore_ascii_case(table))
            .or_else(|| stats.iter().find(|s| bind::table_matches(&s.table, table)))
    }

    /// Rows of `table`: its statistics' count, else [`DEFAULT_TABLE_ROWS`].
    pub fn table_rows(&self, table: &str) -> f64 {
        self.table(table).map_or(DEFAULT_TABLE_ROWS, |s| s.row_count.max(0.0))
    }

    /// The fraction of rows of the tables in `scope` (their cross product) for which `expr` holds, 0 to 1.
    /// Unknown columns and expressions get PostgreSQL's defaults.
    pub fn selectivity(&self, expr: &Expr, scope: &Scope) -> f64 {
        let bound = self.bind(scope);
        let clauses = bound.predicate(expr).conjuncts();
        let rels: Vec<usize> = (0..bound.rels.len()).collect();
        let plan = self.plan(&bound, &rels, clauses, &[]);
        let total: f64 = bound.rels.iter().map(|r| r.rows).product();
        if total > 0.0 { (plan.joined / total).clamp(0.0, 1.0) } else { 0.0 }
    }

    /// The fraction of rows of the tables in `scope` for which every one of `exprs` holds (their conjunction,
    /// estimated as one predicate so that the row sample can see correlated conjuncts).
    pub fn conjunction_selectivity(&self, exprs: &[&Expr], scope: &Scope) -> f64 {
        let bound = self.bind(scope);
        let clauses = exprs.iter().flat_map(|e| bound.predicate(e).conjuncts()).collect();
        let rels: Vec<usize> = (0..bound.rels.len()).collect();
        let plan = self.plan(&bound, &rels, clauses, &[]);
        let total: f64 = bound.rels.iter().map(|r| r.rows).product();
        if total > 0.0 { (plan.joined / total).clamp(0.0, 1.0) } else { 0.0 }
    }

    /// [`Estimator::selectivity`] of a condition given as SQL text in `dialect` (`invalid_sql` when it does not
    /// parse as one expression).
    pub fn condition_selectivity(&self, condition: &str, scope: &Scope, dialect: Dialect) -> Result<f64> {
        Ok(self.selectivity(&crate::sql::parse_expr(condition, dialect)?, scope))
    }

    /// [`Estimator::estimate_select`] for a statement already parsed.
    pub fn estimate_query(&self, query: &Query) -> Result<Estimate> {
        select::estimate_query(self, query)
    }

    /// Rows and output of a single-block SELECT (FROM with joins, WHERE, GROUP BY, HAVING, DISTINCT, LIMIT;
    /// subqueries in FROM and WITH are estimated as tables without statistics). Read with
    /// [`crate::sql::parse_query`]: a statement that is not a query is `invalid_sql`.
    pub fn estimate_select(&self, sql: &str, dialect: Dialect) -> Result<Estimate> {
        select::estimate(self, sql, dialect)
    }

    /// The tables of `scope` with their statistics.
    fn bind(&self, scope: &Scope) -> Bound<'a> {
        let rels = scope.tables.iter().map(|(alias, table)| self.rel(alias, table)).collect();
        Bound { rels }
    }

    fn rel(&self, alias: &str, table: &str) -> Rel<'a> {
        let stats = self.table(table);
        Rel {
            alias: alias.to_owned(),
            name: stats.map_or_else(|| table.to_owned(), |s| s.table.clone()),
            stats,
            rows: stats.map_or(DEFAULT_TABLE_ROWS, |s| s.row_count.max(0.0)),
        }
    }
}
