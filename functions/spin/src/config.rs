//! The configuration on Spin: the same TOML as every host, from Spin variables (and the component's environment).
//!
//! - The TOML text is the Spin variable `config_toml`, else the environment variable `NL2SQL_CONFIG_TOML`; with
//!   neither, the defaults.
//! - `${NAME}` / `${NAME:-default}` in it resolve to the Spin variable `name` (lower case: Spin variable names
//!   are lower case), else to the environment variable `NAME`. Secrets such as `${OPENAI_API_KEY}` therefore come
//!   from a `secret = true` application variable (Vault, Azure Key Vault or `SPIN_VARIABLE_OPENAI_API_KEY` at
//!   `spin up`), never from the manifest or the store.
//!
//! Spin's variable lookup is asynchronous and the core's parser is not, so the names the text refers to are
//! looked up first and the parser reads the answers from a map.

use nl2sql_core::{Config, Error, Result};
use std::collections::BTreeMap;

/// The Spin variable holding the configuration TOML.
pub const CONFIG_VARIABLE: &str = "config_toml";
/// The environment variable holding the configuration TOML when the Spin variable is unset.
pub const CONFIG_ENV: &str = "NL2SQL_CONFIG_TOML";

/// A Spin variable, else the environment variable of the same name in upper case; empty counts as unset.
pub async fn lookup(name: &str) -> Option<String> {
    let variable = spin_sdk::variables::get(name.to_ascii_lowercase()).await.ok();
    variable.or_else(|| std::env::var(name.to_ascii_uppercase()).ok()).filter(|v| !v.is_empty())
}

/// Loads the configuration; unknown keys are reported on stderr (Spin's component log).
pub async fn load() -> Result<Config> {
    let Some(text) = lookup(CONFIG_VARIABLE).await else {
        return Ok(Config::default());
    };
    let mut values = BTreeMap::new();
    for name in references(&text) {
        if let Some(value) = lookup(name).await {
            values.insert(name.to_owned(), value);
        }
    }
    let loaded = Config::from_toml(&text, &|name| values.get(name).cloned())
        .map_err(|e| Error::Config(format!("{CONFIG_VARIABLE}: {e}")))?;
    for key in &loaded.unknown_keys {
        eprintln!("nl2sql: unknown configuration key ignored: {key}");
    }
    Ok(loaded.config)
}

/// The `NAME`s of every `${NAME}` and `${NAME:-default}` in `text`, in order, without repeats.
fn references(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for (start, _) in text.match_indices("${") {
        let rest = &text[start + 2..];
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let name = &rest[..end];
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_the_substituted_names() {
        let text = "[llm.openai]\napi_key = \"${OPENAI_API_KEY}\"\nendpoint = \"${LLM_URL:-https://x}\"\n\
                    model = \"${OPENAI_API_KEY}\"\nnote = \"$ {NOT} ${}\"";
        assert_eq!(references(text), ["OPENAI_API_KEY", "LLM_URL"]);
    }
}
