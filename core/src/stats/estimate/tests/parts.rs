//! The small pieces: value comparison and interpolation, LIKE patterns, the sample's blending rule.

use super::super::pattern::{Pattern, upper_bound};
use super::super::sampled::{blend, plausible};
use super::super::value::{compare, fraction, instant};
use super::*;
use std::cmp::Ordering;

#[test]
fn estimate_values_compare_like_the_database() {
    assert_eq!(compare(&json!(5), &json!("5.0")), Some(Ordering::Equal));
    assert_eq!(compare(&json!(10), &json!(9.5)), Some(Ordering::Greater));
    assert_eq!(compare(&json!("abc"), &json!("abd")), Some(Ordering::Less));
    assert_eq!(compare(&json!("Z"), &json!("a")), Some(Ordering::Less), "bytewise, the C collation");
    assert_eq!(compare(&json!(true), &json!("t")), Some(Ordering::Equal));
    assert_eq!(compare(&json!("f"), &json!(true)), Some(Ordering::Less));
    assert_eq!(compare(&Value::Null, &json!(1)), None);
    // A date is the midnight of a timestamp on that day.
    assert_eq!(compare(&json!("2005-05-25"), &json!("2005-05-25 00:00:00")), Some(Ordering::Equal));
    assert_eq!(compare(&json!("2005-05-25 10:00:00+02"), &json!("2005-05-25 08:00:00Z")), Some(Ordering::Equal));
}

#[test]
fn estimate_instants_count_seconds_since_1970() {
    assert_eq!(instant("1970-01-02"), Some(86_400.0));
    assert_eq!(instant("2000-03-01 00:00:01"), Some(951_868_801.0));
    assert_eq!(instant("2005-05-24T22:53:30.5"), Some(1_116_975_210.5));
    assert_eq!(instant("22:53:30"), Some(82_410.0));
    assert_eq!(instant("2005-13-01"), None);
    assert_eq!(instant("hello"), None);
}

#[test]
fn estimate_fraction_interpolates_numbers_instants_and_text() {
    close(fraction(&json!(10), &json!(20), &json!(15)), 0.5);
    close(fraction(&json!("2005-01-01"), &json!("2005-01-11"), &json!("2005-01-03 12:00:00")), 0.25);
    let f = fraction(&json!("aa"), &json!("az"), &json!("am"));
    assert!((0.4..0.6).contains(&f), "{f}");
    close(fraction(&json!("same"), &json!("same"), &json!("same")), 0.5);
}

#[test]
fn estimate_like_patterns_match_and_have_prefixes() {
    let like = |p: &str| Pattern::new(p, None, false);
    assert!(like("%an%").matches("banana"));
    assert!(like("b_n%a").matches("banana"));
    assert!(!like("%x%").matches("banana"));
    assert!(like("a%b%c").matches("aXbYbZc"));
    assert!(!like("abc").matches("abcd"));
    assert!(like("100\\%").matches("100%"));
    assert!(!like("100\\%").matches("1000"));
    assert!(Pattern::new("100!%", Some('!'), false).matches("100%"));
    assert!(Pattern::new("%RED%", None, true).matches("dark red"));
    assert_eq!(like("abc%x").prefix(), ("abc".into(), false));
    assert_eq!(like("abc").prefix(), ("abc".into(), true));
    assert_eq!(Pattern::new("12ab%", None, true).prefix(), ("12".into(), false));
    assert_eq!(upper_bound("abc"), Some("abd".into()));
    assert_eq!(upper_bound(""), None);
}

#[test]
fn estimate_blend_trusts_the_sample_with_enough_matches() {
    close(blend(0.9, 50, 1000), 0.05);
    close(blend(0.001, 5, 1000), 0.005);
    // Few matches: the guess, clamped to the Poisson interval.
    close(blend(0.0005, 0, 1000), 0.0005);
    close(blend(0.5, 0, 1000), 10f64.ln() / 1000.0);
    let low = blend(0.0, 2, 1000);
    assert!(low > 0.0004 && low < 0.0006, "P(X ≥ 2) = 0.1 near λ = 0.53: {low}");
    close(blend(0.3, 0, 0), 0.3);
}

#[test]
fn estimate_plausible_keeps_a_guess_the_sample_does_not_contradict() {
    close(plausible(0.1, 12, 100), 0.1);
    close(plausible(1.0, 500, 500), 1.0);
    close(plausible(0.5, 5000, 10_000), 0.5);
    let moved = plausible(0.01, 100, 1000);
    assert!(moved > 0.08 && moved < 0.1, "100 of 1000 rules out 1%: {moved}");
    let moved = plausible(0.9, 5000, 10_000);
    assert!(moved > 0.5 && moved < 0.52, "{moved}");
}
