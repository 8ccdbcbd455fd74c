//! Joins: PostgreSQL's `eqjoinsel` from the two columns' statistics, improved with the row samples when they
//! can see the join itself, and the join tree of one query block.

use super::Estimator;
use super::bind::Bound;
use super::column::num_distinct;
use super::pred::{Col, Pred};
use super::sampled::{MIN_MATCHES, SampleView, blend, plausible};
use crate::stats::sample::Key;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a table joins the ones before it in FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    /// Keeps the rows before it that have a partner (no more of them).
    Semi,
    /// Keeps the rows before it that have no partner (assumed: all of them).
    Anti,
}

/// The estimate of one query block's FROM and WHERE.
#[derive(Debug, Clone, Default)]
pub(super) struct Plan {
    /// Per table: the predicates on it alone.
    pub(super) filters: Vec<Vec<Pred>>,
    /// Per table: rows passing those.
    pub(super) filtered: Vec<f64>,
    /// Rows of the whole join, all predicates applied.
    pub(super) joined: f64,
}

/// One side of a join: a table, its own predicates and the rows estimated to pass them.
struct Side<'p> {
    rel: usize,
    filters: Vec<&'p Pred>,
    rows: f64,
}

/// A side's sample and the positions of its join columns.
struct Probe<'s, 'p> {
    view: SampleView<'s>,
    keys: Vec<usize>,
    side: &'p Side<'p>,
}

impl Probe<'_, '_> {
    /// The join key of a sampled row; `None` when a part is NULL (it matches nothing).
    fn key(&self, row: &[Value]) -> Option<Vec<Key>> {
        self.keys.iter().map(|i| row.get(*i).and_then(Key::of)).collect()
    }

    fn filters_evaluable(&self) -> bool {
        self.side.filters.iter().all(|f| self.view.evaluable(f))
    }

    /// Per join key: how many sampled rows have it and pass the side's predicates.
    fn passing_keys(&self) -> BTreeMap<Vec<Key>, usize> {
        let mut map = BTreeMap::new();
        for row in self.view.rows {
            if let Some(key) = self.key(row) {
                *map.entry(key).or_insert(0) += usize::from(self.view.passes(&self.side.filters, row));
            }
        }
        map
    }
}

