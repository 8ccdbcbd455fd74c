//! The SQL guard: nothing leaves the service unless it is one read-only query over the registered tables.
//!
//! Why it parses: read-only gates that look at the first word of the SQL (or a regular expression) have been
//! bypassed in other NL2SQL tools (`WITH x AS (DELETE ...)`, stacked statements, `SELECT pg_sleep(10)`,
//! `SELECT ... INTO OUTFILE`), and prompt injection turns into SQL injection. So the guard reads the SQL with
//! sqlparser in the database's dialect and checks the syntax tree:
//!
//! 1. exactly one statement, and it is a query: `SELECT`, `WITH … SELECT`, `VALUES` and set operations of them.
//!    No data-modifying CTE, no `SELECT INTO`, no locking clause (`FOR UPDATE` / `FOR SHARE`); `INTO OUTFILE`
//!    does not even parse;
//! 2. no function of the deny-list (`deny.rs`: sleeping, files, commands, other databases, settings, locks,
//!    sessions, server information) anywhere: select list, FROM (table functions), joins, WHERE, GROUP BY,
//!    HAVING, ORDER BY, LIMIT, window specifications, CASE, function arguments, subqueries and CTEs;
//! 3. no system catalog (`pg_catalog`, `information_schema`, `pg_*`, `sqlite_master`/`sqlite_schema`, `mysql.*`,
//!    `performance_schema.*`, `sys.*`) unless `[security] allow_system_catalogs` is on;
//! 4. only registered tables and their columns (CTE names and derived tables are fine);
//! 5. a LIMIT: added when missing (`[nl2sql] default_limit`), lowered to `[nl2sql] max_limit` when above.
//!
//! What leaves is not the text that came in but the syntax tree rendered again: comments (and MySQL optimizer
//! hints) never leave, and what runs is exactly what was checked. The rendering is parsed and checked once more
//! and must render to itself, so a quirk of the printer cannot smuggle anything past the checks.
//!
//! The walk is default-deny: a construct it does not know is refused as unsupported, never let through unseen.
//! It does not prevent a query from being slow: the read-only transaction and statement timeout where the SQL
//! runs do that (see docs/guard.md).

pub mod api;
mod deny;
mod walk;

use crate::catalog::{Catalog, Dialect};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::sql::{self, OneQuery};
use sqlparser::ast::{Expr, LimitClause, Query, Value};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

/// What the guard enforces, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// LIMIT added to a query without one (`[nl2sql] default_limit`).
    pub default_limit: u64,
    /// Largest LIMIT let through (`[nl2sql] max_limit`); larger ones are lowered to it.
    pub max_limit: u64,
    /// Whether system catalogs may be read (`[security] allow_system_catalogs`).
    pub allow_system_catalogs: bool,
}

impl Settings {
    /// The settings `config` holds.
    pub fn from_config(config: &Config) -> Self {
        Self {
            default_limit: config.nl2sql.default_limit,
            max_limit: config.nl2sql.max_limit,
            allow_system_catalogs: config.security.allow_system_catalogs,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::from_config(&Config::default())
    }
}

/// One thing the guard changed in an accepted query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `limit_added`, `limit_lowered` or `comments_removed`.
    pub rule: &'static str,
    /// What changed, in words.
    pub detail: String,
}

/// An accepted query: the SQL to run (re-rendered from the syntax tree) and what the guard changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guarded {
    /// The SQL that may run.
    pub sql: String,
    /// What was changed on the way, in order.
    pub changes: Vec<Change>,
}

impl Guarded {
    /// `[{rule, detail}]`.
    pub fn changes_json(&self) -> serde_json::Value {
        self.changes.iter().map(|c| serde_json::json!({"rule": c.rule, "detail": c.detail})).collect()
    }
}

/// A refusal: [`Error::UnsafeSql`] (422 `unsafe_sql`) with the reason.
fn refuse(reason: impl Into<String>) -> Error {
    let reason = reason.into();
    Error::UnsafeSql(format!("unsafe SQL: {reason}"))
}

/// A construct the guard does not check, so it does not let it through.
fn unsupported(what: &str) -> Error {
    refuse(format!("uses {what}, which the SQL guard does not allow"))
}

