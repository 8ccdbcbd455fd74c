//! Schema linking: which tables and columns a question needs, and a pruned skeleton of them that fits a token
//! budget, with the reason for every pick.
//!
//! Why: a prompt cannot carry a warehouse of a thousand tables, and a model shown the wrong tables writes the
//! wrong SQL. So the linker ranks the catalog against the question with plain lexical evidence that explains
//! itself — no model, no network, deterministic, a few milliseconds even for large catalogs:
//!
//! - identifiers split into words (`snake_case`, `camelCase`), singular forms, stems, shared beginnings and
//!   abbreviations (`dept`), adjacent question words joined (`home town` → `hometown`, `first name` →
//!   `fname`), a small map of generic English synonyms (`staff` → `employee`) and comments;
//! - literals of the question (quoted strings, capitalised words, numbers) found among the sample values;
//! - each match weighted by the word's inverse document frequency across the catalog, so that `id` or `name`
//!   count for little and a rare word for a lot;
//! - foreign-key closure: when two picked tables join only through tables not picked, those are added
//!   ("joins X and Y"), so every join the question needs is present.
//!
//! Then the tables are packed into the budget, recall first: the named tables and their bridges, then
//! neighbours and weaker matches, then tables without evidence, each with its smallest line (its keys); then
//! lines grow to show matched columns and row labels; last, the top tables are shown whole while room remains.
//! Build a [`LinkIndex`] once per catalog; [`link`] is the one-shot convenience. `docs/linking.md` has the
//! measurements.

mod index;
mod render;
mod score;
mod select;

pub use index::LinkIndex;

use crate::catalog::{Catalog, Samples};
use crate::order::LeanSort as _;
use crate::skeleton::Skeleton;
use serde::Serialize;

/// A chosen column and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnPick {
    /// Column name.
    pub column: String,
    /// Match score (0 for columns shown only as keys, row labels or because the whole table is shown).
    pub score: f64,
    /// Why it is shown.
    pub reason: String,
}

/// A chosen table, its reasons and the columns its skeleton line shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TablePick {
    /// Table name.
    pub table: String,
    /// Ranking score (own evidence plus a share of its best neighbour's).
    pub score: f64,
    /// Why it was picked, strongest first.
    pub reasons: Vec<String>,
    /// Exactly the columns its skeleton line shows: the matched ones, best first, then the others in table order.
    pub columns: Vec<ColumnPick>,
}

/// The result of linking one question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Linked {
    /// Picked tables in the order they were picked: the named ones, best first, each followed by its bridge;
    /// then neighbours and weaker matches; then tables that only fill the budget.
    pub tables: Vec<TablePick>,
    /// The pruned skeleton of the picked tables (catalog order), at most the budget's tokens.
    pub skeleton: Skeleton,
    /// Tokens of the whole catalog's skeleton, for comparison.
    pub full_tokens: usize,
}

impl Linked {
    /// How many picked tables the question itself needs: the ones it names and the bridges their joins go
    /// through — not foreign-key neighbours or tables that only fill the budget (a small schema is linked whole).
    /// What complexity counts as "joins N tables".
    pub fn needed_tables(&self) -> usize {
        self.tables
            .iter()
            .filter(|t| t.reasons.first().is_some_and(|r| r != FILLS && !r.starts_with(NEIGHBOUR)))
            .count()
    }
}

/// The reason of a table picked only to fill the budget.
pub(crate) const FILLS: &str = "fills the budget";
/// The reason of a table picked as the neighbour of a matched one starts with this.
pub(crate) const NEIGHBOUR: &str = "foreign-key neighbour of";

/// A token budget: a hard cap, and a target for what only adds context.
///
/// The evidence — the tables the question names, the tables their joins go through, likely tables and their
/// matched columns — may use up to `cap` tokens; unlikely tables, tables without evidence and whole lines are
/// added only while the skeleton stays within `target`. [`Budget::tokens`] makes both equal (fill the budget);
/// a lower target keeps skeletons lean without dropping evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// The pruned skeleton never exceeds this many tokens.
    pub cap: usize,
    /// Context beyond the evidence is added only up to this many tokens (at most `cap`).
    pub target: usize,
}

impl Budget {
    /// `tokens` for everything: the budget is filled.
    pub fn tokens(tokens: usize) -> Self {
        Self { cap: tokens, target: tokens }
    }
}

/// Links `question` against `catalog` within `budget_tokens`; builds a [`LinkIndex`] each time, so callers
/// linking many questions should build one and call [`LinkIndex::link`].
pub fn link(question: &str, catalog: &Catalog, samples: &Samples, budget_tokens: usize) -> Linked {
    LinkIndex::new(catalog, samples).link(question, budget_tokens)
}

impl LinkIndex<'_> {
    /// Links `question` within `budget_tokens` (the pruned skeleton's [`Skeleton::tokens`] never exceeds it).
    pub fn link(&self, question: &str, budget_tokens: usize) -> Linked {
        self.link_within(question, Budget::tokens(budget_tokens))
    }

    /// Links `question` within `budget`: the pruned skeleton never exceeds [`Budget::cap`] tokens, and goes
    /// beyond [`Budget::target`] only for the question's evidence.
    pub fn link_within(&self, question: &str, budget: Budget) -> Linked {
        let scores = score::score(self, question);
        let mut chosen = select::select(self, &scores, budget);
        let tables = chosen.iter().map(|c| render::pick(self, &scores, c)).collect();
        chosen.lean_sort_by_key(|c| c.table);
        let lines = chosen.into_iter().map(|c| c.line).collect();
        Linked {
            tables,
            skeleton: Skeleton::from_lines(self.fingerprint.clone(), lines),
            full_tokens: self.full_tokens,
        }
    }
}

#[cfg(test)]
mod tests;
