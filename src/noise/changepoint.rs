//! Change points in a base branch's history, so that a merged regression or improvement does
//! not inflate the spread or drag the centre the next PR is judged against.
//!
//! E-divisive means as Apache Otava does it (`docs/MATH.md`): binary segmentation, where each
//! segment's candidate split maximises the energy-distance divergence between its two sides,
//! and a candidate is kept only when a two-sample t-test (Welch) on the two sides gives a
//! p-value below the threshold — Otava's replacement for the permutation test, which is cheap
//! and deterministic. Segments shorter than [`MIN_SEGMENT`] runs are not split.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Fewest runs on each side of a change point.
pub const MIN_SEGMENT: usize = 3;
/// A split is a change point when the t-test's p-value is below this (Otava uses 0.001).
pub const P_THRESHOLD: f64 = 0.001;

/// Every change point of `series` (indices where a new segment starts), ascending.
pub fn change_points(series: &[f64]) -> Vec<usize> {
    change_points_with(series, true)
}

/// [`change_points`], with or without the screen of [`may_split`] (the tests compare the two).
fn change_points_with(series: &[f64], screen: bool) -> Vec<usize> {
    let mut found = Vec::new();
    split(series, 0, &mut found, screen);
    found.sort_unstable();
    found
}

/// The index the newest segment starts at (0 when no change point).
pub fn last_segment_start(series: &[f64]) -> usize {
    change_points(series).last().copied().unwrap_or(0)
}

fn split(series: &[f64], offset: usize, found: &mut Vec<usize>, screen: bool) {
    let n = series.len();
    if n < 2 * MIN_SEGMENT || (screen && !may_split(series)) {
        return;
    }
    let energies = energies(series);
    let Some(tau) = (MIN_SEGMENT..=n - MIN_SEGMENT).max_by(|&a, &b| energies[a].total_cmp(&energies[b])) else {
        return;
    };
    if welch_significant(&series[..tau], &series[tau..]) {
        found.push(offset + tau);
        split(&series[..tau], offset, found, screen);
        split(&series[tau..], offset + tau, found, screen);
    }
}

/// Whether any split of `series` could pass the t-test: the energy search picks one split and
/// tests it, and where Welch's |t| is small at every split the search cannot find a change
/// point, whichever split it picks. Most series are noise alone, and this costs O(n) against
/// the search's O(n²) (at 20,000 metrics with 50 runs, the search was a sixth of the step).
///
/// Exact: at a split into `m` and `k` runs, Welch's degrees of freedom are at most
/// `m + k − 2 = n − 2`, and Student's critical value at [`P_THRESHOLD`] only falls as the
/// degrees of freedom grow, so |t| below the critical value at `n − 2` degrees of freedom
/// gives a p-value above the threshold at every split. The bound used is 1 % below it
/// ([`screen_bound`]), room for rounding; the sides' means and variances are Welford's
/// running ones (stable where the values are large and their spread small). (The normal
/// distribution's bound, 3.29, which holds at any degrees of freedom, let a sixth of the
/// noise series of 50 runs on to the search; at 48 degrees of freedom the bound is 3.5.)
fn may_split(series: &[f64]) -> bool {
    let n = series.len();
    let bound = screen_bound(n - 2);
    // Each side's Welford (mean, sum of squared deviations) at every split, kept column by
    // column: the two running passes are each a short chain of updates, and the test at
    // every split is then one branch-free pass the compiler vectorizes (with the sides in
    // tuples and the test inside the left pass, it was 90 instructions a run, a tenth of the
    // step at 20,000 metrics with 50 runs). On the stack for a history of up to 64 runs
    // (allocating and zeroing them was a sixth of the screen).
    let mut on_stack = [0.0; 4 * 65];
    let mut on_heap = Vec::new();
    let columns = match on_stack.get_mut(..4 * (n + 1)) {
        Some(columns) => columns,
        None => {
            on_heap.resize(4 * (n + 1), 0.0);
            &mut on_heap[..]
        }
    };
    let (left_mean, rest) = columns.split_at_mut(n + 1);
    let (left_ss, rest) = rest.split_at_mut(n + 1);
    let (right_mean, right_ss) = rest.split_at_mut(n + 1);
    // series[..tau] at tau, for tau in 1..=n.
    let mut side = (0.0, 0.0, 0.0);
    for ((x, mean), ss) in series.iter().zip(&mut left_mean[1..]).zip(&mut left_ss[1..]) {
        side = welford(side, *x);
        (*mean, *ss) = (side.1, side.2);
    }
    // series[tau..] at tau, for tau in 0..n.
    let mut side = (0.0, 0.0, 0.0);
    for ((x, mean), ss) in series.iter().zip(&mut right_mean[..n]).zip(&mut right_ss[..n]).rev() {
        side = welford(side, *x);
        (*mean, *ss) = (side.1, side.2);
    }
    let splits = MIN_SEGMENT..n - MIN_SEGMENT + 1;
    let sides = (left_mean[splits.clone()].iter().zip(&left_ss[splits.clone()]))
        .zip(right_mean[splits.clone()].iter().zip(&right_ss[splits.clone()]));
    splits.zip(sides).fold(false, |could, (tau, ((mean_l, ss_l), (mean_r, ss_r)))| {
        let (m, k) = (tau as f64, (n - tau) as f64);
        let se = (ss_l / (m - 1.0) / m + ss_r / (k - 1.0) / k).sqrt();
        // Could be significant; so are NaN and two flat sides at different levels (se = 0).
        let clearly_not = (mean_l - mean_r).abs() < bound * se;
        could | !clearly_not
    })
}

