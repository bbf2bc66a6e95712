//! Sorting lists of large items (rows of 400 bytes, metrics of 250) by moving each item once:
//! a sort's passes move every item many times, and at 20,000 rows that copying cost more
//! than the comparisons.

/// The places of `len` items in the order `cmp` gives, ties in their present order (a
/// stable sort of their indices).
pub fn stable_order(len: usize, cmp: impl Fn(usize, usize) -> std::cmp::Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    order
}

/// Reorders `items` in place so that the item at `order[k]` ends up at place `k`, following
/// each cycle of the permutation with swaps (no second list of items). `order` must be a
/// permutation of `0..items.len()`, as [`stable_order`] gives.
pub fn apply<T>(items: &mut [T], mut order: Vec<usize>) {
    assert_eq!(items.len(), order.len(), "one place per item");
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
    fn apply_puts_each_item_where_the_order_says() {
        for n in [0, 1, 2, 3, 7, 64, 513] {
            for seed in 0..5 {
                let mut rng = fastrand::Rng::with_seed(seed);
                let mut order: Vec<usize> = (0..n).collect();
                rng.shuffle(&mut order);
                let items: Vec<String> = (0..n).map(|i| format!("item {i}")).collect();
                let expected: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
                let mut permuted = items;
                apply(&mut permuted, order);
                assert_eq!(permuted, expected, "n = {n}, seed = {seed}");
            }
        }
    }

    #[test]
    fn stable_order_keeps_ties_in_place() {
        let keys = [3, 1, 3, 0, 1, 3];
        assert_eq!(stable_order(keys.len(), |a, b| keys[a].cmp(&keys[b])), [3, 1, 4, 0, 2, 5]);
    }
}
