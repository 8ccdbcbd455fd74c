//! One rule at a time: a refused example and an accepted near miss, per dialect where it matters. The corpus
//! tests (SQL-injection payloads in templates, Spider's gold queries) are in `core/tests/guard_*.rs`.

use super::*;
use crate::catalog::Catalog;

fn chinook() -> Catalog {
    serde_json::from_str(include_str!("../../tests/fixtures/chinook.catalog.json")).expect("the Chinook catalog")
}

/// `sql` through the guard for `dialect` with default settings.
fn run(dialect: Dialect, sql: &str) -> Result<Guarded> {
    run_with(dialect, sql, &Settings::default())
}

fn run_with(dialect: Dialect, sql: &str, settings: &Settings) -> Result<Guarded> {
    let mut catalog = chinook();
    catalog.dialect = dialect;
    check(sql, dialect, &catalog, settings)
}

const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

/// Refused in every listed dialect with `code` and a message containing `reason`.
fn refused(dialects: &[Dialect], sql: &str, code: &str, reason: &str) {
    for &dialect in dialects {
        match run(dialect, sql) {
            Ok(g) => panic!("{dialect:?}: accepted `{sql}` as `{}`", g.sql),
            Err(e) => {
                assert_eq!(e.code(), code, "{dialect:?}: `{sql}`: {e}");
                assert_eq!(e.status(), 422, "{dialect:?}: `{sql}`: {e}");
                assert!(e.to_string().contains(reason), "{dialect:?}: `{sql}`: `{e}` does not say `{reason}`");
            }
        }
    }
}

/// Accepted in every listed dialect as `expected` (the rendering, LIMIT included).
fn accepted(dialects: &[Dialect], sql: &str, expected: &str) {
    for &dialect in dialects {
        match run(dialect, sql) {
            Ok(g) => assert_eq!(g.sql, expected, "{dialect:?}: `{sql}`"),
            Err(e) => panic!("{dialect:?}: refused `{sql}`: {e}"),
        }
    }
}

#[test]
fn exactly_one_statement() {
    refused(&ALL, "SELECT Name FROM Artist; DROP TABLE Artist", "unsafe_sql", "more than one statement");
    refused(&ALL, "SELECT Name FROM Artist; SELECT Title FROM Album", "unsafe_sql", "more than one statement");
    accepted(&ALL, "SELECT Name FROM Artist;", "SELECT Name FROM Artist LIMIT 100");
    refused(&ALL, ";", "invalid_sql", "no statement");
}

#[test]
fn only_queries() {
    refused(&ALL, "DELETE FROM Artist", "unsafe_sql", "writes data (DELETE)");
    refused(&ALL, "INSERT INTO Artist (Name) VALUES ('x')", "unsafe_sql", "writes data (INSERT)");
    refused(&ALL, "UPDATE Artist SET Name = 'x'", "unsafe_sql", "writes data (UPDATE)");
    refused(&ALL, "DROP TABLE Artist", "unsafe_sql", "changes the schema (DROP TABLE)");
    refused(&ALL, "CREATE TABLE x (a INT)", "unsafe_sql", "changes the schema (CREATE TABLE)");
    refused(&[Dialect::Postgres], "SET statement_timeout = 0", "unsafe_sql", "is not a query (SET)");
    refused(&[Dialect::Postgres], "COPY Artist TO PROGRAM 'id'", "unsafe_sql", "writes data (COPY)");
    refused(&[Dialect::Sqlite], "ATTACH DATABASE '/tmp/x.db' AS x", "unsafe_sql", "is not a query (ATTACH)");
    refused(&[Dialect::Sqlite], "PRAGMA writable_schema = 1", "unsafe_sql", "is not a query (PRAGMA)");
    refused(&[Dialect::Postgres], "EXPLAIN ANALYZE SELECT Name FROM Artist", "unsafe_sql", "is not a query");
    // Near misses: the words inside a literal, a CTE and VALUES are queries.
    accepted(
        &ALL,
        "SELECT Name FROM Artist WHERE Name = 'DELETE FROM Artist'",
        "SELECT Name FROM Artist WHERE Name = 'DELETE FROM Artist' LIMIT 100",
    );
    accepted(
        &ALL,
        "WITH a AS (SELECT Name FROM Artist) SELECT Name FROM a",
        "WITH a AS (SELECT Name FROM Artist) SELECT Name FROM a LIMIT 100",
    );
    accepted(&[Dialect::Sqlite, Dialect::Postgres], "VALUES (1), (2)", "VALUES (1), (2) LIMIT 100");
}