/// 99 % of Student's two-sided critical value at [`P_THRESHOLD`] with `freedom` degrees of
/// freedom, and never below 3.25 (99 % of the normal distribution's, which it tends to).
/// Inverting the t distribution costs as much as screening a hundred series, and a run's rows
/// screen histories of a few lengths (their own, and the segments of those with a change
/// point), so each thread keeps the bounds it worked out, by degrees of freedom.
fn screen_bound(freedom: usize) -> f64 {
    use std::cell::RefCell;
    thread_local! {
        static BOUNDS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    }
    BOUNDS.with_borrow_mut(|bounds| {
        if let Some(&bound) = bounds.get(freedom).filter(|b| !b.is_nan()) {
            return bound;
        }
        let critical =
            StudentsT::new(0.0, 1.0, freedom as f64).map_or(f64::NAN, |t| t.inverse_cdf(1.0 - P_THRESHOLD / 2.0));
        // `max` keeps 3.25 should the inversion give NaN.
        let bound = (0.99 * critical).max(3.25);
        if bounds.len() <= freedom {
            bounds.resize(freedom + 1, f64::NAN);
        }
        bounds[freedom] = bound;
        bound
    })
}

/// Welford's update of (count, mean, sum of squared deviations) with `x`. The reciprocal of
/// the count does not wait on the previous mean, so the division is off the chain of updates.
fn welford((count, mean, ss): (f64, f64, f64), x: f64) -> (f64, f64, f64) {
    let count = count + 1.0;
    let delta = x - mean;
    let mean = mean + delta * count.recip();
    (count, mean, ss + delta * (x - mean))
}

