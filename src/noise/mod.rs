//! The noise model: whether a change against the base branch is real or CI noise. It owns the
//! choice of test, the p-value, the effect estimate with its interval and the evidence text;
//! evaluation reads one [`Judgement`] per row.
//!
//! Why this shape (issue 16, measured on repeated runs on these machines): CI noise comes mostly
//! from between runs (machine, neighbours, frequency), not from within one. Welch's test on one
//! run's samples called 52–70 % of A/A criterion pairs significant at 1 %. So:
//!
//! - With at least `min_history` runs of the base branch, a PR run is judged against the
//!   spread of per-run values in the window since the last change point ([`changepoint`]),
//!   around the window's median: a prediction test (Student's t with the window's runs − 1
//!   degrees of freedom, widened by the PR run's own standard error when it has one).
//! - Contention only slows runs down, and it moves the mean far more than the minimum: in a
//!   first pass of `fixtures/noise`, made while other jobs loaded the machine, identical code
//!   measured 68–349 ns on its headline while its minimum stayed at 59–68 ns, and 2× slower
//!   code had minimums of 126–198 ns. So for a timing judged on a
//!   central statistic (value, mean, median, p50) with per-run minimums, the p-value tests the
//!   minimum, and the minimum's change must be beyond the limit too ([`Judgement::evidence_change`])
//!   before a row fails; the row still reports the stat the budget names. Tail statistics (p90
//!   and up, max) are judged on themselves, since a tail regression need not move the minimum.
//! - With fewer runs the limit decides, with two guards: the change must stand out from the
//!   two runs' own sample spread ([`within_run_spread_p`]), and the contention-resistant
//!   evidence must be beyond the limit too; otherwise the row is inconclusive. The row says its
//!   p-value covers within-run noise only.
//! - Across the rows of one run, p-values are adjusted for false discoveries ([`fdr`]).

pub mod changepoint;
pub mod fdr;

use std::fmt::Write;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::model::{Direction, Metric, Numbers, Stat, StatSet, StatValues};
use crate::units::{write_human, write_sig3, write_signed_percent};

/// Which test decided whether a change vs the baseline is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Test {
    /// No baseline comparison was made.
    None,
    /// Too little history: the limit decides, guarded by the runs' own sample spread and the
    /// contention-resistant evidence.
    Threshold,
    /// This run against the spread of the base branch's per-run values.
    History,
    /// An exact measurement (sizes, instruction counts): no noise, any change counts.
    Exact,
}

/// What the model needs of one row.
pub struct Input<'a> {
    pub stat: Stat,
    pub current: &'a Metric,
    /// This metric in the stored runs of the base branch.
    pub history: &'a dyn History,
    pub min_history: usize,
    pub confidence: f64,
}

/// A metric's numbers in the stored runs of the base branch that have it, oldest first: what
/// the model reads of them is a stat's series and the newest run's numbers, so a store can
/// hand those over without making each run's numbers first (at 20,000 metrics with 50 runs,
/// making them for every row cost twice as much as taking the series out of them).
pub trait History {
    /// Stored runs that have the metric.
    fn runs(&self) -> usize;
    /// `stat` in each of those runs that has it, oldest first.
    fn series(&self, stat: Stat) -> Vec<f64>;
    /// The newest of those runs.
    fn newest(&self) -> Option<StatValues<'_>>;
}

/// A history already made run by run (the tests').
#[cfg(test)]
impl History for Vec<StatValues<'_>> {
    fn runs(&self) -> usize {
        self.len()
    }

    fn series(&self, stat: Stat) -> Vec<f64> {
        // Sized for every run at once: a filtered iterator gives `collect` no length.
        let mut series = Vec::with_capacity(self.len());
        series.extend(self.iter().filter_map(|m| m.stat(stat)));
        series
    }

    fn newest(&self) -> Option<StatValues<'_>> {
        self.last().copied()
    }
}

