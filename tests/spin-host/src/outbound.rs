//! Outbound HTTP as Spin allows it: only to origins (`scheme://host:port`) granted with `--allow-outbound`
//! (Spin's `allowed_outbound_hosts`); anything else is `HTTP-request-denied` before a connection is made.

use http_body_util::BodyExt;
use std::future::Future;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks, default_send_request};

type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;

/// The request hooks: the allow-list check, then wasmtime's own client.
pub(crate) struct Outbound {
    allowed: Vec<String>,
}

impl Outbound {
    /// Allows the origins `allowed` (`scheme://host[:port]`, the port defaulting to the scheme's).
    pub(crate) fn new(allowed: &[String]) -> Self {
        let allowed = allowed.iter().filter_map(|a| origin(&a.parse().ok()?)).collect();
        Self { allowed }
    }

    fn allows(&self, uri: &http::Uri) -> bool {
        origin(uri).is_some_and(|o| self.allowed.contains(&o))
    }
}

/// `scheme://host:port` of an absolute URI.
fn origin(uri: &http::Uri) -> Option<String> {
    let scheme = uri.scheme_str()?;
    let authority = uri.authority()?;
    let port = authority.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
    Some(format!("{scheme}://{}:{port}", authority.host()))
}

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: IoFuture,
    ) -> Box<dyn Future<Output = Result<(http::Response<WasiBody>, IoFuture), Error>> + Send> {
        drop(fut);
        if !self.allows(request.uri()) {
            eprintln!("spin-host: outbound request to {} denied (not in --allow-outbound)", request.uri());
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        Box::new(async move {
            let (response, io) = default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as IoFuture))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_origins_pass() {
        let hooks = Outbound::new(&["http://127.0.0.1:8080".into(), "https://api.openai.com".into()]);
        let allows = |uri: &str| hooks.allows(&uri.parse().expect("a URI"));
        assert!(allows("http://127.0.0.1:8080/v1/chat"));
        assert!(allows("https://api.openai.com/v1/chat"));
        assert!(allows("https://api.openai.com:443/v1"));
        assert!(!allows("http://127.0.0.1:8081/"));
        assert!(!allows("http://api.openai.com/v1"));
        assert!(!allows("https://evil.example/"));
    }
}
