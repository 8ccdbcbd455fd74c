//! GROUP BY and DISTINCT output rows (`estimate_num_groups`): per table the product of the grouping columns'
//! distinct counts, capped by the table's rows and thinned by its filters; the product over tables, capped by
//! the rows grouped. A fully sampled table counts its groups; a partial sample bounds multi-column products.

use super::Estimator;
use super::bind::Bound;
use super::column::num_distinct;
use super::join::Plan;
use super::pred::{Col, Pred};
use super::sampled::SampleView;
use crate::stats::sample::{Key, distinct_estimate};
use std::collections::{BTreeMap, BTreeSet};

impl<'a> Estimator<'a> {
    /// Groups formed by the columns `cols` over the rows of `plan`.
    pub(super) fn groups(&self, b: &Bound<'a>, plan: &Plan, cols: &[Col]) -> f64 {
        let mut per_rel: BTreeMap<usize, Vec<&Col>> = BTreeMap::new();
        for col in cols {
            let list = per_rel.entry(col.rel).or_default();
            if !list.iter().any(|c| c.name.eq_ignore_ascii_case(&col.name)) {
                list.push(col);
            }
        }
        let mut groups = 1.0;
        for (rel, cols) in per_rel {
            let filters: Vec<&Pred> = plan.filters.get(rel).map(|f| f.iter().collect()).unwrap_or_default();
            let filtered = plan.filtered.get(rel).copied().unwrap_or(b.rels[rel].rows);
            groups *= self.rel_groups(b, rel, &cols, &filters, filtered);
        }
        groups.min(plan.joined).max(1.0)
    }

    fn rel_groups(&self, b: &Bound<'a>, rel: usize, cols: &[&Col], filters: &[&Pred], filtered: f64) -> f64 {
        let r = &b.rels[rel];
        let sample = SampleView::of(r);
        let indexes: Option<Vec<usize>> = sample.and_then(|s| cols.iter().map(|c| s.index(&c.name)).collect());
        if let (Some(s), Some(idx)) = (sample, &indexes)
            && s.complete
            && filters.iter().all(|f| s.evaluable(f))
        {
            // Inserted one by one: collecting into a BTreeSet sorts with std's sort, compiled once per element
            // type (see `crate::order`).
            let mut keys: BTreeSet<Vec<Option<Key>>> = BTreeSet::new();
            for row in s.rows.iter().filter(|row| s.passes(filters, row)) {
                keys.insert(idx.iter().map(|i| row.get(*i).and_then(Key::of)).collect());
            }
            return (keys.len() as f64).max(1.0);
        }
        let total = r.rows.max(1.0);
        let mut distinct: f64 =
            cols.iter().map(|c| num_distinct(self.column_stats(r, &c.name).as_deref(), r.rows).0).product();
        if cols.len() > 1
            && let (Some(s), Some(idx)) = (sample, &indexes)
        {
            distinct = distinct.min(combinations(s, idx, total));
        }
        let mut distinct = distinct.min(total);
        if filtered < total {
            // Each value keeps at least one of its total/distinct rows with this probability.
            distinct *= 1.0 - ((total - filtered) / total).powf(total / distinct);
        }
        distinct.clamp(1.0, filtered.max(1.0))
    }
}

/// Distinct combinations of the columns at `idx` in a table of `total` rows, from the sample (Haas–Stokes,
/// as ANALYZE estimates one column's distinct count).
fn combinations(s: SampleView<'_>, idx: &[usize], total: f64) -> f64 {
    let mut counts: BTreeMap<Vec<Option<Key>>, usize> = BTreeMap::new();
    for row in s.rows {
        *counts.entry(idx.iter().map(|i| row.get(*i).and_then(Key::of)).collect()).or_insert(0) += 1;
    }
    let d = counts.len() as f64;
    let f1 = counts.values().filter(|c| **c == 1).count() as f64;
    let n = distinct_estimate(s.len() as f64, d, f1, f1 == 0.0, total, 0.0);
    if n < 0.0 { -n * total } else { n }
}
