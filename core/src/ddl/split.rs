//! Splits a dump into statements without parsing them.
//!
//! Why not hand the whole file to sqlparser: real dumps mix SQL with things no SQL parser takes — psql
//! meta-commands (`\connect`), `COPY ... FROM stdin` data blocks ending in `\.`, function bodies in dollar
//! quotes, MySQL `DELIMITER` lines. One bad statement must not sink the rest, so the splitter only knows
//! enough lexical structure (quotes, comments, dollar quotes, `BEGIN ... END` bodies) to find statement ends.

use crate::catalog::Dialect;

/// One statement or client command of a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Piece<'a> {
    /// Byte offset of its first character in the input.
    pub(super) start: usize,
    /// Its text, without the terminating delimiter.
    pub(super) text: &'a str,
    /// A client-side command (psql `\c`, MySQL `DELIMITER`, sqlite3 `.mode`) rather than SQL.
    pub(super) client: bool,
}

/// Splits `text` into pieces in input order; empty statements are dropped.
pub(super) fn split(text: &str, dialect: Dialect) -> Vec<Piece<'_>> {
    let mut splitter = Splitter {
        src: text,
        bytes: text.as_bytes(),
        pos: 0,
        dialect,
        delimiter: ";".to_owned(),
        standard_strings: true,
        pieces: Vec::new(),
    };
    splitter.run();
    splitter.pieces
}

/// The first `n` words of a statement, upper-cased, skipping blanks and comments; stops at the first
/// character that is neither.
pub(super) fn leading_words(text: &str, n: usize) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut words = Vec::new();
    while words.len() < n {
        pos = skip_blank(bytes, pos, true);
        let end = word_end(bytes, pos);
        if end == pos {
            break;
        }
        words.push(text[pos..end].to_ascii_uppercase());
        pos = end;
    }
    words
}

/// A token of [`tokens`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    /// An unquoted word, as written.
    Word(String),
    /// A quoted identifier, unquoted.
    Quoted(String),
    /// Any other character outside strings and comments.
    Punct(char),
}

/// The first `limit` tokens of a statement (strings and comments are skipped): enough to find the name a
/// statement is about without parsing it.
pub(super) fn tokens(text: &str, limit: usize) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut out = Vec::new();
    while out.len() < limit {
        pos = skip_blank(bytes, pos, true);
        let Some(&b) = bytes.get(pos) else { break };
        let close = match b {
            b'"' => Some(b'"'),
            b'`' => Some(b'`'),
            b'[' => Some(b']'),
            _ => None,
        };
        if let Some(close) = close {
            let start = pos + 1;
            let end = bytes[start..].iter().position(|&c| c == close).map_or(bytes.len(), |i| start + i);
            out.push(Token::Quoted(text[start..end].to_owned()));
            pos = end + 1;
        } else if b == b'\'' {
            pos = bytes[pos + 1..].iter().position(|&c| c == b'\'').map_or(bytes.len(), |i| pos + i + 2);
        } else if is_word_start(b) {
            let end = word_end(bytes, pos);
            out.push(Token::Word(text[pos..end].to_owned()));
            pos = end;
        } else {
            let c = text[pos..].chars().next().unwrap_or(' ');
            out.push(Token::Punct(c));
            pos += c.len_utf8();
        }
    }
    out
}

