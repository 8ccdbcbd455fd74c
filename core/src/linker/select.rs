//! Selection: anchors (the tables the question names), bridges (the tables their joins go through), then the
//! next most likely tables and finally the rest, packed into the token budget with pruned lines; the top
//! tables are then shown whole while the budget allows.

use super::Budget;
use super::index::LinkIndex;
use super::render::{Chosen, LEVELS, Why, pruned_line};
use super::score::Scores;
use crate::order::LeanSort as _;
use crate::skeleton::TableLine;
use std::collections::VecDeque;

/// A table is an anchor when its score is at least this share of the best table's.
const ANCHOR_SHARE: f32 = 0.3;
/// At most this many anchors are connected by bridges.
const MAX_ANCHORS: usize = 6;
/// Bridges of more than this many tables are not added (the tables they would join are probably unrelated).
const MAX_BRIDGE: usize = 2;
/// Tables ranked at least this share of the best table's are shown with their matched columns before less
/// likely tables are added.
const LIKELY_SHARE: f32 = 0.15;
/// After this many tables in a row did not fit, no more are tried.
const GIVE_UP: usize = 16;
/// Share of a neighbour's score a table inherits for ranking the rest.
const NEIGHBOUR_SHARE: f32 = 0.25;

/// Picks tables for `scores` within `budget` (every skeleton line costs its tokens plus a newline), in the order
/// they were picked: the evidence (anchors, bridges, likely tables and their matched columns) within
/// [`Budget::cap`], what only adds context (unlikely tables, fills, whole lines) within [`Budget::target`].
pub(super) fn select(index: &LinkIndex<'_>, scores: &Scores, budget: Budget) -> Vec<Chosen> {
    let n = index.catalog.tables.len();
    let lexical = &scores.tables;
    let top = lexical.iter().copied().fold(0.0f32, f32::max);
    let rank: Vec<f32> = (0..n)
        .map(|t| {
            let inherited = index.neighbors[t].iter().map(|&nb| lexical[nb as usize]).fold(0.0f32, f32::max);
            lexical[t] + NEIGHBOUR_SHARE * inherited
        })
        .collect();
    let mut packer = Packer {
        index,
        scores,
        rank: &rank,
        budget: budget.cap,
        used: 0,
        chosen: Vec::new(),
        picked: vec![false; n],
        at: vec![None; n],
        misses: 0,
    };

    // Anchors, best first, each followed by the bridge that joins it to the tables picked before it.
    let mut anchors: Vec<usize> = (0..n).filter(|&t| lexical[t] > 0.0 && lexical[t] >= ANCHOR_SHARE * top).collect();
    anchors.lean_sort_by(|&a, &b| lexical[b].total_cmp(&lexical[a]).then(a.cmp(&b)));
    anchors.truncate(MAX_ANCHORS);
    for &anchor in &anchors {
        if !packer.add(anchor, Why::Named) {
            continue;
        }
        // Foreign-key closure: join the anchor's group of shown tables to the others, one bridge at a time.
        for _ in 0..MAX_ANCHORS {
            let Some((path, from, to)) = bridge(index, anchor, &packer.picked, lexical) else { break };
            if !path.into_iter().all(|t| packer.add(t, Why::Joins(from, to))) {
                break;
            }
        }
    }
    // The named tables and their joins are in; the rest only adds context, within the target.
    packer.budget = budget.target.min(budget.cap);
    // Then every other table with evidence of its own or a neighbour with some, best first; likely tables get
    // their columns before unlikely ones get a line.
    let mut rest: Vec<usize> = (0..n).filter(|&t| rank[t] > 0.0 && !packer.picked[t]).collect();
    rest.lean_sort_by(|&a, &b| rank[b].total_cmp(&rank[a]).then(a.cmp(&b)));
    let likely = rest.iter().take_while(|&&t| rank[t] >= LIKELY_SHARE * top).count();
    for (k, &table) in rest.iter().enumerate() {
        if k == likely {
            packer.fuller();
        }
        if packer.full() {
            break;
        }
        packer.add(table, if lexical[table] > 0.0 { Why::Named } else { Why::Neighbour });
    }
    packer.fuller();
    // Then, while room remains, the tables without any evidence: first those in the schema of the first pick
    // (`sales` of `sales.orders`), then the rest, in catalog order.
    let schema = |t: usize| index.catalog.tables[t].name.rsplit_once('.').map_or("", |(s, _)| s);
    let home = packer.chosen.first().map_or("", |c| schema(c.table));
    let (near, far): (Vec<usize>, Vec<usize>) = (0..n).partition(|&t| schema(t) == home);
    for table in near.into_iter().chain(far) {
        if packer.full() {
            break;
        }
        packer.add(table, Why::Fills);
    }
    packer.whole();
    packer.chosen
}

