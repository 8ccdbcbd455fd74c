//! Combining predicates (`clauselist_selectivity`): per table, the sample decides when it holds the whole table
//! and checks compound predicates otherwise; without it, PostgreSQL's independence product with one-sided
//! comparisons on the same column merged into ranges.

use super::bind::{Bound, Rel};
use super::column::{ColumnView, num_distinct};
use super::pattern::{self, Pattern};
use super::pred::{Col, Op, Pred};
use super::sampled::{MIN_MATCHES, SampleView, blend};
use super::{DEFAULT_INEQ_SEL, DEFAULT_RANGE_INEQ_SEL, DEFAULT_UNK_SEL, Estimator};
use crate::stats::model::ColumnStats;
use crate::stats::sample;
use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

/// MCVs and histogram bounds of column statistics computed from a sample.
const SAMPLE_BUCKETS: usize = 100;

/// A bound of a range: the value and whether it is included.
type Bound1<'p> = Option<(&'p Value, bool)>;

impl<'a> Estimator<'a> {
    /// Selectivity of any predicate over the tables of `b` (relative to their cross product).
    pub(super) fn pred_sel(&self, b: &Bound<'a>, p: &Pred) -> f64 {
        if let [rel] = p.rels()[..] {
            return self.rel_sel(b, rel, &[p]);
        }
        match p {
            Pred::And(list) => list.iter().map(|q| self.pred_sel(b, q)).product(),
            Pred::Or(list) => or_all(list.iter().map(|q| self.pred_sel(b, q))),
            Pred::Not(q) => 1.0 - self.pred_sel(b, q),
            Pred::Cols(x, Op::Eq, y) if x.rel != y.rel => self.eqjoinsel(b, x, y),
            Pred::Const(s) | Pred::Opaque { sel: s, .. } => *s,
            _ => DEFAULT_INEQ_SEL,
        }
    }

    /// Selectivity of the conjunction `preds`, all on table `rel`.
    pub(super) fn rel_sel(&self, b: &Bound<'a>, rel: usize, preds: &[&Pred]) -> f64 {
        if preds.is_empty() {
            return 1.0;
        }
        let sample = SampleView::of(&b.rels[rel]);
        let counted = sample.and_then(|s| s.count(preds).map(|k| (s, k)));
        if let Some((s, k)) = counted.filter(|(s, _)| s.complete) {
            return k as f64 / s.len() as f64;
        }
        let model = self.model_conj(b, preds);
        let compound = preds.len() > 1 || preds.iter().any(|p| p.is_compound());
        match counted {
            Some((s, k)) if compound && preds.len() > 1 && k >= MIN_MATCHES => self.anchored(b, &s, preds, k),
            Some((s, k)) if compound => blend(model, k, s.len()),
            _ => model,
        }
    }

    /// A conjunction `k` sampled rows satisfy, `k` large enough to trust: the conditional fraction from the
    /// sample, anchored on the conjunct whose measured selectivity (statistics) the sample misrepresents most,
    /// so a sample that over- or under-represents some rows (a stale sample, rows of one physical region)
    /// skews the estimate no more than it skews the anchor. Never above a measured conjunct's selectivity.
    fn anchored(&self, b: &Bound<'a>, s: &SampleView<'_>, preds: &[&Pred], k: usize) -> f64 {
        let n = s.len() as f64;
        let mut estimate = k as f64 / n;
        let mut cap = 1.0f64;
        let mut skew = 0.0f64;
        for p in preds {
            let (Some(measured), Some(k_p)) = (self.measured(b, p), s.count(&[p])) else { continue };
            cap = cap.min(measured);
            let ratio = measured * n / k_p.max(1) as f64;
            if k_p > 0 && ratio.ln().abs() > skew {
                skew = ratio.ln().abs();
                estimate = measured * k as f64 / k_p as f64;
            }
        }
        estimate.min(cap)
    }

    /// The selectivity of a conjunct when the collected statistics measure it (a most common value, a range
    /// over the histogram, the null fraction) rather than guess it (other values, patterns, defaults).
    fn measured(&self, b: &Bound<'a>, p: &Pred) -> Option<f64> {
        let col = match p {
            Pred::Cmp(col, ..) | Pred::Between { col, .. } | Pred::In { col, .. } | Pred::Null { col, .. } => col,
            _ => return None,
        };
        let rel = &b.rels[col.rel];
        let stats = rel.stats?.column(&col.name)?;
        let v = ColumnView { stats, rows: rel.rows };
        match p {
            Pred::Cmp(_, Op::Eq, value) => v.is_common(value).then(|| v.eq(value)),
            Pred::Cmp(_, Op::Ne, value) => v.is_common(value).then(|| v.ne(value)),
            Pred::Cmp(_, op, value) => v.range(lower(*op, value), upper(*op, value)),
            Pred::Between { low, high, negated: false, .. } => v.range(Some((low, true)), Some((high, true))),
            Pred::In { values, negated: false, .. } => {
                values.iter().all(|x| v.is_common(x)).then(|| v.in_list(values, false))
            }
            Pred::Null { negated, .. } => Some(v.null(*negated)),
            _ => None,
        }
    }

