//! `nl2sql-refresh`: the scheduled statistics refresh as a Lambda function (EventBridge schedule).

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use nl2sql_core::stats::refresh::run_scheduled;
use nl2sql_lambda::{Host, metrics, refresh};
use serde_json::{Value, json};
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    nl2sql_lambda::logging::init();
    let host = match Host::from_env().await {
        Ok(host) => Arc::new(host),
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            return Err(e.into());
        }
    };
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let host = host.clone();
        async move { run(&host, event).await }
    }))
    .await
}

/// One scheduled run; the answer (and a log line) is the run's report.
async fn run(host: &Host, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let budget = refresh::budget(host.config(), event.context.deadline, host.now_ms());
    let tenant = refresh::tenant(&event.payload);
    if budget.max_ms == 0 {
        tracing::warn!(deadline_ms = event.context.deadline, "no time left for a refresh run");
        return Ok(json!({"stopped_by": "deadline", "refreshed": []}));
    }
    let report = run_scheduled(&host.ports(), tenant, budget).await.map_err(|e| {
        tracing::error!(error = %e, code = e.code(), "scheduled statistics refresh failed");
        Diagnostic { error_type: e.code().to_owned(), error_message: e.to_string() }
    })?;
    tracing::info!(
        refreshed = report.refreshed.len(),
        failed = report.failed.len(),
        remaining = report.remaining.len(),
        backing_off = report.backing_off,
        elapsed_ms = report.elapsed_ms,
        budget_ms = budget.max_ms,
        stopped_by = report.stopped_by.as_deref().unwrap_or(""),
        "scheduled statistics refresh"
    );
    metrics::emit(&metrics::refresh(host.now_ms(), &report));
    for line in metrics::core_lines(host.now_ms()) {
        println!("{line}");
    }
    serde_json::to_value(&report)
        .map_err(|e| Diagnostic { error_type: "internal_error".into(), error_message: e.to_string() })
}
