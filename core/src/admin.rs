//! The admin routes (admin role only; the router checks it): the running configuration with its secrets
//! redacted, per-tenant feature switches, clearing a tenant's caches.
//!
//! - `GET /admin/config`: the configuration as JSON, after the caller's feature overrides. Secrets (LLM keys,
//!   the JWT secret, key hashes) print as `***`, passwords in URLs as `***`, and only the caller's tenant's
//!   keys (tenant and role) and limits are listed.
//! - `GET /admin/features`, `POST /admin/features` `{"<flag>": value | null, ...}`: the switches operators turn
//!   at run time ([`FLAGS`]), stored per tenant (item `features#overrides`); `null` returns a flag to the
//!   configured value. Every request of the tenant runs with them.
//! - `POST /admin/cache/clear` `{"database"?}`: deletes the tenant's cached items (`cache#…`) of every database,
//!   or of one.

use crate::Config;
use crate::api::{Request, Response};
use crate::databases;
use crate::error::{Error, Result};
use crate::keys::{self, Kind, Scope};
use crate::ports::{Ports, Precondition};
use serde_json::{Map, Value, json};

/// The feature switches `/admin/features` can turn.
pub const FLAGS: &[&str] = &[
    "advisor_enabled",
    "agentic_enabled",
    "agentic_complexity_threshold",
    "auto_refresh_on_query",
    "experimental",
    "verbose_errors",
];

fn flags(config: &Config) -> Value {
    let n = &config.nl2sql;
    json!({
        "advisor_enabled": n.advisor.enabled,
        "agentic_enabled": n.agentic.enabled,
        "agentic_complexity_threshold": n.agentic.complexity_threshold,
        "auto_refresh_on_query": n.refresh_manager.auto_refresh_on_query,
        "experimental": config.features.experimental,
        "verbose_errors": config.features.verbose_errors,
    })
}

fn set(config: &mut Config, flag: &str, value: &Value) -> Result<()> {
    let invalid =
        |what: &str| Error::bad_request("invalid_feature", format!("feature `{flag}` takes {what}, not {value}"));
    let boolean = || value.as_bool().ok_or_else(|| invalid("true or false"));
    let n = &mut config.nl2sql;
    match flag {
        "advisor_enabled" => n.advisor.enabled = boolean()?,
        "agentic_enabled" => n.agentic.enabled = boolean()?,
        "agentic_complexity_threshold" => {
            n.agentic.complexity_threshold =
                value.as_u64().filter(|t| (1..=10).contains(t)).ok_or_else(|| invalid("a number 1-10"))? as u8;
        }
        "auto_refresh_on_query" => n.refresh_manager.auto_refresh_on_query = boolean()?,
        "experimental" => config.features.experimental = boolean()?,
        "verbose_errors" => config.features.verbose_errors = boolean()?,
        _ => {
            return Err(Error::bad_request(
                "unknown_feature",
                format!("unknown feature `{flag}`; known: {}", FLAGS.join(", ")),
            ));
        }
    }
    Ok(())
}

fn overrides_key(tenant: &str) -> (String, String) {
    keys::key(tenant, Scope::Tenant, Kind::Features, "overrides")
}

async fn stored(ports: &Ports<'_>, tenant: &str) -> Result<(Map<String, Value>, Option<u64>)> {
    let (pk, sk) = overrides_key(tenant);
    Ok(match ports.store.get(&pk, &sk).await? {
        Some(item) => match serde_json::from_str(&item.value) {
            Ok(Value::Object(map)) => (map, Some(item.version)),
            _ => return Err(Error::Store(format!("feature overrides of tenant `{tenant}` are not readable"))),
        },
        None => (Map::new(), None),
    })
}

fn apply(base: &Config, overrides: &Map<String, Value>) -> Config {
    let mut config = base.clone();
    for (flag, value) in overrides {
        // A flag a later version dropped is ignored rather than failing the tenant's every request.
        let _ = set(&mut config, flag, value);
    }
    config
}

/// The configuration `tenant`'s requests run with: `None` when it has no overrides (use the configured one).
pub async fn tenant_config(ports: &Ports<'_>, tenant: &str) -> Result<Option<Config>> {
    let (overrides, _) = stored(ports, tenant).await?;
    Ok((!overrides.is_empty()).then(|| apply(ports.config, &overrides)))
}

/// `GET /admin/features`.
pub async fn features(ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    let (overrides, _) = stored(ports, tenant).await?;
    Ok(features_response(ports, tenant, &overrides))
}

fn features_response(ports: &Ports<'_>, tenant: &str, overrides: &Map<String, Value>) -> Response {
    let config = apply(ports.config, overrides);
    Response::json(200, &json!({"tenant": tenant, "features": flags(&config), "overrides": overrides}))
}

