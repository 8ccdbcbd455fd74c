//! The query as the rules see it: one [`Block`] per SELECT (the top level, each set-operation branch, each CTE,
//! derived table and subquery), the relations of its FROM clause, and column references resolved to the
//! relation (possibly of an enclosing block: a correlation) they read.

use super::expr::{self, SubqueryKind};
use crate::catalog::{Catalog, Table};
use sqlparser::ast::{
    Expr, GroupByExpr, Ident, JoinConstraint, JoinOperator, OrderByKind, Query, Select, SelectItem, SetExpr,
    TableAlias, TableFactor, TableWithJoins,
};
use sqlparser::tokenizer::Span;

/// Where a block's query sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The statement itself (or a branch of its set operation).
    Top,
    /// A `WITH` query.
    Cte,
    /// A subquery in FROM.
    Derived,
    /// A subquery in an expression.
    Subquery(SubqueryKind),
}

/// The clause of the enclosing block an expression subquery appears in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Clause {
    /// Select list.
    Projection,
    /// WHERE.
    Where,
    /// A join's ON.
    On,
    /// GROUP BY.
    GroupBy,
    /// HAVING.
    Having,
    /// ORDER BY.
    OrderBy,
    /// Not in an expression (FROM, WITH, the top level).
    None,
}

/// How a relation joins the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JoinKind {
    /// The first relation of a FROM item.
    First,
    /// `JOIN`/`INNER JOIN`.
    Inner,
    /// `LEFT [OUTER] JOIN` (and semi/anti joins).
    Left,
    /// `RIGHT [OUTER] JOIN`.
    Right,
    /// `FULL [OUTER] JOIN`.
    Full,
    /// `CROSS JOIN` (also `CROSS APPLY`).
    Cross,
}

/// What the columns of a CTE or derived table are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Columns {
    /// These names.
    Known(Vec<String>),
    /// Not known (`SELECT *` inside).
    Unknown,
}

/// What a relation reads.
#[derive(Debug, Clone)]
pub(super) enum Source<'a> {
    /// A base table, with its catalog entry when the catalog knows it.
    Table(Option<&'a Table>),
    /// A `WITH` query.
    Cte(Columns),
    /// A subquery in FROM, and its block.
    Derived(Columns, usize),
    /// A table function or anything else.
    Other,
}

/// A relation of a FROM clause.
#[derive(Debug, Clone)]
pub(super) struct Rel<'a> {
    /// The name columns are qualified with (the alias, else the table's last name part).
    pub(super) alias: String,
    /// The table (or CTE) name as written, parts joined by `.`; the alias for derived tables.
    pub(super) name: String,
    /// What it reads.
    pub(super) source: Source<'a>,
    /// How it is joined.
    pub(super) join: JoinKind,
    /// Where it is written.
    pub(super) span: Span,
}

impl<'a> Rel<'a> {
    /// The catalog table, for a base table the catalog knows.
    pub(super) fn table(&self) -> Option<&'a Table> {
        match &self.source {
            Source::Table(t) => *t,
            _ => None,
        }
    }

    /// Whether this is a base table (known to the catalog or not).
    pub(super) fn is_base(&self) -> bool {
        matches!(self.source, Source::Table(_))
    }

    /// The catalog's table name when known, else the name as written.
    pub(super) fn table_name(&self) -> &str {
        self.table().map_or(self.name.as_str(), |t| t.name.as_str())
    }

    fn has(&self, column: &str) -> Has {
        let known = |names: &[String]| {
            if names.iter().any(|n| n.eq_ignore_ascii_case(column)) { Has::Yes } else { Has::No }
        };
        match &self.source {
            Source::Table(Some(t)) => {
                if t.column(column).is_some() {
                    Has::Yes
                } else {
                    Has::No
                }
            }
            Source::Cte(Columns::Known(names)) | Source::Derived(Columns::Known(names), _) => known(names),
            _ => Has::Unknown,
        }
    }

    /// The column's name as the catalog spells it (as written otherwise).
    fn canonical(&self, column: &'a str) -> &'a str {
        match self.table().and_then(|t| t.column(column)) {
            Some(c) => &c.name,
            None => column,
        }
    }
}

