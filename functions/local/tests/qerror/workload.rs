//! The benchmark's workload, generated deterministically from each database's catalog and its actual data (no
//! randomness: values are picked by their rank in frequency or sort order, rows by fixed strides).
//!
//! Classes: `eq` (= and <>), `range` (<, <=, >=, BETWEEN), `in`, `like` (prefix, suffix, contains, ILIKE),
//! `null`, `and2`/`and3` (conjunctions on one table, half from the values of one actual row, so correlated,
//! half mixing rows), `join` (a foreign-key equi-join with a filter on either side).

use nl2sql_core::catalog::{Catalog, Dialect};

/// One generated query: `SELECT count(*) FROM <from> WHERE <filter>`.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    pub(crate) class: &'static str,
    pub(crate) sql: String,
    /// The tables it reads.
    pub(crate) tables: Vec<String>,
}

/// A column and what the data holds.
pub(crate) struct ColumnData {
    pub(crate) name: String,
    /// PostgreSQL's type category: N numeric, S string, D date/time, B boolean, E enum.
    pub(crate) category: char,
    /// `real` (float4): literals are written as text so PostgreSQL reads them as float4 too (`0.2` as numeric
    /// is not equal to any float4 value).
    pub(crate) float4: bool,
    pub(crate) nullable: bool,
    pub(crate) nulls: i64,
    /// Distinct non-null values (as text) with their counts, most common first, ties by value.
    pub(crate) by_freq: Vec<(String, i64)>,
    /// All non-null values (as text) in the column's own order.
    pub(crate) sorted: Vec<String>,
}

/// A table and its data.
pub(crate) struct TableData {
    pub(crate) name: String,
    pub(crate) rows: i64,
    pub(crate) columns: Vec<ColumnData>,
    /// Every row, the columns in `columns` order (NULL as `None`), in primary-key order.
    pub(crate) data: Vec<Vec<Option<String>>>,
}

/// A single-column predicate: the column and the text after it (`= 'x'`, `IS NULL`, ...).
#[derive(Debug, Clone)]
struct Pred {
    class: &'static str,
    column: String,
    rest: String,
}

impl Pred {
    fn render(&self, alias: Option<&str>) -> String {
        let column = Dialect::Postgres.quote(&self.column);
        match alias {
            Some(a) => format!("{a}.{column} {}", self.rest),
            None => format!("{column} {}", self.rest),
        }
    }
}

impl ColumnData {
    fn literal(&self, text: &str) -> String {
        match self.category {
            'N' if !self.float4 => text.to_owned(),
            'B' => (if text == "t" { "true" } else { "false" }).to_owned(),
            _ => format!("'{}'", text.replace('\'', "''")),
        }
    }

    fn is_unique(&self) -> bool {
        self.by_freq.first().is_none_or(|(_, n)| *n <= 1)
    }

    /// Narrow enough for equality and ranges (long text is only searched with LIKE).
    fn narrow(&self) -> bool {
        let total: usize = self.by_freq.iter().take(200).map(|(v, _)| v.len()).sum();
        total <= 50 * self.by_freq.len().clamp(1, 200)
    }

    /// The value at `fraction` of the frequency ranking.
    fn ranked(&self, fraction: f64) -> Option<&str> {
        let i = ((self.by_freq.len() as f64 - 1.0) * fraction).round() as usize;
        self.by_freq.get(i).map(|(v, _)| v.as_str())
    }

    /// The value at quantile `q` of the sort order.
    fn quantile(&self, q: f64) -> Option<&str> {
        let i = ((self.sorted.len() as f64 - 1.0) * q).round() as usize;
        self.sorted.get(i).map(String::as_str)
    }

