//! What linking needs from a catalog, computed once: the words of every table and column (exact, stemmed,
//! and by prefix for abbreviations), their inverse document frequencies, the sample values, the foreign-key
//! graph and the full rendering of every table.

use crate::catalog::{Catalog, Samples, Table};
use crate::offline::tokens::{Kind, Token, tokenize};
use crate::skeleton::{Skeleton, TableLine, render_table};
use crate::words::{is_function_word, split_ident, stem, words_of};
use std::collections::HashMap;

/// Marks a posting on a table's name or comment rather than on one of its columns.
pub(super) const NO_COLUMN: u32 = u32::MAX;
/// Sample values made of more tokens than this are not matched.
const VALUE_TOKENS: usize = 6;
/// Length of the prefixes abbreviations and shared word beginnings are looked up by.
pub(super) const PREFIX: usize = 3;

/// Where in the schema a word occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    /// The table's own name.
    TableName,
    /// The qualifier of a dotted table name (`sales.orders` → `sales`).
    Namespace,
    /// The table's comment.
    TableComment,
    /// A column's name.
    ColumnName,
    /// A column's name where the column is a foreign key: its words mostly name the referenced table.
    ForeignKey,
    /// A column's comment.
    ColumnComment,
}

impl Field {
    /// How much an occurrence says about the table.
    pub(super) fn table_weight(self) -> f32 {
        match self {
            Self::TableName => 1.0,
            Self::TableComment => 0.5,
            Self::Namespace => 0.3,
            Self::ColumnName => 0.45,
            Self::ColumnComment => 0.25,
            Self::ForeignKey => 0.15,
        }
    }

    /// How much an occurrence says about the column.
    pub(super) fn column_weight(self) -> f32 {
        match self {
            Self::ColumnName | Self::ForeignKey => 1.0,
            Self::ColumnComment => 0.6,
            Self::TableName | Self::Namespace | Self::TableComment => 0.0,
        }
    }
}

/// One occurrence of a word.
#[derive(Debug, Clone, Copy)]
pub(super) struct Posting {
    pub(super) table: u32,
    pub(super) column: u32,
    pub(super) field: Field,
}

/// A schema word with everywhere it occurs and its weight.
#[derive(Debug, Clone, Default)]
pub(super) struct Term {
    pub(super) postings: Vec<Posting>,
    /// Inverse document frequency over the tables' names (for [`Field::TableName`] postings).
    pub(super) name_idf: f32,
    /// Inverse document frequency over whole tables (for every other posting).
    pub(super) idf: f32,
}

/// A column whose sample values contain a value.
#[derive(Debug, Clone, Copy)]
pub(super) struct ValueAt {
    pub(super) table: u32,
    pub(super) column: u32,
}

/// The precomputed linking index of one catalog. Build it once per catalog and call [`LinkIndex::link`] per
/// question.
#[derive(Debug, Clone)]
pub struct LinkIndex<'a> {
    pub(super) catalog: &'a Catalog,
    pub(super) samples: &'a Samples,
    /// Singular words of identifiers and comments, and concatenations of adjacent identifier words.
    pub(super) exact: HashMap<String, Term>,
    /// The same words by [`stem`].
    pub(super) stems: HashMap<String, Term>,
    /// Schema words of four letters or more by their first [`PREFIX`] letters, for abbreviations and shared
    /// beginnings.
    pub(super) prefixes: HashMap<String, Vec<String>>,
    /// Sample values by lower-case token spelling.
    pub(super) values: HashMap<String, Vec<ValueAt>>,
    /// Words of multi-word sample values.
    pub(super) value_words: HashMap<String, Vec<ValueAt>>,
    /// Number of distinct (table, column) pairs with sample values.
    pub(super) valued_columns: usize,
    /// Undirected foreign-key graph.
    pub(super) neighbors: Vec<Vec<u32>>,
    /// Key columns (primary and foreign) of every table.
    pub(super) keys: Vec<Vec<usize>>,
    /// Columns that label a table's rows (`name`, `title`, `*_name`).
    pub(super) labels: Vec<Vec<usize>>,
    /// Every table rendered with every column.
    pub(super) full: Vec<TableLine>,
    pub(super) full_tokens: usize,
    pub(super) fingerprint: String,
}

