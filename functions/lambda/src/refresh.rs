//! Time budgets inside an invocation: the scheduled refresh's run budget and the HTTP function's request timeout,
//! cut to what the invocation has left.
//!
//! A run may overrun its budget by the last table's queries (each capped at a second once the budget is
//! spent) and the writes of its results, so a fifth of the remaining time, at least three seconds, is kept in
//! reserve. With less than that left, nothing is started.

use nl2sql_core::Config;
use nl2sql_core::stats::refresh::RunBudget;

/// Time kept back from the Lambda deadline at least, milliseconds.
const MIN_RESERVE_MS: i64 = 3_000;

/// The budget of a run starting at `now_ms` in an invocation that must end by `deadline_ms` (both unix ms).
pub fn budget(config: &Config, deadline_ms: u64, now_ms: i64) -> RunBudget {
    let configured = RunBudget::from_config(config);
    let remaining = i64::try_from(deadline_ms).unwrap_or(i64::MAX).saturating_sub(now_ms);
    let reserve = (remaining / 5).max(MIN_RESERVE_MS);
    let usable = u64::try_from(remaining.saturating_sub(reserve)).unwrap_or(0);
    RunBudget { max_ms: configured.max_ms.min(usable), ..configured }
}

/// The request timeout (seconds) for an HTTP invocation that must end by `deadline_ms`: `[nl2sql]
/// request_timeout`, lowered to end a second before the deadline, so the caller gets the core's JSON 504 rather
/// than the platform's bare error when the function's own timeout (30 s in the template) is the shorter one.
/// `None` when the configured value already fits.
pub fn request_timeout(config: &Config, deadline_ms: u64, now_ms: i64) -> Option<u64> {
    let configured = config.nl2sql.request_timeout;
    let remaining = i64::try_from(deadline_ms).unwrap_or(i64::MAX).saturating_sub(now_ms);
    let fits = u64::try_from(remaining.saturating_sub(1_000) / 1_000).unwrap_or(0).max(1);
    (configured == 0 || configured > fits).then_some(fits)
}

/// The tenant a scheduled event asks for: `tenant` at the top (a rule's constant `Input`) or in `detail`;
/// `None` means the default tenant.
pub fn tenant(event: &serde_json::Value) -> Option<&str> {
    event.get("tenant").or_else(|| event.get("detail").and_then(|d| d.get("tenant"))).and_then(|t| t.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_request_timeout_ends_before_the_invocation() {
        let config = Config::default();
        assert_eq!(config.nl2sql.request_timeout, 60);
        assert_eq!(request_timeout(&config, 30_000, 0), Some(29), "a 30 s function: a second before its end");
        assert_eq!(request_timeout(&config, 900_000, 0), None, "60 s fits in 15 minutes");
        assert_eq!(request_timeout(&config, 500, 0), Some(1), "never 0, which would mean no timeout");
        let mut none = Config::default();
        none.nl2sql.request_timeout = 0;
        assert_eq!(request_timeout(&none, 900_000, 0), Some(899), "no timeout configured: the deadline is one");
    }

    #[test]
    fn the_budget_stays_inside_the_deadline() {
        let config = Config::default();
        let configured = RunBudget::from_config(&config);
        let now = 1_000_000;
        // Plenty of time: the configured budget.
        assert_eq!(budget(&config, (now + 3_600_000) as u64, now), configured);
        // 60 s left: 48 s usable.
        assert_eq!(budget(&config, (now + 60_000) as u64, now).max_ms, configured.max_ms.min(48_000));
        // 5 s left: 2 s usable; 2 s left or past the deadline: nothing.
        assert_eq!(budget(&config, (now + 5_000) as u64, now).max_ms, 2_000);
        assert_eq!(budget(&config, (now + 2_000) as u64, now).max_ms, 0);
        assert_eq!(budget(&config, 0, now).max_ms, 0);
    }

    #[test]
    fn tenants_come_from_the_input_or_the_detail() {
        assert_eq!(tenant(&json!({"tenant": "acme"})), Some("acme"));
        assert_eq!(tenant(&json!({"detail-type": "Scheduled Event", "detail": {"tenant": "b"}})), Some("b"));
        assert_eq!(tenant(&json!({"detail-type": "Scheduled Event", "detail": {}})), None);
    }
}
