//! Whole statements: the tables of FROM (joins, subqueries, WITH), WHERE and ON clauses, GROUP BY, HAVING,
//! DISTINCT and LIMIT, put together from the pieces in the sibling modules.

use super::bind::{Bound, Rel};
use super::join::JoinKind;
use super::pred::{Col, Op, Pred};
use super::{DEFAULT_INEQ_SEL, DEFAULT_TABLE_ROWS, Estimate, Estimator, TableEstimate};
use crate::catalog::Dialect;
use crate::error::{Error, Result};
use sqlparser::ast::{
    Distinct, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, JoinConstraint, JoinOperator,
    LimitClause, Query, Select, SelectItem, SetExpr, SetOperator, TableFactor, TableWithJoins, Value as Literal,
};
use std::collections::BTreeMap;

/// Functions that aggregate rows (an aggregate without GROUP BY returns one row).
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "every",
    "bool_and",
    "bool_or",
    "array_agg",
    "string_agg",
    "group_concat",
    "json_agg",
    "jsonb_agg",
    "json_group_array",
    "total",
    "stddev",
    "variance",
];

/// Output rows of the WITH queries in scope, by lower-cased name.
type Ctes = BTreeMap<String, f64>;

pub(super) fn estimate(est: &Estimator<'_>, sql: &str, dialect: Dialect) -> Result<Estimate> {
    match crate::sql::parse_query(sql, dialect)? {
        crate::sql::OneQuery::Query(query) => est.query(&query, &Ctes::new()),
        crate::sql::OneQuery::NotAQuery(kind) => {
            Err(Error::InvalidSql(format!("only a query can be estimated, not {kind}")))
        }
    }
}

pub(super) fn estimate_query(est: &Estimator<'_>, query: &Query) -> Result<Estimate> {
    est.query(query, &Ctes::new())
}