impl<'a> Estimator<'a> {
    /// `a = b` between two tables (`eqjoinsel_inner`): with most common values on both sides, matching MCV
    /// pairs count exactly and the rest spreads over the other distinct values; otherwise
    /// `(1 - nullfrac_a)(1 - nullfrac_b) / max(nd_a, nd_b)`.
    pub(super) fn eqjoinsel(&self, b: &Bound<'a>, a: &Col, c: &Col) -> f64 {
        let (ra, rc) = (&b.rels[a.rel], &b.rels[c.rel]);
        let (sa, sc) = (self.column_stats(ra, &a.name), self.column_stats(rc, &c.name));
        let (nd1, nd2) = (num_distinct(sa.as_deref(), ra.rows).0, num_distinct(sc.as_deref(), rc.rows).0);
        let nf1 = sa.as_ref().map_or(0.0, |s| s.null_frac.clamp(0.0, 1.0));
        let nf2 = sc.as_ref().map_or(0.0, |s| s.null_frac.clamp(0.0, 1.0));
        let mcv = |s: &Option<std::borrow::Cow<'_, crate::stats::model::ColumnStats>>| -> Vec<(Value, f64)> {
            s.as_ref().map_or_else(Vec::new, |s| {
                s.most_common_vals.iter().cloned().zip(s.most_common_freqs.iter().copied()).collect()
            })
        };
        let (m1, m2) = (mcv(&sa), mcv(&sc));
        if m1.is_empty() || m2.is_empty() {
            return ((1.0 - nf1) * (1.0 - nf2) / nd1.max(nd2)).clamp(0.0, 1.0);
        }
        let mut matched2 = vec![false; m2.len()];
        let (mut match_prod, mut match1, mut matches) = (0.0, 0.0, 0usize);
        for (v1, f1) in &m1 {
            let hit = m2.iter().enumerate().find(|(j, (v2, _))| !matched2[*j] && super::value::equal(v1, v2));
            if let Some((j, (_, f2))) = hit {
                matched2[j] = true;
                match_prod += f1 * f2;
                match1 += f1;
                matches += 1;
            }
        }
        let match2: f64 = m2.iter().zip(&matched2).filter(|(_, m)| **m).map(|((_, f), _)| f).sum();
        let sum1: f64 = m1.iter().map(|(_, f)| f).sum();
        let sum2: f64 = m2.iter().map(|(_, f)| f).sum();
        let (unmatch1, unmatch2) = ((sum1 - match1).max(0.0), (sum2 - match2).max(0.0));
        let other1 = (1.0 - nf1 - sum1).max(0.0);
        let other2 = (1.0 - nf2 - sum2).max(0.0);
        let (n1, n2, k) = (m1.len() as f64, m2.len() as f64, matches as f64);
        let mut total1 = match_prod;
        if nd2 > n2 {
            total1 += unmatch1 * other2 / (nd2 - n2);
        }
        if nd2 > k {
            total1 += other1 * (other2 + unmatch2) / (nd2 - k);
        }
        let mut total2 = match_prod;
        if nd1 > n1 {
            total2 += unmatch2 * other1 / (nd1 - n1);
        }
        if nd1 > k {
            total2 += other2 * (other1 + unmatch1) / (nd1 - k);
        }
        total1.min(total2).clamp(0.0, 1.0)
    }

    /// FROM and WHERE of one block: each table's own predicates, then the tables joined in `order`
    /// (`kinds[i]` says how `order[i]` joins the ones before it), then the remaining predicates.
    pub(super) fn plan(&self, b: &Bound<'a>, order: &[usize], clauses: Vec<Pred>, kinds: &[JoinKind]) -> Plan {
        let n = b.rels.len();
        let mut filters: Vec<Vec<Pred>> = vec![Vec::new(); n];
        let mut joins: Vec<Pred> = Vec::new();
        let mut extra: Vec<Pred> = Vec::new();
        for p in clauses {
            match p.rels()[..] {
                [rel] => filters[rel].push(p),
                _ if p.join().is_some() => joins.push(p),
                _ => extra.push(p),
            }
        }
        let filtered: Vec<f64> =
            (0..n).map(|r| b.rels[r].rows * self.rel_sel(b, r, &filters[r].iter().collect::<Vec<_>>())).collect();
        let side = |rel: usize| Side { rel, filters: filters[rel].iter().collect(), rows: filtered[rel] };

        let mut rows = 0.0;
        let mut done: Vec<usize> = Vec::new();
        for (i, &r) in order.iter().enumerate() {
            if i == 0 {
                rows = filtered[r];
                done.push(r);
                continue;
            }
            let mut sel = 1.0;
            for &p in &done {
                let pairs: Vec<(&Col, &Col)> = joins
                    .iter()
                    .filter_map(Pred::join)
                    .filter_map(|(x, y)| match (x.rel, y.rel) {
                        (xr, yr) if xr == p && yr == r => Some((x, y)),
                        (xr, yr) if xr == r && yr == p => Some((y, x)),
                        _ => None,
                    })
                    .collect();
                if pairs.is_empty() {
                    continue;
                }
                let both = filtered[p] * filtered[r];
                let joined = self.join_rows(b, &side(p), &side(r), &pairs);
                sel *= if both > 0.0 { (joined / both).clamp(0.0, 1.0) } else { 0.0 };
            }
            let inner = rows * filtered[r] * sel;
            rows = match kinds.get(i).copied().unwrap_or(JoinKind::Inner) {
                JoinKind::Inner => inner,
                JoinKind::Left => inner.max(rows),
                JoinKind::Right => inner.max(filtered[r]),
                JoinKind::Full => inner.max(rows).max(filtered[r]),
                JoinKind::Semi => inner.min(rows),
                JoinKind::Anti => rows,
            };
            done.push(r);
        }
        // Joins between tables not in `order`, and everything else, as plain selectivities.
        for p in &extra {
            rows *= self.pred_sel(b, p);
        }
        Plan { filters, filtered, joined: rows }
    }

    /// Rows of `left ⋈ right` on the equalities `pairs` (left column, right column), each side filtered.
    fn join_rows(&self, b: &Bound<'a>, left: &Side<'_>, right: &Side<'_>, pairs: &[(&Col, &Col)]) -> f64 {
        let sel: f64 = pairs.iter().map(|(x, y)| self.eqjoinsel(b, x, y)).product();
        let base = left.rows * right.rows * sel;
        let probe = |side: &'_ Side<'_>, pick: fn(&(&Col, &Col)) -> String| {
            let view = SampleView::of(&b.rels[side.rel])?;
            let keys: Option<Vec<usize>> = pairs.iter().map(|p| view.index(&pick(p))).collect();
            Some((view, keys?))
        };
        let (Some((lv, lk)), Some((rv, rk))) = (probe(left, |p| p.0.name.clone()), probe(right, |p| p.1.name.clone()))
        else {
            return base;
        };
        let l = Probe { view: lv, keys: lk, side: left };
        let r = Probe { view: rv, keys: rk, side: right };
        if r.view.complete {
            fan_out(&l, &r, base)
        } else if l.view.complete {
            fan_out(&r, &l, base)
        } else if pairs.len() == 1 && self.unique(b, pairs[0].1) {
            self.partners(&l, &r, base)
        } else if pairs.len() == 1 && self.unique(b, pairs[0].0) {
            self.partners(&r, &l, base)
        } else {
            base
        }
    }

    /// Whether a column's values are (nearly) all distinct: a key.
    fn unique(&self, b: &Bound<'a>, col: &Col) -> bool {
        let rel = &b.rels[col.rel];
        self.column_stats(rel, &col.name)
            .is_some_and(|s| s.n_distinct <= -0.99 || s.distinct_count(rel.rows) >= 0.99 * rel.rows)
    }

    /// Both samples partial and `q`'s key unique: among `p`'s sampled rows whose partner is in `q`'s sample,
    /// the share of partners passing `q`'s predicates, relative to the share of all of `q`'s sampled rows
    /// passing them, corrects the independence estimate (it sees the correlation between the two sides'
    /// predicates and which rows are referenced how often, while a sample that misrepresents `q`'s rows skews
    /// both shares alike).
    fn partners(&self, p: &Probe<'_, '_>, q: &Probe<'_, '_>, base: f64) -> f64 {
        if !q.filters_evaluable() {
            return base;
        }
        let map = q.passing_keys();
        let q_passing = map.values().filter(|n| **n > 0).count();
        let q_keys = map.len();
        if q_passing == 0 || q_keys == 0 {
            return base;
        }
        let q_share = q_passing as f64 / q_keys as f64;
        let p_filtered = p.filters_evaluable();
        let (mut found, mut passed, mut found_all, mut passed_all) = (0, 0, 0, 0);
        for row in p.view.rows {
            let Some(hit) = p.key(row).and_then(|k| map.get(&k)) else { continue };
            found_all += 1;
            passed_all += usize::from(*hit > 0);
            if p_filtered && p.view.passes(&p.side.filters, row) {
                found += 1;
                passed += usize::from(*hit > 0);
            }
        }
        // Independence unless the partners found make it implausible.
        let share = if found > 0 {
            plausible(q_share, passed, found)
        } else if found_all > 0 {
            plausible(q_share, passed_all, found_all)
        } else {
            q_share
        };
        base * share / q_share
    }
}

