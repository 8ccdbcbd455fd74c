//! Statistics-aware cost: for every table a query reads, the rows it holds, the rows its own conditions keep
//! (the Step 3 estimator), and the cheapest way PostgreSQL's planner would read it — a sequential scan, an index
//! serving a filter or the order, or an index looked up once per row of the other side of a join — costed with
//! the planner's formulas and default settings (`costsize.c`: `seq_page_cost` 1, `random_page_cost` 4,
//! `cpu_tuple_cost` 0.01, `cpu_index_tuple_cost` 0.005, `cpu_operator_cost` 0.0025, Mackert-Lohman page
//! fetches, correlation interpolating between random and sequential heap access, bitmap scans).
//!
//! This file holds the per-query bookkeeping (rows per table and block, executions, sorts); `access.rs` picks
//! each table's access, `planner.rs` holds the formulas. The same access choice prices a hypothetical index,
//! which is how recommendations get their estimated benefit.

use super::Analysis;
use super::expr;
use super::facts::Shape;
use super::model::{Role, Source};
use super::planner::{CPU_OPERATOR_COST, PAGE_BYTES, existing_keys, row_width, seq_cost};
use crate::catalog::Table;
use crate::order::LeanSort as _;
use crate::stats::estimate::Scope;
use crate::stats::model::TableStats;
use sqlparser::ast::Expr;

/// An index key: existing (catalog) or hypothetical (a recommendation being priced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Key<'k> {
    /// Index name.
    pub(super) name: std::borrow::Cow<'k, str>,
    /// Key parts: column names, or expressions (`lower(email)`).
    pub(super) parts: Vec<&'k str>,
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
    pub(super) keys: Vec<Key<'s>>,
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
            infos.lean_sort_by(|x, y| x.returned.total_cmp(&y.returned));
            for i in 0..infos.len() {
                infos[i].executions = executions;
                let outer: Vec<&TableInfo<'_>> = infos[..i].iter().collect();
                let choice = self.access(&infos[i], &outer, &costs, None);
                infos[i].choice = self.stopped_early(&infos[i], choice, &costs);
            }
            infos.lean_sort_by_key(|t| t.rel);
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
        let aggregate_only = blk.group_by().is_empty() && self.aggregates[b];
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

    /// The selectivity of the block's predicates `filters` together on one table: equalities with values known
    /// only at run time (outer columns, parameters) as PostgreSQL's `var_eq_non_const` (one distinct value's
    /// share), the rest through the estimator.
    pub(super) fn filter_selectivity(
        &self,
        block: usize,
        name: &str,
        alias: &str,
        stats: Option<&TableStats>,
        keys: &[Key<'_>],
        filters: &[usize],
    ) -> f64 {
        if filters.is_empty() {
            return 1.0;
        }
        // A block's filters each belong to one table: the block and the filters identify the result.
        let sorted: std::borrow::Cow<'_, [usize]> = if filters.is_sorted() {
            std::borrow::Cow::Borrowed(filters)
        } else {
            let mut owned = filters.to_vec();
            owned.lean_sort();
            std::borrow::Cow::Owned(owned)
        };
        let known =
            self.selectivities.borrow().iter().find(|((b, f), _)| *b == block && **f == *sorted).map(|(_, s)| *s);
        if let Some(sel) = known {
            return sel;
        }
        let sel = self.compute_filter_selectivity(block, name, alias, stats, keys, filters);
        self.selectivities.borrow_mut().push(((block, sorted.into_owned()), sel));
        sel
    }

    fn compute_filter_selectivity(
        &self,
        block: usize,
        name: &str,
        alias: &str,
        stats: Option<&TableStats>,
        keys: &[Key<'_>],
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
}
