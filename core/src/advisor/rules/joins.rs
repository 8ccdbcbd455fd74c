//! Tables and how they meet: cartesian products, joined tables nothing uses, correlated scalar subqueries,
//! full scans of large tables.

use super::super::codes;
use super::super::cost::{AccessKind, Costs};
use super::super::expr::SubqueryKind;
use super::super::facts::Shape;
use super::super::model::{Clause, JoinKind, RelRef, Resolved, Role, Source};
use super::super::{Analysis, IndexRecommendation};
use super::Findings;
use super::rows;
use super::shape::unique_keys;
use crate::order::LeanSort as _;
use sqlparser::ast::{SelectItem, SelectItemQualifiedWildcardKind};

impl<'a> Analysis<'a> {
    pub(super) fn join_rules(&self, costs: &Costs<'_>, indexes: &[IndexRecommendation], out: &mut Findings) {
        for b in 0..self.model.blocks.len() {
            self.cartesian(b, costs, out);
            self.unused_joins(b, out);
            self.correlated(b, costs, out);
        }
        self.full_scans(costs, indexes, out);
    }

    fn cartesian(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        let n = blk.rels.len();
        if n < 2 {
            return;
        }
        let mut group: Vec<usize> = (0..n).collect();
        fn find(group: &mut [usize], mut x: usize) -> usize {
            while group[x] != x {
                group[x] = group[group[x]];
                x = group[x];
            }
            x
        }
        let link = |group: &mut Vec<usize>, a: usize, c: usize| {
            let (ra, rc) = (find(group, a), find(group, c));
            group[ra] = rc;
        };
        for p in &self.preds[b] {
            for w in p.rels.windows(2) {
                link(&mut group, w[0], w[1]);
            }
        }
        for (rel, _) in &blk.using {
            link(&mut group, *rel, rel.saturating_sub(1));
        }
        // Relations linked through a subquery that reads both (`a.x IN (SELECT ... WHERE y = b.z)`), looked at
        // only when the conditions leave the relations apart.
        let apart = (1..n).any(|r| find(&mut group, r) != find(&mut group, 0));
        for child in (b + 1..self.model.blocks.len()).filter(|_| apart) {
            if self.model.blocks[child].parent == Some(b) {
                let refs: Vec<RelRef> = self.model.outer_refs(child).filter(|r| r.block == b).collect();
                for w in refs.windows(2) {
                    link(&mut group, w[0].rel, w[1].rel);
                }
            }
        }
        // A relation of one row (an aggregate without GROUP BY) multiplies nothing.
        let single = |r: usize| match blk.rels[r].source {
            Source::Derived(_, child) => costs.block_output.get(child).is_some_and(|o| *o <= 1.0),
            _ => false,
        };
        let roots: Vec<usize> = (0..n).filter(|r| !single(*r)).map(|r| find(&mut group, r)).collect();
        let mut distinct = roots.clone();
        distinct.lean_sort();
        distinct.dedup();
        if distinct.len() < 2 {
            return;
        }
        // Report the first relation of the second group.
        let Some(second) = (0..n).find(|r| !single(*r) && find(&mut group, *r) != roots[0]) else { return };
        if !out.room(&codes::CARTESIAN_PRODUCT) {
            return;
        }
        let rel = &blk.rels[second];
        let first_names: Vec<&str> = (0..n)
            .filter(|r| !single(*r) && find(&mut group, *r) == roots[0])
            .map(|r| blk.rels[r].alias.as_str())
            .collect();
        let product: f64 =
            (0..n).filter(|r| !single(*r)).map(|r| costs.table(b, r).map_or(1000.0, |t| t.returned)).product();
        let explicit = rel.join == JoinKind::Cross;
        let message = format!(
            "{} has no join condition with {}: every row pairs with every row (~{} rows){}",
            rel.alias,
            first_names.join(", "),
            rows(product),
            if explicit { " — an explicit CROSS JOIN" } else { "" }
        );
        let suggestion = match self.foreign_key_between(b, second, &first_names) {
            Some(condition) => format!("Join them on their foreign key: `ON {condition}`."),
            None => {
                "Add the join condition (`JOIN ... ON a.key = b.key`); if the product is intended, write CROSS JOIN \
                     with a comment."
                    .to_owned()
            }
        };
        let severity = if explicit { 4 } else { self.sized(7, product) };
        out.push(self.finding(
            &codes::CARTESIAN_PRODUCT,
            severity,
            rel.span,
            &rel.name,
            message,
            suggestion,
            Some(rel.table_name()),
        ));
    }