/// [`energy`] at every split `tau` (index = tau), in O(n²) for the whole series rather than
/// O(n²) per split: moving the split one run to the right moves one value `e` from the right
/// side to the left, which changes each side's pairwise sum and the cross sum by `e`'s
/// distances to the runs before it and after it alone. Those two sums are taken for every run
/// in one pass over the pairs, each distance once (at 20,000 metrics with 50 runs of history,
/// the change-point search was a fifth of the step when each split measured its own).
fn energies(series: &[f64]) -> Vec<f64> {
    let n = series.len();
    // before[i] = Σ_{j<i} |s_i − s_j|, after[i] = Σ_{j>i} |s_i − s_j|.
    let mut before = vec![0.0; n];
    let mut after = vec![0.0; n];
    for (i, &x) in series.iter().enumerate() {
        after[i] = spread_distances(x, &series[i + 1..], &mut before[i + 1..]);
    }
    let mut left = 0.0;
    let mut right: f64 = after.iter().sum();
    let mut across = 0.0;
    let mut out = vec![f64::NEG_INFINITY; n + 1];
    for (tau, slot) in out.iter_mut().enumerate().take(n).skip(1) {
        let (to_left, to_right) = (before[tau - 1], after[tau - 1]);
        left += to_left;
        right -= to_right;
        across += to_right - to_left;
        let (m, k) = (tau as f64, (n - tau) as f64);
        let within = |sum: f64, size: f64| if size < 2.0 { 0.0 } else { sum / (size * (size - 1.0) / 2.0) };
        *slot = m * k / (m + k) * (2.0 * across / (m * k) - within(left, m) - within(right, k));
    }
    out
}

