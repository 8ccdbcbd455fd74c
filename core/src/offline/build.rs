//! SQL rendering: a [`Plan`] (tables, output expressions, filters, grouping, ordering, limit) becomes one
//! SELECT in the catalog's dialect, with a plain-English account of what it does.

use super::joins::{self, Graph, Step};
use super::lexicon::snake;
use crate::catalog::{Catalog, Dialect};
use crate::error::{Error, Result};
use crate::words::words_of;

/// A column: table index, column index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ColRef {
    pub(crate) table: usize,
    pub(crate) column: usize,
}

/// Aggregate functions over a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Avg,
    Sum,
    Max,
    Min,
}

impl Func {
    fn sql(self) -> &'static str {
        match self {
            Self::Avg => "AVG",
            Self::Sum => "SUM",
            Self::Max => "MAX",
            Self::Min => "MIN",
        }
    }

    fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::Avg => ("avg", "average"),
            Self::Sum => ("sum", "total"),
            Self::Max => ("max", "largest"),
            Self::Min => ("min", "smallest"),
        }
    }
}

/// An output or ordering expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expr {
    Col(ColRef),
    /// The number of rows of a table: `COUNT(*)`, or `COUNT(DISTINCT key)` when the joins repeat its rows.
    CountRows(usize),
    CountDistinct(ColRef),
    Agg(Func, ColRef),
}

impl Expr {
    pub(crate) fn is_aggregate(self) -> bool {
        !matches!(self, Self::Col(_))
    }

    fn table(self) -> Option<usize> {
        match self {
            Self::Col(c) | Self::CountDistinct(c) | Self::Agg(_, c) => Some(c.table),
            Self::CountRows(t) => Some(t),
        }
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// `LIKE '%value%'`.
    Contains,
    /// `IN (...)` of a [`Lit::List`].
    In,
}

impl Op {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "<>",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Contains => "LIKE",
            Self::In => "IN",
        }
    }
}

/// A literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lit {
    Str(String),
    /// Digits with an optional decimal point, as validated by the tokenizer.
    Num(String),
    /// Strings, for `IN`.
    List(Vec<String>),
}

/// `col op value` in the WHERE clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub(crate) col: ColRef,
    pub(crate) op: Op,
    pub(crate) value: Lit,
}

/// Everything the SELECT is made of.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Plan {
    pub(crate) root: usize,
    /// Tables to join even though no expression uses them.
    pub(crate) joined: Vec<usize>,
    /// Output expressions; empty means every column of `root`.
    pub(crate) select: Vec<Expr>,
    pub(crate) filters: Vec<Filter>,
    pub(crate) group_by: Vec<ColRef>,
    pub(crate) having: Option<(Expr, Op, Lit)>,
    /// Expressions and whether descending.
    pub(crate) order_by: Vec<(Expr, bool)>,
    pub(crate) limit: u64,
}

/// The rendered query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub(crate) sql: String,
    pub(crate) explanation: String,
    pub(crate) tables: Vec<String>,
    pub(crate) joins: usize,
}

/// A plan with its joins resolved, ready to print as SQL or as English.
pub(crate) struct Writer<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) plan: &'a Plan,
    pub(crate) steps: Vec<Step>,
}

