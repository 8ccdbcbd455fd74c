//! The refresh manager: queue order under a budget, backoff, failures that keep old statistics, the time
//! budget, priority bumps from queries, and the API's answers.

use crate::{World, block_on, table_sql};
use nl2sql_core::api::Request;
use nl2sql_core::ports::Clock;
use nl2sql_core::router;
use nl2sql_core::stats::refresh::{self, RunBudget, RunReport, backoff_ms};
use nl2sql_core::stats::state;
use serde_json::json;
use std::sync::atomic::Ordering;

const HOUR_MS: i64 = 3_600_000;

/// Six tables `a`..`f` of 1,200 rows each, registered as `db`.
fn world() -> World {
    let setup: String = ["a", "b", "c", "d", "e", "f"].iter().map(|t| table_sql(t, 1200)).collect();
    let world = World::new(&setup);
    world.register("db");
    world
}

fn run(world: &World, max_tables: usize) -> RunReport {
    block_on(refresh::run_scheduled(&world.ports(), None, RunBudget { max_tables, max_ms: 50_000 })).unwrap()
}

fn names(report: &RunReport) -> Vec<&str> {
    report.refreshed.iter().map(|r| r.table.as_str()).collect()
}

fn set_priority(world: &World, tables: &[&str], priority: u8) {
    let tables: Vec<String> = tables.iter().map(|t| (*t).to_owned()).collect();
    let budget = RunBudget { max_tables: 0, max_ms: 0 };
    block_on(refresh::refresh(&world.ports(), "default", "db", Some(&tables), Some(priority), false, budget)).unwrap();
}

#[test]
fn a_budget_of_n_tables_refreshes_stale_high_priority_tables_before_low_priority_and_fresh_ones() {
    let world = world();
    assert_eq!(names(&run(&world, 10)).len(), 6, "never collected: everything is stale");
    // Three hours later c and d are refreshed by hand, so only a, b, e, f are stale (threshold: two hours).
    world.clock.advance(3 * HOUR_MS);
    let fresh: Vec<String> = vec!["c".into(), "d".into()];
    block_on(refresh::refresh(
        &world.ports(),
        "default",
        "db",
        Some(&fresh),
        None,
        false,
        RunBudget { max_tables: 9, max_ms: 9_000 },
    ))
    .unwrap();
    set_priority(&world, &["c", "d", "e", "f"], 9);
    set_priority(&world, &["a", "b"], 1);

    let first = run(&world, 2);
    assert_eq!(names(&first), ["e", "f"], "stale and high first; fresh c, d are not queued at all");
    assert_eq!(first.queued, 4);
    assert_eq!(first.stopped_by.as_deref(), Some("max_tables_per_run"));
    let remaining: Vec<&str> = first.remaining.iter().map(|r| r.table.as_str()).collect();
    assert_eq!(remaining, ["a", "b"]);
    assert_eq!(names(&run(&world, 2)), ["a", "b"], "then the low-priority ones");
    let idle = run(&world, 2);
    assert_eq!((idle.queued, idle.refreshed.len(), idle.stopped_by), (0, 0, None), "all fresh");
}

#[test]
fn failures_back_off_exponentially_and_are_skipped_until_their_retry_time() {
    let world = world();
    let rm = world.config.nl2sql.refresh_manager.clone();
    world.sql.down.store(true, Ordering::SeqCst);
    let first = run(&world, 10);
    assert_eq!((first.refreshed.len(), first.failed.len()), (0, 6));
    assert_eq!(first.failed[0].code, "database_error");
    let s = block_on(state::state(&world.ports(), "default#db", "a")).unwrap();
    assert_eq!((s.failures, s.retry_at_ms), (1, Some(crate::T0 + backoff_ms(1, &rm))));

    let queries = world.sql.queries.load(Ordering::SeqCst);
    let skipped = run(&world, 10);
    assert_eq!((skipped.backing_off, skipped.queued), (6, 0));
    assert_eq!(world.sql.queries.load(Ordering::SeqCst), queries, "nothing is tried while backing off");

    world.clock.advance(backoff_ms(1, &rm));
    let second = run(&world, 10);
    assert_eq!(second.failed.len(), 6);
    let s = block_on(state::state(&world.ports(), "default#db", "a")).unwrap();
    assert_eq!(s.failures, 2);
    assert_eq!(s.retry_at_ms, Some(world.clock.now_ms() + 2 * backoff_ms(1, &rm)), "the delay doubles");

    world.sql.down.store(false, Ordering::SeqCst);
    world.clock.advance(backoff_ms(2, &rm));
    assert_eq!(run(&world, 10).refreshed.len(), 6);
    let s = block_on(state::state(&world.ports(), "default#db", "a")).unwrap();
    assert_eq!((s.failures, s.retry_at_ms, s.last_error), (0, None, None), "a success clears the failure");

    assert_eq!(backoff_ms(1, &rm), 600_000);
    assert_eq!(backoff_ms(3, &rm), 2_400_000);
    assert_eq!(backoff_ms(40, &rm), 86_400_000, "capped at retry_max_seconds");
}