impl<'a> LinkIndex<'a> {
    /// Indexes `catalog` and its example values.
    pub fn new(catalog: &'a Catalog, samples: &'a Samples) -> Self {
        let n = catalog.tables.len();
        let by_name: HashMap<String, usize> =
            catalog.tables.iter().enumerate().map(|(i, t)| (t.name.to_lowercase(), i)).collect();
        let mut exact: HashMap<String, Term> = HashMap::new();
        let mut add = |word: String, table: usize, column: u32, field: Field| {
            let postings = &mut exact.entry(word).or_default().postings;
            let posting = Posting { table: table as u32, column, field };
            // Each identifier contributes a word once per field.
            if !postings.last().is_some_and(|p| p.table == posting.table && p.column == column && p.field == field) {
                postings.push(posting);
            }
        };
        for (ti, table) in catalog.tables.iter().enumerate() {
            let (namespace, own) = table.name.rsplit_once('.').unwrap_or(("", &table.name));
            for word in identifier_terms(own) {
                add(word, ti, NO_COLUMN, Field::TableName);
            }
            for word in identifier_terms(namespace) {
                add(word, ti, NO_COLUMN, Field::Namespace);
            }
            for word in comment_words(table.comment.as_deref()) {
                add(word, ti, NO_COLUMN, Field::TableComment);
            }
            for (ci, column) in table.columns.iter().enumerate() {
                let field = if points(table, &column.name) { Field::ForeignKey } else { Field::ColumnName };
                for word in identifier_terms(&column.name) {
                    add(word, ti, ci as u32, field);
                }
                for word in comment_words(column.comment.as_deref()) {
                    add(word, ti, ci as u32, Field::ColumnComment);
                }
            }
        }
        let mut stems: HashMap<String, Term> = HashMap::new();
        let mut prefixes: HashMap<String, Vec<String>> = HashMap::new();
        for (word, term) in &exact {
            stems.entry(stem(word)).or_default().postings.extend_from_slice(&term.postings);
            if word.len() > PREFIX && word.is_ascii() {
                prefixes.entry(word[..PREFIX].to_owned()).or_default().push(word.clone());
            }
        }
        for list in prefixes.values_mut() {
            list.sort();
        }
        for term in exact.values_mut().chain(stems.values_mut()) {
            weigh(term, n);
        }

        let mut values: HashMap<String, Vec<ValueAt>> = HashMap::new();
        let mut value_words: HashMap<String, Vec<ValueAt>> = HashMap::new();
        let mut valued_columns = 0;
        for (table_name, columns) in samples {
            let Some(&ti) = by_name.get(&table_name.to_lowercase()) else { continue };
            let table = &catalog.tables[ti];
            for (column_name, list) in columns {
                let Some(ci) = table.columns.iter().position(|c| c.name.eq_ignore_ascii_case(column_name)) else {
                    continue;
                };
                valued_columns += 1;
                let at = ValueAt { table: ti as u32, column: ci as u32 };
                for value in list {
                    let tokens = tokenize(value);
                    if tokens.is_empty() || tokens.len() > VALUE_TOKENS {
                        continue;
                    }
                    push_unique(values.entry(value_key(&tokens)).or_default(), at);
                    if tokens.len() > 1 {
                        for token in tokens.iter().filter(|t| t.kind == Kind::Word && t.lower.chars().count() > 2) {
                            if !is_function_word(&token.lower) {
                                push_unique(value_words.entry(token.lower.clone()).or_default(), at);
                            }
                        }
                    }
                }
            }
        }

        let mut neighbors = vec![Vec::new(); n];
        for (ti, table) in catalog.tables.iter().enumerate() {
            for fk in &table.foreign_keys {
                if let Some(&parent) = by_name.get(&fk.ref_table.to_lowercase())
                    && parent != ti
                {
                    for (a, b) in [(ti, parent), (parent, ti)] {
                        if !neighbors[a].contains(&(b as u32)) {
                            neighbors[a].push(b as u32);
                        }
                    }
                }
            }
        }
        let keys = catalog.tables.iter().map(key_columns).collect();
        let labels = catalog.tables.iter().map(label_columns).collect();
        let full: Vec<TableLine> = catalog.tables.iter().map(|t| render_table(t, None, samples)).collect();
        let fingerprint = catalog.fingerprint();
        let full_tokens = Skeleton::from_lines(String::new(), full.clone()).tokens;
        Self {
            catalog,
            samples,
            exact,
            stems,
            prefixes,
            values,
            value_words,
            valued_columns,
            neighbors,
            keys,
            labels,
            full,
            full_tokens,
            fingerprint,
        }
    }

