//! Metrics under the operators' guide's names, collected in the core and rendered for each platform: Prometheus
//! text ([`prometheus`], served on `/metrics`) and CloudWatch embedded metric format ([`emf`], one log line the
//! Lambda writes).
//!
//! One registry per process (a Lambda sandbox, a Worker isolate, the local server): metrics describe the
//! instance that serves them, as Prometheus expects; a Spin instance lives for one request, so Spin logs them.
//! Durations and scores are summaries: `_sum`, `_count` and the 0.5/0.95/0.99 quantiles of the last
//! [`WINDOW`] observations.

use crate::order::LeanSort as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Observations kept per summary series for its quantiles.
pub const WINDOW: usize = 1024;

/// A metric's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Set to a value.
    Gauge,
    /// Observations with quantiles.
    Summary,
}

/// The metrics the core records: name, kind, help (the operators' guide's vocabulary).
pub const CATALOGUE: &[(&str, Kind, &str)] = &[
    ("nl2sql_queries_total", Kind::Counter, "Translation requests by status (success|error)."),
    ("nl2sql_query_duration_seconds", Kind::Summary, "Translation request duration."),
    ("nl2sql_query_complexity_score", Kind::Summary, "Assessed question complexity (1-10)."),
    ("nl2sql_llm_requests_total", Kind::Counter, "LLM provider calls by provider and status."),
    ("nl2sql_llm_request_duration_seconds", Kind::Summary, "LLM provider call duration."),
    ("nl2sql_llm_tokens_used_total", Kind::Counter, "LLM tokens by provider and type (input|output)."),
    ("nl2sql_llm_circuit_breaker_state", Kind::Gauge, "Provider circuit: 0 closed, 1 open, 2 half-open."),
    ("nl2sql_cache_hits", Kind::Counter, "Translation cache hits by layer (exact|semantic)."),
    ("nl2sql_cache_misses", Kind::Counter, "Translation cache misses."),
    ("nl2sql_agentic_decompositions_total", Kind::Counter, "Questions decomposed into staged tasks."),
    ("nl2sql_agentic_tasks_per_query", Kind::Summary, "Tasks per decomposed question."),
    ("nl2sql_agentic_stages_per_query", Kind::Summary, "Stages per decomposed question."),
    ("nl2sql_advisor_analyses_total", Kind::Counter, "SQL statements the advisor analysed."),
    ("nl2sql_advisor_quality_score", Kind::Summary, "Advisor quality score (0-100)."),
    ("nl2sql_advisor_bottlenecks_detected", Kind::Counter, "Bottlenecks the advisor reported."),
    ("nl2sql_advisor_index_recommendations_total", Kind::Counter, "Index recommendations made."),
    ("nl2sql_statistics_refreshes_total", Kind::Counter, "Table statistics refreshes by priority."),
    ("nl2sql_statistics_age_seconds", Kind::Summary, "Age of the statistics a request used."),
];

type Labels = Vec<(String, String)>;

#[derive(Debug, Default)]
struct Series {
    value: f64,
    window: Vec<f64>,
    next: usize,
    count: u64,
}