enum Has {
    Yes,
    No,
    Unknown,
}

/// One SELECT.
#[derive(Debug, Clone)]
pub(super) struct Block<'a> {
    /// The SELECT.
    pub(super) select: &'a Select,
    /// The query it is the body (or a set-operation branch) of.
    pub(super) query: &'a Query,
    /// Whether the query's ORDER BY, LIMIT and OFFSET apply to this SELECT alone.
    pub(super) owns_tail: bool,
    /// The block whose relations it may reference (correlation).
    pub(super) parent: Option<usize>,
    /// Where its query sits.
    pub(super) role: Role,
    /// The enclosing block's clause, for expression subqueries.
    pub(super) clause: Clause,
    /// The expression holding it, for expression subqueries (`x NOT IN (SELECT ...)`).
    pub(super) holder: Option<&'a Expr>,
    /// Subquery nesting depth (0 at the top level).
    pub(super) depth: usize,
    /// FROM relations in order.
    pub(super) rels: Vec<Rel<'a>>,
    /// ON conditions with the relation they join.
    pub(super) on: Vec<(usize, &'a Expr)>,
    /// `USING`/`NATURAL` joins: the joined relation and the column names (empty for NATURAL).
    pub(super) using: Vec<(usize, Vec<String>)>,
}

impl<'a> Block<'a> {
    /// The block's ORDER BY items when they are its own.
    pub(super) fn order_by(&self) -> &'a [sqlparser::ast::OrderByExpr] {
        match (&self.query.order_by, self.owns_tail) {
            (Some(order), true) => match &order.kind {
                OrderByKind::Expressions(items) => items,
                OrderByKind::All(_) => &[],
            },
            _ => &[],
        }
    }

    /// GROUP BY expressions.
    pub(super) fn group_by(&self) -> &'a [Expr] {
        match &self.select.group_by {
            GroupByExpr::Expressions(exprs, _) => exprs,
            GroupByExpr::All(_) => &[],
        }
    }
}

/// A relation of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct RelRef {
    /// Block index.
    pub(super) block: usize,
    /// Relation index in the block.
    pub(super) rel: usize,
}

/// What a column reference means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Resolved<'a> {
    /// A column of a relation.
    Column(RelRef, &'a str),
    /// A double-quoted word SQLite reads as a string (no column has that name).
    Text,
    /// Unknown or ambiguous.
    Unknown,
}

/// All blocks of a query.
#[derive(Debug, Clone)]
pub(super) struct Model<'a> {
    /// Blocks in the order met (the first is the top level).
    pub(super) blocks: Vec<Block<'a>>,
}

impl<'a> Model<'a> {
    /// Builds the blocks of `query`, resolving tables against `catalog`.
    pub(super) fn build(query: &'a Query, catalog: Option<&'a Catalog>) -> Self {
        let mut builder = Builder { catalog, blocks: Vec::new(), ctes: Vec::new() };
        builder.query(query, Place { parent: None, role: Role::Top, clause: Clause::None, holder: None, depth: 0 });
        Model { blocks: builder.blocks }
    }

