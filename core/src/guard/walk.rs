//! The walk: every part of a query, every expression in it, with the relations in scope at each point.
//!
//! Default deny: each AST node is destructured field by field (a new sqlparser field is a compile error here, not
//! a silent gap), and any construct the walk does not descend into is refused as unsupported. So no expression
//! can hide a call or a subquery from the checks: what is accepted has been seen whole.
//!
//! Left-deep chains (`a OR b OR ...`, `UNION` after `UNION`) are followed in a loop, not by recursion; the depth
//! the rendering will recurse to is counted and bounded ([`MAX_DEPTH`], [`MAX_SET_OPERATIONS`]).

use super::{deny, refuse, unsupported};
use crate::catalog::{Catalog, Dialect, Table};
use crate::error::{Error, Result};
use sqlparser::ast::{
    Cte, Distinct, Expr, Fetch, Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArgumentList,
    FunctionArguments, GroupByExpr, GroupByWithModifier, HavingBound, Ident, JoinConstraint, JoinOperator, LimitClause,
    NamedWindowDefinition, NamedWindowExpr, ObjectName, ObjectNamePart, Offset, OrderBy, OrderByExpr, OrderByKind,
    Query, Select, SelectFlavor, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, Subscript, TableAlias,
    TableFactor, TableWithJoins, Value, Values, WildcardAdditionalOptions, WindowFrameBound, WindowSpec, With,
};

/// How deep expressions and subqueries may nest together: the accepted query is rendered with sqlparser's
/// `Display`, which recurses once per level (left-deep operator chains included). 1000 levels render within a
/// 1 MB stack in a release build and a 2 MB one in a debug build (with sqlparser optimised, see Cargo.toml).
pub(super) const MAX_DEPTH: usize = 1000;

/// Set operations (`UNION`, `INTERSECT`, `EXCEPT`) one query may chain; their rendering recurses too, with
/// small frames.
pub(super) const MAX_SET_OPERATIONS: usize = 1000;

/// Column names of a relation, lower case; `None` when not known (any name may be one).
type Columns = Option<Vec<String>>;

/// A relation in FROM, as column references see it.
struct Rel {
    /// The name references qualify with: the alias, or the table's own name. Lower case.
    name: String,
    columns: Columns,
    /// A catalog table (has SQLite's implicit `rowid`).
    table: bool,
}

/// One SELECT's names: its relations and its output aliases.
#[derive(Default)]
struct Scope {
    rels: Vec<Rel>,
    aliases: Vec<String>,
    /// Column names cannot be known (the ORDER BY of a set operation).
    open: bool,
}

/// The ORDER BY / LIMIT / FETCH of a query, checked in the scope of its SELECT.
struct Tail<'q> {
    order_by: &'q mut Option<OrderBy>,
    limit: &'q mut Option<LimitClause>,
    fetch: &'q mut Option<Fetch>,
}

/// The checker: the catalog and the names in scope while walking one statement.
pub(super) struct Checker<'c> {
    catalog: &'c Catalog,
    dialect: Dialect,
    allow_system_catalogs: bool,
    /// CTEs in scope, innermost last: lower-case name and columns.
    ctes: Vec<(String, Columns)>,
    scopes: Vec<Scope>,
    depth: usize,
    /// Optimizer hints (comments the parser keeps) were dropped.
    pub(super) hints_removed: bool,
}

impl<'c> Checker<'c> {
    pub(super) fn new(catalog: &'c Catalog, dialect: Dialect, allow_system_catalogs: bool) -> Self {
        Self {
            catalog,
            dialect,
            allow_system_catalogs,
            ctes: Vec::new(),
            scopes: Vec::new(),
            depth: 0,
            hints_removed: false,
        }
    }

