//! PostgreSQL introspection from the system catalogs (PostgreSQL >= 12): four queries for the whole database,
//! not one per table.
//!
//! What counts as a table: ordinary and partitioned tables (relkind `r`/`p`) the connection may SELECT from, in
//! every schema but `pg_catalog`, `information_schema`, `pg_toast*` and `pg_temp*`. Partitions are left out: they
//! are reached through their parent. Tables in `public` are named bare, others `schema.table`.
//!
//! Types are `format_type` spellings (`character varying(40)`, `numeric(10,2)`, `integer`); defaults are
//! `pg_get_expr` text (`nextval('actor_actor_id_seq'::regclass)`); generated columns have none. Indexes leave
//! out the primary key's own index (it is [`Table::primary_key`]) but keep the indexes behind UNIQUE
//! constraints; INCLUDE columns are not key columns and are left out; an expression key column is recorded as
//! its expression as PostgreSQL prints it, implicit casts included (`lower(sku::text)` for a `char(8)` column).

use super::{int, run, text};
use crate::catalog::{Catalog, Column, Dialect, ForeignKey, Index, Table};
use crate::error::Result;
use crate::order::LeanSort as _;
use crate::ports::SqlSource;
use std::collections::BTreeMap;

/// The introspected tables as a CTE `t(oid, name)`, shared by every query.
macro_rules! user_tables {
    () => {
        "WITH t AS (SELECT c.oid, \
         CASE WHEN n.nspname = 'public' THEN c.relname::text ELSE n.nspname || '.' || c.relname END AS name \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
         AND pg_catalog.has_table_privilege(c.oid, 'SELECT')) "
    };
}

const TABLES: &str = concat!(
    user_tables!(),
    "SELECT t.oid::int8 AS rel, t.name AS name, pg_catalog.obj_description(t.oid, 'pg_class') AS comment \
     FROM t ORDER BY t.name"
);

const COLUMNS: &str = concat!(
    user_tables!(),
    "SELECT a.attrelid::int8 AS rel, a.attnum AS num, a.attname::text AS name, \
     pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull::int AS not_null, \
     CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END AS dflt, pg_catalog.col_description(a.attrelid, a.attnum) AS comment \
     FROM t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid \
     LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2"
);

/// Primary keys (`p`), UNIQUE constraints (`u`) and foreign keys (`f`), one row per column in constraint order.
/// The referenced table is named here because it may lie outside the introspected set.
const CONSTRAINTS: &str = concat!(
    user_tables!(),
    "SELECT con.conrelid::int8 AS rel, con.oid::int8 AS id, con.contype::text AS kind, k.ord AS ord, \
     a.attname::text AS col, fa.attname::text AS ref_col, \
     CASE WHEN rn.nspname = 'public' THEN rc.relname::text ELSE rn.nspname || '.' || rc.relname END AS ref_table \
     FROM t JOIN pg_catalog.pg_constraint con ON con.conrelid = t.oid \
     CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, ref_attnum, ord) \
     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
     LEFT JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.ref_attnum \
     LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace \
     WHERE con.contype IN ('p', 'u', 'f') ORDER BY 1, 2, 4"
);

/// Indexes other than primary keys, one row per key column in index order.
const INDEXES: &str = concat!(
    user_tables!(),
    "SELECT i.indrelid::int8 AS rel, ic.relname::text AS idx, i.indisunique::int AS uniq, k.ord AS ord, \
     CASE WHEN k.attnum = 0 THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true) \
     ELSE a.attname::text END AS col \
     FROM t JOIN pg_catalog.pg_index i ON i.indrelid = t.oid \
     JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
     CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
     LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
     WHERE NOT i.indisprimary AND k.ord <= i.indnkeyatts ORDER BY 1, 2, 4"
);

pub(super) async fn catalog(sql: &dyn SqlSource, connection: &str) -> Result<Catalog> {
    // Keyed by the table's oid (as text: adapters may carry numbers either way).
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let rows = run(sql, connection, TABLES).await?;
    for row in &rows.rows {
        let (Some(rel), Some(name)) = (text(&rows, row, "rel"), text(&rows, row, "name")) else { continue };
        let table = Table {
            name,
            columns: vec![],
            primary_key: vec![],
            foreign_keys: vec![],
            unique: vec![],
            indexes: vec![],
            comment: text(&rows, row, "comment"),
        };
        tables.insert(rel, table);
    }

    let rows = run(sql, connection, COLUMNS).await?;
    for row in &rows.rows {
        let (Some(rel), Some(name)) = (text(&rows, row, "rel"), text(&rows, row, "name")) else { continue };
        let Some(table) = tables.get_mut(&rel) else { continue };
        table.columns.push(Column {
            name,
            data_type: text(&rows, row, "data_type").unwrap_or_default(),
            nullable: int(&rows, row, "not_null") == 0,
            default: text(&rows, row, "dflt"),
            comment: text(&rows, row, "comment"),
        });
    }

    // Rows arrive ordered by table, constraint and position: consecutive rows with one id form one constraint.
    let rows = run(sql, connection, CONSTRAINTS).await?;
    let mut constraints: Vec<(String, String, String, ForeignKey)> = Vec::new();
    for row in &rows.rows {
        let (Some(rel), Some(id), Some(kind), Some(col)) =
            (text(&rows, row, "rel"), text(&rows, row, "id"), text(&rows, row, "kind"), text(&rows, row, "col"))
        else {
            continue;
        };
        if !constraints.last().is_some_and(|(r, i, _, _)| *r == rel && *i == id) {
            let ref_table = text(&rows, row, "ref_table").unwrap_or_default();
            constraints.push((rel, id, kind, ForeignKey { columns: vec![], ref_table, ref_columns: vec![] }));
        }
        if let Some((_, _, _, fk)) = constraints.last_mut() {
            fk.columns.push(col);
            fk.ref_columns.extend(text(&rows, row, "ref_col"));
        }
    }
    for (rel, _, kind, fk) in constraints {
        let Some(table) = tables.get_mut(&rel) else { continue };
        match kind.as_str() {
            "p" => table.primary_key = fk.columns,
            "u" => table.unique.push(fk.columns),
            _ => table.foreign_keys.push(fk),
        }
    }

    let rows = run(sql, connection, INDEXES).await?;
    let mut indexes: Vec<(String, Index)> = Vec::new();
    for row in &rows.rows {
        let (Some(rel), Some(idx), Some(col)) =
            (text(&rows, row, "rel"), text(&rows, row, "idx"), text(&rows, row, "col"))
        else {
            continue;
        };
        if !indexes.last().is_some_and(|(r, index)| *r == rel && index.name == idx) {
            let unique = int(&rows, row, "uniq") == 1;
            indexes.push((rel.clone(), Index { name: idx, columns: vec![], unique }));
        }
        if let Some((_, index)) = indexes.last_mut() {
            index.columns.push(col);
        }
    }
    for (rel, index) in indexes {
        if let Some(table) = tables.get_mut(&rel) {
            table.indexes.push(index);
        }
    }

    let mut tables: Vec<Table> = tables.into_values().collect();
    tables.lean_sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Catalog { dialect: Dialect::Postgres, tables })
}
