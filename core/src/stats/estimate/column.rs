//! One column against constants, from its `pg_stats`-shaped statistics, with PostgreSQL's formulas
//! (`selfuncs.c`): most common values count with their own frequencies, the rest of the non-null rows share
//! what is left evenly (equality) or along the equi-depth histogram (ranges, LIKE prefixes).

use super::pattern::{self, Pattern};
use super::value::{self, compare, equal, fraction, is_integer};
use super::{DEFAULT_NUM_DISTINCT, sampled};
use crate::stats::model::ColumnStats;
use serde_json::Value;
use std::cmp::Ordering;

/// Histograms with fewer bounds are not matched against a LIKE pattern (`histogram_selectivity`'s minimum).
const MIN_HIST_MATCH: usize = 10;
/// From this many bounds on, histogram matching alone is trusted for LIKE; below, it is blended with the guess.
const FULL_HIST_MATCH: usize = 100;
/// LIKE estimates stay within these (PostgreSQL does not believe extremely small or large ones).
const LIKE_CLAMP: (f64, f64) = (0.0001, 0.9999);

/// Distinct non-null values of a column of a `rows`-row table, and whether that is a default: the statistics'
/// count, else the table's rows when it is small, else [`DEFAULT_NUM_DISTINCT`] (`get_variable_numdistinct`).
pub(super) fn num_distinct(stats: Option<&ColumnStats>, rows: f64) -> (f64, bool) {
    if let Some(s) = stats.filter(|s| s.n_distinct != 0.0) {
        let d = s.distinct_count(rows);
        return (if rows >= 1.0 { d.clamp(1.0, rows) } else { d.max(1.0) }, false);
    }
    if rows < DEFAULT_NUM_DISTINCT { (rows.max(1.0), false) } else { (DEFAULT_NUM_DISTINCT, true) }
}

/// A column's statistics in a table of `rows` rows.
#[derive(Debug, Clone, Copy)]
pub(super) struct ColumnView<'a> {
    pub(super) stats: &'a ColumnStats,
    pub(super) rows: f64,
}

impl<'a> ColumnView<'a> {
    pub(super) fn null_frac(&self) -> f64 {
        self.stats.null_frac.clamp(0.0, 1.0)
    }