#[test]
fn no_data_modifying_cte_select_into_or_locks() {
    refused(
        &[Dialect::Postgres],
        "WITH d AS (DELETE FROM Artist RETURNING *) SELECT * FROM d",
        "unsafe_sql",
        "writes data (DELETE inside the query)",
    );
    refused(
        &[Dialect::Postgres],
        "WITH i AS (INSERT INTO Artist (Name) VALUES ('x') RETURNING ArtistId) SELECT ArtistId FROM i",
        "unsafe_sql",
        "writes data (INSERT inside the query)",
    );
    refused(&[Dialect::Postgres, Dialect::Mysql], "SELECT * INTO copy FROM Artist", "unsafe_sql", "SELECT INTO");
    refused(&[Dialect::Mysql], "SELECT Name INTO @v FROM Artist", "unsafe_sql", "SELECT INTO");
    refused(&[Dialect::Mysql], "SELECT Name FROM Artist INTO OUTFILE '/tmp/x'", "invalid_sql", "syntax error");
    refused(&[Dialect::Mysql], "SELECT Name FROM Artist INTO DUMPFILE '/tmp/x'", "invalid_sql", "syntax error");
    refused(&[Dialect::Postgres, Dialect::Mysql], "SELECT Name FROM Artist FOR UPDATE", "unsafe_sql", "locks rows");
    refused(&[Dialect::Postgres], "SELECT Name FROM Artist FOR SHARE NOWAIT", "unsafe_sql", "locks rows");
    // Near miss: a CTE that reads, and a column alias named `into`.
    accepted(
        &[Dialect::Postgres],
        "WITH d AS (SELECT ArtistId FROM Artist) SELECT ArtistId AS \"into\" FROM d",
        "WITH d AS (SELECT ArtistId FROM Artist) SELECT ArtistId AS \"into\" FROM d LIMIT 100",
    );
}

