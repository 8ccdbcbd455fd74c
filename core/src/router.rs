//! The one router every host calls unchanged: `handle(request, ports) -> response`.

use crate::admin;
use crate::api::{RegisterRequest, Request, Response, TranslateRequest};
use crate::auth::{self, Principal, Role};
use crate::databases;
use crate::error::{Error, Result};
use crate::ports::Ports;
use crate::translate;
use serde_json::json;

/// Tenant of every request when authentication is off (and of the local CLI unless told otherwise).
pub const DEFAULT_TENANT: &str = "default";

/// The routes: method and path pattern (`{}` matches one segment).
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health/liveness"),
    ("GET", "/health/readiness"),
    ("GET", "/health/startup"),
    ("POST", "/api/nl2sql/translate"),
    ("POST", "/api/nl2sql/advisor/analyze"),
    ("POST", "/api/nl2sql/advisor/recommend-indexes"),
    ("POST", "/api/nl2sql/guard"),
    ("POST", "/api/nl2sql/analyze"),
    ("POST", "/api/nl2sql/golden"),
    ("GET", "/api/nl2sql/databases"),
    ("GET", "/api/nl2sql/databases/{}"),
    ("PUT", "/api/nl2sql/databases/{}"),
    ("GET", "/api/nl2sql/databases/{}/skeleton"),
    ("GET", "/api/nl2sql/statistics/tables"),
    ("GET", "/api/nl2sql/statistics/tables/{}"),
    ("POST", "/api/nl2sql/statistics/refresh"),
    ("GET", "/admin/config"),
    ("GET", "/admin/features"),
    ("POST", "/admin/features"),
    ("POST", "/admin/cache/clear"),
];

/// Handles one request: health probes open, everything else authenticated ([`crate::auth`]), `/admin/*` for
/// admins only, rate-limited per tenant and cut at `[nl2sql] request_timeout` ([`crate::limits`]). Never panics
/// on input; every failure is a JSON error response.
pub async fn handle(request: Request, ports: &Ports<'_>) -> Response {
    respond(request, ports, None).await
}

/// Handles one request as `principal`, without authentication, rate limit or timeout: for trusted callers in
/// the same process (the local CLI).
pub async fn handle_as(request: Request, ports: &Ports<'_>, principal: &Principal) -> Response {
    respond(request, ports, Some(principal)).await
}

/// The one place [`route`] is called (a second call site would compile the whole router twice into the wasm).
async fn respond(request: Request, ports: &Ports<'_>, trusted: Option<&Principal>) -> Response {
    let timeout_ms = match trusted {
        Some(_) => 0,
        None => ports.config.nl2sql.request_timeout.saturating_mul(1000),
    };
    let work = std::pin::pin!(route(&request, ports, trusted));
    match crate::limits::within(ports, timeout_ms, work).await {
        Ok(response) => response,
        Err(error) => Response::error(&error),
    }
}

