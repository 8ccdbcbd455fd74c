//! Resolution: picks the table the question is about and resolves each mention to a column, preferring the
//! main table, tables named elsewhere and short foreign-key distances. The query's shape is decided in
//! `shape.rs`, its conditions in `filters.rs`.

use super::build::ColRef;
use super::hints::{Hint, MONEY, hinted_column};
use super::intent::{Reading, Role};
use super::joins::Graph;
use super::lexicon::{Strength, is_key, label_columns};
use super::mentions::Mention;
use super::shape::Key;
use crate::catalog::{Catalog, TypeClass};
use crate::error::{Error, Result};
use crate::order::LeanSort as _;

/// Resolution state: the main table, distances from it, and the confidence lost on the way.
pub(crate) struct Planner<'a> {
    pub(super) catalog: &'a Catalog,
    pub(super) r: &'a Reading,
    pub(super) main: usize,
    pub(super) dist: Vec<Option<usize>>,
    /// Tables each main row has at most one of (foreign keys followed forwards).
    up: Vec<bool>,
    mentioned: Vec<usize>,
    /// Confidence lost to guesses.
    pub(crate) penalty: f64,
    /// Words the plan could not honour.
    pub(crate) ignored: Vec<String>,
}

fn referenced_by(catalog: &Catalog, t: usize) -> usize {
    let name = &catalog.tables[t].name;
    catalog.tables.iter().flat_map(|x| &x.foreign_keys).filter(|fk| fk.ref_table.eq_ignore_ascii_case(name)).count()
}

/// Columns named by `m`, scored: an explicit table name, the main table, tables named elsewhere and short
/// foreign-key distances win; among equals, the table more others refer to.
fn scored(
    catalog: &Catalog,
    m: &Mention,
    main: Option<usize>,
    mentioned: &[usize],
    dist: &[Option<usize>],
    want: &dyn Fn(TypeClass) -> bool,
) -> Vec<(f64, ColRef, Strength)> {
    let mut out: Vec<(f64, ColRef, Strength)> = (m.columns())
        .filter(|&(t, c, _)| want(catalog.tables[t].columns[c].class()))
        .map(|(table, column, strength)| {
            let mut score = match strength {
                Strength::Qualified => 1000.0,
                Strength::Full => 10.0,
                Strength::Partial => 0.0,
            };
            if main == Some(table) {
                score += 100.0;
            } else if mentioned.contains(&table) {
                score += 50.0;
            }
            if main.is_some() {
                score -= dist[table].map_or(40.0, |d| 5.0 * d as f64);
            }
            score += 0.5 * referenced_by(catalog, table) as f64;
            (score, ColRef { table, column }, strength)
        })
        .collect();
    out.lean_sort_by(|a, b| b.0.total_cmp(&a.0));
    out
}

pub(super) fn any(_: TypeClass) -> bool {
    true
}

pub(super) fn numeric(class: TypeClass) -> bool {
    class.is_numeric()
}

/// The table the question is about, and the confidence lost finding it.
fn find_main(catalog: &Catalog, r: &Reading, question: &str) -> Result<(usize, f64)> {
    let roles = || r.mentions.iter().zip(&r.roles);
    // A table, or a column together with its table ("track names").
    let named = |m: &Mention| {
        m.table().or_else(|| {
            let mut qualified = m.columns().filter(|(_, _, s)| *s == Strength::Qualified);
            qualified.next().map(|(t, _, s)| (t, s)).filter(|_| qualified.next().is_none())
        })
    };
    let subject_tables = || roles().filter(|(_, role)| **role == Role::Subject).filter_map(|(m, _)| named(m));
    if let Some((t, s)) = subject_tables().find(|(_, s)| *s >= Strength::Full).or_else(|| subject_tables().next()) {
        return Ok((t, if s == Strength::Partial { 0.1 } else { 0.0 }));
    }
    let counted = roles().find(|(_, role)| matches!(role, Role::Most { .. } | Role::Having(_)));
    if let Some((t, _)) = counted.and_then(|(m, _)| m.table()) {
        return Ok((t, 0.05));
    }
    let mentioned: Vec<usize> = r.mentions.iter().filter_map(|m| m.table().map(|(t, _)| t)).collect();
    let columns = roles().filter(|(m, role)| m.table().is_none() && !matches!(role, Role::Context(_)));
    for (m, _) in columns {
        if let Some((_, c, _)) = scored(catalog, m, None, &mentioned, &[], &any).first() {
            return Ok((c.table, 0.15));
        }
    }
    if let Some(t) = mentioned.first() {
        return Ok((*t, 0.1));
    }
    let value = r.values.iter().filter(|v| !v.weak).flat_map(|v| &v.columns).min_by_key(|c| c.rank);
    if let Some(v) = value {
        return Ok((v.table, 0.3));
    }
    Err(Error::Untranslatable(format!("no table, column or known value of the database matches \"{question}\"")))
}

