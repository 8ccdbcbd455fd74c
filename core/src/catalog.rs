//! The schema catalog: tables, columns, keys, indexes and comments of one registered database, plus a stable
//! fingerprint used to detect drift.

use crate::order::LeanSort as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// SQL dialect of a registered database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL / MariaDB.
    Mysql,
}

impl Dialect {
    /// `sqlite`, `postgres` or `mysql`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
        }
    }

    /// Parses a dialect name (`sqlite`, `postgres`, `mysql` and their aliases).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "sqlite" | "sqlite3" => Some(Self::Sqlite),
            "postgres" | "postgresql" | "pg" => Some(Self::Postgres),
            "mysql" | "mariadb" => Some(Self::Mysql),
            _ => None,
        }
    }

    /// Quotes an identifier when it is not a plain lower/mixed-case word or is a reserved word.
    pub fn quote(self, ident: &str) -> String {
        let plain = ident.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !is_reserved(ident)
            // PostgreSQL folds unquoted identifiers to lower case.
            && (self != Self::Postgres || !ident.chars().any(|c| c.is_ascii_uppercase()));
        if plain {
            return ident.to_owned();
        }
        match self {
            Self::Mysql => format!("`{}`", ident.replace('`', "``")),
            Self::Sqlite | Self::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// Quotes a table name; PostgreSQL tables outside `public` are catalogued as `schema.table` and quoted
    /// part by part.
    pub fn quote_table(self, name: &str) -> String {
        match name.split_once('.') {
            Some((schema, table)) if self == Self::Postgres => format!("{}.{}", self.quote(schema), self.quote(table)),
            _ => self.quote(name),
        }
    }
}

fn is_reserved(ident: &str) -> bool {
    const RESERVED: &[&str] = &[
        "all",
        "and",
        "as",
        "asc",
        "between",
        "by",
        "case",
        "check",
        "column",
        "constraint",
        "create",
        "cross",
        "default",
        "delete",
        "desc",
        "distinct",
        "drop",
        "else",
        "end",
        "except",
        "exists",
        "from",
        "full",
        "group",
        "having",
        "in",
        "index",
        "inner",
        "insert",
        "intersect",
        "into",
        "is",
        "join",
        "key",
        "left",
        "like",
        "limit",
        "natural",
        "not",
        "null",
        "offset",
        "on",
        "or",
        "order",
        "outer",
        "primary",
        "references",
        "right",
        "select",
        "set",
        "table",
        "then",
        "to",
        "union",
        "unique",
        "update",
        "user",
        "using",
        "values",
        "when",
        "where",
        "with",
    ];
    RESERVED.contains(&ident.to_ascii_lowercase().as_str())
}

/// Broad class of a column's declared type, enough to pick aggregates and comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeClass {
    /// Whole numbers.
    Integer,
    /// Decimals and floats.
    Numeric,
    /// Strings.
    Text,
    /// Dates, times, timestamps.
    Temporal,
    /// Booleans.
    Boolean,
    /// Anything else (blobs, json, arrays...).
    Other,
}

impl TypeClass {
    /// Classifies a declared SQL type (SQLite affinity rules, extended for PostgreSQL/MySQL names).
    pub fn of(data_type: &str) -> Self {
        let t = data_type.to_ascii_lowercase();
        if t.contains("bool") {
            Self::Boolean
        } else if t.contains("date") || t.contains("time") {
            Self::Temporal
        } else if t.contains("int") || t == "serial" || t == "bigserial" || t == "smallserial" {
            Self::Integer
        } else if ["char", "clob", "text", "string", "uuid", "citext", "enum"].iter().any(|k| t.contains(k)) {
            Self::Text
        } else if ["real", "floa", "doub", "numeric", "decimal", "money"].iter().any(|k| t.contains(k)) {
            Self::Numeric
        } else {
            Self::Other
        }
    }