    /// Most common values with their frequencies.
    pub(super) fn mcv(&self) -> impl Iterator<Item = (&'a Value, f64)> + 'a {
        self.stats.most_common_vals.iter().zip(self.stats.most_common_freqs.iter().copied())
    }

    fn sum_common(&self) -> f64 {
        self.mcv().map(|(_, f)| f).sum()
    }

    /// Fraction of rows that are neither NULL nor a most common value: what the histogram describes.
    pub(super) fn rest(&self) -> f64 {
        (1.0 - self.null_frac() - self.sum_common()).clamp(0.0, 1.0)
    }

    /// Whether the statistics say anything about the distribution (beyond nulls and distinct count).
    pub(super) fn has_distribution(&self) -> bool {
        !self.stats.most_common_vals.is_empty() || self.stats.histogram_bounds.len() >= 2
    }

    /// Whether `v` is one of the most common values.
    pub(super) fn is_common(&self, v: &Value) -> bool {
        self.stats.most_common_vals.iter().any(|m| equal(m, v))
    }

    /// `column = v` (`var_eq_const`): an MCV's own frequency; otherwise the rows outside the MCVs and NULLs
    /// spread over the other distinct values, but never above the least common MCV.
    pub(super) fn eq(&self, v: &Value) -> f64 {
        if v.is_null() {
            return 0.0;
        }
        if let Some((_, freq)) = self.mcv().find(|(m, _)| equal(m, v)) {
            return freq.clamp(0.0, 1.0);
        }
        let n_mcv = self.stats.most_common_freqs.len();
        let (nd, _) = num_distinct(Some(self.stats), self.rows);
        let mut sel = self.rest();
        let others = nd - n_mcv as f64;
        if others > 1.0 {
            sel /= others;
        }
        if let Some(least) = self.stats.most_common_freqs.last().filter(|_| n_mcv > 0) {
            sel = sel.min(*least);
        }
        sel.clamp(0.0, 1.0)
    }

    /// `column <> v` (`neqsel`): neither equal nor NULL.
    pub(super) fn ne(&self, v: &Value) -> f64 {
        if v.is_null() {
            return 0.0;
        }
        (1.0 - self.eq(v) - self.null_frac()).clamp(0.0, 1.0)
    }

    /// `column IN (values)`: equalities of distinct values are disjoint, so they add up.
    pub(super) fn in_list(&self, values: &[Value], negated: bool) -> f64 {
        let mut seen: Vec<&Value> = Vec::new();
        for v in values.iter().filter(|v| !v.is_null()) {
            if !seen.iter().any(|s| equal(s, v)) {
                seen.push(v);
            }
        }
        let sum: f64 = seen.iter().map(|v| self.eq(v)).sum();
        let sum = sum.min(1.0 - self.null_frac());
        if negated { (1.0 - self.null_frac() - sum).max(0.0) } else { sum.max(0.0) }
    }

    /// `column IS [NOT] NULL`.
    pub(super) fn null(&self, negated: bool) -> f64 {
        if negated { 1.0 - self.null_frac() } else { self.null_frac() }
    }

    /// Rows with `low` < (or ≤, when its flag is set) column < (≤) `high`, either bound optional
    /// (`scalarineqsel` and the range merging of `clauselist_selectivity`): MCVs in range count exactly; the
    /// histogram gives the fraction of the rest, interpolating linearly inside the bucket the bound falls in.
    /// `None` when the statistics have neither MCVs nor a histogram.
    pub(super) fn range(&self, low: Option<(&Value, bool)>, high: Option<(&Value, bool)>) -> Option<f64> {
        if !self.has_distribution() {
            return None;
        }
        if low.is_some_and(|(v, _)| v.is_null()) || high.is_some_and(|(v, _)| v.is_null()) {
            return Some(0.0);
        }
        let within = |v: &Value| {
            low.is_none_or(|(b, inclusive)| {
                compare(v, b).is_some_and(|o| o == Ordering::Greater || inclusive && o == Ordering::Equal)
            }) && high.is_none_or(|(b, inclusive)| {
                compare(v, b).is_some_and(|o| o == Ordering::Less || inclusive && o == Ordering::Equal)
            })
        };
        let (mut in_mcv, mut sum_common) = (0.0, 0.0);
        for (v, f) in self.mcv() {
            sum_common += f;
            if within(v) {
                in_mcv += f;
            }
        }
        let bounds = &self.stats.histogram_bounds;
        let hist = if bounds.len() >= 2 {
            let upper = high.map_or(1.0, |(v, inclusive)| below(bounds, v, inclusive));
            let lower = low.map_or(0.0, |(v, inclusive)| below(bounds, v, !inclusive));
            (upper - lower).max(0.0)
        } else if sum_common > 0.0 {
            // No histogram: assume the few other values spread like the common ones.
            in_mcv / sum_common
        } else {
            0.5
        };
        Some((in_mcv + hist * self.rest()).clamp(0.0, 1.0))
    }

    /// `column [NOT] [I]LIKE pattern` (`patternsel`): MCVs are matched one by one; for the rest, `rest_match`
    /// (matches and values seen among sampled rows outside the MCVs) when there is a sample, else the histogram
    /// matched bound by bound, blended with the prefix range and the character-counting guess when it is short.
    pub(super) fn like(&self, pattern: &Pattern, negated: bool, rest_match: Option<(usize, usize)>) -> f64 {
        let (prefix, exact) = pattern.prefix();
        let positive = if exact {
            self.eq(&Value::String(prefix))
        } else {
            let in_mcv: f64 =
                self.mcv().filter(|(m, _)| text(m).is_some_and(|t| pattern.matches(&t))).map(|(_, f)| f).sum();
            let guess = self.like_guess(pattern, &prefix);
            let rest = match rest_match {
                Some((k, m)) => sampled::blend(guess, k, m),
                None => guess,
            };
            in_mcv + rest * self.rest()
        };
        let positive = positive.clamp(0.0, 1.0 - self.null_frac());
        if negated { (1.0 - positive - self.null_frac()).max(0.0) } else { positive }
    }

    /// The fraction of non-MCV values matching, from the histogram and the pattern's shape alone.
    fn like_guess(&self, pattern: &Pattern, prefix: &str) -> f64 {
        let bounds = &self.stats.histogram_bounds;
        let matched = (bounds.len() >= MIN_HIST_MATCH).then(|| {
            // The end bounds are the extremes, not typical values.
            let inner = &bounds[1..bounds.len() - 1];
            let hits = inner.iter().filter(|b| text(b).is_some_and(|t| pattern.matches(&t))).count();
            hits as f64 / inner.len() as f64
        });
        let prefix_part = if prefix.is_empty() {
            1.0
        } else if bounds.len() >= 2 {
            let start = Value::String(prefix.to_owned());
            let lower = below(bounds, &start, false);
            let upper = pattern::upper_bound(prefix).map_or(1.0, |u| below(bounds, &Value::String(u), false));
            (upper - lower).max(0.0)
        } else {
            pattern::fixed_selectivity(prefix.chars().count())
        };
        let heuristic = prefix_part * pattern.rest_selectivity();
        let guess = match matched {
            Some(m) if bounds.len() >= FULL_HIST_MATCH => m,
            Some(m) => {
                let weight = bounds.len() as f64 / FULL_HIST_MATCH as f64;
                m * weight + heuristic * (1.0 - weight)
            }
            None => heuristic,
        };
        guess.clamp(LIKE_CLAMP.0, LIKE_CLAMP.1)
    }
}

/// Text of a value for pattern matching (numbers as they print).
pub(super) fn text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The fraction of an equi-depth histogram's values below `v` (at most `v` when `inclusive`): whole buckets
/// below the one `v` falls in, plus the interpolated part of that bucket. Whole-number domains are treated as
/// discrete (`x < 5` is `x < 4.5`, `x <= 5` is `x < 5.5`) so the operator's strictness counts.
pub(super) fn below(bounds: &[Value], v: &Value, inclusive: bool) -> f64 {
    let n = bounds.len();
    if n < 2 {
        return 0.5;
    }
    let before = |b: &Value| compare(b, v).is_some_and(|o| o == Ordering::Less || inclusive && o == Ordering::Equal);
    let count = bounds.partition_point(before);
    if count == 0 {
        return 0.0;
    }
    if count >= n {
        return 1.0;
    }
    let (lo, hi) = (&bounds[count - 1], &bounds[count]);
    let within = if is_integer(lo) && is_integer(hi) && is_integer(v) {
        match (value::scalar(lo), value::scalar(hi), value::scalar(v)) {
            (Some(a), Some(b), Some(x)) if b > a => {
                let x = if inclusive { x + 0.5 } else { x - 0.5 };
                ((x - a) / (b - a)).clamp(0.0, 1.0)
            }
            _ => fraction(lo, hi, v),
        }
    } else {
        fraction(lo, hi, v)
    };
    ((count - 1) as f64 + within) / (n - 1) as f64
}
