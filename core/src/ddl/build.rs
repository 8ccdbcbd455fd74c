//! The catalog under construction: `CREATE TABLE`, columns and constraints, and the final checks.

use super::{At, DdlImport, Skipped, types};
use crate::catalog::{Catalog, Column, Dialect, ForeignKey, Index, Table};
use crate::error::{Error, Result};
use crate::order::LeanSort as _;
use sqlparser::ast::{
    ColumnDef, ColumnOption, CreateTable, CreateTableLikeDefaults, CreateTableLikeKind, CreateTableOptions, DataType,
    Expr, Ident, IndexColumn, ObjectName, SqlOption, Statement, TableConstraint, Value, ValueWithSpan,
};
use std::collections::{BTreeMap, BTreeSet};

pub(super) struct Builder {
    pub(super) dialect: Dialect,
    /// Tables by exact name; the map order is the catalog order.
    pub(super) tables: BTreeMap<String, Entry>,
    /// Relations that are not tables (views, sequences, partitions), lower-cased: statements about them are
    /// skipped rather than reported as referring to an unknown table.
    pub(super) others: BTreeSet<String>,
    pub(super) skipped: Vec<Skipped>,
}

/// A table plus what the catalog does not keep but later statements need.
pub(super) struct Entry {
    pub(super) table: Table,
    /// The name without its schema, which PostgreSQL uses to name the table's indexes and sequences.
    pub(super) relname: String,
    /// Line of its `CREATE TABLE`.
    pub(super) line: usize,
    pub(super) pk_name: Option<String>,
    /// Foreign keys as written; resolved against the referenced tables at the end.
    pub(super) fks: Vec<Fk>,
    /// SQLite: columns of the automatic indexes in creation order (their names are numbered).
    pub(super) autoindexes: Vec<Vec<String>>,
}

pub(super) struct Fk {
    pub(super) name: Option<String>,
    pub(super) columns: Vec<String>,
    pub(super) ref_table: String,
    pub(super) ref_columns: Vec<String>,
    pub(super) at: At,
}

impl Builder {
    pub(super) fn new(dialect: Dialect) -> Self {
        Self { dialect, tables: BTreeMap::new(), others: BTreeSet::new(), skipped: Vec::new() }
    }

    pub(super) fn skip(&mut self, at: &At, reason: impl Into<String>) {
        self.skipped.push(at.skipped(reason));
    }

    pub(super) fn apply(&mut self, statement: &Statement, at: &At) -> Result<()> {
        match statement {
            Statement::CreateTable(create) => self.create_table(create, at),
            Statement::AlterTable(alter) => self.alter_table(alter, at),
            Statement::CreateIndex(index) => self.create_index(index, at),
            Statement::Comment { object_type, object_name, comment, .. } => {
                self.comment(*object_type, object_name, comment.as_deref(), at)
            }
            Statement::Drop { object_type, names, if_exists, .. } => {
                self.drop(*object_type, names, *if_exists, at);
                Ok(())
            }
            _ => {
                self.skip(at, "not a table, index or comment definition");
                Ok(())
            }
        }
    }

    /// An identifier as the server stores it: unquoted PostgreSQL names fold to lower case.
    pub(super) fn ident(&self, ident: &Ident) -> String {
        self.fold(&ident.value, ident.quote_style.is_some())
    }

    pub(super) fn fold(&self, name: &str, quoted: bool) -> String {
        if self.dialect == Dialect::Postgres && !quoted { name.to_ascii_lowercase() } else { name.to_owned() }
    }

    /// The last part of a possibly qualified name (indexes, constraints).
    pub(super) fn object_name(&self, name: &ObjectName, at: &At) -> Result<String> {
        match name.0.last().and_then(|part| part.as_ident()) {
            Some(ident) => Ok(self.ident(ident)),
            None => Err(at.error(format!("unsupported name `{name}`"))),
        }
    }

    /// A table name as the catalog keeps it: bare, except PostgreSQL tables outside `public`, which are
    /// `schema.table` (the way introspection names them). SQLite and MySQL qualifiers name databases: dropped.
    pub(super) fn table_name(&self, name: &ObjectName, at: &At) -> Result<String> {
        let parts: Option<Vec<(String, bool)>> =
            name.0.iter().map(|part| part.as_ident().map(|i| (i.value.clone(), i.quote_style.is_some()))).collect();
        parts.and_then(|parts| self.qualified(&parts)).ok_or_else(|| at.error(format!("unsupported name `{name}`")))
    }

