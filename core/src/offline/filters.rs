//! WHERE conditions: literals matched to the column holding them, numeric comparisons on the column named
//! next to the comparator (with unit conversion), and year ranges on date columns.

use super::build::{ColRef, Filter, Lit, Op, Plan};
use super::hints::{hint, hinted_column};
use super::intent::{Role, YearOp};
use super::lexicon::label_columns;
use super::plan::Planner;
use super::values::ValueColumn;
use crate::catalog::TypeClass;
use crate::words::words_of;

fn unit_ms(word: &str) -> Option<f64> {
    match word {
        "ms" | "millisecond" => Some(1.0),
        "second" | "sec" => Some(1_000.0),
        "minute" | "min" => Some(60_000.0),
        "hour" => Some(3_600_000.0),
        "day" => Some(86_400_000.0),
        _ => None,
    }
}

/// Prints a number without a spurious fraction (`300000`, `0.5`).
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

fn temporal(class: TypeClass) -> bool {
    class == TypeClass::Temporal
}

fn numeric(class: TypeClass) -> bool {
    class.is_numeric()
}

impl Planner<'_> {
    /// Adds every condition the question states to `plan.filters`.
    pub(super) fn filters(&mut self, plan: &mut Plan) {
        self.value_filters(plan);
        self.comparison_filters(plan);
        self.year_filters(plan);
    }

    fn value_score(&self, v: &ValueColumn) -> f64 {
        let mut score = if v.table == self.main {
            100.0
        } else if self.is_mentioned(v.table) {
            50.0
        } else {
            0.0
        };
        if label_columns(&self.catalog.tables[v.table]).contains(&v.column) {
            score += 5.0;
        }
        // A value of a row the main row points at ("albums by AC/DC": the artist) beats one of the rows
        // pointing at it (a track named "AC/DC").
        if self.is_upward(v.table) {
            score += 3.0;
        }
        score - 5.0 * self.distance(v.table).unwrap_or(0) as f64 - 0.01 * v.rank as f64
    }

    fn value_filters(&mut self, plan: &mut Plan) {
        let r = self.r;
        let mut filters: Vec<Filter> = Vec::new();
        for (vi, v) in r.values.iter().enumerate() {
            let context = r.roles.iter().position(|role| *role == Role::Context(vi));
            let mut candidates: Vec<&ValueColumn> =
                v.columns.iter().filter(|c| self.distance(c.table).is_some()).collect();
            let mut fallback = None;
            if let Some(m) = context {
                let mention = &r.mentions[m];
                match mention.table() {
                    Some((t, _)) => {
                        candidates.retain(|c| c.table == t);
                        let label = label_columns(&self.catalog.tables[t]).first().copied();
                        fallback = label.map(|column| (ColRef { table: t, column }, Op::Contains));
                    }
                    None => {
                        let named: Vec<(usize, usize)> = mention.columns().map(|(t, c, _)| (t, c)).collect();
                        candidates.retain(|c| named.contains(&(c.table, c.column)));
                        fallback = self.resolve(m, &|_| true).map(|c| (c, Op::Eq));
                    }
                }
            }
            let reachable = v.columns.iter().any(|c| self.distance(c.table).is_some());
            if candidates.is_empty() && reachable && context.is_some() && !v.quoted {
                // The neighbouring name was not where the value lives ("customers who ordered Chess Set").
                candidates = v.columns.iter().filter(|c| self.distance(c.table).is_some()).collect();
                fallback = None;
            }
            let best = candidates.into_iter().max_by(|a, b| self.value_score(a).total_cmp(&self.value_score(b)));
            match best {
                Some(c) => {
                    let near = self.is_mentioned(c.table) || self.distance(c.table).is_some_and(|d| d <= 1);
                    if v.weak && !near {
                        continue;
                    }
                    if v.weak {
                        self.penalty += 0.05;
                    }
                    if context.is_none() && c.table != self.main && !self.is_upward(c.table) {
                        self.penalty += 0.1; // a value of rows pointing at the main rows is a guess
                    }
                    let col = ColRef { table: c.table, column: c.column };
                    filters.push(Filter { col, op: Op::Eq, value: Lit::Str(c.text.clone()) });
                }
                None if v.weak => {}
                None => {
                    let main_label = label_columns(&self.catalog.tables[self.main]).first().copied();
                    let guess = main_label.map(|column| (ColRef { table: self.main, column }, Op::Contains));
                    if let Some((col, op)) = fallback.or(guess) {
                        self.penalty += 0.15;
                        filters.push(Filter { col, op, value: Lit::Str(v.text.clone()) });
                    } else {
                        self.penalty += 0.25;
                    }
                }
            }
        }
        // Two values for one column mean either of them.
        for f in filters {
            let same = plan.filters.iter_mut().find(|g| g.col == f.col && matches!(g.op, Op::Eq | Op::In));
            match (same, f.op, f.value) {
                (Some(g), Op::Eq, Lit::Str(s)) => match &mut g.value {
                    Lit::List(items) => items.push(s),
                    Lit::Str(first) => {
                        g.value = Lit::List(vec![first.clone(), s]);
                        g.op = Op::In;
                    }
                    Lit::Num(_) => {}
                },
                (_, op, value) => plan.filters.push(Filter { col: f.col, op, value }),
            }
        }
    }

    fn comparison_filters(&mut self, plan: &mut Plan) {
        let r = self.r;
        for (k, c) in r.comparisons.iter().enumerate() {
            if r.roles.contains(&Role::Having(k)) {
                continue;
            }
            let bound = r.roles.iter().position(|role| *role == Role::Compare(k));
            let before = r.mentions.iter().rev().filter(|m| m.end <= c.start).find_map(|m| m.table());
            let table = before.map_or(self.main, |(t, _)| t);
            let col = bound.and_then(|m| self.resolve(m, &numeric));
            let col = col.or_else(|| c.hint.and_then(|h| self.hinted(table, &h)));
            let Some(col) = col.or_else(|| self.measure_column(table)) else {
                self.penalty += 0.2;
                continue;
            };
            let name = &self.catalog.tables[col.table].columns[col.column].name;
            let to = words_of(name).iter().find_map(|w| unit_ms(w));
            let from = c.unit.as_deref().and_then(unit_ms);
            let convert = |value: &str| match (from, to, crate::number::parse_f64(value)) {
                (Some(from), Some(to), Some(x)) if from != to => number(x * from / to),
                _ => value.to_owned(),
            };
            match &c.upper {
                Some(upper) => {
                    plan.filters.push(Filter { col, op: Op::Ge, value: Lit::Num(convert(&c.value)) });
                    plan.filters.push(Filter { col, op: Op::Le, value: Lit::Num(convert(upper)) });
                }
                None => plan.filters.push(Filter { col, op: c.op, value: Lit::Num(convert(&c.value)) }),
            }
        }
    }

    fn year_filters(&mut self, plan: &mut Plan) {
        let r = self.r;
        for &(at, op, year) in &r.years {
            let is_date = |m: &super::mentions::Mention| {
                m.columns().any(|(t, c, _)| self.catalog.tables[t].columns[c].class() == TypeClass::Temporal)
            };
            let named = (0..r.mentions.len()).rev().find(|&k| r.mentions[k].end <= at && is_date(&r.mentions[k]));
            let col = named.and_then(|k| self.resolve(k, &temporal));
            let newest = hint("newest").and_then(|h| hinted_column(&self.catalog.tables[self.main], &h));
            let Some(col) = col.or_else(|| newest.map(|column| ColRef { table: self.main, column })) else {
                self.penalty += 0.2;
                continue;
            };
            let date = |y: i32| Lit::Str(format!("{y:04}-01-01"));
            let mut push = |op, value| plan.filters.push(Filter { col, op, value });
            match op {
                YearOp::In => {
                    push(Op::Ge, date(year));
                    push(Op::Lt, date(year + 1));
                }
                YearOp::Before => push(Op::Lt, date(year)),
                YearOp::After => push(Op::Ge, date(year + 1)),
                YearOp::Since => push(Op::Ge, date(year)),
            }
        }
    }
}
