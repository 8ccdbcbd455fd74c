//! Binding sqlparser expressions to the tables in scope: columns resolved by alias, table or unique name,
//! constants read as statistics hold values, and each `Expr` turned into a [`Pred`].

use super::pattern::Pattern;
use super::pred::{Col, Op, Pred};
use super::{DEFAULT_EQ_SEL, DEFAULT_INEQ_SEL, DEFAULT_MATCH_SEL, DEFAULT_RANGE_INEQ_SEL, DEFAULT_UNK_SEL};
use crate::order::LeanSort as _;
use crate::stats::model::TableStats;
use serde_json::Value;
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, UnaryOperator, Value as Literal,
};

/// A table in scope: how the query names it and what the estimator knows about it.
#[derive(Debug, Clone)]
pub(super) struct Rel<'a> {
    /// Alias (the table name when there is none).
    pub(super) alias: String,
    /// Table name.
    pub(super) name: String,
    /// Its statistics, when collected.
    pub(super) stats: Option<&'a TableStats>,
    /// Rows it holds (statistics, or a default).
    pub(super) rows: f64,
}

impl Rel<'_> {
    fn has_column(&self, column: &str) -> bool {
        self.stats.is_some_and(|s| {
            s.column(column).is_some()
                || s.sample.as_ref().is_some_and(|r| r.columns.iter().any(|c| c.eq_ignore_ascii_case(column)))
        })
    }
}

/// The tables of one query block, in FROM order.
#[derive(Debug, Clone, Default)]
pub(super) struct Bound<'a> {
    pub(super) rels: Vec<Rel<'a>>,
}

