//! Values larger than one DynamoDB item (400 KB): split into chunk items, written atomically with the head.
//!
//! A chunked value lives in partition `<pk>#~chunks` under sort keys `<sk>#<chunk_id>#<index>`; the head item
//! names the `chunk_id` and the count. One `TransactWriteItems` writes the head (conditioned on the version read
//! just before, or on absence) and every chunk, so readers see either the old value or the whole new one. A new
//! write uses a fresh `chunk_id`, so the chunks a reader is following are never overwritten; the superseded
//! chunks are *retired* afterwards by giving them a TTL a few minutes ahead (an `UpdateItem`, so the refresh
//! function needs no `DeleteItem` permission), long enough for any reader that saw the old head.

use super::item::{Attrs, bind, key, n, s};
use super::{DynamoStore, conflict, store_err};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use nl2sql_core::memory::check_precondition;
use nl2sql_core::ports::Precondition;
use nl2sql_core::{Error, Result};
use std::hash::BuildHasher;

/// Values up to this many bytes are stored inline in the head item (DynamoDB items hold 400 KB with keys).
pub(super) const INLINE_MAX: usize = 300_000;
/// Bytes per chunk item.
const CHUNK_BYTES: usize = 300_000;
/// A transaction holds at most 100 actions and 4 MB; 12 chunks of 300 KB plus the head stay well inside both.
const MAX_CHUNKS: usize = 12;
/// How long retired chunks stay readable, seconds.
const RETIRE_GRACE_S: i64 = 900;
/// Attempts of an unconditional chunked write that keeps losing the race against other writers.
const WRITE_ATTEMPTS: usize = 5;

/// Partition of the chunks of partition `pk`'s values.
fn chunk_pk(pk: &str) -> String {
    format!("{pk}#~chunks")
}

fn chunk_sk(sk: &str, id: &str, index: usize) -> String {
    format!("{sk}#{id}#{index:03}")
}

/// Splits at character boundaries into parts of at most `max` bytes.
fn split(value: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let mut end = max.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (part, tail) = rest.split_at(end);
        parts.push(part);
        rest = tail;
    }
    parts
}

/// A chunk id no other write of this key uses: the new version and 64 random bits.
fn chunk_id(version: u64) -> String {
    format!("{version}.{:016x}", std::hash::RandomState::new().hash_one(std::time::SystemTime::now()))
}

/// Writes a large value: head and chunks in one transaction.
pub(super) async fn put(
    store: &DynamoStore,
    pk: &str,
    sk: &str,
    value: &str,
    cond: Precondition,
    expires_at: Option<i64>,
) -> Result<u64> {
    let parts = split(value, CHUNK_BYTES);
    if parts.len() > MAX_CHUNKS {
        return Err(Error::Store(format!(
            "{pk}/{sk}: a value of {} bytes is larger than the DynamoDB store's {} bytes",
            value.len(),
            MAX_CHUNKS * CHUNK_BYTES
        )));
    }
    // An explicit condition is checked once; an unconditional write retries until it is the last writer.
    let attempts = if cond == Precondition::None { WRITE_ATTEMPTS } else { 1 };
    for attempt in 1..=attempts {
        let current = store.head(pk, sk, Some("#version, #exp, #chunks, #cid")).await?;
        let live = current.as_ref().filter(|h| h.live(store.now_s())).map(|h| h.version);
        check_precondition(pk, sk, cond, live)?;
        let version = current.as_ref().map_or(1, |h| h.version + 1);
        let id = chunk_id(version);
        let mut items =
            vec![head_update(store, pk, sk, current.as_ref().map(|h| h.version), version, &id, &parts, expires_at)?];
        for (index, part) in parts.iter().enumerate() {
            let mut attrs = key(&chunk_pk(pk), &chunk_sk(sk, &id, index));
            attrs.insert("value".into(), s(*part));
            attrs.extend(expires_at.map(|at| ("expires_at".to_owned(), n(at))));
            let put = Put::builder().table_name(store.table()).set_item(Some(attrs)).build();
            items.push(TransactWriteItem::builder().put(put.map_err(build_err)?).build());
        }
        match store.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => {
                if let Some((old, count)) = current.as_ref().and_then(|h| h.chunked.as_ref()) {
                    retire(store, pk, sk, old, *count).await;
                }
                return Ok(version);
            }
            Err(e) if lost_race(&e) => {
                if attempt == attempts {
                    return Err(conflict(pk, sk, cond));
                }
            }
            Err(e) => return Err(store_err(e)),
        }
    }
    Err(conflict(pk, sk, cond))
}

