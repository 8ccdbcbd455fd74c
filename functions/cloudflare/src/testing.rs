//! Test-only routes, answered only when `NL2SQL_TEST_ROUTES` is `1` (the Miniflare tests set it; deployments
//! never do, and then `/__test/...` is an ordinary unknown route). They run adapter checks inside workerd,
//! where the adapters' JS bindings exist:
//!
//! - `POST /__test/store-conformance`: empties the `NL2SQL_TEST_KV` namespace and runs the core's Store
//!   conformance suite against a [`KvStore`] on it. A failed expectation panics, which fails the request.
//! - `POST /__test/http` `{method, url, headers?, body?, timeout_ms?}`: one exchange through [`FetchHttp`],
//!   answered as `{status, headers, body}` (body as text) or the port's error.
//! - `POST /__test/panic`: panics, to show that the instance recovers: the request fails, the next one is
//!   served by a re-instantiated module (wasm-bindgen's abort handler, see `build.sh`).
//! - `POST /__test/instance`: counts its calls in a static, which only a fresh module instance resets; the
//!   panic test uses it to tell a re-instantiated module from one carrying on after the abort.

use crate::clock::JsClock;
use crate::fetch::FetchHttp;
use crate::kv::KvStore;
use nl2sql_core::api::{Request, Response};
use nl2sql_core::ports::{Clock, Http, HttpRequest};
use nl2sql_core::{Error, Result};
use serde::Deserialize;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use worker::Env;

/// Calls of `/__test/instance` since this module instance started.
static INSTANCE_CALLS: AtomicU64 = AtomicU64::new(0);

/// The KV namespace the conformance suite may wipe.
const TEST_KV_BINDING: &str = "NL2SQL_TEST_KV";

pub(crate) async fn handle(request: &Request, env: &Env) -> Response {
    let result = match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/__test/store-conformance") => conformance(env).await,
        ("POST", "/__test/http") => http(request, env).await,
        ("POST", "/__test/panic") => panic!("deliberate panic from /__test/panic"),
        ("POST", "/__test/instance") => {
            let calls = INSTANCE_CALLS.fetch_add(1, Ordering::Relaxed) + 1;
            Ok(Response::json(200, &json!({ "calls": calls })))
        }
        _ => Err(Error::not_found("route_not_found", format!("no test route {} {}", request.method, request.path))),
    };
    result.unwrap_or_else(|e| Response::error(&e))
}

async fn conformance(env: &Env) -> Result<Response> {
    let kv = env.kv(TEST_KV_BINDING).map_err(|e| Error::Config(format!("{TEST_KV_BINDING}: {e}")))?;
    let store_error = |e: worker::KvError| Error::Store(e.to_string());
    let mut removed = 0;
    loop {
        let page = kv.list().execute().await.map_err(store_error)?;
        if page.keys.is_empty() {
            break;
        }
        for key in page.keys {
            kv.delete(&key.name).await.map_err(store_error)?;
            removed += 1;
        }
    }
    let now_s = JsClock.now_ms() / 1000;
    nl2sql_core::conformance::store_suite(&KvStore::new(kv), now_s).await;
    Ok(Response::json(200, &json!({ "passed": true, "removed_before": removed })))
}

#[derive(Deserialize)]
struct Exchange {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: String,
    timeout_ms: Option<u64>,
}

async fn http(request: &Request, env: &Env) -> Result<Response> {
    let exchange: Exchange = request.json()?;
    let response = FetchHttp::new(env.clone())
        .send(HttpRequest {
            method: exchange.method,
            url: exchange.url,
            headers: exchange.headers,
            body: exchange.body.into_bytes(),
            timeout_ms: exchange.timeout_ms,
        })
        .await?;
    let body = String::from_utf8_lossy(&response.body);
    Ok(Response::json(200, &json!({ "status": response.status, "headers": response.headers, "body": body })))
}
