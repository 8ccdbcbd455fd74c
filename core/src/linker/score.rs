//! Scoring: every content word of the question (and every pair of adjacent words, and every literal) is looked
//! up in the [`LinkIndex`]; each table and column keeps, per question word, its best match weighted by the
//! word's inverse document frequency, and remembers why.

use super::index::{Field, LinkIndex, NO_COLUMN, PREFIX, Term, ValueAt, value_key};
use crate::offline::tokens::{Kind, Token, spelled, tokenize};
use crate::order::LeanSort as _;
use crate::words::{is_function_word, is_stop_word, stem, synonyms};
use std::collections::HashMap;

/// Query words ("name", "number", "order") may still name columns, but count for less.
const QUERY_WORD: f32 = 0.3;
/// Terms whose best possible contribution is below this are not worth walking.
const NEGLIGIBLE: f32 = 0.01;

/// How a question word met a schema word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum How {
    /// Same singular word.
    Exact,
    /// Two adjacent question words spell one schema word (`home town` → `hometown`, `first name` → `fname`).
    Joined,
    /// Same stem (`located` → `location`).
    Stem,
    /// Same beginning (`registered` → `registration`).
    Prefix,
    /// The schema word abbreviates the question word (`dept` for `department`).
    Abbreviation,
    /// A synonym (`staff` → `employee`).
    Synonym,
    /// The question spells one of the column's sample values.
    Value,
    /// The question spells one word of a sample value.
    ValueWord,
    /// A number that looks like a year, for a `year` column.
    Year,
    /// A quoted literal no sample value holds, for the columns that name rows (`title`, `name`).
    Label,
}

impl How {
    fn weight(self) -> f32 {
        match self {
            Self::Exact | Self::Joined => 1.0,
            Self::Stem => 0.8,
            Self::Synonym => 0.7,
            Self::Prefix => 0.6,
            Self::Abbreviation => 0.45,
            Self::Value => 1.0,
            Self::ValueWord | Self::Year => 0.5,
            Self::Label => 0.35,
        }
    }

    fn note(self) -> &'static str {
        match self {
            Self::Exact | Self::Value => "",
            Self::Joined => " (joined words)",
            Self::Stem => " (same stem)",
            Self::Prefix => " (same beginning)",
            Self::Abbreviation => " (abbreviation)",
            Self::Synonym => " (synonym)",
            Self::ValueWord => " (word of a value)",
            Self::Year => " (looks like a year)",
            Self::Label => " (a literal no sample holds, may name a row)",
        }
    }
}

/// One piece of evidence for a table or a column.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hit {
    /// Index into [`Scores::units`].
    pub(super) unit: u16,
    pub(super) column: u32,
    pub(super) field: Field,
    pub(super) how: How,
    pub(super) weight: f32,
}

/// The scores of one question against one index.
#[derive(Debug, Default)]
pub(super) struct Scores {
    /// The question spans that matched something, as written.
    pub(super) units: Vec<String>,
    /// Lexical score of every table.
    pub(super) tables: Vec<f32>,
    /// Best hit per question span of every table.
    pub(super) table_hits: Vec<Vec<Hit>>,
    /// Score and best hit of every matched column.
    pub(super) columns: HashMap<(u32, u32), (f32, Hit)>,
    /// The sample values the question spells, per column (as stored).
    pub(super) examples: HashMap<(u32, u32), Vec<String>>,
    /// Matched columns of every table with their scores, best first.
    pub(super) matched: Vec<Vec<(usize, f32)>>,
}