/// The dotted name after the first occurrence of the word `keyword` (skipping `IF [NOT] EXISTS` and `ONLY`),
/// as (name, quoted) parts.
pub(super) fn name_after(text: &str, keyword: &str) -> Option<Vec<(String, bool)>> {
    let tokens = tokens(text, 40);
    let is_word = |t: &Token, w: &str| matches!(t, Token::Word(x) if x.eq_ignore_ascii_case(w));
    let mut i = tokens.iter().position(|t| is_word(t, keyword))? + 1;
    while tokens.get(i).is_some_and(|t| ["IF", "NOT", "EXISTS", "ONLY"].iter().any(|w| is_word(t, w))) {
        i += 1;
    }
    let mut parts = Vec::new();
    loop {
        match tokens.get(i)? {
            Token::Word(w) => parts.push((w.clone(), false)),
            Token::Quoted(q) => parts.push((q.clone(), true)),
            Token::Punct(_) => return None,
        }
        if tokens.get(i + 1) != Some(&Token::Punct('.')) {
            return Some(parts);
        }
        i += 2;
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// End of the word starting at `pos` (`pos` itself when there is none).
fn word_end(bytes: &[u8], pos: usize) -> usize {
    if !bytes.get(pos).copied().is_some_and(is_word_start) {
        return pos;
    }
    let mut end = pos + 1;
    while bytes.get(end).copied().is_some_and(is_word_byte) {
        end += 1;
    }
    end
}

/// Skips whitespace, `--` comments and `/* */` comments (nested when `nested`).
fn skip_blank(bytes: &[u8], mut pos: usize, nested: bool) -> usize {
    loop {
        match (bytes.get(pos), bytes.get(pos + 1)) {
            (Some(b), _) if b.is_ascii_whitespace() => pos += 1,
            (Some(b'-'), Some(b'-')) => pos = line_end(bytes, pos),
            (Some(b'/'), Some(b'*')) => pos = block_comment_end(bytes, pos, nested),
            _ => return pos,
        }
    }
}

/// Position of the `\n` ending the line that contains `pos` (or the end of input).
fn line_end(bytes: &[u8], pos: usize) -> usize {
    bytes[pos..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |i| pos + i)
}

/// Position just after the `/* ... */` comment starting at `pos`.
fn block_comment_end(bytes: &[u8], mut pos: usize, nested: bool) -> usize {
    let mut depth = 0usize;
    while pos < bytes.len() {
        match (bytes[pos], bytes.get(pos + 1)) {
            (b'/', Some(b'*')) if depth == 0 || nested => {
                depth += 1;
                pos += 2;
            }
            (b'*', Some(b'/')) => {
                pos += 2;
                depth -= 1;
                if depth == 0 {
                    return pos;
                }
            }
            _ => pos += 1,
        }
    }
    bytes.len()
}

struct Splitter<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    dialect: Dialect,
    delimiter: String,
    /// PostgreSQL `standard_conforming_strings`: when off, backslashes escape in every `'...'` string.
    standard_strings: bool,
    pieces: Vec<Piece<'a>>,
}

impl<'a> Splitter<'a> {
    fn run(&mut self) {
        loop {
            self.pos = skip_blank(self.bytes, self.pos, self.dialect == Dialect::Postgres);
            if self.pos >= self.bytes.len() {
                return;
            }
            if self.client_command() {
                continue;
            }
            let start = self.pos;
            let end = self.scan_statement();
            let text = self.src[start..end].trim_end();
            if text.is_empty() {
                continue;
            }
            self.pieces.push(Piece { start, text, client: false });
            self.after_statement(text);
        }
    }

    /// Consumes a client command line at the current position, if there is one.
    fn client_command(&mut self) -> bool {
        let start = self.pos;
        let rest = &self.src[start..];
        let is_command = match self.dialect {
            Dialect::Postgres => rest.starts_with('\\'),
            Dialect::Sqlite => rest.starts_with('.'),
            Dialect::Mysql => {
                rest.get(..9).is_some_and(|w| w.eq_ignore_ascii_case("delimiter"))
                    && rest.as_bytes().get(9).is_some_and(u8::is_ascii_whitespace)
            }
        };
        if !is_command {
            return false;
        }
        let end = line_end(self.bytes, start);
        let text = self.src[start..end].trim_end();
        if self.dialect == Dialect::Mysql
            && let Some(delimiter) = text[9..].split_whitespace().next()
        {
            delimiter.clone_into(&mut self.delimiter);
        }
        self.pieces.push(Piece { start, text, client: true });
        self.pos = end;
        true
    }

    /// Scans from the current position to the end of the statement; returns the end of its text and leaves
    /// `pos` after the delimiter.
    fn scan_statement(&mut self) -> usize {
        let block_body = self.has_block_body();
        let mut depth = 0usize;
        // Like psql, a `;` inside parentheses does not end a PostgreSQL statement (`CREATE RULE ... DO (a; b)`).
        let mut parens = 0usize;
        let custom = self.delimiter != ";";
        while self.pos < self.bytes.len() {
            if custom && self.bytes[self.pos..].starts_with(self.delimiter.as_bytes()) {
                let end = self.pos;
                self.pos += self.delimiter.len();
                return end;
            }
            let b = self.bytes[self.pos];
            let next = self.bytes.get(self.pos + 1).copied();
            match b {
                b'\'' => self.skip_quoted(b'\'', self.dialect == Dialect::Mysql || !self.standard_strings),
                b'"' => self.skip_quoted(b'"', self.dialect == Dialect::Mysql),
                b'`' if self.dialect != Dialect::Postgres => self.skip_quoted(b'`', false),
                b'[' if self.dialect == Dialect::Sqlite => {
                    self.pos = self.bytes[self.pos..]
                        .iter()
                        .position(|&c| c == b']')
                        .map_or(self.bytes.len(), |i| self.pos + i + 1);
                }
                b'$' if self.dialect == Dialect::Postgres => self.skip_dollar_quoted(),
                b'-' if next == Some(b'-') => self.pos = line_end(self.bytes, self.pos),
                b'#' if self.dialect == Dialect::Mysql => self.pos = line_end(self.bytes, self.pos),
                b'/' if next == Some(b'*') => {
                    self.pos = block_comment_end(self.bytes, self.pos, self.dialect == Dialect::Postgres);
                }
                b'(' | b')' if self.dialect == Dialect::Postgres => {
                    parens = if b == b'(' { parens + 1 } else { parens.saturating_sub(1) };
                    self.pos += 1;
                }
                b';' if !custom => {
                    if (block_body && depth > 0) || parens > 0 {
                        self.pos += 1;
                    } else {
                        let end = self.pos;
                        self.pos += 1;
                        return end;
                    }
                }
                b if is_word_start(b) => {
                    let end = word_end(self.bytes, self.pos);
                    let word = &self.src[self.pos..end];
                    self.pos = end;
                    if block_body {
                        if word.eq_ignore_ascii_case("begin") || word.eq_ignore_ascii_case("case") {
                            depth += 1;
                        } else if word.eq_ignore_ascii_case("end") {
                            depth = depth.saturating_sub(1);
                        }
                    }
                    // PostgreSQL escape strings: E'it\'s'.
                    if word.eq_ignore_ascii_case("e") && self.bytes.get(self.pos) == Some(&b'\'') {
                        self.skip_quoted(b'\'', true);
                    }
                }
                _ => self.pos += 1,
            }
        }
        self.bytes.len()
    }

    /// Whether the statement at `pos` has a body whose `;`s do not end it: a SQLite trigger
    /// (`BEGIN ... END`) or a PostgreSQL function with a `BEGIN ATOMIC ... END` body.
    fn has_block_body(&self) -> bool {
        let words = leading_words(&self.src[self.pos..], 4);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match self.dialect {
            Dialect::Sqlite => {
                matches!(words.as_slice(), ["CREATE", "TRIGGER", ..] | ["CREATE", "TEMP" | "TEMPORARY", "TRIGGER", ..])
            }
            Dialect::Postgres => matches!(
                words.as_slice(),
                ["CREATE", "FUNCTION" | "PROCEDURE", ..] | ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE"]
            ),
            Dialect::Mysql => false,
        }
    }

    /// Skips a quoted string or identifier starting at `pos`; a doubled quote is an escaped quote.
    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        self.pos += 1;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if backslash && b == b'\\' {
                self.pos += 2;
            } else if b == quote {
                self.pos += 1;
                if self.bytes.get(self.pos) != Some(&quote) {
                    return;
                }
                self.pos += 1;
            } else {
                self.pos += 1;
            }
        }
        self.pos = self.bytes.len();
    }

    /// Skips `$tag$ ... $tag$` when `pos` opens a dollar quote, else just the `$`.
    fn skip_dollar_quoted(&mut self) {
        let tag_start = self.pos + 1;
        let mut tag_end = tag_start;
        if self.bytes.get(tag_end).copied().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b >= 0x80) {
            while self.bytes.get(tag_end).copied().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
            {
                tag_end += 1;
            }
        }
        if self.bytes.get(tag_end) != Some(&b'$') {
            self.pos += 1;
            return;
        }
        let tag = &self.src[self.pos..=tag_end];
        let body = tag_end + 1;
        self.pos = self.src[body..].find(tag).map_or(self.bytes.len(), |i| body + i + tag.len());
    }

    /// Follow-ups a statement needs: skipping a `COPY ... FROM stdin` data block, tracking
    /// `standard_conforming_strings`.
    fn after_statement(&mut self, text: &str) {
        if self.dialect != Dialect::Postgres {
            return;
        }
        let first = leading_words(text, 1);
        match first.first().map(String::as_str) {
            Some("COPY") => {
                let upper = text.to_ascii_uppercase();
                let words: Vec<&str> = upper.split_whitespace().collect();
                if words.windows(2).any(|w| w == ["FROM", "STDIN"]) {
                    self.skip_copy_data();
                }
            }
            Some("SET") => {
                let upper = text.to_ascii_uppercase();
                if upper.contains("STANDARD_CONFORMING_STRINGS") {
                    self.standard_strings = !(upper.contains("OFF") || upper.contains("FALSE"));
                }
            }
            _ => {}
        }
    }

    /// Skips the rest of the COPY line and the data lines up to and including the `\.` line.
    fn skip_copy_data(&mut self) {
        let mut pos = line_end(self.bytes, self.pos);
        while pos < self.bytes.len() {
            let start = pos + 1;
            let end = line_end(self.bytes, start.min(self.bytes.len()));
            let line = self.src.get(start..end).unwrap_or("");
            pos = end;
            if line.trim_end_matches('\r') == "\\." {
                break;
            }
        }
        self.pos = pos.min(self.bytes.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str, dialect: Dialect) -> Vec<(usize, &str, bool)> {
        split(text, dialect).into_iter().map(|p| (p.start, p.text, p.client)).collect()
    }

    #[test]
    fn quotes_and_comments_hide_semicolons() {
        let sql = "-- a; comment\nCREATE TABLE \"a;b\" (x text DEFAULT 'it''s; here' /* ; */);\n  SELECT 1 ;";
        let pieces = texts(sql, Dialect::Postgres);
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].1, "CREATE TABLE \"a;b\" (x text DEFAULT 'it''s; here' /* ; */)");
        assert_eq!(pieces[1].1, "SELECT 1");
    }

    #[test]
    fn dollar_quotes_copy_blocks_and_meta_commands() {
        let sql = "\\connect db\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $x$ $body$ LANGUAGE sql;\n\
                   COPY t (a) FROM stdin;\n1;2\n\\.\nSELECT $1;";
        let pieces = texts(sql, Dialect::Postgres);
        let kinds: Vec<(&str, bool)> = pieces.iter().map(|p| (p.1, p.2)).collect();
        assert_eq!(
            kinds,
            [
                ("\\connect db", true),
                ("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $x$ $body$ LANGUAGE sql", false),
                ("COPY t (a) FROM stdin", false),
                ("SELECT $1", false),
            ]
        );
    }

    #[test]
    fn semicolons_in_parentheses_do_not_end_postgres_statements() {
        let sql = "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;";
        let pieces = texts(sql, Dialect::Postgres);
        assert_eq!(pieces.len(), 2);
        assert!(pieces[0].1.ends_with("VALUES (2))"));
    }

    #[test]
    fn backslash_escapes_follow_the_dialect_and_settings() {
        let sql = "SET standard_conforming_strings = off;\nSELECT 'a\\';b';SELECT E'c\\';d';";
        assert_eq!(texts(sql, Dialect::Postgres).len(), 3);
        assert_eq!(texts("SELECT 'a\\';b';", Dialect::Mysql).len(), 1);
        assert_eq!(texts("SELECT 'a\\';b';", Dialect::Sqlite).len(), 2);
    }

    #[test]
    fn trigger_bodies_and_delimiters() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 END; END;\nSELECT 1;";
        let pieces = texts(sql, Dialect::Sqlite);
        assert_eq!(pieces.len(), 2);
        assert!(pieces[0].1.ends_with("END; END"));
        let sql = "DELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END;;\nDELIMITER ;\nSELECT 1;";
        let pieces = texts(sql, Dialect::Mysql);
        let kinds: Vec<bool> = pieces.iter().map(|p| p.2).collect();
        assert_eq!(kinds, [true, false, true, false]);
        assert!(pieces[1].1.ends_with("END"));
    }

    #[test]
    fn names_after_keywords() {
        let name = name_after("CREATE SEQUENCE IF NOT EXISTS public.\"My Seq\" START 1", "SEQUENCE");
        assert_eq!(name, Some(vec![("public".to_owned(), false), ("My Seq".to_owned(), true)]));
        let name = name_after("ALTER TABLE ONLY p ATTACH PARTITION p_2024 FOR VALUES", "PARTITION");
        assert_eq!(name, Some(vec![("p_2024".to_owned(), false)]));
        assert_eq!(name_after("CREATE VIEW v AS SELECT 1", "SEQUENCE"), None);
    }

    #[test]
    fn leading_words_skip_comments() {
        assert_eq!(leading_words("/* x */ create -- y\n unique index i on t", 3), ["CREATE", "UNIQUE", "INDEX"]);
        assert_eq!(leading_words("COMMIT; CREATE", 3), ["COMMIT"]);
    }
}
