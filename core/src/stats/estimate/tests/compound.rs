//! Compound predicates and the row sample.

use super::*;

/// 100,000 people; `city` and `country` each have one 10% MCV; the sample is 100 London/UK rows and 900
/// Paris/France rows, so the two columns are perfectly correlated.
fn people() -> Vec<TableStats> {
    let rows = [repeat(vec![json!("London"), json!("UK")], 100), repeat(vec![json!("Paris"), json!("France")], 900)];
    vec![table(
        "people",
        100_000.0,
        vec![
            column("city", 0.0, 1000.0, &[(json!("London"), 0.1)], &[]),
            column("country", 0.0, 100.0, &[(json!("UK"), 0.1)], &[]),
        ],
        sample(&["city", "country"], rows.concat()),
    )]
}

#[test]
fn estimate_correlated_conjunction_counts_the_sample() {
    let s = people();
    // PostgreSQL multiplies: 0.1 × 0.1 = 0.01; the sample sees that every London row is in the UK.
    close(sel(&s, "people", "city = 'London' AND country = 'UK'"), 0.1);
    close(sel(&s, "people", "city = 'London' OR country = 'UK'"), 0.1);
}

#[test]
fn estimate_conjunction_without_sample_matches_keeps_a_small_product() {
    let s = people();
    // No sampled row matches; the product 0.1 × (0.9 / 99) is plausible for zero matches in 1000 rows.
    close(sel(&s, "people", "city = 'London' AND country = 'France'"), 0.1 * 0.9 / 99.0);
}

#[test]
fn estimate_conjunction_without_sample_matches_caps_a_large_product() {
    let s = people();
    // The product 0.9 × 0.1 would mean ~90 matching sample rows; none matched: the 90% upper end for zero
    // events (λ = ln 10) per sampled row.
    close(sel(&s, "people", "city <> 'London' AND country = 'UK'"), 10f64.ln() / 1000.0);
}

#[test]
fn estimate_complete_sample_is_exact() {
    let rows = vec![vec![json!(1)], vec![json!(2)], vec![json!(3)], vec![Value::Null]];
    let s = vec![table("tiny", 4.0, vec![], sample(&["x"], rows))];
    close(sel(&s, "tiny", "x > 1"), 0.5);
    close(sel(&s, "tiny", "x IS NULL"), 0.25);
    close(sel(&s, "tiny", "x = 2 OR x = 3"), 0.5);
    close(sel(&s, "tiny", "NOT (x = 2)"), 0.5);
    close(sel(&s, "tiny", "x NOT IN (1, NULL)"), 0.0);
    close(sel(&s, "tiny", "x BETWEEN 2 AND 3"), 0.5);
}

#[test]
fn estimate_partial_sample_without_column_statistics_computes_them() {
    let rows: Vec<Vec<Value>> = (0..100).map(|i| vec![json!(i)]).collect();
    let s = vec![table("syn", 10_000.0, vec![], sample(&["x"], rows))];
    let half = sel(&s, "syn", "x < 50");
    assert!((half - 0.5).abs() < 0.02, "{half}");
}

#[test]
fn estimate_same_table_column_comparison_uses_the_sample() {
    let rows: Vec<Vec<Value>> = (0..1000).map(|i| vec![json!(i % 10), json!(i % 5)]).collect();
    let s = vec![table("pairs", 100_000.0, vec![], sample(&["a", "b"], rows))];
    // a = b for a in 0..5: half of the rows.
    close(sel(&s, "pairs", "a = b"), 0.5);
}
