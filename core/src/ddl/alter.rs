//! Statements that change existing tables: `ALTER TABLE`, `CREATE INDEX`, `COMMENT ON`, `DROP`.

use super::At;
use super::build::{Builder, Entry};
use crate::catalog::{Dialect, Index};
use crate::error::Result;
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, CommentObject, CreateIndex, Expr, Ident, ObjectName,
    ObjectType, RenameTableNameKind,
};
use sqlparser::tokenizer::Span;

impl Builder {
    /// Takes a table out of the map for changing; `None` when it does not exist.
    fn take(&mut self, name: &str) -> Option<Entry> {
        let key = self.find_table(name)?;
        self.tables.remove(&key)
    }

    fn put(&mut self, entry: Entry) {
        self.tables.insert(entry.table.name.clone(), entry);
    }

    pub(super) fn alter_table(&mut self, alter: &AlterTable, at: &At) -> Result<()> {
        let name = self.table_name(&alter.name, at)?;
        // `ALTER TABLE seq OWNER TO x` is legal for sequences and views: only changes need a table.
        if alter.operations.iter().all(|op| !changes_catalog(op)) {
            let ops: Vec<String> = alter.operations.iter().map(short).collect();
            self.skip(at, format!("ignored: {}", ops.join("; ")));
            return Ok(());
        }
        let Some(mut entry) = self.take(&name) else {
            return self.unknown_table(&name, alter.if_exists, at);
        };
        let mut ignored = Vec::new();
        for operation in &alter.operations {
            match self.alter_operation(&mut entry, operation, at) {
                Ok(Some(note)) => ignored.push(note),
                Ok(None) => {}
                Err(error) => {
                    self.put(entry);
                    return Err(error);
                }
            }
        }
        self.mysql_fk_indexes(&mut entry);
        self.put(entry);
        if !ignored.is_empty() {
            self.skip(at, format!("ignored: {}", ignored.join("; ")));
        }
        Ok(())
    }