    /// [`Self::table_name`] for (name, quoted) parts.
    pub(super) fn qualified(&self, parts: &[(String, bool)]) -> Option<String> {
        let (name, quoted) = parts.last()?;
        let table = self.fold(name, *quoted);
        match parts.len().checked_sub(2).and_then(|i| parts.get(i)) {
            Some((schema, quoted)) if self.dialect == Dialect::Postgres => {
                let schema = self.fold(schema, *quoted);
                Some(if schema == "public" { table } else { format!("{schema}.{table}") })
            }
            _ => Some(table),
        }
    }

    /// Records a relation that is not a table.
    pub(super) fn note_relation(&mut self, name: &str) {
        self.others.insert(name.to_lowercase());
    }

    pub(super) fn is_other_relation(&self, name: &str) -> bool {
        self.others.contains(&name.to_lowercase())
    }

    /// The key of a table: exact match, or (outside PostgreSQL, whose quoted names are case-sensitive) a match
    /// ignoring case.
    pub(super) fn find_table(&self, name: &str) -> Option<String> {
        if self.tables.contains_key(name) {
            return Some(name.to_owned());
        }
        if self.dialect == Dialect::Postgres {
            return None;
        }
        self.tables.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned()
    }

    /// The declared name of `name` in `table`, under the same matching rules as tables.
    pub(super) fn find_column(&self, table: &Table, name: &str) -> Option<String> {
        if let Some(column) = table.columns.iter().find(|c| c.name == name) {
            return Some(column.name.clone());
        }
        if self.dialect == Dialect::Postgres {
            return None;
        }
        table.column(name).map(|c| c.name.clone())
    }

    pub(super) fn column_of(&self, table: &Table, ident: &Ident, at: &At) -> Result<String> {
        let name = self.ident(ident);
        self.find_column(table, &name)
            .ok_or_else(|| at.error(format!("unknown column `{name}` in table `{}`", table.name)))
    }

    pub(super) fn columns_of(&self, table: &Table, idents: &[Ident], at: &At) -> Result<Vec<String>> {
        idents.iter().map(|ident| self.column_of(table, ident, at)).collect()
    }

    /// Columns of a key or index: plain column names, or (when `expressions`) expressions as written.
    pub(super) fn index_columns(
        &self,
        table: &Table,
        columns: &[IndexColumn],
        expressions: bool,
        at: &At,
    ) -> Result<Vec<String>> {
        let mut names = Vec::with_capacity(columns.len());
        for column in columns {
            let name = match &column.column.expr {
                Expr::Identifier(ident) => self.column_of(table, ident, at)?,
                // MySQL prefix indexes: `KEY (title(10))` indexes `title`.
                Expr::Function(function)
                    if self.dialect == Dialect::Mysql
                        && function.name.0.len() == 1
                        && let Some(column) = function.name.0[0]
                            .as_ident()
                            .and_then(|ident| self.find_column(table, &self.ident(ident))) =>
                {
                    column
                }
                other if expressions => self.expression(other),
                other => return Err(at.error(format!("expected a column name, found `{other}`"))),
            };
            names.push(name);
        }
        Ok(names)
    }

    fn create_table(&mut self, create: &CreateTable, at: &At) -> Result<()> {
        let name = self.table_name(&create.name, at)?;
        let relname = self.object_name(&create.name, at)?;
        if self.dialect == Dialect::Sqlite && name.to_ascii_lowercase().starts_with("sqlite_") {
            self.skip(at, "an internal SQLite table");
            return Ok(());
        }
        if create.temporary {
            self.skip(at, "temporary tables are not part of the schema");
            return Ok(());
        }
        if let Some(parent) = &create.partition_of {
            self.note_relation(&name);
            self.skip(at, format!("a partition of `{parent}`: partitions are reached through their parent"));
            return Ok(());
        }
        if create.query.is_some() && create.columns.is_empty() {
            self.skip(at, "CREATE TABLE ... AS SELECT does not declare its columns");
            return Ok(());
        }
        if let Some(existing) = self.find_table(&name).and_then(|key| self.tables.get(&key)) {
            if create.if_not_exists {
                let reason = format!("table `{name}` already exists (line {})", existing.line);
                self.skip(at, reason);
                return Ok(());
            }
            return Err(at.error(format!("table `{name}` is already defined at line {}", existing.line)));
        }
        let mut entry = Entry {
            table: Table {
                name: name.clone(),
                columns: vec![],
                primary_key: vec![],
                foreign_keys: vec![],
                unique: vec![],
                indexes: vec![],
                comment: None,
            },
            relname,
            line: at.line,
            pk_name: None,
            fks: vec![],
            autoindexes: vec![],
        };
        self.copy_columns(&mut entry, create, at)?;
        for column in &create.columns {
            self.add_column(&mut entry, column, at)?;
        }
        for constraint in &create.constraints {
            self.add_constraint(&mut entry, constraint, at)?;
        }
        let options = match &create.table_options {
            CreateTableOptions::With(options)
            | CreateTableOptions::Options(options)
            | CreateTableOptions::Plain(options) => options.as_slice(),
            CreateTableOptions::None | CreateTableOptions::TableProperties(_) => &[],
        };
        for option in options {
            if let SqlOption::Comment(comment) = option {
                entry.table.comment = Some(comment.to_string());
            }
        }
        if let Some(comment) = &create.comment {
            entry.table.comment = Some(comment.to_string());
        }
        self.mysql_fk_indexes(&mut entry);
        self.tables.insert(name, entry);
        Ok(())
    }