/// Checks `sql` for a database of `dialect` with `catalog`; the accepted query comes back re-rendered with its
/// LIMIT bounded. Refusals are [`Error::UnsafeSql`]; text that does not parse, unknown columns and parameter
/// placeholders are [`Error::InvalidSql`] (both 422).
pub fn check(sql_text: &str, dialect: Dialect, catalog: &Catalog, settings: &Settings) -> Result<Guarded> {
    let mut query = one_query(sql_text, dialect)?;
    let mut changes = Vec::new();
    let mut checker = walk::Checker::new(catalog, dialect, settings.allow_system_catalogs);
    checker.query(&mut query)?;
    if checker.hints_removed || has_comments(sql_text, dialect) {
        changes.push(Change { rule: "comments_removed", detail: "comments and optimizer hints removed".into() });
    }
    bound(&mut query, settings, &mut changes)?;
    let rendered = query.to_string();
    // What leaves is the rendering: it must read back as a query that passes and renders the same.
    let mut again = one_query(&rendered, dialect).map_err(|e| unfaithful(&e))?;
    walk::Checker::new(catalog, dialect, settings.allow_system_catalogs)
        .query(&mut again)
        .map_err(|e| unfaithful(&e))?;
    let mut none = Vec::new();
    bound(&mut again, settings, &mut none)?;
    if !none.is_empty() || again.to_string() != rendered {
        return Err(unfaithful(&Error::Internal("the rendering changed".into())));
    }
    Ok(Guarded { sql: rendered, changes })
}

fn unfaithful(e: &Error) -> Error {
    refuse(format!("the query does not read back the same once re-rendered ({e}); write it more plainly"))
}

/// The one statement of `sql_text`, which must be a query. Only sqlparser's query grammar is used
/// ([`sql::parse_first_query`]): anything else is refused from its first words, unparsed, which keeps the
/// statement grammar (a third of sqlparser) out of the edge builds.
fn one_query(sql_text: &str, dialect: Dialect) -> Result<Box<Query>> {
    match sql::parse_first_query(sql_text, dialect)? {
        (_, true) => Err(refuse("more than one statement; only one query may run")),
        (OneQuery::Query(query), false) => Ok(query),
        (OneQuery::NotAQuery(kind), false) => {
            let what = match kind.split(' ').next().unwrap_or_default() {
                "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "REPLACE" | "COPY" | "UPSERT" => "writes data",
                "CREATE" | "ALTER" | "DROP" | "TRUNCATE" | "RENAME" | "COMMENT" => "changes the schema",
                _ => "is not a query",
            };
            Err(refuse(format!("{what} ({kind}); only SELECT, WITH … SELECT and VALUES may run")))
        }
    }
}

/// Whether `sql_text` holds comments (which the rendering drops).
fn has_comments(sql_text: &str, dialect: Dialect) -> bool {
    let Ok(tokens) = Tokenizer::new(sql::parser_dialect(dialect), sql_text).tokenize() else { return false };
    tokens
        .iter()
        .any(|t| matches!(t, Token::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_))))
}

/// Adds the default LIMIT to the statement's query when it has none; lowers one above the maximum. FETCH FIRST
/// counts as a limit.
fn bound(query: &mut Query, settings: &Settings, changes: &mut Vec<Change>) -> Result<()> {
    if let Some(fetch) = &mut query.fetch {
        if fetch.percent {
            return Err(refuse("FETCH FIRST … PERCENT has no row bound; use LIMIT"));
        }
        return match &mut fetch.quantity {
            Some(quantity) => lower(quantity, settings, changes),
            None => Ok(()),
        };
    }
    let limit = match &mut query.limit_clause {
        Some(LimitClause::LimitOffset { limit: Some(limit), .. } | LimitClause::OffsetCommaLimit { limit, .. }) => {
            return lower(limit, settings, changes);
        }
        Some(LimitClause::LimitOffset { limit, .. }) => limit,
        None => {
            query.limit_clause = Some(LimitClause::LimitOffset { limit: None, offset: None, limit_by: Vec::new() });
            match &mut query.limit_clause {
                Some(LimitClause::LimitOffset { limit, .. }) => limit,
                _ => return Err(Error::Internal("LIMIT clause just set".into())),
            }
        }
    };
    *limit = Some(number(settings.default_limit));
    changes.push(Change {
        rule: "limit_added",
        detail: format!("LIMIT {} added (nl2sql.default_limit)", settings.default_limit),
    });
    Ok(())
}

/// Lowers a literal row count above the maximum; anything but a whole number is refused (SQLite reads a
/// negative LIMIT as none at all).
fn lower(limit: &mut Expr, settings: &Settings, changes: &mut Vec<Change>) -> Result<()> {
    let rows = match limit {
        Expr::Value(value) => match &value.value {
            Value::Number(text, _) => text.to_string().parse::<u64>().ok(),
            _ => None,
        },
        _ => None,
    };
    let Some(rows) = rows else {
        return Err(refuse(format!("LIMIT {} is not a whole number of rows", sql::shorten(&limit.to_string(), 40))));
    };
    if rows > settings.max_limit {
        *limit = number(settings.max_limit);
        changes.push(Change {
            rule: "limit_lowered",
            detail: format!("LIMIT {rows} lowered to {} (nl2sql.max_limit)", settings.max_limit),
        });
    }
    Ok(())
}

fn number(n: u64) -> Expr {
    Expr::Value(Value::Number(n.to_string(), false).with_empty_span())
}

#[cfg(test)]
mod tests;
