//! What a gold query needs: its tables (FROM and JOIN, subqueries included), its columns resolved through
//! aliases and scopes, whether its result order matters, and its Spider hardness.
//!
//! Hardness approximates the Spider evaluation's rules on the top-level query:
//! - component 1 = one each for WHERE, GROUP BY, ORDER BY and LIMIT, plus one per extra table in FROM, plus
//!   one per OR and per LIKE among the WHERE and HAVING conditions;
//! - component 2 = nested queries: set operations (UNION/INTERSECT/EXCEPT) and subqueries in WHERE, HAVING
//!   and FROM;
//! - others = one each for more than one aggregate (SELECT, WHERE, GROUP BY, ORDER BY, HAVING), more than one
//!   selected item, more than one WHERE condition and more than one GROUP BY expression.
//!
//! easy: c1 ≤ 1, others = 0, c2 = 0; medium: (others ≤ 2, c1 ≤ 1, c2 = 0) or (c1 ≤ 2, others < 2, c2 = 0);
//! hard: (others > 2, c1 ≤ 2, c2 = 0) or (2 < c1 ≤ 3, others ≤ 2, c2 = 0) or (c1 ≤ 1, others = 0, c2 ≤ 1);
//! extra: the rest. Differences from the original: conditions are counted on the parsed expression tree
//! (a BETWEEN is one condition), and a chain of set operations counts one nested query per operator.

use nl2sql_core::catalog::{Catalog, Table};
use serde::Serialize;
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, JoinConstraint, JoinOperator, ObjectName,
    ObjectNamePart, OrderByKind, Query, Select, SelectItem, SetExpr, Statement, TableFactor,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;

/// Spider's four difficulty levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Hardness {
    Easy,
    Medium,
    Hard,
    Extra,
}

impl Hardness {
    pub(crate) const ALL: [Self; 4] = [Self::Easy, Self::Medium, Self::Hard, Self::Extra];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Easy => "easy",
            Self::Medium => "medium",
            Self::Hard => "hard",
            Self::Extra => "extra",
        }
    }
}

/// The analysis of one gold query.
#[derive(Debug, Clone)]
pub(crate) struct Gold {
    /// Catalog names of the tables read.
    pub(crate) tables: Vec<String>,
    /// (table, column) catalog names of the columns referenced.
    pub(crate) columns: Vec<(String, String)>,
    /// Whether the top-level query has ORDER BY.
    pub(crate) ordered: bool,
    pub(crate) hardness: Hardness,
    /// Whether sqlparser failed and the tables come from a keyword scan.
    pub(crate) scanned: bool,
}

/// Analyses `sql` against `catalog`.
pub(crate) fn analyse(sql: &str, catalog: &Catalog) -> Gold {
    let parsed = Parser::parse_sql(&SQLiteDialect {}, sql).ok();
    let Some(query) = parsed.as_ref().and_then(|statements| match statements.as_slice() {
        [Statement::Query(q)] => Some(q),
        _ => None,
    }) else {
        return Gold {
            tables: scan_tables(sql, catalog),
            columns: vec![],
            ordered: false,
            hardness: Hardness::Extra,
            scanned: true,
        };
    };
    let mut walker = Walker { catalog, tables: Vec::new(), columns: Vec::new() };
    walker.query(query, &[]);
    Gold {
        tables: walker.tables,
        columns: walker.columns,
        ordered: query.order_by.is_some(),
        hardness: hardness(query),
        scanned: false,
    }
}

/// Tables named right after FROM or JOIN, for queries sqlparser cannot read.
fn scan_tables(sql: &str, catalog: &Catalog) -> Vec<String> {
    let words: Vec<&str> = sql.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',').collect();
    let mut out: Vec<String> = Vec::new();
    for pair in words.windows(2) {
        if (pair[0].eq_ignore_ascii_case("from") || pair[0].eq_ignore_ascii_case("join"))
            && let Some(table) = catalog.table(pair[1].trim_matches(|c| c == '"' || c == '`'))
            && !out.contains(&table.name)
        {
            out.push(table.name.clone());
        }
    }
    out
}

