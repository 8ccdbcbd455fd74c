//! The `Http` port on the Workers `fetch` API (for LLM providers). A timeout aborts the request through an
//! `AbortController`; error messages never carry the URL (some providers take their key in the query).

use futures_util::future::{Either, select};
use nl2sql_core::ports::{Http, HttpRequest, HttpResponse};
use nl2sql_core::{Error, Result, port};
use std::pin::pin;
use std::time::Duration;
use worker::js_sys::Uint8Array;
use worker::{AbortController, AbortSignal, Delay, Fetch, web_sys};

/// Outbound HTTP through `fetch`.
#[derive(Debug, Default, Clone, Copy)]
pub struct FetchHttp;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn provider(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Provider(format!("{what}: {e}"))
}

/// The `fetch` Request of `request`.
fn build(request: &HttpRequest) -> Result<worker::Request> {
    let method = request.method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(Error::Internal(format!("unsupported HTTP method `{}`", request.method)));
    }
    let headers = web_sys::Headers::new().map_err(|e| provider("headers", format!("{e:?}")))?;
    for (name, value) in &request.headers {
        headers.append(name, value).map_err(|_| Error::Internal(format!("invalid HTTP header `{name}`")))?;
    }
    let init = web_sys::RequestInit::new();
    init.set_method(&method);
    init.set_headers(&headers);
    if !request.body.is_empty() {
        init.set_body(&Uint8Array::from(request.body.as_slice()));
    }
    let inner = web_sys::Request::new_with_str_and_init(&request.url, &init)
        .map_err(|_| Error::Internal("invalid request URL".into()))?;
    Ok(worker::Request::from(inner))
}

async fn exchange(request: worker::Request, signal: AbortSignal) -> Result<HttpResponse> {
    let mut response =
        Fetch::Request(request).send_with_signal(&signal).await.map_err(|e| provider("fetch failed", e))?;
    let status = response.status_code();
    let headers = response.headers().entries().collect();
    let body = response.bytes().await.map_err(|e| provider("reading the response", e))?;
    Ok(HttpResponse { status, headers, body })
}

port! {
impl Http for FetchHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let controller = AbortController::default();
        let fetch = exchange(build(&request)?, controller.signal());
        let Some(ms) = request.timeout_ms else { return fetch.await };
        match select(pin!(fetch), pin!(Delay::from(Duration::from_millis(ms)))).await {
            Either::Left((response, _)) => response,
            Either::Right(((), _)) => {
                controller.abort();
                Err(Error::Provider(format!("HTTP request timed out after {ms} ms")))
            }
        }
    }
}
}
