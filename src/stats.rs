//! Statistics: percentiles from raw samples, and the tests that tell a real regression from
//! CI noise.
//!
//! Percentiles come from an HDR histogram at 3 significant digits, so samples are summarized
//! once and then dropped. The tests need only summaries (mean, standard deviation, count), which
//! is what baselines store; no raw samples have to survive between runs.

use hdrhistogram::Histogram;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::model::{Metric, Stat};

/// Fills min, max, mean, stddev, median and percentiles from raw samples where the tool did
/// not give them, records the sample count, then drops the samples.
///
/// Samples must already be validated (finite, non-negative): hdrhistogram would silently
/// record NaN and negatives as zero.
pub fn summarize_samples(metric: &mut Metric) {
    if metric.samples.is_empty() {
        return;
    }
    let samples = std::mem::take(&mut metric.samples);
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    metric.n = Some(samples.len() as u64);
    metric.stats.entry(Stat::Mean).or_insert(mean);
    metric.stats.entry(Stat::Min).or_insert(min);
    metric.stats.entry(Stat::Max).or_insert(max);
    if samples.len() > 1 {
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        metric.stats.entry(Stat::Stddev).or_insert(variance.sqrt());
    }

    // hdrhistogram records integers. Scale so the smallest positive sample lands at 2048, where
    // 3 significant digits hold, and size the histogram to the samples' own range: one spanning
    // all of u64 is ~300 kB to allocate and zero per metric, which dominated reading 10,000.
    let min_positive = samples.iter().copied().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
    let scale = if min_positive.is_finite() { 2048.0 / min_positive } else { 1.0 };
    let high = ((max * scale).round() as u64).clamp(2, u64::MAX / 2);
    let mut histogram = Histogram::<u64>::new_with_bounds(1, high, 3).expect("1 ≤ 2 ≤ high ≤ u64::MAX/2, precision 3");
    for sample in &samples {
        histogram.saturating_record((sample * scale).round() as u64);
    }
    for stat in [Stat::P50, Stat::P75, Stat::P90, Stat::P95, Stat::P99, Stat::P999] {
        let q = stat.quantile().expect("percentile stats have a quantile") / 100.0;
        // The histogram reads back a bucket's highest equivalent value; never report beyond
        // what was actually observed.
        let value = (histogram.value_at_quantile(q) as f64 / scale).clamp(min, max);
        metric.stats.insert(stat, value);
    }
    let p50 = metric.stats[&Stat::P50];
    metric.stats.entry(Stat::Median).or_insert(p50);
}

/// What a significance test needs of one side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub mean: f64,
    pub stddev: f64,
    pub n: u64,
}

impl Summary {
    /// The summary of a metric, when it has the three numbers a t-test needs.
    pub fn of(metric_stats: &std::collections::BTreeMap<Stat, f64>, n: Option<u64>) -> Option<Summary> {
        let n = n?;
        Some(Summary { mean: *metric_stats.get(&Stat::Mean)?, stddev: *metric_stats.get(&Stat::Stddev)?, n })
    }
}