    fn deeper(&mut self, by: usize) -> Result<()> {
        self.depth += by;
        if self.depth > MAX_DEPTH {
            return Err(refuse(format!("nests expressions and subqueries more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    /// Checks one query (a statement, a CTE, a subquery).
    pub(super) fn query(&mut self, query: &mut Query) -> Result<()> {
        let Query {
            with,
            body,
            order_by,
            limit_clause,
            fetch,
            locks,
            for_clause,
            settings,
            format_clause,
            pipe_operators,
        } = query;
        if !locks.is_empty() {
            return Err(refuse("locks rows (FOR UPDATE / FOR SHARE)"));
        }
        if for_clause.is_some() || settings.is_some() || format_clause.is_some() || !pipe_operators.is_empty() {
            return Err(unsupported("FOR XML/JSON, SETTINGS, FORMAT or pipe operators"));
        }
        self.deeper(1)?;
        let mark = self.ctes.len();
        if let Some(with) = with {
            self.with(with)?;
        }
        let tail = Tail { order_by, limit: limit_clause, fetch };
        match body.as_mut() {
            SetExpr::Select(select) => self.select(select, Some(tail))?,
            other => {
                self.set_expr(other)?;
                // A set operation's ORDER BY names its output columns.
                self.scopes.push(Scope { open: true, ..Scope::default() });
                self.tail(tail)?;
                self.scopes.pop();
            }
        }
        self.ctes.truncate(mark);
        self.depth -= 1;
        Ok(())
    }

    fn with(&mut self, with: &mut With) -> Result<()> {
        let With { with_token: _, recursive, cte_tables } = with;
        for cte in cte_tables {
            let Cte { alias, query, from, materialized: _, closing_paren_token: _ } = cte;
            if from.is_some() {
                return Err(unsupported("CTE ... FROM"));
            }
            let name = alias.name.value.to_ascii_lowercase();
            let declared = alias_columns(alias);
            if *recursive {
                // A recursive CTE reads itself.
                self.ctes.push((name.clone(), declared.clone()));
            }
            self.query(query)?;
            if *recursive {
                self.ctes.pop();
            }
            let columns = declared.or_else(|| output_columns(query));
            self.ctes.push((name, columns));
        }
        Ok(())
    }

    /// A query body other than a plain SELECT with its tail. Set operations chain to the left: followed in a loop.
    fn set_expr(&mut self, body: &mut SetExpr) -> Result<()> {
        let (mut body, mut operations) = (body, 0);
        loop {
            match body {
                SetExpr::Select(select) => return self.select(select, None),
                SetExpr::Query(query) => return self.query(query),
                SetExpr::SetOperation { left, right, op: _, set_quantifier: _ } => {
                    operations += 1;
                    if operations > MAX_SET_OPERATIONS {
                        return Err(refuse(format!("chains more than {MAX_SET_OPERATIONS} set operations")));
                    }
                    self.set_expr(right)?;
                    body = left;
                }
                SetExpr::Values(Values { explicit_row: _, value_keyword: _, rows }) => {
                    self.scopes.push(Scope::default());
                    for row in rows {
                        for e in &mut row.content {
                            self.expr(e)?;
                        }
                    }
                    self.scopes.pop();
                    return Ok(());
                }
                SetExpr::Insert(_) => return Err(refuse("writes data (INSERT inside the query)")),
                SetExpr::Update(_) => return Err(refuse("writes data (UPDATE inside the query)")),
                SetExpr::Delete(_) => return Err(refuse("writes data (DELETE inside the query)")),
                SetExpr::Merge(_) => return Err(refuse("writes data (MERGE inside the query)")),
                SetExpr::Table(_) => return Err(unsupported("TABLE <name>; write SELECT * FROM <name>")),
            }
        }
    }

    fn select(&mut self, select: &mut Select, tail: Option<Tail<'_>>) -> Result<()> {
        let Select {
            select_token: _,
            optimizer_hints,
            distinct,
            select_modifiers: _,
            top,
            top_before_distinct: _,
            projection,
            exclude,
            into,
            from,
            lateral_views,
            prewhere,
            selection,
            connect_by,
            group_by,
            cluster_by,
            distribute_by,
            sort_by,
            having,
            named_window,
            qualify,
            window_before_qualify: _,
            value_table_mode,
            flavor,
        } = select;
        if into.is_some() {
            return Err(refuse("writes data (SELECT INTO)"));
        }
        if top.is_some()
            || exclude.is_some()
            || !lateral_views.is_empty()
            || prewhere.is_some()
            || !connect_by.is_empty()
            || !cluster_by.is_empty()
            || !distribute_by.is_empty()
            || !sort_by.is_empty()
            || qualify.is_some()
            || value_table_mode.is_some()
            || !matches!(flavor, SelectFlavor::Standard)
        {
            return Err(unsupported(
                "TOP, EXCLUDE, LATERAL VIEW, PREWHERE, CONNECT BY, CLUSTER/DISTRIBUTE/SORT BY, QUALIFY or FROM-first SELECT",
            ));
        }
        if !optimizer_hints.is_empty() {
            // Hints live in comments: comments never leave.
            optimizer_hints.clear();
            self.hints_removed = true;
        }
        self.scopes.push(Scope::default());
        for item in from.iter_mut() {
            self.relations(item)?;
        }
        for item in from.iter_mut() {
            self.conditions(item)?;
        }
        let mut aliases = Vec::new();
        for item in projection {
            match item {
                SelectItem::UnnamedExpr(e) => self.expr(e)?,
                SelectItem::ExprWithAlias { expr, alias } => {
                    self.expr(expr)?;
                    aliases.push(alias.value.to_ascii_lowercase());
                }
                SelectItem::ExprWithAliases { .. } => return Err(unsupported("a select item with several aliases")),
                SelectItem::Wildcard(options) => wildcard_options(options)?,
                SelectItem::QualifiedWildcard(kind, options) => {
                    wildcard_options(options)?;
                    match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(name) => self.qualified_wildcard(name)?,
                        SelectItemQualifiedWildcardKind::Expr(e) => self.expr(e)?,
                    }
                }
            }
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.aliases = aliases;
        }
        match distinct {
            Some(Distinct::On(exprs)) => self.exprs(exprs)?,
            Some(Distinct::All | Distinct::Distinct) | None => {}
        }
        if let Some(e) = selection {
            self.expr(e)?;
        }
        match group_by {
            GroupByExpr::Expressions(exprs, modifiers) => {
                self.exprs(exprs)?;
                for modifier in modifiers {
                    match modifier {
                        GroupByWithModifier::GroupingSets(e) => self.expr(e)?,
                        GroupByWithModifier::Rollup | GroupByWithModifier::Cube | GroupByWithModifier::Totals => {}
                    }
                }
            }
            GroupByExpr::All(_) => return Err(unsupported("GROUP BY ALL")),
        }
        if let Some(e) = having {
            self.expr(e)?;
        }
        for NamedWindowDefinition(_, window) in named_window {
            match window {
                NamedWindowExpr::WindowSpec(spec) => self.window(spec)?,
                NamedWindowExpr::NamedWindow(_) => {}
            }
        }
        if let Some(tail) = tail {
            self.tail(tail)?;
        }
        self.scopes.pop();
        Ok(())
    }

    fn tail(&mut self, tail: Tail<'_>) -> Result<()> {
        if let Some(OrderBy { kind, interpolate }) = tail.order_by {
            if interpolate.is_some() {
                return Err(unsupported("ORDER BY ... INTERPOLATE"));
            }
            match kind {
                OrderByKind::Expressions(list) => self.order_exprs(list)?,
                OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
            }
        }
        match tail.limit {
            Some(LimitClause::LimitOffset { limit, offset, limit_by }) => {
                if !limit_by.is_empty() {
                    return Err(unsupported("LIMIT ... BY"));
                }
                if let Some(e) = limit {
                    self.expr(e)?;
                }
                if let Some(Offset { value, rows: _ }) = offset {
                    self.expr(value)?;
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                self.expr(offset)?;
                self.expr(limit)?;
            }
            None => {}
        }
        if let Some(Fetch { quantity: Some(e), .. }) = tail.fetch {
            self.expr(e)?;
        }
        Ok(())
    }

    /// First pass over a FROM item: its relations, in scope for everything after.
    fn relations(&mut self, item: &mut TableWithJoins) -> Result<()> {
        self.factor(&mut item.relation)?;
        for join in &mut item.joins {
            if join.global {
                return Err(unsupported("GLOBAL JOIN"));
            }
            match &join.join_operator {
                JoinOperator::CrossApply
                | JoinOperator::OuterApply
                | JoinOperator::AsOf { .. }
                | JoinOperator::ArrayJoin
                | JoinOperator::LeftArrayJoin
                | JoinOperator::InnerArrayJoin => return Err(unsupported("APPLY, ASOF or ARRAY JOIN")),
                _ => {}
            }
            self.factor(&mut join.relation)?;
        }
        Ok(())
    }

    /// Second pass over a FROM item: join conditions and table-function arguments, with every relation in scope.
    fn conditions(&mut self, item: &mut TableWithJoins) -> Result<()> {
        self.factor_exprs(&mut item.relation)?;
        for join in &mut item.joins {
            self.factor_exprs(&mut join.relation)?;
            let constraint = match &mut join.join_operator {
                JoinOperator::Join(c)
                | JoinOperator::Inner(c)
                | JoinOperator::Left(c)
                | JoinOperator::LeftOuter(c)
                | JoinOperator::Right(c)
                | JoinOperator::RightOuter(c)
                | JoinOperator::FullOuter(c)
                | JoinOperator::CrossJoin(c)
                | JoinOperator::Semi(c)
                | JoinOperator::LeftSemi(c)
                | JoinOperator::RightSemi(c)
                | JoinOperator::Anti(c)
                | JoinOperator::LeftAnti(c)
                | JoinOperator::RightAnti(c)
                | JoinOperator::StraightJoin(c) => c,
                _ => return Err(unsupported("APPLY, ASOF or ARRAY JOIN")),
            };
            match constraint {
                JoinConstraint::On(e) => self.expr(e)?,
                JoinConstraint::Using(names) => {
                    for name in names.iter() {
                        let parts = name_parts(name)?;
                        if parts.len() != 1 {
                            return Err(unsupported("a qualified name in USING"));
                        }
                    }
                }
                JoinConstraint::Natural | JoinConstraint::None => {}
            }
        }
        Ok(())
    }

    fn factor(&mut self, factor: &mut TableFactor) -> Result<()> {
        let rel = match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality: _,
                partitions: _,
                json_path,
                sample,
                index_hints: _,
            } => {
                if !with_hints.is_empty() || version.is_some() || json_path.is_some() || sample.is_some() {
                    return Err(unsupported("table hints, time travel, JSON paths or TABLESAMPLE in FROM"));
                }
                if let Some(args) = args {
                    if args.settings.is_some() {
                        return Err(unsupported("SETTINGS in a table function"));
                    }
                    self.table_function(name, alias)?
                } else {
                    self.table(name, alias)?
                }
            }
            TableFactor::Function { lateral: _, name, args: _, with_ordinality: _, alias } => {
                self.table_function(name, alias)?
            }
            TableFactor::Derived { lateral: _, subquery, alias, sample } => {
                if sample.is_some() {
                    return Err(unsupported("TABLESAMPLE"));
                }
                self.query(subquery)?;
                let columns = alias.as_ref().and_then(alias_columns).or_else(|| output_columns(subquery));
                let name = alias.as_ref().map(|a| a.name.value.to_ascii_lowercase()).unwrap_or_default();
                Rel { name, columns, table: false }
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                self.relations(table_with_joins)?;
                let Some(alias) = alias else { return Ok(()) };
                Rel { name: alias.name.value.to_ascii_lowercase(), columns: alias_columns(alias), table: false }
            }
            TableFactor::UNNEST { alias, .. } => Rel {
                name: alias.as_ref().map(|a| a.name.value.to_ascii_lowercase()).unwrap_or_default(),
                columns: alias.as_ref().and_then(alias_columns),
                table: false,
            },
            _ => return Err(unsupported("this kind of FROM item")),
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.rels.push(rel);
        }
        Ok(())
    }

    fn factor_exprs(&mut self, factor: &mut TableFactor) -> Result<()> {
        match factor {
            TableFactor::Table { args: Some(args), .. } => {
                for arg in &mut args.args {
                    self.function_arg(arg)?;
                }
            }
            TableFactor::Function { args, .. } => {
                for arg in args {
                    self.function_arg(arg)?;
                }
            }
            TableFactor::UNNEST { array_exprs, .. } => self.exprs(array_exprs)?,
            TableFactor::NestedJoin { table_with_joins, .. } => self.conditions(table_with_joins)?,
            _ => {}
        }
        Ok(())
    }

    /// A table named in FROM: a CTE in scope, else a registered table; system catalogs only when allowed.
    fn table(&self, name: &ObjectName, alias: &Option<TableAlias>) -> Result<Rel> {
        let parts = name_parts(name)?;
        let written = parts.join(".");
        let alias_name = alias.as_ref().map(|a| a.name.value.to_ascii_lowercase());
        let renamed = alias.as_ref().and_then(alias_columns);
        let last = parts.last().map(|p| p.to_ascii_lowercase()).unwrap_or_default();
        if let [one] = parts.as_slice() {
            if let Some((_, columns)) = self.ctes.iter().rev().find(|(n, _)| n.eq_ignore_ascii_case(one)) {
                return Ok(Rel {
                    name: alias_name.unwrap_or(last),
                    columns: renamed.or_else(|| columns.clone()),
                    table: false,
                });
            }
        }
        if deny::system_relation(&parts) {
            if !self.allow_system_catalogs {
                return Err(refuse(format!("reads system catalog {written}")));
            }
            return Ok(Rel { name: alias_name.unwrap_or(last), columns: renamed, table: true });
        }
        let Some(table) = self.registered(&parts) else {
            return Err(refuse(format!("unknown table {written}: only the database's registered tables may be read")));
        };
        let columns = renamed.unwrap_or_else(|| table.columns.iter().map(|c| c.name.to_ascii_lowercase()).collect());
        Ok(Rel { name: alias_name.unwrap_or(last), columns: Some(columns), table: true })
    }

    /// The catalog table `parts` names: as catalogued (`schema.table` for PostgreSQL tables outside `public`), or
    /// in the default schema (`public.` on PostgreSQL, `main.` on SQLite). MySQL's `db.table` may name another
    /// database: only as catalogued.
    fn registered(&self, parts: &[&str]) -> Option<&'c Table> {
        if let Some(table) = self.catalog.table(&parts.join(".")) {
            return Some(table);
        }
        match (parts, self.dialect) {
            ([schema, table], Dialect::Postgres) if schema.eq_ignore_ascii_case("public") => self.catalog.table(table),
            ([schema, table], Dialect::Sqlite) if schema.eq_ignore_ascii_case("main") => self.catalog.table(table),
            _ => None,
        }
    }

    fn table_function(&self, name: &ObjectName, alias: &Option<TableAlias>) -> Result<Rel> {
        Self::function_name(name)?;
        let parts = name_parts(name)?;
        let last = parts.last().copied().unwrap_or_default();
        if parts.len() != 1 || !deny::table_function(last) {
            return Err(refuse(format!(
                "calls table function {}; only generate_series, unnest and the JSON set functions may stand in FROM",
                parts.join(".")
            )));
        }
        Ok(Rel {
            name: alias.as_ref().map_or_else(|| last.to_ascii_lowercase(), |a| a.name.value.to_ascii_lowercase()),
            columns: alias.as_ref().and_then(alias_columns),
            table: false,
        })
    }

    /// `t.*`: `t` must be a relation in scope.
    fn qualified_wildcard(&self, name: &ObjectName) -> Result<()> {
        let parts = name_parts(name)?;
        let last = parts.last().copied().unwrap_or_default();
        if self.rel(last).is_none() {
            return Err(Error::InvalidSql(format!("unknown table or alias {} in {}.*", last, parts.join("."))));
        }
        Ok(())
    }

    fn rel(&self, name: &str) -> Option<&Rel> {
        self.scopes.iter().rev().flat_map(|s| s.rels.iter().rev()).find(|r| r.name.eq_ignore_ascii_case(name))
    }

    fn function_name(name: &ObjectName) -> Result<()> {
        let parts = name_parts(name)?;
        let Some((last, schemas)) = parts.split_last() else { return Err(unsupported("a function without a name")) };
        if let Some(why) = deny::function(last) {
            return Err(refuse(format!("calls {}, which {why}", parts.join("."))));
        }
        // `schema.f()`, `package.f()`: user schemas' functions may write, system packages reach the network.
        if !schemas.is_empty() {
            return Err(refuse(format!(
                "calls {}: only functions without a schema or package may be called",
                parts.join(".")
            )));
        }
        Ok(())
    }

    fn exprs(&mut self, exprs: &mut [Expr]) -> Result<()> {
        exprs.iter_mut().try_for_each(|e| self.expr(e))
    }

    fn order_exprs(&mut self, list: &mut [OrderByExpr]) -> Result<()> {
        for OrderByExpr { expr, options: _, with_fill } in list {
            if with_fill.is_some() {
                return Err(unsupported("ORDER BY ... WITH FILL"));
            }
            self.expr(expr)?;
        }
        Ok(())
    }

    fn opt(&mut self, e: &mut Option<Box<Expr>>) -> Result<()> {
        match e {
            Some(e) => self.expr(e),
            None => Ok(()),
        }
    }

    /// Checks an expression and everything in it. The first operand of binary operators and the operand of
    /// postfix forms (`x IS NULL`, `x::t`, `x COLLATE c`) are followed in a loop: those chains grow to the left
    /// without limit in the parser.
    fn expr(&mut self, expr: &mut Expr) -> Result<()> {
        let saved = self.depth;
        let result = self.expr_chain(expr);
        self.depth = saved;
        result
    }

    fn expr_chain(&mut self, expr: &mut Expr) -> Result<()> {
        let mut e = expr;
        loop {
            self.deeper(1)?;
            e = match e {
                Expr::BinaryOp { left, op, right } => {
                    operator(op)?;
                    self.expr(right)?;
                    left
                }
                Expr::AnyOp { left, compare_op, right, .. } | Expr::AllOp { left, compare_op, right } => {
                    operator(compare_op)?;
                    self.expr(right)?;
                    left
                }
                Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
                    self.expr(b)?;
                    a
                }
                Expr::IsFalse(x)
                | Expr::IsNotFalse(x)
                | Expr::IsTrue(x)
                | Expr::IsNotTrue(x)
                | Expr::IsNull(x)
                | Expr::IsNotNull(x)
                | Expr::IsUnknown(x)
                | Expr::IsNotUnknown(x)
                | Expr::Nested(x)
                | Expr::UnaryOp { expr: x, op: _ }
                | Expr::Collate { expr: x, collation: _ }
                | Expr::Extract { expr: x, .. }
                | Expr::Ceil { expr: x, .. }
                | Expr::Floor { expr: x, .. }
                | Expr::IsJson { expr: x, .. }
                | Expr::IsNormalized { expr: x, .. }
                | Expr::Prefixed { value: x, prefix: _ } => x,
                Expr::Interval(interval) => &mut interval.value,
                Expr::Cast { expr, data_type, kind: _, format: _ } => {
                    data_type_allowed(data_type)?;
                    expr
                }
                Expr::Convert { expr, data_type, styles, charset: _, is_try: _, target_before_value: _ } => {
                    if let Some(data_type) = data_type {
                        data_type_allowed(data_type)?;
                    }
                    self.exprs(styles)?;
                    expr
                }
                Expr::AtTimeZone { timestamp, time_zone } => {
                    self.expr(time_zone)?;
                    timestamp
                }
                Expr::InList { expr, list, negated: _ } => {
                    self.exprs(list)?;
                    expr
                }
                Expr::InSubquery { expr, subquery, negated: _ } => {
                    self.query(subquery)?;
                    expr
                }
                Expr::Between { expr, low, high, negated: _ } => {
                    self.expr(low)?;
                    self.expr(high)?;
                    expr
                }
                Expr::Like { expr, pattern, escape_char, .. }
                | Expr::ILike { expr, pattern, escape_char, .. }
                | Expr::SimilarTo { expr, pattern, escape_char, .. } => {
                    self.expr(pattern)?;
                    self.opt(escape_char)?;
                    expr
                }
                Expr::RLike { expr, pattern, .. } => {
                    self.expr(pattern)?;
                    expr
                }
                Expr::Position { expr, r#in } => {
                    self.expr(r#in)?;
                    expr
                }
                Expr::Substring { expr, substring_from, substring_for, .. } => {
                    self.opt(substring_from)?;
                    self.opt(substring_for)?;
                    expr
                }
                Expr::Trim { expr, trim_what, trim_characters, trim_where: _ } => {
                    self.opt(trim_what)?;
                    if let Some(list) = trim_characters {
                        self.exprs(list)?;
                    }
                    expr
                }
                Expr::Overlay { expr, overlay_what, overlay_from, overlay_for } => {
                    self.expr(overlay_what)?;
                    self.expr(overlay_from)?;
                    self.opt(overlay_for)?;
                    expr
                }
                Expr::CompoundFieldAccess { root, access_chain } => {
                    for access in access_chain {
                        match access {
                            sqlparser::ast::AccessExpr::Dot(Expr::Identifier(_)) => {}
                            sqlparser::ast::AccessExpr::Dot(_) => return Err(unsupported("this field access")),
                            sqlparser::ast::AccessExpr::Subscript(Subscript::Index { index }) => self.expr(index)?,
                            sqlparser::ast::AccessExpr::Subscript(Subscript::Slice {
                                lower_bound,
                                upper_bound,
                                stride,
                            }) => {
                                for e in [lower_bound, upper_bound, stride].into_iter().flatten() {
                                    self.expr(e)?;
                                }
                            }
                        }
                    }
                    root
                }
                Expr::JsonAccess { value, path } => {
                    for element in &mut path.path {
                        match element {
                            sqlparser::ast::JsonPathElem::Bracket { key }
                            | sqlparser::ast::JsonPathElem::ColonBracket { key } => self.expr(key)?,
                            sqlparser::ast::JsonPathElem::Dot { .. } => {}
                        }
                    }
                    value
                }
                Expr::Case { operand, conditions, else_result, case_token: _, end_token: _ } => {
                    self.opt(operand)?;
                    for when in conditions {
                        self.expr(&mut when.condition)?;
                        self.expr(&mut when.result)?;
                    }
                    return self.opt(else_result);
                }
                Expr::Tuple(list) => return self.exprs(list),
                Expr::Array(array) => return self.exprs(&mut array.elem),
                Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) => {
                    for set in sets {
                        self.exprs(set)?;
                    }
                    return Ok(());
                }
                Expr::Exists { subquery, negated: _ } | Expr::Subquery(subquery) => return self.query(subquery),
                Expr::Function(function) => return self.function(function),
                Expr::Identifier(ident) => return self.column(std::slice::from_ref(ident)),
                Expr::CompoundIdentifier(parts) => return self.column(parts),
                Expr::Value(value) => return placeholder_free(&value.value),
                Expr::TypedString(typed) => return data_type_allowed(&typed.data_type),
                Expr::Wildcard(_) => return Ok(()),
                _ => return Err(unsupported("this kind of expression")),
            };
        }
    }

    fn function(&mut self, function: &mut Function) -> Result<()> {
        let Function { name, uses_odbc_syntax: _, parameters, args, within_group, filter, null_treatment: _, over } =
            function;
        Self::function_name(name)?;
        if !matches!(parameters, FunctionArguments::None) {
            return Err(unsupported("parametric functions"));
        }
        match args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(query) => self.query(query)?,
            FunctionArguments::List(FunctionArgumentList { duplicate_treatment: _, args, clauses }) => {
                for arg in args {
                    self.function_arg(arg)?;
                }
                for clause in clauses {
                    match clause {
                        FunctionArgumentClause::Where(e) | FunctionArgumentClause::Limit(e) => self.expr(e)?,
                        FunctionArgumentClause::Having(HavingBound(_, e)) => self.expr(e)?,
                        FunctionArgumentClause::OrderBy(list) => self.order_exprs(list)?,
                        FunctionArgumentClause::IgnoreOrRespectNulls(_)
                        | FunctionArgumentClause::Separator(_)
                        | FunctionArgumentClause::JsonNullClause(_)
                        | FunctionArgumentClause::JsonReturningClause(_) => {}
                        FunctionArgumentClause::OnOverflow(_) => return Err(unsupported("ON OVERFLOW")),
                    }
                }
            }
        }
        self.order_exprs(within_group)?;
        self.opt(filter)?;
        match over {
            Some(sqlparser::ast::WindowType::WindowSpec(spec)) => self.window(spec),
            Some(sqlparser::ast::WindowType::NamedWindow(_)) | None => Ok(()),
        }
    }