    /// Integer or numeric.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Integer | Self::Numeric)
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Name as declared.
    pub name: String,
    /// Declared type, as written.
    pub data_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Default expression, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Column {
    /// The column's [`TypeClass`].
    pub fn class(&self) -> TypeClass {
        TypeClass::of(&self.data_type)
    }
}

/// A foreign key from `columns` of the owning table to `ref_columns` of `ref_table`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns (the referenced primary key when empty in DDL).
    pub ref_columns: Vec<String>,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Indexed columns in order.
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Name as declared.
    pub name: String,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// Primary key columns.
    #[serde(default)]
    pub primary_key: Vec<String>,
    /// Foreign keys.
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints other than the primary key.
    #[serde(default)]
    pub unique: Vec<Vec<String>>,
    /// Indexes.
    #[serde(default)]
    pub indexes: Vec<Index>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Table {
    /// Finds a column by name, ignoring case.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Whether `column` is (the single column of) the primary key.
    pub fn is_primary_key(&self, column: &str) -> bool {
        self.primary_key.len() == 1 && self.primary_key[0].eq_ignore_ascii_case(column)
    }
}

/// The schema of one registered database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Dialect of the database.
    pub dialect: Dialect,
    /// Tables, sorted by name.
    pub tables: Vec<Table>,
}

impl Catalog {
    /// Finds a table by name, ignoring case.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    /// A stable hex fingerprint of the schema: independent of table order, changed by any change to a table,
    /// column, key, index or comment.
    pub fn fingerprint(&self) -> String {
        let mut tables: Vec<&Table> = self.tables.iter().collect();
        tables.lean_sort_by(|a, b| a.name.cmp(&b.name));
        let mut hasher = Sha256::new();
        hasher.update(format!("{:?}", self.dialect));
        for table in tables {
            // serde_json of derived structs is deterministic (field order is declaration order).
            hasher.update(serde_json::to_vec(table).unwrap_or_default());
            hasher.update([0u8]);
        }
        hasher.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

/// Example values per table and column (most common first), used to match literals in questions.
/// Kept apart from the [`Catalog`] so that data changes never change the schema fingerprint.
pub type Samples = BTreeMap<String, BTreeMap<String, Vec<String>>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str) -> Table {
        Table {
            name: name.into(),
            columns: vec![Column {
                name: "id".into(),
                data_type: "INTEGER".into(),
                nullable: false,
                default: None,
                comment: None,
            }],
            primary_key: vec!["id".into()],
            foreign_keys: vec![],
            unique: vec![],
            indexes: vec![],
            comment: None,
        }
    }

    #[test]
    fn fingerprint_ignores_order_and_sees_changes() {
        let a = Catalog { dialect: Dialect::Sqlite, tables: vec![table("a"), table("b")] };
        let b = Catalog { dialect: Dialect::Sqlite, tables: vec![table("b"), table("a")] };
        assert_eq!(a.fingerprint(), b.fingerprint());
        let mut c = a.clone();
        c.tables[0].columns[0].nullable = true;
        assert_ne!(a.fingerprint(), c.fingerprint());
        assert_eq!(a.fingerprint().len(), 32);
    }

    #[test]
    fn type_classes() {
        assert_eq!(TypeClass::of("NVARCHAR(120)"), TypeClass::Text);
        assert_eq!(TypeClass::of("NUMERIC(10,2)"), TypeClass::Numeric);
        assert_eq!(TypeClass::of("INTEGER"), TypeClass::Integer);
        assert_eq!(TypeClass::of("DATETIME"), TypeClass::Temporal);
        assert_eq!(TypeClass::of("timestamp with time zone"), TypeClass::Temporal);
    }

    #[test]
    fn quoting_by_dialect() {
        assert_eq!(Dialect::Sqlite.quote("Track"), "Track");
        assert_eq!(Dialect::Postgres.quote("Track"), "\"Track\"");
        assert_eq!(Dialect::Sqlite.quote("order"), "\"order\"");
        assert_eq!(Dialect::Mysql.quote("my col"), "`my col`");
        assert_eq!(Dialect::Postgres.quote_table("sales.Orders"), "sales.\"Orders\"");
        assert_eq!(Dialect::Sqlite.quote_table("a.b"), "\"a.b\"");
    }
}
