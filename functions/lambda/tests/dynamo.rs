//! The DynamoDB store against moto: the Store conformance suite every adapter passes, and concurrent writers
//! that must never lose an update. Skipped with a note only when the Python venv is missing (`tests/run`
//! installs it through `tests/install-python`).

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use nl2sql_core::Error;
use nl2sql_core::ports::{Clock, Precondition, Store};
use nl2sql_lambda::clock::SystemClock;
use nl2sql_lambda::dynamo::DynamoStore;
use nl2sql_tests::moto::{Moto, REGION};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

fn store(moto: &Moto, table: &str) -> DynamoStore {
    moto.create_table(table);
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(moto.endpoint())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), table, Arc::new(SystemClock))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamo_store_passes_the_conformance_suite() {
    let Some(moto) = Moto::start() else { return };
    let store = store(&moto, "conformance");
    nl2sql_core::conformance::store_suite(&store, SystemClock.now_ms() / 1000).await;
}

/// Two writers increment one versioned counter 20 times each with compare-and-set: each conflict is seen,
/// re-read and retried, and the final count is exactly 40.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_never_lose_an_update() {
    let Some(moto) = Moto::start() else { return };
    let store = Arc::new(store(&moto, "counters"));
    let conflicts = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let (store, conflicts) = (store.clone(), conflicts.clone());
            tokio::spawn(async move {
                for _ in 0..20 {
                    increment(store.as_ref(), &conflicts).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer finished");
    }
    let item = store.get("tenant#db", "counter#1").await.expect("read").expect("the counter exists");
    assert_eq!(item.value, "40", "no increment was lost");
    assert_eq!(item.version, 40, "one version per successful write");
    eprintln!("{} conflicts seen and retried", conflicts.load(Ordering::SeqCst));
}

async fn increment(store: &dyn Store, conflicts: &AtomicUsize) {
    loop {
        let current = store.get("tenant#db", "counter#1").await.expect("read");
        let (count, cond) = match &current {
            Some(item) => (item.value.parse::<u64>().expect("a number"), Precondition::Version(item.version)),
            None => (0, Precondition::Absent),
        };
        match store.put("tenant#db", "counter#1", &(count + 1).to_string(), cond, None).await {
            Ok(_) => return,
            Err(Error::Conflict(_)) => {
                conflicts.fetch_add(1, Ordering::SeqCst);
            }
            Err(e) => panic!("unexpected store error: {e}"),
        }
    }
}

/// An expired item stays in the table until DynamoDB's TTL sweeper runs (moto never does): reads must not see
/// it, and a conditional create must treat it as absent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_items_are_invisible_before_ttl_deletes_them() {
    let Some(moto) = Moto::start() else { return };
    let store = store(&moto, "ttl");
    let now_s = SystemClock.now_ms() / 1000;
    store.put("p", "cache#a", "old", Precondition::None, Some(now_s - 1)).await.expect("put");
    assert_eq!(store.get("p", "cache#a").await.expect("get"), None);
    assert!(store.list("p", "cache#").await.expect("list").is_empty());
    let version = store.put("p", "cache#a", "new", Precondition::Absent, Some(now_s + 60)).await.expect("create");
    assert_eq!(version, 2, "versions keep counting across expiry, so a stale writer never matches");
}

/// Values over one item's size are chunked and written in one transaction: concurrent unconditional writers
/// all land (retrying the race among themselves) and the value read afterwards is one writer's, whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_large_writes_are_all_or_nothing() {
    let Some(moto) = Moto::start() else { return };
    let store = Arc::new(store(&moto, "large"));
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                for round in 0..4 {
                    let value = format!("{writer}:{round}:").repeat(100_000); // 400 KB: two chunks
                    store
                        .put("p", "big#1", &value, Precondition::None, None)
                        .await
                        .expect("an unconditional write lands");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer finished");
    }
    let item = store.get("p", "big#1").await.expect("read").expect("written");
    let unit = &item.value[..4];
    assert_eq!(item.value, unit.repeat(100_000), "one writer's value, whole");
    assert_eq!(item.version, 8, "every write counted");
}

/// A Query answers at most 1 MB per page (moto too): listing five 250 KB items takes two pages, all read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_follow_query_pages() {
    let Some(moto) = Moto::start() else { return };
    let store = store(&moto, "pages");
    for i in 0..5 {
        store
            .put("p", &format!("item#{i}"), &i.to_string().repeat(250_000), Precondition::None, None)
            .await
            .expect("put");
    }
    let listed = store.list("p", "item#").await.expect("list");
    let keys: Vec<&str> = listed.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["item#0", "item#1", "item#2", "item#3", "item#4"]);
    assert!(listed.iter().all(|(_, item)| item.value.len() == 250_000));
}
