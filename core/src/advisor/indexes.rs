//! Index recommendations. Per table a query reads, candidate keys come from its conditions — equality columns
//! first (most selective first), then the most selective range — from its join keys (with the equalities before
//! them) and from ORDER BY with LIMIT. A candidate an existing index already covers (same equality columns in
//! any order, then the same columns in order, as a prefix of the existing key) is dropped. The rest are priced
//! with the cost model as if they existed; one is recommended when the query's estimated cost at least halves
//! and falls by at least [`MIN_SAVED_COST`].

use super::Analysis;
use super::cost::{Costs, Key, TableInfo};
use super::facts::{Shape, Use};
use super::planner::same_part;
use super::report::{Benefit, IndexRecommendation};
use super::rules::rows;
use crate::catalog::{Dialect, TypeClass};
use crate::order::LeanSort as _;

/// Tables smaller than this get no recommendation: a scan of a few pages is as cheap as any index.
pub(super) const MIN_INDEX_ROWS: f64 = 1000.0;
/// Estimated share of the query's cost an index must save to be recommended.
pub(super) const MIN_REDUCTION: f64 = 0.5;
/// Estimated cost (sequential page reads) an index must save to be recommended: below this a scan is cheap
/// whatever its share of the query.
pub(super) const MIN_SAVED_COST: f64 = 50.0;
/// Longest index name (PostgreSQL's NAMEDATALEN - 1; MySQL allows 64).
const MAX_NAME: usize = 63;

/// A key part and how a query uses it.
#[derive(Debug, Clone)]
struct Part {
    /// Column name, or expression (`lower(email)`).
    text: String,
    /// Whether it is an expression.
    expression: bool,
    /// Whether a `LIKE 'prefix%'` uses it (PostgreSQL then needs a pattern operator class).
    prefix: bool,
    sel: f64,
}

impl<'a> Analysis<'a> {
    /// Recommendations for this query, best first (not yet capped).
    pub(super) fn recommendations(&self, costs: &Costs<'_>) -> Vec<IndexRecommendation> {
        let mut out: Vec<(IndexRecommendation, usize)> = Vec::new();
        for info in &costs.tables {
            // Even an index that made reading the table (and sorting its block) free could not save enough.
            let ceiling = (info.choice.cost + costs.block_sort(info.block)) * info.executions;
            if info.rows < MIN_INDEX_ROWS || ceiling < MIN_SAVED_COST {
                continue;
            }
            for (parts, eq_count, reason) in self.candidates(info, costs) {
                let names: Vec<String> = parts.iter().map(|p| p.text.clone()).collect();
                if covered(&names, eq_count, &info.keys) || out.iter().any(|(r, _)| same(r, &info.name, &names)) {
                    continue;
                }
                let key =
                    Key { name: "candidate".into(), parts: names.iter().map(String::as_str).collect(), unique: false };
                let outer: Vec<&TableInfo<'_>> =
                    costs.tables.iter().filter(|t| t.block == info.block && t.returned < info.returned).collect();
                let choice = self.access(info, &outer, costs, Some(&key));
                let choice = self.stopped_early(info, choice, costs);
                if choice.index.as_deref() != Some("candidate") {
                    continue;
                }
                let exec = info.executions;
                let sort_saved = if choice.ordered && !info.choice.ordered {
                    costs.block_sort(info.block) * costs.block_executions[info.block]
                } else {
                    0.0
                };
                let before = costs.total;
                let after = (before - info.choice.cost * exec + choice.cost * exec - sort_saved).max(0.0);
                let reduction = if before > 0.0 { 1.0 - after / before } else { 0.0 };
                if reduction < MIN_REDUCTION || before - after < MIN_SAVED_COST {
                    continue;
                }
                let (name, ddl) = self.ddl(&info.name, &parts, &info.keys);
                let rec = IndexRecommendation {
                    table: info.name.clone(),
                    columns: names,
                    name,
                    ddl,
                    reason,
                    benefit: Benefit {
                        rows_read_before: (info.choice.read * exec).round(),
                        rows_read_after: (choice.read * exec).round(),
                        cost_before: round2(before),
                        cost_after: round2(after),
                        reduction: round3(reduction),
                    },
                    queries: Vec::new(),
                };
                out.push((rec, eq_count));
            }
        }
        out.lean_sort_by(|(a, _), (b, _)| saved(b).total_cmp(&saved(a)));
        out.into_iter().map(|(r, _)| r).collect()
    }