    /// Columns that come from another table: `INHERITS (parent)`, `PARTITION OF parent`, `LIKE other`.
    fn copy_columns(&self, entry: &mut Entry, create: &CreateTable, at: &At) -> Result<()> {
        let like = match &create.like {
            Some(CreateTableLikeKind::Parenthesized(like) | CreateTableLikeKind::Plain(like)) => Some(like),
            None => None,
        };
        for source in create.inherits.iter().flatten().chain(like.map(|l| &l.name)) {
            let name = self.table_name(source, at)?;
            let Some(parent) = self.find_table(&name).and_then(|key| self.tables.get(&key)) else {
                return Err(at.error(format!("unknown table `{name}`")));
            };
            // PostgreSQL's LIKE copies defaults only when asked; MySQL's copies the whole definition.
            let defaults = self.dialect == Dialect::Mysql
                || like.is_none_or(|l| l.name != *source || l.defaults == Some(CreateTableLikeDefaults::Including));
            for column in &parent.table.columns {
                if !entry.table.columns.iter().any(|c| c.name == column.name) {
                    let default = if defaults { column.default.clone() } else { None };
                    entry.table.columns.push(Column { default, comment: None, ..column.clone() });
                }
            }
        }
        Ok(())
    }

    pub(super) fn add_column(&self, entry: &mut Entry, def: &ColumnDef, at: &At) -> Result<()> {
        let name = self.ident(&def.name);
        if entry.table.columns.iter().any(|c| c.name == name) {
            return Err(at.error(format!("column `{name}` is defined twice in table `{}`", entry.table.name)));
        }
        let (data_type, serial) = self.data_type(&def.data_type);
        let mut column = Column { name: name.clone(), data_type, nullable: true, default: None, comment: None };
        if serial {
            // As regclass prints it: quoted when needed, qualified outside `public`.
            let sequence = types::pg_object_name(&entry.relname, std::slice::from_ref(&name), "seq");
            let schema = entry.table.name.strip_suffix(entry.relname.as_str()).unwrap_or_default();
            let schema = match schema.strip_suffix('.') {
                Some(schema) => format!("{}.", Dialect::Postgres.quote(schema)),
                None => String::new(),
            };
            let sequence = format!("{schema}{}", Dialect::Postgres.quote(&sequence)).replace('\'', "''");
            column.default = Some(format!("nextval('{sequence}'::regclass)"));
            column.nullable = false;
        }
        entry.table.columns.push(column);
        let index = entry.table.columns.len() - 1;
        for option in &def.options {
            self.column_option(entry, index, option.name.as_ref(), &option.option, at)?;
        }
        Ok(())
    }

    /// The type name as the server reports it, and whether it was a PostgreSQL `serial`.
    pub(super) fn data_type(&self, data_type: &DataType) -> (String, bool) {
        match self.dialect {
            Dialect::Postgres => types::postgres(data_type),
            Dialect::Mysql => (types::mysql(data_type), false),
            Dialect::Sqlite => (super::sqlite::type_name(data_type), false),
        }
    }

