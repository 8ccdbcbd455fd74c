//! How one table is read: the cheapest of a sequential scan and every index (existing, or one being priced)
//! serving its filters, its block's ORDER BY, or its join keys, and how a LIMIT cuts that short.

use super::Analysis;
use super::cost::{AccessKind, Choice, Costs, Key, TableInfo};
use super::expr;
use super::facts::{Shape, Use};
use super::model::{JoinKind, Role, Source};
use super::planner::{correlation, descent_cost, index_cost, same_part, seq_cost, starts_with};

impl<'a> Analysis<'a> {
    /// `choice` cut short by a LIMIT the scan can stop at: a block reading one table, with no grouping,
    /// aggregate, DISTINCT or sort to finish first (an index yielding the ORDER BY order is costed for the
    /// LIMIT already), stops once it has produced LIMIT (+ OFFSET) rows, as PostgreSQL's Limit node does.
    pub(super) fn stopped_early(&self, info: &TableInfo<'_>, mut choice: Choice, costs: &Costs<'_>) -> Choice {
        let blk = &self.model.blocks[info.block];
        let Some(limit) = self.limit(info.block) else { return choice };
        let blocking = blk.rels.len() != 1
            || !blk.group_by().is_empty()
            || blk.select.distinct.is_some()
            || blk.select.having.is_some()
            || self.aggregates[info.block]
            || (!blk.order_by().is_empty() && !choice.ordered);
        if blocking || choice.ordered {
            return choice;
        }
        let fraction = (limit / costs.block_rows[info.block].max(info.returned).max(1.0)).min(1.0);
        choice.cost *= fraction;
        choice.read *= fraction;
        choice
    }

