//! The system [`Clock`] (the core never reads the system clock itself).

use nl2sql_core::ports::Clock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock time and tokio sleeps.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[async_trait::async_trait]
impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}
