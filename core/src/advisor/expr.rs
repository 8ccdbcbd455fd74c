//! Walking sqlparser expressions: direct children, the subqueries an expression holds, column references,
//! conjuncts, aggregates. Subqueries are boundaries: walks stop at them (the model gives each its own block).

use sqlparser::ast::{
    BinaryOperator, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, Query, Spanned, Value,
};
use sqlparser::tokenizer::Span;

/// Functions that aggregate rows.
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
    "json_arrayagg",
    "json_objectagg",
    "total",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "listagg",
    "percentile_cont",
    "percentile_disc",
    "mode",
];

/// How a subquery sits in its expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SubqueryKind {
    /// `(SELECT ...)` as a value.
    Scalar,
    /// `x [NOT] IN (SELECT ...)`.
    In {
        /// `NOT IN`.
        negated: bool,
    },
    /// `[NOT] EXISTS (SELECT ...)`.
    Exists {
        /// `NOT EXISTS`.
        negated: bool,
    },
}

/// The subquery `expr` itself is, if any.
pub(super) fn subquery(expr: &Expr) -> Option<(&Query, SubqueryKind)> {
    match expr {
        Expr::Subquery(q) => Some((q, SubqueryKind::Scalar)),
        Expr::InSubquery { subquery, negated, .. } => Some((subquery, SubqueryKind::In { negated: *negated })),
        Expr::Exists { subquery, negated } => Some((subquery, SubqueryKind::Exists { negated: *negated })),
        _ => None,
    }
}

/// Where child expressions go: a list, or a function called on each.
pub(super) trait Sink<'e> {
    /// Takes one child.
    fn push(&mut self, e: &'e Expr);
    /// Takes several.
    fn extend<I: IntoIterator<Item = &'e Expr>>(&mut self, items: I) {
        for e in items {
            self.push(e);
        }
    }
}

impl<'e> Sink<'e> for Vec<&'e Expr> {
    fn push(&mut self, e: &'e Expr) {
        Vec::push(self, e);
    }
}

/// A [`Sink`] calling a function.
struct Each<F>(F);

impl<'e, F: FnMut(&'e Expr)> Sink<'e> for Each<F> {
    fn push(&mut self, e: &'e Expr) {
        (self.0)(e);
    }
}

/// Hands the direct child expressions of `expr` to `out`, subqueries left out (`x IN (SELECT ...)` yields
/// `x`).
pub(super) fn push_children<'e>(expr: &'e Expr, out: &mut impl Sink<'e>) {
    match expr {
        Expr::IsFalse(e)
        | Expr::IsNotFalse(e)
        | Expr::IsTrue(e)
        | Expr::IsNotTrue(e)
        | Expr::IsNull(e)
        | Expr::IsNotNull(e)
        | Expr::IsUnknown(e)
        | Expr::IsNotUnknown(e)
        | Expr::Nested(e)
        | Expr::OuterJoin(e)
        | Expr::Prior(e) => out.push(e),
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => out.extend([&**a, &**b]),
        Expr::IsJson { expr, .. } | Expr::IsNormalized { expr, .. } => out.push(expr),
        Expr::InList { expr, list, .. } => {
            out.push(expr);
            out.extend(list);
        }
        Expr::InSubquery { expr, .. } => out.push(expr),
        Expr::InUnnest { expr, array_expr, .. } => out.extend([&**expr, &**array_expr]),
        Expr::Between { expr, low, high, .. } => out.extend([&**expr, &**low, &**high]),
        Expr::BinaryOp { left, right, .. } => out.extend([&**left, &**right]),
        Expr::Like { expr, pattern, escape_char, .. } | Expr::ILike { expr, pattern, escape_char, .. } => {
            out.extend([&**expr, &**pattern]);
            out.extend(escape_char.as_deref());
        }
        Expr::SimilarTo { expr, pattern, escape_char, .. } => {
            out.extend([&**expr, &**pattern]);
            out.extend(escape_char.as_deref());
        }
        Expr::RLike { expr, pattern, .. } => out.extend([&**expr, &**pattern]),
        Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => out.extend([&**left, &**right]),
        Expr::UnaryOp { expr, .. } => out.push(expr),
        Expr::Convert { expr, styles, .. } => {
            out.push(expr);
            out.extend(styles);
        }
        Expr::Cast { expr, .. }
        | Expr::Extract { expr, .. }
        | Expr::Ceil { expr, .. }
        | Expr::Floor { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::Named { expr, .. } => out.push(expr),
        Expr::AtTimeZone { timestamp, time_zone } => out.extend([&**timestamp, &**time_zone]),
        Expr::Position { expr, r#in } => out.extend([&**expr, &**r#in]),
        Expr::Substring { expr, substring_from, substring_for, .. } => {
            out.push(expr);
            out.extend(substring_from.as_deref());
            out.extend(substring_for.as_deref());
        }
        Expr::Trim { expr, trim_what, trim_characters, .. } => {
            out.push(expr);
            out.extend(trim_what.as_deref());
            out.extend(trim_characters.iter().flatten());
        }
        Expr::Overlay { expr, overlay_what, overlay_from, overlay_for } => {
            out.extend([&**expr, &**overlay_what, &**overlay_from]);
            out.extend(overlay_for.as_deref());
        }
        Expr::Prefixed { value, .. } => out.push(value),
        Expr::Function(f) => function_children(f, out),
        Expr::Case { operand, conditions, else_result, .. } => {
            out.extend(operand.as_deref());
            for when in conditions {
                out.extend([&when.condition, &when.result]);
            }
            out.extend(else_result.as_deref());
        }
        Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) => out.extend(sets.iter().flatten()),
        Expr::Tuple(items) => out.extend(items),
        Expr::Struct { values, .. } => out.extend(values),
        Expr::Array(array) => out.extend(&array.elem),
        Expr::CompoundFieldAccess { root, .. } => out.push(root),
        Expr::JsonAccess { value, .. } => out.push(value),
        _ => {}
    }
}

