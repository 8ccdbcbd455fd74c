//! The statistics routes (the router dispatches, these handle):
//!
//! - `GET /api/nl2sql/statistics/tables?database=<db>`: every catalog table with its row count, age, staleness,
//!   priority and last error (from the refresh states, so the larger statistics items are not read).
//! - `GET /api/nl2sql/statistics/tables/{table}?database=<db>`: one table's full [`super::model::TableStats`].
//! - `POST /api/nl2sql/statistics/refresh` `{database, tables?, priority?, exact?}`: collect now within the run
//!   budget; the answer is the run's report. 200 unless every attempted table failed: then the first failure's
//!   status (502 for an unreachable database) with the error and the report.

use super::refresh::{self, RunBudget};
use super::state;
use crate::api::{Request, Response};
use crate::config::RefreshManager;
use crate::databases::{self, partition};
use crate::error::{Error, Result};
use crate::ports::Ports;
use crate::time::rfc3339;
use serde::Deserialize;
use serde_json::{Value, json};

/// Body of `POST /api/nl2sql/statistics/refresh`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// Registered database (required).
    #[serde(default)]
    pub database: Option<String>,
    /// Tables to collect; all when absent.
    #[serde(default)]
    pub tables: Option<Vec<String>>,
    /// Priority to store for those tables: `high`, `medium`, `low` or 1-10.
    #[serde(default)]
    pub priority: Option<Value>,
    /// Count rows and distinct values exactly (full scans).
    #[serde(default)]
    pub exact: bool,
}

/// `GET /api/nl2sql/statistics/tables?database=<db>`.
pub async fn list(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    let database = required_database(req.query_param("database"))?;
    let (record, schema) = databases::load(ports, tenant, &database).await?;
    let states = state::states(ports, &partition(tenant, &database)).await?;
    let now = ports.clock.now_ms();
    let rm = &ports.config.nl2sql.refresh_manager;
    let staleness = i64::try_from(rm.staleness_threshold.saturating_mul(1000)).unwrap_or(i64::MAX);
    let tables: Vec<Value> = schema
        .catalog
        .tables
        .iter()
        .map(|table| {
            let s = states.get(&table.name).cloned().unwrap_or_default();
            json!({
                "table": table.name,
                "row_count": s.row_count,
                "exact": s.exact,
                "refreshed_at": s.last_success_ms.map(rfc3339),
                "age_seconds": s.last_success_ms.map(|at| (now - at).max(0) / 1000),
                "stale": s.is_stale(now, staleness),
                "priority": s.effective_priority(),
                "band": band_name(s.effective_priority(), rm),
                "failures": s.failures,
                "last_error": s.last_error,
                "last_error_at": s.last_error_ms.map(rfc3339),
                "retry_at": s.retry_at_ms.map(rfc3339),
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({
            "database": record.name,
            "collectable": record.connection.is_some(),
            "staleness_threshold_seconds": rm.staleness_threshold,
            "tables": tables,
        }),
    ))
}

/// `GET /api/nl2sql/statistics/tables/{table}?database=<db>`.
pub async fn table(req: &Request, ports: &Ports<'_>, tenant: &str, segment: &str) -> Result<Response> {
    let database = required_database(req.query_param("database"))?;
    let (_, schema) = databases::load(ports, tenant, &database).await?;
    let name = decode(segment);
    let table = refresh::find_table(&schema, &database, &name)?;
    let pk = partition(tenant, &database);
    let stats = state::load_stats(ports, &pk, &table.name).await?.ok_or_else(|| {
        Error::not_found(
            "statistics_not_found",
            format!(
                "statistics of table `{}` in database `{database}` have not been collected yet; \
                 POST /api/nl2sql/statistics/refresh to collect them",
                table.name
            ),
        )
    })?;
    let s = state::state(ports, &pk, &table.name).await?;
    let now = ports.clock.now_ms();
    let staleness =
        i64::try_from(ports.config.nl2sql.refresh_manager.staleness_threshold.saturating_mul(1000)).unwrap_or(i64::MAX);
    Ok(Response::json(
        200,
        &json!({
            "database": database,
            "refreshed_at": rfc3339(stats.refreshed_at_ms),
            "age_seconds": (now - stats.refreshed_at_ms).max(0) / 1000,
            "stale": now - stats.refreshed_at_ms >= staleness,
            "priority": s.effective_priority(),
            "last_error": s.last_error,
            "retry_at": s.retry_at_ms.map(rfc3339),
            "statistics": stats,
        }),
    ))
}

/// `POST /api/nl2sql/statistics/refresh`.
pub async fn refresh(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    let body: RefreshBody = req.json()?;
    let database = required_database(body.database)?;
    let rm = &ports.config.nl2sql.refresh_manager;
    let priority = body.priority.as_ref().map(|p| parse_priority(p, rm)).transpose()?;
    let budget = RunBudget::from_config(ports.config);
    let report =
        refresh::refresh(ports, tenant, &database, body.tables.as_deref(), priority, body.exact, budget).await?;
    match &report.first_error {
        Some(error) if report.refreshed.is_empty() => {
            let message = format!("statistics of {} table(s) could not be collected: {error}", report.failed.len());
            let body = json!({"error": {"code": error.code(), "message": message}, "report": report});
            Ok(Response::json(error.status(), &body))
        }
        _ => Ok(Response::json(200, &report)),
    }
}

/// A priority as `high`, `medium`, `low` (the configured thresholds, low being 1) or a number 1-10.
pub fn parse_priority(value: &Value, rm: &RefreshManager) -> Result<u8> {
    let text = match value {
        Value::String(s) => s.trim().to_ascii_lowercase(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let parsed = match text.as_str() {
        "high" => Some(rm.high_priority_threshold),
        "medium" => Some(rm.medium_priority_threshold),
        "low" => Some(1),
        number => number.parse::<u8>().ok(),
    };
    parsed.filter(|p| (1..=10).contains(p)).ok_or_else(|| {
        Error::bad_request("invalid_priority", format!("priority must be high, medium, low or 1-10, not {value}"))
    })
}

fn band_name(priority: u8, rm: &RefreshManager) -> &'static str {
    ["low", "medium", "high"][usize::from(refresh::band(priority, rm).min(2))]
}

fn required_database(database: Option<String>) -> Result<String> {
    database.filter(|d| !d.is_empty()).ok_or_else(|| {
        Error::bad_request("missing_database", "name the database: `database` (query parameter or body field)")
    })
}

/// A path segment with `%XX` escapes decoded (table names may hold spaces).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], escaped) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
