//! Schema words: identifiers split into lower-case singular words, the phrases that name each table and
//! column, the columns that label a row, and a few generic English hints ("longest" → a duration column).

use crate::catalog::{Catalog, Table, TypeClass};
use crate::words::{split_ident, words_of};
use std::collections::HashMap;

/// `snake_case` of an identifier, for output aliases.
pub(crate) fn snake(name: &str) -> String {
    split_ident(name).join("_")
}

/// What a phrase names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    /// A table, by index in the catalog.
    Table(usize),
    /// A column: table index, column index.
    Column(usize, usize),
}

/// How strongly a phrase names its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Strength {
    /// Only the last word ("price" for `UnitPrice`, "item" for `order_items`).
    Partial,
    /// The whole name.
    Full,
    /// The whole name together with its table's name ("album title", "customer country").
    Qualified,
}

/// One way of naming a table or column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    pub(crate) words: Vec<String>,
    pub(crate) target: Target,
    pub(crate) strength: Strength,
}

/// Every phrase naming the catalog's tables and columns, indexed by first word.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    by_first: HashMap<String, Vec<Phrase>>,
    pub(crate) longest: usize,
}

impl Lexicon {
    pub(crate) fn new(catalog: &Catalog) -> Self {
        let table_words: Vec<Vec<String>> = catalog.tables.iter().map(|t| words_of(&t.name)).collect();
        let mut phrases: Vec<Phrase> = Vec::new();
        let mut add = |words: Vec<String>, target, strength| {
            if words.is_empty() {
                return;
            }
            match phrases.iter_mut().find(|p| p.words == words && p.target == target) {
                Some(p) => p.strength = p.strength.max(strength),
                None => phrases.push(Phrase { words, target, strength }),
            }
        };
        for (ti, table) in catalog.tables.iter().enumerate() {
            let tw = &table_words[ti];
            add(tw.clone(), Target::Table(ti), Strength::Full);
            if tw.len() > 1 {
                add(vec![tw.concat()], Target::Table(ti), Strength::Full);
                let head = &tw[tw.len() - 1];
                if !table_words.iter().any(|w| w.len() == 1 && w[0] == *head) {
                    add(vec![head.clone()], Target::Table(ti), Strength::Partial);
                }
            }
            for (ci, column) in table.columns.iter().enumerate() {
                let cw = words_of(&column.name);
                let target = Target::Column(ti, ci);
                match cw.strip_prefix(tw.as_slice()) {
                    // `InvoiceDate` of `Invoice`; `GenreId` of `Genre` is no more "the genre's" than `Track.GenreId`.
                    Some(rest) if !rest.is_empty() => {
                        add(cw.clone(), target, Strength::Full);
                        if rest != ["id"] {
                            add(rest.to_vec(), target, Strength::Partial);
                        }
                    }
                    _ => {
                        add(cw.clone(), target, Strength::Full);
                        add([tw.as_slice(), cw.as_slice()].concat(), target, Strength::Qualified);
                    }
                }
                // `SupportRepId` is also "support rep": the row it points at.
                let points = table.foreign_keys.iter().any(|fk| fk.columns.len() == 1 && fk.columns[0] == column.name);
                if points && cw.len() > 2 && cw[cw.len() - 1] == "id" {
                    add(cw[..cw.len() - 1].to_vec(), target, Strength::Full);
                }
                if cw.len() > 1 {
                    add(vec![cw.concat()], target, Strength::Full);
                    let last = &cw[cw.len() - 1];
                    if last != "id" {
                        add(vec![last.clone()], target, Strength::Partial);
                    }
                }
            }
        }
        let longest = phrases.iter().map(|p| p.words.len()).max().unwrap_or(0);
        let mut by_first: HashMap<String, Vec<Phrase>> = HashMap::new();
        for phrase in phrases {
            by_first.entry(phrase.words[0].clone()).or_default().push(phrase);
        }
        Self { by_first, longest }
    }

    /// The phrases spelled exactly by `words` (singular lower-case).
    pub(crate) fn lookup(&self, words: &[&str]) -> Vec<(Target, Strength)> {
        let Some(first) = words.first() else {
            return Vec::new();
        };
        self.by_first
            .get(*first)
            .into_iter()
            .flatten()
            .filter(|p| p.words.iter().map(String::as_str).eq(words.iter().copied()))
            .map(|p| (p.target, p.strength))
            .collect()
    }
}

/// The columns that name a row of `table`: a `name` or `title` column, else the columns ending in it
/// (`FirstName`, `LastName`), else nothing.
pub(crate) fn label_columns(table: &Table) -> Vec<usize> {
    let text: Vec<(usize, Vec<String>)> = (table.columns.iter().enumerate())
        .filter(|(_, c)| c.class() == TypeClass::Text)
        .map(|(i, c)| (i, words_of(&c.name)))
        .collect();
    for key in ["name", "title", "label"] {
        if let Some((i, _)) = text.iter().find(|(_, w)| w.len() == 1 && w[0] == key) {
            return vec![*i];
        }
        let ending: Vec<usize> =
            text.iter().filter(|(_, w)| w.last().is_some_and(|l| l == key)).map(|(i, _)| *i).take(2).collect();
        if !ending.is_empty() {
            return ending;
        }
    }
    Vec::new()
}

/// Whether column `ci` of `table` is a key (part of the primary key or of a foreign key).
pub(crate) fn is_key(table: &Table, ci: usize) -> bool {
    let name = &table.columns[ci].name;
    table.primary_key.iter().any(|k| k.eq_ignore_ascii_case(name))
        || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|k| k.eq_ignore_ascii_case(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_aliases() {
        assert_eq!(snake("MediaTypeId"), "media_type_id");
        assert_eq!(snake("InvoiceLine"), "invoice_line");
    }
}
