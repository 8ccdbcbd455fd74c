//! Question parsing: which spans name the schema or a value, and what role each plays — the thing asked
//! about, a grouping ("per genre"), a count of related rows ("the most albums"), a comparison ("a total over
//! 20"), an aggregate or superlative ("average", "longest"), a row limit ("top 5").

use super::comparisons::{Comparison, comparisons};
use super::hints::hint;
use super::lexicon::Lexicon;
use super::measures::{Measure, measures};
use super::mentions::{Mention, schema_mentions};
use super::scan::{ARTICLES, Scan};
use super::tokens::{Kind, Token, tokenize};
use super::values::{ValueIndex, ValueMatch, named_runs, value_matches};
use crate::catalog::Catalog;
use crate::order::LeanSort as _;
use crate::words::is_stop_word;

/// What a schema mention does in the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// What is listed or counted.
    Subject,
    /// `per X`, `each X`; `by` = `by X` (grouping with an aggregate, ordering without).
    Group { by: bool },
    /// `the most X` / `the fewest X`: rank by the number of related X rows.
    Most { desc: bool },
    /// `sorted by X`.
    OrderBy,
    /// The column of comparison `k`.
    Compare(usize),
    /// `more than N X`: comparison `k` on the number of related X rows.
    Having(usize),
    /// The column of measure `k` (`average X`, `highest X`).
    Measure(usize),
    /// Says where value `k` lives (`the genre Rock`, `country is Brazil`).
    Context(usize),
}

/// A year condition on a date column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YearOp {
    In,
    Before,
    After,
    Since,
}

/// Everything read from a question.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub(crate) tokens: Vec<Token>,
    pub(crate) mentions: Vec<Mention>,
    pub(crate) roles: Vec<Role>,
    pub(crate) values: Vec<ValueMatch>,
    pub(crate) comparisons: Vec<Comparison>,
    pub(crate) measures: Vec<Measure>,
    pub(crate) years: Vec<(usize, YearOp, i32)>,
    /// Token index right after `how many` / `number of`.
    pub(crate) count_at: Option<usize>,
    pub(crate) top: Option<u64>,
    /// An explicit `descending` / `ascending`.
    pub(crate) desc: Option<bool>,
    pub(crate) alphabetical: bool,
    /// Starts with `which` / `who`: rows are asked for.
    pub(crate) which: bool,
    /// Content words nothing matched.
    pub(crate) unknown: Vec<String>,
}

const ORDERED: &[&[&str]] =
    &[&["sorted", "by"], &["ordered", "by"], &["sort", "by"], &["order", "by"], &["ranked", "by"]];