    /// Candidate keys for one table: (parts, how many leading parts are equalities, reason).
    fn candidates(&self, info: &TableInfo<'_>, costs: &Costs<'_>) -> Vec<(Vec<Part>, usize, String)> {
        let preds = &self.preds[info.block];
        let relation = &self.model.blocks[info.block].rels[info.rel];
        let class = |column: &str| relation.table().and_then(|t| t.column(column)).map(|c| c.class());
        let mut eq: Vec<Part> = Vec::new();
        let mut ranges: Vec<Part> = Vec::new();
        // Each column's selectivity is estimated once, from its first condition (enough to order the key).
        let mut seen: Vec<(&str, f64)> = Vec::new();
        for i in &info.filters {
            let p = &preds[*i];
            if p.cast {
                continue;
            }
            let column = match &p.shape {
                Shape::Column { column, .. } | Shape::Wrapped { column, .. } => *column,
                _ => continue,
            };
            let sel = match seen.iter().find(|(c, _)| c.eq_ignore_ascii_case(column)) {
                Some((_, sel)) => *sel,
                None => {
                    let sel =
                        self.filter_selectivity(info.block, &info.name, &info.alias, info.stats, &info.keys, &[*i]);
                    seen.push((column, sel));
                    sel
                }
            };
            match &p.shape {
                Shape::Column { column, usage, .. } => {
                    let part =
                        Part { text: (*column).to_owned(), expression: false, prefix: *usage == Use::Prefix, sel };
                    match usage {
                        Use::Eq => eq.push(part),
                        Use::Range | Use::Prefix => ranges.push(part),
                    }
                }
                shape @ Shape::Wrapped { usage: Some(usage), column, .. }
                    if shape.expression_key().is_some() && class(column) != Some(TypeClass::Integer) =>
                {
                    let text = shape.expression_key().unwrap_or_default();
                    let part = Part { text, expression: true, prefix: *usage == Use::Prefix, sel };
                    match usage {
                        Use::Eq => eq.push(part),
                        Use::Range | Use::Prefix => ranges.push(part),
                    }
                }
                _ => {}
            }
        }
        eq.lean_sort_by(|a, b| a.sel.total_cmp(&b.sel));
        dedup(&mut eq);
        ranges.lean_sort_by(|a, b| a.sel.total_cmp(&b.sel));
        ranges.retain(|r| !eq.iter().any(|e| e.text.eq_ignore_ascii_case(&r.text)));
        let order = self.order_columns(info.block, info.rel).filter(|_| self.limit(info.block).is_some());
        let described = |parts: &[Part], eq_count: usize| -> Vec<String> {
            let mut words = Vec::new();
            if eq_count > 0 {
                let names: Vec<&str> = parts[..eq_count].iter().map(|p| p.text.as_str()).collect();
                words.push(format!("equality on {}", names.join(", ")));
            }
            words
        };
        let mut out = Vec::new();
        // Filter (and order) candidate.
        if !eq.is_empty() || !ranges.is_empty() {
            let mut parts = eq.clone();
            let mut words = described(&parts, eq.len());
            if let Some(range) = ranges.first() {
                words.push(format!("range on {}", range.text));
                parts.push(range.clone());
            } else if let Some(order) = &order {
                let extra: Vec<&String> =
                    order.iter().filter(|o| !eq.iter().any(|e| e.text.eq_ignore_ascii_case(o))).collect();
                if !extra.is_empty() {
                    words.push(format!("ORDER BY {} with LIMIT", order.join(", ")));
                    parts.extend(extra.into_iter().map(|o| Part {
                        text: o.clone(),
                        expression: false,
                        prefix: false,
                        sel: 1.0,
                    }));
                }
            }
            out.push((parts, eq.len(), words.join("; ")));
        }
        // Join keys, after the equalities.
        let outer: Vec<&TableInfo<'_>> =
            costs.tables.iter().filter(|t| t.block == info.block && t.returned < info.returned).collect();
        for (column, loops) in self.join_partners(info, &outer, costs) {
            if eq.iter().any(|e| e.text.eq_ignore_ascii_case(&column)) {
                continue;
            }
            let mut parts = eq.clone();
            let mut words = described(&parts, eq.len());
            words.push(format!("join key {column} (~{} lookups)", rows(loops)));
            parts.push(Part { text: column, expression: false, prefix: false, sel: 1.0 });
            out.push((parts, eq.len(), words.join("; ")));
        }
        // ORDER BY ... LIMIT alone.
        if eq.is_empty()
            && ranges.is_empty()
            && let Some(order) = order
        {
            let reason = format!(
                "ORDER BY {} with LIMIT: read the first rows in order instead of sorting all",
                order.join(", ")
            );
            let parts =
                order.into_iter().map(|o| Part { text: o, expression: false, prefix: false, sel: 1.0 }).collect();
            out.push((parts, 0, reason));
        }
        out
    }

