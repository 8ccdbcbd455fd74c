//! The Worker's two handlers: wiring only, every decision is the core's.

use crate::host::{self, Host};
use crate::{log, settings, testing};
use nl2sql_core::Error;
use nl2sql_core::api::Response;
use nl2sql_core::ports::Clock;
use nl2sql_core::router;
use nl2sql_core::stats::refresh::run_scheduled;
use serde_json::json;
use worker::{Context, Env, ScheduleContext, ScheduledEvent, event};

#[event(fetch)]
async fn fetch(mut request: worker::Request, env: Env, _ctx: Context) -> worker::Result<worker::Response> {
    let started = crate::clock::JsClock.now_ms();
    let request = match host::to_core(&mut request).await {
        Ok(request) => request,
        // The body could not be read (the client went away mid-upload): still a JSON error, never a bare 500.
        Err(e) => return host::from_core(Response::error(&Error::bad_request("invalid_request", e.to_string()))),
    };
    if request.path.starts_with("/__test/") && settings::test_routes(&|name| host::var(&env, name)) {
        return host::from_core(testing::handle(&request, &env).await);
    }
    let (method, route) = (request.method.clone(), router::pattern(&request.method, &request.path));
    let response = match Host::from_env(&env) {
        Ok(host) => router::handle(request, &host.ports()).await,
        Err(e) => {
            log("error", "cannot build the host", json!({ "error": e.to_string(), "code": e.code() }));
            Response::error(&e)
        }
    };
    let elapsed_ms = crate::clock::JsClock.now_ms() - started;
    let fields = json!({ "method": method, "route": route.unwrap_or("unmatched"), "status": response.status, "elapsed_ms": elapsed_ms });
    log("info", "request", fields);
    // Workers Logs indexes the fields of a logged JSON object: what the core recorded during this request, as
    // increases since the isolate's previous request (`/metrics` serves the isolate's totals).
    if let Some(line) = nl2sql_core::metrics::log_line(&nl2sql_core::metrics::flush(), crate::clock::JsClock.now_ms()) {
        worker::console_log!("{line}");
    }
    host::from_core(response)
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let host = match Host::from_env(&env) {
        Ok(host) => host,
        Err(e) => return log("error", "cannot build the host", json!({ "error": e.to_string(), "code": e.code() })),
    };
    let budget = settings::cron_budget(host.config());
    match run_scheduled(&host.ports(), None, budget).await {
        Ok(report) => log(
            "info",
            "scheduled statistics refresh",
            json!({ "cron": event.cron(), "budget_ms": budget.max_ms, "report": report }),
        ),
        Err(e) => log(
            "error",
            "scheduled statistics refresh failed",
            json!({ "cron": event.cron(), "error": e.to_string(), "code": e.code() }),
        ),
    }
}