impl Bound<'_> {
    /// The predicate `expr` states.
    pub(super) fn predicate(&self, expr: &Expr) -> Pred {
        match expr {
            Expr::Nested(inner) => self.predicate(inner),
            // Chains (`a AND b AND c ...` parse left-deep) are split without recursion, so that a long chain
            // costs no stack depth.
            Expr::BinaryOp { op: BinaryOperator::And, .. } => Pred::And(
                chain(expr, BinaryOperator::And).into_iter().flat_map(|e| self.predicate(e).conjuncts()).collect(),
            ),
            Expr::BinaryOp { op: BinaryOperator::Or, .. } => {
                let mut list = Vec::new();
                for side in chain(expr, BinaryOperator::Or) {
                    match self.predicate(side) {
                        Pred::Or(inner) => list.extend(inner),
                        other => list.push(other),
                    }
                }
                Pred::Or(list)
            }
            Expr::BinaryOp { left, op, right } => match Op::of(op) {
                Some(op) => self.comparison(expr, left, op, right),
                None => self.opaque(expr, DEFAULT_INEQ_SEL),
            },
            Expr::UnaryOp { op: UnaryOperator::Not, expr: inner } => Pred::Not(Box::new(self.predicate(inner))),
            Expr::Between { expr: inner, negated, low, high } => {
                match (self.column(inner), literal(low), literal(high)) {
                    (Some(col), Some(low), Some(high)) => Pred::Between { col, low, high, negated: *negated },
                    _ => self.opaque(expr, DEFAULT_RANGE_INEQ_SEL),
                }
            }
            Expr::InList { expr: inner, list, negated } => {
                let values: Option<Vec<Value>> = list.iter().map(literal).collect();
                match (self.column(inner), values) {
                    (Some(col), Some(values)) => Pred::In { col, values, negated: *negated },
                    _ => self.opaque(expr, DEFAULT_EQ_SEL * list.len().max(1) as f64),
                }
            }
            Expr::AnyOp { left, compare_op: BinaryOperator::Eq, right, .. } => {
                let values: Option<Vec<Value>> = match right.as_ref() {
                    Expr::Array(array) => array.elem.iter().map(literal).collect(),
                    _ => None,
                };
                match (self.column(left), values) {
                    (Some(col), Some(values)) => Pred::In { col, values, negated: false },
                    _ => self.opaque(expr, DEFAULT_EQ_SEL),
                }
            }
            Expr::Like { negated, expr: inner, pattern, escape_char, any: false }
            | Expr::ILike { negated, expr: inner, pattern, escape_char, any: false } => {
                let case_insensitive = matches!(expr, Expr::ILike { .. });
                let escape = match escape_char.as_deref().map(literal) {
                    None => Some(None),
                    Some(Some(Value::String(s))) => Some(s.chars().next()),
                    Some(_) => None,
                };
                match (self.column(inner), literal(pattern), escape) {
                    (Some(col), Some(Value::String(p)), Some(escape)) => {
                        Pred::Like { col, pattern: Pattern::new(&p, escape, case_insensitive), negated: *negated }
                    }
                    _ => self.opaque(expr, DEFAULT_MATCH_SEL),
                }
            }
            Expr::IsNull(inner) | Expr::IsNotNull(inner) => match self.column(inner) {
                Some(col) => Pred::Null { col, negated: matches!(expr, Expr::IsNotNull(_)) },
                None if matches!(expr, Expr::IsNull(_)) => self.opaque(expr, DEFAULT_UNK_SEL),
                None => self.opaque(expr, 1.0 - DEFAULT_UNK_SEL),
            },
            Expr::IsTrue(inner) | Expr::IsFalse(inner) | Expr::IsNotTrue(inner) | Expr::IsNotFalse(inner) => {
                // `x IS NOT TRUE` is `NOT (x IS TRUE)` (NULLs included); the opaque form reads the same columns.
                let value = matches!(expr, Expr::IsTrue(_) | Expr::IsNotTrue(_));
                let test = match self.column(inner) {
                    Some(col) => Pred::Cmp(col, Op::Eq, Value::Bool(value)),
                    None => self.opaque(expr, 0.5),
                };
                match expr {
                    Expr::IsNotTrue(_) | Expr::IsNotFalse(_) => Pred::Not(Box::new(test)),
                    _ => test,
                }
            }
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => match self.column(expr) {
                // A boolean column used as a condition.
                Some(col) => Pred::Cmp(col, Op::Eq, Value::Bool(true)),
                None => self.opaque(expr, 0.5),
            },
            Expr::Value(v) => match &v.value {
                Literal::Boolean(b) => Pred::Const(if *b { 1.0 } else { 0.0 }),
                Literal::Null => Pred::Const(0.0),
                _ => self.opaque(expr, 0.5),
            },
            _ => self.opaque(expr, DEFAULT_INEQ_SEL),
        }
    }

    fn comparison(&self, expr: &Expr, left: &Expr, op: Op, right: &Expr) -> Pred {
        match (self.column(left), self.column(right), literal(left), literal(right)) {
            (Some(col), _, _, Some(v)) => Pred::Cmp(col, op, v),
            (_, Some(col), Some(v), _) => Pred::Cmp(col, op.flip(), v),
            (Some(a), Some(b), _, _) => Pred::Cols(a, op, b),
            (_, _, Some(a), Some(b)) => {
                let holds = super::value::compare(&a, &b).is_some_and(|o| op.holds(o));
                Pred::Const(if holds { 1.0 } else { 0.0 })
            }
            _ => self.opaque(expr, op.default_selectivity()),
        }
    }

    fn opaque(&self, expr: &Expr, sel: f64) -> Pred {
        let mut rels: Vec<usize> = self.columns(expr).into_iter().map(|c| c.rel).collect();
        rels.lean_sort();
        rels.dedup();
        Pred::Opaque { rels, sel }
    }

    /// The column `expr` names (through parentheses and casts), resolved against the tables in scope.
    pub(super) fn column(&self, expr: &Expr) -> Option<Col> {
        match expr {
            Expr::Identifier(ident) => self.resolve(std::slice::from_ref(ident)),
            Expr::CompoundIdentifier(parts) => self.resolve(parts),
            Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => self.column(inner),
            _ => None,
        }
    }

    /// `column`, `alias.column` or `schema.table.column`.
    fn resolve(&self, parts: &[Ident]) -> Option<Col> {
        let (column, qualifier) = parts.split_last()?;
        let name = column.value.as_str();
        let rel = match qualifier.last() {
            Some(q) => self
                .rels
                .iter()
                .position(|r| r.alias.eq_ignore_ascii_case(&q.value))
                .or_else(|| self.rels.iter().position(|r| table_matches(&r.name, &q.value)))?,
            None => match self.rels.iter().position(|r| r.has_column(name)) {
                Some(rel) => rel,
                None if self.rels.len() == 1 => 0,
                None => return None,
            },
        };
        Some(Col { rel, name: name.to_owned() })
    }

    /// The columns `expr` mentions (for expressions the estimator cannot read as such).
    pub(super) fn columns(&self, expr: &Expr) -> Vec<Col> {
        let mut out = Vec::new();
        self.referenced(expr, &mut out);
        out
    }

    fn referenced(&self, expr: &Expr, out: &mut Vec<Col>) {
        let mut walk = |e: &Expr| self.referenced(e, out);
        match expr {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                out.extend(self.column(expr));
            }
            Expr::BinaryOp { left, right, .. } | Expr::IsDistinctFrom(left, right) => {
                walk(left);
                walk(right);
            }
            Expr::UnaryOp { expr, .. }
            | Expr::Nested(expr)
            | Expr::Cast { expr, .. }
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsNotFalse(expr) => walk(expr),
            Expr::Between { expr, low, high, .. } => [expr, low, high].into_iter().for_each(|e| walk(e)),
            Expr::InList { expr, list, .. } => {
                walk(expr);
                list.iter().for_each(walk);
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                walk(expr);
                walk(pattern);
            }
            Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
                walk(left);
                walk(right);
            }
            Expr::Function(function) => {
                if let FunctionArguments::List(list) = &function.args {
                    for arg in &list.args {
                        let (FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                        | FunctionArg::Named { arg: FunctionArgExpr::Expr(e), .. }
                        | FunctionArg::ExprNamed { arg: FunctionArgExpr::Expr(e), .. }) = arg
                        else {
                            continue;
                        };
                        walk(e);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The operands of a chain of `op` (through parentheses), left to right, found without recursion.
fn chain(expr: &Expr, op: BinaryOperator) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match e {
            Expr::BinaryOp { left, op: o, right } if *o == op => {
                stack.push(right);
                stack.push(left);
            }
            Expr::Nested(inner) if matches!(inner.as_ref(), Expr::BinaryOp { op: o, .. } if *o == op) => {
                stack.push(inner)
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether the catalog's `name` (maybe `schema.table`) is what the query calls `written`.
pub(super) fn table_matches(name: &str, written: &str) -> bool {
    name.eq_ignore_ascii_case(written)
        || name.rsplit('.').next().is_some_and(|n| n.eq_ignore_ascii_case(written))
        || written.rsplit('.').next().is_some_and(|w| w.eq_ignore_ascii_case(name))
}

/// The constant `expr` is (through parentheses, casts, typed strings and a sign), as statistics hold values.
pub(super) fn literal(expr: &Expr) -> Option<Value> {
    match expr {
        Expr::Value(v) => match &v.value {
            Literal::Number(text, _) => number(text),
            Literal::Boolean(b) => Some(Value::Bool(*b)),
            Literal::Null => Some(Value::Null),
            other => other.clone().into_string().map(Value::String),
        },
        Expr::Nested(inner) | Expr::Cast { expr: inner, .. } => literal(inner),
        Expr::TypedString(typed) => typed.value.value.clone().into_string().map(Value::String),
        Expr::UnaryOp { op: UnaryOperator::Minus, expr: inner } => match literal(inner)? {
            Value::Number(n) => number(&format!("-{n}")),
            _ => None,
        },
        Expr::UnaryOp { op: UnaryOperator::Plus, expr: inner } => literal(inner),
        _ => None,
    }
}

fn number(text: &str) -> Option<Value> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::from(i));
    }
    crate::number::parse_f64(text).and_then(serde_json::Number::from_f64).map(Value::Number)
}
