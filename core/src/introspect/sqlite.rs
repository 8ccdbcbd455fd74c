//! SQLite introspection with the table-valued pragma functions (SQLite >= 3.16).

use super::{int, run, text};
use crate::catalog::{Catalog, Column, Dialect, ForeignKey, Index, Table};
use crate::error::Result;
use crate::order::LeanSort as _;
use crate::ports::SqlSource;
use std::collections::BTreeMap;

// SQLite's own tables (`sqlite_*`) and Cloudflare D1's (`_cf_*`, which D1 refuses to describe) are not the user's.
const TABLES: &str = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
     AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name";

const COLUMNS: &str = "SELECT m.name AS tbl, p.cid AS cid, p.name AS name, p.type AS decl_type, p.\"notnull\" AS not_null, \
     p.dflt_value AS dflt, p.pk AS pk \
     FROM sqlite_master m JOIN pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' \
     ORDER BY m.name, p.cid";

const FOREIGN_KEYS: &str = "SELECT m.name AS tbl, f.id AS id, f.seq AS seq, f.\"table\" AS ref, f.\"from\" AS col, f.\"to\" AS ref_col \
     FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
     WHERE m.type = 'table' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY m.name, f.id, f.seq";

const INDEXES: &str = "SELECT m.name AS tbl, il.name AS idx, il.\"unique\" AS uniq, il.origin AS origin, ii.seqno AS seqno, ii.name AS col \
     FROM sqlite_master m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii \
     WHERE m.type = 'table' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY m.name, il.name, ii.seqno";

pub(super) async fn catalog(sql: &dyn SqlSource, connection: &str) -> Result<Catalog> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let rows = run(sql, connection, TABLES).await?;
    for row in &rows.rows {
        if let Some(name) = text(&rows, row, "name") {
            tables.insert(
                name.clone(),
                Table {
                    name,
                    columns: vec![],
                    primary_key: vec![],
                    foreign_keys: vec![],
                    unique: vec![],
                    indexes: vec![],
                    comment: None,
                },
            );
        }
    }

    let rows = run(sql, connection, COLUMNS).await?;
    let mut pk_order: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for row in &rows.rows {
        let (Some(tbl), Some(name)) = (text(&rows, row, "tbl"), text(&rows, row, "name")) else { continue };
        let Some(table) = tables.get_mut(&tbl) else { continue };
        let pk = int(&rows, row, "pk");
        if pk > 0 {
            pk_order.entry(tbl.clone()).or_default().push((pk, name.clone()));
        }
        table.columns.push(Column {
            data_type: text(&rows, row, "decl_type").unwrap_or_default(),
            // SQLite lets a non-INTEGER primary key hold NULL, but users treat key columns as required.
            nullable: int(&rows, row, "not_null") == 0 && pk == 0,
            default: text(&rows, row, "dflt"),
            comment: None,
            name,
        });
    }
    for (tbl, mut cols) in pk_order {
        cols.lean_sort();
        if let Some(table) = tables.get_mut(&tbl) {
            table.primary_key = cols.into_iter().map(|(_, c)| c).collect();
        }
    }

    let rows = run(sql, connection, FOREIGN_KEYS).await?;
    let mut fks: BTreeMap<(String, i64), ForeignKey> = BTreeMap::new();
    for row in &rows.rows {
        let (Some(tbl), Some(reference), Some(col)) =
            (text(&rows, row, "tbl"), text(&rows, row, "ref"), text(&rows, row, "col"))
        else {
            continue;
        };
        let fk = fks.entry((tbl, int(&rows, row, "id"))).or_insert_with(|| ForeignKey {
            columns: vec![],
            ref_table: reference,
            ref_columns: vec![],
        });
        fk.columns.push(col);
        if let Some(ref_col) = text(&rows, row, "ref_col") {
            fk.ref_columns.push(ref_col);
        }
    }
    for ((tbl, _), mut fk) in fks {
        // `REFERENCES t` without columns means t's primary key.
        if fk.ref_columns.is_empty() {
            fk.ref_columns = tables.get(&fk.ref_table).map(|t| t.primary_key.clone()).unwrap_or_default();
        }
        if let Some(table) = tables.get_mut(&tbl) {
            table.foreign_keys.push(fk);
        }
    }

    let rows = run(sql, connection, INDEXES).await?;
    let mut indexes: BTreeMap<(String, String), (Index, String)> = BTreeMap::new();
    for row in &rows.rows {
        let (Some(tbl), Some(idx), Some(col)) =
            (text(&rows, row, "tbl"), text(&rows, row, "idx"), text(&rows, row, "col"))
        else {
            continue;
        };
        let origin = text(&rows, row, "origin").unwrap_or_default();
        let unique = int(&rows, row, "uniq") == 1;
        indexes
            .entry((tbl, idx.clone()))
            .or_insert_with(|| (Index { name: idx, columns: vec![], unique }, origin))
            .0
            .columns
            .push(col);
    }
    for ((tbl, _), (index, origin)) in indexes {
        let Some(table) = tables.get_mut(&tbl) else { continue };
        match origin.as_str() {
            // The automatic index of the primary key duplicates `primary_key`.
            "pk" => {}
            // UNIQUE constraints: recorded as constraints and as the index that enforces them.
            "u" => {
                table.unique.push(index.columns.clone());
                table.indexes.push(index);
            }
            _ => table.indexes.push(index),
        }
    }

    Ok(Catalog { dialect: Dialect::Sqlite, tables: tables.into_values().collect() })
}
