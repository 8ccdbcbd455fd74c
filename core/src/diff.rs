//! Differences between two catalogs: what a re-registration changed, or how a DDL script and the live database
//! disagree.
//!
//! Names match exactly first and then ignoring case (all three dialects treat unquoted names that way).
//! Column order is not a change. Types compare ignoring case and whitespace (`NUMERIC(10, 2)` equals
//! `numeric(10,2)`); foreign keys, unique constraints and indexes compare as sets, so their order is not a
//! change either (SQLite lists foreign keys last-declared first).

use crate::catalog::{Catalog, Column, ForeignKey, Index, Table};
use crate::order::LeanSort as _;
use serde::Serialize;
use std::fmt::Write as _;

/// Everything that differs between an old and a new catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogDiff {
    /// Tables only in the new catalog.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_tables: Vec<String>,
    /// Tables only in the old catalog.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_tables: Vec<String>,
    /// Tables in both that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_tables: Vec<TableDiff>,
}

/// How one table differs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableDiff {
    /// The table's (new) name.
    pub table: String,
    /// Columns only in the new table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_columns: Vec<Column>,
    /// Names of columns only in the old table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_columns: Vec<String>,
    /// Columns in both that differ.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_columns: Vec<ColumnDiff>,
    /// The primary key, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<Change<Vec<String>>>,
    /// Foreign keys only in the new table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_foreign_keys: Vec<ForeignKey>,
    /// Foreign keys only in the old table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_foreign_keys: Vec<ForeignKey>,
    /// UNIQUE constraints only in the new table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_unique: Vec<Vec<String>>,
    /// UNIQUE constraints only in the old table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_unique: Vec<Vec<String>>,
    /// Indexes only in the new table (an index whose columns changed is removed and added).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_indexes: Vec<Index>,
    /// Indexes only in the old table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_indexes: Vec<Index>,
    /// The table comment, when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Change<Option<String>>>,
}

/// How one column differs; only the changed aspects are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ColumnDiff {
    /// The column's (new) name.
    pub column: String,
    /// Declared type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_type: Option<Change<String>>,
    /// Whether NULL is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nullable: Option<Change<bool>>,
    /// Default expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Change<Option<String>>>,
    /// Comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Change<Option<String>>>,
}

/// An old and a new value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    /// Before.
    pub old: T,
    /// After.
    pub new: T,
}

/// Compares two catalogs. Added, removed and changed tables are sorted by name.
pub fn diff(old: &Catalog, new: &Catalog) -> CatalogDiff {
    let (pairs, removed, added) = pair(&old.tables, &new.tables, |t| &t.name);
    let mut out = CatalogDiff {
        added_tables: added.iter().map(|t| t.name.clone()).collect(),
        removed_tables: removed.iter().map(|t| t.name.clone()).collect(),
        changed_tables: pairs.into_iter().filter_map(|(o, n)| table_diff(o, n)).collect(),
    };
    out.added_tables.lean_sort();
    out.removed_tables.lean_sort();
    out.changed_tables.lean_sort_by(|a, b| a.table.cmp(&b.table));
    out
}

impl CatalogDiff {
    /// Whether the catalogs are the same.
    pub fn is_empty(&self) -> bool {
        self.added_tables.is_empty() && self.removed_tables.is_empty() && self.changed_tables.is_empty()
    }

    /// One line per change, e.g. `+ table genre`, `~ column track.name: type text -> character varying(200)`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for name in &self.added_tables {
            line(&mut out, format_args!("+ table {name}"));
        }
        for name in &self.removed_tables {
            line(&mut out, format_args!("- table {name}"));
        }
        for table in &self.changed_tables {
            table.summarize(&mut out);
        }
        out
    }
}

