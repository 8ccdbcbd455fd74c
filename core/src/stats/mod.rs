//! Table and column statistics: collected through the [`crate::ports::SqlSource`] (the core owns the SQL),
//! stored one item per table, kept fresh by a budgeted refresh manager and served by the API.
//!
//! Why this shape: every platform's scheduler (a local tokio interval, a Lambda schedule, a Worker cron, a Spin
//! timer) calls the one [`refresh::run_scheduled`], which does a bounded amount of work per call (tables and
//! wall time) so it finishes inside the platform's limits; what is left waits for the next call. Collection
//! writes a table's statistics in one put, only after it succeeded, so readers always see complete statistics.
//!
//! - [`model`]: the PostgreSQL-shaped [`model::TableStats`].
//! - [`sample`]: pure column statistics from a sample (Duj1, MCVs, histograms, correlation).
//! - [`collect`]: collection per dialect (`sqlite.rs`, `postgres.rs`, [`pgarray`]).
//! - [`state`]: the store layout (`stats#<table>`, `refresh#<table>`).
//! - [`refresh`]: the queue, budgets, backoff, priority bumps ([`report`]: budgets and reports). [`api`]: the
//!   HTTP handlers.

pub mod api;
pub mod collect;
pub mod estimate;
pub mod model;
pub mod pgarray;
mod postgres;
pub mod refresh;
pub mod report;
pub mod sample;
mod sqlite;
pub mod state;

#[cfg(test)]
mod tests;
