//! The local host's process state: configuration, adapters, the bundled demo database.

use crate::clock::SystemClock;
use crate::sql::{DEMO, LocalSql};
use crate::store::FileStore;
use anyhow::Context;
use nl2sql_core::api::RegisterRequest;
use nl2sql_core::auth::Principal;
use nl2sql_core::ports::{Clock, Ports};
use nl2sql_core::{Config, databases, router::DEFAULT_TENANT};
use nl2sql_http_reqwest::ReqwestHttp;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The Chinook sample database (MIT licence, see assets/CHINOOK-LICENSE.md).
const CHINOOK: &[u8] = include_bytes!("../assets/chinook.sqlite");

/// Everything a request needs, built once per process.
pub(crate) struct App {
    config: Config,
    /// The tenant the CLI acts for (`--tenant`); the server authenticates each request instead.
    principal: Principal,
    store: FileStore,
    clock: Arc<SystemClock>,
    sql: LocalSql,
    http: ReqwestHttp,
    started_at_ms: i64,
}

impl App {
    /// Opens the data directory, the store and the demo database, registering `demo` on first start.
    pub(crate) async fn open(config: Config, data_dir: &Path, tenant: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            nl2sql_core::keys::valid_name(tenant),
            "--tenant `{tenant}` must be 1-64 of A-Z a-z 0-9 _ -, not starting with _"
        );
        std::fs::create_dir_all(data_dir).with_context(|| format!("creating data directory {}", data_dir.display()))?;
        let clock = Arc::new(SystemClock);
        let store = FileStore::open(&data_dir.join("store.sqlite"), clock.clone())
            .with_context(|| format!("opening the store in {}", data_dir.display()))?;
        let demo_path = install_demo(data_dir)?;
        let principal = Principal::local(tenant);
        let app = Self {
            config,
            principal,
            store,
            started_at_ms: clock.now_ms(),
            clock,
            sql: LocalSql::new(demo_path),
            http: ReqwestHttp::default(),
        };
        let ports = app.ports();
        if databases::record(&ports, DEFAULT_TENANT, DEMO).await?.is_none() {
            let request = RegisterRequest { dialect: "sqlite".into(), connection: Some(DEMO.into()), ddl: None };
            let record = databases::register(&ports, DEFAULT_TENANT, DEMO, &request).await?.database;
            tracing::info!(database = DEMO, tables = record.tables, fingerprint = %record.fingerprint, "registered the demo database");
        }
        Ok(app)
    }

    /// The ports for [`nl2sql_core::router::handle`].
    pub(crate) fn ports(&self) -> Ports<'_> {
        Ports {
            config: &self.config,
            store: &self.store,
            http: &self.http,
            clock: self.clock.as_ref(),
            sql: &self.sql,
            started_at_ms: self.started_at_ms,
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// The tenant the CLI acts for.
    pub(crate) fn tenant(&self) -> &str {
        &self.principal.tenant
    }

    /// A request from the CLI: through the router as an admin of `--tenant`, without authentication (the CLI
    /// opens the store itself, so a key would protect nothing).
    pub(crate) async fn call(&self, request: nl2sql_core::api::Request) -> nl2sql_core::api::Response {
        nl2sql_core::router::handle_as(request, &self.ports(), &self.principal).await
    }
}

/// Writes the bundled Chinook file into the data directory unless an identical copy is there.
fn install_demo(data_dir: &Path) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("demo-chinook.sqlite");
    let current = std::fs::metadata(&path).map(|m| m.len()).ok();
    if current != Some(CHINOOK.len() as u64) {
        let tmp = data_dir.join("demo-chinook.sqlite.tmp");
        std::fs::write(&tmp, CHINOOK).context("writing the demo database")?;
        std::fs::rename(&tmp, &path).context("installing the demo database")?;
    }
    Ok(path)
}

/// `--data-dir`, else `$XDG_DATA_HOME/nl2sql`, else `~/.local/share/nl2sql`, else `./.nl2sql`.
pub(crate) fn default_data_dir() -> PathBuf {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("nl2sql");
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home).join(".local/share/nl2sql"),
        None => PathBuf::from(".nl2sql"),
    }
}

/// Loads the configuration file, or the defaults when none is given. Unknown keys are logged, not fatal.
pub(crate) fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let Some(path) = path else { return Ok(Config::default()) };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let loaded = Config::from_toml(&text, &|name| std::env::var(name).ok())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    for key in &loaded.unknown_keys {
        tracing::warn!(key = %key, file = %path.display(), "unknown configuration key ignored");
    }
    Ok(loaded.config)
}