    /// What the identifier chain `idents`, written in block `block`, refers to.
    pub(super) fn resolve(&self, block: usize, idents: &'a [Ident]) -> Resolved<'a> {
        match idents {
            [] => Resolved::Unknown,
            [single] => self.resolve_bare(block, single),
            [.., qualifier, column] => {
                let mut current = Some(block);
                while let Some(b) = current {
                    let blk = &self.blocks[b];
                    if let Some(i) = blk.rels.iter().position(|r| r.alias.eq_ignore_ascii_case(&qualifier.value)) {
                        let rel = &blk.rels[i];
                        return Resolved::Column(RelRef { block: b, rel: i }, rel.canonical(&column.value));
                    }
                    current = blk.parent;
                }
                Resolved::Unknown
            }
        }
    }

    fn resolve_bare(&self, block: usize, ident: &'a Ident) -> Resolved<'a> {
        let name = ident.value.as_str();
        let mut current = Some(block);
        while let Some(b) = current {
            let blk = &self.blocks[b];
            let (mut yes, mut unknown) = (None, Vec::new());
            for (i, rel) in blk.rels.iter().enumerate() {
                match rel.has(name) {
                    // USING/NATURAL joins share a column between relations: the first one names it.
                    Has::Yes => yes = yes.or(Some(i)),
                    Has::Unknown => unknown.push(i),
                    Has::No => {}
                }
            }
            let found = match (yes, unknown.as_slice()) {
                (Some(i), _) => Some(i),
                (None, [i]) => Some(*i),
                (None, []) => None,
                (None, _) => return Resolved::Unknown,
            };
            if let Some(i) = found {
                return Resolved::Column(RelRef { block: b, rel: i }, blk.rels[i].canonical(name));
            }
            current = blk.parent;
        }
        if ident.quote_style == Some('"') { Resolved::Text } else { Resolved::Unknown }
    }

    /// The column references of `expr` written in `block` (outside subqueries), resolved.
    pub(super) fn columns(&self, block: usize, expr: &'a Expr) -> Vec<Resolved<'a>> {
        expr::references(expr).into_iter().map(|idents| self.resolve(block, idents)).collect()
    }

    /// Whether block `block` references a relation of an enclosing block (anywhere inside it, nested
    /// subqueries included).
    pub(super) fn is_correlated(&self, block: usize) -> bool {
        self.outer_refs(block).next().is_some()
    }

    /// The references made inside `block` (and the blocks nested in it) to relations outside it.
    pub(super) fn outer_refs(&self, block: usize) -> impl Iterator<Item = RelRef> + '_ {
        let inside: Vec<usize> = (block..self.blocks.len()).filter(|b| self.is_within(*b, block)).collect();
        let set = inside.clone();
        inside.into_iter().flat_map(move |b| {
            let set = set.clone();
            self.block_exprs(b)
                .into_iter()
                .flat_map(move |e| self.columns(b, e))
                .filter_map(move |r| match r {
                    Resolved::Column(at, _) if !set.contains(&at.block) => Some(at),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    }

    /// Whether `block` is `ancestor` or nested in it (by the parent chain or the FROM/WITH placement).
    pub(super) fn is_within(&self, mut block: usize, ancestor: usize) -> bool {
        loop {
            if block == ancestor {
                return true;
            }
            match self.enclosing(block) {
                Some(up) if up >= ancestor => block = up,
                _ => return false,
            }
        }
    }

    /// The block that contains `block` textually: the parent for expression subqueries and lateral
    /// derived tables, else the nearest earlier block whose FROM or WITH holds it.
    fn enclosing(&self, block: usize) -> Option<usize> {
        let blk = &self.blocks[block];
        if let Role::Subquery(_) = blk.role {
            return blk.parent;
        }
        (0..block).rev().find(|b| {
            self.blocks[*b].rels.iter().any(|r| matches!(r.source, Source::Derived(_, child) if child == block))
        })
    }

    /// Every expression written in the block: select list, WHERE, ON, GROUP BY, HAVING, its own ORDER BY.
    pub(super) fn block_exprs(&self, block: usize) -> Vec<&'a Expr> {
        let blk = &self.blocks[block];
        let s = blk.select;
        let mut out: Vec<&'a Expr> = s.projection.iter().filter_map(item_expr).collect();
        out.extend(s.selection.as_ref());
        out.extend(blk.on.iter().map(|(_, e)| *e));
        out.extend(blk.group_by());
        out.extend(s.having.as_ref());
        out.extend(blk.order_by().iter().map(|o| &o.expr));
        out
    }
}

/// The expression of a select-list item.
pub(super) fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        SelectItem::ExprWithAliases { expr, .. } => Some(expr),
        _ => None,
    }
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
