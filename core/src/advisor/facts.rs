//! What each condition of a block says, in the terms the rules, the cost model and the index advice share:
//! WHERE and ON split into conjuncts, each classified by the relations it reads and its shape
//! (`column = value`, a range, a join equality, a wrapped column...).

use super::expr;
use super::model::{Model, RelRef, Resolved};
use crate::order::LeanSort as _;
use sqlparser::ast::{BinaryOperator, Expr, UnaryOperator};

/// How a predicate can use an index on its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Use {
    /// `=`, `IN (...)`, `IS NULL`: an equality key.
    Eq,
    /// `<`, `>`, `BETWEEN`: a range.
    Range,
    /// `LIKE 'abc%'`: a range over the prefix.
    Prefix,
}

/// How a column is hidden from its indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Wrap {
    /// Inside a function call (its lower-cased name).
    Function(String),
    /// Inside arithmetic.
    Arithmetic,
    /// Inside a cast (`CAST(x AS date)`, `x::date`) to this type.
    Cast(String),
}

/// The shape of one conjunct.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shape<'a> {
    /// A bare column of one relation compared with a value that does not read that relation (a constant, a
    /// parameter, an outer column).
    Column {
        /// Relation index in the block.
        rel: usize,
        /// Column name.
        column: &'a str,
        /// Index use.
        usage: Use,
        /// The value side (the first value of IN, the low bound of BETWEEN).
        value: Option<&'a Expr>,
        /// Whether the value reads a column of an enclosing block (a correlation).
        outer: bool,
    },
    /// `a.x = b.y` between two relations of the block.
    JoinEq {
        /// One side.
        left: (usize, &'a str),
        /// The other.
        right: (usize, &'a str),
    },
    /// A column inside a function, arithmetic or a cast, compared with a value.
    Wrapped {
        /// Relation index.
        rel: usize,
        /// The column.
        column: &'a str,
        /// How it is wrapped.
        wrap: Wrap,
        /// The wrapped side.
        side: &'a Expr,
        /// The index use an expression index on `side` would have.
        usage: Option<Use>,
    },
    /// `column IN (SELECT ...)`: a semi-join whose other side is the subquery.
    Semi {
        /// Relation index.
        rel: usize,
        /// The column.
        column: &'a str,
    },
    /// `column LIKE '%...'` (or `_`).
    LeadingWildcard {
        /// Relation index.
        rel: usize,
        /// The column.
        column: &'a str,
    },
    /// Anything else.
    Other,
}

/// One conjunct of a block's WHERE or ON conditions.
#[derive(Debug, Clone)]
pub(super) struct Pred<'a> {
    /// The conjunct.
    pub(super) expr: &'a Expr,
    /// The block's relations it reads, ascending.
    pub(super) rels: Vec<usize>,
    /// Whether some reference could not be resolved.
    pub(super) unresolved: bool,
    /// Whether it holds a subquery.
    pub(super) subquery: bool,
    /// Whether the database converts the column to compare it ([`Pred::is_implicit_cast`]).
    pub(super) cast: bool,
    /// Its shape.
    pub(super) shape: Shape<'a>,
}

impl Shape<'_> {
    /// The expression an expression index would need for a wrapped column: `lower(email)` for `lower(email)`
    /// or `upper(c.email)` (only case folding: the functions every dialect can index).
    pub(super) fn expression_key(&self) -> Option<String> {
        match self {
            Shape::Wrapped { wrap: Wrap::Function(f), column, side, .. }
                if matches!(f.as_str(), "lower" | "upper") && single_argument(side) =>
            {
                Some(format!("{f}({column})"))
            }
            _ => None,
        }
    }
}

/// Whether `e` is a function call on one bare column.
fn single_argument(e: &Expr) -> bool {
    use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
    matches!(expr::unnest(e), Expr::Function(f) if matches!(&f.args, FunctionArguments::List(l)
        if l.args.len() == 1 && matches!(&l.args[0], FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(_) | Expr::CompoundIdentifier(_))))))
}

