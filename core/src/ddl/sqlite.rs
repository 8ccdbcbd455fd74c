//! SQLite column types as written.
//!
//! Why: SQLite takes any run of words as a type name (`BLOB SUB_TYPE TEXT`, `UNSIGNED BIG INT`) and reports it
//! back verbatim in `pragma table_info`, while sqlparser accepts only the types it knows. So before parsing a
//! SQLite `CREATE TABLE`, each column's type is turned into one quoted identifier holding its text; sqlparser
//! then sees a custom type, and the catalog gets exactly what SQLite would report.

use sqlparser::ast::{DataType, ObjectName};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// Words that end a column type: the starts of column constraints.
const CONSTRAINT_STARTS: &[Keyword] = &[
    Keyword::CONSTRAINT,
    Keyword::PRIMARY,
    Keyword::NOT,
    Keyword::NULL,
    Keyword::UNIQUE,
    Keyword::CHECK,
    Keyword::DEFAULT,
    Keyword::COLLATE,
    Keyword::REFERENCES,
    Keyword::GENERATED,
    Keyword::AS,
];

/// Words that start a table constraint instead of a column.
const TABLE_CONSTRAINTS: &[Keyword] =
    &[Keyword::CONSTRAINT, Keyword::PRIMARY, Keyword::UNIQUE, Keyword::CHECK, Keyword::FOREIGN];

/// `CREATE TABLE` text with every column type quoted (and commas between table constraints where SQLite lets
/// them be left out); `None` when there is nothing to change or the text is not a plain column list.
pub(super) fn quote_types(text: &str) -> Option<String> {
    let tokens = Tokenizer::new(&SQLiteDialect {}, text).tokenize_with_location().ok()?;
    let tokens: Vec<&TokenWithSpan> = tokens.iter().filter(|t| !matches!(t.token, Token::Whitespace(_))).collect();
    let open = tokens.iter().position(|t| t.token == Token::LParen)?;
    if tokens[..open].iter().any(|t| matches!(&t.token, Token::Word(w) if w.keyword == Keyword::AS)) {
        return None;
    }
    let offsets = Offsets::new(text);
    let mut replacements: Vec<(usize, usize, String)> = Vec::new();
    let mut i = open + 1;
    while i < tokens.len() {
        // One element of the list: a column definition or a table constraint.
        let is_table_constraint = matches!(&tokens[i].token, Token::Word(w) if TABLE_CONSTRAINTS.contains(&w.keyword) && w.quote_style.is_none());
        if !is_table_constraint && matches!(tokens[i].token, Token::Word(_)) {
            let start = i + 1;
            let mut end = start;
            while let Some(Token::Word(w)) = tokens.get(end).map(|t| &t.token) {
                if w.quote_style.is_none() && CONSTRAINT_STARTS.contains(&w.keyword) {
                    break;
                }
                end += 1;
            }
            if end > start && tokens.get(end).is_some_and(|t| t.token == Token::LParen) {
                end = closing(&tokens, end)? + 1;
            }
            if end > start {
                let from = offsets.of(tokens[start].span.start)?;
                let to = offsets.of(tokens[end - 1].span.end)?;
                let written = declared(&tokens[start..end], text.get(from..to)?);
                if !written.contains('"') {
                    replacements.push((from, to, format!("\"{written}\"")));
                }
            }
            i = end;
        }
        // Skip to the next element. SQLite lets table constraints follow each other without commas
        // (`FOREIGN KEY (a) REFERENCES t (a) FOREIGN KEY ...`); sqlparser wants them, so they are added.
        let mut body = match &tokens.get(i).map(|t| &t.token) {
            Some(Token::Word(w)) if is_table_constraint && w.keyword == Keyword::CONSTRAINT => i + 2,
            _ => i,
        };
        let mut depth = 0usize;
        while let Some(token) = tokens.get(i) {
            match &token.token {
                Token::LParen => depth += 1,
                Token::RParen if depth == 0 => break,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => break,
                Token::Word(w)
                    if is_table_constraint
                        && depth == 0
                        && i > body
                        && w.quote_style.is_none()
                        && TABLE_CONSTRAINTS.contains(&w.keyword) =>
                {
                    let at = offsets.of(token.span.start)?;
                    replacements.push((at, at, ", ".to_owned()));
                    body = if w.keyword == Keyword::CONSTRAINT { i + 2 } else { i };
                }
                _ => {}
            }
            i += 1;
        }
        if tokens.get(i).is_none_or(|t| t.token == Token::RParen) {
            break;
        }
        i += 1;
    }
    if replacements.is_empty() {
        return None;
    }
    let mut out = text.to_owned();
    for (from, to, replacement) in replacements.into_iter().rev() {
        out.replace_range(from..to, &replacement);
    }
    Some(out)
}

