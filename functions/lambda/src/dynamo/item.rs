//! The item layout in the table and the expression plumbing every DynamoDB call shares.
//!
//! A head item (`pk`, `sk`) holds `version` (N), `expires_at` (N, the table's TTL attribute, unix seconds) and
//! either the `value` (S) itself or, for values too large for one item, `chunks` (N) and `chunk_id` (S) naming
//! the chunk items that hold it (see [`super::chunks`]).

use aws_sdk_dynamodb::types::AttributeValue;
use nl2sql_core::ports::{Item, Precondition};
use nl2sql_core::{Error, Result};
use std::collections::HashMap;

/// An item's attributes as the SDK hands them over.
pub(crate) type Attrs = HashMap<String, AttributeValue>;

/// Expression aliases and the attributes they stand for; `value` is a DynamoDB reserved word, so every
/// attribute goes through an alias.
const NAMES: [(&str, &str); 7] = [
    ("#pk", "pk"),
    ("#sk", "sk"),
    ("#value", "value"),
    ("#version", "version"),
    ("#exp", "expires_at"),
    ("#chunks", "chunks"),
    ("#cid", "chunk_id"),
];

/// A string attribute.
pub(crate) fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

/// A number attribute.
pub(crate) fn n(number: impl ToString) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

/// The primary key of an item.
pub(crate) fn key(pk: &str, sk: &str) -> Attrs {
    HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))])
}

/// Expression attribute names and values for a set of expressions. DynamoDB rejects names and values an
/// expression does not use, so only the aliases and placeholders that occur in `expressions` are kept.
#[derive(Debug, Default)]
pub(crate) struct Bound {
    pub(crate) names: Option<HashMap<String, String>>,
    pub(crate) values: Option<Attrs>,
}

pub(crate) fn bind(expressions: &[&str], values: Vec<(&str, AttributeValue)>) -> Bound {
    let tokens: Vec<&str> = expressions
        .iter()
        .flat_map(|e| e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '#' || c == ':')))
        .collect();
    let names: HashMap<String, String> = NAMES
        .iter()
        .filter(|(alias, _)| tokens.contains(alias))
        .map(|(alias, name)| ((*alias).to_owned(), (*name).to_owned()))
        .collect();
    let values: Attrs =
        values.into_iter().filter(|(p, _)| tokens.contains(p)).map(|(p, v)| (p.to_owned(), v)).collect();
    Bound { names: (!names.is_empty()).then_some(names), values: (!values.is_empty()).then_some(values) }
}

/// The condition expression of a [`Precondition`] (placeholders `:expected`, `:now`). An expired item counts as
/// absent, exactly as in the in-memory reference store, because DynamoDB's TTL deletes items only eventually.
pub(crate) fn condition(cond: Precondition) -> Option<&'static str> {
    match cond {
        Precondition::None => None,
        Precondition::Absent => Some("attribute_not_exists(#pk) OR #exp <= :now"),
        Precondition::Version(_) => Some("#version = :expected AND (attribute_not_exists(#exp) OR #exp > :now)"),
    }
}

/// The placeholder values a [`condition`] may use.
pub(crate) fn condition_values(cond: Precondition, now_s: i64) -> Vec<(&'static str, AttributeValue)> {
    let mut values = vec![(":now", n(now_s))];
    if let Precondition::Version(v) = cond {
        values.push((":expected", n(v)));
    }
    values
}

/// A head item as read (possibly through a projection, so any part may be missing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Head {
    pub(crate) version: u64,
    pub(crate) expires_at: Option<i64>,
    pub(crate) value: Option<String>,
    /// `(chunk_id, chunks)` when the value lives in chunk items.
    pub(crate) chunked: Option<(String, usize)>,
}

impl Head {
    pub(crate) fn parse(attrs: &Attrs) -> Result<Self> {
        let number = |name: &str| -> Result<Option<i64>> {
            match attrs.get(name) {
                None => Ok(None),
                Some(AttributeValue::N(text)) => text.parse().map(Some).map_err(|_| malformed(name, attrs)),
                Some(_) => Err(malformed(name, attrs)),
            }
        };
        let text = |name: &str| match attrs.get(name) {
            Some(AttributeValue::S(text)) => Some(text.clone()),
            _ => None,
        };
        let version = u64::try_from(number("version")?.unwrap_or(0)).map_err(|_| malformed("version", attrs))?;
        let chunks =
            number("chunks")?.map(|c| usize::try_from(c).map_err(|_| malformed("chunks", attrs))).transpose()?;
        Ok(Self {
            version,
            expires_at: number("expires_at")?,
            value: text("value"),
            chunked: text("chunk_id").zip(chunks),
        })
    }

    /// Whether the item is live at `now_s` (the TTL attribute is in the future or absent).
    pub(crate) fn live(&self, now_s: i64) -> bool {
        self.expires_at.is_none_or(|at| at > now_s)
    }

    /// The stored item, for an inline value.
    pub(crate) fn inline(&self) -> Option<Item> {
        let value = self.value.clone()?;
        Some(Item { value, version: self.version, expires_at: self.expires_at })
    }
}

fn malformed(attribute: &str, attrs: &Attrs) -> Error {
    let at = match (attrs.get("pk"), attrs.get("sk")) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => format!("{pk}/{sk}"),
        _ => "an item".to_owned(),
    };
    Error::Store(format!("{at} has a malformed `{attribute}` attribute"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_used_names_and_values_are_bound() {
        let bound = bind(&["#version = :expected", "SET #value = :value"], vec![(":expected", n(3)), (":now", n(1))]);
        let names = bound.names.expect("names");
        assert_eq!(names.len(), 2);
        assert_eq!(names["#value"], "value");
        assert_eq!(bound.values.expect("values").keys().collect::<Vec<_>>(), [":expected"]);
        assert!(bind(&["#pk = :pk"], vec![]).values.is_none());
    }

    #[test]
    fn heads_parse_and_expire() {
        let attrs = HashMap::from([
            ("version".to_owned(), n(4)),
            ("expires_at".to_owned(), n(100)),
            ("chunk_id".to_owned(), s("4.abc")),
            ("chunks".to_owned(), n(3)),
        ]);
        let head = Head::parse(&attrs).expect("parses");
        assert_eq!(head.chunked, Some(("4.abc".to_owned(), 3)));
        assert!(head.live(99) && !head.live(100));
        assert!(head.inline().is_none());
        let bad = HashMap::from([("version".to_owned(), s("x"))]);
        assert!(matches!(Head::parse(&bad), Err(Error::Store(_))));
    }
}