impl Pred<'_> {
    /// Whether it filters relation `rel` alone (constants and outer values only), with no subquery.
    pub(super) fn is_local_filter(&self, rel: usize) -> bool {
        self.rels == [rel] && !self.subquery && !self.unresolved
    }

    /// Whether it compares a column with a value of another type that the database converts row by row
    /// (a text column with a number, a number or date column with a non-numeric string); SQLite's type
    /// affinity converts the value instead, so it never counts there.
    fn is_implicit_cast(&self, model: &Model<'_>, block: usize, dialect: crate::catalog::Dialect) -> bool {
        use crate::catalog::{Dialect, TypeClass};
        let Shape::Column { rel, column, value: Some(value), .. } = &self.shape else { return false };
        if dialect == Dialect::Sqlite || matches!(self.expr, Expr::Like { .. } | Expr::ILike { .. }) {
            return false;
        }
        let Some(class) = model.blocks[block].rels[*rel].table().and_then(|t| t.column(column)).map(|c| c.class())
        else {
            return false;
        };
        let literal = match expr::unnest(value) {
            Expr::InList { list, .. } => list.first(),
            other => Some(other),
        };
        let number = matches!(literal.and_then(expr::literal), Some(sqlparser::ast::Value::Number(..)));
        let text = literal.and_then(expr::string).or_else(|| match literal.map(expr::unnest) {
            Some(Expr::Identifier(i)) if model.resolve(block, std::slice::from_ref(i)) == Resolved::Text => {
                Some(i.value.as_str())
            }
            _ => None,
        });
        match class {
            TypeClass::Text | TypeClass::Temporal => number,
            TypeClass::Integer | TypeClass::Numeric => {
                text.is_some_and(|t| crate::number::parse_f64(t.trim()).is_none())
            }
            _ => false,
        }
    }

    /// Whether it equates a column with a value only known at run time: an outer column or a parameter.
    pub(super) fn is_parameter_equality(&self) -> bool {
        match &self.shape {
            Shape::Column { usage: Use::Eq, outer: true, .. } => true,
            Shape::Column { usage: Use::Eq, value: Some(v), .. } => {
                matches!(expr::literal(v), Some(sqlparser::ast::Value::Placeholder(_)))
            }
            _ => false,
        }
    }
}

/// The conjuncts of block `block`'s WHERE and ON conditions.
pub(super) fn preds<'a>(model: &Model<'a>, block: usize, dialect: crate::catalog::Dialect) -> Vec<Pred<'a>> {
    let blk = &model.blocks[block];
    let mut out = Vec::new();
    for condition in blk.select.selection.iter().chain(blk.on.iter().map(|(_, e)| *e)) {
        for conjunct in expr::conjuncts(condition) {
            let mut pred = classify(model, block, conjunct);
            pred.cast = pred.is_implicit_cast(model, block, dialect);
            out.push(pred);
        }
    }
    out
}

fn classify<'a>(model: &Model<'a>, block: usize, e: &'a Expr) -> Pred<'a> {
    let mut rels = Vec::new();
    let mut unresolved = false;
    for r in model.columns(block, e) {
        match r {
            Resolved::Column(at, _) if at.block == block => rels.push(at.rel),
            Resolved::Column(..) => {}
            Resolved::Text => {}
            Resolved::Unknown => unresolved = true,
        }
    }
    rels.lean_sort();
    rels.dedup();
    let subquery = expr::has_subquery(e);
    let shape = if subquery && !matches!(e, Expr::InSubquery { .. }) { Shape::Other } else { shape(model, block, e) };
    Pred { expr: e, rels, unresolved, subquery, cast: false, shape }
}