/// Two-sided p-value of Welch's unequal-variances t-test on two summaries, or `None` when the
/// data cannot support a test (fewer than two samples a side).
pub fn welch_p_value(a: Summary, b: Summary) -> Option<f64> {
    if a.n < 2 || b.n < 2 {
        return None;
    }
    let (na, nb) = (a.n as f64, b.n as f64);
    let (va, vb) = (a.stddev.powi(2) / na, b.stddev.powi(2) / nb);
    let se = (va + vb).sqrt();
    if se == 0.0 {
        // Two noiseless sides: any difference at all is real.
        return Some(if a.mean == b.mean { 1.0 } else { 0.0 });
    }
    let t = (a.mean - b.mean) / se;
    let df = (va + vb).powi(2) / (va.powi(2) / (na - 1.0) + vb.powi(2) / (nb - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(2.0 * (1.0 - dist.cdf(t.abs())))
}

/// Two-sided p-value of `current` against the spread of earlier runs' values (a z-score), or
/// `None` with fewer than `min_history` values.
pub fn history_p_value(history: &[f64], current: f64, min_history: usize) -> Option<f64> {
    if history.len() < min_history.max(2) {
        return None;
    }
    let n = history.len() as f64;
    let mean = history.iter().sum::<f64>() / n;
    let sd = (history.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    if sd == 0.0 {
        return Some(if current == mean { 1.0 } else { 0.0 });
    }
    let z = (current - mean) / sd;
    let normal = Normal::new(0.0, 1.0).expect("standard normal");
    Some(2.0 * (1.0 - normal.cdf(z.abs())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Direction;

    fn metric_with(samples: Vec<f64>) -> Metric {
        let mut m = Metric::new("m", "ns", Direction::LowerIsBetter);
        m.samples = samples;
        summarize_samples(&mut m);
        m
    }

    #[test]
    fn percentiles_of_one_to_a_thousand() {
        let m = metric_with((1..=1000).map(f64::from).collect());
        assert_eq!(m.n, Some(1000));
        assert_eq!(m.stat(Stat::Min), Some(1.0));
        assert_eq!(m.stat(Stat::Max), Some(1000.0));
        assert_eq!(m.stat(Stat::Mean), Some(500.5));
        // Within hdrhistogram's 3-significant-digit bucket of the exact order statistic.
        for (stat, exact) in [(Stat::P50, 500.0), (Stat::P90, 900.0), (Stat::P95, 950.0), (Stat::P99, 990.0)] {
            let got = m.stat(stat).unwrap();
            assert!((got - exact).abs() / exact < 0.001, "{stat}: {got} vs {exact}");
        }
        assert!(m.samples.is_empty(), "samples are dropped once summarized");
    }

    #[test]
    fn sub_nanosecond_samples_keep_their_digits() {
        let m = metric_with(vec![0.3239, 0.3241, 0.3250]);
        let p50 = m.stat(Stat::P50).unwrap();
        assert!((p50 - 0.324).abs() < 0.001, "{p50}");
    }

    #[test]
    fn tool_given_stats_win_over_sample_derived_ones() {
        let mut m = Metric::new("m", "ns", Direction::LowerIsBetter).with_stat(Stat::Mean, 7.0);
        m.samples = vec![1.0, 2.0, 3.0];
        summarize_samples(&mut m);
        assert_eq!(m.stat(Stat::Mean), Some(7.0));
        assert_eq!(m.stat(Stat::Stddev), Some(1.0));
    }

    #[test]
    fn welch_matches_a_known_result() {
        // Reference: scipy 1.x `stats.ttest_ind(a, b, equal_var=False)` on these samples gives
        // t = -2.2192409158236233, df = 24.4962, p = 0.03597227102979692.
        let a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
        let b = [
            28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4,
            24.0, 13.2,
        ];
        let summary = |xs: &[f64]| {
            let n = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / n;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            Summary { mean, stddev: sd, n: xs.len() as u64 }
        };
        let p = welch_p_value(summary(&a), summary(&b)).unwrap();
        assert!((p - 0.035_972_271_029_796_92).abs() < 1e-9, "{p}");
    }

    #[test]
    fn welch_needs_two_samples_a_side() {
        let one = Summary { mean: 1.0, stddev: 0.0, n: 1 };
        assert_eq!(welch_p_value(one, one), None);
    }

    #[test]
    fn history_z_score() {
        let history = [100.0, 102.0, 98.0, 101.0, 99.0];
        assert!(history_p_value(&history, 100.5, 5).unwrap() > 0.5);
        assert!(history_p_value(&history, 130.0, 5).unwrap() < 0.001);
        assert_eq!(history_p_value(&history[..3], 130.0, 5), None);
    }
}