/// Tables visible in one SELECT: (alias or name in lower case, table).
type Scope<'c> = Vec<(String, &'c Table)>;

struct Walker<'c> {
    catalog: &'c Catalog,
    tables: Vec<String>,
    columns: Vec<(String, String)>,
}

impl<'c> Walker<'c> {
    fn query(&mut self, query: &Query, outer: &[&Scope<'c>]) {
        let scope = self.set_expr(&query.body, outer);
        if let Some(OrderByKind::Expressions(list)) = query.order_by.as_ref().map(|o| &o.kind) {
            let scopes: Vec<&Scope<'c>> = std::iter::once(&scope).chain(outer.iter().copied()).collect();
            for item in list {
                self.expr(&item.expr, &scopes);
            }
        }
    }

    /// Walks a query body; returns the scope of its first SELECT (for ORDER BY).
    fn set_expr(&mut self, body: &SetExpr, outer: &[&Scope<'c>]) -> Scope<'c> {
        match body {
            SetExpr::Select(select) => self.select(select, outer),
            SetExpr::Query(query) => {
                self.query(query, outer);
                Vec::new()
            }
            SetExpr::SetOperation { left, right, .. } => {
                let scope = self.set_expr(left, outer);
                self.set_expr(right, outer);
                scope
            }
            _ => Vec::new(),
        }
    }

    fn select(&mut self, select: &Select, outer: &[&Scope<'c>]) -> Scope<'c> {
        let mut scope: Scope<'c> = Vec::new();
        let mut on: Vec<&Expr> = Vec::new();
        for from in &select.from {
            self.factor(&from.relation, &mut scope, outer);
            for join in &from.joins {
                self.factor(&join.relation, &mut scope, outer);
                if let Some(JoinConstraint::On(expr)) = constraint(&join.join_operator) {
                    on.push(expr);
                }
            }
        }
        let scopes: Vec<&Scope<'c>> = std::iter::once(&scope).chain(outer.iter().copied()).collect();
        for item in &select.projection {
            match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => self.expr(e, &scopes),
                _ => {}
            }
        }
        for e in on.into_iter().chain(&select.selection).chain(&select.having) {
            self.expr(e, &scopes);
        }
        if let GroupByExpr::Expressions(list, _) = &select.group_by {
            for e in list {
                self.expr(e, &scopes);
            }
        }
        scope
    }

    fn factor(&mut self, factor: &TableFactor, scope: &mut Scope<'c>, outer: &[&Scope<'c>]) {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let Some(table) = self.catalog.table(&last(name)) else { return };
                if !self.tables.contains(&table.name) {
                    self.tables.push(table.name.clone());
                }
                let key = alias.as_ref().map_or_else(|| table.name.to_lowercase(), |a| a.name.value.to_lowercase());
                scope.push((key, table));
            }
            TableFactor::Derived { subquery, .. } => self.query(subquery, outer),
            TableFactor::NestedJoin { table_with_joins, .. } => {
                self.factor(&table_with_joins.relation, scope, outer);
                for join in &table_with_joins.joins {
                    self.factor(&join.relation, scope, outer);
                }
            }
            _ => {}
        }
    }

    fn column(&mut self, table: &Table, name: &str) {
        if let Some(column) = table.column(name) {
            let pair = (table.name.clone(), column.name.clone());
            if !self.columns.contains(&pair) {
                self.columns.push(pair);
            }
        }
    }

    fn expr(&mut self, expr: &Expr, scopes: &[&Scope<'c>]) {
        match expr {
            Expr::Identifier(ident) => {
                let found = scopes.iter().flat_map(|s| s.iter()).find(|(_, t)| t.column(&ident.value).is_some());
                if let Some((_, table)) = found {
                    self.column(table, &ident.value);
                }
            }
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let qualifier = parts[parts.len() - 2].value.to_lowercase();
                let found = scopes.iter().flat_map(|s| s.iter()).find(|(alias, _)| *alias == qualifier);
                if let Some((_, table)) = found {
                    self.column(table, &parts[parts.len() - 1].value);
                }
            }
            Expr::Subquery(query) | Expr::Exists { subquery: query, .. } => self.query(query, scopes),
            Expr::InSubquery { expr, subquery, .. } => {
                self.expr(expr, scopes);
                self.query(subquery, scopes);
            }
            _ => {
                for child in children(expr) {
                    self.expr(child, scopes);
                }
            }
        }
    }
}

/// The direct sub-expressions of the expression kinds Spider-style SQL uses (subqueries excluded).
fn children(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::BinaryOp { left, right, .. } => vec![left, right],
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::Cast { expr, .. } => vec![expr],
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => vec![expr, pattern],
        Expr::Between { expr, low, high, .. } => vec![expr, low, high],
        Expr::InList { expr, list, .. } => std::iter::once(&**expr).chain(list).collect(),
        Expr::Function(f) => match &f.args {
            FunctionArguments::List(list) => list
                .args
                .iter()
                .filter_map(|a| match a {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                    _ => None,
                })
                .collect(),
            _ => vec![],
        },
        Expr::Case { operand, conditions, else_result, .. } => operand
            .iter()
            .map(|e| &**e)
            .chain(conditions.iter().flat_map(|c| [&c.condition, &c.result]))
            .chain(else_result.iter().map(|e| &**e))
            .collect(),
        _ => vec![],
    }
}