#[test]
fn denied_functions_are_found_everywhere() {
    let pg = [Dialect::Postgres];
    for sql in [
        "SELECT pg_sleep(5)",
        "SELECT Name, pg_sleep(5) FROM Artist",
        "SELECT Name FROM Artist WHERE ArtistId = 1 AND pg_sleep(5) IS NULL",
        "SELECT Name FROM Artist ORDER BY pg_sleep(5)",
        "SELECT Name FROM Artist GROUP BY Name HAVING count(pg_sleep(5)) > 0",
        "SELECT Name FROM Artist GROUP BY pg_sleep(5), Name",
        "SELECT a.Name FROM Artist a JOIN Album b ON b.ArtistId = a.ArtistId AND pg_sleep(5) IS NULL",
        "SELECT Name FROM Artist LIMIT (SELECT 1 FROM Album WHERE pg_sleep(5) IS NULL)",
        "SELECT Name FROM Artist OFFSET (SELECT count(pg_sleep(5)))",
        "SELECT row_number() OVER (ORDER BY pg_sleep(5)) FROM Artist",
        "SELECT sum(ArtistId) OVER (PARTITION BY pg_sleep(5)) FROM Artist",
        "SELECT CASE WHEN ArtistId > 1 THEN pg_sleep(5) ELSE NULL END FROM Artist",
        "SELECT upper(lower(CAST(pg_sleep(5) AS TEXT))) FROM Artist",
        "SELECT Name FROM Artist WHERE ArtistId IN (SELECT ArtistId FROM Album WHERE pg_sleep(5) IS NULL)",
        "SELECT Name FROM Artist WHERE EXISTS (SELECT 1 WHERE pg_sleep(5) IS NULL)",
        "SELECT (SELECT pg_sleep(5)) FROM Artist",
        "WITH s AS (SELECT pg_sleep(5)) SELECT Name FROM Artist",
        "SELECT x.n FROM (SELECT pg_sleep(5) AS n) x",
        "SELECT count(*) FILTER (WHERE pg_sleep(5) IS NULL) FROM Artist",
        "SELECT string_agg(Name, ',' ORDER BY pg_sleep(5)) FROM Artist",
        "SELECT Name FROM Artist WHERE Name BETWEEN 'a' AND pg_sleep(5)::text",
        "SELECT Name FROM Artist WHERE Name LIKE pg_sleep(5)::text",
        "SELECT ARRAY[pg_sleep(5)]",
        "SELECT (1, pg_sleep(5))",
        "SELECT pg_catalog.pg_sleep(5)",
        "SELECT * FROM pg_sleep(5)",
        "VALUES (pg_sleep(5))",
        "SELECT Name FROM Artist UNION SELECT CAST(pg_sleep(5) AS TEXT)",
    ] {
        refused(&pg, sql, "unsafe_sql", "calls pg_");
    }
    refused(&pg, "SELECT \"PG_SLEEP\"(5)", "unsafe_sql", "calls PG_SLEEP, which sleeps");
    refused(&pg, "SELECT pg_read_file('/etc/passwd')", "unsafe_sql", "calls pg_read_file, which reads server files");
    refused(&pg, "SELECT * FROM pg_ls_dir('.')", "unsafe_sql", "calls pg_ls_dir");
    refused(&pg, "SELECT lo_import('/etc/passwd')", "unsafe_sql", "calls lo_import");
    refused(&pg, "SELECT * FROM dblink('host=x', 'select 1') AS t(a int)", "unsafe_sql", "calls dblink");
    refused(&pg, "SELECT set_config('statement_timeout', '0', false)", "unsafe_sql", "calls set_config");
    refused(&pg, "SELECT current_setting('data_directory')", "unsafe_sql", "calls current_setting");
    refused(&pg, "SELECT query_to_xml('select * from pg_user', true, true, '')", "unsafe_sql", "calls query_to_xml");
    refused(&pg, "SELECT pg_terminate_backend(1)", "unsafe_sql", "stops other sessions");
    refused(&pg, "SELECT current_user", "unsafe_sql", "calls current_user");
    refused(&pg, "SELECT version()", "unsafe_sql", "calls version");
    let my = [Dialect::Mysql];
    refused(&my, "SELECT Name FROM Artist WHERE sleep(5) = 0", "unsafe_sql", "calls sleep, which sleeps");
    refused(&my, "SELECT benchmark(10000000, md5('a'))", "unsafe_sql", "calls benchmark");
    refused(&my, "SELECT load_file('/etc/passwd')", "unsafe_sql", "calls load_file");
    refused(&my, "SELECT sys_exec('id')", "unsafe_sql", "calls sys_exec");
    refused(&my, "SELECT get_lock('x', 10)", "unsafe_sql", "calls get_lock, which takes locks");
    refused(&my, "SELECT current_user", "unsafe_sql", "calls current_user");
    refused(&my, "SELECT @@version", "unsafe_sql", "reads server or session variable @@version");
    refused(&my, "SELECT Name FROM Artist WHERE 1 = 1 /*!50000 AND sleep(5) */", "unsafe_sql", "calls sleep");
    let lite = [Dialect::Sqlite];
    refused(&lite, "SELECT load_extension('/tmp/x.so')", "unsafe_sql", "calls load_extension");
    refused(&lite, "SELECT readfile('/etc/passwd')", "unsafe_sql", "calls readfile");
    refused(&lite, "SELECT writefile('/tmp/x', 'y')", "unsafe_sql", "calls writefile");
    refused(&lite, "SELECT fts3_tokenizer('simple')", "unsafe_sql", "calls fts3_tokenizer");
    refused(&lite, "SELECT sqlite_version()", "unsafe_sql", "calls sqlite_version");
    refused(&lite, "SELECT * FROM pragma_table_info('Artist')", "unsafe_sql", "calls pragma_table_info");
    refused(&lite, "SELECT name FROM fsdir('/')", "unsafe_sql", "calls fsdir");
    // Near misses: ordinary functions, table functions of the allow-list, a column named like a function.
    accepted(&ALL, "SELECT upper(Name) FROM Artist", "SELECT upper(Name) FROM Artist LIMIT 100");
    accepted(&ALL, "SELECT count(*) FROM Artist", "SELECT count(*) FROM Artist LIMIT 100");
    accepted(&pg, "SELECT * FROM generate_series(1, 3)", "SELECT * FROM generate_series(1, 3) LIMIT 100");
    accepted(&lite, "SELECT value FROM json_each('[1,2]')", "SELECT value FROM json_each('[1,2]') LIMIT 100");
    accepted(&ALL, "SELECT 'pg_sleep(5)' AS x FROM Artist", "SELECT 'pg_sleep(5)' AS x FROM Artist LIMIT 100");
    refused(&pg, "SELECT * FROM regexp_matches('a', 'a')", "unsafe_sql", "only generate_series");
}