    /// A default as the server reports it: PostgreSQL and MySQL store no default for `DEFAULT NULL`, MySQL
    /// reports string defaults unquoted, PostgreSQL casts literals to the column type (`'x'::text`) and shows
    /// sequences of the search path unqualified.
    pub(super) fn default(&self, expr: &Expr, data_type: &str) -> Option<String> {
        match (self.dialect, expr) {
            (Dialect::Postgres | Dialect::Mysql, Expr::Value(ValueWithSpan { value: Value::Null, .. })) => None,
            (Dialect::Mysql, Expr::Value(ValueWithSpan { value: Value::SingleQuotedString(text), .. })) => {
                Some(text.clone())
            }
            (Dialect::Postgres, _) => {
                if let Some(literal) = types::pg_literal(expr, data_type) {
                    return Some(literal);
                }
                let text = self.expression(expr).replacen("nextval('public.", "nextval('", 1);
                // pg_get_expr parenthesizes operator expressions.
                Some(if matches!(expr, Expr::BinaryOp { .. }) { format!("({text})") } else { text })
            }
            _ => Some(expr.to_string()),
        }
    }

    /// An expression as written, with PostgreSQL casts spelled as `pg_get_expr` spells them.
    pub(super) fn expression(&self, expr: &Expr) -> String {
        if self.dialect != Dialect::Postgres {
            return expr.to_string();
        }
        // Respelled on a copy read back from its rendering rather than on a clone: cloning an expression compiles
        // a second copy of sqlparser's whole Clone implementation into the wasm builds (`docs/wasm.md`).
        let text = expr.to_string();
        let Ok(mut copy) = crate::sql::parse_expr(&text, Dialect::Postgres) else { return text };
        types::pg_spelling(&mut copy);
        copy.to_string()
    }