    fn single(&self) -> Vec<Pred> {
        let mut out = Vec::new();
        let mut add = |class: &'static str, rest: String| {
            if !out.iter().any(|p: &Pred| p.rest == rest) {
                out.push(Pred { class, column: self.name.clone(), rest });
            }
        };
        if self.by_freq.is_empty() {
            if self.nullable {
                add("null", "IS NULL".into());
            }
            return out;
        }
        let text = matches!(self.category, 'S');
        if self.narrow() {
            let picks: &[f64] = if self.is_unique() { &[0.5] } else { &[0.0, 0.5, 1.0] };
            for f in picks {
                if let Some(v) = self.ranked(*f) {
                    add("eq", format!("= {}", self.literal(v)));
                }
            }
            if let Some(v) = self.ranked(0.0).filter(|_| !self.is_unique()) {
                add("eq", format!("<> {}", self.literal(v)));
            }
            if matches!(self.category, 'N' | 'D' | 'S') {
                let q = |x: f64| self.quantile(x).map(|v| self.literal(v));
                if let (Some(a), Some(b), Some(c)) = (q(0.1), q(0.5), q(0.9)) {
                    add("range", format!("< {a}"));
                    add("range", format!(">= {b}"));
                    if !text {
                        add("range", format!("<= {c}"));
                    }
                }
                if let (Some(a), Some(b)) = (q(0.2), q(0.35)) {
                    add("range", format!("BETWEEN {a} AND {b}"));
                }
            }
            if self.by_freq.len() >= 3 {
                let values: Vec<String> =
                    [0.05, 0.4, 0.8].iter().filter_map(|f| self.ranked(*f)).map(|v| self.literal(v)).collect();
                add("in", format!("IN ({})", values.join(", ")));
            }
        }
        if text {
            let clean = |s: &str| !s.contains(['%', '_', '\\', '\'']);
            let chars = |s: &str| s.chars().collect::<Vec<char>>();
            if let Some(v) = self.ranked(0.33).map(chars).filter(|c| c.len() >= 2) {
                let prefix: String = v[..2].iter().collect();
                if clean(&prefix) {
                    add("like", format!("LIKE '{prefix}%'"));
                }
            }
            if let Some(v) = self.ranked(0.66).map(chars).filter(|c| !c.is_empty()) {
                let prefix: String = v[..1].iter().collect();
                if clean(&prefix) {
                    add("like", format!("LIKE '{prefix}%'"));
                }
            }
            if let Some(v) = self.ranked(0.25).map(chars).filter(|c| c.len() >= 5) {
                let middle: String = v[1..4].iter().collect();
                if clean(&middle) {
                    add("like", format!("LIKE '%{middle}%'"));
                }
            }
            if let Some(v) = self.ranked(0.75).map(chars).filter(|c| c.len() >= 6) {
                let middle: String = v[2..5].iter().collect::<String>().to_lowercase();
                if clean(&middle) {
                    add("like", format!("ILIKE '%{middle}%'"));
                }
            }
            if let Some(v) = self.ranked(0.5).map(chars).filter(|c| c.len() >= 4) {
                let suffix: String = v[v.len() - 3..].iter().collect();
                if clean(&suffix) {
                    add("like", format!("LIKE '%{suffix}'"));
                }
            }
        }
        if self.nullable {
            add("null", "IS NULL".into());
            if self.nulls > 0 {
                add("null", "IS NOT NULL".into());
            }
        }
        out
    }

    /// A predicate this column's value in some row satisfies: equality on few-valued or text columns, else a
    /// one-sided range (direction alternating with `flip`).
    fn of_value(&self, value: Option<&str>, flip: bool) -> Pred {
        let rest = match value {
            None => "IS NULL".to_owned(),
            Some(v) if self.by_freq.len() <= 50 || !matches!(self.category, 'N' | 'D') => {
                format!("= {}", self.literal(v))
            }
            Some(v) => format!("{} {}", if flip { "<=" } else { ">=" }, self.literal(v)),
        };
        Pred { class: "", column: self.name.clone(), rest }
    }
}

