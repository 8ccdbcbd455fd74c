//! Selection: anchors (the tables the question names), bridges (the tables their joins go through), then
//! the next most likely tables, packed into the token budget with pruned lines, and finally the top tables
//! shown whole while the budget allows.

use super::index::LinkIndex;
use super::score::Scores;
use super::{ColumnPick, TablePick};
use crate::skeleton::{TableLine, render_table};
use std::collections::VecDeque;

/// A table is an anchor when its score is at least this share of the best table's.
const ANCHOR_SHARE: f32 = 0.3;
/// At most this many anchors are connected by bridges.
const MAX_ANCHORS: usize = 6;
/// Bridges longer than this many tables are not added (the anchors are probably unrelated).
const MAX_BRIDGE: usize = 2;
/// Share of a neighbour's score a table inherits for ranking the rest.
const NEIGHBOUR_SHARE: f32 = 0.25;
/// How many of the first picks are shown whole before more tables are added.
const WHOLE_FIRST: usize = 2;

/// One table chosen so far.
struct Chosen {
    table: usize,
    reasons: Vec<String>,
    score: f32,
    columns: Vec<usize>,
    line: TableLine,
    whole: bool,
}

/// Picks tables for `scores` within `budget` tokens (every skeleton line costs its tokens plus a newline).
pub(super) fn select(index: &LinkIndex<'_>, scores: &Scores, budget: usize) -> Vec<(usize, TableLine, TablePick)> {
    let n = index.catalog.tables.len();
    let lexical = &scores.tables;
    let top = lexical.iter().copied().fold(0.0f32, f32::max);

    let mut anchors: Vec<usize> = (0..n).filter(|&t| lexical[t] > 0.0 && lexical[t] >= ANCHOR_SHARE * top).collect();
    anchors.sort_by(|&a, &b| lexical[b].total_cmp(&lexical[a]).then(a.cmp(&b)));
    anchors.truncate(MAX_ANCHORS);

    // Anchors in order, each followed by the bridge that connects it to the ones before.
    let mut order: Vec<(usize, Vec<String>)> = Vec::new();
    for &anchor in &anchors {
        let picked: Vec<usize> = order.iter().map(|(t, _)| *t).collect();
        order.push((anchor, scores.table_reasons(index, anchor as u32)));
        if let Some((path, end)) = bridge(index, anchor, &picked, lexical) {
            let names = |t: usize| index.catalog.tables[t].name.as_str();
            let reason = format!("joins {} and {}", names(anchor), names(end));
            for t in path {
                let mut reasons = vec![reason.clone()];
                reasons.extend(scores.table_reasons(index, t as u32));
                order.push((t, reasons));
            }
        }
    }
    // Then every other table with evidence of its own or a neighbour with some, best first.
    let rank: Vec<f32> = (0..n)
        .map(|t| {
            let inherited = index.neighbors[t].iter().map(|&nb| lexical[nb as usize]).fold(0.0f32, f32::max);
            lexical[t] + NEIGHBOUR_SHARE * inherited
        })
        .collect();
    let mut rest: Vec<usize> = (0..n).filter(|&t| rank[t] > 0.0 && !order.iter().any(|(o, _)| *o == t)).collect();
    rest.sort_by(|&a, &b| rank[b].total_cmp(&rank[a]).then(a.cmp(&b)));

    let mut packer = Packer { index, scores, rank: &rank, budget, used: 0, chosen: Vec::new() };
    for (table, reasons) in order {
        packer.add(table, reasons);
    }
    packer.whole(WHOLE_FIRST);
    for table in rest {
        let neighbour = (index.neighbors[table].iter())
            .filter(|&&nb| lexical[nb as usize] > 0.0)
            .max_by(|&&a, &&b| lexical[a as usize].total_cmp(&lexical[b as usize]));
        let mut reasons = scores.table_reasons(index, table as u32);
        if let Some(&nb) = neighbour {
            reasons.push(format!("foreign key to {}", index.catalog.tables[nb as usize].name));
        }
        packer.add(table, reasons);
    }
    packer.whole(usize::MAX);
    packer.chosen.into_iter().map(|c| (c.table, c.line.clone(), pick(index, scores, c))).collect()
}

/// Fills the budget.
struct Packer<'p, 'i> {
    index: &'p LinkIndex<'i>,
    scores: &'p Scores,
    rank: &'p [f32],
    budget: usize,
    used: usize,
    chosen: Vec<Chosen>,
}

