//! Word-level look-around over a question's tokens: the word at a position, whether a phrase precedes a
//! position (articles skipped), the next or previous word outside a skip list.

use super::tokens::{Kind, Token};

/// Words skipped when looking for the phrase before a mention ("the most albums", "their genre").
pub(super) const ARTICLES: &[&str] = &["the", "a", "an", "their", "its", "his", "her", "all", "any"];

/// Word-level look-around over the question's tokens.
pub(super) struct Scan<'a> {
    pub(super) tokens: &'a [Token],
}

impl Scan<'_> {
    pub(super) fn word(&self, i: usize) -> &str {
        self.tokens.get(i).filter(|t| t.kind != Kind::Quoted).map_or("", |t| t.lower.as_str())
    }

    /// Whether the words before `start` (articles skipped) end with `pattern`.
    pub(super) fn before(&self, start: usize, pattern: &[&str]) -> bool {
        let mut i = start;
        for want in pattern.iter().rev() {
            loop {
                let Some(j) = i.checked_sub(1) else {
                    return false;
                };
                i = j;
                if !ARTICLES.contains(&self.word(i)) || self.word(i) == *want {
                    break;
                }
            }
            if self.word(i) != *want {
                return false;
            }
        }
        true
    }

    /// Index of the first token at or after `i` that is not in `skip`.
    pub(super) fn next(&self, mut i: usize, skip: &[&str]) -> usize {
        while i < self.tokens.len() && skip.contains(&self.word(i)) {
            i += 1;
        }
        i
    }

    /// Index of the last token before `i` that is not in `skip`.
    pub(super) fn prev(&self, mut i: usize, skip: &[&str]) -> Option<usize> {
        loop {
            i = i.checked_sub(1)?;
            if !skip.contains(&self.word(i)) {
                return Some(i);
            }
        }
    }

    pub(super) fn number(&self, i: usize) -> Option<&str> {
        self.tokens.get(i).filter(|t| t.kind == Kind::Number).map(|t| t.lower.as_str())
    }
}
