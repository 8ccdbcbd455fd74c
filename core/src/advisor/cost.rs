//! Statistics-aware cost: for every table a query reads, the rows it holds, the rows its own conditions keep
//! (the Step 3 estimator), and the cheapest way PostgreSQL's planner would read it — a sequential scan, an index
//! serving a filter or the order, or an index looked up once per row of the other side of a join — costed with
//! the planner's formulas and default settings (`costsize.c`: `seq_page_cost` 1, `random_page_cost` 4,
//! `cpu_tuple_cost` 0.01, `cpu_index_tuple_cost` 0.005, `cpu_operator_cost` 0.0025, Mackert-Lohman page
//! fetches, correlation interpolating between random and sequential heap access, bitmap scans).
//!
//! The same function prices a hypothetical index, which is how recommendations get their estimated benefit.

use super::Analysis;
use super::expr;
use super::facts::{Shape, Use};
use super::model::{JoinKind, Role, Source};
use crate::catalog::{Dialect, Table};
use crate::stats::estimate::Scope;
use crate::stats::model::TableStats;
use sqlparser::ast::Expr;

const SEQ_PAGE_COST: f64 = 1.0;
const RANDOM_PAGE_COST: f64 = 4.0;
const CPU_TUPLE_COST: f64 = 0.01;
const CPU_INDEX_TUPLE_COST: f64 = 0.005;
const CPU_OPERATOR_COST: f64 = 0.0025;
/// Usable bytes of an 8 KB page.
const PAGE_BYTES: f64 = 8168.0;
/// Bytes of an index entry beyond its key (tuple header, item pointer, alignment).
const INDEX_ENTRY_OVERHEAD: f64 = 16.0;

/// An index key: existing (catalog) or hypothetical (a recommendation being priced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key {
    /// Index name.
    pub(super) name: String,
    /// Key parts: column names, or expressions (`lower(email)`).
    pub(super) parts: Vec<String>,
    /// Whether it is unique.
    pub(super) unique: bool,
}

/// How a table is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AccessKind {
    /// Every row.
    FullScan,
    /// An index serves a filter or the order.
    IndexScan,
    /// An index is looked up per outer row.
    IndexLookup,
}

impl AccessKind {
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::FullScan => "full_scan",
            Self::IndexScan => "index_scan",
            Self::IndexLookup => "index_lookup",
        }
    }
}

/// The cheapest way found to read one table once.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Choice {
    pub(super) kind: AccessKind,
    pub(super) index: Option<String>,
    /// Rows read.
    pub(super) read: f64,
    /// Cost of one execution.
    pub(super) cost: f64,
    /// Whether it yields rows in the block's ORDER BY order (no sort needed).
    pub(super) ordered: bool,
}

/// One base table of one block.
#[derive(Debug, Clone)]
pub(super) struct TableInfo<'s> {
    pub(super) block: usize,
    pub(super) rel: usize,
    /// Catalog (or written) table name.
    pub(super) name: String,
    pub(super) alias: String,
    pub(super) stats: Option<&'s TableStats>,
    pub(super) rows: f64,
    pub(super) pages: f64,
    /// Indexes of the block's predicates that filter this table alone.
    pub(super) filters: Vec<usize>,
    /// Rows its own filters keep.
    pub(super) returned: f64,
    /// Existing index keys.
    pub(super) keys: Vec<Key>,
    /// The chosen access.
    pub(super) choice: Choice,
    /// Times the table is read.
    pub(super) executions: f64,
}

/// Costs of the whole query.
#[derive(Debug, Clone, Default)]
pub(super) struct Costs<'s> {
    pub(super) tables: Vec<TableInfo<'s>>,
    /// Per block: rows its FROM and WHERE produce.
    pub(super) block_rows: Vec<f64>,
    /// Per block: rows it returns.
    pub(super) block_output: Vec<f64>,
    /// Per block: executions.
    pub(super) block_executions: Vec<f64>,
    /// Per block: the cost of sorting for its ORDER BY when no index yields the order.
    pub(super) sort: Vec<f64>,
    /// Rows the statement returns.
    pub(super) output: f64,
    /// Cost of everything.
    pub(super) total: f64,
}

