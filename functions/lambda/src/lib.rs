//! nl2sql on AWS Lambda: two thin functions over the one core.
//!
//! - `nl2sql-http` (lambda_http): a Function URL / HTTP API event becomes an `nl2sql_core::api::Request`, the
//!   core's `router::handle` answers it unchanged, the answer goes back as the function's response.
//! - `nl2sql-refresh` (lambda_runtime): an EventBridge schedule calls the statistics refresh manager's
//!   `run_scheduled` with a budget that ends before the invocation's deadline.
//!
//! Why a library with two small binaries: both functions need the same adapters, and keeping them here lets
//! the adapters be tested without the Lambda runtime. The adapters: [`dynamo::DynamoStore`] (the `Store` port
//! on one DynamoDB table), [`nl2sql_http_reqwest::ReqwestHttp`] (rustls), [`sql::LambdaSql`] (PostgreSQL through the code the
//! local host uses), [`clock::SystemClock`]. Metrics are CloudWatch Embedded Metric Format lines
//! ([`metrics`]), logs JSON ([`logging`]).

pub mod clock;
pub mod dynamo;
pub mod event;
pub mod host;
pub mod logging;
pub mod metrics;
pub mod refresh;
pub mod sql;

pub use host::Host;
