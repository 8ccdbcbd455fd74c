//! LIKE / ILIKE patterns: matching (to count sample rows and most common values), the fixed prefix (a range
//! over the histogram) and PostgreSQL's character-counting guess for the rest of the pattern.

/// Guessed selectivity of one fixed character after the prefix (PostgreSQL's `FIXED_CHAR_SEL`).
const FIXED_CHAR_SEL: f64 = 0.20;
/// Of one `_` (`ANY_CHAR_SEL`).
const ANY_CHAR_SEL: f64 = 0.9;
/// Of one `%` after a fixed character (`FULL_WILDCARD_SEL`): it undoes part of the fixed characters' effect.
const FULL_WILDCARD_SEL: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    /// `%`: any run of characters.
    Any,
    /// `_`: one character.
    One,
    /// A literal character.
    Char(char),
}

/// A parsed LIKE pattern.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pattern {
    tokens: Vec<Token>,
    /// ILIKE: letters match either case.
    case_insensitive: bool,
}

impl Pattern {
    /// Parses `pattern` with an optional escape character (LIKE's default escape is `\`).
    pub(super) fn new(pattern: &str, escape: Option<char>, case_insensitive: bool) -> Self {
        let escape = escape.unwrap_or('\\');
        let mut tokens = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            let token = match c {
                c if c == escape => Token::Char(chars.next().unwrap_or(escape)),
                '%' => Token::Any,
                '_' => Token::One,
                c => Token::Char(fold(c, case_insensitive)),
            };
            // `%%` matches what `%` does.
            if !(token == Token::Any && tokens.last() == Some(&Token::Any)) {
                tokens.push(token);
            }
        }
        Self { tokens, case_insensitive }
    }

    /// Whether `text` matches the whole pattern.
    pub(super) fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().map(|c| fold(c, self.case_insensitive)).collect();
        let (mut t, mut p) = (0, 0);
        // Where the last `%` was and the text position it is currently assumed to have consumed up to.
        let mut retry: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::Any) => {
                    retry = Some((p, t));
                    p += 1;
                }
                Some(Token::One) => {
                    t += 1;
                    p += 1;
                }
                Some(Token::Char(c)) if *c == text[t] => {
                    t += 1;
                    p += 1;
                }
                _ => match retry {
                    Some((star, at)) => {
                        retry = Some((star, at + 1));
                        p = star + 1;
                        t = at + 1;
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p.min(self.tokens.len())..].iter().all(|t| *t == Token::Any)
    }

    /// The literal text every match starts with and whether the pattern is exactly that text (no wildcards).
    /// Under ILIKE only characters without case variants count (PostgreSQL's rule).
    pub(super) fn prefix(&self) -> (String, bool) {
        let mut prefix = String::new();
        for token in &self.tokens {
            match token {
                Token::Char(c) if !self.case_insensitive || !has_case(*c) => prefix.push(*c),
                Token::Char(_) => return (prefix, false),
                Token::Any | Token::One => return (prefix, false),
            }
        }
        (prefix, true)
    }

    /// PostgreSQL's guess for the part after the prefix: fixed characters are selective, `_` slightly, a `%`
    /// after fixed characters gives some of that back; a leading `%` costs nothing.
    pub(super) fn rest_selectivity(&self) -> f64 {
        let (prefix, _) = self.prefix();
        let rest = &self.tokens[prefix.chars().count().min(self.tokens.len())..];
        let rest = rest.iter().skip_while(|t| **t == Token::Any);
        let sel = rest.fold(1.0, |sel, token| match token {
            Token::Any => sel * FULL_WILDCARD_SEL,
            Token::One => sel * ANY_CHAR_SEL,
            Token::Char(_) => sel * FIXED_CHAR_SEL,
        });
        sel.min(1.0)
    }
}

/// PostgreSQL's guess for `n` fixed characters.
pub(super) fn fixed_selectivity(n: usize) -> f64 {
    FIXED_CHAR_SEL.powi(i32::try_from(n).unwrap_or(i32::MAX))
}

/// The smallest string greater than every string starting with `prefix` (PostgreSQL's `make_greater_string`):
/// the last character incremented, dropping characters that cannot be; `None` when none can.
pub(super) fn upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn fold(c: char, case_insensitive: bool) -> char {
    if case_insensitive { c.to_lowercase().next().unwrap_or(c) } else { c }
}

fn has_case(c: char) -> bool {
    c.to_lowercase().ne(c.to_uppercase())
}