/// A bare column of the block: its relation and name.
pub(super) fn local_column<'a>(model: &Model<'a>, block: usize, e: &'a Expr) -> Option<(usize, &'a str)> {
    match expr::unnest(e) {
        Expr::Identifier(i) => match model.resolve(block, std::slice::from_ref(i)) {
            Resolved::Column(RelRef { block: b, rel }, name) if b == block => Some((rel, name)),
            _ => None,
        },
        Expr::CompoundIdentifier(parts) => match model.resolve(block, parts) {
            Resolved::Column(RelRef { block: b, rel }, name) if b == block => Some((rel, name)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `e` reads nothing of relation `rel` of the block (and holds no subquery); `Some(outer)` says
/// whether it reads an enclosing block.
fn free_of<'a>(model: &Model<'a>, block: usize, rel: usize, e: &'a Expr) -> Option<bool> {
    if expr::has_subquery(e) {
        return None;
    }
    let mut outer = false;
    for r in model.columns(block, e) {
        match r {
            Resolved::Column(at, _) if at.block == block && at.rel == rel => return None,
            Resolved::Column(at, _) if at.block != block => outer = true,
            Resolved::Unknown => return None,
            _ => {}
        }
    }
    Some(outer)
}

fn shape<'a>(model: &Model<'a>, block: usize, e: &'a Expr) -> Shape<'a> {
    match e {
        Expr::Nested(inner) => shape(model, block, inner),
        Expr::BinaryOp { left, op, right } => {
            let usage = match op {
                BinaryOperator::Eq => Some(Use::Eq),
                BinaryOperator::Lt | BinaryOperator::LtEq | BinaryOperator::Gt | BinaryOperator::GtEq => {
                    Some(Use::Range)
                }
                BinaryOperator::NotEq => None,
                _ => return Shape::Other,
            };
            if let (Some(a), Some(b)) = (local_column(model, block, left), local_column(model, block, right)) {
                return if a.0 != b.0 && usage == Some(Use::Eq) {
                    Shape::JoinEq { left: a, right: b }
                } else {
                    Shape::Other
                };
            }
            for (side, value) in [(left, right), (right, left)] {
                if let Some(found) = compared(model, block, side, value, usage) {
                    return found;
                }
            }
            Shape::Other
        }
        Expr::Between { expr: inner, negated: false, low, high } => {
            match compared(model, block, inner, low, Some(Use::Range)) {
                Some(found) if local_value(model, block, &found, high) => found,
                _ => Shape::Other,
            }
        }
        Expr::InList { expr: inner, list, negated: false } => match list.first() {
            Some(first) => match compared(model, block, inner, first, Some(Use::Eq)) {
                Some(found) if list.iter().all(|v| local_value(model, block, &found, v)) => found,
                _ => Shape::Other,
            },
            None => Shape::Other,
        },
        Expr::InSubquery { expr: inner, negated: false, .. } => match local_column(model, block, inner) {
            Some((rel, column)) => Shape::Semi { rel, column },
            None => Shape::Other,
        },
        Expr::IsNull(inner) => match local_column(model, block, inner) {
            Some((rel, column)) => Shape::Column { rel, column, usage: Use::Eq, value: None, outer: false },
            None => Shape::Other,
        },
        Expr::Like { negated: false, expr: inner, pattern, any: false, .. }
        | Expr::ILike { negated: false, expr: inner, pattern, any: false, .. } => {
            let Some(text) = expr::string(pattern) else { return Shape::Other };
            let insensitive = matches!(e, Expr::ILike { .. });
            let column = local_column(model, block, inner).or_else(|| wrapped(model, block, inner).map(|w| (w.0, w.1)));
            let Some((rel, column)) = column else { return Shape::Other };
            if text.starts_with(['%', '_']) {
                return Shape::LeadingWildcard { rel, column };
            }
            let usage = if insensitive {
                None
            } else if text.contains(['%', '_']) {
                Some(Use::Prefix)
            } else {
                Some(Use::Eq)
            };
            match (local_column(model, block, inner), usage) {
                (Some(_), Some(usage)) => Shape::Column { rel, column, usage, value: Some(pattern), outer: false },
                (Some(_), None) => Shape::Other,
                (None, _) => match wrapped(model, block, inner) {
                    Some((rel, column, wrap)) => Shape::Wrapped { rel, column, wrap, side: inner, usage },
                    None => Shape::Other,
                },
            }
        }
        _ => Shape::Other,
    }
}

/// `side op value` where `side` is a column (bare or wrapped) of one relation and `value` does not read it.
fn compared<'a>(
    model: &Model<'a>,
    block: usize,
    side: &'a Expr,
    value: &'a Expr,
    usage: Option<Use>,
) -> Option<Shape<'a>> {
    // `= NULL` matches nothing (a finding of its own), so it is no key.
    if matches!(expr::literal(value), Some(sqlparser::ast::Value::Null)) {
        return None;
    }
    if let Some((rel, column)) = local_column(model, block, side) {
        let outer = free_of(model, block, rel, value)?;
        let usage = usage?;
        return Some(Shape::Column { rel, column, usage, value: Some(value), outer });
    }
    let (rel, column, wrap) = wrapped(model, block, side)?;
    free_of(model, block, rel, value)?;
    Some(Shape::Wrapped { rel, column, wrap, side, usage })
}

/// Whether `value` reads nothing of the relation of `found`.
fn local_value<'a>(model: &Model<'a>, block: usize, found: &Shape<'_>, value: &'a Expr) -> bool {
    match found {
        Shape::Column { rel, .. } | Shape::Wrapped { rel, .. } => free_of(model, block, *rel, value).is_some(),
        _ => false,
    }
}

/// A column of one relation of the block inside a function call, arithmetic or a cast.
pub(super) fn wrapped<'a>(model: &Model<'a>, block: usize, e: &'a Expr) -> Option<(usize, &'a str, Wrap)> {
    let e = expr::unnest(e);
    let wrap = match e {
        Expr::Function(f) if !expr::is_aggregate_call(f) && f.over.is_none() => Wrap::Function(expr::function_name(f)),
        Expr::Extract { .. } => Wrap::Function("extract".into()),
        Expr::Substring { .. } => Wrap::Function("substring".into()),
        Expr::Trim { .. } => Wrap::Function("trim".into()),
        Expr::Ceil { .. } => Wrap::Function("ceil".into()),
        Expr::Floor { .. } => Wrap::Function("floor".into()),
        Expr::Position { .. } => Wrap::Function("position".into()),
        Expr::Case { .. } => Wrap::Function("case".into()),
        Expr::AtTimeZone { .. } => Wrap::Function("at time zone".into()),
        Expr::Cast { data_type, .. } => Wrap::Cast(data_type.to_string()),
        Expr::BinaryOp { op, .. } if is_arithmetic(op) => Wrap::Arithmetic,
        Expr::UnaryOp { op: UnaryOperator::Minus, .. } => Wrap::Arithmetic,
        _ => return None,
    };
    let mut found: Option<(usize, &'a str)> = None;
    for r in model.columns(block, e) {
        match r {
            Resolved::Column(at, name) if at.block == block => match &found {
                None => found = Some((at.rel, name)),
                Some((rel, _)) if *rel == at.rel => {}
                Some(_) => return None,
            },
            Resolved::Column(..) | Resolved::Text => {}
            Resolved::Unknown => return None,
        }
    }
    if expr::has_subquery(e) {
        return None;
    }
    let (rel, column) = found?;
    Some((rel, column, wrap))
}

fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
            | BinaryOperator::StringConcat
    )
}
