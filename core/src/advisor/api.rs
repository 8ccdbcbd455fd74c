//! The advisor routes (the router dispatches, these handle):
//!
//! - `POST /api/nl2sql/advisor/analyze` `{sql, database?, dialect?}`: the [`Report`] of one statement.
//! - `POST /api/nl2sql/advisor/recommend-indexes` `{sql | queries, database?, dialect?}`: de-duplicated index
//!   recommendations for one statement or a workload ([`IndexAdvice`]).
//!
//! With a `database`, the registered catalog (keys, indexes, types) and the stored statistics of the tables the
//! SQL reads are used (`use_metadata`, `use_statistics`); without one, the SQL is read in `dialect` (PostgreSQL
//! by default) with no catalog and PostgreSQL's default estimates. Syntax errors are 422 `invalid_sql` with the
//! line and column; a statement that is not a query is a report of kind `not_a_query`.

use super::{Context, IndexAdvice, Report, Settings};
use crate::api::{AdvisorAnalyzeRequest, AdvisorRecommendRequest, Request, Response};
use crate::catalog::{Catalog, Dialect};
use crate::databases::{self, partition};
use crate::error::{Error, Result};
use crate::order::LeanSort as _;
use crate::ports::Ports;
use crate::sql;
use crate::stats::model::TableStats;
use crate::stats::state;
use sqlparser::ast::Statement;

/// Statements a workload may hold.
pub const MAX_WORKLOAD: usize = 1000;

/// What the SQL is analysed against.
#[derive(Debug, Clone)]
pub struct Target {
    /// Its dialect.
    pub dialect: Dialect,
    /// The registered database's name and catalog.
    pub database: Option<(String, Catalog)>,
}

impl Target {
    /// The registered `database` (dialect checked against `dialect`), or just `dialect`.
    pub async fn resolve(
        ports: &Ports<'_>,
        tenant: &str,
        database: Option<&str>,
        dialect: Option<&str>,
    ) -> Result<Self> {
        let dialect = match dialect {
            Some(d) => Some(Dialect::parse(d).ok_or_else(|| {
                Error::bad_request("invalid_dialect", format!("unknown dialect `{d}`; use sqlite, postgres or mysql"))
            })?),
            None => None,
        };
        let Some(name) = database else {
            return Ok(Self { dialect: dialect.unwrap_or(Dialect::Postgres), database: None });
        };
        let (record, schema) = databases::load(ports, tenant, name).await?;
        if let Some(d) = dialect.filter(|d| *d != record.dialect) {
            return Err(Error::bad_request(
                "dialect_mismatch",
                format!("database `{name}` is {:?}, not {d:?}; leave `dialect` out", record.dialect),
            ));
        }
        Ok(Self { dialect: record.dialect, database: Some((record.name, schema.catalog)) })
    }

    /// The catalog, when a database was named and `use_metadata` is on.
    pub fn catalog<'c>(&'c self, ports: &Ports<'_>) -> Option<&'c Catalog> {
        self.database.as_ref().map(|(_, c)| c).filter(|_| ports.config.nl2sql.advisor.use_metadata)
    }

    /// The stored statistics of `tables` (those collected), when `use_statistics` is on.
    pub async fn stats(&self, ports: &Ports<'_>, tenant: &str, tables: &[String]) -> Result<Vec<TableStats>> {
        let Some((name, catalog)) = &self.database else { return Ok(Vec::new()) };
        if !ports.config.nl2sql.advisor.use_statistics {
            return Ok(Vec::new());
        }
        let pk = partition(tenant, name);
        let mut out = Vec::new();
        for table in tables {
            // Statistics are stored under the catalog's spelling of the name.
            let Some(known) = catalog.table(table) else { continue };
            if let Some(stats) = state::load_stats(ports, &pk, &known.name).await? {
                out.push(stats);
            }
        }
        Ok(out)
    }
}

fn enabled(ports: &Ports<'_>) -> Result<()> {
    if ports.config.nl2sql.advisor.enabled {
        Ok(())
    } else {
        Err(Error::bad_request("advisor_disabled", "the code advisor is disabled ([nl2sql.advisor] enabled = false)"))
    }
}

/// `POST /api/nl2sql/advisor/analyze`.
pub async fn analyze(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    enabled(ports)?;
    let body: AdvisorAnalyzeRequest = req.json()?;
    let target = Target::resolve(ports, tenant, body.database.as_deref(), body.dialect.as_deref()).await?;
    let report = analyze_sql(ports, tenant, &target, &body.sql).await?;
    Ok(Response::json(200, &report))
}

