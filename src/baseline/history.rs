//! A branch's stored runs as the comparison reads them: packed, column by column, rather than
//! one `Metric` (with its map of stats and its name) per metric per run. At 20,000 metrics a
//! 50-run history is a million stored metrics: as `Metric`s it took 550 MB and most of a
//! second to build; packed it is three flat arrays per run and the catalogs they share.

use std::sync::Arc;

use super::stored::{Descriptor, StoredContext, Values};
use crate::model::{Figures, Metric, Run, Stat, StatValues};

/// One stored run's numbers: for metric `k` of its catalog, a bit per stat (see
/// [`StatValues`]), its sample count when known, and one value per stat.
///
/// Values are kept as the store wrote them, f32 (see [`Column`]).
///
/// Most runs are uniform (every metric has the same stats: one `value`, or mean/median/...),
/// and for them only the values are kept, metric `k`'s at `k × width`: the mask and start of
/// each metric (8 bytes) were half of what a one-value metric took, 8 MB of a 50-run history
/// of 20,000 metrics. The first metric with other stats makes the per-metric columns, and
/// `ns` likewise stays empty until a metric with a sample count is pushed (many tools write
/// none).
#[derive(Debug, Clone, Default)]
pub struct PackedRun {
    pub context: StoredContext,
    /// The metrics' descriptors, in the order of the arrays below; shared by the runs saved
    /// with the same set of metrics.
    pub catalog: Arc<Vec<Descriptor>>,
    /// Metrics pushed.
    count: usize,
    /// Every metric's mask while they are all the same (and `masks`, `starts` are empty), and
    /// its number of stats (counting a mask's bits has no instruction on baseline x86_64, and
    /// the history is read a million times at 20,000 metrics with 50 runs).
    uniform_mask: u32,
    uniform_width: usize,
    masks: Vec<u32>,
    starts: Vec<u32>,
    ns: Vec<Option<u64>>,
    values: Column,
}

impl PackedRun {
    /// An empty run of the metrics in `catalog`; its first metric sizes it (see [`Self::push`]).
    pub fn new(context: StoredContext, catalog: Arc<Vec<Descriptor>>) -> PackedRun {
        PackedRun { context, catalog, ..Default::default() }
    }

    /// Appends the next metric's numbers: its stat mask, its values in [`Stat::ALL`] order.
    /// (A million times for a 50-run history of 20,000 metrics: a slice, copied at once, and
    /// inline in the decoder's loop, where a call's saving and restoring of registers was a
    /// third of its cost.)
    #[inline]
    pub fn push(&mut self, mask: u32, values: &[f64], n: Option<u64>) {
        let start = self.begin(mask, values.len());
        self.values.extend(values);
        self.note(mask, values.len(), start, n);
    }

    /// [`Self::push`] of values as the store wrote them (f32), kept as they are.
    #[inline]
    pub fn push_narrow(&mut self, mask: u32, values: &[f32], n: Option<u64>) {
        let start = self.begin(mask, values.len());
        self.values.extend_narrow(values);
        self.note(mask, values.len(), start, n);
    }

    /// Appends consecutive metrics alike: the same stat mask, `width` values each as the store
    /// wrote them, no sample count; `values` holds theirs back to back (`width` > 0). Where
    /// the run is uniform with them, one copy.
    pub fn extend(&mut self, mask: u32, values: &[f32], width: usize) {
        let mut rest = values;
        if self.count == 0 {
            let Some((first, after)) = rest.split_at_checked(width) else { return };
            self.push_narrow(mask, first, None);
            rest = after;
        }
        let uniform = self.masks.is_empty() && self.ns.is_empty() && mask == self.uniform_mask;
        if uniform && width == self.uniform_width {
            self.values.extend_narrow(rest);
            self.count += rest.len() / width;
        } else {
            for values in rest.chunks_exact(width) {
                self.push_narrow(mask, values, None);
            }
        }
    }

