//! Parsing SQL text the way every SQL-reading feature needs it: the registered database's dialect, errors with
//! their line and column, one statement at a time, and source positions turned back into text.
//!
//! Why a module of its own: the advisor reads SQL users and LLMs wrote, and so will the SQL guard. Both need the
//! same dialect mapping, the same error shape (`invalid_sql`, 422, with the position) and the same way of quoting
//! a piece of the statement back to the user, so that a message points at the text the user sent.

use crate::catalog::Dialect;
use crate::error::{Error, Result};
use sqlparser::ast::{Expr, Query, Statement};
use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Span, Token};

/// Longest SQL text accepted for analysis, bytes. Far above generated or hand-written queries (the advisor's
/// benchmark uses 10 KB); it bounds the depth of the syntax tree that analysis walks recursively.
pub const MAX_SQL_BYTES: usize = 256 * 1024;

/// Expressions nested deeper than this are refused (`a AND b AND ...` chains count one level per operator):
/// the syntax tree is walked and dropped recursively, and a 2 MB thread stack must hold it in a debug build.
pub const MAX_EXPRESSION_DEPTH: usize = 3000;

/// The sqlparser dialect of `dialect`.
pub fn parser_dialect(dialect: Dialect) -> &'static dyn sqlparser::dialect::Dialect {
    match dialect {
        Dialect::Postgres => &PostgreSqlDialect {},
        Dialect::Mysql => &MySqlDialect {},
        Dialect::Sqlite => &SQLiteDialect {},
    }
}

/// A position in SQL text: line and column from 1, columns counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1, in characters.
    pub column: u64,
}

/// Parses `sql` into its statements. A syntax error is [`Error::InvalidSql`] whose message ends with the line
/// and column of the offending token (the end of the text when the statement stops early); text longer than
/// [`MAX_SQL_BYTES`] or nested deeper than [`MAX_EXPRESSION_DEPTH`] is refused before parsing.
pub fn parse(sql: &str, dialect: Dialect) -> Result<Vec<Statement>> {
    checked(sql)?;
    Parser::parse_sql(parser_dialect(dialect), sql).map_err(|e| syntax_error(sql, e))
}

/// The refusals every parse starts with: too long, empty, too deep.
fn checked(sql: &str) -> Result<()> {
    if sql.len() > MAX_SQL_BYTES {
        return Err(Error::bad_request(
            "sql_too_long",
            format!("the SQL text is {} bytes; the maximum is {MAX_SQL_BYTES}", sql.len()),
        ));
    }
    if sql.trim().is_empty() {
        return Err(Error::bad_request("missing_sql", "sql must not be empty"));
    }
    if let Some(position) = too_deep(sql) {
        return Err(Error::InvalidSql(format!(
            "the SQL nests more than {MAX_EXPRESSION_DEPTH} operators or parentheses deep at line {}, column {}",
            position.line, position.column
        )));
    }
    Ok(())
}

/// Parses exactly one statement (a trailing `;` is fine); none or several is `invalid_sql`.
pub fn parse_one(sql: &str, dialect: Dialect) -> Result<Statement> {
    let mut statements = parse(sql, dialect)?;
    match statements.len() {
        1 => Ok(statements.remove(0)),
        0 => Err(Error::InvalidSql("the SQL text holds no statement".into())),
        n => Err(Error::InvalidSql(format!("expected one statement, found {n}; send them one at a time"))),
    }
}

/// One statement read by [`parse_query`].
#[derive(Debug)]
pub enum OneQuery {
    /// A query (`SELECT`, `WITH ...`, `VALUES`, a parenthesised query).
    Query(Box<Query>),
    /// Any other statement, not parsed: its kind as [`text_kind`] names it (`INSERT`, `CREATE TABLE`...).
    NotAQuery(String),
}

/// Parses `sql` when it is one query, with sqlparser's query grammar only; any other statement is not parsed
/// and comes back as [`OneQuery::NotAQuery`]. Same refusals and errors as [`parse_one`] otherwise.
///
/// Why not [`parse_one`]: the statement grammar reaches every statement sqlparser knows (procedures, grants,
/// roles...), a third of its code; pure callers that only analyse queries (the advisor, the estimator, the wasm
/// package) stay that much smaller (`docs/wasm.md`).
pub fn parse_query(sql: &str, dialect: Dialect) -> Result<OneQuery> {
    match parse_first_query(sql, dialect)? {
        (one, false) => Ok(one),
        (_, true) => {
            Err(Error::InvalidSql("expected one statement, found more than one; send them one at a time".into()))
        }
    }
}

