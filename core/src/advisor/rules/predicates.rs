//! Conditions: columns hidden from their indexes (functions, arithmetic, casts, leading wildcards), implicit
//! conversions, OR across columns, `= NULL`, `NOT IN` over a nullable subquery.

use super::super::Analysis;
use super::super::codes;
use super::super::cost::Costs;
use super::super::expr::{self, SubqueryKind};
use super::super::facts::{self, Shape, Wrap};
use super::super::model::{Resolved, Role};
use super::Findings;
use super::rows;
use crate::catalog::{Dialect, TypeClass};
use crate::order::LeanSort as _;
use sqlparser::ast::{BinaryOperator, Expr, SelectItem, Value};

impl<'a> Analysis<'a> {
    pub(super) fn predicate_rules(&self, costs: &Costs<'_>, out: &mut Findings) {
        for b in 0..self.model.blocks.len() {
            self.wrapped_columns(b, costs, out);
            self.implicit_casts(b, costs, out);
            self.leading_wildcards(b, costs, out);
            self.or_across_columns(b, costs, out);
            self.null_comparisons(b, out);
            self.not_in_nullable(b, out);
        }
    }

    /// Rows of relation `rel` of block `b` (0 for relations that are not base tables).
    fn rel_rows(&self, costs: &Costs<'_>, b: usize, rel: usize) -> f64 {
        costs.table(b, rel).map_or(0.0, |t| t.rows)
    }

    fn wrapped_columns(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        for p in &self.preds[b] {
            let Shape::Wrapped { rel, column, wrap, side, .. } = &p.shape else { continue };
            let relation = &blk.rels[*rel];
            if !relation.is_base() {
                continue;
            }
            let class = relation.table().and_then(|t| t.column(column)).map(|c| c.class());
            if let Wrap::Cast(target) = wrap {
                // Casting text to text (varchar to text) is a relabelling every database sees through.
                if class == Some(TypeClass::Text) && TypeClass::of(target) == TypeClass::Text {
                    continue;
                }
            }
            let code = match wrap {
                Wrap::Arithmetic => &codes::NON_SARGABLE_ARITHMETIC,
                _ => &codes::NON_SARGABLE_FUNCTION,
            };
            if !out.room(code) {
                continue;
            }
            let table = relation.table_name();
            let n = self.rel_rows(costs, b, *rel);
            let what = match wrap {
                Wrap::Arithmetic => "arithmetic".to_owned(),
                Wrap::Function(f) => format!("{f}()"),
                Wrap::Cast(t) => format!("a cast to {t}"),
            };
            let message = format!(
                "{table}.{column} is inside {what}, so no index on {column} can serve this condition: it is evaluated on \
                 all {} rows",
                rows(n)
            );
            let suggestion = wrapped_suggestion(wrap, column, &expr::text(side), self.dialect);
            out.push(self.at_expr(code, self.sized(4, n), p.expr, message, suggestion, Some(table)));
        }
    }

    fn implicit_casts(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        let class_of =
            |rel: usize, column: &str| blk.rels[rel].table().and_then(|t| t.column(column)).map(|c| c.class());
        for p in &self.preds[b] {
            match &p.shape {
                Shape::Column { rel, column, value: Some(value), .. } => {
                    if !p.cast || !out.room(&codes::IMPLICIT_CAST) {
                        continue;
                    }
                    let Some(class) = class_of(*rel, column) else { continue };
                    let table = blk.rels[*rel].table_name();
                    let (message, suggestion) = cast_advice(self.dialect, table, column, class, value);
                    let n = self.rel_rows(costs, b, *rel);
                    out.push(self.at_expr(
                        &codes::IMPLICIT_CAST,
                        self.sized(5, n),
                        p.expr,
                        message,
                        suggestion,
                        Some(table),
                    ));
                }
                Shape::JoinEq { left, right } if self.dialect != Dialect::Sqlite => {
                    let (Some(a), Some(c)) = (class_of(left.0, left.1), class_of(right.0, right.1)) else { continue };
                    let text = |x: TypeClass| x == TypeClass::Text;
                    let number = |x: TypeClass| x.is_numeric();
                    if !((text(a) && number(c)) || (number(a) && text(c))) || !out.room(&codes::IMPLICIT_CAST) {
                        continue;
                    }
                    let (lt, rt) = (blk.rels[left.0].table_name(), blk.rels[right.0].table_name());
                    let message = format!(
                        "{lt}.{} ({a:?}) is joined with {rt}.{} ({c:?}): one side is converted on every row, so its \
                         index cannot serve the join{}",
                        left.1,
                        right.1,
                        if self.dialect == Dialect::Postgres {
                            " (PostgreSQL refuses the comparison outright)"
                        } else {
                            ""
                        }
                    );
                    let suggestion = "Give both join columns the same type (or cast the smaller side explicitly once, \
                                      in a CTE) so the join key can use an index."
                        .to_owned();
                    let n = self.rel_rows(costs, b, left.0).max(self.rel_rows(costs, b, right.0));
                    out.push(self.at_expr(
                        &codes::IMPLICIT_CAST,
                        self.sized(5, n),
                        p.expr,
                        message,
                        suggestion,
                        Some(lt),
                    ));
                }
                _ => {}
            }
        }
    }