#[test]
fn system_catalogs_only_when_allowed() {
    refused(
        &[Dialect::Postgres],
        "SELECT usename FROM pg_catalog.pg_user",
        "unsafe_sql",
        "reads system catalog pg_catalog.pg_user",
    );
    refused(&[Dialect::Postgres], "SELECT * FROM pg_shadow", "unsafe_sql", "reads system catalog pg_shadow");
    refused(&ALL, "SELECT table_name FROM information_schema.tables", "unsafe_sql", "information_schema.tables");
    refused(&[Dialect::Sqlite], "SELECT sql FROM sqlite_master", "unsafe_sql", "reads system catalog sqlite_master");
    refused(&[Dialect::Sqlite], "SELECT sql FROM main.sqlite_schema", "unsafe_sql", "main.sqlite_schema");
    refused(&[Dialect::Sqlite], "SELECT sql FROM sqlite_temp_master", "unsafe_sql", "sqlite_temp_master");
    refused(&[Dialect::Mysql], "SELECT user FROM mysql.user", "unsafe_sql", "reads system catalog mysql.user");
    refused(&[Dialect::Mysql], "SELECT * FROM performance_schema.threads", "unsafe_sql", "performance_schema");
    refused(&[Dialect::Mysql], "SELECT * FROM sys.version", "unsafe_sql", "reads system catalog sys.version");
    refused(
        &[Dialect::Postgres],
        "SELECT Name FROM Artist WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolsuper)",
        "unsafe_sql",
        "pg_roles",
    );
    refused(&[Dialect::Postgres], "SELECT 'pg_user'::regclass", "unsafe_sql", "reads the system catalog");
    let admin = Settings { allow_system_catalogs: true, ..Settings::default() };
    let allowed = run_with(Dialect::Sqlite, "SELECT name FROM sqlite_master", &admin).expect("allowed for admins");
    assert_eq!(allowed.sql, "SELECT name FROM sqlite_master LIMIT 100");
    let allowed = run_with(Dialect::Postgres, "SELECT usename FROM pg_catalog.pg_user", &admin).expect("allowed");
    assert_eq!(allowed.sql, "SELECT usename FROM pg_catalog.pg_user LIMIT 100");
    // Still only reads: the switch opens catalogs, nothing else.
    assert!(run_with(Dialect::Postgres, "SELECT pg_sleep(1)", &admin).is_err());
    // Near miss: a CTE may carry a catalog's name; it shadows the catalog.
    accepted(
        &ALL,
        "WITH pg_user AS (SELECT Name FROM Artist) SELECT Name FROM pg_user",
        "WITH pg_user AS (SELECT Name FROM Artist) SELECT Name FROM pg_user LIMIT 100",
    );
}