#[derive(Debug, Default)]
struct Registry {
    series: BTreeMap<(&'static str, Labels), Series>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { series: BTreeMap::new() });

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn kind(name: &str) -> Kind {
    CATALOGUE.iter().find(|(n, _, _)| *n == name).map_or(Kind::Gauge, |(_, k, _)| *k)
}

fn key(name: &'static str, labels: &[(&str, &str)]) -> (&'static str, Labels) {
    (name, labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
}

/// Adds `by` to a counter.
pub fn add(name: &'static str, labels: &[(&str, &str)], by: f64) {
    registry().series.entry(key(name, labels)).or_default().value += by;
}

/// Sets a gauge.
pub fn set(name: &'static str, labels: &[(&str, &str)], value: f64) {
    registry().series.entry(key(name, labels)).or_default().value = value;
}

/// Records one observation of a summary.
pub fn observe(name: &'static str, labels: &[(&str, &str)], value: f64) {
    let mut registry = registry();
    let series = registry.series.entry(key(name, labels)).or_default();
    series.value += value;
    series.count += 1;
    if series.window.len() < WINDOW {
        series.window.push(value);
    } else {
        series.window[series.next] = value;
    }
    series.next = (series.next + 1) % WINDOW;
}

/// A counter's or gauge's value (a summary's sum); 0 when never recorded.
pub fn value(name: &'static str, labels: &[(&str, &str)]) -> f64 {
    registry().series.get(&key(name, labels)).map_or(0.0, |s| s.value)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn label_text(labels: &[(String, String)], extra: Option<(&str, &str)>) -> String {
    let escape = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(extra)
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if parts.is_empty() { String::new() } else { format!("{{{}}}", parts.join(",")) }
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Every recorded series in the Prometheus text exposition format (version 0.0.4).
pub fn prometheus() -> String {
    let registry = registry();
    let mut out = String::new();
    let mut last = "";
    for ((name, labels), series) in &registry.series {
        if *name != last {
            let help = CATALOGUE.iter().find(|(n, _, _)| n == name).map_or("", |(_, _, h)| *h);
            let kind = match kind(name) {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
                Kind::Summary => "summary",
            };
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            last = name;
        }
        if kind(name) == Kind::Summary {
            let mut sorted = series.window.clone();
            sorted.lean_sort_by(f64::total_cmp);
            for q in ["0.5", "0.95", "0.99"] {
                let at = quantile(&sorted, q.parse().unwrap_or(0.5));
                let _ = writeln!(out, "{name}{} {}", label_text(labels, Some(("quantile", q))), number(at));
            }
            let _ = writeln!(out, "{name}_sum{} {}", label_text(labels, None), number(series.value));
            let _ = writeln!(out, "{name}_count{} {}", label_text(labels, None), series.count);
        } else {
            let _ = writeln!(out, "{name}{} {}", label_text(labels, None), number(series.value));
        }
    }
    out
}

/// Every recorded series as one CloudWatch embedded-metric-format document (a JSON log line) under
/// `namespace`, stamped `now_ms`; summaries report their sum and count. `None` when nothing was recorded.
pub fn emf(namespace: &str, now_ms: i64) -> Option<String> {
    let registry = registry();
    if registry.series.is_empty() {
        return None;
    }
    let mut root = serde_json::Map::new();
    let mut metrics = Vec::new();
    for ((name, labels), series) in &registry.series {
        // EMF metrics have no labels: a labelled series becomes `name.label=value…`.
        let mut id = (*name).to_owned();
        for (k, v) in labels {
            let _ = write!(id, ".{k}={v}");
        }
        let (unit, value) = match kind(name) {
            Kind::Summary if name.ends_with("_seconds") => ("Seconds", series.value),
            Kind::Summary => ("None", series.value),
            Kind::Counter => ("Count", series.value),
            Kind::Gauge => ("None", series.value),
        };
        metrics.push(serde_json::json!({"Name": id, "Unit": unit}));
        root.insert(id.clone(), serde_json::json!(value));
        if kind(name) == Kind::Summary {
            let count_id = format!("{id}.count");
            metrics.push(serde_json::json!({"Name": count_id, "Unit": "Count"}));
            root.insert(count_id, serde_json::json!(series.count));
        }
    }
    root.insert(
        "_aws".into(),
        serde_json::json!({"Timestamp": now_ms, "CloudWatchMetrics": [{"Namespace": namespace, "Dimensions": [[]], "Metrics": metrics}]}),
    );
    Some(serde_json::Value::Object(root).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // The registry is process-wide: each test uses its own label values.
    #[test]
    fn counters_gauges_and_summaries_render_as_prometheus_text() {
        add("nl2sql_queries_total", &[("status", "t1-success")], 1.0);
        add("nl2sql_queries_total", &[("status", "t1-success")], 2.0);
        set("nl2sql_llm_circuit_breaker_state", &[("provider", "t1")], 1.0);
        for v in 1..=100 {
            observe("nl2sql_llm_request_duration_seconds", &[("provider", "t1")], f64::from(v) / 100.0);
        }
        let text = prometheus();
        assert!(text.contains("# TYPE nl2sql_queries_total counter"), "{text}");
        assert!(text.contains("nl2sql_queries_total{status=\"t1-success\"} 3\n"), "{text}");
        assert!(text.contains("nl2sql_llm_circuit_breaker_state{provider=\"t1\"} 1\n"), "{text}");
        assert!(text.contains("nl2sql_llm_request_duration_seconds{provider=\"t1\",quantile=\"0.5\"} 0.5"), "{text}");
        assert!(text.contains("nl2sql_llm_request_duration_seconds{provider=\"t1\",quantile=\"0.99\"} 0.99"), "{text}");
        assert!(text.contains("nl2sql_llm_request_duration_seconds_count{provider=\"t1\"} 100\n"), "{text}");
        assert_eq!(value("nl2sql_queries_total", &[("status", "t1-success")]), 3.0);
        assert_eq!(text.matches("# TYPE nl2sql_queries_total").count(), 1);
    }

    #[test]
    fn emf_is_one_json_document_with_its_metric_directive() {
        add("nl2sql_cache_hits", &[("layer", "t2")], 4.0);
        let doc: serde_json::Value =
            serde_json::from_str(&emf("nl2sql", 1_700_000_000_000).expect("some")).expect("json");
        assert_eq!(doc["nl2sql_cache_hits.layer=t2"], 4.0);
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "nl2sql");
        assert!(
            directive["Metrics"].as_array().expect("metrics").iter().any(|m| m["Name"] == "nl2sql_cache_hits.layer=t2")
        );
    }

    #[test]
    fn the_window_keeps_the_latest_observations() {
        for v in 0..(WINDOW + 10) {
            observe("nl2sql_advisor_quality_score", &[("t", "t3")], v as f64);
        }
        let text = prometheus();
        assert!(text.contains(&format!("nl2sql_advisor_quality_score_count{{t=\"t3\"}} {}", WINDOW + 10)), "{text}");
        assert!(!text.contains("nl2sql_advisor_quality_score{t=\"t3\",quantile=\"0.5\"} 5\n"));
    }
}
