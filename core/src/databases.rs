//! Registered databases and their store layout.
//!
//! Per tenant and database (partition `tenant#database`):
//! - `schema#<fingerprint>`: the catalog and example values. Content-addressed, so writing it twice is harmless.
//! - `skeleton#<fingerprint>`: the full skeleton, rendered once per fingerprint.
//! - in partition `tenant#_registry`, `database#<name>`: the [`DatabaseRecord`], written last. It is the commit
//!   point: a registration interrupted before it leaves only an unreferenced schema item, never a half-registered
//!   database.

use crate::api::RegisterRequest;
use crate::catalog::{Catalog, Dialect, Samples};
use crate::ddl::{self, Skipped};
use crate::diff::{self, CatalogDiff};
use crate::error::{Error, Result};
use crate::introspect;
use crate::keys::{self, Kind, Scope};
use crate::ports::{Ports, Precondition};
use crate::skeleton::Skeleton;
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

/// Partition key of one database of one tenant (the key scheme is [`crate::keys`]).
pub fn partition(tenant: &str, database: &str) -> String {
    keys::partition(tenant, Scope::Database(database))
}

fn registry(tenant: &str) -> String {
    keys::partition(tenant, Scope::Tenant)
}

/// Checks a user-chosen name: 1-64 of `[A-Za-z0-9_-]`, not starting with `_` (reserved).
pub fn validate_name(what: &'static str, name: &str) -> Result<()> {
    if keys::valid_name(name) {
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

/// The outcome of a registration.
#[derive(Debug, Clone, Serialize)]
pub struct Registration {
    /// The registry entry now in force.
    pub database: DatabaseRecord,
    /// Whether anything was written (false when the schema and connection were unchanged).
    pub changed: bool,
    /// Differences from the previously registered catalog, when there was one and it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<CatalogDiff>,
    /// The diff as one line per change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// DDL statements that were not used, with their lines (the first [`SKIPPED_SHOWN`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// How many statements were skipped in all.
    pub skipped_total: usize,
}

/// Skipped statements listed in a registration response at most (data dumps skip thousands of INSERTs).
pub const SKIPPED_SHOWN: usize = 100;

/// A schema read from DDL or a live connection, not yet stored.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// Catalog and example values.
    pub schema: Schema,
    /// Connection name when introspected.
    pub connection: Option<String>,
    /// Unused DDL statements.
    pub skipped: Vec<Skipped>,
}

/// Reads the schema a registration request describes, without storing anything.
pub async fn ingest(ports: &Ports<'_>, request: &RegisterRequest) -> Result<Ingested> {
    let dialect = Dialect::parse(&request.dialect).ok_or_else(|| {
        Error::bad_request(
            "invalid_dialect",
            format!("unknown dialect `{}`; use sqlite, postgres or mysql", request.dialect),
        )
    })?;
    match (&request.connection, &request.ddl) {
        (Some(connection), None) => {
            if connection.is_empty() || !connection.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(Error::bad_request(
                    "invalid_connection",
                    "connection must be the name of a connection secret (letters, digits, _), not a URL",
                ));
            }
            let catalog = introspect::catalog(ports.sql, connection, dialect).await?;
            if catalog.tables.is_empty() {
                return Err(Error::bad_request("empty_schema", format!("connection `{connection}` has no tables")));
            }
            let rows = ports.config.nl2sql.statistics.sample_size;
            let samples = introspect::samples(ports.sql, connection, &catalog, rows, SAMPLE_VALUES).await?;
            Ok(Ingested { schema: Schema { catalog, samples }, connection: Some(connection.clone()), skipped: vec![] })
        }
        (None, Some(ddl)) => {
            let import = ddl::parse(ddl, dialect)?;
            let schema = Schema { catalog: import.catalog, samples: Samples::new() };
            Ok(Ingested { schema, connection: None, skipped: import.skipped })
        }
        _ => Err(Error::bad_request(
            "invalid_request",
            "give exactly one of `ddl` (DDL text) or `connection` (a secret name)",
        )),
    }
}

/// Registers (or re-registers) `name` from DDL or by introspection. An unchanged schema writes nothing; a
/// changed one is stored under its new fingerprint and the diff is reported.
pub async fn register(ports: &Ports<'_>, tenant: &str, name: &str, request: &RegisterRequest) -> Result<Registration> {
    validate_name("database", name)?;
    let ingested = ingest(ports, request).await?;
    save(ports, tenant, name, ingested).await
}

/// The diff between the stored catalog of `name` and `new` (everything is added when `name` is new).
pub async fn diff_against(ports: &Ports<'_>, tenant: &str, name: &str, new: &Catalog) -> Result<CatalogDiff> {
    let empty = Catalog { dialect: new.dialect, tables: vec![] };
    Ok(match stored(ports, tenant, name).await? {
        Some((_, old)) => diff::diff(&old.catalog, new),
        None => diff::diff(&empty, new),
    })
}

