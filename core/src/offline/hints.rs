//! Generic English hints: what an adjective or measure word says about the column it refers to
//! ("longest" → a duration column, highest first; "cheapest" → a price column, lowest first; "oldest" →
//! a birth date, earliest first).

use super::lexicon::is_key;
use crate::catalog::{Table, TypeClass};
use crate::words::words_of;

/// What an adjective or measure word says about the column it refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hint {
    /// Column words that carry the quantity, best first; empty for dates.
    pub(crate) words: &'static [&'static str],
    /// The quantity is a date (oldest, newest...).
    pub(crate) temporal: bool,
    /// Prefer birth dates (oldest/youngest person).
    pub(crate) birth: bool,
    /// The adjective means "the most of it" (longest) rather than "the least" (shortest).
    pub(crate) desc: bool,
}

const DURATION: &[&str] = &["duration", "length", "runtime", "millisecond", "second", "minute", "hour", "ms"];
const PRICE: &[&str] = &["price", "cost", "amount", "total", "fee", "charge"];
const SIZE: &[&str] = &["size", "byte", "amount", "total", "quantity", "weight", "capacity"];

/// Money columns, the usual measure of a row (`price`, `total`, `amount`).
pub(crate) const MONEY: Hint = Hint { words: PRICE, temporal: false, birth: false, desc: true };

/// The [`Hint`] of a lower-case word: `longest` → a duration column, descending.
pub(crate) fn hint(word: &str) -> Option<Hint> {
    let numeric = |words, desc| Some(Hint { words, temporal: false, birth: false, desc });
    let temporal = |birth, desc| Some(Hint { words: &[], temporal: true, birth, desc });
    match word {
        "long" | "longer" | "longest" | "length" | "duration" | "lengthy" | "lasting" => numeric(DURATION, true),
        "short" | "shorter" | "shortest" => numeric(DURATION, false),
        "expensive" | "pricey" | "pricier" | "priciest" | "costly" | "costliest" | "costing" | "cost" | "costs"
        | "priced" => numeric(PRICE, true),
        "cheap" | "cheaper" | "cheapest" | "inexpensive" => numeric(PRICE, false),
        "spent" | "spend" | "spending" | "paid" | "revenue" | "sales" | "earned" | "earnings" | "income" => {
            numeric(PRICE, true)
        }
        "big" | "bigger" | "biggest" | "large" | "larger" | "largest" | "heavy" | "heaviest" => numeric(SIZE, true),
        "small" | "smaller" | "smallest" | "light" | "lightest" | "tiny" => numeric(SIZE, false),
        "new" | "newer" | "newest" | "recent" | "latest" => temporal(false, true),
        "earliest" => temporal(false, false),
        "young" | "younger" | "youngest" => temporal(true, true),
        "old" | "older" | "oldest" => temporal(true, false),
        _ => None,
    }
}

/// The column of `table` a [`Hint`] points at, if any.
pub(crate) fn hinted_column(table: &Table, hint: &Hint) -> Option<usize> {
    let candidates = || (0..table.columns.len()).filter(|&ci| !is_key(table, ci));
    if hint.temporal {
        let dates: Vec<usize> = candidates().filter(|&ci| table.columns[ci].class() == TypeClass::Temporal).collect();
        let is_birth = |ci: &usize| words_of(&table.columns[*ci].name).iter().any(|w| w == "birth" || w == "born");
        let preferred = dates.iter().copied().find(|ci| is_birth(ci) == hint.birth);
        return preferred.or_else(|| dates.first().copied());
    }
    hint.words.iter().find_map(|word| {
        candidates().find(|&ci| {
            table.columns[ci].class().is_numeric() && words_of(&table.columns[ci].name).iter().any(|w| w == word)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::offline::lexicon::label_columns;

    #[test]
    fn hints_pick_the_measure_column() {
        let table: Table = serde_json::from_value(serde_json::json!({
            "name": "Track",
            "columns": [
                {"name": "TrackId", "data_type": "INTEGER", "nullable": false},
                {"name": "Milliseconds", "data_type": "INTEGER", "nullable": false},
                {"name": "UnitPrice", "data_type": "NUMERIC(10,2)", "nullable": false},
                {"name": "Name", "data_type": "TEXT", "nullable": false}
            ],
            "primary_key": ["TrackId"]
        }))
        .expect("a valid table literal");
        let longest = hint("longest").expect("longest is a hint");
        assert!(longest.desc);
        assert_eq!(hinted_column(&table, &longest), Some(1));
        assert_eq!(hinted_column(&table, &hint("cheapest").expect("cheapest is a hint")), Some(2));
        assert_eq!(label_columns(&table), [3]);
    }
}