    /// The cheapest access to `info`'s table given the tables already placed before it (`outer`), with the
    /// existing indexes and `extra` (a hypothetical index).
    pub(super) fn access(
        &self,
        info: &TableInfo<'_>,
        outer: &[&TableInfo<'_>],
        costs: &Costs<'_>,
        extra: Option<&Key<'_>>,
    ) -> Choice {
        let mut best =
            Choice { kind: AccessKind::FullScan, index: None, read: info.rows, cost: seq_cost(info), ordered: false };
        let quals = info.filters.len();
        let order = self.order_columns(info.block, info.rel);
        let partners = self.join_partners(info, outer, costs);
        let sel_of =
            |idx: &[usize]| self.filter_selectivity(info.block, &info.name, &info.alias, info.stats, &info.keys, idx);
        for key in info.keys.iter().chain(extra) {
            let (eq, ranges) = self.match_key(info, key);
            let eq_sel = if eq.is_empty() { 1.0 } else { sel_of(&eq) };
            let matched: Vec<usize> = eq.iter().chain(&ranges).copied().collect();
            let first = key.parts.first().copied().unwrap_or_default();
            let corr = correlation(info.stats, first);
            // Filter.
            if !matched.is_empty() {
                let sel = sel_of(&matched);
                let cost = index_cost(info, sel * info.rows, corr, quals, key);
                let ordered =
                    order.as_ref().is_some_and(|o| key.parts.get(eq.len()..).is_some_and(|rest| starts_with(rest, o)));
                if cost < best.cost {
                    best = Choice {
                        kind: AccessKind::IndexScan,
                        index: Some(key.name.to_string()),
                        read: sel * info.rows,
                        cost,
                        ordered,
                    };
                }
            }
            // Order: the index after its equality prefix starts with the ORDER BY columns, and LIMIT stops early.
            if let (Some(order), Some(limit)) = (&order, self.limit(info.block))
                && key.parts.get(eq.len()..).is_some_and(|rest| starts_with(rest, order))
            {
                let needed = (limit / info.returned.max(1.0)).min(1.0);
                let corr = correlation(info.stats, &order[0]);
                let full = index_cost(info, eq_sel * info.rows, corr, quals, key);
                let cost = full * needed;
                if cost < best.cost {
                    let read = eq_sel * info.rows * needed;
                    best = Choice {
                        kind: AccessKind::IndexScan,
                        index: Some(key.name.to_string()),
                        read,
                        cost,
                        ordered: true,
                    };
                }
            }
            // Join lookups: the index's next part after the equality prefix is a join key.
            if let Some(next) = key.parts.get(eq.len()) {
                for (column, loops) in partners.iter().filter(|(c, _)| c.eq_ignore_ascii_case(next)) {
                    let per_key = self.rows_per_key(info, column) * eq_sel;
                    let fetched = (loops * per_key).min(info.rows * eq_sel).max(*loops);
                    let corr = correlation(info.stats, column);
                    let cost = loops * descent_cost(info.rows) + index_cost(info, fetched, corr, quals, key);
                    if cost < best.cost {
                        best = Choice {
                            kind: AccessKind::IndexLookup,
                            index: Some(key.name.to_string()),
                            read: fetched,
                            cost,
                            ordered: false,
                        };
                    }
                }
            }
        }
        best
    }

    /// The predicates an index key serves: equalities on a prefix of its parts, then the range conditions on
    /// the next part.
    pub(super) fn match_key(&self, info: &TableInfo<'_>, key: &Key<'_>) -> (Vec<usize>, Vec<usize>) {
        let preds = &self.preds[info.block];
        let serves = |i: usize, part: &str, usages: &[Use]| {
            let p = &preds[i];
            !p.cast
                && match &p.shape {
                    Shape::Column { column, usage, .. } => usages.contains(usage) && column.eq_ignore_ascii_case(part),
                    shape @ Shape::Wrapped { usage: Some(usage), .. } => {
                        usages.contains(usage) && shape.expression_key().is_some_and(|k| same_part(&k, part))
                    }
                    _ => false,
                }
        };
        let mut eq = Vec::new();
        for part in &key.parts {
            if let Some(i) = info.filters.iter().copied().find(|i| serves(*i, part, &[Use::Eq])) {
                eq.push(i);
                continue;
            }
            let ranges =
                info.filters.iter().copied().filter(|i| serves(*i, part, &[Use::Range, Use::Prefix])).collect();
            return (eq, ranges);
        }
        (eq, Vec::new())
    }

    /// The ORDER BY columns of block `block` when all are bare columns of relation `rel` in one direction.
    pub(super) fn order_columns(&self, block: usize, rel: usize) -> Option<Vec<String>> {
        let items = self.model.blocks[block].order_by();
        if items.is_empty() {
            return None;
        }
        let mut columns = Vec::new();
        let mut direction = None;
        for item in items {
            let (r, column) = super::facts::local_column(&self.model, block, &item.expr)?;
            let asc = match &item.options.sort {
                None | Some(sqlparser::ast::OrderBySort::Asc) => true,
                Some(sqlparser::ast::OrderBySort::Desc) => false,
                Some(sqlparser::ast::OrderBySort::Using(_)) => return None,
            };
            if r != rel || *direction.get_or_insert(asc) != asc {
                return None;
            }
            columns.push(column.to_owned());
        }
        Some(columns)
    }

    /// Join keys of `info`'s table and how many lookups each would take: equalities with a table placed
    /// before it (its rows), or, in EXISTS/IN subqueries, with an outer column (the outer block's rows).
    pub(super) fn join_partners(
        &self,
        info: &TableInfo<'_>,
        outer: &[&TableInfo<'_>],
        costs: &Costs<'_>,
    ) -> Vec<(String, f64)> {
        let blk = &self.model.blocks[info.block];
        let mut out = Vec::new();
        for p in &self.preds[info.block] {
            match &p.shape {
                Shape::JoinEq { left, right } => {
                    let (mine, other) = if left.0 == info.rel {
                        (left, right)
                    } else if right.0 == info.rel {
                        (right, left)
                    } else {
                        continue;
                    };
                    let other_rows = match outer.iter().find(|t| t.rel == other.0) {
                        Some(t) => t.returned,
                        None => match blk.rels[other.0].source {
                            Source::Derived(_, child) => costs.block_output.get(child).copied().unwrap_or(f64::MAX),
                            _ => continue,
                        },
                    };
                    // The preserved side of an outer join is read whole anyway.
                    if blk.rels[info.rel].join == JoinKind::Right || blk.rels[info.rel].join == JoinKind::Full {
                        continue;
                    }
                    out.push((mine.1.to_owned(), other_rows.max(1.0)));
                }
                Shape::Semi { rel, column } if *rel == info.rel => {
                    let child =
                        self.model.blocks.iter().position(|c| c.holder.is_some_and(|h| std::ptr::eq(h, p.expr)));
                    if let Some(child) = child {
                        out.push((
                            (*column).to_owned(),
                            costs.block_output.get(child).copied().unwrap_or(1.0).max(1.0),
                        ));
                    }
                }
                Shape::Column { rel, column, usage: Use::Eq, outer: true, .. } if *rel == info.rel => {
                    if let (
                        Role::Subquery(expr::SubqueryKind::Exists { .. } | expr::SubqueryKind::In { .. }),
                        Some(parent),
                    ) = (blk.role, blk.parent)
                    {
                        out.push(((*column).to_owned(), costs.block_rows[parent].max(1.0)));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Rows of `info`'s table per distinct value of `column`.
    fn rows_per_key(&self, info: &TableInfo<'_>, column: &str) -> f64 {
        if info.keys.iter().any(|k| k.unique && k.parts.len() == 1 && k.parts[0].eq_ignore_ascii_case(column)) {
            return 1.0;
        }
        let distinct = info
            .stats
            .and_then(|s| s.column(column).map(|c| (c.distinct_count(info.rows), c.null_frac)))
            .map(|(d, nulls)| (d.max(1.0), nulls))
            .unwrap_or((crate::stats::estimate::DEFAULT_NUM_DISTINCT.min(info.rows.max(1.0)), 0.0));
        (info.rows * (1.0 - distinct.1) / distinct.0).max(1.0)
    }
}