impl Scores {
    /// Why `table` matched, strongest first.
    pub(super) fn table_reasons(&self, index: &LinkIndex<'_>, table: u32) -> Vec<String> {
        let mut hits = self.table_hits[table as usize].clone();
        hits.lean_sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let mut reasons: Vec<String> = Vec::with_capacity(hits.len());
        for hit in &hits {
            let reason = self.describe(index, table, hit);
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        reasons
    }

    /// Why column `column` of `table` matched.
    pub(super) fn column_reason(&self, table: u32, column: u32) -> Option<(f64, String)> {
        let (score, hit) = self.columns.get(&(table, column))?;
        let unit = &self.units[usize::from(hit.unit)];
        let text = match hit.how {
            How::Value | How::ValueWord | How::Label => format!("value \"{unit}\"{}", hit.how.note()),
            _ if hit.field == Field::ColumnComment => format!("comment matches \"{unit}\"{}", hit.how.note()),
            _ => format!("matches \"{unit}\"{}", hit.how.note()),
        };
        Some((f64::from(*score), text))
    }

    fn example(&mut self, at: &ValueAt) {
        let list = self.examples.entry((at.table, at.column)).or_default();
        if list.len() < 2 && !list.contains(&at.text) {
            list.push(at.text.clone());
        }
    }

    fn describe(&self, index: &LinkIndex<'_>, table: u32, hit: &Hit) -> String {
        let unit = &self.units[usize::from(hit.unit)];
        let column = || {
            let t = &index.catalog.tables[table as usize];
            t.columns.get(hit.column as usize).map_or("?", |c| c.name.as_str())
        };
        let what = match hit.field {
            Field::TableName => "name".to_owned(),
            Field::Namespace => "schema".to_owned(),
            Field::TableComment => "comment".to_owned(),
            Field::ColumnName | Field::ForeignKey => format!("column {}", column()),
            Field::ColumnComment => format!("comment of column {}", column()),
        };
        match hit.how {
            How::Value | How::ValueWord | How::Label => {
                format!("value \"{unit}\" in column {}{}", column(), hit.how.note())
            }
            _ => format!("{what} matches \"{unit}\"{}", hit.how.note()),
        }
    }
}

/// A candidate term for one question span.
struct Lookup<'i> {
    term: &'i Term,
    how: How,
}