    /// Tokens of the whole catalog's skeleton.
    pub fn full_tokens(&self) -> usize {
        self.full_tokens
    }
}

/// Sets a term's inverse document frequencies (BM25's, which approaches zero for a word in every table).
fn weigh(term: &mut Term, tables: usize) {
    let distinct = |mut tables: Vec<u32>| {
        tables.sort_unstable();
        tables.dedup();
        tables.len()
    };
    let all = distinct(term.postings.iter().map(|p| p.table).collect());
    let named = distinct(term.postings.iter().filter(|p| p.field == Field::TableName).map(|p| p.table).collect());
    let idf = |df: usize| {
        let (n, df) = (tables as f32, df.max(1) as f32);
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    };
    term.idf = idf(all);
    term.name_idf = idf(named);
}

/// Singular words of an identifier plus the concatenations of adjacent pairs (`home_town` → `hometown`), so
/// that either spelling in a question finds it.
fn identifier_terms(name: &str) -> Vec<String> {
    let words = words_of(name);
    let mut terms: Vec<String> = words.iter().filter(|w| !w.is_empty()).cloned().collect();
    for pair in words.windows(2) {
        terms.push(format!("{}{}", pair[0], pair[1]));
    }
    if words.len() > 1 {
        // `HomeTown` is also one word in some questions; `hometowns` too.
        terms.push(crate::words::singular(&split_ident(name).concat()));
    }
    terms.sort();
    terms.dedup();
    terms
}

/// Singular content words of a comment.
fn comment_words(comment: Option<&str>) -> Vec<String> {
    let Some(comment) = comment else { return Vec::new() };
    let mut words: Vec<String> = tokenize(comment)
        .into_iter()
        .filter(|t| t.kind == Kind::Word && !is_function_word(&t.lower))
        .map(|t| t.norm)
        .collect();
    words.sort();
    words.dedup();
    words
}

/// The lookup key of a sample value or a question span: lower-case tokens joined by spaces.
pub(super) fn value_key(tokens: &[Token]) -> String {
    let mut key = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        key.push_str(&token.lower);
    }
    key
}

fn push_unique(list: &mut Vec<ValueAt>, at: ValueAt) {
    if !list.iter().any(|v| v.table == at.table && v.column == at.column) {
        list.push(at);
    }
}

/// Whether `column` is (part of) a foreign key of `table`.
fn points(table: &Table, column: &str) -> bool {
    table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| c.eq_ignore_ascii_case(column)))
}

/// Indexes of the primary- and foreign-key columns of `table`.
fn key_columns(table: &Table) -> Vec<usize> {
    (table.columns.iter().enumerate())
        .filter(|(_, c)| table.primary_key.iter().any(|k| k.eq_ignore_ascii_case(&c.name)) || points(table, &c.name))
        .map(|(i, _)| i)
        .collect()
}

/// The columns that name a row: `name`/`title`, else the first two ending in it (`first_name`, `last_name`).
fn label_columns(table: &Table) -> Vec<usize> {
    let words: Vec<Vec<String>> = table.columns.iter().map(|c| words_of(&c.name)).collect();
    for key in ["name", "title"] {
        if let Some(i) = words.iter().position(|w| w.len() == 1 && w[0] == key) {
            return vec![i];
        }
        let ending: Vec<usize> = (words.iter().enumerate())
            .filter(|(_, w)| w.last().is_some_and(|l| l == key))
            .map(|(i, _)| i)
            .take(2)
            .collect();
        if !ending.is_empty() {
            return ending;
        }
    }
    Vec::new()
}
