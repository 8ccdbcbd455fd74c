//! The prompt: the task and dialect rules, the linked skeleton (with example values from statistics), few-shot
//! golden examples, the conversation so far; and the correction message that sends a rejected answer back.

use crate::catalog::Dialect;
use crate::golden::Example;

/// What goes into the system message.
#[derive(Debug, Clone, Copy)]
pub struct Parts<'a> {
    /// The database's dialect.
    pub dialect: Dialect,
    /// The linked skeleton's text.
    pub skeleton: &'a str,
    /// Few-shot examples, most similar first.
    pub examples: &'a [Example],
    /// Earlier turns of the session ([`crate::session::context`]).
    pub conversation: &'a str,
    /// The LIMIT to use when the question does not bound the rows.
    pub limit: u64,
}

fn dialect_rules(dialect: Dialect) -> (&'static str, &'static str) {
    match dialect {
        Dialect::Sqlite => (
            "SQLite",
            "dates are text: use strftime('%Y', col) and date(); concatenate with ||; no ILIKE (LIKE ignores ASCII \
             case); no RIGHT or FULL JOIN before 3.39",
        ),
        Dialect::Postgres => (
            "PostgreSQL",
            "use ILIKE for case-insensitive matching, EXTRACT/date_trunc for dates, double quotes for mixed-case \
             identifiers, || or concat() for strings",
        ),
        Dialect::Mysql => (
            "MySQL",
            "use backticks for identifiers that need quoting, YEAR()/DATE_FORMAT for dates, CONCAT() for strings",
        ),
    }
}

/// The system message.
pub fn system(parts: &Parts<'_>) -> String {
    let (name, rules) = dialect_rules(parts.dialect);
    let mut out = format!(
        "You translate questions about a database into one read-only SQL query for {name}.\n\
         Rules:\n\
         - Answer with exactly one SELECT (or WITH ... SELECT) statement in a ```sql fenced block; never write data.\n\
         - Use only the tables and columns listed below.\n\
         - {rules}.\n\
         - End with LIMIT {} unless the question asks for every row or the query returns one row.\n\
         Schema (one table per line: columns with types, PK = primary key, `-> T` = foreign key to T's column of the \
         same name, `-> T.c` to column c, e.g. = example values):\n{}\n",
        parts.limit, parts.skeleton
    );
    if !parts.examples.is_empty() {
        out.push_str("Examples:\n");
        for e in parts.examples {
            out.push_str(&format!("Question: {}\nSQL: {}\n", e.question, e.sql));
        }
    }
    if !parts.conversation.is_empty() {
        out.push_str(
            "Conversation so far (a follow-up refines the latest query; keep its filters unless told otherwise):\n",
        );
        out.push_str(parts.conversation);
    }
    out
}

/// The user message asking again after `sql` was rejected for `problem`.
pub fn correction(question: &str, sql: &str, problem: &str) -> String {
    format!(
        "{question}\n\nYour previous answer\n```sql\n{sql}\n```\nwas rejected: {problem}\nAnswer again with one corrected query."
    )
}

/// The user message of the advisor-driven rewrite: the accepted query and the bottlenecks found in it.
pub fn rewrite(question: &str, sql: &str, findings: &str) -> String {
    format!(
        "{question}\n\nYour answer\n```sql\n{sql}\n```\nis correct but slow; the performance review found:\n{findings}\n\
         Rewrite it to return exactly the same rows more cheaply (for example with sargable conditions, fewer rows \
         read, no needless work). Answer with one query."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_message_holds_rules_schema_examples_and_conversation() {
        let examples = [Example { question: "Albums?".into(), sql: "SELECT Title FROM Album".into() }];
        let text = system(&Parts {
            dialect: Dialect::Postgres,
            skeleton: "Album(AlbumId INTEGER PK, Title TEXT)",
            examples: &examples,
            conversation: "Earlier question: q\nIts SQL:\nSELECT 1\n",
            limit: 100,
        });
        for needle in [
            "PostgreSQL",
            "ILIKE",
            "LIMIT 100",
            "Album(AlbumId INTEGER PK",
            "SQL: SELECT Title FROM Album",
            "Earlier question: q",
        ] {
            assert!(text.contains(needle), "{needle} in {text}");
        }
        let fix = correction("How many?", "SELECT Nope FROM Album", "unknown column Nope");
        assert!(fix.contains("SELECT Nope FROM Album") && fix.contains("unknown column Nope"));
    }
}
