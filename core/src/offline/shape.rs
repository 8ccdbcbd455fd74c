//! The query's shape: a listing, a scalar aggregate, or rows grouped by a table or column with a count or
//! aggregate ("per genre", "the most albums", "more than 10 tracks", "top 5 customers by total").

use super::build::{ColRef, Expr, Func, Lit, Op, Plan};
use super::intent::Role;
use super::lexicon::label_columns;
use super::measures::MeasureKind;
use super::plan::{Planner, any, numeric};
use crate::catalog::TypeClass;
use crate::error::{Error, Result};

/// What rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Key {
    Table(usize),
    Column(ColRef),
}

impl Planner<'_> {
    /// Whether the subject mention is a plural ("artists"): superlatives then return several rows.
    fn plural_subject(&self) -> bool {
        let subject = self.mention_of(|r| *r == Role::Subject).map(|m| &self.r.mentions[m]);
        subject.is_some_and(|m| self.r.tokens[m.end - 1].lower != self.r.tokens[m.end - 1].norm)
    }

    fn grouped(&self, plan: &mut Plan, key: Key, measure: Expr, desc: bool) {
        let shown = match key {
            Key::Table(t) => {
                let labels = self.labels(t);
                let pk = self.catalog.tables[t].primary_key.iter().filter_map(|k| self.col(t, k));
                let mut keys: Vec<ColRef> = pk.collect();
                keys.extend(labels.iter().filter(|c| !keys.contains(c)).collect::<Vec<_>>());
                plan.group_by = keys;
                labels
            }
            Key::Column(c) => {
                plan.group_by = vec![c];
                vec![c]
            }
        };
        plan.select = shown.iter().map(|c| Expr::Col(*c)).chain([measure]).collect();
        plan.order_by = vec![(measure, self.r.desc.unwrap_or(desc))];
        plan.order_by.extend(shown.iter().map(|c| (Expr::Col(*c), false)));
    }

    /// Builds the plan; `limit` caps every query.
    pub(crate) fn plan(&mut self, limit: u64) -> Result<Plan> {
        let r = self.r;
        let main = self.main;
        let mut plan = Plan { root: main, limit, ..Plan::default() };
        self.filters(&mut plan);
        let top = r.top.map(|n| n.min(limit));
        let superlative_limit = top.unwrap_or(if self.plural_subject() { limit } else { limit.min(1) });
        let group = self.mention_of(|r| matches!(r, Role::Group { .. }));
        let group_by_word = group.is_some_and(|g| r.roles[g] == Role::Group { by: true });
        let subject_tables: Vec<usize> = (r.mentions.iter().zip(&r.roles))
            .filter(|(_, role)| **role == Role::Subject)
            .filter_map(|(m, _)| m.table().map(|(t, _)| t))
            .filter(|t| *t != main)
            .collect();

        // "the most albums", "more than 10 albums": count related rows per entity.
        if let Some(m) = self.mention_of(|r| matches!(r, Role::Most { .. } | Role::Having(_))) {
            let counted = self.r.mentions[m].table().map_or(main, |(t, _)| t);
            let key = if counted != main {
                Some(Key::Table(main))
            } else {
                let column =
                    (0..r.mentions.len()).find(|&k| r.roles[k] == Role::Subject && r.mentions[k].table().is_none());
                column.or(group).and_then(|k| self.key_of(k, counted))
            };
            if let Some(key) = key {
                let measure = Expr::CountRows(counted);
                let desc = !matches!(r.roles[m], Role::Most { desc: false });
                self.grouped(&mut plan, key, measure, desc);
                if let Role::Having(k) = r.roles[m] {
                    let c = &r.comparisons[k];
                    plan.having = Some((measure, c.op, Lit::Num(c.value.clone())));
                } else {
                    plan.limit = superlative_limit;
                }
                return Ok(plan);
            }
            self.penalty += 0.2;
        }

        let listing_context = |at: usize| {
            r.which
                || r.top.is_some()
                || (r.mentions.iter().zip(&r.roles))
                    .any(|(m, role)| *role == Role::Subject && m.table().is_some() && m.end <= at)
        };
        let measure = (r.measures.iter().find(|m| matches!(m.kind, MeasureKind::Agg(_)))).or_else(|| {
            r.measures.first().filter(|m| matches!(m.kind, MeasureKind::Extreme { .. }) && !listing_context(m.at))
        });
        // "the largest average bytes": a superlative ranking an aggregate.
        let ranking = measure.and_then(|agg| {
            r.measures
                .iter()
                .find(|m| m.at < agg.at && matches!(m.kind, MeasureKind::Extreme { .. } | MeasureKind::Rank { .. }))
        });
        let aggregate = if let Some(at) = r.count_at {
            if let Some(m) = measure {
                self.ignored.push(r.tokens[m.at].text.clone());
                self.penalty += 0.3;
            }
            let counted = (0..r.mentions.len()).find(|&k| r.mentions[k].start >= at && r.roles[k] == Role::Subject);
            Some(match counted {
                Some(k) if r.mentions[k].table().is_none() => match self.resolve(k, &any) {
                    Some(c) => Expr::CountDistinct(c),
                    None => Expr::CountRows(main),
                },
                Some(k) => Expr::CountRows(r.mentions[k].table().map_or(main, |(t, _)| t)),
                None => Expr::CountRows(main),
            })
        } else if let Some(m) = measure {
            let func = match m.kind {
                MeasureKind::Agg(f) => f,
                MeasureKind::Extreme { desc: true } => Func::Max,
                _ => Func::Min,
            };
            let target = m.table.and_then(|t| r.mentions[t].table()).map_or(main, |(t, _)| t);
            let col = m.mention.and_then(|k| self.resolve(k, &numeric));
            let col = col.or_else(|| m.hint.and_then(|h| self.hinted(target, &h)));
            let col = col.or_else(|| self.measure_column(target));
            let col = col.ok_or_else(|| {
                let word = &r.tokens[m.at].text;
                Error::Untranslatable(format!("no numeric column to compute \"{word}\" over"))
            })?;
            Some(Expr::Agg(func, col))
        } else if group.is_some() && !group_by_word {
            Some(Expr::CountRows(main))
        } else {
            None
        };

        if let Some(measure) = aggregate {
            let agg_table = match measure {
                Expr::Agg(_, c) | Expr::CountDistinct(c) => c.table,
                Expr::CountRows(t) => t,
                Expr::Col(c) => c.table,
            };
            let explicit_main = r
                .mentions
                .iter()
                .zip(&r.roles)
                .any(|(m, role)| *role == Role::Subject && m.table().is_some_and(|(t, _)| t == main));
            let key = match group {
                Some(g) => self.key_of(g, agg_table),
                None if explicit_main && agg_table != main => Some(Key::Table(main)),
                None => None,
            };
            plan.joined = subject_tables;
            match key {
                Some(key) => {
                    let desc = match ranking.map(|m| m.kind) {
                        Some(MeasureKind::Extreme { desc } | MeasureKind::Rank { desc }) => desc,
                        _ => true,
                    };
                    self.grouped(&mut plan, key, measure, desc);
                    if r.which || ranking.is_some() {
                        plan.limit = superlative_limit;
                    }
                }
                None => plan.select = vec![measure],
            }
            return Ok(plan);
        }
        self.listing(plan, group, subject_tables, superlative_limit)
    }

    fn listing(
        &mut self,
        mut plan: Plan,
        group: Option<usize>,
        others: Vec<usize>,
        superlative_limit: u64,
    ) -> Result<Plan> {
        let r = self.r;
        let main = self.main;
        let mut select: Vec<ColRef> = Vec::new();
        for k in 0..r.mentions.len() {
            if r.roles[k] == Role::Subject && r.mentions[k].table().is_none() {
                select.extend(self.resolve_all(k));
            }
        }
        if !select.iter().any(|c| c.table == main) {
            let labels = label_columns(&self.catalog.tables[main]);
            let t = &self.catalog.tables[main];
            let mut own: Vec<ColRef> = if labels.is_empty() {
                (0..t.columns.len()).map(|column| ColRef { table: main, column }).collect()
            } else {
                let pk = t.primary_key.iter().filter_map(|k| self.col(main, k));
                pk.chain(labels.into_iter().map(|column| ColRef { table: main, column })).collect()
            };
            own.extend(select);
            select = own;
        }
        for t in others {
            select.extend(self.labels(t));
        }
        let mut order: Vec<(ColRef, bool)> = Vec::new();
        let mut ranked = false;
        if let Some(m) = r.measures.first() {
            let target = m.table.and_then(|t| r.mentions[t].table()).map_or(main, |(t, _)| t);
            let desc = match m.kind {
                MeasureKind::Rank { desc } | MeasureKind::Extreme { desc } => desc,
                MeasureKind::Agg(_) => true,
            };
            let col = m.mention.and_then(|k| self.resolve(k, &numeric_or_date));
            let col = col.or_else(|| m.hint.and_then(|h| self.hinted(target, &h)));
            match col {
                Some(c) if c.table != main && self.catalog.tables[c.table].columns[c.column].class().is_numeric() => {
                    let measure = Expr::Agg(Func::Sum, c);
                    self.grouped(&mut plan, Key::Table(main), measure, desc);
                    plan.limit = superlative_limit;
                    return Ok(plan);
                }
                Some(c) => {
                    order.push((c, desc));
                    ranked = true;
                }
                None => self.penalty += 0.2,
            }
        }
        let by = group.into_iter().chain(self.mention_of(|r| *r == Role::OrderBy));
        for k in by {
            let col = match r.mentions[k].table() {
                Some((t, _)) => {
                    order.extend(self.labels(t).into_iter().map(|c| (c, r.desc.unwrap_or(false))));
                    continue;
                }
                None => self.resolve(k, &any),
            };
            let Some(col) = col else { continue };
            // "top 5 customers by invoice total": a measure, highest first.
            let measure = self.catalog.tables[col.table].columns[col.column].class().is_numeric();
            let desc = r.desc.unwrap_or(measure && (r.top.is_some() || r.which));
            if measure && col.table != main {
                self.grouped(&mut plan, Key::Table(main), Expr::Agg(Func::Sum, col), desc);
                plan.limit = r.top.map_or(plan.limit, |n| n.min(plan.limit));
                return Ok(plan);
            }
            order.push((col, desc));
            ranked |= r.top.is_some();
        }
        if r.alphabetical && order.is_empty() {
            order.extend(self.labels(main).into_iter().map(|c| (c, false)));
        }
        if let (Some(desc), Some(first)) = (r.desc, order.first_mut()) {
            first.1 = desc;
        }
        for f in &plan.filters {
            if f.col.table == main && f.op != Op::Eq && f.op != Op::In && f.op != Op::Contains {
                select.push(f.col);
            }
        }
        select.extend(order.iter().map(|(c, _)| *c));
        let mut seen = Vec::new();
        select.retain(|c| {
            !seen.contains(c) && {
                seen.push(*c);
                true
            }
        });
        if ranked {
            plan.limit = superlative_limit;
            // Ties broken by the key, when it is shown (DISTINCT queries may only sort by shown columns).
            if let [key] = self.catalog.tables[main].primary_key.as_slice() {
                let key = self.col(main, key).filter(|k| select.contains(k));
                order.extend(key.filter(|k| !order.iter().any(|(c, _)| c == k)).map(|c| (c, false)));
            }
        } else if let Some(n) = r.top {
            plan.limit = n.min(plan.limit);
        }
        plan.select = select.into_iter().map(Expr::Col).collect();
        plan.order_by = order.into_iter().map(|(c, d)| (Expr::Col(c), d)).collect();
        Ok(plan)
    }
}

fn numeric_or_date(class: TypeClass) -> bool {
    class.is_numeric() || class == TypeClass::Temporal
}
