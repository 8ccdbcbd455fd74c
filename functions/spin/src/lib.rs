//! nl2sql on Fermyon Spin: one HTTP component (spin-sdk 7, WASIp3 `wasi:http/handler@0.3.0`) that hands every
//! request to the core's router unchanged.
//!
//! Why so little here: the core owns every route, status and error body; a host only builds the ports and
//! converts requests. The ports on Spin are key-value storage ([`SpinKvStore`], `spin:key-value@3.0.0`),
//! outbound HTTP ([`SpinHttp`], allowed hosts only), the WASI clocks ([`SpinClock`]) and no SQL source (a Spin
//! component cannot open arbitrary database connections, so databases are registered by DDL). Configuration
//! comes from Spin variables ([`config`]). One route is the host's own: the scheduled statistics refresh
//! ([`refresh`]), which a scheduler calls because Spin has no timer of its own inside a component.
//!
//! Everything is built once per component instance and reused by the requests that instance serves.

mod clock;
pub mod config;
#[cfg(feature = "conformance")]
mod conformance;
mod http;
mod kv;
pub mod refresh;

pub use clock::SpinClock;
pub use http::SpinHttp;
pub use kv::SpinKvStore;

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
        conformance::STORE_PATH => conformance::store_suite().await,
        #[cfg(feature = "conformance")]
        conformance::OUTBOUND_PATH => conformance::outbound(&request).await,
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