/// Σ |x − v| over `values`, also adding each |x − v| to the matching slot of `sums`; in four
/// running sums the compiler turns into vector instructions (one sum would wait on each
/// addition).
fn spread_distances(x: f64, values: &[f64], sums: &mut [f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let mut chunks = values.chunks_exact(4);
    let mut slots = sums.chunks_exact_mut(4);
    for (chunk, slot) in (&mut chunks).zip(&mut slots) {
        for ((lane, v), sum) in lanes.iter_mut().zip(chunk).zip(slot) {
            let d = (x - v).abs();
            *lane += d;
            *sum += d;
        }
    }
    let mut tail = 0.0;
    for (v, sum) in chunks.remainder().iter().zip(slots.into_remainder()) {
        let d = (x - v).abs();
        tail += d;
        *sum += d;
    }
    lanes.iter().sum::<f64>() + tail
}

/// Székely–Rizzo divergence between `series[..tau]` and `series[tau..]` (α = 1), scaled by
/// `m·n/(m+n)` as in the e-divisive statistic. The direct form, which [`energies`] must match.
#[cfg(test)]
fn energy(series: &[f64], tau: usize) -> f64 {
    let (x, y) = series.split_at(tau);
    let (m, n) = (x.len() as f64, y.len() as f64);
    let between: f64 = x.iter().map(|a| y.iter().map(|b| (a - b).abs()).sum::<f64>()).sum::<f64>() / (m * n);
    let within = |s: &[f64]| {
        let k = s.len() as f64;
        if k < 2.0 {
            return 0.0;
        }
        let total: f64 = s.iter().enumerate().map(|(i, a)| s[i + 1..].iter().map(|b| (a - b).abs()).sum::<f64>()).sum();
        total / (k * (k - 1.0) / 2.0)
    };
    m * n / (m + n) * (2.0 * between - within(x) - within(y))
}

/// Two-sided p-value of Welch's t-test on two samples: the full form, which
/// [`welch_significant`] must agree with.
#[cfg(test)]
fn welch_p(x: &[f64], y: &[f64]) -> f64 {
    welch(x, y).p()
}

/// Whether Welch's two-sided p-value is below [`P_THRESHOLD`]. Nearly every split of a noisy
/// series is far from significant: Student's t has heavier tails than the normal distribution
/// at any degrees of freedom, so where the normal p-value of `t` is already above the
/// threshold, so is the t-test's, and the incomplete beta function that the t-test costs is
/// not needed.
fn welch_significant(x: &[f64], y: &[f64]) -> bool {
    let test = welch(x, y);
    // 2·Φ(−3.29) = 0.001002 > P_THRESHOLD: |t| below this cannot be significant.
    const NORMAL_AT_P_THRESHOLD: f64 = 3.29;
    if let WelchT::Statistic { t, .. } = test {
        if t.abs() < NORMAL_AT_P_THRESHOLD {
            return false;
        }
    }
    test.p() < P_THRESHOLD
}

/// Welch's t statistic and its degrees of freedom, or the answer when the samples have no
/// spread.
enum WelchT {
    Statistic { t: f64, df: f64 },
    NoSpread { equal_means: bool },
}

impl WelchT {
    fn p(&self) -> f64 {
        match *self {
            WelchT::NoSpread { equal_means } => f64::from(u8::from(equal_means)),
            WelchT::Statistic { t, df } => match StudentsT::new(0.0, 1.0, df) {
                Ok(dist) => 2.0 * dist.sf(t.abs()),
                Err(_) => 1.0,
            },
        }
    }
}

fn welch(x: &[f64], y: &[f64]) -> WelchT {
    let (mx, vx, nx) = moments(x);
    let (my, vy, ny) = moments(y);
    let (sx, sy) = (vx / nx, vy / ny);
    let se = (sx + sy).sqrt();
    if se == 0.0 {
        return WelchT::NoSpread { equal_means: mx == my };
    }
    let t = (mx - my) / se;
    let df = (sx + sy).powi(2) / (sx.powi(2) / (nx - 1.0) + sy.powi(2) / (ny - 1.0));
    WelchT::Statistic { t, df }
}

/// Mean, sample variance and count.
fn moments(x: &[f64]) -> (f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_found_where_it_happened() {
        // A merged +15 % regression at run 8 in a series with ~1 % noise.
        let series = [100.0, 101.2, 99.1, 100.4, 98.9, 100.8, 99.6, 100.1, 115.3, 114.6, 116.0, 115.1, 114.2];
        assert_eq!(change_points(&series), vec![8]);
        assert_eq!(last_segment_start(&series), 8);
    }

    #[test]
    fn noise_alone_has_no_change_point() {
        let series = [100.0, 101.2, 99.1, 100.4, 98.9, 100.8, 99.6, 100.1, 101.0, 99.4];
        assert!(change_points(&series).is_empty());
    }

    #[test]
    fn two_steps_are_both_found() {
        let series = [10.0, 10.1, 9.9, 10.0, 10.05, 12.0, 12.1, 11.9, 12.0, 12.05, 9.0, 9.1, 8.9, 9.0, 9.05];
        assert_eq!(change_points(&series), vec![5, 10]);
    }

    #[test]
    fn incremental_energies_match_the_direct_form() {
        let mut rng = fastrand::Rng::with_seed(7);
        for (n, base, noise) in
            [(6, 100.0, 3.0), (7, 100.0, 3.0), (13, 100.0, 3.0), (50, 100.0, 3.0), (50, 1e9, 1.0), (2, 5.0, 1.0)]
        {
            let series: Vec<f64> =
                (0..n).map(|i| base + rng.f64() * noise + if i > n / 2 { 10.0 * noise } else { 0.0 }).collect();
            let fast = energies(&series);
            for (tau, fast) in fast.iter().enumerate().take(n).skip(1) {
                let direct = energy(&series, tau);
                assert!((fast - direct).abs() <= 1e-9 * direct.abs().max(1.0), "n {n} tau {tau}: {fast} vs {direct}");
            }
        }
    }

    #[test]
    fn the_screen_never_changes_the_change_points() {
        // Noise alone, steps of every size, flat stretches, large values with a small spread
        // and outliers: the screened search must find exactly what the full one finds.
        let mut rng = fastrand::Rng::with_seed(13);
        let mut with_points = 0;
        for round in 0..3000 {
            let n = 2 + round % 60;
            let base = [1.0, 100.0, 1e9, 5e-7][round % 4];
            let noise = [0.0, 1e-9, 0.01, 0.2][(round / 4) % 4];
            let step = [0.0, 0.005, 0.02, 0.1, 1.0][(round / 16) % 5];
            let at = rng.usize(0..n);
            let series: Vec<f64> = (0..n)
                .map(|i| {
                    let outlier = if rng.u8(..) == 0 { 5.0 } else { 1.0 };
                    base * (1.0 + noise * (rng.f64() - 0.5) * outlier + if i >= at { step } else { 0.0 })
                })
                .collect();
            let full = change_points_with(&series, false);
            assert_eq!(change_points_with(&series, true), full, "{series:?}");
            with_points += usize::from(!full.is_empty());
        }
        assert!(with_points > 500, "only {with_points} series had a change point");
    }

    #[test]
    fn histories_longer_than_the_screens_stack_columns_screen_alike() {
        // Regression guard: the 3,000-series test stops at 61 runs, and past 64 the screen's
        // columns live on the heap instead.
        let mut rng = fastrand::Rng::with_seed(29);
        let mut with_points = 0;
        for n in 60..=140 {
            for step in [0.0, 0.01, 0.1] {
                let at = rng.usize(0..n);
                let series: Vec<f64> = (0..n)
                    .map(|i| 100.0 * (1.0 + 0.02 * (rng.f64() - 0.5) + if i >= at { step } else { 0.0 }))
                    .collect();
                let full = change_points_with(&series, false);
                assert_eq!(change_points_with(&series, true), full, "n = {n}, step {step}");
                with_points += usize::from(!full.is_empty());
            }
        }
        assert!(with_points > 50, "only {with_points} series had a change point");
    }

    #[test]
    fn the_screen_bound_is_just_below_the_t_critical_value() {
        // scipy: t.ppf(1 − 0.0005, df).
        for (freedom, critical) in
            [(4, 8.610301581379522), (10, 4.586893858702708), (48, 3.5050679704702397), (200, 3.3398354062757107)]
        {
            let bound = screen_bound(freedom);
            assert!(bound < critical && bound > 0.985 * critical, "{freedom}: {bound} against {critical}");
        }
        // Toward the normal distribution's 3.2905 (scipy at 10,000: 3.2915), never below 3.25;
        // and asked again, the same.
        assert!((3.25..3.2905).contains(&screen_bound(10_000)));
        assert_eq!(screen_bound(48), screen_bound(48));
    }

    #[test]
    fn the_normal_shortcut_never_changes_the_welch_decision() {
        // Pairs of samples from barely to clearly different, small to large: the shortcut must
        // say what the full p-value says, on both sides of the threshold.
        let mut rng = fastrand::Rng::with_seed(11);
        let (mut significant, mut not) = (0, 0);
        for round in 0..4000 {
            let (nx, ny) = (3 + round % 7, 3 + (round / 7) % 40);
            let shift = (round % 50) as f64 * 0.15;
            let x: Vec<f64> = (0..nx).map(|_| 100.0 + rng.f64()).collect();
            let y: Vec<f64> = (0..ny).map(|_| 100.0 + shift + rng.f64()).collect();
            let full = welch_p(&x, &y) < P_THRESHOLD;
            assert_eq!(welch_significant(&x, &y), full, "{x:?} {y:?}");
            if full {
                significant += 1;
            } else {
                not += 1;
            }
        }
        assert!(significant > 500 && not > 500, "{significant} significant, {not} not");
        // Just above and just below the normal bound, with many degrees of freedom.
        let dist = StudentsT::new(0.0, 1.0, 1e6).unwrap();
        assert!(2.0 * dist.sf(3.29) > P_THRESHOLD && 2.0 * dist.sf(3.30) < P_THRESHOLD);
    }

    #[test]
    fn welch_matches_scipy() {
        // scipy.stats.ttest_ind(a, b, equal_var=False).pvalue = 0.03597227102979692
        let a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
        let b = [
            28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4,
            24.0, 13.2,
        ];
        assert!((welch_p(&a, &b) - 0.035_972_271_029_796_92).abs() < 1e-9);
    }
}
