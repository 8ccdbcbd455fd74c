//! Tests of the statistics' pure functions with known data. Collection and the refresh manager against real
//! SQLite are in `functions/local/tests/stats_sqlite.rs` (the core names no database driver).

mod pgarray;
mod sample;
