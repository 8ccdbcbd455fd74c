//! The SQL guard against public SQL-injection payload lists (PayloadsAllTheThings, fuzzdb; vendored in
//! `tests/fixtures/sqli/`, see its SOURCES.md): every payload is placed into query templates over the Chinook
//! catalog — inside a string literal, as a number, in ORDER BY, appended raw (after the table and after
//! `WHERE 1=1`), and as the whole statement — in each dialect. Every statement the guard accepts is audited
//! independently (`guard/audit.rs`: sqlparser's visitor and this test's own rules): it must not write, stack
//! statements, sleep, read files, touch catalogs or unregistered tables, or leave without a LIMIT. A finding is a
//! bypass; there must be none.
//!
//! The counts by template and payload family are pinned in `docs/guard.md`; after an intended change regenerate
//! them with `NL2SQL_BLESS=1 cargo test -p nl2sql-core --test guard_sqli` and review the diff.

#[path = "guard/audit.rs"]
mod audit;

use nl2sql_core::catalog::{Catalog, Dialect};
use nl2sql_core::guard::{self, Settings};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (name, template): `{}` is replaced by the payload.
const TEMPLATES: &[(&str, &str)] = &[
    ("string", "SELECT name FROM artist WHERE name = '{}'"),
    ("number", "SELECT name FROM artist WHERE artistid = {}"),
    ("order_by", "SELECT name FROM artist ORDER BY {}"),
    ("appended", "SELECT name FROM artist {}"),
    ("appended_where", "SELECT name FROM artist WHERE 1=1 {}"),
    ("statement", "{}"),
];

const DIALECTS: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Payload families: one per list file (the cheat sheets: the lines of their code blocks), lines de-duplicated.
fn families() -> Vec<(String, Vec<String>)> {
    let root = fixtures().join("sqli");
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a fixture directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path.strip_prefix(&root).expect("under root").to_string_lossy().replace('\\', "/");
        let skip = ["SOURCES.md", "LICENSE", "_copyright.txt"];
        if skip.iter().any(|s| name.ends_with(s)) {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).expect("a payload file")).into_owned();
        let lines: Vec<&str> = if name.ends_with(".md") {
            let mut inside = false;
            let mut lines = Vec::new();
            for line in text.lines() {
                if line.trim_start().starts_with("```") {
                    inside = !inside;
                } else if inside {
                    lines.push(line);
                }
            }
            lines
        } else {
            text.lines().collect()
        };
        let mut payloads: Vec<String> = Vec::new();
        for line in lines {
            let line = line.trim_end();
            // `# ` starts a remark in these lists; a payload may begin with `#` (a MySQL comment) otherwise.
            if line.trim().is_empty() || line.starts_with("# ") || payloads.iter().any(|p| p == line) {
                continue;
            }
            payloads.push(line.to_owned());
        }
        if payloads.is_empty() {
            continue;
        }
        let family = name.trim_end_matches(".txt").trim_end_matches(".md").replace("payloadsallthethings/", "patt/");
        out.push((family, payloads));
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Count {
    tried: usize,
    accepted: usize,
    refused: usize,
    /// `invalid_sql` for a syntax error (most payloads: other engines' syntax, broken quoting).
    syntax: usize,
    /// `invalid_sql` or `bad_request` for the rest: unknown columns and aliases, placeholders, empty text.
    invalid: usize,
}

impl Count {
    fn add(&mut self, other: Count) {
        self.tried += other.tried;
        self.accepted += other.accepted;
        self.refused += other.refused;
        self.syntax += other.syntax;
        self.invalid += other.invalid;
    }
}

