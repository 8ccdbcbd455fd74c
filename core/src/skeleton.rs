//! The skeleton: a compact, prompt-ready rendering of a catalog — one line per table with key columns, types,
//! foreign-key edges, comments and example values — and a token estimate for budgeting.
//!
//! Format (one table per line, stable for a given catalog):
//! `Album(AlbumId INTEGER PK, Title NVARCHAR(160), ArtistId INTEGER -> Artist) -- comment`
//! A foreign key names the referenced table alone when it references the column of the same name there
//! (`-> Artist` is `Artist.ArtistId`), else `-> Table.column`.
//! Text columns with example values get ` e.g. 'USA', 'Canada'`.

use crate::catalog::{Catalog, Samples, Table};
use serde::{Deserialize, Serialize};

/// Example values shown per column at most.
const EXAMPLES: usize = 3;
/// Example values longer than this are left out.
const EXAMPLE_CHARS: usize = 30;

/// One table's rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableLine {
    /// Table name.
    pub table: String,
    /// The rendered line.
    pub text: String,
    /// Its token estimate.
    pub tokens: usize,
}

/// The skeleton of a whole catalog (or of the part a question needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skeleton {
    /// Fingerprint of the catalog it was rendered from.
    pub fingerprint: String,
    /// One line per table, in catalog order.
    pub lines: Vec<TableLine>,
    /// Sum of the lines' tokens (plus one newline each).
    pub tokens: usize,
}

impl Skeleton {
    /// Renders every table with every column.
    pub fn full(catalog: &Catalog, samples: &Samples) -> Self {
        let lines = catalog.tables.iter().map(|t| render_table(t, None, samples)).collect();
        Self::from_lines(catalog.fingerprint(), lines)
    }

    /// Builds a skeleton from already rendered lines.
    pub fn from_lines(fingerprint: String, lines: Vec<TableLine>) -> Self {
        let tokens = lines.iter().map(|l| l.tokens + 1).sum();
        Self { fingerprint, lines, tokens }
    }

    /// The prompt text: the lines joined by newlines.
    pub fn text(&self) -> String {
        self.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n")
    }
}

/// Renders one table; with `columns`, only those columns (by index) plus its keys.
pub fn render_table(table: &Table, columns: Option<&[usize]>, samples: &Samples) -> TableLine {
    let examples = samples.get(&table.name);
    let mut parts = Vec::new();
    for (i, column) in table.columns.iter().enumerate() {
        let is_pk = table.primary_key.iter().any(|k| k == &column.name);
        let fk = table.foreign_keys.iter().find(|f| f.columns.len() == 1 && f.columns[0] == column.name);
        if let Some(keep) = columns
            && !keep.contains(&i)
            && !is_pk
            && fk.is_none()
        {
            continue;
        }
        let mut part =
            format!("{} {}", column.name, if column.data_type.is_empty() { "ANY" } else { &column.data_type });
        if is_pk && table.primary_key.len() == 1 {
            part.push_str(" PK");
        }
        if let Some(fk) = fk {
            // `-> T` points at T's column of the same name (the common case, three tokens shorter); otherwise
            // `-> T.column`.
            match fk.ref_columns.first() {
                Some(target) if target.eq_ignore_ascii_case(&column.name) => {
                    part.push_str(&format!(" -> {}", fk.ref_table))
                }
                target => part.push_str(&format!(" -> {}.{}", fk.ref_table, target.map_or("?", String::as_str))),
            }
        }
        if let Some(values) = examples.and_then(|e| e.get(&column.name)) {
            let shown: Vec<String> = values
                .iter()
                .filter(|v| v.chars().count() <= EXAMPLE_CHARS)
                .take(EXAMPLES)
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect();
            if !shown.is_empty() {
                part.push_str(&format!(" e.g. {}", shown.join(", ")));
            }
        }
        if let Some(comment) = &column.comment {
            part.push_str(&format!(" /* {comment} */"));
        }
        parts.push(part);
    }
    let mut text = format!("{}({})", table.name, parts.join(", "));
    if table.primary_key.len() > 1 {
        text.push_str(&format!(" PK({})", table.primary_key.join(", ")));
    }
    for fk in table.foreign_keys.iter().filter(|f| f.columns.len() > 1) {
        text.push_str(&format!(" FK({}) -> {}({})", fk.columns.join(", "), fk.ref_table, fk.ref_columns.join(", ")));
    }
    if let Some(comment) = &table.comment {
        text.push_str(&format!(" -- {comment}"));
    }
    TableLine { table: table.name.clone(), tokens: estimate_tokens(&text), text }
}

