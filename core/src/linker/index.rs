//! What linking needs from a catalog, computed once: the words of every table and column (exact, stemmed,
//! and by prefix for abbreviations), their inverse document frequencies, the sample values, the foreign-key
//! graph and the full rendering of every table.

use crate::catalog::{Catalog, Samples, Table};
use crate::offline::tokens::{Kind, Token, tokenize};
use crate::order::LeanSort as _;
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
    /// Share of the table's name the word covers (1 elsewhere): `track` names `Track` more than `PlaylistTrack`.
    pub(super) share: f32,
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
#[derive(Debug, Clone)]
pub(super) struct ValueAt {
    pub(super) table: u32,
    pub(super) column: u32,
    /// The sample value as stored.
    pub(super) text: String,
}

/// The precomputed linking index of one catalog. Build it once per catalog and call [`LinkIndex::link`] per
/// question.
#[derive(Debug, Clone)]
pub struct LinkIndex<'a> {
    pub(super) catalog: &'a Catalog,
    /// Singular words of identifiers and comments, and concatenations of adjacent identifier words.
    pub(super) exact: HashMap<String, Term>,
    /// The same words by [`stem`].
    pub(super) stems: HashMap<String, Term>,
    /// Schema words of [`PREFIX`] letters or more by their first [`PREFIX`] letters, for abbreviations and
    /// shared beginnings.
    pub(super) prefixes: HashMap<String, Vec<String>>,
    /// Sample values by lower-case token spelling.
    pub(super) values: HashMap<String, Vec<ValueAt>>,
    /// Words of multi-word sample values.
    pub(super) value_words: HashMap<String, Vec<ValueAt>>,
    /// Number of distinct (table, column) pairs with sample values.
    pub(super) valued_columns: usize,
    /// Undirected foreign-key graph.
    pub(super) neighbors: Vec<Vec<u32>>,
    /// Columns that label a table's rows (`name`, `title`, `*_name`).
    pub(super) labels: Vec<Vec<usize>>,
    /// Every table rendered with every column.
    pub(super) full: Vec<TableLine>,
    /// The table each foreign key of each table references (`None` when it is not in the catalog).
    pub(super) fk_targets: Vec<Vec<Option<usize>>>,
    /// Tokens of the smallest line each table can have (its primary key only), plus the newline.
    pub(super) least: Vec<usize>,
    /// The smallest of those.
    pub(super) smallest_line: usize,
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
        let mut add = |word: String, table: usize, column: u32, field: Field, share: f32| {
            let postings = &mut exact.entry(word).or_default().postings;
            let posting = Posting { table: table as u32, column, field, share };
            // Each identifier contributes a word once per field.
            if !postings.last().is_some_and(|p| p.table == posting.table && p.column == column && p.field == field) {
                postings.push(posting);
            }
        };
        for (ti, table) in catalog.tables.iter().enumerate() {
            let (namespace, own) = table.name.rsplit_once('.').unwrap_or(("", &table.name));
            for (word, share) in identifier_terms(own) {
                add(word, ti, NO_COLUMN, Field::TableName, share);
            }
            for (word, share) in identifier_terms(namespace) {
                add(word, ti, NO_COLUMN, Field::Namespace, share);
            }
            for word in comment_words(table.comment.as_deref()) {
                add(word, ti, NO_COLUMN, Field::TableComment, 1.0);
            }
            for (ci, column) in table.columns.iter().enumerate() {
                let field = if points(table, &column.name) { Field::ForeignKey } else { Field::ColumnName };
                for (word, _) in identifier_terms(&column.name) {
                    add(word, ti, ci as u32, field, 1.0);
                }
                for word in comment_words(column.comment.as_deref()) {
                    add(word, ti, ci as u32, Field::ColumnComment, 1.0);
                }
            }
        }
        let mut stems: HashMap<String, Term> = HashMap::new();
        let mut prefixes: HashMap<String, Vec<String>> = HashMap::new();
        for (word, term) in &exact {
            stems.entry(stem(word)).or_default().postings.extend_from_slice(&term.postings);
            if word.len() >= PREFIX && word.is_ascii() {
                prefixes.entry(word[..PREFIX].to_owned()).or_default().push(word.clone());
            }
        }
        for list in prefixes.values_mut() {
            list.lean_sort();
        }
        // `exact` was walked in hash order: put every stem's postings in catalog order, so ties break the same
        // way on every run.
        for term in stems.values_mut() {
            term.postings.lean_sort_by_key(|p| (p.table, p.column, p.field as u8));
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
                for value in list {
                    let at = ValueAt { table: ti as u32, column: ci as u32, text: value.clone() };
                    let tokens = tokenize(value);
                    if tokens.is_empty() || tokens.len() > VALUE_TOKENS {
                        continue;
                    }
                    push_unique(values.entry(value_key(&tokens)).or_default(), at.clone());
                    if tokens.len() > 1 {
                        for token in tokens.iter().filter(|t| t.kind == Kind::Word && t.lower.chars().count() > 2) {
                            if !is_function_word(&token.lower) {
                                push_unique(value_words.entry(token.lower.clone()).or_default(), at.clone());
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
        let labels: Vec<Vec<usize>> = catalog.tables.iter().map(label_columns).collect();
        let full: Vec<TableLine> = catalog.tables.iter().map(|t| render_table(t, None, samples)).collect();
        let fk_targets: Vec<Vec<Option<usize>>> = (catalog.tables.iter())
            .map(|t| t.foreign_keys.iter().map(|fk| by_name.get(&fk.ref_table.to_lowercase()).copied()).collect())
            .collect();
        let none = Samples::new();
        let least: Vec<usize> = (catalog.tables.iter())
            .map(|t| render_table(&Table { foreign_keys: vec![], ..t.clone() }, Some(&[]), &none).tokens + 1)
            .collect();
        let smallest_line = least.iter().copied().min().unwrap_or(0);
        let fingerprint = catalog.fingerprint();
        let full_tokens = Skeleton::from_lines(String::new(), full.clone()).tokens;
        Self {
            catalog,
            exact,
            stems,
            prefixes,
            values,
            value_words,
            valued_columns,
            neighbors,
            labels,
            full,
            fk_targets,
            least,
            smallest_line,
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
        tables.lean_sort();
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
fn identifier_terms(name: &str) -> Vec<(String, f32)> {
    let words = words_of(name);
    let k = words.len().max(1) as f32;
    // How much of the identifier a term covers, damped: a word of a two-word name counts 0.71.
    let share = |parts: usize| (parts as f32 / k).sqrt();
    let mut terms: Vec<(String, f32)> = words.iter().filter(|w| !w.is_empty()).map(|w| (w.clone(), share(1))).collect();
    for pair in words.windows(2) {
        terms.push((format!("{}{}", pair[0], pair[1]), share(2)));
    }
    if words.len() > 1 {
        // `HomeTown` is also one word in some questions; `hometowns` too.
        terms.push((crate::words::singular(&split_ident(name).concat()), 1.0));
    }
    // The same word twice (`person_person_id`) keeps its larger share.
    terms.lean_sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    terms.dedup_by(|later, first| later.0 == first.0);
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
    words.lean_sort();
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