impl<'a> Estimator<'a> {
    fn query(&self, query: &Query, outer: &Ctes) -> Result<Estimate> {
        let mut ctes = outer.clone();
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let rows = self.query(&cte.query, &ctes)?.output_rows;
                ctes.insert(cte.alias.name.value.to_lowercase(), rows);
            }
        }
        let mut estimate = self.set_expr(&query.body, &ctes)?;
        let (limit, offset) = match &query.limit_clause {
            Some(LimitClause::LimitOffset { limit, offset, .. }) => (limit.as_ref(), offset.as_ref().map(|o| &o.value)),
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => (Some(limit), Some(offset)),
            None => (None, None),
        };
        if let Some(offset) = offset.and_then(count) {
            estimate.output_rows = (estimate.output_rows - offset).max(0.0);
        }
        if let Some(limit) = limit.and_then(count) {
            estimate.output_rows = estimate.output_rows.min(limit);
        }
        Ok(estimate)
    }

    fn set_expr(&self, body: &SetExpr, ctes: &Ctes) -> Result<Estimate> {
        match body {
            SetExpr::Select(select) => self.select(select, ctes),
            SetExpr::Query(query) => self.query(query, ctes),
            SetExpr::SetOperation { left, op, right, .. } => {
                let (l, r) = (self.set_expr(left, ctes)?, self.set_expr(right, ctes)?);
                let output_rows = match op {
                    SetOperator::Union => l.output_rows + r.output_rows,
                    SetOperator::Intersect => l.output_rows.min(r.output_rows),
                    SetOperator::Except | SetOperator::Minus => l.output_rows,
                };
                let tables = l.tables.into_iter().chain(r.tables).collect();
                Ok(Estimate { tables, joined_rows: l.joined_rows + r.joined_rows, output_rows })
            }
            _ => Err(Error::InvalidSql("only SELECT statements can be estimated".into())),
        }
    }

    fn select(&self, select: &Select, ctes: &Ctes) -> Result<Estimate> {
        let mut from = From::default();
        for item in &select.from {
            self.add_from_item(item, ctes, JoinKind::Inner, &mut from)?;
        }
        let bound = Bound { rels: from.rels };
        let mut clauses: Vec<Pred> = from.using.iter().flat_map(|(rel, names)| using(&bound, *rel, names)).collect();
        for expr in from.on.iter().copied().chain(&select.selection) {
            clauses.extend(bound.predicate(expr).conjuncts());
        }
        let order: Vec<usize> = (0..bound.rels.len()).collect();
        let plan = self.plan(&bound, &order, clauses, &from.kinds);

        let mut output = plan.joined;
        let grouping = match &select.group_by {
            GroupByExpr::Expressions(exprs, _) if !exprs.is_empty() => Some(exprs.as_slice()),
            _ => None,
        };
        if let Some(exprs) = grouping {
            let exprs: Vec<&Expr> = exprs.iter().map(|e| projected(e, &select.projection)).collect();
            output = self.groups(&bound, &plan, &columns(&bound, &exprs));
        } else if select.projection.iter().any(|item| item_expr(item).is_some_and(aggregates)) {
            output = 1.0;
        }
        if select.having.is_some() {
            output *= DEFAULT_INEQ_SEL;
        }
        let distinct: Option<Vec<&Expr>> = match &select.distinct {
            Some(Distinct::Distinct) => select.projection.iter().map(item_expr).collect(),
            Some(Distinct::On(exprs)) => Some(exprs.iter().collect()),
            _ => None,
        };
        if let Some(exprs) = distinct.filter(|_| grouping.is_none()) {
            output = output.min(self.groups(&bound, &plan, &columns(&bound, &exprs)));
        }
        let tables = bound
            .rels
            .iter()
            .zip(&plan.filtered)
            .map(|(rel, filtered)| TableEstimate {
                table: rel.name.clone(),
                alias: rel.alias.clone(),
                rows: rel.rows,
                filtered_rows: clamp_rows(*filtered),
                has_statistics: rel.stats.is_some(),
            })
            .collect();
        Ok(Estimate { tables, joined_rows: clamp_rows(plan.joined), output_rows: clamp_rows(output) })
    }

    /// Adds a FROM item (a table and the tables joined to it) to `from`.
    fn add_from_item<'q>(
        &self,
        item: &'q TableWithJoins,
        ctes: &Ctes,
        kind: JoinKind,
        from: &mut From<'a, 'q>,
    ) -> Result<()> {
        self.add_factor(&item.relation, ctes, kind, from)?;
        for join in &item.joins {
            let (kind, constraint) = join_kind(&join.join_operator);
            self.add_factor(&join.relation, ctes, kind, from)?;
            match constraint {
                Some(JoinConstraint::On(expr)) => from.on.push(expr),
                Some(JoinConstraint::Using(names)) => {
                    let names = names.iter().filter_map(|n| n.0.last()?.as_ident().map(|i| i.value.clone()));
                    from.using.push((from.rels.len() - 1, names.collect()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn add_factor<'q>(
        &self,
        factor: &'q TableFactor,
        ctes: &Ctes,
        kind: JoinKind,
        from: &mut From<'a, 'q>,
    ) -> Result<()> {
        let alias_of = |alias: &Option<sqlparser::ast::TableAlias>| alias.as_ref().map(|a| a.name.value.clone());
        let rel = match factor {
            TableFactor::Table { name, alias, args: None, .. } => {
                let parts: Vec<String> = name.0.iter().filter_map(|p| p.as_ident().map(|i| i.value.clone())).collect();
                let table = parts.join(".");
                let alias = alias_of(alias).unwrap_or_else(|| parts.last().cloned().unwrap_or_default());
                match ctes.get(&table.to_lowercase()) {
                    Some(rows) => Rel { alias, name: table, stats: None, rows: *rows },
                    None => self.rel(&alias, &table),
                }
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let rows = self.query(subquery, ctes)?.output_rows;
                let alias = alias_of(alias).unwrap_or_else(|| "subquery".into());
                Rel { alias: alias.clone(), name: alias, stats: None, rows }
            }
            TableFactor::NestedJoin { table_with_joins, .. } => {
                return self.add_from_item(table_with_joins, ctes, kind, from);
            }
            other => {
                let name = other.to_string();
                Rel { alias: name.clone(), name, stats: None, rows: DEFAULT_TABLE_ROWS }
            }
        };
        from.rels.push(rel);
        from.kinds.push(kind);
        Ok(())
    }
}

/// The tables of FROM, how each joins the ones before it, and the join conditions.
#[derive(Default)]
struct From<'a, 'q> {
    rels: Vec<Rel<'a>>,
    kinds: Vec<JoinKind>,
    on: Vec<&'q Expr>,
    /// `JOIN ... USING (names)`: the joined table's position and the column names.
    using: Vec<(usize, Vec<String>)>,
}

fn join_kind(op: &JoinOperator) -> (JoinKind, Option<&JoinConstraint>) {
    match op {
        JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::StraightJoin(c) => (JoinKind::Inner, Some(c)),
        JoinOperator::CrossJoin(c) => (JoinKind::Inner, Some(c)),
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
        JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
        JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
        JoinOperator::Semi(c) | JoinOperator::LeftSemi(c) => (JoinKind::Semi, Some(c)),
        JoinOperator::Anti(c) | JoinOperator::LeftAnti(c) => (JoinKind::Anti, Some(c)),
        _ => (JoinKind::Inner, None),
    }
}

/// `USING (names)` as equalities between the joined table and the first earlier table having each column.
fn using(bound: &Bound<'_>, rel: usize, names: &[String]) -> Vec<Pred> {
    names
        .iter()
        .filter_map(|name| {
            let has = |r: &Rel<'_>| {
                r.stats.is_some_and(|s| s.column(name).is_some())
                    || r.stats.and_then(|s| s.sample.as_ref()).is_some_and(|s| s.columns.iter().any(|c| c == name))
            };
            let left = (0..rel).find(|r| has(&bound.rels[*r])).unwrap_or(0);
            (left != rel)
                .then(|| Pred::Cols(Col { rel: left, name: name.clone() }, Op::Eq, Col { rel, name: name.clone() }))
        })
        .collect()
}

/// GROUP BY's `1` or an output alias, as the projected expression.
fn projected<'e>(expr: &'e Expr, projection: &'e [SelectItem]) -> &'e Expr {
    match expr {
        Expr::Value(v) => match &v.value {
            Literal::Number(n, _) => n
                .parse::<usize>()
                .ok()
                .and_then(|i| projection.get(i.checked_sub(1)?))
                .and_then(item_expr)
                .unwrap_or(expr),
            _ => expr,
        },
        Expr::Identifier(ident) => projection
            .iter()
            .find_map(|item| match item {
                SelectItem::ExprWithAlias { expr, alias } if alias.value.eq_ignore_ascii_case(&ident.value) => {
                    Some(expr)
                }
                _ => None,
            })
            .unwrap_or(expr),
        _ => expr,
    }
}

fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => Some(expr),
        _ => None,
    }
}

/// The columns the grouping expressions read (an expression groups at most as finely as its columns).
fn columns(bound: &Bound<'_>, exprs: &[&Expr]) -> Vec<Col> {
    exprs.iter().flat_map(|e| bound.column(e).map_or_else(|| bound.columns(e), |c| vec![c])).collect()
}

/// Whether `expr` calls an aggregate function.
fn aggregates(expr: &Expr) -> bool {
    match expr {
        Expr::Function(f) => {
            let name = f.name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_lowercase());
            name.is_some_and(|n| AGGREGATES.contains(&n.as_str()))
                || matches!(&f.args, FunctionArguments::List(list) if list.args.iter().any(|a| matches!(a,
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) if aggregates(e))))
        }
        Expr::BinaryOp { left, right, .. } => aggregates(left) || aggregates(right),
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) | Expr::Cast { expr, .. } => aggregates(expr),
        _ => false,
    }
}

/// A LIMIT or OFFSET count.
fn count(expr: &Expr) -> Option<f64> {
    super::bind::literal(expr).and_then(|v| v.as_f64()).filter(|n| *n >= 0.0)
}

/// Rows as PostgreSQL reports them: whole and at least one.
pub(super) fn clamp_rows(rows: f64) -> f64 {
    if rows.is_nan() || rows < 1.0 { 1.0 } else { rows.round() }
}