/// The type as SQLite records it: the source text, with a quoted single name unquoted.
fn declared(tokens: &[&TokenWithSpan], source: &str) -> String {
    match tokens {
        [only] => match &only.token {
            Token::Word(w) if w.quote_style.is_some() => w.value.clone(),
            _ => source.to_owned(),
        },
        _ => source.to_owned(),
    }
}

/// Index of the `)` closing the `(` at `open`.
fn closing(tokens: &[&TokenWithSpan], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The type name of a column parsed from [`quote_types`] output, spelled as SQLite reports it (the standard
/// names `INT`, `INTEGER`, `REAL`, `TEXT`, `BLOB`, `ANY` in upper case).
pub(super) fn type_name(data_type: &DataType) -> String {
    let written = match data_type {
        DataType::Custom(ObjectName(parts), modifiers) if modifiers.is_empty() && parts.len() == 1 => {
            match parts[0].as_ident() {
                Some(ident) => ident.value.clone(),
                None => data_type.to_string(),
            }
        }
        DataType::Unspecified => String::new(),
        other => other.to_string(),
    };
    let standard = ["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"];
    match standard.iter().find(|s| s.eq_ignore_ascii_case(&written)) {
        Some(name) => (*name).to_owned(),
        None => written,
    }
}

/// Line/column (1-based, in characters) to byte offsets.
struct Offsets<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, line_starts }
    }

    fn of(&self, location: Location) -> Option<usize> {
        let line_start = *self.line_starts.get(usize::try_from(location.line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(location.column).ok()?.checked_sub(1)?;
        let line = &self.text[line_start..];
        match line.char_indices().nth(column) {
            Some((offset, _)) => Some(line_start + offset),
            None if line.chars().count() == column => Some(self.text.len()),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_become_quoted_names() {
        let sql = "CREATE TABLE t (\n  a BLOB   SUB_TYPE TEXT DEFAULT NULL,\n  [b] varchar ( 10 ) NOT NULL, c, \
                   d \"my type\" PRIMARY KEY,\n  CONSTRAINT k UNIQUE (a, b), e DECIMAL(4, 2))";
        assert_eq!(
            quote_types(sql).as_deref(),
            Some(
                "CREATE TABLE t (\n  a \"BLOB   SUB_TYPE TEXT\" DEFAULT NULL,\n  [b] \"varchar ( 10 )\" NOT NULL, c, \
                 d \"my type\" PRIMARY KEY,\n  CONSTRAINT k UNIQUE (a, b), e \"DECIMAL(4, 2)\")"
            )
        );
        assert_eq!(quote_types("CREATE TABLE t AS SELECT 1 AS x"), None);
        let sql = "CREATE TABLE c (a INT, b INT, FOREIGN KEY (a) REFERENCES t(a)\nCONSTRAINT k FOREIGN KEY (b) REFERENCES u \
                   CHECK (a > 0) PRIMARY KEY (a))";
        assert_eq!(
            quote_types(sql).as_deref(),
            Some(
                "CREATE TABLE c (a \"INT\", b \"INT\", FOREIGN KEY (a) REFERENCES t(a)\n, CONSTRAINT k FOREIGN KEY (b) \
                 REFERENCES u , CHECK (a > 0) , PRIMARY KEY (a))"
            )
        );
    }
}
