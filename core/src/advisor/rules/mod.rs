//! The findings. Each rule reads the model, the classified conditions and the costs, and says what it found
//! with a severity, the SQL it is about and what to write instead. Severities grow with the rows involved
//! where statistics say how many ([`sized`]).

mod joins;
mod predicates;
mod shape;

use super::codes::Code;
use super::cost::Costs;
use super::{Analysis, Finding, IndexRecommendation};
use sqlparser::ast::{Expr, LimitClause, Query};
use sqlparser::tokenizer::Span;

/// Characters of SQL quoted in a finding at most.
const SNIPPET_CHARS: usize = 120;

impl<'a> Analysis<'a> {
    /// Every finding of the query (at most [`MAX_PER_CODE`] of a code).
    pub(super) fn findings(&self, costs: &Costs<'_>, indexes: &[IndexRecommendation]) -> Findings {
        let mut out = Findings::default();
        self.shape_rules(costs, &mut out);
        self.predicate_rules(costs, &mut out);
        self.join_rules(costs, indexes, &mut out);
        out
    }

    /// A finding about the SQL at `span` (`fallback` is quoted when the span is unknown).
    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        code: &Code,
        severity: u8,
        span: Span,
        fallback: &dyn std::fmt::Display,
        message: String,
        suggestion: String,
        table: Option<&str>,
    ) -> Finding {
        let snippet = self
            .source
            .snippet(span, SNIPPET_CHARS)
            .unwrap_or_else(|| crate::sql::shorten(&fallback.to_string(), SNIPPET_CHARS));
        let location =
            (span.start.line > 0).then_some(crate::sql::Position { line: span.start.line, column: span.start.column });
        Finding {
            code: code.code.into(),
            severity: severity.clamp(1, 10),
            message,
            location,
            snippet,
            suggestion,
            table: table.map(str::to_owned),
        }
    }

    /// A finding about expression `e`.
    fn at_expr(
        &self,
        code: &Code,
        severity: u8,
        e: &Expr,
        message: String,
        suggestion: String,
        table: Option<&str>,
    ) -> Finding {
        let span = super::expr::span(e);
        let text = Lazy(|| super::expr::text(e));
        self.finding(code, severity, span, &text, message, suggestion, table)
    }

    /// `base`, raised by one when `rows` reaches a tenth of `large_table_rows`, by two at `large_table_rows`,
    /// by three at ten times that.
    fn sized(&self, base: u8, rows: f64) -> u8 {
        let large = self.settings().large_table_rows.max(1) as f64;
        let bump = if rows >= 10.0 * large {
            3
        } else if rows >= large {
            2
        } else if rows >= large / 10.0 {
            1
        } else {
            0
        };
        (base + bump).min(10)
    }
}

/// Findings of one code reported at most; further ones are only counted (`Report::omitted`): a generated
/// query repeating one mistake a hundred times needs ten examples, not a hundred messages.
pub(super) const MAX_PER_CODE: usize = 10;

/// The findings of one analysis, capped per code. Rules ask for [`Findings::room`] before composing a finding, so
/// findings past the cap cost no formatting.
#[derive(Debug, Default)]
pub(super) struct Findings {
    pub(super) list: Vec<Finding>,
    seen: Vec<(&'static str, usize)>,
}

impl Findings {
    /// Counts one more finding of `code`; whether it is to be reported.
    pub(super) fn room(&mut self, code: &Code) -> bool {
        let n = match self.seen.iter_mut().find(|(c, _)| *c == code.code) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.seen.push((code.code, 1));
                1
            }
        };
        n <= MAX_PER_CODE
    }

    /// Adds a finding [`Findings::room`] allowed.
    pub(super) fn push(&mut self, finding: Finding) {
        self.list.push(finding);
    }

    /// Findings counted but not reported, per code.
    pub(super) fn omitted(&self) -> std::collections::BTreeMap<String, usize> {
        // Inserted one by one: collecting into a BTreeMap sorts with std's sort (see `crate::order`).
        let mut omitted = std::collections::BTreeMap::new();
        for (code, n) in self.seen.iter().filter(|(_, n)| *n > MAX_PER_CODE) {
            omitted.insert((*code).to_owned(), n - MAX_PER_CODE);
        }
        omitted
    }
}

/// Text computed only when displayed (a finding quotes it only when the source text cannot).
struct Lazy<F>(F);

impl<F: Fn() -> String> std::fmt::Display for Lazy<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&(self.0)())
    }
}

/// LIMIT and OFFSET of a query as counts (FETCH FIRST counts as LIMIT), when they are constants.
pub(super) fn limit_offset(query: &Query) -> (Option<f64>, Option<f64>) {
    let (limit, offset) = match &query.limit_clause {
        Some(LimitClause::LimitOffset { limit, offset, .. }) => {
            (limit.as_ref().and_then(super::expr::count), offset.as_ref().and_then(|o| super::expr::count(&o.value)))
        }
        Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
            (super::expr::count(limit), super::expr::count(offset))
        }
        None => (None, None),
    };
    let fetch = query.fetch.as_ref().and_then(|f| f.quantity.as_ref()).and_then(super::expr::count);
    (limit.or(fetch), offset)
}

/// The OFFSET expression of a query.
pub(super) fn offset_expr(query: &Query) -> Option<&Expr> {
    match &query.limit_clause {
        Some(LimitClause::LimitOffset { offset, .. }) => offset.as_ref().map(|o| &o.value),
        Some(LimitClause::OffsetCommaLimit { offset, .. }) => Some(offset),
        None => None,
    }
}

/// Whether a query has any LIMIT, FETCH or TOP (constant or not).
pub(super) fn is_bounded(query: &Query) -> bool {
    let limited = match &query.limit_clause {
        Some(LimitClause::LimitOffset { limit, .. }) => limit.is_some(),
        Some(LimitClause::OffsetCommaLimit { .. }) => true,
        None => false,
    };
    limited || query.fetch.is_some()
}

/// `n` with thousands separators.
pub(super) fn rows(n: f64) -> String {
    let n = n.round().max(0.0);
    if n >= 1e15 {
        return format!("{n:.2e}");
    }
    let digits = (n as u64).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