/// The model's verdict on one row, before the false-discovery adjustment across rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub test: Test,
    /// What the change is measured against: the window's median, or the newest run.
    pub centre: f64,
    /// (current − centre) / |centre|.
    pub change: f64,
    /// Interval of `change` at the configured confidence, where the test gives one.
    pub interval: Option<(f64, f64)>,
    /// The change of the contention-resistant evidence (the per-run minimum of a timing, the
    /// maximum of a rate) against its own centre, where it applies: a row fails only when this
    /// is beyond the limit too.
    pub evidence_change: Option<f64>,
    /// The calibrated p-value (history test only); adjusted across rows before use.
    pub p_value: Option<f64>,
    /// With short history: the change against the two runs' own sample spread
    /// ([`within_run_spread_p`]); a row over the limit fails only when this is significant.
    pub within_run_p: Option<f64>,
    /// The statistics the p-value tested.
    pub tested: StatSet,
    /// Runs of history stored, and the runs in the window the test used.
    pub history_runs: usize,
    pub window_runs: usize,
    /// Runs before the window were cut at a change point.
    pub cut_at_change_point: bool,
    /// Between-run coefficient of variation of the window.
    pub cv: Option<f64>,
    /// Samples behind the current value.
    pub samples: Option<u64>,
}

/// Judges `input.current` against its history; `None` when neither side has the stat.
pub fn judge(input: &Input) -> Option<Judgement> {
    let current = input.current.stat(input.stat)?;
    let series = input.history.series(input.stat);
    let newest = *series.last()?;
    let base = Judgement {
        test: Test::Threshold,
        centre: newest,
        change: relative_change(newest, current),
        interval: None,
        evidence_change: None,
        p_value: None,
        within_run_p: None,
        tested: StatSet::default(),
        history_runs: series.len(),
        window_runs: 1,
        cut_at_change_point: false,
        cv: None,
        samples: input.current.n,
    };
    if input.current.exact {
        return Some(Judgement { test: Test::Exact, ..base });
    }
    let within_run_p = input.history.newest().and_then(|old| within_run_spread_p(&old, input.current));
    let minimums = contention_evidence(input, series.len());
    if series.len() < input.min_history.max(2) {
        // Too little history to know the noise: the limit decides, on the change of the
        // judged stat and, where it applies, of the minimum against the newest run.
        let evidence_change =
            minimums.as_ref().map(|(history, current)| relative_change(history[history.len() - 1], *current));
        return Some(Judgement { within_run_p, evidence_change, ..base });
    }
    let start = changepoint::last_segment_start(&series);
    let window = &series[start..];
    if window.len() < 3 {
        // Too soon after a change point to know the new level's spread.
        return Some(Judgement { within_run_p, window_runs: window.len(), cut_at_change_point: start > 0, ..base });
    }
    let own_se = own_standard_error(input.current, input.stat);
    let main = prediction(window, current, own_se);
    let (p, tested, evidence_change) = match &minimums {
        Some((history, current_evidence)) => {
            let evidence = prediction(&history[start..], *current_evidence, None);
            let stat = if input.current.direction == Direction::HigherIsBetter { Stat::Max } else { Stat::Min };
            (evidence.p(), stat.into(), Some(evidence.change))
        }
        None => (main.p(), input.stat.into(), None),
    };
    Some(Judgement {
        test: Test::History,
        centre: main.centre,
        change: main.change,
        interval: Some(main.interval(input.confidence)),
        evidence_change,
        p_value: Some(p),
        within_run_p,
        tested,
        window_runs: window.len(),
        cut_at_change_point: start > 0,
        cv: main.cv,
        ..base
    })
}

/// The contention-resistant evidence (history, current) where it applies: for a timing,
/// lower-is-better, the per-run minimum; for a rate, higher-is-better (JMH ops/s, req/s), the
/// per-run maximum — contention lowers throughput as it raises times. Only for a central
/// statistic, and only with the evidence and the judged stat in every run (`with_stat`: the runs
/// with the judged stat).
fn contention_evidence(input: &Input, with_stat: usize) -> Option<(Vec<f64>, f64)> {
    use crate::units::{dimension, Dimension};
    let central = matches!(input.stat, Stat::Value | Stat::Mean | Stat::Median | Stat::P50);
    let evidence = match (dimension(&input.current.unit), input.current.direction) {
        (Dimension::Duration, Direction::LowerIsBetter) => Stat::Min,
        (Dimension::Rate, Direction::HigherIsBetter) => Stat::Max,
        _ => return None,
    };
    if !central || evidence == input.stat {
        return None;
    }
    let current = input.current.stat(evidence)?;
    let values = input.history.series(evidence);
    let runs = input.history.runs();
    (values.len() == runs && with_stat == runs).then_some((values, current))
}

