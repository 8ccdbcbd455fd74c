use super::*;

#[test]
fn syntax_errors_carry_their_position() {
    let err = parse("SELECT id\nFROM t WHERE a = = 1", Dialect::Postgres).expect_err("bad SQL");
    assert_eq!(err.code(), "invalid_sql");
    assert_eq!(err.status(), 422);
    assert!(err.to_string().starts_with("SQL syntax error at line 2, column 18: "), "{err}");
    // A statement cut short points at the end of the text, not past trailing blank lines.
    let err = parse("SELECT id FROM t WHERE\n\n", Dialect::Sqlite).expect_err("cut short");
    assert!(err.to_string().starts_with("SQL syntax error at line 1, column 23: "), "{err}");
    let err = parse("SELECT 'unterminated", Dialect::Mysql).expect_err("tokenizer error");
    assert!(err.to_string().contains("line 1, column"), "{err}");
}

#[test]
fn empty_long_and_deep_texts_are_refused_before_parsing() {
    assert_eq!(parse("  ", Dialect::Postgres).expect_err("empty").code(), "missing_sql");
    let long = format!("SELECT 1 -- {}", "x".repeat(MAX_SQL_BYTES));
    assert_eq!(parse(&long, Dialect::Postgres).expect_err("long").code(), "sql_too_long");
    let chain = format!("SELECT 1 FROM t WHERE {}", vec!["a = 1"; MAX_EXPRESSION_DEPTH + 5].join(" AND "));
    let err = parse(&chain, Dialect::Postgres).expect_err("deep");
    assert!(err.to_string().contains("nests more than"), "{err}");
    let parens = format!("SELECT {}1{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(parse(&parens, Dialect::Postgres).expect_err("deep parentheses").code(), "invalid_sql");
    // A long but flat list is fine.
    let list = format!("SELECT 1 FROM t WHERE a IN ({})", vec!["1"; 5000].join(", "));
    assert!(parse(&list, Dialect::Postgres).is_ok());
}

#[test]
fn one_statement_and_its_kind() {
    let one = parse_one("SELECT 1;", Dialect::Postgres).expect("one statement");
    assert_eq!(statement_kind(&one, "SELECT 1;"), "SELECT");
    let err = parse_one("SELECT 1; SELECT 2", Dialect::Postgres).expect_err("two");
    assert!(err.to_string().contains("expected one statement, found 2"), "{err}");
    let create = parse_one("CREATE TABLE t (a int)", Dialect::Sqlite).expect("DDL parses");
    assert_eq!(statement_kind(&create, "CREATE TABLE t (a int)"), "CREATE TABLE");
    let insert = parse_one("INSERT INTO t VALUES (1)", Dialect::Mysql).expect("DML parses");
    assert_eq!(statement_kind(&insert, "INSERT INTO t VALUES (1)"), "INSERT");
    let with = "WITH x AS (SELECT 1) DELETE FROM t";
    assert_eq!(statement_kind(&parse_one(with, Dialect::Postgres).expect("parses"), with), "DELETE");
    let grant = "-- note\n  grant select on t to u";
    assert_eq!(statement_kind(&parse_one(grant, Dialect::Postgres).expect("parses"), grant), "GRANT");
}

#[test]
fn snippets_follow_the_source_and_balance_parentheses() {
    let text = "SELECT id\nFROM orders WHERE extract(year FROM placed_at) = 2024";
    let source = Source::new(text);
    let span = |l1, c1, l2, c2| Span::new(Location::new(l1, c1), Location::new(l2, c2));
    // sqlparser's span of EXTRACT starts at its argument; the snippet widens to the call.
    assert_eq!(source.snippet(span(2, 37, 2, 54), 100).as_deref(), Some("extract(year FROM placed_at) = 2024"));
    assert_eq!(source.snippet(span(1, 1, 2, 5), 100).as_deref(), Some("SELECT id FROM"));
    assert_eq!(source.snippet(span(1, 1, 2, 54), 10).as_deref(), Some("SELECT id…"));
    assert_eq!(source.snippet(Span::empty(), 10), None);
    assert_eq!(source.offset(Location::new(3, 1)), None);
    let unicode = Source::new("SELECT 'é' = ñ");
    assert_eq!(unicode.snippet(span(1, 8, 1, 15), 100).as_deref(), Some("'é' = ñ"));
}

#[test]
fn the_query_grammar_reads_queries_as_the_statement_grammar_does() {
    let queries = [
        "SELECT a, count(*) FROM t WHERE b > 1 GROUP BY a ORDER BY 2 DESC LIMIT 5;",
        "WITH x AS (SELECT 1 AS a) SELECT * FROM x",
        "(SELECT 1) UNION ALL (SELECT 2)",
        "VALUES (1, 'a'), (2, 'b')",
        "SELECT * FROM t WHERE id IN (SELECT id FROM u WHERE u.x = t.x)",
    ];
    for dialect in [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql] {
        for sql in queries {
            let Ok(OneQuery::Query(query)) = parse_query(sql, dialect) else { panic!("{sql} is a query") };
            assert_eq!(Statement::Query(query), parse_one(sql, dialect).expect("parses"), "{sql} in {dialect:?}");
        }
    }
}

#[test]
fn the_query_grammar_names_other_statements_and_keeps_the_error_shape() {
    let kind = |sql| match parse_query(sql, Dialect::Postgres) {
        Ok(OneQuery::NotAQuery(kind)) => kind,
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(kind("INSERT INTO t VALUES (1)"), "INSERT");
    assert_eq!(kind("-- note\ncreate table t (a int)"), "CREATE TABLE");
    assert_eq!(kind("EXPLAIN SELECT 1"), "EXPLAIN");
    // A misspelt keyword is a syntax error, not a statement of another kind.
    let err = parse_query("SELEC * FROM t", Dialect::Postgres).expect_err("typo");
    assert!(err.to_string().starts_with("SQL syntax error at line 1, column 1: Expected: an SQL statement"), "{err}");
    assert_eq!(parse_query("42", Dialect::Sqlite).expect_err("a number").code(), "invalid_sql");
    let err = parse_query("SELECT 1 FROM t x y", Dialect::Postgres).expect_err("trailing words");
    assert!(err.to_string().starts_with("SQL syntax error at line 1, column 19: Expected: end of statement"), "{err}");
    let err = parse_query("SELECT 1; SELECT 2", Dialect::Postgres).expect_err("two");
    assert!(err.to_string().contains("expected one statement"), "{err}");
    assert_eq!(parse_query(" ;; ", Dialect::Postgres).expect_err("none").code(), "invalid_sql");
    assert_eq!(parse_query("", Dialect::Postgres).expect_err("empty").code(), "missing_sql");
    let err = parse_query("SELECT * FROM", Dialect::Sqlite).expect_err("cut short");
    assert!(err.to_string().starts_with("SQL syntax error at line 1, column 14"), "{err}");
}

#[test]
fn conditions_parse_as_one_expression() {
    assert!(matches!(parse_expr("a > 1 AND b = 'x'", Dialect::Postgres), Ok(Expr::BinaryOp { .. })));
    let err = parse_expr("a > 1 b", Dialect::Postgres).expect_err("trailing word");
    assert!(err.to_string().contains("Expected: end of expression"), "{err}");
    assert_eq!(parse_expr("", Dialect::Postgres).expect_err("empty").code(), "missing_sql");
}
