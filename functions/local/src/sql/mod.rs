//! The local [`SqlSource`]: resolves a connection name to a database and runs one read-only statement.
//!
//! Names resolve from the environment (`NAME=sqlite:///path/to.db` or `NAME=postgres://user:pw@host/db`); the
//! name `demo` is the bundled Chinook database. URLs never enter the store, the logs or error messages.

mod sqlite;

use nl2sql_core::ports::{QueryOptions, Rows, SqlSource};
use nl2sql_core::{Error, Result};
use std::path::PathBuf;

/// Connection name of the bundled demo database.
pub(crate) const DEMO: &str = "demo";

/// Resolves names through the process environment, `demo` to the bundled file.
pub(crate) struct LocalSql {
    demo_path: PathBuf,
}

/// Where a connection name leads.
enum Target {
    Sqlite(PathBuf),
    /// A `postgres://` / `postgresql://` URL (a secret).
    Postgres(String),
}

impl LocalSql {
    pub(crate) fn new(demo_path: PathBuf) -> Self {
        Self { demo_path }
    }

    fn resolve(&self, name: &str) -> Result<Target> {
        if name == DEMO {
            return Ok(Target::Sqlite(self.demo_path.clone()));
        }
        let url = std::env::var(name).map_err(|_| {
            Error::bad_request(
                "unknown_connection",
                format!("connection secret `{name}` is not set in the host's environment"),
            )
        })?;
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if nl2sql_sql_postgres::is_postgres_url(&url) {
            return Ok(Target::Postgres(url));
        }
        Err(Error::bad_request(
            "invalid_connection",
            format!("connection `{name}` must be a sqlite:// or postgres:// URL"),
        ))
    }
}

#[async_trait::async_trait]
impl SqlSource for LocalSql {
    async fn query(&self, connection: &str, sql: &str, options: QueryOptions) -> Result<Rows> {
        match self.resolve(connection)? {
            Target::Sqlite(path) => {
                let sql = sql.to_owned();
                tokio::task::spawn_blocking(move || sqlite::run(&path, &sql, options))
                    .await
                    .map_err(|e| Error::Internal(format!("query task failed: {e}")))?
            }
            Target::Postgres(url) => nl2sql_sql_postgres::run(connection, &url, sql, options).await,
        }
    }
}
