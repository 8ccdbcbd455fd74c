//! The [`Clock`] port: WASI wall-clock time (the Rust standard library reads it on wasm32-wasip2) and the
//! WASIp3 monotonic clock's `wait-for` for sleeps.

use nl2sql_core::ports::Clock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the unix epoch, by the host's wall clock.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The host's clocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SpinClock;

#[async_trait::async_trait(?Send)]
impl Clock for SpinClock {
    fn now_ms(&self) -> i64 {
        now_ms()
    }

    async fn sleep(&self, ms: u64) {
        spin_sdk::time::sleep(Duration::from_millis(ms)).await;
    }
}