/// [`parse_query`] that leaves the refusal of a second statement to its caller (the guard refuses it as
/// unsafe, not as a syntax error): the first statement, and whether another follows a `;`. A statement after
/// the first is not parsed.
pub fn parse_first_query(sql: &str, dialect: Dialect) -> Result<(OneQuery, bool)> {
    checked(sql)?;
    let mut parser = Parser::new(parser_dialect(dialect)).try_with_sql(sql).map_err(|e| syntax_error(sql, e))?;
    while parser.consume_token(&Token::SemiColon) {}
    match &parser.peek_token_ref().token {
        Token::EOF => return Err(Error::InvalidSql("the SQL text holds no statement".into())),
        Token::LParen => {}
        Token::Word(w) if matches!(w.keyword, Keyword::SELECT | Keyword::WITH | Keyword::VALUES | Keyword::FROM) => {}
        // A statement starts with a keyword (`INSERT`, `CREATE`...); anything else is the error the statement
        // grammar would give.
        Token::Word(w) if w.keyword != Keyword::NoKeyword && w.quote_style.is_none() => {
            return Ok((OneQuery::NotAQuery(text_kind(sql)), false));
        }
        _ => return Err(expected(&parser, "an SQL statement", sql)),
    }
    let query = parser.parse_query().map_err(|e| syntax_error(sql, e))?;
    let mut ended = false;
    while parser.consume_token(&Token::SemiColon) {
        ended = true;
    }
    match parser.peek_token_ref().token {
        Token::EOF => Ok((OneQuery::Query(query), false)),
        _ if ended => Ok((OneQuery::Query(query), true)),
        _ => Err(expected(&parser, "end of statement", sql)),
    }
}

/// Parses `sql` as one expression (a condition such as `price > 10 AND genre = 'Jazz'`), with the same refusals
/// and error shape as [`parse_one`].
pub fn parse_expr(sql: &str, dialect: Dialect) -> Result<Expr> {
    checked(sql)?;
    let mut parser = Parser::new(parser_dialect(dialect)).try_with_sql(sql).map_err(|e| syntax_error(sql, e))?;
    let expr = parser.parse_expr().map_err(|e| syntax_error(sql, e))?;
    match parser.peek_token_ref().token {
        Token::EOF => Ok(expr),
        _ => Err(expected(&parser, "end of expression", sql)),
    }
}

/// sqlparser's own `Expected: <what>, found: <next token>` error (with its position), as `invalid_sql`.
fn expected(parser: &Parser<'_>, what: &str, sql: &str) -> Error {
    match parser.expected::<()>(what, parser.peek_token()) {
        Err(e) => syntax_error(sql, e),
        Ok(()) => Error::Internal(format!("sqlparser found no error where it expected {what}")),
    }
}

/// The statement's kind in upper case, as a user would name it: `SELECT`, `INSERT`, `CREATE TABLE`... read
/// from its text (`sql`, comments skipped; a leading WITH is looked through), not from its rendering, which
/// would walk the whole statement recursively.
pub fn statement_kind(statement: &Statement, sql: &str) -> String {
    match statement {
        Statement::Query(query) => return query_kind(query).into(),
        Statement::Insert(_) => return "INSERT".into(),
        Statement::Update(_) => return "UPDATE".into(),
        Statement::Delete(_) => return "DELETE".into(),
        Statement::Merge(_) => return "MERGE".into(),
        _ => {}
    }
    text_kind(sql)
}

/// A statement's kind read from its first words (comments skipped): `INSERT`, `CREATE TABLE`, `EXPLAIN`...
pub fn text_kind(sql: &str) -> String {
    let mut words = Vec::new();
    for line in sql.lines() {
        let line = line.split("--").next().unwrap_or("");
        words.extend(line.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).take(2));
        if words.len() >= 2 {
            break;
        }
    }
    let first = words.first().map(|w| w.to_ascii_uppercase()).unwrap_or_else(|| "STATEMENT".into());
    match (first.as_str(), words.get(1)) {
        ("CREATE" | "ALTER" | "DROP", Some(second)) => format!("{first} {}", second.to_ascii_uppercase()),
        _ => first,
    }
}

