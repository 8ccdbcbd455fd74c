//! How the `Store` port's items sit in one Workers KV namespace: the key layout and the metadata each value
//! carries. Platform-free, so the layout is unit-tested on the host.
//!
//! - Key: `<partition>/<sort key>`, the partition with `%` and `/` percent-escaped. Every key of a partition
//!   then starts with `<escaped partition>/` and no other partition's keys do, and KV lists keys in UTF-8 byte
//!   order, which is the sort-key order `Store::list` promises.
//! - Metadata (KV keeps up to 1 KiB per key and returns it with `list` and `getWithMetadata`):
//!   `{"v": version, "x": expires_at}`. The version counts the adapter's writes; `x` is the item's expiry in
//!   unix seconds, judged by the adapter on every read.
//! - KV's own `expiration` only garbage-collects: KV refuses expirations less than 60 s ahead, so an item
//!   expiring sooner is stored with a later KV expiration and hidden by the adapter until KV drops it.

use nl2sql_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// Workers KV's longest key, bytes.
pub const MAX_KEY_BYTES: usize = 512;

/// KV refuses expirations closer than 60 s; this much lead is asked for at least.
pub const MIN_KV_TTL_S: i64 = 90;

/// The metadata stored with every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// The item's version: 1 for the first write, +1 per write (read before write, so not atomic).
    #[serde(rename = "v")]
    pub version: u64,
    /// Expiry, unix seconds.
    #[serde(rename = "x", default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl Meta {
    /// Whether the item is visible at `now_ms` (unix ms): not expired.
    pub fn live(&self, now_ms: i64) -> bool {
        self.expires_at.is_none_or(|at| at.saturating_mul(1000) > now_ms)
    }

    /// The metadata of a value written without any (by hand, e.g. `wrangler kv key put`): version 1, no expiry.
    pub fn foreign() -> Self {
        Self { version: 1, expires_at: None }
    }
}

/// The KV key of item (`pk`, `sk`); a key over KV's 512 bytes is a store error naming the item.
pub fn key(pk: &str, sk: &str) -> Result<String> {
    let key = format!("{}{sk}", prefix(pk, ""));
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::Store(format!(
            "key of {pk}/{} is {} bytes; Workers KV keys hold at most {MAX_KEY_BYTES}",
            sk.chars().take(60).collect::<String>(),
            key.len()
        )));
    }
    Ok(key)
}

/// The key prefix of the items of `pk` whose sort key starts with `sk_prefix`.
pub fn prefix(pk: &str, sk_prefix: &str) -> String {
    let mut out = String::with_capacity(pk.len() + sk_prefix.len() + 1);
    for c in pk.chars() {
        match c {
            '%' => out.push_str("%25"),
            '/' => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    out.push('/');
    out.push_str(sk_prefix);
    out
}

/// The sort key of a KV key listed under partition `pk`, or `None` when the key is not in it.
pub fn sort_key<'k>(key: &'k str, pk: &str) -> Option<&'k str> {
    key.strip_prefix(prefix(pk, "").as_str())
}

/// The KV `expiration` (unix seconds) to store with an item expiring at `expires_at`, written at `now_ms`.
pub fn kv_expiration(expires_at: i64, now_ms: i64) -> u64 {
    let earliest = now_ms.div_euclid(1000).saturating_add(MIN_KV_TTL_S);
    u64::try_from(expires_at.max(earliest)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_never_share_a_prefix() {
        assert_eq!(key("default#shop", "stats#orders").expect("short"), "default#shop/stats#orders");
        assert_eq!(prefix("a/b%c", "x#"), "a%2Fb%25c/x#");
        // `a` and `a/b` would collide without escaping: `a/b/...` starts with `a/`.
        assert!(!prefix("a/b", "").starts_with(&prefix("a", "")));
        assert_eq!(sort_key("default#shop/stats#orders", "default#shop"), Some("stats#orders"));
        assert_eq!(sort_key("default#shopping/stats#x", "default#shop"), None);
    }

    #[test]
    fn listing_order_is_sort_key_order() {
        let mut keys: Vec<String> = ["b", "a#2", "a#10", "é", "Z"].iter().map(|sk| prefix("p", sk)).collect();
        keys.sort(); // KV lists in UTF-8 byte order, as `str` compares
        let sks: Vec<&str> = keys.iter().filter_map(|k| sort_key(k, "p")).collect();
        assert_eq!(sks, ["Z", "a#10", "a#2", "b", "é"]);
    }

    #[test]
    fn keys_over_kv_limit_are_store_errors() {
        let long = "t".repeat(600);
        let err = key("default#shop", &format!("stats#{long}")).expect_err("too long");
        assert!(matches!(err, Error::Store(ref m) if m.contains("512")), "{err:?}");
    }

    #[test]
    fn expiry_is_judged_by_the_adapter_and_kv_gets_at_least_a_minute() {
        let now_ms = 1_800_000_000_500;
        let meta = Meta { version: 3, expires_at: Some(1_800_000_000) };
        assert!(!meta.live(now_ms), "expired half a second ago");
        assert!(Meta { expires_at: Some(1_800_000_001), ..meta }.live(now_ms));
        assert!(Meta::foreign().live(now_ms));
        assert_eq!(kv_expiration(1_800_000_000 - 10, now_ms), 1_800_000_000 + MIN_KV_TTL_S as u64);
        assert_eq!(kv_expiration(1_800_003_600, now_ms), 1_800_003_600);
        assert_eq!(serde_json::to_string(&meta).expect("json"), r#"{"v":3,"x":1800000000}"#);
        let plain: Meta = serde_json::from_str(r#"{"v":1}"#).expect("no expiry");
        assert_eq!(plain.expires_at, None);
    }
}