/// `q`'s sample is its whole table: count, for `p`'s sampled rows, their partners passing `q`'s predicates.
/// The mean over `p`'s rows passing its own predicates (over all of them when too few pass) times `p`'s
/// filtered rows; exact when `p`'s sample is complete too.
fn fan_out(p: &Probe<'_, '_>, q: &Probe<'_, '_>, base: f64) -> f64 {
    if !q.filters_evaluable() {
        return base;
    }
    let map = q.passing_keys();
    let p_filtered = p.filters_evaluable();
    let (mut rows, mut hits, mut hits_all) = (0usize, 0usize, 0usize);
    for row in p.view.rows {
        let h = p.key(row).and_then(|k| map.get(&k)).copied().unwrap_or(0);
        hits_all += h;
        if p_filtered && p.view.passes(&p.side.filters, row) {
            rows += 1;
            hits += h;
        }
    }
    if p_filtered && p.view.complete {
        return hits as f64;
    }
    if p_filtered && rows >= MIN_MATCHES {
        return p.side.rows * hits as f64 / rows as f64;
    }
    let n = p.view.len();
    if base > 0.0 && p.side.rows > 0.0 {
        // Partners per row, as the statistics guess it, checked against all sampled rows.
        p.side.rows * blend(base / p.side.rows, hits_all, n)
    } else {
        base
    }
}
