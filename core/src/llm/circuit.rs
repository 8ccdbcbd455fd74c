//! A circuit breaker per provider: after `failure_threshold` consecutive transient failures the provider is
//! skipped (open) for `reset_timeout_secs`; then up to `half_open_max_calls` trial calls decide (half-open): a
//! success closes it, a failure opens it again. Names from the operators' guide (`[nl2sql.circuit_breaker]`).
//!
//! The state is a small item in the store ([`crate::keys::circuit`]: partition `_llm`), so every
//! instance of a stateless host sees it; on last-write-wins stores two instances may both take a trial call.

use serde::{Deserialize, Serialize};

/// Settings (`[nl2sql.circuit_breaker]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Consecutive failures that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit skips the provider, milliseconds.
    pub reset_timeout_ms: i64,
    /// Trial calls let through while half-open.
    pub half_open_max_calls: u32,
}

/// Where a provider's circuit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Calls go through.
    #[default]
    Closed,
    /// Calls are skipped until the reset timeout has passed.
    Open,
    /// A few trial calls go through.
    HalfOpen,
}

impl Phase {
    /// The `circuit_breaker_state` gauge: 0 closed, 1 open, 2 half-open.
    pub fn gauge(self) -> u8 {
        match self {
            Self::Closed => 0,
            Self::Open => 1,
            Self::HalfOpen => 2,
        }
    }
}

/// One provider's circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Circuit {
    /// Phase as last written.
    pub phase: Phase,
    /// Consecutive failures while closed.
    pub failures: u32,
    /// When it last opened (unix ms).
    pub opened_at_ms: i64,
    /// Trial calls taken while half-open.
    pub trials: u32,
}

impl Circuit {
    /// The phase at `now_ms` (an open circuit whose timeout has passed is half-open).
    pub fn phase_at(&self, now_ms: i64, s: &Settings) -> Phase {
        match self.phase {
            Phase::Open if now_ms - self.opened_at_ms >= s.reset_timeout_ms => Phase::HalfOpen,
            phase => phase,
        }
    }

    /// Whether a call may go out at `now_ms`; takes a trial slot when half-open.
    pub fn admit(&mut self, now_ms: i64, s: &Settings) -> bool {
        match self.phase_at(now_ms, s) {
            Phase::Closed => true,
            Phase::Open => false,
            Phase::HalfOpen => {
                if self.phase != Phase::HalfOpen {
                    *self = Self { phase: Phase::HalfOpen, trials: 0, ..*self };
                }
                if self.trials >= s.half_open_max_calls {
                    return false;
                }
                self.trials += 1;
                true
            }
        }
    }

    /// A call succeeded: the circuit closes.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }

    /// A call failed transiently at `now_ms`.
    pub fn failed(&mut self, now_ms: i64, s: &Settings) {
        match self.phase {
            Phase::HalfOpen | Phase::Open => {
                *self = Self { phase: Phase::Open, failures: 0, opened_at_ms: now_ms, trials: 0 }
            }
            Phase::Closed => {
                self.failures += 1;
                if self.failures >= s.failure_threshold {
                    *self = Self { phase: Phase::Open, failures: 0, opened_at_ms: now_ms, trials: 0 };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Settings = Settings { failure_threshold: 3, reset_timeout_ms: 10_000, half_open_max_calls: 1 };

    #[test]
    fn opens_after_the_threshold_and_half_opens_after_the_timeout() {
        let mut c = Circuit::default();
        for t in 0..2 {
            assert!(c.admit(t, &S));
            c.failed(t, &S);
        }
        assert_eq!(c.phase, Phase::Closed);
        c.failed(5, &S);
        assert_eq!((c.phase, c.opened_at_ms), (Phase::Open, 5));
        assert!(!c.admit(9_999, &S), "open: skipped");
        assert_eq!(c.phase_at(10_005, &S), Phase::HalfOpen);
        assert!(c.admit(10_005, &S), "one trial call");
        assert!(!c.admit(10_006, &S), "only one");
        c.failed(10_100, &S);
        assert_eq!((c.phase, c.opened_at_ms), (Phase::Open, 10_100), "a failed trial opens it again");
        assert!(c.admit(20_100, &S));
        c.succeeded();
        assert_eq!(c, Circuit::default(), "a successful trial closes it");
    }

    #[test]
    fn a_success_resets_the_count() {
        let mut c = Circuit::default();
        c.failed(0, &S);
        c.failed(1, &S);
        c.succeeded();
        c.failed(2, &S);
        c.failed(3, &S);
        assert_eq!(c.phase, Phase::Closed);
        assert_eq!(c.phase.gauge(), 0);
    }
}
