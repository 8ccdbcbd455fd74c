//! Finding the schema in a question: spans of words that name tables or columns.

use super::lexicon::{Lexicon, Strength, Target};
use super::tokens::{Kind, Token};

/// Words that never name a table, a column or a value on their own.
const FUNCTION_WORDS: &[&str] = &[
    "a", "about", "above", "after", "all", "also", "among", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "each", "equal", "every",
    "for", "from", "get", "give", "had", "has", "have", "her", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "least", "less", "list", "many", "me", "more", "most", "much", "my", "no", "not", "of", "on", "only", "or",
    "our", "over", "per", "please", "show", "so", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "those", "to", "under", "up", "us", "was", "we", "were", "what", "when", "where", "which", "who",
    "whom", "whose", "why", "will", "with", "would", "you", "your",
];

/// Words that say what to compute or how to present it, rather than naming data.
const QUERY_WORDS: &[&str] = &[
    "average",
    "avg",
    "mean",
    "sum",
    "total",
    "count",
    "number",
    "maximum",
    "max",
    "minimum",
    "min",
    "highest",
    "lowest",
    "top",
    "first",
    "sorted",
    "ordered",
    "sort",
    "order",
    "descending",
    "ascending",
    "desc",
    "asc",
    "find",
    "display",
    "return",
    "tell",
    "fetch",
    "see",
    "want",
    "need",
    "know",
    "name",
    "names",
    "exactly",
    "greater",
    "fewer",
    "fewest",
    "higher",
    "lower",
    "largest",
    "smallest",
    "biggest",
    "greatest",
    "along",
    "together",
    "grouped",
    "alphabetically",
    "alphabetical",
    "there",
    "exist",
    "existing",
    "named",
    "called",
];

/// Whether `word` (lower case) is a function word or a query word.
pub(crate) fn is_stop_word(word: &str) -> bool {
    FUNCTION_WORDS.contains(&word) || QUERY_WORDS.contains(&word)
}

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
            if len == 1 && FUNCTION_WORDS.contains(&span[0].lower.as_str()) {
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