    fn leading_wildcards(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        let conditions = blk.select.selection.iter().chain(blk.on.iter().map(|(_, e)| *e));
        for condition in conditions {
            expr::walk(condition, &mut |e| {
                let (Expr::Like { negated: false, expr: inner, pattern, .. }
                | Expr::ILike { negated: false, expr: inner, pattern, .. }) = e
                else {
                    return;
                };
                let Some(text) = expr::string(pattern) else { return };
                if !text.starts_with(['%', '_']) {
                    return;
                }
                let column = facts::local_column(&self.model, b, inner)
                    .or_else(|| facts::wrapped(&self.model, b, inner).map(|w| (w.0, w.1)));
                let Some((rel, column)) = column else { return };
                if !blk.rels[rel].is_base() || !out.room(&codes::LEADING_WILDCARD) {
                    return;
                }
                let table = blk.rels[rel].table_name();
                let n = self.rel_rows(costs, b, rel);
                let message = format!(
                    "the pattern '{text}' starts with a wildcard, so no B-tree index on {table}.{column} can narrow the \
                     search: all {} rows are matched one by one",
                    rows(n)
                );
                out.push(self.at_expr(
                    &codes::LEADING_WILDCARD,
                    self.sized(4, n),
                    e,
                    message,
                    wildcard_suggestion(self.dialect, table, column),
                    Some(table),
                ));
            });
        }
    }

