//! Schema import from DDL text: `CREATE TABLE` scripts and whole dump files become a [`Catalog`].
//!
//! Why this shape: users often have a dump (`pg_dump`, `mysqldump`, a sample-database script) rather than a
//! live connection. Dumps mix table definitions with functions, data, grants and client commands that no
//! single SQL parser accepts, so the text is first split into statements by a small lexer (`split`), each
//! statement is classified by its leading keywords and only the ones that shape tables (`CREATE TABLE`,
//! `ALTER TABLE`, `CREATE INDEX`, `COMMENT ON`, `DROP`) are parsed with sqlparser. Everything else is listed in
//! [`DdlImport::skipped`] with its line, never fatal. The catalog mirrors what introspecting the server after
//! running the script would report — PostgreSQL type names as `format_type()` prints them, the index names
//! PostgreSQL and SQLite generate for unnamed UNIQUE constraints — so the two can be compared.

mod alter;
mod build;
mod split;
mod sqlite;
mod types;

#[cfg(test)]
mod tests;

use crate::catalog::{Catalog, Dialect};
use crate::error::{Error, Result};
use serde::Serialize;
use sqlparser::ast::Statement;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::borrow::Cow;
use std::fmt::Display;

/// The result of reading DDL: the catalog and the statements that did not contribute to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DdlImport {
    /// Tables, sorted by name.
    pub catalog: Catalog,
    /// Statements (and parts of statements) that were ignored, in line order.
    pub skipped: Vec<Skipped>,
}

/// A statement that was ignored, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// 1-based line where the statement starts.
    pub line: usize,
    /// The start of the statement (about 60 characters, whitespace collapsed).
    pub statement: String,
    /// Why it was ignored.
    pub reason: String,
}

/// Reads `text` (one or more SQL statements in `dialect`) into a catalog.
///
/// Errors are `invalid_ddl` bad requests naming the line: a `CREATE TABLE`, `CREATE INDEX` or `COMMENT ON`
/// that does not parse, a statement about an unknown table or column, or no `CREATE TABLE` at all.
///
/// ```
/// use nl2sql_core::catalog::Dialect;
/// let ddl = "CREATE TABLE artist (id serial PRIMARY KEY, name varchar(120) UNIQUE);\n\
///            CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;";
/// let import = nl2sql_core::ddl::parse(ddl, Dialect::Postgres)?;
/// let artist = &import.catalog.tables[0];
/// assert_eq!(artist.columns[1].data_type, "character varying(120)");
/// assert_eq!(artist.indexes[0].name, "artist_name_key");
/// assert_eq!(import.skipped[0].line, 2);
/// # Ok::<(), nl2sql_core::Error>(())
/// ```
pub fn parse(text: &str, dialect: Dialect) -> Result<DdlImport> {
    let lines = LineIndex::new(text);
    let mut builder = build::Builder::new(dialect);
    for piece in split::split(text, dialect) {
        let at = At { line: lines.line(piece.start), preview: preview(piece.text) };
        if piece.client {
            builder.skip(&at, "client command, not SQL");
            continue;
        }
        match classify(piece.text) {
            Kind::Other(label) => {
                if let Some(name) = created_relation(piece.text, &label).and_then(|n| builder.qualified(&n)) {
                    builder.note_relation(&name);
                }
                builder.skip(&at, format!("{label} does not define tables, keys or indexes"));
            }
            kind => {
                let text = match kind {
                    Kind::CreateIndex => without_on_only(piece.text),
                    Kind::CreateTable if dialect == Dialect::Sqlite => {
                        sqlite::quote_types(piece.text).map_or(Cow::Borrowed(piece.text), Cow::Owned)
                    }
                    _ => Cow::Borrowed(piece.text),
                };
                match parse_one(&text, dialect, at.line, &kind) {
                    Ok(statement) => builder.apply(&statement, &at)?,
                    Err(_) if kind == Kind::AlterTable && is_attach_partition(piece.text) => {
                        if let Some(name) =
                            split::name_after(piece.text, "PARTITION").and_then(|n| builder.qualified(&n))
                        {
                            builder.attach_partition(&name, &at);
                        }
                    }
                    Err(message) if kind.must_parse(piece.text) => return Err(at.error(message)),
                    Err(message) => builder.skip(&at, message),
                }
            }
        }
    }
    builder.finish()
}