    fn function_arg(&mut self, arg: &mut FunctionArg) -> Result<()> {
        let arg = match arg {
            FunctionArg::Named { arg, name: _, operator: _ } => arg,
            FunctionArg::ExprNamed { name, arg, operator: _ } => {
                if !matches!(name, Expr::Identifier(_)) {
                    return Err(unsupported("a named argument whose name is an expression"));
                }
                arg
            }
            FunctionArg::Unnamed(arg) => arg,
        };
        match arg {
            FunctionArgExpr::Expr(e) => self.expr(e),
            FunctionArgExpr::QualifiedWildcard(name) => self.qualified_wildcard(name),
            FunctionArgExpr::Wildcard => Ok(()),
            FunctionArgExpr::WildcardWithOptions(_) => Err(unsupported("wildcard options in a function argument")),
        }
    }

    fn window(&mut self, spec: &mut WindowSpec) -> Result<()> {
        let WindowSpec { window_name: _, partition_by, order_by, window_frame } = spec;
        self.exprs(partition_by)?;
        self.order_exprs(order_by)?;
        if let Some(frame) = window_frame {
            for bound in std::iter::once(&mut frame.start_bound).chain(frame.end_bound.as_mut()) {
                match bound {
                    WindowFrameBound::Preceding(e) | WindowFrameBound::Following(e) => self.opt(e)?,
                    WindowFrameBound::CurrentRow => {}
                }
            }
        }
        Ok(())
    }