/// `SELECT` for a query, or the data-modifying statement a `WITH ...` query wraps (`INSERT`, `UPDATE`, `DELETE`,
/// `MERGE`), which PostgreSQL allows as a statement.
pub fn query_kind(query: &sqlparser::ast::Query) -> &'static str {
    use sqlparser::ast::SetExpr;
    let mut body = query.body.as_ref();
    loop {
        match body {
            SetExpr::Query(q) => body = q.body.as_ref(),
            SetExpr::Insert(_) => return "INSERT",
            SetExpr::Update(_) => return "UPDATE",
            SetExpr::Delete(_) => return "DELETE",
            SetExpr::Merge(_) => return "MERGE",
            _ => return "SELECT",
        }
    }
}

fn syntax_error(sql: &str, error: ParserError) -> Error {
    let (message, position) = match error {
        ParserError::RecursionLimitExceeded => ("the SQL nests subqueries or expressions too deeply".to_owned(), None),
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => split_position(&m),
    };
    let position = position.unwrap_or_else(|| end_of(sql));
    Error::InvalidSql(format!("SQL syntax error at line {}, column {}: {message}", position.line, position.column))
}

/// Splits sqlparser's ` at Line: L, Column: C` suffix off a message.
fn split_position(message: &str) -> (String, Option<Position>) {
    let Some(at) = message.rfind(" at Line: ") else { return (message.to_owned(), None) };
    let tail = &message[at + " at Line: ".len()..];
    let position = tail.split_once(", Column: ").and_then(|(line, column)| {
        let column: String = column.chars().take_while(char::is_ascii_digit).collect();
        Some(Position { line: line.trim().parse().ok()?, column: column.parse().ok()? })
    });
    match position {
        Some(p) if p.line > 0 => (message[..at].to_owned(), Some(p)),
        _ => (message.to_owned(), None),
    }
}

/// The position just after the last character of `sql`.
fn end_of(sql: &str) -> Position {
    let sql = sql.trim_end();
    let line = sql.lines().count().max(1) as u64;
    let last = if sql.ends_with('\n') { "" } else { sql.lines().last().unwrap_or("") };
    let line = if sql.ends_with('\n') { line + 1 } else { line };
    Position { line, column: last.chars().count() as u64 + 1 }
}

/// Where a chain of binary operators passes [`MAX_EXPRESSION_DEPTH`], judged on the raw text in one pass
/// (quoted text and comments skipped): each `AND`, `OR`, `IS`, `::`, `COLLATE`, arithmetic, comparison or other
/// operator (see [`OPERATOR_WORDS`]) adds a level to the left-deep tree the parser builds, a parenthesis starts a new chain (parentheses themselves are bounded by the
/// parser's recursion limit) and a comma ends one. Deliberately rough: it only has to stop texts that would nest
/// thousands of levels deep.
fn too_deep(sql: &str) -> Option<Position> {
    // A chain of n operators takes at least 2n bytes.
    if sql.len() / 2 < MAX_EXPRESSION_DEPTH {
        return None;
    }
    let bytes = sql.as_bytes();
    let (mut chain, mut outer, mut outer_sum) = (0usize, Vec::new(), 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let mut step = 1;
        match b {
            b'\'' | b'"' | b'`' => {
                // Skip to the closing quote (a doubled quote is an escaped one and simply reopens).
                step = bytes[i + 1..].iter().position(|c| *c == b).map_or(bytes.len() - i, |p| p + 2);
            }
            b'-' if next == Some(b'-') => {
                step = bytes[i..].iter().position(|c| *c == b'\n').unwrap_or(bytes.len() - i);
            }
            b'/' if next == Some(b'*') => {
                step = sql[i + 2..].find("*/").map_or(bytes.len() - i, |p| p + 4);
            }
            b'(' => {
                outer_sum += chain;
                outer.push(std::mem::take(&mut chain));
            }
            b')' => {
                chain = outer.pop().unwrap_or(0);
                outer_sum -= chain;
            }
            b',' | b';' => chain = 0,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'=' | b'<' | b'>' | b'~' | b'&' | b'^' | b'!' | b'@' | b'#' | b'?'
            | b'[' => chain += 1,
            // `::` (a cast) and `||`: one operator.
            b'|' | b':' => {
                chain += 1;
                step = if next == Some(b) { 2 } else { 1 };
            }
            b if b.is_ascii_alphabetic() && (i == 0 || !is_word(bytes[i - 1])) => {
                let len = bytes[i..].iter().take_while(|c| is_word(**c)).count();
                let word = &sql[i..i + len];
                // Infix and postfix keywords: the parser builds their chains in a loop (`x IS NULL IS NULL ...`).
                if OPERATOR_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
                    chain += 1;
                }
                step = len.max(1);
            }
            _ => {}
        }
        if chain + outer_sum > MAX_EXPRESSION_DEPTH {
            let before = &sql[..i];
            let line = before.matches('\n').count() as u64 + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
            return Some(Position { line, column });
        }
        i += step;
    }
    None
}

