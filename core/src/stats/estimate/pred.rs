//! Predicates over the tables in scope: the few shapes the estimator knows (a column against constants, two
//! columns, AND/OR/NOT), everything else kept as an opaque clause with PostgreSQL's default selectivity.
//! [`super::bind`] builds them from sqlparser expressions.

use super::pattern::Pattern;
use super::{DEFAULT_EQ_SEL, DEFAULT_INEQ_SEL};
use crate::order::LeanSort as _;
use serde_json::Value;
use sqlparser::ast::BinaryOperator;
use std::cmp::Ordering;

/// A column of a table in scope.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Col {
    /// Position of the table in [`super::bind::Bound::rels`].
    pub(super) rel: usize,
    /// Column name.
    pub(super) name: String,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub(super) fn of(op: &BinaryOperator) -> Option<Self> {
        Some(match op {
            BinaryOperator::Eq => Self::Eq,
            BinaryOperator::NotEq => Self::Ne,
            BinaryOperator::Lt => Self::Lt,
            BinaryOperator::LtEq => Self::Le,
            BinaryOperator::Gt => Self::Gt,
            BinaryOperator::GtEq => Self::Ge,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`5 < x` is `x > 5`).
    pub(super) fn flip(self) -> Self {
        match self {
            Self::Lt => Self::Gt,
            Self::Le => Self::Ge,
            Self::Gt => Self::Lt,
            Self::Ge => Self::Le,
            other => other,
        }
    }

    /// Whether `a op b` holds when `a` compares to `b` as `ordering`.
    pub(super) fn holds(self, ordering: Ordering) -> bool {
        match self {
            Self::Eq => ordering == Ordering::Equal,
            Self::Ne => ordering != Ordering::Equal,
            Self::Lt => ordering == Ordering::Less,
            Self::Le => ordering != Ordering::Greater,
            Self::Gt => ordering == Ordering::Greater,
            Self::Ge => ordering != Ordering::Less,
        }
    }

    /// PostgreSQL's selectivity for this operator when nothing is known.
    pub(super) fn default_selectivity(self) -> f64 {
        match self {
            Self::Eq => DEFAULT_EQ_SEL,
            Self::Ne => 1.0 - DEFAULT_EQ_SEL,
            _ => DEFAULT_INEQ_SEL,
        }
    }
}

/// A predicate over the tables in scope.
#[derive(Debug, Clone)]
pub(super) enum Pred {
    And(Vec<Pred>),
    Or(Vec<Pred>),
    Not(Box<Pred>),
    /// `column op constant`.
    Cmp(Col, Op, Value),
    /// `column [NOT] BETWEEN low AND high`.
    Between {
        col: Col,
        low: Value,
        high: Value,
        negated: bool,
    },
    /// `column [NOT] IN (constants)`.
    In {
        col: Col,
        values: Vec<Value>,
        negated: bool,
    },
    /// `column [NOT] [I]LIKE pattern`.
    Like {
        col: Col,
        pattern: Pattern,
        negated: bool,
    },
    /// `column IS [NOT] NULL` (`negated` = IS NOT NULL).
    Null {
        col: Col,
        negated: bool,
    },
    /// `column op column`: across two tables an equality is a join clause.
    Cols(Col, Op, Col),
    /// A predicate of known selectivity (`TRUE`, `1 = 1`, `NULL`).
    Const(f64),
    /// Anything else: the tables it mentions and a default selectivity.
    Opaque {
        rels: Vec<usize>,
        sel: f64,
    },
}

impl Pred {
    /// The tables the predicate refers to, ascending, each once.
    pub(super) fn rels(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.collect_rels(&mut out);
        out.lean_sort();
        out.dedup();
        out
    }

    fn collect_rels(&self, out: &mut Vec<usize>) {
        match self {
            Self::And(list) | Self::Or(list) => list.iter().for_each(|p| p.collect_rels(out)),
            Self::Not(p) => p.collect_rels(out),
            Self::Cmp(col, ..) => out.push(col.rel),
            Self::Between { col, .. } | Self::In { col, .. } | Self::Like { col, .. } | Self::Null { col, .. } => {
                out.push(col.rel)
            }
            Self::Cols(a, _, b) => out.extend([a.rel, b.rel]),
            Self::Const(_) => {}
            Self::Opaque { rels, .. } => out.extend(rels),
        }
    }

    /// The equi-join clause `a = b` between two different tables, if this is one.
    pub(super) fn join(&self) -> Option<(&Col, &Col)> {
        match self {
            Self::Cols(a, Op::Eq, b) if a.rel != b.rel => Some((a, b)),
            _ => None,
        }
    }

    /// Whether the predicate combines others (AND/OR/NOT), rather than being one test.
    pub(super) fn is_compound(&self) -> bool {
        matches!(self, Self::And(_) | Self::Or(_) | Self::Not(_))
    }

    /// The conjuncts of a predicate, AND flattened.
    pub(super) fn conjuncts(self) -> Vec<Pred> {
        match self {
            Self::And(list) => list.into_iter().flat_map(Pred::conjuncts).collect(),
            other => vec![other],
        }
    }
}
