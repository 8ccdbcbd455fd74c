//! The [`SqlSource`] on Lambda: a connection name is an environment variable holding a `postgres://` URL.
//!
//! On AWS the variables come from the template's parameters: `DatabaseUrlSecret` names a Secrets Manager secret
//! whose value CloudFormation resolves into `DATABASE_URL` at deploy time (see `infra/aws/template.yaml`). The
//! URL never enters the store, the logs or error messages; the statement path is the one the local host uses
//! (`nl2sql-sql-postgres`).

use nl2sql_core::ports::{QueryOptions, Rows, SqlSource};
use nl2sql_core::{Error, Result};

/// Resolves connection names through the process environment.
#[derive(Debug, Default, Clone, Copy)]
pub struct LambdaSql;

#[async_trait::async_trait]
impl SqlSource for LambdaSql {
    async fn query(&self, connection: &str, sql: &str, options: QueryOptions) -> Result<Rows> {
        let url = std::env::var(connection).ok().filter(|u| !u.is_empty()).ok_or_else(|| {
            Error::bad_request(
                "unknown_connection",
                format!("connection secret `{connection}` is not set in the function's environment"),
            )
        })?;
        if !nl2sql_sql_postgres::is_postgres_url(&url) {
            return Err(Error::bad_request(
                "invalid_connection",
                format!("connection `{connection}` must be a postgres:// URL on AWS Lambda"),
            ));
        }
        nl2sql_sql_postgres::run(connection, &url, sql, options).await
    }
}