    /// A column reference: `c` must be a column of a relation in scope (or an output alias), `t.c` a column of
    /// the relation `t`. Where a relation's columns are unknown (a CTE over `*`), any name passes.
    fn column(&self, parts: &[Ident]) -> Result<()> {
        let Some((last, qualifier)) = parts.split_last() else { return Ok(()) };
        let name = last.value.as_str();
        if name.starts_with('@') {
            return Err(refuse(format!("reads server or session variable {name}")));
        }
        let written = || parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join(".");
        let rowid = |rel: &Rel| {
            rel.table
                && self.dialect == Dialect::Sqlite
                && ["rowid", "oid", "_rowid_"].iter().any(|r| r.eq_ignore_ascii_case(name))
        };
        let Some(qualifier) = qualifier.last() else {
            let (mut known, mut open) = (false, false);
            for scope in self.scopes.iter().rev() {
                open |= scope.open;
                known |= scope.aliases.iter().any(|a| a.eq_ignore_ascii_case(name));
                for rel in &scope.rels {
                    match &rel.columns {
                        Some(columns) => known |= columns.iter().any(|c| c.eq_ignore_ascii_case(name)) || rowid(rel),
                        None => open = true,
                    }
                    // PostgreSQL: a relation's name alone is its whole row.
                    known |= rel.name.eq_ignore_ascii_case(name);
                }
            }
            if known {
                return Ok(());
            }
            // MySQL and PostgreSQL read some functions without parentheses (`current_user`).
            if last.quote_style.is_none() {
                if let Some(why) = deny::function(name) {
                    return Err(refuse(format!("calls {name}, which {why}")));
                }
            }
            // SQLite reads a double-quoted name that is no column as a string literal.
            if open || (last.quote_style == Some('"') && self.dialect == Dialect::Sqlite) {
                return Ok(());
            }
            return Err(Error::InvalidSql(format!("unknown column {name}")));
        };
        let Some(rel) = self.rel(&qualifier.value) else {
            return Err(Error::InvalidSql(format!("unknown table or alias {} in {}", qualifier.value, written())));
        };
        match &rel.columns {
            Some(columns) if !columns.iter().any(|c| c.eq_ignore_ascii_case(name)) && !rowid(rel) => {
                Err(Error::InvalidSql(format!("unknown column {}", written())))
            }
            _ => Ok(()),
        }
    }
}