#[test]
fn only_registered_tables_and_columns() {
    refused(&ALL, "SELECT * FROM secrets", "unsafe_sql", "unknown table secrets");
    refused(&ALL, "SELECT Name FROM Artist JOIN users ON 1 = 1", "unsafe_sql", "unknown table users");
    refused(
        &ALL,
        "SELECT Name FROM Artist WHERE ArtistId IN (SELECT id FROM admins)",
        "unsafe_sql",
        "unknown table admins",
    );
    refused(&[Dialect::Mysql], "SELECT Name FROM otherdb.Artist", "unsafe_sql", "unknown table otherdb.Artist");
    refused(&[Dialect::Sqlite], "SELECT Name FROM other.Artist", "unsafe_sql", "unknown table other.Artist");
    refused(&ALL, "SELECT Password FROM Artist", "invalid_sql", "unknown column Password");
    refused(&ALL, "SELECT a.Password FROM Artist a", "invalid_sql", "unknown column a.Password");
    refused(&ALL, "SELECT x.Name FROM Artist a", "invalid_sql", "unknown table or alias x in x.Name");
    refused(
        &[Dialect::Postgres],
        "SELECT Name FROM Artist WHERE Name = \"AC/DC\"",
        "invalid_sql",
        "unknown column AC/DC",
    );
    // Near misses: aliases, derived tables, CTE columns, output aliases in ORDER BY, correlated subqueries,
    // qualified default schemas, and SQLite's double-quoted string literals.
    accepted(
        &ALL,
        "SELECT a.Name, count(*) AS n FROM Artist AS a JOIN Album AS b ON a.ArtistId = b.ArtistId GROUP BY a.Name ORDER BY n DESC",
        "SELECT a.Name, count(*) AS n FROM Artist AS a JOIN Album AS b ON a.ArtistId = b.ArtistId GROUP BY a.Name ORDER BY n DESC LIMIT 100",
    );
    accepted(
        &ALL,
        "SELECT x.n FROM (SELECT Name AS n FROM Artist) AS x",
        "SELECT x.n FROM (SELECT Name AS n FROM Artist) AS x LIMIT 100",
    );
    accepted(
        &ALL,
        "SELECT Name FROM Artist a WHERE EXISTS (SELECT 1 FROM Album b WHERE b.ArtistId = a.ArtistId)",
        "SELECT Name FROM Artist a WHERE EXISTS (SELECT 1 FROM Album b WHERE b.ArtistId = a.ArtistId) LIMIT 100",
    );
    accepted(&[Dialect::Postgres], "SELECT Name FROM public.Artist", "SELECT Name FROM public.Artist LIMIT 100");
    accepted(
        &[Dialect::Sqlite],
        "SELECT rowid, Name FROM main.Artist",
        "SELECT rowid, Name FROM main.Artist LIMIT 100",
    );
    accepted(
        &[Dialect::Sqlite],
        "SELECT Name FROM Artist WHERE Name = \"AC/DC\"",
        "SELECT Name FROM Artist WHERE Name = \"AC/DC\" LIMIT 100",
    );
    accepted(
        &[Dialect::Mysql],
        "SELECT Name FROM Artist WHERE Name = \"AC/DC\"",
        "SELECT Name FROM Artist WHERE Name = \"AC/DC\" LIMIT 100",
    );
}

