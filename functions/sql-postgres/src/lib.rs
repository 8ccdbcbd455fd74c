//! The PostgreSQL [`SqlSource`](nl2sql_core::ports::SqlSource) plumbing shared by the hosts that can open TCP
//! connections (the local server and AWS Lambda): tokio-postgres, no TLS in this build, one connection per
//! statement.
//!
//! Why a crate of its own: both hosts resolve connection names differently (the local host also knows SQLite
//! files and the bundled demo) but must run statements identically, so the statement path lives here once.
//!
//! Each statement runs in a `READ ONLY` transaction with a `statement_timeout`. It is prepared first (which
//! refuses more than one statement and yields the column types), then read through a cursor so the server
//! stops after `max_rows + 1` rows. Values travel as text (simple query protocol) and become JSON by column
//! type: integers and floats are numbers, `numeric` a number when it fits, `bool` a bool, the rest text.

use nl2sql_core::ports::{QueryOptions, Rows};
use nl2sql_core::{Error, Result};
use serde_json::Value;
use std::time::Duration;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{Kind, Type};
use tokio_postgres::{Client, Config, NoTls, SimpleQueryMessage};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Beyond the server-side `statement_timeout`, for a server that stops answering altogether.
const GRACE: Duration = Duration::from_secs(5);

/// Whether `url` is a PostgreSQL connection URL this crate can open.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Runs `sql` against the database at `url`, the secret behind connection `name`. Messages never contain the
/// password.
pub async fn run(name: &str, url: &str, sql: &str, options: QueryOptions) -> Result<Rows> {
    let mut secrets: Vec<String> = password_in_url(url).into_iter().collect();
    let mut config: Config = url.parse().map_err(|e| {
        Error::Database(redact(format!("connection `{name}` is not a valid PostgreSQL URL: {}", chain(&e)), &secrets))
    })?;
    secrets.extend(config.get_password().map(|p| String::from_utf8_lossy(p).into_owned()));
    config.connect_timeout(CONNECT_TIMEOUT);
    let (client, connection) = config.connect(NoTls).await.map_err(|e| {
        Error::Database(redact(format!("cannot connect to PostgreSQL (connection `{name}`): {}", chain(&e)), &secrets))
    })?;
    // The connection task ends by itself once `client` is dropped.
    tokio::spawn(connection);
    let limit = Duration::from_millis(options.timeout_ms) + GRACE;
    tokio::time::timeout(limit, fetch(&client, sql, options)).await.unwrap_or_else(|_| Err(timed_out(options)))
}

async fn fetch(client: &Client, sql: &str, options: QueryOptions) -> Result<Rows> {
    let fail = |e: tokio_postgres::Error| statement_error(&e, options);
    let timeout = options.timeout_ms.max(1);
    client.batch_execute(&format!("BEGIN READ ONLY; SET LOCAL statement_timeout = {timeout}")).await.map_err(fail)?;
    let statement = client.prepare(sql).await.map_err(fail)?;
    let types: Vec<Type> = statement.columns().iter().map(|c| c.type_().clone()).collect();
    let columns = statement.columns().iter().map(|c| c.name().to_owned()).collect();
    // A cursor holds only queries: DML, DDL and data-modifying WITH fail here although they prepare.
    client.batch_execute(&format!("DECLARE nl2sql_rows NO SCROLL CURSOR FOR {sql}")).await.map_err(|e| {
        match e.as_db_error() {
            Some(db) if [SqlState::SYNTAX_ERROR, SqlState::FEATURE_NOT_SUPPORTED].contains(db.code()) => {
                Error::UnsafeSql(format!("only read-only queries may run ({})", db.message()))
            }
            _ => fail(e),
        }
    })?;
    let fetch = format!("FETCH FORWARD {} FROM nl2sql_rows", options.max_rows.saturating_add(1).min(i64::MAX as usize));
    let messages = client.simple_query(&fetch).await.map_err(fail)?;

    let mut out = Rows { columns, rows: Vec::new(), truncated: false };
    for message in messages {
        let SimpleQueryMessage::Row(row) = message else { continue };
        if out.rows.len() == options.max_rows {
            out.truncated = true;
            break;
        }
        out.rows.push(types.iter().enumerate().map(|(i, ty)| json_value(row.get(i), ty)).collect());
    }
    Ok(out)
}

