//! The ports of one invocation, built from the Worker's bindings, and the request/response conversions.

use crate::clock::JsClock;
use crate::d1::D1Sql;
use crate::fetch::FetchHttp;
use crate::kv::KvStore;
use crate::settings;
use nl2sql_core::api;
use nl2sql_core::ports::{Clock, Ports};
use nl2sql_core::{Config, Error, Result};
use std::cell::Cell;
use worker::{Env, js_sys};

thread_local! {
    /// When this isolate served its first event (unix ms): the startup probe's uptime.
    static STARTED_AT_MS: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Everything an invocation needs.
pub struct Host {
    config: Config,
    store: KvStore,
    http: FetchHttp,
    clock: JsClock,
    sql: D1Sql,
    started_at_ms: i64,
}

/// A variable or secret of the Worker.
pub fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string())
}

/// The [`settings::CONFIG_VAR`] binding as JSON text: an object binding (`[vars.NL2SQL_CONFIG...]` tables)
/// stringified, a string binding (JSON text, e.g. a secret) as it is; `None` when unbound.
fn config_json(env: &Env) -> Option<String> {
    let value = js_sys::Reflect::get(env, &settings::CONFIG_VAR.into()).ok().filter(|v| !v.is_undefined())?;
    value.as_string().or_else(|| js_sys::JSON::stringify(&value).ok().map(String::from))
}

impl Host {
    /// Reads the configuration ([`settings::load_config`]) and binds the KV namespace [`settings::KV_BINDING`].
    pub fn from_env(env: &Env) -> Result<Self> {
        let clock = JsClock;
        let started_at_ms = STARTED_AT_MS.with(|s| *s.get().get_or_insert(clock.now_ms()));
        let (mut config, unknown) = settings::load_config(config_json(env).as_deref(), &|name| var(env, name))?;
        let ai_bound = js_sys::Reflect::get(env, &settings::AI_BINDING.into()).is_ok_and(|v| !v.is_undefined());
        if ai_bound {
            settings::join_workers_ai(&mut config);
        }
        for key in unknown {
            crate::log("warn", "unknown configuration key ignored", serde_json::json!({ "key": key }));
        }
        let kv = env
            .kv(settings::KV_BINDING)
            .map_err(|_| Error::Config(format!("the Worker has no KV namespace bound as {}", settings::KV_BINDING)))?;
        Ok(Self {
            config,
            store: KvStore::new(kv),
            http: FetchHttp::new(env.clone()),
            clock,
            sql: D1Sql::new(env.clone()),
            started_at_ms,
        })
    }

    /// The ports for [`nl2sql_core::router::handle`] and the refresh manager.
    pub fn ports(&self) -> Ports<'_> {
        Ports {
            config: &self.config,
            store: &self.store,
            http: &self.http,
            clock: &self.clock,
            sql: &self.sql,
            started_at_ms: self.started_at_ms,
        }
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

/// The core request of a Worker request: exact method, raw path and query, headers, body bytes.
pub async fn to_core(request: &mut worker::Request) -> worker::Result<api::Request> {
    // The URL workerd hands over is already normalised; splitting it here keeps the `url` crate (and its IDNA
    // tables) out of the wasm.
    let url = request.inner().url();
    let (path, query) = crate::wire::path_and_query(&url);
    Ok(api::Request {
        method: request.inner().method(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers: request.headers().entries().collect(),
        body: request.bytes().await?,
    })
}

/// The Worker response of a core response.
pub fn from_core(response: api::Response) -> worker::Result<worker::Response> {
    let headers = worker::Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    Ok(worker::Response::from_bytes(response.body)?.with_status(response.status).with_headers(headers))
}
