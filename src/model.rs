//! The normalized data every stage agrees on: metrics in canonical units, grouped into a run.
//!
//! Ingest adapters produce these, the evaluator and the baseline store consume them. Keeping
//! them plain (no behaviour beyond small helpers) is what lets each stage be tested alone.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Whether a bigger number is good news (throughput, scores) or bad news (time, bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
}

impl Direction {
    /// The direction a canonical unit implies: rates (`ops/s`, `B/s`) are higher-is-better,
    /// everything else (time, bytes, counts) lower-is-better. Formats whose measure says
    /// otherwise (scores, hit counts) set the direction themselves.
    pub fn for_unit(canonical_unit: &str) -> Direction {
        match crate::units::dimension(canonical_unit) {
            crate::units::Dimension::Rate => Direction::HigherIsBetter,
            _ => Direction::LowerIsBetter,
        }
    }

    /// Change expressed so that positive always means "worse", which is what limits are about.
    pub fn worsening(self, baseline: f64, current: f64) -> f64 {
        match self {
            Direction::LowerIsBetter => current - baseline,
            Direction::HigherIsBetter => baseline - current,
        }
    }
}

/// The named statistics a metric may carry; budgets refer to them by these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    /// The tool's headline figure: what a user sees first in the tool's own output.
    Value,
    Mean,
    Median,
    Min,
    Max,
    Stddev,
    P50,
    P75,
    P90,
    P95,
    P99,
    P999,
    /// Uncompressed size of a build output.
    Raw,
    /// gzip-compressed size of a build output.
    Gzip,
    /// brotli-compressed size of a build output.
    Brotli,
}

impl Stat {
    pub const ALL: [Stat; 15] = [
        Stat::Value,
        Stat::Mean,
        Stat::Median,
        Stat::Min,
        Stat::Max,
        Stat::Stddev,
        Stat::P50,
        Stat::P75,
        Stat::P90,
        Stat::P95,
        Stat::P99,
        Stat::P999,
        Stat::Raw,
        Stat::Gzip,
        Stat::Brotli,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stat::Value => "value",
            Stat::Mean => "mean",
            Stat::Median => "median",
            Stat::Min => "min",
            Stat::Max => "max",
            Stat::Stddev => "stddev",
            Stat::P50 => "p50",
            Stat::P75 => "p75",
            Stat::P90 => "p90",
            Stat::P95 => "p95",
            Stat::P99 => "p99",
            Stat::P999 => "p999",
            Stat::Raw => "raw",
            Stat::Gzip => "gzip",
            Stat::Brotli => "brotli",
        }
    }

    /// Whether this is a bundle size (raw, gzip, brotli) rather than a statistic of results.
    pub fn is_size(self) -> bool {
        matches!(self, Stat::Raw | Stat::Gzip | Stat::Brotli)
    }

    /// Percentiles are computed from raw samples; this gives the quantile each stands for.
    pub fn quantile(self) -> Option<f64> {
        match self {
            Stat::P50 => Some(50.0),
            Stat::P75 => Some(75.0),
            Stat::P90 => Some(90.0),
            Stat::P95 => Some(95.0),
            Stat::P99 => Some(99.0),
            Stat::P999 => Some(99.9),
            _ => None,
        }
    }
}

impl fmt::Display for Stat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a metric was read from, so every later message can point back at the file. Shared
/// by all of a file's metrics and their rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: Arc<str>,
    pub format: Arc<str>,
}

