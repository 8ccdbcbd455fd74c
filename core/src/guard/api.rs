//! `POST /api/nl2sql/guard` `{sql, database}`: the guard's verdict on one statement for a registered database,
//! without running it: `{verdict: "allowed", sql, changes, database, dialect}`, or the 4xx refusal
//! (`unsafe_sql`, `invalid_sql`).

use super::{Settings, check};
use crate::api::{Request, Response};
use crate::databases;
use crate::error::{Error, Result};
use crate::ports::Ports;
use serde_json::{Value, json};

/// Handles the route.
pub async fn guard(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    let body: Value = req.json()?;
    let Some(fields) = body.as_object() else {
        return Err(Error::bad_request("invalid_request", "the body must be a JSON object {sql, database}"));
    };
    if let Some(unknown) = fields.keys().find(|k| !["sql", "database"].contains(&k.as_str())) {
        return Err(Error::bad_request(
            "invalid_request",
            format!("unknown field `{unknown}`; expected sql, database"),
        ));
    }
    let text = |name: &str| match fields.get(name) {
        Some(Value::String(s)) => Ok(s.as_str()),
        Some(_) => Err(Error::bad_request("invalid_request", format!("`{name}` must be a string"))),
        None => Err(Error::bad_request("invalid_request", format!("missing field `{name}`"))),
    };
    let (sql, database) = (text("sql")?, text("database")?);
    let (record, schema) = databases::load(ports, tenant, database).await?;
    let guarded = check(sql, record.dialect, &schema.catalog, &Settings::from_config(ports.config))?;
    Ok(Response::json(
        200,
        &json!({
            "verdict": "allowed",
            "sql": guarded.sql,
            "changes": guarded.changes_json(),
            "database": record.name,
            "dialect": record.dialect,
        }),
    ))
}
