//! Finding the data in a question: quoted strings, spans equal to a sample value of some text column, and
//! capitalised names right after a table or column.

use super::lexicon::Lexicon;
use super::mentions::{is_schema_word, schema_mentions};
use super::tokens::{Kind, Token, spelled, tokenize};
use crate::catalog::{Catalog, Samples};
use crate::words::is_stop_word;
use std::collections::HashMap;

/// A column a sample value occurs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueColumn {
    pub(crate) table: usize,
    pub(crate) column: usize,
    /// Position in the column's most-common list (0 = most common).
    pub(crate) rank: usize,
    /// The value as stored.
    pub(crate) text: String,
}

/// A span of the question that is a literal: a quoted string or a known sample value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueMatch {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The literal as written in the question.
    pub(crate) text: String,
    /// Columns whose samples contain it (may be empty for a quoted string).
    pub(crate) columns: Vec<ValueColumn>,
    pub(crate) quoted: bool,
    /// Matched in lower case, without quotes or capitals: only trusted near the question's tables.
    pub(crate) weak: bool,
}

/// Sample values by their lower-case token spelling.
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueIndex {
    map: HashMap<String, Vec<ValueColumn>>,
    longest: usize,
}

fn key(tokens: &[Token]) -> String {
    tokens.iter().map(|t| t.lower.as_str()).collect::<Vec<_>>().join(" ")
}

impl ValueIndex {
    pub(crate) fn new(catalog: &Catalog, samples: &Samples) -> Self {
        let mut index = Self::default();
        for (table_name, columns) in samples {
            let Some(ti) = catalog.tables.iter().position(|t| t.name.eq_ignore_ascii_case(table_name)) else {
                continue;
            };
            for (column_name, values) in columns {
                let table = &catalog.tables[ti];
                let Some(ci) = table.columns.iter().position(|c| c.name.eq_ignore_ascii_case(column_name)) else {
                    continue;
                };
                for (rank, value) in values.iter().enumerate() {
                    let tokens = tokenize(value);
                    if tokens.is_empty() || tokens.len() > 8 {
                        continue;
                    }
                    index.longest = index.longest.max(tokens.len());
                    let entry = index.map.entry(key(&tokens)).or_default();
                    if !entry.iter().any(|v| v.table == ti && v.column == ci) {
                        entry.push(ValueColumn { table: ti, column: ci, rank, text: value.clone() });
                    }
                }
            }
        }
        index
    }

    fn get(&self, tokens: &[Token]) -> Vec<ValueColumn> {
        self.map.get(&key(tokens)).cloned().unwrap_or_default()
    }
}

/// Literal spans among untaken tokens, longest first. `weak` = the lower-case pass run after schema matching;
/// otherwise quoted strings and spans holding a capitalised word. Marks the spans taken.
pub(crate) fn value_matches(
    tokens: &[Token],
    index: &ValueIndex,
    lexicon: &Lexicon,
    taken: &mut [bool],
    weak: bool,
) -> Vec<ValueMatch> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if taken[i] {
            i += 1;
            continue;
        }
        if tokens[i].kind == Kind::Quoted {
            let inner = tokenize(&tokens[i].text);
            let columns = index.get(&inner);
            found.push(ValueMatch {
                start: i,
                end: i + 1,
                text: tokens[i].text.clone(),
                columns,
                quoted: true,
                weak: false,
            });
            taken[i] = true;
            i += 1;
            continue;
        }
        let longest = index.longest.min(tokens.len() - i);
        let hit = (1..=longest).rev().find_map(|len| {
            let span = &tokens[i..i + len];
            let plausible = span.iter().enumerate().all(|(k, t)| !taken[i + k] && t.kind != Kind::Quoted)
                && span[0].kind != Kind::Punct
                && span[len - 1].kind != Kind::Punct
                && span.iter().any(|t| t.kind == Kind::Word && !is_stop_word(&t.lower))
                && (weak || span.iter().any(|t| t.kind == Kind::Word && t.capital))
                && (len > 1 || !is_schema_word(&span[0], lexicon))
                && (len > 1 || span[0].lower.chars().count() > 2);
            if !plausible {
                return None;
            }
            let columns = index.get(span);
            (!columns.is_empty()).then_some((len, columns))
        });
        match hit {
            Some((len, columns)) => {
                let text = spelled(&tokens[i..i + len]);
                found.push(ValueMatch { start: i, end: i + len, text, columns, quoted: false, weak });
                taken[i..i + len].iter_mut().for_each(|t| *t = true);
                i += len;
            }
            None => i += 1,
        }
    }
    found
}

