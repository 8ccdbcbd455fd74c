//! PostgreSQL array literals as `pg_stats` hands them over through `::text` (`most_common_vals` is an
//! `anyarray`, which no driver can decode generically): `{a,"b c",NULL}` → values typed by the column's class.

use super::model::StatValue;
use crate::catalog::TypeClass;
use serde_json::Value;
use std::iter::Peekable;
use std::str::Chars;

/// The elements of a one-dimensional array literal, `None` for an unquoted `NULL`. Elements that are arrays
/// themselves (statistics of array columns) are kept as their literal text. `None` when `text` is not an array.
pub fn parse(text: &str) -> Option<Vec<Option<String>>> {
    let text = text.trim();
    // Arrays with non-default bounds print as `[0:2]={...}`.
    let text = if text.starts_with('[') { text.split_once('=')?.1 } else { text };
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    if inner.trim().is_empty() {
        return Some(out);
    }
    let mut chars = inner.chars().peekable();
    loop {
        skip_spaces(&mut chars);
        let element = match chars.peek() {
            Some('"') => {
                chars.next();
                Some(quoted(&mut chars)?)
            }
            Some('{') => Some(nested(&mut chars)?),
            _ => {
                let raw = unquoted(&mut chars);
                (!raw.eq_ignore_ascii_case("NULL")).then_some(raw)
            }
        };
        out.push(element);
        skip_spaces(&mut chars);
        match chars.next() {
            None => return Some(out),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

fn skip_spaces(chars: &mut Peekable<Chars<'_>>) {
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
}

/// After the opening quote: up to the closing one, `\x` standing for `x`.
fn quoted(chars: &mut Peekable<Chars<'_>>) -> Option<String> {
    let mut out = String::new();
    loop {
        match chars.next()? {
            '\\' => out.push(chars.next()?),
            '"' => return Some(out),
            c => out.push(c),
        }
    }
}

/// Up to the next top-level comma, trimmed, `\x` standing for `x`.
fn unquoted(chars: &mut Peekable<Chars<'_>>) -> String {
    let mut out = String::new();
    while let Some(c) = chars.next_if(|c| *c != ',') {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out.trim_end().to_owned()
}

/// A nested `{...}` kept verbatim (quotes inside respected).
fn nested(chars: &mut Peekable<Chars<'_>>) -> Option<String> {
    let (mut out, mut depth, mut in_quotes) = (String::new(), 0usize, false);
    loop {
        let c = chars.next()?;
        out.push(c);
        match c {
            '\\' => out.push(chars.next()?),
            '"' => in_quotes = !in_quotes,
            '{' if !in_quotes => depth += 1,
            '}' if !in_quotes => {
                depth -= 1;
                if depth == 0 {
                    return Some(out);
                }
            }
            _ => {}
        }
    }
}

/// The text form of a value of a column of class `class` as a statistics value: numbers for numeric columns,
/// booleans for boolean ones (`t`/`f`), text otherwise.
pub fn typed(text: &str, class: TypeClass) -> StatValue {
    match class {
        TypeClass::Integer | TypeClass::Numeric => number(text).unwrap_or_else(|| text.into()),
        TypeClass::Boolean => match text {
            "t" | "true" => Value::Bool(true),
            "f" | "false" => Value::Bool(false),
            _ => text.into(),
        },
        _ => text.into(),
    }
}

/// Integers exactly, other finite numbers as `f64`.
fn number(text: &str) -> Option<StatValue> {
    if let Ok(i) = text.trim().parse::<i64>() {
        return Some(i.into());
    }
    crate::number::parse_f64(text.trim()).and_then(serde_json::Number::from_f64).map(Value::Number)
}

/// An array literal as typed values (NULL elements as JSON null); empty when `text` is absent or malformed.
pub fn values(text: Option<&str>, class: TypeClass) -> Vec<StatValue> {
    let elements = text.and_then(parse).unwrap_or_default();
    elements.into_iter().map(|e| e.map_or(Value::Null, |t| typed(&t, class))).collect()
}

/// An array literal of numbers (`most_common_freqs`); non-numbers become 0.
pub fn numbers(text: Option<&str>) -> Vec<f64> {
    let elements = text.and_then(parse).unwrap_or_default();
    elements.into_iter().map(|e| e.and_then(|t| crate::number::parse_f64(t.trim())).unwrap_or(0.0)).collect()
}
