//! `nl2sql-http`: the HTTP API as a Lambda function behind a Function URL or an HTTP API (payload 2.0).

use lambda_http::{Body, Error, RequestExt, Response, service_fn};
use nl2sql_lambda::{Host, event, metrics};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

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
    lambda_http::run(service_fn(move |request| {
        let host = host.clone();
        async move { Ok::<_, Infallible>(handle(&host, request).await) }
    }))
    .await
}

async fn handle(host: &Host, request: lambda_http::Request) -> Response<Body> {
    let started = Instant::now();
    let deadline_ms = request.lambda_context_ref().map(|context| context.deadline);
    let request = event::to_core(request);
    let route = match nl2sql_core::router::pattern(&request.method, &request.path) {
        Some(pattern) => format!("{} {pattern}", request.method),
        None => "unmatched".to_owned(),
    };
    let (method, path) = (request.method.clone(), request.path.clone());
    // The core answers 504 before the platform ends the invocation (see refresh::request_timeout).
    let clamped = deadline_ms.and_then(|deadline| {
        let timeout = nl2sql_lambda::refresh::request_timeout(host.config(), deadline, host.now_ms())?;
        let mut config = host.config().clone();
        config.nl2sql.request_timeout = timeout;
        Some(config)
    });
    let ports = match &clamped {
        Some(config) => nl2sql_core::ports::Ports { config, ..host.ports() },
        None => host.ports(),
    };
    let response = nl2sql_core::router::handle(request, &ports).await;
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(%method, %path, status = response.status, elapsed_ms, "request");
    metrics::emit(&metrics::request(host.now_ms(), &route, response.status, elapsed_ms));
    for line in metrics::core_lines(host.now_ms()) {
        println!("{line}");
    }
    event::from_core(response)
}
