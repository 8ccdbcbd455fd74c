//! Column statistics from a row sample, computed the way PostgreSQL's ANALYZE defines them: null fraction,
//! the Haas–Stokes Duj1 distinct estimator with PostgreSQL's "more than 10% of rows → negative" convention,
//! most common values, an equi-depth histogram over the rest, min/max, average width and the correlation
//! between physical order and value order.
//!
//! Everything here is a plain function over data (no IO); the SQL that fetches samples lives in `sqlite.rs` and
//! `postgres.rs`. Values of different types sort the way SQLite compares them: booleans, then numbers, then
//! text (bytewise, not by collation), then anything else.

use super::model::{ColumnStats, StatValue};
use crate::order::LeanSort as _;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Values wider than this (bytes) count as distinct but stay out of MCV lists and histograms, as in
/// PostgreSQL (its `WIDTH_THRESHOLD`): they would bloat the stored item and rarely repeat.
const WIDTH_THRESHOLD: usize = 1024;

/// The sort and equality key of a non-null value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// `false` < `true`.
    Bool(bool),
    /// Integers and floats compare by value (`1` = `1.0`).
    Num(Num),
    /// Text, bytewise.
    Text(String),
    /// Arrays and objects, by their JSON text.
    Other(String),
}

/// An `f64` with a total order (`-0.0` = `0.0`).
#[derive(Debug, Clone, Copy)]
pub struct Num(f64);

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Num {}
impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.0 + 0.0).total_cmp(&(other.0 + 0.0))
    }
}

impl Key {
    /// The key of `value`; `None` for NULL.
    pub fn of(value: &Value) -> Option<Self> {
        Some(match value {
            Value::Null => return None,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => Self::Num(Num(n.as_f64().unwrap_or(0.0))),
            Value::String(s) => Self::Text(s.clone()),
            other => Self::Other(other.to_string()),
        })
    }
}

/// Orders two values as statistics do; NULL sorts last.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (Key::of(a), Key::of(b)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
    }
}

/// Bytes a value takes, close to PostgreSQL's `avg_width` (text without its length header).
pub fn width(value: &Value) -> usize {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => 4,
        Value::Number(_) => 8,
        Value::String(s) => s.len(),
        other => other.to_string().len(),
    }
}

/// PostgreSQL's `n_distinct` from a sample: `m` non-null sampled values of which `d` distinct, `f1` seen exactly
/// once, `all_repeated` when every tracked value was seen at least twice; `rows` rows in the table of which a
/// fraction `null_frac` is NULL. Positive = a count; negative = minus a fraction of rows (when above 10% of rows).
pub fn distinct_estimate(m: f64, d: f64, f1: f64, all_repeated: bool, rows: f64, null_frac: f64) -> f64 {
    if m <= 0.0 || d <= 0.0 {
        return 0.0;
    }
    if f1 >= d {
        // Every sampled value is unique: assume the column is.
        return -(1.0 - null_frac);
    }
    let estimate = if all_repeated {
        // Every value appeared more than once: assume the sample saw them all.
        d
    } else {
        // Haas & Stokes (1998), Duj1: n*d / (n - f1 + f1*n/N), clamped to [d, N].
        let big_n = rows * (1.0 - null_frac);
        let duj1 = if big_n > 0.0 { m * d / ((m - f1) + f1 * m / big_n) } else { d };
        duj1.clamp(d, big_n.max(d)).round()
    };
    if rows > 0.0 && estimate > 0.1 * rows { -(estimate / rows).min(1.0) } else { estimate }
}

