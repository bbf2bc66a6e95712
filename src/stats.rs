//! Statistics of one run: percentiles and summaries from raw samples (the noise model, which
//! compares runs, is `noise`).
//!
//! Percentiles come from an HDR histogram at 3 significant digits, so samples are summarized
//! once and then dropped. The tests need only summaries (mean, standard deviation, count), which
//! is what baselines store; no raw samples have to survive between runs.

use hdrhistogram::Histogram;

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
    metric.stats.or_insert(Stat::Mean, mean);
    metric.stats.or_insert(Stat::Min, min);
    metric.stats.or_insert(Stat::Max, max);
    if samples.len() > 1 {
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        metric.stats.or_insert(Stat::Stddev, variance.sqrt());
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
    let p50 = metric.stats.get(Stat::P50).expect("P50 was just inserted");
    metric.stats.or_insert(Stat::Median, p50);
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
}