#[test]
fn no_payload_gets_past_the_guard() {
    let mut catalog: Catalog =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("chinook.catalog.json")).expect("catalog"))
            .expect("the Chinook catalog");
    let settings = Settings::default();
    let families = families();
    let payloads: usize = families.iter().map(|(_, p)| p.len()).sum();
    assert!(families.len() >= 40 && payloads >= 2400, "{} families, {payloads} payloads", families.len());
    // (family, template) -> counts over the three dialects.
    let mut counts: BTreeMap<(String, &str), Count> = BTreeMap::new();
    let mut by_dialect: BTreeMap<&str, Count> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut bypasses = Vec::new();
    for dialect in DIALECTS {
        catalog.dialect = dialect;
        let dialect_name = match dialect {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        };
        for (family, list) in &families {
            for (template_name, template) in TEMPLATES {
                let mut count = Count::default();
                for payload in list {
                    let sql = template.replace("{}", payload);
                    count.tried += 1;
                    match guard::check(&sql, dialect, &catalog, &settings) {
                        Ok(guarded) => {
                            count.accepted += 1;
                            let findings = audit::audit(&guarded.sql, dialect, &catalog, settings.max_limit);
                            if !findings.is_empty() {
                                bypasses.push(format!(
                                    "{dialect_name} {family} {template_name}: {sql}\n  -> {}\n  {findings:?}",
                                    guarded.sql
                                ));
                            }
                        }
                        Err(e) => {
                            assert!((400..500).contains(&e.status()), "{sql}: {e}");
                            if e.code() == "unsafe_sql" {
                                count.refused += 1;
                                // The reason without its particulars: `calls pg_sleep, which sleeps` -> `calls`.
                                let message = e.to_string().to_ascii_lowercase();
                                let reason = message.trim_start_matches("unsafe sql: ");
                                let key = reason.split([',', ':', '(']).next().unwrap_or_default().trim().to_owned();
                                *reasons.entry(key).or_default() += 1;
                            } else if e.to_string().contains("syntax error") {
                                count.syntax += 1;
                            } else {
                                count.invalid += 1;
                            }
                        }
                    }
                }
                counts.entry((family.clone(), template_name)).or_default().add(count);
                by_dialect.entry(dialect_name).or_default().add(count);
            }
        }
    }

    let mut table = String::new();
    let total = by_dialect.values().fold(Count::default(), |mut a, c| {
        a.add(*c);
        a
    });
    let parsed = total.tried - total.syntax;
    let _ = writeln!(
        table,
        "{payloads} payloads in {} families x {} templates x 3 dialects = {} statements. {} do not parse \
         (invalid_sql: other engines' syntax, broken quoting); of the {parsed} that parse, {} are refused as \
         unsafe_sql, {} are invalid_sql for unknown columns or aliases (or placeholders), and {} are accepted — \
         and audited: {} bypasses.\n",
        families.len(),
        TEMPLATES.len(),
        total.tried,
        total.syntax,
        total.refused,
        total.invalid,
        total.accepted,
        bypasses.len(),
    );
    let header = "| tried | syntax error | refused (unsafe_sql) | unknown name | accepted |\n|---|--:|--:|--:|--:|--:|";
    let row = |c: &Count| format!("| {} | {} | {} | {} | {} |", c.tried, c.syntax, c.refused, c.invalid, c.accepted);
    let _ = writeln!(table, "| dialect {header}");
    for (dialect, c) in &by_dialect {
        let _ = writeln!(table, "| {dialect} {}", row(c));
    }
    let _ = writeln!(table, "\nBy template (all dialects):\n\n| template {header}");
    for (template, _) in TEMPLATES {
        let mut c = Count::default();
        counts.iter().filter(|((_, t), _)| t == template).for_each(|(_, n)| c.add(*n));
        let _ = writeln!(table, "| {template} {}", row(&c));
    }
    let _ =
        write!(table, "\nBy payload family, accepted / parsed per template (all dialects):\n\n| family | payloads |");
    for (template, _) in TEMPLATES {
        let _ = write!(table, " {template} |");
    }
    let _ = write!(table, "\n|---|--:|");
    for _ in TEMPLATES {
        let _ = write!(table, "--:|");
    }
    let _ = writeln!(table);
    for (family, list) in &families {
        let _ = write!(table, "| {family} | {} |", list.len());
        for (template, _) in TEMPLATES {
            let c = counts[&(family.clone(), *template)];
            let _ = write!(table, " {} / {} |", c.accepted, c.tried - c.syntax);
        }
        let _ = writeln!(table);
    }
    let _ = writeln!(
        table,
        "\nRefusals by reason (the message up to its first comma, colon or parenthesis):\n\n| reason | statements |\n|---|--:|"
    );
    let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (reason, n) in &reasons {
        let _ = writeln!(table, "| {reason} | {n} |");
    }
    println!("{table}");
    assert!(bypasses.is_empty(), "{} bypasses:\n{}", bypasses.len(), bypasses.join("\n"));
    assert!(total.accepted > 0 && total.refused > 0, "the corpus exercises both verdicts");

    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/guard.md");
    let text = std::fs::read_to_string(&docs).expect("docs/guard.md");
    let (start, end) = ("<!-- sqli-counts", "<!-- /sqli-counts -->");
    let from = text.find(start).and_then(|i| text[i..].find('\n').map(|n| i + n + 1)).expect("start marker");
    let to = text.find(end).expect("end marker");
    if std::env::var_os("NL2SQL_BLESS").is_some() {
        std::fs::write(&docs, format!("{}{table}{}", &text[..from], &text[to..])).expect("write docs");
    } else {
        assert_eq!(&text[from..to], table, "counts changed (NL2SQL_BLESS=1 regenerates docs/guard.md)");
    }
}
