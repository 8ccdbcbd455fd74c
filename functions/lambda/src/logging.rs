//! JSON logs through tracing-subscriber on stderr, which Lambda forwards to CloudWatch Logs. The level comes
//! from `RUST_LOG`, else Lambda's `AWS_LAMBDA_LOG_LEVEL` (set by the function's logging configuration), else
//! `info`.

/// Installs the global JSON subscriber; a second call does nothing.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").map(|l| l.to_ascii_lowercase()).unwrap_or_else(|_| "info".into());
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_current_span(false)
        .with_target(false)
        .try_init();
}