impl Writer<'_> {
    /// Plain-English name of an expression.
    pub(crate) fn describe(&self, e: Expr) -> String {
        let col = |c: ColRef| format!("{}.{}", self.table_name(c.table), self.col_name(c));
        match e {
            Expr::Col(c) => col(c),
            Expr::CountRows(t) => format!("the number of {} rows", self.table_name(t)),
            Expr::CountDistinct(c) => format!("the number of distinct {} values", col(c)),
            Expr::Agg(f, c) => format!("the {} {}", f.words().1, col(c)),
        }
    }

    /// Whether the SELECT needs DISTINCT: a plain listing whose joins can repeat the root's rows.
    pub(crate) fn distinct(&self) -> bool {
        let listing = self.plan.group_by.is_empty() && !self.plan.select.iter().any(|e| e.is_aggregate());
        listing && joins::repeats(self.catalog, &self.steps, self.plan.root)
    }

    fn q(&self, ident: &str) -> String {
        self.catalog.dialect.quote(ident)
    }

    fn qt(&self, table: &str) -> String {
        self.catalog.dialect.quote_table(table)
    }

    pub(crate) fn table_name(&self, t: usize) -> &str {
        &self.catalog.tables[t].name
    }

    pub(crate) fn col_name(&self, c: ColRef) -> &str {
        &self.catalog.tables[c.table].columns[c.column].name
    }

    fn col(&self, c: ColRef) -> String {
        let column = self.q(self.col_name(c));
        if self.steps.is_empty() { column } else { format!("{}.{column}", self.qt(self.table_name(c.table))) }
    }

    fn expr(&self, e: Expr) -> String {
        match e {
            Expr::Col(c) => self.col(c),
            Expr::CountRows(t) => {
                let table = &self.catalog.tables[t];
                match table.primary_key.as_slice() {
                    [key] if joins::repeats(self.catalog, &self.steps, t) => {
                        let column = table.columns.iter().position(|c| c.name.eq_ignore_ascii_case(key));
                        let key = column.map_or_else(|| self.q(key), |column| self.col(ColRef { table: t, column }));
                        format!("COUNT(DISTINCT {key})")
                    }
                    _ => "COUNT(*)".to_owned(),
                }
            }
            Expr::CountDistinct(c) => format!("COUNT(DISTINCT {})", self.col(c)),
            Expr::Agg(f, c) => format!("{}({})", f.sql(), self.col(c)),
        }
    }

    fn alias(&self, e: Expr) -> Option<String> {
        match e {
            Expr::Col(c) => {
                let name = self.col_name(c);
                let clash = (self.plan.select.iter())
                    .any(|o| matches!(o, Expr::Col(d) if *d != c && self.col_name(*d).eq_ignore_ascii_case(name)));
                clash.then(|| format!("{}_{}", snake(self.table_name(c.table)), snake(name)))
            }
            Expr::CountRows(t) => Some(format!("{}_count", words_of(self.table_name(t)).join("_"))),
            Expr::CountDistinct(c) => Some(format!("{}_count", words_of(self.col_name(c)).join("_"))),
            Expr::Agg(f, c) => Some(format!("{}_{}", f.words().0, snake(self.col_name(c)))),
        }
    }

    pub(crate) fn literal(&self, lit: &Lit, op: Op) -> String {
        let quote = |s: &str| {
            let s = if self.catalog.dialect == Dialect::Mysql { s.replace('\\', "\\\\") } else { s.to_owned() };
            format!("'{}'", s.replace('\'', "''"))
        };
        match lit {
            Lit::Num(n) => n.clone(),
            Lit::Str(s) if op == Op::Contains => quote(&format!("%{s}%")),
            Lit::Str(s) => quote(s),
            Lit::List(items) => format!("({})", items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")),
        }
    }

    fn sql(&self) -> String {
        let plan = self.plan;
        let root = self.qt(self.table_name(plan.root));
        let mut sql = String::from("SELECT ");
        if self.distinct() {
            sql.push_str("DISTINCT ");
        }
        let items: Vec<String> = (plan.select.iter())
            .map(|&e| match self.alias(e) {
                Some(alias) => format!("{} AS {}", self.expr(e), self.q(&alias)),
                None => self.expr(e),
            })
            .collect();
        match (items.is_empty(), self.steps.is_empty()) {
            (false, _) => sql.push_str(&items.join(", ")),
            (true, true) => sql.push('*'),
            (true, false) => sql.push_str(&format!("{root}.*")),
        }
        sql.push_str(&format!(" FROM {root}"));
        for step in &self.steps {
            let (child, parent) =
                (self.qt(self.table_name(step.edge.child)), self.qt(self.table_name(step.edge.parent)));
            let on: Vec<String> = (step.edge.pairs(self.catalog).into_iter())
                .map(|(c, p)| format!("{child}.{} = {parent}.{}", self.q(c), self.q(p)))
                .collect();
            sql.push_str(&format!(" JOIN {} ON {}", self.qt(self.table_name(step.table)), on.join(" AND ")));
        }
        if !plan.filters.is_empty() {
            let conditions: Vec<String> = (plan.filters.iter())
                .map(|f| format!("{} {} {}", self.col(f.col), f.op.sql(), self.literal(&f.value, f.op)))
                .collect();
            sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
        }
        if !plan.group_by.is_empty() {
            let keys: Vec<String> = plan.group_by.iter().map(|&c| self.col(c)).collect();
            sql.push_str(&format!(" GROUP BY {}", keys.join(", ")));
        }
        if let Some((e, op, lit)) = &plan.having {
            sql.push_str(&format!(" HAVING {} {} {}", self.expr(*e), op.sql(), self.literal(lit, *op)));
        }
        if !plan.order_by.is_empty() {
            let keys: Vec<String> = (plan.order_by.iter())
                .map(|&(e, desc)| {
                    let key = match self.alias(e) {
                        Some(alias) if plan.select.contains(&e) => self.q(&alias),
                        _ => self.expr(e),
                    };
                    if desc { format!("{key} DESC") } else { key }
                })
                .collect();
            sql.push_str(&format!(" ORDER BY {}", keys.join(", ")));
        }
        sql.push_str(&format!(" LIMIT {}", plan.limit));
        sql
    }
}

