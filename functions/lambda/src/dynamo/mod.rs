//! [`DynamoStore`]: the [`Store`] port on one DynamoDB table (`pk` partition key, `sk` sort key, TTL on
//! `expires_at`).
//!
//! Why it looks like this:
//! - Compare-and-set is a condition expression on the write itself (`attribute_not_exists(pk)` /
//!   `version = :v`), so DynamoDB decides atomically; a failed condition is [`Error::Conflict`].
//! - DynamoDB deletes expired items only eventually (up to days later), so every read filters on `expires_at`
//!   and an expired item counts as absent for conditions, exactly like the in-memory reference store.
//! - Reads are strongly consistent: the core reads its own writes (a registration, then its skeleton).
//! - An item holds at most 400 KB, but a schema with its example values or a table's statistics can be larger.
//!   Such values are split over chunk items written in one `TransactWriteItems` together with the head item
//!   (see [`chunks`]): that is the one write here that must be all-or-nothing. The core itself never needs a
//!   multi-item transaction (its writes are single items behind a commit point), so the `Store` port has none.

mod chunks;
mod item;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use item::{Attrs, Head, bind, condition, condition_values, key, n, s};
use nl2sql_core::ports::{Clock, Item, Precondition, Store};
use nl2sql_core::{Error, Result};
use std::sync::Arc;

/// Reads of a chunked value retried when a concurrent write replaced it mid-read.
const READ_ATTEMPTS: usize = 3;

/// A [`Store`] on a DynamoDB table with string keys `pk` and `sk`.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
}

impl DynamoStore {
    /// A store on `table` through `client`; expiry is judged by `clock`.
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Self { client, table: table.into(), clock }
    }

    /// A store on `table` with the SDK configured from the environment (region, credentials, and
    /// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_DYNAMODB` for a local stand-in).
    pub async fn from_env(table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).load().await;
        Self::new(Client::new(&config), table, clock)
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn now_s(&self) -> i64 {
        self.clock.now_ms().div_euclid(1000)
    }

    /// The live item's value, or `None` when a chunked value changed while it was being read.
    async fn resolve(&self, pk: &str, sk: &str, head: &Head) -> Result<Option<Item>> {
        if let Some(item) = head.inline() {
            return Ok(Some(item));
        }
        let Some((id, count)) = &head.chunked else {
            return Err(Error::Store(format!("{pk}/{sk} has neither a value nor chunks")));
        };
        let value = chunks::read(self, pk, sk, id, *count).await?;
        Ok(value.map(|value| Item { value, version: head.version, expires_at: head.expires_at }))
    }

    /// A consistent read of the head item, optionally through a projection.
    async fn head(&self, pk: &str, sk: &str, projection: Option<&str>) -> Result<Option<Head>> {
        let bound = bind(&[projection.unwrap_or_default()], vec![]);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .set_projection_expression(projection.map(str::to_owned))
            .set_expression_attribute_names(bound.names)
            .send()
            .await
            .map_err(store_err)?;
        out.item.as_ref().map(Head::parse).transpose()
    }
}

/// Any SDK failure that is not a failed condition: the store is unavailable or refused the call.
pub(crate) fn store_err<E: std::error::Error + 'static, R: std::fmt::Debug>(error: SdkError<E, R>) -> Error {
    Error::Store(format!("DynamoDB: {}", DisplayErrorContext(&error)))
}

fn conflict(pk: &str, sk: &str, cond: Precondition) -> Error {
    Error::Conflict(format!("{pk}/{sk}: the item no longer matches {cond:?}"))
}

#[async_trait::async_trait]
impl Store for DynamoStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>> {
        for _ in 0..READ_ATTEMPTS {
            let Some(head) = self.head(pk, sk, None).await?.filter(|h| h.live(self.now_s())) else {
                return Ok(None);
            };
            if let Some(item) = self.resolve(pk, sk, &head).await? {
                return Ok(Some(item));
            }
        }
        Err(Error::Store(format!("{pk}/{sk} kept changing while it was read")))
    }

    async fn put(&self, pk: &str, sk: &str, value: &str, cond: Precondition, expires_at: Option<i64>) -> Result<u64> {
        if value.len() > chunks::INLINE_MAX {
            return chunks::put(self, pk, sk, value, cond, expires_at).await;
        }
        let update = match expires_at {
            Some(_) => "SET #value = :value, #exp = :exp ADD #version :one REMOVE #chunks, #cid",
            None => "SET #value = :value ADD #version :one REMOVE #chunks, #cid, #exp",
        };
        let condition = condition(cond);
        let mut values = vec![(":value", s(value)), (":one", n(1))];
        values.extend(expires_at.map(|at| (":exp", n(at))));
        values.extend(condition_values(cond, self.now_s()));
        let bound = bind(&[update, condition.unwrap_or_default()], values);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression(update)
            .set_condition_expression(condition.map(str::to_owned))
            .set_expression_attribute_names(bound.names)
            .set_expression_attribute_values(bound.values)
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(se) if se.is_conditional_check_failed_exception() => conflict(pk, sk, cond),
                _ => store_err(e),
            })?;
        let old = out.attributes.as_ref().map(Head::parse).transpose()?;
        if let Some((id, count)) = old.as_ref().and_then(|o| o.chunked.as_ref()) {
            chunks::retire(self, pk, sk, id, *count).await;
        }
        Ok(old.map_or(1, |o| o.version + 1))
    }

    async fn delete(&self, pk: &str, sk: &str) -> Result<()> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(store_err)?;
        let old = out.attributes.as_ref().map(Head::parse).transpose()?;
        if let Some((id, count)) = old.as_ref().and_then(|o| o.chunked.as_ref()) {
            chunks::retire(self, pk, sk, id, *count).await;
        }
        Ok(())
    }

    async fn list(&self, pk: &str, sk_prefix: &str) -> Result<Vec<(String, Item)>> {
        let key_condition = if sk_prefix.is_empty() { "#pk = :pk" } else { "#pk = :pk AND begins_with(#sk, :prefix)" };
        let filter = "attribute_not_exists(#exp) OR #exp > :now";
        let mut out = Vec::new();
        let mut start: Option<Attrs> = None;
        loop {
            let values = vec![(":pk", s(pk)), (":prefix", s(sk_prefix)), (":now", n(self.now_s()))];
            let bound = bind(&[key_condition, filter], values);
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression(key_condition)
                .filter_expression(filter)
                .set_expression_attribute_names(bound.names)
                .set_expression_attribute_values(bound.values)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(store_err)?;
            for attrs in page.items() {
                let Some(AttributeValue::S(sk)) = attrs.get("sk") else { continue };
                let head = Head::parse(attrs)?;
                let item = match self.resolve(pk, sk, &head).await? {
                    Some(item) => Some(item),
                    // Replaced while listing: read it again on its own.
                    None => self.get(pk, sk).await?,
                };
                out.extend(item.map(|item| (sk.clone(), item)));
            }
            match page.last_evaluated_key {
                Some(last) if !last.is_empty() => start = Some(last),
                _ => break,
            }
        }
        Ok(out)
    }
}
