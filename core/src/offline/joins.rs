//! Foreign-key paths: the undirected graph of foreign keys, shortest paths through it, and the join tree
//! that connects the tables a question needs.

use crate::catalog::{Catalog, Table};
use std::collections::VecDeque;

/// One foreign key as an edge: `child.columns → parent.ref_columns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edge {
    pub(crate) child: usize,
    pub(crate) fk: usize,
    pub(crate) parent: usize,
}

impl Edge {
    fn other(&self, table: usize) -> usize {
        if table == self.child { self.parent } else { self.child }
    }

    /// Column name pairs `(child column, parent column)` of the ON condition.
    pub(crate) fn pairs<'a>(&self, catalog: &'a Catalog) -> Vec<(&'a str, &'a str)> {
        let child = &catalog.tables[self.child];
        let parent = &catalog.tables[self.parent];
        let fk = &child.foreign_keys[self.fk];
        let refs: &[String] = if fk.ref_columns.is_empty() { &parent.primary_key } else { &fk.ref_columns };
        let spelled = |table: &'a Table, name: &'a str| table.column(name).map_or(name, |c| c.name.as_str());
        fk.columns.iter().zip(refs).map(|(c, p)| (spelled(child, c), spelled(parent, p))).collect()
    }

    /// Whether following the edge from parent to child can repeat the parent's rows (the foreign key columns
    /// are not themselves unique in the child).
    fn fans_out(&self, catalog: &Catalog) -> bool {
        let child = &catalog.tables[self.child];
        let cols = &child.foreign_keys[self.fk].columns;
        let same = |key: &[String]| {
            key.len() == cols.len() && key.iter().all(|k| cols.iter().any(|c| c.eq_ignore_ascii_case(k)))
        };
        !(same(&child.primary_key)
            || child.unique.iter().any(|u| same(u))
            || child.indexes.iter().any(|i| i.unique && same(&i.columns)))
    }
}

/// Adjacency lists of the foreign-key graph (self-references left out).
#[derive(Debug, Clone)]
pub(crate) struct Graph {
    adjacent: Vec<Vec<Edge>>,
}

impl Graph {
    pub(crate) fn new(catalog: &Catalog) -> Self {
        let mut adjacent = vec![Vec::new(); catalog.tables.len()];
        for (child, table) in catalog.tables.iter().enumerate() {
            for (fk, key) in table.foreign_keys.iter().enumerate() {
                let Some(parent) = catalog.tables.iter().position(|t| t.name.eq_ignore_ascii_case(&key.ref_table))
                else {
                    continue;
                };
                if parent != child && !key.columns.is_empty() {
                    let edge = Edge { child, fk, parent };
                    adjacent[child].push(edge);
                    adjacent[parent].push(edge);
                }
            }
        }
        Self { adjacent }
    }

    /// Hop counts from `from` to every table (`None` = unreachable).
    pub(crate) fn distances(&self, from: usize) -> Vec<Option<usize>> {
        let mut dist = vec![None; self.adjacent.len()];
        dist[from] = Some(0);
        let mut queue = VecDeque::from([from]);
        while let Some(t) = queue.pop_front() {
            let d = dist[t].unwrap_or(0);
            for edge in &self.adjacent[t] {
                let next = edge.other(t);
                if dist[next].is_none() {
                    dist[next] = Some(d + 1);
                    queue.push_back(next);
                }
            }
        }
        dist
    }

    /// Tables reachable from `from` by following foreign keys only forwards (each row has at most one).
    pub(crate) fn upward(&self, from: usize) -> Vec<bool> {
        let mut seen = vec![false; self.adjacent.len()];
        seen[from] = true;
        let mut stack = vec![from];
        while let Some(t) = stack.pop() {
            for edge in self.adjacent[t].iter().filter(|e| e.child == t) {
                if !seen[edge.parent] {
                    seen[edge.parent] = true;
                    stack.push(edge.parent);
                }
            }
        }
        seen
    }

