//! One error type for the whole core, split by who is at fault.
//!
//! Hosts map it exactly once: [`Error::status`] gives the HTTP status and [`Error::code`] the stable
//! machine-readable code that goes into `{"error":{"code","message"}}`.

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// The caller sent something malformed or out of bounds (4xx). `code` is specific, e.g. `invalid_json`.
    #[error("{message}")]
    BadRequest {
        /// Stable machine-readable code.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// The caller is not authenticated or not allowed (401/403).
    #[error("{message}")]
    Unauthorized {
        /// HTTP status: 401 or 403.
        status: u16,
        /// Human-readable explanation.
        message: String,
    },
    /// A named thing (database, table, route) does not exist (404).
    #[error("{message}")]
    NotFound {
        /// Stable machine-readable code, e.g. `database_not_found`.
        code: &'static str,
        /// Human-readable explanation.
        message: String,
    },
    /// The path exists but not for this method (405).
    #[error("{method} is not allowed here; use {allowed}")]
    MethodNotAllowed {
        /// Method used.
        method: String,
        /// Methods the path accepts, comma-separated.
        allowed: String,
    },
    /// The request body is larger than the configured maximum (413).
    #[error("request body is {size} bytes; the maximum is {max} bytes")]
    PayloadTooLarge {
        /// Size seen (or a lower bound of it).
        size: usize,
        /// Configured maximum.
        max: usize,
    },
    /// The tenant is over its rate limit (429, with `Retry-After`).
    #[error("{message}")]
    RateLimited {
        /// Human-readable explanation.
        message: String,
        /// Seconds until a request will be admitted again.
        retry_after: u64,
    },
    /// The request took longer than `[nl2sql] request_timeout` (504).
    #[error("{0}")]
    Timeout(String),
    /// SQL that does not parse or does not fit the schema (422).
    #[error("{0}")]
    InvalidSql(String),
    /// SQL the guard refuses to let out (422).
    #[error("{0}")]
    UnsafeSql(String),
    /// The question cannot be mapped onto the schema (422).
    #[error("{0}")]
    Untranslatable(String),
    /// The configuration is wrong (reported at startup; 500 if met while serving).
    #[error("configuration error: {0}")]
    Config(String),
    /// The user's database failed or could not be reached (502).
    #[error("database error: {0}")]
    Database(String),
    /// An LLM provider failed (502).
    #[error("provider error: {0}")]
    Provider(String),
    /// The platform store failed (503).
    #[error("store error: {0}")]
    Store(String),
    /// A compare-and-set write lost against a concurrent writer (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A bug in nl2sql (500).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Shorthand for a [`Error::BadRequest`].
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest { code, message: message.into() }
    }

    /// Shorthand for a [`Error::NotFound`].
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound { code, message: message.into() }
    }

    /// The HTTP status a host answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Unauthorized { status, .. } => *status,
            Self::NotFound { .. } => 404,
            Self::MethodNotAllowed { .. } => 405,
            Self::PayloadTooLarge { .. } => 413,
            Self::RateLimited { .. } => 429,
            Self::Timeout(_) => 504,
            Self::InvalidSql(_) | Self::UnsafeSql(_) | Self::Untranslatable(_) => 422,
            Self::Conflict(_) => 409,
            Self::Config(_) | Self::Internal(_) => 500,
            Self::Database(_) | Self::Provider(_) => 502,
            Self::Store(_) => 503,
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. } | Self::NotFound { code, .. } => code,
            Self::Unauthorized { status: 403, .. } => "forbidden",
            Self::Unauthorized { .. } => "unauthorized",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::RateLimited { .. } => "rate_limited",
            Self::Timeout(_) => "request_timeout",
            Self::InvalidSql(_) => "invalid_sql",
            Self::UnsafeSql(_) => "unsafe_sql",
            Self::Untranslatable(_) => "untranslatable",
            Self::Config(_) => "config_error",
            Self::Database(_) => "database_error",
            Self::Provider(_) => "provider_error",
            Self::Store(_) => "store_error",
            Self::Conflict(_) => "conflict",
            Self::Internal(_) => "internal_error",
        }
    }

    /// The JSON body every host returns for this error.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code(), "message": self.to_string() } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_4xx_and_faults_are_5xx() {
        assert_eq!(Error::bad_request("invalid_json", "x").status(), 400);
        assert_eq!(Error::PayloadTooLarge { size: 2, max: 1 }.status(), 413);
        assert_eq!(Error::not_found("database_not_found", "x").code(), "database_not_found");
        assert_eq!(Error::Store("down".into()).status(), 503);
        let body = Error::UnsafeSql("DELETE is not allowed".into()).to_json();
        assert_eq!(body["error"]["code"], "unsafe_sql");
        assert_eq!(body["error"]["message"], "DELETE is not allowed");
    }
}
