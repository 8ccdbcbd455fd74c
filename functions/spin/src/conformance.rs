//! Test builds only (feature `conformance`), two routes the deployed component does not have:
//!
//! - `POST /_test/store-conformance` runs the core's Store conformance suite against [`SpinKvStore`] on the
//!   store label `conformance`, which it empties first. A failed expectation panics, which traps the
//!   component: the caller sees a 500, never a 200.
//! - `POST /_test/outbound` `{"method", "url", "body"}` sends one request through [`SpinHttp`] and answers
//!   the upstream status and body, so tests can see Spin's outbound HTTP (and its allow-list) at work; the core
//!   calls no LLM yet.

use crate::http::SpinHttp;
use crate::kv::SpinKvStore;
use nl2sql_core::api::{Request, Response};
use nl2sql_core::ports::{Http, HttpRequest, Store};
use nl2sql_core::{Error, Result};
use serde_json::json;

/// The conformance route's path.
pub(crate) const STORE_PATH: &str = "/_test/store-conformance";
/// The outbound route's path.
pub(crate) const OUTBOUND_PATH: &str = "/_test/outbound";
/// The store label the suite runs on.
const LABEL: &str = "conformance";

/// Empties the `conformance` store and runs the suite on it.
pub(crate) async fn store_suite() -> Result<Response> {
    let store = SpinKvStore::open(LABEL).await?;
    store.clear().await?;
    nl2sql_core::conformance::store_suite(&store, crate::clock::now_ms().div_euclid(1000)).await;
    Ok(Response::json(200, &json!({"store_suite": "passed", "label": LABEL, "supports_cas": store.supports_cas()})))
}

/// Sends the request the body describes through [`SpinHttp`].
pub(crate) async fn outbound(request: &Request) -> Result<Response> {
    let spec: serde_json::Value = request.json()?;
    let field = |name: &str| spec[name].as_str().unwrap_or_default().to_owned();
    let url = field("url");
    if url.is_empty() {
        return Err(Error::bad_request("invalid_request", "`url` is required"));
    }
    let method = Some(field("method")).filter(|m| !m.is_empty()).unwrap_or_else(|| "GET".into());
    let sent = HttpRequest {
        method,
        url,
        headers: vec![("x-nl2sql-test".into(), "outbound".into())],
        body: field("body").into_bytes(),
        timeout_ms: Some(10_000),
    };
    let answer = SpinHttp.send(sent).await?;
    Ok(Response::json(200, &json!({"status": answer.status, "body": String::from_utf8_lossy(&answer.body)})))
}
