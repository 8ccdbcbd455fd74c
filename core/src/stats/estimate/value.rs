//! Values as the estimator compares them: SQL literals and statistics values (both JSON), ordered the way the
//! database orders them, and placed on a number line for interpolation inside a histogram bucket.
//!
//! Statistics hold numbers as numbers and everything else as text, and a literal may be written either way
//! (`price > '5'`), so comparisons coerce: text that reads as a number compares as one against a number, two
//! ISO dates or timestamps compare as instants, anything else compares as text, bytewise (the `C` collation).

use crate::number::parse_f64;
use serde_json::Value;
use std::cmp::Ordering;

/// Orders two values; `None` when either is NULL (SQL's unknown).
pub(super) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Bool(x), other) | (other, Value::Bool(x)) => {
            let y = boolean(other)?;
            let ordering = x.cmp(&y);
            Some(if matches!(a, Value::Bool(_)) { ordering } else { ordering.reverse() })
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::Number(x), Value::String(s)) => match parse_f64(s.trim()) {
            Some(y) => x.as_f64()?.partial_cmp(&y),
            None => Some(x.to_string().as_str().cmp(s.as_str())),
        },
        (Value::String(_), Value::Number(_)) => compare(b, a).map(Ordering::reverse),
        (Value::String(x), Value::String(y)) => match (instant(x), instant(y)) {
            (Some(i), Some(j)) => i.partial_cmp(&j),
            _ => Some(x.as_str().cmp(y.as_str())),
        },
        _ => Some(a.to_string().cmp(&b.to_string())),
    }
}

/// Whether two values are equal (false when either is NULL).
pub(super) fn equal(a: &Value, b: &Value) -> bool {
    compare(a, b) == Some(Ordering::Equal)
}

/// A boolean as PostgreSQL and SQLite spell them.
fn boolean(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_f64().map(|f| f != 0.0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
            "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Seconds since 1970-01-01 of an ISO date (`2005-05-24`), timestamp (`2005-05-24 22:53:30.123`, `T` also
/// accepted, an optional `Z` or `±hh[:mm]` offset) or time of day (`22:53:30`).
pub(super) fn instant(text: &str) -> Option<f64> {
    let t = text.trim();
    let b = t.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    if b.len() >= 5 && b.get(2) == Some(&b':') {
        return time_of_day(t);
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) as f64 * 86_400.0;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(seconds);
    }
    let rest = rest.strip_prefix(['T', ' '])?;
    // The offset starts at the first sign or `Z` after the time.
    let split = rest.find(['+', '-', 'Z']).unwrap_or(rest.len());
    seconds += time_of_day(&rest[..split])?;
    let offset = rest[split..].trim();
    if let Some(sign) = offset.chars().next().filter(|c| *c == '+' || *c == '-') {
        let parts: Vec<&str> = offset[1..].split(':').collect();
        let hours = parts.first().and_then(|h| h.get(..2)).and_then(parse_f64).unwrap_or(0.0);
        let minutes = parts.get(1).and_then(|m| parse_f64(m)).unwrap_or(0.0);
        let shift = hours * 3600.0 + minutes * 60.0;
        seconds += if sign == '+' { -shift } else { shift };
    }
    Some(seconds)
}

/// Seconds since midnight of `hh:mm[:ss[.fff]]`.
fn time_of_day(text: &str) -> Option<f64> {
    let mut parts = text.trim().split(':');
    let hours = parse_f64(parts.next()?)?;
    let minutes = parse_f64(parts.next()?)?;
    let seconds = parts.next().map_or(Some(0.0), parse_f64)?;
    (parts.next().is_none() && (0.0..=24.0).contains(&hours)).then_some(hours * 3600.0 + minutes * 60.0 + seconds)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years, March-based years).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let march_month = (month + 9) % 12;
    let day_of_year = (153 * march_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// A number for arithmetic: numbers, text that reads as one, dates and timestamps as seconds.
pub(super) fn scalar(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::String(s) => parse_f64(s.trim()).or_else(|| instant(s)),
        _ => None,
    }
}

/// Whether a value is a whole number (the domain is then taken as discrete when interpolating).
pub(super) fn is_integer(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

/// Where `v` lies between `lo` and `hi` (`lo` ≤ `v` ≤ `hi`), from 0 to 1: linear for numbers and instants, for
/// text by reading the bytes after the common prefix as digits of a fraction (PostgreSQL's idea of mapping
/// strings onto a scale, in a base spanning only the bytes that occur).
pub(super) fn fraction(lo: &Value, hi: &Value, v: &Value) -> f64 {
    let numeric = match (lo, hi, v) {
        (Value::String(a), Value::String(b), Value::String(c)) => match (instant(a), instant(b), instant(c)) {
            (Some(a), Some(b), Some(c)) => Some((a, b, c)),
            _ => None,
        },
        _ => scalar(lo).zip(scalar(hi)).zip(scalar(v)).map(|((a, b), c)| (a, b, c)),
    };
    let f = match numeric {
        Some((a, b, c)) if b > a => (c - a) / (b - a),
        Some(_) => 0.5,
        None => match (lo, hi, v) {
            (Value::String(a), Value::String(b), Value::String(c)) => text_fraction(a, b, c),
            _ => 0.5,
        },
    };
    if f.is_nan() { 0.5 } else { f.clamp(0.0, 1.0) }
}

/// Bytes of the text after the common prefix that take part in [`text_fraction`].
const TEXT_DIGITS: usize = 10;

fn text_fraction(lo: &str, hi: &str, v: &str) -> f64 {
    let (lo, hi, v) = (lo.as_bytes(), hi.as_bytes(), v.as_bytes());
    let common = lo.iter().zip(hi).take_while(|(a, b)| a == b).count();
    let tail = |s: &'_ [u8]| -> Vec<u8> { s.iter().skip(common).take(TEXT_DIGITS).copied().collect() };
    let (lo, hi, v) = (tail(lo), tail(hi), tail(v));
    let all = lo.iter().chain(&hi).chain(&v);
    let (min, max) = all.fold((u8::MAX, u8::MIN), |(min, max), &b| (min.min(b), max.max(b)));
    if min > max {
        return 0.5;
    }
    // Digit 0 is "the string ended", so a prefix sorts before its extensions.
    let base = f64::from(max - min) + 2.0;
    let read = |s: &[u8]| s.iter().rev().fold(0.0, |acc, &b| (acc + f64::from(b - min) + 1.0) / base);
    let (a, b, c) = (read(&lo), read(&hi), read(&v));
    if b > a { (c - a) / (b - a) } else { 0.5 }
}
