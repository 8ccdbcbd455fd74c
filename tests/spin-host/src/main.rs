//! `nl2sql-spin-host`: a test-only Spin host. It runs the real nl2sql Spin component (a WASIp3
//! `wasi:http/service`) on wasmtime and serves it over HTTP, implementing the Spin imports the component uses:
//! `spin:key-value@3.0.0` on a SQLite file and `spin:variables@3.0.0` from `SPIN_VARIABLE_*` environment
//! variables.
//!
//! Why it exists: the `spin` CLI cannot be installed in the test environment, and `wasmtime serve` has no
//! Spin key-value. This is test code, never part of the product: the product is the component and
//! `infra/spin/spin.toml`, which run on Spin itself.
//!
//! Spin's behaviour it keeps: a fresh component instance per request; only granted store labels open; only
//! allowed outbound origins are reachable; variables come from the environment provider.
//!
//! ```text
//! nl2sql-spin-host --component nl2sql_spin.wasm --listen 127.0.0.1:3000 --kv-file kv.sqlite \
//!     [--kv-label default]... [--allow-outbound http://127.0.0.1:8080]... [--env NAME=VALUE]... \
//!     [--cache-dir DIR]
//! ```
//!
//! `--cache-dir` keeps wasmtime's compiled code between runs (a restart then starts in under a second).
//! `--manifest spin.toml --component-id ID` takes the component's store labels, allowed hosts and variables from
//! a Spin manifest ([`manifest`]); `--kv-label` and `--allow-outbound` add to them.
//!
//! It prints `listening on http://<addr>` once it accepts connections. `nl2sql-spin-host cron --component
//! cron.wasm [--allow-outbound ...]` instead runs one tick of Spin's cron trigger on a cron component
//! ([`cron`]).

mod cron;
mod kv;
mod manifest;
mod outbound;
mod variables;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{Engine, Store};
use wasmtime::{bail, format_err};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p3::bindings::{Service, ServicePre};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "nl2sql:spin-host/host",
        imports: { default: trappable },
        with: { "spin:key-value/key-value.store": crate::kv::OpenStore },
    });
}

/// What every request's store shares.
struct Shared {
    /// The key-value file; `None` in `cron` mode, whose components open no store.
    kv: Option<kv::KvFile>,
    kv_labels: Vec<String>,
    variables: BTreeMap<String, String>,
    allowed_outbound: Vec<String>,
    env: Vec<(String, String)>,
}

/// One request's store data.
struct State {
    shared: Arc<Shared>,
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    outbound: outbound::Outbound,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.outbound }
    }
}

struct Args {
    cron: bool,
    component: PathBuf,
    listen: SocketAddr,
    kv_file: Option<PathBuf>,
    kv_labels: Vec<String>,
    allowed_outbound: Vec<String>,
    env: Vec<(String, String)>,
    cache_dir: Option<PathBuf>,
    manifest: Option<(PathBuf, String)>,
}

fn args() -> wasmtime::Result<Args> {
    let (mut component, mut listen, mut kv_file, mut cache_dir) = (None, None, None, None);
    let (mut manifest, mut component_id) = (None, None);
    let (mut kv_labels, mut allowed_outbound, mut env) = (Vec::new(), Vec::new(), Vec::new());
    let mut args = std::env::args().skip(1).peekable();
    let cron = args.next_if(|a| a == "cron").is_some();
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--component" => component = Some(PathBuf::from(value()?)),
            "--listen" => listen = Some(value()?.parse::<SocketAddr>().context("--listen takes host:port")?),
            "--kv-file" => kv_file = Some(PathBuf::from(value()?)),
            "--cache-dir" => cache_dir = Some(PathBuf::from(value()?)),
            "--manifest" => manifest = Some(PathBuf::from(value()?)),
            "--component-id" => component_id = Some(value()?),
            "--kv-label" => kv_labels.push(value()?),
            "--allow-outbound" => allowed_outbound.push(value()?),
            "--env" => {
                let pair = value()?;
                let (k, v) = pair.split_once('=').context("--env takes NAME=VALUE")?;
                env.push((k.to_owned(), v.to_owned()));
            }
            other => bail!("unknown argument `{other}`"),
        }
    }
    let manifest = match (manifest, component_id) {
        (Some(path), Some(id)) => Some((path, id)),
        (None, None) => None,
        _ => bail!("--manifest and --component-id go together"),
    };
    if kv_labels.is_empty() && manifest.is_none() {
        kv_labels.push("default".into());
    }
    if kv_file.is_none() && !cron {
        bail!("--kv-file <path> is required");
    }
    Ok(Args {
        cron,
        component: component.context("--component <file.wasm> is required")?,
        listen: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000))),
        kv_file,
        kv_labels,
        allowed_outbound,
        env,
        cache_dir,
        manifest,
    })
}