#[test]
fn a_failed_refresh_leaves_the_previous_statistics_intact_and_records_error_and_retry_time() {
    let world = world();
    run(&world, 10);
    let ports = world.ports();
    let before = block_on(state::load_stats(&ports, "default#db", "a")).unwrap().unwrap();
    world.clock.advance(3 * HOUR_MS);
    world.sql.down.store(true, Ordering::SeqCst);
    let report = run(&world, 10);
    assert_eq!(report.failed.len(), 6);
    let after = block_on(state::load_stats(&ports, "default#db", "a")).unwrap().unwrap();
    assert_eq!(after, before, "the stored statistics are untouched");
    let s = block_on(state::state(&ports, "default#db", "a")).unwrap();
    assert!(s.last_error.as_deref().is_some_and(|e| e.contains("connection refused")), "{s:?}");
    assert_eq!(s.last_error_ms, Some(world.clock.now_ms()));
    assert!(s.retry_at_ms.is_some_and(|at| at > world.clock.now_ms()));
    assert_eq!(s.last_success_ms, Some(before.refreshed_at_ms), "the last success is still known");

    // Through the API: the table still answers with its old statistics; the list shows error and retry time.
    let get = |path: &str| block_on(router::handle(Request::new("GET", path, Vec::new()), &ports));
    let table = get("/api/nl2sql/statistics/tables/a?database=db");
    assert_eq!(table.status, 200);
    assert_eq!(table.body_json()["statistics"]["refreshed_at_ms"], json!(before.refreshed_at_ms));
    let list = get("/api/nl2sql/statistics/tables?database=db").body_json();
    let a = &list["tables"][0];
    assert_eq!((a["table"].as_str(), a["stale"].as_bool(), a["failures"].as_u64()), (Some("a"), Some(true), Some(1)));
    assert!(a["last_error"].as_str().is_some_and(|e| e.contains("connection refused")) && a["retry_at"].is_string());
}

#[test]
fn the_time_budget_stops_a_run_and_leaves_the_rest_for_the_next() {
    let world = world();
    world.sql.query_ms.store(10_000, Ordering::SeqCst);
    let report =
        block_on(refresh::run_scheduled(&world.ports(), None, RunBudget { max_tables: 10, max_ms: 25_000 })).unwrap();
    assert_eq!(report.stopped_by.as_deref(), Some("run_budget_seconds"));
    assert!(!report.refreshed.is_empty() && report.refreshed.len() < 6, "{report:?}");
    assert_eq!(report.refreshed.len() + report.remaining.len(), 6);
    assert!(report.elapsed_ms < 25_000 + 3 * 10_000, "overrun by at most one table's queries");
}

#[test]
fn queries_bump_stale_tables_once_a_minute_and_a_refresh_resets_the_bump() {
    let world = world();
    let ports = world.ports();
    let tables = vec!["a".to_owned()];
    block_on(refresh::touch(&ports, "default", "db", &tables)).unwrap();
    block_on(refresh::touch(&ports, "default", "db", &tables)).unwrap();
    let s = block_on(state::state(&ports, "default#db", "a")).unwrap();
    assert_eq!(s.effective_priority(), 6, "one bump per minute");
    world.clock.advance(61_000);
    block_on(refresh::touch(&ports, "default", "db", &tables)).unwrap();
    assert_eq!(block_on(state::state(&ports, "default#db", "a")).unwrap().effective_priority(), 7);
    block_on(refresh::bump(&ports, "default", "db", &tables, 9)).unwrap();
    assert_eq!(block_on(state::state(&ports, "default#db", "a")).unwrap().effective_priority(), 9);

    run(&world, 10);
    let s = block_on(state::state(&ports, "default#db", "a")).unwrap();
    assert_eq!((s.priority, s.effective_priority()), (5, 5), "bumps last until the next success");
    world.clock.advance(61_000);
    block_on(refresh::touch(&ports, "default", "db", &tables)).unwrap();
    assert_eq!(block_on(state::state(&ports, "default#db", "a")).unwrap().bumps, 0, "fresh tables are not bumped");
}

#[test]
fn the_api_answers_with_clear_errors() {
    let world = world();
    let ports = world.ports();
    let call = |method: &str, path: &str, body: &str| {
        let response = block_on(router::handle(Request::new(method, path, body.as_bytes().to_vec()), &ports));
        (response.status, response.body_json())
    };
    let code = |r: &(u16, serde_json::Value)| (r.0, r.1["error"]["code"].as_str().unwrap_or("").to_owned());
    assert_eq!(code(&call("GET", "/api/nl2sql/statistics/tables", "")), (400, "missing_database".into()));
    assert_eq!(
        code(&call("GET", "/api/nl2sql/statistics/tables?database=nope", "")),
        (404, "database_not_found".into())
    );
    assert_eq!(code(&call("GET", "/api/nl2sql/statistics/tables/zz?database=db", "")), (404, "table_not_found".into()));
    assert_eq!(
        code(&call("GET", "/api/nl2sql/statistics/tables/a?database=db", "")),
        (404, "statistics_not_found".into())
    );
    assert_eq!(code(&call("POST", "/api/nl2sql/statistics/refresh", "{}")), (400, "missing_database".into()));
    let bad = r#"{"database":"db","priority":"urgent"}"#;
    assert_eq!(code(&call("POST", "/api/nl2sql/statistics/refresh", bad)), (400, "invalid_priority".into()));

    let (status, report) =
        call("POST", "/api/nl2sql/statistics/refresh", r#"{"database":"db","tables":["A"],"priority":"high"}"#);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["refreshed"][0]["table"], "a", "names resolve to the catalog's spelling");
    let (status, body) = call("GET", "/api/nl2sql/statistics/tables/a?database=db", "");
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["priority"].as_u64(), body["statistics"]["row_count"].as_f64()), (Some(8), Some(1200.0)));

    world.sql.down.store(true, Ordering::SeqCst);
    let (status, body) = call("POST", "/api/nl2sql/statistics/refresh", r#"{"database":"db"}"#);
    assert_eq!((status, body["error"]["code"].as_str()), (502, Some("database_error")), "{body}");
    assert_eq!(body["report"]["failed"].as_array().map(Vec::len), Some(6));
}