fn constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c) => Some(c),
        _ => None,
    }
}

fn last(name: &ObjectName) -> String {
    match name.0.last() {
        Some(ObjectNamePart::Identifier(ident)) => ident.value.clone(),
        _ => String::new(),
    }
}

/// Spider hardness of the top-level query (see the module documentation).
fn hardness(query: &Query) -> Hardness {
    let mut nested = 0;
    let mut body = &*query.body;
    loop {
        match body {
            SetExpr::SetOperation { left, .. } => {
                nested += 1;
                body = left;
            }
            SetExpr::Query(inner) => body = &inner.body,
            _ => break,
        }
    }
    let SetExpr::Select(select) = body else { return Hardness::Extra };
    let mut c1 = 0;
    let mut others = 0;
    let mut aggregates = 0;

    let mut tables = 0;
    for from in &select.from {
        for factor in std::iter::once(&from.relation).chain(from.joins.iter().map(|j| &j.relation)) {
            tables += 1;
            if matches!(factor, TableFactor::Derived { .. }) {
                nested += 1;
            }
        }
    }
    c1 += tables.max(1) - 1;
    let conditions = |expr: Option<&Expr>, c1: &mut usize, nested: &mut usize, aggregates: &mut usize| {
        let mut leaves = Vec::new();
        split_conditions(expr, &mut leaves, c1);
        for leaf in &leaves {
            if matches!(leaf, Expr::Like { .. } | Expr::ILike { .. }) {
                *c1 += 1;
            }
            *nested += count_subqueries(leaf);
            *aggregates += count_aggregates(leaf);
        }
        leaves.len()
    };
    let where_conditions = conditions(select.selection.as_ref(), &mut c1, &mut nested, &mut aggregates);
    conditions(select.having.as_ref(), &mut c1, &mut nested, &mut aggregates);
    if where_conditions > 0 {
        c1 += 1;
    }
    let group_by = match &select.group_by {
        GroupByExpr::Expressions(list, _) => list.as_slice(),
        GroupByExpr::All(_) => &[],
    };
    if !group_by.is_empty() {
        c1 += 1;
    }
    if query.order_by.is_some() {
        c1 += 1;
    }
    if query.limit_clause.is_some() {
        c1 += 1;
    }
    for item in &select.projection {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            aggregates += count_aggregates(e);
        }
    }
    aggregates += group_by.iter().map(count_aggregates).sum::<usize>();
    if let Some(OrderByKind::Expressions(list)) = query.order_by.as_ref().map(|o| &o.kind) {
        aggregates += list.iter().map(|o| count_aggregates(&o.expr)).sum::<usize>();
    }
    others += usize::from(aggregates > 1);
    others += usize::from(select.projection.len() > 1);
    others += usize::from(where_conditions > 1);
    others += usize::from(group_by.len() > 1);

    if c1 <= 1 && others == 0 && nested == 0 {
        Hardness::Easy
    } else if (others <= 2 && c1 <= 1 && nested == 0) || (c1 <= 2 && others < 2 && nested == 0) {
        Hardness::Medium
    } else if (others > 2 && c1 <= 2 && nested == 0)
        || (c1 > 2 && c1 <= 3 && others <= 2 && nested == 0)
        || (c1 <= 1 && others == 0 && nested <= 1)
    {
        Hardness::Hard
    } else {
        Hardness::Extra
    }
}