    /// The independence product, with lower and upper bounds on one column estimated as one range.
    fn model_conj(&self, b: &Bound<'a>, preds: &[&Pred]) -> f64 {
        let mut sel = 1.0;
        // Per column: its comparisons, the tightest lower and upper bound.
        let mut ranges: Vec<(&Col, Vec<&Pred>, Bound1<'_>, Bound1<'_>)> = Vec::new();
        for p in preds {
            let Pred::Cmp(col, op @ (Op::Lt | Op::Le | Op::Gt | Op::Ge), v) = p else {
                sel *= self.model_sel(b, p);
                continue;
            };
            let i = match ranges.iter().position(|r| r.0 == col) {
                Some(i) => i,
                None => {
                    ranges.push((col, Vec::new(), None, None));
                    ranges.len() - 1
                }
            };
            let range = &mut ranges[i];
            range.1.push(p);
            let inclusive = matches!(op, Op::Le | Op::Ge);
            if matches!(op, Op::Gt | Op::Ge) {
                range.2 = tighter(range.2, (v, inclusive), Ordering::Greater);
            } else {
                range.3 = tighter(range.3, (v, inclusive), Ordering::Less);
            }
        }
        for (col, members, low, high) in ranges {
            sel *= self.range_sel(b, col, &members, low, high);
        }
        sel
    }

    /// One predicate by the statistics (the table's sample as a whole is not consulted here).
    fn model_sel(&self, b: &Bound<'a>, p: &Pred) -> f64 {
        match p {
            Pred::And(list) => self.model_conj(b, &list.iter().collect::<Vec<_>>()),
            Pred::Or(list) => match same_column_values(list) {
                // `x = 1 OR x = 2 OR x IN (3, 4)`: disjoint, like an IN list.
                Some((col, values)) => self.atom_sel(b, &Pred::In { col: col.clone(), values, negated: false }),
                None => or_all(list.iter().map(|q| self.model_sel(b, q))),
            },
            Pred::Not(q) => 1.0 - self.model_sel(b, q),
            Pred::Cols(..) if p.rels().len() > 1 => self.pred_sel(b, p),
            Pred::Const(s) | Pred::Opaque { sel: s, .. } => *s,
            _ => self.atom_sel(b, p),
        }
    }

    /// A range on one column: from the statistics when they describe the distribution, else the defaults
    /// checked against the sample.
    fn range_sel(&self, b: &Bound<'a>, col: &Col, members: &[&Pred], low: Bound1<'_>, high: Bound1<'_>) -> f64 {
        let rel = &b.rels[col.rel];
        let stats = self.column_stats(rel, &col.name);
        let view = stats.as_deref().map(|s| ColumnView { stats: s, rows: rel.rows });
        if let Some(sel) = view.and_then(|v| v.range(low, high)) {
            return sel;
        }
        let guess = if low.is_some() && high.is_some() { DEFAULT_RANGE_INEQ_SEL } else { DEFAULT_INEQ_SEL };
        sample_checked(rel, members, guess)
    }

    /// One single-column test: the column formulas, or a default checked against the sample.
    fn atom_sel(&self, b: &Bound<'a>, p: &Pred) -> f64 {
        let col = match p {
            Pred::Cmp(col, ..)
            | Pred::Between { col, .. }
            | Pred::In { col, .. }
            | Pred::Like { col, .. }
            | Pred::Null { col, .. } => col,
            Pred::Cols(a, op, _) => {
                let guess = if *op == Op::Eq { super::DEFAULT_EQ_SEL } else { DEFAULT_INEQ_SEL };
                return sample_checked(&b.rels[a.rel], &[p], guess);
            }
            other => return self.model_sel(b, other),
        };
        let rel = &b.rels[col.rel];
        let stats = self.column_stats(rel, &col.name);
        let view = stats.as_deref().map(|s| ColumnView { stats: s, rows: rel.rows });
        let sample = SampleView::of(rel);
        let from_stats = view.and_then(|v| match p {
            Pred::Cmp(_, Op::Eq, value) => Some(v.eq(value)),
            Pred::Cmp(_, Op::Ne, value) => Some(v.ne(value)),
            Pred::Cmp(_, op, value) => v.range(lower(*op, value), upper(*op, value)),
            Pred::Between { low, high, negated, .. } => {
                let inside = v.range(Some((low, true)), Some((high, true)))?;
                Some(if *negated { (1.0 - v.null_frac() - inside).max(0.0) } else { inside })
            }
            Pred::In { values, negated, .. } => Some(v.in_list(values, *negated)),
            Pred::Like { pattern, negated, .. } => {
                let rest = sample.and_then(|s| like_rest(&s, col, pattern, &v));
                Some(v.like(pattern, *negated, rest))
            }
            Pred::Null { negated, .. } => Some(v.null(*negated)),
            _ => None,
        });
        match from_stats {
            Some(sel) => sel,
            None => sample_checked(rel, &[p], default_sel(p, rel.rows, stats.as_deref())),
        }
    }