/// Renders `plan` for `catalog.dialect`. Errs when a needed table has no foreign-key path to the root.
pub(crate) fn render(plan: &Plan, catalog: &Catalog, graph: &Graph) -> Result<Rendered> {
    let mut wanted: Vec<usize> = plan.joined.clone();
    let used = (plan.select.iter().copied())
        .chain(plan.order_by.iter().map(|(e, _)| *e))
        .chain(plan.having.iter().map(|(e, _, _)| *e))
        .filter_map(Expr::table)
        .chain(plan.filters.iter().map(|f| f.col.table))
        .chain(plan.group_by.iter().map(|c| c.table));
    for t in used {
        if t != plan.root && !wanted.contains(&t) {
            wanted.push(t);
        }
    }
    let steps = joins::tree(graph, plan.root, &wanted).map_err(|t| {
        Error::Untranslatable(format!(
            "no foreign-key path connects table `{}` to table `{}`",
            catalog.tables[plan.root].name, catalog.tables[t].name
        ))
    })?;
    let writer = Writer { catalog, plan, steps };
    let mut tables = vec![catalog.tables[plan.root].name.clone()];
    tables.extend(writer.steps.iter().map(|s| catalog.tables[s.table].name.clone()));
    Ok(Rendered { sql: writer.sql(), explanation: super::explain::explain(&writer), tables, joins: writer.steps.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(dialect: Dialect) -> Catalog {
        let mut catalog: Catalog = serde_json::from_value(serde_json::json!({
            "dialect": "sqlite",
            "tables": [
                {"name": "Artist", "columns": [
                    {"name": "ArtistId", "data_type": "INTEGER", "nullable": false},
                    {"name": "Name", "data_type": "TEXT", "nullable": true}], "primary_key": ["ArtistId"]},
                {"name": "Album", "columns": [
                    {"name": "AlbumId", "data_type": "INTEGER", "nullable": false},
                    {"name": "Name", "data_type": "TEXT", "nullable": false},
                    {"name": "ArtistId", "data_type": "INTEGER", "nullable": false}], "primary_key": ["AlbumId"],
                 "foreign_keys": [{"columns": ["ArtistId"], "ref_table": "Artist", "ref_columns": []}]}
            ]
        }))
        .expect("a valid catalog literal");
        catalog.dialect = dialect;
        catalog
    }

    fn sql(plan: &Plan, dialect: Dialect) -> String {
        let catalog = catalog(dialect);
        render(plan, &catalog, &Graph::new(&catalog)).expect("renders").sql
    }

    #[test]
    fn joins_qualify_and_alias_clashing_names() {
        let (artist_name, album_name) = (ColRef { table: 0, column: 1 }, ColRef { table: 1, column: 1 });
        let plan = Plan {
            root: 1,
            select: vec![Expr::Col(album_name), Expr::Col(artist_name)],
            filters: vec![Filter { col: artist_name, op: Op::Eq, value: Lit::Str(r"It's \o/".into()) }],
            limit: 5,
            ..Plan::default()
        };
        assert_eq!(
            sql(&plan, Dialect::Mysql),
            r"SELECT Album.Name AS album_name, Artist.Name AS artist_name FROM Album JOIN Artist ON Album.ArtistId = Artist.ArtistId WHERE Artist.Name = 'It''s \\o/' LIMIT 5"
        );
        assert!(sql(&plan, Dialect::Sqlite).contains(r"= 'It''s \o/'"));
    }

    #[test]
    fn counts_of_repeated_rows_are_distinct() {
        let artist_name = ColRef { table: 0, column: 1 };
        let plan = Plan {
            root: 0,
            joined: vec![1],
            select: vec![Expr::CountRows(0)],
            group_by: vec![],
            having: None,
            order_by: vec![(Expr::Col(artist_name), true)],
            limit: 1,
            ..Plan::default()
        };
        assert_eq!(
            sql(&plan, Dialect::Postgres),
            r#"SELECT COUNT(DISTINCT "Artist"."ArtistId") AS artist_count FROM "Artist" JOIN "Album" ON "Album"."ArtistId" = "Artist"."ArtistId" ORDER BY "Artist"."Name" DESC LIMIT 1"#
        );
    }
}