/// The parts of a name; only plain identifiers.
fn name_parts(name: &ObjectName) -> Result<Vec<&str>> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => Ok(ident.value.as_str()),
            ObjectNamePart::Function(_) => Err(unsupported("a name computed by a function")),
        })
        .collect()
}

fn wildcard_options(options: &WildcardAdditionalOptions) -> Result<()> {
    let WildcardAdditionalOptions {
        wildcard_token: _,
        opt_ilike,
        opt_exclude,
        opt_except,
        opt_replace,
        opt_rename,
        opt_alias,
    } = options;
    if opt_ilike.is_some()
        || opt_exclude.is_some()
        || opt_except.is_some()
        || opt_replace.is_some()
        || opt_rename.is_some()
        || opt_alias.is_some()
    {
        return Err(unsupported("* with ILIKE, EXCLUDE, EXCEPT, REPLACE, RENAME or an alias"));
    }
    Ok(())
}

fn operator(op: &sqlparser::ast::BinaryOperator) -> Result<()> {
    use sqlparser::ast::BinaryOperator as B;
    match op {
        B::Assignment => Err(refuse("assigns a variable (:=)")),
        B::Custom(_) | B::PGCustomBinaryOperator(_) => Err(unsupported("custom operators")),
        _ => Ok(()),
    }
}