    /// A column's statistics: the collected ones, or ones computed from the table's sample when the table had
    /// too few rows to get any.
    pub(super) fn column_stats(&self, rel: &Rel<'a>, column: &str) -> Option<Cow<'a, ColumnStats>> {
        if let Some(stats) = rel.stats.and_then(|s| s.column(column)) {
            return Some(Cow::Borrowed(stats));
        }
        let values = SampleView::of(rel)?.values(column)?;
        Some(Cow::Owned(sample::column_stats(column, &values, rel.rows, SAMPLE_BUCKETS)))
    }
}

/// `guess` checked against the table's sample when it can evaluate `preds`.
fn sample_checked(rel: &Rel<'_>, preds: &[&Pred], guess: f64) -> f64 {
    let counted = SampleView::of(rel).and_then(|s| s.count(preds).map(|k| (k, s.len())));
    match counted {
        Some((k, n)) => blend(guess, k, n),
        None => guess,
    }
}

/// Matches and values among the sampled values of `col` that are neither NULL nor most common.
fn like_rest(sample: &SampleView<'_>, col: &Col, pattern: &Pattern, view: &ColumnView<'_>) -> Option<(usize, usize)> {
    let values = sample.values(&col.name)?;
    let rest: Vec<&Value> = values.iter().filter(|v| !v.is_null() && !view.is_common(v)).collect();
    let matches = rest.iter().filter(|v| super::column::text(v).is_some_and(|t| pattern.matches(&t))).count();
    Some((matches, rest.len()))
}

/// PostgreSQL's selectivity for a test on a column without usable statistics.
fn default_sel(p: &Pred, rows: f64, stats: Option<&ColumnStats>) -> f64 {
    let eq = 1.0 / num_distinct(stats, rows).0;
    match p {
        Pred::Cmp(_, Op::Eq, v) => {
            if v.is_null() {
                0.0
            } else {
                eq
            }
        }
        Pred::Cmp(_, Op::Ne, _) => 1.0 - eq,
        Pred::Cmp(..) => DEFAULT_INEQ_SEL,
        Pred::Between { negated, .. } => flip(DEFAULT_RANGE_INEQ_SEL, *negated),
        Pred::In { values, negated, .. } => flip((eq * values.len() as f64).min(1.0), *negated),
        Pred::Like { pattern, negated, .. } => flip(like_default(pattern, eq), *negated),
        Pred::Null { negated, .. } => flip(DEFAULT_UNK_SEL, *negated),
        _ => DEFAULT_INEQ_SEL,
    }
}

/// A LIKE without statistics: an exact pattern is an equality; otherwise the prefix and the rest of the
/// pattern counted character by character.
fn like_default(pattern: &Pattern, eq: f64) -> f64 {
    let (prefix, exact) = pattern.prefix();
    if exact {
        return eq;
    }
    (pattern::fixed_selectivity(prefix.chars().count()) * pattern.rest_selectivity()).clamp(0.0001, 0.9999)
}

fn flip(sel: f64, negated: bool) -> f64 {
    if negated { 1.0 - sel } else { sel }
}

/// `s1 OR s2 OR ...` for independent predicates.
fn or_all(sels: impl Iterator<Item = f64>) -> f64 {
    sels.fold(0.0, |acc, s| acc + s - acc * s)
}

/// The column and values when every arm of an OR is `column = constant` or `column IN (...)` on one column.
fn same_column_values(list: &[Pred]) -> Option<(&Col, Vec<Value>)> {
    let mut column: Option<&Col> = None;
    let mut values = Vec::new();
    for p in list {
        let (col, vs) = match p {
            Pred::Cmp(col, Op::Eq, v) => (col, std::slice::from_ref(v)),
            Pred::In { col, values, negated: false } => (col, values.as_slice()),
            _ => return None,
        };
        if column.is_some_and(|c| c != col) {
            return None;
        }
        column = Some(col);
        values.extend(vs.iter().cloned());
    }
    column.map(|c| (c, values))
}

/// The lower bound `column op value` sets, if any.
fn lower(op: Op, value: &Value) -> Bound1<'_> {
    match op {
        Op::Gt => Some((value, false)),
        Op::Ge => Some((value, true)),
        _ => None,
    }
}

/// The upper bound `column op value` sets, if any.
fn upper(op: Op, value: &Value) -> Bound1<'_> {
    match op {
        Op::Lt => Some((value, false)),
        Op::Le => Some((value, true)),
        _ => None,
    }
}

/// The tighter of two bounds: `better` is the direction that restricts more (`Greater` for lower bounds).
fn tighter<'p>(current: Bound1<'p>, new: (&'p Value, bool), better: Ordering) -> Bound1<'p> {
    let Some(old) = current else { return Some(new) };
    match super::value::compare(new.0, old.0) {
        Some(o) if o == better => Some(new),
        Some(Ordering::Equal) if !new.1 => Some(new),
        _ => Some(old),
    }
}
