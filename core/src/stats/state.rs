//! What the store keeps per table, in the database's partition `tenant#database`:
//!
//! - `stats#<table>`: the [`TableStats`] JSON. One item per table, so each table's write is one atomic put, made
//!   only after a successful collection: a failed refresh never touches it.
//! - `refresh#<table>`: the [`RefreshState`]: priority, last success (with the row count, so listings never read
//!   the larger stats items), last error and when to retry. Written with compare-and-set where the store
//!   supports it, so a query's priority bump and a refresh's result do not overwrite each other.

use super::model::TableStats;
use crate::error::{Error, Result};
use crate::keys::{self, Kind};
use crate::ports::{Ports, Precondition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Priority of a table nobody has set one for.
pub const DEFAULT_PRIORITY: u8 = 5;

/// Compare-and-set attempts before a state write gives up with the conflict.
const CAS_ATTEMPTS: usize = 5;

/// The refresh bookkeeping of one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshState {
    /// Priority set by an operator, 1-10.
    pub priority: u8,
    /// Added by queries that touched the table while its statistics were stale; cleared by a successful refresh.
    #[serde(default)]
    pub bumps: u8,
    /// When the last successful collection finished (unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_success_ms: Option<i64>,
    /// Row count of the stored statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_count: Option<f64>,
    /// Whether that row count is exact.
    #[serde(default)]
    pub exact: bool,
    /// The error of the last failed collection, cleared by a success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When it failed (unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_ms: Option<i64>,
    /// Consecutive failures.
    #[serde(default)]
    pub failures: u32,
    /// Scheduled runs skip the table until then (unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at_ms: Option<i64>,
    /// When a query last bumped the priority (unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bumped_at_ms: Option<i64>,
}

impl Default for RefreshState {
    fn default() -> Self {
        Self {
            priority: DEFAULT_PRIORITY,
            bumps: 0,
            last_success_ms: None,
            row_count: None,
            exact: false,
            last_error: None,
            last_error_ms: None,
            failures: 0,
            retry_at_ms: None,
            bumped_at_ms: None,
        }
    }
}

impl RefreshState {
    /// The priority the queue uses: the operator's plus query bumps, at most 10.
    pub fn effective_priority(&self) -> u8 {
        self.priority.saturating_add(self.bumps).min(10)
    }

    /// Whether the statistics are missing or older than `staleness_ms` at `now_ms`.
    pub fn is_stale(&self, now_ms: i64, staleness_ms: i64) -> bool {
        self.last_success_ms.is_none_or(|at| now_ms - at >= staleness_ms)
    }
}

/// Sort key of a table's statistics.
pub fn stats_key(table: &str) -> String {
    keys::sort_key(Kind::Stats, table)
}

/// Sort key of a table's refresh state.
pub fn refresh_key(table: &str) -> String {
    keys::sort_key(Kind::Refresh, table)
}

/// The stored statistics of `table`, if collected.
pub async fn load_stats(ports: &Ports<'_>, pk: &str, table: &str) -> Result<Option<TableStats>> {
    match ports.store.get(pk, &stats_key(table)).await? {
        Some(item) => Ok(Some(from_json(&item.value)?)),
        None => Ok(None),
    }
}

/// Stores `stats` in one put (the only write of a collection that touches the statistics).
pub async fn save_stats(ports: &Ports<'_>, pk: &str, stats: &TableStats) -> Result<()> {
    let value = serde_json::to_string(stats).map_err(|e| Error::Internal(format!("serialising statistics: {e}")))?;
    ports.store.put(pk, &stats_key(&stats.table), &value, Precondition::None, None).await?;
    Ok(())
}

/// Refresh states of every table of a partition that has one, by table name.
pub async fn states(ports: &Ports<'_>, pk: &str) -> Result<BTreeMap<String, RefreshState>> {
    let mut out = BTreeMap::new();
    let prefix = refresh_key("");
    for (sk, item) in ports.store.list(pk, &prefix).await? {
        if let Some(table) = sk.strip_prefix(&prefix) {
            out.insert(table.to_owned(), from_json(&item.value)?);
        }
    }
    Ok(out)
}

/// The refresh state of `table` (the default when it has none).
pub async fn state(ports: &Ports<'_>, pk: &str, table: &str) -> Result<RefreshState> {
    match ports.store.get(pk, &refresh_key(table)).await? {
        Some(item) => from_json(&item.value),
        None => Ok(RefreshState::default()),
    }
}

/// Reads, changes and writes the refresh state of `table`, retrying when a concurrent writer got there first
/// (on stores with compare-and-set; elsewhere the last write wins). `change` returns false to write nothing.
pub async fn update(
    ports: &Ports<'_>,
    pk: &str,
    table: &str,
    change: impl Fn(&mut RefreshState) -> bool,
) -> Result<RefreshState> {
    let key = refresh_key(table);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let item = ports.store.get(pk, &key).await?;
        let mut state = match &item {
            Some(item) => from_json(&item.value)?,
            None => RefreshState::default(),
        };
        if !change(&mut state) {
            return Ok(state);
        }
        let condition = match (&item, ports.store.supports_cas()) {
            (_, false) => Precondition::None,
            (Some(item), true) => Precondition::Version(item.version),
            (None, true) => Precondition::Absent,
        };
        let value =
            serde_json::to_string(&state).map_err(|e| Error::Internal(format!("serialising refresh state: {e}")))?;
        match ports.store.put(pk, &key, &value, condition, None).await {
            Ok(_) => return Ok(state),
            Err(Error::Conflict(_)) if attempt < CAS_ATTEMPTS => continue,
            Err(e) => return Err(e),
        }
    }
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Store(format!("stored statistics item is not readable: {e}")))
}
