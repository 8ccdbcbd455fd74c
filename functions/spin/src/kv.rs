//! The [`Store`] port on Spin key-value (`spin:key-value/key-value@3.0.0`).
//!
//! Spin key-value is a flat map of string keys to bytes per store label, with get/set/delete/exists and a
//! listing of all keys; it has no conditional write, no expiry and no prefix listing. The adapter maps the
//! port onto it:
//!
//! - **Keys**: `<len(pk)>:<pk><sk>`. The length prefix makes partitions unambiguous (partition `a` never lists
//!   keys of partition `ab`), so a prefix of the key is exactly a partition plus a sort-key prefix.
//! - **Values**: a header line `<version> <expires_at|->` and the value's text after it, in one KV value, so an
//!   item and its version are written together.
//! - **Versions and conditions**: a write reads the current item first; the new version is its version + 1 and a
//!   [`Precondition`] is checked against it. Two instances writing the same key at once can both pass the check
//!   (last write wins), so [`Store::supports_cas`] is `false` and the core never relies on the check.
//! - **TTL**: the expiry is stored in the header; expired items are invisible to `get` and `list` and are
//!   replaced by the next write. Nothing deletes them in the background.
//! - **Listing** reads every key of the store label and keeps those under the prefix: fine for the few hundred
//!   items of a tenant's registry, schemas and statistics; a label per deployment keeps other data out of it.

use crate::item::{decode, encode, key, live};
use nl2sql_core::memory::check_precondition;
use nl2sql_core::ports::{Item, Precondition, Store};
use nl2sql_core::{Error, Result};
use spin_sdk::key_value;

/// The store label every request uses (`key_value_stores = ["default"]` in `spin.toml`).
pub(crate) const DEFAULT_LABEL: &str = "default";

/// An open Spin key-value store.
pub struct SpinKvStore {
    store: key_value::Store,
}

impl SpinKvStore {
    /// Opens the store `label`, which the component must be granted in `spin.toml`.
    pub async fn open(label: &str) -> Result<Self> {
        let store = key_value::Store::open(label).await.map_err(|e| kv_error(&format!("opening `{label}`"), e))?;
        Ok(Self { store })
    }

    /// Deletes every key of the store label (the conformance suite needs an empty store).
    #[cfg(feature = "conformance")]
    pub async fn clear(&self) -> Result<()> {
        let keys = self.store.get_keys().await.collect().await.map_err(|e| kv_error("listing keys", e))?;
        for key in keys {
            self.store.delete(&key).await.map_err(|e| kv_error(&key, e))?;
        }
        Ok(())
    }

    async fn read(&self, key: &str) -> Result<Option<Item>> {
        let bytes = self.store.get(key).await.map_err(|e| kv_error(key, e))?;
        bytes.map(|b| decode(key, b)).transpose()
    }
}

#[async_trait::async_trait(?Send)]
impl Store for SpinKvStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>> {
        Ok(self.read(&key(pk, sk)).await?.filter(|item| live(item, now_s())))
    }

    async fn put(&self, pk: &str, sk: &str, value: &str, cond: Precondition, expires_at: Option<i64>) -> Result<u64> {
        let key = key(pk, sk);
        let current = self.read(&key).await?;
        let live_version = current.as_ref().filter(|item| live(item, now_s())).map(|item| item.version);
        check_precondition(pk, sk, cond, live_version)?;
        // Versions keep counting past an expired item, so a stale reader's version never matches again.
        let version = current.map_or(0, |item| item.version) + 1;
        self.store.set(&key, encode(version, expires_at, value)).await.map_err(|e| kv_error(&key, e))?;
        Ok(version)
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<()> {
        let key = key(pk, sk);
        self.store.delete(&key).await.map_err(|e| kv_error(&key, e))
    }

    async fn list(&self, pk: &str, sk_prefix: &str) -> Result<Vec<(String, Item)>> {
        let partition = key(pk, "");
        let prefix = key(pk, sk_prefix);
        let mut keys = self.store.get_keys().await.collect().await.map_err(|e| kv_error("listing keys", e))?;
        keys.retain(|k| k.starts_with(&prefix));
        keys.sort_unstable();
        let now = now_s();
        let mut items = Vec::with_capacity(keys.len());
        for k in keys {
            // A key deleted between the listing and the read is simply gone.
            if let Some(item) = self.read(&k).await?.filter(|item| live(item, now)) {
                items.push((k[partition.len()..].to_owned(), item));
            }
        }
        Ok(items)
    }

    fn supports_cas(&self) -> bool {
        false
    }
}

fn now_s() -> i64 {
    crate::clock::now_ms().div_euclid(1000)
}

fn kv_error(what: &str, e: key_value::Error) -> Error {
    Error::Store(format!("Spin key-value, {what}: {e:?}"))
}
