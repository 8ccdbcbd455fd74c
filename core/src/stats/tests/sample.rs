//! Column statistics from known data.

use crate::stats::sample::{Rng, column_stats, compare, distinct_estimate, thin};
use serde_json::{Value, json};
use std::cmp::Ordering;

fn ints(values: impl IntoIterator<Item = i64>) -> Vec<Value> {
    values.into_iter().map(Value::from).collect()
}

#[test]
fn a_low_cardinality_column_seen_whole_is_all_mcvs() {
    // 3503 rows like Chinook's Track.GenreId: 25 genres, genre 1 on 1297 rows.
    let mut values = vec![json!(1); 1297];
    for g in 2..=25 {
        values.extend(std::iter::repeat_n(json!(g), 92));
    }
    values.truncate(3503);
    let stats = column_stats("GenreId", &values, 3503.0, 100);
    assert_eq!(stats.n_distinct, 25.0);
    assert_eq!(stats.null_frac, 0.0);
    assert_eq!(stats.most_common_vals.len(), 25, "every value repeats and fits: all are MCVs");
    assert_eq!(stats.most_common_vals[0], json!(1));
    assert!((stats.most_common_freqs[0] - 1297.0 / 3503.0).abs() < 1e-12);
    assert!((stats.most_common_freqs.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(stats.histogram_bounds.is_empty(), "nothing is left for a histogram");
    assert_eq!((stats.min, stats.max), (Some(json!(1)), Some(json!(25))));
    assert_eq!(stats.avg_width, 4.0);
}

#[test]
fn a_whole_table_sample_lists_every_repeated_value_and_a_sample_only_the_common_ones() {
    // 100 rows: 'a' 60 times, 'b' and 'c' twice, 36 singletons.
    let mut values = vec![json!("a"); 60];
    values.extend([json!("b"), json!("b"), json!("c"), json!("c")]);
    values.extend((0..36).map(|i| json!(format!("s{i:02}"))));
    let whole = column_stats("c", &values, 100.0, 10);
    assert_eq!(whole.most_common_vals, [json!("a"), json!("b"), json!("c")], "exact frequencies: all repeats");
    assert_eq!(whole.n_distinct, -0.39, "39 distinct of 100 rows, exactly");
    assert_eq!(whole.histogram_bounds.len(), 11, "36 singletons: buckets + 1 bounds");
    let sampled = column_stats("c", &values, 10_000.0, 10);
    assert_eq!(sampled.most_common_vals, [json!("a")], "from a sample only the clearly common value");
}

#[test]
fn a_unique_ordered_column_is_minus_one_with_an_even_histogram_and_correlation_one() {
    let values = ints(1..=1000);
    let stats = column_stats("id", &values, 1000.0, 10);
    assert_eq!(stats.n_distinct, -1.0, "unique: scales with the table");
    assert!(stats.most_common_vals.is_empty());
    assert_eq!(stats.histogram_bounds, ints([1, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]));
    assert_eq!(stats.correlation, Some(1.0));
    let reversed = column_stats("id", &ints((1..=1000).rev()), 1000.0, 10);
    assert!(reversed.correlation.is_some_and(|c| (c + 1.0).abs() < 1e-9), "{:?}", reversed.correlation);
    assert_eq!(reversed.histogram_bounds, stats.histogram_bounds, "bounds do not depend on physical order");
}

#[test]
fn duj1_matches_the_formula_and_switches_to_a_fraction_above_ten_percent() {
    // n = 10 sampled, d = 9 distinct, f1 = 8 singletons, N = 1000 rows: 10*9 / (2 + 8*10/1000) = 43.27 -> 43.
    assert_eq!(distinct_estimate(10.0, 9.0, 8.0, false, 1000.0, 0.0), 43.0);
    // The same sample from 300 rows: 90 / (2 + 80/300) = 39.7 -> 40 > 30 rows * 10%: -40/300.
    let estimate = distinct_estimate(10.0, 9.0, 8.0, false, 300.0, 0.0);
    assert!((estimate + 40.0 / 300.0).abs() < 1e-12, "{estimate}");
    // Sampled values all unique: the column is assumed unique, minus the nulls.
    assert_eq!(distinct_estimate(10.0, 10.0, 10.0, false, 1e6, 0.25), -0.75);
    // Every value repeated: the sample saw them all.
    assert_eq!(distinct_estimate(100.0, 4.0, 0.0, true, 1e6, 0.0), 4.0);
    // The whole table as the sample: Duj1 gives d exactly.
    assert_eq!(distinct_estimate(10.0, 9.0, 8.0, false, 10.0, 0.0), -0.9);
}

#[test]
fn nulls_widths_and_mcvs_more_common_than_average() {
    // 100 rows: 20 NULL, 30 'x', 5 'y', 45 distinct others.
    let mut values = vec![Value::Null; 20];
    values.extend(std::iter::repeat_n(json!("x"), 30));
    values.extend(std::iter::repeat_n(json!("y"), 5));
    values.extend((0..45).map(|i| json!(format!("v{i:02}"))));
    let stats = column_stats("c", &values, 1_000_000.0, 100);
    assert_eq!(stats.null_frac, 0.2);
    // Duj1 with n=80, d=47, f1=45 from a million rows: 80*47 / (35 + 45*80/800000) = 107.4 -> 107.
    assert_eq!(stats.n_distinct, 107.0);
    // Average count 80/107 < 1, so the bar is 2 occurrences: x and y, most common first.
    assert_eq!(stats.most_common_vals, [json!("x"), json!("y")]);
    assert_eq!(stats.most_common_freqs, [0.3, 0.05]);
    assert_eq!(stats.histogram_bounds.len(), 45, "45 distinct values left: one bound each");
    assert_eq!(stats.min, Some(json!("v00")));
    assert_eq!(stats.max, Some(json!("y")));
    let width = (30.0 + 5.0 + 45.0 * 3.0) / 80.0;
    assert!((stats.avg_width - width).abs() < 1e-12);
}

#[test]
fn empty_and_all_null_columns() {
    let empty = column_stats("c", &[], 0.0, 10);
    assert_eq!((empty.null_frac, empty.n_distinct, empty.min), (0.0, 0.0, None));
    let nulls = column_stats("c", &[Value::Null, Value::Null], 2.0, 10);
    assert_eq!((nulls.null_frac, nulls.n_distinct, nulls.correlation), (1.0, 0.0, None));
}

#[test]
fn mixed_types_sort_like_sqlite_and_too_wide_values_stay_out() {
    assert_eq!(compare(&json!(10), &json!("9")), Ordering::Less, "numbers before text");
    assert_eq!(compare(&json!(2), &json!(10.5)), Ordering::Less, "numbers by value");
    assert_eq!(compare(&json!(1), &json!(1.0)), Ordering::Equal);
    assert_eq!(compare(&Value::Null, &json!(1)), Ordering::Greater, "NULL last");
    let wide = "w".repeat(2000);
    let values = vec![json!(wide), json!(wide), json!("a"), json!("a")];
    let stats = column_stats("c", &values, 4.0, 10);
    assert_eq!(stats.most_common_vals, [json!("a")], "the wide value is no MCV");
    assert_eq!(stats.max, Some(json!("a")));
}

#[test]
fn rng_picks_distinct_sorted_slots_and_thin_spreads_evenly() {
    let mut rng = Rng::new("Track", 42);
    let picked = rng.distinct(1000, 50);
    assert_eq!(picked.len(), 50);
    assert!(picked.windows(2).all(|w| w[0] < w[1]) && picked.iter().all(|p| *p < 1000));
    assert_eq!(Rng::new("Track", 42).distinct(1000, 50), picked, "deterministic per seed");
    assert_ne!(Rng::new("Track", 43).distinct(1000, 50), picked);
    assert_eq!(rng.distinct(5, 10), [0, 1, 2, 3, 4]);
    assert_eq!(thin(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5), [1, 3, 5, 7, 9]);
    assert_eq!(thin(&[1, 2], 5), [1, 2]);
}