#[test]
fn limits_are_added_or_lowered() {
    let g = run(Dialect::Sqlite, "SELECT Name FROM Artist").expect("accepted");
    assert_eq!(g.sql, "SELECT Name FROM Artist LIMIT 100");
    assert_eq!(g.changes, [Change { rule: "limit_added", detail: "LIMIT 100 added (nl2sql.default_limit)".into() }]);
    let g = run(Dialect::Postgres, "SELECT Name FROM Artist LIMIT 5000 OFFSET 10").expect("accepted");
    assert_eq!(g.sql, "SELECT Name FROM Artist LIMIT 1000 OFFSET 10");
    assert_eq!(g.changes[0].rule, "limit_lowered");
    assert_eq!(g.changes[0].detail, "LIMIT 5000 lowered to 1000 (nl2sql.max_limit)");
    let g = run(Dialect::Sqlite, "SELECT Name FROM Artist LIMIT 7").expect("accepted");
    assert_eq!(
        (g.sql.as_str(), g.changes.len()),
        ("SELECT Name FROM Artist LIMIT 7", 0),
        "a LIMIT within bounds stays"
    );
    accepted(&[Dialect::Mysql], "SELECT Name FROM Artist LIMIT 5, 5000", "SELECT Name FROM Artist LIMIT 5, 1000");
    accepted(&[Dialect::Postgres], "SELECT Name FROM Artist OFFSET 3", "SELECT Name FROM Artist LIMIT 100 OFFSET 3");
    accepted(
        &[Dialect::Postgres],
        "SELECT Name FROM Artist FETCH FIRST 5000 ROWS ONLY",
        "SELECT Name FROM Artist FETCH FIRST 1000 ROWS ONLY",
    );
    accepted(
        &ALL,
        "SELECT Name FROM Artist UNION SELECT Title FROM Album ORDER BY 1",
        "SELECT Name FROM Artist UNION SELECT Title FROM Album ORDER BY 1 LIMIT 100",
    );
    // The inner LIMIT of a subquery is its own business; the statement's is bounded.
    accepted(
        &ALL,
        "SELECT Name FROM (SELECT Name FROM Artist LIMIT 5000) AS a",
        "SELECT Name FROM (SELECT Name FROM Artist LIMIT 5000) AS a LIMIT 100",
    );
    refused(&ALL, "SELECT Name FROM Artist LIMIT -1", "unsafe_sql", "LIMIT -1 is not a whole number");
    refused(&ALL, "SELECT Name FROM Artist LIMIT 1 + 1", "unsafe_sql", "is not a whole number");
    refused(&ALL, "SELECT Name FROM Artist LIMIT (SELECT 5)", "unsafe_sql", "is not a whole number");
    refused(&[Dialect::Postgres], "SELECT Name FROM Artist FETCH FIRST 50 PERCENT ROWS ONLY", "unsafe_sql", "PERCENT");
    let small = Settings { default_limit: 10, max_limit: 20, allow_system_catalogs: false };
    assert_eq!(
        run_with(Dialect::Sqlite, "SELECT Name FROM Artist", &small).expect("ok").sql,
        "SELECT Name FROM Artist LIMIT 10"
    );
    assert_eq!(
        run_with(Dialect::Sqlite, "SELECT Name FROM Artist LIMIT 21", &small).expect("ok").sql,
        "SELECT Name FROM Artist LIMIT 20"
    );
}

#[test]
fn comments_are_stripped() {
    let g = run(Dialect::Sqlite, "SELECT Name -- the name\nFROM Artist /* all of them */ LIMIT 5").expect("accepted");
    assert_eq!(g.sql, "SELECT Name FROM Artist LIMIT 5");
    assert_eq!(g.changes[0].rule, "comments_removed");
    let g = run(Dialect::Mysql, "SELECT /*+ SET_VAR(max_execution_time=0) */ Name FROM Artist LIMIT 5").expect("ok");
    assert_eq!(g.sql, "SELECT Name FROM Artist LIMIT 5", "an optimizer hint is a comment too");
    let g = run(Dialect::Postgres, "SELECT /*+ SeqScan(Artist) */ Name FROM Artist LIMIT 5").expect("ok");
    assert_eq!(g.sql, "SELECT Name FROM Artist LIMIT 5");
    // A comment marker inside a literal is text, not a comment.
    let g = run(Dialect::Sqlite, "SELECT Name FROM Artist WHERE Name = '-- /* x */' LIMIT 5").expect("accepted");
    assert_eq!((g.sql.as_str(), g.changes.len()), ("SELECT Name FROM Artist WHERE Name = '-- /* x */' LIMIT 5", 0));
}