/// One measured quantity, in canonical units (ns, bytes, per second).
///
/// A benchmark may measure several things (time, allocated bytes, allocations, throughput,
/// instructions): each is its own `Metric` with the benchmark's `name` and a `measure`, as in
/// Bencher's benchmark × measure model. `measure: None` is the benchmark's headline measure (what
/// the tool shows first, usually time per iteration), so names that worked before measures
/// existed keep working; budgets reach the others with `measure:` (see [`measures`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    /// `None` for the headline measure; otherwise one of [`measures`] or the tool's own name
    /// for a counter it reports (Google Benchmark counters, Go `b.ReportMetric` units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    pub unit: String,
    pub direction: Direction,
    pub stats: StatMap,
    /// Raw samples, kept only until percentiles and the sample summary are computed.
    #[serde(skip)]
    pub samples: Vec<f64>,
    /// How many samples the stats were computed from, when known; feeds significance tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u64>,
    /// Shared by all of a file's metrics (one pointer each rather than a copy of two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<Source>>,
    /// Measured exactly (sizes), so no noise model applies: any change beyond a limit counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
    /// The group total this metric is one part of (a bundle's file belongs to `bundle/<name>`).
    /// Parts are budgeted only where a budget names them, and shown in their group's table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    /// Where in its file the adapter found it (a JSON path such as `results[2]`), for errors.
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// Where in its file an adapter found a metric (`results[2]`, `line 7`), for error messages:
/// kept as its parts and written out only for an error (a `format!` per metric was a tenth of
/// reading a 20,000-metric file).
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// As written: a JSON path with names in it.
    Text(String),
    /// Element `index` of the array `list` (`""`: the file's top-level array), `list[index]`.
    Item(&'static str, usize),
    /// A line of a tool's text output, counted from 1.
    Line(usize),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Text(text) => f.write_str(text),
            Origin::Item(list, index) => write!(f, "{list}[{index}]"),
            Origin::Line(number) => write!(f, "line {number}"),
        }
    }
}

impl From<String> for Origin {
    fn from(text: String) -> Origin {
        Origin::Text(text)
    }
}

impl From<&str> for Origin {
    fn from(text: &str) -> Origin {
        Origin::Text(text.to_string())
    }
}

impl From<&String> for Origin {
    fn from(text: &String) -> Origin {
        Origin::Text(text.clone())
    }
}

impl Metric {
    pub fn new(name: impl Into<String>, unit: impl Into<String>, direction: Direction) -> Self {
        Metric {
            name: name.into(),
            measure: None,
            unit: unit.into(),
            direction,
            stats: StatMap::new(),
            samples: Vec::new(),
            n: None,
            iterations: None,
            source: None,
            exact: false,
            part_of: None,
            origin: None,
        }
    }

    /// Records where in its file the metric came from, for error messages.
    pub fn at(mut self, origin: impl Into<Origin>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Marks this metric as a secondary measure of its benchmark (see [`measures`]).
    pub fn measure(mut self, measure: impl Into<String>) -> Self {
        self.measure = Some(measure.into());
        self
    }

    /// The benchmark name with the measure, as people read it: `fib/10` or `fib/10 [allocations]`.
    pub fn display_name(&self) -> String {
        display_name(&self.name, self.measure.as_deref())
    }

    pub fn with_stat(mut self, stat: Stat, value: f64) -> Self {
        self.stats.insert(stat, value);
        self
    }

    pub fn stat(&self, stat: Stat) -> Option<f64> {
        self.stats.get(stat)
    }

    /// This metric's numbers as a stored run's [`StatValues`].
    pub fn stat_values(&self) -> StatValues<'_> {
        StatValues { mask: self.stats.mask, values: Figures::Wide(&self.stats.values), n: self.n }
    }
}

/// A metric's statistics, at most one number per [`Stat`]: a bit per stat present and their
/// numbers in [`Stat::ALL`] order, the shape a stored run's [`StatValues`] has. Most metrics
/// carry one stat or a few, and a map per metric was most of a metric's memory (a `BTreeMap`
/// node of 112 bytes for one number: 2.2 MB at 20,000 metrics, twice over with the save's
/// copy). Iterates, serializes and compares as the map did: by stat, in `Stat::ALL` order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatMap {
    mask: u32,
    values: Vec<f64>,
}