/// The shortest foreign-key path, through tables not shown, from the group of shown tables joined to `anchor`
/// to a shown table outside that group: the tables on it (nearest the group first), the group's table where it
/// starts and the table it reaches. Ties go to paths through higher-scored tables.
fn bridge(index: &LinkIndex<'_>, anchor: usize, shown: &[bool], lexical: &[f32]) -> Option<(Vec<usize>, usize, usize)> {
    let n = index.neighbors.len();
    let mut group = vec![false; n];
    group[anchor] = true;
    let mut stack = vec![anchor];
    while let Some(t) = stack.pop() {
        for &nb in &index.neighbors[t] {
            let nb = nb as usize;
            if shown[nb] && !group[nb] {
                group[nb] = true;
                stack.push(nb);
            }
        }
    }
    let mut previous: Vec<Option<usize>> = vec![None; n];
    let mut depth = vec![usize::MAX; n];
    let mut queue: VecDeque<usize> = (0..n).filter(|&t| group[t]).collect();
    for &t in &queue {
        depth[t] = 0;
    }
    while let Some(t) = queue.pop_front() {
        if shown[t] && !group[t] {
            let mut path = Vec::new();
            let mut at = previous[t];
            while let Some(p) = at {
                if group[p] {
                    path.reverse();
                    return Some((path, p, t));
                }
                path.push(p);
                at = previous[p];
            }
            return None;
        }
        if depth[t] > MAX_BRIDGE {
            continue;
        }
        let mut next: Vec<usize> = index.neighbors[t].iter().map(|&nb| nb as usize).collect();
        next.lean_sort_by(|&a, &b| lexical[b].total_cmp(&lexical[a]).then(a.cmp(&b)));
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

/// Fills the budget.
struct Packer<'p, 'i> {
    index: &'p LinkIndex<'i>,
    scores: &'p Scores,
    rank: &'p [f32],
    budget: usize,
    used: usize,
    chosen: Vec<Chosen>,
    picked: Vec<bool>,
    /// Position of each table in `chosen`.
    at: Vec<Option<usize>>,
    /// Tables in a row that did not fit.
    misses: usize,
}

impl Packer<'_, '_> {
    /// Whether not even the smallest line fits any more, or so many tables in a row did not fit that the
    /// budget is as good as spent.
    fn full(&self) -> bool {
        self.used + self.index.smallest_line > self.budget || self.misses >= GIVE_UP
    }

    /// Adds `table` with its smallest pruned line if it fits, together with the foreign keys of chosen tables
    /// that now point at a shown table. Returns whether it is (now or already) chosen.
    fn add(&mut self, table: usize, why: Why) -> bool {
        if self.picked[table] {
            return true;
        }
        if self.used + self.index.least[table] > self.budget {
            return false;
        }
        self.picked[table] = true;
        let level = LEVELS[LEVELS.len() - 1];
        let (columns, line) = pruned_line(self.index, self.scores, table, &self.picked, level);
        let mut cost = line.tokens + 1;
        let mut updates: Vec<(usize, Vec<usize>, TableLine)> = Vec::new();
        for &nb in &self.index.neighbors[table] {
            let Some(k) = self.at[nb as usize] else { continue };
            let chosen = &self.chosen[k];
            if self.used + cost > self.budget {
                break;
            }
            if !chosen.whole {
                let (columns, line) = pruned_line(self.index, self.scores, chosen.table, &self.picked, chosen.level);
                cost += line.tokens.saturating_sub(chosen.line.tokens);
                updates.push((k, columns, line));
            }
        }
        if self.used + cost > self.budget {
            self.picked[table] = false;
            self.misses += 1;
            return false;
        }
        self.misses = 0;
        self.used += cost;
        for (k, columns, line) in updates {
            self.chosen[k].columns = columns;
            self.chosen[k].line = line;
        }
        self.at[table] = Some(self.chosen.len());
        self.chosen.push(Chosen { table, why, score: self.rank[table], columns, line, level, whole: false });
        true
    }

    /// Shows more of each chosen table (matched columns, labels), in the order they were chosen, while the
    /// budget allows.
    fn fuller(&mut self) {
        for k in 0..self.chosen.len() {
            let chosen = &self.chosen[k];
            let t = chosen.table;
            let more = !self.index.labels[t].is_empty() || !self.scores.matched[t].is_empty();
            if chosen.whole || !more {
                continue;
            }
            for level in LEVELS {
                if level == chosen.level {
                    break;
                }
                let (columns, line) = pruned_line(self.index, self.scores, chosen.table, &self.picked, level);
                if self.used + line.tokens <= self.budget + chosen.line.tokens {
                    self.used = self.used + line.tokens - chosen.line.tokens;
                    let chosen = &mut self.chosen[k];
                    (chosen.columns, chosen.line, chosen.level) = (columns, line, level);
                    break;
                }
            }
        }
    }

    /// Shows chosen tables whole, in the order they were chosen, while the budget allows.
    fn whole(&mut self) {
        for c in self.chosen.iter_mut() {
            let full = &self.index.full[c.table];
            let extra = full.tokens.saturating_sub(c.line.tokens);
            if self.used + extra <= self.budget {
                self.used += extra;
                c.line = full.clone();
                c.columns = (0..self.index.catalog.tables[c.table].columns.len()).collect();
                c.whole = true;
            }
        }
    }
}