/// `POST /admin/features`: merges the body into the tenant's overrides.
pub async fn set_features(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    let Value::Object(changes) = req.json::<Value>()? else {
        return Err(Error::bad_request(
            "invalid_request",
            "send an object of feature flags, e.g. {\"advisor_enabled\": false}",
        ));
    };
    let (old, version) = stored(ports, tenant).await?;
    let mut check = ports.config.clone();
    for (flag, value) in &changes {
        if !(value.is_null() && FLAGS.contains(&flag.as_str())) {
            set(&mut check, flag, value)?;
        }
    }
    // The new overrides: each flag as changed (`null`: back to the configuration), else as before.
    let mut overrides = Map::new();
    for flag in FLAGS {
        match changes.get(*flag).or_else(|| old.get(*flag)) {
            Some(value) if !value.is_null() => {
                overrides.insert((*flag).to_owned(), value.clone());
            }
            _ => {}
        }
    }
    let (pk, sk) = overrides_key(tenant);
    let condition = match (version, ports.store.supports_cas()) {
        (_, false) => Precondition::None,
        (Some(v), true) => Precondition::Version(v),
        (None, true) => Precondition::Absent,
    };
    let value = Value::Object(overrides.clone()).to_string();
    ports.store.put(&pk, &sk, &value, condition, None).await?;
    Ok(features_response(ports, tenant, &overrides))
}

/// `POST /admin/cache/clear`.
pub async fn clear_cache(req: &Request, ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    let body: Value = if req.body.iter().all(u8::is_ascii_whitespace) { json!({}) } else { req.json()? };
    let names = match body["database"].as_str() {
        Some(name) => vec![databases::load(ports, tenant, name).await?.0.name],
        None => databases::list(ports, tenant).await?.into_iter().map(|r| r.name).collect(),
    };
    let mut cleared = 0;
    for name in &names {
        let (pk, prefix) = keys::prefix(tenant, Scope::Database(name), Kind::Cache);
        for (sk, _) in ports.store.list(&pk, &prefix).await? {
            ports.store.delete(&pk, &sk).await?;
            cleared += 1;
        }
    }
    Ok(Response::json(200, &json!({"tenant": tenant, "databases": names, "cleared": cleared})))
}

/// `GET /admin/config`: the caller's view of the configuration, secrets redacted.
pub fn config(ports: &Ports<'_>, tenant: &str) -> Result<Response> {
    let mut value = serde_json::to_value(ports.config).map_err(|e| Error::Internal(format!("configuration: {e}")))?;
    // Keys print as `***`; other tenants' limits are left out.
    if let Some(limits) = value["security"]["tenant_limits"].as_array_mut() {
        limits.retain(|entry| entry.as_str().and_then(|e| e.split_once(':')).is_some_and(|(t, _)| t == tenant));
    }
    redact(&mut value);
    Ok(Response::json(200, &json!({"tenant": tenant, "config": value})))
}

/// Replaces the password of every URL with userinfo (`scheme://user:password@host`) by `***`.
fn redact(value: &mut Value) {
    match value {
        Value::String(s) => {
            if let Some(start) = s.find("://").map(|i| i + 3) {
                let authority_end = s[start..].find(['/', '?', '#']).map_or(s.len(), |i| start + i);
                if let Some(at) = s[start..authority_end].rfind('@').map(|i| start + i)
                    && let Some(colon) = s[start..at].find(':').map(|i| start + i)
                {
                    s.replace_range(colon + 1..at, "***");
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        Value::Object(map) => map.values_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_redacted() {
        let mut v = json!({"a": "postgres://app:s3cret@db:5432/x", "b": ["https://u:p@h/p@q"], "c": "no url", "d": "http://h/x@y"});
        redact(&mut v);
        assert_eq!(
            v,
            json!({"a": "postgres://app:***@db:5432/x", "b": ["https://u:***@h/p@q"], "c": "no url", "d": "http://h/x@y"})
        );
    }

    #[test]
    fn flags_are_typed() {
        let mut config = Config::default();
        set(&mut config, "advisor_enabled", &json!(false)).expect("bool");
        assert!(!config.nl2sql.advisor.enabled);
        assert_eq!(set(&mut config, "advisor_enabled", &json!("no")).expect_err("type").code(), "invalid_feature");
        assert!(set(&mut config, "agentic_complexity_threshold", &json!(11)).is_err());
        assert_eq!(set(&mut config, "nope", &json!(true)).expect_err("unknown").code(), "unknown_feature");
        for flag in FLAGS {
            assert!(flags(&config).get(*flag).is_some(), "{flag} is listed");
        }
    }
}