impl StatMap {
    pub const fn new() -> StatMap {
        StatMap { mask: 0, values: Vec::new() }
    }

    pub fn get(&self, stat: Stat) -> Option<f64> {
        stat.place_in(self.mask).map(|at| self.values[at])
    }

    pub fn contains(&self, stat: Stat) -> bool {
        self.mask & stat.bit() != 0
    }

    /// Sets `stat` to `value`, giving back the number it had.
    pub fn insert(&mut self, stat: Stat, value: f64) -> Option<f64> {
        if let Some(at) = stat.place_in(self.mask) {
            return Some(std::mem::replace(&mut self.values[at], value));
        }
        // A metric's first stat gets room for itself alone: most have no other.
        if self.values.is_empty() {
            self.values.reserve_exact(1);
        }
        self.mask |= stat.bit();
        let at = stat.place_in(self.mask).expect("the bit was just set");
        self.values.insert(at, value);
        None
    }

    /// `stat`'s number, set to `default` first where the metric has none.
    pub fn or_insert(&mut self, stat: Stat, default: f64) -> &mut f64 {
        if !self.contains(stat) {
            self.insert(stat, default);
        }
        let at = stat.place_in(self.mask).expect("the stat is present");
        &mut self.values[at]
    }

    pub fn remove(&mut self, stat: Stat) -> Option<f64> {
        let at = stat.place_in(self.mask)?;
        self.mask &= !stat.bit();
        Some(self.values.remove(at))
    }

    pub fn clear(&mut self) {
        self.mask = 0;
        self.values.clear();
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// A bit per stat present (see [`Stat::bit`]).
    pub fn mask(&self) -> u32 {
        self.mask
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The stats present, in `Stat::ALL` order.
    pub fn keys(&self) -> impl Iterator<Item = Stat> + '_ {
        Stat::ALL.into_iter().filter(|s| self.contains(*s))
    }

    /// Their numbers, in the same order.
    pub fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Stat, f64)> + '_ {
        self.keys().zip(self.values())
    }
}

/// Some of the [`Stat`]s, a bit each: the stats a test read (one, usually), in `Stat::ALL` order.
/// A list of them was an allocation per row, twice (the judgement's and the row's).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatSet(u32);

impl StatSet {
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Stat> {
        Stat::ALL.into_iter().filter(move |s| self.0 & s.bit() != 0)
    }
}

impl From<Stat> for StatSet {
    fn from(stat: Stat) -> StatSet {
        StatSet(stat.bit())
    }
}

impl<const N: usize> From<[Stat; N]> for StatSet {
    fn from(stats: [Stat; N]) -> StatSet {
        StatSet(stats.iter().fold(0, |set, s| set | s.bit()))
    }
}

/// As the list of stats it stands for: `["value"]`.
impl Serialize for StatSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl FromIterator<(Stat, f64)> for StatMap {
    fn from_iter<I: IntoIterator<Item = (Stat, f64)>>(iter: I) -> StatMap {
        let mut map = StatMap::new();
        map.extend(iter);
        map
    }
}

impl Extend<(Stat, f64)> for StatMap {
    fn extend<I: IntoIterator<Item = (Stat, f64)>>(&mut self, iter: I) {
        for (stat, value) in iter {
            self.insert(stat, value);
        }
    }
}

impl<const N: usize> From<[(Stat, f64); N]> for StatMap {
    fn from(pairs: [(Stat, f64); N]) -> StatMap {
        pairs.into_iter().collect()
    }
}

impl Serialize for StatMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for StatMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<StatMap, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = StatMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of stat names to numbers")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<StatMap, A::Error> {
                let mut stats = StatMap::new();
                // A stat given twice keeps its last number, as a map read from JSON does.
                while let Some((stat, value)) = map.next_entry::<Stat, f64>()? {
                    stats.insert(stat, value);
                }
                Ok(stats)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl Stat {
    /// The stat's bit in a [`StatValues`] mask (its place in [`Stat::ALL`]).
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// One metric's numbers in one stored run, without a map per metric (a 50-run history of 20,000
/// metrics is a million of these): a bit per stat present, in [`Stat::ALL`] order, and the
/// present stats' values in that order. What the noise model reads of the base branch's runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatValues<'a> {
    pub mask: u32,
    pub values: Figures<'a>,
    /// Samples behind the stats, when known.
    pub n: Option<u64>,
}

