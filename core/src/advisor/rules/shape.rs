//! The query's shape: `SELECT *`, results without LIMIT, random order, deep OFFSET, DISTINCT over unique keys,
//! UNION where UNION ALL suffices, HAVING conditions that belong in WHERE, deeply nested subqueries.

use super::super::Analysis;
use super::super::codes;
use super::super::cost::Costs;
use super::super::expr::{self, SubqueryKind};
use super::super::facts::{self, Shape, Use};
use super::super::model::{Resolved, Role, Source};
use super::Findings;
use super::{is_bounded, limit_offset, offset_expr, rows};
use crate::catalog::Table;
use crate::order::LeanSort as _;
use sqlparser::ast::{
    Distinct, Expr, Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, Spanned,
    Value,
};

/// OFFSET from which paging is reported.
const DEEP_OFFSET: f64 = 1000.0;
/// Nesting depth of subqueries that is reported.
const DEEP_NESTING: usize = 3;
/// Functions that return a random value.
const RANDOM: &[&str] = &["rand", "random", "newid", "uuid", "gen_random_uuid", "uuid_generate_v4", "random_uuid"];

impl<'a> Analysis<'a> {
    pub(super) fn shape_rules(&self, costs: &Costs<'_>, out: &mut Findings) {
        for b in 0..self.model.blocks.len() {
            self.select_star(b, out);
            self.random_order(b, costs, out);
            self.distinct_over_unique(b, out);
            self.having_without_aggregate(b, costs, out);
            self.nested(b, out);
        }
        self.unbounded(costs, out);
        self.deep_offsets(out);
        self.unions(self.query.body.as_ref(), out);
    }