async fn route(req: &Request, ports: &Ports<'_>, trusted: Option<&Principal>) -> Result<Response> {
    let max = ports.config.nl2sql.max_body_bytes;
    if req.body.len() > max {
        return Err(Error::PayloadTooLarge { size: req.body.len(), max });
    }
    let observability = &ports.config.observability;
    if req.method == "GET" && observability.metrics_enabled && req.path == observability.metrics_path {
        return Ok(metrics(ports).await);
    }
    let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(pattern) = matching_route(&req.method, &segments)? else {
        return Err(Error::not_found("route_not_found", format!("no route for {} {}", req.method, req.path)));
    };
    match pattern {
        "/health/liveness" => {
            let now = crate::time::rfc3339(ports.clock.now_ms());
            return Ok(Response::json(200, &json!({"status": "alive", "timestamp": now})));
        }
        "/health/readiness" => return readiness(ports).await,
        "/health/startup" => {
            let uptime = (ports.clock.now_ms() - ports.started_at_ms).max(0) / 1000;
            return Ok(Response::json(200, &json!({"status": "started", "uptime_seconds": uptime})));
        }
        _ => {}
    }
    let principal = match trusted {
        Some(principal) => principal.clone(),
        None => {
            let principal = auth::authenticate(req, &ports.config.security, ports.clock.now_ms())?;
            if auth::enabled(&ports.config.security) {
                crate::limits::admit(ports, &principal.tenant).await?;
            }
            principal
        }
    };
    let tenant = principal.tenant.as_str();
    if pattern.starts_with("/admin/") {
        if principal.role != Role::Admin {
            return Err(Error::Unauthorized {
                status: 403,
                message: format!("{} {pattern} needs an admin key; this key's role is user", req.method),
            });
        }
        return match (req.method.as_str(), pattern) {
            ("GET", "/admin/config") => admin::config(ports, tenant),
            ("GET", "/admin/features") => admin::features(ports, tenant).await,
            ("POST", "/admin/features") => admin::set_features(req, ports, tenant).await,
            ("POST", "/admin/cache/clear") => admin::clear_cache(req, ports, tenant).await,
            _ => Err(Error::Internal(format!("route {pattern} has no handler"))),
        };
    }
    // The tenant's feature overrides (`/admin/features`) apply to all its requests.
    let overridden = admin::tenant_config(ports, tenant).await?;
    let ports = &match &overridden {
        Some(config) => Ports { config, ..*ports },
        None => *ports,
    };
    match (req.method.as_str(), pattern) {
        ("POST", "/api/nl2sql/translate") => {
            let body: TranslateRequest = req.json()?;
            Ok(Response::json(200, &translate::translate(ports, tenant, &body).await?))
        }
        ("POST", "/api/nl2sql/advisor/analyze") => crate::advisor::api::analyze(req, ports, tenant).await,
        ("POST", "/api/nl2sql/advisor/recommend-indexes") => crate::advisor::api::recommend(req, ports, tenant).await,
        ("POST", "/api/nl2sql/guard") => crate::guard::api::guard(req, ports, tenant).await,
        ("POST", "/api/nl2sql/analyze") => analyze(req, ports, tenant).await,
        ("POST", "/api/nl2sql/golden") => golden(req, ports, tenant).await,
        ("GET", "/api/nl2sql/databases") => {
            Ok(Response::json(200, &json!({"databases": databases::list(ports, tenant).await?})))
        }
        ("GET", "/api/nl2sql/databases/{}") => {
            let (record, schema) = databases::load(ports, tenant, segments[3]).await?;
            Ok(Response::json(200, &json!({"database": record, "catalog": schema.catalog})))
        }
        ("PUT", "/api/nl2sql/databases/{}") => {
            let body: RegisterRequest = req.json()?;
            Ok(Response::json(200, &databases::register(ports, tenant, segments[3], &body).await?))
        }
        ("GET", "/api/nl2sql/databases/{}/skeleton") => skeleton(req, ports, tenant, segments[3]).await,
        ("GET", "/api/nl2sql/statistics/tables") => crate::stats::api::list(req, ports, tenant).await,
        ("GET", "/api/nl2sql/statistics/tables/{}") => crate::stats::api::table(req, ports, tenant, segments[4]).await,
        ("POST", "/api/nl2sql/statistics/refresh") => crate::stats::api::refresh(req, ports, tenant).await,
        _ => Err(Error::Internal(format!("route {pattern} has no handler"))),
    }
}

/// The route pattern a request matches (`/api/nl2sql/databases/{}`), e.g. as a metrics label that names in
/// paths cannot multiply; `None` when no route matches under `method`.
pub fn pattern(method: &str, path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    matching_route(method, &segments).ok().flatten()
}

/// The pattern `segments` match for `method`; a path known under another method is `method_not_allowed`.
fn matching_route(method: &str, segments: &[&str]) -> Result<Option<&'static str>> {
    let fits = |pattern: &str| {
        let parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
        parts.len() == segments.len() && parts.iter().zip(segments).all(|(p, s)| *p == "{}" || p == s)
    };
    let mut allowed = Vec::new();
    for (m, pattern) in ROUTES {
        if fits(pattern) {
            if *m == method {
                return Ok(Some(pattern));
            }
            allowed.push(*m);
        }
    }
    if allowed.is_empty() {
        Ok(None)
    } else {
        Err(Error::MethodNotAllowed { method: method.to_owned(), allowed: allowed.join(", ") })
    }
}

/// Prometheus text of this instance's metrics, with every provider's circuit read from the store.
async fn metrics(ports: &Ports<'_>) -> Response {
    for (provider, phase) in crate::llm::phases(ports).await {
        crate::metrics::set("nl2sql_llm_circuit_breaker_state", &[("provider", &provider)], f64::from(phase.gauge()));
    }
    Response {
        status: 200,
        headers: vec![("content-type".into(), "text/plain; version=0.0.4".into())],
        body: crate::metrics::prometheus().into_bytes(),
    }
}

