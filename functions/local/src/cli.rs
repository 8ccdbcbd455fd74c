//! Small helpers shared by the subcommands that talk to the router: error output and URL encoding.

use serde_json::Value;
use std::process::ExitCode;

/// `message (code)` of a `{"error":{"code","message"}}` body.
pub(crate) fn message(value: &Value) -> String {
    format!(
        "{} ({})",
        value["error"]["message"].as_str().unwrap_or("unknown error"),
        value["error"]["code"].as_str().unwrap_or("error")
    )
}

/// Prints an error body to stderr and returns the failing exit code.
pub(crate) fn fail(value: &Value) -> ExitCode {
    eprintln!("error: {}", message(value));
    ExitCode::FAILURE
}

/// Percent-encodes a path segment or query value.
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_reserved_bytes() {
        assert_eq!(super::encode("How many? a&b/é"), "How%20many%3F%20a%26b%2F%C3%A9");
    }
}
