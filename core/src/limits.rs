//! Limits: the per-tenant rate limit, the per-request timeout and the size of a conversation's context.
//!
//! The rate limit is a token bucket per tenant kept in the store (item `ratelimit#requests` in the tenant's
//! partition, [`crate::keys`]): it holds at most `rate_limit_burst` tokens, refills at `rate_limit_per_client`
//! per minute, and each admitted request takes one. An empty bucket answers 429 `rate_limited` with
//! `Retry-After` (seconds until a token is back). The bucket is read and written back with the store's
//! compare-and-set where it has one (DynamoDB's conditional writes), so concurrent functions never admit more
//! than the bucket holds; on last-write-wins stores (Workers KV, Spin key-value) two concurrent requests may
//! both take the same token, so the limit is approximate there (docs/security.md).

use crate::compat::DynFuture;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::keys::{self, Kind, Scope};
use crate::ports::{Ports, Precondition};
use serde_json::json;
use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;

/// Compare-and-set attempts before a contended bucket answers 429.
const ATTEMPTS: usize = 4;

/// The steady rate (requests per minute) and bucket size for `tenant`; a rate of 0 means no limit.
pub fn rate_for(config: &Config, tenant: &str) -> (u32, u32) {
    let s = &config.security;
    s.tenant_limits
        .iter()
        .find_map(|entry| parse_limit(entry).filter(|(t, _, _)| *t == tenant))
        .map_or((s.rate_limit_per_client, s.rate_limit_burst), |(_, rate, burst)| (rate, burst))
}

