//! Wire types: the host-neutral HTTP request/response and the JSON bodies of the API.

use crate::error::{Error, Result};
use crate::ports::Rows;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// An HTTP request as every host hands it to [`crate::router::handle`].
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Upper-case method.
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string without `?` (may be empty).
    pub query: String,
    /// Header name/value pairs; names compared case-insensitively.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl Request {
    /// A request with no headers and no query.
    pub fn new(method: &str, path: &str, body: impl Into<Vec<u8>>) -> Self {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: vec![],
            body: body.into(),
        }
    }

    /// First header with this name, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The first query parameter `name`, percent-decoded (`+` is a space).
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query
            .split('&')
            .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
            .find_map(|(k, v)| (percent_decode(k) == name).then(|| percent_decode(v)))
    }

    /// Parses the body as JSON into `T`: malformed JSON is `invalid_json`, a wrong shape `invalid_request`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let value: serde_json::Value = serde_json::from_slice(&self.body)
            .map_err(|e| Error::bad_request("invalid_json", format!("request body is not valid JSON: {e}")))?;
        serde_json::from_value(value).map_err(|e| Error::bad_request("invalid_request", e.to_string()))
    }
}

/// Decodes `%XX` escapes and `+`; invalid escapes are kept as written, invalid UTF-8 is replaced.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 2;
            }
            (b'+', _) => out.push(b' '),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_decoded() {
        let req = Request::new("GET", "/x?question=How+many%20tracks%3F&budget=50&bad=%zz%4%+1", Vec::new());
        assert_eq!(req.query_param("question").as_deref(), Some("How many tracks?"));
        assert_eq!(req.query_param("budget").as_deref(), Some("50"));
        assert_eq!(req.query_param("bad").as_deref(), Some("%zz%4% 1"), "a bad escape stays, + is a space");
        assert_eq!(req.query_param("missing"), None);
    }
}

/// An HTTP response every host turns into its platform's type.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    pub fn json(status: u16, value: &impl Serialize) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => Self { status, headers: vec![("content-type".into(), "application/json".into())], body },
            Err(e) => Self::error(&Error::Internal(format!("serialising response: {e}"))),
        }
    }

    /// The JSON error response for `error`.
    pub fn error(error: &Error) -> Self {
        let body = error.to_json().to_string().into_bytes();
        let mut headers = vec![("content-type".into(), "application/json".into())];
        match error {
            Error::RateLimited { retry_after, .. } => headers.push(("retry-after".into(), retry_after.to_string())),
            Error::Unauthorized { status: 401, .. } => headers.push(("www-authenticate".into(), "Bearer".into())),
            _ => {}
        }
        Self { status: error.status(), headers, body }
    }

    /// The first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (tests and CLIs).
    pub fn body_json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// POST /api/nl2sql/translate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslateRequest {
    /// The question in natural language.
    pub question: String,
    /// Registered database name.
    pub database: String,
    /// Conversation to continue.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Provider to use instead of the configured default.
    #[serde(default)]
    pub provider: Option<String>,
    /// Run the SQL read-only and return rows.
    #[serde(default)]
    pub execute: bool,
}

/// Token usage of a translation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// Prompt tokens.
    pub prompt: u64,
    /// Completion tokens.
    pub completion: u64,
    /// Sum of both.
    pub total: u64,
}

/// Answer of POST /api/nl2sql/translate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TranslateResponse {
    /// The SQL, guarded and bounded.
    pub sql: String,
    /// What the SQL does, in words.
    pub explanation: String,
    /// 0..1.
    pub confidence: f64,
    /// Tables the SQL reads.
    pub tables: Vec<String>,
    /// Tables the schema linker picked for the question, most relevant first.
    pub linked_tables: Vec<String>,
    /// Provider that produced the SQL.
    pub provider: String,
    /// Token usage.
    pub tokens: Tokens,
    /// Cost in USD.
    pub cost: f64,
    /// `miss`, or the layer that hit: `exact` or `semantic`.
    pub cache: String,
    /// Every try at a provider, in order (empty for cache hits).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<crate::llm::Attempt>,
    /// The question's assessed complexity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<crate::agentic::Assessment>,
    /// The plan and each task's SQL when the question was decomposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decomposition: Option<serde_json::Value>,
    /// The code advisor's report on the SQL (absent when `[nl2sql.advisor] enabled = false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisor: Option<crate::advisor::Report>,
    /// Rows when `execute` was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<Rows>,
}

/// PUT /api/nl2sql/databases/{db}: register from DDL text, or by introspecting a live connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// `sqlite`, `postgres`, `mysql`.
    pub dialect: String,
    /// Name of the connection secret the host resolves from its environment (never the URL itself).
    #[serde(default)]
    pub connection: Option<String>,
    /// DDL text (CREATE TABLE, ALTER TABLE ... ADD CONSTRAINT, CREATE INDEX, COMMENT ON).
    #[serde(default)]
    pub ddl: Option<String>,
}

/// POST /api/nl2sql/advisor/analyze.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisorAnalyzeRequest {
    /// One SQL statement.
    pub sql: String,
    /// A registered database: its dialect, catalog and stored statistics are used.
    #[serde(default)]
    pub database: Option<String>,
    /// `postgres`, `mysql` or `sqlite` without a database (default `postgres`); with one, it must match.
    #[serde(default)]
    pub dialect: Option<String>,
}

/// POST /api/nl2sql/advisor/recommend-indexes: one statement (`sql`) or a workload (`queries`, also accepted
/// as `workload`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisorRecommendRequest {
    /// One SQL statement.
    #[serde(default)]
    pub sql: Option<String>,
    /// Many statements, analysed together and recommended for as a set.
    #[serde(default, alias = "workload")]
    pub queries: Option<Vec<String>>,
    /// A registered database.
    #[serde(default)]
    pub database: Option<String>,
    /// Dialect without a database.
    #[serde(default)]
    pub dialect: Option<String>,
}