/// Scores every table and column of `index` for `question`.
pub(super) fn score(index: &LinkIndex<'_>, question: &str) -> Scores {
    let tokens = tokenize(question);
    let n = index.catalog.tables.len();
    let mut scores = Scores { tables: vec![0.0; n], table_hits: vec![Vec::new(); n], ..Scores::default() };
    let mut acc = Accumulator::new(n);

    // Words, one at a time.
    let word_at = |j: usize| tokens.get(j).filter(|t| t.kind == Kind::Word && !is_function_word(&t.lower));
    for (i, token) in tokens.iter().enumerate() {
        if token.kind == Kind::Number && is_year(&token.lower) {
            if let Some(term) = index.exact.get("year") {
                acc.unit(&mut scores, &token.text, |acc| acc.terms(term, How::Year, 1.0));
            }
            continue;
        }
        if word_at(i).is_none() {
            continue;
        }
        let factor = if is_stop_word(&token.lower) { QUERY_WORD } else { 1.0 };
        let lookups = word_lookups(index, token);
        acc.unit(&mut scores, &token.text, |acc| {
            for lookup in &lookups {
                acc.terms(lookup.term, lookup.how, factor);
            }
        });
        // Pairs: `home town` → `hometown`, `first name` → `fname`, and `first and last name` pairs `first`
        // with `name` too.
        let mut partners: Vec<&Token> = word_at(i + 1).into_iter().collect();
        if tokens.get(i + 1).is_some_and(|t| t.lower == "and" || t.lower == "or") && word_at(i + 2).is_some() {
            partners.extend(word_at(i + 3));
        }
        for next in partners {
            let joined = format!("{}{}", token.norm, next.norm);
            let initial: String = token.lower.chars().take(1).chain(next.norm.chars()).collect();
            let found: Vec<Lookup<'_>> = [(joined, How::Joined), (initial, How::Abbreviation)]
                .into_iter()
                .filter_map(|(w, how)| index.exact.get(&w).map(|term| Lookup { term, how }))
                .collect();
            if !found.is_empty() {
                acc.unit(&mut scores, &format!("{} {}", token.text, next.text), |acc| {
                    for lookup in &found {
                        acc.terms(lookup.term, lookup.how, factor);
                    }
                });
            }
        }
    }
    let covered = values(index, &tokens, &mut scores, &mut acc);
    unknown_literals(index, &tokens, &covered, &mut scores, &mut acc);
    scores.matched = vec![Vec::new(); index.catalog.tables.len()];
    for (&(table, column), &(score, _)) in &scores.columns {
        scores.matched[table as usize].push((column as usize, score));
    }
    for list in scores.matched.iter_mut().filter(|l| l.len() > 1) {
        list.lean_sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    scores
}

/// Four digits from 1000 to 2100.
fn is_year(text: &str) -> bool {
    text.len() == 4 && text.parse::<u16>().is_ok_and(|y| (1000..=2100).contains(&y))
}

/// The schema words one question word may mean.
fn word_lookups<'i>(index: &'i LinkIndex<'_>, token: &Token) -> Vec<Lookup<'i>> {
    let mut out = Vec::new();
    let word = token.norm.as_str();
    if let Some(term) = index.exact.get(word) {
        out.push(Lookup { term, how: How::Exact });
    }
    if let Some(term) = index.stems.get(&stem(word)) {
        out.push(Lookup { term, how: How::Stem });
    }
    let mut seen: Vec<&str> = Vec::new();
    for synonym in synonyms(word).chain(synonyms(&token.lower)) {
        if seen.contains(&synonym) {
            continue;
        }
        seen.push(synonym);
        if let Some(term) = index.exact.get(synonym) {
            out.push(Lookup { term, how: How::Synonym });
        }
    }
    if word.len() >= PREFIX
        && word.is_ascii()
        && !is_stop_word(&token.lower)
        && let Some(candidates) = index.prefixes.get(&word[..PREFIX])
    {
        for candidate in candidates {
            // `user` in `useracct`: identifiers often glue an abbreviation to a whole word.
            let glued = word.len() >= 4 && candidate.len() > word.len() && candidate.starts_with(word);
            let how = if shares_beginning(word, candidate) || glued {
                How::Prefix
            } else if abbreviates(candidate, word) {
                How::Abbreviation
            } else {
                continue;
            };
            if let Some(term) = index.exact.get(candidate) {
                out.push(Lookup { term, how });
            }
        }
    }
    out
}

/// `registered` and `registration`: long words that differ only in their last few letters.
fn shares_beginning(a: &str, b: &str) -> bool {
    if a == b || a.len() < 5 || b.len() < 5 {
        return false;
    }
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    common >= 5.max(a.len().min(b.len()).saturating_sub(3))
}

/// Whether schema word `short` abbreviates question word `long`: a prefix (`dept` of `department` needs the
/// second rule), or the letters of `long` in order with the same first two and at most one vowel after the
/// first letter (`dept`, `mgr`, `qty` is left out).
fn abbreviates(short: &str, long: &str) -> bool {
    if short.len() > 5 || long.len() < short.len() + 2 {
        return false;
    }
    if long.starts_with(short) {
        return true;
    }
    let vowels = short.bytes().skip(1).filter(|b| b"aeiou".contains(b)).count();
    if vowels > 1 || short.as_bytes()[..2] != long.as_bytes()[..2] {
        return false;
    }
    let mut rest = long.bytes();
    short.bytes().all(|c| rest.any(|l| l == c))
}

/// Quoted literals that no sample value holds probably name a row the samples missed (a song title, a person's
/// name): weak evidence for every column that names rows, weaker the more such columns the catalog has.
fn unknown_literals(
    index: &LinkIndex<'_>,
    tokens: &[Token],
    covered: &[bool],
    scores: &mut Scores,
    acc: &mut Accumulator,
) {
    let labelled = index.labels.iter().filter(|l| !l.is_empty()).count();
    if labelled == 0 {
        return;
    }
    let weight = How::Label.weight() / (labelled as f32).sqrt();
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != Kind::Quoted || covered.get(i).copied().unwrap_or(false) {
            continue;
        }
        acc.unit(scores, &token.text, |acc| {
            for (table, labels) in index.labels.iter().enumerate() {
                for &column in labels {
                    acc.hit(table as u32, column as u32, Field::ColumnName, How::Label, weight, weight);
                }
            }
        });
    }
}

