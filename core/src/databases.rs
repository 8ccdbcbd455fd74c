//! Registered databases and their store layout.
//!
//! Per tenant and database (partition `tenant#database`):
//! - `schema#<fingerprint>`: the catalog and example values. Content-addressed, so writing it twice is harmless.
//! - in partition `tenant#_registry`, `database#<name>`: the [`DatabaseRecord`], written last. It is the commit
//!   point: a registration interrupted before it leaves only an unreferenced schema item, never a half-registered
//!   database.

use crate::api::RegisterRequest;
use crate::catalog::{Catalog, Dialect, Samples};
use crate::error::{Error, Result};
use crate::introspect;
use crate::ports::{Ports, Precondition};
use serde::{Deserialize, Serialize};

/// Values collected per text column for literal matching.
const SAMPLE_VALUES: usize = 50;

/// The registry entry of a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseRecord {
    /// Database name, unique per tenant.
    pub name: String,
    /// Its dialect.
    pub dialect: Dialect,
    /// Connection secret name the host resolves, when registered from a live database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Fingerprint of the current catalog.
    pub fingerprint: String,
    /// Number of tables.
    pub tables: usize,
    /// When the current catalog was registered.
    pub registered_at: String,
}

/// A catalog with its example values, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Schema {
    /// The catalog.
    pub catalog: Catalog,
    /// Example values of text columns.
    #[serde(default)]
    pub samples: Samples,
}

/// Partition key of one database of one tenant.
pub fn partition(tenant: &str, database: &str) -> String {
    format!("{tenant}#{database}")
}

fn registry(tenant: &str) -> String {
    format!("{tenant}#_registry")
}

/// Checks a user-chosen name: 1-64 of `[A-Za-z0-9_-]`, not starting with `_` (reserved).
pub fn validate_name(what: &'static str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::bad_request(
            "invalid_name",
            format!(
                "{what} name `{}` must be 1-64 characters of A-Z, a-z, 0-9, _ and -, not starting with _",
                name.chars().take(80).collect::<String>()
            ),
        ))
    }
}

/// Registers (or re-registers) `name` by introspecting its live connection, and returns its record.
/// When the schema is unchanged the stored record is returned untouched.
pub async fn register(
    ports: &Ports<'_>,
    tenant: &str,
    name: &str,
    request: &RegisterRequest,
) -> Result<DatabaseRecord> {
    validate_name("database", name)?;
    let dialect = Dialect::parse(&request.dialect).ok_or_else(|| {
        Error::bad_request(
            "invalid_dialect",
            format!("unknown dialect `{}`; use sqlite, postgres or mysql", request.dialect),
        )
    })?;
    if request.connection.is_empty() || !request.connection.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::bad_request(
            "invalid_connection",
            "connection must be the name of a connection secret (letters, digits, _), not a URL",
        ));
    }
    let catalog = introspect::catalog(ports.sql, &request.connection, dialect).await?;
    if catalog.tables.is_empty() {
        return Err(Error::bad_request("empty_schema", format!("connection `{}` has no tables", request.connection)));
    }
    let sample_rows = ports.config.nl2sql.statistics.sample_size;
    let samples = introspect::samples(ports.sql, &request.connection, &catalog, sample_rows, SAMPLE_VALUES).await?;
    save(ports, tenant, name, Some(request.connection.clone()), Schema { catalog, samples }).await
}

async fn save(
    ports: &Ports<'_>,
    tenant: &str,
    name: &str,
    connection: Option<String>,
    schema: Schema,
) -> Result<DatabaseRecord> {
    let fingerprint = schema.catalog.fingerprint();
    if let Some(existing) = record(ports, tenant, name).await?
        && existing.fingerprint == fingerprint
        && existing.connection == connection
    {
        return Ok(existing);
    }
    let record = DatabaseRecord {
        name: name.to_owned(),
        dialect: schema.catalog.dialect,
        connection,
        tables: schema.catalog.tables.len(),
        registered_at: crate::time::rfc3339(ports.clock.now_ms()),
        fingerprint: fingerprint.clone(),
    };
    let pk = partition(tenant, name);
    ports.store.put(&pk, &format!("schema#{fingerprint}"), &to_json(&schema)?, Precondition::None, None).await?;
    ports
        .store
        .put(&registry(tenant), &format!("database#{name}"), &to_json(&record)?, Precondition::None, None)
        .await?;
    Ok(record)
}

/// The registry entry of `name`, if registered.
pub async fn record(ports: &Ports<'_>, tenant: &str, name: &str) -> Result<Option<DatabaseRecord>> {
    match ports.store.get(&registry(tenant), &format!("database#{name}")).await? {
        Some(item) => Ok(Some(from_json(&item.value)?)),
        None => Ok(None),
    }
}

/// The record and schema of `name`; `database_not_found` when it is not registered.
pub async fn load(ports: &Ports<'_>, tenant: &str, name: &str) -> Result<(DatabaseRecord, Schema)> {
    validate_name("database", name)?;
    let record = record(ports, tenant, name)
        .await?
        .ok_or_else(|| Error::not_found("database_not_found", format!("database `{name}` is not registered")))?;
    let item = ports
        .store
        .get(&partition(tenant, name), &format!("schema#{}", record.fingerprint))
        .await?
        .ok_or_else(|| Error::Store(format!("schema {} of database `{name}` is missing", record.fingerprint)))?;
    Ok((record, from_json(&item.value)?))
}

/// All registered databases of a tenant, by name.
pub async fn list(ports: &Ports<'_>, tenant: &str) -> Result<Vec<DatabaseRecord>> {
    let items = ports.store.list(&registry(tenant), "database#").await?;
    items.iter().map(|(_, item)| from_json(&item.value)).collect()
}

fn to_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("serialising: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Store(format!("stored item is not readable: {e}")))
}