#[test]
fn literals_holding_sql_stay_literals() {
    accepted(
        &ALL,
        "SELECT Name FROM Artist WHERE Name = 'x''; DROP TABLE Artist; --'",
        "SELECT Name FROM Artist WHERE Name = 'x''; DROP TABLE Artist; --' LIMIT 100",
    );
    accepted(
        &[Dialect::Postgres],
        "SELECT Name FROM Artist WHERE Name = $$'; DELETE FROM Artist; --$$",
        "SELECT Name FROM Artist WHERE Name = $$'; DELETE FROM Artist; --$$ LIMIT 100",
    );
    accepted(
        &[Dialect::Mysql],
        "SELECT Name FROM Artist WHERE Name = 'it\\'s; DROP TABLE Artist'",
        "SELECT Name FROM Artist WHERE Name = 'it''s; DROP TABLE Artist' LIMIT 100",
    );
}

#[test]
fn renderings_must_read_back_the_same() {
    // sqlparser prints MySQL's `'a\\'` as `'a\'`, which MySQL (and sqlparser) read as an open string: refused,
    // never sent.
    let e = run(Dialect::Mysql, "SELECT Name FROM Artist WHERE Name = 'a\\\\' OR Name = ' OR sleep(5) -- '")
        .expect_err("an unfaithful rendering");
    assert_eq!(e.code(), "unsafe_sql", "{e}");
    assert!(e.to_string().contains("does not read back the same"), "{e}");
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    // Guard, render, re-parse and drop on a 2 MB stack (a host's worker thread) in a debug build. Chains of
    // operators grow without the parser's recursion limit; prefix operators, calls and subqueries nest within it.
    let chains = |n: usize| {
        [
            format!("SELECT Name FROM Artist WHERE {}", vec!["ArtistId = 1"; n].join(" OR ")),
            format!("SELECT Name FROM Artist WHERE ArtistId {}", "IS NULL ".repeat(n)),
            format!("SELECT Name FROM Artist WHERE ArtistId{}", "::int".repeat(n)),
            vec!["SELECT Name FROM Artist"; n].join(" UNION "),
        ]
    };
    let nests = |n: usize| {
        [
            format!("SELECT Name FROM Artist WHERE {}ArtistId = 1", "NOT ".repeat(n)),
            format!("SELECT Name FROM Artist WHERE ArtistId = {}1{}", "abs(".repeat(n), ")".repeat(n)),
            format!("SELECT Name FROM Artist WHERE ArtistId = {}1{}", "(".repeat(n), ")".repeat(n)),
            format!("SELECT Name FROM Artist WHERE ArtistId IN {}1{}", "(SELECT ".repeat(n / 2), ")".repeat(n / 2)),
        ]
    };
    let worker = std::thread::Builder::new().stack_size(2 << 20);
    let handle = worker
        .spawn(move || {
            for sql in chains(900).into_iter().chain(nests(20)) {
                let outcome = run(Dialect::Postgres, &sql);
                assert!(outcome.is_ok(), "{}…: {outcome:?}", &sql[..60]);
            }
            for n in [1010, 2990, 30_000] {
                for sql in chains(n).into_iter().chain(nests(n / 10)) {
                    for dialect in ALL {
                        let e = run(dialect, &sql).expect_err("too deep");
                        assert!((400..500).contains(&e.status()), "{e}");
                    }
                }
            }
        })
        .expect("a thread");
    handle.join().expect("no stack overflow, no panic");
}

#[test]
fn unsupported_constructs_are_refused_not_skipped() {
    refused(
        &[Dialect::Postgres],
        "SELECT Name FROM Artist WHERE ArtistId OPERATOR(pg_catalog.=) 1",
        "unsafe_sql",
        "custom operators",
    );
    refused(&[Dialect::Mysql], "SELECT @a := 1", "unsafe_sql", "");
    refused(&[Dialect::Sqlite], "SELECT Name FROM Artist WHERE ArtistId = ?", "invalid_sql", "placeholder");
}