/// Where a statement is, for messages.
#[derive(Debug, Clone)]
struct At {
    line: usize,
    preview: String,
}

impl At {
    fn error(&self, message: impl Display) -> Error {
        Error::bad_request("invalid_ddl", format!("line {}: {message} in `{}`", self.line, self.preview))
    }

    fn skipped(&self, reason: impl Into<String>) -> Skipped {
        Skipped { line: self.line, statement: self.preview.clone(), reason: reason.into() }
    }
}

/// What a statement is, judged from its leading keywords.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    CreateTable,
    AlterTable,
    CreateIndex,
    Comment,
    Drop,
    Other(String),
}

impl Kind {
    /// Whether failing to parse this statement loses part of the schema (an error) rather than something the
    /// catalog does not record (skipped). An `ALTER TABLE` matters when it adds keys or columns.
    fn must_parse(&self, text: &str) -> bool {
        match self {
            Self::CreateTable | Self::CreateIndex | Self::Comment => true,
            Self::AlterTable => {
                let upper = text.to_ascii_uppercase();
                let words: Vec<&str> =
                    upper.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
                words.iter().any(|w| matches!(*w, "PRIMARY" | "FOREIGN" | "UNIQUE" | "REFERENCES"))
                    || words.windows(2).any(|w| w == ["ADD", "COLUMN"])
            }
            Self::Drop | Self::Other(_) => false,
        }
    }
}

fn classify(text: &str) -> Kind {
    let words = split::leading_words(text, 6);
    let mut rest: Vec<&str> = words.iter().map(String::as_str).collect();
    let first = rest.first().copied().unwrap_or_default();
    if first == "CREATE" {
        rest.retain(|w| {
            !matches!(*w, "OR" | "REPLACE" | "GLOBAL" | "LOCAL" | "TEMP" | "TEMPORARY" | "UNLOGGED" | "UNIQUE")
        });
    }
    match rest.as_slice() {
        ["CREATE", "TABLE", ..] => Kind::CreateTable,
        ["CREATE", "INDEX", ..] => Kind::CreateIndex,
        ["ALTER", "TABLE", ..] => Kind::AlterTable,
        ["COMMENT", "ON", "TABLE" | "COLUMN", ..] => Kind::Comment,
        ["DROP", "TABLE" | "INDEX", ..] => Kind::Drop,
        ["COMMENT", "ON", object, ..] => Kind::Other(format!("COMMENT ON {object}")),
        [verb @ ("CREATE" | "ALTER" | "DROP"), object, ..] => Kind::Other(format!("{verb} {object}")),
        [verb, ..] => Kind::Other((*verb).to_owned()),
        [] => Kind::Other(text.chars().take(20).collect()),
    }
}

/// The name a skipped statement creates when it is a relation other than a table (a view, sequence, foreign or
/// virtual table), so that later statements about it are skipped too.
fn created_relation(text: &str, label: &str) -> Option<Vec<(String, bool)>> {
    let keyword = match label {
        "CREATE VIEW" | "CREATE MATERIALIZED" | "CREATE RECURSIVE" => "VIEW",
        "CREATE SEQUENCE" => "SEQUENCE",
        "CREATE FOREIGN" | "CREATE VIRTUAL" => "TABLE",
        _ => return None,
    };
    split::name_after(text, keyword)
}

/// `ALTER TABLE parent ATTACH PARTITION child ...` (which sqlparser does not parse).
fn is_attach_partition(text: &str) -> bool {
    let upper = text.to_ascii_uppercase();
    upper.split_whitespace().collect::<Vec<_>>().windows(2).any(|w| w == ["ATTACH", "PARTITION"])
}