fn function_children<'e>(f: &'e Function, out: &mut impl Sink<'e>) {
    if let FunctionArguments::List(list) = &f.args {
        for arg in &list.args {
            let arg = match arg {
                FunctionArg::Named { arg, .. } | FunctionArg::ExprNamed { arg, .. } | FunctionArg::Unnamed(arg) => arg,
            };
            if let FunctionArgExpr::Expr(e) = arg {
                out.push(e);
            }
        }
    }
    out.extend(f.filter.as_deref());
    out.extend(f.within_group.iter().map(|o| &o.expr));
}

/// Calls `f` on `expr` and every expression under it, subqueries left out (pre-order). Recursive (no
/// allocation) for the first levels, then with an explicit stack, so that a long operator chain costs no
/// stack depth.
pub(super) fn walk<'e>(expr: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    walk_at(expr, f, 0);
}

/// Recursion depth after which [`walk`] switches to a heap stack.
const RECURSION: usize = 32;

fn walk_at<'e, F: FnMut(&'e Expr)>(expr: &'e Expr, f: &mut F, depth: usize) {
    if depth >= RECURSION {
        return walk_heap(expr, f);
    }
    f(expr);
    push_children(expr, &mut Each(|child: &'e Expr| walk_at(child, f, depth + 1)));
}

fn walk_heap<'e>(expr: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    let mut stack = Vec::with_capacity(16);
    stack.push(expr);
    while let Some(e) = stack.pop() {
        f(e);
        let start = stack.len();
        push_children(e, &mut stack);
        stack[start..].reverse();
    }
}

/// The subqueries directly inside `expr` (not inside other subqueries), with their kind.
pub(super) fn subqueries(expr: &Expr) -> Vec<(&Query, SubqueryKind, &Expr)> {
    let mut out = Vec::new();
    walk(expr, &mut |e| {
        if let Some((q, kind)) = subquery(e) {
            out.push((q, kind, e));
        }
    });
    out
}

/// The column references in `expr` (outside subqueries), as identifier chains.
pub(super) fn references(expr: &Expr) -> Vec<&[Ident]> {
    let mut out = Vec::new();
    walk(expr, &mut |e| match e {
        Expr::Identifier(ident) => out.push(std::slice::from_ref(ident)),
        Expr::CompoundIdentifier(parts) => out.push(parts.as_slice()),
        _ => {}
    });
    out
}

/// `expr` split at top-level `AND`s (through parentheses).
pub(super) fn conjuncts(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match e {
            Expr::BinaryOp { left, op: BinaryOperator::And, right } => {
                stack.push(right);
                stack.push(left);
            }
            Expr::Nested(inner) => stack.push(inner),
            other => out.push(other),
        }
    }
    out
}

/// `expr` split at top-level `OR`s (through parentheses).
pub(super) fn disjuncts(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match e {
            Expr::BinaryOp { left, op: BinaryOperator::Or, right } => {
                stack.push(right);
                stack.push(left);
            }
            Expr::Nested(inner) => stack.push(inner),
            other => out.push(other),
        }
    }
    out
}

