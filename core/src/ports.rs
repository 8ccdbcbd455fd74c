//! The four ports every host implements: [`Store`], [`Http`], [`Clock`], [`SqlSource`].
//!
//! They are object-safe (`async_trait`) so the router takes `&dyn` ports and is compiled once, and their
//! futures are `Send` exactly where the host needs it (see [`crate::compat`]).

use crate::compat::{MaybeSend, MaybeSync};
use crate::error::Result;
use crate::port;
use serde::{Deserialize, Serialize};

/// A stored item: JSON text, its version (starts at 1, +1 per write) and an optional expiry (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The value, JSON text.
    pub value: String,
    /// Version of this value; the first write is 1.
    pub version: u64,
    /// Expiry as unix seconds; expired items are never returned.
    pub expires_at: Option<i64>,
}

/// Condition for a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Unconditional write (last write wins).
    None,
    /// Only if no live item exists under the key.
    Absent,
    /// Only if the live item has exactly this version.
    Version(u64),
}

port! {
/// Key-value store addressed by a partition key (`tenant#database`) and a sort key (`kind#id`).
///
/// Adapters: in-memory ([`crate::memory::MemoryStore`]), an embedded file store (local host), DynamoDB, KV.
/// Where the platform cannot compare-and-set, [`Store::supports_cas`] says so and the core never relies on it
/// for correctness of stored data.
pub trait Store: MaybeSend + MaybeSync {
    /// Reads a live (unexpired) item.
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>>;
    /// Writes an item if `cond` holds and returns its new version. A failed condition is [`crate::Error::Conflict`].
    async fn put(&self, pk: &str, sk: &str, value: &str, cond: Precondition, expires_at: Option<i64>) -> Result<u64>;
    /// Deletes an item; deleting a missing item is not an error.
    async fn delete(&self, pk: &str, sk: &str) -> Result<()>;
    /// Lists live items of one partition whose sort key starts with `sk_prefix`, ordered by sort key.
    async fn list(&self, pk: &str, sk_prefix: &str) -> Result<Vec<(String, Item)>>;
    /// Whether [`Precondition`]s are enforced atomically (false for last-write-wins stores such as Workers KV).
    fn supports_cas(&self) -> bool {
        true
    }
}
}

/// An outbound HTTP request.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Absolute URL.
    pub url: String,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
    /// Timeout for the whole exchange.
    pub timeout_ms: Option<u64>,
}

/// An HTTP response.
#[derive(Debug, Clone, Default)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

port! {
/// Outbound HTTP (LLM providers). reqwest natively, Fetch on Workers, outbound HTTP on Spin, fetch in browsers.
pub trait Http: MaybeSend + MaybeSync {
    /// Sends a request and returns the response, whatever its status.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse>;
}
}

port! {
/// Time. The core never calls `SystemTime::now` (it panics on wasm32-unknown-unknown).
pub trait Clock: MaybeSend + MaybeSync {
    /// Milliseconds since the unix epoch.
    fn now_ms(&self) -> i64;
    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u64);
}
}

/// Limits for one statement run through a [`SqlSource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryOptions {
    /// Rows to return at most; more make [`Rows::truncated`] true.
    pub max_rows: usize,
    /// Statement timeout where the database supports one.
    pub timeout_ms: u64,
}

/// Rows from the user's database, as JSON values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rows {
    /// Column names in order.
    pub columns: Vec<String>,
    /// Row values in column order.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Whether more rows existed than `max_rows`.
    pub truncated: bool,
}

port! {
/// Runs one read-only statement against a user's database. The core owns the SQL (introspection, statistics,
/// translated queries); adapters only carry rows. `connection` is the registered connection name, which the
/// adapter resolves from its environment (never from the store).
pub trait SqlSource: MaybeSend + MaybeSync {
    /// Runs `sql` read-only within `options`.
    async fn query(&self, connection: &str, sql: &str, options: QueryOptions) -> Result<Rows>;
}
}

/// A [`SqlSource`] for hosts that cannot reach any database: every query is a clear error.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSqlSource;

port! {
impl SqlSource for NoSqlSource {
    async fn query(&self, connection: &str, _sql: &str, _options: QueryOptions) -> Result<Rows> {
        Err(crate::Error::bad_request(
            "no_sql_source",
            format!("this host cannot reach databases (connection `{connection}`); register by DDL instead"),
        ))
    }
}
}

/// An [`Http`] for hosts without outbound HTTP: every request is a clear provider error.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHttp;

port! {
impl Http for NoHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        Err(crate::Error::Provider(format!("outbound HTTP is not available on this host ({})", request.url)))
    }
}
}

/// The ports and configuration a request runs with. Hosts build one per process and pass it to
/// [`crate::router::handle`].
#[derive(Clone, Copy)]
pub struct Ports<'a> {
    /// Validated configuration.
    pub config: &'a crate::config::Config,
    /// The platform store.
    pub store: &'a dyn Store,
    /// Outbound HTTP.
    pub http: &'a dyn Http,
    /// Time.
    pub clock: &'a dyn Clock,
    /// The user's databases.
    pub sql: &'a dyn SqlSource,
    /// When the host started (unix ms), for the startup probe.
    pub started_at_ms: i64,
}
