//! The JSON layer natively; `tests/wasm/*.test.mjs` test the built package in Node.

use super::*;

const DDL: &str = "CREATE TABLE artist (id integer PRIMARY KEY, name text);\n\
                   CREATE TABLE album (id integer PRIMARY KEY, title text, artist_id integer REFERENCES artist(id));\n\
                   CREATE VIEW v AS SELECT 1;";

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).expect("the answer is JSON")
}

fn schema() -> String {
    parsed(&register(DDL, "postgres").expect("valid DDL"))["catalog"].to_string()
}

#[test]
fn register_returns_the_catalog_and_the_skipped_statements() {
    let answer = parsed(&register(DDL, "postgres").expect("valid DDL"));
    assert_eq!(answer["dialect"], "postgres");
    assert_eq!(answer["fingerprint"].as_str().map(str::len), Some(32));
    assert_eq!(answer["catalog"]["tables"][0]["name"], "album");
    assert_eq!(answer["skipped"][0]["line"], 3);
}

#[test]
fn failures_keep_the_core_codes() {
    let code = |r: Result<String>| r.expect_err("an error").code();
    assert_eq!(code(register("CREATE TABLE (", "postgres")), "invalid_ddl");
    assert_eq!(code(register(DDL, "oracle")), "invalid_dialect");
    assert_eq!(code(advise("SELECT * FROM", "", "", "")), "invalid_sql");
    assert_eq!(code(skeleton("{\"tables\": 1}", "")), "invalid_catalog");
    assert_eq!(code(advise("SELECT 1", "", "{}", "")), "invalid_statistics");
    assert_eq!(code(link("albums", &schema(), "", "[]")), "invalid_options");
    assert_eq!(code(advise("SELECT 1", "", "", r#"{"settings": {"nope": 1}}"#)), "invalid_options");
    assert_eq!(code(advise("SELECT 1", &schema(), "", r#"{"dialect": "mysql"}"#)), "dialect_mismatch");
    assert_eq!(code(translate("  ", &schema(), "", "")), "missing_question");
    assert_eq!(code(estimate("DELETE FROM album", "", "", "")), "invalid_sql");
    assert_eq!(code(selectivity("id = 1", "", "{}")), "invalid_options");
}

#[test]
fn translate_link_and_skeleton_answer_over_the_catalog() {
    let catalog = schema();
    let t = parsed(&translate("how many albums", &catalog, "", r#"{"limit": 5}"#).expect("translatable"));
    assert_eq!(t["sql"], "SELECT COUNT(*) AS album_count FROM album LIMIT 5");
    assert_eq!(t["linked_tables"][0], "album");
    let l = parsed(&link("album titles", &catalog, "", r#"{"budget": 40}"#).expect("linked"));
    assert_eq!(l["tables"][0]["table"], "album");
    assert!(l["skeleton"]["tokens"].as_u64().is_some_and(|t| t <= 40), "{l}");
    let s = parsed(&skeleton(&catalog, "").expect("skeleton"));
    assert!(s["text"].as_str().is_some_and(|t| t.contains("artist_id integer -> artist.id")), "{s}");
}

#[test]
fn advise_estimate_and_selectivity_use_the_statistics() {
    let stats = r#"[{"table": "album", "row_count": 2000000, "refreshed_at_ms": 0,
        "columns": [{"column": "title", "null_frac": 0, "n_distinct": -1, "avg_width": 20}]}]"#;
    let report = parsed(&advise("SELECT * FROM album WHERE title = 'x'", &schema(), stats, "").expect("a report"));
    assert_eq!(report["statistics"], "collected");
    assert_eq!(report["indexes"][0]["columns"][0], "title", "{report}");
    let e = parsed(&estimate("SELECT * FROM album WHERE title = 'x'", "", stats, "").expect("an estimate"));
    assert_eq!((e["tables"][0]["rows"].as_f64(), e["output_rows"].as_f64()), (Some(2e6), Some(1.0)));
    let s = parsed(&selectivity("title = 'x'", stats, r#"{"tables": ["album"]}"#).expect("a selectivity"));
    assert_eq!(s["selectivity"].as_f64(), Some(5e-7));
}

#[test]
fn catalogs_and_statistics_read_by_hand_equal_serdes_reading() {
    let catalog_json = include_str!("../../../core/tests/fixtures/chinook.catalog.json");
    let by_serde: Catalog = serde_json::from_str(catalog_json).expect("the fixture is a catalog");
    assert_eq!(catalog(catalog_json).expect("read by hand"), by_serde);
    let registered = parsed(&register(DDL, "postgres").expect("valid DDL"))["catalog"].to_string();
    assert_eq!(catalog(&registered).expect("by hand"), serde_json::from_str(&registered).expect("by serde"));
    let stats_json = r#"[{"table": "album", "row_count": 347, "size_bytes": 40960, "refreshed_at_ms": 17,
        "modifications": 3, "exact": true, "unknown_field": 1,
        "columns": [{"column": "title", "null_frac": 0.1, "n_distinct": -0.9, "most_common_vals": ["a", 2],
                     "most_common_freqs": [0.5, 0.25], "histogram_bounds": ["b", "c"], "min": "a", "max": null,
                     "avg_width": 12.5, "correlation": -0.25},
                    {"column": "id", "null_frac": 0, "n_distinct": 347, "avg_width": 4}],
        "sample": {"columns": ["id", "title"], "rows": [[1, "a"], [2, null]]}},
        {"table": "artist", "row_count": 0, "refreshed_at_ms": 0}]"#;
    let by_serde: Vec<TableStats> = serde_json::from_str(stats_json).expect("statistics");
    assert_eq!(stats(stats_json).expect("read by hand"), by_serde);
    let message = |r: Result<Catalog>| r.expect_err("invalid").to_string();
    assert_eq!(
        message(catalog(r#"{"dialect": "oracle", "tables": []}"#)),
        "catalog.dialect `oracle` is not sqlite, postgres or mysql"
    );
    assert_eq!(
        message(catalog(
            r#"{"dialect": "sqlite", "tables": [{"name": "t", "columns": [{"name": "a", "nullable": true}]}]}"#
        )),
        "catalog.tables[0].columns[0].data_type is missing"
    );
    let err = stats(r#"[{"table": "t", "row_count": "many", "refreshed_at_ms": 0}]"#).expect_err("invalid");
    assert_eq!(
        (err.code(), err.to_string().as_str()),
        ("invalid_statistics", "statistics[0].row_count must be a number")
    );
}

#[test]
fn guard_bounds_accepted_queries_and_refuses_the_rest() {
    let catalog = schema();
    let ok = parsed(&guard("SELECT title FROM album -- titles", &catalog, "").expect("a query over the schema"));
    assert_eq!(ok["verdict"], "allowed");
    assert_eq!(ok["sql"], "SELECT title FROM album LIMIT 100");
    assert_eq!(ok["dialect"], "postgres");
    let rules: Vec<&str> =
        ok["changes"].as_array().expect("changes").iter().filter_map(|c| c["rule"].as_str()).collect();
    assert_eq!(rules, ["comments_removed", "limit_added"]);
    let lowered = parsed(&guard("SELECT id FROM album LIMIT 500", &catalog, r#"{"max_limit": 50}"#).expect("lowered"));
    assert_eq!(lowered["sql"], "SELECT id FROM album LIMIT 50");
    assert_eq!(lowered["changes"][0]["rule"], "limit_lowered");
    let code = |sql: &str, options: &str| guard(sql, &catalog, options).expect_err("refused").code();
    assert_eq!(code("DELETE FROM album", ""), "unsafe_sql");
    assert_eq!(code("SELECT 1; DROP TABLE album", ""), "unsafe_sql");
    assert_eq!(code("SELECT * FROM pg_catalog.pg_user", ""), "unsafe_sql");
    assert_eq!(code("SELECT title FROM album WHERE", ""), "invalid_sql");
    assert_eq!(code("SELECT nope FROM album", ""), "invalid_sql");
    assert_eq!(code("", ""), "missing_sql");
    assert_eq!(code("SELECT 1", r#"{"default_limit": 0}"#), "invalid_options");
    assert_eq!(code("SELECT 1", r#"{"allow_system_catalogs": "yes"}"#), "invalid_options");
    assert_eq!(guard("SELECT 1", "", "").expect_err("a catalog is needed").code(), "invalid_catalog");
}

#[test]
fn assess_scores_the_question_and_plans_compound_ones() {
    let catalog = schema();
    let easy = parsed(&assess("How many albums are there?", &catalog, "", "").expect("assessed"));
    // The linker adds the table the foreign key names as context; the score counts only the tables the question
    // needs (as the service's), so a lone table is no join.
    assert_eq!(easy["linked_tables"], json!(["album", "artist"]), "{easy}");
    assert_eq!(easy["complexity"], json!({"score": 2, "reasons": ["aggregates"]}));
    assert_eq!((&easy["decompose"], &easy["plan"]), (&Value::Bool(false), &Value::Null));
    let question = "Compare the number of albums per artist with the total number of artists per name, \
                    keeping artists where the total is above average";
    let hard = parsed(&assess(question, &catalog, "", "").expect("assessed"));
    assert!(hard["complexity"]["score"].as_u64().is_some_and(|s| s > 5), "{hard}");
    assert_eq!(hard["decompose"], true);
    assert_eq!(hard["plan"]["stages"], 2);
    assert_eq!(hard["plan"]["tasks"][2]["depends_on"], json!(["t1", "t2"]));
    let strict = parsed(&assess(question, &catalog, "", r#"{"complexity_threshold": 10}"#).expect("assessed"));
    assert_eq!(strict["plan"], Value::Null);
    assert_eq!(
        assess("x", &catalog, "", r#"{"complexity_threshold": 11}"#).expect_err("1-10").code(),
        "invalid_options"
    );
    assert_eq!(assess(" ", &catalog, "", "").expect_err("empty").code(), "missing_question");
}
