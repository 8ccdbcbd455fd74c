//! The translate use case: question in, bounded SQL out (through the SQL guard), optionally executed read-only.

use crate::Config;
use crate::api::{Tokens, TranslateRequest, TranslateResponse};
use crate::catalog::Catalog;
use crate::databases;
use crate::error::{Error, Result};
use crate::linker;
use crate::offline;
use crate::ports::{Ports, QueryOptions};

/// The trimmed question, or `missing_question` / `question_too_long`.
pub fn checked_question<'q>(question: &'q str, config: &Config) -> Result<&'q str> {
    let question = question.trim();
    if question.is_empty() {
        return Err(Error::bad_request("missing_question", "question must not be empty"));
    }
    let length = question.chars().count();
    let max = config.nl2sql.max_question_length;
    if length > max {
        return Err(Error::bad_request(
            "question_too_long",
            format!("question has {length} characters; the maximum is {max}"),
        ));
    }
    Ok(question)
}

/// Translates (and optionally executes) one question for `tenant`.
pub async fn translate(ports: &Ports<'_>, tenant: &str, request: &TranslateRequest) -> Result<TranslateResponse> {
    let config = &ports.config.nl2sql;
    let question = checked_question(&request.question, ports.config)?;
    if let Some(provider) = request.provider.as_deref().filter(|p| *p != "offline") {
        return Err(Error::bad_request(
            "unknown_provider",
            format!("provider `{provider}` is not available; this build translates with `offline` only"),
        ));
    }
    let (record, schema) = databases::load(ports, tenant, &request.database).await?;
    // The translator sees the linked part of the schema; the whole schema only if that part cannot answer.
    let linked = linker::link(question, &schema.catalog, &schema.samples, config.skeleton_token_budget);
    let linked_tables: Vec<String> = linked.tables.iter().map(|t| t.table.clone()).collect();
    let focused = Catalog {
        dialect: schema.catalog.dialect,
        tables: schema.catalog.tables.iter().filter(|t| linked_tables.contains(&t.name)).cloned().collect(),
    };
    let options = offline::Options { limit: config.default_limit };
    let translation = match offline::translate(question, &focused, &schema.samples, &options) {
        Ok(t) => t,
        Err(Error::Untranslatable(_)) if focused.tables.len() < schema.catalog.tables.len() => {
            offline::translate(question, &schema.catalog, &schema.samples, &options)?
        }
        Err(e) => return Err(e),
    };
    // Nothing leaves unguarded: the guard's rendering is what is advised on, executed and returned.
    let guard = crate::guard::Settings::from_config(ports.config);
    let sql = crate::guard::check(&translation.sql, schema.catalog.dialect, &schema.catalog, &guard)?.sql;
    // Stale statistics of the tables a query reads gain refresh priority; never a reason to fail the answer.
    let _ = crate::stats::refresh::touch(ports, tenant, &request.database, &translation.tables).await;
    let advisor = if config.advisor.enabled {
        let target = crate::advisor::api::Target {
            dialect: schema.catalog.dialect,
            database: Some((record.name.clone(), schema.catalog.clone())),
        };
        // The advice is part of the answer, never a reason to fail it.
        crate::advisor::api::analyze_sql(ports, tenant, &target, &sql).await.ok()
    } else {
        None
    };
    let rows = if request.execute {
        let connection = record.connection.as_deref().ok_or_else(|| {
            Error::bad_request("not_executable", format!("database `{}` has no connection to execute on", record.name))
        })?;
        let options =
            QueryOptions { max_rows: config.max_result_rows, timeout_ms: config.query_timeout.saturating_mul(1000) };
        Some(ports.sql.query(connection, &sql, options).await?)
    } else {
        None
    };
    Ok(TranslateResponse {
        sql,
        explanation: translation.explanation,
        confidence: translation.confidence,
        tables: translation.tables,
        linked_tables,
        provider: "offline".into(),
        tokens: Tokens::default(),
        cost: 0.0,
        cache: "miss".into(),
        advisor,
        rows,
    })
}