/// Keywords that extend an operator chain (see [`too_deep`]).
const OPERATOR_WORDS: &[&str] = &[
    "and", "or", "xor", "is", "isnull", "notnull", "collate", "like", "ilike", "glob", "regexp", "rlike", "match",
    "in", "between", "similar", "escape", "at", "overlaps", "div", "mod",
];

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Line starts of a text, to turn [`Location`]s into byte offsets and back into text.
#[derive(Debug, Clone)]
pub struct Source<'s> {
    text: &'s str,
    line_starts: Vec<usize>,
}

impl<'s> Source<'s> {
    /// Indexes `text`.
    pub fn new(text: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, line_starts }
    }

    /// The text.
    pub fn text(&self) -> &'s str {
        self.text
    }

    /// The byte offset of `location` (line and character column from 1); `None` when it is empty or outside.
    pub fn offset(&self, location: Location) -> Option<usize> {
        if location.line == 0 || location.column == 0 {
            return None;
        }
        let start = *self.line_starts.get(usize::try_from(location.line - 1).ok()?)?;
        let line = &self.text[start..];
        let column = usize::try_from(location.column - 1).ok()?;
        match line.char_indices().nth(column) {
            Some((i, _)) => Some(start + i),
            None if line.chars().count() == column => Some(start + line.len()),
            None => None,
        }
    }

    /// The text a span covers, widened to balance its parentheses (sqlparser's spans of some calls leave out
    /// the name or the closing parenthesis), whitespace collapsed and cut to `max` characters (with `…`); `None`
    /// for an empty or impossible span.
    pub fn snippet(&self, span: Span, max: usize) -> Option<String> {
        let (start, end) = (self.offset(span.start)?, self.offset(span.end)?);
        let (start, end) = self.balanced(start, end.max(start));
        let text = self.text.get(start..end)?;
        let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!collapsed.is_empty()).then(|| shorten(&collapsed, max))
    }
}

impl Source<'_> {
    /// `start..end` widened until its parentheses balance: backwards to an unmatched `)`'s opening parenthesis
    /// and the function name before it, forwards to an unmatched `(`'s closing one, and forwards over a call's
    /// argument list that directly follows a name; a subquery's `SELECT` takes its parentheses along. Quoted
    /// text is skipped.
    fn balanced(&self, mut start: usize, mut end: usize) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        // A span that starts at a subquery's SELECT: include its opening parenthesis (and so, below, the rest).
        let head = &self.text[start..end.max(start)];
        let opened = self.text[..start].trim_end();
        if opened.ends_with('(') && head.get(..6).is_some_and(|w| w.eq_ignore_ascii_case("select")) {
            start = opened.len() - 1;
        }
        let depth = |from: usize, to: usize| -> (i64, i64) {
            // (unmatched closing, unmatched opening)
            let (mut open, mut unmatched_close, mut quote) = (0i64, 0i64, None);
            for &b in &bytes[from..to] {
                match (quote, b) {
                    (Some(q), _) if b == q => quote = None,
                    (Some(_), _) => {}
                    (None, b'\'' | b'"' | b'`') => quote = Some(b),
                    (None, b'(') => open += 1,
                    (None, b')') if open > 0 => open -= 1,
                    (None, b')') => unmatched_close += 1,
                    _ => {}
                }
            }
            (unmatched_close, open)
        };
        let (mut close, _) = depth(start, end);
        while close > 0 && start > 0 {
            start -= 1;
            match bytes[start] {
                b'(' => close -= 1,
                b')' => close += 1,
                _ => {}
            }
        }
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        if start < end && bytes.get(start) == Some(&b'(')
            || self.text[..start].ends_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                start -= 1;
            }
        }
        // A name followed by its argument list.
        let rest = &self.text[end..];
        if rest.trim_start().starts_with('(')
            && self.text[start..end].chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            end += rest.len() - rest.trim_start().len();
        }
        let (_, mut open) = depth(start, end);
        let mut quote = None;
        while (open > 0 || bytes.get(end) == Some(&b'(')) && end < bytes.len() {
            let b = bytes[end];
            end += 1;
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'\'' | b'"' | b'`') => quote = Some(b),
                (None, b'(') => open += 1,
                (None, b')') => {
                    open -= 1;
                    if open == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        (start, end)
    }
}

/// `text` cut to `max` characters, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