/// A `[security] tenant_limits` entry, `"<tenant>:<per minute>:<burst>"`.
pub fn parse_limit(entry: &str) -> Option<(&str, u32, u32)> {
    let mut parts = entry.split(':');
    let (tenant, rate, burst) = (parts.next()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    parts.next().is_none().then_some((tenant, rate, burst))
}

/// Takes one token from `tenant`'s bucket, or answers [`Error::RateLimited`].
pub async fn admit(ports: &Ports<'_>, tenant: &str) -> Result<()> {
    let (per_minute, burst) = rate_for(ports.config, tenant);
    if per_minute == 0 {
        return Ok(());
    }
    let (pk, sk) = keys::key(tenant, Scope::Tenant, Kind::RateLimit, "requests");
    match take(ports, &pk, &sk, per_minute, burst).await? {
        None => Ok(()),
        Some(retry_after) => Err(limited(tenant, per_minute, burst, retry_after)),
    }
}

/// Takes one token from the bucket stored at `pk`/`sk` (refilled at `per_minute`, holding `burst` at most):
/// `None` when taken, else the seconds until one is back. Compare-and-set where the store has it.
pub async fn take(ports: &Ports<'_>, pk: &str, sk: &str, per_minute: u32, burst: u32) -> Result<Option<u64>> {
    let capacity = f64::from(burst.max(1));
    let per_ms = f64::from(per_minute.max(1)) / 60_000.0;
    for _ in 0..ATTEMPTS {
        let now = ports.clock.now_ms();
        let item = ports.store.get(pk, sk).await?;
        let stored = item.as_ref().and_then(|i| serde_json::from_str::<serde_json::Value>(&i.value).ok());
        let tokens = match stored.as_ref().and_then(|v| Some((v["tokens"].as_f64()?, v["at"].as_i64()?))) {
            Some((tokens, at)) => (tokens + (now - at).max(0) as f64 * per_ms).min(capacity),
            None => capacity,
        };
        if tokens < 1.0 {
            return Ok(Some(((1.0 - tokens) / per_ms / 1000.0).ceil().max(1.0) as u64));
        }
        let condition = match (&item, ports.store.supports_cas()) {
            (_, false) => Precondition::None,
            (Some(item), true) => Precondition::Version(item.version),
            (None, true) => Precondition::Absent,
        };
        // A bucket nobody touches refills; it may vanish once it would be full again.
        let expires_at = now.div_euclid(1000) + (capacity / per_ms / 1000.0).ceil() as i64 + 60;
        let value = json!({"tokens": tokens - 1.0, "at": now}).to_string();
        match ports.store.put(pk, sk, &value, condition, Some(expires_at)).await {
            Ok(_) => return Ok(None),
            Err(Error::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    // Every attempt lost to a concurrent request: those were admitted, this one waits.
    Ok(Some(1))
}

fn limited(tenant: &str, per_minute: u32, burst: u32, retry_after: u64) -> Error {
    Error::RateLimited {
        message: format!(
            "tenant `{tenant}` is over its rate limit ({per_minute} requests per minute, bursts of {burst}); \
             retry in {retry_after} s"
        ),
        retry_after,
    }
}

/// Runs `work`, or answers [`Error::Timeout`] when the `Clock` port's `sleep(ms)` ends first (never with 0).
///
/// `work` is a `dyn` future: polled through its vtable, the router is not inlined here (inlined, the edge
/// builds' optimiser copied the whole statistics collection a second time: +40 KB of wasm).
pub async fn within<T>(ports: &Ports<'_>, ms: u64, mut work: Pin<&mut DynFuture<'_, Result<T>>>) -> Result<T> {
    let mut deadline = (ms > 0).then(|| ports.clock.sleep(ms));
    poll_fn(|cx| {
        if let Poll::Ready(done) = work.as_mut().poll(cx) {
            return Poll::Ready(done);
        }
        let Some(deadline) = deadline.as_mut() else { return Poll::Pending };
        deadline.as_mut().poll(cx).map(|()| {
            Err(Error::Timeout(format!(
                "the request took longer than {} s ([nl2sql] request_timeout) and was stopped",
                ms / 1000
            )))
        })
    })
    .await
}

/// Checks the size of a conversation context (the stored turns a question continues) against
/// `[nl2sql] max_context_size`: over it is 400 `context_too_large`.
pub fn check_context(bytes: usize, config: &Config) -> Result<()> {
    let max = config.nl2sql.max_context_size;
    if bytes > max {
        return Err(Error::bad_request(
            "context_too_large",
            format!("the conversation context is {bytes} bytes; the maximum is {max} ([nl2sql] max_context_size)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{ManualClock, MemoryStore};
    use crate::ports::{Clock, Store};
    use futures_executor::block_on;
    use std::sync::Arc;

    fn config(per_minute: u32, burst: u32) -> Config {
        let mut config = Config::default();
        config.security.rate_limit_per_client = per_minute;
        config.security.rate_limit_burst = burst;
        config
    }

    fn ports<'a>(config: &'a Config, store: &'a dyn Store, clock: &'a ManualClock) -> Ports<'a> {
        crate::memory::ports(config, store, clock)
    }

    #[test]
    fn bucket_admits_a_burst_then_refills_at_the_rate() {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let store = MemoryStore::new(clock.clone());
        let config = config(60, 3);
        let ports = ports(&config, &store, &clock);
        block_on(async {
            for _ in 0..3 {
                admit(&ports, "acme").await.expect("within the burst");
            }
            let err = admit(&ports, "acme").await.expect_err("bucket empty");
            assert_eq!((err.status(), err.code()), (429, "rate_limited"));
            assert!(matches!(err, Error::RateLimited { retry_after: 1, .. }), "one token per second: {err:?}");
            admit(&ports, "globex").await.expect("another tenant has its own bucket");
            clock.advance(1_000);
            admit(&ports, "acme").await.expect("one token back after a second");
            assert!(admit(&ports, "acme").await.is_err());
            clock.advance(60_000);
            for _ in 0..3 {
                admit(&ports, "acme").await.expect("refilled to the burst, not beyond");
            }
            assert!(admit(&ports, "acme").await.is_err());
        });
    }

    #[test]
    fn retry_after_counts_the_seconds_until_a_token() {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let store = MemoryStore::new(clock.clone());
        let config = config(2, 1);
        let ports = ports(&config, &store, &clock);
        block_on(async {
            admit(&ports, "acme").await.expect("first");
            clock.advance(10_000);
            let err = admit(&ports, "acme").await.expect_err("limited");
            assert!(matches!(err, Error::RateLimited { retry_after: 20, .. }), "{err:?}");
            let response = crate::api::Response::error(&err);
            assert_eq!(response.header("retry-after"), Some("20"));
        });
    }

    #[test]
    fn per_tenant_overrides_and_zero_turns_the_limit_off() {
        let mut config = config(0, 1);
        config.security.tenant_limits.push("small:1:1".into());
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let store = MemoryStore::new(clock.clone());
        let ports = ports(&config, &store, &clock);
        block_on(async {
            for _ in 0..50 {
                admit(&ports, "big").await.expect("no limit");
            }
            admit(&ports, "small").await.expect("one");
            assert!(admit(&ports, "small").await.is_err());
            let (pk, sk) = keys::key("big", Scope::Tenant, Kind::RateLimit, "requests");
            assert_eq!(store.get(&pk, &sk).await.expect("get"), None, "an unlimited tenant writes no bucket");
        });
    }

    /// A store where another request takes the bucket's last token between this request's read and write.
    struct Racing {
        inner: MemoryStore,
        cas: bool,
        raced: std::sync::atomic::AtomicBool,
    }

    crate::port! {
    impl Store for Racing {
        async fn get(&self, pk: &str, sk: &str) -> Result<Option<crate::ports::Item>> { self.inner.get(pk, sk).await }
        async fn put(&self, pk: &str, sk: &str, v: &str, c: Precondition, x: Option<i64>) -> Result<u64> {
            if !self.raced.swap(true, std::sync::atomic::Ordering::SeqCst) {
                let empty = json!({"tokens": 0.0, "at": 1_800_000_000_000_i64}).to_string();
                self.inner.put(pk, sk, &empty, Precondition::None, x).await?;
            }
            self.inner.put(pk, sk, v, if self.cas { c } else { Precondition::None }, x).await
        }
        async fn delete(&self, pk: &str, sk: &str) -> Result<()> { self.inner.delete(pk, sk).await }
        async fn list(&self, pk: &str, p: &str) -> Result<Vec<(String, crate::ports::Item)>> { self.inner.list(pk, p).await }
        fn supports_cas(&self) -> bool { self.cas }
    }
    }

    #[test]
    fn compare_and_set_stops_concurrent_over_admission() {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let config = config(1, 1);
        for cas in [true, false] {
            let store = Racing { inner: MemoryStore::new(clock.clone()), cas, raced: false.into() };
            let ports = ports(&config, &store, &clock);
            let admitted = block_on(admit(&ports, "acme"));
            if cas {
                // The conditional write lost; the retry read the empty bucket.
                assert!(matches!(admitted, Err(Error::RateLimited { .. })), "{admitted:?}");
            } else {
                // Last write wins: both requests took the same token (the documented KV behaviour).
                admitted.expect("over-admitted without compare-and-set");
            }
        }
    }

    #[test]
    fn slow_work_times_out_by_the_clock() {
        let clock = Arc::new(ManualClock::new(0));
        let store = MemoryStore::new(clock.clone());
        let config = Config::default();
        let ports = ports(&config, &store, &clock);
        block_on(async {
            let quick = within(&ports, 5_000, std::pin::pin!(async { Ok(7) })).await.expect("done first");
            assert_eq!(quick, 7);
            let pending = std::pin::pin!(std::future::pending::<Result<()>>());
            let never = within(&ports, 5_000, pending).await.expect_err("timed out");
            assert_eq!((never.status(), never.code()), (504, "request_timeout"));
            assert_eq!(clock.now_ms(), 5_000, "the deadline is the Clock port's sleep");
        });
    }

    #[test]
    fn context_over_the_maximum_is_refused() {
        let mut config = Config::default();
        config.nl2sql.max_context_size = 10;
        assert!(check_context(10, &config).is_ok());
        let err = check_context(11, &config).expect_err("too large");
        assert_eq!((err.status(), err.code()), (400, "context_too_large"));
    }
}