impl TableDiff {
    fn summarize(&self, out: &mut String) {
        let t = &self.table;
        for c in &self.added_columns {
            let not_null = if c.nullable { "" } else { " NOT NULL" };
            let default = c.default.as_ref().map(|d| format!(" DEFAULT {d}")).unwrap_or_default();
            line(out, format_args!("+ column {t}.{} {}{not_null}{default}", c.name, c.data_type));
        }
        for name in &self.removed_columns {
            line(out, format_args!("- column {t}.{name}"));
        }
        for c in &self.changed_columns {
            let name = &c.column;
            if let Some(Change { old, new }) = &c.data_type {
                line(out, format_args!("~ column {t}.{name}: type {old} -> {new}"));
            }
            if let Some(Change { new, .. }) = &c.nullable {
                let (old, new) = if *new { ("NOT NULL", "NULL") } else { ("NULL", "NOT NULL") };
                line(out, format_args!("~ column {t}.{name}: {old} -> {new}"));
            }
            if let Some(Change { old, new }) = &c.default {
                line(out, format_args!("~ column {t}.{name}: default {} -> {}", or_none(old), or_none(new)));
            }
            if let Some(Change { old, new }) = &c.comment {
                line(out, format_args!("~ column {t}.{name}: comment {} -> {}", quoted(old), quoted(new)));
            }
        }
        if let Some(Change { old, new }) = &self.primary_key {
            line(out, format_args!("~ primary key {t}: {} -> {}", key(old), key(new)));
        }
        for (sign, fks) in [('+', &self.added_foreign_keys), ('-', &self.removed_foreign_keys)] {
            for fk in fks {
                let (columns, ref_columns) = (fk.columns.join(", "), fk.ref_columns.join(", "));
                line(out, format_args!("{sign} foreign key {t}({columns}) -> {}({ref_columns})", fk.ref_table));
            }
        }
        for (sign, uniques) in [('+', &self.added_unique), ('-', &self.removed_unique)] {
            for unique in uniques {
                line(out, format_args!("{sign} unique {t}({})", unique.join(", ")));
            }
        }
        for (sign, indexes) in [('+', &self.added_indexes), ('-', &self.removed_indexes)] {
            for index in indexes {
                let kind = if index.unique { "unique index" } else { "index" };
                line(out, format_args!("{sign} {kind} {t}.{} ({})", index.name, index.columns.join(", ")));
            }
        }
        if let Some(Change { old, new }) = &self.comment {
            line(out, format_args!("~ comment {t}: {} -> {}", quoted(old), quoted(new)));
        }
    }
}

fn line(out: &mut String, args: std::fmt::Arguments<'_>) {
    // Writing to a String cannot fail.
    let _ = out.write_fmt(args);
    out.push('\n');
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("none")
}

fn quoted(value: &Option<String>) -> String {
    value.as_ref().map_or_else(|| "none".to_owned(), |v| format!("{v:?}"))
}

fn key(columns: &[String]) -> String {
    if columns.is_empty() { "none".to_owned() } else { format!("({})", columns.join(", ")) }
}

fn table_diff(old: &Table, new: &Table) -> Option<TableDiff> {
    let (pairs, removed, added) = pair(&old.columns, &new.columns, |c| &c.name);
    let mut out = TableDiff {
        table: new.name.clone(),
        added_columns: added.into_iter().cloned().collect(),
        removed_columns: removed.iter().map(|c| c.name.clone()).collect(),
        changed_columns: pairs.into_iter().filter_map(|(o, n)| column_diff(o, n)).collect(),
        ..TableDiff::default()
    };
    if lower(&old.primary_key) != lower(&new.primary_key) {
        out.primary_key = Some(Change { old: old.primary_key.clone(), new: new.primary_key.clone() });
    }
    let fk_key = |fk: &ForeignKey| (lower(&fk.columns), fk.ref_table.to_lowercase(), lower(&fk.ref_columns));
    (out.added_foreign_keys, out.removed_foreign_keys) = set_diff(&old.foreign_keys, &new.foreign_keys, fk_key);
    (out.added_unique, out.removed_unique) = set_diff(&old.unique, &new.unique, |u| lower(u));
    let index_key = |i: &Index| (i.name.to_lowercase(), lower(&i.columns), i.unique);
    (out.added_indexes, out.removed_indexes) = set_diff(&old.indexes, &new.indexes, index_key);
    if old.comment != new.comment {
        out.comment = Some(Change { old: old.comment.clone(), new: new.comment.clone() });
    }
    let unchanged = TableDiff { table: out.table.clone(), ..TableDiff::default() };
    (out != unchanged).then_some(out)
}

