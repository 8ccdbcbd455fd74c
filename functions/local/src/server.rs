//! The local HTTP host: axum hands every request to the core's router unchanged.

use crate::app::App;
use crate::playground::Playground;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use nl2sql_core::Error;
use nl2sql_core::api::{Request, Response};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Serves until Ctrl-C / SIGTERM.
pub(crate) async fn serve(app: App, addr: SocketAddr) -> anyhow::Result<()> {
    check_binding(addr, app.config())?;
    let app = Arc::new(app);
    crate::stats::schedule(app.clone());
    // The playground (docs/wasm.md): `NL2SQL_PLAYGROUND_DIR`, else the checkout's `wasm/`.
    let playground = Arc::new(Playground::find(std::env::var_os("NL2SQL_PLAYGROUND_DIR").map(PathBuf::from)));
    match playground.as_ref() {
        Some(p) if p.has_package() => tracing::info!(dir = %p.root().display(), "serving the playground at /"),
        Some(p) => tracing::warn!(dir = %p.root().display(), "the playground's package is not built (wasm/build.sh)"),
        None => tracing::info!("no playground directory (NL2SQL_PLAYGROUND_DIR): / is not served"),
    }
    let router = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (app, playground) = (app.clone(), playground.clone());
        async move {
            match static_file(playground.as_ref().as_ref(), &req) {
                Some(response) => response,
                None => dispatch(&app, req).await,
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "nl2sql listening");
    axum::serve(listener, router).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

/// Without authentication ([security] api_keys, jwt_secret) the server only serves loopback, with a warning;
/// any other address is refused.
fn check_binding(addr: SocketAddr, config: &nl2sql_core::Config) -> anyhow::Result<()> {
    if nl2sql_core::auth::enabled(&config.security) {
        return Ok(());
    }
    if !addr.ip().is_loopback() {
        anyhow::bail!(
            "refusing to listen on {addr} without authentication: configure [security] api_keys (`nl2sql key new \
             --tenant <name> --role admin` prints one) or jwt_secret, or listen on loopback (127.0.0.1 or ::1)"
        );
    }
    tracing::warn!(%addr, "serving without authentication (no [security] api_keys or jwt_secret): loopback only");
    Ok(())
}

async fn dispatch(app: &App, req: axum::extract::Request) -> axum::response::Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let max = app.config().nl2sql.max_body_bytes;
    let response = match to_bytes(body, max).await {
        Ok(bytes) => {
            let request = Request {
                method: parts.method.as_str().to_owned(),
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().unwrap_or_default().to_owned(),
                headers: parts
                    .headers
                    .iter()
                    .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                    .collect(),
                body: bytes.to_vec(),
            };
            nl2sql_core::router::handle(request, &app.ports()).await
        }
        // to_bytes only fails on the length limit or a broken connection; either way the body is unusable.
        Err(_) => Response::error(&Error::PayloadTooLarge { size: max + 1, max }),
    };
    tracing::info!(
        method = %parts.method,
        path = parts.uri.path(),
        status = response.status,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    into_axum(response)
}

/// A playground file for a GET or HEAD, when the path names one (the API never does).
fn static_file(playground: Option<&Playground>, req: &axum::extract::Request) -> Option<axum::response::Response> {
    let method = req.method();
    if method != axum::http::Method::GET && method != axum::http::Method::HEAD {
        return None;
    }
    let (bytes, content_type) = playground?.file(req.uri().path())?;
    let mut response = axum::response::Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Some(response)
}

fn into_axum(response: Response) -> axum::response::Response {
    let mut out = axum::response::Response::new(Body::from(response.body));
    *out.status_mut() = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            out.headers_mut().insert(name, value);
        }
    }
    out
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
