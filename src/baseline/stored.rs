//! The stored form of a run: what a later comparison needs of it, and nothing of the report's
//! `Metric` that will keep changing (sources, origins, samples, iterations).
//!
//! A stored metric keeps, per stat, one number — the centre and spread stats (mean, median,
//! min, max, stddev, percentiles) and the sample count `n` are what the noise model reads
//! (issue 16) — and the identity that lines it up with the next run (name, measure, unit,
//! direction, exactness, group).

use serde::{Deserialize, Serialize};

use crate::model::{Direction, Metric, Run, RunContext, StatMap};

/// Where and when a stored run was taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// RFC 3339 time the run was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// RFC 3339 time of the commit (from the push event), which orders runs by history rather
    /// than by when CI got to them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
}

/// What lines a metric up with the same metric of another run, and how to read its numbers.
/// Written as its [`DescriptorRef`] is, so a save of borrowed metrics writes the same catalog.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Descriptor {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    pub unit: String,
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
}

/// A [`Descriptor`]'s fields borrowed from wherever the metric is: what a catalog is written
/// from (a save copied this run's every name and unit into descriptors of its own first: 3 MB
/// at 20,000 metrics, at the step's peak).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DescriptorRef<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measure: Option<&'a str>,
    pub unit: &'a str,
    pub direction: Direction,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<&'a str>,
}

impl DescriptorRef<'_> {
    pub fn to_owned(self) -> Descriptor {
        let DescriptorRef { name, measure, unit, direction, exact, part_of } = self;
        let (measure, part_of) = (measure.map(str::to_string), part_of.map(str::to_string));
        Descriptor { name: name.to_string(), measure, unit: unit.to_string(), direction, exact, part_of }
    }
}

impl Serialize for Descriptor {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.borrowed().serialize(serializer)
    }
}

impl Descriptor {
    pub fn borrowed(&self) -> DescriptorRef<'_> {
        let Descriptor { name, measure, unit, direction, exact, part_of } = self;
        let (measure, part_of) = (measure.as_deref(), part_of.as_deref());
        DescriptorRef { name, measure, unit, direction: *direction, exact: *exact, part_of }
    }

    /// The evaluation's metric with these numbers.
    pub fn metric(&self, values: Values) -> Metric {
        let mut metric = Metric::new(self.name.clone(), self.unit.clone(), self.direction);
        metric.measure = self.measure.clone();
        metric.exact = self.exact;
        metric.part_of = self.part_of.clone();
        metric.stats = values.stats;
        metric.n = values.n;
        metric
    }
}

impl StoredContext {
    /// The commit's first seven characters, as messages show it.
    pub fn short_commit(&self) -> Option<String> {
        self.commit.as_ref().map(|c| c.chars().take(7).collect())
    }

    /// The time that orders this run in its branch's history: its commit's, else its own.
    pub fn order_time(&self) -> Option<&str> {
        self.commit_time.as_deref().or(self.time.as_deref())
    }

    pub fn run_context(&self, branch: &str) -> RunContext {
        RunContext {
            commit: self.commit.clone(),
            branch: Some(branch.to_string()),
            time: self.time.clone(),
            runner: self.runner.clone(),
        }
    }
}

/// One metric's numbers in one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    pub stats: StatMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredMetric {
    #[serde(flatten)]
    pub descriptor: Descriptor,
    #[serde(flatten)]
    pub values: Values,
}

/// What a save writes of a metric: a stored run's own (moving history between stores), or
/// one of this run's, borrowed.
pub trait ToStore {
    fn descriptor(&self) -> DescriptorRef<'_>;
    fn stats(&self) -> &StatMap;
    fn samples(&self) -> Option<u64>;
}

impl ToStore for StoredMetric {
    fn descriptor(&self) -> DescriptorRef<'_> {
        self.descriptor.borrowed()
    }
    fn stats(&self) -> &StatMap {
        &self.values.stats
    }
    fn samples(&self) -> Option<u64> {
        self.values.n
    }
}

