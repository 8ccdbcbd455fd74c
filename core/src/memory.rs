//! An in-memory [`Store`] and a manual [`Clock`]: the reference implementations the conformance suite is
//! written against, used by tests and by hosts that need no persistence.

use crate::error::{Error, Result};
use crate::port;
use crate::ports::{Clock, Item, NoHttp, NoSqlSource, Ports, Precondition, Store};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

type Map = BTreeMap<(String, String), Item>;

/// Ports over a store (a [`MemoryStore`], usually) with no outbound HTTP and no databases: what tests and benchmarks of the core
/// start from (`Ports { http: &my_http, ..memory::ports(…) }` for one that calls a provider).
pub fn ports<'a>(config: &'a crate::Config, store: &'a dyn Store, clock: &'a dyn Clock) -> Ports<'a> {
    Ports { config, store, http: &NoHttp, clock, sql: &NoSqlSource, started_at_ms: 0 }
}

/// A [`Store`] in a `BTreeMap` behind a mutex. Expiry is judged by the clock it was given.
pub struct MemoryStore {
    items: Mutex<Map>,
    clock: Arc<dyn Clock>,
}

impl MemoryStore {
    /// An empty store that reads time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { items: Mutex::new(BTreeMap::new()), clock }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Map>> {
        self.items.lock().map_err(|_| Error::Internal("memory store mutex poisoned".into()))
    }

    fn live(&self, item: &Item) -> bool {
        item.expires_at.is_none_or(|at| at * 1000 > self.clock.now_ms())
    }
}

port! {
impl Store for MemoryStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>> {
        let items = self.lock()?;
        Ok(items.get(&(pk.to_owned(), sk.to_owned())).filter(|i| self.live(i)).cloned())
    }

    async fn put(&self, pk: &str, sk: &str, value: &str, cond: Precondition, expires_at: Option<i64>) -> Result<u64> {
        let mut items = self.lock()?;
        let key = (pk.to_owned(), sk.to_owned());
        let current = items.get(&key).filter(|i| self.live(i)).map(|i| i.version);
        check_precondition(pk, sk, cond, current)?;
        // Versions keep counting across expiry so a stale writer can never match a recreated item.
        let version = items.get(&key).map_or(0, |i| i.version) + 1;
        items.insert(key, Item { value: value.to_owned(), version, expires_at });
        Ok(version)
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<()> {
        self.lock()?.remove(&(pk.to_owned(), sk.to_owned()));
        Ok(())
    }

    async fn list(&self, pk: &str, sk_prefix: &str) -> Result<Vec<(String, Item)>> {
        let items = self.lock()?;
        let start = (pk.to_owned(), sk_prefix.to_owned());
        Ok(items
            .range(start..)
            .take_while(|((p, s), _)| p == pk && s.starts_with(sk_prefix))
            .filter(|(_, i)| self.live(i))
            .map(|((_, s), i)| (s.clone(), i.clone()))
            .collect())
    }
}
}

/// Checks a write condition against the current live version; shared by every CAS-capable adapter.
pub fn check_precondition(pk: &str, sk: &str, cond: Precondition, current: Option<u64>) -> Result<()> {
    let ok = match cond {
        Precondition::None => true,
        Precondition::Absent => current.is_none(),
        Precondition::Version(v) => current == Some(v),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "{pk}/{sk}: expected {cond:?}, found {}",
            current.map_or_else(|| "no item".to_owned(), |v| format!("version {v}"))
        )))
    }
}

/// A [`Clock`] that only moves when told to; `sleep` advances it instantly.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock showing `now_ms`.
    pub fn new(now_ms: i64) -> Self {
        Self(AtomicI64::new(now_ms))
    }

    /// Moves the clock forward.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

port! {
impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    async fn sleep(&self, ms: u64) {
        self.advance(i64::try_from(ms).unwrap_or(i64::MAX));
    }
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_passes_the_conformance_suite() {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let store = MemoryStore::new(clock.clone());
        futures_executor::block_on(crate::conformance::store_suite(&store, 1_800_000_000));
    }

    #[test]
    fn items_expire_when_the_clock_passes_them() {
        let clock = Arc::new(ManualClock::new(1_000_000));
        let store = MemoryStore::new(clock.clone());
        futures_executor::block_on(async {
            store.put("p", "s", "v", Precondition::None, Some(1_010)).await.expect("put");
            assert!(store.get("p", "s").await.expect("get").is_some());
            clock.sleep(10_000).await;
            assert!(store.get("p", "s").await.expect("get").is_none());
        });
    }
}