const MOST: &[&[&str]] = &[
    &["most"],
    &["by", "number", "of"],
    &["by", "count", "of"],
    &["greatest", "number", "of"],
    &["highest", "number", "of"],
    &["largest", "number", "of"],
];
const FEWEST: &[&[&str]] = &[&["fewest"], &["least"], &["lowest", "number", "of"], &["smallest", "number", "of"]];
/// Reads `question` against the schema phrases and sample values.
pub(crate) fn read(question: &str, catalog: &Catalog, lexicon: &Lexicon, index: &ValueIndex) -> Reading {
    let tokens = tokenize(question);
    let s = Scan { tokens: &tokens };
    let n = tokens.len();
    let mut used = vec![false; n];
    let mut taken = vec![false; n];

    // `how many`, `number of`, `count of` (but not `by number of`, which ranks).
    let mut count_at = None;
    for i in 0..n {
        let pair = (s.word(i), s.word(i + 1));
        let len = if matches!(pair, ("how", "many" | "much") | ("number" | "count", "of")) {
            2
        } else if s.word(i) == "count" && i == 0 {
            1
        } else {
            continue;
        };
        let ranks =
            ["by", "most", "greatest", "highest", "largest", "biggest", "lowest", "smallest", "fewest", "least"];
        let start = if i > 0 && s.word(i - 1) == "total" { i - 1 } else { i };
        (start..i + len).for_each(|k| (taken[k], used[k]) = (true, true));
        if !s.prev(start, ARTICLES).is_some_and(|p| ranks.contains(&s.word(p))) && count_at.is_none() {
            count_at = Some(i + len);
        }
    }

    let mut values = named_runs(&tokens, lexicon, index, &mut taken);
    values.extend(value_matches(&tokens, index, lexicon, &mut taken, false));
    let mentions = schema_mentions(&tokens, lexicon, &taken);
    for m in &mentions {
        (m.start..m.end).for_each(|k| (taken[k], used[k]) = (true, true));
    }
    values.extend(value_matches(&tokens, index, lexicon, &mut taken, true));
    values.lean_sort_by_key(|v| v.start);
    for v in &values {
        (v.start..v.end).for_each(|k| used[k] = true);
    }

    let comparisons = comparisons(&s, &taken, &mut used);
    let numeric = |m: &Mention| m.columns().any(|(t, c, _)| catalog.tables[t].columns[c].class().is_numeric());
    let mention_ending = |j: usize| mentions.iter().position(|m| m.end == j + 1);
    let mention_at = |j: usize| mentions.iter().position(|m| m.start == j);

    // Roles.
    let mut roles = vec![Role::Subject; mentions.len()];
    let fillers = ["is", "are", "was", "were", "of", "a", "an", "the", "that", "which", "with", "has", "have", "whose"];
    for (k, c) in comparisons.iter().enumerate() {
        let before = s.prev(c.start, &fillers).and_then(mention_ending).filter(|&m| numeric(&mentions[m]));
        let after = mention_at(s.next(c.end, ARTICLES));
        if let Some(m) = before {
            roles[m] = Role::Compare(k);
        } else if let Some(m) = after {
            roles[m] = if mentions[m].table().is_some() { Role::Having(k) } else { Role::Compare(k) };
        }
    }
    let context_fillers = ["is", "are", "was", "named", "called", "titled", "equal", "equals", "to", "=", ":"];
    for (mi, m) in mentions.iter().enumerate() {
        if roles[mi] != Role::Subject {
            continue;
        }
        let next = s.next(m.end, &context_fillers);
        let grouped = ["per", "each", "every"].iter().any(|w| s.before(m.start, &[w]));
        roles[mi] = if ORDERED.iter().any(|p| s.before(m.start, p)) {
            Role::OrderBy
        } else if m.table().is_some() && MOST.iter().any(|p| s.before(m.start, p)) {
            Role::Most { desc: true }
        } else if m.table().is_some() && FEWEST.iter().any(|p| s.before(m.start, p)) {
            Role::Most { desc: false }
        } else if grouped || s.before(m.start, &["grouped", "by"]) {
            Role::Group { by: false }
        } else if s.before(m.start, &["by"]) {
            Role::Group { by: true }
        } else if let Some(v) = values.iter().position(|v| v.start == next) {
            Role::Context(v)
        } else {
            Role::Subject
        };
    }

    let mut dangling = Vec::new();
    let measures = measures(&s, &mentions, &mut roles, &mut used, &mut dangling);
    let mut top = None;
    for (i, token) in tokens.iter().enumerate() {
        if used[i] || token.kind != Kind::Number {
            continue;
        }
        let number = token.lower.as_str();
        let skip = |w: &str| ["most", "least", "of", "the"].contains(&w) || hint(w).is_some();
        let mut j = i + 1;
        while j < n && skip(s.word(j)) && mention_at(j).is_none() {
            j += 1;
        }
        let ranked = matches!(s.word(i.wrapping_sub(1)), "top" | "first" | "best");
        if ranked || mention_at(j).is_some_and(|m| mentions[m].table().is_some()) {
            top = number.parse::<u64>().ok().or(top);
            used[i] = true;
        }
    }
    let mut years = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let year = token.lower.parse::<i32>().ok().filter(|_| token.kind == Kind::Number && !used[i]);
        let Some(year) = year else { continue };
        let op = match s.prev(i, &["the", "year"]).map(|p| s.word(p)) {
            Some("in" | "during" | "of" | "from") => YearOp::In,
            Some("before") => YearOp::Before,
            Some("after") => YearOp::After,
            Some("since") => YearOp::Since,
            _ => continue,
        };
        if (1800..=2200).contains(&year) {
            years.push((i, op, year));
            used[i] = true;
        }
    }
    let mut desc = None;
    let mut alphabetical = false;
    for (i, t) in tokens.iter().enumerate() {
        match t.lower.as_str() {
            "descending" | "desc" | "decreasing" | "reverse" => desc = Some(true),
            "ascending" | "asc" | "increasing" => desc = Some(false),
            "alphabetically" | "alphabetical" => alphabetical = true,
            "first" if i > 0 && matches!(s.word(i - 1), "highest" | "largest" | "greatest" | "biggest" | "most") => {
                desc = Some(true)
            }
            "first" if i > 0 && matches!(s.word(i - 1), "lowest" | "smallest" | "least" | "fewest") => {
                desc = Some(false)
            }
            _ => continue,
        }
        used[i] = true;
    }
    let mut unknown: Vec<String> = (tokens.iter().enumerate())
        .filter(|(i, t)| t.kind == Kind::Word && !used[*i] && !is_stop_word(&t.lower) && hint(&t.lower).is_none())
        .map(|(_, t)| t.text.clone())
        .collect();
    unknown.extend(dangling);
    let which = matches!(s.word(0), "which" | "who" | "whose");
    Reading {
        mentions,
        roles,
        values,
        comparisons,
        measures,
        years,
        count_at,
        top,
        desc,
        alphabetical,
        which,
        unknown,
        tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Samples;
    use crate::offline::build::{Func, Op};
    use crate::offline::measures::MeasureKind;

    fn catalog() -> Catalog {
        serde_json::from_value(serde_json::json!({
            "dialect": "sqlite",
            "tables": [
                {"name": "Artist", "columns": [
                    {"name": "ArtistId", "data_type": "INTEGER", "nullable": false},
                    {"name": "Name", "data_type": "TEXT", "nullable": true}], "primary_key": ["ArtistId"]},
                {"name": "Album", "columns": [
                    {"name": "AlbumId", "data_type": "INTEGER", "nullable": false},
                    {"name": "Total", "data_type": "NUMERIC", "nullable": false},
                    {"name": "ArtistId", "data_type": "INTEGER", "nullable": false}], "primary_key": ["AlbumId"],
                 "foreign_keys": [{"columns": ["ArtistId"], "ref_table": "Artist", "ref_columns": ["ArtistId"]}]}
            ]
        }))
        .expect("a valid catalog literal")
    }

    fn reading(question: &str) -> Reading {
        let catalog = catalog();
        read(question, &catalog, &Lexicon::new(&catalog), &ValueIndex::new(&catalog, &Samples::new()))
    }

    #[test]
    fn roles_of_mentions() {
        let r = reading("Which 5 artists have the most albums?");
        assert_eq!(r.roles, [Role::Subject, Role::Most { desc: true }]);
        assert_eq!(r.top, Some(5));
        assert!(r.which);
        let r = reading("how many albums per artist");
        assert_eq!(r.count_at, Some(2));
        assert_eq!(r.roles, [Role::Subject, Role::Group { by: false }]);
        let r = reading("artists with more than 10 albums sorted by name descending");
        assert_eq!(r.roles, [Role::Subject, Role::Having(0), Role::OrderBy]);
        assert_eq!((r.comparisons[0].op, r.comparisons[0].value.as_str()), (Op::Gt, "10"));
        assert_eq!(r.desc, Some(true));
    }

    #[test]
    fn total_is_a_column_or_an_aggregate() {
        let r = reading("albums with a total over 20");
        assert_eq!(r.roles, [Role::Subject, Role::Compare(0)]);
        assert!(r.measures.is_empty());
        let r = reading("total of albums");
        assert_eq!(r.roles, [Role::Measure(0), Role::Subject]);
        assert_eq!(r.measures[0].kind, MeasureKind::Agg(Func::Sum));
        let r = reading("the 3 largest albums in 2010");
        assert_eq!(r.measures[0].kind, MeasureKind::Extreme { desc: true });
        assert_eq!(r.top, Some(3));
        assert_eq!(r.years, [(5, YearOp::In, 2010)]);
        assert!(reading("albums of weather").unknown.contains(&"weather".to_owned()));
    }
}