/// Analyses `sql` against `target` with its stored statistics (the translate use case calls this too).
pub async fn analyze_sql(ports: &Ports<'_>, tenant: &str, target: &Target, sql_text: &str) -> Result<Report> {
    let statement = parse(sql_text, target.dialect)?;
    let catalog = target.catalog(ports);
    let tables = statement.as_ref().map(|s| super::tables(s, catalog)).unwrap_or_default();
    let stats = target.stats(ports, tenant, &tables).await?;
    let context = Context::new(target.dialect, catalog, &stats, Settings::from_config(ports.config));
    match statement {
        Ok(statement) => Ok(super::analyze_statement(sql_text, &statement, &context)),
        Err(kind) => Ok(super::not_a_query(kind, &context)),
    }
}

/// One statement through sqlparser's query grammar only ([`sql::parse_query`]): a query, or `Err` with the kind
/// of any other statement, which is not parsed (the statement grammar stays out of the edge builds).
fn parse(sql_text: &str, dialect: Dialect) -> Result<std::result::Result<Statement, String>> {
    Ok(match sql::parse_query(sql_text, dialect)? {
        sql::OneQuery::Query(query) => Ok(Statement::Query(query)),
        sql::OneQuery::NotAQuery(kind) => Err(kind),
    })
}

/// `POST /api/nl2sql/advisor/recommend-indexes`.
pub async fn recommend(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    enabled(ports)?;
    let body: AdvisorRecommendRequest = req.json()?;
    let (queries, workload) = match (body.sql, body.queries) {
        (Some(sql), None) => (vec![sql], false),
        (None, Some(queries)) if queries.is_empty() => {
            return Err(Error::bad_request("empty_workload", "queries must hold at least one statement"));
        }
        (None, Some(queries)) if queries.len() > MAX_WORKLOAD => {
            return Err(Error::bad_request(
                "workload_too_large",
                format!("{} queries; a workload holds at most {MAX_WORKLOAD}", queries.len()),
            ));
        }
        (None, Some(queries)) => (queries, true),
        _ => return Err(Error::bad_request("invalid_request", "give exactly one of `sql` or `queries`")),
    };
    let target = Target::resolve(ports, tenant, body.database.as_deref(), body.dialect.as_deref()).await?;
    let mut statements = Vec::with_capacity(queries.len());
    for (i, text) in queries.iter().enumerate() {
        let parsed = parse(text, target.dialect).map_err(|e| if workload { numbered(i, e) } else { e })?;
        statements.push(parsed.ok());
    }
    let catalog = target.catalog(ports);
    let mut tables: Vec<String> = statements.iter().flatten().flat_map(|s| super::tables(s, catalog)).collect();
    tables.lean_sort_by_key(|t| t.to_ascii_lowercase());
    tables.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let stats = target.stats(ports, tenant, &tables).await?;
    let settings = Settings::from_config(ports.config);
    let max = settings.max_index_recommendations;
    let context = Context::new(target.dialect, catalog, &stats, settings);
    let budget_ms =
        i64::try_from(ports.config.nl2sql.advisor.analysis_timeout_seconds.saturating_mul(1000)).unwrap_or(i64::MAX);
    let started = ports.clock.now_ms();
    let (mut all, mut analyzed, mut truncated) = (Vec::new(), 0, false);
    for (i, (text, statement)) in queries.iter().zip(&statements).enumerate() {
        if ports.clock.now_ms() - started > budget_ms {
            truncated = true;
            break;
        }
        let Some(statement) = statement else { continue };
        if matches!(statement, Statement::Query(q) if sql::query_kind(q) == "SELECT") {
            analyzed += 1;
        }
        all.extend(super::recommend_statement(text, statement, &context, i));
    }
    let candidates = all.len();
    let mut recommendations = super::merge_recommendations(all, max);
    if !workload {
        recommendations.iter_mut().for_each(|r| r.queries.clear());
    }
    let advice = IndexAdvice { recommendations, queries: queries.len(), analyzed, candidates, truncated };
    Ok(Response::json(200, &advice))
}

/// `e` about the workload's statement `i` (counted from 0).
fn numbered(i: usize, e: Error) -> Error {
    match e {
        Error::InvalidSql(m) => Error::InvalidSql(format!("queries[{i}]: {m}")),
        Error::BadRequest { code, message } => Error::BadRequest { code, message: format!("queries[{i}]: {message}") },
        other => other,
    }
}