/// POST /api/nl2sql/analyze {question, database}: complexity, the plan above the threshold, and the linked
/// schema, without calling a model.
async fn analyze(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    #[derive(serde::Deserialize)]
    struct Body {
        question: String,
        database: String,
    }
    let body: Body = req.json()?;
    let question = translate::checked_question(&body.question, ports.config)?;
    let (_, schema) = databases::load(ports, tenant, &body.database).await?;
    let config = &ports.config.nl2sql;
    let linked = crate::linker::link(question, &schema.catalog, &schema.samples, config.skeleton_token_budget);
    let tables: Vec<&str> = linked.tables.iter().map(|t| t.table.as_str()).collect();
    let complexity = crate::agentic::assess(question, linked.needed_tables());
    let limits = crate::agentic::Limits { max_tasks: config.agentic.max_tasks, max_stages: config.agentic.max_stages };
    let decompose = config.agentic.enabled && complexity.score > config.agentic.complexity_threshold;
    let plan = if decompose { crate::agentic::plan(question, limits) } else { None };
    Ok(Response::json(
        200,
        &json!({"complexity": complexity, "decompose": plan.is_some(), "plan": plan,
                "linked_tables": tables, "skeleton": linked.skeleton.text()}),
    ))
}

/// POST /api/nl2sql/golden {database, question, sql}: a few-shot example, stored once its SQL passes the guard.
async fn golden(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    #[derive(serde::Deserialize)]
    struct Body {
        database: String,
        question: String,
        sql: String,
    }
    let body: Body = req.json()?;
    let question = translate::checked_question(&body.question, ports.config)?;
    let (_, schema) = databases::load(ports, tenant, &body.database).await?;
    let settings = crate::guard::Settings::from_config(ports.config);
    let sql = crate::guard::check(&body.sql, schema.catalog.dialect, &schema.catalog, &settings)?.sql;
    let example = crate::golden::Example { question: question.to_owned(), sql };
    crate::golden::add(ports, tenant, &body.database, &example).await?;
    Ok(Response::json(200, &json!({"stored": true, "question": example.question, "sql": example.sql})))
}

/// The stored full skeleton, or with `?question=` the part the linker picks under `?budget=` tokens.
async fn skeleton(req: &Request, ports: &Ports<'_>, tenant: &str, name: &str) -> Result<Response> {
    let (record, schema) = databases::load(ports, tenant, name).await?;
    let budget = match req.query_param("budget") {
        Some(text) => text.parse::<usize>().ok().filter(|b| *b > 0).ok_or_else(|| {
            Error::bad_request("invalid_budget", format!("budget must be a positive number of tokens, not `{text}`"))
        })?,
        None => ports.config.nl2sql.skeleton_token_budget,
    };
    match req.query_param("question") {
        Some(question) => {
            let question = crate::translate::checked_question(&question, ports.config)?;
            let linked = crate::linker::link(question, &schema.catalog, &schema.samples, budget);
            Ok(Response::json(
                200,
                &json!({
                    "database": record.name,
                    "fingerprint": record.fingerprint,
                    "text": linked.skeleton.text(),
                    "tokens": linked.skeleton.tokens,
                    "full_tokens": linked.full_tokens,
                    "tables": linked.tables,
                }),
            ))
        }
        None => {
            let full = databases::skeleton(ports, tenant, &record).await?;
            Ok(Response::json(
                200,
                &json!({
                    "database": record.name,
                    "fingerprint": record.fingerprint,
                    "text": full.text(),
                    "tokens": full.tokens,
                    "full_tokens": full.tokens,
                }),
            ))
        }
    }
}

async fn readiness(ports: &Ports<'_>) -> Result<Response> {
    let (pk, sk) = crate::keys::HEALTH_PROBE;
    let store = ports.store.get(pk, sk).await;
    let (status, state) = if store.is_ok() { (200, "ready") } else { (503, "not_ready") };
    Ok(Response::json(
        status,
        &json!({
            "status": state,
            "checks": {"store": if store.is_ok() { "ok" } else { "error" }},
            "timestamp": crate::time::rfc3339(ports.clock.now_ms()),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::pattern;

    #[test]
    fn patterns_name_routes_not_paths() {
        assert_eq!(pattern("GET", "/api/nl2sql/databases/shop/skeleton"), Some("/api/nl2sql/databases/{}/skeleton"));
        assert_eq!(pattern("POST", "/api/nl2sql/translate"), Some("/api/nl2sql/translate"));
        assert_eq!(pattern("DELETE", "/health/liveness"), None, "known path, other method");
        assert_eq!(pattern("GET", "/nope"), None);
    }
}
