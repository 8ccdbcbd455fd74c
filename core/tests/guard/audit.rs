//! An audit of what the SQL guard let through, independent of its walk: the guard's output is parsed again and
//! visited with sqlparser's own `Visit` (which reaches every node by construction), and judged by this file's
//! own, deliberately broader, rules. A finding on accepted SQL is a bypass.

use nl2sql_core::catalog::{Catalog, Dialect};
use sqlparser::ast::{
    Expr, LimitClause, ObjectName, ObjectNamePart, Query, Select, SetExpr, Statement, TableFactor, Value, Visit,
    Visitor,
};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
use std::ops::ControlFlow;

/// Substrings of function names that sleep, touch files, run things, lock, reach out or reveal the server.
/// Broader than the guard's deny-list on purpose.
const DANGEROUS: &[&str] = &[
    "sleep",
    "benchmark",
    "file",
    "exec",
    "eval",
    "lock",
    "xml",
    "dblink",
    "extension",
    "setting",
    "config",
    "version",
    "user",
    "database",
    "schema",
    "backend",
    "pragma",
    "waitfor",
    "shell",
    "system",
    "dir",
    "load",
    "write",
    "tokenizer",
    "zip",
    "connection",
    "privilege",
    "sys_",
    "lo_",
    "pg_",
    "sqlite_",
    "inet_",
    "txid",
    "nextval",
    "setval",
    "to_reg",
    "current_s",
    "current_r",
    "current_q",
    "current_c",
    "edit",
    "import",
    "export",
    "sqlar",
    "fsdir",
    "openrowset",
    "opendatasource",
    "utl_",
    "dbms_",
    "xp_",
];

/// Functions SQL reads without parentheses.
const NILADIC: &[&str] =
    &["current_user", "session_user", "system_user", "current_role", "current_schema", "current_catalog", "user"];

/// Table-valued functions an accepted query may read.
const TABLE_FUNCTIONS: &[&str] = &["generate_series", "json_each", "json_tree", "unnest"];

const SYSTEM_SCHEMAS: &[&str] = &["pg_catalog", "information_schema", "mysql", "performance_schema", "sys"];

fn parser_dialect(dialect: Dialect) -> Box<dyn sqlparser::dialect::Dialect> {
    match dialect {
        Dialect::Sqlite => Box::new(SQLiteDialect {}),
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::Mysql => Box::new(MySqlDialect {}),
    }
}

/// What is wrong with `sql` as the guard's output for `catalog`: empty when it is one bounded, comment-free,
/// read-only query over registered tables that calls nothing dangerous.
pub(crate) fn audit(sql: &str, dialect: Dialect, catalog: &Catalog, max_limit: u64) -> Vec<String> {
    let parser = parser_dialect(dialect);
    let statements = match Parser::parse_sql(parser.as_ref(), sql) {
        Ok(s) => s,
        Err(e) => return vec![format!("the output does not parse: {e}")],
    };
    let mut findings = Vec::new();
    if statements.len() != 1 {
        findings.push(format!("{} statements", statements.len()));
    }
    match Tokenizer::new(parser.as_ref(), sql).tokenize() {
        Ok(tokens) => {
            if tokens.iter().any(|t| {
                matches!(t, Token::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_)))
            }) {
                findings.push("a comment".into());
            }
        }
        Err(e) => findings.push(format!("the output does not tokenize: {e}")),
    }
    for statement in &statements {
        match statement {
            Statement::Query(query) => bounded(query, max_limit, &mut findings),
            _ => findings.push("not a query".into()),
        }
        let mut auditor = Auditor { catalog, ctes: Vec::new(), functions: Vec::new(), findings: Vec::new() };
        collect_ctes(statement, &mut auditor.ctes);
        let _ = statement.visit(&mut auditor);
        findings.extend(auditor.findings);
    }
    findings
}