/// Estimates tokens the way BPE tokenizers behave on code: each run of letters/digits costs one token per
/// four characters (at least one), every other non-space character one token.
pub fn estimate_tokens(text: &str) -> usize {
    let mut tokens = 0;
    let mut run = 0usize;
    for c in text.chars() {
        if c.is_alphanumeric() {
            run += 1;
            continue;
        }
        tokens += run.div_ceil(4);
        run = 0;
        if !c.is_whitespace() {
            tokens += 1;
        }
    }
    tokens + run.div_ceil(4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Dialect, ForeignKey};

    fn col(name: &str, ty: &str) -> Column {
        Column { name: name.into(), data_type: ty.into(), nullable: true, default: None, comment: None }
    }

    fn catalog() -> Catalog {
        Catalog {
            dialect: Dialect::Sqlite,
            tables: vec![
                Table {
                    name: "Album".into(),
                    columns: vec![col("AlbumId", "INTEGER"), col("Title", "NVARCHAR(160)"), col("ArtistId", "INTEGER")],
                    primary_key: vec!["AlbumId".into()],
                    foreign_keys: vec![ForeignKey {
                        columns: vec!["ArtistId".into()],
                        ref_table: "Artist".into(),
                        ref_columns: vec!["ArtistId".into()],
                    }],
                    unique: vec![],
                    indexes: vec![],
                    comment: Some("one row per album".into()),
                },
                Table {
                    name: "Artist".into(),
                    columns: vec![col("ArtistId", "INTEGER"), col("Name", "NVARCHAR(120)")],
                    primary_key: vec!["ArtistId".into()],
                    foreign_keys: vec![],
                    unique: vec![],
                    indexes: vec![],
                    comment: None,
                },
            ],
        }
    }

    #[test]
    fn renders_keys_edges_examples_and_comments() {
        let mut samples = Samples::new();
        samples.entry("Artist".into()).or_default().insert("Name".into(), vec!["AC/DC".into(), "O'Neil".into()]);
        let skeleton = Skeleton::full(&catalog(), &samples);
        assert_eq!(
            skeleton.text(),
            "Album(AlbumId INTEGER PK, Title NVARCHAR(160), ArtistId INTEGER -> Artist) -- one row per album\n\
             Artist(ArtistId INTEGER PK, Name NVARCHAR(120) e.g. 'AC/DC', 'O''Neil')"
        );
        assert_eq!(skeleton.tokens, skeleton.lines.iter().map(|l| l.tokens + 1).sum::<usize>());
    }

    #[test]
    fn pruned_lines_keep_keys() {
        let catalog = catalog();
        let line = render_table(&catalog.tables[0], Some(&[]), &Samples::new());
        assert_eq!(line.text, "Album(AlbumId INTEGER PK, ArtistId INTEGER -> Artist) -- one row per album");
    }

    #[test]
    fn a_key_to_a_differently_named_column_names_it() {
        let mut catalog = catalog();
        let album = &mut catalog.tables[0];
        album.columns[2].name = "Composer".into();
        album.foreign_keys[0].columns = vec!["Composer".into()];
        let line = render_table(album, Some(&[]), &Samples::new());
        assert_eq!(line.text, "Album(AlbumId INTEGER PK, Composer INTEGER -> Artist.ArtistId) -- one row per album");
    }

    #[test]
    fn token_estimate_counts_words_and_symbols() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("id"), 1);
        assert_eq!(estimate_tokens("customer_id INTEGER"), 2 + 1 + 1 + 2);
        assert!(estimate_tokens(&"word ".repeat(100)) == 100);
    }
}
