//! Aggregate and superlative words ("average", "total", "highest", "longest", "the most expensive") and
//! the column or table each applies to.

use super::build::Func;
use super::hints::{Hint, hint};
use super::intent::Role;
use super::mentions::Mention;
use super::scan::{ARTICLES, Scan};

/// How a measure word works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MeasureKind {
    /// `average`, `total`, `maximum`: always an aggregate.
    Agg(Func),
    /// `highest`, `lowest`: an aggregate, or an ordering when rows are asked for.
    Extreme { desc: bool },
    /// `longest`, `most expensive`: an ordering.
    Rank { desc: bool },
}

/// An aggregate or superlative word and what it applies to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measure {
    pub(crate) at: usize,
    pub(crate) kind: MeasureKind,
    pub(crate) hint: Option<Hint>,
    /// Mention of the column it applies to.
    pub(crate) mention: Option<usize>,
    /// Mention of the table right after it (`longest tracks`).
    pub(crate) table: Option<usize>,
}

/// Aggregate and superlative words, bound to the column or table they apply to. Superlatives that apply to
/// nothing go to `dangling`.
pub(super) fn measures(
    s: &Scan<'_>,
    mentions: &[Mention],
    roles: &mut [Role],
    used: &mut [bool],
    dangling: &mut Vec<String>,
) -> Vec<Measure> {
    let mut found: Vec<Measure> = Vec::new();
    let mention_at = |j: usize| mentions.iter().position(|m| m.start == j);
    let mut i = 0;
    while i < s.tokens.len() {
        let word = s.word(i);
        // The word may start a column's name itself: "total" of `Total`, "total amount" of `total_amount`.
        let own = mentions.iter().position(|m| m.start == i);
        if own.is_some_and(|m| roles[m] != Role::Subject) || (used[i] && own.is_none()) {
            i += 1;
            continue;
        }
        let next_hint = hint(s.word(s.next(i + 1, &["the"])));
        let kind = match word {
            "average" | "avg" | "mean" => MeasureKind::Agg(Func::Avg),
            "sum" | "total" => MeasureKind::Agg(Func::Sum),
            "maximum" | "max" => MeasureKind::Agg(Func::Max),
            "minimum" | "min" => MeasureKind::Agg(Func::Min),
            "highest" | "greatest" | "largest" | "biggest" | "lowest" | "smallest" if s.word(i + 1) == "first" => {
                i += 2;
                continue;
            }
            "highest" | "greatest" | "largest" | "biggest" => MeasureKind::Extreme { desc: true },
            "lowest" | "smallest" => MeasureKind::Extreme { desc: false },
            "most" | "least" | "fewest" if next_hint.is_some() => {
                let desc = next_hint.is_some_and(|h| h.desc) == (word == "most");
                used[i] = true;
                i = s.next(i + 1, &["the"]);
                MeasureKind::Rank { desc }
            }
            "most" | "least" | "fewest" => MeasureKind::Rank { desc: word == "most" },
            w if w.ends_with("est") && hint(w).is_some() => MeasureKind::Rank { desc: hint(w).is_some_and(|h| h.desc) },
            _ => {
                i += 1;
                continue;
            }
        };
        let mut measure = Measure { at: i, kind, hint: hint(s.word(i)), mention: None, table: None };
        let mut j = i + 1;
        while j < s.tokens.len() && j <= i + 4 {
            let aggregate = matches!(s.word(j), "average" | "avg" | "mean" | "sum" | "total" | "maximum" | "minimum");
            if aggregate && !matches!(kind, MeasureKind::Agg(_)) {
                break; // "the largest average X": X belongs to the aggregate
            }
            if let Some(m) = mention_at(j) {
                if mentions[m].table().is_some() {
                    measure.table = Some(m);
                } else if roles[m] == Role::Subject {
                    measure.mention = Some(m);
                    roles[m] = Role::Measure(found.len());
                }
                break;
            }
            measure.hint = measure.hint.or_else(|| hint(s.word(j)));
            j += 1;
        }
        let bare = matches!(kind, MeasureKind::Rank { .. }) && measure.hint.is_none() && measure.mention.is_none();
        if bare && measure.table.is_none() {
            // "spent the most": the measure is the word before.
            measure.hint = s.prev(i, ARTICLES).and_then(|p| hint(s.word(p)));
            // "ordered the most": the verb names the related table.
            let verb = s.prev(i, ARTICLES).and_then(|p| mentions.iter().position(|m| m.end == p + 1 && m.start == p));
            if let Some(m) = verb.filter(|&m| mentions[m].table().is_some() && roles[m] == Role::Subject) {
                roles[m] = Role::Most { desc: word == "most" };
                used[i] = true;
                i += 1;
                continue;
            }
            if measure.hint.is_none() {
                dangling.push(s.tokens[i].text.clone());
            }
        }
        let is_rank_of_table = bare && measure.hint.is_none();
        if measure.mention.is_none()
            && matches!(kind, MeasureKind::Agg(_))
            && let Some(m) = own
        {
            measure.mention = Some(m);
            roles[m] = Role::Measure(found.len());
        }
        if !is_rank_of_table {
            used[i] = true;
            found.push(measure);
        }
        i += 1;
    }
    found
}