/// `CREATE INDEX ... ON ONLY t` (pg_dump's form for partitioned tables) without the `ONLY`, which sqlparser does
/// not accept; blanked out so that error positions stay right.
fn without_on_only(text: &str) -> Cow<'_, str> {
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut from = 0;
    while let Some(i) = upper[from..].find("ONLY") {
        let at = from + i;
        from = at + 4;
        let before = upper[..at].trim_end();
        let word_after = bytes.get(at + 4).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        let on_before = before.len() < at
            && before.ends_with("ON")
            && before.len() >= 3
            && bytes[before.len() - 3].is_ascii_whitespace();
        if on_before && !word_after {
            let mut out = text.to_owned();
            out.replace_range(at..at + 4, "    ");
            return Cow::Owned(out);
        }
    }
    Cow::Borrowed(text)
}

/// Parses one statement of `kind` with only the part of sqlparser's grammar it needs (`CREATE TABLE`,
/// `CREATE INDEX`, `ALTER TABLE`, `COMMENT ON`, `DROP`): the whole statement grammar would link every statement
/// sqlparser knows into the wasm builds (`docs/wasm.md`). The error message has positions relative to the whole
/// input.
fn parse_one(text: &str, dialect: Dialect, line: usize, kind: &Kind) -> Result<Statement, String> {
    let parser_dialect = crate::sql::parser_dialect(dialect);
    let parsed = Parser::new(parser_dialect).try_with_sql(text).and_then(|mut p| {
        let statement: Statement = match kind {
            Kind::CreateTable => {
                p.expect_keyword_is(Keyword::CREATE)?;
                let or_replace = p.parse_keywords(&[Keyword::OR, Keyword::REPLACE]);
                let global = match p.parse_one_of_keywords(&[Keyword::LOCAL, Keyword::GLOBAL]) {
                    Some(Keyword::GLOBAL) => Some(true),
                    Some(_) => Some(false),
                    None => None,
                };
                let temporary = p.parse_one_of_keywords(&[Keyword::TEMP, Keyword::TEMPORARY]).is_some();
                let unlogged = p.parse_keyword(Keyword::UNLOGGED);
                p.expect_keyword_is(Keyword::TABLE)?;
                p.parse_create_table(or_replace, temporary, unlogged, global, false, false, None)?.into()
            }
            Kind::CreateIndex => {
                p.expect_keyword_is(Keyword::CREATE)?;
                let unique = p.parse_keyword(Keyword::UNIQUE);
                p.expect_keyword_is(Keyword::INDEX)?;
                p.parse_create_index(unique)?.into()
            }
            Kind::AlterTable => {
                p.expect_keyword_is(Keyword::ALTER)?;
                p.expect_keyword_is(Keyword::TABLE)?;
                p.parse_alter_table(false)?
            }
            Kind::Comment if parser_dialect.supports_comment_on() => {
                p.expect_keyword_is(Keyword::COMMENT)?;
                p.parse_comment()?
            }
            Kind::Drop => {
                p.expect_keyword_is(Keyword::DROP)?;
                p.parse_drop()?
            }
            Kind::Comment | Kind::Other(_) => {
                let first = p.peek_token();
                return p.expected("an SQL statement", first);
            }
        };
        while p.consume_token(&Token::SemiColon) {}
        match p.peek_token() {
            next if next.token == Token::EOF => Ok(statement),
            next => p.expected("end of statement", next),
        }
    });
    parsed.map_err(|error| relocate(&error.to_string(), line))
}

/// Rewrites sqlparser's `... at Line: 2, Column: 5` (relative to the statement) to a line of the input.
fn relocate(message: &str, first_line: usize) -> String {
    let message = message.strip_prefix("sql parser error: ").unwrap_or(message);
    let Some((head, position)) = message.rsplit_once(" at Line: ") else { return message.to_owned() };
    let Some((line, column)) = position.split_once(", Column: ") else { return message.to_owned() };
    match (line.parse::<usize>(), column.parse::<usize>()) {
        (Ok(line), Ok(column)) => format!("{head} at line {}, column {column}", first_line + line.saturating_sub(1)),
        _ => message.to_owned(),
    }
}

/// The first ~60 characters of a statement with whitespace collapsed.
fn preview(text: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() > MAX {
            let cut: String = out.chars().take(MAX).collect();
            return format!("{}...", cut.trim_end());
        }
    }
    out
}

/// Byte offset to 1-based line number.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        Self(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect())
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&newline| newline < offset) + 1
    }
}