async fn save(ports: &Ports<'_>, tenant: &str, name: &str, ingested: Ingested) -> Result<Registration> {
    let Ingested { schema, connection, mut skipped } = ingested;
    let skipped_total = skipped.len();
    skipped.truncate(SKIPPED_SHOWN);
    let fingerprint = schema.catalog.fingerprint();
    let previous = stored(ports, tenant, name).await?;
    if let Some((existing, _)) = &previous
        && existing.fingerprint == fingerprint
        && existing.connection == connection
    {
        return Ok(Registration {
            database: existing.clone(),
            changed: false,
            diff: None,
            changes: vec![],
            skipped,
            skipped_total,
        });
    }
    let diff = previous.as_ref().map(|(_, old)| diff::diff(&old.catalog, &schema.catalog));
    let record = DatabaseRecord {
        name: name.to_owned(),
        dialect: schema.catalog.dialect,
        connection,
        tables: schema.catalog.tables.len(),
        registered_at: crate::time::rfc3339(ports.clock.now_ms()),
        fingerprint: fingerprint.clone(),
    };
    let pk = partition(tenant, name);
    // Content-addressed items first, the registry entry last: it is the commit point.
    let skeleton = Skeleton::full(&schema.catalog, &schema.samples);
    ports
        .store
        .put(&pk, &keys::sort_key(Kind::Schema, &fingerprint), &to_json(&schema)?, Precondition::None, None)
        .await?;
    ports
        .store
        .put(&pk, &keys::sort_key(Kind::Skeleton, &fingerprint), &to_json(&skeleton)?, Precondition::None, None)
        .await?;
    ports
        .store
        .put(&registry(tenant), &keys::sort_key(Kind::Database, name), &to_json(&record)?, Precondition::None, None)
        .await?;
    // Scheduled refresh runs find the tenant through this index (idempotent; tenants never read it).
    let (index, entry) = keys::tenant_index(tenant);
    ports.store.put(index, &entry, "{}", Precondition::None, None).await?;
    let changes = diff.as_ref().map(|d| d.summary().lines().map(str::to_owned).collect()).unwrap_or_default();
    Ok(Registration { database: record, changed: true, diff, changes, skipped, skipped_total })
}

/// The full skeleton of `name`, as stored at registration.
pub async fn skeleton(ports: &Ports<'_>, tenant: &str, record: &DatabaseRecord) -> Result<Skeleton> {
    let pk = partition(tenant, &record.name);
    let item = ports.store.get(&pk, &keys::sort_key(Kind::Skeleton, &record.fingerprint)).await?.ok_or_else(|| {
        Error::Store(format!("skeleton {} of database `{}` is missing", record.fingerprint, record.name))
    })?;
    from_json(&item.value)
}

async fn stored(ports: &Ports<'_>, tenant: &str, name: &str) -> Result<Option<(DatabaseRecord, Schema)>> {
    match load(ports, tenant, name).await {
        Ok(found) => Ok(Some(found)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The registry entry of `name`, if registered.
pub async fn record(ports: &Ports<'_>, tenant: &str, name: &str) -> Result<Option<DatabaseRecord>> {
    match ports.store.get(&registry(tenant), &keys::sort_key(Kind::Database, name)).await? {
        Some(item) => Ok(Some(from_json(&item.value)?)),
        None => Ok(None),
    }
}

/// The record and schema of `name`; `database_not_found` when it is not registered.
pub async fn load(ports: &Ports<'_>, tenant: &str, name: &str) -> Result<(DatabaseRecord, Schema)> {
    let record = registered(ports, tenant, name).await?;
    let schema = schema(ports, tenant, &record).await?;
    Ok((record, schema))
}

/// The registry entry of `name` (its dialect and schema fingerprint, without the schema);
/// `database_not_found` when it is not registered.
pub async fn registered(ports: &Ports<'_>, tenant: &str, name: &str) -> Result<DatabaseRecord> {
    validate_name("database", name)?;
    record(ports, tenant, name)
        .await?
        .ok_or_else(|| Error::not_found("database_not_found", format!("database `{name}` is not registered")))
}

/// The schema `record` names.
pub async fn schema(ports: &Ports<'_>, tenant: &str, record: &DatabaseRecord) -> Result<Schema> {
    let name = &record.name;
    let item = ports
        .store
        .get(&partition(tenant, name), &keys::sort_key(Kind::Schema, &record.fingerprint))
        .await?
        .ok_or_else(|| Error::Store(format!("schema {} of database `{name}` is missing", record.fingerprint)))?;
    from_json(&item.value)
}

/// All registered databases of a tenant, by name.
pub async fn list(ports: &Ports<'_>, tenant: &str) -> Result<Vec<DatabaseRecord>> {
    let items = ports.store.list(&registry(tenant), &keys::sort_key(Kind::Database, "")).await?;
    items.iter().map(|(_, item)| from_json(&item.value)).collect()
}

fn to_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("serialising: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Store(format!("stored item is not readable: {e}")))
}
