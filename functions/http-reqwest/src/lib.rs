//! The [`Http`] port on reqwest (rustls, no native TLS), for LLM providers: the local and Lambda hosts' transport.
//!
//! The client is built on first use, not at start: loading the platform's root certificates costs
//! milliseconds a cold start that never calls a provider should not pay.

use nl2sql_core::ports::{Http, HttpRequest, HttpResponse};
use nl2sql_core::{Error, Result};
use std::sync::OnceLock;
use std::time::Duration;

/// Outbound HTTPS through one shared reqwest client.
#[derive(Debug, Default)]
pub struct ReqwestHttp {
    client: OnceLock<reqwest::Client>,
}

impl ReqwestHttp {
    fn client(&self) -> Result<&reqwest::Client> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = reqwest::Client::builder()
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(self.client.get_or_init(|| client))
    }
}

#[async_trait::async_trait]
impl Http for ReqwestHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| Error::Internal(format!("invalid HTTP method `{}`", request.method)))?;
        let mut builder = self.client()?.request(method, &request.url).body(request.body);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(ms) = request.timeout_ms {
            builder = builder.timeout(Duration::from_millis(ms));
        }
        // Errors drop the URL: some providers take their key as a query parameter.
        let provider_err = |e: reqwest::Error| Error::Provider(e.without_url().to_string());
        let response = builder.send().await.map_err(provider_err)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect();
        let body = response.bytes().await.map_err(provider_err)?.to_vec();
        Ok(HttpResponse { status, headers, body })
    }
}