    /// The index name and its CREATE INDEX statement in the database's dialect.
    fn ddl(&self, table: &str, parts: &[Part], existing: &[Key<'_>]) -> (String, String) {
        let mut name = index_name(table, parts);
        if existing.iter().any(|k| k.name.eq_ignore_ascii_case(&name)) {
            name = format!("{}_2", &name[..name.len().min(MAX_NAME - 2)]);
        }
        let dialect = self.dialect;
        let relation = self.catalog_table(table);
        let keys: Vec<String> = parts
            .iter()
            .map(|p| {
                if p.expression {
                    let (func, column) = p.text.split_once('(').unwrap_or((&p.text, ""));
                    let column = dialect.quote(column.trim_end_matches(')'));
                    match dialect {
                        Dialect::Mysql => format!("(({func}({column})))"),
                        Dialect::Postgres => format!("({func}({column}))"),
                        Dialect::Sqlite => format!("{func}({column})"),
                    }
                } else {
                    let quoted = dialect.quote(&p.text);
                    let ty = relation.and_then(|t| t.column(&p.text)).map(|c| c.data_type.to_ascii_lowercase());
                    match (dialect, p.prefix, ty) {
                        // LIKE 'abc%' uses a B-tree in any collation only with a pattern operator class.
                        (Dialect::Postgres, true, Some(t)) if t.starts_with("character(") || t == "bpchar" => {
                            format!("{quoted} bpchar_pattern_ops")
                        }
                        (Dialect::Postgres, true, Some(t)) if TypeClass::of(&t) == TypeClass::Text => {
                            format!("{quoted} text_pattern_ops")
                        }
                        _ => quoted,
                    }
                }
            })
            .collect();
        let table_sql = dialect.quote_table(table);
        let name_sql = dialect.quote(&name);
        let ddl = match dialect {
            Dialect::Postgres => {
                format!("CREATE INDEX CONCURRENTLY IF NOT EXISTS {name_sql} ON {table_sql} ({});", keys.join(", "))
            }
            Dialect::Mysql => {
                format!("CREATE INDEX {name_sql} ON {table_sql} ({}) ALGORITHM=INPLACE LOCK=NONE;", keys.join(", "))
            }
            Dialect::Sqlite => format!("CREATE INDEX IF NOT EXISTS {name_sql} ON {table_sql} ({});", keys.join(", ")),
        };
        (name, ddl)
    }

    fn catalog_table(&self, name: &str) -> Option<&crate::catalog::Table> {
        self.context.catalog.and_then(|c| c.table(name))
    }
}

/// Whether an existing key serves `parts`: its first `eq_count` columns are the equality columns in any order,
/// and the rest of `parts` follows in order.
fn covered(parts: &[String], eq_count: usize, keys: &[Key<'_>]) -> bool {
    keys.iter().any(|k| {
        if k.parts.len() < parts.len() {
            return false;
        }
        let same = |a: &String, b: &&str| same_part(a, b);
        let eq_ok = parts[..eq_count].iter().all(|p| k.parts[..eq_count].iter().any(|q| same(p, q)));
        let rest_ok = parts[eq_count..].iter().zip(&k.parts[eq_count..]).all(|(p, q)| same(p, q));
        eq_ok && rest_ok
    })
}

fn same(rec: &IndexRecommendation, table: &str, parts: &[String]) -> bool {
    rec.table.eq_ignore_ascii_case(table)
        && rec.columns.len() == parts.len()
        && rec.columns.iter().zip(parts).all(|(a, b)| a.eq_ignore_ascii_case(b))
}

fn dedup(parts: &mut Vec<Part>) {
    let mut seen: Vec<String> = Vec::new();
    parts.retain(|p| {
        let key = p.text.to_ascii_lowercase();
        let fresh = !seen.contains(&key);
        seen.push(key);
        fresh
    });
}

/// `idx_<table>_<parts>`, lower case, `[a-z0-9_]`, cut to 63 bytes with a hash suffix when longer.
fn index_name(table: &str, parts: &[Part]) -> String {
    let raw = format!("idx_{}_{}", table, parts.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("_"));
    let mut name = String::new();
    for c in raw.chars() {
        let c = if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' };
        if !(c == '_' && name.ends_with('_')) {
            name.push(c);
        }
    }
    let name = name.trim_end_matches('_').to_owned();
    if name.len() <= MAX_NAME {
        return name;
    }
    // FNV-1a: stable across builds and platforms.
    let hash = raw.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{}_{:08x}", &name[..MAX_NAME - 9], hash as u32)
}

fn saved(r: &IndexRecommendation) -> f64 {
    r.benefit.cost_before - r.benefit.cost_after
}

/// Merges recommendations (of one or many queries): an index whose key starts with another's (on the same
/// table) serves both, identical ones are one; benefits add up over the queries served; ranked by estimated cost
/// saved; at most `max`.
pub(super) fn merge(mut all: Vec<IndexRecommendation>, max: usize) -> Vec<IndexRecommendation> {
    // Longest keys first: they absorb their prefixes.
    all.lean_sort_by(|a, b| b.columns.len().cmp(&a.columns.len()).then_with(|| saved(b).total_cmp(&saved(a))));
    let mut kept: Vec<IndexRecommendation> = Vec::new();
    for rec in all {
        let host = kept.iter_mut().find(|k| {
            k.table.eq_ignore_ascii_case(&rec.table)
                && k.columns.len() >= rec.columns.len()
                && k.columns.iter().zip(&rec.columns).all(|(a, b)| same_part(a, b))
        });
        match host {
            Some(k) => {
                let new_queries: Vec<usize> = rec.queries.iter().copied().filter(|q| !k.queries.contains(q)).collect();
                if !new_queries.is_empty() {
                    k.benefit.cost_before += rec.benefit.cost_before;
                    k.benefit.cost_after += rec.benefit.cost_after;
                    k.benefit.rows_read_before += rec.benefit.rows_read_before;
                    k.benefit.rows_read_after += rec.benefit.rows_read_after;
                    k.benefit.reduction = if k.benefit.cost_before > 0.0 {
                        round3(1.0 - k.benefit.cost_after / k.benefit.cost_before)
                    } else {
                        0.0
                    };
                    k.benefit.cost_before = round2(k.benefit.cost_before);
                    k.benefit.cost_after = round2(k.benefit.cost_after);
                }
                k.queries.extend(new_queries);
                k.queries.lean_sort();
            }
            None => kept.push(rec),
        }
    }
    kept.lean_sort_by(|a, b| saved(b).total_cmp(&saved(a)).then_with(|| a.name.cmp(&b.name)));
    kept.truncate(max);
    kept
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
