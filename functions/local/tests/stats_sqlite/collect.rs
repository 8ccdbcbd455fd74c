//! SQLite collection through the fake source: exact counts when cheap, block samples and estimates otherwise.

use crate::{World, block_on, table_sql};
use nl2sql_core::databases;
use nl2sql_core::stats::collect::{self, Options, Prepared, Source};
use nl2sql_core::stats::model::TableStats;
use serde_json::json;

fn collect_table(world: &World, table: &str, options: Options) -> TableStats {
    let ports = world.ports();
    let (_, schema) = block_on(databases::load(&ports, "default", "db")).unwrap();
    let table = schema.catalog.table(table).unwrap();
    let source = Source { sql: &world.sql, connection: "fake", dialect: schema.catalog.dialect, options };
    block_on(collect::table(&source, &Prepared::Sqlite, table, crate::T0, 30_000)).unwrap()
}

fn options(world: &World) -> Options {
    Options::from_config(&world.config, false)
}

#[test]
fn a_small_table_is_read_whole_and_counted_exactly() {
    let world = World::new(&table_sql("items", 5000));
    world.register("db");
    let stats = collect_table(&world, "items", options(&world));
    assert_eq!((stats.row_count, stats.exact), (5000.0, true));
    let g = stats.column("g").unwrap();
    assert_eq!(g.n_distinct, 25.0);
    assert_eq!(g.most_common_vals.len(), 25);
    assert!(g.most_common_freqs.iter().all(|f| (f - 0.04).abs() < 1e-12));
    let id = stats.column("id").unwrap();
    assert_eq!((id.n_distinct, id.min.clone(), id.max.clone()), (-1.0, Some(json!(1)), Some(json!(5000))));
    assert_eq!(id.correlation, Some(1.0));
    assert_eq!(stats.column("note").unwrap().null_frac, 0.25);
    let sample = stats.sample.unwrap();
    assert_eq!(sample.columns, ["id", "g", "label", "note"]);
    assert_eq!(sample.rows.len(), 1000, "stored_sample_rows");
    assert_eq!(sample.rows[1], [json!(6), json!(6), json!("item 6"), json!("x")], "spread evenly: every 5th row");
}

#[test]
fn below_min_table_size_only_table_level_statistics_and_all_rows() {
    let world = World::new(&table_sql("tiny", 40));
    world.register("db");
    let stats = collect_table(&world, "tiny", options(&world));
    assert_eq!((stats.row_count, stats.exact), (40.0, true));
    assert!(stats.columns.is_empty());
    assert_eq!(stats.sample.unwrap().rows.len(), 40);
}

#[test]
fn a_large_table_is_block_sampled_and_its_rows_estimated_from_the_rowid_span() {
    let mut world = World::new(&table_sql("big", 40_000));
    // Every other row deleted: the rowid span says 40,000, the sample's fill rate halves it.
    world.sql.execute("DELETE FROM big WHERE id % 2 = 0");
    world.config.nl2sql.statistics.sample_size = 2000;
    world.register("db");
    let stats = collect_table(&world, "big", options(&world));
    assert!(!stats.exact);
    assert!((stats.row_count - 20_000.0).abs() < 200.0, "{}", stats.row_count);
    let g = stats.column("g").unwrap();
    assert_eq!(g.n_distinct, 25.0, "odd ids still cover every g mod 25");
    let id = stats.column("id").unwrap();
    assert_eq!(id.n_distinct, -1.0);
    let (min, max) =
        (id.min.as_ref().and_then(|v| v.as_i64()).unwrap(), id.max.as_ref().and_then(|v| v.as_i64()).unwrap());
    assert!(max - min > 20_000, "blocks come from across the table, not just the start: {min}..{max}");

    // --exact counts and counts distinct values with full scans.
    let exact = collect_table(&world, "big", Options { exact: true, ..options(&world) });
    assert_eq!((exact.row_count, exact.exact), (20_000.0, true));
    assert_eq!(exact.column("label").unwrap().n_distinct, -1.0);
    assert_eq!(exact.column("note").unwrap().null_frac, 0.0, "odd ids are never multiples of 4");
}
