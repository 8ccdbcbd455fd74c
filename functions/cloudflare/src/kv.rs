//! The `Store` port on one Workers KV namespace (layout in [`crate::keys`]).
//!
//! Workers KV is last-write-wins and eventually consistent: a write is visible at once in the location that
//! made it and within about 60 seconds elsewhere, and nothing can make a write conditional. So
//! [`KvStore::supports_cas`] is false and the core never relies on compare-and-set for the correctness of
//! stored data: schema and skeleton items are content-addressed (`schema#<fingerprint>`, written before the
//! registry entry that names them), statistics are one whole-item put per table, and refresh states accept
//! that of two concurrent updates one may be lost (a priority bump or an error count, repaired by the next
//! run). Versions are kept (read before write) for callers that show them; a `Precondition` other than
//! `None` is checked against that read, which narrows but cannot close the race, and says so in its error.

use crate::keys::{self, Meta};
use nl2sql_core::memory::check_precondition;
use nl2sql_core::ports::{Clock, Item, Precondition, Store};
use nl2sql_core::{Error, Result, port};
use worker::KvError;

/// A [`Store`] on a KV namespace binding.
pub struct KvStore {
    kv: worker::KvStore,
    clock: crate::clock::JsClock,
}

impl KvStore {
    /// The store on namespace `kv`.
    pub fn new(kv: worker::KvStore) -> Self {
        Self { kv, clock: crate::clock::JsClock }
    }

    /// The metadata of the value under `key`, without reading the value (its stream is cancelled).
    async fn meta(&self, key: &str) -> Result<Option<Meta>> {
        let (stream, meta) = self.kv.get(key).stream_with_metadata::<Meta>().await.map_err(kv_error)?;
        let Some(stream) = stream else { return Ok(None) };
        // Dropping the body unread would leave KV's response open until the request ends.
        let _ = worker::wasm_bindgen_futures::JsFuture::from(stream.cancel()).await;
        Ok(Some(meta.unwrap_or_else(Meta::foreign)))
    }

    /// The live item under `key`.
    async fn read(&self, key: &str) -> Result<Option<Item>> {
        let (value, meta) = self.kv.get(key).text_with_metadata::<Meta>().await.map_err(kv_error)?;
        let now = self.clock.now_ms();
        Ok(value.and_then(|value| {
            let meta = meta.unwrap_or_else(Meta::foreign);
            meta.live(now).then_some(Item { value, version: meta.version, expires_at: meta.expires_at })
        }))
    }
}

fn kv_error(e: KvError) -> Error {
    Error::Store(format!("Workers KV: {e}"))
}

port! {
impl Store for KvStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>> {
        self.read(&keys::key(pk, sk)?).await
    }

    async fn put(&self, pk: &str, sk: &str, value: &str, cond: Precondition, expires_at: Option<i64>) -> Result<u64> {
        let key = keys::key(pk, sk)?;
        let now = self.clock.now_ms();
        let current = self.meta(&key).await?;
        if cond != Precondition::None {
            check_precondition(pk, sk, cond, current.filter(|m| m.live(now)).map(|m| m.version))
                .map_err(|e| Error::Conflict(format!("{e} (checked by a read; Workers KV cannot compare-and-set)")))?;
        }
        // Versions keep counting across expiry, as on every other store.
        let meta = Meta { version: current.map_or(0, |m| m.version) + 1, expires_at };
        let mut put = self.kv.put(&key, value).and_then(|p| p.metadata(meta)).map_err(kv_error)?;
        if let Some(at) = expires_at {
            put = put.expiration(keys::kv_expiration(at, now));
        }
        put.execute().await.map_err(kv_error)?;
        Ok(meta.version)
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<()> {
        self.kv.delete(&keys::key(pk, sk)?).await.map_err(kv_error)
    }

    async fn list(&self, pk: &str, sk_prefix: &str) -> Result<Vec<(String, Item)>> {
        let prefix = keys::prefix(pk, sk_prefix);
        let now = self.clock.now_ms();
        let mut names = Vec::new();
        let mut cursor = None;
        loop {
            let mut page = self.kv.list().prefix(prefix.clone());
            if let Some(cursor) = cursor.take() {
                page = page.cursor(cursor);
            }
            let page = page.execute().await.map_err(kv_error)?;
            for key in page.keys {
                let meta = key.metadata.and_then(|m| serde_json::from_value::<Meta>(m).ok());
                if meta.unwrap_or_else(Meta::foreign).live(now) {
                    names.push(key.name);
                }
            }
            match page.cursor.filter(|c| !page.list_complete && !c.is_empty()) {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        // Values come from their own reads (KV lists keys and metadata only), in parallel; an item deleted or
        // expired in between is left out.
        let items = futures_util::future::try_join_all(names.iter().map(|name| self.read(name))).await?;
        let mut out: Vec<(String, Item)> = names
            .iter()
            .zip(items)
            .filter_map(|(name, item)| Some((keys::sort_key(name, pk)?.to_owned(), item?)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn supports_cas(&self) -> bool {
        false
    }
}
}
