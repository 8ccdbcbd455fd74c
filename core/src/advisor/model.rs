//! The query as the rules see it: one [`Block`] per SELECT (the top level, each set-operation branch, each CTE,
//! derived table and subquery), the relations of its FROM clause, and column references resolved to the
//! relation (possibly of an enclosing block: a correlation) they read.

use super::expr::{self, SubqueryKind};
use crate::catalog::{Catalog, Table};
use sqlparser::ast::{Expr, GroupByExpr, Ident, OrderByKind, Query, Select, SelectItem};
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
        Model { blocks: super::build::blocks(query, catalog) }
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
        (block..self.blocks.len())
            .filter(move |b| self.is_within(*b, block))
            .flat_map(move |b| self.block_exprs(b).into_iter().flat_map(move |e| self.columns(b, e)))
            .filter_map(move |r| match r {
                Resolved::Column(at, _) if !self.is_within(at.block, block) => Some(at),
                _ => None,
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