/// Small words inside names ("Let There Be Rock", "Sci Fi & Fantasy").
const CONNECTORS: &[&str] = &[
    "of", "the", "and", "a", "an", "in", "on", "to", "for", "de", "da", "do", "dos", "la", "le", "von", "van", "der",
    "y", "n", "/", "&", "-", "'", ".",
];

/// Capitalised names right after a table or column ("the album Let There Be Rock") that sample values do not
/// cover: literals for that table or column, kept whole instead of matched piecemeal ("Rock" is also a genre).
/// Marks them taken.
pub(crate) fn named_runs(
    tokens: &[Token],
    lexicon: &Lexicon,
    index: &ValueIndex,
    taken: &mut [bool],
) -> Vec<ValueMatch> {
    let mut found = Vec::new();
    for m in schema_mentions(tokens, lexicon, taken) {
        let start = (m.end..tokens.len())
            .find(|&i| !matches!(tokens[i].lower.as_str(), "named" | "called" | "titled" | ":"))
            .unwrap_or(tokens.len());
        let mut end = start;
        for (j, t) in tokens.iter().enumerate().skip(start) {
            if taken[j] || t.kind == Kind::Quoted {
                break;
            }
            if (t.capital && t.kind != Kind::Punct) || (t.kind == Kind::Number && j > start) {
                end = j + 1;
            } else if j == start || !CONNECTORS.contains(&t.lower.as_str()) {
                break;
            }
        }
        let run = &tokens[start..end];
        let Some(first) = run.first() else { continue };
        if is_stop_word(&first.lower) || is_schema_word(first, lexicon) || !index.get(run).is_empty() {
            continue;
        }
        let covered = |k: usize| {
            (0..=k).any(|a| (k + 1..=run.len().min(a + index.longest)).any(|b| !index.get(&run[a..b]).is_empty()))
        };
        if (0..run.len()).any(|k| run[k].capital && !covered(k)) {
            found.push(ValueMatch { start, end, text: spelled(run), columns: Vec::new(), quoted: false, weak: false });
            taken[start..end].iter_mut().for_each(|t| *t = true);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Dialect, Table};

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
    fn values_match_capitalised_spans_and_quotes() {
        let catalog = catalog();
        let samples: Samples =
            [("Genre".to_owned(), [("Name".to_owned(), vec!["Rock".into(), "Heavy Metal".into()])].into())]
                .into_iter()
                .collect();
        let index = ValueIndex::new(&catalog, &samples);
        let lexicon = Lexicon::new(&catalog);
        let tokens = tokenize("Heavy Metal or rock or 'Jazz'");
        let mut taken = vec![false; tokens.len()];
        let strong = value_matches(&tokens, &index, &lexicon, &mut taken, false);
        assert_eq!(strong.iter().map(|v| v.text.as_str()).collect::<Vec<_>>(), ["Heavy Metal", "Jazz"]);
        assert!(strong[1].quoted && strong[1].columns.is_empty());
        let weak = value_matches(&tokens, &index, &lexicon, &mut taken, true);
        assert_eq!(weak.len(), 1);
        assert_eq!(weak[0].columns[0].text, "Rock");
    }
}