    fn or_across_columns(&self, b: usize, costs: &Costs<'_>, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        for p in &self.preds[b] {
            let branches = expr::disjuncts(p.expr);
            if branches.len() < 2 || p.subquery {
                continue;
            }
            let mut sets: Vec<Vec<(usize, String)>> = Vec::new();
            for branch in &branches {
                let mut set: Vec<(usize, String)> = self
                    .model
                    .columns(b, branch)
                    .into_iter()
                    .filter_map(|r| match r {
                        Resolved::Column(at, name) if at.block == b => Some((at.rel, name.to_owned())),
                        _ => None,
                    })
                    .collect();
                set.lean_sort_by_key(|(rel, name)| (*rel, name.to_ascii_lowercase()));
                set.dedup_by(|a, b| a.0 == b.0 && a.1.eq_ignore_ascii_case(&b.1));
                sets.push(set);
            }
            let same = |x: &Vec<(usize, String)>, y: &Vec<(usize, String)>| {
                x.len() == y.len() && x.iter().zip(y).all(|(a, c)| a.0 == c.0 && a.1.eq_ignore_ascii_case(&c.1))
            };
            if sets.iter().any(Vec::is_empty) || sets.windows(2).all(|w| same(&w[0], &w[1])) {
                continue;
            }
            if !out.room(&codes::OR_ACROSS_COLUMNS) {
                continue;
            }
            let mut named: Vec<String> =
                sets.iter().flatten().map(|(rel, column)| format!("{}.{column}", blk.rels[*rel].alias)).collect();
            named.lean_sort();
            named.dedup();
            let n = sets.iter().flatten().map(|(rel, _)| self.rel_rows(costs, b, *rel)).fold(0.0, f64::max);
            let message = format!(
                "OR between conditions on different columns ({}): one index cannot serve it, so unless every branch has \
                 its own index the table is scanned",
                named.join(", ")
            );
            let suggestion =
                "Split the query into one SELECT per branch joined with UNION ALL (each branch can use its \
                              own index; exclude rows already returned if branches overlap), or index each column so \
                              the planner can combine them (PostgreSQL BitmapOr, MySQL index_merge)."
                    .to_owned();
            out.push(self.at_expr(&codes::OR_ACROSS_COLUMNS, self.sized(3, n), p.expr, message, suggestion, None));
        }
    }

    fn null_comparisons(&self, b: usize, out: &mut Findings) {
        for e in self.model.block_exprs(b) {
            expr::walk(e, &mut |e| {
                let Expr::BinaryOp { left, op: op @ (BinaryOperator::Eq | BinaryOperator::NotEq), right } = e else {
                    return;
                };
                let null = |x: &Expr| matches!(expr::literal(x), Some(Value::Null));
                let other = match (null(left), null(right)) {
                    (false, true) => left,
                    (true, false) => right,
                    _ => return,
                };
                if !out.room(&codes::EQ_NULL) {
                    return;
                }
                let (never, fix) = match op {
                    BinaryOperator::Eq => ("= NULL", format!("{} IS NULL", expr::text(other))),
                    _ => ("<> NULL", format!("{} IS NOT NULL", expr::text(other))),
                };
                let message = format!(
                    "`{never}` is never true: a comparison with NULL is unknown, so this condition removes every row"
                );
                out.push(self.at_expr(&codes::EQ_NULL, 9, e, message, format!("Write `{fix}`."), None));
            });
        }
    }

    fn not_in_nullable(&self, b: usize, out: &mut Findings) {
        let blk = &self.model.blocks[b];
        let (Role::Subquery(SubqueryKind::In { negated: true }), Some(holder)) = (blk.role, blk.holder) else { return };
        let Some(SelectItem::UnnamedExpr(item) | SelectItem::ExprWithAlias { expr: item, .. }) =
            blk.select.projection.first()
        else {
            return;
        };
        let Some((rel, column)) = facts::local_column(&self.model, b, item) else { return };
        let relation = &blk.rels[rel];
        let Some(table) = relation.table() else { return };
        let nullable = table.column(column).is_some_and(|c| c.nullable)
            && !table.primary_key.iter().any(|k| k.eq_ignore_ascii_case(column));
        let excluded = self.preds[b].iter().any(|p| match expr::unnest(p.expr) {
            Expr::IsNotNull(inner) => facts::local_column(&self.model, b, inner)
                .is_some_and(|(r, c)| r == rel && c.eq_ignore_ascii_case(column)),
            _ => false,
        });
        // An inner join or comparison on the column also drops its NULLs.
        let filtered = self.preds[b].iter().any(|p| match &p.shape {
            Shape::Column { rel: r, column: c, .. } => {
                *r == rel && c.eq_ignore_ascii_case(column) && !matches!(p.expr, Expr::IsNull(_))
            }
            Shape::JoinEq { left, right } => {
                [left, right].iter().any(|(r, c)| *r == rel && c.eq_ignore_ascii_case(column))
            }
            _ => false,
        });
        if !nullable || excluded || filtered || !out.room(&codes::NOT_IN_NULLABLE) {
            return;
        }
        let Expr::InSubquery { expr: left, .. } = holder else { return };
        // The outer value, qualified so that it still means the outer row inside the subquery.
        let outer = match (blk.parent, facts::local_column(&self.model, blk.parent.unwrap_or(b), left)) {
            (Some(parent), Some((r, c))) => format!("{}.{c}", self.model.blocks[parent].rels[r].alias),
            _ => expr::text(left),
        };
        let message = format!(
            "{}.{column} is nullable: if the subquery returns a single NULL, `NOT IN` is unknown for every row and the \
             query returns nothing; it also keeps PostgreSQL from planning an anti-join",
            table.name
        );
        let suggestion = format!(
            "Write `NOT EXISTS (SELECT 1 FROM {} AS sub WHERE sub.{column} = {outer})`, or add `WHERE {column} IS NOT \
             NULL` to the subquery.",
            relation.name
        );
        out.push(self.at_expr(&codes::NOT_IN_NULLABLE, 6, holder, message, suggestion, Some(&table.name)));
    }
}