fn placeholder_free(value: &Value) -> Result<()> {
    match value {
        Value::Placeholder(p) => {
            Err(Error::InvalidSql(format!("parameter placeholder {p}: send the SQL with its values written in")))
        }
        _ => Ok(()),
    }
}

/// Casts to PostgreSQL's `reg*` types look names up in the system catalog.
fn data_type_allowed(data_type: &sqlparser::ast::DataType) -> Result<()> {
    let text = data_type.to_string().to_ascii_lowercase();
    let last = text.rsplit('.').next().unwrap_or_default().trim_matches('"');
    if last.starts_with("reg") {
        return Err(refuse(format!("casts to {text}, which reads the system catalog")));
    }
    Ok(())
}

/// The columns an alias declares (`AS t(a, b)`), if it declares any.
fn alias_columns(alias: &TableAlias) -> Columns {
    (!alias.columns.is_empty()).then(|| alias.columns.iter().map(|c| c.name.value.to_ascii_lowercase()).collect())
}

/// The output column names of `query` (its first SELECT's select list); `None` when any is not a plain name.
fn output_columns(query: &Query) -> Columns {
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::Select(select) => {
                let mut names = Vec::new();
                for item in &select.projection {
                    let name = match item {
                        SelectItem::UnnamedExpr(Expr::Identifier(i)) => &i.value,
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => &parts.last()?.value,
                        SelectItem::ExprWithAlias { alias, .. } => &alias.value,
                        _ => return None,
                    };
                    names.push(name.to_ascii_lowercase());
                }
                return Some(names);
            }
            SetExpr::Query(q) => body = q.body.as_ref(),
            SetExpr::SetOperation { left, .. } => body = left,
            _ => return None,
        }
    }
}