impl Packer<'_, '_> {
    /// Adds `table` with a pruned line if it fits.
    fn add(&mut self, table: usize, reasons: Vec<String>) {
        let columns = pruned_columns(self.index, self.scores, table);
        let line = render_table(&self.index.catalog.tables[table], Some(&columns), self.index.samples);
        if self.used + line.tokens + 1 <= self.budget {
            self.used += line.tokens + 1;
            self.chosen.push(Chosen { table, reasons, score: self.rank[table], columns, line, whole: false });
        }
    }

    /// Shows the first `upto` chosen tables whole where the budget allows.
    fn whole(&mut self, upto: usize) {
        for c in self.chosen.iter_mut().take(upto).filter(|c| !c.whole) {
            let full = &self.index.full[c.table];
            let extra = full.tokens.saturating_sub(c.line.tokens);
            if self.used + extra <= self.budget {
                self.used += extra;
                c.line = full.clone();
                c.whole = true;
            }
        }
    }
}

/// The shortest foreign-key path from `from` to any already `picked` table, if it needs tables not picked
/// yet: those tables (nearest `from` first) and the picked table reached. Ties go to paths through
/// higher-scored tables.
fn bridge(index: &LinkIndex<'_>, from: usize, picked: &[usize], lexical: &[f32]) -> Option<(Vec<usize>, usize)> {
    if picked.is_empty() {
        return None;
    }
    let n = index.neighbors.len();
    let mut previous: Vec<Option<usize>> = vec![None; n];
    let mut depth = vec![usize::MAX; n];
    depth[from] = 0;
    let mut queue = VecDeque::from([from]);
    while let Some(t) = queue.pop_front() {
        if t != from && picked.contains(&t) {
            let mut path = Vec::new();
            let mut at = previous[t];
            while let Some(p) = at.filter(|&p| p != from) {
                path.push(p);
                at = previous[p];
            }
            path.reverse();
            return (!path.is_empty()).then_some((path, t));
        }
        if depth[t] > MAX_BRIDGE {
            continue;
        }
        let mut next: Vec<usize> = index.neighbors[t].iter().map(|&nb| nb as usize).collect();
        next.sort_by(|&a, &b| lexical[b].total_cmp(&lexical[a]).then(a.cmp(&b)));
        for nb in next {
            if depth[nb] == usize::MAX {
                depth[nb] = depth[t] + 1;
                previous[nb] = Some(t);
                queue.push_back(nb);
            }
        }
    }
    None
}

/// Columns of a pruned line: the matched ones and the row labels (keys are always rendered).
fn pruned_columns(index: &LinkIndex<'_>, scores: &Scores, table: usize) -> Vec<usize> {
    let width = index.catalog.tables[table].columns.len();
    let mut columns: Vec<usize> =
        (0..width).filter(|&c| scores.columns.contains_key(&(table as u32, c as u32))).collect();
    for &label in &index.labels[table] {
        if !columns.contains(&label) {
            columns.push(label);
        }
    }
    columns
}

/// The public pick: reasons, and every column the line shows with why.
fn pick(index: &LinkIndex<'_>, scores: &Scores, chosen: Chosen) -> TablePick {
    let table = &index.catalog.tables[chosen.table];
    let mut columns: Vec<ColumnPick> = Vec::new();
    let mut matched: Vec<(f64, usize, String)> = (chosen.columns.iter())
        .filter_map(|&c| scores.column_reason(index, chosen.table as u32, c as u32).map(|(s, r)| (s, c, r)))
        .collect();
    matched.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (score, c, reason) in matched {
        columns.push(ColumnPick { column: table.columns[c].name.clone(), score: round(score), reason });
    }
    let mut rest = |c: usize, reason: String| {
        let name = &table.columns[c].name;
        if !columns.iter().any(|p| &p.column == name) {
            columns.push(ColumnPick { column: name.clone(), score: 0.0, reason });
        }
    };
    for &c in &index.keys[chosen.table] {
        let name = &table.columns[c].name;
        let fk = table.foreign_keys.iter().find(|fk| fk.columns.iter().any(|k| k.eq_ignore_ascii_case(name)));
        rest(c, fk.map_or_else(|| "primary key".to_owned(), |fk| format!("foreign key to {}", fk.ref_table)));
    }
    for &c in &index.labels[chosen.table] {
        if chosen.columns.contains(&c) {
            rest(c, "names the rows".to_owned());
        }
    }
    if chosen.whole {
        for c in 0..table.columns.len() {
            rest(c, "rest of the table".to_owned());
        }
    }
    let mut reasons = chosen.reasons;
    if reasons.is_empty() {
        reasons.push("fills the budget".to_owned());
    }
    TablePick { table: table.name.clone(), score: round(f64::from(chosen.score)), reasons, columns }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