impl ToStore for &Metric {
    fn descriptor(&self) -> DescriptorRef<'_> {
        let Metric { name, measure, unit, direction, exact, part_of, .. } = self;
        let (measure, part_of) = (measure.as_deref(), part_of.as_deref());
        DescriptorRef { name, measure, unit, direction: *direction, exact: *exact, part_of }
    }
    fn stats(&self) -> &StatMap {
        &self.stats
    }
    fn samples(&self) -> Option<u64> {
        self.n
    }
}

/// One run as a store keeps it; a run about to be saved borrows this run's metrics
/// ([`StoredRun::to_save`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRun<M = StoredMetric> {
    #[serde(flatten)]
    pub context: StoredContext,
    pub metrics: Vec<M>,
}

impl StoredRun {
    /// The stored form of `run`, owned (see [`StoredRun::to_save`]).
    pub fn from_run(run: &Run, commit_time: Option<String>) -> StoredRun {
        let saved = StoredRun::to_save(&run.context, &run.metrics, commit_time);
        let metrics = saved
            .metrics
            .iter()
            .map(|m| StoredMetric {
                descriptor: m.descriptor().to_owned(),
                values: Values { stats: m.stats.clone(), n: m.n },
            })
            .collect();
        StoredRun { context: saved.context, metrics }
    }

    /// The run as the evaluation reads it, on `branch`.
    pub fn to_run(&self, branch: &str) -> Run {
        let metrics = self.metrics.iter().map(|m| m.descriptor.metric(m.values.clone())).collect();
        Run { context: self.context.run_context(branch), metrics }
    }
}

impl<'a> StoredRun<&'a Metric> {
    /// This run as a save writes it, borrowing its metrics: sorted by name and measure (the
    /// order the layout's catalogs and the comparison's merge rely on).
    pub fn to_save(context: &RunContext, metrics: &'a [Metric], commit_time: Option<String>) -> StoredRun<&'a Metric> {
        let mut metrics: Vec<&Metric> = metrics.iter().collect();
        // Usually sorted already (`ingest` sorts).
        fn key<'m>(m: &&'m Metric) -> (&'m String, &'m Option<String>) {
            (&m.name, &m.measure)
        }
        if !metrics.is_sorted_by(|a, b| key(a) <= key(b)) {
            metrics.sort_by(|a, b| key(a).cmp(&key(b)));
        }
        StoredRun {
            context: StoredContext {
                commit: context.commit.clone(),
                time: context.time.clone(),
                commit_time,
                runner: context.runner.clone(),
            },
            metrics,
        }
    }
}

impl<M> StoredRun<M> {
    /// The commit shortened for messages, or "a run without a commit".
    pub fn short_commit(&self) -> String {
        self.context.short_commit().unwrap_or_else(|| "a run without a commit".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Stat;

    #[test]
    fn a_run_survives_the_stored_form() {
        let mut m =
            Metric::new("b", "ns", Direction::LowerIsBetter).with_stat(Stat::Mean, 1.5).with_stat(Stat::Min, 1.0);
        m.n = Some(10);
        m.measure = Some("cpu-time".into());
        m.source = Some(crate::model::Source { file: "x.json".into(), format: "hyperfine".into() }.into());
        let a = Metric::new("a", "B", Direction::LowerIsBetter).with_stat(Stat::Gzip, 10.0);
        let run = Run {
            context: RunContext {
                commit: Some("abcdef12345".into()),
                branch: Some("main".into()),
                time: Some("t".into()),
                runner: None,
            },
            metrics: vec![m.clone(), a.clone()],
        };
        let stored = StoredRun::from_run(&run, Some("ct".into()));
        assert_eq!(stored.metrics[0].descriptor.name, "a", "sorted by name");
        assert_eq!(stored.short_commit(), "abcdef1");
        assert_eq!(stored.context.order_time(), Some("ct"));
        let back = stored.to_run("main");
        m.source = None;
        assert_eq!(back.metrics, vec![a, m]);
        assert_eq!(back.context, run.context);
    }
}