impl<'a> Planner<'a> {
    pub(crate) fn new(catalog: &'a Catalog, graph: &Graph, r: &'a Reading, question: &str) -> Result<Self> {
        let (main, penalty) = find_main(catalog, r, question)?;
        let mut mentioned = vec![main];
        mentioned.extend(r.mentions.iter().filter_map(|m| m.table().map(|(t, _)| t)).filter(|t| *t != main));
        Ok(Self {
            catalog,
            r,
            main,
            dist: graph.distances(main),
            up: graph.upward(main),
            mentioned,
            penalty,
            ignored: Vec::new(),
        })
    }

    pub(super) fn distance(&self, table: usize) -> Option<usize> {
        self.dist[table]
    }

    pub(super) fn is_upward(&self, table: usize) -> bool {
        self.up[table]
    }

    /// The column a [`Hint`] points at in `table`; for the main table also in its neighbours
    /// ("customers who spent the most" → the invoices' total).
    pub(super) fn hinted(&self, table: usize, hint: &Hint) -> Option<ColRef> {
        let near = (0..self.catalog.tables.len()).filter(|&t| table == self.main && self.dist[t] == Some(1));
        std::iter::once(table)
            .chain(near)
            .find_map(|t| hinted_column(&self.catalog.tables[t], hint).map(|column| ColRef { table: t, column }))
    }

    pub(super) fn is_mentioned(&self, table: usize) -> bool {
        self.mentioned.contains(&table)
    }

    /// The best column `m` names among those of an acceptable type; costs confidence when it is a tie.
    pub(super) fn resolve(&mut self, m: usize, want: &dyn Fn(TypeClass) -> bool) -> Option<ColRef> {
        let scored = scored(self.catalog, &self.r.mentions[m], Some(self.main), &self.mentioned, &self.dist, want);
        let (best, col, _) = *scored.first()?;
        if scored.get(1).is_some_and(|(s, c, _)| *s == best && c.table != col.table) {
            self.penalty += 0.1;
        }
        Some(col)
    }

    /// Every column of the best table that `m` names as strongly as the best one (`names` → both name columns).
    pub(super) fn resolve_all(&mut self, m: usize) -> Vec<ColRef> {
        let scored = scored(self.catalog, &self.r.mentions[m], Some(self.main), &self.mentioned, &self.dist, &any);
        let Some(&(_, best, strength)) = scored.first() else {
            return Vec::new();
        };
        if strength == Strength::Partial {
            self.penalty += 0.05;
        }
        let mut all: Vec<ColRef> =
            scored.iter().filter(|(_, c, s)| c.table == best.table && *s == strength).map(|(_, c, _)| *c).collect();
        all.lean_sort();
        all
    }

    pub(super) fn col(&self, table: usize, name: &str) -> Option<ColRef> {
        let column = self.catalog.tables[table].columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))?;
        Some(ColRef { table, column })
    }

    /// A table's label columns, or its primary key when it has none.
    pub(super) fn labels(&self, table: usize) -> Vec<ColRef> {
        let labels = label_columns(&self.catalog.tables[table]);
        if labels.is_empty() {
            self.catalog.tables[table].primary_key.iter().filter_map(|k| self.col(table, k)).collect()
        } else {
            labels.into_iter().map(|column| ColRef { table, column }).collect()
        }
    }

    /// The numeric column a table is most likely measured by, when the question names none.
    pub(super) fn measure_column(&mut self, table: usize) -> Option<ColRef> {
        let t = &self.catalog.tables[table];
        let candidates: Vec<usize> =
            (0..t.columns.len()).filter(|&c| t.columns[c].class().is_numeric() && !is_key(t, c)).collect();
        let column = hinted_column(t, &MONEY).or_else(|| candidates.first().copied())?;
        self.penalty += if candidates.len() == 1 { 0.1 } else { 0.2 };
        Some(ColRef { table, column })
    }

    pub(super) fn mention_of(&self, role: impl Fn(&Role) -> bool) -> Option<usize> {
        self.r.roles.iter().position(role)
    }

    /// What "per X" groups by: a table, a column, or for a foreign-key column the table it points at.
    pub(super) fn key_of(&mut self, m: usize, prefer: usize) -> Option<Key> {
        if let Some((t, _)) = self.r.mentions[m].table() {
            return Some(Key::Table(t));
        }
        let scored = scored(self.catalog, &self.r.mentions[m], Some(prefer), &self.mentioned, &self.dist, &any);
        let col = scored.first().map(|(_, c, _)| *c)?;
        let table = &self.catalog.tables[col.table];
        let name = &table.columns[col.column].name;
        let fk = table.foreign_keys.iter().find(|fk| fk.columns.len() == 1 && fk.columns[0].eq_ignore_ascii_case(name));
        let target =
            fk.and_then(|fk| self.catalog.tables.iter().position(|t| t.name.eq_ignore_ascii_case(&fk.ref_table)));
        Some(target.map_or(Key::Column(col), Key::Table))
    }
}