/// The lower-cased last part of a function's name.
pub(super) fn function_name(f: &Function) -> String {
    f.name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_ascii_lowercase()).unwrap_or_default()
}

/// Whether `f` is an aggregate call (a known aggregate name, not used as a window function).
pub(super) fn is_aggregate_call(f: &Function) -> bool {
    f.over.is_none() && AGGREGATES.contains(&function_name(f).as_str())
}

/// Whether `expr` calls an aggregate outside subqueries.
pub(super) fn has_aggregate(expr: &Expr) -> bool {
    let mut found = false;
    walk(expr, &mut |e| found |= matches!(e, Expr::Function(f) if is_aggregate_call(f)));
    found
}

/// Whether `expr` holds a subquery.
pub(super) fn has_subquery(expr: &Expr) -> bool {
    let mut found = false;
    walk(expr, &mut |e| found |= subquery(e).is_some());
    found
}

/// `expr` without enclosing parentheses.
pub(super) fn unnest(mut expr: &Expr) -> &Expr {
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr
}

/// The literal value of `expr` (a plain or signed constant), if it is one.
pub(super) fn literal(expr: &Expr) -> Option<&Value> {
    match unnest(expr) {
        Expr::Value(v) => Some(&v.value),
        Expr::UnaryOp { expr, .. } => literal(expr),
        _ => None,
    }
}

/// A non-negative whole-number literal (LIMIT, OFFSET).
pub(super) fn count(expr: &Expr) -> Option<f64> {
    match literal(expr)? {
        Value::Number(n, _) => crate::number::parse_f64(n).filter(|n| *n >= 0.0 && n.is_finite()),
        Value::SingleQuotedString(s) => crate::number::parse_f64(s.trim()).filter(|n| *n >= 0.0 && n.is_finite()),
        _ => None,
    }
}

/// The text of a string literal.
pub(super) fn string(expr: &Expr) -> Option<&str> {
    match literal(expr)? {
        Value::SingleQuotedString(s)
        | Value::DoubleQuotedString(s)
        | Value::EscapedStringLiteral(s)
        | Value::NationalStringLiteral(s)
        | Value::UnicodeStringLiteral(s) => Some(s),
        _ => None,
    }
}

/// Depth at which [`span`] and [`text`] stop using sqlparser's own (recursive) implementations.
const SHALLOW: usize = 64;

/// Whether `expr` is at most `limit` levels deep (found without recursion).
fn shallow(expr: &Expr, limit: usize) -> bool {
    let (mut stack, mut kids) = (vec![(expr, 1usize)], Vec::new());
    while let Some((e, depth)) = stack.pop() {
        if depth > limit {
            return false;
        }
        kids.clear();
        push_children(e, &mut kids);
        stack.extend(kids.iter().map(|c| (*c, depth + 1)));
    }
    true
}

/// Where `expr` is written. sqlparser computes spans recursively (through subqueries too); for deep
/// expressions and those holding subqueries the union of the leaves' spans is taken instead, without recursion:
/// a subquery counts as its first `SELECT` keyword (a snippet widens to its closing parenthesis), a function call
/// as its name.
pub(super) fn span(expr: &Expr) -> Span {
    if shallow(expr, SHALLOW) && !has_subquery(expr) {
        return expr.span();
    }
    let mut out = Span::empty();
    walk(expr, &mut |e| {
        let part = match e {
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) | Expr::TypedString(_) => e.span(),
            Expr::Function(f) => f.name.span(),
            other => match subquery(other) {
                Some((q, _)) => query_start(q),
                None => Span::empty(),
            },
        };
        out = out.union(&part);
    });
    out
}

/// The span of a query's first `SELECT` keyword.
pub(super) fn query_start(query: &Query) -> Span {
    let mut body = query.body.as_ref();
    loop {
        match body {
            sqlparser::ast::SetExpr::Select(s) => return s.select_token.0.span,
            sqlparser::ast::SetExpr::Query(q) => body = q.body.as_ref(),
            sqlparser::ast::SetExpr::SetOperation { left, .. } => body = left.as_ref(),
            _ => return Span::empty(),
        }
    }
}

/// `expr` as SQL text, for messages: sqlparser's rendering (recursive) for expressions of reasonable depth
/// without subqueries, `…` otherwise.
pub(super) fn text(expr: &Expr) -> String {
    if shallow(expr, SHALLOW) && !has_subquery(expr) { expr.to_string() } else { "…".to_owned() }
}
