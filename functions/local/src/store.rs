//! The embedded file-backed [`Store`]: one SQLite file in the data directory, so registered databases, caches
//! and sessions survive restarts. Writes are single statements inside a transaction, so a crash never leaves
//! a half-written item.

use nl2sql_core::memory::check_precondition;
use nl2sql_core::ports::{Clock, Item, Precondition, Store};
use nl2sql_core::{Error, Result};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// A [`Store`] in a SQLite file. Calls are short and run on the caller's thread.
pub(crate) struct FileStore {
    conn: Mutex<Connection>,
    clock: Arc<dyn Clock>,
}

fn store_err(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

impl FileStore {
    /// Opens (creating if needed) the store file.
    pub(crate) fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self> {
        let conn = Connection::open(path).map_err(store_err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS items (
                 pk TEXT NOT NULL, sk TEXT NOT NULL, value TEXT NOT NULL,
                 version INTEGER NOT NULL, expires_at INTEGER,
                 PRIMARY KEY (pk, sk)) WITHOUT ROWID;",
        )
        .map_err(store_err)?;
        Ok(Self { conn: Mutex::new(conn), clock })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| Error::Internal("file store mutex poisoned".into()))
    }

    fn now_s(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }
}

#[async_trait::async_trait]
impl Store for FileStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>> {
        let conn = self.lock()?;
        conn.query_row(
            "SELECT value, version, expires_at FROM items
             WHERE pk = ?1 AND sk = ?2 AND (expires_at IS NULL OR expires_at > ?3)",
            params![pk, sk, self.now_s()],
            |r| Ok(Item { value: r.get(0)?, version: r.get::<_, i64>(1)? as u64, expires_at: r.get(2)? }),
        )
        .optional()
        .map_err(store_err)
    }

    async fn put(&self, pk: &str, sk: &str, value: &str, cond: Precondition, expires_at: Option<i64>) -> Result<u64> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(store_err)?;
        let row: Option<(i64, Option<i64>)> = tx
            .query_row("SELECT version, expires_at FROM items WHERE pk = ?1 AND sk = ?2", params![pk, sk], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(store_err)?;
        let now = self.now_s();
        let live = row.filter(|(_, exp)| exp.is_none_or(|e| e > now)).map(|(v, _)| v as u64);
        check_precondition(pk, sk, cond, live)?;
        let version = row.map_or(0, |(v, _)| v) + 1;
        tx.execute(
            "INSERT INTO items (pk, sk, value, version, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (pk, sk) DO UPDATE SET value = excluded.value, version = excluded.version,
             expires_at = excluded.expires_at",
            params![pk, sk, value, version, expires_at],
        )
        .map_err(store_err)?;
        tx.commit().map_err(store_err)?;
        Ok(version as u64)
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<()> {
        self.lock()?.execute("DELETE FROM items WHERE pk = ?1 AND sk = ?2", params![pk, sk]).map_err(store_err)?;
        Ok(())
    }

    async fn list(&self, pk: &str, sk_prefix: &str) -> Result<Vec<(String, Item)>> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare(
                "SELECT sk, value, version, expires_at FROM items
                 WHERE pk = ?1 AND substr(sk, 1, length(?2)) = ?2 AND (expires_at IS NULL OR expires_at > ?3)
                 ORDER BY sk",
            )
            .map_err(store_err)?;
        let rows = stmt
            .query_map(params![pk, sk_prefix, self.now_s()], |r| {
                Ok((r.get(0)?, Item { value: r.get(1)?, version: r.get::<_, i64>(2)? as u64, expires_at: r.get(3)? }))
            })
            .map_err(store_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(store_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;

    #[tokio::test]
    async fn file_store_passes_the_conformance_suite_and_persists() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.sqlite");
        let now_s = SystemClock.now_ms() / 1000;
        {
            let store = FileStore::open(&path, Arc::new(SystemClock)).expect("open");
            nl2sql_core::conformance::store_suite(&store, now_s).await;
            store.put("p", "kept#1", "v", Precondition::None, None).await.expect("put");
        }
        let reopened = FileStore::open(&path, Arc::new(SystemClock)).expect("reopen");
        let item = reopened.get("p", "kept#1").await.expect("get").expect("survives reopening");
        assert_eq!((item.value.as_str(), item.version), ("v", 1));
    }
}
