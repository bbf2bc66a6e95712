//! A branch's stored runs as the comparison reads them: packed, column by column, rather than
//! one `Metric` (with its map of stats and its name) per metric per run. At 20,000 metrics a
//! 50-run history is a million stored metrics: as `Metric`s it took 550 MB and most of a
//! second to build; packed it is three flat arrays per run and the catalogs they share.

use std::sync::Arc;

use super::stored::{Descriptor, StoredContext, Values};
use crate::model::{Run, Stat, StatValues};

/// One stored run's numbers: for metric `k` of its catalog, `masks[k]` (a bit per stat, see
/// [`StatValues`]), `ns[k]` (samples, when known) and its values at `values[starts[k]..]`.
/// `ns` stays empty until a metric with a sample count is pushed: many tools write none, and
/// 16 bytes of `None` per metric were half of what a one-value metric takes packed.
#[derive(Debug, Clone, Default)]
pub struct PackedRun {
    pub context: StoredContext,
    /// The metrics' descriptors, in the order of the arrays below; shared by the runs saved
    /// with the same set of metrics.
    pub catalog: Arc<Vec<Descriptor>>,
    masks: Vec<u32>,
    ns: Vec<Option<u64>>,
    starts: Vec<u32>,
    values: Vec<f64>,
}

impl PackedRun {
    pub fn with_capacity(context: StoredContext, catalog: Arc<Vec<Descriptor>>, values: usize) -> PackedRun {
        let count = catalog.len();
        PackedRun {
            context,
            catalog,
            masks: Vec::with_capacity(count),
            ns: Vec::new(),
            starts: Vec::with_capacity(count),
            values: Vec::with_capacity(values),
        }
    }

    /// Appends the next metric's numbers: its stat mask, its values in [`Stat::ALL`] order.
    pub fn push(&mut self, mask: u32, values: impl IntoIterator<Item = f64>, n: Option<u64>) {
        let k = self.masks.len();
        self.masks.push(mask);
        if n.is_some() && self.ns.len() < k {
            self.ns.resize(k, None);
        }
        if n.is_some() || !self.ns.is_empty() {
            self.ns.push(n);
        }
        self.starts.push(self.values.len() as u32);
        self.values.extend(values);
    }

    /// Metrics stored (so far).
    pub fn len(&self) -> usize {
        self.masks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.masks.is_empty()
    }

    /// The numbers of metric `k` of the catalog.
    pub fn get(&self, k: usize) -> StatValues<'_> {
        let start = self.starts[k] as usize;
        let end = self.starts.get(k + 1).map_or(self.values.len(), |e| *e as usize);
        StatValues { mask: self.masks[k], values: &self.values[start..end], n: self.ns.get(k).copied().flatten() }
    }

    /// The run as the evaluation's `Run` of `Metric`s (for the one run the tables compare with).
    pub fn to_run(&self, branch: &str) -> Run {
        let metrics = (0..self.len())
            .map(|k| {
                let numbers = self.get(k);
                let stats = Stat::ALL.iter().filter_map(|s| numbers.stat(*s).map(|v| (*s, v))).collect();
                self.catalog[k].metric(Values { stats, n: numbers.n })
            })
            .collect();
        Run { context: self.context.run_context(branch), metrics }
    }

    /// A run of `Metric`s packed (tests, benches, and runs that were never stored).
    pub fn from_run(run: &Run) -> PackedRun {
        let stored = super::StoredRun::from_run(run, None);
        let catalog: Vec<Descriptor> = stored.metrics.iter().map(|m| m.descriptor.clone()).collect();
        let mut packed = PackedRun::with_capacity(stored.context.clone(), Arc::new(catalog), stored.metrics.len());
        for m in &stored.metrics {
            let mask = m.values.stats.keys().fold(0, |mask, s| mask | s.bit());
            packed.push(mask, m.values.stats.values().copied(), m.values.n);
        }
        packed
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
