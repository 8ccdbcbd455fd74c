//! The translate use case: question in, bounded SQL out, optionally executed read-only.

use crate::api::{Tokens, TranslateRequest, TranslateResponse};
use crate::databases;
use crate::error::{Error, Result};
use crate::offline;
use crate::ports::{Ports, QueryOptions};

/// Translates (and optionally executes) one question for `tenant`.
pub async fn translate(ports: &Ports<'_>, tenant: &str, request: &TranslateRequest) -> Result<TranslateResponse> {
    let config = &ports.config.nl2sql;
    let question = request.question.trim();
    if question.is_empty() {
        return Err(Error::bad_request("missing_question", "question must not be empty"));
    }
    let length = question.chars().count();
    if length > config.max_question_length {
        return Err(Error::bad_request(
            "question_too_long",
            format!("question has {length} characters; the maximum is {}", config.max_question_length),
        ));
    }
    if let Some(provider) = request.provider.as_deref().filter(|p| *p != "offline") {
        return Err(Error::bad_request(
            "unknown_provider",
            format!("provider `{provider}` is not available; this build translates with `offline` only"),
        ));
    }
    let (record, schema) = databases::load(ports, tenant, &request.database).await?;
    let translation = offline::translate(
        question,
        &schema.catalog,
        &schema.samples,
        &offline::Options { limit: config.default_limit },
    )?;
    let rows = if request.execute {
        let connection = record.connection.as_deref().ok_or_else(|| {
            Error::bad_request("not_executable", format!("database `{}` has no connection to execute on", record.name))
        })?;
        let options =
            QueryOptions { max_rows: config.max_result_rows, timeout_ms: config.query_timeout.saturating_mul(1000) };
        Some(ports.sql.query(connection, &translation.sql, options).await?)
    } else {
        None
    };
    Ok(TranslateResponse {
        sql: translation.sql,
        explanation: translation.explanation,
        confidence: translation.confidence,
        tables: translation.tables,
        provider: "offline".into(),
        tokens: Tokens::default(),
        cost: 0.0,
        cache: "miss".into(),
        rows,
    })
}
