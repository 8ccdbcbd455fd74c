//! Metrics as CloudWatch Embedded Metric Format: one JSON line per request (or refresh run) on stdout, which
//! CloudWatch Logs turns into metrics without an agent, an API call or a `/metrics` endpoint.
//!
//! - `nl2sql_requests_total` (Count) and `nl2sql_request_duration_ms` (Milliseconds) per `Route` and `Status`.
//! - Everything the core recorded during the request (`nl2sql_queries_total{status}`, the LLM, cache, agentic and
//!   advisor metrics — the names `/metrics` serves), as what changed since the previous request
//!   ([`nl2sql_core::metrics::flush`]): one line per series, its labels as dimensions ([`core_lines`]).
//! - `nl2sql_refresh_tables_refreshed`, `_failed`, `_remaining` (Count) and `nl2sql_refresh_duration_ms` per
//!   scheduled run.
//!
//! The namespace is `NL2SQL_METRICS_NAMESPACE`, `nl2sql` by default.

use nl2sql_core::stats::refresh::RunReport;
use serde_json::{Map, Value, json};

fn namespace() -> String {
    std::env::var("NL2SQL_METRICS_NAMESPACE").ok().filter(|n| !n.is_empty()).unwrap_or_else(|| "nl2sql".into())
}

/// One EMF document: `metrics` are `(name, unit, value)`, `dimensions` name/value pairs.
fn document(now_ms: i64, dimensions: &[(&str, String)], metrics: &[(&str, &str, f64)]) -> Value {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    let definitions: Vec<Value> = metrics.iter().map(|(name, unit, _)| json!({"Name": name, "Unit": unit})).collect();
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{"Namespace": namespace(), "Dimensions": [names], "Metrics": definitions}],
        }),
    );
    for (name, value) in dimensions {
        root.insert((*name).into(), json!(value));
    }
    for (name, _, value) in metrics {
        root.insert((*name).into(), json!(value));
    }
    Value::Object(root)
}

/// The EMF line of one HTTP request. `route` is the matched pattern (`GET /api/nl2sql/databases/{}`), never
/// the raw path, so names in paths cannot multiply the metrics.
pub fn request(now_ms: i64, route: &str, status: u16, duration_ms: f64) -> Value {
    let metrics =
        [("nl2sql_requests_total", "Count", 1.0), ("nl2sql_request_duration_ms", "Milliseconds", duration_ms)];
    document(now_ms, &[("Route", route.to_owned()), ("Status", status.to_string())], &metrics)
}

/// The EMF lines of the core's metrics that changed since the last call (none when nothing did).
pub fn core_lines(now_ms: i64) -> Vec<String> {
    nl2sql_core::metrics::emf(&nl2sql_core::metrics::flush(), &namespace(), now_ms)
}

/// The EMF line of one scheduled refresh run.
pub fn refresh(now_ms: i64, report: &RunReport) -> Value {
    let count = |n: usize| n as f64;
    document(
        now_ms,
        &[("Function", "refresh".to_owned())],
        &[
            ("nl2sql_refresh_tables_refreshed", "Count", count(report.refreshed.len())),
            ("nl2sql_refresh_tables_failed", "Count", count(report.failed.len())),
            ("nl2sql_refresh_tables_remaining", "Count", count(report.remaining.len())),
            ("nl2sql_refresh_duration_ms", "Milliseconds", report.elapsed_ms as f64),
        ],
    )
}

/// Writes one EMF document as a line on stdout.
pub fn emit(document: &Value) {
    println!("{document}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_per_route_and_status() {
        let line = request(1_700_000_000_000, "POST /api/nl2sql/translate", 200, 12.5);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["Route", "Status"]]));
        assert_eq!(directive["Metrics"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            (line["Route"].as_str(), line["Status"].as_str()),
            (Some("POST /api/nl2sql/translate"), Some("200"))
        );
        assert_eq!(line["nl2sql_requests_total"], 1.0);
        assert!(line.get("nl2sql_queries_total").is_none(), "the core counts translations (core_lines)");
        assert_eq!(request(1, "GET /health/liveness", 200, 0.1)["_aws"]["Timestamp"], 1);
    }

    #[test]
    fn the_cores_metrics_become_emf_lines_once() {
        nl2sql_core::metrics::add("nl2sql_cache_hits", &[("layer", "lambda-test")], 2.0);
        let lines = core_lines(7);
        let line = lines.iter().find(|l| l.contains("lambda-test")).expect("the new series");
        let doc: Value = serde_json::from_str(line).expect("json");
        assert_eq!(doc["nl2sql_cache_hits"], 2.0);
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["layer"]]));
        assert!(!core_lines(8).iter().any(|l| l.contains("lambda-test")), "reported once");
    }
}