fn cast_advice(dialect: Dialect, table: &str, column: &str, class: TypeClass, value: &Expr) -> (String, String) {
    let effect = match (dialect, class) {
        (Dialect::Mysql, TypeClass::Text) => {
            "MySQL converts every value of the column to a number to compare, so its index is not used (and '12abc' = 12)"
        }
        (Dialect::Postgres, TypeClass::Text) => {
            "PostgreSQL refuses text = integer; with a cast on the column no index serves it"
        }
        (_, TypeClass::Temporal) => {
            "the number is not a date: the column is converted row by row or the comparison fails"
        }
        _ => "the text is not a number: the comparison converts it (to 0 on MySQL) or fails",
    };
    let fixed = match class {
        TypeClass::Text => format!("'{}'", expr::text(value).trim_matches('\'')),
        TypeClass::Temporal => "'YYYY-MM-DD'".to_owned(),
        _ => "a number".to_owned(),
    };
    (
        format!("{table}.{column} is {class:?} but is compared with `{}`: {effect}", expr::text(value)),
        format!("Write the value as the column's type: {column} compared with {fixed}."),
    )
}

fn wrapped_suggestion(wrap: &Wrap, column: &str, side: &str, dialect: Dialect) -> String {
    let expression_index = |e: &str| match dialect {
        Dialect::Postgres => format!("CREATE INDEX ... ON <table> (({e}))"),
        Dialect::Mysql => format!("CREATE INDEX ... ON <table> (({e})) (MySQL 8.0.13+)"),
        Dialect::Sqlite => format!("CREATE INDEX ... ON <table> ({e})"),
    };
    match wrap {
        Wrap::Arithmetic => format!(
            "Move the arithmetic to the constant side so {column} stands alone (e.g. `{column} * 2 > 10` → `{column} > 10 / 2`)."
        ),
        Wrap::Cast(_) => {
            format!("Cast the value to the column's type instead of the column (compare {column} itself).")
        }
        Wrap::Function(f) => match f.as_str() {
            "year" | "month" | "day" | "date" | "extract" | "date_trunc" | "strftime" | "date_format" | "to_char"
            | "datepart" | "date_part" | "trunc" => format!(
                "Compare {column} with a range instead: `{column} >= '2024-01-01' AND {column} < '2025-01-01'`."
            ),
            "lower" | "upper" => format!(
                "Store the values in one case (or use a case-insensitive collation/citext), or index the expression: {}.",
                expression_index(&format!("{f}({column})"))
            ),
            "substr" | "substring" | "left" => {
                format!("For a prefix, write `{column} LIKE 'abc%'`, which can use an index.")
            }
            "coalesce" | "ifnull" | "nvl" | "isnull" => {
                format!("Write `({column} = <value> OR {column} IS NULL)` so each branch can use an index.")
            }
            "trim" | "ltrim" | "rtrim" => format!("Store trimmed values and compare {column} directly."),
            _ => format!("Rewrite so {column} is compared bare, or index the expression: {}.", expression_index(side)),
        },
    }
}

fn wildcard_suggestion(dialect: Dialect, table: &str, column: &str) -> String {
    match dialect {
        Dialect::Postgres => format!(
            "Anchor the pattern ('abc%') if you can; for substring search use a trigram index: `CREATE EXTENSION \
             pg_trgm; CREATE INDEX CONCURRENTLY ON {table} USING gin ({column} gin_trgm_ops)`."
        ),
        Dialect::Mysql => format!(
            "Anchor the pattern ('abc%') if you can; for word search use `FULLTEXT({column})` and `MATCH ... AGAINST`."
        ),
        Dialect::Sqlite => {
            format!("Anchor the pattern ('abc%') if you can; for text search put {table}.{column} in an FTS5 table.")
        }
    }
}