/// Literals: spans equal to a sample value, and capitalised or quoted words found inside multi-word values.
/// Returns which tokens a value covers.
fn values(index: &LinkIndex<'_>, tokens: &[Token], scores: &mut Scores, acc: &mut Accumulator) -> Vec<bool> {
    let mut hits = vec![false; tokens.len()];
    if index.values.is_empty() {
        return hits;
    }
    let total = index.valued_columns.max(1) as f32;
    let rarity = |count: usize| {
        let c = count as f32;
        (1.0 + (total - c + 0.5) / (c + 0.5)).ln().max(0.1)
    };
    let strong = |i: usize, t: &Token| t.kind == Kind::Quoted || (t.capital && i > 0) || t.kind == Kind::Number;
    let mut covered = 0;
    for i in 0..tokens.len() {
        if i < covered || tokens[i].kind == Kind::Punct {
            continue;
        }
        let longest = (tokens.len() - i).min(6);
        for len in (1..=longest).rev() {
            let span = &tokens[i..i + len];
            if span[len - 1].kind == Kind::Punct || span.iter().all(|t| t.kind == Kind::Word && is_stop_word(&t.lower))
            {
                continue;
            }
            let key = if len == 1 && span[0].kind == Kind::Quoted {
                value_key(&tokenize(&span[0].text))
            } else {
                value_key(span)
            };
            let Some(found) = index.values.get(&key) else { continue };
            let emphasis = if span.iter().enumerate().any(|(k, t)| strong(i + k, t)) { 1.0 } else { 0.45 };
            let weight = emphasis * rarity(found.len()) * (1.0 + 0.25 * (len - 1) as f32);
            let text = spelled(span);
            acc.unit(scores, &text, |acc| {
                for at in found {
                    acc.hit(at.table, at.column, Field::ColumnName, How::Value, weight, weight);
                }
            });
            found.iter().for_each(|at| scores.example(at));
            covered = i + len;
            hits[i..i + len].iter_mut().for_each(|h| *h = true);
            break;
        }
        if i >= covered
            && strong(i, &tokens[i])
            && tokens[i].kind != Kind::Number
            && let Some(found) = index.value_words.get(&tokens[i].lower)
        {
            let weight = How::ValueWord.weight() * rarity(found.len());
            acc.unit(scores, &tokens[i].text, |acc| {
                for at in found {
                    acc.hit(at.table, at.column, Field::ColumnName, How::ValueWord, weight, weight);
                }
            });
            found.iter().for_each(|at| scores.example(at));
            hits[i] = true;
        }
    }
    hits
}

/// Keeps the best hit per table and per column within one question span, then adds them to the scores.
struct Accumulator {
    unit: u16,
    /// Best hit per table (indexed by table), and the tables that have one.
    tables: Vec<Option<Hit>>,
    touched: Vec<u32>,
    columns: HashMap<(u32, u32), Hit>,
}

impl Accumulator {
    fn new(tables: usize) -> Self {
        Self { unit: 0, tables: vec![None; tables], touched: Vec::new(), columns: HashMap::new() }
    }

    fn unit(&mut self, scores: &mut Scores, text: &str, collect: impl FnOnce(&mut Self)) {
        self.unit = u16::try_from(scores.units.len()).unwrap_or(u16::MAX);
        collect(self);
        if self.touched.is_empty() && self.columns.is_empty() {
            return;
        }
        scores.units.push(text.to_owned());
        for table in self.touched.drain(..) {
            if let Some(hit) = self.tables[table as usize].take() {
                scores.tables[table as usize] += hit.weight;
                scores.table_hits[table as usize].push(hit);
            }
        }
        for (key, hit) in self.columns.drain() {
            let entry = scores.columns.entry(key).or_insert((0.0, hit));
            entry.0 += hit.weight;
            if hit.weight > entry.1.weight {
                entry.1 = hit;
            }
        }
    }

    fn terms(&mut self, term: &Term, how: How, factor: f32) {
        let scale = how.weight() * factor;
        if scale * term.idf.max(term.name_idf) < NEGLIGIBLE {
            return;
        }
        for p in &term.postings {
            let idf = if p.field == Field::TableName { term.name_idf } else { term.idf };
            let table = idf * scale * p.field.table_weight() * p.share;
            let column = if p.column == NO_COLUMN { 0.0 } else { term.idf.max(0.05) * scale * p.field.column_weight() };
            self.hit(p.table, p.column, p.field, how, table, column);
        }
    }

    fn hit(&mut self, table: u32, column: u32, field: Field, how: How, table_weight: f32, column_weight: f32) {
        let unit = self.unit;
        if table_weight > 0.0 {
            let hit = Hit { unit, column, field, how, weight: table_weight };
            match &mut self.tables[table as usize] {
                Some(best) if best.weight >= table_weight => {}
                Some(best) => *best = hit,
                empty => {
                    *empty = Some(hit);
                    self.touched.push(table);
                }
            }
        }
        if column != NO_COLUMN && column_weight > 0.0 {
            let hit = Hit { unit, column, field, how, weight: column_weight };
            let best = self.columns.entry((table, column)).or_insert(hit);
            if column_weight > best.weight {
                *best = hit;
            }
        }
    }
}
