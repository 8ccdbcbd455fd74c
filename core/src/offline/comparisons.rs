//! Comparisons: "more than 20", "at least 3", "between 1 and 5", "longer than 5 minutes", ">= 0.99" — the
//! operator, the number(s), an adjective's hint at the column and a unit to convert from.

use super::build::Op;
use super::hints::{Hint, hint};
use super::scan::Scan;

/// `more than 20`, `between 1 and 5`, `longer than 300000 ms`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) op: Op,
    pub(crate) value: String,
    /// Upper bound of `between`.
    pub(crate) upper: Option<String>,
    pub(crate) hint: Option<Hint>,
    /// Unit word after the number (`ms`, `minutes`...), singular.
    pub(crate) unit: Option<String>,
}

const COMPARATORS: &[(&[&str], Op, Option<&str>)] = &[
    (&["no", "more", "than"], Op::Le, None),
    (&["no", "less", "than"], Op::Ge, None),
    (&["not", "more", "than"], Op::Le, None),
    (&["more", "expensive", "than"], Op::Gt, Some("expensive")),
    (&["less", "expensive", "than"], Op::Lt, Some("expensive")),
    (&["greater", "than", "or", "equal", "to"], Op::Ge, None),
    (&["less", "than", "or", "equal", "to"], Op::Le, None),
    (&["more", "than"], Op::Gt, None),
    (&["greater", "than"], Op::Gt, None),
    (&["higher", "than"], Op::Gt, None),
    (&["larger", "than"], Op::Gt, Some("larger")),
    (&["bigger", "than"], Op::Gt, Some("bigger")),
    (&["longer", "than"], Op::Gt, Some("longer")),
    (&["shorter", "than"], Op::Lt, Some("shorter")),
    (&["smaller", "than"], Op::Lt, Some("smaller")),
    (&["cheaper", "than"], Op::Lt, Some("cheaper")),
    (&["less", "than"], Op::Lt, None),
    (&["fewer", "than"], Op::Lt, None),
    (&["lower", "than"], Op::Lt, None),
    (&["at", "least"], Op::Ge, None),
    (&["at", "most"], Op::Le, None),
    (&["up", "to"], Op::Le, None),
    (&["equal", "to"], Op::Eq, None),
    (&["over"], Op::Gt, None),
    (&["above"], Op::Gt, None),
    (&["exceeding"], Op::Gt, None),
    (&["under"], Op::Lt, None),
    (&["below"], Op::Lt, None),
    (&["exactly"], Op::Eq, None),
    (&["equals"], Op::Eq, None),
    (&["between"], Op::Ge, None),
    (&[">="], Op::Ge, None),
    (&["<="], Op::Le, None),
    (&[">"], Op::Gt, None),
    (&["<"], Op::Lt, None),
    (&["="], Op::Eq, None),
    (&["!="], Op::Ne, None),
    (&["<>"], Op::Ne, None),
];
const UNITS: &[&str] = &["ms", "millisecond", "second", "sec", "minute", "min", "hour", "day"];

/// Finds the comparisons among untaken tokens and marks their words understood.
pub(super) fn comparisons(s: &Scan<'_>, taken: &[bool], used: &mut [bool]) -> Vec<Comparison> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < s.tokens.len() {
        let hit = COMPARATORS.iter().find(|(words, _, _)| {
            words.iter().enumerate().all(|(k, w)| !taken.get(i + k).copied().unwrap_or(true) && s.word(i + k) == *w)
        });
        let Some((words, op, adjective)) = hit else {
            i += 1;
            continue;
        };
        let mut j = s.next(i + words.len(), &["$", "€", "£"]);
        let Some(value) = s.number(j).map(str::to_owned) else {
            i += 1;
            continue;
        };
        let mut upper = None;
        if **words == ["between"] {
            let Some(high) = s.number(j + 2).filter(|_| s.word(j + 1) == "and").map(str::to_owned) else {
                i += 1;
                continue;
            };
            upper = Some(high);
            j += 2;
        }
        let unit_word = s.tokens.get(j + 1).map(|t| t.norm.as_str()).filter(|u| UNITS.contains(u));
        let hint = adjective.and_then(hint).or_else(|| i.checked_sub(1).and_then(|p| hint(s.word(p))));
        if unit_word.is_some() && (j + 1 >= taken.len() || !taken[j + 1]) {
            used[j + 1] = true;
        }
        (i..=j).for_each(|k| used[k] = true);
        found.push(Comparison {
            start: i,
            end: j + 1,
            op: *op,
            value,
            upper,
            hint,
            unit: unit_word.map(str::to_owned),
        });
        i = j + 1;
    }
    found
}
