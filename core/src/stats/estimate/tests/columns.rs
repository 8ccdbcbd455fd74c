//! One column against constants: PostgreSQL's formulas and its defaults.

use super::*;

/// `t`: 10,000 rows. `c` text with two MCVs and NULLs; `x` integers 0–100 (histogram only); `y` an MCV plus a
/// histogram; `name` a text histogram of 11 bounds; `code` a text histogram of 101 bounds.
fn stats() -> Vec<TableStats> {
    let fruits = ["apple", "banana", "cherry", "date", "elder", "fig", "grape", "kiwi", "lemon", "mango", "nectar"];
    let codes: Vec<Value> = (0..=100).map(|i| json!(format!("w{i:03}"))).collect();
    vec![
        table(
            "t",
            10_000.0,
            vec![
                column("c", 0.1, 10.0, &[(json!("a"), 0.3), (json!("b"), 0.2)], &[]),
                column("x", 0.0, 100.0, &[], &tens()),
                column("y", 0.1, 50.0, &[(json!(5), 0.2)], &tens()),
                column("name", 0.0, -1.0, &[], &fruits.map(|f| json!(f))),
                column("code", 0.0, -1.0, &[], &codes),
            ],
            None,
        ),
        table("bare", 10_000.0, vec![], None),
        table("tiny", 50.0, vec![], None),
    ]
}

fn t(sql: &str) -> f64 {
    sel(&stats(), "t", sql)
}

#[test]
fn estimate_eq_uses_the_mcv_frequency() {
    close(t("c = 'a'"), 0.3);
    close(t("'b' = c"), 0.2);
}

#[test]
fn estimate_eq_outside_the_mcvs_spreads_the_rest_over_the_other_values() {
    // (1 - 0.5 MCVs - 0.1 NULL) / (10 - 2) distinct values.
    close(t("c = 'z'"), 0.05);
    close(t("c <> 'z'"), 1.0 - 0.05 - 0.1);
    close(t("c = NULL"), 0.0);
}

#[test]
fn estimate_eq_is_capped_by_the_least_common_mcv() {
    let s = vec![table("t", 100.0, vec![column("c", 0.1, 3.0, &[(json!("a"), 0.3), (json!("b"), 0.2)], &[])], None)];
    // (1 - 0.5 - 0.1) / (3 - 2) = 0.4, but no other value can be more common than the least common MCV.
    close(sel(&s, "t", "c = 'z'"), 0.2);
}

#[test]
fn estimate_inequalities_interpolate_in_the_histogram() {
    // Whole numbers are discrete: `x < 25` is `x < 24.5`, `x <= 25` is `x < 25.5`.
    close(t("x < 25"), 0.245);
    close(t("x <= 25"), 0.255);
    close(t("x > 25"), 0.745);
    close(t("x >= 25"), 0.755);
    close(t("25 > x"), 0.245);
    close(t("x < 25.5"), 0.255);
    close(t("x < -5"), 0.0);
    close(t("x > 1000"), 0.0);
    close(t("NOT (x < 25)"), 0.755);
}

#[test]
fn estimate_inequalities_add_the_matching_mcvs() {
    // MCV 5 (0.2) is below 50; the histogram's half of the rest (1 - 0.1 - 0.2).
    close(t("y < 50"), 0.2 + 0.495 * 0.7);
    close(t("y > 50"), (1.0 - 0.505) * 0.7);
}

#[test]
fn estimate_ranges_are_one_estimate_not_a_product() {
    close(t("x BETWEEN 20 AND 40"), 0.21);
    close(t("x >= 20 AND x <= 40"), 0.21);
    close(t("x > 10 AND x >= 20 AND x <= 40 AND x < 90"), 0.21);
    close(t("x NOT BETWEEN 20 AND 40"), 0.79);
    close(t("x BETWEEN 40 AND 20"), 0.0);
}

#[test]
fn estimate_in_lists_add_their_distinct_values() {
    close(t("c IN ('a', 'b', 'z')"), 0.55);
    close(t("c IN ('a', 'a')"), 0.3);
    close(t("c NOT IN ('a', 'b', 'z')"), 1.0 - 0.1 - 0.55);
    close(t("c = ANY (ARRAY['a', 'b'])"), 0.5);
}

#[test]
fn estimate_null_tests_use_the_null_fraction() {
    close(t("c IS NULL"), 0.1);
    close(t("c IS NOT NULL"), 0.9);
}

#[test]
fn estimate_or_of_equalities_on_one_column_is_disjoint() {
    close(t("c = 'a' OR c = 'b'"), 0.5);
    close(t("c = 'a' OR c IN ('b', 'z')"), 0.55);
    close(t("x < 25 OR c = 'a'"), 0.245 + 0.3 - 0.245 * 0.3);
}

#[test]
fn estimate_like_prefix_matches_the_long_histogram() {
    // 101 bounds: the 99 inner ones are matched; w050..w059 are 10 of them.
    close(t("code LIKE 'w05%'"), 10.0 / 99.0);
    close(t("code LIKE 'w050'"), 1.0 / 10_000.0);
}

#[test]
fn estimate_like_prefix_uses_the_histogram_range() {
    // 'c%' spans roughly one of the ten buckets (cherry .. date).
    let s = t("name LIKE 'c%'");
    assert!((0.05..0.15).contains(&s), "{s}");
    assert!(t("name LIKE 'zz%'") < 0.01);
}

#[test]
fn estimate_without_statistics_uses_postgres_defaults() {
    let s = stats();
    let bare = |sql: &str| sel(&s, "bare", sql);
    close(bare("z = 5"), 0.005);
    close(bare("z <> 5"), 0.995);
    close(bare("z < 5"), 1.0 / 3.0);
    close(bare("z BETWEEN 1 AND 2"), 0.005);
    close(bare("z IS NULL"), 0.005);
    close(bare("z IS NOT NULL"), 0.995);
    close(bare("z IN (1, 2)"), 0.01);
    // '%abc%': three fixed characters (0.2 each), the trailing % gives 5 times back.
    close(bare("z LIKE '%abc%'"), 0.04);
    close(bare("z LIKE 'abc'"), 0.005);
    close(bare("lower(z) = 'a'"), 0.005);
    close(bare("z > w"), 1.0 / 3.0);
    // A small table: as many distinct values as rows.
    close(sel(&s, "tiny", "z = 5"), 1.0 / 50.0);
    close(sel(&s, "nowhere", "z = 5"), 0.005);
}

#[test]
fn estimate_like_counts_mcvs_and_sampled_values() {
    let rows = [repeat(vec![json!("red")], 50), repeat(vec![json!("dark green")], 30), repeat(vec![json!("blue")], 20)];
    let s = vec![table(
        "paint",
        10_000.0,
        vec![column("color", 0.0, 3.0, &[(json!("red"), 0.5)], &[])],
        sample(&["color"], rows.concat()),
    )];
    let paint = |sql: &str| sel(&s, "paint", sql);
    // 30 of the 50 sampled non-MCV values contain "green"; they stand for half of the rows.
    close(paint("color LIKE '%green%'"), 0.3);
    close(paint("color NOT LIKE '%green%'"), 0.7);
    close(paint("color LIKE '%e%'"), 1.0);
    // No sampled non-MCV value contains "red": PostgreSQL's 0.04 for three letters is still plausible for 0 of 50.
    close(paint("color ILIKE '%RED%'"), 0.5 + 0.04 * 0.5);
}
