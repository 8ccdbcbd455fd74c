//! Building the [`Model`](super::model::Model): a walk over the query that opens a block for every SELECT
//! (set-operation branches, CTEs, derived tables, expression subqueries), collects each FROM clause's relations
//! and joins, and resolves table names against the catalog and the CTEs in scope.

use super::expr;
use super::model::{Block, Clause, Columns, JoinKind, Rel, Role, Source, item_expr};
use crate::catalog::{Catalog, Table};
use sqlparser::ast::{
    Expr, JoinConstraint, JoinOperator, Query, Select, SelectItem, SetExpr, TableAlias, TableFactor, TableWithJoins,
};

/// The blocks of `query`, the top level first.
pub(super) fn blocks<'a>(query: &'a Query, catalog: Option<&'a Catalog>) -> Vec<Block<'a>> {
    let mut builder = Builder { catalog, blocks: Vec::new(), ctes: Vec::new() };
    builder.query(query, Place { parent: None, role: Role::Top, clause: Clause::None, holder: None, depth: 0 });
    builder.blocks
}

/// The output column names of `query` (its first SELECT's select list).
fn output_columns(query: &Query) -> Columns {
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::Select(select) => {
                let mut names = Vec::new();
                for item in &select.projection {
                    match item {
                        SelectItem::UnnamedExpr(Expr::Identifier(i)) => names.push(i.value.clone()),
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
                            names.extend(parts.last().map(|i| i.value.clone()))
                        }
                        SelectItem::ExprWithAlias { alias, .. } => names.push(alias.value.clone()),
                        SelectItem::UnnamedExpr(Expr::Function(f)) => names.push(expr::function_name(f)),
                        SelectItem::UnnamedExpr(_) | SelectItem::ExprWithAliases { .. } => {
                            names.push("?column?".into())
                        }
                        SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => return Columns::Unknown,
                    }
                }
                return Columns::Known(names);
            }
            SetExpr::Query(q) => body = q.body.as_ref(),
            SetExpr::SetOperation { left, .. } => body = left,
            _ => return Columns::Unknown,
        }
    }
}

fn alias_columns(alias: &Option<TableAlias>) -> Option<Columns> {
    let alias = alias.as_ref()?;
    (!alias.columns.is_empty()).then(|| Columns::Known(alias.columns.iter().map(|c| c.name.value.clone()).collect()))
}

#[derive(Clone, Copy)]
struct Place<'a> {
    parent: Option<usize>,
    role: Role,
    clause: Clause,
    holder: Option<&'a Expr>,
    depth: usize,
}

struct Builder<'a> {
    catalog: Option<&'a Catalog>,
    blocks: Vec<Block<'a>>,
    /// CTEs in scope, innermost last: lower-cased name and columns.
    ctes: Vec<(String, Columns)>,
}

