//! The `Clock` port from JavaScript's `Date` and timers: std's clock panics on wasm32-unknown-unknown.
//!
//! Workers advance `Date.now()` only across I/O (a Spectre mitigation), so time measured around the core's
//! store and database calls is real, and pure computation looks instantaneous.

use nl2sql_core::port;
use nl2sql_core::ports::Clock;
use std::time::Duration;

/// `Date.now()` and `setTimeout`.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsClock;

port! {
impl Clock for JsClock {
    fn now_ms(&self) -> i64 {
        worker::js_sys::Date::now() as i64
    }

    async fn sleep(&self, ms: u64) {
        worker::Delay::from(Duration::from_millis(ms)).await;
    }
}
}
