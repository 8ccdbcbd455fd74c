//! Pruned lines: the matched columns and row labels of a table, its primary key, and only the foreign keys
//! that matter here — those the question matched and those pointing at another shown table — with examples
//! only for the columns whose values the question spells.

use super::index::LinkIndex;
use super::score::Scores;
use super::{ColumnPick, TablePick};
use crate::catalog::{Samples, Table};
use crate::order::LeanSort as _;
use crate::skeleton::{TableLine, render_table};

/// Why a table was chosen (the words are spelled out only for the tables finally picked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Why {
    /// Its own evidence.
    Named,
    /// It is on the join path between two chosen tables.
    Joins(usize, usize),
    /// A neighbour of a table with evidence.
    Neighbour,
    /// Room was left.
    Fills,
}

/// One table chosen so far.
pub(super) struct Chosen {
    pub(super) table: usize,
    pub(super) why: Why,
    pub(super) score: f32,
    /// Indexes of the columns the line shows.
    pub(super) columns: Vec<usize>,
    pub(super) line: TableLine,
    pub(super) level: Level,
    pub(super) whole: bool,
}

/// How much of a table a pruned line shows besides its keys: the line is made smaller, level by level, when
/// it does not fit the budget.
pub(super) const LEVELS: [Level; 4] = [
    Level { matched: usize::MAX, labels: true },
    Level { matched: 2, labels: true },
    Level { matched: 1, labels: false },
    Level { matched: 0, labels: false },
];

/// What a pruned line shows besides its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Level {
    /// The best-matched columns, at most this many.
    matched: usize,
    /// The row labels (`name`, `title`).
    labels: bool,
}

/// The columns shown and the pruned line of `table` at `level`, given the tables `shown` so far.
pub(super) fn pruned_line(
    index: &LinkIndex<'_>,
    scores: &Scores,
    table: usize,
    shown: &[bool],
    level: Level,
) -> (Vec<usize>, TableLine) {
    let t = &index.catalog.tables[table];
    let position = |name: &str| t.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name));
    let matched: Vec<usize> = scores.matched[table].iter().take(level.matched).map(|(c, _)| *c).collect();
    let mut columns = matched.clone();
    if level.labels {
        columns.extend(index.labels[table].iter().filter(|l| !matched.contains(l)));
    }

    let named = |k: usize| t.foreign_keys[k].columns.iter().filter_map(|c| position(c)).any(|c| matched.contains(&c));
    let targets = &index.fk_targets[table];
    let keep: Vec<usize> = (0..t.foreign_keys.len())
        .filter(|&k| {
            let to_shown = targets[k].is_some_and(|r| shown[r]);
            // Of several keys to the same table, the ones the question names.
            let sibling_named = (0..t.foreign_keys.len()).any(|j| j != k && targets[j] == targets[k] && named(j));
            named(k) || (to_shown && !sibling_named)
        })
        .collect();
    let kept = keep.iter().map(|&k| &t.foreign_keys[k]);
    for name in t.primary_key.iter().chain(kept.flat_map(|fk| &fk.columns)) {
        if let Some(c) = position(name)
            && !columns.contains(&c)
        {
            columns.push(c);
        }
    }
    columns.lean_sort();
    // A copy with only what the line shows, so that rendering skips the rest.
    let shown_part = Table {
        name: t.name.clone(),
        columns: columns.iter().map(|&c| t.columns[c].clone()).collect(),
        primary_key: t.primary_key.clone(),
        foreign_keys: keep.iter().map(|&k| t.foreign_keys[k].clone()).collect(),
        unique: Vec::new(),
        indexes: Vec::new(),
        comment: t.comment.clone(),
    };

    // Examples: the values the question spells, not the most common ones.
    let mut examples = Samples::new();
    for &c in &matched {
        if let Some(values) = scores.examples.get(&(table as u32, c as u32)) {
            examples.entry(t.name.clone()).or_default().insert(t.columns[c].name.clone(), values.clone());
        }
    }
    let line = render_table(&shown_part, None, &examples);
    (columns, line)
}

/// The public pick: its reasons, and every column the line shows with why.
pub(super) fn pick(index: &LinkIndex<'_>, scores: &Scores, chosen: &Chosen) -> TablePick {
    let t = &index.catalog.tables[chosen.table];
    let mut matched: Vec<(f64, usize, String)> = (chosen.columns.iter())
        .filter_map(|&c| scores.column_reason(chosen.table as u32, c as u32).map(|(s, r)| (s, c, r)))
        .collect();
    matched.lean_sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut columns: Vec<ColumnPick> = (matched.iter())
        .map(|(score, c, reason)| ColumnPick {
            column: t.columns[*c].name.clone(),
            score: round(*score),
            reason: reason.clone(),
        })
        .collect();
    for &c in &chosen.columns {
        let name = &t.columns[c].name;
        if columns.iter().any(|p| &p.column == name) {
            continue;
        }
        let fk = t.foreign_keys.iter().find(|fk| fk.columns.iter().any(|k| k.eq_ignore_ascii_case(name)));
        let reason = if t.primary_key.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            "primary key".to_owned()
        } else if let Some(fk) = fk {
            format!("foreign key to {}", fk.ref_table)
        } else if index.labels[chosen.table].contains(&c) {
            "names the rows".to_owned()
        } else {
            "rest of the table".to_owned()
        };
        columns.push(ColumnPick { column: name.clone(), score: 0.0, reason });
    }
    let names = |t: usize| index.catalog.tables[t].name.as_str();
    let own = || scores.table_reasons(index, chosen.table as u32);
    let reasons = match chosen.why {
        Why::Named => own(),
        Why::Joins(a, b) => std::iter::once(format!("joins {} and {}", names(a), names(b))).chain(own()).collect(),
        Why::Neighbour => {
            let lexical = &scores.tables;
            let best = (index.neighbors[chosen.table].iter().map(|&nb| nb as usize))
                .filter(|&nb| lexical[nb] > 0.0)
                .max_by(|&a, &b| lexical[a].total_cmp(&lexical[b]).then(b.cmp(&a)));
            best.map(|nb| format!("{} {}", super::NEIGHBOUR, names(nb))).into_iter().collect()
        }
        Why::Fills => vec![super::FILLS.to_owned()],
    };
    TablePick { table: t.name.clone(), score: round(f64::from(chosen.score)), reasons, columns }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