impl<'a> Builder<'a> {
    fn query(&mut self, query: &'a Query, place: Place<'a>) {
        let mark = self.ctes.len();
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let name = cte.alias.name.value.to_ascii_lowercase();
                let columns = alias_columns(&Some(cte.alias.clone())).unwrap_or_else(|| output_columns(&cte.query));
                if with.recursive {
                    // A recursive CTE reads itself.
                    self.ctes.push((name.clone(), columns.clone()));
                }
                let cte_place = Place { role: Role::Cte, clause: Clause::None, holder: None, ..place };
                self.query(&cte.query, cte_place);
                if !with.recursive {
                    self.ctes.push((name, columns));
                }
            }
        }
        self.set_expr(&query.body, query, place, false);
        self.ctes.truncate(mark);
    }

    fn set_expr(&mut self, body: &'a SetExpr, query: &'a Query, place: Place<'a>, branch: bool) {
        match body {
            SetExpr::Select(select) => self.select(select, query, place, branch),
            SetExpr::Query(inner) => self.query(inner, place),
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left, query, place, true);
                self.set_expr(right, query, place, true);
            }
            _ => {}
        }
    }

    fn select(&mut self, select: &'a Select, query: &'a Query, place: Place<'a>, branch: bool) {
        let id = self.blocks.len();
        self.blocks.push(Block {
            select,
            query,
            owns_tail: !branch,
            parent: place.parent,
            role: place.role,
            clause: place.clause,
            holder: place.holder,
            depth: place.depth,
            rels: Vec::new(),
            on: Vec::new(),
            using: Vec::new(),
        });
        for item in &select.from {
            self.join_tree(id, item, JoinKind::First, place);
        }
        let mut exprs: Vec<(&'a Expr, Clause)> = Vec::new();
        exprs.extend(select.projection.iter().filter_map(item_expr).map(|e| (e, Clause::Projection)));
        exprs.extend(select.selection.iter().map(|e| (e, Clause::Where)));
        exprs.extend(self.blocks[id].on.iter().map(|(_, e)| (*e, Clause::On)));
        exprs.extend(self.blocks[id].group_by().iter().map(|e| (e, Clause::GroupBy)));
        exprs.extend(select.having.iter().map(|e| (e, Clause::Having)));
        exprs.extend(self.blocks[id].order_by().iter().map(|o| (&o.expr, Clause::OrderBy)));
        for (e, clause) in exprs {
            for (subquery, kind, holder) in expr::subqueries(e) {
                let place = Place {
                    parent: Some(id),
                    role: Role::Subquery(kind),
                    clause,
                    holder: Some(holder),
                    depth: place.depth + 1,
                };
                self.query(subquery, place);
            }
        }
    }

    fn join_tree(&mut self, id: usize, item: &'a TableWithJoins, first: JoinKind, place: Place<'a>) {
        self.factor(id, &item.relation, first, place);
        for join in &item.joins {
            let (kind, constraint) = join_kind(&join.join_operator);
            let before = self.blocks[id].rels.len();
            self.factor(id, &join.relation, kind, place);
            // A nested join adds several relations: the constraint joins the last one added.
            let joined = self.blocks[id].rels.len().max(before + 1) - 1;
            match constraint {
                Some(JoinConstraint::On(e)) => self.blocks[id].on.push((joined, e)),
                Some(JoinConstraint::Using(names)) => {
                    let names = names.iter().filter_map(|n| n.0.last()?.as_ident().map(|i| i.value.clone()));
                    self.blocks[id].using.push((joined, names.collect()));
                }
                Some(JoinConstraint::Natural) => self.blocks[id].using.push((joined, Vec::new())),
                _ => {}
            }
        }
    }

    fn factor(&mut self, id: usize, factor: &'a TableFactor, join: JoinKind, place: Place<'a>) {
        // Only names: the span of a derived table would walk its whole subquery (recursively).
        let span = match factor {
            TableFactor::Table { name, alias, .. } => {
                let name = sqlparser::ast::Spanned::span(name);
                alias.as_ref().map_or(name, |a| name.union(&a.name.span))
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let start = expr::query_start(subquery);
                alias.as_ref().map_or(start, |a| start.union(&a.name.span))
            }
            _ => sqlparser::tokenizer::Span::empty(),
        };
        let rel = match factor {
            TableFactor::Table { name, alias, args: None, .. } => {
                let parts: Vec<&str> = name.0.iter().filter_map(|p| p.as_ident().map(|i| i.value.as_str())).collect();
                let written = parts.join(".");
                let last = parts.last().copied().unwrap_or_default().to_owned();
                let alias_name = alias.as_ref().map_or_else(|| last.clone(), |a| a.name.value.clone());
                let cte = (parts.len() == 1)
                    .then(|| self.ctes.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(&last)))
                    .flatten();
                let source = match cte {
                    Some((_, columns)) => Source::Cte(alias_columns(alias).unwrap_or_else(|| columns.clone())),
                    None => Source::Table(self.table(&parts)),
                };
                Rel { alias: alias_name, name: written, source, join, span }
            }
            TableFactor::Derived { lateral, subquery, alias, .. } => {
                let child = self.blocks.len();
                let parent = if *lateral { Some(id) } else { place.parent };
                let derived =
                    Place { parent, role: Role::Derived, clause: Clause::None, holder: None, depth: place.depth + 1 };
                self.query(subquery, derived);
                let columns = alias_columns(alias).unwrap_or_else(|| output_columns(subquery));
                let name = alias.as_ref().map_or_else(|| "subquery".to_owned(), |a| a.name.value.clone());
                Rel { alias: name.clone(), name, source: Source::Derived(columns, child), join, span }
            }
            TableFactor::NestedJoin { table_with_joins, .. } => {
                self.join_tree(id, table_with_joins, join, place);
                return;
            }
            other => {
                let alias = match other {
                    TableFactor::Table { alias, .. }
                    | TableFactor::Function { alias, .. }
                    | TableFactor::UNNEST { alias, .. }
                    | TableFactor::TableFunction { alias, .. } => alias.as_ref().map(|a| a.name.value.clone()),
                    _ => None,
                };
                let name = alias.unwrap_or_else(|| "function".into());
                Rel { alias: name.clone(), name, source: Source::Other, join, span }
            }
        };
        self.blocks[id].rels.push(rel);
    }

    /// The catalog table named by `parts` (`schema.table` as catalogued, else the last part).
    fn table(&self, parts: &[&str]) -> Option<&'a Table> {
        let catalog = self.catalog?;
        catalog.table(&parts.join(".")).or_else(|| parts.last().and_then(|t| catalog.table(t)))
    }
}

fn join_kind(op: &JoinOperator) -> (JoinKind, Option<&JoinConstraint>) {
    match op {
        JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::StraightJoin(c) => (JoinKind::Inner, Some(c)),
        JoinOperator::CrossJoin(c) => (JoinKind::Cross, Some(c)),
        JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c) => (JoinKind::Left, Some(c)),
        JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::RightAnti(c) => (JoinKind::Right, Some(c)),
        JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
        JoinOperator::AsOf { constraint, .. } => (JoinKind::Inner, Some(constraint)),
        JoinOperator::CrossApply => (JoinKind::Cross, None),
        JoinOperator::OuterApply => (JoinKind::Left, None),
        _ => (JoinKind::Inner, None),
    }
}
