//! Predicates evaluated on a table's stored row sample: the answer itself when the sample is the whole table,
//! otherwise evidence that confirms or bounds the statistics' estimate. This is what catches correlated
//! predicates (`city = 'London' AND country = 'UK'`), which PostgreSQL multiplies as if independent.

use super::bind::Rel;
use super::column::text;
use super::pred::{Col, Pred};
use super::value::compare;
use serde_json::Value;
use std::cmp::Ordering;

/// Matching sample rows from which the sample's own fraction is used as the estimate.
pub(super) const MIN_MATCHES: usize = 5;
/// Tail probability of the interval an estimate is clamped to when the sample has fewer matches.
const TAIL: f64 = 0.1;
/// The standard normal quantile of 1 - [`TAIL`].
const TAIL_Z: f64 = 1.281_551_565_5;
/// Counts up to which the Poisson interval is solved exactly (beyond, a normal approximation; λ ≤ 100).
const EXACT_INTERVAL: usize = 50;

/// A table's row sample.
#[derive(Debug, Clone, Copy)]
pub(super) struct SampleView<'a> {
    columns: &'a [String],
    pub(super) rows: &'a [Vec<Value>],
    /// The sample holds every row of the table.
    pub(super) complete: bool,
}

impl<'a> SampleView<'a> {
    /// The sample of `rel`, when it has rows.
    pub(super) fn of(rel: &Rel<'a>) -> Option<Self> {
        let stats = rel.stats?;
        let sample = stats.sample.as_ref().filter(|s| !s.rows.is_empty())?;
        let complete = sample.rows.len() as f64 >= stats.row_count.round();
        Some(Self { columns: &sample.columns, rows: &sample.rows, complete })
    }

    /// Sampled rows.
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Position of `column` in the sample's rows.
    pub(super) fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.eq_ignore_ascii_case(column))
    }

    /// The sampled values of `column`.
    pub(super) fn values(&self, column: &str) -> Option<Vec<Value>> {
        let i = self.index(column)?;
        Some(self.rows.iter().map(|r| r.get(i).cloned().unwrap_or(Value::Null)).collect())
    }

    /// Whether every column `p` reads is sampled (and `p` is something a row can answer).
    pub(super) fn evaluable(&self, p: &Pred) -> bool {
        match p {
            Pred::And(list) | Pred::Or(list) => list.iter().all(|q| self.evaluable(q)),
            Pred::Not(q) => self.evaluable(q),
            Pred::Cmp(col, ..)
            | Pred::Between { col, .. }
            | Pred::In { col, .. }
            | Pred::Like { col, .. }
            | Pred::Null { col, .. } => self.index(&col.name).is_some(),
            Pred::Cols(a, _, b) => a.rel == b.rel && self.index(&a.name).is_some() && self.index(&b.name).is_some(),
            Pred::Const(_) => true,
            Pred::Opaque { .. } => false,
        }
    }

    /// Rows satisfying every predicate of `preds`; `None` when one cannot be evaluated.
    pub(super) fn count(&self, preds: &[&Pred]) -> Option<usize> {
        if !preds.iter().all(|p| self.evaluable(p)) {
            return None;
        }
        Some(self.rows.iter().filter(|row| self.passes(preds, row)).count())
    }

    /// Whether `row` satisfies every predicate (SQL's unknown is not a match).
    pub(super) fn passes(&self, preds: &[&Pred], row: &[Value]) -> bool {
        preds.iter().all(|p| self.test(p, row) == Some(true))
    }

    /// A predicate on one row, in SQL's three-valued logic (`None` = unknown).
    fn test(&self, p: &Pred, row: &[Value]) -> Option<bool> {
        let cell = |col: &Col| self.index(&col.name).and_then(|i| row.get(i)).unwrap_or(&Value::Null);
        let flip = |b: Option<bool>, negated: bool| b.map(|b| b != negated);
        match p {
            Pred::And(list) => {
                let results: Vec<Option<bool>> = list.iter().map(|q| self.test(q, row)).collect();
                if results.contains(&Some(false)) {
                    Some(false)
                } else if results.contains(&None) {
                    None
                } else {
                    Some(true)
                }
            }
            Pred::Or(list) => {
                let results: Vec<Option<bool>> = list.iter().map(|q| self.test(q, row)).collect();
                if results.contains(&Some(true)) {
                    Some(true)
                } else if results.contains(&None) {
                    None
                } else {
                    Some(false)
                }
            }
            Pred::Not(q) => self.test(q, row).map(|b| !b),
            Pred::Cmp(col, op, v) => compare(cell(col), v).map(|o| op.holds(o)),
            Pred::Between { col, low, high, negated } => {
                let v = cell(col);
                let above = compare(v, low).map(|o| o != Ordering::Less);
                let under = compare(v, high).map(|o| o != Ordering::Greater);
                let inside = match (above, under) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                flip(inside, *negated)
            }
            Pred::In { col, values, negated } => {
                let v = cell(col);
                let found = if v.is_null() {
                    None
                } else if values.iter().any(|x| compare(v, x) == Some(Ordering::Equal)) {
                    Some(true)
                } else if values.iter().any(Value::is_null) {
                    None
                } else {
                    Some(false)
                };
                flip(found, *negated)
            }
            Pred::Like { col, pattern, negated } => flip(text(cell(col)).map(|t| pattern.matches(&t)), *negated),
            Pred::Null { col, negated } => Some(cell(col).is_null() != *negated),
            Pred::Cols(a, op, b) => compare(cell(a), cell(b)).map(|o| op.holds(o)),
            Pred::Const(s) => Some(*s > 0.5),
            Pred::Opaque { .. } => None,
        }
    }
}

