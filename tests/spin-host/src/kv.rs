//! `spin:key-value/key-value@3.0.0` on a SQLite file: one table of (label, key, value), so data survives every
//! request (each request gets a fresh component instance, as under `spin up`) and host restarts.
//!
//! Like Spin, a component may open only the store labels it was granted (`--kv-label`, Spin's
//! `key_value_stores`); opening any other label is `access-denied`.

use crate::State;
use crate::bindings::spin::key_value::key_value::{self, Error};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;
use wasmtime::component::{Accessor, FutureReader, HasSelf, Resource, StreamReader};
use wasmtime::error::Context as _;

/// An open store resource: the label it was opened with.
#[expect(unreachable_pub, reason = "bindgen's `with` re-exports the resource type as `pub`")]
pub struct OpenStore {
    label: String,
}

/// The SQLite file behind every label.
pub(crate) struct KvFile {
    db: Mutex<Connection>,
}

impl KvFile {
    /// Opens (creating if needed) the file at `path`.
    pub(crate) fn open(path: &Path) -> wasmtime::Result<Self> {
        let db = Connection::open(path).with_context(|| format!("opening {}", path.display()))?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS kv (label TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                                            PRIMARY KEY (label, key)) WITHOUT ROWID;",
        )?;
        Ok(Self { db: Mutex::new(db) })
    }

    fn with<R>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R, Error> {
        let db = self.db.lock().map_err(|_| Error::Other("the store's lock is poisoned".into()))?;
        f(&db).map_err(|e| Error::Other(e.to_string()))
    }

    fn get(&self, label: &str, key: &str) -> Result<Option<Vec<u8>>, Error> {
        self.with(|db| {
            db.query_row("SELECT value FROM kv WHERE label = ?1 AND key = ?2", params![label, key], |r| r.get(0))
                .optional()
        })
    }

    fn set(&self, label: &str, key: &str, value: &[u8]) -> Result<(), Error> {
        self.with(|db| {
            db.execute("INSERT OR REPLACE INTO kv (label, key, value) VALUES (?1, ?2, ?3)", params![label, key, value])
                .map(drop)
        })
    }

    fn delete(&self, label: &str, key: &str) -> Result<(), Error> {
        self.with(|db| db.execute("DELETE FROM kv WHERE label = ?1 AND key = ?2", params![label, key]).map(drop))
    }

    fn keys(&self, label: &str) -> Result<Vec<String>, Error> {
        self.with(|db| {
            let mut statement = db.prepare("SELECT key FROM kv WHERE label = ?1 ORDER BY key")?;
            statement.query_map([label], |r| r.get(0))?.collect()
        })
    }
}

/// The label of an open store and the file behind it (a store only opens when there is one).
fn open_store<'a>(state: &'a mut State, store: &Resource<OpenStore>) -> wasmtime::Result<(String, &'a KvFile)> {
    let label = state.table.get(store)?.label.clone();
    let file = state.shared.kv.as_ref().context("a store is open without a key-value file")?;
    Ok((label, file))
}

impl key_value::Host for State {}

impl key_value::HostStore for State {
    fn drop(&mut self, store: Resource<OpenStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl<T> key_value::HostStoreWithStore<T> for HasSelf<State> {
    async fn open(accessor: &Accessor<T, Self>, label: String) -> wasmtime::Result<Result<Resource<OpenStore>, Error>> {
        accessor.with(|mut access| {
            let state = access.get();
            if state.shared.kv.is_none() || !state.shared.kv_labels.contains(&label) {
                return Ok(Err(Error::AccessDenied));
            }
            Ok(Ok(state.table.push(OpenStore { label })?))
        })
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        accessor.with(|mut access| {
            let state = access.get();
            let (label, file) = open_store(state, &store)?;
            Ok(file.get(&label, &key))
        })
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        store: Resource<OpenStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        accessor.with(|mut access| {
            let state = access.get();
            let (label, file) = open_store(state, &store)?;
            Ok(file.set(&label, &key, &value))
        })
    }

    async fn delete(
        accessor: &Accessor<T, Self>,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        accessor.with(|mut access| {
            let state = access.get();
            let (label, file) = open_store(state, &store)?;
            Ok(file.delete(&label, &key))
        })
    }

    async fn exists(
        accessor: &Accessor<T, Self>,
        store: Resource<OpenStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        accessor.with(|mut access| {
            let state = access.get();
            let (label, file) = open_store(state, &store)?;
            Ok(file.get(&label, &key).map(|v| v.is_some()))
        })
    }

    async fn get_keys(
        accessor: &Accessor<T, Self>,
        store: Resource<OpenStore>,
    ) -> wasmtime::Result<(StreamReader<String>, FutureReader<Result<(), Error>>)> {
        accessor.with(|mut access| {
            let keys = {
                let state = access.get();
                let (label, file) = open_store(state, &store)?;
                file.keys(&label)
            };
            let (keys, result) = match keys {
                Ok(keys) => (keys, Ok(())),
                Err(e) => (Vec::new(), Err(e)),
            };
            let stream = StreamReader::new(&mut access, keys)?;
            let future = FutureReader::new(&mut access, async move { wasmtime::error::Ok(result) })?;
            Ok((stream, future))
        })
    }
}