/// A value in PostgreSQL's text form as JSON, by its column type.
fn json_value(text: Option<&str>, ty: &Type) -> Value {
    const NUMBERS: [Type; 7] =
        [Type::INT2, Type::INT4, Type::INT8, Type::OID, Type::FLOAT4, Type::FLOAT8, Type::NUMERIC];
    let Some(text) = text else { return Value::Null };
    let ty = base(ty);
    if NUMBERS.contains(ty) {
        number(text)
    } else if *ty == Type::BOOL {
        Value::Bool(text == "t")
    } else {
        text.into()
    }
}

/// Integers exactly, other numbers as f64; text when neither fits (NaN, Infinity, huge values).
fn number(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return i.into();
    }
    text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or_else(|| text.into(), Value::Number)
}

/// The type under any domains.
fn base(ty: &Type) -> &Type {
    match ty.kind() {
        Kind::Domain(inner) => base(inner),
        _ => ty,
    }
}

fn timed_out(options: QueryOptions) -> Error {
    Error::Database(format!("statement timed out after {} ms", options.timeout_ms))
}

/// Errors of the statement itself are the SQL's fault; the server's own troubles are database errors.
fn statement_error(e: &tokio_postgres::Error, options: QueryOptions) -> Error {
    let Some(db) = e.as_db_error() else {
        return Error::Database(format!("PostgreSQL connection failed: {}", chain(e)));
    };
    let mut message = db.message().to_owned();
    if let Some(hint) = db.hint() {
        message = format!("{message} (hint: {hint})");
    }
    let code = db.code();
    if *code == SqlState::QUERY_CANCELED {
        timed_out(options)
    } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        Error::UnsafeSql(format!("only read-only statements may run: {message}"))
    } else if ["08", "40", "53", "55", "57", "58", "XX"].iter().any(|class| code.code().starts_with(class)) {
        Error::Database(message)
    } else {
        Error::InvalidSql(message)
    }
}

/// An error and its sources, `: `-separated (tokio-postgres puts the cause in the source).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// The password of a `scheme://user:password@host/...` URL, as written.
fn password_in_url(url: &str) -> Option<String> {
    let authority = url.split_once("://")?.1.split(['/', '?']).next()?;
    let password = authority.rsplit_once('@')?.0.split_once(':')?.1;
    (!password.is_empty()).then(|| password.to_owned())
}

/// `message` with every secret replaced, should a library ever echo one.
fn redact(mut message: String, secrets: &[String]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        message = message.replace(secret.as_str(), "***");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_column_types() {
        assert_eq!(json_value(None, &Type::INT4), Value::Null);
        assert_eq!(json_value(Some("3503"), &Type::INT8), Value::from(3503));
        assert_eq!(json_value(Some("0.99"), &Type::NUMERIC), Value::from(0.99));
        assert_eq!(json_value(Some("NaN"), &Type::NUMERIC), Value::from("NaN"));
        assert_eq!(json_value(Some("t"), &Type::BOOL), Value::Bool(true));
        assert_eq!(json_value(Some("42"), &Type::VARCHAR), Value::from("42"));
        assert_eq!(json_value(Some("2009-01-01 00:00:00"), &Type::TIMESTAMP), Value::from("2009-01-01 00:00:00"));
    }

    #[test]
    fn passwords_never_survive_in_messages() {
        let url = "postgres://app:s3cr%40t@db.internal:5432/sales";
        let secrets: Vec<String> = password_in_url(url).into_iter().collect();
        assert_eq!(secrets, ["s3cr%40t"]);
        assert_eq!(
            redact(format!("failed for {url}"), &secrets),
            "failed for postgres://app:***@db.internal:5432/sales"
        );
        assert_eq!(password_in_url("postgres://app@db/sales"), None);
        assert_eq!(password_in_url("postgresql://db:5432/sales"), None);
    }
}