    /// Applies one operation; returns a note for operations that do not affect the catalog.
    fn alter_operation(
        &mut self,
        entry: &mut Entry,
        operation: &AlterTableOperation,
        at: &At,
    ) -> Result<Option<String>> {
        match operation {
            AlterTableOperation::AddConstraint { constraint, .. } => self.add_constraint(entry, constraint, at)?,
            AlterTableOperation::AddColumn { column_def, if_not_exists, .. } => {
                let exists = self.find_column(&entry.table, &self.ident(&column_def.name)).is_some();
                if !(exists && *if_not_exists) {
                    self.add_column(entry, column_def, at)?;
                }
            }
            AlterTableOperation::DropColumn { column_names, if_exists, .. } => {
                for ident in column_names {
                    match self.column_of(&entry.table, ident, at) {
                        Ok(column) => self.drop_column(entry, &column),
                        Err(_) if *if_exists => {}
                        Err(error) => return Err(error),
                    }
                }
            }
            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                let old = self.column_of(&entry.table, old_column_name, at)?;
                self.rename_column(entry, &old, &self.ident(new_column_name));
            }
            AlterTableOperation::RenameTable {
                table_name: RenameTableNameKind::To(name) | RenameTableNameKind::As(name),
            } => {
                self.rename_table(entry, name, at)?;
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let name = self.column_of(&entry.table, column_name, at)?;
                let current = entry.table.columns.iter().find(|c| c.name == name).map(|c| c.data_type.clone());
                let (data_type, default) = match op {
                    AlterColumnOperation::SetDataType { data_type, .. } => (Some(self.data_type(data_type).0), None),
                    AlterColumnOperation::SetDefault { value } => {
                        (None, Some(self.default(value, current.as_deref().unwrap_or_default())))
                    }
                    _ => (None, None),
                };
                if let Some(column) = entry.table.columns.iter_mut().find(|c| c.name == name) {
                    match op {
                        AlterColumnOperation::SetNotNull | AlterColumnOperation::AddGenerated { .. } => {
                            column.nullable = false;
                        }
                        AlterColumnOperation::DropNotNull => column.nullable = true,
                        AlterColumnOperation::DropDefault => column.default = None,
                        AlterColumnOperation::SetDataType { .. } | AlterColumnOperation::SetDefault { .. } => {}
                    }
                    if let Some(data_type) = data_type {
                        column.data_type = data_type;
                    }
                    if let Some(default) = default {
                        column.default = default;
                    }
                }
            }
            AlterTableOperation::ModifyColumn { col_name, data_type, options, .. } => {
                self.redefine_column(entry, col_name, col_name, data_type, options, at)?;
            }
            AlterTableOperation::ChangeColumn { old_name, new_name, data_type, options, .. } => {
                self.redefine_column(entry, old_name, new_name, data_type, options, at)?;
            }
            AlterTableOperation::DropPrimaryKey { .. } => {
                entry.table.primary_key.clear();
                entry.pk_name = None;
            }
            AlterTableOperation::DropConstraint { name, if_exists, .. } => {
                let name = self.ident(name);
                if !self.drop_constraint(entry, &name) && !if_exists {
                    return Ok(Some(format!("DROP CONSTRAINT {name} (not a known key or unique constraint)")));
                }
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                let (old, new) = (self.ident(old_name), self.ident(new_name));
                if entry.pk_name.as_deref() == Some(old.as_str()) {
                    entry.pk_name = Some(new.clone());
                }
                for fk in entry.fks.iter_mut().filter(|fk| fk.name.as_deref() == Some(old.as_str())) {
                    fk.name = Some(new.clone());
                }
                // A unique constraint's index is renamed with it.
                for index in entry.table.indexes.iter_mut().filter(|i| i.unique && i.name == old) {
                    index.name.clone_from(&new);
                }
            }
            AlterTableOperation::DropForeignKey { name, .. } => {
                let name = self.ident(name);
                entry.fks.retain(|fk| fk.name.as_deref() != Some(name.as_str()));
            }
            AlterTableOperation::DropIndex { name } => {
                let name = self.ident(name);
                remove_index(entry, &name);
            }
            other => return Ok(Some(short(other))),
        }
        Ok(None)
    }

    /// MySQL `MODIFY`/`CHANGE`: the column is declared again from scratch, keeping its position.
    fn redefine_column(
        &mut self,
        entry: &mut Entry,
        old: &Ident,
        new: &Ident,
        data_type: &sqlparser::ast::DataType,
        options: &[sqlparser::ast::ColumnOption],
        at: &At,
    ) -> Result<()> {
        let old = self.column_of(&entry.table, old, at)?;
        let new = self.ident(new);
        if old != new {
            self.rename_column(entry, &old, &new);
        }
        let Some(index) = entry.table.columns.iter().position(|c| c.name == new) else { return Ok(()) };
        if let Some(column) = entry.table.columns.get_mut(index) {
            column.data_type = self.data_type(data_type).0;
            column.nullable = true;
            column.default = None;
            column.comment = None;
        }
        for option in options {
            self.column_option(entry, index, None, option, at)?;
        }
        Ok(())
    }

    /// Drops a column with the keys and indexes that use it (and foreign keys of other tables pointing at it).
    fn drop_column(&mut self, entry: &mut Entry, column: &str) {
        let table = &mut entry.table;
        table.columns.retain(|c| c.name != column);
        if table.primary_key.iter().any(|c| c == column) {
            table.primary_key.clear();
            entry.pk_name = None;
        }
        table.unique.retain(|u| !u.iter().any(|c| c == column));
        table.indexes.retain(|i| !i.columns.iter().any(|c| c == column));
        entry.fks.retain(|fk| !fk.columns.iter().any(|c| c == column));
        let name = entry.table.name.clone();
        for other in self.tables.values_mut().chain(std::iter::once(entry)) {
            other.fks.retain(|fk| !(fk.ref_table == name && fk.ref_columns.iter().any(|c| c == column)));
        }
    }

    fn rename_column(&mut self, entry: &mut Entry, old: &str, new: &str) {
        let rename = |names: &mut Vec<String>| {
            for name in names.iter_mut().filter(|n| *n == old) {
                new.clone_into(name);
            }
        };
        let table = &mut entry.table;
        for column in table.columns.iter_mut().filter(|c| c.name == old) {
            new.clone_into(&mut column.name);
        }
        rename(&mut table.primary_key);
        table.unique.iter_mut().for_each(rename);
        table.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
        entry.fks.iter_mut().for_each(|fk| rename(&mut fk.columns));
        let name = entry.table.name.clone();
        for other in self.tables.values_mut().chain(std::iter::once(entry)) {
            other.fks.iter_mut().filter(|fk| fk.ref_table == name).for_each(|fk| rename(&mut fk.ref_columns));
        }
    }

    fn rename_table(&mut self, entry: &mut Entry, name: &ObjectName, at: &At) -> Result<()> {
        // The table stays in its schema.
        let relname = self.object_name(name, at)?;
        let schema = entry.table.name.strip_suffix(entry.relname.as_str()).unwrap_or_default();
        let new = format!("{schema}{relname}");
        if self.find_table(&new).is_some() {
            return Err(at.error(format!("table `{new}` already exists")));
        }
        entry.relname = relname;
        let old = std::mem::replace(&mut entry.table.name, new.clone());
        for other in self.tables.values_mut().chain(std::iter::once(entry)) {
            other.fks.iter_mut().filter(|fk| fk.ref_table == old).for_each(|fk| new.clone_into(&mut fk.ref_table));
        }
        Ok(())
    }

    /// Drops a primary key, foreign key or unique constraint by name; false when there is none.
    fn drop_constraint(&self, entry: &mut Entry, name: &str) -> bool {
        let pk_name = entry.pk_name.clone().or_else(|| (self.dialect == Dialect::Mysql).then(|| "PRIMARY".to_owned()));
        if !entry.table.primary_key.is_empty() && pk_name.as_deref() == Some(name) {
            entry.table.primary_key.clear();
            entry.pk_name = None;
            return true;
        }
        let fks = entry.fks.len();
        entry.fks.retain(|fk| fk.name.as_deref() != Some(name));
        fks != entry.fks.len() || remove_index(entry, name)
    }

    pub(super) fn create_index(&mut self, create: &CreateIndex, at: &At) -> Result<()> {
        let table = self.table_name(&create.table_name, at)?;
        let Some(mut entry) = self.take(&table) else {
            return self.unknown_table(&table, false, at);
        };
        let result = self.add_index(&mut entry, create, at);
        self.put(entry);
        result
    }

    fn add_index(&mut self, entry: &mut Entry, create: &CreateIndex, at: &At) -> Result<()> {
        let columns = self.index_columns(&entry.table, &create.columns, true, at)?;
        let name = match &create.name {
            Some(name) => self.object_name(name, at)?,
            None => {
                // PostgreSQL names expression columns after their function, else `expr`.
                let parts: Vec<String> = create
                    .columns
                    .iter()
                    .zip(&columns)
                    .map(|(column, name)| match &column.column.expr {
                        Expr::Identifier(_) => name.clone(),
                        Expr::Function(f) => {
                            f.name.0.last().and_then(|p| p.as_ident()).map_or("expr".to_owned(), |i| self.ident(i))
                        }
                        _ => "expr".to_owned(),
                    })
                    .collect();
                self.pg_index_name(entry, &parts, "idx")
            }
        };
        let exists = entry
            .table
            .indexes
            .iter()
            .chain(self.tables.values().flat_map(|e| &e.table.indexes))
            .any(|i| i.name == name);
        if exists {
            if create.if_not_exists {
                self.skip(at, format!("index `{name}` already exists"));
                return Ok(());
            }
            return Err(at.error(format!("index `{name}` already exists")));
        }
        entry.table.indexes.push(Index { name, columns, unique: create.unique });
        Ok(())
    }

    pub(super) fn comment(
        &mut self,
        object: CommentObject,
        name: &ObjectName,
        comment: Option<&str>,
        at: &At,
    ) -> Result<()> {
        let comment = comment.filter(|c| !c.is_empty()).map(str::to_owned);
        let parts: Vec<(String, bool)> =
            name.0.iter().filter_map(|p| p.as_ident()).map(|i| (i.value.clone(), i.quote_style.is_some())).collect();
        let (table, column) = match (object, parts.split_last()) {
            (CommentObject::Table, Some(_)) => (self.qualified(&parts), None),
            (CommentObject::Column, Some(((column, quoted), table))) => (
                self.qualified(table),
                Some(Ident { value: column.clone(), quote_style: quoted.then_some('"'), span: Span::empty() }),
            ),
            _ => (None, None),
        };
        let Some(table) = table else {
            self.skip(at, "not a table or column comment");
            return Ok(());
        };
        let Some(key) = self.find_table(&table) else {
            return self.unknown_table(&table, false, at);
        };
        let column = match column {
            Some(ident) => match self.tables.get(&key) {
                Some(entry) => Some(self.column_of(&entry.table, &ident, at)?),
                None => None,
            },
            None => None,
        };
        if let Some(entry) = self.tables.get_mut(&key) {
            match column {
                Some(column) => {
                    if let Some(c) = entry.table.columns.iter_mut().find(|c| c.name == column) {
                        c.comment = comment;
                    }
                }
                None => entry.table.comment = comment,
            }
        }
        Ok(())
    }

    pub(super) fn drop(&mut self, object: ObjectType, names: &[ObjectName], if_exists: bool, at: &At) {
        for name in names {
            let name = match object {
                ObjectType::Table => self.table_name(name, at),
                _ => self.object_name(name, at),
            };
            let Ok(name) = name else { continue };
            let found = match object {
                ObjectType::Table => match self.take(&name) {
                    Some(entry) => {
                        // The referencing foreign keys go too (CASCADE in PostgreSQL, dangling in SQLite).
                        for other in self.tables.values_mut() {
                            other.fks.retain(|fk| fk.ref_table != entry.table.name);
                        }
                        true
                    }
                    None => false,
                },
                ObjectType::Index => self.tables.values_mut().any(|entry| remove_index(entry, &name)),
                _ => {
                    self.skip(at, "not a table or index");
                    return;
                }
            };
            if !found && !if_exists {
                self.skip(at, format!("`{name}` does not exist"));
            }
        }
    }
}

