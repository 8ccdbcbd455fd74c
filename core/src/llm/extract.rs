//! The SQL in a model's answer: models fence it (```sql … ```), wrap it in prose ("Here is the query: SELECT …
//! This returns …"), or answer with the bare statement.

/// The SQL statement in `answer`, without a trailing semicolon; `None` when it holds none.
pub fn sql(answer: &str) -> Option<String> {
    fenced(answer)
        .or_else(|| bare(answer))
        .map(|s| s.trim().trim_end_matches(';').trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The first fenced block that reads as SQL (``` or ~~~, any info string).
fn fenced(answer: &str) -> Option<&str> {
    let mut rest = answer;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let body_start = after.find('\n').map_or(after.len(), |i| i + 1);
        let info = after[..body_start].trim();
        let body = &after[body_start..];
        let close = body.find("```")?;
        let block = &body[..close];
        let sql_info = info.is_empty() || info.eq_ignore_ascii_case("sql") || info.to_ascii_lowercase().contains("sql");
        if sql_info && starts_like_sql(block.trim_start()) {
            return Some(block);
        }
        rest = &body[close + 3..];
    }
    None
}

/// A statement written in prose: from the first line-leading (or sentence-leading) SELECT/WITH keyword to the
/// first semicolon, or the first blank line, or the end.
fn bare(answer: &str) -> Option<&str> {
    let start = keyword_start(answer)?;
    let text = &answer[start..];
    let end = [text.find(';'), text.find("\n\n"), text.find("\n```")].into_iter().flatten().min().unwrap_or(text.len());
    Some(&text[..end])
}

fn keyword_start(answer: &str) -> Option<usize> {
    let bytes = answer.as_bytes();
    (0..answer.len()).find(|&i| {
        if !answer.is_char_boundary(i) || !starts_like_sql(&answer[i..]) {
            return false;
        }
        // At the start of a line any case counts; inside a sentence only the upper-case keyword does ("you can
        // select …" is prose).
        let line_start = answer[..i].rsplit('\n').next().is_some_and(|l| l.trim().is_empty());
        let upper = answer[i..].starts_with("SELECT") || answer[i..].starts_with("WITH");
        line_start || (upper && matches!(bytes[i - 1], b' ' | b':' | b'`' | b'\t' | b'('))
    })
}

/// `SELECT …`, or `WITH name [(…)] AS (` (a common table expression, not the English word).
fn starts_like_sql(text: &str) -> bool {
    let word: String = text.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let Some(next) = text[word.len()..].chars().next() else { return false };
    if !(next.is_whitespace() || next == '*' || next == '(') {
        return false;
    }
    if word.eq_ignore_ascii_case("select") {
        return true;
    }
    if !word.eq_ignore_ascii_case("with") {
        return false;
    }
    let head: String = text.chars().take(200).collect::<String>().to_ascii_lowercase();
    let mut words = head[4..].split_whitespace();
    let first = words.next().unwrap_or_default();
    let name = if first == "recursive" { words.next().unwrap_or_default() } else { first };
    let name: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '"').collect();
    !name.is_empty() && (head.contains(" as (") || head.contains(" as("))
}

#[cfg(test)]
mod tests {
    use super::sql;

    #[test]
    fn finds_fenced_prose_and_bare_sql() {
        assert_eq!(sql("```sql\nSELECT 1;\n```").as_deref(), Some("SELECT 1"));
        assert_eq!(sql("Sure!\n```\nselect name from artist\n```\nDone.").as_deref(), Some("select name from artist"));
        assert_eq!(
            sql("```python\nprint(1)\n```\n```sql\nWITH t AS (SELECT 1) SELECT * FROM t\n```").as_deref(),
            Some("WITH t AS (SELECT 1) SELECT * FROM t")
        );
        assert_eq!(
            sql("Here is the query: SELECT Title FROM Album WHERE AlbumId = 3; It returns one row.").as_deref(),
            Some("SELECT Title FROM Album WHERE AlbumId = 3")
        );
        assert_eq!(
            sql("The answer:\n\nSELECT a\nFROM t\nWHERE b = 1\n\nThis filters on b.").as_deref(),
            Some("SELECT a\nFROM t\nWHERE b = 1")
        );
        assert_eq!(sql("SELECT COUNT(*) FROM t").as_deref(), Some("SELECT COUNT(*) FROM t"));
    }

    #[test]
    fn prose_words_are_not_sql() {
        assert_eq!(sql("I cannot select a table for that; please rephrase."), None);
        assert_eq!(sql("With pleasure, but which database?"), None);
        assert_eq!(sql(""), None);
        assert_eq!(sql("```sql\n\n```"), None);
    }
}
