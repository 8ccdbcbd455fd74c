//! Metrics under the operators' guide's names, collected in the core and rendered for each platform: Prometheus
//! text ([`prometheus`], served on `/metrics` by every host) and, for platforms that read metrics from logs,
//! what changed since the last report ([`flush`]) as CloudWatch embedded metric format ([`emf`], the Lambda's
//! stdout) or one structured log line ([`log_line`], the Worker's and Spin's logs).
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
    /// `value` and `count` when [`flush`] last reported this series.
    flushed_value: f64,
    flushed_count: u64,
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

/// What changed in one series since the previous [`flush`].
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    /// Metric name.
    pub name: &'static str,
    /// Its labels.
    pub labels: Vec<(String, String)>,
    /// The metric's kind.
    pub kind: Kind,
    /// Counter: the increase; gauge: the value; summary: the sum of the new observations.
    pub value: f64,
    /// Summary: the new observations (the latest [`WINDOW`] at most); empty otherwise.
    pub observations: Vec<f64>,
}

/// The series that changed since the last call, with what changed; the next call reports only what happens
/// after this one. For platforms that read metrics from log lines, where every line adds to the totals
/// (CloudWatch EMF on Lambda, the Worker's and Spin's logs): reporting cumulative values there would count
/// them again on every request.
pub fn flush() -> Vec<Delta> {
    let mut registry = registry();
    let mut out = Vec::new();
    for ((name, labels), series) in registry.series.iter_mut() {
        let kind = kind(name);
        let fresh = series.count - series.flushed_count;
        if series.value == series.flushed_value && fresh == 0 {
            continue;
        }
        let observations = if kind == Kind::Summary {
            let n = usize::try_from(fresh).unwrap_or(WINDOW).min(series.window.len());
            // The window is a ring whose next write is at `next`: the newest `n` end just before it.
            (0..n).map(|i| series.window[(series.next + series.window.len() - n + i) % series.window.len()]).collect()
        } else {
            Vec::new()
        };
        let value = if kind == Kind::Gauge { series.value } else { series.value - series.flushed_value };
        out.push(Delta { name, labels: labels.clone(), kind, value, observations });
        series.flushed_value = series.value;
        series.flushed_count = series.count;
    }
    out
}

/// `deltas` (from [`flush`]) as CloudWatch embedded-metric-format documents, one JSON line per series, under
/// `namespace`, stamped `now_ms`. Labels become the metric's dimensions; a summary's value is the list of its new
/// observations (CloudWatch computes the statistics). Lambda writes them to stdout; CloudWatch Logs extracts
/// the metrics.
pub fn emf(deltas: &[Delta], namespace: &str, now_ms: i64) -> Vec<String> {
    deltas
        .iter()
        .map(|d| {
            let unit = match d.kind {
                Kind::Summary if d.name.ends_with("_seconds") => "Seconds",
                Kind::Counter => "Count",
                _ => "None",
            };
            let mut root = serde_json::Map::new();
            for (k, v) in &d.labels {
                root.insert(k.clone(), serde_json::json!(v));
            }
            let value =
                if d.kind == Kind::Summary { serde_json::json!(d.observations) } else { serde_json::json!(d.value) };
            root.insert(d.name.to_owned(), value);
            let dimensions: Vec<&str> = d.labels.iter().map(|(k, _)| k.as_str()).collect();
            root.insert(
                "_aws".into(),
                serde_json::json!({"Timestamp": now_ms, "CloudWatchMetrics": [{
                    "Namespace": namespace,
                    "Dimensions": [dimensions],
                    "Metrics": [{"Name": d.name, "Unit": unit}],
                }]}),
            );
            serde_json::Value::Object(root).to_string()
        })
        .collect()
}

/// `deltas` (from [`flush`]) as one structured log line (`{"message":"nl2sql metrics","metrics":[…]}`), for the
/// Worker (Workers Logs indexes a logged JSON object's fields) and Spin (component output goes to its log);
/// `None` when nothing changed.
pub fn log_line(deltas: &[Delta], now_ms: i64) -> Option<String> {
    if deltas.is_empty() {
        return None;
    }
    let metrics: Vec<serde_json::Value> = deltas
        .iter()
        .map(|d| {
            let labels: serde_json::Map<String, serde_json::Value> =
                d.labels.iter().map(|(k, v)| (k.clone(), serde_json::json!(v))).collect();
            let mut one = serde_json::json!({"name": d.name, "labels": labels, "value": d.value});
            if d.kind == Kind::Summary {
                one["count"] = serde_json::json!(d.observations.len());
            }
            one
        })
        .collect();
    Some(serde_json::json!({"message": "nl2sql metrics", "timestamp_ms": now_ms, "metrics": metrics}).to_string())
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
    fn flushes_report_what_changed_since_the_last_one_as_emf_and_log_lines() {
        // The registry is process-wide and tests run in parallel: look only at this test's series.
        let mine = |deltas: Vec<Delta>| -> Vec<Delta> {
            deltas.into_iter().filter(|d| d.labels.iter().any(|(_, v)| v.starts_with("t2-"))).collect()
        };
        add("nl2sql_cache_hits", &[("layer", "t2-exact")], 4.0);
        observe("nl2sql_query_duration_seconds", &[("status", "t2-ok")], 0.25);
        observe("nl2sql_query_duration_seconds", &[("status", "t2-ok")], 0.5);
        let first = mine(flush());
        assert_eq!(first.len(), 2, "{first:?}");
        let hits = first.iter().find(|d| d.name == "nl2sql_cache_hits").expect("hits");
        assert_eq!(hits.value, 4.0);
        let took = first.iter().find(|d| d.name == "nl2sql_query_duration_seconds").expect("durations");
        assert_eq!(took.observations, [0.25, 0.5]);

        add("nl2sql_cache_hits", &[("layer", "t2-exact")], 1.0);
        let second = mine(flush());
        assert_eq!(second.len(), 1, "only what changed: {second:?}");
        assert_eq!(second[0].value, 1.0, "the increase, not the total");
        assert!(mine(flush()).is_empty(), "nothing new");

        let lines = emf(&first, "nl2sql", 1_700_000_000_000);
        let doc: serde_json::Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!((doc["nl2sql_cache_hits"].as_f64(), doc["layer"].as_str()), (Some(4.0), Some("t2-exact")));
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "nl2sql");
        assert_eq!(directive["Dimensions"], serde_json::json!([["layer"]]));
        assert_eq!(directive["Metrics"][0], serde_json::json!({"Name": "nl2sql_cache_hits", "Unit": "Count"}));
        let doc: serde_json::Value = serde_json::from_str(&lines[1]).expect("json");
        assert_eq!(doc["nl2sql_query_duration_seconds"], serde_json::json!([0.25, 0.5]));
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"], "Seconds");

        let line: serde_json::Value = serde_json::from_str(&log_line(&first, 5).expect("a line")).expect("json");
        assert_eq!(line["message"], "nl2sql metrics");
        assert_eq!(line["metrics"][1]["count"], 2);
        assert!(log_line(&[], 5).is_none());
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
