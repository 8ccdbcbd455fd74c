//! What a component may do, read from a Spin manifest (`--manifest infra/spin/spin.toml --component-id nl2sql`),
//! as `spin up` reads it: the component's `key_value_stores`, its `allowed_outbound_hosts` and its
//! `[component.<id>.variables]`, whose `{{ name }}` templates resolve against the application's `[variables]`
//! (their `default`, overridden by `SPIN_VARIABLE_<NAME>`). The component sees only its own variables: asking
//! for anything else is `undefined`, as on Spin. So the tests run the component under the deployed manifest.

use std::collections::BTreeMap;
use std::path::Path;
use wasmtime::error::Context as _;
use wasmtime::{bail, format_err};

/// A component's grants.
#[derive(Debug, Default)]
pub(crate) struct Grants {
    /// `key_value_stores`.
    pub(crate) kv_labels: Vec<String>,
    /// `allowed_outbound_hosts`, templates resolved.
    pub(crate) allowed_outbound: Vec<String>,
    /// The component's variables, templates resolved.
    pub(crate) variables: BTreeMap<String, String>,
}

/// Reads the grants of component `id` in the manifest at `path`; `env` holds the `SPIN_VARIABLE_*` overrides
/// by lower-case name.
pub(crate) fn grants(path: &Path, id: &str, env: &BTreeMap<String, String>) -> wasmtime::Result<Grants> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let manifest: toml::Table = toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let mut app = BTreeMap::new();
    for (name, spec) in manifest.get("variables").and_then(|v| v.as_table()).into_iter().flatten() {
        let value = env.get(name).cloned().or_else(|| spec.get("default").and_then(|d| d.as_str()).map(str::to_owned));
        match value {
            Some(value) => drop(app.insert(name.clone(), value)),
            None if spec.get("required").and_then(|r| r.as_bool()) == Some(true) => {
                bail!("the required variable `{name}` has no value (set SPIN_VARIABLE_{})", name.to_ascii_uppercase())
            }
            None => {}
        }
    }
    let component = manifest
        .get("component")
        .and_then(|c| c.get(id))
        .ok_or_else(|| format_err!("{} has no [component.{id}]", path.display()))?;
    let strings = |key: &str| -> Vec<String> {
        let list = component.get(key).and_then(|v| v.as_array());
        list.into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    };
    let mut grants = Grants { kv_labels: strings("key_value_stores"), ..Grants::default() };
    for host in strings("allowed_outbound_hosts") {
        grants.allowed_outbound.push(resolve(&host, &app)?);
    }
    for (name, template) in component.get("variables").and_then(|v| v.as_table()).into_iter().flatten() {
        let template = template.as_str().ok_or_else(|| format_err!("component variable `{name}` is not a string"))?;
        grants.variables.insert(name.clone(), resolve(template, &app)?);
    }
    Ok(grants)
}

/// Replaces every `{{ name }}` in `template` with the application variable `name`.
fn resolve(template: &str, app: &BTreeMap<String, String>) -> wasmtime::Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let end = rest[start..].find("}}").ok_or_else(|| format_err!("unclosed `{{{{` in `{template}`"))? + start;
        let name = rest[start + 2..end].trim();
        let value = app.get(name).ok_or_else(|| format_err!("`{template}` names the undeclared variable `{name}`"))?;
        out.push_str(&rest[..start]);
        out.push_str(value);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_resolve_against_application_variables() {
        let app = BTreeMap::from([("origin".to_owned(), "http://127.0.0.1:3000".to_owned())]);
        assert_eq!(resolve("{{ origin }}", &app).expect("resolves"), "http://127.0.0.1:3000");
        assert_eq!(resolve("{{origin}}/x", &app).expect("resolves"), "http://127.0.0.1:3000/x");
        assert_eq!(resolve("plain", &app).expect("resolves"), "plain");
        assert!(resolve("{{ nope }}", &app).is_err());
        assert!(resolve("{{ origin", &app).is_err());
    }
}