/// The statement's own LIMIT (or FETCH FIRST) is a literal at most `max`.
fn bounded(query: &Query, max: u64, findings: &mut Vec<String>) {
    let limit = match (&query.limit_clause, &query.fetch) {
        (Some(LimitClause::LimitOffset { limit: Some(e), .. } | LimitClause::OffsetCommaLimit { limit: e, .. }), _) => {
            Some(e)
        }
        (_, Some(fetch)) => fetch.quantity.as_ref(),
        _ => None,
    };
    let rows = match limit {
        Some(Expr::Value(v)) => match &v.value {
            Value::Number(n, _) => n.parse::<u64>().ok(),
            _ => None,
        },
        _ => None,
    };
    match rows {
        Some(n) if n <= max => {}
        _ => findings.push(format!("no LIMIT within {max}")),
    }
}

/// Every CTE name anywhere in the statement (names, not scopes: a relation named like a CTE is not a table).
fn collect_ctes(statement: &Statement, out: &mut Vec<String>) {
    struct Ctes<'o>(&'o mut Vec<String>);
    impl Visitor for Ctes<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                self.0.extend(with.cte_tables.iter().map(|c| c.alias.name.value.to_ascii_lowercase()));
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Ctes(out));
}

struct Auditor<'c> {
    catalog: &'c Catalog,
    ctes: Vec<String>,
    /// Table-function names seen in FROM (their names are visited as relations too).
    functions: Vec<String>,
    findings: Vec<String>,
}

fn parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => i.value.to_ascii_lowercase(),
            ObjectNamePart::Function(_) => "<function>".into(),
        })
        .collect()
}

impl Visitor for Auditor<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<()> {
        if !matches!(statement, Statement::Query(_)) {
            self.findings.push("a statement that is not a query".into());
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if !query.locks.is_empty() {
            self.findings.push("a locking clause".into());
        }
        let mut bodies = vec![query.body.as_ref()];
        while let Some(body) = bodies.pop() {
            match body {
                SetExpr::SetOperation { left, right, .. } => bodies.extend([left.as_ref(), right.as_ref()]),
                SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                    self.findings.push("a data-modifying query".into())
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        if select.into.is_some() {
            self.findings.push("SELECT INTO".into());
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        let name = match factor {
            TableFactor::Table { name, args: Some(_), .. } | TableFactor::Function { name, .. } => name,
            _ => return ControlFlow::Continue(()),
        };
        let name = parts(name).join(".");
        if !TABLE_FUNCTIONS.contains(&name.as_str()) {
            self.findings.push(format!("table function {name}"));
        }
        self.functions.push(name);
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        let parts = parts(relation);
        let written = parts.join(".");
        if self.functions.contains(&written) {
            return ControlFlow::Continue(());
        }
        let last = parts.last().cloned().unwrap_or_default();
        let system = parts.iter().any(|p| SYSTEM_SCHEMAS.contains(&p.as_str()))
            || last.starts_with("pg_")
            || last.starts_with("sqlite_");
        let cte = parts.len() == 1 && self.ctes.contains(&last);
        let default_schema = parts.len() == 1 || (parts.len() == 2 && ["public", "main"].contains(&parts[0].as_str()));
        let registered = default_schema && self.catalog.table(&last).is_some();
        if !cte && (system || !registered) {
            self.findings.push(format!("relation {written}"));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Function(f) => {
                if f.name.0.len() > 1 {
                    self.findings.push(format!("qualified function {}", f.name));
                }
                let name = parts(&f.name).join(".");
                if let Some(bad) = DANGEROUS.iter().find(|d| name.contains(*d)) {
                    self.findings.push(format!("function {name} ({bad})"));
                }
            }
            Expr::Cast { data_type, .. } if data_type.to_string().to_ascii_lowercase().contains("reg") => {
                self.findings.push(format!("cast to {data_type}"));
            }
            Expr::Identifier(ident) if ident.value.starts_with('@') => {
                self.findings.push(format!("variable {}", ident.value));
            }
            // MySQL reads these without parentheses as calls.
            Expr::Identifier(ident)
                if ident.quote_style.is_none() && NILADIC.contains(&ident.value.to_ascii_lowercase().as_str()) =>
            {
                self.findings.push(format!("niladic function {}", ident.value));
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