/// The workload of one database.
pub(crate) fn generate(catalog: &Catalog, tables: &[TableData]) -> Vec<Query> {
    let mut out = Vec::new();
    let q = |table: &str| Dialect::Postgres.quote(table);
    for t in tables.iter().filter(|t| t.rows > 0) {
        for p in t.columns.iter().flat_map(ColumnData::single) {
            let sql = format!("SELECT count(*) FROM {} WHERE {}", q(&t.name), p.render(None));
            out.push(Query { class: p.class, sql, tables: vec![t.name.clone()] });
        }
        conjunctions(t, &mut out);
    }
    for child in &catalog.tables {
        for fk in child.foreign_keys.iter().filter(|fk| fk.columns.len() == 1 && fk.ref_columns.len() == 1) {
            let (Some(c), Some(p)) = (find(tables, &child.name), find(tables, &fk.ref_table)) else { continue };
            if c.rows == 0 || p.rows == 0 {
                continue;
            }
            let on = format!(
                "{} c JOIN {} p ON c.{} = p.{}",
                q(&c.name),
                q(&p.name),
                Dialect::Postgres.quote(&fk.columns[0]),
                Dialect::Postgres.quote(&fk.ref_columns[0])
            );
            let keys = [&fk.columns[0], &fk.ref_columns[0]];
            let filters = |t: &TableData| -> Vec<Pred> {
                let preds: Vec<Pred> = t
                    .columns
                    .iter()
                    .filter(|col| !col.is_unique() && !keys.contains(&&col.name))
                    .flat_map(ColumnData::single)
                    .collect();
                let eq = preds.iter().find(|p| p.class == "eq").cloned();
                let other = preds.iter().find(|p| p.class == "range" || p.class == "like").cloned();
                eq.into_iter().chain(other).collect()
            };
            for (alias, pred) in filters(p).iter().map(|f| ("p", f)).chain(filters(c).iter().take(1).map(|f| ("c", f)))
            {
                let sql = format!("SELECT count(*) FROM {on} WHERE {}", pred.render(Some(alias)));
                out.push(Query { class: "join", sql, tables: vec![c.name.clone(), p.name.clone()] });
            }
        }
    }
    out
}

fn find<'t>(tables: &'t [TableData], name: &str) -> Option<&'t TableData> {
    tables.iter().find(|t| t.name == name)
}

/// 2- and 3-way conjunctions on the columns of `t` that repeat values: per pair one from a single row
/// (correlated) and one mixing two rows; per triple one from a single row.
fn conjunctions(t: &TableData, out: &mut Vec<Query>) {
    let eligible: Vec<usize> = (0..t.columns.len())
        .filter(|i| {
            let c = &t.columns[*i];
            !c.is_unique() && c.narrow() && matches!(c.category, 'N' | 'S' | 'D' | 'B' | 'E')
        })
        .collect();
    if eligible.len() < 2 || t.data.is_empty() {
        return;
    }
    let row = |k: usize| &t.data[(k * 7919 + 13) % t.data.len()];
    let value = |r: &Vec<Option<String>>, i: usize| r.get(i).cloned().flatten();
    let q = Dialect::Postgres.quote(&t.name);
    let mut pairs = Vec::new();
    for (a, &i) in eligible.iter().enumerate() {
        for &j in &eligible[a + 1..] {
            pairs.push((i, j));
        }
    }
    // At most 8 pairs, spread over the list.
    let stride = pairs.len().div_ceil(8).max(1);
    for (n, (i, j)) in pairs.iter().step_by(stride).enumerate() {
        let (r1, r2) = (row(2 * n), row(2 * n + 1));
        let (ci, cj) = (&t.columns[*i], &t.columns[*j]);
        let same = [ci.of_value(value(r1, *i).as_deref(), false), cj.of_value(value(r1, *j).as_deref(), true)];
        let mixed = [ci.of_value(value(r1, *i).as_deref(), true), cj.of_value(value(r2, *j).as_deref(), false)];
        for preds in [same, mixed] {
            let filter: Vec<String> = preds.iter().map(|p| p.render(None)).collect();
            let sql = format!("SELECT count(*) FROM {q} WHERE {}", filter.join(" AND "));
            out.push(Query { class: "and2", sql, tables: vec![t.name.clone()] });
        }
    }
    if eligible.len() >= 3 {
        for n in 0..eligible.len().min(4) {
            let cols = [eligible[n], eligible[(n + 1) % eligible.len()], eligible[(n + 2) % eligible.len()]];
            let r = row(100 + n);
            let filter: Vec<String> = cols
                .iter()
                .enumerate()
                .map(|(k, i)| t.columns[*i].of_value(value(r, *i).as_deref(), k % 2 == 1).render(None))
                .collect();
            let sql = format!("SELECT count(*) FROM {q} WHERE {}", filter.join(" AND "));
            out.push(Query { class: "and3", sql, tables: vec![t.name.clone()] });
        }
    }
}
