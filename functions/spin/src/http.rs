//! The [`Http`] port on Spin outbound HTTP (`wasi:http/client@0.3.0`). Only hosts listed in the component's
//! `allowed_outbound_hosts` are reachable; Spin refuses the rest before any connection is made.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use nl2sql_core::ports::{Http, HttpRequest, HttpResponse};
use nl2sql_core::{Error, Result};
use spin_sdk::wasip3::http::types::RequestOptions;
use spin_sdk::wasip3::http_compat::RequestOptionsExtension;

/// Outbound HTTP through the Spin host.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpinHttp;

#[async_trait::async_trait(?Send)]
impl Http for SpinHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let mut builder = http::Request::builder().method(request.method.as_str()).uri(&request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(ms) = request.timeout_ms {
            builder = builder.extension(RequestOptionsExtension(timeouts(ms)));
        }
        // Errors never carry the URL: some providers take their key as a query parameter.
        let outbound = builder
            .body(Full::new(Bytes::from(request.body)))
            .map_err(|e| Error::Internal(format!("building an outbound {} request: {e}", request.method)))?;
        let response = spin_sdk::http::send(outbound)
            .await
            .map_err(|e| Error::Provider(format!("outbound HTTP request failed: {e}")))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Error::Provider(format!("reading an outbound HTTP response: {e}")))?
            .to_bytes()
            .to_vec();
        Ok(HttpResponse { status, headers, body })
    }
}

/// Connect, first-byte and between-bytes timeouts of `ms` each. A host that does not support one of them
/// refuses it, and the request runs with the host's own limit for that phase.
fn timeouts(ms: u64) -> RequestOptions {
    let ns = ms.saturating_mul(1_000_000);
    let options = RequestOptions::new();
    let _ = options.set_connect_timeout(Some(ns));
    let _ = options.set_first_byte_timeout(Some(ns));
    let _ = options.set_between_bytes_timeout(Some(ns));
    options
}
