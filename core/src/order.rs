//! One stable sort for the whole core.
//!
//! The standard library's `sort_by` is generic over the element and the comparator, so each call site with its own
//! closure compiles its own copy of the sort (a few KB of wasm each; the core had over fifty, about 170 KB before
//! optimisation). The edge artefacts must stay under 1 MB gzipped, so the core sorts through [`LeanSort`]: the
//! comparator is called through `dyn`, the sort itself is compiled once (over positions), and only the small
//! permutation step is generic. The result is the same as `sort_by`'s: stable, ascending by the comparator.

use std::cmp::Ordering;

/// Stable sorts compiled once for the whole crate; see the module docs.
pub trait LeanSort<T> {
    /// Like `slice::sort_by`.
    fn lean_sort_by(&mut self, cmp: impl FnMut(&T, &T) -> Ordering);

    /// Like `slice::sort_by_key`.
    fn lean_sort_by_key<K: Ord>(&mut self, mut key: impl FnMut(&T) -> K) {
        self.lean_sort_by(|a, b| key(a).cmp(&key(b)));
    }

    /// Like `slice::sort`.
    fn lean_sort(&mut self)
    where
        T: Ord,
    {
        self.lean_sort_by(|a, b| a.cmp(b));
    }
}

impl<T> LeanSort<T> for [T] {
    fn lean_sort_by(&mut self, mut cmp: impl FnMut(&T, &T) -> Ordering) {
        if self.len() < 2 {
            return;
        }
        let items: &[T] = self;
        let mut by_position = |a: usize, b: usize| cmp(&items[a], &items[b]);
        let order = sorted_positions(self.len(), &mut by_position);
        permute(self, order);
    }
}

/// Positions `0..n` in the order `cmp` gives them, stably: the one compiled copy of the sort.
#[inline(never)]
fn sorted_positions(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

/// Rearranges `items` so that position `i` holds what was at `order[i]`, by following the permutation's cycles.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        // A deterministic pseudo-random sequence with many equal keys, so stability is exercised.
        let mut seed = 7u64;
        for len in [0usize, 1, 2, 3, 10, 57, 300] {
            let items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    ((seed >> 59) as u8, i)
                })
                .collect();
            let mut ours = items.clone();
            let mut std = items;
            ours.lean_sort_by_key(|p| p.0);
            std.sort_by_key(|p| p.0);
            assert_eq!(ours, std, "length {len}");
        }
    }

    #[test]
    fn descending_comparator_and_plain_sort() {
        let mut v = vec![3, 1, 4, 1, 5, 9, 2, 6];
        v.lean_sort_by(|a, b| b.cmp(a));
        assert_eq!(v, [9, 6, 5, 4, 3, 2, 1, 1]);
        let mut w = vec!["pear", "apple", "fig"];
        w.lean_sort();
        assert_eq!(w, ["apple", "fig", "pear"]);
    }
}
