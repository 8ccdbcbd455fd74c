//! What a refresh run may do ([`RunBudget`]) and what it did ([`RunReport`]).

use crate::Config;
use crate::error::Error;
use serde::Serialize;

/// How much one run may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunBudget {
    /// Tables collected at most.
    pub max_tables: usize,
    /// Wall time, milliseconds, measured with the `Clock` port.
    pub max_ms: u64,
}

impl RunBudget {
    /// `max_tables_per_run` and `run_budget_seconds` of `[nl2sql.refresh_manager]`.
    pub fn from_config(config: &Config) -> Self {
        let rm = &config.nl2sql.refresh_manager;
        Self {
            max_tables: usize::try_from(rm.max_tables_per_run).unwrap_or(usize::MAX),
            max_ms: rm.run_budget_seconds.saturating_mul(1000),
        }
    }
}

/// A table of a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRef {
    /// Tenant of the database.
    pub tenant: String,
    /// Database name.
    pub database: String,
    /// Table name.
    pub table: String,
}

/// A table collected in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refreshed {
    /// Tenant of the database.
    pub tenant: String,
    /// Database name.
    pub database: String,
    /// Table name.
    pub table: String,
    /// Rows, estimated or exact.
    pub row_count: f64,
    /// Whether `row_count` is exact.
    pub exact: bool,
    /// Collection time, milliseconds.
    pub elapsed_ms: i64,
}

/// A table whose collection failed in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failed {
    /// Tenant of the database.
    pub tenant: String,
    /// Database name.
    pub database: String,
    /// Table name.
    pub table: String,
    /// Error code, e.g. `database_error`.
    pub code: String,
    /// What went wrong.
    pub error: String,
    /// Consecutive failures so far.
    pub failures: u32,
    /// When scheduled runs try again (RFC 3339).
    pub retry_at: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// Wall time used, milliseconds.
    pub elapsed_ms: i64,
    /// Tables queued (after `queue_capacity`).
    pub queued: usize,
    /// Tables collected and stored.
    pub refreshed: Vec<Refreshed>,
    /// Tables that failed; their previous statistics are untouched.
    pub failed: Vec<Failed>,
    /// Queued tables left for a later run.
    pub remaining: Vec<TableRef>,
    /// Stale tables skipped because they are backing off after failures.
    pub backing_off: usize,
    /// Why the run stopped early: `max_tables_per_run`, `run_budget_seconds` or `disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    /// Notes, e.g. a database that could not be read or an ANALYZE the database refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The first failure's error, for the status of an explicit refresh.
    #[serde(skip)]
    pub first_error: Option<Error>,
}