impl<'s> Costs<'s> {
    /// The table info of relation `rel` of block `block`.
    pub(super) fn table(&self, block: usize, rel: usize) -> Option<&TableInfo<'s>> {
        self.tables.iter().find(|t| t.block == block && t.rel == rel)
    }

    /// The cost of block `block`'s ORDER BY sort unless a table of it is read in order.
    pub(super) fn block_sort(&self, block: usize) -> f64 {
        if self.tables.iter().any(|t| t.block == block && t.choice.ordered) { 0.0 } else { self.sort[block] }
    }
}

impl<'a> Analysis<'a> {
    /// Prices every table of every block and the whole query.
    pub(super) fn costs(&self) -> Costs<'a> {
        let n = self.model.blocks.len();
        let mut costs = Costs {
            block_rows: vec![1.0; n],
            block_output: vec![1.0; n],
            block_executions: vec![1.0; n],
            sort: vec![0.0; n],
            ..Costs::default()
        };
        // Rows first, innermost blocks first: a block's rows depend on its subqueries' (derived tables), and its
        // access choices on them too (semi-join lookups).
        let mut per_block: Vec<Vec<TableInfo<'a>>> = vec![Vec::new(); n];
        for b in (0..n).rev() {
            let blk = &self.model.blocks[b];
            for (r, rel) in blk.rels.iter().enumerate() {
                if let Source::Table(table) = rel.source {
                    per_block[b].push(self.table_info(b, r, rel.table_name(), &rel.alias, table, 1.0));
                }
            }
            let rows = self.block_rows(b, &per_block[b], &costs);
            costs.block_rows[b] = rows;
            costs.block_output[b] = self.block_output(b, rows);
            costs.sort[b] = self.sort_cost(b, rows);
        }
        // Then executions (outer blocks first) and accesses.
        for (b, mut infos) in per_block.into_iter().enumerate() {
            let blk = &self.model.blocks[b];
            let executions = match (blk.role, blk.parent) {
                (Role::Subquery(expr::SubqueryKind::Scalar), Some(p)) if self.correlated[b] => {
                    costs.block_executions[p] * self.outer_rows(&costs, p, blk.clause)
                }
                (_, Some(p)) => costs.block_executions[p],
                (_, None) => 1.0,
            };
            costs.block_executions[b] = executions;
            // Outer sides first: a table's lookups depend on the rows of the tables it joins.
            infos.sort_by(|x, y| x.returned.total_cmp(&y.returned));
            for i in 0..infos.len() {
                infos[i].executions = executions;
                let outer: Vec<&TableInfo<'_>> = infos[..i].iter().collect();
                let choice = self.access(&infos[i], &outer, &costs, None);
                infos[i].choice = self.stopped_early(&infos[i], choice, &costs);
            }
            infos.sort_by_key(|t| t.rel);
            costs.tables.extend(infos);
        }
        if let Some(estimate) = &self.estimate {
            costs.output = estimate.output_rows;
            costs.block_rows[0] = costs.block_rows[0].max(1.0);
        } else {
            costs.output = costs.block_output.first().copied().unwrap_or(1.0);
        }
        let reads: f64 = costs.tables.iter().map(|t| t.choice.cost * t.executions).sum();
        let sorts: f64 = (0..n).map(|b| costs.block_sort(b) * costs.block_executions[b]).sum();
        costs.total = reads + sorts;
        costs
    }

    /// Rows an outer block feeds a subquery written in `clause` of it.
    fn outer_rows(&self, costs: &Costs<'_>, block: usize, clause: super::model::Clause) -> f64 {
        match clause {
            super::model::Clause::Projection | super::model::Clause::OrderBy => costs.block_output[block],
            _ => costs.block_rows[block],
        }
    }

    fn block_rows(&self, b: usize, infos: &[TableInfo<'_>], costs: &Costs<'_>) -> f64 {
        if b == 0
            && let Some(e) = &self.estimate
        {
            return e.joined_rows;
        }
        // Without the estimator: relations joined by some condition form a group whose rows are its largest
        // relation's (joins along foreign keys); groups with no condition between them multiply.
        let blk = &self.model.blocks[b];
        let n = blk.rels.len();
        let rel_rows = |r: usize| match blk.rels[r].source {
            Source::Derived(_, child) => costs.block_output.get(child).copied().unwrap_or(1.0),
            _ => infos.iter().find(|t| t.rel == r).map_or(1.0, |t| t.returned),
        };
        let mut group: Vec<usize> = (0..n).collect();
        fn root(group: &mut [usize], mut x: usize) -> usize {
            while group[x] != x {
                x = group[x];
            }
            x
        }
        for p in &self.preds[b] {
            for w in p.rels.windows(2) {
                let (x, y) = (root(&mut group, w[0]), root(&mut group, w[1]));
                group[x] = y;
            }
        }
        for (r, _) in &blk.using {
            let (x, y) = (root(&mut group, *r), root(&mut group, r.saturating_sub(1)));
            group[x] = y;
        }
        let mut largest: Vec<f64> = vec![0.0; n];
        for r in 0..n {
            let g = root(&mut group, r);
            largest[g] = largest[g].max(rel_rows(r));
        }
        largest.iter().filter(|x| **x > 0.0).product::<f64>().max(1.0)
    }

    fn block_output(&self, b: usize, rows: f64) -> f64 {
        if b == 0
            && let Some(e) = &self.estimate
        {
            return e.output_rows;
        }
        let blk = &self.model.blocks[b];
        let aggregate_only = blk.group_by().is_empty()
            && blk.select.projection.iter().filter_map(super::model::item_expr).any(expr::has_aggregate);
        let mut out = if aggregate_only { 1.0 } else { rows };
        if let Some(limit) = self.limit(b) {
            out = out.min(limit);
        }
        out.max(1.0)
    }

    /// LIMIT (+ OFFSET) of a block that owns its query's tail, as rows to produce.
    pub(super) fn limit(&self, b: usize) -> Option<f64> {
        let blk = &self.model.blocks[b];
        if !blk.owns_tail {
            return None;
        }
        let (limit, offset) = super::rules::limit_offset(blk.query);
        limit.map(|l| l + offset.unwrap_or(0.0))
    }

    fn sort_cost(&self, b: usize, rows: f64) -> f64 {
        let blk = &self.model.blocks[b];
        if blk.order_by().is_empty() {
            return 0.0;
        }
        let n = rows.max(2.0);
        // A bounded heap sort compares against log2(2·limit) entries per row; a full sort log2(n).
        let depth = self.limit(b).map_or(n.log2(), |l| (2.0 * l).max(2.0).log2().min(n.log2()));
        2.0 * CPU_OPERATOR_COST * n * depth
    }

    fn table_info(
        &self,
        block: usize,
        rel: usize,
        name: &str,
        alias: &str,
        table: Option<&'a Table>,
        executions: f64,
    ) -> TableInfo<'a> {
        let stats = if self.use_statistics { self.estimator.table(name) } else { None };
        let rows = stats.map_or(crate::stats::estimate::DEFAULT_TABLE_ROWS, |s| s.row_count.max(0.0));
        let preds = &self.preds[block];
        let filters: Vec<usize> = (0..preds.len()).filter(|i| preds[*i].is_local_filter(rel)).collect();
        let keys = table.map(|t| existing_keys(t, self.dialect)).unwrap_or_default();
        let sel = self.filter_selectivity(block, name, alias, stats, &keys, &filters);
        let width = row_width(table, stats);
        let tuple = (23.0_f64 + width).div_euclid(8.0).mul_add(8.0, 8.0) + 4.0;
        let pages = (rows * tuple / PAGE_BYTES).ceil().max(1.0);
        let mut info = TableInfo {
            block,
            rel,
            name: name.to_owned(),
            alias: alias.to_owned(),
            stats,
            rows,
            pages,
            filters,
            returned: (rows * sel).max(if rows > 0.0 { 1.0 } else { 0.0 }),
            keys,
            choice: Choice { kind: AccessKind::FullScan, index: None, read: rows, cost: 0.0, ordered: false },
            executions,
        };
        info.choice.cost = seq_cost(&info);
        info
    }

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
            || blk.select.projection.iter().filter_map(super::model::item_expr).any(expr::has_aggregate)
            || (!blk.order_by().is_empty() && !choice.ordered);
        if blocking || choice.ordered {
            return choice;
        }
        let fraction = (limit / costs.block_rows[info.block].max(info.returned).max(1.0)).min(1.0);
        choice.cost *= fraction;
        choice.read *= fraction;
        choice
    }

    /// The selectivity of the block's predicates `filters` together on one table: equalities with values known
    /// only at run time (outer columns, parameters) as PostgreSQL's `var_eq_non_const` (one distinct value's
    /// share), the rest through the estimator.
    pub(super) fn filter_selectivity(
        &self,
        block: usize,
        name: &str,
        alias: &str,
        stats: Option<&TableStats>,
        keys: &[Key],
        filters: &[usize],
    ) -> f64 {
        let mut key: Vec<usize> = filters.to_vec();
        key.sort_unstable();
        let memo = (block, alias.to_owned(), key);
        if let Some((_, sel)) = self.selectivities.borrow().iter().find(|(k, _)| *k == memo) {
            return *sel;
        }
        let sel = self.compute_filter_selectivity(block, name, alias, stats, keys, filters);
        self.selectivities.borrow_mut().push((memo, sel));
        sel
    }

    fn compute_filter_selectivity(
        &self,
        block: usize,
        name: &str,
        alias: &str,
        stats: Option<&TableStats>,
        keys: &[Key],
        filters: &[usize],
    ) -> f64 {
        let preds = &self.preds[block];
        let mut sel = 1.0;
        let mut rest: Vec<&Expr> = Vec::new();
        for i in filters {
            let p = &preds[*i];
            match &p.shape {
                Shape::Column { column, .. } if p.is_parameter_equality() => {
                    let unique =
                        keys.iter().any(|k| k.unique && k.parts.len() == 1 && k.parts[0].eq_ignore_ascii_case(column));
                    let rows = stats.map_or(crate::stats::estimate::DEFAULT_TABLE_ROWS, |s| s.row_count.max(1.0));
                    sel *= match stats.and_then(|s| s.column(column)) {
                        _ if unique => 1.0 / rows,
                        Some(c) => (1.0 - c.null_frac) / c.distinct_count(rows).max(1.0),
                        None => crate::stats::estimate::DEFAULT_EQ_SEL,
                    };
                }
                _ => rest.push(p.expr),
            }
        }
        if !rest.is_empty() {
            sel *= self.selectivity(name, alias, &rest);
        }
        sel.clamp(0.0, 1.0)
    }

    /// The selectivity of `exprs` together on table `name` known as `alias`.
    pub(super) fn selectivity(&self, name: &str, alias: &str, exprs: &[&Expr]) -> f64 {
        let scope = Scope::new().with(alias, name);
        if self.use_statistics {
            self.estimator.conjunction_selectivity(exprs, &scope)
        } else {
            crate::stats::estimate::Estimator::new(&[]).conjunction_selectivity(exprs, &scope)
        }
    }

    /// The cheapest access to `info`'s table given the tables already placed before it (`outer`), with the
    /// existing indexes and `extra` (a hypothetical index).
    pub(super) fn access(
        &self,
        info: &TableInfo<'_>,
        outer: &[&TableInfo<'_>],
        costs: &Costs<'_>,
        extra: Option<&Key>,
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
            let first = key.parts.first().map(String::as_str).unwrap_or_default();
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
                        index: Some(key.name.clone()),
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
                        index: Some(key.name.clone()),
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
                            index: Some(key.name.clone()),
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
    pub(super) fn match_key(&self, info: &TableInfo<'_>, key: &Key) -> (Vec<usize>, Vec<usize>) {
        let preds = &self.preds[info.block];
        let mut eq = Vec::new();
        for part in &key.parts {
            let all = |usage: Use| -> Vec<usize> {
                info.filters
                    .iter()
                    .copied()
                    .filter(|i| !preds[*i].cast)
                    .filter(|i| match &preds[*i].shape {
                        Shape::Column { column, usage: u, .. } => *u == usage && column.eq_ignore_ascii_case(part),
                        shape @ Shape::Wrapped { usage: Some(u), .. } => {
                            *u == usage && shape.expression_key().is_some_and(|k| same_part(&k, part))
                        }
                        _ => false,
                    })
                    .collect()
            };
            if let Some(i) = all(Use::Eq).first() {
                eq.push(*i);
                continue;
            }
            let mut ranges = all(Use::Range);
            ranges.extend(all(Use::Prefix));
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
            columns.push(column);
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
                    out.push((mine.1.clone(), other_rows.max(1.0)));
                }
                Shape::Semi { rel, column } if *rel == info.rel => {
                    let child =
                        self.model.blocks.iter().position(|c| c.holder.is_some_and(|h| std::ptr::eq(h, p.expr)));
                    if let Some(child) = child {
                        out.push((column.clone(), costs.block_output.get(child).copied().unwrap_or(1.0).max(1.0)));
                    }
                }
                Shape::Column { rel, column, usage: Use::Eq, outer: true, .. } if *rel == info.rel => {
                    if let (
                        Role::Subquery(expr::SubqueryKind::Exists { .. } | expr::SubqueryKind::In { .. }),
                        Some(parent),
                    ) = (blk.role, blk.parent)
                    {
                        out.push((column.clone(), costs.block_rows[parent].max(1.0)));
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

/// Cost of reading every page and checking every row.
pub(super) fn seq_cost(info: &TableInfo<'_>) -> f64 {
    info.pages * SEQ_PAGE_COST + info.rows * (CPU_TUPLE_COST + CPU_OPERATOR_COST * info.filters.len() as f64)
}

/// Cost of descending a B-tree once (PostgreSQL's `btcostestimate` charge).
fn descent_cost(rows: f64) -> f64 {
    (rows.max(2.0).log2().ceil() + 50.0 * 3.0) * CPU_OPERATOR_COST
}

/// Cost of fetching `tuples` rows of `info`'s table through index `key`: index pages and entries, heap pages
/// (Mackert-Lohman for random fetches, interpolated by the correlation squared towards a sequential range) or
/// a bitmap heap scan, whichever is cheaper, and the remaining conditions per row.
pub(super) fn index_cost(info: &TableInfo<'_>, tuples: f64, corr: f64, quals: usize, key: &Key) -> f64 {
    let tuples = tuples.clamp(1.0, info.rows.max(1.0));
    let sel = tuples / info.rows.max(1.0);
    let key_width = 8.0 * key.parts.len() as f64;
    let index_pages = (info.rows * (key_width + INDEX_ENTRY_OVERHEAD) / PAGE_BYTES).ceil().max(1.0);
    let index = descent_cost(info.rows)
        + (sel * index_pages).ceil() * RANDOM_PAGE_COST
        + tuples * (CPU_INDEX_TUPLE_COST + CPU_OPERATOR_COST);
    let cpu = tuples * (CPU_TUPLE_COST + CPU_OPERATOR_COST * quals as f64);
    let fetched = pages_fetched(tuples, info.pages);
    let max_io = fetched * RANDOM_PAGE_COST;
    let min_io = RANDOM_PAGE_COST + ((sel * info.pages).ceil().max(1.0) - 1.0) * SEQ_PAGE_COST;
    let plain = index + max_io + corr * corr * (min_io - max_io) + cpu;
    let per_page = if fetched >= 2.0 {
        RANDOM_PAGE_COST - (RANDOM_PAGE_COST - SEQ_PAGE_COST) * (fetched / info.pages).sqrt()
    } else {
        RANDOM_PAGE_COST
    };
    let bitmap = index + fetched * per_page + cpu + tuples * CPU_OPERATOR_COST;
    plain.min(bitmap)
}

/// Heap pages touched fetching `tuples` random rows of `pages` pages (Mackert-Lohman, cache larger than the
/// table).
fn pages_fetched(tuples: f64, pages: f64) -> f64 {
    ((2.0 * pages * tuples) / (2.0 * pages + tuples)).min(pages).ceil().max(1.0)
}

/// `|correlation|` of `column` from the statistics (0 when unknown: random order, the pessimistic case).
fn correlation(stats: Option<&TableStats>, column: &str) -> f64 {
    stats.and_then(|s| s.column(column)).and_then(|c| c.correlation).map_or(0.0, f64::abs)
}

/// Bytes of a row's data: the statistics' average widths, else 16 bytes a column. Tables large enough for the
/// width to matter have column statistics (collection skips them only below `min_table_size` rows).
fn row_width(table: Option<&Table>, stats: Option<&TableStats>) -> f64 {
    match (stats.filter(|s| !s.columns.is_empty()), table) {
        (Some(stats), _) => stats.columns.iter().map(|c| c.avg_width.max(1.0)).sum(),
        (None, Some(t)) => 16.0 * t.columns.len() as f64,
        (None, None) => 100.0,
    }
}

/// The index keys a table has: its primary key, unique constraints, indexes and (MySQL, which indexes them
/// itself) its foreign keys.
pub(super) fn existing_keys(table: &Table, dialect: Dialect) -> Vec<Key> {
    let mut keys = Vec::new();
    if !table.primary_key.is_empty() {
        keys.push(Key { name: format!("{}_pkey", table.name), parts: table.primary_key.clone(), unique: true });
    }
    for (i, columns) in table.unique.iter().enumerate() {
        keys.push(Key { name: format!("{}_unique_{}", table.name, i + 1), parts: columns.clone(), unique: true });
    }
    for index in &table.indexes {
        keys.push(Key { name: index.name.clone(), parts: index.columns.clone(), unique: index.unique });
    }
    if dialect == Dialect::Mysql {
        for fk in &table.foreign_keys {
            keys.push(Key {
                name: format!("{}_fk_{}", table.name, fk.columns.join("_")),
                parts: fk.columns.clone(),
                unique: false,
            });
        }
    }
    keys
}

/// Whether `parts` starts with `prefix` (names compared ignoring case).
pub(super) fn starts_with(parts: &[String], prefix: &[String]) -> bool {
    parts.len() >= prefix.len() && parts.iter().zip(prefix).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

/// Whether two key parts name the same column (ignoring case) or the same expression ([`normalize`]).
pub(super) fn same_part(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || ((a.contains('(') || b.contains('(')) && normalize(a) == normalize(b))
}

/// An expression's text reduced for comparison: lower case, no spaces, quotes, parentheses or `::text` casts
/// (PostgreSQL prints `lower((email)::text)` for `lower(email)`).
fn normalize(text: &str) -> String {
    let lowered = text.to_ascii_lowercase().replace("::text", "").replace("::character varying", "");
    lowered.chars().filter(|c| !c.is_whitespace() && !matches!(c, '"' | '`' | '(' | ')')).collect()
}
