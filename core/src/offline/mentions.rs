//! Finding the schema in a question: spans of words that name tables or columns.

use super::lexicon::{Lexicon, Strength, Target};
use super::tokens::{Kind, Token};
use crate::words::is_function_word;

/// A span of tokens naming tables and/or columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mention {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) targets: Vec<(Target, Strength)>,
}

impl Mention {
    /// The table this span names, if it names one (the strongest).
    pub(crate) fn table(&self) -> Option<(usize, Strength)> {
        (self.targets.iter())
            .filter_map(|(t, s)| match t {
                Target::Table(ti) => Some((*ti, *s)),
                Target::Column(..) => None,
            })
            .max_by_key(|(_, s)| *s)
    }

    /// The columns this span names.
    pub(crate) fn columns(&self) -> impl Iterator<Item = (usize, usize, Strength)> + '_ {
        self.targets.iter().filter_map(|(t, s)| match t {
            Target::Column(ti, ci) => Some((*ti, *ci, *s)),
            Target::Table(_) => None,
        })
    }
}

/// Longest-first spans of untaken words that spell a table or column phrase.
pub(crate) fn schema_mentions(tokens: &[Token], lexicon: &Lexicon, taken: &[bool]) -> Vec<Mention> {
    let mut mentions = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let longest = lexicon.longest.min(tokens.len() - i);
        let found = (1..=longest).rev().find_map(|len| {
            let span = &tokens[i..i + len];
            if span.iter().enumerate().any(|(k, t)| t.kind != Kind::Word || taken[i + k]) {
                return None;
            }
            if len == 1 && is_function_word(&span[0].lower) {
                return None;
            }
            let words: Vec<&str> = span.iter().map(|t| t.norm.as_str()).collect();
            let mut targets = lexicon.lookup(&words);
            if targets.is_empty() && len == 1 {
                targets = verb_of_table(tokens, i, lexicon);
            }
            (!targets.is_empty()).then_some((len, targets))
        });
        match found {
            Some((len, targets)) => {
                mentions.push(Mention { start: i, end: i + len, targets });
                i += len;
            }
            None => i += 1,
        }
    }
    mentions
}

/// "ordered" → the `orders` table, "invoiced" → `Invoice` (not "ordered by", which sorts).
fn verb_of_table(tokens: &[Token], i: usize, lexicon: &Lexicon) -> Vec<(Target, Strength)> {
    let word = tokens[i].lower.as_str();
    let sorts = tokens.get(i + 1).is_some_and(|t| t.lower == "by");
    let Some(stem) = word.strip_suffix("ed").filter(|s| s.len() > 2 && !sorts) else {
        return Vec::new();
    };
    let tables = |w: &str| {
        let found = lexicon.lookup(&[w]);
        found.into_iter().filter(|(t, _)| matches!(t, Target::Table(_))).map(|(t, _)| (t, Strength::Partial)).collect()
    };
    let found: Vec<(Target, Strength)> = tables(stem);
    if found.is_empty() { tables(&format!("{stem}e")) } else { found }
}

pub(crate) fn is_schema_word(token: &Token, lexicon: &Lexicon) -> bool {
    !lexicon.lookup(&[token.norm.as_str()]).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, Column, Dialect, Table};
    use crate::offline::tokens::tokenize;

    fn catalog() -> Catalog {
        let column = |name: &str, data_type: &str| Column {
            name: name.into(),
            data_type: data_type.into(),
            nullable: true,
            default: None,
            comment: None,
        };
        let table = |name: &str, columns: Vec<Column>| Table {
            name: name.into(),
            columns,
            primary_key: vec![],
            foreign_keys: vec![],
            unique: vec![],
            indexes: vec![],
            comment: None,
        };
        Catalog {
            dialect: Dialect::Sqlite,
            tables: vec![
                table("InvoiceLine", vec![column("UnitPrice", "NUMERIC")]),
                table("Genre", vec![column("Name", "TEXT")]),
            ],
        }
    }

    #[test]
    fn mentions_prefer_the_longest_phrase() {
        let lexicon = Lexicon::new(&catalog());
        let tokens = tokenize("unit prices of invoice lines");
        let mentions = schema_mentions(&tokens, &lexicon, &[false; 5]);
        assert_eq!(mentions.len(), 2);
        assert_eq!((mentions[0].start, mentions[0].end), (0, 2));
        assert_eq!(mentions[0].columns().next(), Some((0, 0, Strength::Full)));
        assert_eq!(mentions[1].table(), Some((0, Strength::Full)));
    }
}