    fn select_star(&self, b: usize, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        if matches!(blk.role, Role::Subquery(SubqueryKind::Exists { .. })) {
            return;
        }
        for item in &blk.select.projection {
            let (span, qualifier) = match item {
                SelectItem::Wildcard(options) => (options.wildcard_token.0.span, None),
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    (item.span(), name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.clone()))
                }
                _ => continue,
            };
            if !out.room(&codes::SELECT_STAR) {
                continue;
            }
            let tables: Vec<&Table> = blk
                .rels
                .iter()
                .filter(|r| qualifier.as_ref().is_none_or(|q| r.alias.eq_ignore_ascii_case(q)))
                .filter_map(|r| r.table())
                .collect();
            let columns: usize = tables.iter().map(|t| t.columns.len()).sum();
            let message = if tables.is_empty() {
                "`SELECT *` returns every column, whether the caller uses it or not".to_owned()
            } else {
                let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
                format!(
                    "`SELECT *` returns all {columns} columns of {}, whether the caller uses them or not",
                    names.join(", ")
                )
            };
            let named: Vec<&str> =
                tables.iter().flat_map(|t| t.columns.iter().map(|c| c.name.as_str())).take(4).collect();
            let suggestion = if named.is_empty() {
                "Name the columns the caller needs.".to_owned()
            } else {
                let more = if columns > named.len() { ", ..." } else { "" };
                format!("Name the columns the caller needs: `SELECT {}{more}`.", named.join(", "))
            };
            let severity = if blk.role == Role::Top { 3 } else { 2 };
            out.push(self.finding(&codes::SELECT_STAR, severity, span, item, message, suggestion, None));
        }
    }

    fn unbounded(&self, costs: &Costs<'_>, out: &mut Findings) {
        if is_bounded(self.query) || self.model.blocks.iter().any(|b| b.role == Role::Top && b.select.top.is_some()) {
            return;
        }
        let largest = costs
            .tables
            .iter()
            .filter(|t| self.model.blocks[t.block].role == Role::Top)
            .max_by(|x, y| x.rows.total_cmp(&y.rows));
        let Some(largest) = largest else { return };
        let returned = costs.output;
        if largest.rows < self.settings().large_table_rows as f64 || returned <= self.settings().max_result_rows as f64
        {
            return;
        }
        let severity = if returned >= 1e6 {
            7
        } else if returned >= 1e5 {
            6
        } else {
            5
        };
        let Some(first) = self.model.blocks.first() else { return };
        if !out.room(&codes::UNBOUNDED_RESULT) {
            return;
        }
        let message = format!(
            "no LIMIT: the query returns an estimated {} rows from {} ({} rows)",
            rows(returned),
            largest.name,
            rows(largest.rows)
        );
        let suggestion = "Add `LIMIT n` (with an ORDER BY on a key for stable pages), or aggregate in SQL what the \
                          caller would aggregate."
            .to_owned();
        out.push(self.finding(
            &codes::UNBOUNDED_RESULT,
            severity,
            first.select.select_token.0.span,
            &"SELECT",
            message,
            suggestion,
            Some(&largest.name),
        ));
    }

    fn random_order(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        for item in blk.order_by() {
            let random = matches!(expr::unnest(&item.expr), Expr::Function(f) if RANDOM.contains(&expr::function_name(f).as_str()));
            if !random || !out.room(&codes::ORDER_BY_RANDOM) {
                continue;
            }
            let n = costs.block_rows[b];
            let message = format!(
                "ORDER BY a random value computes and sorts a value for each of the ~{} rows to keep a few",
                rows(n)
            );
            let suggestion = match self.dialect {
                crate::catalog::Dialect::Postgres => {
                    "Sample instead: `FROM t TABLESAMPLE SYSTEM (1)`, or pick random keys (`WHERE id >= <random key> \
                     ORDER BY id LIMIT n`)."
                }
                _ => {
                    "Pick random keys instead: `WHERE id >= <random value between min and max id> ORDER BY id LIMIT n`."
                }
            };
            out.push(self.at_expr(
                &codes::ORDER_BY_RANDOM,
                self.sized(5, n),
                &item.expr,
                message,
                suggestion.into(),
                None,
            ));
        }
    }

    fn deep_offsets(&self, out: &mut Findings) {
        let mut queries: Vec<&sqlparser::ast::Query> = self.model.blocks.iter().map(|b| b.query).collect();
        queries.push(self.query);
        queries.lean_sort_by_key(|q| *q as *const _ as usize);
        queries.dedup_by_key(|q| *q as *const _ as usize);
        for query in queries {
            let (_, Some(offset)) = limit_offset(query) else { continue };
            if offset < DEEP_OFFSET {
                continue;
            }
            let severity = if offset >= 100_000.0 {
                8
            } else if offset >= 10_000.0 {
                6
            } else {
                4
            };
            let Some(e) = offset_expr(query) else { continue };
            if !out.room(&codes::DEEP_OFFSET) {
                continue;
            }
            let message = format!(
                "OFFSET {}: every page reads and throws away the {} rows before it",
                rows(offset),
                rows(offset)
            );
            let suggestion = "Page by key instead (keyset pagination): remember the last key of the previous page and \
                              ask `WHERE key > :last ORDER BY key LIMIT n`, which an index on the key answers directly."
                .to_owned();
            out.push(self.at_expr(&codes::DEEP_OFFSET, severity, e, message, suggestion, None));
        }
    }

    fn distinct_over_unique(&self, b: usize, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        if !matches!(blk.select.distinct, Some(Distinct::Distinct)) || !blk.group_by().is_empty() || blk.rels.is_empty()
        {
            return;
        }
        let mut covered = Vec::new();
        for (r, rel) in blk.rels.iter().enumerate() {
            let Some(table) = rel.table() else { return };
            let projected = self.projected_columns(b, r);
            let Some(key) = unique_keys(table)
                .into_iter()
                .find(|k| k.iter().all(|c| projected.iter().any(|p| p.eq_ignore_ascii_case(c))))
            else {
                return;
            };
            covered.push(format!("{} ({})", table.name, key.join(", ")));
        }
        if !out.room(&codes::DISTINCT_OVER_UNIQUE) {
            return;
        }
        let message = format!(
            "DISTINCT over rows that are already distinct: the select list holds a unique key of {}",
            covered.join(" and ")
        );
        let span = blk.select.projection.iter().fold(blk.select.select_token.0.span, |s, item| match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => s.union(&expr::span(e)),
            _ => s,
        });
        let suggestion = "Drop DISTINCT: it only adds a sort or hash of the whole result.".to_owned();
        out.push(self.finding(&codes::DISTINCT_OVER_UNIQUE, 3, span, &"SELECT DISTINCT", message, suggestion, None));
    }

    /// The columns of relation `rel` block `b` selects (all of them under `*` or `rel.*`).
    fn projected_columns(&self, b: usize, rel: usize) -> Vec<String> {
        let blk = &self.model.blocks[b];
        let all = || -> Vec<String> {
            blk.rels[rel].table().map(|t| t.columns.iter().map(|c| c.name.clone()).collect()).unwrap_or_default()
        };
        let mut out: Vec<String> = Vec::new();
        for item in &blk.select.projection {
            match item {
                SelectItem::Wildcard(_) => out.extend(all()),
                SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(name), _) => {
                    let q = name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.as_str()).unwrap_or_default();
                    if blk.rels[rel].alias.eq_ignore_ascii_case(q) {
                        out.extend(all());
                    }
                }
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    if let Some((r, c)) = facts::local_column(&self.model, b, e)
                        && r == rel
                    {
                        out.push(c.to_owned());
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn having_without_aggregate(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        let Some(having) = &blk.select.having else { return };
        let groups: Vec<Resolved> = blk.group_by().iter().flat_map(|e| self.model.columns(b, e)).collect();
        if groups.is_empty() {
            return;
        }
        for conjunct in expr::conjuncts(having) {
            if expr::has_aggregate(conjunct) || expr::has_subquery(conjunct) {
                continue;
            }
            let refs = self.model.columns(b, conjunct);
            let grouped = !refs.is_empty()
                && refs.iter().all(|r| matches!(r, Resolved::Column(at, _) if at.block == b) && groups.contains(r));
            if !grouped || !out.room(&codes::HAVING_WITHOUT_AGGREGATE) {
                continue;
            }
            let conjunct_text = expr::text(conjunct);
            let message = format!(
                "`{conjunct_text}` reads only grouping columns: as a HAVING condition it filters after all ~{} rows were \
                 grouped",
                rows(costs.block_rows[b])
            );
            let suggestion = format!(
                "Move `{conjunct_text}` to WHERE so rows are dropped before grouping (and an index can serve it)."
            );
            out.push(self.at_expr(&codes::HAVING_WITHOUT_AGGREGATE, 3, conjunct, message, suggestion, None));
        }
    }

    fn nested(&self, b: usize, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        if blk.depth != DEEP_NESTING || !matches!(blk.role, Role::Subquery(_)) {
            return;
        }
        let Some(holder) = blk.holder else { return };
        if !out.room(&codes::NESTED_SUBQUERIES) {
            return;
        }
        let message = format!("subqueries nested {} levels deep", blk.depth);
        let suggestion =
            "Flatten into joins, or name the inner steps with WITH so each is written (and planned) once.".to_owned();
        out.push(self.at_expr(&codes::NESTED_SUBQUERIES, 3, holder, message, suggestion, None));
    }

    /// UNION (without ALL) whose branches provably cannot return the same row, and return distinct rows each.
    fn unions(&self, body: &'a SetExpr, out: &mut Findings) {
        let SetExpr::SetOperation { left, op, set_quantifier, right } = body else {
            if let SetExpr::Query(q) = body {
                self.unions(&q.body, out);
            }
            return;
        };
        self.unions(left, out);
        self.unions(right, out);
        let distinct = matches!(set_quantifier, SetQuantifier::Distinct | SetQuantifier::None);
        if *op != SetOperator::Union || !distinct {
            return;
        }
        let (SetExpr::Select(l), SetExpr::Select(r)) = (left.as_ref(), right.as_ref()) else { return };
        let (Some(lb), Some(rb)) = (self.block_of(l), self.block_of(r)) else { return };
        if !(self.branch_distinct(lb) && self.branch_distinct(rb)) {
            return;
        }
        let Some(why) = self.disjoint(lb, rb) else { return };
        if !out.room(&codes::UNION_WITHOUT_ALL) {
            return;
        }
        let message = format!(
            "UNION removes duplicates with a sort or hash of both branches, but they cannot overlap ({why}) and each \
             returns distinct rows"
        );
        let span = r.select_token.0.span;
        out.push(self.finding(&codes::UNION_WITHOUT_ALL, 3, span, &"UNION", message, "Write UNION ALL.".into(), None));
    }

    fn block_of(&self, select: &Select) -> Option<usize> {
        self.model.blocks.iter().position(|b| std::ptr::eq(b.select, select))
    }

    /// Whether a branch returns no duplicate rows: DISTINCT, GROUP BY over its select list, or a unique key of
    /// its only table selected.
    fn branch_distinct(&self, b: usize) -> bool {
        let blk = &self.model.blocks[b];
        if matches!(blk.select.distinct, Some(Distinct::Distinct)) {
            return true;
        }
        if let [rel] = blk.rels.as_slice()
            && let Some(table) = rel.table()
        {
            let projected = self.projected_columns(b, 0);
            return unique_keys(table)
                .iter()
                .any(|k| k.iter().all(|c| projected.iter().any(|p| p.eq_ignore_ascii_case(c))));
        }
        false
    }

    /// Why two branches cannot return the same row: different constants in one output position, or the same
    /// table with contradicting conditions while selecting its unique key.
    fn disjoint(&self, lb: usize, rb: usize) -> Option<String> {
        let (l, r) = (&self.model.blocks[lb], &self.model.blocks[rb]);
        for (i, (a, c)) in l.select.projection.iter().zip(&r.select.projection).enumerate() {
            let constant = |item: &SelectItem| match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => expr::literal(e).cloned(),
                _ => None,
            };
            if let (Some(x), Some(y)) = (constant(a), constant(c))
                && x != y
                && x != Value::Null
            {
                return Some(format!("output column {} is {x} in one and {y} in the other", i + 1));
            }
        }
        let ([lr], [rr]) = (l.rels.as_slice(), r.rels.as_slice()) else { return None };
        let (Some(lt), Some(rt)) = (lr.table(), rr.table()) else { return None };
        if lt.name != rt.name || !matches!((&lr.source, &rr.source), (Source::Table(_), Source::Table(_))) {
            return None;
        }
        let equalities = |b: usize| -> Vec<(String, Option<Value>)> {
            self.preds[b]
                .iter()
                .filter_map(|p| match &p.shape {
                    Shape::Column { column, usage: Use::Eq, value, .. }
                        if matches!(p.expr, Expr::BinaryOp { .. } | Expr::IsNull(_)) =>
                    {
                        Some((column.to_ascii_lowercase(), value.and_then(expr::literal).cloned()))
                    }
                    _ => None,
                })
                .collect()
        };
        let (le, re) = (equalities(lb), equalities(rb));
        for (column, x) in &le {
            for (other, y) in &re {
                let contradict = column == other
                    && match (x, y) {
                        (Some(x), Some(y)) => x != y,
                        (None, Some(_)) | (Some(_), None) => true,
                        (None, None) => false,
                    };
                if contradict {
                    return Some(format!("{column} cannot match both conditions"));
                }
            }
        }
        None
    }
}

/// The column sets that identify a row of `table`: its primary key, unique constraints and unique indexes.
pub(super) fn unique_keys(table: &Table) -> Vec<Vec<String>> {
    let mut keys = Vec::new();
    if !table.primary_key.is_empty() {
        keys.push(table.primary_key.clone());
    }
    keys.extend(table.unique.iter().cloned());
    keys.extend(table.indexes.iter().filter(|i| i.unique).map(|i| i.columns.clone()));
    keys
}