/// An estimate from the statistics (`guess`) checked against a sample of `n` rows of which `k` match: with at
/// least [`MIN_MATCHES`] matches the sample's fraction; with fewer, the guess kept inside the range of
/// fractions that would make `k` matches unsurprising (a Poisson interval with [`TAIL`] on each side), so
/// neither a sample that saw nothing nor a guess that ignores correlation can go far wrong.
pub(super) fn blend(guess: f64, k: usize, n: usize) -> f64 {
    if n == 0 {
        return guess;
    }
    let n = n as f64;
    if k >= MIN_MATCHES {
        return k as f64 / n;
    }
    let (low, high) = poisson_interval(k);
    guess.clamp(low / n, high / n)
}

/// `guess` moved just enough to be plausible for `k` matches in `n` sampled rows (the Poisson interval of
/// [`blend`], whatever `k`): for correction factors, where a handful of matches is not evidence enough.
pub(super) fn plausible(guess: f64, k: usize, n: usize) -> f64 {
    if n == 0 {
        return guess;
    }
    let (low, high) = poisson_interval(k);
    guess.clamp(low / n as f64, high / n as f64)
}

/// Means λ between which `k` observed events are not in either [`TAIL`] of a Poisson(λ) distribution.
fn poisson_interval(k: usize) -> (f64, f64) {
    if k > EXACT_INTERVAL {
        // Normal approximation, with λ's own standard deviation.
        let (k, z) = (k as f64, TAIL_Z);
        return ((k.sqrt() - z / 2.0).powi(2), (k.sqrt() + z / 2.0).powi(2) + 1.0);
    }
    // P(X ≥ k) grows with λ: the low end is where it reaches TAIL, the high end where P(X ≤ k) falls to TAIL.
    let low = if k == 0 { 0.0 } else { solve(|l| 1.0 - poisson_cdf(k - 1, l), TAIL) };
    let high = solve(|l| 1.0 - poisson_cdf(k, l), 1.0 - TAIL);
    (low, high)
}

/// λ where the increasing function `f` reaches `goal`, by bisection.
fn solve(f: impl Fn(f64) -> f64, goal: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 100.0);
    for _ in 0..60 {
        let mid = (lo + hi) / 2.0;
        if f(mid) < goal {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// P(X ≤ k) for X ~ Poisson(λ).
fn poisson_cdf(k: usize, lambda: f64) -> f64 {
    let mut term = (-lambda).exp();
    let mut sum = term;
    for i in 1..=k {
        term *= lambda / i as f64;
        sum += term;
    }
    sum
}
