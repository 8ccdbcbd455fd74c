//! The system [`Clock`].

use nl2sql_core::ports::Clock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock time and tokio sleeps.
pub(crate) struct SystemClock;

#[async_trait::async_trait]
impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
    }

    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}
