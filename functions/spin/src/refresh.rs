//! The scheduled statistics refresh as an HTTP route, so that any scheduler can run it: Spin's cron trigger
//! (through the `nl2sql-spin-cron` component, see `infra/spin/spin.toml`), a Kubernetes CronJob next to
//! SpinKube, or `curl` from anywhere.
//!
//! `POST /cron/refresh[?tenant=<tenant>]` with `Authorization: Bearer <refresh_token>` runs
//! [`run_scheduled`] within `[nl2sql.refresh_manager]`'s run budget and answers its report. The route is off
//! (403) until the Spin variable `refresh_token` is set, and any other token is refused (401), so a public
//! route cannot be used to make the component hammer its databases.

use nl2sql_core::api::{Request, Response};
use nl2sql_core::ports::Ports;
use nl2sql_core::stats::refresh::{RunBudget, run_scheduled};
use nl2sql_core::{Error, Result};

/// The route's path.
pub const PATH: &str = "/cron/refresh";
/// The Spin variable holding the bearer token the route accepts.
pub const TOKEN_VARIABLE: &str = "refresh_token";

/// Runs one scheduled refresh for an authorised request.
pub async fn handle(request: &Request, ports: &Ports<'_>, token: Option<&str>) -> Result<Response> {
    if request.method != "POST" {
        return Err(Error::MethodNotAllowed { method: request.method.clone(), allowed: "POST".into() });
    }
    authorise(request, token)?;
    let tenant = request.query_param("tenant").filter(|t| !t.is_empty());
    let budget = RunBudget::from_config(ports.config);
    let report = run_scheduled(ports, tenant.as_deref(), budget).await?;
    eprintln!(
        "nl2sql: scheduled statistics refresh: {} refreshed, {} failed, {} remaining, stopped by {}",
        report.refreshed.len(),
        report.failed.len(),
        report.remaining.len(),
        report.stopped_by.as_deref().unwrap_or("nothing"),
    );
    Ok(Response::json(200, &report))
}

fn authorise(request: &Request, token: Option<&str>) -> Result<()> {
    let Some(token) = token else {
        return Err(Error::Unauthorized {
            status: 403,
            message: format!("the scheduled refresh route is off: set the Spin variable `{TOKEN_VARIABLE}`"),
        });
    };
    let given = request.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
    if same(given.trim().as_bytes(), token.as_bytes()) {
        Ok(())
    } else {
        Err(Error::Unauthorized { status: 401, message: "a valid `Authorization: Bearer` token is required".into() })
    }
}

/// Compares without stopping at the first difference, so the time taken tells nothing about the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_auth(value: &str) -> Request {
        let mut request = Request::new("POST", PATH, "");
        request.headers.push(("Authorization".into(), value.into()));
        request
    }

    #[test]
    fn only_the_configured_token_is_accepted() {
        assert!(authorise(&with_auth("Bearer s3cret"), Some("s3cret")).is_ok());
        let status = |r: Result<()>| r.map_err(|e| e.status()).err();
        assert_eq!(status(authorise(&with_auth("Bearer wrong"), Some("s3cret"))), Some(401));
        assert_eq!(status(authorise(&with_auth("s3cret"), Some("s3cret"))), Some(401));
        assert_eq!(status(authorise(&Request::new("POST", PATH, ""), Some("s3cret"))), Some(401));
        assert_eq!(status(authorise(&with_auth("Bearer s3cret"), None)), Some(403));
    }
}