    /// Where the next metric's values start. The first metric sizes the run: room for all of
    /// them, should every metric be like it (most runs; others grow by doubling).
    #[inline]
    fn begin(&mut self, mask: u32, width: usize) -> usize {
        if self.count == 0 {
            self.uniform_mask = mask;
            self.uniform_width = mask.count_ones() as usize;
            self.values.reserve(self.catalog.len().max(1) * width);
        }
        self.values.len()
    }

    /// The rest of a metric whose `width` values were appended at `start`: its mask and start
    /// once the run is not uniform, its sample count once any metric has one.
    #[inline]
    fn note(&mut self, mask: u32, width: usize, start: usize, n: Option<u64>) {
        let k = self.count;
        let fits = mask == self.uniform_mask && width == self.uniform_width;
        if self.masks.is_empty() && !fits {
            // The first metric unlike the others: every metric's mask and start from here on.
            let uniform_width = self.uniform_width as u32;
            self.masks = vec![self.uniform_mask; k];
            self.starts = (0..k as u32).map(|i| i * uniform_width).collect();
        }
        if !self.masks.is_empty() {
            self.masks.push(mask);
            self.starts.push(start as u32);
        }
        if n.is_some() && self.ns.len() < k {
            self.ns.resize(k, None);
        }
        if n.is_some() || !self.ns.is_empty() {
            self.ns.push(n);
        }
        self.count += 1;
    }

    /// Metrics stored (so far).
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The numbers of metric `k` of the catalog (inline: a million calls for a 50-run history of
    /// 20,000 metrics, where the call itself was half the cost).
    #[inline]
    pub fn get(&self, k: usize) -> StatValues<'_> {
        assert!(k < self.count, "metric {k} of a run of {}", self.count);
        let (mask, start, end) = match self.masks.is_empty() {
            true => {
                let width = self.uniform_width;
                (self.uniform_mask, k * width, (k + 1) * width)
            }
            false => {
                let end = self.starts.get(k + 1).map_or(self.values.len(), |e| *e as usize);
                (self.masks[k], self.starts[k] as usize, end)
            }
        };
        StatValues { mask, values: self.values.slice(start, end), n: self.ns.get(k).copied().flatten() }
    }

    /// Stat `stat` of metric `k` of the catalog: `get(k).stat(stat)` without making the
    /// metric's numbers first where the run is uniform (the noise model reads one stat of a
    /// metric in every run, a million times for a 50-run history of 20,000 metrics).
    #[inline]
    pub fn stat(&self, k: usize, stat: Stat) -> Option<f64> {
        if !self.masks.is_empty() || k >= self.count {
            return self.get(k).stat(stat);
        }
        self.values.get(k * self.uniform_width + stat.place_in(self.uniform_mask)?)
    }

    /// Metric `k` of the catalog as the evaluation's `Metric` (a stored metric missing now, a
    /// bundle's file in the size tables).
    pub fn metric(&self, k: usize) -> Metric {
        let numbers = self.get(k);
        let stats = Stat::ALL.iter().filter_map(|s| numbers.stat(*s).map(|v| (*s, v))).collect();
        self.catalog[k].metric(Values { stats, n: numbers.n })
    }

    /// The run as a `Run` of `Metric`s.
    pub fn to_run(&self, branch: &str) -> Run {
        Run { context: self.context.run_context(branch), metrics: (0..self.len()).map(|k| self.metric(k)).collect() }
    }

    /// A run of `Metric`s packed (tests, benches, and runs that were never stored).
    pub fn from_run(run: &Run) -> PackedRun {
        let stored = super::StoredRun::from_run(run, None);
        let catalog: Vec<Descriptor> = stored.metrics.iter().map(|m| m.descriptor.clone()).collect();
        let mut packed = PackedRun::new(stored.context.clone(), Arc::new(catalog));
        for m in &stored.metrics {
            let values: Vec<f64> = m.values.stats.values().collect();
            packed.push(m.values.stats.mask(), &values, m.values.n);
        }
        packed
    }
}