/// A new run against a window's spread; the p-value and the interval are computed on demand
/// (each costs an incomplete beta function, and a row needs one or the other of each test).
struct Prediction {
    centre: f64,
    change: f64,
    cv: Option<f64>,
    /// Standard error of a new run's value, and Student's t with the window's runs − 1 degrees
    /// of freedom; `None` when the window has no spread.
    spread: Option<(f64, StudentsT)>,
    current: f64,
}

impl Prediction {
    /// Two-sided p-value of `current` under the window's distribution.
    fn p(&self) -> f64 {
        match &self.spread {
            Some((se, dist)) => 2.0 * dist.sf(((self.current - self.centre) / se).abs()),
            None => f64::from(u8::from(self.current == self.centre)),
        }
    }

    /// Interval of the change at `confidence`.
    fn interval(&self, confidence: f64) -> (f64, f64) {
        match &self.spread {
            Some((se, dist)) => {
                let half = t_quantile(dist, 0.5 + confidence / 2.0) * se / self.centre.abs().max(f64::MIN_POSITIVE);
                (self.change - half, self.change + half)
            }
            None => (self.change, self.change),
        }
    }
}

/// Student's t quantile at `p`. Every row of a run asks for the same one (the same confidence,
/// and nearly always the same window length), and inverting the incomplete beta function is a
/// tenth of evaluating 20,000 rows: the last answer is kept per thread and reused.
fn t_quantile(dist: &StudentsT, p: f64) -> f64 {
    use std::cell::Cell;
    thread_local! {
        static LAST: Cell<(f64, f64, f64)> = const { Cell::new((f64::NAN, f64::NAN, f64::NAN)) };
    }
    LAST.with(|last| {
        let (freedom, at, value) = last.get();
        if freedom == dist.freedom() && at == p {
            return value;
        }
        let value = dist.inverse_cdf(p);
        last.set((dist.freedom(), p, value));
        value
    })
}