impl Builder {
    /// `ALTER TABLE parent ATTACH PARTITION child`: the child stops being a table of its own.
    pub(super) fn attach_partition(&mut self, name: &str, at: &At) {
        if let Some(entry) = self.take(name) {
            for other in self.tables.values_mut() {
                other.fks.retain(|fk| fk.ref_table != entry.table.name);
            }
        }
        self.note_relation(name);
        self.skip(at, format!("`{name}` becomes a partition: partitions are reached through their parent"));
    }

    /// A statement about a table that does not exist: skipped when it names a view, sequence or partition (or
    /// says IF EXISTS), an error otherwise.
    fn unknown_table(&mut self, name: &str, if_exists: bool, at: &At) -> Result<()> {
        if self.is_other_relation(name) {
            self.skip(at, format!("`{name}` is not a table"));
            Ok(())
        } else if if_exists {
            self.skip(at, format!("table `{name}` does not exist"));
            Ok(())
        } else {
            Err(at.error(format!("unknown table `{name}`")))
        }
    }
}

/// Whether an ALTER TABLE operation changes what the catalog records.
fn changes_catalog(operation: &AlterTableOperation) -> bool {
    matches!(
        operation,
        AlterTableOperation::AddConstraint { .. }
            | AlterTableOperation::AddColumn { .. }
            | AlterTableOperation::DropColumn { .. }
            | AlterTableOperation::RenameColumn { .. }
            | AlterTableOperation::RenameTable { .. }
            | AlterTableOperation::AlterColumn { .. }
            | AlterTableOperation::ModifyColumn { .. }
            | AlterTableOperation::ChangeColumn { .. }
            | AlterTableOperation::DropPrimaryKey { .. }
            | AlterTableOperation::DropConstraint { .. }
            | AlterTableOperation::RenameConstraint { .. }
            | AlterTableOperation::DropForeignKey { .. }
            | AlterTableOperation::DropIndex { .. }
    )
}

/// An operation for a note: its first 40 characters.
fn short(operation: &AlterTableOperation) -> String {
    operation.to_string().chars().take(40).collect()
}

/// Removes an index by name, with the UNIQUE constraint it enforces; false when there is none.
fn remove_index(entry: &mut Entry, name: &str) -> bool {
    let Some(position) = entry.table.indexes.iter().position(|i| i.name == name) else { return false };
    let index = entry.table.indexes.remove(position);
    if index.unique
        && let Some(unique) = entry.table.unique.iter().position(|u| *u == index.columns)
    {
        entry.table.unique.remove(unique);
    }
    true
}