    /// Applies one column option to `entry.table.columns[index]`.
    pub(super) fn column_option(
        &self,
        entry: &mut Entry,
        index: usize,
        name: Option<&Ident>,
        option: &ColumnOption,
        at: &At,
    ) -> Result<()> {
        let Some(column) = entry.table.columns.get_mut(index) else { return Ok(()) };
        let column_name = column.name.clone();
        match option {
            ColumnOption::Null => column.nullable = true,
            ColumnOption::NotNull => column.nullable = false,
            ColumnOption::Default(expr) => column.default = self.default(expr, &column.data_type),
            ColumnOption::Comment(text) => column.comment = Some(text.clone()),
            // Identity columns are implicitly NOT NULL; generated (computed) columns are not.
            ColumnOption::Generated { generation_expr: None, .. } => column.nullable = false,
            ColumnOption::PrimaryKey(pk) => {
                self.set_primary_key(entry, vec![column_name], name.or(pk.name.as_ref()), at)?;
            }
            ColumnOption::Unique(unique) => {
                let name = name.or(unique.index_name.as_ref()).or(unique.name.as_ref()).map(|n| self.ident(n));
                self.add_unique(entry, vec![column_name], name);
            }
            ColumnOption::ForeignKey(fk) => {
                let ref_table = self.table_name(&fk.foreign_table, at)?;
                let columns = vec![column_name];
                entry.fks.push(Fk {
                    name: self.constraint_name(entry, name.or(fk.name.as_ref()), &columns, "fkey"),
                    columns,
                    ref_table,
                    ref_columns: fk.referred_columns.iter().map(|c| self.ident(c)).collect(),
                    at: at.clone(),
                });
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn add_constraint(&self, entry: &mut Entry, constraint: &TableConstraint, at: &At) -> Result<()> {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                let columns = self.index_columns(&entry.table, &pk.columns, false, at)?;
                self.set_primary_key(entry, columns, pk.name.as_ref(), at)?;
            }
            TableConstraint::Unique(unique) => {
                let columns = self.index_columns(&entry.table, &unique.columns, false, at)?;
                let name = unique.index_name.as_ref().or(unique.name.as_ref()).map(|n| self.ident(n));
                self.add_unique(entry, columns, name);
            }
            TableConstraint::ForeignKey(fk) => {
                let columns = self.columns_of(&entry.table, &fk.columns, at)?;
                let ref_table = self.table_name(&fk.foreign_table, at)?;
                entry.fks.push(Fk {
                    name: self.constraint_name(entry, fk.name.as_ref().or(fk.index_name.as_ref()), &columns, "fkey"),
                    columns,
                    ref_table,
                    ref_columns: fk.referred_columns.iter().map(|c| self.ident(c)).collect(),
                    at: at.clone(),
                });
            }
            TableConstraint::Index(index) => {
                let columns = self.index_columns(&entry.table, &index.columns, true, at)?;
                let name = self.mysql_index_name(entry, index.name.as_ref().map(|n| self.ident(n)), &columns);
                entry.table.indexes.push(Index { name, columns, unique: false });
            }
            TableConstraint::FulltextOrSpatial(index) => {
                let columns = self.index_columns(&entry.table, &index.columns, true, at)?;
                let name = self.mysql_index_name(entry, index.opt_index_name.as_ref().map(|n| self.ident(n)), &columns);
                entry.table.indexes.push(Index { name, columns, unique: false });
            }
            TableConstraint::PrimaryKeyUsingIndex(using) | TableConstraint::UniqueUsingIndex(using) => {
                let index_name = self.ident(&using.index_name);
                let Some(position) = entry.table.indexes.iter().position(|i| i.name == index_name) else {
                    return Err(at.error(format!("unknown index `{index_name}`")));
                };
                if matches!(constraint, TableConstraint::PrimaryKeyUsingIndex(_)) {
                    // The index becomes the primary key's, and primary key indexes are not listed.
                    let index = entry.table.indexes.remove(position);
                    self.set_primary_key(entry, index.columns, using.name.as_ref(), at)?;
                } else if let Some(index) = entry.table.indexes.get_mut(position) {
                    // The index takes the constraint's name.
                    if let Some(name) = &using.name {
                        index.name = self.ident(name);
                    }
                    index.unique = true;
                    let columns = index.columns.clone();
                    entry.table.unique.push(columns);
                }
            }
            TableConstraint::Check(_) | TableConstraint::Exclude(_) => {}
        }
        Ok(())
    }

    fn set_primary_key(&self, entry: &mut Entry, columns: Vec<String>, name: Option<&Ident>, at: &At) -> Result<()> {
        if !entry.table.primary_key.is_empty() {
            return Err(at.error(format!("table `{}` has more than one primary key", entry.table.name)));
        }
        if self.dialect == Dialect::Sqlite {
            // `INTEGER PRIMARY KEY` is the rowid; any other primary key gets an automatic index.
            let rowid = match columns.as_slice() {
                [only] => entry.table.column(only).is_some_and(|c| c.data_type.eq_ignore_ascii_case("integer")),
                _ => false,
            };
            if !rowid {
                entry.autoindexes.push(columns.clone());
            }
        }
        entry.pk_name = self.constraint_name(entry, name, &[], "pkey");
        entry.table.primary_key = columns;
        Ok(())
    }

    /// A constraint's name: the given one, else (PostgreSQL) the one the server generates, `<table>_pkey` or
    /// `<table>_<columns>_fkey`, fixed at creation so that renaming the table later does not change it.
    fn constraint_name(&self, entry: &Entry, given: Option<&Ident>, columns: &[String], label: &str) -> Option<String> {
        match given {
            Some(name) => Some(self.ident(name)),
            None if self.dialect == Dialect::Postgres => Some(types::pg_object_name(&entry.relname, columns, label)),
            None => None,
        }
    }

    /// A UNIQUE constraint: recorded as a constraint and as the index that enforces it, named as the server
    /// would name it.
    fn add_unique(&self, entry: &mut Entry, columns: Vec<String>, name: Option<String>) {
        let name = match self.dialect {
            Dialect::Postgres => name.unwrap_or_else(|| self.pg_index_name(entry, &columns, "key")),
            Dialect::Mysql => self.mysql_index_name(entry, name, &columns),
            Dialect::Sqlite => {
                // SQLite reuses an automatic index with the same columns instead of creating another.
                if entry.autoindexes.contains(&columns) {
                    return;
                }
                entry.autoindexes.push(columns.clone());
                format!("sqlite_autoindex_{}_{}", entry.table.name, entry.autoindexes.len())
            }
        };
        entry.table.unique.push(columns.clone());
        entry.table.indexes.push(Index { name, columns, unique: true });
    }

    /// PostgreSQL's name for an unnamed index: `<table>_<columns>_<label>`, numbered when taken (index names
    /// are unique per schema).
    pub(super) fn pg_index_name(&self, entry: &Entry, columns: &[String], label: &str) -> String {
        let taken = |name: &str| {
            entry
                .table
                .indexes
                .iter()
                .chain(self.tables.values().flat_map(|e| &e.table.indexes))
                .any(|i| i.name == name)
        };
        let mut name = types::pg_object_name(&entry.relname, columns, label);
        let mut n = 0;
        while taken(&name) {
            n += 1;
            name = types::pg_object_name(&entry.relname, columns, &format!("{label}{n}"));
        }
        name
    }

    /// MySQL's name for an index: the given one, else its first column with `_2`, `_3`... when taken.
    pub(super) fn mysql_index_name(&self, entry: &Entry, name: Option<String>, columns: &[String]) -> String {
        if let Some(name) = name {
            return name;
        }
        let base = columns.first().cloned().unwrap_or_else(|| "index".to_owned());
        let taken = |name: &str| entry.table.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(name));
        let mut name = base.clone();
        let mut n = 1;
        while taken(&name) {
            n += 1;
            name = format!("{base}_{n}");
        }
        name
    }