#[tokio::main]
async fn main() -> wasmtime::Result<()> {
    let mut args = args()?;
    let variables = match &args.manifest {
        Some((path, id)) => {
            let grants = manifest::grants(path, id, &variables::from_env())?;
            args.kv_labels.extend(grants.kv_labels);
            args.allowed_outbound.extend(grants.allowed_outbound);
            grants.variables
        }
        None => variables::from_env(),
    };
    let mut config = wasmtime::Config::new();
    config.wasm_component_model_async(true);
    if let Some(dir) = &args.cache_dir {
        let mut cache = wasmtime::CacheConfig::new();
        cache.with_directory(std::path::absolute(dir)?);
        config.cache(Some(wasmtime::Cache::new(cache)?));
    }
    let engine = Engine::new(&config)?;
    let component = Component::from_file(&engine, &args.component)
        .with_context(|| format!("loading the component {}", args.component.display()))?;
    let shared = Arc::new(Shared {
        kv: args.kv_file.as_deref().map(kv::KvFile::open).transpose()?,
        kv_labels: args.kv_labels,
        variables,
        allowed_outbound: args.allowed_outbound,
        env: args.env,
    });
    if args.cron {
        return match cron::tick(&engine, &component, shared).await? {
            Ok(()) => Ok(()),
            Err(message) => {
                eprintln!("spin-host: the cron component failed: {message}");
                std::process::exit(1)
            }
        };
    }

    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
    bindings::spin::key_value::key_value::add_to_linker::<_, HasSelf<State>>(&mut linker, |s| s)?;
    bindings::spin::variables::variables::add_to_linker::<_, HasSelf<State>>(&mut linker, |s| s)?;
    let pre = ServicePre::new(linker.instantiate_pre(&component).context("linking the component")?)?;

    let listener = TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let (pre, shared) = (pre.clone(), shared.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let (pre, shared) = (pre.clone(), shared.clone());
                async move { Ok::<_, std::convert::Infallible>(respond(&pre, shared, request).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await {
                eprintln!("spin-host: connection error: {e}");
            }
        });
    }
}

/// Answers one request; a trap or host failure is a 500 with the reason in the body, as Spin answers it.
async fn respond(
    pre: &ServicePre<State>,
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> hyper::Response<Full<Bytes>> {
    match handle(pre, shared, request).await {
        Ok(response) => response,
        Err(e) => {
            eprintln!("spin-host: request failed: {e:?}");
            let mut response = hyper::Response::new(Full::new(Bytes::from(format!("{e:#}\n"))));
            *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

async fn handle(
    pre: &ServicePre<State>,
    shared: Arc<Shared>,
    request: hyper::Request<Incoming>,
) -> wasmtime::Result<hyper::Response<Full<Bytes>>> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.context("reading the request body")?.to_bytes();
    // The component sees an absolute URI, as behind Spin's HTTP trigger.
    let mut request = hyper::Request::from_parts(parts, Full::new(body));
    let authority = request.headers().get(hyper::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    *request.uri_mut() = format!("http://{authority}{path}").parse::<http::Uri>().context("the request URI")?;

    let mut wasi = WasiCtx::builder();
    wasi.inherit_stdout().inherit_stderr();
    for (k, v) in &shared.env {
        wasi.env(k, v);
    }
    let outbound = outbound::Outbound::new(&shared.allowed_outbound);
    let state = State { shared, table: ResourceTable::new(), wasi: wasi.build(), http: WasiHttpCtx::new(), outbound };
    let mut store = Store::new(pre.engine(), state);
    let service: Service = pre.instantiate_async(&mut store).await.context("instantiating the component")?;
    let (request, request_io) = wasmtime_wasi_http::p3::Request::from_http(&mut store.data_mut().outbound, request);
    store
        .run_concurrent(async |store| {
            let answer = async {
                let response = match service.handle(store, request).await? {
                    Ok(response) => response,
                    Err(code) => bail!("the component answered with an error code: {code:?}"),
                };
                let response = store.with(|store| response.into_http(store, async { Ok(()) }))?;
                let (parts, body) = response.into_parts();
                let body = body.collect().await.map_err(|e| format_err!("reading the component's response: {e}"))?;
                Ok(hyper::Response::from_parts(parts, Full::new(body.to_bytes())))
            };
            // A component may stop reading a request body early (e.g. past its size limit): not a host error.
            let (response, request_body) = tokio::join!(answer, request_io);
            if let Err(e) = request_body {
                eprintln!("spin-host: request body not read to the end: {e}");
            }
            response
        })
        .await?
}