    /// The edges of a shortest path from any table in `tree` to `to`, in walking order.
    fn path_from(&self, tree: &[bool], to: usize) -> Option<Vec<(usize, Edge)>> {
        let mut came: Vec<Option<(usize, Edge)>> = vec![None; self.adjacent.len()];
        let mut seen = tree.to_vec();
        let mut queue: VecDeque<usize> = (0..tree.len()).filter(|&t| tree[t]).collect();
        while let Some(t) = queue.pop_front() {
            if t == to {
                let mut path = Vec::new();
                let mut at = to;
                while let Some((from, edge)) = came[at] {
                    path.push((at, edge));
                    at = from;
                }
                path.reverse();
                return Some(path);
            }
            for edge in &self.adjacent[t] {
                let next = edge.other(t);
                if !seen[next] {
                    seen[next] = true;
                    came[next] = Some((t, *edge));
                    queue.push_back(next);
                }
            }
        }
        None
    }
}

/// One JOIN: the table it brings in and the foreign key it is joined on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) table: usize,
    pub(crate) edge: Edge,
}

/// The joins connecting `root` to every table of `wanted` along shortest foreign-key paths (intermediate
/// tables included). Errs with the first table that cannot be reached.
pub(crate) fn tree(graph: &Graph, root: usize, wanted: &[usize]) -> Result<Vec<Step>, usize> {
    let mut in_tree = vec![false; graph.adjacent.len()];
    in_tree[root] = true;
    let mut steps = Vec::new();
    for &table in wanted {
        if in_tree[table] {
            continue;
        }
        let path = graph.path_from(&in_tree, table).ok_or(table)?;
        for (added, edge) in path {
            in_tree[added] = true;
            steps.push(Step { table: added, edge });
        }
    }
    Ok(steps)
}

/// Whether the joins can return a row of `table` more than once (some join, walked away from `table`, goes
/// from a referenced table to the many rows referencing it).
pub(crate) fn repeats(catalog: &Catalog, steps: &[Step], table: usize) -> bool {
    let mut seen = vec![table];
    let mut stack = vec![table];
    while let Some(t) = stack.pop() {
        for step in steps {
            let edge = step.edge;
            let (next, downward) = if edge.child == t {
                (edge.parent, false)
            } else if edge.parent == t {
                (edge.child, true)
            } else {
                continue;
            };
            if seen.contains(&next) {
                continue;
            }
            if downward && edge.fans_out(catalog) {
                return true;
            }
            seen.push(next);
            stack.push(next);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Column, Dialect, ForeignKey};

    fn table(name: &str, fks: &[(&str, &str)]) -> Table {
        let column = |name: &str| Column {
            name: name.into(),
            data_type: "INTEGER".into(),
            nullable: false,
            default: None,
            comment: None,
        };
        let mut columns = vec![column("id")];
        columns.extend(fks.iter().map(|(c, _)| column(c)));
        Table {
            name: name.into(),
            columns,
            primary_key: vec!["id".into()],
            foreign_keys: (fks.iter())
                .map(|(c, t)| ForeignKey { columns: vec![(*c).into()], ref_table: (*t).into(), ref_columns: vec![] })
                .collect(),
            unique: vec![],
            indexes: vec![],
            comment: None,
        }
    }

    #[test]
    fn shortest_paths_include_intermediate_tables() {
        // artist <- album <- track -> genre
        let catalog = Catalog {
            dialect: Dialect::Sqlite,
            tables: vec![
                table("artist", &[]),
                table("album", &[("artist_id", "artist")]),
                table("track", &[("album_id", "album"), ("genre_id", "genre")]),
                table("genre", &[]),
                table("island", &[]),
            ],
        };
        let graph = Graph::new(&catalog);
        assert_eq!(graph.distances(0)[3], Some(3));
        assert_eq!(graph.upward(2), [true, true, true, true, false]);
        let steps = tree(&graph, 0, &[3]).expect("connected");
        assert_eq!(steps.iter().map(|s| s.table).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(steps[0].edge.pairs(&catalog), [("artist_id", "id")]);
        assert!(repeats(&catalog, &steps, 0), "an artist has many tracks");
        assert!(!repeats(&catalog, &steps, 2), "a track has one album, artist and genre");
        assert_eq!(tree(&graph, 0, &[4]), Err(4));
    }
}