fn column_diff(old: &Column, new: &Column) -> Option<ColumnDiff> {
    let changed = |o: &Option<String>, n: &Option<String>| {
        (o.as_deref().map(str::trim) != n.as_deref().map(str::trim)).then(|| Change { old: o.clone(), new: n.clone() })
    };
    let default_changed = |o: &Option<String>, n: &Option<String>| {
        (o.as_deref().map(squash_sql) != n.as_deref().map(squash_sql))
            .then(|| Change { old: o.clone(), new: n.clone() })
    };
    let out = ColumnDiff {
        column: new.name.clone(),
        data_type: (squash(&old.data_type) != squash(&new.data_type))
            .then(|| Change { old: old.data_type.clone(), new: new.data_type.clone() }),
        nullable: (old.nullable != new.nullable).then_some(Change { old: old.nullable, new: new.nullable }),
        default: default_changed(&old.default, &new.default),
        comment: changed(&old.comment, &new.comment),
    };
    let unchanged = out.data_type.is_none() && out.nullable.is_none() && out.default.is_none() && out.comment.is_none();
    (!unchanged).then_some(out)
}

/// Lower case without whitespace.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// SQL text with case and whitespace outside quotes ignored: `DEFAULT TRUE` equals `DEFAULT true`, but
/// `'Y'` differs from `'y'`.
fn squash_sql(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c.is_whitespace() => continue,
            None => {
                out.extend(c.to_lowercase());
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn lower(names: &[String]) -> Vec<String> {
    names.iter().map(|n| n.to_lowercase()).collect()
}

/// Items paired by name, the old-only items and the new-only items.
type Paired<'a, T> = (Vec<(&'a T, &'a T)>, Vec<&'a T>, Vec<&'a T>);

/// Pairs items by name, exactly first and then ignoring case.
fn pair<'a, T>(old: &'a [T], new: &'a [T], name: impl Fn(&T) -> &String) -> Paired<'a, T> {
    let mut unmatched: Vec<Option<&T>> = new.iter().map(Some).collect();
    let mut pairs = Vec::new();
    let mut removed = Vec::new();
    for exact in [true, false] {
        let pending: Vec<&T> = if exact { old.iter().collect() } else { std::mem::take(&mut removed) };
        for o in pending {
            let found = unmatched.iter_mut().find(|n| {
                n.is_some_and(
                    |n| if exact { name(n) == name(o) } else { name(n).to_lowercase() == name(o).to_lowercase() },
                )
            });
            match found.and_then(Option::take) {
                Some(n) => pairs.push((o, n)),
                None => removed.push(o),
            }
        }
    }
    (pairs, removed, unmatched.into_iter().flatten().collect())
}

/// Multiset difference by key: (only in `new`, only in `old`).
fn set_diff<T: Clone, K: PartialEq>(old: &[T], new: &[T], key: impl Fn(&T) -> K) -> (Vec<T>, Vec<T>) {
    let mut added: Vec<Option<&T>> = new.iter().map(Some).collect();
    let mut removed = Vec::new();
    for o in old {
        let k = key(o);
        match added.iter_mut().find(|n| n.is_some_and(|n| key(n) == k)) {
            Some(slot) => *slot = None,
            None => removed.push(o.clone()),
        }
    }
    (added.into_iter().flatten().cloned().collect(), removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Dialect;

    fn column(name: &str, data_type: &str) -> Column {
        Column { name: name.into(), data_type: data_type.into(), nullable: true, default: None, comment: None }
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        Table {
            name: name.into(),
            columns,
            primary_key: vec![],
            foreign_keys: vec![],
            unique: vec![],
            indexes: vec![],
            comment: None,
        }
    }

    fn catalog(tables: Vec<Table>) -> Catalog {
        Catalog { dialect: Dialect::Postgres, tables }
    }

    fn shop() -> Catalog {
        let mut customer = table("customer", vec![column("id", "integer"), column("email", "text")]);
        customer.primary_key = vec!["id".into()];
        customer.unique = vec![vec!["email".into()]];
        customer.indexes =
            vec![Index { name: "customer_email_key".into(), columns: vec!["email".into()], unique: true }];
        let mut orders = table("orders", vec![column("id", "integer"), column("customer_id", "integer")]);
        orders.primary_key = vec!["id".into()];
        orders.foreign_keys = vec![
            ForeignKey {
                columns: vec!["customer_id".into()],
                ref_table: "customer".into(),
                ref_columns: vec!["id".into()],
            },
            ForeignKey { columns: vec!["id".into()], ref_table: "orders".into(), ref_columns: vec!["id".into()] },
        ];
        catalog(vec![customer, orders])
    }

    #[test]
    fn identical_catalogs_have_no_diff() {
        let diff = diff(&shop(), &shop());
        assert!(diff.is_empty(), "{diff:?}");
        assert_eq!(diff.summary(), "");
        assert_eq!(serde_json::to_value(&diff).ok(), Some(serde_json::json!({})));
    }

    #[test]
    fn order_case_and_type_spelling_are_not_changes() {
        let mut old = shop();
        old.tables[0].columns[1].default = Some("current_timestamp ".into());
        let mut new = shop();
        new.tables.reverse();
        new.tables[1].columns.reverse();
        new.tables[1].columns[1].data_type = "INTEGER".into();
        new.tables[1].columns[0].data_type = " TEXT ".into();
        new.tables[1].columns[0].default = Some("CURRENT_timestamp".into());
        new.tables[0].foreign_keys.reverse();
        new.tables[0].name = "Orders".into();
        let diff = diff(&old, &new);
        assert!(diff.is_empty(), "{}", diff.summary());
    }

    #[test]
    fn every_kind_of_change_is_reported() {
        let old = shop();
        let mut new = shop();
        new.tables[0].columns[1].data_type = "character varying(80)".into();
        new.tables[0].columns[1].nullable = false;
        new.tables[0].columns[1].default = Some("''::text".into());
        new.tables[0].columns[0].comment = Some("key".into());
        new.tables[0].columns.push(Column { nullable: false, ..column("name", "text") });
        new.tables[0].unique.clear();
        new.tables[0].indexes = vec![Index { name: "by_email".into(), columns: vec!["email".into()], unique: false }];
        new.tables[0].comment = Some("people".into());
        new.tables[1].columns.remove(1);
        new.tables[1].primary_key = vec!["id".into(), "customer_id".into()];
        new.tables[1].foreign_keys.remove(0);
        new.tables.push(table("item", vec![column("id", "integer")]));
        new.tables.remove(1);
        new.tables.push(table("line", vec![]));
        let diff = diff(&old, &new);
        assert_eq!(diff.added_tables, ["item", "line"]);
        assert_eq!(diff.removed_tables, ["orders"]);
        assert_eq!(
            diff.summary(),
            "+ table item\n\
             + table line\n\
             - table orders\n\
             + column customer.name text NOT NULL\n\
             ~ column customer.id: comment none -> \"key\"\n\
             ~ column customer.email: type text -> character varying(80)\n\
             ~ column customer.email: NULL -> NOT NULL\n\
             ~ column customer.email: default none -> ''::text\n\
             - unique customer(email)\n\
             + index customer.by_email (email)\n\
             - unique index customer.customer_email_key (email)\n\
             ~ comment customer: none -> \"people\"\n"
        );

        let mut newer = shop();
        newer.tables[1].columns.remove(1);
        newer.tables[1].primary_key = vec!["id".into(), "customer_id".into()];
        newer.tables[1].foreign_keys.remove(0);
        let diff = super::diff(&shop(), &newer);
        assert_eq!(
            diff.summary(),
            "- column orders.customer_id\n\
             ~ primary key orders: (id) -> (id, customer_id)\n\
             - foreign key orders(customer_id) -> customer(id)\n"
        );
        let json = serde_json::to_value(&diff).ok();
        assert_eq!(
            json,
            Some(serde_json::json!({"changed_tables": [{
                "table": "orders",
                "removed_columns": ["customer_id"],
                "primary_key": {"old": ["id"], "new": ["id", "customer_id"]},
                "removed_foreign_keys": [{"columns": ["customer_id"], "ref_table": "customer", "ref_columns": ["id"]}],
            }]}))
        );
    }
}
