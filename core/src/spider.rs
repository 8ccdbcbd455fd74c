//! Catalogs from Spider's `tables.json`, the schema file of the Spider text-to-SQL benchmark.
//!
//! Why: Spider's databases are SQLite files, but its schema descriptions are the ground truth its questions were
//! written against, and reading them needs no database. Each entry has parallel arrays: `table_names_original`,
//! `column_names_original` (`[table index, name]`, entry 0 being the `*` pseudo-column with table -1),
//! `column_types` (`text`, `number`, `time`, `boolean`, `others`), `primary_keys` (column indexes; nested arrays
//! for composite keys in later releases) and `foreign_keys` (`[column, referenced column]` pairs). A composite
//! foreign key appears as consecutive pairs between the same two tables; they are merged into one key as long as
//! no column repeats (two keys to the same column, like `src_apid` and `dst_apid` to `airports.apid`, stay two).

use crate::catalog::{Catalog, Column, Dialect, ForeignKey, Table};
use crate::error::{Error, Result};
use crate::order::LeanSort as _;
use serde::Deserialize;

#[derive(Deserialize)]
struct Database {
    db_id: String,
    table_names_original: Vec<String>,
    column_names_original: Vec<(i64, String)>,
    column_types: Vec<String>,
    #[serde(default)]
    primary_keys: Vec<Key>,
    #[serde(default)]
    foreign_keys: Vec<(Key, Key)>,
}

/// One column index, or several for a composite key.
#[derive(Deserialize)]
#[serde(untagged)]
enum Key {
    One(usize),
    Many(Vec<usize>),
}

impl Key {
    fn columns(&self) -> &[usize] {
        match self {
            Self::One(column) => std::slice::from_ref(column),
            Self::Many(columns) => columns,
        }
    }
}

/// Parses a `tables.json` document into `(db_id, catalog)` pairs in file order; catalogs are SQLite's.
///
/// Errors are `invalid_tables_json` bad requests: malformed JSON (with the path of the bad value) or an index
/// that points at no table or column.
pub fn parse_tables_json(text: &str) -> Result<Vec<(String, Catalog)>> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let databases: Vec<Database> = serde_path_to_error::deserialize(deserializer)
        .map_err(|e| Error::bad_request("invalid_tables_json", format!("at `{}`: {}", e.path(), e.inner())))?;
    databases.into_iter().map(|db| Ok((db.db_id.clone(), catalog(&db)?))).collect()
}