/// The head's part of the transaction: conditioned on the version just read (or on absence).
#[allow(clippy::too_many_arguments)]
fn head_update(
    store: &DynamoStore,
    pk: &str,
    sk: &str,
    observed: Option<u64>,
    version: u64,
    id: &str,
    parts: &[&str],
    expires_at: Option<i64>,
) -> Result<TransactWriteItem> {
    let update = match expires_at {
        Some(_) => "SET #version = :version, #chunks = :chunks, #cid = :cid, #exp = :exp REMOVE #value",
        None => "SET #version = :version, #chunks = :chunks, #cid = :cid REMOVE #value, #exp",
    };
    let condition = if observed.is_some() { "#version = :observed" } else { "attribute_not_exists(#pk)" };
    let mut values = vec![(":version", n(version)), (":chunks", n(parts.len())), (":cid", s(id))];
    values.extend(expires_at.map(|at| (":exp", n(at))));
    values.extend(observed.map(|v| (":observed", n(v))));
    let bound = bind(&[update, condition], values);
    let head = Update::builder()
        .table_name(store.table())
        .set_key(Some(key(pk, sk)))
        .update_expression(update)
        .condition_expression(condition)
        .set_expression_attribute_names(bound.names)
        .set_expression_attribute_values(bound.values)
        .build()
        .map_err(build_err)?;
    Ok(TransactWriteItem::builder().update(head).build())
}

fn build_err(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("building a DynamoDB request: {e}"))
}

/// Whether a transaction was cancelled by a concurrent writer (failed condition or a conflicting transaction).
fn lost_race<R>(e: &SdkError<TransactWriteItemsError, R>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
            .cancellation_reasons()
            .iter()
            .any(|r| matches!(r.code(), Some("ConditionalCheckFailed" | "TransactionConflict"))),
        _ => false,
    }
}

/// The value in chunks `id` of `pk`/`sk`, or `None` when they are incomplete (replaced and retired meanwhile).
pub(super) async fn read(store: &DynamoStore, pk: &str, sk: &str, id: &str, count: usize) -> Result<Option<String>> {
    let key_condition = "#pk = :pk AND begins_with(#sk, :prefix)";
    let mut parts: Vec<(String, String)> = Vec::with_capacity(count);
    let mut start: Option<Attrs> = None;
    loop {
        let bound = bind(&[key_condition], vec![(":pk", s(chunk_pk(pk))), (":prefix", s(format!("{sk}#{id}#")))]);
        let page = store
            .client
            .query()
            .table_name(store.table())
            .consistent_read(true)
            .key_condition_expression(key_condition)
            .set_expression_attribute_names(bound.names)
            .set_expression_attribute_values(bound.values)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(store_err)?;
        for attrs in page.items() {
            if let (Some(AttributeValue::S(csk)), Some(AttributeValue::S(value))) =
                (attrs.get("sk"), attrs.get("value"))
            {
                parts.push((csk.clone(), value.clone()));
            }
        }
        match page.last_evaluated_key {
            Some(last) if !last.is_empty() => start = Some(last),
            _ => break,
        }
    }
    parts.sort();
    let complete = parts.len() == count && parts.iter().enumerate().all(|(i, (csk, _))| *csk == chunk_sk(sk, id, i));
    Ok(complete.then(|| parts.into_iter().map(|(_, value)| value).collect()))
}

/// Gives superseded chunks a TTL a few minutes ahead. Best effort: a chunk left behind is invisible garbage.
pub(super) async fn retire(store: &DynamoStore, pk: &str, sk: &str, id: &str, count: usize) {
    let at = store.now_s() + RETIRE_GRACE_S;
    for index in 0..count {
        let update = "SET #exp = :exp";
        let condition = "attribute_exists(#pk)";
        let bound = bind(&[update, condition], vec![(":exp", n(at))]);
        let result = store
            .client
            .update_item()
            .table_name(store.table())
            .set_key(Some(key(&chunk_pk(pk), &chunk_sk(sk, id, index))))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(bound.names)
            .set_expression_attribute_values(bound.values)
            .send()
            .await;
        if let Err(e) = result
            && !e.as_service_error().is_some_and(|se| se.is_conditional_check_failed_exception())
        {
            tracing::warn!(pk, sk, chunk = index, error = %store_err(e), "could not retire a superseded chunk");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_character_boundaries() {
        let value = "aé🦀".repeat(1000);
        let parts = split(&value, 1001);
        assert!(parts.iter().all(|p| p.len() <= 1001));
        assert_eq!(parts.concat(), value);
        assert!(split("", 10).is_empty());
        assert_eq!(chunk_sk("stats#t", "3.ab", 7), "stats#t#3.ab#007");
        assert_ne!(chunk_id(1), chunk_id(1), "ids never repeat");
    }
}