    /// `a.x = b.y` for a catalog foreign key between relation `rel` and one of `others` (aliases) of block `b`.
    fn foreign_key_between(&self, b: usize, rel: usize, others: &[&str]) -> Option<String> {
        let blk = &self.model.blocks[b];
        let this = &blk.rels[rel];
        let table = this.table()?;
        for other in blk.rels.iter().filter(|r| others.contains(&r.alias.as_str())) {
            let Some(that) = other.table() else { continue };
            for (from, from_alias, to, to_alias) in
                [(table, &this.alias, that, &other.alias), (that, &other.alias, table, &this.alias)]
            {
                if let Some(fk) = from.foreign_keys.iter().find(|fk| fk.ref_table.eq_ignore_ascii_case(&to.name)) {
                    let referenced = if fk.ref_columns.is_empty() { &to.primary_key } else { &fk.ref_columns };
                    let pairs: Vec<String> = fk
                        .columns
                        .iter()
                        .zip(referenced)
                        .map(|(c, r)| format!("{from_alias}.{c} = {to_alias}.{r}"))
                        .collect();
                    return Some(pairs.join(" AND "));
                }
            }
        }
        None
    }

    fn unused_joins(&self, b: usize, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        if blk.rels.len() < 2 {
            return;
        }
        let star = blk.select.projection.iter().any(|i| matches!(i, SelectItem::Wildcard(_)));
        // Aggregates count joined rows: when a catalog's key is incomplete (Spider lists only the first column
        // of composite keys), a join that looks unique may be what is counted. Such blocks are left alone.
        let aggregates = self.model.block_exprs(b).into_iter().any(super::super::expr::has_aggregate);
        if star || aggregates {
            return;
        }
        for (r, rel) in blk.rels.iter().enumerate() {
            if r == 0 || !matches!(rel.join, JoinKind::Inner | JoinKind::Left | JoinKind::First) {
                continue;
            }
            let Some(table) = rel.table() else { continue };
            if !self.only_join_keys(b, r) {
                continue;
            }
            // Which of its columns the joins use, and with which relations: a table joined to two others links
            // them (a bridge) and is needed even if none of its columns is selected.
            let (mut keys, mut partners): (Vec<String>, Vec<usize>) = (Vec::new(), Vec::new());
            for p in &self.preds[b] {
                if let Shape::JoinEq { left, right } = &p.shape {
                    let (mine, other) = if left.0 == r {
                        (left, right)
                    } else if right.0 == r {
                        (right, left)
                    } else {
                        continue;
                    };
                    keys.push(mine.1.to_owned());
                    partners.push(other.0);
                }
            }
            partners.lean_sort();
            partners.dedup();
            if keys.is_empty() || partners.len() != 1 {
                continue;
            }
            let unique = unique_keys(table)
                .into_iter()
                .any(|k| k.iter().all(|c| keys.iter().any(|j| j.eq_ignore_ascii_case(c))));
            if !unique || !out.room(&codes::UNUSED_JOIN) {
                continue;
            }
            let left = rel.join == JoinKind::Left;
            let message = if left {
                format!(
                    "{} is LEFT JOINed on its unique key and none of its columns is used: the join changes nothing",
                    rel.alias
                )
            } else {
                format!(
                    "none of {}'s columns is used: joined on its unique key ({}), it only checks that a matching row exists",
                    rel.alias,
                    keys.join(", ")
                )
            };
            let suggestion = if left {
                format!("Remove the join to {}.", table.name)
            } else {
                format!(
                    "Remove the join if every row has a match (a NOT NULL foreign key to {}), or say what it checks: \
                     `WHERE EXISTS (SELECT 1 FROM {} WHERE ...)`.",
                    table.name, table.name
                )
            };
            let severity = if left { 4 } else { 3 };
            out.push(self.finding(
                &codes::UNUSED_JOIN,
                severity,
                rel.span,
                &rel.name,
                message,
                suggestion,
                Some(&table.name),
            ));
        }
    }

