//! The Store conformance suite every adapter must pass (in-memory, embedded file, DynamoDB, KV).
//!
//! Call [`store_suite`] from the adapter's tests with a fresh, empty store and the current unix time in
//! seconds. It panics with the failing expectation, like any test.
#![allow(clippy::unwrap_used, clippy::panic)]

use crate::Error;
use crate::ports::{Precondition, Store};

/// Runs every check against `store`. `now_s` is the time the store's adapter sees, in unix seconds.
pub async fn store_suite(store: &dyn Store, now_s: i64) {
    let pk = "tenant-a#db";

    // get/put/versions
    assert_eq!(store.get(pk, "k#1").await.unwrap(), None, "empty store has nothing");
    let v1 = store.put(pk, "k#1", "{\"a\":1}", Precondition::None, None).await.unwrap();
    assert_eq!(v1, 1, "first version is 1");
    let item = store.get(pk, "k#1").await.unwrap().expect("written item is readable");
    assert_eq!((item.value.as_str(), item.version), ("{\"a\":1}", 1));
    let v2 = store.put(pk, "k#1", "{\"a\":2}", Precondition::None, None).await.unwrap();
    assert_eq!(v2, 2, "each write bumps the version");

    // compare-and-set
    if store.supports_cas() {
        let err = store.put(pk, "k#1", "x", Precondition::Version(1), None).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "stale version conflicts: {err:?}");
        assert_eq!(store.get(pk, "k#1").await.unwrap().unwrap().value, "{\"a\":2}", "a failed write changes nothing");
        assert_eq!(store.put(pk, "k#1", "{\"a\":3}", Precondition::Version(2), None).await.unwrap(), 3);
        let err = store.put(pk, "k#1", "x", Precondition::Absent, None).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "Absent on a live item conflicts: {err:?}");
        assert_eq!(store.put(pk, "k#new", "n", Precondition::Absent, None).await.unwrap(), 1);
        let err = store.put(pk, "k#missing", "x", Precondition::Version(1), None).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "Version on a missing item conflicts: {err:?}");
    }

    // list by prefix: ordered, bounded by prefix and partition
    for sk in ["list#b", "list#a", "list#c", "listing#x", "other#1"] {
        store.put(pk, sk, sk, Precondition::None, None).await.unwrap();
    }
    store.put("tenant-b#db", "list#z", "other tenant", Precondition::None, None).await.unwrap();
    let keys: Vec<String> = store.list(pk, "list#").await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["list#a", "list#b", "list#c"], "prefix listing is ordered and exact");
    assert!(store.list("tenant-b#db", "").await.unwrap().iter().all(|(_, i)| i.value == "other tenant"));

    // TTL: expired items are invisible to get and list
    store.put(pk, "ttl#past", "gone", Precondition::None, Some(now_s - 10)).await.unwrap();
    store.put(pk, "ttl#future", "here", Precondition::None, Some(now_s + 3600)).await.unwrap();
    assert_eq!(store.get(pk, "ttl#past").await.unwrap(), None, "expired items are not returned");
    let ttl: Vec<String> = store.list(pk, "ttl#").await.unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(ttl, ["ttl#future"]);
    assert_eq!(store.get(pk, "ttl#future").await.unwrap().unwrap().expires_at, Some(now_s + 3600));
    if store.supports_cas() {
        store.put(pk, "ttl#past", "again", Precondition::Absent, None).await.expect("an expired item counts as absent");
    }

    // delete
    store.delete(pk, "k#1").await.unwrap();
    assert_eq!(store.get(pk, "k#1").await.unwrap(), None);
    store.delete(pk, "k#1").await.expect("deleting a missing item is fine");

    // values are opaque text
    let odd = "línea\n\"quoted\" \u{0} 🦀";
    store.put(pk, "odd#1", odd, Precondition::None, None).await.unwrap();
    assert_eq!(store.get(pk, "odd#1").await.unwrap().unwrap().value, odd);

    large_values(store, pk).await;
}

/// A catalog with its example values or a table's statistics can take megabytes (a DynamoDB item holds 400 KB,
/// so that adapter splits them): large values read back whole, take part in versions and conditions, and list.
async fn large_values(store: &dyn Store, pk: &str) {
    let large = "0123456789abcdef🦀".repeat(70_000); // 1.4 MB, multi-byte characters across any split
    let v1 = store.put(pk, "big#1", &large, Precondition::None, None).await.unwrap();
    let item = store.get(pk, "big#1").await.unwrap().expect("a large item is readable");
    assert!(item.value == large && item.version == v1, "a large value reads back whole");
    let v2 = store.put(pk, "big#1", "small", Precondition::Version(v1), None).await.unwrap();
    assert_eq!((v2, store.get(pk, "big#1").await.unwrap().unwrap().value.as_str()), (v1 + 1, "small"));
    let bigger = format!("{large}{large}");
    let v3 = store.put(pk, "big#1", &bigger, Precondition::Version(v2), None).await.unwrap();
    assert_eq!(v3, v2 + 1);
    if store.supports_cas() {
        let err = store.put(pk, "big#1", &large, Precondition::Version(v2), None).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "a stale large write conflicts: {err:?}");
        let err = store.put(pk, "big#1", &large, Precondition::Absent, None).await.unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "Absent on a live large item conflicts: {err:?}");
    }
    store.put(pk, "big#2", &large, Precondition::None, None).await.unwrap();
    let listed = store.list(pk, "big#").await.unwrap();
    let lengths: Vec<(&str, usize)> = listed.iter().map(|(k, i)| (k.as_str(), i.value.len())).collect();
    assert_eq!(lengths, [("big#1", bigger.len()), ("big#2", large.len())], "large values list whole");
    assert_eq!(listed[0].1.value, bigger);
    store.delete(pk, "big#1").await.unwrap();
    assert_eq!(store.get(pk, "big#1").await.unwrap(), None, "a deleted large item is gone");
}