/// A run's values: f32 while every value fits one exactly, as the store writes timings (see
/// `layout`), which halves a long history (a 50-run history of 20,000 metrics is 4 MB rather
/// than 8, and the noise model reads half the memory); the first value that does not (an
/// exact size past 2^24 bytes, a run packed from this run's metrics) makes the run's f64.
#[derive(Debug, Clone)]
enum Column {
    Narrow(Vec<f32>),
    Wide(Vec<f64>),
}

impl Default for Column {
    fn default() -> Column {
        Column::Narrow(Vec::new())
    }
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Narrow(v) => v.len(),
            Column::Wide(v) => v.len(),
        }
    }

    fn reserve(&mut self, more: usize) {
        match self {
            Column::Narrow(v) => v.reserve(more),
            Column::Wide(v) => v.reserve(more),
        }
    }

    #[inline]
    fn get(&self, at: usize) -> Option<f64> {
        self.slice(0, self.len()).get(at)
    }

    fn slice(&self, start: usize, end: usize) -> Figures<'_> {
        match self {
            Column::Narrow(v) => Figures::Narrow(&v[start..end]),
            Column::Wide(v) => Figures::Wide(&v[start..end]),
        }
    }

    /// Values as the store wrote them.
    #[inline]
    fn extend_narrow(&mut self, values: &[f32]) {
        match self {
            Column::Narrow(v) => v.extend_from_slice(values),
            Column::Wide(v) => v.extend(values.iter().map(|&x| f64::from(x))),
        }
    }

    #[inline]
    fn extend(&mut self, values: &[f64]) {
        if let Column::Narrow(narrow) = self {
            // NaN has no one f32 that gives it back bit for bit, and needs none: any NaN is NaN.
            let fits = |v: f64| f64::from(v as f32) == v || v.is_nan();
            if values.iter().all(|&v| fits(v)) {
                return narrow.extend(values.iter().map(|&v| v as f32));
            }
            let mut wide = Vec::with_capacity(narrow.capacity().max(narrow.len() + values.len()));
            wide.extend(narrow.iter().map(|&x| f64::from(x)));
            *self = Column::Wide(wide);
        }
        if let Column::Wide(wide) = self {
            wide.extend_from_slice(values);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Direction, Metric, RunContext};

    #[test]
    fn a_run_packs_and_unpacks_to_the_same_metrics() {
        let mut a =
            Metric::new("b/x", "ns", Direction::LowerIsBetter).with_stat(Stat::Mean, 2.0).with_stat(Stat::Min, 1.0);
        a.n = Some(30);
        let b =
            Metric::new("a/y", "B", Direction::LowerIsBetter).with_stat(Stat::Gzip, 300.0).with_stat(Stat::Raw, 1000.0);
        let run = Run { context: RunContext { commit: Some("c1".into()), ..Default::default() }, metrics: vec![a, b] };
        let packed = PackedRun::from_run(&run);
        assert_eq!(packed.len(), 2);
        assert_eq!(packed.get(0).stat(Stat::Raw), Some(1000.0), "sorted by name: a/y first");
        assert_eq!(packed.get(0).stat(Stat::Gzip), Some(300.0));
        assert_eq!(packed.get(0).stat(Stat::Brotli), None);
        assert_eq!(packed.get(1).stat(Stat::Min), Some(1.0));
        assert_eq!(packed.get(1).n, Some(30));
        assert_eq!(packed.get(0).n, None, "a metric without a count before one with it");
        let back = packed.to_run("main");
        assert_eq!(back.metrics[1].stats, run.metrics[0].stats);
        assert_eq!(back.metrics[0].name, "a/y");
    }

    #[test]
    fn a_uniform_run_keeps_only_its_values_and_an_odd_metric_makes_the_columns() {
        let one = |name: String| Metric::new(name, "ns", Direction::LowerIsBetter).with_stat(Stat::Value, 1.5);
        let metrics: Vec<Metric> = (0..50).map(|i| one(format!("b/{i:03}"))).collect();
        let packed = PackedRun::from_run(&Run { context: RunContext::default(), metrics: metrics.clone() });
        assert!(packed.masks.is_empty() && packed.starts.is_empty());
        assert_eq!(packed.values.len(), 50);
        assert!((0..50).all(|k| packed.get(k).stat(Stat::Value) == Some(1.5)));
        assert!((0..50).all(|k| packed.stat(k, Stat::Value) == Some(1.5) && packed.stat(k, Stat::Min).is_none()));
        // Metric 30 with two stats: the ones before it keep their numbers, and so do those after.
        let mut odd = metrics;
        odd[30] = odd[30].clone().with_stat(Stat::Min, 0.5);
        odd[31].stats.clear();
        odd[31] = odd[31].clone().with_stat(Stat::Mean, 7.0);
        let packed = PackedRun::from_run(&Run { context: RunContext::default(), metrics: odd.clone() });
        assert_eq!(packed.masks.len(), 50);
        for (k, m) in odd.iter().enumerate() {
            for (stat, value) in m.stats.iter() {
                assert_eq!(packed.get(k).stat(stat), Some(value), "metric {k} {stat:?}");
            }
            for &stat in Stat::ALL.iter() {
                assert_eq!(packed.stat(k, stat), packed.get(k).stat(stat), "metric {k} {stat:?}");
            }
            assert_eq!(packed.get(k).values.len(), m.stats.len(), "metric {k}");
        }
    }

    #[test]
    fn values_f32_holds_stay_narrow_and_the_first_it_cannot_hold_widens_the_run() {
        let mut run = PackedRun::new(StoredContext::default(), Arc::new(Vec::new()));
        run.extend(1, &[1.5, 2.25, 7651.05], 1);
        run.push(1, &[f64::NAN], None);
        assert!(matches!(run.values, Column::Narrow(_)));
        // An exact size past 2^24: every value before it keeps its number, and after it too.
        run.push(3, &[16_777_217.0, 0.1], None);
        run.extend(1, &[3.5], 1);
        assert!(matches!(run.values, Column::Wide(_)));
        let values: Vec<Vec<f64>> =
            (0..run.len()).map(|k| Stat::ALL.iter().filter_map(|s| run.get(k).stat(*s)).collect()).collect();
        assert_eq!(values[..3], [vec![1.5], vec![2.25], vec![f64::from(7651.05f32)]]);
        assert!(values[3][0].is_nan());
        assert_eq!(values[4..], [vec![16_777_217.0, 0.1], vec![3.5]]);
        assert_eq!(run.stat(2, Stat::Value), Some(f64::from(7651.05f32)));
    }

    #[test]
    fn runs_without_sample_counts_keep_no_count_column() {
        // Regression: every push appended a `None` to `ns` (16 bytes a metric, 16 MB of a
        // 50-run history of 20,000 metrics from a tool that writes no sample counts).
        let metrics: Vec<Metric> = (0..100)
            .map(|i| Metric::new(format!("b/{i:03}"), "ns", Direction::LowerIsBetter).with_stat(Stat::Value, 1.0))
            .collect();
        let packed = PackedRun::from_run(&Run { context: RunContext::default(), metrics: metrics.clone() });
        assert!(packed.ns.is_empty(), "{} counts kept", packed.ns.len());
        assert!((0..100).all(|k| packed.get(k).n.is_none()));
        // A count after many metrics without one: the column starts there, padded before it.
        let mut later = metrics;
        later[70].n = Some(9);
        let packed = PackedRun::from_run(&Run { context: RunContext::default(), metrics: later });
        assert_eq!(packed.ns.len(), 100);
        assert_eq!((0..100).filter_map(|k| packed.get(k).n).collect::<Vec<_>>(), [9]);
        assert_eq!(packed.get(70).n, Some(9));
    }
}