/// The numbers of one measurement, whether a [`Metric`] of this run or a stored run's
/// [`StatValues`]: what the noise model compares.
pub trait Numbers {
    fn get(&self, stat: Stat) -> Option<f64>;
    fn samples(&self) -> Option<u64>;
}

impl Numbers for Metric {
    fn get(&self, stat: Stat) -> Option<f64> {
        self.stat(stat)
    }
    fn samples(&self) -> Option<u64> {
        self.n
    }
}

impl Numbers for StatValues<'_> {
    fn get(&self, stat: Stat) -> Option<f64> {
        self.stat(stat)
    }
    fn samples(&self) -> Option<u64> {
        self.n
    }
}

impl StatValues<'_> {
    pub fn stat(&self, stat: Stat) -> Option<f64> {
        self.values.get(stat.place_in(self.mask)?)
    }
}

/// The values of a [`StatValues`] as they are held: a stored run's as the store wrote them
/// (f32 for timings, which a long history keeps at half the memory), this run's as f64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figures<'a> {
    Narrow(&'a [f32]),
    Wide(&'a [f64]),
}

impl Figures<'_> {
    #[inline]
    pub fn get(&self, at: usize) -> Option<f64> {
        match self {
            Figures::Narrow(v) => v.get(at).map(|&x| f64::from(x)),
            Figures::Wide(v) => v.get(at).copied(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Figures::Narrow(v) => v.len(),
            Figures::Wide(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Stat {
    /// Where this stat's value is among those of a [`StatValues`] mask, `None` if the mask has
    /// not got it: the count of the bits below its own. Most stored runs have one stat or a
    /// few, and the first needs no counting (no instruction for it on baseline x86_64; the
    /// noise model asks a million times at 20,000 metrics × 50 runs).
    #[inline]
    pub fn place_in(self, mask: u32) -> Option<usize> {
        if mask & self.bit() == 0 {
            return None;
        }
        let below = mask & (self.bit() - 1);
        Some(if below == 0 { 0 } else { below.count_ones() as usize })
    }
}

/// `fib/10` or `fib/10 [allocations]`.
pub fn display_name(name: &str, measure: Option<&str>) -> String {
    match measure {
        None => name.to_string(),
        Some(m) => format!("{name} [{m}]"),
    }
}

/// The standard names of secondary measures, shared by every format so one budget reads the
/// same across tools (`measure: allocations` for Go, BenchmarkDotNet and dhat alike). A tool's
/// own counters that fit none of these keep the tool's name for them.
pub mod measures {
    /// Operations (or bytes) per second where time per operation is the headline.
    pub const THROUGHPUT: &str = "throughput";
    /// CPU time per iteration where wall time is the headline (Google Benchmark).
    pub const CPU_TIME: &str = "cpu-time";
    /// Bytes allocated per operation.
    pub const ALLOCATED: &str = "allocated";
    /// Heap allocations per operation.
    pub const ALLOCATIONS: &str = "allocations";
    /// Time spent in garbage collection per operation.
    pub const GC_TIME: &str = "gc-time";
    pub const GEN0_COLLECTS: &str = "gen0-collects";
    pub const GEN1_COLLECTS: &str = "gen1-collects";
    pub const GEN2_COLLECTS: &str = "gen2-collects";
    /// Instruction counts and cache behaviour from callgrind (gungraun / iai-callgrind).
    pub const INSTRUCTIONS: &str = "instructions";
    pub const L1_HITS: &str = "l1-hits";
    pub const L2_HITS: &str = "l2-hits";
    pub const RAM_HITS: &str = "ram-hits";
    pub const TOTAL_READ_WRITE: &str = "total-read-write";
    pub const ESTIMATED_CYCLES: &str = "estimated-cycles";
}

/// What CI context a run was taken in; stored with baselines so a comparison can name commits.
/// Absent values serialize as `null`: templates see every key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunContext {
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    /// RFC 3339 UTC time the run was taken.
    #[serde(default)]
    pub time: Option<String>,
    #[serde(default)]
    pub runner: Option<String>,
}

/// The metrics of one CI run plus where it ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Run {
    #[serde(flatten)]
    pub context: RunContext,
    pub metrics: Vec<Metric>,
}

impl Run {
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The map it replaced is the reference: every sequence of inserts, removes and
    /// `or_insert`s leaves the same stats in the same order, and serde writes and reads them as
    /// it did (a stat given twice keeps its last number).
    #[test]
    fn a_stat_map_behaves_as_the_btree_map_it_replaced() {
        let mut rng = fastrand::Rng::with_seed(19);
        for _ in 0..2_000 {
            let (mut ours, mut reference) = (StatMap::new(), BTreeMap::new());
            for _ in 0..rng.usize(0..30) {
                let stat = Stat::ALL[rng.usize(..Stat::ALL.len())];
                let value = f64::from(rng.u16(..));
                match rng.u8(..4) {
                    0 => assert_eq!(ours.remove(stat), reference.remove(&stat)),
                    1 => assert_eq!(*ours.or_insert(stat, value), *reference.entry(stat).or_insert(value)),
                    _ => assert_eq!(ours.insert(stat, value), reference.insert(stat, value)),
                }
                assert_eq!(
                    ours.iter().collect::<Vec<_>>(),
                    reference.iter().map(|(s, v)| (*s, *v)).collect::<Vec<_>>()
                );
                assert_eq!((ours.len(), ours.is_empty()), (reference.len(), reference.is_empty()));
                assert!(Stat::ALL.iter().all(|s| ours.get(*s) == reference.get(s).copied()));
                assert!(Stat::ALL.iter().all(|s| ours.contains(*s) == reference.contains_key(s)));
                let values = Metric { stats: ours.clone(), ..Metric::new("m", "ns", Direction::LowerIsBetter) };
                assert!(Stat::ALL.iter().all(|s| values.stat_values().stat(*s) == reference.get(s).copied()));
            }
            let json = serde_json::to_string(&ours).unwrap();
            assert_eq!(json, serde_json::to_string(&reference).unwrap());
            assert_eq!(serde_json::from_str::<StatMap>(&json).unwrap(), ours);
        }
        let twice: StatMap = serde_json::from_str(r#"{"p95": 2, "value": 1, "p95": 3}"#).unwrap();
        assert_eq!(twice.iter().collect::<Vec<_>>(), [(Stat::Value, 1.0), (Stat::P95, 3.0)]);
        let unknown = serde_json::from_str::<StatMap>(r#"{"p42": 1}"#).unwrap_err().to_string();
        assert!(unknown.contains("unknown variant `p42`"), "{unknown}");
    }

    #[test]
    fn a_stat_set_is_written_as_the_list_of_its_stats_in_stat_order() {
        assert_eq!(serde_json::to_string(&StatSet::default()).unwrap(), "[]");
        assert_eq!(serde_json::to_string(&StatSet::from(Stat::Min)).unwrap(), r#"["min"]"#);
        let two = StatSet::from([Stat::P95, Stat::Value]);
        assert_eq!(serde_json::to_string(&two).unwrap(), r#"["value","p95"]"#);
        assert_eq!(two.iter().collect::<Vec<_>>(), [Stat::Value, Stat::P95]);
        assert!(StatSet::default().is_empty() && !two.is_empty());
    }
}
