//! The statistics model, shaped like PostgreSQL's `pg_class` + `pg_stats` so that numbers collected from
//! PostgreSQL and computed from SQLite samples mean the same thing, plus a small row sample per table for
//! estimating correlated predicates.

use serde::{Deserialize, Serialize};

/// A value as statistics hold it: numbers as numbers, everything else as text.
pub type StatValue = serde_json::Value;

/// Statistics of one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableStats {
    /// Table name as in the catalog.
    pub table: String,
    /// Estimated (or exact) number of rows.
    pub row_count: f64,
    /// On-disk size in bytes, when the database reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// When these statistics were collected (unix ms).
    pub refreshed_at_ms: i64,
    /// Rows inserted/updated/deleted since the last analysis, when the database reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modifications: Option<f64>,
    /// Whether `row_count` is exact (counted) rather than estimated.
    #[serde(default)]
    pub exact: bool,
    /// Per-column statistics (absent for tables below `min_table_size`).
    #[serde(default)]
    pub columns: Vec<ColumnStats>,
    /// A uniform sample of rows (column order = `sample_columns`), for correlated predicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<RowSample>,
}

/// Statistics of one column, as in `pg_stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    /// Column name.
    pub column: String,
    /// Fraction of rows that are NULL.
    pub null_frac: f64,
    /// Distinct non-null values: positive = a count, negative = minus the fraction of rows (PostgreSQL's
    /// convention for columns whose distinct count grows with the table).
    pub n_distinct: f64,
    /// Most common values.
    #[serde(default)]
    pub most_common_vals: Vec<StatValue>,
    /// Their frequencies (fractions of all rows), same order.
    #[serde(default)]
    pub most_common_freqs: Vec<f64>,
    /// Equi-depth histogram bounds over the non-null values that are not most-common, ascending.
    #[serde(default)]
    pub histogram_bounds: Vec<StatValue>,
    /// Smallest non-null value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<StatValue>,
    /// Largest non-null value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<StatValue>,
    /// Average width in bytes of non-null values.
    pub avg_width: f64,
    /// Correlation between physical row order and value order, -1..1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation: Option<f64>,
}

/// A uniform row sample of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowSample {
    /// Columns of `rows`, in order.
    pub columns: Vec<String>,
    /// Sampled rows.
    pub rows: Vec<Vec<StatValue>>,
}

impl TableStats {
    /// Statistics of `column`, ignoring case.
    pub fn column(&self, column: &str) -> Option<&ColumnStats> {
        self.columns.iter().find(|c| c.column.eq_ignore_ascii_case(column))
    }
}

impl ColumnStats {
    /// Distinct non-null values as a count, resolving PostgreSQL's negative convention against `rows`.
    pub fn distinct_count(&self, rows: f64) -> f64 {
        if self.n_distinct < 0.0 { -self.n_distinct * rows } else { self.n_distinct }
    }
}
