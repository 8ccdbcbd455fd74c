//! The store's key scheme. Every item the core stores is addressed through [`key`] (or [`prefix`] for a
//! listing), so one function decides where a tenant's data lives and no two tenants' keys can meet:
//!
//! - partition `<tenant>#<database>`: items of one registered database (schema, skeleton, statistics, refresh
//!   state, caches, golden examples);
//! - partition `<tenant>#_registry`: the tenant's own items (database registry, rate-limit bucket, feature
//!   overrides, sessions);
//! - partitions starting with `_` (`_tenants`, `_health`, `_llm`): the few items that belong to no tenant. Tenant names
//!   never start with `_` ([`valid_name`]), so these never meet a tenant's.
//!
//! The sort key is always `<kind>#<id>` ([`Kind::tag`]). Tenant and database names are 1-64 characters of
//! `A-Z a-z 0-9 _ -` (no `#`), so `tenant#database` splits one way only.

/// What a partition holds: one database's items or the tenant's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Items of one registered database.
    Database(&'a str),
    /// The tenant's own items.
    Tenant,
}

/// The kinds of stored items, each with its sort-key tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Registry entry of a database (tenant scope).
    Database,
    /// Catalog and example values, by fingerprint.
    Schema,
    /// Rendered skeleton, by fingerprint.
    Skeleton,
    /// Table statistics, by table.
    Stats,
    /// Refresh state, by table.
    Refresh,
    /// Cached translations.
    Cache,
    /// Conversation sessions.
    Session,
    /// Golden question/SQL examples.
    Golden,
    /// The rate-limit token bucket (tenant scope).
    RateLimit,
    /// Feature overrides set through `/admin/features` (tenant scope).
    Features,
}

impl Kind {
    /// The sort-key prefix of this kind, without the `#`.
    pub const fn tag(self) -> &'static str {
        match self {
            Kind::Database => "database",
            Kind::Schema => "schema",
            Kind::Skeleton => "skeleton",
            Kind::Stats => "stats",
            Kind::Refresh => "refresh",
            Kind::Cache => "cache",
            Kind::Session => "session",
            Kind::Golden => "golden",
            Kind::RateLimit => "ratelimit",
            Kind::Features => "features",
        }
    }
}

/// The partition of `scope` for `tenant`.
pub fn partition(tenant: &str, scope: Scope<'_>) -> String {
    match scope {
        Scope::Database(database) => format!("{tenant}#{database}"),
        Scope::Tenant => format!("{tenant}#_registry"),
    }
}

/// The sort key of item `id` of `kind`.
pub fn sort_key(kind: Kind, id: &str) -> String {
    format!("{}#{id}", kind.tag())
}

/// Partition and sort key of item `id` of `kind` in `scope` of `tenant`.
pub fn key(tenant: &str, scope: Scope<'_>, kind: Kind, id: &str) -> (String, String) {
    (partition(tenant, scope), sort_key(kind, id))
}

/// Partition and sort-key prefix listing every item of `kind` in `scope` of `tenant`.
pub fn prefix(tenant: &str, scope: Scope<'_>, kind: Kind) -> (String, String) {
    key(tenant, scope, kind, "")
}

/// The partition of the index of tenants that registered a database (read by scheduled runs), and the sort key
/// of `tenant` in it. It belongs to no tenant.
pub fn tenant_index(tenant: &str) -> (&'static str, String) {
    (TENANTS, format!("tenant#{tenant}"))
}

/// Partition of the tenant index.
pub const TENANTS: &str = "_tenants";

/// Partition and sort key of an LLM provider's circuit breaker: provider state shared by every tenant, no
/// tenant's data.
pub fn circuit(provider: &str) -> (&'static str, String) {
    ("_llm", format!("circuit#{provider}"))
}

/// Partition and sort key of an LLM provider's request bucket (`[llm.<name>] rate_limit` per minute), shared by
/// every tenant like the provider's quota.
pub fn provider_rate(provider: &str) -> (&'static str, String) {
    ("_llm", format!("ratelimit#{provider}"))
}

/// The item the readiness probe reads (never written: reading it proves the store answers).
pub const HEALTH_PROBE: (&str, &str) = ("_health", "probe#readiness");

/// Whether `name` can name a tenant or a database: 1-64 of `A-Z a-z 0-9 _ -`, not starting with `_`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_never_share_a_partition() {
        let a = key("acme", Scope::Database("shop"), Kind::Stats, "orders");
        let b = key("globex", Scope::Database("shop"), Kind::Stats, "orders");
        assert_eq!(a, ("acme#shop".to_owned(), "stats#orders".to_owned()));
        assert_ne!(a.0, b.0);
        assert_eq!(partition("acme", Scope::Tenant), "acme#_registry");
        assert_eq!(prefix("acme", Scope::Tenant, Kind::Database).1, "database#");
        assert!(!valid_name("_registry") && !valid_name("a#b") && !valid_name("") && valid_name("acme-1"));
        assert!(!valid_name(&"x".repeat(65)));
        assert!(!tenant_index("acme").0.contains('#'), "global partitions have no tenant separator");
    }

    /// The invariant "every store key is built here": no other core source spells a partition or a sort-key
    /// prefix of a known kind as a string literal.
    #[test]
    fn no_other_core_file_spells_store_keys() {
        let mut spelled = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("core/src is readable") {
                let path = entry.expect("directory entry").path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("keys.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source is readable");
                let tags = ["database", "schema", "skeleton", "stats", "refresh", "cache", "session", "golden"];
                let more = ["ratelimit", "features", "tenant", "probe"];
                let literals = tags
                    .iter()
                    .chain(&more)
                    .map(|t| format!("\"{t}#"))
                    .chain(["{tenant}#", "\"_health\"", "\"_tenants\"", "#_registry\""].map(str::to_owned));
                for literal in literals {
                    if text.contains(&literal) {
                        spelled.push(format!("{}: {literal}", path.display()));
                    }
                }
            }
        }
        assert!(spelled.is_empty(), "store keys spelled outside keys.rs: {spelled:?}");
    }
}
