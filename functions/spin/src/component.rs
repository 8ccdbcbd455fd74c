//! The component itself: the per-instance [`Host`] and the `wasi:http/handler` export (wasm32 only).

use crate::{SpinClock, SpinHttp, SpinKvStore, clock, config, kv, refresh};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use nl2sql_core::api::{Request, Response};
use nl2sql_core::ports::{NoSqlSource, Ports};
use nl2sql_core::{Config, Error, Result};
use std::cell::OnceCell;
use std::rc::Rc;

/// The ports and settings of one component instance.
struct Host {
    config: Config,
    store: SpinKvStore,
    refresh_token: Option<String>,
    started_at_ms: i64,
}

impl Host {
    async fn load() -> Result<Self> {
        let started_at_ms = clock::now_ms();
        let config = config::load().await?;
        let store = SpinKvStore::open(kv::DEFAULT_LABEL).await?;
        let refresh_token = config::lookup(refresh::TOKEN_VARIABLE).await;
        Ok(Self { config, store, refresh_token, started_at_ms })
    }

    fn ports(&self) -> Ports<'_> {
        Ports {
            config: &self.config,
            store: &self.store,
            http: &SpinHttp,
            clock: &SpinClock,
            sql: &NoSqlSource,
            started_at_ms: self.started_at_ms,
        }
    }
}

thread_local! {
    static HOST: OnceCell<Rc<Host>> = const { OnceCell::new() };
}

/// This instance's host, built by its first request. A failure is not kept: the next request tries again.
async fn host() -> Result<Rc<Host>> {
    if let Some(host) = HOST.with(|cell| cell.get().cloned()) {
        return Ok(host);
    }
    let host = Rc::new(Host::load().await?);
    Ok(HOST.with(|cell| cell.get_or_init(|| host).clone()))
}

#[spin_sdk::http_service]
async fn handle(request: spin_sdk::http::Request) -> ::http::Response<Full<Bytes>> {
    let started = clock::now_ms();
    let (method, path) = (request.method().to_string(), request.uri().path().to_owned());
    let response = match host().await {
        Ok(host) => serve(&host, request).await,
        Err(e) => {
            eprintln!("nl2sql: cannot start: {e}");
            Response::error(&e)
        }
    };
    eprintln!("nl2sql: {method} {path} {} {}ms", response.status, clock::now_ms() - started);
    // An instance serves one request, so `/metrics` would show only that one: what the core recorded goes to the
    // component's log as one JSON line (Spin writes component output to its log files; SpinKube to the pod's).
    if let Some(line) = nl2sql_core::metrics::log_line(&nl2sql_core::metrics::flush(), clock::now_ms()) {
        println!("{line}");
    }
    into_http(response)
}

async fn serve(host: &Host, request: spin_sdk::http::Request) -> Response {
    let max = host.config.nl2sql.max_body_bytes;
    let (parts, body) = request.into_parts();
    // Read one byte past the limit at most: the core answers 413 for anything longer than `max`.
    let body = match Limited::new(body, max).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(e) if e.is::<LengthLimitError>() => return Response::error(&Error::PayloadTooLarge { size: max + 1, max }),
        Err(e) => return Response::error(&Error::bad_request("invalid_body", format!("reading the body: {e}"))),
    };
    let request = Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
            .collect(),
        body,
    };
    let ports = host.ports();
    let answer = match request.path.as_str() {
        refresh::PATH => refresh::handle(&request, &ports, host.refresh_token.as_deref()).await,
        #[cfg(feature = "conformance")]
        crate::conformance::STORE_PATH => crate::conformance::store_suite().await,
        #[cfg(feature = "conformance")]
        crate::conformance::OUTBOUND_PATH => crate::conformance::outbound(&request).await,
        _ => Ok(nl2sql_core::router::handle(request, &ports).await),
    };
    answer.unwrap_or_else(|e| Response::error(&e))
}

fn into_http(response: Response) -> ::http::Response<Full<Bytes>> {
    let mut out = ::http::Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() =
        ::http::StatusCode::from_u16(response.status).unwrap_or(::http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (::http::HeaderName::try_from(name), ::http::HeaderValue::try_from(value)) {
            out.headers_mut().insert(name, value);
        }
    }
    out
}