/// Statistics of one column from `values`, its sampled values in physical order (NULLs included), for a table
/// of `rows` rows (at least the sample), with at most `buckets` MCVs and `buckets + 1` histogram bounds.
pub fn column_stats(column: &str, values: &[StatValue], rows: f64, buckets: usize) -> ColumnStats {
    let n = values.len();
    let mut out = ColumnStats {
        column: column.to_owned(),
        null_frac: 0.0,
        n_distinct: 0.0,
        most_common_vals: vec![],
        most_common_freqs: vec![],
        histogram_bounds: vec![],
        min: None,
        max: None,
        avg_width: 0.0,
        correlation: None,
    };
    if n == 0 {
        return out;
    }
    // A sample as large as the table is the table: its frequencies are exact.
    let whole = n as f64 >= rows;
    let rows = rows.max(n as f64);
    // Keys of the non-null values that are narrow enough to track, in physical order.
    let mut keyed: Vec<(Key, &Value)> = Vec::new();
    let (mut non_null, mut too_wide, mut width_sum) = (0usize, 0usize, 0usize);
    for value in values {
        let Some(key) = Key::of(value) else { continue };
        non_null += 1;
        let w = width(value);
        width_sum += w;
        if w > WIDTH_THRESHOLD {
            too_wide += 1;
        } else {
            keyed.push((key, value));
        }
    }
    out.null_frac = (n - non_null) as f64 / n as f64;
    if non_null == 0 {
        return out;
    }
    out.avg_width = width_sum as f64 / non_null as f64;

    let mut counts: BTreeMap<&Key, (usize, &Value)> = BTreeMap::new();
    for (key, value) in &keyed {
        counts.entry(key).or_insert((0, value)).0 += 1;
    }
    let repeated = counts.values().filter(|(c, _)| *c > 1).count();
    let d = counts.len() + too_wide;
    let f1 = d - repeated;
    let all_repeated = too_wide == 0 && repeated == counts.len();
    out.n_distinct = distinct_estimate(non_null as f64, d as f64, f1 as f64, all_repeated, rows, out.null_frac);

    // Most common values: every repeated value when the sample is the whole table (exact frequencies) or saw
    // every value, else those clearly more common than average (1.25 times the mean count per distinct value,
    // and at least twice); at most `buckets`.
    let mut tracked: Vec<(&Key, usize, &Value)> =
        counts.iter().filter(|(_, (c, _))| *c > 1).map(|(k, (c, v))| (*k, *c, *v)).collect();
    tracked.lean_sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let distinct = if out.n_distinct < 0.0 { -out.n_distinct * rows } else { out.n_distinct };
    if !(whole || all_repeated && out.n_distinct > 0.0 && tracked.len() <= buckets) {
        let average = non_null as f64 / distinct.max(1.0);
        let min_count = (average * 1.25).max(2.0);
        tracked.retain(|(_, c, _)| *c as f64 >= min_count);
    }
    tracked.truncate(buckets);
    // Inserted one by one: collecting into a BTreeSet sorts with std's sort (see `crate::order`).
    let mut mcv: BTreeSet<&Key> = BTreeSet::new();
    for (key, _, _) in &tracked {
        mcv.insert(*key);
    }
    out.most_common_vals = tracked.iter().map(|(_, _, v)| (*v).clone()).collect();
    out.most_common_freqs = tracked.iter().map(|(_, c, _)| *c as f64 / n as f64).collect();

    // Equi-depth histogram over the remaining values, duplicates included, as PostgreSQL builds it.
    let rest: Vec<&Value> =
        counts.iter().filter(|(k, _)| !mcv.contains(*k)).flat_map(|(_, (c, v))| std::iter::repeat_n(*v, *c)).collect();
    let rest_distinct = counts.len() - mcv.len();
    let bounds = rest_distinct.min(buckets + 1);
    if bounds >= 2 {
        let last = rest.len() - 1;
        out.histogram_bounds = (0..bounds).map(|i| rest[i * last / (bounds - 1)].clone()).collect();
    }
    out.min = counts.first_key_value().map(|(_, (_, v))| (*v).clone());
    out.max = counts.last_key_value().map(|(_, (_, v))| (*v).clone());
    out.correlation = correlation(&keyed);
    out
}

/// Pearson correlation between physical position and sorted position (ties keep physical order), as
/// PostgreSQL computes `correlation`; `None` for fewer than two values.
fn correlation(keyed: &[(Key, &Value)]) -> Option<f64> {
    let m = keyed.len();
    if m < 2 {
        return None;
    }
    let mut order: Vec<usize> = (0..m).collect();
    order.lean_sort_by(|a, b| keyed[*a].0.cmp(&keyed[*b].0));
    let (mut xy, mut x, mut x2) = (0.0, 0.0, 0.0);
    for (rank, position) in order.iter().enumerate() {
        let (r, p) = (rank as f64, *position as f64);
        xy += r * p;
        x += p;
        x2 += p * p;
    }
    let m = m as f64;
    let denominator = m * x2 - x * x;
    (denominator > 0.0).then(|| ((m * xy - x * x) / denominator).clamp(-1.0, 1.0))
}

/// A small deterministic generator (splitmix64) for choosing sample blocks; seeded per table and run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from `text` and `salt` (e.g. the table name and the clock).
    pub fn new(text: &str, salt: i64) -> Self {
        // FNV-1a over the text, mixed with the salt.
        let hash =
            text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        Self(hash ^ salt as u64)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// `k` distinct numbers from `0..n` in ascending order (all of them when `k >= n`), by Floyd's algorithm.
    pub fn distinct(&mut self, n: u64, k: u64) -> Vec<u64> {
        if k >= n {
            return (0..n).collect();
        }
        let mut chosen = BTreeSet::new();
        for j in n - k..n {
            let t = self.below(j + 1);
            if !chosen.insert(t) {
                chosen.insert(j);
            }
        }
        chosen.into_iter().collect()
    }
}

/// At most `keep` items spread evenly over `items` (every `len/keep`-th), keeping their order.
pub fn thin<T: Clone>(items: &[T], keep: usize) -> Vec<T> {
    if items.len() <= keep {
        return items.to_vec();
    }
    (0..keep).filter_map(|i| items.get(i * items.len() / keep).cloned()).collect()
}
