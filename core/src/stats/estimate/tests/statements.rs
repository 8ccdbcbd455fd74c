//! Joins, groups and whole statements.

use super::*;
use crate::catalog::Dialect;
use crate::error::Error;

fn keyed(n_distinct: f64, null_frac: f64, mcv: &[(Value, f64)]) -> ColumnStats {
    column("k", null_frac, n_distinct, mcv, &[])
}

fn join_sel(a: ColumnStats, b: ColumnStats, rows: (f64, f64)) -> f64 {
    let s = vec![table("a", rows.0, vec![a], None), table("b", rows.1, vec![b], None)];
    Estimator::new(&s).selectivity(&expr("a.k = b.k"), &Scope::table("a").with("b", "b"))
}

#[test]
fn estimate_join_without_mcvs_divides_by_the_larger_distinct_count() {
    close(join_sel(keyed(100.0, 0.1, &[]), keyed(-1.0, 0.0, &[]), (1000.0, 500.0)), 0.9 / 500.0);
}

#[test]
fn estimate_join_with_mcvs_matches_them_pairwise() {
    let a = keyed(10.0, 0.0, &[(json!(1), 0.5), (json!(2), 0.2)]);
    let b = keyed(5.0, 0.0, &[(json!(1), 0.4), (json!(3), 0.3)]);
    // Matched 1: 0.5 × 0.4. Seen from b's side: a's unmatched MCV (0.3) spread over a's 8 other values meets
    // b's rest (0.3), and b's rest over a's 9 values that did not match.
    close(join_sel(a, b, (1000.0, 1000.0)), 0.2 + 0.3 * 0.3 / 8.0 + 0.3 * 0.5 / 9.0);
}

/// Four customers and six orders, both samples complete (or `orders` scaled up 100× with the same sample).
fn shop(orders_rows: f64) -> Vec<TableStats> {
    let customers = vec![
        vec![json!(1), json!("UK")],
        vec![json!(2), json!("UK")],
        vec![json!(3), json!("FR")],
        vec![json!(4), json!("DE")],
    ];
    let orders = vec![
        vec![json!(1), json!(1), json!(10)],
        vec![json!(2), json!(1), json!(20)],
        vec![json!(3), json!(1), json!(30)],
        vec![json!(4), json!(2), json!(5)],
        vec![json!(5), json!(3), json!(7)],
        vec![json!(6), Value::Null, json!(1)],
    ];
    vec![
        table("customer", 4.0, vec![], sample(&["id", "country"], customers)),
        table("orders", orders_rows, vec![], sample(&["id", "customer_id", "amount"], orders)),
    ]
}

#[test]
fn estimate_select_with_complete_samples_is_exact() {
    let s = shop(6.0);
    let sql = "SELECT c.country, count(*) FROM orders o JOIN customer c ON o.customer_id = c.id \
               WHERE c.country = 'UK' GROUP BY c.country";
    let e = Estimator::new(&s).estimate_select(sql, Dialect::Postgres).unwrap();
    assert_eq!((e.joined_rows, e.output_rows), (4.0, 1.0));
    let filtered: Vec<(&str, f64, f64)> =
        e.tables.iter().map(|t| (t.alias.as_str(), t.rows, t.filtered_rows)).collect();
    assert_eq!(filtered, [("o", 6.0, 6.0), ("c", 4.0, 2.0)]);
    assert!(e.tables.iter().all(|t| t.has_statistics));
}

#[test]
fn estimate_join_to_a_complete_sample_counts_the_fan_out() {
    let s = shop(600.0);
    let sql = "SELECT count(*) FROM orders o, customer c WHERE o.customer_id = c.id AND c.country = 'UK'";
    let e = Estimator::new(&s).estimate_select(sql, Dialect::Postgres).unwrap();
    // Four of the six sampled orders belong to a UK customer.
    assert_eq!((e.joined_rows, e.output_rows), (400.0, 1.0));
    let e = Estimator::new(&s)
        .estimate_select(
            "SELECT * FROM customer c LEFT JOIN orders o USING (id) WHERE c.country = 'FR'",
            Dialect::Postgres,
        )
        .unwrap();
    assert_eq!(e.tables[0].filtered_rows, 1.0);
}

#[test]
fn estimate_select_applies_limit_offset_and_aggregates() {
    let s = shop(6.0);
    let estimate = |sql: &str| Estimator::new(&s).estimate_select(sql, Dialect::Postgres).unwrap().output_rows;
    assert_eq!(estimate("SELECT * FROM orders WHERE amount > 6"), 4.0);
    assert_eq!(estimate("SELECT * FROM orders WHERE amount > 6 LIMIT 2"), 2.0);
    assert_eq!(estimate("SELECT * FROM orders LIMIT 10 OFFSET 3"), 3.0);
    assert_eq!(estimate("SELECT count(*) FROM orders"), 1.0);
    assert_eq!(estimate("SELECT DISTINCT customer_id FROM orders"), 4.0);
    assert_eq!(estimate("SELECT customer_id, count(*) FROM orders GROUP BY 1"), 4.0);
    assert_eq!(estimate("WITH big AS (SELECT * FROM orders WHERE amount > 6) SELECT * FROM big"), 4.0);
    assert_eq!(estimate("SELECT * FROM (SELECT id FROM customer) s"), 4.0);
    assert_eq!(estimate("SELECT id FROM customer UNION ALL SELECT id FROM orders"), 10.0);
}

#[test]
fn estimate_groups_multiply_distinct_counts_and_thin_with_filters() {
    let s =
        vec![table("big", 100_000.0, vec![column("a", 0.0, 10.0, &[], &[]), column("b", 0.0, 1000.0, &[], &[])], None)];
    let estimate = |sql: &str| Estimator::new(&s).estimate_select(sql, Dialect::Postgres).unwrap().output_rows;
    assert_eq!(estimate("SELECT a, b FROM big GROUP BY a, b"), 10_000.0);
    assert_eq!(estimate("SELECT a FROM big GROUP BY a"), 10.0);
    // a = 1 keeps 10,000 rows; each of the 10,000 (a, b) groups has 10 rows, kept with 1 - 0.9^10.
    assert_eq!(
        estimate("SELECT a, b FROM big WHERE a = 1 GROUP BY a, b"),
        (10_000.0 * (1.0 - 0.9f64.powi(10))).round()
    );
    assert_eq!(estimate("SELECT lower(b) FROM big GROUP BY lower(b)"), 1000.0);
}

#[test]
fn estimate_select_refuses_what_it_cannot_read() {
    let s = shop(6.0);
    let e = Estimator::new(&s);
    assert!(matches!(e.estimate_select("SELEC 1", Dialect::Postgres), Err(Error::InvalidSql(_))));
    assert!(matches!(e.estimate_select("DELETE FROM orders", Dialect::Postgres), Err(Error::InvalidSql(_))));
    assert!(matches!(e.estimate_select("SELECT 1; SELECT 2", Dialect::Postgres), Err(Error::InvalidSql(_))));
    let unknown = e.estimate_select("SELECT * FROM nowhere WHERE x = 1", Dialect::Sqlite).unwrap();
    assert_eq!((unknown.tables[0].rows, unknown.output_rows), (1000.0, 5.0));
    assert!(!unknown.tables[0].has_statistics);
}