    /// MySQL creates an index for a foreign key unless one starts with its columns.
    pub(super) fn mysql_fk_indexes(&self, entry: &mut Entry) {
        if self.dialect != Dialect::Mysql {
            return;
        }
        for i in 0..entry.fks.len() {
            let (columns, name) = (entry.fks[i].columns.clone(), entry.fks[i].name.clone());
            let covered = entry.table.primary_key.starts_with(&columns)
                || entry.table.indexes.iter().any(|index| index.columns.starts_with(&columns));
            if !covered {
                let name = self.mysql_index_name(entry, name, &columns);
                entry.table.indexes.push(Index { name, columns, unique: false });
            }
        }
    }

    /// Resolves foreign keys, marks key columns NOT NULL and returns the catalog.
    pub(super) fn finish(mut self) -> Result<DdlImport> {
        if self.tables.is_empty() {
            return Err(Error::bad_request("invalid_ddl", "no CREATE TABLE statements found"));
        }
        let mut resolved: Vec<(String, ForeignKey)> = Vec::new();
        let mut notes = Vec::new();
        for (key, entry) in &self.tables {
            for fk in &entry.fks {
                match self.resolve_fk(fk)? {
                    Ok(foreign_key) => resolved.push((key.clone(), foreign_key)),
                    Err(note) => notes.push(note),
                }
            }
        }
        self.skipped.extend(notes);
        for (key, foreign_key) in resolved {
            if let Some(entry) = self.tables.get_mut(&key) {
                entry.table.foreign_keys.push(foreign_key);
            }
        }
        let mut tables = Vec::with_capacity(self.tables.len());
        for entry in self.tables.into_values() {
            let mut table = entry.table;
            for column in &mut table.columns {
                if table.primary_key.contains(&column.name) {
                    column.nullable = false;
                }
            }
            tables.push(table);
        }
        self.skipped.lean_sort_by_key(|s| s.line);
        Ok(DdlImport { catalog: Catalog { dialect: self.dialect, tables }, skipped: self.skipped })
    }

    /// The foreign key with its referenced names resolved, or a note when the referenced table is not part of
    /// the DDL.
    fn resolve_fk(&self, fk: &Fk) -> Result<Result<ForeignKey, Skipped>> {
        let described = format!("foreign key ({}) references `{}`", fk.columns.join(", "), fk.ref_table);
        let Some(target) = self.find_table(&fk.ref_table).and_then(|key| self.tables.get(&key)) else {
            return Ok(Err(fk.at.skipped(format!("{described}, which is not defined; the key is ignored"))));
        };
        let ref_columns = if fk.ref_columns.is_empty() {
            if target.table.primary_key.is_empty() {
                return Err(fk.at.error(format!("{described}, which has no primary key")));
            }
            target.table.primary_key.clone()
        } else {
            let mut names = Vec::with_capacity(fk.ref_columns.len());
            for column in &fk.ref_columns {
                match self.find_column(&target.table, column) {
                    Some(name) => names.push(name),
                    // SQLite accepts keys to columns that do not exist (and fails on use): not a usable key.
                    None if self.dialect == Dialect::Sqlite => {
                        let reason = format!("{described}, which has no column `{column}`; the key is ignored");
                        return Ok(Err(fk.at.skipped(reason)));
                    }
                    None => {
                        return Err(fk.at.error(format!("unknown column `{column}` in table `{}`", target.table.name)));
                    }
                }
            }
            names
        };
        if ref_columns.len() != fk.columns.len() {
            return Err(fk.at.error(format!("{described} with {} columns", ref_columns.len())));
        }
        Ok(Ok(ForeignKey { columns: fk.columns.clone(), ref_table: target.table.name.clone(), ref_columns }))
    }
}