    /// Whether relation `r` of block `b` is referenced only by equality join conditions (no select-list, filter,
    /// grouping, ordering or subquery use).
    fn only_join_keys(&self, b: usize, r: usize) -> bool {
        let blk = &self.model.blocks[b];
        let target = RelRef { block: b, rel: r };
        let hits = |e: &sqlparser::ast::Expr| {
            self.model.columns(b, e).iter().any(|x| matches!(x, Resolved::Column(at, _) if *at == target))
        };
        for item in &blk.select.projection {
            match item {
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    let q = name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.as_str()).unwrap_or_default();
                    if blk.rels[r].alias.eq_ignore_ascii_case(q) {
                        return false;
                    }
                }
                other => {
                    if super::super::model::item_expr(other).is_some_and(hits) {
                        return false;
                    }
                }
            }
        }
        for p in &self.preds[b] {
            if p.rels.contains(&r) && !matches!(p.shape, Shape::JoinEq { .. }) {
                return false;
            }
        }
        let tail = blk.group_by().iter().chain(blk.select.having.iter()).chain(blk.order_by().iter().map(|o| &o.expr));
        for e in tail {
            if hits(e) {
                return false;
            }
        }
        // USING/NATURAL joins compare every shared column: treat them as used.
        if blk.using.iter().any(|(rel, _)| *rel == r) {
            return false;
        }
        for child in b + 1..self.model.blocks.len() {
            if self.model.is_within(child, b) && self.model.outer_refs(child).any(|at| at == target) {
                return false;
            }
        }
        true
    }

    fn correlated(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        let (Role::Subquery(SubqueryKind::Scalar), Some(holder)) = (blk.role, blk.holder) else { return };
        if !matches!(blk.clause, Clause::Projection | Clause::Where | Clause::Having | Clause::OrderBy)
            || !self.correlated[b]
        {
            return;
        }
        if !out.room(&codes::CORRELATED_SUBQUERY) {
            return;
        }
        let executions = costs.block_executions[b];
        let per_run: f64 = costs.tables.iter().filter(|t| t.block == b).map(|t| t.choice.read).sum();
        let place = match blk.clause {
            Clause::Projection => "select list",
            Clause::Where => "WHERE clause",
            Clause::Having => "HAVING clause",
            _ => "ORDER BY",
        };
        let message = format!(
            "a subquery in the {place} reads the outer row, so it runs once per outer row: ~{} times, reading ~{} rows each",
            rows(executions),
            rows(per_run)
        );
        let suggestion =
            "Compute it once for all rows: join a grouped subquery (`LEFT JOIN (SELECT key, agg(...) FROM t \
                          GROUP BY key) s ON s.key = outer.key`), or use a window function."
                .to_owned();
        let severity = self.sized(5, executions * per_run.max(1.0));
        out.push(self.at_expr(&codes::CORRELATED_SUBQUERY, severity, holder, message, suggestion, None));
    }

    /// Whether some condition on the table could use an index on its column.
    fn indexable(&self, t: &super::super::cost::TableInfo<'_>) -> bool {
        t.filters.iter().any(|i| {
            let p = &self.preds[t.block][*i];
            matches!(p.shape, Shape::Column { .. }) && !p.cast
        })
    }

    fn full_scans(&self, costs: &Costs<'_>, indexes: &[IndexRecommendation], out: &mut Findings) {
        let large = self.settings().large_table_rows as f64;
        for t in &costs.tables {
            if t.choice.kind != AccessKind::FullScan || t.rows < large || t.choice.read * t.executions < large {
                continue;
            }
            if !out.room(&codes::FULL_TABLE_SCAN) {
                continue;
            }
            let rel = &self.model.blocks[t.block].rels[t.rel];
            let per = if t.executions > 1.0 { format!(", {} times", rows(t.executions)) } else { String::new() };
            let message = if t.filters.is_empty() {
                format!("{} is read in full: {} rows{per}, with no condition to narrow it", t.name, rows(t.rows))
            } else {
                format!(
                    "{} is read in full: {} rows{per} to keep ~{}; no index serves its conditions",
                    t.name,
                    rows(t.rows),
                    rows(t.returned)
                )
            };
            let suggestion = match indexes.iter().find(|i| i.table.eq_ignore_ascii_case(&t.name)) {
                Some(index) => format!("Create the recommended index: `{}`.", index.ddl),
                None if t.filters.is_empty() => {
                    "Restrict it (a WHERE on an indexed column, a LIMIT with an indexed ORDER BY) or pre-aggregate it \
                     if this runs often."
                        .to_owned()
                }
                None if self.indexable(t) => {
                    "Its conditions keep too many rows for an index to pay off; narrow them or pre-aggregate."
                        .to_owned()
                }
                None => "No index can serve its conditions as written (see the findings on them); rewrite them on the \
                         bare columns."
                    .to_owned(),
            };
            let severity = self.sized(4, t.rows * t.executions);
            out.push(self.finding(
                &codes::FULL_TABLE_SCAN,
                severity,
                rel.span,
                &t.name,
                message,
                suggestion,
                Some(&t.name),
            ));
        }
    }
}