fn catalog(db: &Database) -> Result<Catalog> {
    let invalid =
        |message: String| Error::bad_request("invalid_tables_json", format!("database `{}`: {message}", db.db_id));
    let mut tables: Vec<Table> = db
        .table_names_original
        .iter()
        .map(|name| Table {
            name: name.clone(),
            columns: vec![],
            primary_key: vec![],
            foreign_keys: vec![],
            unique: vec![],
            indexes: vec![],
            comment: None,
        })
        .collect();
    if db.column_types.len() != db.column_names_original.len() {
        return Err(invalid(format!(
            "{} column types for {} columns",
            db.column_types.len(),
            db.column_names_original.len()
        )));
    }
    // (table index, column name) of every column index; `None` for the `*` pseudo-column.
    let mut columns: Vec<Option<(usize, String)>> = Vec::with_capacity(db.column_names_original.len());
    for ((table, name), data_type) in db.column_names_original.iter().zip(&db.column_types) {
        let Ok(table) = usize::try_from(*table) else {
            columns.push(None);
            continue;
        };
        let owner =
            tables.get_mut(table).ok_or_else(|| invalid(format!("column `{name}` of unknown table {table}")))?;
        // tables.json reduces types to a few words; `number` is any numeric type.
        let data_type = if data_type == "number" { "numeric".to_owned() } else { data_type.clone() };
        owner.columns.push(Column { name: name.clone(), data_type, nullable: true, default: None, comment: None });
        columns.push(Some((table, name.clone())));
    }
    let column = |index: usize| {
        columns.get(index).cloned().flatten().ok_or_else(|| invalid(format!("column index {index} names no column")))
    };

    for key in &db.primary_keys {
        let mut owner = None;
        for &index in key.columns() {
            let (table, name) = column(index)?;
            if owner.is_some_and(|t| t != table) {
                return Err(invalid(format!("primary key {:?} spans several tables", key.columns())));
            }
            owner = Some(table);
            if let Some(t) = tables.get_mut(table)
                && !t.primary_key.contains(&name)
            {
                t.primary_key.push(name);
            }
        }
    }
    for table in &mut tables {
        for c in &mut table.columns {
            if table.primary_key.contains(&c.name) {
                c.nullable = false;
            }
        }
    }

    // (table, foreign key, whether single pairs may still join it).
    let mut keys: Vec<(usize, ForeignKey, bool)> = Vec::new();
    for (from, to) in &db.foreign_keys {
        if from.columns().len() != to.columns().len() {
            return Err(invalid(format!(
                "foreign key {:?} -> {:?} has mismatched columns",
                from.columns(),
                to.columns()
            )));
        }
        let mut pairs = Vec::with_capacity(from.columns().len());
        for (&f, &t) in from.columns().iter().zip(to.columns()) {
            pairs.push((column(f)?, column(t)?));
        }
        let Some(((table, _), (ref_table, _))) = pairs.first().cloned() else { continue };
        if pairs.iter().any(|((t, _), (r, _))| *t != table || *r != ref_table) {
            return Err(invalid(format!("foreign key {:?} spans several tables", from.columns())));
        }
        let ref_name = tables.get(ref_table).map(|t| t.name.clone()).unwrap_or_default();
        let single = matches!((from, to), (Key::One(_), Key::One(_)));
        if let [((_, name), (_, ref_column))] = pairs.as_slice()
            && let Some((_, fk, _)) = keys.last_mut().filter(|(t, fk, open)| {
                *open
                    && *t == table
                    && fk.ref_table == ref_name
                    && !fk.columns.contains(name)
                    && !fk.ref_columns.contains(ref_column)
            })
        {
            fk.columns.push(name.clone());
            fk.ref_columns.push(ref_column.clone());
            continue;
        }
        let (columns, ref_columns) = pairs.into_iter().map(|((_, c), (_, r))| (c, r)).unzip();
        keys.push((table, ForeignKey { columns, ref_table: ref_name, ref_columns }, single));
    }
    for (table, fk, _) in keys {
        if let Some(t) = tables.get_mut(table)
            && !t.foreign_keys.contains(&fk)
        {
            t.foreign_keys.push(fk);
        }
    }
    tables.lean_sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Catalog { dialect: Dialect::Sqlite, tables })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"[{
        "db_id": "school",
        "table_names_original": ["Student", "Course", "Enrollment", "Classroom", "Section"],
        "table_names": ["student", "course", "enrollment", "classroom", "section"],
        "column_names_original": [[-1, "*"], [0, "StuID"], [0, "Name"], [1, "CID"], [1, "Title"],
            [2, "StuID"], [2, "CID"], [2, "Grade"], [3, "Building"], [3, "Room"],
            [4, "Building"], [4, "Room"], [4, "Mentor"], [4, "Assistant"]],
        "column_types": ["text", "number", "text", "number", "text", "number", "number", "text", "text", "number",
            "text", "number", "number", "number"],
        "primary_keys": [1, 3, [5, 6], 8, 9],
        "foreign_keys": [[5, 1], [6, 3], [10, 8], [11, 9], [12, 1], [13, 1], [13, 1]]
    }, {
        "db_id": "empty",
        "table_names_original": [],
        "column_names_original": [[-1, "*"]],
        "column_types": ["text"],
        "primary_keys": [],
        "foreign_keys": []
    }]"#;

    fn fk(columns: &[&str], ref_table: &str, ref_columns: &[&str]) -> ForeignKey {
        ForeignKey {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            ref_table: ref_table.to_owned(),
            ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn parse(text: &str) -> Vec<(String, Catalog)> {
        parse_tables_json(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn sample_databases_become_catalogs() {
        let databases = parse(SAMPLE);
        let ids: Vec<&str> = databases.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["school", "empty"]);
        let school = &databases[0].1;
        assert_eq!(school.dialect, Dialect::Sqlite);
        let names: Vec<&str> = school.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Classroom", "Course", "Enrollment", "Section", "Student"]);
        let student = school.table("Student").expect("Student");
        assert_eq!(student.columns.len(), 2, "the `*` pseudo-column is not a column");
        assert_eq!(student.columns[0].data_type, "numeric");
        assert!(!student.columns[0].nullable && student.columns[1].nullable);
        // Spider lists one column per primary key entry: several for one table make a composite key.
        assert_eq!(
            school.table("Classroom").map(|t| t.primary_key.clone()),
            Some(vec!["Building".into(), "Room".into()])
        );
        let enrollment = school.table("Enrollment").expect("Enrollment");
        assert_eq!(enrollment.primary_key, ["StuID", "CID"]);
        assert_eq!(enrollment.foreign_keys, [fk(&["StuID"], "Student", &["StuID"]), fk(&["CID"], "Course", &["CID"])]);
        // Consecutive pairs to the same table merge into a composite key; a repeated column starts a new key,
        // and an exact repetition is dropped.
        assert_eq!(
            school.table("Section").map(|t| t.foreign_keys.clone()),
            Some(vec![
                fk(&["Building", "Room"], "Classroom", &["Building", "Room"]),
                fk(&["Mentor"], "Student", &["StuID"]),
                fk(&["Assistant"], "Student", &["StuID"]),
            ])
        );
        assert!(databases[1].1.tables.is_empty());
    }

    #[test]
    fn bad_input_is_an_invalid_tables_json_error() {
        let error = parse_tables_json(r#"[{"db_id": "x", "table_names_original": "oops"}]"#).expect_err("a type error");
        assert_eq!(error.code(), "invalid_tables_json");
        assert!(error.to_string().starts_with("at `[0].table_names_original`"), "{error}");

        let bad_index = SAMPLE.replace("[13, 1], [13, 1]", "[13, 99]");
        let error = parse_tables_json(&bad_index).expect_err("an index error");
        assert_eq!(error.to_string(), "database `school`: column index 99 names no column");
        let star = SAMPLE.replace("\"primary_keys\": [1,", "\"primary_keys\": [0,");
        assert!(parse_tables_json(&star).is_err(), "the `*` pseudo-column cannot be a key");
    }

    #[test]
    fn spider_training_tables() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/spider-train/tables.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("note: skipped, {} is not there", path.display());
            return;
        };
        let databases = parse(&text);
        assert_eq!(databases.len(), 146);
        let catalog = |id: &str| {
            databases.iter().find(|(db, _)| db == id).map(|(_, c)| c).unwrap_or_else(|| panic!("no database {id}"))
        };
        let perpetrator = catalog("perpetrator");
        let names: Vec<&str> = perpetrator.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["people", "perpetrator"]);
        let table = perpetrator.table("perpetrator").expect("perpetrator");
        assert_eq!(table.primary_key, ["Perpetrator_ID"]);
        assert_eq!(table.foreign_keys, [fk(&["People_ID"], "people", &["People_ID"])]);
        assert_eq!(
            perpetrator.table("people").and_then(|t| t.column("Home Town")).map(|c| c.data_type.as_str()),
            Some("text")
        );

        let college = catalog("college_2");
        assert_eq!(college.tables.len(), 11);
        let takes = college.table("takes").expect("takes");
        assert!(takes.foreign_keys.contains(&fk(
            &["course_id", "sec_id", "semester", "year"],
            "section",
            &["course_id", "sec_id", "semester", "year"]
        )));
        let routes = catalog("flight_4").table("routes").expect("routes");
        assert!(routes.foreign_keys.contains(&fk(&["dst_apid"], "airports", &["apid"])));
        assert!(routes.foreign_keys.contains(&fk(&["src_apid"], "airports", &["apid"])));
        let all: usize =
            databases.iter().map(|(_, c)| c.tables.iter().map(|t| t.foreign_keys.len()).sum::<usize>()).sum();
        assert!(all > 500, "{all} foreign keys");
    }
}