/// Splits a condition at AND/OR into its leaves, counting the ORs into `ors`.
fn split_conditions<'e>(expr: Option<&'e Expr>, leaves: &mut Vec<&'e Expr>, ors: &mut usize) {
    use sqlparser::ast::BinaryOperator;
    let Some(expr) = expr else { return };
    match expr {
        Expr::BinaryOp { left, op: op @ (BinaryOperator::And | BinaryOperator::Or), right } => {
            if *op == BinaryOperator::Or {
                *ors += 1;
            }
            split_conditions(Some(left), leaves, ors);
            split_conditions(Some(right), leaves, ors);
        }
        Expr::Nested(inner) if matches!(**inner, Expr::BinaryOp { .. }) => split_conditions(Some(inner), leaves, ors),
        other => leaves.push(other),
    }
}

fn count_subqueries(expr: &Expr) -> usize {
    match expr {
        Expr::Subquery(_) | Expr::Exists { .. } => 1,
        Expr::InSubquery { expr, .. } => 1 + count_subqueries(expr),
        other => children(other).into_iter().map(count_subqueries).sum(),
    }
}

fn count_aggregates(expr: &Expr) -> usize {
    match expr {
        Expr::Function(f) if ["count", "sum", "avg", "min", "max"].contains(&last(&f.name).to_lowercase().as_str()) => {
            1
        }
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => 0,
        other => children(other).into_iter().map(count_aggregates).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nl2sql_core::catalog::{Column, Dialect};

    fn catalog() -> Catalog {
        let table = |name: &str, columns: &[&str]| Table {
            name: name.into(),
            columns: columns
                .iter()
                .map(|c| Column {
                    name: (*c).into(),
                    data_type: "text".into(),
                    nullable: true,
                    default: None,
                    comment: None,
                })
                .collect(),
            primary_key: vec![],
            foreign_keys: vec![],
            unique: vec![],
            indexes: vec![],
            comment: None,
        };
        Catalog {
            dialect: Dialect::Sqlite,
            tables: vec![
                table("singer", &["Singer_ID", "Name", "Age", "Country"]),
                table("concert", &["concert_ID", "Year", "Stadium_ID"]),
                table("singer_in_concert", &["concert_ID", "Singer_ID"]),
            ],
        }
    }

    #[test]
    fn tables_and_columns_through_aliases_and_subqueries() {
        let gold = analyse(
            "SELECT T2.name FROM singer_in_concert AS T1 JOIN singer AS T2 ON T1.singer_id = T2.singer_id \
             WHERE T1.concert_id IN (SELECT concert_id FROM concert WHERE YEAR = 2014)",
            &catalog(),
        );
        assert_eq!(gold.tables, ["singer_in_concert", "singer", "concert"]);
        assert!(gold.columns.contains(&("singer".into(), "Name".into())));
        assert!(gold.columns.contains(&("concert".into(), "Year".into())));
        assert!(gold.columns.contains(&("singer_in_concert".into(), "concert_ID".into())));
        // Two tables and a WHERE (component 1 = 2) with a nested query.
        assert_eq!(gold.hardness, Hardness::Extra);
    }

    #[test]
    fn hardness_levels() {
        let c = catalog();
        assert_eq!(analyse("SELECT count(*) FROM singer", &c).hardness, Hardness::Easy);
        assert_eq!(analyse("SELECT name, country, age FROM singer ORDER BY age DESC", &c).hardness, Hardness::Medium);
        assert_eq!(
            analyse(
                "SELECT country FROM singer WHERE age > 40 INTERSECT SELECT country FROM singer WHERE age < 30",
                &c
            )
            .hardness,
            Hardness::Hard
        );
        assert!(analyse("SELECT name FROM singer ORDER BY age", &c).ordered);
    }
}