/// `current` against the distribution of `window`'s values around their median: the standard
/// error of a new observation is `s·√(1 + π/(2n))` (the median's variance is π/2 that of the
/// mean for normal data), widened by the current run's own standard error.
fn prediction(window: &[f64], current: f64, own_se: Option<f64>) -> Prediction {
    let n = window.len() as f64;
    let centre = median(window);
    let mean = window.iter().sum::<f64>() / n;
    let sd = (window.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let se = (sd.powi(2) * (1.0 + std::f64::consts::PI / (2.0 * n)) + own_se.unwrap_or(0.0).powi(2)).sqrt();
    let change = relative_change(centre, current);
    let cv = (centre != 0.0).then(|| sd / centre.abs());
    let spread = (se != 0.0 && se.is_finite())
        .then(|| (se, StudentsT::new(0.0, 1.0, n - 1.0).expect("n ≥ 3 gives positive degrees of freedom")));
    Prediction { centre, change, cv, spread, current }
}

/// The standard error of the current run's estimate of `stat`, where the run says it: the mean
/// (and the headline when the tool's headline is its mean) from stddev/√n.
fn own_standard_error(metric: &Metric, stat: Stat) -> Option<f64> {
    let is_mean = stat == Stat::Mean || (stat == Stat::Value && metric.stat(Stat::Value) == metric.stat(Stat::Mean));
    if !is_mean {
        return None;
    }
    Some(metric.stat(Stat::Stddev)? / (metric.n? as f64).sqrt())
}

/// With too little history to know the between-run noise, the change against the two runs' own
/// *sample* spread (√(s₁² + s₂²), not the standard error of the means): the spread of single
/// samples is a conservative stand-in for how far a run moves from run to run. Where the runs
/// have samples, the fast edge is compared ([`edge_and_spread`]), else the means. Welch's test on the standard errors called 52–70 % of identical criterion runs
/// different at 1 %; against the sample spread, identical runs stay within noise while a 2×
/// slowdown (several spreads away) does not. Normal two-sided p-value.
fn within_run_spread_p(old: &StatValues, new: &Metric) -> Option<f64> {
    let centre = spread_p(centre_and_spread(old), centre_and_spread(new));
    let edge = spread_p(edge_and_spread(old, new), edge_and_spread(new, new));
    // Either view standing out is enough: the means for clean runs, the fast edge for runs
    // with a long slow tail.
    match (centre, edge) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn spread_p(old: Option<(f64, f64, u64)>, new: Option<(f64, f64, u64)>) -> Option<f64> {
    let ((ma, sa, na), (mb, sb, nb)) = (old?, new?);
    if na < 2 || nb < 2 {
        return None;
    }
    let spread = (sa.powi(2) + sb.powi(2)).sqrt();
    if spread == 0.0 {
        return Some(if ma == mb { 1.0 } else { 0.0 });
    }
    let normal = statrs::distribution::Normal::new(0.0, 1.0).expect("standard normal");
    Some(2.0 * normal.sf(((mb - ma) / spread).abs()))
}

/// For a timing, its minimum and the distance from the minimum to the median: the fast edge of
/// the samples, which contention cannot move down and a loaded runner's long slow tail does not
/// widen (a busy machine's pytest run had its mean at 2.6× its median). For a rate, the maximum
/// and its distance to the median. `None` where the run has no such samples. `kind` is the
/// metric whose unit and direction say which edge (a stored run's numbers carry neither).
fn edge_and_spread(m: &impl Numbers, kind: &Metric) -> Option<(f64, f64, u64)> {
    let median = m.get(Stat::P50).or(m.get(Stat::Median))?;
    let timing = crate::units::dimension(&kind.unit) == crate::units::Dimension::Duration;
    match kind.direction {
        Direction::LowerIsBetter if timing => Some((m.get(Stat::Min)?, median - m.get(Stat::Min)?, m.samples()?)),
        Direction::HigherIsBetter => Some((m.get(Stat::Max)?, m.get(Stat::Max)? - median, m.samples()?)),
        _ => None,
    }
}

/// A run's centre and sample spread: the mean and standard deviation; with the sample count.
fn centre_and_spread(m: &impl Numbers) -> Option<(f64, f64, u64)> {
    Some((m.get(Stat::Mean)?, m.get(Stat::Stddev)?, m.samples()?))
}

/// The median of `values` (the mean of the middle two for an even count), in the order of
/// `f64::total_cmp`.
pub fn median(values: &[f64]) -> f64 {
    // Selection, not a sort: one median per row of every run, 20,000 times over; and on the
    // values' total-order keys, so that each comparison is one integer comparison rather than
    // two conversions and a comparison (a third of the median's instructions at 50 runs).
    let mut keys: Vec<i64> = values.iter().map(|&v| total_order_key(v)).collect();
    let mid = keys.len() / 2;
    let (below, middle, _) = keys.select_nth_unstable(mid);
    let middle = from_total_order_key(*middle);
    match below.iter().copied().max() {
        Some(lower) if mid * 2 == values.len() => (from_total_order_key(lower) + middle) / 2.0,
        _ => middle,
    }
}

/// `v`'s place in `f64::total_cmp`'s order as an integer, the way `total_cmp` itself compares:
/// the bits as a signed integer, with every bit but the sign flipped for negative values (whose
/// magnitudes grow the other way).
fn total_order_key(v: f64) -> i64 {
    flip_negatives(v.to_bits() as i64)
}

fn from_total_order_key(key: i64) -> f64 {
    f64::from_bits(flip_negatives(key) as u64)
}

/// Every bit but the sign flipped where the sign is set: its own inverse, since it keeps the
/// sign it looks at.
fn flip_negatives(bits: i64) -> i64 {
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// (current − base) / |base|; ±∞ from a zero base.
pub fn relative_change(base: f64, current: f64) -> f64 {
    if base == 0.0 {
        if current == 0.0 {
            0.0
        } else {
            f64::INFINITY.copysign(current)
        }
    } else {
        (current - base) / base.abs()
    }
}

/// `p = 0.0123` / `p < 0.0001`.
pub fn format_p(p: f64) -> String {
    let mut text = String::new();
    write_p(&mut text, p);
    text
}

/// [`format_p`], appended to `out`.
pub fn write_p(out: &mut String, p: f64) {
    if p < 0.0001 {
        out.push_str("p < 0.0001");
    } else {
        out.push_str("p = ");
        crate::units::write_fixed(out, p, 4);
    }
}

impl Judgement {
    /// "+14.6 % [+12.1 %, +17.0 %] vs main, median of 10 runs (81.3 ms → 93.2 ms)".
    pub fn change_text(&self, branch: &str, unit: &str, current: f64) -> String {
        // One buffer, written in place (this text is made for every row of a 20,000-row run;
        // writing to a String cannot fail).
        let mut text = String::with_capacity(96);
        write_signed_percent(&mut text, self.change);
        if let Some((lo, hi)) = self.interval.filter(|(lo, hi)| lo.is_finite() && hi.is_finite()) {
            text.push_str(" [");
            write_signed_percent(&mut text, lo);
            text.push_str(", ");
            write_signed_percent(&mut text, hi);
            text.push(']');
        }
        text.push_str(" vs ");
        text.push_str(branch);
        if self.test == Test::History {
            let _ = write!(text, ", median of {} runs", self.window_runs);
        }
        text.push_str(" (");
        write_human(&mut text, self.centre, unit);
        text.push_str(" → ");
        write_human(&mut text, current, unit);
        text.push(')');
        text
    }

    /// Which test decided and the noise it saw: "history test on mean and min, p = 0.0001
    /// (adjusted for 12 rows); 10 runs since a change point, CV 2.0 %, 30 samples".
    pub fn evidence(&self, adjusted: Option<f64>, rows: usize) -> String {
        match self.test {
            Test::Exact => "exact measurement".into(),
            Test::History => {
                // One buffer, written in place, as in [`Judgement::change_text`].
                let mut text = String::with_capacity(128);
                text.push_str("history test on ");
                for (k, stat) in self.tested.iter().enumerate() {
                    text.push_str(if k == 0 { "" } else { " and " });
                    text.push_str(stat.name());
                }
                text.push_str(", ");
                if let Some(p) = adjusted.or(self.p_value) {
                    write_p(&mut text, p);
                }
                if adjusted.is_some() && rows > 1 {
                    let _ = write!(text, ", adjusted over {rows} rows");
                }
                let _ = match self.cut_at_change_point {
                    true => {
                        write!(text, "; {} runs since a change point ({} stored)", self.window_runs, self.history_runs)
                    }
                    false => write!(text, "; history of {} runs", self.window_runs),
                };
                if let Some(cv) = self.cv {
                    text.push_str(", CV ");
                    write_sig3(&mut text, cv * 100.0);
                    text.push('%');
                }
                if let Some(n) = self.samples {
                    let _ = write!(text, ", {n} samples");
                }
                text
            }
            _ => {
                let why = if self.history_runs > 0 && self.window_runs < 3 && self.cut_at_change_point {
                    format!("{} runs since a change point, too few to know the noise", self.window_runs)
                } else {
                    format!(
                        "{} run{} of history, too few to know the noise",
                        self.history_runs,
                        if self.history_runs == 1 { "" } else { "s" }
                    )
                };
                match self.within_run_p {
                    Some(p) => format!(
                        "the limit decides ({why}); against the runs' own sample spread {}, which covers within-run noise only",
                        format_p(p)
                    ),
                    None => format!("the limit decides ({why})"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(value: f64, min: f64) -> Metric {
        Metric::new("m", "ns", Direction::LowerIsBetter).with_stat(Stat::Value, value).with_stat(Stat::Min, min)
    }

    fn judge_against(history: &[Metric], current: &Metric) -> Judgement {
        let packed: Vec<StatValues> = history.iter().map(Metric::stat_values).collect();
        judge(&Input { stat: Stat::Value, current, history: &packed, min_history: 5, confidence: 0.99 }).unwrap()
    }

    #[test]
    fn median_by_selection_matches_the_sorted_middle() {
        let mut rng = fastrand::Rng::with_seed(3);
        let odd = [f64::NEG_INFINITY, f64::INFINITY, -0.0, 0.0, f64::MIN_POSITIVE, -f64::MAX, 1e300, -1e-300];
        for n in 1..80 {
            for spread in [10.0, 1e9] {
                let values: Vec<f64> = (0..n)
                    .map(|_| match rng.u8(..10) {
                        0 => odd[rng.usize(..odd.len())],
                        _ => ((rng.f64() - 0.5) * spread).round(),
                    })
                    .collect();
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let expected = if n % 2 == 0 { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 } else { sorted[n / 2] };
                let got = median(&values);
                assert!(got.to_bits() == expected.to_bits() || got.is_nan() && expected.is_nan(), "{values:?}");
            }
        }
        assert!(median(&[1.0, f64::NAN, 2.0]).to_bits() == 2.0f64.to_bits(), "NaN sorts last, as total_cmp has it");
    }

    #[test]
    fn prediction_p_value_matches_student_t() {
        // window 98, 99, 100, 101, 102 (median 100, sd 1.5811): se = sd·√(1 + π/10);
        // t = 5/se; scipy: 2·t.sf(t, 4).
        let window = [98.0, 99.0, 100.0, 101.0, 102.0];
        let got = prediction(&window, 105.0, None);
        let se = 1.581_138_830_084_189_8 * (1.0 + std::f64::consts::PI / 10.0f64).sqrt();
        let t = 5.0 / se;
        let dist = StudentsT::new(0.0, 1.0, 4.0).unwrap();
        assert!((got.p() - 2.0 * dist.sf(t)).abs() < 1e-12);
        // Reference from scipy: 2*t.sf(2.5, 4) = 0.06676654481198814.
        assert!((2.0 * dist.sf(2.5) - 0.066_766_544_811_988_14).abs() < 1e-9);
        // scipy: t.ppf(0.995, 4) = 4.604094871349992
        assert!((dist.inverse_cdf(0.995) - 4.604_094_871_349_992).abs() < 1e-6);
        assert_eq!(got.centre, 100.0);
    }

    #[test]
    fn a_step_in_history_moves_the_window() {
        let mut history: Vec<Metric> =
            [100.0, 101.0, 99.0, 100.5, 99.5, 100.2].iter().map(|v| run(*v, v - 5.0)).collect();
        history.extend([115.0, 116.0, 114.5, 115.5].iter().map(|v| run(*v, v - 5.0)));
        let j = judge_against(&history, &run(115.2, 110.2));
        assert_eq!(j.test, Test::History);
        assert!(j.cut_at_change_point && j.window_runs == 4, "{j:?}");
        assert!((j.centre - 115.25).abs() < 1e-9);
        assert!(j.p_value.unwrap() > 0.5);
    }

    #[test]
    fn contention_that_moves_the_mean_but_not_the_min_is_not_significant() {
        // Headlines all over the place (a loaded runner), minimums steady.
        let history: Vec<Metric> =
            [(100.0, 95.0), (160.0, 95.3), (120.0, 94.8), (240.0, 95.1), (105.0, 95.2), (180.0, 94.9)]
                .iter()
                .map(|(v, m)| run(*v, *m))
                .collect();
        // Headline +40 %, min unchanged: a loaded runner, not slower code.
        let loaded = judge_against(&history, &run(200.0, 95.1));
        assert!(loaded.p_value.unwrap() > 0.1, "{loaded:?}");
        assert_eq!(loaded.tested, Stat::Min.into());
        assert!(loaded.evidence_change.unwrap().abs() < 0.01);
        // The minimum moved too: slower code, found through the noise of the headline.
        let slower = judge_against(&history, &run(250.0, 190.0));
        assert!(slower.p_value.unwrap() < 0.001, "{slower:?}");
        assert!((slower.evidence_change.unwrap() - 1.0).abs() < 0.01);
    }

    #[test]
    fn short_history_lets_the_limit_decide() {
        let history = [run(100.0, 95.0)];
        let j = judge_against(&history, &run(200.0, 190.0));
        assert_eq!(j.test, Test::Threshold);
        assert_eq!(j.p_value, None);
        assert!((j.change - 1.0).abs() < 1e-12);
        assert!(j.evidence(None, 1).contains("the limit decides (1 run of history"));
    }
}
