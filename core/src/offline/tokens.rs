//! Question tokens: words, numbers, quoted strings and punctuation, each with the forms matching needs.

use crate::words::singular;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Word,
    Number,
    Quoted,
    Punct,
}

/// One token of a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// As written (the inside of a quoted string).
    pub(crate) text: String,
    /// Lower case; numbers normalised (`300,000` → `300000`, `five` → `5`); possessive `'s` dropped.
    pub(crate) lower: String,
    /// Singular of `lower`, for schema matching.
    pub(crate) norm: String,
    pub(crate) kind: Kind,
    /// Starts with an upper-case letter (quoted strings count as capitalised).
    pub(crate) capital: bool,
    /// Preceded by white space (to print a span as written).
    pub(crate) spaced: bool,
}

impl Token {
    fn new(text: String, kind: Kind) -> Self {
        let mut lower = text.to_lowercase();
        if kind == Kind::Word {
            for possessive in ["'s", "’s"] {
                if lower.len() > possessive.len() + 1 && lower.ends_with(possessive) {
                    lower.truncate(lower.len() - possessive.len());
                }
            }
        }
        let mut kind = kind;
        if kind == Kind::Number {
            lower.retain(|c| c != ',');
        } else if kind == Kind::Word
            && let Some(n) = number_word(&lower)
        {
            kind = Kind::Number;
            lower = n.to_string();
        }
        let norm = if kind == Kind::Word { singular(&lower) } else { lower.clone() };
        let capital = kind == Kind::Quoted || text.chars().next().is_some_and(char::is_uppercase);
        Self { text, lower, norm, kind, capital, spaced: false }
    }
}

fn number_word(word: &str) -> Option<u32> {
    const WORDS: &[&str] = &[
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    let position = WORDS.iter().position(|w| *w == word)?;
    u32::try_from(position + 1).ok()
}

/// Splits a question into tokens.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let spaced = i > 0 && chars[i - 1].is_whitespace();
        if let Some(end) = quoted_end(&chars, i) {
            let inner: String = chars[i + 1..end].iter().collect();
            if !inner.trim().is_empty() {
                tokens.push(Token { spaced, ..Token::new(inner.trim().to_owned(), Kind::Quoted) });
            }
            i = end + 1;
            continue;
        }
        let start = i;
        let kind = if c.is_ascii_digit() {
            i += 1;
            let mut dot = false;
            loop {
                match at(i) {
                    Some(d) if d.is_ascii_digit() => i += 1,
                    Some('.') if !dot && at(i + 1).is_some_and(|d| d.is_ascii_digit()) => {
                        dot = true;
                        i += 1;
                    }
                    Some(',')
                        if !dot
                            && (1..=3).all(|k| at(i + k).is_some_and(|d| d.is_ascii_digit()))
                            && !at(i + 4).is_some_and(|d| d.is_ascii_digit()) =>
                    {
                        i += 1
                    }
                    _ => break,
                }
            }
            if at(i).is_some_and(char::is_alphabetic) {
                i = word_end(&chars, i);
                Kind::Word
            } else {
                Kind::Number
            }
        } else if c.is_alphanumeric() {
            i = word_end(&chars, i);
            Kind::Word
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            i += if [">=", "<=", "<>", "!="].contains(&two.as_str()) { 2 } else { 1 };
            Kind::Punct
        };
        tokens.push(Token { spaced, ..Token::new(chars[start..i].iter().collect(), kind) });
    }
    tokens
}

/// A span of tokens as written ("AC/DC", "Guns N' Roses").
pub(crate) fn spelled(tokens: &[Token]) -> String {
    let mut text = String::new();
    for (k, t) in tokens.iter().enumerate() {
        if k > 0 && t.spaced {
            text.push(' ');
        }
        text.push_str(&t.text);
    }
    text
}

/// End (exclusive) of a word starting at or continuing from `i`: letters and digits, with inner apostrophes
/// and hyphens ("O'Brien", "e-mail").
fn word_end(chars: &[char], mut i: usize) -> usize {
    while let Some(&c) = chars.get(i) {
        let inner = matches!(c, '\'' | '’' | '-')
            && i > 0
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
            && chars[i - 1].is_alphanumeric();
        if c.is_alphanumeric() || inner {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// If `chars[i]` opens a quoted string, the index of its closing quote.
fn quoted_end(chars: &[char], i: usize) -> Option<usize> {
    let close = match chars[i] {
        '"' => '"',
        '“' => '”',
        '‘' => '’',
        '\'' | '`' => chars[i],
        _ => return None,
    };
    let opens = i == 0 || chars[i - 1].is_whitespace() || matches!(chars[i - 1], '(' | '[' | ':' | '=');
    if !opens {
        return None;
    }
    (i + 1..chars.len()).find(|&j| {
        chars[j] == close && (close == '"' || close == '”' || chars.get(j + 1).is_none_or(|n| !n.is_alphanumeric()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowers(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.lower).collect()
    }

    #[test]
    fn words_numbers_and_punctuation() {
        assert_eq!(lowers("Tracks longer than 300,000 ms?"), ["tracks", "longer", "than", "300000", "ms", "?"]);
        assert_eq!(lowers("top five AC/DC albums"), ["top", "5", "ac", "/", "dc", "albums"]);
        assert_eq!(lowers("the artist's albums"), ["the", "artist", "albums"]);
        assert_eq!(lowers("price >= 0.99"), ["price", ">=", "0.99"]);
        let t = tokenize("Guns N' Roses");
        assert_eq!(t.iter().map(|t| t.kind).collect::<Vec<_>>(), [Kind::Word, Kind::Word, Kind::Punct, Kind::Word]);
        assert_eq!(tokenize("tracks")[0].norm, "track");
        assert!(tokenize("Brazil")[0].capital);
        assert_eq!(spelled(&tokenize("Guns N' Roses")), "Guns N' Roses");
        assert_eq!(spelled(&tokenize("AC/DC")), "AC/DC");
    }

    #[test]
    fn quoted_strings_are_one_token() {
        let t = tokenize("albums named 'Let There Be Rock' and \"Big Ones\"");
        let quoted: Vec<&str> = t.iter().filter(|t| t.kind == Kind::Quoted).map(|t| t.text.as_str()).collect();
        assert_eq!(quoted, ["Let There Be Rock", "Big Ones"]);
        // An apostrophe inside a word opens nothing.
        assert!(tokenize("the customer's 'x'").iter().any(|t| t.kind == Kind::Quoted && t.text == "x"));
    }
}
