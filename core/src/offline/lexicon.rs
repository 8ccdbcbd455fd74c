//! Schema words: identifiers split into lower-case singular words, the phrases that name each table and
//! column, the columns that label a row, and a few generic English hints ("longest" → a duration column).

use crate::catalog::{Catalog, Table, TypeClass};
use std::collections::HashMap;

/// Splits an identifier into lower-case words: `InvoiceLine` → `invoice line`, `customer_id` → `customer id`,
/// `HTTPServer2` → `http server 2`.
pub(crate) fn split_ident(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            flush(&mut current, &mut words);
            continue;
        }
        if let Some(&prev) = i.checked_sub(1).and_then(|p| chars.get(p)) {
            let next = chars.get(i + 1).copied();
            let boundary = (prev.is_lowercase() && c.is_uppercase())
                || (prev.is_alphanumeric() && prev.is_alphabetic() != c.is_alphabetic())
                || (prev.is_uppercase() && c.is_uppercase() && next.is_some_and(char::is_lowercase));
            if boundary {
                flush(&mut current, &mut words);
            }
        }
        current.extend(c.to_lowercase());
    }
    flush(&mut current, &mut words);
    words
}

fn flush(current: &mut String, words: &mut Vec<String>) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// The singular of a lower-case English noun; only has to map a plural and its singular to the same word.
pub(crate) fn singular(word: &str) -> String {
    const IRREGULAR: &[(&str, &str)] = &[
        ("people", "person"),
        ("men", "man"),
        ("women", "woman"),
        ("children", "child"),
        ("mice", "mouse"),
        ("feet", "foot"),
        ("teeth", "tooth"),
        ("indices", "index"),
        ("criteria", "criterion"),
        ("series", "series"),
        ("species", "species"),
        ("movies", "movie"),
        ("cookies", "cookie"),
        ("news", "news"),
    ];
    if let Some((_, one)) = IRREGULAR.iter().find(|(many, _)| *many == word) {
        return (*one).to_owned();
    }
    // Every suffix tested below is ASCII, so slicing it off stays on a char boundary.
    let cut = |n: usize| word[..word.len() - n].to_owned();
    if word.chars().count() <= 2 || !word.ends_with('s') {
        word.to_owned()
    } else if word.len() > 4 && word.ends_with("ies") {
        format!("{}y", cut(3))
    } else if ["sses", "xes", "ches", "shes", "zzes"].iter().any(|e| word.ends_with(e)) {
        cut(2)
    } else if ["ss", "us", "is"].iter().any(|e| word.ends_with(e)) {
        word.to_owned()
    } else {
        cut(1)
    }
}

/// The singular lower-case words of an identifier.
pub(crate) fn words_of(name: &str) -> Vec<String> {
    split_ident(name).iter().map(|w| singular(w)).collect()
}

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
    fn identifiers_split_into_words() {
        assert_eq!(split_ident("InvoiceLine"), ["invoice", "line"]);
        assert_eq!(split_ident("customer_id"), ["customer", "id"]);
        assert_eq!(split_ident("CustomerID"), ["customer", "id"]);
        assert_eq!(split_ident("HTTPServer2"), ["http", "server", "2"]);
        assert_eq!(split_ident("order-items"), ["order", "items"]);
        assert_eq!(snake("MediaTypeId"), "media_type_id");
    }

    #[test]
    fn plurals_become_singular() {
        for (many, one) in [
            ("tracks", "track"),
            ("countries", "country"),
            ("boxes", "box"),
            ("addresses", "address"),
            ("matches", "match"),
            ("people", "person"),
            ("status", "status"),
            ("ids", "id"),
            ("media", "media"),
            ("movies", "movie"),
        ] {
            assert_eq!(singular(many), one, "{many}");
            assert_eq!(singular(one), one, "{one}");
        }
    }
}
